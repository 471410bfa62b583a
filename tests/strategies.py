"""Hypothesis strategies: expression DAGs over every registered op, and MLPs with data.

An expression is data — leaf values and a list of steps, each an op applied to earlier nodes — so
one expression can be run by the engine on `Value`s, on plain floats, and by PyTorch. Steps pick
their inputs from *all* earlier nodes, so subexpressions are shared (``x * x``, a node feeding
three others). Each op is applied only where its declared `margin` (see `Op`) says it is smooth
and defined with room to spare, and a whole expression is kept only when nudging any leaf by
`NUDGE` moves no node's inputs by more than half its margin: then no kink, pole or domain edge lies
within reach of the finite differences, and they can judge the gradients exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import user_ops  # noqa: F401  (declares user ops: they must be covered like the built-ins)
from hypothesis import assume
from hypothesis import strategies as st

from autograd import REGISTRY, Op, Value
from autograd.ops import SUM
from nn import MLP
from nn.numpy_reference import NumpyMLP

MARGIN = 0.05  # an op's inputs stay at least this far from its kinks, poles and domain edges
BOUND = 1e3  # and every node's value stays within ±BOUND, so rounding stays small
NUDGE = 1e-4  # a hundred times the finite-difference step: the region that must be smooth


def registered_ops() -> list[Op]:
    """Every op in the registry right now, built-in or user-defined, in a stable order."""
    return [REGISTRY[name] for name in sorted(REGISTRY)]


def _param_values(default: Any) -> st.SearchStrategy:
    # Parameters are drawn around their defaults: the default itself, whole steps away from it
    # (x**0, x**-1, x**3 …) and anything in between. A value the op refuses is skipped like a
    # domain error.
    if isinstance(default, bool) or not isinstance(default, (int, float)):
        return st.just(default)
    d = float(default)
    return st.one_of(st.just(d), st.integers(-3, 3).map(lambda k: d + k),
                     st.floats(-3, 3).map(lambda s: d + s))


def bound_ops(family: Op) -> st.SearchStrategy:
    """`family` itself, or for an op with parameters a member with drawn parameter values."""
    if not family.params:
        return st.just(family)
    return st.fixed_dictionaries({k: _param_values(v) for k, v in family.params.items()}).map(
        lambda params: family.bind(**params))


def forward_or_none(op: Op, xs: Sequence[float], margin: float = MARGIN) -> float | None:
    """op's output at xs, or None where the op is refused: out of its domain, too close to a kink
    or a domain edge (by its `margin`), not finite, or beyond ±BOUND."""
    try:
        out = op.forward(*xs)
        room = op.margin(*xs) if op.margin is not None else math.inf
    except (ArithmeticError, ValueError):
        return None
    if not (math.isfinite(out) and abs(out) <= BOUND and room >= margin):
        return None
    return out


@dataclass(frozen=True)
class Step:
    op: Op  # bound, when the op has parameters
    args: tuple[int, ...]  # indices of earlier nodes: the leaves first, then one node per step


@dataclass(frozen=True)
class Expr:
    """A generated expression: `leaves` (the point), `steps`, and the sinks summed into the root."""

    leaves: tuple[float, ...]
    steps: tuple[Step, ...]
    sinks: tuple[int, ...]

    def nodes(self, xs: Sequence[Any]) -> list[Any]:
        """Every node's value for leaves xs (`Value`s or floats: ops accept both)."""
        nodes = list(xs)
        for step in self.steps:
            nodes.append(step.op(*[nodes[i] for i in step.args]))
        return nodes

    def __call__(self, *xs: Any) -> Any:
        """The root: the one sink, or the sum of all of them (so that every step matters)."""
        nodes = self.nodes(xs)
        roots = [nodes[i] for i in self.sinks]
        return roots[0] if len(roots) == 1 else SUM(*roots)

    def ops(self) -> set[str]:
        return {s.op.name for s in self.steps}

    def __repr__(self) -> str:
        names = [f"x{i}" for i in range(len(self.leaves))] + [f"n{k}" for k in range(len(self.steps))]
        lines = [", ".join(f"x{i} = {v!r}" for i, v in enumerate(self.leaves))]
        for k, s in enumerate(self.steps):
            params = "".join(f", {p}={v!r}" for p, v in s.op.params.items())
            lines.append(f"n{k} = {s.op.name}({', '.join(names[i] for i in s.args)}{params})")
        lines.append("root = " + " + ".join(names[i] for i in self.sinks))
        return "Expr(" + "; ".join(lines) + ")"


