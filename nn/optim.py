"""Optimizers: turn the gradients in ``p.grad`` into new ``p.data``."""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd import Value
from autograd.value import shorten

from .checks import is_finite_real, is_real
from .module import Module


class Optimizer:
    """Holds the parameters; `step()` updates them, `zero_grad()` clears their gradients."""

    def __init__(self, parameters: Iterable[Value], lr: float) -> None:
        name = type(self).__name__
        if isinstance(parameters, Module):
            raise TypeError(f"{name}: got the model itself; pass its parameters: "
                            f"{name}(model.parameters(), ...)")
        if callable(parameters):  # SGD(model.parameters): the method itself, not called
            raise TypeError(f"{name}: got the function {getattr(parameters, '__name__', parameters)!r}"
                            f"; call it: {name}(model.parameters(), ...)")
        try:
            self.parameters = list(parameters)
        except TypeError:
            raise TypeError(f"{name}: expected a list of Values, e.g. {name}(model.parameters(), "
                            f"...), got {type(parameters).__name__}") from None
        if not self.parameters:
            raise ValueError(f"{type(self).__name__}: got no parameters to optimise")
        first: dict[Value, int] = {}
        for i, p in enumerate(self.parameters):
            if not isinstance(p, Value):
                raise TypeError(f"{type(self).__name__}: parameter {i} is a "
                                f"{type(p).__name__}, not a Value")
            if p in first:  # model.parameters() + [w] with w already in the model
                raise ValueError(f"{name}: parameter {i} ({shorten(p.label)!r}) is parameter "
                                 f"{first[p]} again; list each parameter once, or every step moves "
                                 f"it twice")
            first[p] = i
        if not (is_finite_real(lr) and lr > 0):
            raise ValueError(f"{type(self).__name__}: lr must be a positive number, got {lr!r}")
        self.lr = float(lr)

    def zero_grad(self) -> None:
        for p in self.parameters:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Gradient descent with optional momentum μ:  v ← μ·v + g;  p ← p − lr·v  (μ = 0: plain SGD)."""

    def __init__(self, parameters: Iterable[Value], lr: float = 0.1, momentum: float = 0.0) -> None:
        super().__init__(parameters, lr)
        if not (is_real(momentum) and 0.0 <= momentum < 1.0):
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.velocity = [0.0] * len(self.parameters)

    def step(self) -> None:
        lr, mu, v = self.lr, self.momentum, self.velocity
        if not mu:  # plain gradient descent: v = g (and an old v of ±inf cannot make 0·inf = NaN)
            for i, p in enumerate(self.parameters):
                v[i] = g = p.grad
                p.data -= lr * g
            return
        for i, p in enumerate(self.parameters):
            v[i] = mu * v[i] + p.grad
            p.data -= lr * v[i]


class Adam(Optimizer):
    """Adam: running means of g and g², bias-corrected, then p ← p − lr·m̂ / (√v̂ + eps)."""

    def __init__(self, parameters: Iterable[Value], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(parameters, lr)
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2
                and all(is_real(b) and 0.0 <= b < 1.0 for b in betas)):
            raise ValueError(f"Adam: betas must be two numbers in [0, 1), e.g. (0.9, 0.999), "
                             f"got {betas!r:.40}")
        if not (is_finite_real(eps) and eps > 0):
            raise ValueError(f"Adam: eps must be a small positive number such as 1e-8, got {eps!r:.40}")
        self.betas, self.eps, self.t = (float(betas[0]), float(betas[1])), float(eps), 0
        self.m = [0.0] * len(self.parameters)
        self.v = [0.0] * len(self.parameters)

    def step(self) -> None:
        # Checked before anything changes: a g whose square is inf would make v = inf for good,
        # so the parameter becomes inf/inf = NaN (g = ±inf) or never moves again (|g| > 1.3e154).
        for i, p in enumerate(self.parameters):
            if not math.isfinite(p.grad * p.grad):
                raise ValueError(f"Adam: the gradient of parameter {i} ({shorten(str(p.label))!r}) is "
                                 f"{p.grad!r}; its square is not a finite float, so Adam's running "
                                 f"mean of g² would make the parameter NaN or stop it for good. Find "
                                 f"where the loss overflows, or scale the loss down")
        self.t += 1
        (b1, b2), m, v = self.betas, self.m, self.v
        c1, c2 = 1.0 - b1 ** self.t, 1.0 - b2 ** self.t
        for i, p in enumerate(self.parameters):
            g = p.grad
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            p.data -= self.lr * (m[i] / c1) / (math.sqrt(v[i] / c2) + self.eps)
