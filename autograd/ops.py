"""The op table: every built-in op, declared once with `defop` — the same call users make.

Each entry gives the forward rule (on floats), the local derivative of the output with respect to
each input, and the math as text. The local rules receive the inputs and the output ``out`` and
are written with arithmetic and ops only, so they run on floats (a plain backward pass) and on
`Value`s (``grad(..., create_graph=True)``: second and higher derivatives).

Conventions in the formulas: ``out`` is the op's output; ``a, b`` are the inputs of a binary op,
``x`` the input of a unary one.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable
from typing import Any

from .op import REGISTRY, Op, defop
from .value import Value, _record, _to_float, apply, lift


def _power(x: float, p: float) -> float:
    """x to the power p on reals, refusing what has no real answer instead of returning complex."""
    if x == 0.0 and p < 0:
        raise ZeroDivisionError(f"0 to a negative power ({p:g}) divides by zero")
    if x < 0.0 and math.isfinite(p) and not float(p).is_integer():  # a NaN p: NaN, as IEEE pow says
        raise ValueError(f"a negative base ({x:g}) to a non-integer power ({p:g}) is not a real number")
    try:
        return math.pow(x, p)
    except OverflowError:  # said here too, for callers that use the rule directly on floats
        raise OverflowError(f"{x:g} ** {p:g} is too large for a float (beyond ±1.8e308)") from None


def _pow_margin(x: float, p: float) -> float:
    # A whole p ≥ 0 makes a polynomial, smooth everywhere; a whole p < 0 has a pole at 0; any other
    # p is defined for x ≥ 0 only, and is not smooth at 0.
    if float(p).is_integer():
        return math.inf if p >= 0 else abs(x)
    return x


def power(x: Any, p: float) -> Any:
    """x ** p for a float or a `Value` x and a number p (used inside local-derivative rules)."""
    return x ** p if isinstance(x, Value) else _power(x, p)


def _sigmoid(x: float) -> float:
    # Two branches so that exp() only ever sees a non-positive argument: no overflow at |x| = 1000.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# --- arithmetic ---------------------------------------------------------------------------------

ADD = defop(
    "+", operator.add, lambda a, b, out: (1.0, 1.0),
    args=("a", "b"), expr="a + b", formulas=("1", "1"), method="__add__", rmethod="__radd__",
    doc="a + b. Local derivatives: ∂/∂a = 1, ∂/∂b = 1 (a sum passes its gradient on unchanged).",
)
_add_number_first = Value.__radd__


def _radd(self: Value, other: Any) -> Value:
    """``number + v``. ``sum(values)`` starts from the int 0, and ``0 + v`` is v itself: no
    constant-0 leaf and no extra ``+`` node in the graph (``sum_values`` makes one Σ node)."""
    if other.__class__ is int and other == 0:
        return self
    return _add_number_first(self, other)


Value.__radd__ = _radd

SUB = defop(
    "-", operator.sub, lambda a, b, out: (1.0, -1.0),
    args=("a", "b"), expr="a - b", formulas=("1", "-1"), method="__sub__", rmethod="__rsub__",
    doc="a − b. Local derivatives: ∂/∂a = 1, ∂/∂b = −1.",
)
MUL = defop(
    "*", operator.mul, lambda a, b, out: (b, a),
    args=("a", "b"), symbol="×", expr="a·b", formulas=("b", "a"),
    method="__mul__", rmethod="__rmul__",
    doc="a · b. Local derivatives: ∂/∂a = b, ∂/∂b = a (each factor's slope is the other factor).",
)
DIV = defop(
    "/", operator.truediv, lambda a, b, out: (1.0 / b, -out / b),
    args=("a", "b"), symbol="÷", expr="a / b", formulas=("1/b", "-a/b² = -out/b"),
    method="__truediv__", rmethod="__rtruediv__", domain="b ≠ 0", margin=lambda a, b: abs(b),
    doc="a / b. Local derivatives: ∂/∂a = 1/b, ∂/∂b = −a/b² (written −out/b).",
)
NEG = defop(
    "neg", operator.neg, lambda x, out: (-1.0,),
    symbol="−", expr="-x", formulas=("-1",), method="__neg__",
    doc="−x. Local derivative: −1.",
)
POW = defop(
    # p = 0: x**0 is the constant 1, slope 0 everywhere (p·x**(p−1) would divide by zero at x = 0).
    "**", _power, lambda x, out, p: (p * power(x, p - 1) if p != 0 else 0.0,),
    symbol="**{p}", expr="x**p", formulas=("p·x**(p-1)",), params={"p": 2.0},
    domain="a real result: x ≥ 0 unless p is a whole number, and x ≠ 0 if p < 0", margin=_pow_margin,
    doc="x ** p for a number p. Local derivative: p·x^(p−1) (the power rule).",
)


def _pow_value_local(a: Any, b: Any, out: Any) -> tuple:
    # ∂/∂b = a^b · ln a exists only for a > 0; at a = 0 with b > 0 the limit is 0. A NaN a (or a
    # NaN result) gives NaN: written `not a <= 0` rather than `a > 0`, which is False for NaN.
    if not float(a) <= 0.0:
        db = out * LOG(a)
    elif float(out) == 0.0:
        db = 0.0
    elif math.isnan(float(out)):
        db = math.nan
    else:
        raise ValueError(f"∂(a**b)/∂b = a**b·ln(a) does not exist for a = {float(a):g} ≤ 0; "
                         f"if the exponent is a constant, write it as a plain number")
    return (b * PVAL(a, b - 1), db)


PVAL = defop(
    "pow", _power, _pow_value_local,
    args=("a", "b"), symbol="**", expr="a**b", formulas=("b·a**(b-1)", "a**b·ln(a) = out·ln(a)"),
    domain="a real result: a ≥ 0 unless b is a whole number, and a ≠ 0 if b < 0",
    margin=lambda a, b: a,  # ∂/∂b = out·ln(a) needs a > 0
    doc="a ** b with a Value exponent. Local derivatives: ∂/∂a = b·a^(b−1), ∂/∂b = a^b·ln a.",
)


def _pow_method(self: Value, exponent: Any) -> Value:
    """x ** p: the power rule op for a number p, the two-input `pow` op for a `Value` exponent."""
    if isinstance(exponent, Value):
        return apply(PVAL, self, exponent)
    cacheable = exponent.__class__ in (float, int) and exponent == exponent  # not NaN: NaN ≠ NaN
    bound = _POWERS.get(exponent) if cacheable else None
    if bound is None:
        p = _to_float(exponent, "**: exponent")
        bound = (POW.bind(p=p), p)
        if cacheable and len(_POWERS) < 256:  # x ** random(): do not keep every exponent
            _POWERS[exponent] = bound
    op, p = bound
    try:  # the bound op's forward rule, called with p directly rather than through its partial()
        out = POW.forward(self.data, p)
    except Exception:
        return apply(op, self)  # raises the full error message
    return _record(op, out, (self,))


# p -> (the bound `**` op, p as a float): `(p - t) ** 2` in a loss binds the op family once.
_POWERS: dict[float, tuple[Op, float]] = {}


def _rpow_method(self: Value, base: Any) -> Value:
    return apply(PVAL, lift(base, PVAL), self)


Value.__pow__ = _pow_method
Value.__rpow__ = _rpow_method

# --- functions ----------------------------------------------------------------------------------

EXP = defop(
    "exp", math.exp, lambda x, out: (out,),
    expr="exp(x)", formulas=("exp(x) = out",), method="exp",
    domain="x ≤ 709.78 (beyond that eˣ overflows a float)", margin=lambda x: 709.78 - x,
    doc="eˣ. Local derivative: eˣ itself (written out).",
)
LOG = defop(
    "log", math.log, lambda x, out: (1.0 / x,),
    expr="log(x)", formulas=("1/x",), method="log", domain="x > 0", margin=lambda x: x,
    doc="Natural logarithm ln x. Local derivative: 1/x.",
)
TANH = defop(
    "tanh", math.tanh, lambda x, out: (1.0 - out * out,),
    expr="tanh(x)", formulas=("1 - tanh(x)² = 1 - out²",), method="tanh",
    doc="tanh x. Local derivative: 1 − tanh²x (written 1 − out²).",
)
SIGMOID = defop(
    "sigmoid", _sigmoid, lambda x, out: (out * (1.0 - out),),
    symbol="σ", expr="σ(x)", formulas=("σ(x)·(1 - σ(x)) = out·(1 - out)",), method="sigmoid",
    doc="σ(x) = 1/(1 + e⁻ˣ), computed without overflow. Local derivative: σ(x)(1 − σ(x)).",
)
# NOTE: NaN is neither > 0 nor ≤ 0, so every rule with a branch on the sign says what NaN gives
# (NaN, for value and slope: a NaN weight must not vanish into a 0). `x > 0.0` works on floats and
# on Values alike (Value compares its number).
RELU = defop(
    "relu", lambda x: 0.0 if x <= 0.0 else x,
    lambda x, out: (1.0 if x > 0.0 else 0.0 if x <= 0.0 else math.nan,),
    symbol="ReLU", expr="relu(x)", formulas=("1 if x > 0 else 0",), method="relu", margin=abs,
    doc="max(0, x). Local derivative: 1 for x > 0, 0 for x ≤ 0 (0 is used at the kink x = 0); "
        "relu(NaN) and its slope are NaN.",
)
LEAKY_RELU = defop(
    "leaky_relu", lambda x, alpha: x if x > 0.0 else alpha * x,
    lambda x, out, alpha: (1.0 if x > 0.0 else alpha if x <= 0.0 else math.nan,),
    symbol="leaky_relu({alpha})", expr="leaky_relu(x)", formulas=("1 if x > 0 else alpha",),
    method="leaky_relu", params={"alpha": 0.01}, margin=lambda x, alpha: abs(x),
    doc="x for x > 0, alpha·x otherwise. Local derivative: 1 for x > 0, alpha otherwise.",
)
SQRT = defop(
    "sqrt", math.sqrt, lambda x, out: (0.5 / out,),
    symbol="√", expr="√x", formulas=("1/(2√x) = 0.5/out",), method="sqrt", domain="x ≥ 0",
    margin=lambda x: x,
    doc="√x. Local derivative: 1/(2√x) (infinite at x = 0, so backward refuses x = 0).",
)
ABS = defop(
    "abs", abs,
    lambda x, out: (1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x == 0.0 else math.nan,),
    symbol="|x|", expr="|x|", formulas=("sign(x)",), method="abs", margin=abs,
    doc="|x|. Local derivative: sign(x): 1, −1, and 0 at the kink x = 0.",
)
SIN = defop(
    "sin", math.sin, lambda x, out: (COS(x),),
    expr="sin(x)", formulas=("cos(x)",), method="sin",
    doc="sin x. Local derivative: cos x.",
)
COS = defop(
    "cos", math.cos, lambda x, out: (-SIN(x),),
    expr="cos(x)", formulas=("-sin(x)",), method="cos",
    doc="cos x. Local derivative: −sin x.",
)
SUM = defop(
    "sum", lambda *xs: sum(xs, 0.0), lambda *xs_and_out: (1.0,) * (len(xs_and_out) - 1),
    args=("xᵢ",), variadic=True, symbol="Σ", expr="Σ xᵢ", formulas=("1",),
    doc="x₀ + x₁ + … in one node. Local derivative: 1 for every input.",
)
Value.__abs__ = Value.abs


def sum_values(values: Iterable[Any], start: Any = 0.0) -> Value:
    """Σ values as one `sum` node (one node instead of a chain of n − 1 additions).

    `start` is added as an extra input when it is not zero (a bias, say).
    """
    terms = list(values)
    if isinstance(start, Value) or start != 0:
        terms.append(start)
    if not terms:
        return lift(start, SUM)
    return apply(REGISTRY["sum"], *terms)  # a `sum` replaced with defop(replace=True) is used


def _softplus(x: float) -> float:
    # log(1 + eˣ) = max(x, 0) + log1p(e^−|x|): exp() never sees a positive argument.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


SOFTPLUS = defop(
    "softplus", _softplus, lambda x, out: (SIGMOID(x),),
    expr="log(1 + exp(x))", formulas=("σ(x)",), method="softplus",
    doc="softplus(x) = log(1 + eˣ), computed without overflow. Local derivative: σ(x).",
)


def _log_sigmoid(x: float) -> float:
    # log σ(x) = −softplus(−x) = min(x, 0) − log1p(e^−|x|): exp() never sees a positive argument,
    # and there is no log of a σ that rounded to 0 (x.sigmoid().log() fails below x ≈ −745).
    return min(x, 0.0) - math.log1p(math.exp(-abs(x)))


LOG_SIGMOID = defop(
    "log_sigmoid", _log_sigmoid, lambda x, out: (SIGMOID(-x),),
    symbol="log σ", expr="log(σ(x))", formulas=("σ(-x) = 1 - σ(x)",), method="log_sigmoid",
    doc="log σ(x) = −softplus(−x), finite for every finite x. Local derivative: σ(−x) = 1 − σ(x). "
        "Use it for log(sigmoid(z)), and log_sigmoid(−z) for log(1 − sigmoid(z)).",
)


def _clamp(x: float, lo: float, hi: float) -> float:
    if not lo <= hi:  # an empty interval (or a NaN bound) is a mistake, not something to silently cut
        raise ValueError(f"the interval [lo = {lo:g}, hi = {hi:g}] is empty or not a number; call "
                         f"clamp(lo=..., hi=...) with numbers lo ≤ hi")
    return lo if x < lo else hi if x > hi else x


CLAMP = defop(
    "clamp", _clamp,
    lambda x, out, lo, hi: (1.0 if lo <= x <= hi else 0.0 if (x < lo or x > hi) else math.nan,),
    symbol="clamp[{lo}, {hi}]", expr="clamp(x, lo, hi)", formulas=("1 if lo ≤ x ≤ hi else 0",),
    method="clamp", params={"lo": 0.0, "hi": 1.0},
    margin=lambda x, lo, hi: min(abs(x - lo), abs(x - hi)) if lo <= hi else -1.0,
    doc="x limited to [lo, hi]. Local derivative: 1 inside the interval, 0 where x was cut off.",
)

# --- many inputs to one: logsumexp and max, and the list functions built from them --------------


def _no_inputs(name: str) -> ValueError:
    return ValueError(f"{name} of no inputs has no value; give it at least one number")


def _logsumexp(*xs: float) -> float:
    # log Σ eˣⁱ = m + log Σ e^(xᵢ − m) with m = max xᵢ: every exponent is ≤ 0, so nothing overflows
    # (inputs of ±1000 are fine) and the largest term is exactly e⁰ = 1, so the sum cannot round to 0.
    if not xs:
        raise _no_inputs("logsumexp")
    if any(x != x for x in xs):  # NaN in, NaN out (Python's max() would skip it or not by position)
        return math.nan
    m = max(xs)
    if math.isinf(m):  # +inf dominates everything; all −inf is log 0 = −inf
        return m
    return m + math.log(math.fsum([math.exp(x - m) for x in xs]))


def _logsumexp_local(*xs_and_out: Any) -> tuple:
    # ∂out/∂xᵢ = e^xᵢ / Σ e^xⱼ = e^(xᵢ − out): the softmax, written with the output so that the
    # exponent is ≤ 0 (no overflow) and, on Values, so that second derivatives come out right.
    *xs, out = xs_and_out
    return tuple(EXP(x - out) for x in xs)


LOGSUMEXP = defop(
    "logsumexp", _logsumexp, _logsumexp_local,
    args=("xᵢ",), variadic=True, symbol="logΣexp", expr="log Σ exp(xᵢ)",
    formulas=("exp(xᵢ - out) = softmaxᵢ",),
    doc="log(e^x₀ + e^x₁ + …), computed as m + log Σ e^(xᵢ − m) with m the largest input, so "
        "inputs of ±1000 do not overflow. Local derivative: ∂out/∂xᵢ = e^(xᵢ − out), the softmax "
        "of the inputs (the local derivatives are positive and sum to 1).",
)


def _max(*xs: float) -> float:
    if not xs:
        raise _no_inputs("max")
    # NOTE the comparison trap: NaN compares False with everything, so Python's max(1.0, nan) is 1.0
    # while max(nan, 1.0) is nan. A NaN among the inputs must not vanish: the max is then NaN.
    if any(x != x for x in xs):
        return math.nan
    return max(xs)


def _max_local(*xs_and_out: Any) -> tuple:
    # The tie rule: the inputs equal to the max share its gradient equally (1/k each for k of
    # them), the others get 0. At a tie the max has a kink; 1/k lies between the one-sided slopes
    # (0 and 1), as torch.amax does it. A NaN output passes NaN to every input: it must not vanish.
    *xs, out = xs_and_out
    top = float(out)
    if top != top:
        return (math.nan,) * len(xs)
    winners = [float(x) == top for x in xs]
    share = 1.0 / sum(winners)
    return tuple(share if w else 0.0 for w in winners)


def _max_margin(*xs: float) -> float:
    # The kinks are the ties: the runner-up and the max meet after each moves half their gap.
    if len(xs) < 2:
        return math.inf
    second, top = sorted(xs)[-2:]
    return (top - second) / 2


MAX = defop(
    "max", _max, _max_local,
    args=("xᵢ",), variadic=True, expr="max(xᵢ)",
    formulas=("1 if xᵢ = out else 0 (1/k each for k ties)",), margin=_max_margin,
    method="max",
    doc="The largest of the inputs (NaN if any input is NaN). Local derivative: 1 for the input "
        "that is the max, 0 for the others. Tie rule: k inputs equal to the max share it, 1/k "
        "each (max(x, x) passes ½ to each x) — at a tie max has a kink, and 1/k is a slope "
        "between the one-sided ones.",
)


def maximum(*values: Any) -> Value:
    """max(v₀, v₁, …) as one `max` node (see `MAX` for the tie rule); also ``a.max(b, c)``."""
    if len(values) == 1 and isinstance(values[0], (list, tuple)):
        values = tuple(values[0])
    return apply(MAX, *_inputs("maximum", values))


def _inputs(name: str, values: Any) -> list[Any]:
    """A list function's inputs as a list of `Value`s and numbers; an empty one is an error."""
    if isinstance(values, (Value, str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{name}: values must be a list of Values or numbers, got "
                        f"{type(values).__name__} {values!r:.40}")
    values = list(values)
    if not values:
        raise ValueError(f"{name}: values is an empty list; give it at least one Value or number")
    return [v if isinstance(v, Value) else lift(v, name) for v in values]


def logsumexp(values: Iterable[Any]) -> Value:
    """log Σ exp(vᵢ) over a list of `Value`s or numbers, as one `logsumexp` node.

    Stable for inputs of any size (±1000 included). Local derivative: ∂/∂vᵢ = softmax(v)ᵢ.
    """
    return apply(LOGSUMEXP, *_inputs("logsumexp", values))


def log_softmax(values: Iterable[Any]) -> list[Value]:
    """log softmax(v)ᵢ = vᵢ − logsumexp(v) for each i: a `-` node after one shared `logsumexp` node.

    Derivatives: ∂ log softmaxᵢ / ∂vⱼ = δᵢⱼ − softmaxⱼ (1 − sⱼ on the diagonal, −sⱼ off it): the
    `-` node passes 1 to vᵢ and −1 to logsumexp, whose local derivatives are the softmax.
    Every output is ≤ 0 and finite for finite inputs, even where softmax rounds to 0.
    """
    vs = _inputs("log_softmax", values)
    lse = apply(LOGSUMEXP, *vs)
    return [v - lse for v in vs]


def softmax(values: Iterable[Any]) -> list[Value]:
    """softmax(v)ᵢ = exp(vᵢ − logsumexp(v)): probabilities (positive, summing to 1) from scores.

    Built from ops as exp(log_softmax): one `logsumexp` node, then a `-` and an `exp` per output,
    so the graph and the stepper show each step. Derivatives: ∂sᵢ/∂vⱼ = sᵢ(δᵢⱼ − sⱼ) —
    sᵢ(1 − sᵢ) on the diagonal, −sᵢsⱼ off it. Shift-invariant: softmax(v + c) = softmax(v).
    """
    return [d.exp() for d in log_softmax(_inputs("softmax", values))]