def smooth_around(expr: Expr, nudge: float = NUDGE) -> bool:
    """True when moving any one leaf by ±nudge moves no op's inputs by more than half of its margin
    (and no node leaves its op's domain): finite differences there see a smooth function."""
    base = expr.nodes(expr.leaves)
    for j in range(len(expr.leaves)):
        for sign in (-1.0, 1.0):
            xs = list(expr.leaves)
            xs[j] += sign * nudge
            nodes = list(xs)
            for step in expr.steps:
                args = [nodes[i] for i in step.args]
                out = forward_or_none(step.op, args, margin=0.0)
                if out is None:
                    return False
                if step.op.margin is not None:
                    moved = max(abs(a - base[i]) for a, i in zip(args, step.args))
                    if moved > 0.5 * step.op.margin(*[base[i] for i in step.args]):
                        return False
                nodes.append(out)
    return True


leaf_values = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)


def _accepted(op: Op, args: tuple[int, ...], values: list[float]) -> tuple[tuple[int, ...], float] | None:
    """The drawn inputs if `op` accepts them; else the same with one input swapped for another
    node (newest first) that it does accept — so that log, sqrt, pow … find positive inputs
    instead of being dropped whenever the drawn one is negative. None when nothing fits."""
    out = forward_or_none(op, [values[i] for i in args])
    if out is not None:
        return args, out
    for position in reversed(range(len(args))):
        for candidate in reversed(range(len(values))):
            tried = (*args[:position], candidate, *args[position + 1:])
            out = forward_or_none(op, [values[i] for i in tried])
            if out is not None:
                return tried, out
    return None


@st.composite
def expressions(draw: Any, ops: Sequence[Op] | None = None, focus: Op | None = None,
                max_leaves: int = 4, min_steps: int = 2, max_steps: int = 10) -> Expr:
    """An expression over `ops` (default: every registered op) that uses `focus` at least once."""
    ops = list(ops) if ops is not None else registered_ops()
    n = draw(st.integers(1, max_leaves))
    leaves = tuple(draw(st.lists(leaf_values, min_size=n, max_size=n)))
    values = list(leaves)
    steps: list[Step] = []
    wanted = draw(st.integers(min_steps, max_steps))
    for attempt in range(3 * wanted):
        if len(steps) == wanted:
            break
        # the focus op goes first (retried a few times until it finds inputs it accepts)
        family = focus if focus is not None and attempt < 6 and not steps else draw(st.sampled_from(ops))
        op = draw(bound_ops(family))
        arity = op.arity if op.arity is not None else draw(st.integers(1, 3))
        # counting back from the newest node makes chains (depth) the simple case to shrink to
        args = tuple(len(values) - 1 - draw(st.integers(0, len(values) - 1)) for _ in range(arity))
        found = _accepted(op, args, values)
        if found is not None:
            values.append(found[1])
            steps.append(Step(op, found[0]))
    assume(steps and (focus is None or steps[0].op.name == focus.name))
    used = {i for s in steps for i in s.args}
    expr = Expr(leaves, tuple(steps), tuple(i for i in range(n, len(values)) if i not in used))
    assume(smooth_around(expr))
    return expr


# ----------------------------------------------------------------------------------------------
# MLPs
# ----------------------------------------------------------------------------------------------

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")


@dataclass(frozen=True)
class MLPCase:
    """An architecture, its weights, a batch X (samples × inputs) and targets Y (samples × outputs)."""

    nin: int
    nouts: tuple[int, ...]
    activation: str
    output_activation: str
    bias: bool
    loss: str
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray | None, ...]
    X: np.ndarray
    Y: np.ndarray

    def reference(self) -> NumpyMLP:
        acts = [self.activation] * (len(self.nouts) - 1) + [self.output_activation]
        return NumpyMLP(self.weights, self.biases, acts, loss=self.loss)

    def model(self) -> MLP:
        m = MLP(self.nin, list(self.nouts), activation=self.activation,
                output_activation=self.output_activation, bias=self.bias, seed=0)
        self.reference().to_mlp(m)
        return m


