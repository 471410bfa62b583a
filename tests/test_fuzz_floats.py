"""Every built-in op, forward and backward, on the floats that break things.

Inputs: ±0, ±1, subnormals, the smallest normal, ±1e308, ±max, ±inf, NaN (all combinations), and
Hypothesis-drawn floats of any size. The only outcomes allowed are the documented ones
(README, "When things go wrong"), and a NaN input always shows: the result is NaN (except IEEE's
x**0 = 1 and 1**y = 1), and so is the slope with respect to it unless that slope is written
without it (the other factor of a product, 1/b of a division):

1. a finite result;
2. an IEEE result: NaN/inf that came in as an input flows on; + − × ÷ (and sum) of finite numbers
   may overflow to ±inf exactly when the true result is beyond the largest float — checked here
   with exact rational arithmetic; a gradient may be ±inf only where the true derivative is too
   large for a float (1/b of division, 1/x of log, the power rule) — checked in log space;
3. one of our own errors (ValueError, ZeroDivisionError, OverflowError) whose message starts with
   the op's name and the values, and never with Python's bare "math domain error".
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import REGISTRY, Op, Value

INF, NAN = math.inf, math.nan
MAX = sys.float_info.max
EXTREMES = [0.0, -0.0, 1.0, -1.0, 5e-324, -5e-324, 1e-310, 2.2250738585072014e-308, 1e308, -1e308,
            MAX, -MAX, INF, -INF, NAN]
# A real number rounds to ±inf from here on (halfway between MAX and 2**1024, ties to even).
OVERFLOW = Fraction(2 ** 1024 - 2 ** 970)
LN_MAX = math.log(MAX)

# Parameter values for the op families (a family not listed is tried with its defaults).
PARAMS = {
    "**": [{"p": p} for p in (0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, 1.5, -0.5)],
    "leaky_relu": [{"alpha": 0.01}, {"alpha": 0.2}],
    "clamp": [{"lo": 0.0, "hi": 1.0}, {"lo": -1e308, "hi": 1e308}],
}
ARITHMETIC = {"+", "-", "*", "/", "neg", "sum"}
OUR_ERRORS = (ValueError, ZeroDivisionError, OverflowError)
PYTHON_WORDING = ("math domain error", "math range error", "float division by zero",
                  "Numerical result out of range", "int too large")


def builtin_ops() -> dict[str, Op]:
    """The ops the package declares (tests may add their own to REGISTRY; those are not ours)."""
    found = {}
    for name, module in list(sys.modules.items()):
        if name == "autograd" or name.startswith("autograd."):
            for obj in vars(module).values():
                if isinstance(obj, Op) and obj.family is None and REGISTRY.get(obj.name) is obj:
                    found[obj.name] = obj
    return found


def variants() -> list[tuple[str, Op, dict, int]]:
    out = []
    for name, op in sorted(builtin_ops().items()):
        for params in PARAMS.get(name, [{}]):
            arities = (1, 2, 3) if op.variadic else (op.arity,)
            for n in arities:
                shown = ",".join(f"{k}={v:g}" for k, v in params.items())
                out.append((f"{name}({shown})" + (f"/{n}" if op.variadic else ""), op, params, n))
    return out


VARIANTS = variants()


def exact(name: str, xs: list[float]) -> Fraction:
    q = [Fraction(x) for x in xs]
    return {"+": lambda: q[0] + q[1], "-": lambda: q[0] - q[1], "*": lambda: q[0] * q[1],
            "/": lambda: q[0] / q[1], "neg": lambda: -q[0], "sum": lambda: sum(q)}[name]()


def ln_abs(x: float) -> float:
    return math.log(abs(x)) if x != 0 else -INF


def derivative_may_overflow(name: str, params: dict, xs: list[float], out: float, i: int) -> bool:
    """Whether the true local derivative ∂out/∂xᵢ is beyond the float range (natural-log magnitude)."""
    if name == "/":
        magnitude = -ln_abs(xs[1]) if i == 0 else ln_abs(out) - ln_abs(xs[1])
    elif name == "log":
        magnitude = -ln_abs(xs[0])
    elif name == "**" and params["p"] != 0:
        magnitude = ln_abs(params["p"]) + (params["p"] - 1) * ln_abs(xs[0])
    elif name == "pow":
        a, b = xs
        if i == 0:
            magnitude = ln_abs(b) + (b - 1) * ln_abs(a)
        else:
            magnitude = ln_abs(out) + ln_abs(math.log(a)) if a > 0 else INF
    else:
        return False
    return magnitude >= LN_MAX * (1 - 1e-9)


def nan_may_vanish(name: str, params: dict, xs: list[float]) -> bool:
    """IEEE's few results that do not depend on a NaN input: x**0 = 1, 1**y = 1 (C99 pow)."""
    return (name == "**" and params["p"] == 0) or (name == "pow" and (xs[1] == 0 or xs[0] == 1))


