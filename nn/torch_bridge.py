"""The bridge to PyTorch: the same network, the same weights, in float64 tensors — and back.

    torch_model = nn.to_torch(model)      # torch.nn.Sequential(Linear, Tanh, Linear, …), float64
    model2 = nn.from_torch(torch_model)   # an nn.MLP with exactly those weights

A glassgrad `Layer` of k neurons with n inputs is a ``torch.nn.Linear(n, k)``: neuron j's weights
are row j of the Linear's ``weight`` (shape k × n) and its bias is ``bias[j]``; the activation
follows as its own module (``Sigmoid``, ``Tanh``, ``ReLU``; nothing for "linear"). Numbers are
copied as float64, so the two compute the same function to rounding.

PyTorch stays optional: it is imported only when one of these functions is called.
"""

from __future__ import annotations

from typing import Any

from .module import MLP, Layer

INSTALL = "pip install torch --index-url https://download.pytorch.org/whl/cpu"
#: activation name -> the torch.nn module class name that computes it
TORCH_ACTIVATIONS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU"}


def _torch(what: str) -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(f"{what} needs PyTorch, which is not installed. Install the CPU build "
                          f"(about 200 MB, no GPU needed): {INSTALL}") from None
    return torch


def _layer_activation(layer: Layer, index: int) -> str:
    kinds = {n.activation for n in layer.neurons}
    if len(kinds) != 1:
        raise ValueError(f"to_torch: layer {index} ({layer.name}) mixes activations {sorted(kinds)}; "
                         f"a torch Linear layer is followed by one activation for all its outputs")
    return kinds.pop()


def to_torch(model: MLP) -> Any:
    """A ``torch.nn.Sequential`` of ``Linear`` layers and activations with `model`'s weights, float64.

    The result computes what `model` computes (a batch at a time: one row per sample) and can be
    trained with ``torch.optim``; `from_torch` brings it back.
    """
    torch = _torch("nn.to_torch")
    if not isinstance(model, MLP):
        raise TypeError(f"to_torch: expected an nn.MLP, got {type(model).__name__} {model!r:.60}")
    modules = []
    for i, layer in enumerate(model.layers):
        act = _layer_activation(layer, i)
        neurons = layer.neurons
        has_bias = neurons[0].b is not None
        linear = torch.nn.Linear(len(neurons[0].w), len(neurons), bias=has_bias, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in neurons],
                                             dtype=torch.float64))
            if has_bias:
                linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=torch.float64))
        modules.append(linear)
        if act != "linear":
            modules.append(getattr(torch.nn, TORCH_ACTIVATIONS[act])())
    return torch.nn.Sequential(*modules)


def from_torch(module: Any) -> MLP:
    """An `nn.MLP` with the weights of a torch ``Sequential`` of ``Linear`` layers and activations.

    What an `MLP` can hold: ``Linear`` layers whose sizes chain, each followed by at most one of
    ``Sigmoid``, ``Tanh``, ``ReLU`` (or ``Identity``); one activation shared by the hidden layers;
    biases on every layer or on none; finite weights. Anything else is a ValueError naming the
    layer. A single ``Linear`` is a one-layer MLP.
    """
    torch = _torch("nn.from_torch")
    nn = torch.nn
    if isinstance(module, nn.Linear):
        children = [("0", module)]
    elif isinstance(module, nn.Sequential):
        children = list(module.named_children())
    else:
        raise TypeError(f"from_torch: expected a torch.nn.Sequential of Linear layers and "
                        f"activations (or one Linear), got {type(module).__name__}")
    if not children:
        raise ValueError("from_torch: the Sequential is empty; an MLP needs at least one Linear layer")
    names = {cls: name for name, cls in TORCH_ACTIVATIONS.items()}
    linears: list[Any] = []
    linear_names: list[str] = []
    acts: list[str] = []
    act_names: list[str] = []  # the torch layer name each activation came from
    for name, child in children:
        kind = type(child).__name__
        where = f"layer {name} ({child!r:.60})"
        if isinstance(child, nn.Linear):
            if linears and len(acts) < len(linears):
                acts.append("linear")  # the previous Linear had no activation after it
                act_names.append(linear_names[-1])
            if linears and child.in_features != linears[-1].out_features:
                raise ValueError(f"from_torch: {where} takes {child.in_features} inputs but the "
                                 f"layer before it gives {linears[-1].out_features}")
            linears.append(child)
            linear_names.append(name)
        elif type(child) in (nn.Sigmoid, nn.Tanh, nn.ReLU, nn.Identity):
            if not linears or len(acts) == len(linears):
                raise ValueError(f"from_torch: {where} does not follow a Linear layer; an MLP "
                                 f"applies one activation after each Linear")
            acts.append(names.get(kind, "linear"))
            act_names.append(name)
        else:
            raise ValueError(f"from_torch: {where} is a {kind}, which an nn.MLP cannot hold; it "
                             f"holds Linear layers, each followed by at most one of Sigmoid, "
                             f"Tanh, ReLU or Identity")
    if len(acts) < len(linears):
        acts.append("linear")
        act_names.append(linear_names[-1])
    for act, name in zip(acts[1:-1], act_names[1:-1]):
        if act != acts[0]:
            raise ValueError(f"from_torch: layer {name} makes a hidden layer {act}, but layer "
                             f"{act_names[0]} makes the first one {acts[0]}; an nn.MLP has one "
                             f"activation for all hidden layers")
    biased = [lin.bias is not None for lin in linears]
    if any(biased) and not all(biased):
        first = next(name for name, b in zip(linear_names, biased) if b != biased[0])
        raise ValueError(f"from_torch: layer {first} has{' no' if biased[0] else ''} bias unlike "
                         f"the first Linear; an nn.MLP has biases on every layer or on none")
    for lin, name in zip(linears, linear_names):
        # a diverged torch model: NaN weights would make every output NaN and nn.save refuse it
        for part in ("weight", "bias"):
            tensor = getattr(lin, part)
            if tensor is not None and not bool(torch.isfinite(tensor.detach()).all()):
                bad = tensor.detach().flatten()[~torch.isfinite(tensor.detach().flatten())][0].item()
                raise ValueError(f"from_torch: layer {name}'s {part} holds {bad} (not finite); an "
                                 f"MLP's weights must be finite numbers. The torch model probably "
                                 f"diverged: retrain it with a smaller learning rate")
    model = MLP(linears[0].in_features, [lin.out_features for lin in linears],
                activation=acts[0] if len(acts) > 1 else "relu", output_activation=acts[-1],
                bias=biased[0], seed=0)
    for layer, lin in zip(model.layers, linears):
        weight = lin.weight.detach().to(torch.float64).tolist()
        bias = lin.bias.detach().to(torch.float64).tolist() if lin.bias is not None else None
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.w):
                w.data = float(weight[j][i])
            if bias is not None:
                neuron.b.data = float(bias[j])
    return model
