"""Behaviour users rely on that no other test pinned down: each test here was found missing by
mutation testing (`make mutate`, docs/mutation.md), and each says what it protects."""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal

import numpy as np
import pytest
from user_ops import DET2, HYPOT, LERP

from autograd import REGISTRY, Value, defop, grad, topological_order
from autograd.op import ARITHMETIC_DUNDERS
from autograd.ops import CLAMP

# --- a failed backward pass changes nothing -----------------------------------------------------


def test_a_backward_pass_that_fails_leaves_every_grad_as_it_was():
    # A training loop that catches the error (and skips the sample) must not inherit half a pass:
    # leaves keep what they had accumulated, interior nodes what the last good pass left there.
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    (w * x).backward()                    # w.grad = 2, x.grad = 0.5: accumulated from a good sample
    s = Value(0.0, label="s")
    h = w * x                             # interior, starts at 0
    loss = (h + s.sqrt()) * 3.0           # √s at s = 0 has an infinite slope: the pass fails
    loss.grad = 7.0                       # whatever the user left on the root
    before = {node: node.grad for node in topological_order(loss)}
    with pytest.raises(ZeroDivisionError, match="backward through sqrt"):
        loss.backward()
    assert {node: node.grad for node in topological_order(loss)} == before
    assert (w.grad, x.grad, h.grad, s.grad, loss.grad) == (2.0, 0.5, 0.0, 0.0, 7.0)


# --- every node is a well-formed Value ------------------------------------------------------------


def test_constants_in_a_graph_are_ordinary_leaves_with_their_own_gradient():
    # `x * 3.0` makes 3.0 a leaf of the graph: it has a label (empty), a float gradient after
    # backward (d y / d 3.0 = x), and it takes part in the leaf accumulation like any other leaf.
    x = Value(2.0, label="x")
    y = x * 3.0 + 1
    y.backward()
    constants = [n for n in topological_order(y) if not n.children and n is not x]
    assert sorted(c.data for c in constants) == [1.0, 3.0]
    for c in constants:
        assert c.label == "" and isinstance(c.label, str) and c.op == "" and c.children == ()
    three = next(c for c in constants if c.data == 3.0)
    assert (three.grad, x.grad) == (2.0, 3.0)
    assert isinstance(three.grad, float)


# --- ordering, repr --------------------------------------------------------------------------------


def test_values_compare_like_their_numbers_including_ties_and_other_values():
    a, b = Value(1.0), Value(2.0)
    assert a < b and a <= b and b > a and b >= a
    assert not (b < a) and not (b <= a) and not (a > b) and not (a >= b)
    assert not (a < 1.0) and a <= 1.0 and not (a > 1) and a >= 1  # a tie is not "less than"
    assert [v.data for v in sorted([b, Value(1.5), a])] == [1.0, 1.5, 2.0]
    assert max(a, b) is b and min(a, b) is a


def test_repr_shows_data_grad_label_and_op():
    x = Value(2.0, label="x")
    y = x * 3.0
    y.backward()
    assert repr(x) == "Value(data=2, grad=3, label='x')"
    assert repr(y) == "Value(data=6, grad=1, op='*')"


# --- plain numbers anywhere among an op's inputs ---------------------------------------------------


def test_ops_take_plain_numbers_in_any_position():
    # LERP(0.0, x, t): the blend from a constant 0 to x. The number becomes a constant leaf;
    # gradients are those of the same op on Values.
    x, t = Value(4.0, label="x"), Value(0.25, label="t")
    y = LERP(0.0, x, t)
    y.backward()
    assert y.data == 1.0 and (x.grad, t.grad) == (0.25, 4.0)
    assert [c.data for c in y.children] == [0.0, 4.0, 0.25] and y.children[1:] == (x, t)
    z = DET2(1, x, 2, t)          # ints too: a·d − b·c = 0.25 − 8
    z.backward()
    assert z.data == -7.75 and (x.grad, t.grad) == (0.25 - 2.0, 4.0 + 1.0)


# --- tracebacks a user reads -------------------------------------------------------------------------


def test_a_domain_error_is_one_clean_exception_and_a_broken_rule_keeps_its_cause():
    # A domain error is the user's input, not a bug: no "During handling of the above exception"
    # chain of engine internals. A forward rule that cannot run at all keeps Python's error as the
    # cause, which is where the bug is.
    with pytest.raises(ValueError) as info:
        Value(-1.0).log()
    assert info.value.__cause__ is None and info.value.__suppress_context__
    with pytest.raises(ZeroDivisionError) as info:
        Value(0.0).sqrt().backward()     # the same in the backward pass
    assert info.value.__cause__ is None and info.value.__suppress_context__
    with pytest.raises(ValueError) as info:
        REGISTRY["log"](-1.0)               # an op called on plain numbers: the same
    assert info.value.__cause__ is None and info.value.__suppress_context__
    broken = defop("t_broken_forward", lambda x: x + "1", lambda x, out: (1.0,))
    try:
        with pytest.raises(TypeError) as info:
            broken(Value(1.0))
        assert isinstance(info.value.__cause__, TypeError)
        with pytest.raises(TypeError) as info:
            broken(1.0)
        assert isinstance(info.value.__cause__, TypeError)
    finally:
        del REGISTRY["t_broken_forward"]


REAL_ONLY = "glassgrad works on real numbers only; split real and imaginary parts yourself"
NOT_A_NUMBER = [
    (lambda: 1 + 2j, REAL_ONLY),
    (lambda: np.complex64(1), REAL_ONLY),  # not a Python complex, but complex by name
    (lambda: "abc", "pass a number"),
    (lambda: "1.5", "convert the text first, e.g. float('1.5')"),
    (lambda: [1.0, 2.0], "a Value holds one number; make one Value per element"),
    (lambda: np.array([1.0, 2.0]), "a Value holds one number; make one Value per element"),
    (lambda: Value(1.0), "it is a Value already: use it as it is (or Value(v.data) for a new leaf)"),
    (lambda: Decimal("1.5"), "convert it first with float(x)"),
    (lambda: None, "pass an int, float, bool or NumPy scalar"),
]


