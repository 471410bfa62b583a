"""Neurons, layers and multi-layer perceptrons, built from `Value` nodes."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from operator import mul
from typing import Any

from autograd import REGISTRY, Value, apply
from autograd.value import _leaf, _to_float, shorten

from .checks import is_finite_real, is_real, is_whole

#: what a neuron may apply to its pre-activation: each but "linear" is the `Value` method of that name
ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
INITS = ("uniform", "normal", "xavier")


def _check_choice(what: str, value: str, choices: Sequence[str]) -> str:
    if value not in choices:
        shown = shorten(value) if isinstance(value, str) else value
        raise ValueError(f"{what}={shown!r:.60} is not known; choose one of "
                         f"{', '.join(map(repr, choices))}")
    return value


class Module:
    """Anything with parameters: `parameters()`, `zero_grad()`, and `state_dict()` as plain data."""

    def parameters(self) -> list[Value]:
        """Every trainable `Value`, in a stable order: layer by layer, neuron by neuron, weights, bias."""
        return []

    def zero_grad(self) -> None:
        """Reset the gradient of every parameter to 0 (parameters accumulate across backward calls)."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, Any]:
        """The parameters as JSON-able data: ``{label: number}``, in `parameters()` order."""
        return {p.label: p.data for p in self.parameters()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Set every parameter from `state_dict()`-shaped data, checking all of it first.

        Missing or extra keys and non-numbers raise `ValueError` naming the key; on any error the
        model is left exactly as it was.
        """
        if not isinstance(state, dict):
            raise ValueError(f"load_state_dict: expected a dict {{parameter label: number}}, got "
                             f"{type(state).__name__} {state!r:.40}")
        params = self.parameters()
        labels = [p.label for p in params]
        if len(set(labels)) != len(labels):  # a state dict keyed by label would lose parameters
            twice = sorted({k for k in labels if labels.count(k) > 1})
            raise ValueError(f"load_state_dict: this model has several parameters labelled "
                             f"{[shorten(k) for k in twice[:5]]}; give every parameter a unique "
                             f"label first")
        known = set(labels)
        missing = [k for k in labels if k not in state]
        extra = [k for k in state if k not in known]
        if missing or extra:
            parts = []
            for what, keys in (("missing", missing), ("unexpected", extra)):
                if keys:  # a key read from a file may be megabytes long: shorten each
                    shown = [shorten(k) if isinstance(k, str) else k for k in keys[:5]]
                    parts.append(f"{what} key(s) {shown}{' …' if len(keys) > 5 else ''}")
            raise ValueError(f"load_state_dict: {'; '.join(parts)}. The saved model does not "
                             f"match this architecture ({self!r}).")
        values = []
        for key in labels:
            x = state[key]
            try:  # bool is an int to Python, but True as a weight is a mistake in the file
                number = float(x) if is_real(x) else None
            except OverflowError:  # an int with 400 digits has no float: refused like the others
                number = None
            if number is None or not math.isfinite(number):
                raise ValueError(f"load_state_dict: key {key!r} must be a finite number, got "
                                 f"{type(x).__name__} {x!r:.40}")
            values.append(number)
        for p, x in zip(params, values):  # only now, when everything checked out
            p.data = x


def _initial_weight(rng: random.Random, init: str, scale: float, nin: int, nout: int) -> float:
    if init == "uniform":
        return rng.uniform(-scale, scale)
    if init == "normal":
        return rng.gauss(0.0, scale)
    limit = math.sqrt(6.0 / (nin + nout))  # Xavier/Glorot: keeps activations' variance steady
    return rng.uniform(-limit, limit)


def _identity(v: Value) -> Value:  # the "linear" activation
    return v


class Neuron(Module):
    """act(w · x + b): a weighted sum of the inputs plus a bias, through an activation.

    The weighted sum is one `sum` node over the products ``wᵢ·xᵢ`` (and the bias), so the graph
    shows every product and one addition. Parameters are labelled ``{name}.w0 …`` and ``{name}.b``;
    pictures and the stepper name the nodes a call builds ``{name}.w0·x0 …``, ``{name}.z`` (the
    sum) and ``{name}.out`` from those labels.
    """

    def __init__(self, nin: int, activation: str = "relu", bias: bool = True, *,
                 init: str = "uniform", init_scale: float = 1.0, nout_hint: int = 1,
                 rng: random.Random | None = None, name: str = "N0") -> None:
        if not isinstance(nin, int) or isinstance(nin, bool) or nin < 1:
            raise ValueError(f"Neuron: nin must be a positive int, got {nin!r}")
        self.activation = _check_choice("activation", activation, ACTIVATIONS)
        _check_choice("init", init, INITS)
        if not is_finite_real(init_scale):
            # nan or inf would make every weight NaN (or ±inf) without a word
            raise ValueError(f"init_scale must be a finite number, got "
                             f"{type(init_scale).__name__} {init_scale!r:.40}")
        if not isinstance(bias, bool):  # bias="no" is true to Python: it would add the biases
            raise ValueError(f"bias must be True or False, got {type(bias).__name__} {bias!r:.40}")
        rng = rng if rng is not None else random.Random()
        self.name = name
        self.w = [Value(_initial_weight(rng, init, init_scale, nin, nout_hint), label=f"{name}.w{i}")
                  for i in range(nin)]
        self.b = Value(0.0, label=f"{name}.b") if bias else None
        # The op-table method and the sum op themselves, looked up when the neuron is made (so an op
        # replaced with defop(..., replace=True) before then is the one used): no extra call per neuron.
        self._act = _identity if activation == "linear" else getattr(Value, activation)
        self._sum = REGISTRY["sum"]

    def __getstate__(self) -> dict[str, Any]:
        # The activation method is found again by name when unpickled (functions made by defop
        # cannot be pickled by reference).
        return {k: v for k, v in self.__dict__.items() if k != "_act"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._act = _identity if self.activation == "linear" else getattr(Value, self.activation)

    def __call__(self, x: Sequence[Any]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"{self.name}: expected {len(self.w)} inputs, got {len(x)}")
        # One `sum` node over the products wᵢ·xᵢ (a `*` node each) and the bias: what
        # `sum_values` builds, without its argument handling, which a neuron does not need.
        # (Pictures and the stepper name these nodes L0.N1.w0·x0, L0.N1.z and L0.N1.out from the
        # parameters' labels: `autograd.viz.neuron_names`. Labelling them here would cost 6% of
        # an XOR step.)
        if self.b is None:
            return self._act(apply(self._sum, *map(mul, self.w, x)))
        return self._act(apply(self._sum, *map(mul, self.w, x), self.b))

    def parameters(self) -> list[Value]:
        return self.w + ([self.b] if self.b is not None else [])

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, {self.activation}{'' if self.b is not None else ', no bias'})"


class Layer(Module):
    """`nout` neurons that all see the same inputs. Labels: ``L{index}.N{j}.w{i}``, ``L{index}.N{j}.b``."""

    def __init__(self, nin: int, nout: int, activation: str = "relu", bias: bool = True, *,
                 init: str = "uniform", init_scale: float = 1.0,
                 rng: random.Random | None = None, name: str = "L0") -> None:
        if not isinstance(nout, int) or isinstance(nout, bool) or nout < 1:
            raise ValueError(f"Layer: nout must be a positive int, got {nout!r}")
        self.name = name
        self.neurons = [Neuron(nin, activation, bias, init=init, init_scale=init_scale,
                               nout_hint=nout, rng=rng, name=f"{name}.N{j}") for j in range(nout)]

    def __call__(self, x: Sequence[Any]) -> list[Value]:
        # n.__call__(x) rather than n(x): calling the method directly skips Python's call slot
        # for instances, a detour through C on every neuron (1.5% of an XOR step's instructions).
        return [n.__call__(x) for n in self.neurons]

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        n = self.neurons[0]
        return f"Layer({len(n.w)} -> {len(self.neurons)}, {n.activation})"


class MLP(Module):
    """A multi-layer perceptron: ``MLP(2, [4, 1])`` is 2 inputs → 4 hidden → 1 output.

    `activation` is used by every hidden layer, `output_activation` by the last one; both from
    sigmoid, tanh, relu, linear. `init` draws the initial weights — "uniform" U(−s, s),
    "normal" N(0, s²) with s = `init_scale`, or "xavier" U(±√(6/(fan_in + fan_out))) — from a
    `random.Random(seed)` the model owns (never the global RNG); biases start at 0.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu",
                 output_activation: str = "linear", bias: bool = True, init: str = "uniform",
                 init_scale: float = 1.0, seed: int | None = None) -> None:
        if isinstance(nouts, int):
            nouts = [nouts]
        if not nouts:
            raise ValueError("MLP: nouts must list at least one layer size, e.g. [4, 1]")
        _check_choice("activation", activation, ACTIVATIONS)
        _check_choice("output_activation", output_activation, ACTIVATIONS)
        if seed is not None:  # the seed is saved with the model: a whole number, as nn.load expects
            if not is_whole(seed):
                raise TypeError(f"MLP: seed must be a whole number or None, got "
                                f"{type(seed).__name__} {seed!r:.40}")
            seed = int(seed)  # a NumPy integer becomes a plain int, which JSON can hold
        self.config = {"nin": nin, "nouts": list(nouts), "activation": activation,
                       "output_activation": output_activation, "bias": bias, "init": init,
                       "init_scale": init_scale, "seed": seed}
        self.rng = random.Random(seed)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1],
                  output_activation if i == len(nouts) - 1 else activation, bias,
                  init=init, init_scale=init_scale, rng=self.rng, name=f"L{i}")
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Any]) -> Value | list[Value]:
        """The network's output for one input vector: a `Value`, or a list if the last layer has several."""
        if isinstance(x, (Value, int, float)):
            x = [x]
        nin = len(self.layers[0].neurons[0].w)
        if len(x) != nin:
            raise ValueError(f"MLP: expected {nin} inputs, got {len(x)}")
        # Inputs become constant leaves once, not once per neuron that reads them.
        h: list[Value] = [_leaf(xi) if xi.__class__ is float else
                          xi if isinstance(xi, Value) else _leaf(_to_float(xi, "MLP input"))
                          for xi in x]
        for layer in self.layers:
            h = layer.__call__(h)  # the method itself, as in Layer.__call__
        return h[0] if len(h) == 1 else h

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP({', '.join(map(repr, self.layers))})"
