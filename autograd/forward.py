"""Forward mode: tangents flow from the inputs to the outputs. `jvp`, `jacobian`, `hessian`, `hvp`.

Reverse mode (`Value.backward`) starts at the output with d out / d out = 1 and walks the graph
root-first, handing every node's gradient on to its inputs. Forward mode starts at the inputs with
a *direction* — a tangent ẋᵢ for each input — and walks leaves-first, and every node gathers its
tangent from its inputs:

    forward:   tangent(node)   =  Σᵢ  ∂node/∂childᵢ · tangent(childᵢ)
    reverse:   grad(childᵢ)   +=  grad(node) · ∂node/∂childᵢ

with the very same local derivatives ∂node/∂childᵢ, taken from the op table: no op has a second
rule, and an op declared with `defop` gets forward mode with no extra code. One forward pass gives
the derivative of *every* node along one input direction; one reverse pass gives the derivative of
one output with respect to *every* input. So an m×n Jacobian takes n forward passes or m reverse
passes, which is why training (n = millions of parameters, m = 1 loss) uses reverse mode.

Tangents live in a table (a dict from node to number), never on the nodes: a graph can carry any
number of forward passes at once, and ``.grad`` is never touched here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .functional import grad, recording
from .value import (
    Value,
    _to_float,
    backpropagate,
    describe,
    local_derivatives,
    topological_order,
)

Outputs = Value | Sequence[Value]


# ----------------------------------------------------------------------------------------------
# The forward pass: the sibling of value.chain_rule
# ----------------------------------------------------------------------------------------------


def forward_order(outputs: Sequence[Value]) -> list[Value]:
    """Every node behind any of `outputs`, each after all of its children (leaves first).

    One `topological_order` of a stand-in node whose inputs are the outputs (then dropped): one
    sort for the whole graph, however many outputs share it.
    """
    if len(outputs) == 1:
        return topological_order(outputs[0])
    top = Value(0.0)
    top.children = tuple(outputs)  # a stand-in, never part of a graph: no op, nobody uses it
    return topological_order(top)[:-1]


def tangent_rule(order: Sequence[Value], seeds: Mapping[Value, float],
                 tangent: dict[Value, float] | None = None) -> dict[Value, float]:
    """The chain rule in forward mode, once for the whole engine: the tangent of every node in `order`.

    `order` is leaves first (`forward_order`); `seeds` gives the tangent of the inputs (any node
    not seeded and with no inputs — a constant, an unseeded leaf — has tangent 0). Walking the
    nodes leaves-first, every input of a node has its tangent by the time the node is reached,
    and the node's tangent is the sum over its inputs of local derivative × input tangent:

        d node / dt  =  Σᵢ  ∂node/∂childᵢ · d childᵢ / dt

    A seeded node keeps its seed whatever is below it: it is an input of this pass. A node none
    of whose inputs moves does not move either: its tangent is 0, and its local derivatives are
    not even needed (the pass does work only downstream of the seeds).

    `tangent` is the table to fill in (a new one by default); the stepper passes the table of the
    steps so far and one node at a time.
    """
    if tangent is None:
        tangent = {}
    for node in order:
        children = node.children
        if not children or node in seeds:
            tangent[node] = seeds.get(node, 0.0)  # an input: its tangent is the direction given
            continue
        if not any(tangent[child] for child in children):
            tangent[node] = 0.0
            continue
        try:
            ds = local_derivatives(node)
        except (ValueError, ZeroDivisionError, OverflowError, TypeError) as err:
            raise _forward_error(node, err) from err
        t = 0.0
        for child, d in zip(children, ds):
            t += d * tangent[child]
        tangent[node] = t
    return tangent


def _forward_error(node: Value, err: Exception) -> Exception:
    """A local derivative that cannot be evaluated: the op, its inputs and the formula named."""
    op, children = node._op, node.children
    names = op.arg_names(len(children))
    given = ", ".join(f"{n} = {describe(c)}" for n, c in zip(names, children))
    formulas = "; ".join(f"∂out/∂{n} = {f}" for n, f in zip(names, op.formulas))
    return type(err)(f"forward mode through {op.name}({given}): the local derivative ({formulas}) "
                     f"cannot be evaluated here: {err}. The derivative is infinite or undefined at "
                     f"this point; move the input away from it.")


def fast_tangent_rule(order: Sequence[Value], seeds: Mapping[Value, float]) -> dict[Value, float]:
    """`tangent_rule` with the sum spelled out for nodes of one, two and three inputs: the same
    numbers, bit for bit (a test checks it), about twice as fast. `jvp`, `jacobian` and `hvp` run
    this one; read `tangent_rule` for the math.

    It is faster because it skips what the general loop pays per node: the list of the inputs'
    numbers, the check of the rule's result, the zip; and the membership test for seeded interior
    nodes when, as usual, only leaves are seeded.
    """
    tangent: dict[Value, float] = {}
    get = seeds.get
    seeded_inside = any(node.children for node in seeds)
    try:
        _fast_walk(order, seeds, tangent, get, seeded_inside)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return tangent_rule(order, seeds)  # again the plain way, for its message naming the op
    return tangent


def _fast_walk(order: Sequence[Value], seeds: Mapping[Value, float], tangent: dict[Value, float],
               get: Callable[..., float], seeded_inside: bool) -> None:
    for node in order:
        children = node.children
        if not children or (seeded_inside and node in seeds):
            tangent[node] = get(node, 0.0)
            continue
        local = node._op.local
        n = len(children)
        if n == 2:
            a, b = children
            ta, tb = tangent[a], tangent[b]
            if ta or tb:
                da, db = local(a.data, b.data, node.data)
                tangent[node] = 0.0 + da * ta + db * tb  # from 0.0, as tangent_rule sums: never -0.0
            else:
                tangent[node] = 0.0
        elif n == 1:
            (a,) = children
            ta = tangent[a]
            if ta:
                (da,) = local(a.data, node.data)
                tangent[node] = 0.0 + da * ta  # 0.0 + : as in tangent_rule, -0.0 becomes 0.0
            else:
                tangent[node] = 0.0
        elif n == 3:
            a, b, c = children
            ta, tb, tc = tangent[a], tangent[b], tangent[c]
            if ta or tb or tc:
                da, db, dc = local(a.data, b.data, c.data, node.data)
                tangent[node] = 0.0 + da * ta + db * tb + dc * tc
            else:
                tangent[node] = 0.0
        elif not any(tangent[child] for child in children):
            tangent[node] = 0.0
        else:
            t = 0.0
            for child, d in zip(children, local_derivatives(node)):
                t += d * tangent[child]
            tangent[node] = t


# ----------------------------------------------------------------------------------------------
# Checking what users pass in: errors that name the argument
# ----------------------------------------------------------------------------------------------


def _numbers(where: str, arg: str, xs: Any, n: int | None = None) -> list[float]:
    """`xs` as a list of floats, or an error naming the function, the argument and the position."""
    if isinstance(xs, (int, float, Value)) and not isinstance(xs, bool):
        xs = [xs]
    if isinstance(xs, (str, bytes, Mapping)):
        raise TypeError(f"{where}: {arg} must be a list of numbers, got {type(xs).__name__} {xs!r:.40}")
    try:
        items = list(xs)
    except TypeError:
        raise TypeError(f"{where}: {arg} must be a list of numbers, got {type(xs).__name__} "
                        f"{xs!r:.40}") from None
    if n is None and not items:
        raise ValueError(f"{where}: {arg} is empty; pass the point to differentiate at, "
                         f"e.g. [1.0, 2.0]")
    if n is not None and len(items) != n:
        raise ValueError(f"{where}: {arg} has {len(items)} number(s) but there are {n} input(s); "
                         f"give one {arg[:-1] if arg.endswith('s') else arg} entry per input")
    out = []
    for i, x in enumerate(items):
        v = x.data if isinstance(x, Value) else _to_float(x, f"{where}: {arg}[{i}]")
        if not math.isfinite(v):
            raise ValueError(f"{where}: {arg}[{i}] is {v}; pass finite numbers")
        out.append(v)
    return out


def _outputs(where: str, out: Any) -> tuple[list[Value], bool]:
    """f's result as a list of Values, and whether f returned a list (then results are lists)."""
    if isinstance(out, Value):
        return [out], False
    if isinstance(out, (list, tuple)) and out and all(isinstance(o, Value) for o in out):
        return list(out), True
    # a non-empty list here holds something that is not a Value (else it was returned above)
    bad = next(o for o in out if not isinstance(o, Value)) if isinstance(out, (list, tuple)) \
        and out else out
    raise TypeError(f"{where}: f must return a Value computed from its arguments, or a non-empty "
                    f"list of them; got {type(out).__name__} {out!r:.60}"
                    + (f" (containing {type(bad).__name__} {bad!r:.30})" if bad is not out else "")
                    + " (did f use math.* or .data?)")



