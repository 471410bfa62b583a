"""The op mechanism: the `Op` record, `defop` (the one way ops are declared) and the registry.

An op is a forward rule plus a local-derivative rule, with its math as text. `defop` records it in
`REGISTRY` and, if asked, installs it as a `Value` method (``x.tanh()``, ``a + b``). Every built-in
op in `ops.py` is declared this way, and so is every op a user writes. Nodes are built by
`value.apply`; the chain rule in `value.chain_rule` calls each op's `local` rule.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from functools import partial
from typing import Any

from .value import (
    Value,
    _check_arity,
    _leaf,
    _record,
    _to_float,
    apply,
    checked_output,
    forward_error,
    lift,
)


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
    - `margin(*xs, **params) -> float` (optional) says where the op is safe to differentiate
      numerically: the distance from the inputs to the nearest point where the op stops being
      smooth — a kink (relu at 0), a pole (1/x at 0) or the edge of its domain (log at 0) — and
      ≤ 0 where the op is not defined. ``relu``: ``abs(x)``; ``log``: ``x``. None means smooth
      wherever the forward rule returns a finite number. The test suite samples every registered
      op (yours too) where the margin is comfortable, so finite differences can judge it.

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
        "margin",
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
        margin: Callable[..., float] | None = None,
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
        self.margin = margin
        self.doc = doc
        self.params = params or {}
        self.family = family
        self._bound: dict[tuple, Op] = {}

    @property
    def arity(self) -> int | None:
        """Number of inputs, or None for a variadic op such as `sum`."""
        return None if self.variadic else len(self.args)

    def arg_names(self, n: int) -> tuple[str, ...]:
        """The names of `n` inputs in messages: `args`, or ``x0, x1, …`` for a variadic op."""
        return tuple(f"x{i}" for i in range(n)) if self.variadic else self.args

    def bind(self, **params: Any) -> Op:
        """The member of this op family with the given parameters (``POW.bind(p=2.0)``)."""
        family = self.family or self
        merged = {**family.params, **params}
        unknown = set(merged) - set(family.params)
        if unknown:
            raise TypeError(f"{family.name}: unknown parameter(s) {sorted(unknown)}; "
                            f"it takes {sorted(family.params)}")
        key = tuple(sorted(merged.items()))
        try:
            bound = family._bound.get(key)
        except TypeError:  # an unhashable parameter such as a list: _check_params says what is wrong
            bound = None
        if bound is None:
            _check_params(family, params)
            shown = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                              for k, v in merged.items())
            expr, formulas = family.expr, family.formulas
            for k, v in merged.items():  # whole words only: p in "exp(p·x)" but not the p of exp
                word, text = re.compile(rf"(?<!\w){re.escape(k)}(?!\w)"), _format_param(v)
                expr = word.sub(text, expr)
                formulas = tuple(word.sub(text, f) for f in formulas)
            bound = Op(
                family.name, partial(family.forward, **merged), partial(family.local, **merged),
                args=family.args, variadic=family.variadic,
                symbol=_format_symbol(family.symbol, merged, shown), expr=expr, formulas=formulas,
                domain=family.domain, doc=family.doc, params=merged, family=family,
                margin=partial(family.margin, **merged) if family.margin else None,
            )
            if len(family._bound) < _MAX_BOUND:  # x ** random(): do not keep every exponent
                family._bound[key] = bound
        return bound

    def __call__(self, *inputs: Any, **params: Any) -> Any:
        """Apply the op: on plain numbers it returns a float, if any input is a `Value` a new node."""
        op = self.bind(**params) if (params or (self.params and self.family is None)) else self
        for x in inputs:
            if isinstance(x, Value):
                return apply(op, *inputs)
        _check_arity(op, inputs)
        try:
            out = op.forward(*inputs)
        except (ValueError, ZeroDivisionError, OverflowError, TypeError) as err:
            # The same messages as on Values (a non-number among the inputs: lift says so).
            children = tuple(lift(x, op) for x in inputs)
            raise forward_error(op, children, err) from (err if isinstance(err, TypeError) else None)
        return out if out.__class__ is float else checked_output(op, out)

    def __repr__(self) -> str:
        return f"Op({self.name!r}, expr={self.expr!r})"

    def __reduce__(self) -> tuple:
        """Saved by name (its rules are functions, often lambdas): the registry's op of that
        name, bound to the same parameters, when read back (pickle, copy)."""
        family = self.family or self
        if REGISTRY.get(family.name) is not family:
            raise TypeError(
                f"op {family.name!r} cannot be saved: ops are saved by their registry name, and "
                f"this one is not (or no longer) the op registered under it. Declare it with "
                f"defop(...) and do not replace it while its nodes are alive.")
        if self.family is None:
            return registered_op, (self.name,)
        return registered_op, (family.name, self.params)


def registered_op(name: str, params: dict[str, Any] | None = None) -> Op:
    """The op registered as `name` (bound to `params`): how pickled nodes find their op again."""
    op = REGISTRY.get(name)
    if op is None:
        raise LookupError(
            f"the saved graph uses op {name!r}, which this program has not declared: import the "
            f"module that calls defop({name!r}, ...) before unpickling")
    return op.bind(**params) if params else op


def _check_params(family: Op, params: dict[str, Any]) -> None:
    """A parameter whose default is a number must be a real number (``leaky_relu(alpha="a")`` is not)."""
    for k, v in params.items():
        default = family.params[k]
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            _to_float(v, f"{family.name}: parameter {k}")
        else:
            try:
                hash(v)
            except TypeError:
                raise TypeError(f"{family.name}: parameter {k} must be hashable (a number or a "
                                f"string), got {type(v).__name__} {v!r:.40}") from None


_MAX_BOUND = 256  # bound members kept per op family


def _format_param(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


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
    domain, margin, doc, params, variadic). `method="softplus"` also installs ``Value.softplus``;
    `rmethod` installs a reflected operator (``__radd__``: the number on the left, ``2 + v``).
    A method name must not break `Value` itself: dunders other than the arithmetic operators
    (`ARITHMETIC_DUNDERS`) and Value's own attributes (``data``, ``grad``, ``label``, ``children``,
    ``op``, ``backward`` …) are refused, even with ``replace=True``. A family's `symbol` template
    may name only its parameters (``symbol="leaky_relu({alpha})"``); it is checked here.

    ``replace=True`` makes the new op the one used from then on: it takes over the methods and
    operators the old op installed (even without `method`), the expression parser looks ops up
    by name, and neurons made afterwards use the registered ``sum`` and activation. Not reached:
    local-derivative rules of other ops (``sin``'s rule keeps calling the built-in ``cos``),
    ``x ** p`` and ``abs(x)`` (installed by `ops.py` itself: assign ``Value.__pow__``/``__abs__``),
    neurons made before, and nodes already built.

    The forward rule must return a real number (a float, or an int, bool or NumPy scalar, which
    become floats): anything else is refused with a TypeError naming the op at the first call.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"defop: the op needs a non-empty name, got {name!r}")
    if not callable(forward) or not callable(local):
        raise TypeError(f"defop({name!r}): forward and local must be functions")
    if name in REGISTRY and not replace:
        raise ValueError(f"defop: an op named {name!r} exists already; pick another name "
                         f"or pass replace=True")
    op = Op(name, forward, local, **details)
    if op.params:
        _check_symbol(op)
    # Check every method name before anything is registered, so a failed call leaves no trace.
    for attr in (method, rmethod):
        if attr is None:
            continue
        _check_method_name(name, attr)
        owner = _INSTALLED.get(attr)
        if (owner if owner is not None else hasattr(Value, attr)) and owner != name and not replace:
            taken = f"op {owner!r}'s method" if owner else "an arithmetic operator"
            raise ValueError(f"defop({name!r}): Value.{attr} is {taken} already; pick another "
                             f"method name or pass replace=True")
    REGISTRY[name] = op
    installs = {attr: attr in _REFLECTED for attr, owner in _INSTALLED.items() if owner == name}
    installs.update({attr: reflected for attr, reflected in ((method, False), (rmethod, True)) if attr})
    for attr, reflected in installs.items():  # a replaced op's old methods now apply the new one
        setattr(Value, attr, _as_method(op, reflected))
        _INSTALLED[attr] = name
        (_REFLECTED.add if reflected else _REFLECTED.discard)(attr)
    return op


#: The dunders an op may install: Python's arithmetic operators. Any other (``__getattr__``,
#: ``__bool__``, ``__eq__``, ``__hash__``, ``__init__`` …) would change what a Value *is*.
ARITHMETIC_DUNDERS = frozenset(
    f"__{prefix}{name}__" for name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow",
                                       "matmul") for prefix in ("", "r", "i")
) | {"__neg__", "__pos__", "__abs__"}


def _check_method_name(name: str, attr: Any) -> None:
    """Refuse a method name that would break `Value` itself, whatever `replace` says."""
    if not isinstance(attr, str) or not attr.isidentifier():
        raise ValueError(f"defop({name!r}): the method name must be a Python identifier, got "
                         f"{attr!r:.40}")
    if attr.startswith("__") and attr.endswith("__"):
        if attr not in ARITHMETIC_DUNDERS:
            raise ValueError(f"defop({name!r}): Value.{attr} is part of what a Value is, not an "
                             f"operator an op may take over; the dunders an op may install are "
                             f"{', '.join(sorted(ARITHMETIC_DUNDERS))}")
    elif hasattr(Value, attr) and attr not in _INSTALLED:
        raise ValueError(f"defop({name!r}): Value.{attr} is one of Value's own attributes "
                         f"(not an op's method); an op cannot replace it, even with replace=True. "
                         f"Pick another method name")


def _check_symbol(op: Op) -> None:
    """A family's `symbol` template may name only its parameters: ``"leaky_relu({alpha})"``."""
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(op.symbol) if field is not None]
    except ValueError as err:  # "{" without "}", …
        raise ValueError(f"defop({op.name!r}): the symbol template {op.symbol!r} is not a valid "
                         f"format string ({err}); write {{{next(iter(op.params))}}} for a "
                         f"parameter and {{{{ }}}} for a brace") from None
    for field in fields:
        if field not in op.params:
            raise ValueError(f"defop({op.name!r}): the symbol template {op.symbol!r} names "
                             f"{{{field}}}, which is not a parameter; it may use "
                             f"{', '.join('{' + k + '}' for k in op.params)}")
    try:
        _format_symbol(op.symbol, op.params, "")
    except (ValueError, TypeError) as err:  # a format spec that does not fit the value
        raise ValueError(f"defop({op.name!r}): the symbol template {op.symbol!r} cannot show the "
                         f"default parameters {op.params}: {err}") from None


