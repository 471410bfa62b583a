"""Forward mode and its family (jvp, jacobian, hessian, hvp, forward_steps) on generated expressions.

Forward mode is a new evaluator over the same expressions (`strategies.expressions`, every
registered op, user ops included): each property compares it with reverse mode, with finite
differences, or with its own step-by-step twin. `check_*` functions hold the properties, so the
planted mutants at the end can be run against exactly the checks the properties use.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Sequence
from unittest import mock

import exercise_solutions as solutions
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import Expr, Step, expressions
from test_properties import backprop, central
from user_ops import CBRT, DET2, HYPOT, LERP

from autograd import Op, Value, forward, grad, hessian, hvp, jacobian, jvp, topological_order
from autograd.forward import fast_tangent_rule, forward_order, tangent_rule
from autograd.ops import ADD, EXP, MUL, POW, SIN, SUM, TANH
from autograd.stepper import reading_order

directions = st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=4, max_size=4)


def close(got: float, want: float, scale: float, rtol: float) -> bool:
    return abs(got - want) <= rtol * (1.0 + scale)


def every_node(expr: Expr) -> Callable[..., list[Value]]:
    """The expression as a function with one output per op node: an m×n Jacobian, m ≥ n often."""
    return lambda *xs: expr.nodes(xs)[len(xs):]


# --- the properties ---------------------------------------------------------------------------


def check_jvp(expr: Expr, ts: Sequence[float]) -> None:
    """jvp's slope = Σ ∂f/∂xᵢ · tᵢ with the gradient from reverse mode, to 1e-9 relative."""
    xs = list(expr.leaves)
    ts = list(ts[:len(xs)])
    value, slope = jvp(expr, xs, ts)
    f, grads = backprop(expr, xs)
    want = sum(g * t for g, t in zip(grads, ts))
    scale = sum(abs(g * t) for g, t in zip(grads, ts))
    assert value == f
    assert close(slope, want, scale, 1e-9), f"jvp {slope!r}, Σ grad·t {want!r} for {expr}"


def check_jacobian(expr: Expr) -> None:
    """jacobian fwd = rev (one row per op node), and "auto" is the one with fewer passes."""
    f, xs = every_node(expr), list(expr.leaves)
    fwd, rev, auto = (jacobian(f, xs, mode=m) for m in ("fwd", "rev", "auto"))
    m, n = len(expr.steps), len(xs)
    assert (fwd.mode, fwd.passes, rev.mode, rev.passes) == ("fwd", n, "rev", m)
    assert auto.mode == ("fwd" if n < m else "rev") and auto == (fwd if n < m else rev)
    assert len(fwd) == len(rev) == m and all(len(r) == n for r in fwd + rev)
    for i in range(m):
        scale = max(abs(v) for v in rev[i])
        for j in range(n):
            assert close(fwd[i][j], rev[i][j], scale, 1e-9), (
                f"J[{i}][{j}]: fwd {fwd[i][j]!r}, rev {rev[i][j]!r} for {expr}")


def check_hessian(expr: Expr) -> list[list[float]]:
    """H is symmetric and equals central differences of reverse mode's gradient."""
    xs = list(expr.leaves)
    H = hessian(expr, xs)
    n = len(xs)
    assert len(H) == n and all(len(row) == n for row in H)
    scale = max(abs(h) for row in H for h in row)
    for i in range(n):
        for j in range(i):
            assert close(H[i][j], H[j][i], scale, 1e-9), f"H not symmetric at {i},{j}: {H}"
    for i in range(n):
        for j in range(n):
            numeric = central(lambda p, i=i: backprop(expr, p)[1][i], xs, j)
            assert abs(H[i][j] - numeric) <= 1e-5 * (1 + abs(numeric)) + 1e-8 * scale, (
                f"H[{i}][{j}] = {H[i][j]!r}, central differences of the gradient {numeric!r}")
    return H