def slope_ignores_input(name: str, params: dict, xs: list[float], i: int) -> bool:
    """Whether ∂out/∂xᵢ is written without xᵢ itself, so a NaN xᵢ may have a number as its slope."""
    return (name in ("+", "-", "neg", "sum", "*")                  # 1, −1, or the other factor
            or (name == "/" and i == 0)                             # 1/b
            or (name == "**" and params["p"] in (0.0, 1.0))         # 0, or 1·x⁰ = 1
            or (name == "pow" and i == 0 and xs[1] in (0.0, 1.0)))  # b·a^(b−1) with b = 0 or 1


def assert_ours(err: Exception, prefix: str) -> None:
    message = str(err)
    assert message.startswith(prefix), f"{type(err).__name__} not naming the op: {message}"
    for words in PYTHON_WORDING:
        assert words not in message, message


def check(op: Op, params: dict, xs: list[float]) -> None:
    """One op on one list of inputs: forward on Values and on floats, then backward."""
    name, finite_in = op.name, all(math.isfinite(x) for x in xs)
    on_floats = _outcome(lambda: op(*xs, **params))
    vals = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    try:
        out = op(*vals, **params)
    except OUR_ERRORS as err:
        assert_ours(err, f"{name}(")
        if name in ARITHMETIC:  # IEEE arithmetic never stops, except Python's x / 0
            assert name == "/" and xs[1] == 0, (name, xs, err)
        assert type(on_floats) is type(err), (name, xs, on_floats, err)  # same answer on floats
        return
    y = out.data
    assert type(y) is float, (name, xs, y)
    assert on_floats == y or (math.isnan(on_floats) and math.isnan(y)), (name, xs, on_floats, y)
    if finite_in and name in ARITHMETIC:
        true = exact(name, xs)
        if name == "sum":  # left to right, so a partial sum may overflow: bounded by Σ|x|
            if not math.isfinite(y):
                assert sum(abs(Fraction(x)) for x in xs) >= OVERFLOW and not math.isnan(y), (xs, y)
        elif abs(true) >= OVERFLOW:
            assert y == (INF if true > 0 else -INF), (name, xs, y)
        else:
            assert y == float(true), (name, xs, y)  # IEEE: the correctly rounded result
    elif finite_in:
        assert math.isfinite(y), f"{name}{tuple(xs)} = {y} from finite inputs"
    if any(map(math.isnan, xs)) and not nan_may_vanish(name, params, xs):
        # The comparison trap: `x > 0` is False for NaN, so a careless branch turns NaN into a number.
        assert math.isnan(y), f"{name}{tuple(xs)} = {y}: a NaN input vanished"

    try:
        out.backward()
    except OUR_ERRORS as err:
        assert_ours(err, f"backward through {name}(")
        return
    forward_finite = finite_in and math.isfinite(y)
    for i, v in enumerate(vals):
        g = v.grad
        assert type(g) is float, (name, xs, i, g)
        if math.isnan(xs[i]) and not (slope_ignores_input(name, params, xs, i)
                                      or nan_may_vanish(name, params, xs)):  # constant there
            assert math.isnan(g), f"∂{name}/∂x{i} at {xs} is {g}: the slope at a NaN input must be NaN"
        if not math.isfinite(g) and forward_finite:
            assert not math.isnan(g), f"∂{name}/∂x{i} at {xs} is NaN with every value finite"
            assert derivative_may_overflow(name, params, xs, y, i), (
                f"∂{name}/∂x{i} at {xs} is {g}, but the true derivative is a float")


