"""The one training loop the tutorial demos share: full-batch gradient descent on the engine.

Every step is the same three moves — build the loss as a `Value`, call `backward()` (the generic
chain rule fills every parameter's ``.grad``), let `SGD` subtract ``lr × grad``. No demo derives a
single delta by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from autograd import Value, no_grad
from demos.common import Progress
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
    """
    opt = SGD(model.parameters(), lr=lr if not callable(lr) else lr(0))
    progress = Progress(steps, label)
    losses: list[float] = []
    for k in range(steps):
        if callable(lr):
            opt.lr = lr(k)
        loss = loss_of()
        opt.zero_grad()
        loss.backward()  # the generic backward pass: every gradient from one call
        opt.step()
        losses.append(loss.data)
        progress.update(k + 1, loss.data)
        if report_every and ((k + 1) % report_every == 0 or k == 0):
            progress.close()
            print(f"  {label} step {k + 1:>6}  loss {loss.data:.6f}")
    progress.close()
    return losses


def predict(model: MLP, X: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
    """The model's outputs for every row of X as a flat array, recording no graph."""
    with no_grad():
        return np.array([float(model(list(map(float, x)))) for x in X])


def accuracy(outputs: np.ndarray, targets: np.ndarray, threshold: float = 0.5) -> float:
    """The fraction of outputs on the right side of `threshold` (targets are its two classes)."""
    outputs, targets = np.asarray(outputs).ravel(), np.asarray(targets).ravel()
    return float(np.mean((outputs > threshold) == (targets > threshold)))