@pytest.mark.parametrize("make,advice", NOT_A_NUMBER, ids=range(len(NOT_A_NUMBER)))
def test_a_value_refuses_what_is_not_one_real_number_and_says_what_to_do(make, advice):
    x = make()
    with pytest.raises(TypeError) as info:
        Value(x)
    message = str(info.value)
    assert message.startswith(f"Value: expected a real number (int, float, bool or NumPy scalar), got "
                              f"{type(x).__name__} ")
    assert message.endswith("; " + advice)


# --- error messages, word for word ---------------------------------------------------------------------

FIX = (" The gradient is infinite or undefined at this point; move the input away from it (clamp it, "
       "or add a small epsilon).")


@pytest.fixture
def buggy_ops() -> Iterator[dict]:
    """Ops with the bugs and edges users' own ops have; taken out of the registry afterwards."""
    made = {
        # √(Σ xᵢ): a variadic op, undefined for a negative sum, infinitely steep at 0
        "t_rootsum": defop("t_rootsum", lambda *xs: math.sqrt(sum(xs)),
                           lambda *xs_out: (0.5 / xs_out[-1],) * (len(xs_out) - 1),
                           args=("xᵢ",), variadic=True, formulas=("1/(2·out)",), domain="Σxᵢ ≥ 0"),
        # |x|^1.5 with a rule that forgot the negative half: math.sqrt(x) fails for x < 0
        "t_pow15": defop("t_pow15", lambda x: abs(x) ** 1.5, lambda x, out: (1.5 * math.sqrt(x),),
                         formulas=("1.5·√x",)),
        # softplus with the naive slope e^x / (1 + e^x): overflows for large x
        "t_softplus": defop("t_softplus", lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))),
                            lambda x, out: (math.exp(x) / (1.0 + math.exp(x)),),
                            formulas=("eˣ/(1 + eˣ)",)),
        # rules that are broken outright
        "t_short": defop("t_short", lambda a, b: a * b, lambda a, b, out: (out / a,),
                         args=("a", "b"), formulas=("b", "a")),
        "t_crash": defop("t_crash", lambda x: 2.0 * x, lambda x, out: (x + "1",), formulas=("2",)),
        "t_text": defop("t_text", lambda x: 2.0 * x, lambda x, out: ("2",), formulas=("2",)),
    }
    try:
        yield made
    finally:
        for name in made:
            REGISTRY.pop(name, None)


FORWARD_MESSAGES = [
    (lambda: Value(0.0, label="x").log(), ValueError,
     "log(x = 'x' (= 0)): log is not defined here; log needs x > 0. "
     "Check the inputs to this log (or clamp them)."),
    (lambda: Value(math.inf).sin(), ValueError,
     "sin(x = inf): sin has no value at ±inf. Check the inputs to this sin (or clamp them)."),
    (lambda: Value(1.0) / 0.0, ZeroDivisionError,
     "/(a = 1, b = 0): division by zero; / needs b ≠ 0. Check the inputs to this / (or clamp them)."),
    (lambda: Value(800.0).exp(), OverflowError,
     "exp(x = 800): the result is too large for a float (beyond ±1.8e308); exp needs x ≤ 709.78 "
     "(beyond that eˣ overflows a float). Scale the inputs to this exp down."),
    (lambda: Value(10.0) ** 400, OverflowError,
     "**(x = 10): 10 ** 400 is too large for a float (beyond ±1.8e308). Scale the inputs to this ** down."),
    (lambda: Value(0.5).clamp(lo=1.0, hi=0.0), ValueError,
     "clamp(x = 0.5): the interval [lo = 1, hi = 0] is empty or not a number; call clamp(lo=..., "
     "hi=...) with numbers lo ≤ hi. Check the inputs to this clamp."),
    (lambda: Value(-800.0).sigmoid() ** -1, ZeroDivisionError,  # no log: no log_sigmoid hint
     "**(x = 0): 0 to a negative power (-1) divides by zero; ** needs a real result: x ≥ 0 unless p "
     "is a whole number, and x ≠ 0 if p < 0. Check the inputs to this ** (or clamp them)."),
    (lambda: (Value(1.0, label="a") - Value(1.0, label="b")).log(), ValueError,  # no sigmoid: no hint
     "log(x = 0): log is not defined here; log needs x > 0. Check the inputs to this log (or clamp them)."),
    (lambda: Value(-800.0).sigmoid().log(), ValueError,
     "log(x = 0): log is not defined here; log needs x > 0. Check the inputs to this log (or clamp "
     "them). For log(sigmoid(z)) use z.log_sigmoid(), and (-z).log_sigmoid() for log(1 - sigmoid(z)): "
     "they stay finite for every z."),
]


@pytest.mark.parametrize("make,kind,message", FORWARD_MESSAGES, ids=range(len(FORWARD_MESSAGES)))
def test_forward_errors_read_word_for_word_as_designed(make, kind, message):
    with pytest.raises(kind) as info:
        make()
    assert str(info.value) == message


def test_the_log_sigmoid_hint_also_covers_log_of_one_minus_sigmoid():
    with pytest.raises(ValueError) as info:
        (1 - Value(800.0).sigmoid()).log()
    assert str(info.value).endswith("For log(sigmoid(z)) use z.log_sigmoid(), and (-z).log_sigmoid() "
                                    "for log(1 - sigmoid(z)): they stay finite for every z.")


def test_a_buggy_ops_errors_name_its_inputs_even_when_it_takes_any_number(buggy_ops):
    rootsum = buggy_ops["t_rootsum"]
    with pytest.raises(ValueError) as info:
        rootsum(Value(1.0), Value(-3.0, label="b"))
    assert str(info.value) == ("t_rootsum(x0 = 1, x1 = 'b' (= -3)): t_rootsum is not defined here; "
                               "t_rootsum needs Σxᵢ ≥ 0. Check the inputs to this t_rootsum (or clamp them).")
    with pytest.raises(ZeroDivisionError) as info:
        rootsum(Value(1.0, label="a"), Value(-1.0)).backward()
    assert str(info.value) == ("backward through t_rootsum(x0 = 'a' (= 1), x1 = -1): the local derivative "
                               "(∂out/∂x0 = 1/(2·out)) cannot be evaluated here: it divides by zero." + FIX
                               + " Path from the root: t_rootsum.")


