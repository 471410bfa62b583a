"""Losses: one `Value` from predictions and targets, ready for `backward()`.

Each takes a single prediction or a sequence of them (one per sample), with targets as plain
numbers, and returns the *mean* over samples unless ``reduction="sum"``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence, Set
from numbers import Real
from typing import Any

from autograd import Value, logsumexp, sum_values
from autograd.value import _to_float

from .checks import is_finite_real, is_real, is_whole
from .module import Module

Preds = Value | float | Sequence[Value | float]

# Iterable but no sequence of numbers: a string is one value, and a dict or a set has no order in
# which to pair its items with targets (a dict would even give its keys).
_NOT_A_SEQUENCE = (str, bytes, Mapping, Set)


def _as_list(name: str, what: str, x: Any) -> list:
    """One number (or `Value`) or a sequence of them, as a list; anything else is a TypeError.

    A list is returned as it is, not copied: callers read it and never change it.
    """
    if x.__class__ is list:  # the usual case, checked first: the ABC checks below are slow
        return x
    if isinstance(x, (Value, Real)) or getattr(x, "ndim", None) == 0:
        return [x]
    if isinstance(x, _NOT_A_SEQUENCE) or not isinstance(x, Iterable):
        raise TypeError(f"{name}: {what} must be a number, a Value or a sequence of them, got "
                        f"{type(x).__name__} {x!r:.40}")
    return list(x)


def _pairs(name: str, preds: Preds, targets: Any) -> tuple[list[Value], list[float]]:
    preds, targets = _as_list(name, "predictions", preds), _as_list(name, "targets", targets)
    if len(preds) != len(targets):
        raise ValueError(f"{name}: {len(preds)} prediction(s) but {len(targets)} target(s); "
                         f"give one target per prediction")
    if not preds:
        raise ValueError(f"{name}: no predictions given")
    ps = [p if isinstance(p, Value) else Value(_to_float(p, f"{name}: prediction {i}"))
          for i, p in enumerate(preds)]
    ts = [t if t.__class__ is float else _to_float(t, f"{name}: target {i}")
          for i, t in enumerate(targets)]
    if not math.isfinite(sum(ts)):  # a NaN or ±inf among them makes the sum NaN or ±inf
        for i, t in enumerate(ts):  # a NaN target turns the loss and every gradient into NaN
            if not math.isfinite(t):
                raise ValueError(f"{name}: target {i} is {t}; targets must be finite numbers")
    return ps, ts


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
    - any other prediction is clamped into [eps, 1 − eps] before the logs, so the loss is at most
      −log(eps) ≈ 27.6; where a prediction was cut off, its gradient is 0 (clamp's derivative), so
      prefer a sigmoid output or `bce_with_logits`.
    """
    if not (isinstance(eps, (int, float)) and 0.0 < eps < 0.5):
        raise ValueError(f"bce: eps = {eps!r} must be a small positive number below 0.5, e.g. 1e-12")
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
    if not is_finite_real(margin):
        raise ValueError(f"hinge: margin must be a finite number, got {margin!r:.40}")  # NaN otherwise
    ss, ys = _pairs("hinge", scores, labels)
    for y in ys:
        if y not in (-1.0, 1.0):
            raise ValueError(f"hinge: label {y:g} must be -1 or +1")
    return _reduce("hinge", [(margin - y * s).relu() for s, y in zip(ss, ys)], reduction)


def _n(count: int, word: str, plural: str | None = None) -> str:
    """``1 sample``, ``2 samples``: a count with its noun in messages."""
    return f"{count} {word if count == 1 else plural or word + 's'}"


def l2(parameters: Sequence[Value], alpha: float) -> Value:
    """L2 regularisation alpha · Σ p². Gradient per parameter: 2·alpha·p."""
    if not is_finite_real(alpha):
        raise ValueError(f"l2: alpha must be a finite number, got {alpha!r:.40}")  # NaN otherwise
    if isinstance(parameters, Module):  # l2(model, …): the natural first try
        raise TypeError("l2: got the model itself; pass its parameters: l2(model.parameters(), alpha)")
    return alpha * sum_values([p * p for p in parameters])


