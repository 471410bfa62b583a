"""Forward mode against PyTorch in float64: jvp, Jacobian and Hessian of the same generated
expressions (`torch.func.jvp`, `torch.autograd.functional.jacobian` / `hessian`), and of an MLP's
loss as a function of its parameters. Ops without a torch counterpart are left out (test_torch.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import Expr, expressions, mlp_cases
from test_torch import MAPPED, TORCH, close

from autograd import Value, hessian, hvp, jacobian, jvp
from nn import MLP, mse

torch = pytest.importorskip("torch", reason="PyTorch is not installed; CI installs the CPU build")

directions = st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=4, max_size=4)


def torch_nodes(expr: Expr, leaves: Sequence[object]) -> list[object]:
    nodes = list(leaves)
    for step in expr.steps:
        nodes.append(TORCH[step.op.name](*[nodes[i] for i in step.args], **step.op.params))
    return nodes


def torch_root(expr: Expr):
    def f(*leaves):
        nodes = torch_nodes(expr, leaves)
        roots = [nodes[i] for i in expr.sinks]
        return roots[0] if len(roots) == 1 else torch.stack(roots).sum()

    return f


def tensors(xs: Sequence[float]) -> tuple:
    return tuple(torch.tensor(x, dtype=torch.float64) for x in xs)


def assert_matrix(got: list[list[float]], want: list[list[float]], rtol: float, what: str) -> None:
    scale = max((abs(w) for row in want for w in row), default=0.0)
    assert len(got) == len(want)
    for i, (g_row, w_row) in enumerate(zip(got, want)):
        assert len(g_row) == len(w_row)
        for j, (g, w) in enumerate(zip(g_row, w_row)):
            assert close(g, w, scale, rtol), f"{what}[{i}][{j}]: engine {g!r}, torch {w!r}"


@given(expressions(ops=MAPPED, max_steps=6), directions)
def test_jvp_equals_torch_func_jvp(expr, ts):
    xs, ts = list(expr.leaves), ts[:len(expr.leaves)]
    value, slope = jvp(expr, xs, ts)
    t_value, t_slope = torch.func.jvp(torch_root(expr), tensors(xs), tensors(ts))
    assert close(value, t_value.item(), abs(value), 1e-12)
    assert close(slope, t_slope.item(), abs(t_slope.item()), 1e-10), (slope, t_slope.item())


@given(expressions(ops=MAPPED, max_steps=6), st.sampled_from(["fwd", "rev"]))
def test_jacobian_equals_torch(expr, mode):
    n = len(expr.leaves)

    def every_node(*leaves):
        return torch_nodes(expr, leaves)[n:]

    J = jacobian(lambda *xs: expr.nodes(xs)[n:], list(expr.leaves), mode=mode)
    T = torch.autograd.functional.jacobian(lambda *xs: tuple(every_node(*xs)), tensors(expr.leaves))
    assert_matrix(J, [[t.item() for t in row] for row in T], 1e-10, f"J ({mode})")


@given(expressions(ops=MAPPED, max_steps=5))
def test_hessian_equals_torch(expr):
    H = hessian(expr, list(expr.leaves))
    T = torch.autograd.functional.hessian(torch_root(expr), tensors(expr.leaves))
    assert_matrix(H, [[t.item() for t in row] for row in T], 1e-9, "H")


# --- an MLP's loss as a function of its parameters ---------------------------------------------


def loss_of_parameters(model: MLP, X: Sequence[Sequence[float]], Y: Sequence[float]):
    """The model's MSE loss on (X, Y) as a function of its parameters (in `parameters()` order)."""

    def f(*params: Value) -> Value:
        it = iter(params)
        saved = [(n, n.w, n.b) for layer in model.layers for n in layer.neurons]
        try:
            for n, w, b in saved:
                n.w = [next(it) for _ in w]
                n.b = next(it) if b is not None else None
            preds = [model(list(x)) for x in X]
            return mse([p for y in preds for p in (y if isinstance(y, list) else [y])],
                       [float(t) for row in Y for t in row])
        finally:
            for n, w, b in saved:
                n.w, n.b = w, b

    return f


TORCH_ACT = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda z: z}


def torch_loss_of_parameters(model: MLP, X: Sequence[Sequence[float]], Y: Sequence[float]):
    """The same loss written with torch tensors, reading the parameters in the same order."""
    acts = [n.activation for layer in model.layers for n in layer.neurons[:1]]
    shapes = [[(len(n.w), n.b is not None) for n in layer.neurons] for layer in model.layers]

    def f(*params):
        it = iter(params)
        layers = [[([next(it) for _ in range(k)], next(it) if has_b else None) for k, has_b in layer]
                  for layer in shapes]
        errors = []
        for x, y in zip(X, Y):
            h = [torch.tensor(float(v), dtype=torch.float64) for v in x]
            for act, layer in zip(acts, layers):
                h = [TORCH_ACT[act](sum(w * v for w, v in zip(ws, h)) + (b if b is not None else 0.0))
                     for ws, b in layer]
            errors += [(p - float(t)) ** 2 for p, t in zip(h, y)]
        return torch.stack(errors).mean()

    return f


def _check_mlp(model: MLP, X: list, Y: list) -> None:
    ps = [p.data for p in model.parameters()]
    f, tf = loss_of_parameters(model, X, Y), torch_loss_of_parameters(model, X, Y)
    vs = [((-1) ** k) * (0.5 + 0.1 * (k % 5)) for k in range(len(ps))]
    value, slope = jvp(f, ps, vs)
    t_value, t_slope = torch.func.jvp(tf, tensors(ps), tensors(vs))
    assert close(value, t_value.item(), abs(value), 1e-12)
    assert close(slope, t_slope.item(), abs(t_slope.item()), 1e-10)
    H = hessian(f, ps)
    T = torch.autograd.functional.hessian(tf, tensors(ps))
    assert_matrix(H, [[t.item() for t in row] for row in T], 1e-9, "H of the MLP loss")
    Hv = hvp(f, ps, vs)
    _, t_hv = torch.autograd.functional.hvp(tf, tensors(ps), tensors(vs))
    assert_matrix([Hv], [[t.item() for t in t_hv]], 1e-9, "H·v of the MLP loss")


def test_xor_loss_of_its_17_parameters_equals_torch():
    model = MLP(2, [4, 1], activation="sigmoid", output_activation="sigmoid", seed=3)
    X, Y = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [[0.0], [1.0], [1.0], [0.0]]
    assert len(model.parameters()) == 17
    assert loss_of_parameters(model, X, Y)(*model.parameters()).data == \
        mse([model(x) for x in X], [0.0, 1.0, 1.0, 0.0]).data  # it is the model's own loss
    _check_mlp(model, X, Y)


@settings(max_examples=40)  # each example is a full Hessian of up to 28 parameters, on both sides
@given(mlp_cases(losses=("mse",), max_layers=2, max_width=3, max_batch=2))
def test_mlp_loss_hessian_equals_torch(case):
    model = case.model()
    _check_mlp(model, case.X.tolist(), case.Y.tolist())