def test_backward_errors_say_what_went_wrong_in_the_local_derivative(buggy_ops):
    cases = [
        (Value(0.0, label="x").sqrt(), ZeroDivisionError,
         "backward through sqrt(x = 'x' (= 0)): the local derivative (∂out/∂x = 1/(2√x) = 0.5/out) "
         "cannot be evaluated here: it divides by zero."),
        (HYPOT(Value(0.0), Value(0.0)), ZeroDivisionError,
         "backward through hypot(a = 0, b = 0): the local derivative (∂out/∂a = a/out; ∂out/∂b = b/out) "
         "cannot be evaluated here: it divides by zero."),
        (buggy_ops["t_pow15"](Value(-4.0)), ValueError,
         "backward through t_pow15(x = -4): the local derivative (∂out/∂x = 1.5·√x) cannot be "
         "evaluated here: it is outside the domain of a function it uses."),
        (buggy_ops["t_softplus"](Value(800.0)), OverflowError,
         "backward through t_softplus(x = 800): the local derivative (∂out/∂x = eˣ/(1 + eˣ)) cannot "
         "be evaluated here: it is too large for a float."),
    ]
    for root, kind, message in cases:
        with pytest.raises(kind) as info:
            root.backward()
        assert str(info.value) == message + FIX + f" Path from the root: {root.op}."


def test_a_broken_local_rule_is_reported_as_a_broken_rule(buggy_ops):
    # The three ways a user's rule can be wrong, each named for what it is.
    with pytest.raises(TypeError) as info:
        buggy_ops["t_short"](Value(2.0), Value(3.0)).backward()
    assert str(info.value) == ("backward through t_short(a = 2, b = 3): the op's local rule must return "
                               "a tuple with one derivative per input (2), got (3.0,). Path from the root: "
                               "t_short.")
    assert isinstance(info.value.__cause__, TypeError)   # Python's own words stay in the traceback
    assert str(info.value.__cause__) == "not enough values to unpack (expected 2, got 1)"
    with pytest.raises(TypeError) as info:
        buggy_ops["t_crash"](Value(2.0)).backward()
    assert str(info.value).startswith("backward through t_crash(x = 2): the op's local-derivative rule "
                                      "failed: unsupported operand type(s) for +: 'float' and 'str'. ")
    with pytest.raises(TypeError) as info:
        buggy_ops["t_text"](Value(2.0)).backward()
    assert str(info.value).startswith("backward through t_text(x = 2): can't multiply sequence by "
                                      "non-int of type 'float'. Path from the root: t_text.")


def test_clamp_is_not_told_to_clamp():
    assert CLAMP.name == "clamp"
    with pytest.raises(ValueError) as info:
        Value(0.5).clamp(lo=math.nan, hi=1.0)
    assert "(or clamp them)" not in str(info.value) and str(info.value).endswith("this clamp.")


def test_clamp_to_a_single_point_gives_that_point():
    # lo = hi is an interval (of one point), as the message for an empty one says: lo ≤ hi.
    for x, slope in [(3.0, 0.0), (2.0, 1.0), (-1.0, 0.0)]:
        v = Value(x)
        y = v.clamp(lo=2.0, hi=2.0)
        y.backward()
        assert (y.data, v.grad) == (2.0, slope)


# --- gradient graphs ------------------------------------------------------------------------------


def test_a_gradient_graph_has_no_additions_of_zero():
    # grad(..., create_graph=True) builds the derivative as a graph a learner can draw: the first
    # contribution to a gradient is taken as it is, not added to a constant 0.
    x = Value(3.0, label="x")
    (g,) = grad(x * x * x, [x], create_graph=True)
    assert g.data == 27.0
    for node in topological_order(g):
        if node.op == "+":
            assert all(c.children or c.data != 0.0 for c in node.children), node
    (g2,) = grad(g, [x])
    assert g2.data == 18.0


# --- an op installed as a Value method is the op --------------------------------------------------


@pytest.fixture
def method_ops() -> Iterator[dict]:
    """User ops of each shape, installed as methods (inside the test, as a user's module would)."""
    from autograd.op import _INSTALLED, _REFLECTED

    made = {
        "t_logx": defop("t_logx", math.log, lambda x, out: (1.0 / x,), method="t_logx",
                        domain="x > 0", doc="ln x. Local derivative: 1/x."),
        "t_wsum": defop("t_wsum", lambda a, b: a + 2.0 * b, lambda a, b, out: (1.0, 2.0),
                        args=("a", "b"), formulas=("1", "2"), method="t_wsum", rmethod="t_rwsum"),
        "t_div": defop("t_div", lambda a, b: a / b, lambda a, b, out: (1.0 / b, -out / b),
                       args=("a", "b"), method="t_div", rmethod="t_rdiv"),
        "t_blend": defop("t_blend", lambda a, b, t: a + t * (b - a),
                         lambda a, b, t, out: (1.0 - t, t, b - a), args=("a", "b", "t"),
                         method="t_blend"),
        "t_total": defop("t_total", lambda *xs: sum(xs), lambda *xs_out: (1.0,) * (len(xs_out) - 1),
                         args=("xᵢ",), variadic=True, method="t_total"),
        "t_scale": defop("t_scale", lambda x, k: k * x, lambda x, out, k: (k,), params={"k": 2.0},
                         method="t_scale"),
    }
    try:
        yield made
    finally:
        for name in made:
            REGISTRY.pop(name, None)
        for attr in ("t_logx", "t_wsum", "t_rwsum", "t_div", "t_rdiv", "t_blend", "t_total", "t_scale"):
            _INSTALLED.pop(attr, None)
            _REFLECTED.discard(attr)
            if hasattr(Value, attr):
                delattr(Value, attr)


def _same_node(a: Value, b: Value) -> None:
    assert (a.data, a.op, [c.data for c in a.children]) == (b.data, b.op, [c.data for c in b.children])


