"""Gradient-checking exercise: write the local derivatives of seven ops, then let gradcheck judge.

Each function below receives an op's inputs and its output `out`, and returns a tuple with the
derivative of the output with respect to each input — one entry per input, so a one-input op
returns ``(d,)`` (mind the comma). The forward rules are given in the docstrings; the checker
runs them itself, so changing them here changes nothing.

Check your answers with

    python -m demos.gradcheck_exercise THIS_FILE

It compares each answer with finite differences at dozens of points and prints a verdict per op,
the worst input and a hint. Write the derivatives with arithmetic (+ - * / **) and the functions
imported below, not with math.*: the engine also runs your rule on `Value`s to differentiate it
once more (second derivatives), and the checker tests that too. `out` may save you work.
"""

from __future__ import annotations

import math

from autograd.ops import COS, EXP, LOG, SIGMOID, TANH

# The built-in ops, usable on plain numbers and on Values alike: exp(2.0), exp(Value(2.0)).
exp, log, tanh, sigmoid, cos = EXP, LOG, TANH, SIGMOID, COS
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def softplus(x, out):
    """softplus(x) = log(1 + eˣ), a smooth relu.  Return (∂out/∂x,)."""
    raise NotImplementedError("TODO: the derivative of log(1 + eˣ)")


def swish(x, out):
    """swish(x) = x · σ(x), where σ(x) = 1 / (1 + e⁻ˣ) is `sigmoid`.  Return (∂out/∂x,)."""
    raise NotImplementedError("TODO: the derivative of x·σ(x)")


def gelu(x, out):
    """gelu(x) = ½ · x · (1 + tanh(u)),  u = √(2/π) · (x + 0.044715 x³)  (the tanh form).

    Return (∂out/∂x,).
    """
    raise NotImplementedError("TODO: the derivative of ½·x·(1 + tanh(u))")


def power(x, y, out):
    """power(x, y) = x ** y, for x > 0 and any y.  Return (∂out/∂x, ∂out/∂y)."""
    raise NotImplementedError("TODO: the derivatives of x ** y in x and in y")


def logaddexp(x, y, out):
    """logaddexp(x, y) = log(eˣ + eʸ), the log-sum-exp of two.  Return (∂out/∂x, ∂out/∂y)."""
    raise NotImplementedError("TODO: the derivatives of log(eˣ + eʸ)")


def atan(x, out):
    """atan(x), the angle whose tangent is x.  Return (∂out/∂x,)."""
    raise NotImplementedError("TODO: the derivative of atan(x)")


def erf(x, out):
    """erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt, the error function.  Return (∂out/∂x,)."""
    raise NotImplementedError("TODO: the derivative of erf(x)")
