"""nn.to_torch / nn.from_torch: the same network in PyTorch, trained side by side to 1e-10."""

from __future__ import annotations

import builtins
import math

import numpy as np
import pytest

import nn
from nn import MLP, SGD, Adam, cross_entropy, from_torch, mse, to_torch

torch = pytest.importorskip("torch", reason="PyTorch is not installed; CI installs the CPU build")
F = torch.nn.functional
torch.set_num_threads(1)  # tensors of 15 rows: threads only add contention on a shared machine


def three_blobs(n: int = 15, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    classes = np.arange(n) % 3
    centres = np.array([[1.0, 0.0], [-0.5, 0.9], [-0.5, -0.9]])
    return centres[classes] + 0.4 * rng.standard_normal((n, 2)), classes


def weights_of(model: MLP) -> list[float]:
    return [p.data for p in model.parameters()]


def torch_weights(module) -> list[float]:
    """The torch model's numbers in `MLP.parameters()` order: per neuron its weights, then its bias."""
    out = []
    linears = [m for m in module if isinstance(m, torch.nn.Linear)]
    for lin in linears:
        w = lin.weight.detach().tolist()
        b = lin.bias.detach().tolist() if lin.bias is not None else None
        for j, row in enumerate(w):
            out += row + ([b[j]] if b is not None else [])
    return out


@pytest.mark.parametrize("activation, output, bias", [
    ("tanh", "linear", True), ("relu", "sigmoid", True), ("sigmoid", "tanh", False),
    ("linear", "relu", True)])
def test_round_trip_keeps_every_weight_and_the_function(activation, output, bias):
    model = MLP(3, [5, 4, 2], activation=activation, output_activation=output, bias=bias, seed=4)
    t = to_torch(model)
    assert all(p.dtype == torch.float64 for p in t.parameters())
    assert torch_weights(t) == weights_of(model)
    X = np.random.default_rng(1).normal(size=(6, 3))
    ours = np.array([[v.data for v in model(list(x))] for x in X])
    theirs = t(torch.tensor(X)).detach().numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)
    back = from_torch(t)
    assert weights_of(back) == weights_of(model)
    assert repr(back) == repr(model)


def test_from_torch_takes_a_float32_model_and_a_single_linear():
    lin = torch.nn.Linear(2, 3)
    model = from_torch(lin)
    assert repr(model) == "MLP(Layer(2 -> 3, linear))"
    assert weights_of(model)[:2] == [float(w) for w in lin.weight[0].tolist()]
    seq = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Identity(), torch.nn.Linear(4, 1),
                              torch.nn.Sigmoid())
    assert repr(from_torch(seq)) == "MLP(Layer(2 -> 4, linear), Layer(4 -> 1, sigmoid))"


@pytest.mark.parametrize("module, words", [
    (torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout()), "layer 1 (Dropout"),
    (torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.LeakyReLU()), "layer 1 (LeakyReLU"),
    (torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)),
     "layer 1 (Linear(in_features=4, out_features=1, bias=True)) takes 4 inputs but the layer "
     "before it gives 3"),
    (torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 3),
                         torch.nn.Tanh(), torch.nn.Linear(3, 1)), "layer 3 makes a hidden layer tanh"),
    (torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1, bias=False)),
     "layer 1 has no bias"),
    (torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(2, 1)), "layer 0 (ReLU()) does not follow"),
    (torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.ReLU()),
     "layer 2 (ReLU()) does not follow"),
    (torch.nn.Sequential(), "the Sequential is empty"),
    (torch.nn.Sequential(torch.nn.Sequential(torch.nn.Linear(2, 1))), "layer 0 (Sequential"),
])
def test_from_torch_refuses_what_an_mlp_cannot_hold_naming_the_layer(module, words):
    with pytest.raises(ValueError) as info:
        from_torch(module)
    assert words in str(info.value)


