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
from .value import (
    SWITCHES,
    Value,
    chain_rule,
    describe,
    inputs_text,
    local_derivatives,
    path_from_root,
    shorten,
)


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
    A backward pass also re-runs every op's forward rule first: a graph whose leaf had its
    ``.data`` changed by hand after the graph was built is reported, not silently mixed.
    Off by default, because the checks cost time on every node::

        with detect_anomaly():
            loss = model_loss()
            loss.backward()      # raises at the first op or gradient that is NaN or ±inf

    The switch is per thread, like `no_grad()`: it checks the ops this thread runs, and other
    threads carry on unchecked.
    """
    before, read_before = SWITCHES.anomaly, SWITCHES.number_read
    SWITCHES.anomaly = _Checker(warn)
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
    checker = SWITCHES.anomaly
    if checker is not None:
        checker.warn(message)


_BACKWARD_CODE = (chain_rule.__code__, local_derivatives.__code__)

# Frames inside these folders are the library; a warning points at the first frame outside them.
_LIBRARY = (str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent / "nn"))


def _number(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)  # NaN is the same NaN


class _Checker:
    """What the engine calls while `detect_anomaly()` is on: the object this thread's switch holds.

    The core knows only its three hooks — `forward` (each new node), `graph` (the start of a
    backward pass) and `gradients` (each node that passed its gradient on) — and imports nothing
    from this module.
    """

    #: nodes whose build-time inputs are remembered (the newest), and warnings remembered as given
    KEEP_BUILT = 100_000
    KEEP_WARNINGS = 1_000

    def __init__(self, warn: bool) -> None:
        self.mode = "warn" if warn else "raise"
        self.reported: set[int] = set()  # per backward pass: children whose NaN/inf grad was reported
        # id(node) -> (node, its inputs' numbers when it was built): names the input a user changed.
        # The node is kept too, so that its id cannot be reused while the entry exists.
        self.built: dict[int, tuple[Value, tuple[float, ...]]] = {}
        # Our own `__warningregistry__`: Python's would keep every distinct message in the user's
        # module for good (each of ours names numbers, so each is distinct); this one is bounded.
        self.registry: dict[Any, Any] = {}

    def signal(self, message: str) -> None:
        """An `AnomalyError`, or in warn mode an `AnomalyWarning`."""
        if self.mode != "warn":
            raise AnomalyError(message)
        self.warn(message)

    def warn(self, message: str) -> None:
        """An `AnomalyWarning` pointing at the user's line, remembered in our bounded registry."""
        frame = sys._getframe()
        while frame.f_back is not None and frame.f_code.co_filename.startswith(_LIBRARY):
            frame = frame.f_back
        if len(self.registry) > self.KEEP_WARNINGS:
            self.registry.clear()
        warnings.warn_explicit(message, AnomalyWarning, frame.f_code.co_filename, frame.f_lineno,
                               module=frame.f_globals.get("__name__"), registry=self.registry,
                               module_globals=frame.f_globals)

    def forward(self, op: Op, children: tuple[Value, ...], out: float, node: Value) -> None:
        """Called by the core for every node it makes: remember its inputs; stop at NaN/inf."""
        built = self.built
        if len(built) >= self.KEEP_BUILT:
            del built[next(iter(built))]  # the oldest
        built[id(node)] = (node, tuple([c.data for c in children]))
        if math.isfinite(out):
            return
        bad = [c for c in children if not math.isfinite(c.data)]
        if bad and self.mode == "warn" and all(c.children for c in bad):
            return  # made by an op, so reported where it started; only new NaN/inf are news
        if bad:
            cause = (f"a non-finite input came in ({', '.join(describe(c) for c in bad[:5])}); it "
                     f"was created outside detect_anomaly() or given as data")
            advice = "find where that input was made (or check your data for NaN/inf)"
        else:
            cause = "finite inputs gave a non-finite result"
            advice = "scale the inputs down, or keep them inside its domain"
        self.signal(f"{op.name}({inputs_text(op, children)}) = {out}: {cause}. "
                    f"Check this {op.name}'s inputs: {advice}.")

    def graph(self, root: Value, order: list[Value]) -> None:
        """Called by the core before a backward pass: re-run every forward rule, leaves first.

        A node whose inputs no longer give its number had an input's ``.data`` changed by hand
        after the graph was built; the gradients would mix the old forward pass with the new
        number. The first such node (leaves first, so its own inputs are still consistent) is
        reported, with the input that changed when the graph was built under this switch.
        (So a forward rule must give the same number for the same inputs: no randomness inside.)
        """
        for node in order:
            children = node.children
            if not children:
                continue
            numbers = [c.data for c in children]
            try:
                now = node._op.forward(*numbers)
            except Exception:
                now = math.nan
            if _same(_number(now), node.data):
                continue
            self.signal(self._changed(root, node, numbers, now))
            return

    def _changed(self, root: Value, node: Value, numbers: list[float], now: float) -> str:
        op = node._op
        names = op.arg_names(len(node.children))
        where = f"backward through {op.name}({inputs_text(op, node.children)})" + (
            f" [node {shorten(node.label)!r}]" if node.label else "")
        entry = self.built.get(id(node))
        then = entry[1] if entry is not None and entry[0] is node else None
        changed: dict[int, Value] = {}  # index -> child, each changed child once (x * x)
        for i, child in enumerate(node.children):
            if then is not None and not _same(numbers[i], then[i]) and child not in changed.values():
                changed[i] = child
        if changed:
            def name(i: int) -> str:
                c = node.children[i]
                return shorten(c.label) if c.label else names[i]
            built = ", ".join(f"{name(i)} = {then[i]:g}" for i in changed)
            is_now = ", ".join(f"{name(i)} is now {numbers[i]:g}" for i in changed)
            what = f"this graph was built with {built}; {is_now}"
        else:
            what = (f"its output was {node.data:g} when the graph was built, but its inputs now give "
                    f"{_number(now):g}: the .data of an input (or of a node behind one) was "
                    f"changed after the graph was built")
        return (f"{where}: {what}. Gradients would mix the old forward pass with the new numbers; "
                f"rebuild the graph (run the forward pass again) after changing a value. Path from "
                f"the root: {path_from_root(root, node)}.")

    def gradients(self, root: Value, node: Value) -> None:
        """Called by the core after `node` passed its gradient on to its children's ``.grad``."""
        if node is root:  # the first node of every pass: start afresh
            self.reported.clear()
        children = node.children
        upstream = _number(node.grad)
        if not math.isfinite(upstream):
            return  # reported at the node where it started (or the seed was not finite)
        op = node._op
        names = op.arg_names(len(children))
        forward_ok = math.isfinite(node.data) and all(math.isfinite(c.data) for c in children)
        if not forward_ok and self.mode == "warn":
            return  # NaN/inf already in the forward pass: reported there, when it was made
        for i, child in enumerate(children):
            g = _number(child.grad)
            if math.isfinite(g) or id(child) in self.reported:
                continue
            self.reported.add(id(child))
            formula = op.formulas[min(i, len(op.formulas) - 1)]
            local = _number(op.local(*[c.data for c in children], node.data)[i])
            if not forward_ok:
                advice = ("the forward values of this op are already NaN/inf; build the graph "
                          "inside detect_anomaly() to stop where they were made")
            elif math.isfinite(local):
                advice = ("upstream gradient × local derivative (or the sum over paths) overflowed; "
                          "scale the loss or the inputs down")
            else:
                advice = ("the local derivative is not finite at this input; move the input away "
                          "from this point (clamp it, or add a small epsilon)")
            where = f" [node {shorten(node.label)!r}]" if node.label else ""
            self.signal(f"backward through {op.name}({inputs_text(op, children)}){where}: the gradient "
                        f"reaching input {names[i]} = {describe(child)} is {g} (upstream gradient "
                        f"{upstream:g}, local derivative ∂out/∂{names[i]} = {formula} = {local:g}): "
                        f"{advice}. Path from the root: {path_from_root(root, node)}.")