#: Value method name -> the op that installed it (so one op cannot silently take another's).
_INSTALLED: dict[str, str] = {}
_REFLECTED: set[str] = set()  # those of them that are reflected operators (the number on the left)
_MISSING: Any = object()  # "no operand given", so that v.__add__() reports a missing input


def _as_method(op: Op, reflected: bool = False) -> Callable[..., Value]:
    """A `Value` method that applies `op` to self (and the other operands).

    Ops with one or two inputs and no parameters (``+ - * /``, ``exp``, ``relu`` …) get a method
    that does what `apply` does for exactly that many inputs, without `apply`'s general packing
    and unpacking: these methods run for nearly every node, so this is where speed is won. Any
    failure (a bad operand, a domain error, a wrong number of inputs) is handed to `apply`, which
    raises the full error message; nodes are recorded by `_record` either way.
    """
    forward = op.forward
    if reflected:  # 2 - v: the number is the first input

        def method(self: Value, other: Any) -> Value:
            if other.__class__ is not Value:  # a number: a constant leaf (floats need no checks)
                other = _leaf(other) if other.__class__ is float else lift(other, op)
            try:
                out = forward(other.data, self.data)
            except Exception:
                return apply(op, other, self)
            return _record(op, out, (other, self))

    elif (op.params and op.family is None) or op.variadic:  # a family (x.leaky_relu(alpha=0.2)),
        # or any number of inputs

        def method(self: Value, *others: Any, **params: Any) -> Value:
            return op(self, *others, **params)

    elif len(op.args) == 1:

        def method(self: Value, *others: Any) -> Value:
            if others:
                return apply(op, self, *others)  # raises the arity error
            try:
                out = forward(self.data)
            except Exception:
                return apply(op, self)
            return _record(op, out, (self,))

    elif len(op.args) == 2:

        def method(self: Value, other: Any = _MISSING, *more: Any) -> Value:
            if more or other is _MISSING:
                return apply(op, self, *(() if other is _MISSING else (other,)), *more)
            if other.__class__ is not Value:  # a number: a constant leaf (floats need no checks)
                other = _leaf(other) if other.__class__ is float else lift(other, op)
            try:
                out = forward(self.data, other.data)
            except Exception:
                return apply(op, self, other)
            return _record(op, out, (self, other))

    else:

        def method(self: Value, *others: Any) -> Value:
            return apply(op, self, *others)

    method.__name__ = op.name
    method.__doc__ = op.doc or f"{op.expr}; local derivative(s): {', '.join(op.formulas)}"
    return method