def cross_entropy(logits: Sequence[Any], target: Any, label_smoothing: float = 0.0,
                  reduction: str = "mean") -> Value:
    """Cross-entropy of class scores: −log softmax(z)ₜ = logsumexp(z) − zₜ for the target class t.

    One sample: `logits` is a list of k `Value`s (or numbers), `target` a class index 0 … k−1.
    A batch: `logits` is a list of such lists and `target` a list of indices; the result is the
    mean over samples (or the sum, with ``reduction="sum"``).

    With ``label_smoothing=ε`` the target is the distribution q = (1 − ε)·one-hot(t) + ε/k (as
    PyTorch defines it) and the loss is −Σⱼ qⱼ log softmax(z)ⱼ = logsumexp(z) − Σⱼ qⱼ zⱼ.

    Gradient per logit: ∂loss/∂zⱼ = softmax(z)ⱼ − qⱼ (softmax − one-hot without smoothing),
    divided by the number of samples for the mean: the logsumexp node passes softmax(z)ⱼ and the
    subtraction passes −qⱼ. Stable for logits of any size (±1000 included).
    """
    name = "cross_entropy"
    if not (is_real(label_smoothing) and 0.0 <= label_smoothing <= 1.0):
        raise ValueError(f"{name}: label_smoothing must be a number in [0, 1], got "
                         f"{label_smoothing!r:.40}")
    rows, targets = _class_batch(name, logits, target)
    eps = float(label_smoothing)
    terms = []
    for zs, t in zip(rows, targets):
        lse = logsumexp(zs)
        if eps == 0.0:
            terms.append(lse - zs[t])
        else:
            k = len(zs)
            q = [eps / k + (1.0 - eps if j == t else 0.0) for j in range(k)]
            terms.append(lse - sum_values([qj * z for qj, z in zip(q, zs)]))
    if len(terms) == 1 and reduction in ("mean", "sum"):  # one sample: no Σ or ×1 node to show
        return terms[0]
    return _reduce(name, terms, reduction)


def _class_batch(name: str, logits: Any, target: Any) -> tuple[list[list[Value]], list[int]]:
    """Check class scores and class indices; a single sample becomes a batch of one.

    Every problem is a ValueError or TypeError naming the argument, the sample and the value:
    an empty list, a non-integer or out-of-range target, a NaN or infinite logit.
    """
    if isinstance(logits, (Value, Real, *_NOT_A_SEQUENCE)) or not isinstance(logits, Iterable):
        raise TypeError(f"{name}: logits must be a list of Values or numbers (one per class), or "
                        f"a list of such lists, got {type(logits).__name__} {logits!r:.40}")
    logits = list(logits)
    if not logits:
        raise ValueError(f"{name}: logits is an empty list; give one score per class")
    if isinstance(logits[0], (str, bytes)):  # else taken for a sample's row, and called a batch
        raise TypeError(f"{name}: logits[0] is a {type(logits[0]).__name__} "
                        f"{logits[0]!r:.40}; scores must be Values or numbers")
    batch = not isinstance(logits[0], (Value, Real))
    if not batch and isinstance(target, Iterable) and not isinstance(target, (str, bytes)):
        # one output per sample (a binary model) looks like one sample's scores; say which is which
        raise TypeError(f"{name}: logits is one sample's {_n(len(logits), 'class score')} (a flat list), "
                        f"so target must be one class index, got {type(target).__name__} "
                        f"{target!r:.40}. For a batch give logits as a list of score lists, one "
                        f"per sample (a model with a single output is binary: compare signs or "
                        f"use bce)")
    if batch:
        if isinstance(target, _NOT_A_SEQUENCE) or not isinstance(target, Iterable):
            raise TypeError(f"{name}: logits is a batch of {_n(len(logits), 'sample')}, so target must "
                            f"be a list of {_n(len(logits), 'class index', 'class indices')}, got "
                            f"{type(target).__name__} {target!r:.40}")
        targets = list(target)
        if len(targets) != len(logits):
            raise ValueError(f"{name}: {_n(len(logits), 'sample')} in logits but {len(targets)} "
                             f"target(s); give one class index per sample")
        rows = [_as_list(name, f"logits[{i}]", row) for i, row in enumerate(logits)]
        where = [f"logits[{i}]" for i in range(len(rows))]
        twhere = [f"target[{i}]" for i in range(len(rows))]
    else:
        rows, targets, where, twhere = [logits], [target], ["logits"], ["target"]
    checked_rows, checked_targets = [], []
    for zs, t, w, tw in zip(rows, targets, where, twhere):
        if not zs:
            raise ValueError(f"{name}: {w} is an empty list; give one score per class")
        row = []
        for j, z in enumerate(zs):
            v = z if isinstance(z, Value) else Value(_to_float(z, f"{name}: {w}[{j}]"))
            if not math.isfinite(v.data):
                raise ValueError(f"{name}: {w}[{j}] is {v.data}; logits must be finite numbers "
                                 f"(a NaN usually comes from a diverged model: lower the "
                                 f"learning rate)")
            row.append(v)
        if not is_whole(t):
            raise TypeError(f"{name}: {tw} must be a class index (an int from 0 to "
                            f"{len(row) - 1}), got {type(t).__name__} {t!r:.40}"
                            + ("; convert it with int()" if is_real(t) and float(t).is_integer()
                               else ""))
        if not 0 <= t < len(row):
            raise ValueError(f"{name}: {tw} = {t} is out of range for {_n(len(row), 'class', 'classes')} "
                             f"({w} has {_n(len(row), 'score')}); class indices run from 0 to "
                             f"{len(row) - 1}")
        checked_rows.append(row)
        checked_targets.append(int(t))
    return checked_rows, checked_targets
