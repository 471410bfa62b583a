"""The whole engine in one file: the `Op` record, the `Value` node, and the chain rule.

Read it top to bottom:

1. `Op` — one differentiable operation: a forward rule and a local-derivative rule.
2. `Value` — a node of the computation graph: its number, its gradient, the `Op` that made it
   and the inputs (`children`) it was made from.
3. `apply` — the only place a node is ever built: run the op's forward rule, record the node.
4. `topological_order` and `backpropagate` — the only place the chain rule is applied.

The table of built-in ops lives in `ops.py`; it uses exactly the public `defop` that users use.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from numbers import Real
from typing import Any

Number = float | int


class _Switches:
    """The engine's only global state: two documented switches, flipped by context managers.

    `grad_enabled` is turned off by `no_grad()`; `anomaly` is turned on by `detect_anomaly()`
    (it is None when off, else "raise" or "warn").
    """

    __slots__ = ("anomaly", "grad_enabled")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly: str | None = None


SWITCHES = _Switches()

# ----------------------------------------------------------------------------------------------
# 1. Op: one declaration per operation
# ----------------------------------------------------------------------------------------------


class Op:
    """A differentiable operation, declared once and used for everything.

    - `forward(*xs, **params) -> float` computes the output from the inputs' numbers.
    - `local(*xs, out, **params) -> tuple` gives the local derivative ∂out/∂xᵢ for every input.
      It is written with arithmetic and other ops only, so the very same rule runs on floats
      (an ordinary backward pass) and on `Value`s (``grad(..., create_graph=True)``, which is how
      second and third derivatives come for free).
    - `args`, `expr` and `formulas` are the op's math in text: the names of its inputs, the
      expression it computes and, per input, the formula of its local derivative. Graphs, the
      stepper and error messages print them.

    An op with `params` (the exponent of ``x ** 2``, the slope of ``leaky_relu``) is a family; a
    call with concrete parameters returns a *bound* op (cached), and that is what nodes record.
    """

    __slots__ = (
        "_bound",
        "args",
        "doc",
        "domain",
        "expr",
        "family",
        "formulas",
        "forward",
        "local",
        "name",
        "params",
        "symbol",
        "variadic",
    )

    def __init__(
        self,
        name: str,
        forward: Callable[..., float],
        local: Callable[..., tuple],
        *,
        args: tuple[str, ...] = ("x",),
        variadic: bool = False,
        symbol: str | None = None,
        expr: str | None = None,
        formulas: tuple[str, ...] | None = None,
        domain: str | None = None,
        doc: str = "",
        params: dict[str, Any] | None = None,
        family: Op | None = None,
    ) -> None:
        self.name = name
        self.symbol = symbol or name
        self.args = args
        self.variadic = variadic
        self.forward = forward
        self.local = local
        self.expr = expr or f"{name}({', '.join(args)})"
        self.formulas = formulas or ("?",) * len(args)
        self.domain = domain
        self.doc = doc
        self.params = params or {}
        self.family = family
        self._bound: dict[tuple, Op] = {}

    @property
    def arity(self) -> int | None:
        """Number of inputs, or None for a variadic op such as `sum`."""
        return None if self.variadic else len(self.args)

    def bind(self, **params: Any) -> Op:
        """The member of this op family with the given parameters (``POW.bind(p=2.0)``)."""
        family = self.family or self
        merged = {**family.params, **params}
        unknown = set(merged) - set(family.params)
        if unknown:
            raise TypeError(f"{family.name}: unknown parameter(s) {sorted(unknown)}; "
                            f"it takes {sorted(family.params)}")
        key = tuple(sorted(merged.items()))
        bound = family._bound.get(key)
        if bound is None:
            shown = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                              for k, v in merged.items())
            expr, formulas = family.expr, family.formulas
            for k, v in merged.items():
                expr = expr.replace(k, f"{v:g}" if isinstance(v, float) else str(v))
                formulas = tuple(f.replace(k, f"{v:g}" if isinstance(v, float) else str(v))
                                 for f in formulas)
            bound = Op(
                family.name, partial(family.forward, **merged), partial(family.local, **merged),
                args=family.args, variadic=family.variadic,
                symbol=_format_symbol(family.symbol, merged, shown), expr=expr, formulas=formulas,
                domain=family.domain, doc=family.doc, params=merged, family=family,
            )
            family._bound[key] = bound
        return bound

    def __call__(self, *inputs: Any, **params: Any) -> Any:
        """Apply the op: on plain numbers it returns a float, if any input is a `Value` a new node."""
        op = self.bind(**params) if (params or (self.params and self.family is None)) else self
        for x in inputs:
            if isinstance(x, Value):
                return apply(op, *inputs)
        _check_arity(op, inputs)
        return op.forward(*inputs)

    def __repr__(self) -> str:
        return f"Op({self.name!r}, expr={self.expr!r})"


def _format_symbol(symbol: str, params: dict[str, Any], shown: str) -> str:
    if "{" in symbol:
        return symbol.format(**{k: (f"{v:g}" if isinstance(v, float) else v) for k, v in params.items()})
    return f"{symbol}({shown})"


#: Every op ever declared, built-in or user-defined, by name. `gradcheck`'s test suite walks it.
REGISTRY: dict[str, Op] = {}


def defop(
    name: str,
    forward: Callable[..., float],
    local: Callable[..., tuple],
    *,
    method: str | None = None,
    rmethod: str | None = None,
    replace: bool = False,
    **details: Any,
) -> Op:
    """Declare a differentiable op from its forward rule and its local derivative(s).

    This is the one way ops come into being; `ops.py` declares every built-in op with it. Example,
    softplus(x) = log(1 + eˣ), whose local derivative is sigmoid(x)::

        softplus = defop(
            "softplus",
            forward=lambda x: math.log1p(math.exp(x)),
            local=lambda x, out: (sigmoid(x),),      # one entry per input
            expr="log(1 + eˣ)", formulas=("sigmoid(x)",),
            method="softplus",                        # also available as x.softplus()
        )
        y = softplus(Value(0.5))    # or Value(0.5).softplus()

    `local` receives the inputs and the output, and must work on floats and on `Value`s alike:
    use arithmetic operators and ops (``sigmoid(x)``, not ``math.…``); for a branch on the sign of
    an input, compare ``float(x)``. Keyword details are those of `Op` (args, expr, formulas, symbol,
    domain, doc, params, variadic). `method="softplus"` also installs ``Value.softplus``;
    `rmethod` installs a reflected operator (``__radd__``: the number on the left, ``2 + v``).
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"defop: the op needs a non-empty name, got {name!r}")
    if not callable(forward) or not callable(local):
        raise TypeError(f"defop({name!r}): forward and local must be functions")
    if name in REGISTRY and not replace:
        raise ValueError(f"defop: an op named {name!r} exists already; pick another name "
                         f"or pass replace=True")
    op = Op(name, forward, local, **details)
    REGISTRY[name] = op
    for attr, reflected in ((method, False), (rmethod, True)):
        if attr:
            if hasattr(Value, attr) and attr not in _INSTALLED and not replace:
                raise ValueError(f"defop({name!r}): Value already has an attribute {attr!r}")
            setattr(Value, attr, _as_method(op, reflected))
            _INSTALLED.add(attr)
    return op