def check_hvp(expr: Expr, v: Sequence[float]) -> None:
    """hvp(v) = H·v with H from `hessian` (both forward over reverse) and from reverse over reverse."""
    xs = list(expr.leaves)
    v = list(v[:len(xs)])
    Hv = hvp(expr, xs, v)
    leaves = [Value(x) for x in xs]
    rows = [[h.data for h in grad(g, leaves)] for g in grad(expr(*leaves), leaves, create_graph=True)]
    for name, H in (("hessian", hessian(expr, xs)), ("reverse over reverse", rows)):
        for i, row in enumerate(H):
            want = sum(h * vj for h, vj in zip(row, v))
            scale = sum(abs(h * vj) for h, vj in zip(row, v))
            assert close(Hv[i], want, scale, 1e-9), f"(H·v)[{i}]: hvp {Hv[i]!r}, {name} {want!r}"


def check_forward_steps(expr: Expr, ts: Sequence[float]) -> None:
    """forward_steps' tangents = tangent_rule = fast_tangent_rule = jvp, bit for bit, at every node."""
    xs = list(expr.leaves)
    ts = list(ts[:len(xs)])
    leaves = [Value(x) for x in xs]
    root = expr(*leaves)
    order = topological_order(root)
    seeds = {x: t for x, t in zip(leaves, ts) if x in set(order)}  # an input not in it is refused
    steps = list(root.forward_steps(seeds))
    plain, fast = tangent_rule(order, seeds), fast_tangent_rule(order, seeds)
    assert [s.node for s in steps] == [n for n in reading_order(root) if n.children]  # one per op
    assert all(s.tangent == plain[s.node] == fast[s.node] for s in steps)
    assert steps[-1].node is root and steps[-1].tangent == jvp(expr, xs, ts)[1]
    for s in steps:  # each record: the inputs' tangents, the local derivatives, their products
        assert [c.tangent for c in s.children] == [plain[c] for c in s.node.children]
        assert all(c.contribution == c.local * c.tangent for c in s.children)


# --- the properties on generated expressions over every registered op -------------------------


@given(expressions(), directions)
def test_jvp_is_the_gradient_times_the_direction(expr, ts):
    check_jvp(expr, ts)


@given(expressions())
def test_jacobian_forward_equals_reverse(expr):
    check_jacobian(expr)


@given(expressions(max_steps=5))
def test_hessian_is_symmetric_and_the_derivative_of_the_gradient(expr):
    check_hessian(expr)


@given(expressions(max_steps=6), directions)
def test_hvp_is_hessian_times_vector(expr, v):
    check_hvp(expr, v)


@given(expressions(), directions)
def test_forward_steps_are_jvp_bit_for_bit(expr, ts):
    check_forward_steps(expr, ts)


def bits(x: float) -> bytes:
    """The float's 8 bytes: 0.0 and -0.0 differ, as they do when printed."""
    return struct.pack("<d", x)


# a tangent: often exactly 0, -0 or ±1 (where a sum's sign of zero shows), else any number
tangent_values = st.sampled_from([0.0, -0.0, 1.0, -1.0]) | st.floats(-2.0, 2.0, allow_nan=False)


@given(expressions(), st.data())
def test_fast_walk_is_the_plain_walk_bit_for_bit_and_never_falls_back(expr, data):
    """fast_tangent_rule (jvp's, jacobian's, hvp's walk) gives tangent_rule's numbers bit for bit,
    seeds on any nodes (leaves or interior, 0, -0), and does the work itself: it hands over to the
    plain walk only when a local derivative fails, so a broken fast path cannot hide behind it."""
    leaves = [Value(x) for x in expr.leaves]
    nodes = expr.nodes(leaves)
    roots = [nodes[i] for i in expr.sinks]
    root = roots[0] if len(roots) == 1 else SUM(*roots)
    drawn = data.draw(st.lists(st.none() | tangent_values, min_size=len(nodes), max_size=len(nodes)))
    seeds = {node: t for node, t in zip(nodes, drawn) if t is not None}
    order = forward_order([root])
    plain = tangent_rule(order, seeds)
    with mock.patch.object(forward, "tangent_rule", side_effect=AssertionError("fell back")):
        fast = fast_tangent_rule(order, seeds)
    assert fast.keys() == plain.keys()
    for node in order:
        assert bits(fast[node]) == bits(plain[node]), (node, fast[node], plain[node], expr)


