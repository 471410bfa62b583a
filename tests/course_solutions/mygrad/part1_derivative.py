"""Part 1, solved."""

from __future__ import annotations


def central_difference(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)
