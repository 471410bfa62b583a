"""What nn's functions accept as a number, in one place (their messages say what went wrong).

A bool is an int to Python, but ``lr=True`` or ``bias``-like flags given where a number belongs
are slips, so none of these takes one. NumPy numbers count (``np.int64`` from ``y.max() + 1``).
"""

from __future__ import annotations

import math
from numbers import Integral, Real


def is_real(x: object) -> bool:
    """A real number (int, float, NumPy scalar, …), not a bool."""
    return isinstance(x, Real) and not isinstance(x, bool)


def is_finite_real(x: object) -> bool:
    """A real number, not a bool, neither NaN nor ±inf."""
    return is_real(x) and math.isfinite(x)


def is_whole(x: object) -> bool:
    """An int or NumPy integer, not a bool."""
    return isinstance(x, Integral) and not isinstance(x, bool)
