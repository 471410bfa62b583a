"""Parts 6 and 7: the learner's neuron, layer, MLP and SGD step against `nn` from the same weights,
then XOR trained with their engine, its loss curve compared with glassgrad's step by step."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import nn

from .learner import call, close, load, need, num
from .result import Result, fail

XOR_INPUTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_TARGETS = [0.0, 1.0, 1.0, 0.0]
SEED, STEPS, LR = 1, 300, 1.0  # a start from which XOR is learnt in 300 steps (loss 0.25 → 0.003)

_HINTS6 = [
    "a neuron is act(w₀·x₀ + w₁·x₁ + … + b); a layer is a list of neurons on the same inputs; an "
    "MLP feeds each layer's outputs to the next.",
    "parameters(): weights then bias per neuron, neurons in order, layers in order — the order "
    "glassgrad's nn uses, so that the same numbers make the same network.",
    "z = self.b\nfor wi, xi in zip(self.w, x):\n    z = z + wi * xi\n"
    "return z if self.activation == 'linear' else getattr(z, self.activation)()",
]


def _act(name: str, z: float) -> float:
    return {"tanh": math.tanh, "sigmoid": lambda t: 1 / (1 + math.exp(-t)),
            "relu": lambda t: max(0.0, t), "linear": lambda t: t}[name](z)


def _params(part: int, course: Path, thing: Any, what: str, expected: int) -> list[Any]:
    params = call(part, course, f"{what}.parameters()", thing.parameters)
    try:
        params = list(params)
    except TypeError:
        raise fail(part, "params", f"{what}.parameters() returned {type(params).__name__}, not a list",
                   _HINTS6) from None
    if len(params) != expected:
        raise fail(part, "params", f"{what}.parameters() has {len(params)} entries, expected {expected} "
                                   f"(every weight and every bias)", _HINTS6)
    return params


def _set(params: list[Any], numbers: list[float]) -> None:
    for p, x in zip(params, numbers):
        p.data = x
        p.grad = 0.0


def _copy_model(course: Path, mine: Any, ref: nn.MLP, part: int, what: str) -> list[Any]:
    ref_params = ref.parameters()
    params = _params(part, course, mine, what, len(ref_params))
    _set(params, [p.data for p in ref_params])
    return params


def check_part6(course: Path) -> Result:
    m6 = load(course, "part6_nn", 6)
    V = need(load(course, "part3_value", 6), "Value", 6)
    backward = need(load(course, "part5_backward", 6), "backward", 6)
    Neuron, Layer, MLP = need(m6, "Neuron", 6), need(m6, "Layer", 6), need(m6, "MLP", 6)
    mse, zero_grad, sgd_step = need(m6, "mse", 6), need(m6, "zero_grad", 6), need(m6, "sgd_step", 6)

    # one neuron with chosen weights: w = (0.5, -1.0), b = 0.25, on x = (1, 2): z = -1.25
    for act in ("tanh", "sigmoid", "relu", "linear"):
        neuron = call(6, course, f"Neuron(2, {act!r})", Neuron, 2, act)
        _set(_params(6, course, neuron, f"Neuron(2, {act!r})", 3), [0.5, -1.0, 0.25])
        for x in ([1.0, 2.0], [V(1.0), V(2.0)]):
            out = call(6, course, f"Neuron(2, {act!r}) on x = (1, 2)", neuron, x)
            want = _act(act, -1.25)
            if not close(getattr(out, "data", out), want):
                got = getattr(out, "data", out)
                why = ("that is z = w·x + b without the activation" if act != "linear" and close(got, -1.25)
                       else "that is act(w·x) without the bias" if close(got, _act(act, -1.5))
                       else "that is what parameters() in the order (b, w0, w1) gives: list the "
                            "weights first, then the bias" if close(got, _act(act, 0.0))
                       else "")
                raise fail(6, "neuron", [f"Neuron(2, {act!r}) with w = (0.5, -1.0), b = 0.25 on x = (1, 2): "
                                         f"{num(got)}, expected {act}(-1.25) = {num(want)}"]
                           + ([why] if why else []), _HINTS6)
    layer = call(6, course, "Layer(3, 2, 'sigmoid')", Layer, 3, 2, "sigmoid")
    _set(_params(6, course, layer, "Layer(3, 2)", 8), [0.1, 0.2, 0.3, -0.5, -0.6, 0.7, 0.8, 0.9])
    outs = call(6, course, "Layer(3, 2) on (1, 2, 3)", layer, [1.0, 2.0, 3.0])
    want = [_act("sigmoid", 1.4 - 0.5), _act("sigmoid", -0.6 + 1.4 + 2.4 + 0.9)]
    if not (isinstance(outs, list) and len(outs) == 2 and all(close(o.data, w) for o, w in zip(outs, want))):
        raise fail(6, "layer", [f"Layer(3, 2, 'sigmoid') with parameters 0.1 … 0.9 on (1, 2, 3): "
                                f"{outs!r:.120}, expected a list of 2 Values with data {num(want[0])}, "
                                f"{num(want[1])}"], _HINTS6)

    # the MLP against nn.MLP from the same weights
    mine = call(6, course, "MLP(2, [3, 1], 'tanh', 'sigmoid')", MLP, 2, [3, 1], "tanh", "sigmoid")
    ref = nn.MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=5)
    params = _copy_model(course, mine, ref, 6, "MLP(2, [3, 1])")
    labels = [p.label for p in ref.parameters()]
    out = call(6, course, "MLP(2, [3, 1]) on (0.5, -1)", mine, [0.5, -1.0])
    want_out = ref([0.5, -1.0])
    if isinstance(out, list):
        raise fail(6, "mlp-list", "MLP(2, [3, 1]) returned a list: with one output neuron return the "
                                  "Value itself (x[0])", _HINTS6)
    if not close(getattr(out, "data", out), want_out.data):
        raise fail(6, "mlp", [f"MLP(2, [3, 1]) on (0.5, -1): {num(getattr(out, 'data', out))}, glassgrad's "
                              f"nn.MLP with the same weights gives {num(want_out.data)}",
                              "check the layers feed each other, and the order of parameters()"], _HINTS6)
    loss = call(6, course, "mse on the four XOR samples", mse, [mine(x) for x in XOR_INPUTS], XOR_TARGETS)
    ref_loss = nn.mse([ref(x) for x in XOR_INPUTS], XOR_TARGETS)
    if not close(getattr(loss, "data", loss), ref_loss.data):
        got = getattr(loss, "data", loss)
        why = ("that is the sum, not the mean: divide by the number of samples"
               if close(got, 4 * ref_loss.data) else "")
        raise fail(6, "mse", [f"mse of the four XOR samples: {num(got)}, expected {num(ref_loss.data)}"]
                   + ([why] if why else []), _HINTS6)
    call(6, course, "zero_grad", zero_grad, params)
    call(6, course, "backward(loss)", backward, loss)
    ref.zero_grad()
    ref_loss.backward()
    for p, r, label in zip(params, ref.parameters(), labels):
        if not close(p.grad, r.grad, rel=1e-8):
            raise fail(6, "grad", [f"after backward(loss): the grad of {label} (parameter "
                                   f"{labels.index(label)}) is {num(p.grad)}, expected {num(r.grad)}",
                                   "part 5 passed, so look at how the loss is built from the model"],
                       _HINTS6)
    call(6, course, "sgd_step(parameters, 0.1)", sgd_step, params, 0.1)
    nn.SGD(ref.parameters(), lr=0.1).step()
    for p, r, label in zip(params, ref.parameters(), labels):
        if not close(p.data, r.data, rel=1e-9):
            why = ("you stepped uphill: p.data -= lr * p.grad (against the gradient)"
                   if close(p.data, r.data + 0.2 * r.grad) else "")
            raise fail(6, "sgd", [f"after sgd_step(parameters, lr=0.1): {label} is {num(p.data)}, expected "
                                  f"{num(r.data)} (it was {num(r.data + 0.1 * r.grad)}, grad {num(r.grad)})"]
                       + ([why] if why else []),
                       ["step against the gradient: it points uphill.", "p.data -= lr * p.grad",
                        "for p in parameters:\n    p.data -= lr * p.grad"])
    call(6, course, "zero_grad", zero_grad, params)
    if any(p.grad != 0.0 for p in params):
        raise fail(6, "zero_grad", "after zero_grad(parameters) some grads are not 0.0", _HINTS6)
    return Result(6, "ok", ["a neuron with each activation, a layer, an MLP(2, [3, 1]), its mse, "
                            "gradients and one SGD step: all as glassgrad's nn from the same weights"])


def _reference_curve(*, zero: bool = True, lr: float = LR) -> list[float]:
    """glassgrad's loss curve from the course's start; `zero`/`lr` give it a typical mistake."""
    ref = nn.MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=SEED)
    params = ref.parameters()
    losses = []
    for _ in range(STEPS):
        loss = nn.mse([ref(x) for x in XOR_INPUTS], XOR_TARGETS)
        losses.append(loss.data)
        if zero:
            ref.zero_grad()
        loss.backward()
        for p in params:  # plain SGD, written out: nn.SGD rightly refuses the uphill lr < 0
            p.data -= lr * p.grad
    return losses


def check_part7(course: Path) -> Result:
    m6 = load(course, "part6_nn", 7)
    train = need(load(course, "part7_train", 7), "train_xor", 7)
    MLP = need(m6, "MLP", 7)
    mine = call(7, course, "MLP(2, [4, 1], 'tanh', 'sigmoid')", MLP, 2, [4, 1], "tanh", "sigmoid")
    ref = nn.MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=SEED)
    _copy_model(course, mine, ref, 7, "MLP(2, [4, 1])")
    losses = call(7, course, f"train_xor(model, steps={STEPS}, lr={LR})", train, mine, steps=STEPS, lr=LR)
    try:
        losses = [float(x) for x in losses]
    except (TypeError, ValueError):
        raise fail(7, "type", f"train_xor returned {losses!r:.80}: return a list with one float per "
                              f"step (loss.data)", _HINTS7) from None
    expected = _reference_curve()
    if len(losses) != STEPS:
        raise fail(7, "length", f"train_xor(model, steps={STEPS}) returned {len(losses)} losses, "
                                f"expected {STEPS}: one per step", _HINTS7)
    for k, (got, want) in enumerate(zip(losses, expected)):
        if close(got, want, rel=1e-7):
            continue
        line = (f"step {k + 1}: your loss {num(got)}, glassgrad's {num(want)} (same starting weights, "
                f"data and lr = {LR}; the steps before agree)")
        variants = (("no-zero", _reference_curve(zero=False),
                     "your curve is what training without zero_grad gives: the grads of one step "
                     "pile onto the last's. zero_grad(model.parameters()) before backward"),
                    ("uphill", _reference_curve(lr=-LR),
                     "your curve climbs as gradient ascent does: step against the gradient"))
        for key, curve, why in variants:
            if all(close(a, b, rel=1e-7) for a, b in zip(losses[:k + 5], curve[:k + 5])):
                raise fail(7, key, [line, why], _HINTS7)
        if k > 0 and close(got, losses[k - 1], rel=1e-12):
            raise fail(7, "no-step", [line, "the loss does not move: are the weights updated "
                                            "(sgd_step) after backward?"], _HINTS7)
        raise fail(7, "curve", [line], _HINTS7)
    predictions = ", ".join(f"{int(x[0])}{int(x[1])}→{mine(x).data:.2f}" for x in XOR_INPUTS)
    return Result(7, "ok", [f"your loss curve is glassgrad's at all {STEPS} steps: {losses[0]:.4f} → "
                            f"{losses[-1]:.4f}", f"your network learnt XOR: {predictions}"])


_HINTS7 = [
    "per step: forward all four samples, the loss, zero_grad, backward, sgd_step; keep loss.data.",
    "zero_grad BEFORE backward (leaves accumulate), and the loss number is read before the update.",
    "losses = []\nfor _ in range(steps):\n    loss = mse([model(x) for x in XOR_INPUTS], XOR_TARGETS)\n"
    "    losses.append(loss.data)\n    zero_grad(model.parameters())\n    backward(loss)\n"
    "    sgd_step(model.parameters(), lr)\nreturn losses",
]
