"""Bad input gets a clear answer: construction, mixed types, domains, backward, anomaly detection.

Every message is checked for what a learner needs to act on it: the op (or argument), the
offending value, the label of the node when it has one, and no bare "math domain error".
"""

from __future__ import annotations

import math
import warnings
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import AnomalyError, AnomalyWarning, Value, defop, detect_anomaly, grad
from autograd.value import SWITCHES
from nn import bce, bce_with_logits

PYTHON_WORDING = ("math domain error", "math range error", "float division by zero",
                  "Numerical result out of range")


def no_python_wording(message: str) -> None:
    for words in PYTHON_WORDING:
        assert words not in message, message


# --- construction -----------------------------------------------------------------------------

BAD_DATA = [
    ("3", "str", "float('3')"),
    ("abc", "str", "pass a number"),
    (None, "NoneType", "pass an int, float"),
    ([1], "list", "one Value per element"),
    ((1.0, 2.0), "tuple", "one Value per element"),
    (1j, "complex", "real numbers only"),
    (np.complex128(1 + 2j), "complex128", "real numbers only"),
    (Decimal("1.5"), "Decimal", "float(x)"),
    (np.array([1.0, 2.0]), "ndarray", "one Value per element"),
    (np.array(1.0), "ndarray", "float(x)"),
    ({"x": 1}, "dict", "pass an int, float"),
]


@pytest.mark.parametrize("data,kind,hint", BAD_DATA, ids=[k + ":" + repr(d)[:12] for d, k, _ in BAD_DATA])
def test_value_refuses_non_real_data_naming_the_type_and_what_is_accepted(data, kind, hint):
    with pytest.raises(TypeError) as info:
        Value(data)
    message = str(info.value)
    assert message.startswith("Value: expected a real number (int, float, bool or NumPy scalar)")
    assert f"got {kind} " in message and hint in message


def test_value_of_a_value_says_to_use_it_directly():
    with pytest.raises(TypeError, match="it is a Value already"):
        Value(Value(1.0))


def test_value_accepts_every_real_number_type():
    for data, expected in [(3, 3.0), (True, 1.0), (np.float32(0.5), 0.5), (np.int64(-2), -2.0),
                           (Fraction(1, 4), 0.25), (np.float64(1e-320), 1e-320)]:
        v = Value(data)
        assert type(v.data) is float and v.data == expected


def test_an_int_too_large_for_a_float_is_an_overflow_naming_it():
    with pytest.raises(OverflowError, match=r"^Value: the int 1000.*too large for a float"):
        Value(10 ** 400)
    with pytest.raises(OverflowError, match=r"^\*: operand: the int"):
        Value(1.0) * 10 ** 400


def test_label_must_be_text():
    with pytest.raises(TypeError, match="label must be a str, got int 3"):
        Value(1.0, label=3)


# --- mixing a Value with something that is not a number ------------------------------------------

MIXED = [
    (lambda v: v + "a", r"^\+: operand: .* got str 'a'"),
    (lambda v: "a" + v, r"^\+: operand: .* got str 'a'"),
    (lambda v: v * None, r"^\*: operand: .* got NoneType None"),
    (lambda v: [1, 2] * v, r"^\*: operand: .* got list \[1, 2\]"),
    (lambda v: v - {1}, r"^-: operand: .* got set"),
    (lambda v: v / "2", r"^/: operand: .* float\('2'\)"),
    (lambda v: v ** "2", r"^\*\*: exponent: .* got str '2'"),
    (lambda v: "2" ** v, r"^pow: operand: .* got str '2'"),
    (lambda v: v < "a", r"^comparison <: .* got str 'a'"),
    (lambda v: v.leaky_relu(alpha="a"), r"^leaky_relu: parameter alpha: .* got str 'a'"),
    (lambda v: v.leaky_relu(alpha=[0.1]), r"^leaky_relu: parameter alpha: .* got list"),
    (lambda v: v.leaky_relu(beta=1.0),
     r"^leaky_relu: unknown parameter\(s\) \['beta'\]; it takes \['alpha'\]"),
    (lambda v: v.exp(2.0), r"^exp: takes 1 input\(s\) \(x\), got 2"),
    (lambda v: autograd.REGISTRY["log"]("a"), r"^log: operand: .* got str 'a'"),
    (lambda v: autograd.REGISTRY["+"](v), r"^\+: takes 2 input\(s\) \(a, b\), got 1"),
]


@pytest.mark.parametrize("build,pattern", MIXED, ids=[p[1].replace("\\", "")[:24] for p in MIXED])
def test_mixing_a_value_with_a_non_number_names_the_op(build, pattern):
    with pytest.raises(TypeError, match=pattern):
        build(Value(2.0, label="v"))