_INSTALLED: set[str] = set()


def _as_method(op: Op, reflected: bool = False) -> Callable[..., Value]:
    """A `Value` method that applies `op` to self (and the other operands)."""
    if reflected:  # 2 - v: the number is the first input

        def method(self: Value, other: Any) -> Value:
            return apply(op, other, self)

    elif op.params:  # a family: x.leaky_relu(alpha=0.2)

        def method(self: Value, *others: Any, **params: Any) -> Value:
            return op(self, *others, **params)

    else:

        def method(self: Value, *others: Any) -> Value:
            return apply(op, self, *others)

    method.__name__ = op.name
    method.__doc__ = op.doc or f"{op.expr}; local derivative(s): {', '.join(op.formulas)}"
    return method


def _check_arity(op: Op, inputs: tuple) -> None:
    if not op.variadic and len(inputs) != len(op.args):
        raise TypeError(f"{op.name}: takes {len(op.args)} input(s) ({', '.join(op.args)}), "
                        f"got {len(inputs)}")


# ----------------------------------------------------------------------------------------------
# 2. Value: a node of the computation graph
# ----------------------------------------------------------------------------------------------


def _to_float(x: Any, where: str) -> float:
    """Accept real numbers (int, float, bool, NumPy scalars, Fractions); refuse everything else."""
    if isinstance(x, float):
        return x
    if isinstance(x, Real) and not isinstance(x, complex):
        return float(x)
    kind = type(x).__name__
    if isinstance(x, complex) or "complex" in kind:
        hint = "glassgrad works on real numbers only; split real and imaginary parts yourself"
    elif isinstance(x, str):
        hint = f"convert the text first, e.g. float({x!r})" if _looks_numeric(x) else "pass a number"
    elif isinstance(x, (list, tuple)):
        hint = "a Value holds one number; make one Value per element"
    else:
        hint = "pass an int, float, bool or NumPy scalar"
    raise TypeError(f"{where}: expected a real number (int, float, bool or NumPy scalar), "
                    f"got {kind} {x!r:.60}; {hint}")


