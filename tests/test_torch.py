"""The same generated expressions, run by PyTorch's autograd in float64: values and gradients.

PyTorch is an independent implementation of the same math, so agreement here checks the engine's
forward rules as well as its derivatives. Every built-in op has a counterpart in `TORCH`; an op
without one (a user-defined op, say) is left out of the torch expressions and its per-op test is
skipped with that reason.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import Expr, expressions, op_points, registered_ops

import autograd.ops
from autograd import REGISTRY, Value, grad

torch = pytest.importorskip("torch", reason="PyTorch is not installed; CI installs the CPU build")
F = torch.nn.functional

#: op name -> the same function in torch, given tensors for the inputs and the op's parameters
TORCH = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "neg": lambda x: -x,
    "**": lambda x, p: torch.pow(x, p),
    "pow": torch.pow,
    "exp": torch.exp,
    "log": torch.log,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "leaky_relu": lambda x, alpha: F.leaky_relu(x, negative_slope=alpha),
    "sqrt": torch.sqrt,
    "abs": torch.abs,
    "sin": torch.sin,
    "cos": torch.cos,
    "sum": lambda *xs: torch.stack(xs).sum(),
    # torch's F.softplus switches to x above a threshold (an approximation); logaddexp is exact
    "softplus": lambda x: torch.logaddexp(x, torch.zeros_like(x)),
    "log_sigmoid": F.logsigmoid,
    "clamp": lambda x, lo, hi: torch.clamp(x, lo, hi),
    "logsumexp": lambda *xs: torch.logsumexp(torch.stack(xs), 0),
    # amax shares the gradient equally among tied maxima: the same tie rule as ours
    "max": lambda *xs: torch.stack(xs).amax(),
}

BUILTIN = sorted({op.name for op in vars(autograd.ops).values() if isinstance(op, autograd.Op)})
MAPPED = [op for op in registered_ops() if op.name in TORCH]


def run_torch(expr: Expr, xs: list[float]) -> tuple[object, list[object]]:
    """The expression's root and leaves as float64 torch tensors."""
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    nodes: list[object] = list(leaves)
    for step in expr.steps:
        nodes.append(TORCH[step.op.name](*[nodes[i] for i in step.args], **step.op.params))
    roots = [nodes[i] for i in expr.sinks]
    return (roots[0] if len(roots) == 1 else torch.stack(roots).sum()), leaves


def close(a: float, b: float, scale: float, rtol: float) -> bool:
    return abs(a - b) <= rtol * (1.0 + scale)


def test_every_builtin_op_has_a_torch_counterpart():
    assert set(BUILTIN) <= set(TORCH), f"add torch counterparts for {set(BUILTIN) - set(TORCH)}"


@given(expressions(ops=MAPPED))
def test_values_and_gradients_equal_torch_float64(expr):
    xs = list(expr.leaves)
    leaves = [Value(x) for x in xs]
    root = expr(*leaves)
    root.backward()
    t_root, t_leaves = run_torch(expr, xs)
    t_root.backward()
    assert close(root.data, t_root.item(), abs(root.data), 1e-12), (root.data, t_root.item())
    want = [0.0 if t.grad is None else t.grad.item() for t in t_leaves]
    scale = max(abs(w) for w in want)
    for i, (v, w) in enumerate(zip(leaves, want)):
        assert close(v.grad, w, scale, 1e-10), f"∂f/∂x{i}: engine {v.grad!r}, torch {w!r}"


@given(expressions(ops=MAPPED, max_steps=6))
def test_second_derivatives_equal_torch_float64(expr):
    xs = list(expr.leaves)
    leaves = [Value(x) for x in xs]
    firsts = grad(expr(*leaves), leaves, create_graph=True)
    t_root, t_leaves = run_torch(expr, xs)
    t_firsts = torch.autograd.grad(t_root, t_leaves, create_graph=True, allow_unused=True)
    for i, (g, tg) in enumerate(zip(firsts, t_firsts)):
        row = [h.data for h in grad(g, leaves)]
        if tg is None or not tg.requires_grad:  # torch: this input does not reach the root
            want = [0.0] * len(xs)
        else:
            second = torch.autograd.grad(tg, t_leaves, allow_unused=True, retain_graph=True)
            want = [0.0 if s is None else s.item() for s in second]
        scale = max(abs(w) for w in want)
        for j, (got, w) in enumerate(zip(row, want)):
            assert close(got, w, scale, 1e-9), f"∂²f/∂x{i}∂x{j}: engine {got!r}, torch {w!r}"


@pytest.mark.parametrize("name", sorted(REGISTRY))
@given(data=st.data())
def test_each_op_equals_torch(name, data):
    if name not in TORCH:
        pytest.skip(f"op {name!r} is user-defined and has no torch counterpart in TORCH")
    op, xs = data.draw(op_points(REGISTRY[name]), label="op, inputs")
    inputs = [Value(x) for x in xs]
    out = op(*inputs)
    out.backward()
    t_in = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    t_out = TORCH[name](*t_in, **op.params)
    t_out.backward()
    assert close(out.data, t_out.item(), abs(out.data), 1e-13), (out.data, t_out.item())
    for v, t in zip(inputs, t_in):
        assert close(v.grad, t.grad.item(), abs(t.grad.item()), 1e-12), (v.grad, t.grad.item())