# --- domains ------------------------------------------------------------------------------------

# (what, build, exception, every text the message must contain)
DOMAIN = [
    ("log 0", lambda: Value(0.0, label="p").log(), ValueError,
     ["log(x = 'p' (= 0))", "log needs x > 0"]),
    ("log <0", lambda: Value(-2.0, label="p").log(), ValueError, ["log(x = 'p' (= -2))", "x > 0"]),
    ("log -inf", lambda: Value(-math.inf).log(), ValueError, ["log(x = -inf)"]),
    ("sqrt <0", lambda: Value(-1.0, label="s").sqrt(), ValueError,
     ["sqrt(x = 's' (= -1))", "sqrt needs x ≥ 0"]),
    ("neg base, fractional power", lambda: Value(-8.0, label="b") ** (1 / 3), ValueError,
     ["**(x = 'b' (= -8))", "negative base (-8) to a non-integer power (0.333333)"]),
    ("neg base, Value power", lambda: Value(-2.0, label="b") ** Value(0.5, label="e"), ValueError,
     ["pow(a = 'b' (= -2), b = 'e' (= 0.5))", "non-integer power"]),
    ("0 to negative power", lambda: Value(0.0, label="z") ** -1, ZeroDivisionError,
     ["**(x = 'z' (= 0))", "0 to a negative power (-1) divides by zero"]),
    ("divide by 0", lambda: Value(1.0, label="num") / Value(0.0, label="den"), ZeroDivisionError,
     ["/(a = 'num' (= 1), b = 'den' (= 0))", "division by zero", "b ≠ 0"]),
    ("divide by const 0", lambda: Value(1.0, label="num") / 0, ZeroDivisionError,
     ["/(a = 'num' (= 1), b = 0)"]),
    ("number / 0", lambda: 3 / Value(0.0, label="den"), ZeroDivisionError, ["/(a = 3, b = 'den' (= 0))"]),
    ("exp overflow", lambda: Value(1000.0, label="big").exp(), OverflowError,
     ["exp(x = 'big' (= 1000))", "too large for a float", "x ≤ 709.78"]),
    ("power overflow", lambda: Value(1e200, label="h") ** 2, OverflowError,
     ["**(x = 'h' (= 1e+200))", "too large for a float"]),
    ("pow overflow", lambda: 10 ** Value(400.0, label="e"), OverflowError,
     ["pow(a = 10, b = 'e' (= 400))", "too large for a float"]),
    ("sin inf", lambda: Value(math.inf, label="t").sin(), ValueError,
     ["sin(x = 't' (= inf))", "no value at ±inf"]),
    ("cos -inf", lambda: Value(-math.inf).cos(), ValueError, ["cos(x = -inf)", "no value at ±inf"]),
    ("clamp lo > hi", lambda: Value(0.5).clamp(lo=2.0, hi=1.0), ValueError,
     ["clamp(x = 0.5)", "[lo = 2, hi = 1] is empty"]),
    ("log of a sigmoid that is 0", lambda: Value(-800.0, label="z").sigmoid().log(), ValueError,
     ["log(x = 0)", "z.log_sigmoid()"]),
    ("log(1 - sigmoid) that is 0", lambda: (1 - Value(800.0).sigmoid()).log(), ValueError,
     ["(-z).log_sigmoid()"]),
    ("op called on plain floats", lambda: autograd.REGISTRY["log"](-1.0), ValueError,
     ["log(x = -1)", "log needs x > 0"]),
    ("sqrt on plain floats", lambda: autograd.REGISTRY["sqrt"](-4.0), ValueError, ["sqrt(x = -4)"]),
]


@pytest.mark.parametrize("what,build,error,texts", DOMAIN, ids=[d[0] for d in DOMAIN])
def test_domain_errors_name_the_op_the_values_and_the_labels(what, build, error, texts):
    with pytest.raises(error) as info:
        build()
    message = str(info.value)
    for text in texts:
        assert text in message, (what, message)
    no_python_wording(message)


def test_arithmetic_overflows_to_inf_as_ieee_says():
    # Documented policy: + − × ÷ on finite floats may overflow to ±inf (no exception), like floats.
    assert (Value(1e308) * 10).data == math.inf
    assert (Value(-1e308) - 1e308).data == -math.inf
    assert (Value(1e308) / 1e-10).data == math.inf
    assert math.isnan((Value(math.inf) - math.inf).data)


# --- backward -----------------------------------------------------------------------------------

