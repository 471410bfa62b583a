"""Parts 1 and 2: the derivative by central differences, and the local derivatives of nine ops."""

from __future__ import annotations

import inspect
import math
from dataclasses import replace
from pathlib import Path

from autograd.ops import SIGMOID

from .derivatives import Exercise, Verdict, check_exercise, grid
from .learner import call, close, load, need, num
from .result import Result, fail

# ----------------------------------------------------------------------------------------------
# Part 1
# ----------------------------------------------------------------------------------------------

_FUNCTIONS = (  # name, f, f′, where
    ("sin", math.sin, math.cos, 0.7),
    ("exp", math.exp, math.exp, 1.3),
    ("t³", lambda t: t ** 3, lambda t: 3 * t * t, -1.1),
)

_HINTS_1 = [
    "look both ways: evaluate f a step h to the right AND a step h to the left of x.",
    "the two values differ by about f′(x)·2h, because the points are 2h apart.",
    "return (f(x + h) - f(x - h)) / (2 * h)",
]


def _mistakes(f: object, x: float, h: float) -> dict[str, float]:
    """What the usual wrong formulas give, to recognise them by their numbers."""
    fp, fm, f0 = f(x + h), f(x - h), f(x)  # type: ignore[operator]
    return {
        "forward": (fp - f0) / h,
        "backward": (f0 - fm) / h,
        "over-h": (fp - fm) / h,
        "precedence": (fp - fm) / 2 * h,
    }


_MESSAGES = {
    "forward": "that is the forward difference (f(x + h) − f(x)) / h: one-sided, so its error "
               "shrinks only like h. Look both ways.",
    "backward": "that is the backward difference (f(x) − f(x − h)) / h: one-sided. Look both ways.",
    "over-h": "twice the slope: the points x − h and x + h are 2h apart, so divide by 2h, not h.",
    "precedence": "in Python `a / 2*h` means (a / 2)·h: the h multiplies. Write `/ (2 * h)`.",
}


def check_part1(course: Path) -> Result:
    mod = load(course, "part1_derivative", 1)
    cd = need(mod, "central_difference", 1)
    worst = 0.0
    for name, f, df, x in _FUNCTIONS:
        for h in (1e-3, 1e-5):
            got = call(1, course, f"central_difference({name}, {x}, h={h:g})", cd, f, x, h)
            want = (f(x + h) - f(x - h)) / (2 * h)
            if close(got, want, rel=1e-9):
                continue
            digits = 6 if num(got) != num(want) else 12  # enough digits to show the difference
            where = (f"central_difference({name}, x={x}, h={h:g}) = {float(got):.{digits}g}, "
                     f"expected {want:.{digits}g}") if isinstance(got, (int, float)) else \
                f"central_difference({name}, x={x}, h={h:g}) = {num(got)}, expected {num(want)}"
            if not isinstance(got, (int, float)):
                raise fail(1, "type", f"{where}: return a float (got {type(got).__name__})", _HINTS_1)
            for key, value in _mistakes(f, x, h).items():
                if close(got, value, rel=1e-9):
                    raise fail(1, key, [where, _MESSAGES[key]], _HINTS_1)
            other = (f(x + 1e-5) - f(x - 1e-5)) / 2e-5
            if h != 1e-5 and close(got, other, rel=1e-7):
                raise fail(1, "ignores-h", [where, "that is the value for h = 1e-5: use the h you "
                                                   "are given, not a fixed number."], _HINTS_1)
            raise fail(1, "wrong", [where, f"(the true derivative is {num(df(x))})"], _HINTS_1)
    # the default step: small enough for truncation, large enough for round-off
    default = inspect.signature(cd).parameters.get("h")
    h0 = default.default if default is not None and default.default is not inspect.Parameter.empty else None
    for name, f, df, x in _FUNCTIONS:
        got = call(1, course, f"central_difference({name}, {x}) with your default h", cd, f, x)
        err = abs(float(got) - df(x))
        worst = max(worst, err)
        if err > 1e-8 * (1 + abs(df(x))):
            why = (f"round-off: f's values carry errors of about 1e-16·|f|, and dividing by 2h = "
                   f"{2 * h0:g} blows them up to ~{2.2e-16 * abs(f(x)) / h0:.0e}"
                   if isinstance(h0, float) and h0 < 1e-8 else
                   "truncation: a central difference is off by about f‴·h²/6, too much for this h"
                   if isinstance(h0, float) and h0 > 1e-3 else "")
            raise fail(1, "default-h", [f"central_difference({name}, {x}) with your default h = "
                                        f"{h0}: error {err:.1e} against the true f′ = {num(df(x))}",
                                        f"the default step gives {why}. Use h = 1e-5 (see "
                                        f"`python -m demos.fd_lab`: the error is smallest near "
                                        f"ε^(1/3) ≈ 6e-6)." if why else "use h = 1e-5 by default."],
                       ["h balances two errors: truncation (h too large) and round-off (h too small).",
                        "for central differences the best h is near ε^(1/3) ≈ 6e-6 (ε = 2.2e-16).",
                        "def central_difference(f, x, h=1e-5):"])
    kink = call(1, course, "central_difference(abs, 0.0)", cd, abs, 0.0)
    return Result(1, "ok", [
        f"right on sin, exp and t³ at h = 1e-3 and 1e-5; with your default h = {h0} the largest "
        f"error against the true derivative is {worst:.1e}",
        f"at the kink of |t| at 0 it gives {float(kink)!r}: the average of the one-sided slopes −1 "
        f"and 1 (the derivative does not exist there)"])


