"""The solutions to the gradient-checking exercise (demos/exercise_template.py, filled in).

`test_exercise.py` runs the checker on this file (everything right) and on copies with one
derivative broken the way learners break them (each must be caught).
"""

from __future__ import annotations

import math

from autograd.ops import COS, EXP, LOG, SIGMOID, TANH

exp, log, tanh, sigmoid, cos = EXP, LOG, TANH, SIGMOID, COS
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def softplus(x, out):
    """softplus(x) = log(1 + eˣ):  eˣ/(1 + eˣ) = σ(x)."""
    return (sigmoid(x),)


def swish(x, out):
    """swish(x) = x·σ(x):  σ + x·σ(1 − σ) = σ + out·(1 − σ)."""
    s = sigmoid(x)
    return (s + out * (1 - s),)


def gelu(x, out):
    """gelu(x) = ½x(1 + tanh u):  ½(1 + tanh u) + ½x(1 − tanh²u)·u′,  u′ = √(2/π)(1 + 3·0.044715x²)."""
    t = tanh(SQRT_2_OVER_PI * (x + 0.044715 * x ** 3))
    du = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
    return (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du,)


def power(x, y, out):
    """x ** y:  ∂/∂x = y·x^(y−1),  ∂/∂y = x^y·ln x."""
    return (y * x ** (y - 1), out * log(x))


def logaddexp(x, y, out):
    """log(eˣ + eʸ):  the softmax weights e^(x − out) and e^(y − out)."""
    return (exp(x - out), exp(y - out))


def atan(x, out):
    """atan(x):  1/(1 + x²)."""
    return (1 / (1 + x * x),)


def erf(x, out):
    """erf(x):  (2/√π)·e^(−x²)."""
    return (2 / math.sqrt(math.pi) * exp(-x * x),)
