"""What every demo shares: the `out/` folder, a progress line, the command line, saving plots.

The command line: every demo (and every new one — use these, do not copy them) checks all its
flags and settings before any work starts, and ends without a traceback:

    @common.command                              # Ctrl-C: one line, exit 130; Diverged: exit 1
    def main(argv: Sequence[str] | None = None) -> int:
        parser = argparse.ArgumentParser(prog="python -m demos.NAME", description=...)
        parser.add_argument("--steps", type=common.positive_int)    # whole number ≥ 1
        parser.add_argument("--lr", type=common.positive_float)     # finite number > 0
        parser.add_argument("--seed", type=common.seed_value)       # 0 … 2³²−1, NumPy's range
        parser.add_argument("--html", type=common.output_file)      # a file we can write
        parser.add_argument("--out", type=common.output_folder)     # a folder we can write in
        args = parser.parse_args(argv)
        common.check_out_dir(parser)   # $GLASSGRAD_OUT (or out/) usable, or exit 2
        ...                            # training: demos.training.fit, or check_finite once a step
    if __name__ == "__main__":
        sys.exit(main())

A bad flag or setting exits with status 2, argparse's usage line and a message naming it. Training
that diverges (`demos.training.fit` and `check_finite` raise `Diverged`: a NaN or infinite loss or
weight, a runaway loss, or an overflow in the engine) prints what happened and exits with status 1.
Ctrl-C prints one line and exits with status 130; the files the demos write are written atomically
(`save_figure`, `autograd.files.write_atomic`), so none is left half-done.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from autograd.files import write_atomic

OUT = Path(os.environ.get("GLASSGRAD_OUT", "out"))
#: resolution of saved figures; demos/gallery.py lowers it (and points OUT at docs/) for the README
DPI = 110


def out_path(name: str) -> Path:
    """`out/NAME`, creating `out/` (or $GLASSGRAD_OUT) when needed."""
    OUT.mkdir(parents=True, exist_ok=True)
    return OUT / name


def _shown(text: str) -> str:
    """A command-line word in a message: quoted, and cut if it is long (a 5,000-digit number)."""
    return repr(text) if len(text) <= 40 else f"{text[:20]!r}… ({len(text):,} characters)"


def positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {_shown(text)}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a number ≥ 1, got {n}")
    return n


#: the seeds NumPy's legacy generator (np.random.seed, RandomState) accepts: 0 … 2³² − 1
SEED_MAX = 2**32 - 1


def seed_value(text: str) -> int:
    """A seed from the command line: a whole number from 0 to 2³² − 1 (what every generator the
    demos use accepts, NumPy's included)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a seed is a whole number from 0 to {SEED_MAX:,}, got "
                                         f"{_shown(text)}") from None
    if not 0 <= n <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"a seed is a whole number from 0 to {SEED_MAX:,} "
                                          f"(NumPy's range), got {_shown(text)}")
    return n


def output_file(text: str) -> Path:
    """A file the demo will write: not a folder nor a device, in a folder that exists (or can be
    made) and that we may write in. Checked when the flag is read, before any work."""
    path = Path(text)
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a file name, got an empty one")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder; give a file name such as "
                                          f"{path / 'steps.html'}")
    if path.exists() and not path.is_file():
        raise argparse.ArgumentTypeError(f"{text} is not a regular file (a device, FIFO or socket)")
    problem = _unwritable(path.parent, make=False)
    if problem:
        raise argparse.ArgumentTypeError(f"cannot write {text}: {problem}")
    return path