# ----------------------------------------------------------------------------------------------
# Part 2
# ----------------------------------------------------------------------------------------------

_PAIRS = tuple((a, b) for a in (-3.0, -1.0, -0.2, 0.5, 2.0, 4.0) for b in (-2.5, -0.5, 0.3, 1.0, 3.0))
_LINE = tuple((x,) for x in grid(-4.0, 4.0, 33))
_POSITIVE = tuple((x,) for x in grid(0.1, 5.0, 29))
_POWERS = (tuple((x, p) for x in (0.25, 0.5, 1.0, 1.5, 2.5, 4.0) for p in (-2.0, -1.0, 0.5, 1.0, 2.0, 3.0))
           + tuple((x, p) for x in (-2.0, -0.5) for p in (2.0, 3.0)))


def _relu(x: float) -> float:
    return max(0.0, x)


BASIC = (
    Exercise("add", ("a", "b"), lambda a, b: a + b, _PAIRS, (
        "how much does a + b move when a moves by a little δ?",
        "it moves by exactly δ, whichever input moves.",
        "return (1.0, 1.0)"), orders=(1,)),
    Exercise("mul", ("a", "b"), lambda a, b: a * b, _PAIRS, (
        "hold b fixed: a · b is a line in a; what is its slope?",
        "in a the slope is the other factor, and the same in b.",
        "return (b, a)"), orders=(1,)),
    Exercise("div", ("a", "b"), lambda a, b: a / b, _PAIRS, (
        "a / b = a · b⁻¹: the power rule for b⁻¹.",
        "in a: 1/b; in b: a times the derivative of b⁻¹, which is −b⁻².",
        "return (1 / b, -a / b**2)   (or -out / b)"), orders=(1,)),
    Exercise("power", ("x", "p"), lambda x, p: x ** p, _POWERS, (
        "the power rule; p is a constant.",
        "d/dx xᵖ = p·xᵖ⁻¹ — one derivative, in a one-element tuple.",
        "return (p * x ** (p - 1),)"), constants=1, orders=(1,)),
    Exercise("exp", ("x",), math.exp, _LINE, (
        "eˣ is the function that is its own derivative.",
        "so ∂out/∂x is eˣ — which is `out`, already computed.",
        "return (out,)"), orders=(1,)),
    Exercise("log", ("x",), math.log, _POSITIVE, (
        "the derivative of ln x is a power of x.",
        "ln′(x) = x⁻¹.",
        "return (1 / x,)"), orders=(1,)),
    Exercise("tanh", ("x",), math.tanh, _LINE, (
        "write tanh′ with tanh itself.",
        "tanh′(x) = 1 − tanh²(x), and tanh(x) is `out`.",
        "return (1 - out ** 2,)"), orders=(1,)),
    Exercise("sigmoid", ("x",), SIGMOID.forward, _LINE, (
        "write σ′ with σ itself.",
        "σ′(x) = σ(x)·(1 − σ(x)), and σ(x) is `out`.",
        "return (out * (1 - out),)"), orders=(1,)),
    Exercise("relu", ("x",), _relu, _LINE, (
        "relu is two straight lines: which slope on each side of 0?",
        "slope 1 where x > 0, slope 0 where x < 0 (and 0 at x = 0).",
        "return (1.0 if x > 0 else 0.0,)"), orders=(1,)),
)


def _extras() -> tuple[Exercise, ...]:
    from demos.gradcheck_exercise import EXERCISES

    # the course checks first derivatives only: the learner's rules use math.*, not glassgrad ops
    return tuple(replace(ex, name="power_xy" if ex.name == "power" else ex.name, orders=(1,))
                 for ex in EXERCISES)


def _line(v: Verdict, width: int) -> str:
    return f"  {v.name:<{width}}  {v.status:<5}  {v.detail}"


def check_part2(course: Path) -> Result:
    mod = load(course, "part2_local", 2)
    verdicts = [check_exercise(ex, getattr(mod, ex.name, None)) for ex in BASIC]
    extras = [check_exercise(ex, getattr(mod, ex.name, None)) for ex in _extras()]
    width = max(len(v.name) for v in verdicts + extras)
    lines = [_line(v, width) for v in verdicts]
    done = [v for v in extras if v.status != "TODO"]
    extra_line = (f"extra (optional): {sum(v.ok for v in extras)} of {len(extras)} right: "
                  + ", ".join(f"{v.name} {v.status}" for v in done) if done else
                  f"extra (optional, the gradient-checking exercise): {len(extras)} ops not started")
    wrong = [v for v in verdicts if v.status in ("WRONG", "ERROR")]
    if wrong:
        first = wrong[0]
        hints = [first.fixed_hint] if first.fixed_hint else list(first.hints)
        return Result(2, "FAIL", [f"{len(verdicts) - len(wrong)} of {len(verdicts)} right; first "
                                  f"wrong: {first.name}", *lines, extra_line], f"2:{first.name}", hints)
    todo = [v for v in verdicts if v.status == "TODO"]
    if todo:
        return Result(2, "TODO", [f"{len(verdicts) - len(todo)} of {len(verdicts)} done; still "
                                  f"TODO: {', '.join(v.name for v in todo)}", *lines, extra_line])
    bad_extras = [v for v in extras if v.status in ("WRONG", "ERROR")]
    return Result(2, "ok", [f"all {len(verdicts)} right, each at 29–40 points", extra_line,
                            *(f"  {v.name}: {v.detail}" for v in bad_extras[:2])])