NORM3 = Op(  # a user's three-input op whose local derivatives read its output
    "norm3", lambda a, b, c: math.sqrt(a * a + b * b + c * c),
    lambda a, b, c, out: (a / out, b / out, c / out), args=("a", "b", "c"))


def test_jvp_jacobian_and_hvp_walk_fast_to_the_end_on_ops_of_one_to_five_inputs():
    """The same promise on one fixed function (quick to fail, nothing to shrink): every node kind
    the fast walk spells out (1, 2, 3 inputs) and the general one (4, 5) gives tangent_rule's
    numbers, with no hand-over to the plain walk."""
    def f(a, b, c, d):
        u = LERP(a.exp(), (b * c).sin(), d.tanh())
        still = DET2(b, c, c, b)  # its inputs do not move along a or d alone (jacobian's columns)
        return SUM(DET2(u, a, b, c * d), u, NORM3(a, b, u), still, c) * u

    xs, ts = [0.3, -0.8, 1.2, 0.5], [0.7, -1.3, 0.4, 1.1]
    leaves = [Value(x) for x in xs]
    root = f(*leaves)
    order = forward_order([root])
    plain = tangent_rule(order, dict(zip(leaves, ts)))
    want_H = [[h.data for h in grad(g, leaves)] for g in grad(f(*leaves), leaves, create_graph=True)]
    with mock.patch.object(forward, "tangent_rule", side_effect=AssertionError("fell back")):
        slope = jvp(f, xs, ts)[1]
        J = jacobian(f, xs, mode="fwd")
        Hv = hvp(f, xs, ts)
    assert bits(slope) == bits(plain[root])
    assert all(bits(fast) == bits(plain[node])
               for node, fast in fast_tangent_rule(order, dict(zip(leaves, ts))).items())
    assert all(math.isclose(a, g.data, rel_tol=1e-12) for a, g in zip(J[0], grad(root, leaves)))
    for i, row in enumerate(want_H):
        assert math.isclose(Hv[i], sum(h * t for h, t in zip(row, ts)), rel_tol=1e-9)


# --- fixed cases: a list of outputs, user ops, the exercise's solutions ------------------------


def test_jvp_of_a_list_returns_lists():
    value, slope = jvp(lambda x, y: [x * y, x + y, y.exp()], [1.0, 2.0], [1.0, -1.0])
    assert value == [2.0, 3.0, math.exp(2.0)]
    assert slope == [2.0 * 1 + 1.0 * -1, 0.0, -math.exp(2.0)]


def test_jacobian_modes_counts_and_visits():
    def f(x, y):
        return [x * y, x + y, y.exp()]

    fwd = jacobian(f, [1.0, 2.0])
    assert (fwd.mode, fwd.passes) == ("fwd", 2)  # 2 inputs < 3 outputs
    assert fwd == [[2.0, 1.0], [1.0, 1.0], [0.0, math.exp(2.0)]]
    rev = jacobian(f, [1.0, 2.0], mode="rev")
    assert (rev.mode, rev.passes, rev) == ("rev", 3, fwd)
    assert fwd.visits == 2 * 5 and rev.visits == 3 + 3 + 2  # forward walks all 5 nodes per pass
    scalar = jacobian(lambda x, y, z: x * y * z, [1.0, 2.0, 3.0])
    assert (scalar.mode, scalar.passes, scalar) == ("rev", 1, [[6.0, 3.0, 2.0]])
    tie = jacobian(lambda x, y: [x * y, x + y], [1.0, 2.0])  # 2 and 2 passes: reverse
    assert (tie.mode, tie.passes, tie) == ("rev", 2, [[2.0, 1.0], [1.0, 1.0]])


def test_hessian_and_hvp_of_a_known_function():
    def f(x, y):
        return x * x * y + y.sin()  # H = [[2y, 2x], [2x, -sin y]]

    assert hessian(f, [1.0, 2.0]) == [[4.0, 2.0], [2.0, -math.sin(2.0)]]
    assert hvp(f, [1.0, 2.0], [0.5, -1.0]) == [0.0, 1.0 + math.sin(2.0)]
    assert hessian(lambda x, y: x + 2 * y, [1.0, 2.0]) == [[0.0, 0.0], [0.0, 0.0]]  # linear


