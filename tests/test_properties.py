"""Properties of the engine on generated expressions and on every registered op.

The finite differences here are the tests' own (Richardson-extrapolated central differences),
not `gradcheck`'s, so a broken gradcheck cannot hide a broken engine. Ops are taken from the
registry when the tests are collected: declaring an op with `defop` (as tests/user_ops.py does)
gives it every per-op property below without a line of test code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import Expr, expressions, registered_ops

from autograd import Value, grad, topological_order

H = 1e-5  # Richardson's two steps are H and H/2: error O(H⁴) for a smooth function
OPS = {op.name: op for op in registered_ops()}


def central(fun: Callable[[list[float]], float], xs: Sequence[float], j: int, h: float = H) -> float:
    """∂fun/∂xⱼ by central differences at steps h and h/2, combined to cancel the h² error term."""

    def d(step: float) -> float:
        up, down = list(xs), list(xs)
        up[j] += step
        down[j] -= step
        return (fun(up) - fun(down)) / (2 * step)

    return (4 * d(h / 2) - d(h)) / 3


def value_of(expr: Expr) -> Callable[[list[float]], float]:
    return lambda xs: expr(*[Value(x) for x in xs]).data


def backprop(expr: Expr, xs: Sequence[float]) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in xs]
    root = expr(*leaves)
    root.backward()
    return root.data, [v.grad for v in leaves]


def assert_close(got: Sequence[float], want: Sequence[float], scale: float, what: str,
                 rtol: float = 1e-6) -> None:
    """Every entry within rtol of itself, plus a rounding floor from the scale of the whole vector:
    |error| ≤ rtol·(1 + |expected|) + 1e-8·scale (central differences lose digits in proportion to
    the size of f, not of the entry)."""
    for i, (g, w) in enumerate(zip(got, want)):
        assert abs(g - w) <= rtol * (1.0 + abs(w)) + 1e-8 * scale, (
            f"{what}[{i}]: engine {g!r}, expected {w!r}")


def check_first_derivatives(expr: Expr) -> None:
    xs = list(expr.leaves)
    f, grads = backprop(expr, xs)
    numeric = [central(value_of(expr), xs, j) for j in range(len(xs))]
    scale = max([abs(f), *map(abs, numeric)])
    assert_close(grads, numeric, scale, f"∂f/∂x of {expr}")


def check_second_derivatives(expr: Expr) -> None:
    xs = list(expr.leaves)
    leaves = [Value(x) for x in xs]
    firsts = grad(expr(*leaves), leaves, create_graph=True)
    for i, g in enumerate(firsts):
        hessian_row = [h.data for h in grad(g, leaves)]

        def first_i(point: list[float], i: int = i) -> float:
            return backprop(expr, point)[1][i]

        numeric = [central(first_i, xs, j) for j in range(len(xs))]
        scale = max([abs(g.data), *map(abs, numeric)])
        assert_close(hessian_row, numeric, scale, f"∂²f/∂x{i}∂x of {expr}", rtol=1e-5)


# --- generated expressions over every registered op -------------------------------------------


@given(expressions())
def test_engine_gradients_equal_central_differences(expr):
    check_first_derivatives(expr)


@given(expressions(max_steps=5))
def test_second_derivatives_equal_differences_of_first(expr):
    check_second_derivatives(expr)


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_every_registered_op_in_expressions(name, data):
    """Each op, built-in or user-defined, first in a small expression: first and second derivatives."""
    expr = data.draw(expressions(focus=OPS[name], max_leaves=2, max_steps=3), label="expr")
    check_first_derivatives(expr)
    check_second_derivatives(expr)


@given(expressions())
def test_grad_leaves_dot_grad_untouched(expr):
    xs = list(expr.leaves)
    _, want = backprop(expr, xs)
    leaves = [Value(x) for x in xs]
    root = expr(*leaves)
    nodes = topological_order(root)
    for k, node in enumerate(nodes):
        node.grad = 0.25 * k - 1.0  # a distinct sentinel per node
    plain = grad(root, leaves)
    graph = grad(root, leaves, create_graph=True)
    assert [n.grad for n in nodes] == [0.25 * k - 1.0 for k in range(len(nodes))]
    assert [g.data for g in plain] == want  # the same arithmetic as backward(): bit for bit
    assert_close([g.data for g in graph], want, max(map(abs, want), default=0.0), "create_graph")


@given(expressions())
def test_backward_steps_end_in_the_grads_of_backward(expr):
    def graph() -> list[Value]:
        leaves = [Value(x) for x in expr.leaves]
        for leaf in leaves:
            leaf.grad = 0.5  # something to accumulate on top of, in both runs
        return topological_order(expr(*leaves))

    stepped, plain = graph(), graph()
    steps = list(stepped[-1].backward_steps())
    plain[-1].backward()
    assert len(steps) == sum(1 for n in stepped if n.children)  # one step per op node
    assert [n.grad for n in stepped] == [n.grad for n in plain]  # the same arithmetic: bit for bit
