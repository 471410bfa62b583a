"""Part 1: the derivative, numerically — the judge of every later part.

The derivative of f at x is the slope of f there:  f′(x) = lim (f(x + h) − f(x)) / h  as h → 0.
A computer cannot take the limit, so it takes a small h. Two ways:

    forward difference   (f(x + h) − f(x)) / h            error ≈ ½·f″(x)·h      (shrinks like h)
    central difference   (f(x + h) − f(x − h)) / (2h)     error ≈ ⅙·f‴(x)·h²     (shrinks like h²)

The central one looks both ways, so the h-terms of the two sides cancel and only h² is left:
with h = 1e-5 its truncation error is about 1e-10, the forward one's about 1e-5.

Why not h = 1e-12, then? Because f(x + h) and f(x − h) are rounded to float64, whose relative
precision is ε ≈ 2.2e-16. Their difference carries an error of about ε·|f(x)|, and dividing by
2h blows it up to ε·|f(x)|/h: at h = 1e-12 that is 1e-4 — worse than h = 1e-5. The total error
is smallest where the two balance, near h ≈ ε^(1/3) ≈ 6e-6 for central differences. See the
picture fd_lab.png in your course folder, or run `python -m demos.fd_lab`.

At a kink (relu at 0, abs at 0) the two one-sided slopes disagree however small h gets: the
derivative does not exist there, and a central difference returns their average.
"""

from __future__ import annotations


def central_difference(f, x, h=1e-5):
    """The slope of f at x by the central difference (f(x + h) − f(x − h)) / (2h).

    f takes one float and returns one float; x is a float; h is the step (use the one you are
    given: the checker calls this with several). Return a float.

    Example: central_difference(lambda t: t * t, 3.0) is about 6.0 (the derivative of t² is 2t).
    """
    raise NotImplementedError("TODO part 1: the central difference")
