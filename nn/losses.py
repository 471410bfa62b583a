"""Losses: one `Value` from predictions and targets, ready for `backward()`.

Each takes a single prediction or a sequence of them (one per sample), with targets as plain
numbers, and returns the *mean* over samples unless ``reduction="sum"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd import Value, sum_values
from autograd.value import _to_float, lift

Preds = Value | float | Sequence[Value | float]


def _pairs(name: str, preds: Preds, targets: Any) -> tuple[list[Value], list[float]]:
    if isinstance(preds, (Value, int, float)):
        preds = [preds]
    if isinstance(targets, (int, float)) and not isinstance(targets, bool):
        targets = [targets]
    preds, targets = list(preds), list(targets)
    if len(preds) != len(targets):
        raise ValueError(f"{name}: {len(preds)} prediction(s) but {len(targets)} target(s); "
                         f"give one target per prediction")
    if not preds:
        raise ValueError(f"{name}: no predictions given")
    return ([lift(p, name) for p in preds],
            [_to_float(t, f"{name}: target") for t in targets])


def _reduce(name: str, terms: list[Value], reduction: str) -> Value:
    if reduction == "mean":
        return sum_values(terms) * (1.0 / len(terms))
    if reduction == "sum":
        return sum_values(terms)
    raise ValueError(f"{name}: reduction={reduction!r}; choose 'mean' or 'sum'")


def mse(preds: Preds, targets: Any, reduction: str = "mean") -> Value:
    """Mean squared error: (1/n) Σ (pᵢ − tᵢ)². Gradient per prediction: 2(pᵢ − tᵢ)/n."""
    ps, ts = _pairs("mse", preds, targets)
    return _reduce("mse", [(p - t) ** 2 for p, t in zip(ps, ts)], reduction)


def bce(preds: Preds, targets: Any, eps: float = 1e-12, reduction: str = "mean") -> Value:
    """Binary cross-entropy: −(1/n) Σ [tᵢ log pᵢ + (1 − tᵢ) log(1 − pᵢ)], targets in [0, 1].

    Numerically stable in two ways:
    - a prediction made by ``sigmoid`` is scored from its logit z (the sigmoid's input) with
      softplus(z) − t·z, which is the same number but never takes the log of 0, and has the
      gradient σ(z) − t even when σ(z) rounds to exactly 0 or 1 (|z| up to 1000 and beyond);
    - any other prediction is clamped into [eps, 1 − eps] before the logs.
    """
    ps, ts = _pairs("bce", preds, targets)
    terms = []
    for p, t in zip(ps, ts):
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"bce: target {t:g} is outside [0, 1]; bce wants probabilities "
                             f"(use hinge for ±1 labels)")
        if p.op == "sigmoid":
            z = p.children[0]
            terms.append(z.softplus() - t * z)
        else:
            q = p.clamp(lo=eps, hi=1.0 - eps)
            terms.append(-(t * q.log() + (1.0 - t) * (1.0 - q).log()))
    return _reduce("bce", terms, reduction)


def bce_with_logits(logits: Preds, targets: Any, reduction: str = "mean") -> Value:
    """Binary cross-entropy from logits z: (1/n) Σ softplus(zᵢ) − tᵢ·zᵢ. Gradient: (σ(zᵢ) − tᵢ)/n."""
    zs, ts = _pairs("bce_with_logits", logits, targets)
    return _reduce("bce_with_logits", [z.softplus() - t * z for z, t in zip(zs, ts)], reduction)


def hinge(scores: Preds, labels: Any, margin: float = 1.0, reduction: str = "mean") -> Value:
    """SVM hinge loss with labels ±1: (1/n) Σ max(0, margin − yᵢ·sᵢ).

    Gradient per score: −yᵢ/n where the margin is violated, 0 where it is met.
    """
    ss, ys = _pairs("hinge", scores, labels)
    for y in ys:
        if y not in (-1.0, 1.0):
            raise ValueError(f"hinge: label {y:g} must be -1 or +1")
    return _reduce("hinge", [(margin - y * s).relu() for s, y in zip(ss, ys)], reduction)


def l2(parameters: Sequence[Value], alpha: float) -> Value:
    """L2 regularisation alpha · Σ p². Gradient per parameter: 2·alpha·p."""
    return alpha * sum_values([p * p for p in parameters])
