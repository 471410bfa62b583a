"""Part 6: a neuron, a layer, a network, and one step of gradient descent — on your own engine.

A neuron computes  act(w₀·x₀ + w₁·x₁ + … + b):  a weighted sum of its inputs plus a bias,
through an activation (tanh, sigmoid, relu, or "linear" = none). Its weights and bias are leaf
Values: the parameters that training changes.

A layer is `nout` neurons that all read the same inputs; an MLP is layers in a row, each reading
the previous one's outputs. `parameters()` lists every parameter in a FIXED order: layer by
layer, neuron by neuron, and within a neuron its weights w₀, w₁, … then its bias b. (The checker
copies glassgrad's weights into yours in that order, so yours and glassgrad's compute the same
network.)

Gradient descent: after `backward(loss)` every parameter's grad says which way the loss rises,
so step against it:  p.data -= lr * p.grad.  Before the next backward, `zero_grad` the
parameters (leaves accumulate, remember part 5).
"""

from __future__ import annotations

import random

from mygrad.part3_value import Value

ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear")


class Neuron:
    """act(w · x + b) with `nin` weights (random in [-1, 1]) and a bias (0)."""

    def __init__(self, nin, activation="tanh", rng=None):
        rng = rng or random.Random(0)
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.activation = activation

    def __call__(self, x):
        """The neuron's output Value for the inputs x (a list of Values or numbers)."""
        raise NotImplementedError("TODO part 6: w · x + b, then the activation")

    def parameters(self):
        """[w₀, w₁, …, b]"""
        raise NotImplementedError("TODO part 6: the neuron's parameters")


class Layer:
    """`nout` neurons, each with `nin` inputs."""

    def __init__(self, nin, nout, activation="tanh", rng=None):
        rng = rng or random.Random(0)
        self.neurons = [Neuron(nin, activation, rng) for _ in range(nout)]

    def __call__(self, x):
        """A list with each neuron's output."""
        raise NotImplementedError("TODO part 6: every neuron on x")

    def parameters(self):
        raise NotImplementedError("TODO part 6: the layer's parameters, neuron by neuron")


class MLP:
    """MLP(2, [4, 1]): 2 inputs → 4 hidden → 1 output. Hidden layers use `activation`, the last
    one `output_activation`."""

    def __init__(self, nin, nouts, activation="tanh", output_activation="sigmoid", seed=0):
        rng = random.Random(seed)
        sizes = [nin, *nouts]
        self.layers = [Layer(sizes[i], sizes[i + 1],
                             output_activation if i == len(nouts) - 1 else activation, rng)
                       for i in range(len(nouts))]

    def __call__(self, x):
        """The output: a Value if the last layer has one neuron, else a list of Values."""
        raise NotImplementedError("TODO part 6: the layers in a row")

    def parameters(self):
        raise NotImplementedError("TODO part 6: the network's parameters, layer by layer")


def mse(predictions, targets):
    """The mean squared error: the mean over samples of (prediction − target)²."""
    raise NotImplementedError("TODO part 6: the mean squared error")


def zero_grad(parameters):
    """Set every parameter's grad to 0."""
    raise NotImplementedError("TODO part 6: zero the grads")


def sgd_step(parameters, lr):
    """One step of gradient descent: p.data -= lr * p.grad for every parameter."""
    raise NotImplementedError("TODO part 6: one step of gradient descent")