def _looks_numeric(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


class Value:
    """One number in a computation graph, and the gradient of the last backward pass with respect to it.

    Attributes: `data` (float), `grad` (float), `label` (str), `children` (the op's inputs, in
    argument order, duplicates kept: ``a + a`` has two children), `op` (the op's name, "" for a leaf).

    Arithmetic (``+ - * / **``, unary ``-``) and methods such as `exp`, `log`, `tanh`, `sigmoid`,
    `relu` are installed from the op table in `ops.py`; each builds a new node through `apply`.

    Gradients — what `backward()` leaves behind:
    - every *interior* node (one made by an op) holds d root / d node for *that* pass: interior grads
      are reset at the start of each pass, so calling `backward()` twice never over-counts;
    - every *leaf* (no children: parameters, inputs, constants) *accumulates* across calls, so
      per-sample `backward()` calls sum into parameter grads. Reset them with `zero_grad()`.
    """

    __slots__ = ("_op", "children", "data", "grad", "label")

    # NumPy scalars on the left (np.float64(2) * v) defer to our reflected operators.
    __array_ufunc__ = None

    def __init__(self, data: Any, label: str = "") -> None:
        self.data = _to_float(data, "Value")
        self.grad = 0.0
        if not isinstance(label, str):
            raise TypeError(f"Value: label must be a str, got {type(label).__name__} {label!r:.40}")
        self.label = label
        self.children: tuple[Value, ...] = ()
        self._op: Op | None = None

    @property
    def op(self) -> str:
        """The name of the op that made this node ("" for a leaf)."""
        op = self._op
        return "" if op is None else op.name

    @property
    def op_info(self) -> Op | None:
        """The `Op` record that made this node (None for a leaf): forward rule, derivative, formulas."""
        return self._op

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        parts = [f"data={self.data:.6g}", f"grad={self.grad:.6g}"]
        if self.label:
            parts.append(f"label={self.label!r}")
        if self._op is not None:
            parts.append(f"op={self._op.name!r}")
        return f"Value({', '.join(parts)})"

    # Ordering compares the numbers (not differentiable). `==` stays identity, so nodes hash by
    # identity and can live in sets and dicts.
    def __lt__(self, other: Any) -> bool:
        return self.data < _data_of(other, "<")

    def __le__(self, other: Any) -> bool:
        return self.data <= _data_of(other, "<=")

    def __gt__(self, other: Any) -> bool:
        return self.data > _data_of(other, ">")

    def __ge__(self, other: Any) -> bool:
        return self.data >= _data_of(other, ">=")

    __hash__ = object.__hash__

    def backward(self) -> None:
        """Fill in ``.grad`` of every node behind this one with d self / d node (reverse-mode autodiff).

        Interior nodes get this pass's gradient; leaves accumulate (see the class docstring).
        Iterative, so graphs of millions of nodes work.
        """
        grads = backpropagate(self)
        for node, g in grads.items():
            if node.children:
                node.grad = g
            else:
                node.grad += g

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0 on this node and every node behind it."""
        for node in topological_order(self):
            node.grad = 0.0

    def backward_steps(self):
        """Run the backward pass one node at a time, yielding a `Step` record per node.

        Exhausting the generator leaves the same ``.grad`` values as `backward()`. See `stepper.py`.
        """
        from .stepper import backward_steps

        return backward_steps(self)


def _data_of(x: Any, where: str) -> float:
    return x.data if isinstance(x, Value) else _to_float(x, f"comparison {where}")


def _leaf(data: float, label: str = "") -> Value:
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = label
    node.children = ()
    node._op = None
    return node


_new = object.__new__


def lift(x: Any, op: Op | str) -> Value:
    """`x` as a `Value`: a number becomes a constant leaf; anything else is a TypeError naming the op."""
    if isinstance(x, Value):
        return x
    name = op if isinstance(op, str) else op.name
    return _leaf(_to_float(x, f"{name}: operand"))


# ----------------------------------------------------------------------------------------------
# 3. apply: the only place nodes are built
# ----------------------------------------------------------------------------------------------


def apply(op: Op, *inputs: Any) -> Value:
    """Run `op`'s forward rule on the inputs' numbers and record the result as a new node.

    Plain numbers among the inputs become constant leaves. Inside `no_grad()` the result is a leaf
    (nothing is recorded). Domain errors (log of a negative, division by zero, overflow) are
    re-raised with the op, the offending values and their labels named.
    """
    children = tuple([x if x.__class__ is Value else lift(x, op) for x in inputs])
    try:
        out = op.forward(*[c.data for c in children])
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        raise type(err)(_domain_message(op, children, err)) from None
    except TypeError:
        _check_arity(op, inputs)
        raise
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    node.label = ""
    if SWITCHES.grad_enabled:
        node.children = children
        node._op = op
    else:
        node.children = ()
        node._op = None
    if SWITCHES.anomaly is not None and not math.isfinite(out):
        from .anomaly import report_forward

        report_forward(op, children, out)
    return node


def describe(node: Value) -> str:
    """A short name for a node in messages: its label if it has one, else its value."""
    return f"{node.label!r} (= {node.data:g})" if node.label else f"{node.data:g}"


def _domain_message(op: Op, children: tuple[Value, ...], err: Exception) -> str:
    names = op.args if not op.variadic else tuple(f"x{i}" for i in range(len(children)))
    given = ", ".join(f"{n} = {describe(c)}" for n, c in zip(names, children))
    need = f"; {op.name} needs {op.domain}" if op.domain else ""
    detail = str(err)
    return f"{op.name}({given}): {detail}{need}. Check the inputs to this {op.name} (or clamp them)."


# ----------------------------------------------------------------------------------------------
# 4. Topological order and the chain rule
# ----------------------------------------------------------------------------------------------


def topological_order(root: Value) -> list[Value]:
    """Every node behind `root`, each after all of its children (leaves first, root last).

    Iterative depth-first search with an explicit stack: no recursion limit, so a chain of a
    million nodes is fine. `backward`, `grad` and the stepper all walk this one order, reversed.
    """
    order: list[Value] = []
    seen: set[int] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    push, pop, visit, emit = stack.append, stack.pop, seen.add, order.append
    while stack:
        node, expanded = pop()
        if expanded:
            emit(node)
            continue
        key = id(node)
        if key in seen:
            continue
        visit(key)
        children = node.children
        if children:
            push((node, True))
            for child in children:
                if id(child) not in seen:
                    push((child, False))
        else:
            emit(node)
    return order


def local_derivatives(node: Value, create_graph: bool = False) -> tuple:
    """∂node/∂child for each child, from the op table: floats, or `Value`s when `create_graph`."""
    op = node._op
    if create_graph:
        return op.local(*node.children, node)
    return op.local(*[c.data for c in node.children], node.data)


def backpropagate(root: Value, seed: Any = 1.0, create_graph: bool = False) -> dict[Value, Any]:
    """The chain rule, once for the whole engine: d root / d node for every node behind `root`.

    Walk the nodes root-first; each node's gradient is complete when reached (all its parents came
    before it), and it passes ``gradient × local derivative`` on to each child, summing where a
    child is shared. With `create_graph` the gradients are `Value`s built from ops, so they can be
    differentiated again. Nothing is written to ``.grad``; `backward()` does that with the result.
    """
    grads: dict[Value, Any] = {root: seed}
    get = grads.get
    node = root
    try:
        for node in reversed(topological_order(root)):
            children = node.children
            if not children:
                continue
            g = grads[node]
            if create_graph:
                local = node._op.local(*children, node)
            else:
                local = node._op.local(*[c.data for c in children], node.data)
            for child, d in zip(children, local):
                previous = get(child)
                grads[child] = g * d if previous is None else previous + g * d
            if SWITCHES.anomaly is not None:
                from .anomaly import check_gradients

                check_gradients(root, node, children, grads)
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        op = node._op
        raise type(err)(
            f"backward through {op.name}: its local derivative {op.formulas} cannot be evaluated "
            f"at {', '.join(describe(c) for c in node.children)} ({err}). The gradient is not a "
            f"finite number there; move the input away from that point."
        ) from None
    return grads
