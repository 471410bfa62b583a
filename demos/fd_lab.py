"""The finite-difference lab: why gradcheck steps by h = 1e-6 and not by 1e-12.

    python -m demos.fd_lab                       # exp at x = 1: table and out/fd_lab.png
    python -m demos.fd_lab --function sin --x 0.5

For h from 1e-1 down to 1e-15 it measures the error of the two finite differences against the
true derivative:

    forward   (f(x + h) − f(x)) / h           truncation error ≈ ½·|f″|·h       (slope 1 on log axes)
    central   (f(x + h) − f(x − h)) / 2h      truncation error ≈ ⅙·|f‴|·h²      (slope 2)

Both also suffer round-off: f(x ± h) are rounded to float64 (relative error ε = 2.2e-16), and
dividing their difference by h magnifies that to about ε·|f|/h — a line of slope −1 that rises as h
shrinks. The total is a V on log axes. Its bottom is where the two errors meet: near ε^(1/2) ≈ 1e-8
for forward differences and ε^(1/3) ≈ 6e-6 for central ones, whose error there is far smaller.

At a kink (|t| at 0) the left slope (f(x) − f(x − h))/h and the right slope (f(x + h) − f(x))/h
never agree, however small h gets: the derivative does not exist, and a central difference returns
their average. The right panel shows it.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from demos import common
from demos.common import check_out_dir, command

EPS = 2.0 ** -52  # float64's relative precision

#: name -> (f, f′, a point where f is smooth by default)
FUNCTIONS: dict[str, tuple[Callable[[float], float], Callable[[float], float]]] = {
    "exp": (math.exp, math.exp),
    "sin": (math.sin, math.cos),
    "tanh": (math.tanh, lambda t: 1 - math.tanh(t) ** 2),
    "log": (math.log, lambda t: 1 / t),
    "cube": (lambda t: t ** 3, lambda t: 3 * t * t),
}


def steps(lo: int = 1, hi: int = 15, per_decade: int = 4) -> list[float]:
    """h from 10^−lo down to 10^−hi, `per_decade` values per factor of ten."""
    n = (hi - lo) * per_decade
    return [10.0 ** -(lo + k / per_decade) for k in range(n + 1)]


@dataclass(frozen=True)
class Sweep:
    """Errors of forward and central differences of f at x for each h (absolute, against f′(x))."""

    name: str
    x: float
    hs: list[float]
    forward: list[float]
    central: list[float]

    def best(self, which: str) -> tuple[float, float]:
        """(h, error) at the bottom of the V."""
        errors = self.forward if which == "forward" else self.central
        k = min(range(len(errors)), key=lambda i: errors[i])
        return self.hs[k], errors[k]

    def slope(self, which: str, h_from: float, h_to: float) -> float:
        """The least-squares slope of log10(error) against log10(h) for h in [h_to, h_from]."""
        errors = self.forward if which == "forward" else self.central
        pts = [(math.log10(h), math.log10(e)) for h, e in zip(self.hs, errors)
               if h_to <= h <= h_from and e > 0]
        mx = sum(p[0] for p in pts) / len(pts)
        my = sum(p[1] for p in pts) / len(pts)
        return (sum((a - mx) * (b - my) for a, b in pts) / sum((a - mx) ** 2 for a, _ in pts))


def sweep(name: str, x: float, hs: Sequence[float] | None = None) -> Sweep:
    """The errors of both differences of FUNCTIONS[name] at x, for each h."""
    f, df = FUNCTIONS[name]
    hs = list(hs or steps())
    truth = df(x)
    fx = f(x)
    forward = [abs((f(x + h) - fx) / h - truth) for h in hs]
    central = [abs((f(x + h) - f(x - h)) / (2 * h) - truth) for h in hs]
    return Sweep(name, x, hs, forward, central)


def kink_slopes(f: Callable[[float], float], x: float,
                hs: Sequence[float]) -> list[tuple[float, float, float]]:
    """(h, left slope, right slope) at x for each h: at a kink they stay apart."""
    fx = f(x)
    return [(h, (fx - f(x - h)) / h, (f(x + h) - fx) / h) for h in hs]


def plot(s: Sweep, name: str = "fd_lab.png") -> object:
    """The V (left) and the kink of |t| at 0 (right); returns the saved path or None."""
    plt = common.pyplot()
    if plt is None:
        return None
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1.6, 1]})
    ax.loglog(s.hs, [max(e, 1e-18) for e in s.forward], "o-", ms=3, label="forward (f(x+h) − f(x))/h")
    ax.loglog(s.hs, [max(e, 1e-18) for e in s.central], "o-", ms=3, label="central (f(x+h) − f(x−h))/2h")
    f, _ = FUNCTIONS[s.name]
    scale = abs(f(s.x)) or 1.0
    ax.loglog(s.hs, [EPS * scale / h for h in s.hs], ":", color="gray", label="round-off ≈ ε·|f|/h")
    for which, color in (("forward", "C0"), ("central", "C1")):
        h, e = s.best(which)
        ax.annotate(f"best h ≈ {h:.0e}", (h, e), textcoords="offset points", xytext=(0, -18),
                    color=color, fontsize=8, ha="center")
    ax.axvline(EPS ** (1 / 3), color="C1", lw=0.6, ls="--")
    ax.text(EPS ** (1 / 3), 3e-13, " ε^(1/3)", color="C1", fontsize=8)
    ax.axvline(EPS ** 0.5, color="C0", lw=0.6, ls="--")
    ax.text(EPS ** 0.5, 3e-13, " ε^(1/2)", color="C0", fontsize=8)
    ax.set_ylim(1e-13, 10)
    ax.invert_xaxis()
    ax.set_xlabel("step h (smaller to the right)")
    ax.set_ylabel("|error| against the true derivative")
    ax.set_title(f"{s.name}′ at x = {s.x:g}: truncation (slope 1 or 2) meets round-off (slope −1)",
                 fontsize=9)
    ax.legend(fontsize=8, loc="upper center")
    ax.grid(True, which="major", alpha=0.3)
    kink = kink_slopes(abs, 0.0, s.hs)
    bx.semilogx([k[0] for k in kink], [k[1] for k in kink], "v-", ms=3, label="left slope")
    bx.semilogx([k[0] for k in kink], [k[2] for k in kink], "^-", ms=3, label="right slope")
    bx.semilogx([k[0] for k in kink], [(k[1] + k[2]) / 2 for k in kink], "--", label="central difference")
    bx.invert_xaxis()
    bx.set_ylim(-1.4, 1.4)
    bx.set_xlabel("step h")
    bx.set_title("|t| at its kink t = 0: the slopes never agree", fontsize=9)
    bx.legend(fontsize=8, loc="center right")
    bx.grid(True, alpha=0.3)
    fig.tight_layout()
    return common.save_figure(fig, name)


def report(s: Sweep) -> str:
    lines = [f"Finite differences of {s.name} at x = {s.x:g} (true derivative "
             f"{FUNCTIONS[s.name][1](s.x):.10g}); ε = {EPS:.2e}",
             f"  {'h':>8}  {'forward error':>14}  {'central error':>14}"]
    for h, ef, ec in zip(s.hs, s.forward, s.central):
        if abs(math.log10(h) - round(math.log10(h))) < 1e-9:  # one row per decade
            lines.append(f"  {h:8.0e}  {ef:14.2e}  {ec:14.2e}")
    hf, ef = s.best("forward")
    hc, ec = s.best("central")
    lines += [f"truncation slope on log axes (h from 1e-1 to 1e-3): forward "
              f"{s.slope('forward', 1e-1, 1e-3):.2f}, central {s.slope('central', 1e-1, 1e-3):.2f}",
              f"best h: forward {hf:.0e} (error {ef:.1e}; ε^(1/2) = {EPS ** 0.5:.0e}), "
              f"central {hc:.0e} (error {ec:.1e}; ε^(1/3) = {EPS ** (1 / 3):.0e})",
              "at the kink of |t| at 0: left slope -1, right slope 1 for every h (never agree)"]
    return "\n".join(lines)


def _finite(text: str) -> float:
    """An argparse type, in the manner of demos.common's: a finite number, or a usage error."""
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text}")
    return x


@command
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.fd_lab", description=__doc__.split("\n\n")[0])
    parser.add_argument("--function", choices=sorted(FUNCTIONS), default="exp",
                        help="the function to differentiate (default exp)")
    parser.add_argument("--x", type=_finite, default=1.0, help="the point (default 1.0)")
    parser.add_argument("--no-plot", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    if args.function == "log" and args.x <= 0.1:
        parser.error(f"argument --x: {args.x:g} is too close to log's edge; choose a point above 0.1 "
                     f"for log (x − h must stay in its domain)")
    if not args.no_plot:
        check_out_dir(parser)
    try:
        s = sweep(args.function, args.x)
    except (OverflowError, ValueError) as err:
        why = err.args[-1] if err.args else err  # x ** 3 overflowing says (34, 'Numerical result…')
        parser.error(f"argument --x: {args.function} cannot be evaluated around {args.x:g} ({why}); "
                     f"choose a smaller point")
    print(report(s))
    if not args.no_plot:
        path = plot(s)
        if path is not None:
            print(f"picture: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
