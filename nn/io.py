"""Save and load an `MLP` as JSON: its architecture and its parameters. No pickle, no code runs.

`save` and `load` share one check, `model_from_json`: `save` runs it on the very text it is about
to write and writes only what `load` will read back into the same model, so the two never disagree.
Only regular files are read or written, and `load` refuses a file over `MAX_BYTES` before reading.
"""

from __future__ import annotations

import json
import math
import os
import stat
from collections import Counter
from pathlib import Path
from typing import Any

from autograd.files import write_atomic
from autograd.value import shorten

from .module import MLP

FORMAT = "glassgrad-mlp/1"
#: the largest model file `load` reads (64 MiB, about two million parameters at ~30 bytes each)
MAX_BYTES = 64 * 2**20
#: integers with more digits than this are not converted at all (the largest float has 309;
#: Python itself refuses beyond 4,300 with a message that names no key)
_MAX_DIGITS = 1000


def save(model: MLP, path: str | os.PathLike) -> None:
    """Write `model` to `path` as JSON, atomically: a crash mid-save never destroys the old file.

    First the text is checked exactly as `load` will check it (`model_from_json`) and must give
    back the same weights, so a file that cannot be loaded again is never written: NaN/inf weights,
    two parameters with one label, labels edited away from ``L0.N0.w0 …``, a config `load` refuses.
    Then `autograd.files.write_atomic` writes it: a temporary file next to `path`, flushed to disk,
    then renamed over `path` (`os.replace` is atomic), so `path` holds either the old model or the
    new one, never half of each.

    `path` must be a regular file or not exist yet: a directory, device, FIFO or socket is refused
    and left alone. A symlink is followed: the file it points to is replaced, the link stays.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"save: expects an MLP (the file records its architecture), got "
                        f"{type(model).__name__}; for another Module, json.dump(model.state_dict())")
    path = Path(os.path.realpath(path))  # a symlink: write the file it points to
    where = f"save: {path}"
    if not path.parent.is_dir():
        raise FileNotFoundError(f"save: the folder {path.parent} does not exist; create it first "
                                f"(Path(...).mkdir(parents=True))")
    mode = _mode_or_none(path)
    if mode is not None and not stat.S_ISREG(mode):
        raise ValueError(f"{where} is {_kind(mode)}, not a regular file; it is left alone. Save the "
                         f"model to a file name instead.")
    name_max = _name_max(path.parent)
    if len(os.fsencode(path.name)) > name_max:
        raise ValueError(f"save: the file name {shorten(path.name, 60)!r} is "
                         f"{len(os.fsencode(path.name))} bytes; this file system allows {name_max}")
    text = _to_json(model, where)
    # `path` is already the real file (links resolved above) and known to be regular or absent,
    # so write_atomic's own checks pass and it replaces exactly this file, keeping its permissions.
    write_atomic(path, text)


def _to_json(model: MLP, where: str) -> str:
    """The text of the model file, after checking that `load` reads it back into this model."""
    params = model.parameters()
    labels = [p.label for p in params]
    if len(set(labels)) != len(labels):  # {label: number} would silently keep only one of them
        twice = sorted(k for k, n in Counter(labels).items() if n > 1)
        raise ValueError(f"{where}: several parameters are labelled {_keys(twice)}; "
                         f"a model file keys weights by label, so one would be lost. Nothing was "
                         f"written.")
    for p in params:
        if not math.isfinite(p.data):
            raise ValueError(f"{where}: parameter {shorten(p.label)!r} is {p.data}; a model with "
                             f"NaN/inf weights cannot be loaded again, so it is not saved (the file "
                             f"is unchanged). Find where training diverged "
                             f"(autograd.detect_anomaly() helps).")
    try:
        text = json.dumps({"format": FORMAT, "config": model.config, "state": model.state_dict()},
                          indent=1, allow_nan=False)
    except (TypeError, ValueError) as err:  # a config value JSON cannot hold (a NumPy int, …)
        raise ValueError(f"{where}: the model's config cannot be written as JSON ({err}); MLP "
                         f"arguments must be plain numbers, strings and lists. Nothing was "
                         f"written.") from None
    try:
        again = model_from_json(text, where)
    except ValueError as err:
        raise ValueError(f"{str(err).removesuffix('.')}. nn.load would refuse this file, so nothing was "
                         f"written (the file is unchanged)") from None
    if [p.data for p in again.parameters()] != [p.data for p in params]:  # labels in another order
        raise ValueError(f"{where}: the parameters' labels are not in the order MLP gives them "
                         f"(L0.N0.w0, L0.N0.w1, …); loading would put weights in the wrong places. "
                         f"Nothing was written.")
    return text


def _kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return kind
    return "a special file"


def _mode_or_none(path: str | os.PathLike) -> int | None:
    try:
        return os.stat(path).st_mode
    except OSError:
        return None


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):  # Windows, or a file system that will not say
        return 255


#: The keys of a model file's "config" (the arguments of `MLP`) and what each must hold.
_CONFIG = {
    "nin": "a whole number ≥ 1", "nouts": "a non-empty list of whole numbers ≥ 1",
    "activation": "a string", "output_activation": "a string", "bias": "true or false",
    "init": "a string", "init_scale": "a finite number", "seed": "a whole number or null",
}


def _whole(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 1


def _config_ok(key: str, x: Any) -> bool:
    if key == "nin":
        return _whole(x)
    if key == "nouts":
        return isinstance(x, list) and bool(x) and all(_whole(n) for n in x)
    if key == "bias":
        return isinstance(x, bool)
    if key == "init_scale":
        return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
    if key == "seed":
        return x is None or (isinstance(x, int) and not isinstance(x, bool))
    return isinstance(x, str)


def _check_config(config: dict[str, Any], where: str) -> None:
    extra = sorted(k for k in config if k not in _CONFIG)
    if extra:
        raise ValueError(f"{where}: unexpected key(s) {_keys(extra)} in 'config'; it takes "
                         f"{sorted(_CONFIG)}")
    for key in ("nin", "nouts"):
        if key not in config:
            raise ValueError(f"{where}: 'config' has no key {key!r} ({_CONFIG[key]})")
    for key, x in config.items():
        if not _config_ok(key, x):
            raise ValueError(f"{where}: config key {key!r} must be {_CONFIG[key]}, got "
                             f"{type(x).__name__} {x!r:.40}")


def _count_parameters(config: dict[str, Any]) -> int:
    sizes = [config["nin"], *config["nouts"]]
    bias = 1 if config.get("bias", True) else 0
    return sum((sizes[i] + bias) * sizes[i + 1] for i in range(len(sizes) - 1))


def load(path: str | os.PathLike, *, max_bytes: int = MAX_BYTES) -> MLP:
    """Read a model written by `save`. Nothing in the file is ever run: it is JSON, checked key by key.

    Only a regular file of at most `max_bytes` is read (a FIFO, a device or a directory is
    refused without reading). A file that is not UTF-8 JSON, is truncated, lacks or adds keys,
    has a config that does not fit its weights, or holds a non-number, NaN or infinity raises
    `ValueError` naming the key.
    """
    where = f"load: {path}"
    return model_from_json(_read(path, where, max_bytes), where)


def _read(path: str | os.PathLike, where: str, max_bytes: int) -> str:
    # O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; the checks on
    # the open file (not on the name) then refuse it, so nothing can be swapped in between.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:  # a socket cannot be opened at all ("No such device or address")
        mode = _mode_or_none(path)
        if mode is None or stat.S_ISREG(mode):
            raise
        raise ValueError(f"{where} is {_kind(mode)}, not a regular file; a glassgrad model file "
                         f"is JSON written by nn.save") from err
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{where} is {_kind(info.st_mode)}, not a regular file; a glassgrad "
                             f"model file is JSON written by nn.save")
        if info.st_size > max_bytes:
            raise ValueError(f"{where} is {info.st_size:,} bytes, over the limit of {max_bytes:,} "
                             f"(nn.load(path, max_bytes=...) to raise it)")
        f = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with f:
        data = f.read(max_bytes + 1)  # the file may have grown since fstat
    if len(data) > max_bytes:
        raise ValueError(f"{where} is over the limit of {max_bytes:,} bytes "
                         f"(nn.load(path, max_bytes=...) to raise it)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{where} is not a text file (byte {err.start} is not UTF-8); a glassgrad "
                         f"model file is JSON written by nn.save") from None


class _LongInteger:
    """A JSON integer too long to convert (Python refuses beyond 4,300 digits): shown, never used."""

    def __init__(self, digits: str) -> None:
        self.digits = len(digits.lstrip("-"))

    def __repr__(self) -> str:
        return f"<{self.digits:,} digits>"


_LongInteger.__name__ = "int"  # messages say "got {type(x).__name__} {x!r}": "got int <5,000 digits>"


def _parse_int(text: str) -> int | _LongInteger:
    return int(text) if len(text) <= _MAX_DIGITS else _LongInteger(text)


def model_from_json(text: str, where: str) -> MLP:
    """The model a model file's text describes — the one check `load` and `save` both run.

    Raises `ValueError` starting with `where` and naming the key for anything `load` must refuse;
    the config is checked against the number of weights present before any model is built.
    """
    if not text.strip():
        raise ValueError(f"{where} is empty; was the save interrupted before glassgrad wrote it "
                         f"atomically, or is it the wrong file?")
    try:
        data: Any = json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as err:
        raise ValueError(f"{where} is not valid JSON (truncated or edited?): {err}") from None
    except RecursionError:
        raise ValueError(f"{where} is nested too deeply to be a glassgrad model file") from None
    if not isinstance(data, dict):
        raise ValueError(f"{where} holds a JSON {type(data).__name__}, not an object with "
                         f"'format', 'config' and 'state'")
    if data.get("format") != FORMAT:
        found = f"'format': {data['format']!r:.40}" if "format" in data else "no 'format' key"
        raise ValueError(f"{where} is not a glassgrad model file: it has {found}, expected "
                         f"'format': {FORMAT!r}")
    extra = sorted(k for k in data if k not in ("format", "config", "state"))
    if extra:
        raise ValueError(f"{where}: unexpected key(s) {_keys(extra)}; a model file has 'format', "
                         f"'config' and 'state'")
    for key in ("config", "state"):
        if not isinstance(data.get(key), dict):
            got = type(data[key]).__name__ if key in data else "nothing"
            raise ValueError(f"{where}: key {key!r} must be a JSON object, got {got}")
    config, state = data["config"], data["state"]
    _check_config(config, where)
    expected = _count_parameters(config)
    # Before building anything: a forged config must not cost minutes and gigabytes. A model a
    # little larger than the state is built, so that load_state_dict can name the missing keys.
    if expected > len(state) + 1000:
        raise ValueError(f"{where}: the 'config' describes {expected} parameters "
                         f"({config['nin']} inputs, layers {_keys(config['nouts'])}) but 'state' "
                         f"has {len(state)}; the two do not belong together")
    try:
        model = MLP(**config)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{where}: bad 'config': {err}") from None
    try:
        model.load_state_dict(state)
    except ValueError as err:
        raise ValueError(f"{where}: bad 'state' for the 'config' ({config['nin']} inputs, "
                         f"layers {config['nouts']}): {err}") from None
    return model


def _keys(keys: list[Any]) -> str:
    """A list of keys for a message: at most five, each shortened."""
    shown = [shorten(k) if isinstance(k, str) else k for k in keys[:5]]
    return f"{shown}{' …' if len(keys) > 5 else ''}"