def test_user_ops_get_forward_mode_with_no_extra_code():
    # cbrt and hypot are declared in tests/user_ops.py with defop and nothing else
    def f(a, b):
        return HYPOT(CBRT(a * b), b.tanh())

    xs, ts = [1.5, -0.7], [0.3, 1.1]
    leaves = [Value(x) for x in xs]
    grads = [g.data for g in grad(f(*leaves), leaves)]
    assert math.isclose(jvp(f, xs, ts)[1], sum(g * t for g, t in zip(grads, ts)), rel_tol=1e-12)
    fwd, rev = jacobian(f, xs, mode="fwd"), jacobian(f, xs, mode="rev")
    assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(fwd[0], rev[0]))


EXERCISE_OPS = [  # the exercise's solutions as ops: a forward rule and the learner's local rule
    Op("softplus", lambda x: math.log1p(math.exp(x)), solutions.softplus),
    Op("swish", lambda x: x / (1 + math.exp(-x)), solutions.swish),
    Op("gelu", lambda x: 0.5 * x * (1 + math.tanh(solutions.SQRT_2_OVER_PI * (x + 0.044715 * x ** 3))),
       solutions.gelu),
    Op("power", lambda x, y: x ** y, solutions.power, args=("x", "y")),
    Op("logaddexp", lambda x, y: max(x, y) + math.log1p(math.exp(-abs(x - y))), solutions.logaddexp,
       args=("x", "y")),
    Op("atan", math.atan, solutions.atan),
    Op("erf", math.erf, solutions.erf),
]


@pytest.mark.parametrize("op", EXERCISE_OPS, ids=lambda op: op.name)
def test_exercise_solutions_in_forward_mode(op):
    def f(x, y):
        inner = x * 0.7 + y * 0.2 + 0.5  # positive here: power's base
        z = op(inner) if op.arity == 1 else op(inner, y)
        return z * x

    xs = [0.9, 1.3]
    leaves = [Value(x) for x in xs]
    grads = [g.data for g in grad(f(*leaves), leaves)]
    for ts in ([1.0, 0.0], [0.0, 1.0], [0.4, -1.2]):
        assert math.isclose(jvp(f, xs, ts)[1], sum(g * t for g, t in zip(grads, ts)), rel_tol=1e-12)
    H = hessian(f, xs)
    second = [[h.data for h in grad(g, leaves)] for g in grad(f(*leaves), leaves, create_graph=True)]
    assert all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for r, s in zip(H, second)
               for a, b in zip(r, s))


def test_forward_steps_text_names_tangents_and_formulas():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    root = (x * y + x.exp()).tanh()
    steps = list(root.forward_steps({x: 1.0}))
    assert [s.op for s in steps] == ["*", "exp", "+", "tanh"]  # in reading order
    mul = steps[0]
    assert [c.tangent for c in mul.children] == [1.0, 0.0] and mul.tangent == 2.0
    assert mul.children[0].formula == "∂(a·b)/∂a = b"  # the backward stepper's texts
    assert mul.children[0].derivative == "∂v1/∂x = 2"
    assert str(mul).splitlines()[0] == "step 1/4  v1 = 2, made by × from x, y"
    text = str(steps[-1])
    assert "step 4/4" in text and "tangent of v4 = 0.00150497" in text and "1 - tanh(x)²" in text
    assert steps[-1].tangent == jvp(lambda a, b: (a * b + a.exp()).tanh(), [1.0, 2.0], [1.0, 0.0])[1]
    assert x.grad == 0.0 and y.grad == 0.0  # forward mode never touches .grad


def test_forward_mode_inside_no_grad_still_records_f():
    from autograd import no_grad

    with no_grad():
        assert jvp(lambda x: x * x, [3.0], [1.0]) == (9.0, 6.0)
        assert hessian(lambda x: x ** 3, [2.0]) == [[12.0]]


# --- bad input: our own errors, naming the argument -------------------------------------------