def test_an_op_installed_as_a_method_is_the_op(method_ops):
    x, y, t = Value(4.0, label="x"), Value(2.0, label="y"), Value(0.25, label="t")
    ops = method_ops
    _same_node(x.t_logx(), ops["t_logx"](x))
    assert x.t_logx().children == (x,)
    _same_node(x.t_wsum(y), ops["t_wsum"](x, y))
    assert x.t_wsum(y).children == (x, y)
    for other in (3.0, 3, True):                      # numbers become constant leaves
        _same_node(x.t_wsum(other), ops["t_wsum"](x, float(other)))
        _same_node(x.t_rwsum(other), ops["t_wsum"](float(other), x))  # reflected: the number first
        assert x.t_rwsum(other).children[1] is x
    _same_node(x.t_blend(y, t), ops["t_blend"](x, y, t))
    _same_node(x.t_total(y, t, 1.0), ops["t_total"](x, y, t, 1.0))
    _same_node(x.t_scale(), ops["t_scale"](x))
    _same_node(x.t_scale(k=3.0), ops["t_scale"](x, k=3.0))
    assert x.t_scale(k=3.0).data == 12.0
    loss = x.t_logx() + x.t_wsum(y) * x.t_rdiv(8.0) + x.t_blend(y, t) + x.t_total(y, 2) + x.t_scale(k=3.0)
    loss.backward()
    # d/dx: 1/x + [1·(8/x) + (x + 2y)·(−8/x²)] + (1 − t) + 1 + 3
    assert x.grad == pytest.approx(0.25 + 2.0 + 8.0 * -0.5 + 0.75 + 1.0 + 3.0, rel=1e-15)
    assert y.grad == pytest.approx(2.0 * 2.0 + 0.25 + 1.0, rel=1e-15)


def test_a_method_refuses_what_the_op_refuses_with_the_same_words(method_ops):
    x = Value(-1.0, label="x")
    cases = [
        (lambda: x.t_logx(), ValueError, r"t_logx\(x = 'x' \(= -1\)\): t_logx is not defined here"),
        (lambda: x.t_logx(2.0), TypeError, r"t_logx: takes 1 input\(s\) \(x\), got 2"),
        (lambda: x.t_wsum(), TypeError, r"t_wsum: takes 2 input\(s\) \(a, b\), got 1"),
        (lambda: x.t_wsum(1.0, 2.0), TypeError, r"t_wsum: takes 2 input\(s\) \(a, b\), got 3"),
        (lambda: x.t_wsum("a"), TypeError, "t_wsum: operand: expected a real number"),
        (lambda: x.t_rwsum("a"), TypeError, "t_wsum: operand: expected a real number"),
        (lambda: x.t_div(0.0), ZeroDivisionError, r"t_div\(a = 'x' \(= -1\), b = 0\): division by zero"),
        (lambda: (x * 0.0).t_rdiv(1), ZeroDivisionError, r"t_div\(a = 1, b = -0\): division by zero"),
        (lambda: x.t_blend(1.0), TypeError, r"t_blend: takes 3 input\(s\) \(a, b, t\), got 2"),
        (lambda: x.t_scale(k="big"), TypeError, "t_scale: parameter k: expected a real number"),
    ]
    for call, kind, pattern in cases:
        with pytest.raises(kind, match="^" + pattern):
            call()


def test_a_replaced_op_keeps_its_methods_and_which_of_them_is_reflected(method_ops):
    defop("t_wsum", lambda a, b: a + 3.0 * b, lambda a, b, out: (1.0, 3.0), args=("a", "b"), replace=True)
    x = Value(2.0)
    assert x.t_wsum(1.0).data == 5.0                   # x + 3·1
    assert x.t_rwsum(1.0).data == 7.0                  # 1 + 3·x: the number still comes first


def test_methods_record_nothing_inside_no_grad_and_carry_the_ops_name_and_doc(method_ops):
    from autograd import no_grad

    x = Value(2.0)
    with no_grad():
        made = [x.t_logx(), x.t_wsum(1.0), x.t_rwsum(1.0), x.t_blend(x, 0.5), x.t_scale(k=2.0)]
    assert all(m.children == () and m.op == "" for m in made)
    assert Value.t_logx.__name__ == "t_logx" and Value.t_logx.__doc__ == "ln x. Local derivative: 1/x."
    assert Value.t_wsum.__doc__ == "t_wsum(a, b); local derivative(s): 1, 2"


# --- powers at their edges ------------------------------------------------------------------------


def test_zero_to_a_positive_power_is_zero_with_the_power_rules_slope():
    # 0 ** 1.5 is a real number (0), though 0 ** -1 is not and (-1) ** 1.5 is not either.
    x = Value(0.0)
    y = x ** 1.5
    y.backward()
    assert (y.data, x.grad) == (0.0, 0.0)
    assert (Value(0.0) ** 0.5).data == 0.0 and (Value(0.0) ** 2).data == 0.0
    with pytest.raises(ValueError, match="negative base"):
        Value(-1.0) ** 1.5
    with pytest.raises(ZeroDivisionError, match="0 to a negative power"):
        Value(0.0) ** -0.5


def test_the_infinite_slope_of_a_root_at_zero_is_refused_in_the_power_rules_words():
    # √x = x ** 0.5 at x = 0: the slope 0.5·0**(-0.5) is infinite, and the backward pass says so in
    # the engine's words (Python's own `0.0 ** -0.5` says "0.0 cannot be raised to a negative power").
    with pytest.raises(ZeroDivisionError) as info:
        (Value(0.0) ** 0.5).backward()
    assert str(info.value) == (
        "backward through **(x = 0): the local derivative (∂out/∂x = 0.5·x**(0.5-1)) cannot be "
        "evaluated here: 0 to a negative power (-0.5) divides by zero. The gradient is infinite or "
        "undefined at this point; move the input away from it (clamp it, or add a small epsilon). "
        "Path from the root: **.")