def output_folder(text: str) -> Path:
    """A folder the demo will write into (made if missing): not a file, and writable."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder")
    problem = _unwritable(path)
    if problem:
        raise argparse.ArgumentTypeError(f"cannot write in {text}: {problem}")
    return path


def check_out_dir(parser: argparse.ArgumentParser) -> Path:
    """The pictures' folder (`OUT`: $GLASSGRAD_OUT, or out/), made if missing and checked to be a
    folder we can write in — before training, not after. A bad one ends in `parser.error`."""
    where = "GLASSGRAD_OUT" if os.environ.get("GLASSGRAD_OUT") else "the output folder"
    if OUT.exists() and not OUT.is_dir():
        parser.error(f"{where}={OUT} is a file, not a folder; point GLASSGRAD_OUT at a folder")
    problem = _unwritable(OUT)
    if problem:
        parser.error(f"{where}={OUT}: {problem}; point GLASSGRAD_OUT at a folder you can write in")
    return OUT


def _unwritable(folder: Path, make: bool = True) -> str | None:
    """None if files can be written in `folder`, else what stands in the way. With `make` the
    folder is made if missing; without, the nearest folder that exists must take new files.
    Tried for real (a temporary file), so read-only file systems and root's rights count too."""
    try:
        if make:
            folder.mkdir(parents=True, exist_ok=True)
        else:
            while not folder.exists() and folder != folder.parent:
                folder = folder.parent
            if not folder.is_dir():
                return f"{folder} is a file, not a folder"
        with tempfile.TemporaryFile(dir=folder):
            pass
    except FileExistsError:
        return f"{folder} (or a folder above it) is a file, not a folder"
    except NotADirectoryError:
        return f"a part of {folder} is a file, not a folder"
    except OSError as err:
        return f"{folder} is not writable ({err.strerror or err})"
    return None


class Diverged(ArithmeticError):
    """Training ran off to infinity or NaN: the demo says so and exits with status 1."""


Main = TypeVar("Main", bound=Callable[..., int])


def command(main: Main) -> Main:
    """Wrap a demo's ``main(argv)``: Ctrl-C prints one line and returns 130; `Diverged` prints
    its message and returns 1. No traceback either way (see the module docstring)."""
    @functools.wraps(main)
    def run(*args: Any, **kwargs: Any) -> int:
        try:
            return main(*args, **kwargs)
        except KeyboardInterrupt:
            _say("interrupted (Ctrl-C): stopped; no file was left half-written")
            return 130
        except Diverged as err:
            _say(f"error: {err}")
            return 1

    return run  # type: ignore[return-value]


def _say(line: str) -> None:
    # On a terminal the ^C (or a progress bar) sits on the current line: start a fresh one.
    lead = "\n" if sys.stderr.isatty() else ""
    print(f"{lead}{line}", file=sys.stderr, flush=True)


def positive_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {_shown(text)}") from None
    if not x > 0 or x == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text}")
    return x


class Progress:
    """A one-line progress bar on a terminal; on a pipe, nothing (the demo prints its own lines)."""

    def __init__(self, total: int, label: str = "training", stream: Any = None) -> None:
        self.total, self.label = total, label
        self.stream = stream or sys.stderr
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.perf_counter()
        self._last = 0.0

    def update(self, step: int, loss: float) -> None:
        if not self.live:
            return
        now = time.perf_counter()
        if now - self._last < 0.1 and step < self.total:
            return
        self._last = now
        done = step / self.total
        bar = "█" * int(30 * done) + "·" * (30 - int(30 * done))
        self.stream.write(f"\r{self.label} {bar} {step:>{len(str(self.total))}}/{self.total} "
                          f"loss {loss:.6f}  {now - self.start:5.1f}s")
        self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start


def pyplot() -> Any:
    """matplotlib's pyplot on the file-only Agg backend, or None (with a note) if it is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed, so no picture: pip install -e '.[plot]')",
              file=sys.stderr)
        return None
    return plt


def save_figure(fig: Any, name: str) -> Path:
    """Save a matplotlib figure as out/NAME, atomically (a full disk or Ctrl-C leaves no half file)."""
    import io

    import matplotlib.pyplot as plt

    path = out_path(name)
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format=path.suffix.lstrip(".") or "png", dpi=DPI, bbox_inches="tight")
    finally:
        plt.close(fig)
    return write_atomic(path, buffer.getvalue())
