"""Part 6, solved."""

from __future__ import annotations

import random

from mygrad.part3_value import Value

ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear")


class Neuron:
    def __init__(self, nin, activation="tanh", rng=None):
        rng = rng or random.Random(0)
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.activation = activation

    def __call__(self, x):
        z = self.b
        for wi, xi in zip(self.w, x):
            z = z + wi * xi
        return z if self.activation == "linear" else getattr(z, self.activation)()

    def parameters(self):
        return [*self.w, self.b]


class Layer:
    def __init__(self, nin, nout, activation="tanh", rng=None):
        rng = rng or random.Random(0)
        self.neurons = [Neuron(nin, activation, rng) for _ in range(nout)]

    def __call__(self, x):
        return [n(x) for n in self.neurons]

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]


class MLP:
    def __init__(self, nin, nouts, activation="tanh", output_activation="sigmoid", seed=0):
        rng = random.Random(seed)
        sizes = [nin, *nouts]
        self.layers = [Layer(sizes[i], sizes[i + 1],
                             output_activation if i == len(nouts) - 1 else activation, rng)
                       for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


def mse(predictions, targets):
    total = 0.0
    for p, t in zip(predictions, targets):
        total = total + (p - t) ** 2
    return total / len(targets)


def zero_grad(parameters):
    for p in parameters:
        p.grad = 0.0


def sgd_step(parameters, lr):
    for p in parameters:
        p.data -= lr * p.grad