def test_a_value_exponent_has_a_slope_at_base_zero_and_none_below():
    # d(a**b)/db = a**b · ln a: at a = 0 (with b > 0) the limit 0 is used; for a < 0 there is none.
    a, b = Value(0.0), Value(2.0)
    y = a ** b
    y.backward()
    assert (y.data, a.grad, b.grad) == (0.0, 0.0, 0.0)
    a, b = Value(2.0), Value(3.0)
    (a ** b).backward()
    assert (a.grad, b.grad) == (12.0, pytest.approx(8.0 * math.log(2.0), rel=1e-15))
    a = Value(-2.0)
    with pytest.raises(ValueError) as info:
        (a ** Value(2.0)).backward()
    assert "a**b·ln(a) does not exist for a = -2 ≤ 0; if the exponent is a constant, write it as a " \
           "plain number" in str(info.value)


def test_powers_declare_where_they_are_smooth():
    # The margin (distance to the nearest kink, pole or domain edge) that gradcheck and the tests
    # sample by: a whole p ≥ 0 is a polynomial, a whole p < 0 has a pole at 0, any other p an edge at 0.
    from autograd.ops import POW

    assert POW.bind(p=2.0).margin(-3.0) == math.inf and POW.bind(p=0.0).margin(-3.0) == math.inf
    assert POW.bind(p=-1.0).margin(-3.0) == 3.0 and POW.bind(p=-2.0).margin(0.5) == 0.5
    assert POW.bind(p=0.5).margin(2.0) == 2.0 and POW.bind(p=1.5).margin(-2.0) == -2.0


def test_max_declares_the_distance_to_its_nearest_tie_as_where_it_is_smooth():
    # max has a kink wherever the two largest inputs tie; they meet when each moves half their gap.
    from autograd.ops import MAX

    assert MAX.margin(3.0) == math.inf                                 # one input: max is x itself
    assert MAX.margin(0.0, 3.0, 1.0) == 1.0 and MAX.margin(2.0, -4.0) == 3.0
    assert MAX.margin(1.0, 5.0, 1.0, 5.0) == 0.0                        # a tie: at the kink


# --- what defop records -----------------------------------------------------------------------------


@pytest.fixture
def drop_ops() -> Iterator[list]:
    names: list = []
    try:
        yield names
    finally:
        for name in names:
            REGISTRY.pop(name, None)


def test_defop_records_what_it_is_given_and_fills_in_the_rest(drop_ops):
    drop_ops += ["t_plain", "t_two"]
    plain = defop("t_plain", lambda x: x, lambda x, out: (1.0,))
    assert REGISTRY["t_plain"] is plain
    assert (plain.name, plain.symbol, plain.args, plain.arity, plain.expr, plain.formulas) == (
        "t_plain", "t_plain", ("x",), 1, "t_plain(x)", ("?",))
    assert (plain.doc, plain.domain, plain.margin, plain.params, plain.family, plain.variadic) == (
        "", None, None, {}, None, False)

    def gap(a: float, b: float) -> float:
        return abs(b)

    two = defop("t_two", lambda a, b: a / b, lambda a, b, out: (1.0 / b, -out / b), args=("a", "b"),
                symbol="÷÷", domain="b ≠ 0", margin=gap, doc="a / b. Local derivatives: 1/b, −a/b².")
    assert (two.symbol, two.expr, two.formulas, two.domain, two.margin, two.doc) == (
        "÷÷", "t_two(a, b)", ("?", "?"), "b ≠ 0", gap, "a / b. Local derivatives: 1/b, −a/b².")


def test_an_op_family_binds_its_parameters_into_its_text_once(drop_ops):
    drop_ops += ["t_scale", "t_shift", "t_mode"]
    scale = defop("t_scale", lambda x, k: k * x, lambda x, out, k: (k,), params={"k": 2.0},
                  expr="k·x", formulas=("k",), margin=lambda x, k: abs(x), domain="any x",
                  doc="k·x. Local derivative: k.")
    three = scale.bind(k=3.0)
    assert (three.domain, three.doc, three.variadic) == ("any x", "k·x. Local derivative: k.", False)
    assert three is scale.bind(k=3.0) and three.family is scale      # bound once, then reused
    assert (three.params, three.expr, three.formulas, three.symbol) == (
        {"k": 3.0}, "3·x", ("3",), "t_scale(k=3)")
    assert three.forward(2.0) == 6.0 and three.local(2.0, 6.0) == (3.0,) and three.margin(-2.0) == 2.0
    assert three.name == "t_scale" and scale(Value(1.0), k=5.0).op == "t_scale"  # a node names the family
    shift = defop("t_shift", lambda x, c: x + c, lambda x, out, c: (1.0,), params={"c": 0.5},
                  symbol="+{c}")
    assert shift.bind(c=0.25).symbol == "+0.25" and shift.bind(c=2).symbol == "+2"
    assert shift.bind(c=0.1 + 0.2).symbol == "+0.3"                  # numbers shown short, as in %g
    drop_ops += ["t_affine", "t_pnorm"]
    affine = defop("t_affine", lambda x, a, b: a * x + b, lambda x, out, a, b: (a,),
                   params={"a": 1.0, "b": 0.0})
    assert affine.bind(a=2.0, b=0.5).symbol == "t_affine(a=2, b=0.5)"
    pnorm = defop("t_pnorm", lambda *xs, p: sum(abs(x) ** p for x in xs) ** (1 / p),
                  lambda *xs_out, p: tuple(1.0 for _ in xs_out[:-1]), args=("xᵢ",), variadic=True,
                  params={"p": 2.0})
    assert pnorm.bind(p=1.0).variadic and pnorm(Value(3.0), Value(-4.0), 1.0, p=1.0).data == 8.0
    drop_ops.append("t_wmix")
    wmix = defop("t_wmix", lambda a, b, w: (1 - w) * a + w * b, lambda a, b, out, w: (1 - w, w),
                 args=("a", "b"), params={"w": 0.5})
    assert wmix.bind(w=0.25).args == ("a", "b") and wmix(Value(1.0), Value(5.0), w=0.25).data == 2.0
    # a parameter that is not a number: any hashable value is taken as it is, into the text too
    mode = defop("t_mode", lambda x, mode: x if mode == "same" else -x,
                 lambda x, out, mode: (1.0 if mode == "same" else -1.0,), params={"mode": "same"},
                 expr="mode(x)", symbol="t_mode[{mode}]")
    flip = mode.bind(mode="flip")
    assert (flip.expr, flip.symbol, flip.forward(2.0)) == ("flip(x)", "t_mode[flip]", -2.0)
    assert mode(Value(2.0), mode="flip").data == -2.0
    with pytest.raises(TypeError) as info:
        mode.bind(mode=["a", "list"])
    assert str(info.value) == ("t_mode: parameter mode must be hashable (a number or a string), got list "
                               "['a', 'list']")


