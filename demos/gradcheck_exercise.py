"""The gradient-checking exercise: derive seven local derivatives yourself; gradcheck is the judge.

    python -m demos.gradcheck_exercise --new my_derivatives.py   # write the template to fill in
    python -m demos.gradcheck_exercise my_derivatives.py         # check your answers

The ops are softplus, swish, gelu (tanh form), x ** y, the log-sum-exp of two, atan and erf. For
each one the checker makes an `Op` — the record `defop` makes — from its own forward rule and your
local rule, without registering it (your attempts never become part of the engine), and checks it
with `check_op` at dozens of points: your derivatives against finite differences of the forward
rule, then your rule differentiated by the engine (second derivatives) against finite
differences of your rule. It prints a verdict per op with the worst input and a hint.

Exit status: 0 when every op is right, 1 while any is wrong or unfinished, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

from autograd import Op
from autograd.files import write_atomic
from autograd.gradcheck import Row, check_op
from autograd.ops import SIGMOID, SOFTPLUS
from demos.common import command, output_file

TEMPLATE = Path(__file__).with_name("exercise_template.py")
DEFAULT_FILE = "my_derivatives.py"


# The engine's own overflow-free forward rules, used as the exercise's forward rules.
_sigma = SIGMOID.forward
_softplus = SOFTPLUS.forward


def _gelu(x: float) -> float:
    return 0.5 * x * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def _logaddexp(x: float, y: float) -> float:
    return max(x, y) + math.log1p(math.exp(-abs(x - y)))


def _grid(lo: float, hi: float, n: int) -> list[float]:
    return [lo + (hi - lo) * k / (n - 1) for k in range(n)]


@dataclass(frozen=True)
class Exercise:
    """One op to differentiate: its forward rule (the checker's own), where to check it, a hint."""

    name: str
    args: tuple[str, ...]
    forward: Callable[..., float]
    points: tuple[tuple[float, ...], ...]
    hint: str


_LINE = tuple((x,) for x in _grid(-4.0, 4.0, 33))  # steps of 0.25 from -4 to 4
_PAIRS = tuple((x, y) for x in (-3.0, -1.0, -0.2, 0.0, 0.5, 2.0, 4.0)
               for y in (-3.0, -1.0, -0.2, 0.0, 0.5, 2.0, 4.0))
_POWERS = tuple((x, y) for x in (0.25, 0.5, 0.9, 1.0, 1.7, 2.5, 4.0)
                for y in (-2.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.5))

EXERCISES = (
    Exercise("softplus", ("x",), _softplus, _LINE,
             "d/dx log(u) = u′/u, here with u = 1 + eˣ: eˣ/(1 + eˣ), which is σ(x)."),
    Exercise("swish", ("x",), lambda x: x * _sigma(x), _LINE,
             "a product: (x·σ(x))′ = σ(x) + x·σ′(x), and σ′ = σ·(1 − σ)."),
    Exercise("gelu", ("x",), _gelu, _LINE,
             "the product rule on ½·x·(1 + tanh u), then the chain rule through tanh: "
             "tanh′(u) = 1 − tanh²(u), and u′ = √(2/π)·(1 + 3·0.044715·x²)."),
    Exercise("power", ("x", "y"), math.pow, _POWERS,
             "in x the exponent is a constant: y·x^(y−1). In y the base is: x^y = e^(y·ln x), "
             "so ∂/∂y = x^y·ln x, that is out·log(x)."),
    Exercise("logaddexp", ("x", "y"), _logaddexp, _PAIRS,
             "d/dx log(u) = u′/u with u = eˣ + eʸ: eˣ/(eˣ + eʸ) = e^(x − out), a softmax weight "
             "(exp(x - out) also stays finite where eˣ would overflow)."),
    Exercise("atan", ("x",), math.atan, _LINE,
             "differentiate tan(out) = x: (1 + tan²(out))·out′ = 1, so out′ = 1/(1 + x²)."),
    Exercise("erf", ("x",), math.erf, _LINE,
             "the derivative of ∫₀ˣ g(t) dt is g(x) (the fundamental theorem of calculus): "
             "(2/√π)·e^(−x²)."),
)

_SECOND_ORDER_HINT = ("your rule gives the right numbers, but the engine cannot differentiate it "
                      "further: it leaves the graph. Write it with exp, log, tanh, sigmoid, cos "
                      "(imported in the template) and arithmetic instead of math.*, and don't "
                      "call float() on the inputs.")
_SHAPE_HINT = "return a tuple with one derivative per input: (d,) for one input — mind the comma."


@dataclass(frozen=True)
class Verdict:
    """What the checker concluded about one op: "ok", "WRONG", "TODO" or "ERROR", and why."""

    name: str
    status: str
    checked: int  # points checked
    failed: int  # points where it was wrong
    detail: str  # the worst input and the numbers, or the error
    hint: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _where(ex: Exercise, point: Sequence[float]) -> str:
    return ", ".join(f"{a} = {v:g}" for a, v in zip(ex.args, point))


def _row_text(row: Row) -> str:
    return f"{row.name}: yours {row.analytic:.6g}, finite differences {row.numeric:.6g}"


def check_exercise(ex: Exercise, local: Callable[..., tuple] | None) -> Verdict:
    """Check one answer at every point of the exercise (first, then second derivatives)."""
    if local is None:
        return Verdict(ex.name, "ERROR", 0, 0, f"the file has no function {ex.name}"
                       f"({', '.join(ex.args)}, out)", "keep the function names of the template.")
    op = Op(ex.name, ex.forward, local, args=ex.args)
    first_order_error = 0.0
    for order in (1, 2):
        # second derivatives are checked at every third point: they are the rarer mistake
        points = ex.points if order == 1 else ex.points[::3]
        worst: tuple[float, str] | None = None
        failed = 0
        largest = 0.0
        for point in points:
            try:
                result = check_op(op, point, order=order)
            except NotImplementedError:
                # no hint yet: the exercise is to try first
                return Verdict(ex.name, "TODO", 0, 0, f"{ex.name}() still raises NotImplementedError")
            except Exception as err:  # the learner's code: any error is reported, not raised
                text = f"{type(err).__name__}: {err}"
                hint = _SHAPE_HINT if "tuple with one derivative" in text else (
                    _SECOND_ORDER_HINT if order == 2 else ex.hint)
                where = "differentiating your rule" if order == 2 else "your rule"
                return Verdict(ex.name, "ERROR", len(points), 1,
                               f"at {_where(ex, point)}, {where} raised {text}", hint)
            bad = result.failures
            largest = max([largest, *(r.abs_err for r in result.rows if math.isfinite(r.abs_err))])
            if bad:
                failed += 1
                row = max(bad, key=lambda r: r.abs_err if math.isfinite(r.abs_err) else math.inf)
                size = row.abs_err if math.isfinite(row.abs_err) else math.inf
                if worst is None or size > worst[0]:
                    worst = (size, f"worst at {_where(ex, point)}: {_row_text(row)}"
                                   + (f" ({row.note})" if row.note else ""))
        if order == 1:
            first_order_error = largest
        if worst is not None:
            hint = _SECOND_ORDER_HINT if order == 2 else ex.hint
            what = "second derivatives" if order == 2 else "wrong"
            return Verdict(ex.name, "WRONG", len(points), failed,
                           f"{what} at {failed} of {len(points)} points; {worst[1]}", hint)
    return Verdict(ex.name, "ok", len(ex.points), 0,
                   f"right at all {len(ex.points)} points (largest error {first_order_error:.1e}), "
                   f"second derivatives too")


def check_answers(answers: Any) -> list[Verdict]:
    """Every exercise checked against `answers` (a module, or anything with the functions)."""
    return [check_exercise(ex, getattr(answers, ex.name, None)) for ex in EXERCISES]


def load_answers(path: Path) -> ModuleType:
    """The learner's file, run as a module of its own."""
    spec = importlib.util.spec_from_file_location(f"_glassgrad_exercise_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path} as Python")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def report(verdicts: Sequence[Verdict], source: str, stream: TextIO) -> None:
    stream.write(f"Gradient-checking exercise: {source}\n")
    width = max(len(v.name) for v in verdicts)
    for v in verdicts:
        stream.write(f"  {v.name:<{width}}  {v.status:<5}  {v.detail}\n")
        if not v.ok and v.hint:
            stream.write(f"  {'':<{width}}         hint: {v.hint}\n")
    right = sum(v.ok for v in verdicts)
    if right == len(verdicts):
        stream.write(f"All {right} right. Every derivative agrees with finite differences.\n")
    else:
        stream.write(f"{right} of {len(verdicts)} right. Fix the others and run again.\n")


@command
def main(argv: Sequence[str] | None = None, stream: TextIO | None = None) -> int:
    stream = stream or sys.stdout
    parser = argparse.ArgumentParser(
        prog="python -m demos.gradcheck_exercise",
        description="Derive the local derivatives of seven ops in FILE; gradcheck judges them.")
    parser.add_argument("file", nargs="?", default=DEFAULT_FILE,
                        help=f"your answers (default: {DEFAULT_FILE})")
    parser.add_argument("--new", metavar="FILE", type=output_file,
                        help="write the template with TODOs to FILE")
    args = parser.parse_args(argv)
    if args.new:
        target = args.new
        if target.exists():
            print(f"error: {target} exists already; pick another name (it is not overwritten)",
                  file=sys.stderr)
            return 2
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, TEMPLATE.read_text(encoding="utf-8"), overwrite=False)
        stream.write(f"Wrote {target}: fill in the seven functions marked TODO, then run\n"
                     f"  python -m demos.gradcheck_exercise {target}\n")
        return 0
    path = Path(args.file)
    if not path.is_file():
        print(f"error: there is no {path}. Start with\n"
              f"  python -m demos.gradcheck_exercise --new {path}", file=sys.stderr)
        return 2
    try:
        answers = load_answers(path)
    except Exception as err:  # a syntax error or a failing import in the learner's file
        print(f"error: {path} does not run: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    verdicts = check_answers(answers)
    report(verdicts, str(path), stream)
    return 0 if all(v.ok for v in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