def _trace(where: str, f: Callable[..., Any], xs: list[float]) -> tuple[list[Value], list[Value], bool]:
    """Run f on fresh leaves x0, x1, …: (the leaves, the outputs, whether f returned a list)."""
    if not callable(f):
        raise TypeError(f"{where}: f must be a function taking one Value per input, got "
                        f"{type(f).__name__} {f!r:.40}")
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    with recording():
        outputs, many = _outputs(where, f(*leaves))
    return leaves, outputs, many


# ----------------------------------------------------------------------------------------------
# jvp and jacobian
# ----------------------------------------------------------------------------------------------


def jvp(f: Callable[..., Outputs], inputs: Sequence[float], tangents: Sequence[float]
        ) -> tuple[Any, Any]:
    """f(x) and its directional derivative along `tangents`: ``Σᵢ ∂f/∂xᵢ · tᵢ``, in one forward pass.

    `f` takes one `Value` per input and returns a `Value` (then both results are floats) or a list
    of them (then both are lists of floats)::

        value, slope = jvp(lambda x, y: x * y + x.exp(), [1.0, 2.0], [1.0, 0.0])   # ∂f/∂x = y + eˣ
    """
    xs = _numbers("jvp", "inputs", inputs)
    ts = _numbers("jvp", "tangents", tangents, len(xs))
    leaves, outputs, many = _trace("jvp", f, xs)
    tangent = fast_tangent_rule(forward_order(outputs), dict(zip(leaves, ts)))
    values = [out.data for out in outputs]
    slopes = [tangent[out] for out in outputs]
    return (values, slopes) if many else (values[0], slopes[0])