def test_backward_through_an_infinite_derivative_names_op_label_formula_and_path():
    x = Value(0.0, label="x")
    r = x.sqrt()
    r.label = "root_of_x"
    loss = r * 2 + 1
    loss.label = "loss"
    with pytest.raises(ZeroDivisionError) as info:
        loss.backward()
    message = str(info.value)
    assert message.startswith("backward through sqrt(x = 'x' (= 0)) [node 'root_of_x']")
    assert "∂out/∂x = 1/(2√x) = 0.5/out" in message and "divides by zero" in message
    assert message.endswith("Path from the root: loss → * → root_of_x.")
    no_python_wording(message)


def test_backward_of_pow_with_a_negative_base_explains_the_exponent_derivative():
    a, b = Value(-2.0, label="a"), Value(3.0, label="b")
    y = a ** b
    assert y.data == -8.0
    with pytest.raises(ValueError, match=r"backward through pow\(a = 'a' \(= -2\), b = 'b' \(= 3\)\).*"
                                         r"does not exist for a = -2.*write it as a plain number"):
        y.backward()


def test_constant_powers_have_slope_zero_even_at_zero():
    # x**0 is the constant 1: its slope is 0 everywhere, also where p·x**(p−1) would divide by 0.
    x = Value(0.0)
    (x ** 0).backward()
    assert x.grad == 0.0
    x = Value(3.0)
    (dx,) = grad(x ** 0, [x], create_graph=True)
    assert dx.data == 0.0


def test_a_local_rule_returning_the_wrong_shape_is_a_type_error_naming_the_op():
    broken = defop("broken_double_test", lambda x: 2 * x, lambda x, out: 2.0,  # not a tuple
                   doc="2x. Local derivative: 2 (returned wrongly, on purpose).", formulas=("2",))
    try:
        y = broken(Value(1.5, label="x"))
        with pytest.raises(TypeError, match=r"backward through broken_double_test\(x = 'x' \(= 1.5\)\): "
                                            r"the op's local rule must return a tuple with one "
                                            r"derivative per input \(1\), got 2.0"):
            y.backward()
    finally:
        del autograd.REGISTRY["broken_double_test"]


def test_a_forward_rule_that_fails_with_a_type_error_names_the_op():
    bad = defop("bad_forward_test", lambda x: x + "oops", lambda x, out: (1.0,),
                doc="Always fails. Local derivative: 1.", formulas=("1",))
    try:
        with pytest.raises(TypeError, match=r"^bad_forward_test: its forward rule failed on \(1\): "
                                            r"unsupported operand"):
            bad(Value(1.0))
        with pytest.raises(TypeError, match=r"^bad_forward_test: its forward rule failed on \(2\)"):
            bad(2.0)
        with pytest.raises(TypeError, match=r"^bad_forward_test: takes 1 input"):
            bad(Value(1.0), 2.0)
    finally:
        del autograd.REGISTRY["bad_forward_test"]


def test_numpy_floats_follow_python_rules_not_numpy_rules():
    v = Value(np.float64(1.0))
    assert type(v.data) is float
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        v / 0


# --- detect_anomaly -----------------------------------------------------------------------------

def test_anomaly_stops_at_the_first_non_finite_forward_value():
    a = Value(1e308, label="a")
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        b = a * 10           # inf: the origin
        b - b                # never reached
    message = str(info.value)
    assert message.startswith("*(a = 'a' (= 1e+308), b = 10) = inf: finite inputs gave a non-finite")
    assert SWITCHES.anomaly is None  # switched off again, also after an exception


def test_anomaly_names_a_non_finite_input_that_came_from_data():
    n = Value(math.nan, label="n")
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"^\+\(a = 'n' \(= nan\), b = 1\) = nan: "
                                                              r"a non-finite input came in"):
        n + 1


def test_anomaly_stops_at_the_first_non_finite_gradient_with_the_path_from_the_root():
    x = Value(1e-320, label="x")     # log is fine here (−736.8), its slope 1/x is not a float
    with detect_anomaly():
        h = x.log()
        h.label = "h"
        y = h * 2
        y.label = "y"
        loss = y + 1
        loss.label = "loss"
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    message = str(info.value)
    assert message.startswith("backward through log(x = 'x' (= 9.99989e-321)) [node 'h']: the "
                              "gradient reaching input x = 'x' (= 9.99989e-321) is inf")
    assert "upstream gradient 2, local derivative ∂out/∂x = 1/x = inf" in message
    assert "Path from the root: loss → y → h." in message


