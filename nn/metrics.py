"""Metrics: numbers that say how well a model does, with no graph and no gradient."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .losses import _class_batch


def predicted_class(scores: Sequence[Any]) -> int:
    """The index of the largest score (the first one on a tie), for `Value`s or numbers."""
    numbers = [float(s) for s in scores]
    if not numbers:  # else max()'s own words, which name no argument
        raise ValueError("predicted_class: scores is an empty list; give one score per class")
    return max(range(len(numbers)), key=numbers.__getitem__)


def accuracy(logits: Sequence[Any], target: Any) -> float:
    """The fraction of samples whose largest logit is the target class (a tie goes to the first).

    Takes what `cross_entropy` takes: one sample's scores and its class index, or a batch (a list
    of score lists and a list of indices), and refuses the same bad input with the same errors.
    """
    rows, targets = _class_batch("accuracy", logits, target)
    return sum(predicted_class(row) == t for row, t in zip(rows, targets)) / len(rows)
