"""Part 2, solved (the extras too)."""

from __future__ import annotations

import math


def add(a, b, out):
    return (1.0, 1.0)


def mul(a, b, out):
    return (b, a)


def div(a, b, out):
    return (1 / b, -a / (b * b))


def power(x, p, out):
    return (p * x ** (p - 1),)


def exp(x, out):
    return (out,)


def log(x, out):
    return (1 / x,)


def tanh(x, out):
    return (1 - out * out,)


def sigmoid(x, out):
    return (out * (1 - out),)


def relu(x, out):
    return (1.0 if x > 0 else 0.0,)


def softplus(x, out):
    return (1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x)),)


def swish(x, out):
    s = 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
    return (s + x * s * (1 - s),)


def gelu(x, out):
    c = math.sqrt(2 / math.pi)
    t = math.tanh(c * (x + 0.044715 * x ** 3))
    return (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x),)


def power_xy(x, y, out):
    return (y * x ** (y - 1), out * math.log(x))


def logaddexp(x, y, out):
    return (math.exp(x - out), math.exp(y - out))


def atan(x, out):
    return (1 / (1 + x * x),)


def erf(x, out):
    return (2 / math.sqrt(math.pi) * math.exp(-x * x),)