NOT_FUNCTIONS = "defop('t_new'): forward and local must be functions"


def test_defop_refuses_a_declaration_that_cannot_work_and_says_why(drop_ops):
    drop_ops += ["t_taken"]

    def rule(x: float, out: float) -> tuple:
        return (1.0,)

    cases = [
        (lambda: defop("", abs, rule), TypeError, "defop: the op needs a non-empty name, got ''"),
        (lambda: defop(3, abs, rule), TypeError, "defop: the op needs a non-empty name, got 3"),
        (lambda: defop("t_new", abs, (1.0,)), TypeError, NOT_FUNCTIONS),
        (lambda: defop("t_new", 2.0, rule), TypeError, NOT_FUNCTIONS),
        (lambda: defop("tanh", abs, rule), ValueError,
         "defop: an op named 'tanh' exists already; pick another name or pass replace=True"),
        (lambda: defop("t_new", abs, rule, method="relu"), ValueError,
         "defop('t_new'): Value.relu is op 'relu''s method already; pick another method name or pass "
         "replace=True"),
        (lambda: defop("t_new", abs, rule, method="backward"), ValueError,
         "defop('t_new'): Value.backward is one of Value's own attributes (not an op's method); an "
         "op cannot replace it, even with replace=True. Pick another method name"),
        (lambda: defop("t_new", abs, rule, method="__getattr__", replace=True), ValueError,
         "defop('t_new'): Value.__getattr__ is part of what a Value is, not an operator an op may "
         "take over; the dunders an op may install are " + ", ".join(sorted(ARITHMETIC_DUNDERS))),
    ]
    for call, kind, message in cases:
        with pytest.raises(kind) as info:
            call()
        assert str(info.value) == message
        assert "t_new" not in REGISTRY
    with pytest.raises(ValueError) as info:
        defop("t_new", abs, rule, method="__pow__")   # installed by ops.py itself, not by defop
    assert str(info.value).startswith("defop('t_new'): Value.__pow__ is an arithmetic operator already")
    with pytest.raises(ValueError) as info:
        defop("t_new", abs, rule, method="__len__")
    assert str(info.value).startswith("defop('t_new'): Value.__len__ is part of what a Value is, not an "
                                      "operator an op may take over; the dunders an op may install are "
                                      "__abs__, __add__, ")
    with pytest.raises(ValueError) as info:
        defop("t_new", lambda x, a, b: x, lambda x, out, a, b: (1.0,), params={"a": 1.0, "b": 2.0},
              symbol="t_new[{c}]")
    assert str(info.value) == ("defop('t_new'): the symbol template 't_new[{c}]' names {c}, which is "
                               "not a parameter; it may use {a}, {b}")
    drop_ops.append("t_half_dunder")
    defop("t_half_dunder", abs, rule, method="__t_half")   # a leading __ alone is an ordinary name
    try:
        assert Value(-2.0).__t_half().data == 2.0
    finally:
        from autograd.op import _INSTALLED

        _INSTALLED.pop("__t_half", None)
        delattr(Value, "__t_half")
    taken = defop("t_taken", abs, rule)
    assert REGISTRY["t_taken"] is taken


# --- messages stay short, whatever the graph ---------------------------------------------------------


def test_a_message_lists_seven_inputs_and_cuts_eight_to_the_first_and_last_three(buggy_ops):
    rootsum = buggy_ops["t_rootsum"]
    with pytest.raises(ValueError) as info:
        rootsum(*[Value(-1.0)] * 7)
    assert str(info.value).startswith("t_rootsum(x0 = -1, x1 = -1, x2 = -1, x3 = -1, x4 = -1, x5 = -1, "
                                      "x6 = -1): ")
    with pytest.raises(ValueError) as info:
        rootsum(*[Value(float(-i)) for i in range(1, 9)])
    assert str(info.value).startswith("t_rootsum(x0 = -1, x1 = -2, x2 = -3, … 2 more …, x5 = -6, x6 = -7, "
                                      "x7 = -8): ")


def test_a_path_in_a_message_keeps_seven_nodes_and_cuts_eight_to_the_ends():
    def failing_chain(length: int) -> Value:
        node = Value(0.0, label="x").sqrt()       # backward fails here: 1/(2√0)
        for i in range(length - 1):
            node = node * 1.0
            node.label = f"n{i}"
        return node

    for length, path in [(7, "n5 → n4 → n3 → n2 → n1 → n0 → sqrt"),
                         (8, "n6 → n5 → n4 → … 2 more nodes … → n1 → n0 → sqrt")]:
        with pytest.raises(ZeroDivisionError) as info:
            failing_chain(length).backward()
        assert str(info.value).endswith(f"Path from the root: {path}.")


def test_a_long_label_is_cut_in_messages_and_a_label_of_forty_characters_is_not():
    for label, shown in [("a" * 40, "a" * 40), ("b" * 41, "b" * 28 + "…[41 chars]")]:
        with pytest.raises(ValueError) as info:
            Value(-1.0, label=label).log()
        assert str(info.value).startswith(f"log(x = '{shown}' (= -1)): ")


