"""Part 2: local derivatives — the one piece of calculus each op needs.

Every op of your engine turns its inputs into one output, `out`. Backpropagation only ever asks
an op one question: "if one of your inputs moved a little, how much would `out` move?" That is
the *local derivative* ∂out/∂input, one per input. Everything else is the chain rule (part 5).

Each function below receives the op's inputs (plain floats) and its output `out` (already
computed: it often saves work), and returns a TUPLE with one derivative per input, in order:

    def mul(a, b, out):          # out = a · b
        return (b, a)            # ∂out/∂a = b,  ∂out/∂b = a

A one-input op returns a one-element tuple: ``return (d,)`` — the comma makes it a tuple.

`power` is special: ``x ** p`` where the exponent p is a plain number (a constant of the op,
not an input), so it returns one derivative, for x.

Use `math` (math.exp, math.log, math.tanh…) and arithmetic. The checker compares each answer with
central differences (as in part 1) of the op's forward rule at dozens of points.

Extra practice at the bottom (not needed by later parts): the seven ops of the gradient-checking
exercise. The checker reports them under "extra" but part 2 passes without them.
"""

from __future__ import annotations

import math  # noqa: F401  (yours to use: math.exp, math.log, math.tanh)


def add(a, b, out):
    """out = a + b.  Return (∂out/∂a, ∂out/∂b)."""
    raise NotImplementedError("TODO part 2: the derivatives of a + b")


def mul(a, b, out):
    """out = a · b.  Return (∂out/∂a, ∂out/∂b)."""
    raise NotImplementedError("TODO part 2: the derivatives of a · b")


def div(a, b, out):
    """out = a / b.  Return (∂out/∂a, ∂out/∂b).  (Think of a / b as a · b⁻¹.)"""
    raise NotImplementedError("TODO part 2: the derivatives of a / b")


def power(x, p, out):
    """out = x ** p, p a constant number.  Return (∂out/∂x,) — one derivative: p is no input."""
    raise NotImplementedError("TODO part 2: the derivative of x ** p")


def exp(x, out):
    """out = eˣ.  Return (∂out/∂x,)."""
    raise NotImplementedError("TODO part 2: the derivative of exp")


def log(x, out):
    """out = ln x (the natural log, x > 0).  Return (∂out/∂x,)."""
    raise NotImplementedError("TODO part 2: the derivative of log")


def tanh(x, out):
    """out = tanh x = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ).  Return (∂out/∂x,)."""
    raise NotImplementedError("TODO part 2: the derivative of tanh")


def sigmoid(x, out):
    """out = σ(x) = 1 / (1 + e⁻ˣ).  Return (∂out/∂x,)."""
    raise NotImplementedError("TODO part 2: the derivative of sigmoid")


def relu(x, out):
    """out = max(0, x).  Return (∂out/∂x,).  At x = 0 exactly, either slope is fair: use 0."""
    raise NotImplementedError("TODO part 2: the derivative of relu")


# ---------------------------------------------------------------------------------------------
# Extra practice: the gradient-checking exercise (optional; later parts do not use these)
# ---------------------------------------------------------------------------------------------


def softplus(x, out):
    """softplus(x) = log(1 + eˣ), a smooth relu.  Return (∂out/∂x,)."""
    raise NotImplementedError("TODO extra: the derivative of log(1 + eˣ)")


def swish(x, out):
    """swish(x) = x · σ(x).  Return (∂out/∂x,)."""
    raise NotImplementedError("TODO extra: the derivative of x·σ(x)")


def gelu(x, out):
    """gelu(x) = ½ · x · (1 + tanh(u)),  u = √(2/π) · (x + 0.044715 x³).  Return (∂out/∂x,)."""
    raise NotImplementedError("TODO extra: the derivative of ½·x·(1 + tanh(u))")


def power_xy(x, y, out):
    """power_xy(x, y) = x ** y for x > 0, both inputs this time.  Return (∂out/∂x, ∂out/∂y)."""
    raise NotImplementedError("TODO extra: the derivatives of x ** y in x and in y")


def logaddexp(x, y, out):
    """logaddexp(x, y) = log(eˣ + eʸ).  Return (∂out/∂x, ∂out/∂y)."""
    raise NotImplementedError("TODO extra: the derivatives of log(eˣ + eʸ)")


def atan(x, out):
    """atan(x), the angle whose tangent is x.  Return (∂out/∂x,)."""
    raise NotImplementedError("TODO extra: the derivative of atan(x)")


def erf(x, out):
    """erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt.  Return (∂out/∂x,)."""
    raise NotImplementedError("TODO extra: the derivative of erf(x)")
