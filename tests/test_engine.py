"""The engine: every op's value and derivative, shared nodes, deep graphs, backward semantics."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import autograd
from autograd import Value, grad, no_grad, sum_values


def sig(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# (name, build, value, derivative, points): analytic formulas written independently of ops.py
UNARY = [
    ("exp", lambda v: v.exp(), math.exp, math.exp, [-2.0, 0.0, 0.7, 3.0]),
    ("log", lambda v: v.log(), math.log, lambda x: 1 / x, [0.1, 1.0, 2.5, 40.0]),
    ("tanh", lambda v: v.tanh(), math.tanh, lambda x: 1 / math.cosh(x) ** 2, [-2.0, 0.0, 0.3, 1.5]),
    ("sigmoid", lambda v: v.sigmoid(), sig, lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2,
     [-4.0, -0.5, 0.0, 2.0]),
    ("relu", lambda v: v.relu(), lambda x: max(x, 0.0), lambda x: float(x > 0), [-1.0, -0.1, 0.2, 3.0]),
    ("sqrt", lambda v: v.sqrt(), math.sqrt, lambda x: 0.5 / math.sqrt(x), [0.04, 1.0, 2.0, 9.0]),
    ("abs", lambda v: v.abs(), abs, lambda x: math.copysign(1.0, x), [-3.0, -0.2, 0.5, 2.0]),
    ("sin", lambda v: v.sin(), math.sin, math.cos, [-2.0, 0.0, 1.0, 3.0]),
    ("cos", lambda v: v.cos(), math.cos, lambda x: -math.sin(x), [-2.0, 0.0, 1.0, 3.0]),
    ("leaky_relu", lambda v: v.leaky_relu(), lambda x: x if x > 0 else 0.01 * x,
     lambda x: 1.0 if x > 0 else 0.01, [-2.0, -0.1, 0.5, 4.0]),
    ("leaky_relu(0.2)", lambda v: v.leaky_relu(alpha=0.2), lambda x: x if x > 0 else 0.2 * x,
     lambda x: 1.0 if x > 0 else 0.2, [-2.0, 3.0]),
    ("neg", lambda v: -v, lambda x: -x, lambda x: -1.0, [-2.0, 0.0, 5.0]),
    ("square", lambda v: v ** 2, lambda x: x * x, lambda x: 2 * x, [-3.0, 0.0, 1.5]),
    ("cube", lambda v: v ** 3, lambda x: x ** 3, lambda x: 3 * x * x, [-2.0, 0.5, 2.0]),
    ("x**-1", lambda v: v ** -1, lambda x: 1 / x, lambda x: -1 / x ** 2, [-2.0, 0.5, 4.0]),
    ("x**0.5", lambda v: v ** 0.5, math.sqrt, lambda x: 0.5 / math.sqrt(x), [0.25, 4.0]),
    ("2**x", lambda v: 2 ** v, lambda x: 2.0 ** x, lambda x: 2.0 ** x * math.log(2), [-1.0, 0.0, 3.0]),
    ("3-x", lambda v: 3 - v, lambda x: 3 - x, lambda x: -1.0, [1.0, -4.0]),
    ("3/x", lambda v: 3 / v, lambda x: 3 / x, lambda x: -3 / x ** 2, [0.5, -2.0]),
    ("x/4", lambda v: v / 4, lambda x: x / 4, lambda x: 0.25, [0.5, -2.0]),
    ("5*x", lambda v: 5 * v, lambda x: 5 * x, lambda x: 5.0, [0.5, -2.0]),
    ("x+7", lambda v: 7 + v + 0, lambda x: x + 7, lambda x: 1.0, [0.5, -2.0]),
    ("softplus", lambda v: v.softplus(), lambda x: math.log1p(math.exp(x)), sig, [-3.0, 0.0, 2.0]),
    ("log_sigmoid", lambda v: v.log_sigmoid(), lambda x: math.log(sig(x)), lambda x: 1 - sig(x),
     [-4.0, 0.0, 2.5]),
    ("clamp[-1,2]", lambda v: v.clamp(lo=-1.0, hi=2.0), lambda x: min(max(x, -1.0), 2.0),
     lambda x: float(-1.0 <= x <= 2.0), [-3.0, -0.5, 1.0, 5.0]),
]


@pytest.mark.parametrize("name,build,f,df,points", UNARY, ids=[u[0] for u in UNARY])
def test_unary_value_and_derivative(name, build, f, df, points):
    for x0 in points:
        x = Value(x0)
        y = build(x)
        y.backward()
        assert y.data == pytest.approx(f(x0), rel=1e-12, abs=1e-12), (name, x0)
        assert x.grad == pytest.approx(df(x0), rel=1e-10, abs=1e-12), (name, x0)


BINARY = [
    ("+", lambda a, b: a + b, lambda a, b: a + b, lambda a, b: (1.0, 1.0)),
    ("-", lambda a, b: a - b, lambda a, b: a - b, lambda a, b: (1.0, -1.0)),
    ("*", lambda a, b: a * b, lambda a, b: a * b, lambda a, b: (b, a)),
    ("/", lambda a, b: a / b, lambda a, b: a / b, lambda a, b: (1 / b, -a / b ** 2)),
    ("pow", lambda a, b: a ** b, lambda a, b: a ** b, lambda a, b: (b * a ** (b - 1), a ** b * math.log(a))),
]


@pytest.mark.parametrize("name,build,f,df", BINARY, ids=[b[0] for b in BINARY])
def test_binary_value_and_derivatives(name, build, f, df):
    for a0, b0 in [(2.0, -3.0), (0.5, 1.5), (3.0, 0.25), (1.2, 2.0)]:
        a, b = Value(a0), Value(b0)
        y = build(a, b)
        y.backward()
        assert y.data == pytest.approx(f(a0, b0), rel=1e-12)
        da, db = df(a0, b0)
        assert a.grad == pytest.approx(da, rel=1e-10, abs=1e-12)
        assert b.grad == pytest.approx(db, rel=1e-10, abs=1e-12)


def test_design_example_against_central_differences():
    def f(a0, b0):
        return math.tanh(a0 * b0 + math.exp(a0)) - b0 / a0 ** 2 + 1

    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b + a.exp()).tanh() - b / a ** 2 + 1
    c.backward()
    h = 1e-6
    assert c.data == pytest.approx(f(2.0, -3.0), rel=1e-14)
    assert a.grad == pytest.approx((f(2 + h, -3) - f(2 - h, -3)) / (2 * h), rel=1e-7)
    assert b.grad == pytest.approx((f(2, -3 + h) - f(2, -3 - h)) / (2 * h), rel=1e-7)
    assert isinstance(a.grad, float) and isinstance(float(c), float)


def test_every_registered_op_has_a_documented_derivative():
    for name, op in autograd.REGISTRY.items():
        assert op.doc and "derivative" in op.doc.lower(), name
        assert op.formulas and "?" not in op.formulas, name


def test_attributes_and_children_in_argument_order():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a - b
    assert (c.op, c.children, c.label) == ("-", (a, b), "")
    assert a.op == "" and a.children == ()
    d = a + a
    assert d.children == (a, a)
    r = 5 - a
    assert r.children[1] is a and r.children[0].data == 5.0
    assert "label='a'" in repr(a) and "op='-'" in repr(c)
    assert len({a, b, c, d}) == 4 and {a: 1}[a] == 1  # identity hashing


def test_shared_nodes_accumulate():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0
    a = Value(3.0)
    b = a * a
    c = b + b
    c.backward()
    assert (b.grad, a.grad) == (2.0, 12.0)  # dc/da = 4a


def test_backward_twice_interior_reset_leaves_accumulate():
    x, w = Value(2.0), Value(-1.5)
    h = x * w
    y = h.tanh()
    y.backward()
    first = (h.grad, w.grad)
    y.backward()
    assert h.grad == first[0]          # interior: this pass's gradient, not doubled
    assert w.grad == 2 * first[1]      # leaf: accumulated
    y.zero_grad()
    assert (x.grad, w.grad, h.grad, y.grad) == (0.0, 0.0, 0.0, 0.0)


def test_per_sample_backward_sums_into_parameters():
    w = Value(0.5)
    total = 0.0
    for x in [1.0, 2.0, -3.0]:
        (w * x).backward()
        total += x
    assert w.grad == total


def test_million_node_chain_is_iterative():
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0000001 + 0.0
    y.backward()
    assert x.grad == pytest.approx(1.0000001 ** 1_000_000, rel=1e-9)


def test_no_grad_records_nothing_and_restores():
    a = Value(2.0)
    with no_grad():
        b = a * 3 + 1
        with no_grad():
            pass
        c = b.exp()
    assert b.children == () and b.op == "" and c.children == ()
    assert (a * 2).children != ()  # switched back on


def test_grad_does_not_touch_dot_grad_and_gives_higher_derivatives():
    x = Value(0.7)
    y = x.sin() * x ** 2
    (dy,) = grad(y, [x], create_graph=True)
    (d2y,) = grad(dy, [x], create_graph=True)
    (d3y,) = grad(d2y, [x])
    s, c, t = math.sin(0.7), math.cos(0.7), 0.7
    assert dy.data == pytest.approx(c * t * t + 2 * t * s, rel=1e-12)
    assert d2y.data == pytest.approx(-s * t * t + 4 * t * c + 2 * s, rel=1e-12)
    assert d3y.data == pytest.approx(-c * t * t - 6 * t * s + 6 * c, rel=1e-12)
    assert x.grad == 0.0 and y.grad == 0.0
    (unrelated,) = grad(y, [Value(1.0)])
    assert unrelated.data == 0.0


def test_second_derivatives_of_every_smooth_op():
    h = 1e-5
    cases = [(lambda v: v.tanh(), 0.4), (lambda v: v.sigmoid(), -0.3), (lambda v: v.exp(), 0.2),
             (lambda v: v.log(), 1.7), (lambda v: v.sqrt(), 2.0), (lambda v: 1 / v, 1.3),
             (lambda v: v ** v, 1.4), (lambda v: v.cos(), 0.9), (lambda v: v.softplus(), 0.1)]
    for build, x0 in cases:
        def first(t, build=build):
            x = Value(t)
            build(x).backward()
            return x.grad

        x = Value(x0)
        (g,) = grad(build(x), [x], create_graph=True)
        (g2,) = grad(g, [x])
        assert g2.data == pytest.approx((first(x0 + h) - first(x0 - h)) / (2 * h), rel=1e-6)


def test_sum_values_is_one_node():
    xs = [Value(float(i)) for i in range(5)]
    s = sum_values(xs, start=10)
    assert s.op == "sum" and len(s.children) == 6 and s.data == 20.0
    s.backward()
    assert all(x.grad == 1.0 for x in xs)


def test_sigmoid_and_tanh_do_not_overflow():
    for x0 in (-1000.0, 1000.0):
        for build in (lambda v: v.sigmoid(), lambda v: v.tanh(), lambda v: v.softplus()):
            x = Value(x0)
            y = build(x)
            y.backward()
            assert math.isfinite(y.data) and math.isfinite(x.grad)


def test_autograd_is_this_repository():
    # A different package on PyPI is also called `autograd`; make sure we test ours.
    repo = Path(__file__).resolve().parents[1]
    assert Path(autograd.__file__).resolve().is_relative_to(repo)
