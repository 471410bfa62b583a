"""Writing a file so that it is never half-written: the old file or the new one, nothing between.

`write_atomic` writes to a temporary file in the same folder, flushes it to disk, and only then
renames it over the target (`os.replace` is atomic on POSIX and Windows). A full disk, a crash or
Ctrl-C part-way leaves the old file untouched and no temporary file behind. Pictures (`render`),
stepper pages and the demos' figures are written this way.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path


def write_atomic(path: str | os.PathLike, data: bytes | str, *, overwrite: bool = True) -> Path:
    """Write `data` (text is UTF-8) to `path` atomically; returns the path.

    - `path` must be a regular file or not exist yet: a folder, a device, a FIFO or a socket there
      gets a clear error and is left alone. A symbolic link at `path` is replaced by the new file;
      the file it pointed to is left alone.
    - The permissions of a file being replaced are kept.
    - With ``overwrite=False`` an existing `path` is never replaced (`FileExistsError`).
    - The folder must exist.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    mode = None
    try:
        info = path.lstat()
    except FileNotFoundError:
        info = None
    if info is not None:
        if not overwrite:
            raise FileExistsError(f"{path} already exists and was left as it is")
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(f"{path} is a folder; give a file name inside it")
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
            raise ValueError(f"{path} is not a regular file (a device, FIFO or socket); it was left "
                             f"alone: write to a regular file instead")
        if stat.S_ISREG(info.st_mode):
            mode = stat.S_IMODE(info.st_mode)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"the folder {path.parent} of {path.name} does not exist")
    tmp = _temporary_name(path)
    # O_EXCL: never write into a file someone else made under that name; 0o666 before the umask.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the name points at them
        if mode is not None:
            os.chmod(tmp, mode)
        if overwrite:
            os.replace(tmp, path)
        else:
            _link_new(tmp, path)
    except BaseException:  # Ctrl-C included: no temporary file is left behind
        tmp.unlink(missing_ok=True)
        raise
    return path


def _temporary_name(path: Path) -> Path:
    """A fresh hidden name next to `path`; short enough for the file system even when `path`'s
    own name is near the limit (then the temporary name drops it)."""
    token = secrets.token_hex(6)
    name = f".{path.name}.{token}.tmp"
    try:
        limit = os.pathconf(path.parent, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # no pathconf (Windows) or no answer
        limit = 255
    if len(os.fsencode(name)) > limit:
        name = f".glassgrad.{token}.tmp"
    return path.with_name(name)


def _link_new(tmp: Path, path: Path) -> None:
    """Give the finished file `tmp` the name `path` only if no file has it (atomic where links
    exist: ``link`` fails on an existing name), then drop the temporary name."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(f"{path} already exists and was left as it is") from None
    except OSError as err:  # a file system without hard links: check, then rename
        if err.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.ENOSYS):
            raise
        if os.path.lexists(path):
            raise FileExistsError(f"{path} already exists and was left as it is") from None
        os.replace(tmp, path)
        return
    tmp.unlink()