def test_a_forward_rule_that_returns_no_real_number_is_refused_at_once(drop_ops):
    results = [
        (None, "NoneType None, not a real number; a forward rule must return a float; does the rule "
               "forget to `return` its result?"),
        (1j, "complex 1j, not a real number; a forward rule must return a float; glassgrad works on "
             "real numbers only"),
        (np.complex64(1), "complex64 np.complex64(1+0j), not a real number; a forward rule must return "
                          "a float; glassgrad works on real numbers only"),
        (Value(1.0), "Value Value(data=1, grad=0), not a real number; a forward rule must return a "
                     "float; a forward rule works on plain floats (use math.*, not ops, inside it)"),
        ("1.0", "str '1.0', not a real number; a forward rule must return a float"),
    ]
    for k, (result, words) in enumerate(results):
        name = f"t_returns{k}"
        drop_ops.append(name)
        op = defop(name, lambda x, r=result: r, lambda x, out: (1.0,))
        with pytest.raises(TypeError) as info:
            op(Value(2.0))
        assert str(info.value) == f"{name}: its forward rule returned {words}"
    drop_ops.append("t_returns_int")
    whole = defop("t_returns_int", lambda x: 3, lambda x, out: (0.0,))
    assert whole(Value(2.0)).data == 3.0 and isinstance(whole(Value(2.0)).data, float)


def test_comparing_a_value_with_a_non_number_names_the_comparison():
    for compare, symbol in [(lambda v: v < "a", "<"), (lambda v: v <= "a", "<="),
                            (lambda v: v > "a", ">"), (lambda v: v >= "a", ">=")]:
        with pytest.raises(TypeError) as info:
            compare(Value(1.0))
        assert str(info.value).startswith(f"comparison {symbol}: expected a real number")


# --- copies, detached leaves, seeds -------------------------------------------------------------------


def test_detach_gives_a_new_leaf_with_the_same_number_and_label():
    x = Value(2.0, label="x")
    y = (x * 3.0).detach()
    assert (y.data, y.label, y.children, y.op, y.grad) == (6.0, "", (), "", 0.0)
    z = x.detach()
    assert (z.data, z.label) == (2.0, "x") and z is not x


def test_a_deep_copy_copies_the_graph_with_its_shape():
    import copy

    x = Value(2.0, label="x")
    h = x * x
    y = h + h.tanh()
    y.backward()
    twin = copy.deepcopy(y)
    nodes, copies = topological_order(y), topological_order(twin)
    assert [(n.data, n.grad, n.label, n.op) for n in nodes] == [
        (c.data, c.grad, c.label, c.op) for c in copies]
    assert not {id(n) for n in nodes} & {id(c) for c in copies}      # nothing shared with the original
    h2 = twin.children[0]
    assert twin.children[1].children[0] is h2 and h2.children[0] is h2.children[1]  # shared stays shared


def test_a_shallow_copy_is_a_new_node_on_the_same_inputs():
    # copy.copy(node): the same number, grad, label and op, the inputs shared (not copied), so a
    # backward pass through the copy reaches the original leaves.
    import copy

    x = Value(2.0, label="x")
    y = x * x
    y.label, y.grad = "y", 0.5
    twin = copy.copy(y)
    assert twin is not y and (twin.data, twin.grad, twin.label, twin.op_info) == (4.0, 0.5, "y", y.op_info)
    assert twin.children == (x, x) and twin.children[0] is x
    twin.backward()
    assert x.grad == 4.0


def test_backward_takes_any_real_number_as_its_seed_and_refuses_the_rest():
    for seed in (2, 2.0, np.float64(2.0), True):
        x = Value(3.0)
        (x * x).backward(seed)
        assert x.grad == 6.0 * float(seed)
    with pytest.raises(TypeError, match="^backward: gradient: expected a real number"):
        (Value(3.0) * 2.0).backward("2")


def test_pickled_graphs_come_back_whole_with_shared_nodes_shared():
    import pickle

    x = Value(2.0, label="x")
    h = x * x
    y, z = h + h.tanh(), h * 3.0
    for _ in range(2):                                   # and a second time, in the same thread
        y2, z2 = pickle.loads(pickle.dumps([y, z]))
        assert [(n.data, n.label, n.op) for n in topological_order(y2)] == [
            (n.data, n.label, n.op) for n in topological_order(y)]
        assert y2.children[0] is y2.children[1].children[0] is z2.children[0]
        assert z2.children[0].children[0] is z2.children[0].children[1]
        assert z2.children[0].children[0].label == "x"


def test_forward_mode_names_a_rule_that_gives_too_few_derivatives(drop_ops):
    from autograd.forward import jvp

    drop_ops.append("t_short4")
    short = defop("t_short4", lambda a, b, c, d: a + b + c + d, lambda a, b, c, d, out: (1.0, 1.0, 1.0),
                  args=("a", "b", "c", "d"))
    with pytest.raises(TypeError) as info:
        jvp(lambda a, b, c, d: short(a, b, c, d), [1.0, 2.0, 3.0, 4.0], [1.0, 0.0, 0.0, 0.0])
    assert "t_short4's local rule returned (1.0, 1.0, 1.0); it must return a tuple with one derivative " \
           "per input (4)" in str(info.value)


def test_a_new_thread_reads_numbers_off_values_as_the_main_thread_does():
    # Each thread starts with its own switches (no anomaly checks, no hook on reading a number).
    import threading

    out: list = []
    worker = threading.Thread(target=lambda: out.append((float(Value(2.0) * 3.0), f"{Value(0.5):.2f}")))
    worker.start()
    worker.join()
    assert out == [(6.0, "0.50")]


def test_a_long_chain_pickles_and_copies_without_hitting_the_recursion_limit():
    # Python's limit is 1000 frames by default; a chain twice as deep must still pickle.
    import pickle
    import sys

    x = Value(0.5, label="x")
    node = x
    for _ in range(2 * sys.getrecursionlimit()):
        node = node * 1.0
    for _ in range(2):                                   # twice: nothing is left behind in between
        back = pickle.loads(pickle.dumps(node))
        assert back.data == 0.5 and len(topological_order(back)) == len(topological_order(node))


def test_a_saved_chain_grows_in_proportion_to_its_length():
    # Each node is written once, its inputs as back-references: twice the nodes, twice the bytes
    # (about), not four times, as when every node lists all those before it again.
    import pickle

    def chain(length: int) -> Value:
        node = Value(0.5, label="x")
        for _ in range(length):
            node = node * 1.0
        return node

    small, large = len(pickle.dumps(chain(400))), len(pickle.dumps(chain(800)))
    assert 1.8 < large / small < 2.2


