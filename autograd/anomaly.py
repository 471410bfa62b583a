"""`detect_anomaly()`: stop at the first op whose result or gradient is NaN or infinite.

Floats follow IEEE 754: ``1e308 * 10`` is ``inf``, ``inf - inf`` is ``nan``, and from then on every
number computed from them is ``inf`` or ``nan`` too. By the time a loss prints ``nan`` the place
where it started is long gone. Inside ``with detect_anomaly():`` the engine checks every op's
result and every gradient as it is made, and stops at the *first* non-finite one, naming the op,
its inputs (with their labels) and, for a gradient, the path from the root down to the node.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .op import Op
from .value import SWITCHES, Value, chain_rule, describe, local_derivatives, topological_order


class AnomalyError(FloatingPointError):
    """A NaN or infinity appeared in a forward value or a gradient while `detect_anomaly()` was on."""


class AnomalyWarning(RuntimeWarning):
    """The warning form of `AnomalyError`, for ``detect_anomaly(warn=True)``."""


@contextmanager
def detect_anomaly(warn: bool = False) -> Iterator[None]:
    """Check every op's result and every gradient for NaN/inf while the block runs.

    The first non-finite number raises `AnomalyError` naming the op, its inputs and (for a
    gradient) the nodes on the path from the root; with ``warn=True`` it issues an
    `AnomalyWarning` instead and carries on. In warn mode each NaN/inf is reported where it
    *starts* (an op that made one from finite numbers), not again at every op it flows through.
    Off by default, because the check costs time on every node::

        with detect_anomaly():
            loss = model_loss()
            loss.backward()      # raises at the first op or gradient that is NaN or ±inf
    """
    before, read_before = SWITCHES.anomaly, SWITCHES.number_read
    SWITCHES.anomaly = "warn" if warn else "raise"
    SWITCHES.number_read = report_read
    try:
        yield
    finally:
        SWITCHES.anomaly, SWITCHES.number_read = before, read_before


def report_read(node: Value) -> None:
    """Called by ``float(v)`` inside `detect_anomaly()`: a number taken out of the graph.

    Always a warning, never an error: reading a number on purpose (to print it) is fine, and
    ``v.data`` (or ``f"{v:.3f}"``) does it without a warning. Local rules that branch on
    ``float(x)`` during a backward pass are not reported.
    """
    frame = sys._getframe(1)
    while frame is not None:  # inside the chain rule: a local rule deciding a branch
        if frame.f_code in _BACKWARD_CODE:
            return
        frame = frame.f_back
    name = node.label or f"a value (= {node.data:g})"
    message = (f"f read {name}'s number outside the graph: float() (and math.exp(v) and the like, "
               f"which call it) gives a plain float, so no gradient flows back along that path. "
               f"Use the Value's ops (v.exp(), v.log(), …) to stay in the graph, or v.data to read "
               f"the number on purpose.")
    level, frame = 2, sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_LIBRARY):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, AnomalyWarning, stacklevel=level)


_BACKWARD_CODE = (chain_rule.__code__, local_derivatives.__code__)

# Frames inside these folders are the library; a warning points at the first frame outside them.
_LIBRARY = (str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent / "nn"))


def _signal(message: str) -> None:
    if SWITCHES.anomaly != "warn":
        raise AnomalyError(message)
    frame, level = sys._getframe(), 1  # level 1 is this function, as warnings.warn counts
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_LIBRARY):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, AnomalyWarning, stacklevel=level)


def _inputs(op: Op, children: tuple[Value, ...]) -> str:
    names = op.arg_names(len(children))
    return ", ".join(f"{n} = {describe(c)}" for n, c in zip(names, children))


def report_forward(op: Op, children: tuple[Value, ...], out: float) -> None:
    """Called by `apply` when an op's result is not finite."""
    bad = [c for c in children if not math.isfinite(c.data)]
    if bad and SWITCHES.anomaly == "warn" and all(c.children for c in bad):
        return  # made by an op, so reported where it started; only new NaN/inf are news
    if bad:
        cause = (f"a non-finite input came in ({', '.join(describe(c) for c in bad)}); it was "
                 f"created outside detect_anomaly() or given as data")
        advice = "find where that input was made (or check your data for NaN/inf)"
    else:
        cause = "finite inputs gave a non-finite result"
        advice = "scale the inputs down, or keep them inside its domain"
    _signal(f"{op.name}({_inputs(op, children)}) = {out}: {cause}. "
            f"Check this {op.name}'s inputs: {advice}.")


# Per backward pass: ids of the nodes whose non-finite gradient was reported already (warn mode).
_reported: set[int] = set()


def check_gradients(root: Value, node: Value, children: tuple[Value, ...], grads: dict) -> None:
    """Called by `chain_rule` after each node passes its gradient on to its children."""
    if node is root:  # the first node of every pass: start afresh
        _reported.clear()
    upstream = grads[node]
    upstream = upstream.data if isinstance(upstream, Value) else upstream
    if not math.isfinite(upstream):
        return  # reported at the node where it started (or the seed was not finite)
    op = node._op
    names = op.arg_names(len(children))
    forward_ok = math.isfinite(node.data) and all(math.isfinite(c.data) for c in children)
    if not forward_ok and SWITCHES.anomaly == "warn":
        return  # NaN/inf already in the forward pass: reported there, when it was made
    for i, child in enumerate(children):
        g = grads[child]
        g = g.data if isinstance(g, Value) else g
        if math.isfinite(g) or id(child) in _reported:
            continue
        _reported.add(id(child))
        formula = op.formulas[min(i, len(op.formulas) - 1)]
        local = op.local(*[c.data for c in children], node.data)[i]
        local = local.data if isinstance(local, Value) else float(local)
        if not forward_ok:
            advice = ("the forward values of this op are already NaN/inf; build the graph inside "
                      "detect_anomaly() to stop where they were made")
        elif math.isfinite(local):
            advice = ("upstream gradient × local derivative (or the sum over paths) overflowed; "
                      "scale the loss or the inputs down")
        else:
            advice = ("the local derivative is not finite at this input; move the input away from "
                      "this point (clamp it, or add a small epsilon)")
        where = f" [node {node.label!r}]" if node.label else ""
        _signal(f"backward through {op.name}({_inputs(op, children)}){where}: the gradient reaching "
                f"input {names[i]} = {describe(child)} is {g} (upstream gradient {upstream:g}, local "
                f"derivative ∂out/∂{names[i]} = {formula} = {local:g}): {advice}. Path from the "
                f"root: {path_from_root(root, node)}.")


def path_from_root(root: Value, target: Value) -> str:
    """The labels (or op names) on one path from `root` down to `target`, for messages."""
    parent: dict[int, Any] = {id(root): None}
    for node in reversed(topological_order(root)):
        for child in node.children:
            parent.setdefault(id(child), node)
    steps, node = [], target
    while node is not None:
        steps.append(node.label or (node._op.name if node._op else f"{node.data:g}"))
        node = parent.get(id(node))
    return " → ".join(reversed(steps))
