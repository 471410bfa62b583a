"""What every demo shares: the `out/` folder, a progress line, argument checks, saving plots."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

OUT = Path(os.environ.get("GLASSGRAD_OUT", "out"))
#: resolution of saved figures; demos/gallery.py lowers it (and points OUT at docs/) for the README
DPI = 110


def out_path(name: str) -> Path:
    """`out/NAME`, creating `out/` (or $GLASSGRAD_OUT) when needed."""
    OUT.mkdir(parents=True, exist_ok=True)
    return OUT / name


def positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a number ≥ 1, got {n}")
    return n


def positive_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
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
    path = out_path(name)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path