def _outcome(f):
    try:
        return f()
    except OUR_ERRORS as err:
        return err


def test_every_builtin_op_is_fuzzed():
    names = {name for name, *_ in VARIANTS}
    core = {"+", "-", "*", "/", "neg", "**", "pow", "exp", "log", "tanh", "sigmoid", "relu", "sqrt",
            "sum", "softplus", "log_sigmoid", "clamp", "leaky_relu", "abs", "sin", "cos",
            "logsumexp", "max"}
    assert core <= {n.split("(")[0] for n in names}
    assert all(op.name in autograd.REGISTRY for _, op, _, _ in VARIANTS)


def test_the_oracle_rejects_what_it_must():
    # Broken ops — NaN from finite inputs, an infinite slope where the truth is finite — fail it.
    nan_op = autograd.defop("fuzz_nan_test", lambda x: x * NAN, lambda x, out: (1.0,),
                            doc="Broken on purpose. Local derivative: 1.", formulas=("1",))
    inf_slope = autograd.defop("fuzz_slope_test", lambda x: x, lambda x, out: (MAX * 2,),
                               doc="Broken on purpose. Local derivative: inf.", formulas=("inf",))
    # relu as it once was: both rules fall into the comparison trap (NaN > 0 is False).
    trap = autograd.defop("fuzz_trap_test", lambda x: x if x > 0 else 0.0,
                          lambda x, out: (1.0,), formulas=("1",))
    trap_slope = autograd.defop("fuzz_trap_slope_test", lambda x: x,
                                lambda x, out: (1.0 if x > 0 else 0.0,), formulas=("step",))
    try:
        with pytest.raises(AssertionError, match="from finite inputs"):
            check(nan_op, {}, [2.0])
        with pytest.raises(AssertionError, match="but the true derivative is a float"):
            check(inf_slope, {}, [2.0])
        with pytest.raises(AssertionError, match="a NaN input vanished"):
            check(trap, {}, [NAN])
        with pytest.raises(AssertionError, match="the slope at a NaN input must be NaN"):
            check(trap_slope, {}, [NAN])
        check(inf_slope, {}, [INF])  # an infinite input: anything goes
    finally:
        for name in ("fuzz_nan_test", "fuzz_slope_test", "fuzz_trap_test", "fuzz_trap_slope_test"):
            del autograd.REGISTRY[name]
    with pytest.raises(AssertionError, match="not naming the op"):
        assert_ours(ValueError("math domain error"), "log(")
    with pytest.raises(AssertionError):
        assert_ours(ValueError("log(x = 0): math domain error"), "log(")


@pytest.mark.parametrize("name,op,params,n", VARIANTS, ids=[v[0] for v in VARIANTS])
def test_every_op_on_every_combination_of_extreme_floats(name, op, params, n):
    import itertools

    for xs in itertools.product(EXTREMES, repeat=n):
        check(op, params, list(xs))


any_float = st.one_of(st.sampled_from(EXTREMES), st.floats(), st.floats(-1e3, 1e3))


@pytest.mark.parametrize("name,op,params,n", VARIANTS, ids=[v[0] for v in VARIANTS])
@given(data=st.data())
def test_every_op_on_hypothesis_floats(name, op, params, n, data):
    xs = data.draw(st.lists(any_float, min_size=n, max_size=n), label="inputs")
    check(op, params, xs)