@pytest.mark.parametrize("call, kind, words", [
    (lambda: jvp(lambda x, y: x * y, [1.0, 2.0], [1.0]), ValueError, ["tangents", "1", "2 input"]),
    (lambda: jvp(lambda x, y: x * y, [1.0, 2.0], [1.0, "a"]), TypeError, ["tangents[1]", "str"]),
    (lambda: jvp(lambda x: x, [1.0], None), TypeError, ["tangents", "NoneType"]),
    (lambda: jvp(lambda x: x, [1.0], [math.nan]), ValueError, ["tangents[0]", "nan"]),
    (lambda: jvp(lambda x: x, ["1"], [1.0]), TypeError, ["inputs[0]", "str"]),
    (lambda: jvp(lambda x: x, [], []), ValueError, ["inputs", "empty"]),
    (lambda: jvp(lambda x: 3.0, [1.0], [1.0]), TypeError, ["f must return a Value", "float"]),
    (lambda: jvp(lambda x: [x, 2.0], [1.0], [1.0]), TypeError, ["f must return", "containing float"]),
    (lambda: jvp(42, [1.0], [1.0]), TypeError, ["f must be a function"]),
    (lambda: jacobian(lambda x: x, [1.0], mode="forward"), ValueError, ["mode", "'fwd'", "forward"]),
    (lambda: hessian(lambda x, y: [x, y], [1.0, 2.0]), TypeError, ["hessian", "one Value", "list of 2"]),
    (lambda: hvp(lambda x, y: [x, y], [1.0, 2.0], [1.0, 0.0]), TypeError, ["hvp", "one Value"]),
    (lambda: hvp(lambda x, y: x * y, [1.0, 2.0], [1.0]), ValueError, ["hvp", "v has 1", "2 input"]),
    (lambda: hvp(lambda x, y: x * y, [1.0, 2.0], {"a": 1}), TypeError, ["hvp", "v must be a list"]),
    (lambda: Value(1.0).exp().forward_steps({Value(2.0, label="z"): 1.0}), ValueError,
     ["forward_steps", "'z'", "not in the graph"]),
    (lambda: Value(1.0).exp().forward_steps([1.0]), TypeError, ["forward_steps", "dict"]),
    (lambda: (lambda x: x.exp().forward_steps({x: "one"}))(Value(1.0, label="x")), TypeError,
     ["forward_steps", "tangent of x", "str"]),
])
def test_bad_input_names_the_argument(call, kind, words):
    with pytest.raises(kind) as err:
        call()
    for word in words:
        assert word in str(err.value), (word, str(err.value))


GMEAN = Op(  # a variadic op (like sum) whose local derivative fails where an input is 0
    "gmean", lambda *xs: math.prod(xs) ** (1 / len(xs)),
    lambda *xs_out: tuple(xs_out[-1] / ((len(xs_out) - 1) * x) for x in xs_out[:-1]),
    args=("xᵢ",), variadic=True, formulas=("out/(n·xᵢ)",))
AGAIN = "The derivative is infinite or undefined at this point; move the input away from it."
NOT_A_VALUE = "f must return a Value computed from its arguments, or a non-empty list of them; got "
MATH = " (did f use math.* or .data?)"