def _matrix(rows: int, cols: int, values: st.SearchStrategy) -> st.SearchStrategy:
    return st.lists(values, min_size=rows * cols, max_size=rows * cols).map(
        lambda v: np.array(v, dtype=np.float64).reshape(rows, cols))


weight_values = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)


@st.composite
def mlp_cases(draw: Any, losses: Sequence[str] = ("mse", "half_sse", "bce", "cross_entropy"),
              max_layers: int = 3, max_width: int = 4, max_batch: int = 4) -> MLPCase:
    """Any layer sizes and activations, with or without bias; weights, a batch and its targets.

    A bce case ends in a sigmoid (where bce means what the reference's δ = (A − Y)/N says); a
    cross_entropy case ends in a linear layer (the logits) and has one-hot rows as targets.
    """
    nin = draw(st.integers(1, max_width))
    nouts = tuple(draw(st.lists(st.integers(1, max_width), min_size=1, max_size=max_layers)))
    loss = draw(st.sampled_from(list(losses)))
    activation = draw(st.sampled_from(ACTIVATIONS))
    fixed = {"bce": "sigmoid", "cross_entropy": "linear"}  # what these losses' deltas assume
    output = fixed[loss] if loss in fixed else draw(st.sampled_from(ACTIVATIONS))
    bias = draw(st.booleans())
    sizes = (nin, *nouts)
    weights = tuple(draw(_matrix(sizes[i], sizes[i + 1], weight_values)) for i in range(len(nouts)))
    biases = tuple(draw(_matrix(1, n, weight_values)).reshape(-1) if bias else None for n in nouts)
    batch = draw(st.integers(1, max_batch))
    X = draw(_matrix(batch, nin, weight_values))
    if loss == "cross_entropy":
        classes = draw(st.lists(st.integers(0, nouts[-1] - 1), min_size=batch, max_size=batch))
        Y = np.eye(nouts[-1])[classes]
    else:
        targets = st.floats(0.0, 1.0) if loss == "bce" else weight_values
        Y = draw(_matrix(batch, nouts[-1], targets))
    case = MLPCase(nin, nouts, activation, output, bias, loss, weights, biases, X, Y)
    # A relu whose input is within rounding of 0 may be on either side of its kink depending on
    # the order of a sum; such a point says nothing about the gradients, so leave it out.
    Z, _ = case.reference().forward(X)
    acts = [activation] * (len(nouts) - 1) + [output]
    assume(all(np.all(np.abs(z) > 1e-9) for z, a in zip(Z, acts) if a == "relu"))
    return case


def engine_loss(model: MLP, case: MLPCase) -> Value:
    """The engine's loss on the case's batch: predictions flattened sample by sample."""
    from nn import bce, cross_entropy, mse

    if case.loss == "cross_entropy":  # one list of logits per sample, the class of each one-hot row
        rows = []
        for x in case.X:
            y = model([float(v) for v in x])
            rows.append(y if isinstance(y, list) else [y])
        return cross_entropy(rows, [int(k) for k in np.argmax(case.Y, axis=1)])
    preds = []
    for x in case.X:
        y = model([float(v) for v in x])
        preds.extend(y if isinstance(y, list) else [y])
    t = [float(v) for v in case.Y.reshape(-1)]
    if case.loss == "mse":
        return mse(preds, t)
    if case.loss == "half_sse":
        return 0.5 * mse(preds, t, reduction="sum")
    return bce(preds, t)


@st.composite
def op_points(draw: Any, family: Op) -> tuple[Op, list[float]]:
    """A member of the op `family` (parameters drawn) and inputs where its margin is comfortable."""
    op = draw(bound_ops(family))
    arity = op.arity if op.arity is not None else draw(st.integers(1, 3))
    xs = draw(st.lists(leaf_values, min_size=arity, max_size=arity))
    assume(forward_or_none(op, xs) is not None)
    return op, xs