def test_bad_arguments_are_type_errors():
    with pytest.raises(TypeError, match="expected a torch.nn.Sequential"):
        from_torch(torch.nn.Conv1d(1, 1, 1))
    with pytest.raises(TypeError, match="expected an nn.MLP"):
        to_torch(torch.nn.Linear(2, 1))


def test_without_torch_the_message_says_how_to_install_the_cpu_build(monkeypatch):
    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError("No module named 'torch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    for call in (lambda: to_torch(MLP(2, [1])), lambda: from_torch(object())):
        with pytest.raises(ImportError) as info:
            call()
        message = str(info.value)
        assert "needs PyTorch" in message
        assert "pip install torch --index-url https://download.pytorch.org/whl/cpu" in message
    assert nn.MLP  # nn itself imports without torch: the bridge imports it only when called


# --- the same model trained in both, step by step -------------------------------------------------


def train_both(make_opt, make_torch_opt, loss_name: str, steps: int = 20):
    """Train one model in glassgrad and its to_torch copy in PyTorch; the losses and both models."""
    X, classes = three_blobs()
    if loss_name == "cross_entropy":
        model = MLP(2, [8, 8, 3], activation="tanh", output_activation="linear", init="xavier",
                    seed=11)
    else:
        model = MLP(2, [6, 1], activation="relu", output_activation="sigmoid", seed=11)
    targets = (classes == 0).astype(float)
    t_model = to_torch(model)
    opt, t_opt = make_opt(model.parameters()), make_torch_opt(t_model.parameters())
    xt = torch.tensor(X)
    ours, theirs = [], []
    for _ in range(steps):
        if loss_name == "cross_entropy":
            loss = cross_entropy([model(list(x)) for x in X], [int(c) for c in classes])
            t_loss = F.cross_entropy(t_model(xt), torch.tensor(classes))
        else:
            loss = mse([model(list(x)) for x in X], list(targets))
            t_loss = F.mse_loss(t_model(xt).squeeze(1), torch.tensor(targets))
        opt.zero_grad()
        loss.backward()
        opt.step()
        t_opt.zero_grad()
        t_loss.backward()
        t_opt.step()
        ours.append(loss.data)
        theirs.append(t_loss.item())
    return ours, theirs, model, t_model


OPTIMIZERS = {
    "sgd-momentum": (lambda ps: SGD(ps, lr=0.1, momentum=0.9),
                     lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
    "adam": (lambda ps: Adam(ps, lr=0.02, betas=(0.9, 0.999), eps=1e-8),
             lambda ps: torch.optim.Adam(ps, lr=0.02, betas=(0.9, 0.999), eps=1e-8)),
}


@pytest.mark.parametrize("loss_name", ["cross_entropy", "mse"])
@pytest.mark.parametrize("opt_name", sorted(OPTIMIZERS))
def test_twenty_steps_in_both_agree_to_1e_10(opt_name, loss_name):
    ours, theirs, model, t_model = train_both(*OPTIMIZERS[opt_name], loss_name)
    loss_gap = max(abs(a - b) for a, b in zip(ours, theirs))
    weight_gap = max(abs(a - b) for a, b in zip(weights_of(model), torch_weights(t_model)))
    assert loss_gap < 1e-10, loss_gap
    assert weight_gap < 1e-10, weight_gap
    assert ours[-1] < ours[0]  # they did learn
    assert all(math.isfinite(x) for x in ours)


@pytest.mark.parametrize("part", ["weight", "bias"])
def test_from_torch_refuses_a_diverged_model_with_non_finite_weights(part):
    module = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    with torch.no_grad():
        getattr(module[2], part).view(-1)[0] = float("nan")
    with pytest.raises(ValueError, match=rf"layer 2's {part} holds nan \(not finite\).*smaller "
                                         r"learning rate"):
        from_torch(module)
    with torch.no_grad():
        getattr(module[2], part).view(-1)[0] = float("-inf")
    with pytest.raises(ValueError, match=rf"layer 2's {part} holds -inf"):
        from_torch(module)
