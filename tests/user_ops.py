"""Ops declared the way a user declares one — with the public `defop` — and nothing else.

`strategies.py` imports this module, so these ops are in the registry before any test is collected.
No test names them: the per-op properties and the generated expressions pick them up from the
registry like the built-in ops, which is the point (declaring an op adds its tests).
"""

from __future__ import annotations

import math

from autograd import defop

CBRT = defop(
    "cbrt", lambda x: math.copysign(abs(x) ** (1.0 / 3.0), x),
    lambda x, out: (1.0 / (3.0 * out * out),),
    expr="∛x", formulas=("1/(3·∛x²) = 1/(3·out²)",), margin=abs,  # the slope is infinite at 0
    doc="The real cube root. Local derivative: 1/(3·∛x²), infinite at x = 0.",
)

HYPOT = defop(
    "hypot", math.hypot, lambda a, b, out: (a / out, b / out),
    args=("a", "b"), expr="√(a² + b²)", formulas=("a/out", "b/out"),
    margin=math.hypot,  # a cone: smooth everywhere except at its tip (0, 0)
    doc="√(a² + b²), the length of (a, b). Local derivatives: a/out and b/out.",
)

# Ops with three and four inputs, every local derivative depending on the inputs: the chain rule
# has a path of its own for three inputs and a general one for more, and swapping two derivatives
# or handing a rule the wrong input must change a gradient somewhere (a `sum`, whose derivatives
# are all 1, cannot tell).
LERP = defop(
    "lerp", lambda a, b, t: a + t * (b - a),
    lambda a, b, t, out: (1.0 - t, t, b - a),
    args=("a", "b", "t"), expr="a + t·(b - a)", formulas=("1 - t", "t", "b - a"),
    doc="The weighted blend of a and b with weight t (t = 0 gives a, t = 1 gives b). "
        "Local derivatives: 1 − t, t and b − a.",
)

DET2 = defop(
    "det2", lambda a, b, c, d: a * d - b * c,
    lambda a, b, c, d, out: (d, -c, -b, a),
    args=("a", "b", "c", "d"), expr="a·d - b·c", formulas=("d", "-c", "-b", "a"),
    doc="The determinant of the 2×2 matrix [[a, b], [c, d]]. Local derivatives: d, −c, −b and a.",
)