def test_anomaly_blames_an_overflowing_product_not_the_local_derivative():
    x = Value(1e-300, label="x")
    with detect_anomaly():
        y = x * 1e300      # 1: every forward value is finite …
        z = y * 1e300      # 1e300
        # … but dz/dx = 1e300 · 1e300 is not a float: the product of two finite factors overflows.
        with pytest.raises(AnomalyError, match=r"^backward through \*\(a = 'x' \(= 1e-300\), b = 1e\+300\)"
                                               r": the gradient reaching input a = 'x' .* is inf "
                                               r"\(upstream gradient 1e\+300, local derivative "
                                               r"∂out/∂a = b = 1e\+300\): upstream gradient × local "
                                               r"derivative .* overflowed"):
            z.backward()


def test_anomaly_warn_mode_reports_each_problem_once_where_it_starts():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with detect_anomaly(warn=True):
            a = Value(1e308, label="a")
            b = a * 10                 # 1: inf made from finite numbers
            c = (b - b + 1).tanh()     # nan flows on: not reported again
            x = Value(1e-320, label="x")
            y = x.log() * 2 + x.log() * 3
            loss = y + c
            loss.backward()            # 2: 1/x overflows (once for x, though two paths reach it)
    messages = [str(w.message) for w in caught]
    assert [w.category for w in caught] == [AnomalyWarning, AnomalyWarning], messages
    assert messages[0].startswith("*(a = 'a' (= 1e+308), b = 10) = inf")
    assert messages[1].startswith("backward through log(x = 'x' (= 9.99989e-321))")
    assert math.isnan(loss.data) and x.grad == math.inf  # and the work carried on


def test_anomaly_warnings_point_at_the_users_line():
    # Left out of `make mutate` (pyproject [tool.mutmut]): mutmut calls every mutated function
    # through a trampoline of its own, so the first frame outside the library is mutmut's.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with detect_anomaly(warn=True):
            x = Value(1e-320, label="x")
            y = Value(1e308) * 10      # forward: inf from finite numbers
            (x.log() + y).backward()   # backward: 1/x overflows
    assert len(caught) == 2
    assert all(w.filename == __file__ for w in caught)  # both point at this file, not the library


def test_anomaly_is_off_by_default_and_nests():
    assert SWITCHES.anomaly is None
    assert math.isinf((Value(1e308) * 10).data)   # no check, no exception
    with detect_anomaly(warn=True):
        with detect_anomaly():
            assert SWITCHES.anomaly.mode == "raise"
        assert SWITCHES.anomaly.mode == "warn"
    assert SWITCHES.anomaly is None


def test_anomaly_checks_second_derivatives_too():
    x = Value(1e-200, label="x")
    with detect_anomaly():
        (g,) = grad(x.log(), [x], create_graph=True)    # 1/x = 1e200, fine
        with pytest.raises(AnomalyError, match=r"^backward through /\(a = 1, b = 'x' \(= 1e-200\)\): "
                                               r"the gradient reaching input b = 'x' .* is -inf"):
            grad(g, [x])                                 # −1/x² = −1e400: not a float


# --- numerics that must stay finite up to |x| = 1000 ----------------------------------------------

def reference(f: str, x: float) -> tuple[float, float]:
    """log σ(x), softplus(x), σ(x), tanh(x) and their slopes, to 40 significant digits at least."""
    with localcontext() as ctx:
        ctx.prec = 50 + int(abs(x) / 2.3)  # log(1 + e^−x) needs the digits of e^−x after the 1
        d = Decimal(x)
        e = (-d).exp()                      # e^−x
        sigma = 1 / (1 + e)
        values = {
            "sigmoid": (sigma, sigma * (1 - sigma)),
            "log_sigmoid": (-(1 + e).ln(), 1 - sigma),
            "softplus": ((1 + d.exp()).ln(), sigma),
            "tanh": ((1 - e * e) / (1 + e * e), 1 - ((1 - e * e) / (1 + e * e)) ** 2),
        }[f]
        return float(values[0]), float(values[1])


EXTREME_LOGITS = [-1000.0, -745.5, -709.0, -40.0, -1e-300, 0.0, 1e-300, 40.0, 709.0, 745.5, 1000.0]


@pytest.mark.parametrize("name", ["sigmoid", "log_sigmoid", "softplus", "tanh"])
@pytest.mark.parametrize("x0", EXTREME_LOGITS)
def test_squashing_functions_are_finite_and_exact_up_to_1000(name, x0):
    x = Value(x0)
    y = getattr(x, name)()
    y.backward()
    value, slope = reference(name, x0)
    assert math.isfinite(y.data) and math.isfinite(x.grad)
    # abs=1e-16: σ and tanh round to exactly ±1 beyond |x| ≈ 37 and 19, so their slopes, written
    # from the output (out·(1 − out), 1 − out²), come out 0 where the truth is below 1e-16.
    assert y.data == pytest.approx(value, rel=1e-14, abs=1e-300)
    assert x.grad == pytest.approx(slope, rel=1e-13, abs=1e-16)


