"""A live training view for Jupyter (needs the ``[notebook]`` extra: anywidget).

    from nn.widgets import TrainingView
    view = TrainingView(model, X, y, loss=nn.mse, optimizer=nn.SGD(model.parameters(), lr=0.5))
    view                                # a cell's last line: Run / Pause / Step

Training runs in a background thread of the kernel, so other cells keep running while it does;
every `every` steps the loss curve and (for 2-D inputs) the decision regions — the model's output
on a grid over the data — are sent to the page. Each step is the usual three moves: build the
loss over all samples, `backward()`, `optimizer.step()`.

The page side (static/training_view.js) only draws what it is sent.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from numbers import Integral
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from autograd import Value
from autograd.widgets import WIDGET_CSS

from .losses import mse
from .metrics import predicted_class
from .module import Module
from .optim import SGD, Optimizer

_STATIC = Path(__file__).parent / "static"
_CURVE_POINTS = 400  # the loss history is thinned to about this many points for the page


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


class TrainingView(anywidget.AnyWidget):
    """Train `model` on (`X`, `y`) live: Run / Pause / Step, the loss curve and decision regions."""

    _esm = (_STATIC / "training_view.js").read_text(encoding="utf-8")
    _css = WIDGET_CSS

    steps = traitlets.Int(0).tag(sync=True)
    loss = traitlets.Float(None, allow_none=True).tag(sync=True)  # None: not trained yet, or not finite
    curve = traitlets.List(traitlets.List()).tag(sync=True)  # [[step, loss], …], thinned
    running = traitlets.Bool(False).tag(sync=True)
    grid = traitlets.List(traitlets.Float()).tag(sync=True)  # model output, row by row, y from the top
    grid_size = traitlets.Int(0).tag(sync=True)
    bounds = traitlets.List(traitlets.Float()).tag(sync=True)  # x0 min, x0 max, x1 min, x1 max
    levels = traitlets.List(traitlets.Float()).tag(sync=True)  # the two targets' values: colour scale
    classes = traitlets.Int(0).tag(sync=True)  # k for a model of k class scores: one colour per class
    points = traitlets.List(traitlets.List()).tag(sync=True)  # [[x0, x1, target], …]
    error = traitlets.Unicode("").tag(sync=True)
    #: seconds `pause` waits for the step in progress
    PAUSE_WAIT = 10.0

    def __init__(self, model: Module, X: Sequence[Sequence[float]], y: Sequence[float], *,
                 loss: Callable[[list[Value], list[float]], Value] = mse,
                 optimizer: Optimizer | None = None, every: int = 5, grid: int = 24,
                 max_steps: int = 100_000, **kwargs: Any) -> None:
        # Every check comes before the widget exists: a half-made widget would fail again when
        # it is garbage-collected (close() pauses a training thread it never had).
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise ValueError(f"TrainingView: every must be a positive int (steps per redraw), got {every!r}")
        if not isinstance(grid, int) or isinstance(grid, bool) or not 2 <= grid <= 200:
            raise ValueError(f"TrainingView: grid must be an int from 2 to 200 (cells per side of the "
                             f"decision regions; the model runs grid² times per redraw), got {grid!r}")
        if not isinstance(max_steps, int) or isinstance(max_steps, bool) or max_steps < 1:
            raise ValueError(f"TrainingView: max_steps must be a positive int (Run stops there), "
                             f"got {max_steps!r}")
        rows = [[float(v) for v in row] for row in X]
        # class indices stay ints (cross_entropy refuses 1.0 as a class); other targets are floats
        targets = [int(v) if isinstance(v, Integral) else float(v) for v in y]
        if len(rows) != len(targets) or not rows:
            raise ValueError(f"TrainingView: {len(rows)} input rows and {len(targets)} targets; give "
                             f"one target per row, and at least one row")
        super().__init__(**kwargs)
        self.model, self.X, self.y = model, rows, targets
        self.loss_fn = loss
        self.optimizer = optimizer or SGD(model.parameters(), lr=0.5)
        self.every, self.max_steps = every, max_steps
        self.history: list[float] = []  # the loss before every step, in full
        self._lock = threading.Lock()  # one step at a time: the thread's or a Step click's
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._grid_n = grid if len(self.X[0]) == 2 else 0
        if self._grid_n:
            xs, ys = [r[0] for r in self.X], [r[1] for r in self.X]
            padx, pady = 0.15 * (max(xs) - min(xs) or 1.0), 0.15 * (max(ys) - min(ys) or 1.0)
            self.bounds = [min(xs) - padx, max(xs) + padx, min(ys) - pady, max(ys) + pady]
            self.points = [[r[0], r[1], t] for r, t in zip(self.X, self.y)]
            self.levels = [min(self.y), max(self.y)]
            self.grid_size = self._grid_n
            # A model with several outputs is a classifier: its regions and points are classes,
            # drawn in one colour each, not as a scale from the lowest target to the highest.
            first = model(self.X[0])
            self.classes = 0 if isinstance(first, Value) or len(first) == 1 else len(first)
        self.on_msg(self._on_message)
        self._publish()

    # -- training ------------------------------------------------------------------------------------

    def step(self, n: int = 1) -> float:
        """Take `n` training steps now (in the calling thread); returns the last loss."""
        with self._lock:
            for _ in range(n):
                self.optimizer.zero_grad()
                loss = self.loss_fn([self.model(x) for x in self.X], self.y)
                loss.backward()
                self.optimizer.step()
                self.history.append(loss.data)
        return self.history[-1]

    def run(self) -> None:
        """Train in a background thread until `pause()` (the kernel stays free for other cells)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self.running = True
        self.error = ""
        self._thread = threading.Thread(target=self._loop, name="glassgrad-training", daemon=True)
        self._thread.start()

    def pause(self) -> None:
        """Stop the background training after the step it is in; waits for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.PAUSE_WAIT)
            if not self._thread.is_alive():  # a step slower than that: keep it, so that `run`
                self._thread = None           # cannot start a second loop beside the first
        self.running = False

    def _loop(self) -> None:
        try:
            while not self._stop.is_set() and len(self.history) < self.max_steps:
                self.step(self.every)
                self._publish()
                time.sleep(0.02)  # let the kernel's own thread (cells, widget messages) run
        except Exception as err:  # a NaN, a domain error: shown in the view, not lost in a thread
            self.error = f"Training stopped at step {len(self.history)}: {type(err).__name__}: {err}"
            # the steps taken since the last redraw: the counter and curve agree with the message
            # (no regions: the model that just failed may fail on the grid too)
            self._publish(regions=False)
        finally:
            self.running = False

    def _publish(self, regions: bool = True) -> None:
        """Send the loss curve and (with `regions`) the decision regions to the page."""
        stride = max(1, len(self.history) // _CURVE_POINTS)
        # JSON has no NaN or infinity: a diverged loss travels as null (a gap in the curve).
        curve = [[i, _finite(v)] for i, v in enumerate(self.history) if i % stride == 0]
        if self.history and curve[-1][0] != len(self.history) - 1:
            curve.append([len(self.history) - 1, _finite(self.history[-1])])
        grid = self._regions() if self._grid_n and regions else None
        with self.hold_sync():
            self.curve = curve
            self.steps = len(self.history)
            self.loss = _finite(self.history[-1]) if self.history else None
            if grid is not None:
                self.grid = grid

    def _regions(self) -> list[float]:
        """The model's output at the centre of every grid cell, top row first (for a model with
        several outputs, the class it predicts there)."""
        n = self._grid_n
        x0, x1, y0, y1 = self.bounds
        out = []
        for i in range(n):
            yv = y1 - (i + 0.5) * (y1 - y0) / n
            for j in range(n):
                xv = x0 + (j + 0.5) * (x1 - x0) / n
                p = self.model([xv, yv])
                if isinstance(p, Value) or len(p) == 1:
                    out.append(_finite(p.data if isinstance(p, Value) else p[0].data) or 0.0)
                else:  # k class scores: the region of the class the model picks (0 … k − 1)
                    out.append(float(predicted_class(p)))
        return out

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        action = content.get("action") if isinstance(content, dict) else None
        try:
            if action == "run":
                self.run()
            elif action == "pause":
                self.pause()
            elif action == "step" and not self.running:
                self.step(1)
                self._publish()
        except Exception as err:
            self.error = f"{type(err).__name__}: {err}"

    def close(self) -> None:
        if hasattr(self, "_stop"):  # a view whose arguments were refused has no training to stop
            self.pause()
        super().close()