def test_a_pickle_that_fails_on_one_op_leaves_the_rest_of_the_graph_picklable(drop_ops):
    # An op that is no longer registered cannot be saved; the pickle fails there. The part of the
    # graph it had not written yet must pickle afterwards like any graph: a failed pickle leaves
    # no bookkeeping behind that would make a later one recurse once per node. (The failed
    # pickle's `_Release` takes its ids out when it is dropped: at once with CPython's C pickler;
    # the pure-Python pickler keeps it in the traceback's frames until that is freed.)
    import pickle
    import sys

    node = Value(0.5, label="x")
    for _ in range(2 * sys.getrecursionlimit()):
        node = node * 1.0
    drop_ops.append("t_unsaved")
    unsaved = defop("t_unsaved", lambda v: v, lambda v, out: (1.0,))(Value(1.0))
    del REGISTRY["t_unsaved"]
    with pytest.raises(TypeError, match="^op 't_unsaved' cannot be saved"):
        pickle.dumps(node + unsaved)                    # the unsaved op's side is written first
    back = pickle.loads(pickle.dumps(node))
    assert back.data == 0.5 and len(topological_order(back)) == len(topological_order(node))


def test_a_graph_pickles_in_a_new_thread_as_in_the_main_thread():
    # A worker thread saving a checkpoint: each thread keeps its own pickling bookkeeping.
    import pickle
    import threading

    x = Value(2.0, label="x")
    y = (x * x).tanh() + x
    out: list = []
    worker = threading.Thread(target=lambda: out.append(pickle.loads(pickle.dumps(y))))
    worker.start()
    worker.join()
    assert [(n.data, n.label, n.op) for n in topological_order(out[0])] == [
        (n.data, n.label, n.op) for n in topological_order(y)]


def test_copies_of_several_roots_keep_the_nodes_they_share_shared():
    import copy
    import pickle

    x = Value(2.0, label="x")
    h = x * x
    y, z = h + 1.0, h * 3.0
    for y2, z2 in (copy.deepcopy([y, z]), pickle.loads(pickle.dumps((y, z)))):
        assert y2.children[0] is z2.children[0] and y2.children[0] is not h
        assert y2.children[0].children[0].label == "x"


def test_a_forward_rule_returning_a_huge_whole_number_is_named(drop_ops):
    drop_ops.append("t_huge")
    huge = defop("t_huge", lambda x: 10 ** 400, lambda x, out: (0.0,))
    with pytest.raises(OverflowError, match="^t_huge: its forward rule's result: the int 1000"):
        huge(Value(1.0))


def test_sums_and_maxima_of_lists_take_exactly_the_inputs_given():
    from autograd import sum_values
    from autograd.ops import maximum

    x = Value(1.0)
    assert sum_values([x, x]).children == (x, x)              # no constant 0 joins the sum
    empty = sum_values([])
    assert (empty.data, empty.children) == (0.0, ())           # the empty sum: a leaf 0
    with pytest.raises(TypeError, match="^sum: operand: expected a real number"):
        sum_values([], start="a")
    one = maximum(x)                                           # one Value, not a list of them
    assert (one.op, one.children, one.data) == ("max", (x,), 1.0)
    assert maximum([x, 2.0]).data == 2.0


def test_list_functions_take_numbers_of_any_kind_and_say_in_full_what_they_refuse():
    from autograd import logsumexp, sum_values
    from autograd.ops import LOGSUMEXP, MAX, maximum

    x = Value(1.0)
    assert maximum([x, 2]).data == 2.0 and logsumexp([0, 0]).data == math.log(2.0)  # ints too
    for call, words in [
        (lambda: logsumexp("abc"), "logsumexp: values must be a list of Values or numbers, got str 'abc'"),
        (lambda: logsumexp(x), "logsumexp: values must be a list of Values or numbers, got Value "
                               "Value(data=1, grad=0)"),
        (lambda: sum_values([], start=Decimal(0)), "sum: operand: expected a real number (int, float, "
                                                   "bool or NumPy scalar), got Decimal Decimal('0'); "
                                                   "convert it first with float(x)"),
    ]:
        with pytest.raises(TypeError) as info:
            call()
        assert str(info.value) == words
    with pytest.raises(ValueError) as info:
        maximum([])
    assert str(info.value) == "maximum: values is an empty list; give it at least one Value or number"
    # The ops themselves, called with no inputs at all, name themselves (and do not advise
    # checking or clamping inputs there are none of).
    for op in (MAX, LOGSUMEXP):
        with pytest.raises(ValueError) as info:
            op()
        assert str(info.value) == (f"{op.name}(): {op.name} of no inputs has no value; give it at "
                                   f"least one number.")


def test_grad_gives_the_bits_backward_gives_even_for_a_zero_reached_from_below():
    # x's only contribution is (−1)·0.0 = −0.0: backward() adds it to x.grad = 0.0 and gets +0.0,
    # and grad() promises the same arithmetic, bit for bit, so it must start from 0.0 as well
    # (starting from "nothing yet" would hand back −0.0: equal under ==, not the same float).
    x = Value(3.0, label="x")
    y = (x * 0.0) * -1.0
    (dx,) = grad(y, [x])
    y.backward()
    assert math.copysign(1.0, x.grad) == 1.0
    assert dx.data.hex() == x.grad.hex() == "0x0.0p+0"


def test_clamp_passes_a_number_inside_its_interval_through_to_the_bit():
    # Inside [lo, hi], ends included, x comes out as it went in: a zero keeps its sign even where
    # the bound it touches is the other zero (−0.0 == 0.0, so both count as inside).
    cases = [(-0.0, 0.0, 1.0), (0.0, -1.0, -0.0), (0.25, 0.0, 1.0), (1.0, 0.0, 1.0), (0.0, 0.0, 0.0)]
    for x, lo, hi in cases:
        assert Value(x).clamp(lo=lo, hi=hi).data.hex() == x.hex(), (x, lo, hi)
        assert CLAMP(x, lo=lo, hi=hi).hex() == x.hex(), (x, lo, hi)