@pytest.mark.parametrize("call, kind, message", [
    (lambda: jvp(lambda x, y: HYPOT(x, y), [0.0, 0.0], [1.0, 1.0]), ZeroDivisionError,
     "forward mode through hypot(a = 'x0' (= 0), b = 'x1' (= 0)): the local derivative "
     "(∂out/∂a = a/out; ∂out/∂b = b/out) cannot be evaluated here: float division by zero. " + AGAIN),
    (lambda: jvp(lambda x, y: GMEAN(x, y), [0.0, 4.0], [1.0, 0.0]), ZeroDivisionError,
     "forward mode through gmean(x0 = 'x0' (= 0), x1 = 'x1' (= 4)): the local derivative "
     "(∂out/∂x0 = out/(n·xᵢ)) cannot be evaluated here: float division by zero. " + AGAIN),
    (lambda: jvp(lambda x: x, "ab", [1.0]), TypeError,
     "jvp: inputs must be a list of numbers, got str 'ab'"),
    (lambda: jvp(lambda x: x, True, [1.0]), TypeError,
     "jvp: inputs must be a list of numbers, got bool True"),
    (lambda: jvp(lambda x: x, [1.0], 2j), TypeError,
     "jvp: tangents must be a list of numbers, got complex 2j"),
    (lambda: jvp(lambda x, y: x * y, [1.0, 2.0], [1.0]), ValueError,
     "jvp: tangents has 1 number(s) but there are 2 input(s); give one tangent entry per input"),
    (lambda: jvp(42, [1.0], [1.0]), TypeError,
     "jvp: f must be a function taking one Value per input, got int 42"),
    (lambda: jvp(lambda x: 3.0, [1.0], [1.0]), TypeError, "jvp: " + NOT_A_VALUE + "float 3.0" + MATH),
    (lambda: jvp(lambda x: [], [1.0], [1.0]), TypeError, "jvp: " + NOT_A_VALUE + "list []" + MATH),
    (lambda: jvp(lambda x: [x, 2.0], [1.0], [1.0]), TypeError,
     "jvp: " + NOT_A_VALUE + "list [Value(data=1, grad=0, label='x0'), 2.0] (containing float 2.0)"
     + MATH),
    (lambda: jacobian(lambda x: x, [1.0], mode="forward"), ValueError,
     "jacobian: mode must be one of 'auto', 'fwd', 'rev', got 'forward'"),
    (lambda: jacobian(lambda x: x, []), ValueError,
     "jacobian: inputs is empty; pass the point to differentiate at, e.g. [1.0, 2.0]"),
    (lambda: jacobian(lambda x: 3.0, [1.0]), TypeError, "jacobian: " + NOT_A_VALUE + "float 3.0" + MATH),
    (lambda: hessian(lambda x: x, [math.inf]), ValueError, "hessian: inputs[0] is inf; pass finite numbers"),
    (lambda: hessian(None, [1.0]), TypeError,
     "hessian: f must be a function taking one Value per input, got NoneType None"),
    (lambda: hessian(lambda x, y: [x, y], [1.0, 2.0]), TypeError,
     "hessian: f must return one Value (a scalar function), got a list of 2; for several outputs "
     "take jacobian, or hessian of each"),
    (lambda: hvp(lambda x: x, {"x": 1.0}, [1.0]), TypeError,
     "hvp: inputs must be a list of numbers, got dict {'x': 1.0}"),
    (lambda: hvp(lambda x, y: x * y, [1.0, 2.0], [1.0]), ValueError,
     "hvp: v has 1 number(s) but there are 2 input(s); give one v entry per input"),
    (lambda: hvp(lambda x, y: [x, y], [1.0, 2.0], [1.0, 0.0]), TypeError,
     "hvp: f must return one Value (a scalar function), got a list of 2; for several outputs "
     "take jacobian, or hvp of each"),
])
def test_errors_read_word_for_word(call, kind, message):
    """What a user reads for a bad argument or a derivative that cannot be taken, whole."""
    with pytest.raises(kind) as err:
        call()
    assert str(err.value) == message


def test_one_number_or_values_are_accepted_as_the_point():
    assert jvp(lambda x: x * x, 3.0, 1.0) == (9.0, 6.0)  # one input need not be a list
    assert jvp(lambda x: x * x, [Value(3.0)], [Value(1.0)]) == (9.0, 6.0)  # Values: their numbers
    assert hvp(lambda x: x ** 3, 2, 1) == [12.0]
    J = jacobian(lambda x, y: [x * y, x + y, y.exp()], [1.0, 2.0])
    assert repr(J) == f"Jacobian([[2.0, 1.0], [1.0, 1.0], [0.0, {math.exp(2.0)!r}]], mode='fwd', " \
                      "passes=2, visits=10)"


def test_jvp_of_a_product_at_the_origin_is_plus_zero_as_the_stepper_says():
    """Bug fixed: jvp summed x·y's two terms without tangent_rule's leading 0.0, so where both
    are -0.0 (x = y = 0, moving down) it said -0.0 and forward_steps said 0.0."""
    for f, xs, ts in ((lambda x, y: x * y, [0.0, 0.0], [-1.0, -1.0]),
                      (lambda a, b, t: LERP(a, b, t), [2.0, 2.0, 1.0], [-1.0, -0.0, -1.0])):
        slope = jvp(f, xs, ts)[1]
        leaves = [Value(x) for x in xs]
        root = f(*leaves)
        stepped = list(root.forward_steps(dict(zip(leaves, ts))))[-1].tangent
        assert (bits(slope), bits(stepped)) == (bits(0.0), bits(0.0)), (slope, stepped)


