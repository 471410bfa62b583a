"""The one training loop the tutorial demos share: full-batch gradient descent on the engine.

Every step is the same three moves — build the loss as a `Value`, call `backward()` (the generic
chain rule fills every parameter's ``.grad``), let `SGD` subtract ``lr × grad``. No demo derives a
single delta by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from autograd import Value, no_grad
from demos.common import Diverged, Progress
from nn import MLP, SGD, bce, mse

#: the loss names of `nn.numpy_reference`, as engine losses over a list of predictions
LOSSES: dict[str, Callable[[list[Value], Sequence[float]], Value]] = {
    "mse": lambda preds, targets: mse(preds, targets),
    # ½·Σ error²: the plain delta rule, whose gradient per prediction is just (prediction − target)
    "half_sse": lambda preds, targets: 0.5 * mse(preds, targets, reduction="sum"),
    "bce": lambda preds, targets: bce(preds, targets),
}


def fit(model: MLP, loss_of: Callable[[], Value], lr: float | Callable[[int], float], steps: int,
        *, label: str = "training", report_every: int = 0) -> list[float]:
    """`steps` steps of gradient descent; returns the loss *before* each step (as the reference does).

    `loss_of()` builds this step's loss from the model's current parameters; `lr` is a number or a
    schedule ``lr(k)`` for step k = 0 … steps − 1. With `report_every`, a line every so many steps.
    A loss or weight that becomes NaN or infinite, or an overflow in the engine, stops training
    with `Diverged` (the step, the loss, the learning rate): steps that overshoot, not a result.
    """
    params = model.parameters()
    opt = SGD(params, lr=lr if not callable(lr) else lr(0))
    progress = Progress(steps, label)
    losses: list[float] = []
    for k in range(steps):
        if callable(lr):
            opt.lr = lr(k)
        try:
            loss = loss_of()
            opt.zero_grad()
            loss.backward()  # the generic backward pass: every gradient from one call
            opt.step()
        except ArithmeticError as err:  # e.g. x ** 2 beyond 1.8e308: the engine names the op
            progress.close()
            raise Diverged(f"training diverged at step {k + 1} of {steps} (lr {opt.lr:g}): the steps "
                           f"overshoot until a number is too large for a float; try a smaller "
                           f"learning rate. The engine said: {err}") from None
        check_finite(loss, params, k + 1, steps, opt.lr, progress, losses[0] if losses else None)
        losses.append(loss.data)
        progress.update(k + 1, loss.data)
        if report_every and ((k + 1) % report_every == 0 or k == 0):
            progress.close()
            print(f"  {label} step {k + 1:>6}  loss {loss.data:.6f}")
    progress.close()
    return losses


#: a weight this large overflows whatever it multiplies; a loss this many times its first value
#: has run away. Either way the run has diverged, even while every number is still finite.
HUGE_WEIGHT = 1e100
RUNAWAY = 1e6


def check_finite(loss: Value, params: Sequence[Value], step: int, steps: int, lr: float,
                 progress: Progress | None = None, first: float | None = None) -> None:
    """`Diverged` if, after `step` (1-based) of `steps`, the loss or a weight is NaN or infinite, a
    weight is beyond ±`HUGE_WEIGHT`, or the loss is over `RUNAWAY` × (`first` loss + 1). Every
    training loop of the demos calls this once per step, so none prints a NaN or runaway result."""
    worst = max((abs(p.data) for p in params), default=0.0)  # NaN never wins a max: checked below
    runaway = first is not None and loss.data > RUNAWAY * (abs(first) + 1)
    if (math.isfinite(loss.data) and worst <= HUGE_WEIGHT and not runaway
            and all(math.isfinite(p.data) for p in params)):
        return
    if progress is not None:
        progress.close()
    bad = next((p.data for p in params if not math.isfinite(p.data)), None)
    if not math.isfinite(loss.data):
        what = f"the loss is {loss.data}"
    elif bad is not None or worst > HUGE_WEIGHT:
        what = f"a weight became {bad if bad is not None else worst:g}"
    else:
        what = f"the loss grew from {first:.4g} to {loss.data:.4g}"
    raise Diverged(f"training diverged at step {step} of {steps}: {what} (lr {lr:g}) — the steps "
                   f"overshoot; try a smaller learning rate")


def predict(model: MLP, X: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
    """The model's outputs for every row of X as a flat array, recording no graph."""
    with no_grad():
        return np.array([float(model(list(map(float, x)))) for x in X])


def accuracy(outputs: np.ndarray, targets: np.ndarray, threshold: float = 0.5) -> float:
    """The fraction of outputs on the right side of `threshold` (targets are its two classes)."""
    outputs, targets = np.asarray(outputs).ravel(), np.asarray(targets).ravel()
    return float(np.mean((outputs > threshold) == (targets > threshold)))
