"""`detect_anomaly()`: stop at the first op whose result or gradient is NaN or infinite."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .value import SWITCHES, Op, Value, describe, topological_order


class AnomalyError(FloatingPointError):
    """A NaN or infinity appeared in a forward value or a gradient while `detect_anomaly()` was on."""


class AnomalyWarning(RuntimeWarning):
    """The warning form of `AnomalyError`, for ``detect_anomaly(warn=True)``."""


@contextmanager
def detect_anomaly(warn: bool = False) -> Iterator[None]:
    """Check every op's result and every gradient for NaN/inf while the block runs.

    The first non-finite number raises `AnomalyError` naming the op, its inputs and (for a
    gradient) the labelled nodes on the path from the root; with ``warn=True`` it warns instead
    and carries on. Off by default, because the check costs time on every node.
    """
    before = SWITCHES.anomaly
    SWITCHES.anomaly = "warn" if warn else "raise"
    try:
        yield
    finally:
        SWITCHES.anomaly = before


def _signal(message: str) -> None:
    if SWITCHES.anomaly == "warn":
        warnings.warn(message, AnomalyWarning, stacklevel=4)
    else:
        raise AnomalyError(message)


def _inputs(op: Op, children: tuple[Value, ...]) -> str:
    names = op.args if not op.variadic else tuple(f"x{i}" for i in range(len(children)))
    return ", ".join(f"{n} = {describe(c)}" for n, c in zip(names, children))


def report_forward(op: Op, children: tuple[Value, ...], out: float) -> None:
    """Called by `apply` when an op's result is not finite."""
    if any(not math.isfinite(c.data) for c in children):
        cause = "a non-finite input came in"
    else:
        cause = "finite inputs gave a non-finite result"
    _signal(f"{op.name}({_inputs(op, children)}) = {out}: {cause}. "
            f"Check this {op.name}'s inputs (scale them down, or clamp them into its domain).")


def check_gradients(root: Value, node: Value, children: tuple[Value, ...], grads: dict) -> None:
    """Called by `backpropagate` after each node passes its gradient on to its children."""
    for i, child in enumerate(children):
        g = grads[child]
        g = g.data if isinstance(g, Value) else g
        if not math.isfinite(g):
            op = node._op
            _signal(f"backward through {op.name}({_inputs(op, children)}): the gradient reaching "
                    f"input {i} is {g} (upstream gradient {grads[node]!r:.20}, local derivative "
                    f"{op.formulas[min(i, len(op.formulas) - 1)]}). Path from the root: "
                    f"{path_from_root(root, node)}.")
            return


def path_from_root(root: Value, target: Value) -> str:
    """The labels (or ops) on one path from `root` down to `target`, for messages."""
    parent: dict[int, Any] = {id(root): None}
    for node in reversed(topological_order(root)):
        for child in node.children:
            parent.setdefault(id(child), node)
    steps, node = [], target
    while node is not None:
        steps.append(node.label or (node._op.name if node._op else f"{node.data:g}"))
        node = parent.get(id(node))
    return " → ".join(reversed(steps))