def test_an_op_whose_inputs_do_not_move_does_not_move():
    """det2 (four inputs) of inputs the direction leaves still has tangent 0: the column of e."""
    def f(a, b, c, d, e):
        return DET2(a, b, c, d) + e * DET2(e, a, a, a)

    J = jacobian(f, [1.0, 2.0, 3.0, 4.0, 5.0], mode="fwd")
    rev = jacobian(f, [1.0, 2.0, 3.0, 4.0, 5.0], mode="rev")
    # ∂/∂a = d + e·(-a - a + e), ∂/∂e = det2(e, a, a, a) + e·a = e·a - a·a + e·a
    assert J == rev == [[4.0 + 5.0 * 3.0, -3.0, -2.0, 1.0, 5.0 - 1.0 + 5.0]]


def test_forward_steps_seeded_at_an_inner_node_differentiate_along_it():
    """Seeding y = x·x (not a leaf) gives d/dy: the pass takes y as an input whatever is below."""
    x = Value(1.5, label="x")
    y = x * x
    z = y.exp() + x
    steps = list(z.forward_steps({y: 1.0}))
    assert [s.op for s in steps] == ["exp", "+"]  # y is an input of this pass: no step of its own
    assert steps[-1].tangent == math.exp(2.25)  # ∂z/∂y with x held: e^y, not e^y·2x + 1
    assert fast_tangent_rule(topological_order(z), {y: 1.0})[z] == math.exp(2.25)


def test_a_local_derivative_that_fails_is_named():
    with pytest.raises(ZeroDivisionError, match=r"forward mode through sqrt\(x = 0\)"):
        jvp(lambda x: (x - 1.0).sqrt(), [1.0], [1.0])
    # where the direction does not move the input, the local derivative is not needed
    assert jvp(lambda x, y: (x - 1.0).sqrt() + y, [1.0, 2.0], [0.0, 1.0]) == (2.0, 1.0)


# --- planted mutants: each must be caught by the checks above ---------------------------------

# Two fixed expressions with a node used twice (x·x), non-square Jacobians and curvature in every
# direction: each mutant below must fail on them.
#   f(x, y)    = tanh(x·x + y) · exp(x·y)
#   g(x, y, z) = sin(x·y) + (y·z)² + x·z·z
A_FEW = [
    Expr((0.3, -0.8), (Step(MUL, (0, 0)), Step(ADD, (2, 1)), Step(TANH, (3,)), Step(MUL, (0, 1)),
                       Step(EXP, (5,)), Step(MUL, (4, 6))), (7,)),
    Expr((0.3, -0.8, 1.2), (Step(MUL, (0, 1)), Step(SIN, (3,)), Step(MUL, (1, 2)),
                            Step(POW.bind(p=2.0), (5,)), Step(MUL, (0, 2)), Step(MUL, (7, 2)),
                            Step(SUM, (4, 6, 8))), (9,)),
]


def _skips_shared_nodes(order, seeds):
    """MUTANT: an input that appears twice among a node's inputs (x·x) is counted once."""
    tangent = {}
    for node in order:
        if not node.children or node in seeds:
            tangent[node] = seeds.get(node, 0.0)
            continue
        ds = forward.local_derivatives(node)
        t, seen = 0.0, set()
        for child, d in zip(node.children, ds):
            if child not in seen:
                seen.add(child)
                t += d * tangent[child]
        tangent[node] = t
    return tangent


def _transposed(f, inputs, mode="auto"):
    """MUTANT: the forward mode's columns returned as rows."""
    J = ORIGINAL_JACOBIAN(f, inputs, mode)
    if J.mode == "fwd":
        return forward.Jacobian([list(c) for c in zip(*J)], J.mode, J.passes, J.visits)
    return J