@given(st.floats(-1000.0, 1000.0))
def test_log_sigmoid_matches_the_60_digit_reference(x0):
    x = Value(x0)
    y = x.log_sigmoid()
    y.backward()
    value, slope = reference("log_sigmoid", x0)
    assert y.data == pytest.approx(value, rel=1e-14, abs=1e-300)
    assert x.grad == pytest.approx(slope, rel=1e-13, abs=1e-300)


@pytest.mark.parametrize("z0", EXTREME_LOGITS)
@pytest.mark.parametrize("t", [0.0, 0.3, 1.0])
def test_bce_from_sigmoid_and_from_logits_is_finite_with_the_exact_gradient(z0, t):
    softplus, sigma = reference("softplus", z0)
    for loss_of in (lambda z: bce(z.sigmoid(), t), lambda z: bce_with_logits(z, t)):
        z = Value(z0)
        loss = loss_of(z)
        loss.backward()
        assert loss.data == pytest.approx(softplus - t * z0, rel=1e-12, abs=1e-300)
        assert z.grad == pytest.approx(sigma - t, rel=1e-12, abs=1e-300)


def test_bce_clamps_other_predictions_into_eps_and_documents_the_zero_gradient():
    assert "clamped into [eps, 1 − eps]" in bce.__doc__
    p = Value(0.0)
    loss = bce(p, 1.0)                      # log(0) would be −inf: clamped to log(1e-12)
    loss.backward()
    assert loss.data == pytest.approx(-math.log(1e-12), rel=1e-12)
    assert p.grad == 0.0                    # cut off by the clamp: no slope
    q = Value(0.25)
    bce(q, 1.0).backward()
    assert q.grad == pytest.approx(-4.0, rel=1e-12)
    with pytest.raises(ValueError, match="eps = 0 must be a small positive number"):
        bce(Value(0.5), 1.0, eps=0)


def test_clamp_refuses_an_empty_or_nan_interval():
    for lo, hi in [(2.0, 1.0), (float("nan"), 1.0), (0.0, float("nan"))]:
        with pytest.raises(ValueError, match="empty or not a number"):
            Value(0.5).clamp(lo=lo, hi=hi)


def test_anomaly_warn_mode_keeps_no_growing_warning_registry():
    # Every anomaly message names numbers, so each is distinct: Python's per-module registry would
    # keep every one of them for good. Ours is held by the switch and bounded.
    registry = globals().setdefault("__warningregistry__", {})
    before = len(registry)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        with detect_anomaly(warn=True):
            checker = SWITCHES.anomaly
            for i in range(3 * checker.KEEP_WARNINGS):
                Value(1e307 * (1 + i / 1000)) * 100.0       # 3,000 distinct warnings
                float(Value(i, label=f"v{i}"))              # and 3,000 numbers read off the graph
            assert len(checker.registry) <= checker.KEEP_WARNINGS + 1
    assert len(caught) == 6 * checker.KEEP_WARNINGS
    assert len(registry) <= before + 1


def test_anomaly_names_a_leaf_changed_by_hand_after_the_graph_was_built():
    x = Value(0.5, label="x")
    with detect_anomaly():
        y = (x * x).tanh()
        x.data = 3.0
        with pytest.raises(AnomalyError, match=r"^backward through \*\(a = 'x' \(= 3\), b = 'x' \(= 3\)\)"
                                               r": this graph was built with x = 0.5; x is now 3\. "
                                               r".*rebuild the graph"):
            y.backward()
    assert x.grad == 0.0 and y.grad == 0.0  # nothing written
    # Built outside the switch, checked inside: the node is named, the old number cannot be.
    w = Value(2.0, label="w")
    z = w.exp() + 1.0
    w.data = -1.0
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"^backward through exp\(x = 'w' \(= -1\)\): "
                                                             r"its output was 7\.38906 when the graph "
                                                             r"was built, but its inputs now give "
                                                             r"0\.367879"):
        z.backward()


def test_without_detect_anomaly_a_changed_leaf_mixes_old_and_new_as_documented():
    x = Value(0.5)
    y = x * x          # 0.25, built with x = 0.5
    x.data = 3.0
    y.backward()
    assert y.data == 0.25 and x.grad == 6.0   # the local rule reads today's x: 2·3, not 2·0.5