class Jacobian(list):
    """The Jacobian as a list of rows, ``J[i][j] = ∂ output_i / ∂ input_j`` (floats), and how it was made.

    `mode` is "fwd" (one forward pass per input: a column each) or "rev" (one reverse pass per
    output: a row each), `passes` how many passes ran, and `visits` how many nodes they walked in
    all — the cost a learner can compare between the two modes.
    """

    mode: str
    passes: int
    visits: int

    def __init__(self, rows: list[list[float]], mode: str, passes: int, visits: int) -> None:
        super().__init__(rows)
        self.mode, self.passes, self.visits = mode, passes, visits

    def __repr__(self) -> str:
        return f"Jacobian({list(self)!r}, mode={self.mode!r}, passes={self.passes}, visits={self.visits})"


MODES = ("auto", "fwd", "rev")


def jacobian(f: Callable[..., Outputs], inputs: Sequence[float], mode: str = "auto") -> Jacobian:
    """The m×n matrix of ∂ output_i / ∂ input_j (one row per output, even if f returns one Value).

    ``mode="fwd"`` runs one forward pass per input (each gives a column); ``"rev"`` one reverse
    pass per output (each gives a row); ``"auto"`` picks the mode with fewer passes (reverse on a
    tie: a reverse pass is the engine's cheaper walk). The result says which ran::

        J = jacobian(lambda x, y: [x * y, x + y, y.exp()], [1.0, 2.0])
        J.mode, J.passes        # ('fwd', 2): two inputs, three outputs
    """
    if mode not in MODES:
        raise ValueError(f"jacobian: mode must be one of {', '.join(map(repr, MODES))}, got {mode!r}")
    xs = _numbers("jacobian", "inputs", inputs)
    leaves, outputs, _ = _trace("jacobian", f, xs)
    n, m = len(leaves), len(outputs)
    if mode == "fwd" or (mode == "auto" and n < m):
        order = forward_order(outputs)
        columns = []
        for leaf in leaves:
            tangent = fast_tangent_rule(order, {leaf: 1.0})
            columns.append([tangent[out] for out in outputs])
        rows = [[columns[j][i] for j in range(n)] for i in range(m)]
        return Jacobian(rows, "fwd", n, n * len(order))
    rows, visits = [], 0
    for out in outputs:
        grads = backpropagate(out)
        visits += len(grads)
        rows.append([float(grads.get(leaf, 0.0)) for leaf in leaves])
    return Jacobian(rows, "rev", m, visits)