def _drops_a_term(f, inputs, v):
    """MUTANT: H·v without the last input's term of Σⱼ Hᵢⱼ vⱼ."""
    return ORIGINAL_HVP(f, inputs, [*list(v)[:-1], 0.0])


ORIGINAL_JACOBIAN, ORIGINAL_HVP = forward.jacobian, forward.hvp
TS = [0.7, -1.3, 0.4, 1.1]


def _fails(check: Callable[[], object]) -> bool:
    try:
        check()
    except AssertionError:
        return True
    return False


@pytest.mark.parametrize("mutant, patch, caught_by", [
    ("skips shared-node accumulation", ("fast_tangent_rule", _skips_shared_nodes),
     lambda e: check_jvp(e, TS)),
    ("transposed Jacobian", ("jacobian", _transposed), check_jacobian),
    ("hvp drops a term", ("hvp", _drops_a_term), lambda e: check_hvp(e, TS)),
])
def test_planted_mutants_are_caught(monkeypatch, mutant, patch, caught_by):
    exprs = A_FEW
    for e in exprs:
        caught_by(e)  # the real code passes
    name, fake = patch
    monkeypatch.setattr(forward, name, fake)
    monkeypatch.setitem(globals(), name, fake)  # the checks call the names imported here
    assert any(_fails(lambda e=e: caught_by(e)) for e in exprs), f"mutant not caught: {mutant}"


# --- gradcheck's forward-mode rows --------------------------------------------------------------


def test_gradcheck_checks_both_modes_by_default():
    from autograd import gradcheck

    both = gradcheck(lambda a, b: (a * b).tanh() + a.exp(), [0.5, -2.0])
    assert both.ok and len(both.rows) == 2 and len(both.fwd_rows) == 2
    for row, u in zip(both.fwd_rows, both.directions):
        assert math.isclose(sum(x * x for x in u), 1.0)
        assert row.analytic == jvp(lambda a, b: (a * b).tanh() + a.exp(), [0.5, -2.0], u)[1]
        assert abs(row.analytic - row.numeric) < 1e-8
    assert "forward mode: jvp along random unit directions u" in str(both)
    rev = gradcheck(lambda a, b: (a * b).tanh(), [0.5, -2.0], modes=("rev",))
    fwd = gradcheck(lambda a, b: (a * b).tanh(), [0.5, -2.0], modes="fwd")
    assert rev.fwd_rows == [] and fwd.rows == [] and rev.ok and fwd.ok
    assert str(fwd).splitlines()[0].endswith("forward mode (jvp) vs central differences "
                                             "(eps=1e-06, atol=1e-05, rtol=0.001): ok")
    with pytest.raises(ValueError, match="modes must be a non-empty selection"):
        gradcheck(lambda a: a, [1.0], modes=("forward",))


def test_gradcheck_fwd_rows_catch_a_broken_forward_pass(monkeypatch):
    import importlib

    from autograd import gradcheck

    # the module, not the function of the same name that autograd exports
    monkeypatch.setattr(importlib.import_module("autograd.gradcheck"), "tangent_rule",
                        _skips_shared_nodes)
    result = gradcheck(lambda a, b: (a * a + b).tanh(), [0.5, -0.2])
    assert all(r.passed for r in result.rows) and not result.ok
    assert all(r.status == "FAIL" for r in result.fwd_rows), str(result)


def test_the_readme_section_prints_what_it_shows():
    import re
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    section = (root / "README.md").read_text(encoding="utf-8").split("## Forward and reverse", 1)[1]
    section = section.split("\n## ", 1)[0]
    (code, shown), *_ = re.findall(r"```python\n(.*?)```\n\n```\n(.*?)```", section, flags=re.S)
    run = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout == shown


def test_the_core_does_not_import_forward_mode():
    """Forward mode stands on the core (value.py, op.py, ops.py), which never imports it."""
    import re
    from pathlib import Path

    core = Path(__file__).resolve().parents[1] / "autograd"
    for name in ("value.py", "op.py", "ops.py"):
        source = (core / name).read_text(encoding="utf-8")
        assert not re.search(r"from \.(forward|stepper_modes)\b|import (forward|stepper_modes)\b",
                             source), name