# ----------------------------------------------------------------------------------------------
# Second derivatives: the two modes composed
# ----------------------------------------------------------------------------------------------


def _gradient_graph(where: str, f: Callable[..., Value], xs: list[float]
                    ) -> tuple[list[Value], list[Value]]:
    """The leaves, and ∂f/∂xᵢ for each as a node of a graph (reverse mode with ``create_graph``)."""
    leaves, outputs, many = _trace(where, f, xs)
    if many:
        raise TypeError(f"{where}: f must return one Value (a scalar function), got a list of "
                        f"{len(outputs)}; for several outputs take jacobian, or {where} of each")
    with recording():
        return leaves, grad(outputs[0], leaves, create_graph=True)


def hessian(f: Callable[..., Value], inputs: Sequence[float]) -> list[list[float]]:
    """The n×n matrix of second derivatives ``H[i][j] = ∂²f / ∂xᵢ∂xⱼ`` of a scalar f.

    Reverse over reverse: one reverse pass with ``create_graph=True`` builds the gradient ∇f as a
    graph of ops (each of its n entries a node), then one reverse pass from each entry ∂f/∂xᵢ
    gives row i. Why not forward over reverse (one forward pass along each eⱼ through ∇f's graph,
    giving column j)? Both take n passes, but a reverse pass from ∂f/∂xᵢ walks only the part of
    the graph behind that entry, while each forward pass walks the whole of ∇f's graph. Measured
    (``python -m demos.modes``) on an MLP's loss: equal (2.3 ms) for 17 parameters, 50 ms against
    95 ms for 105 — reverse over reverse is the faster. (`hvp` is the other way round.)
    """
    xs = _numbers("hessian", "inputs", inputs)
    leaves, grads = _gradient_graph("hessian", f, xs)
    rows = []
    for g in grads:
        table = backpropagate(g)
        rows.append([float(table.get(leaf, 0.0)) for leaf in leaves])
    return rows


def hvp(f: Callable[..., Value], inputs: Sequence[float], v: Sequence[float]) -> list[float]:
    """H·v, the Hessian of a scalar f times a vector, without forming H: two passes whatever n is.

    Forward over reverse: ∇f as a graph (one reverse pass with ``create_graph=True``), then one
    forward pass along v: the tangent of ∂f/∂xᵢ is Σⱼ ∂²f/∂xᵢ∂xⱼ · vⱼ = (H·v)ᵢ. The trick behind
    Newton-CG and curvature probes on models too large for their Hessian. Why not reverse over
    reverse (build ∇f·v as one more node, one reverse pass from it)? It is one pass either way,
    and measured equally fast (``python -m demos.modes``: 0.65 ms for 17 parameters, 4.0–4.5 ms
    for 105); the forward pass builds no node, so nothing is left to free.
    """
    xs = _numbers("hvp", "inputs", inputs)
    vs = _numbers("hvp", "v", v, len(xs))
    leaves, grads = _gradient_graph("hvp", f, xs)
    tangent = fast_tangent_rule(forward_order(grads), dict(zip(leaves, vs)))
    return [tangent[g] for g in grads]
