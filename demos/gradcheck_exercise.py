"""The gradient-checking exercise: derive seven local derivatives yourself; gradcheck is the judge.

    python -m demos.gradcheck_exercise --new my_derivatives.py   # write the template to fill in
    python -m demos.gradcheck_exercise my_derivatives.py         # check your answers
    python -m demos.gradcheck_exercise my_derivatives.py --hint 3   # hints up to the formula

The ops are softplus, swish, gelu (tanh form), x ** y, the log-sum-exp of two, atan and erf. For
each one the checker makes an `Op` from its own forward rule and your local rule, without
registering it, and checks it at dozens of points: your derivatives against finite differences of
the forward rule, then your rule differentiated by the engine (second derivatives) against finite
differences of your rule (demos/course/derivatives.py does the checking; course part 2 uses the
same checker). It prints a verdict per op with the worst input, in your variable names, and a hint.

Hints grow: the first failure of an op names the rule to use; a second failure of the same op (or
``--hint 2``) says how it applies; only ``--hint 3`` shows the formula. Failures are counted in
`.glassgrad-hints.json` beside your file.

Exit status: 0 when every op is right, 1 while any is wrong or unfinished, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

from autograd.files import write_atomic
from autograd.ops import SIGMOID, SOFTPLUS
from demos.common import command, output_file
from demos.course.derivatives import Exercise, Verdict, check_exercise, grid

TEMPLATE = Path(__file__).with_name("exercise_template.py")
DEFAULT_FILE = "my_derivatives.py"
HINTS_FILE = ".glassgrad-hints.json"

# The engine's own overflow-free forward rules, used as the exercise's forward rules.
_sigma = SIGMOID.forward
_softplus = SOFTPLUS.forward


def _gelu(x: float) -> float:
    return 0.5 * x * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def _logaddexp(x: float, y: float) -> float:
    return max(x, y) + math.log1p(math.exp(-abs(x - y)))


_LINE = tuple((x,) for x in grid(-4.0, 4.0, 33))  # steps of 0.25 from -4 to 4
_PAIRS = tuple((x, y) for x in (-3.0, -1.0, -0.2, 0.0, 0.5, 2.0, 4.0)
               for y in (-3.0, -1.0, -0.2, 0.0, 0.5, 2.0, 4.0))
_POWERS = tuple((x, y) for x in (0.25, 0.5, 0.9, 1.0, 1.7, 2.5, 4.0)
                for y in (-2.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.5))

# Hints: (the rule to use, how it applies here, the formula).
EXERCISES = (
    Exercise("softplus", ("x",), _softplus, _LINE, (
        "the chain rule through log: d/dx log(u) = u′/u.",
        "here u = 1 + eˣ, so u′ = eˣ; the quotient simplifies to a function you already have.",
        "eˣ/(1 + eˣ), which is σ(x): return (sigmoid(x),).")),
    Exercise("swish", ("x",), lambda x: x * _sigma(x), _LINE, (
        "the product rule: (f·g)′ = f′·g + f·g′.",
        "f = x and g = σ(x), whose derivative is σ′ = σ·(1 − σ).",
        "σ(x) + x·σ(x)·(1 − σ(x)), or σ + out·(1 − σ).")),
    Exercise("gelu", ("x",), _gelu, _LINE, (
        "the product rule on ½·x·(1 + tanh u), then the chain rule through tanh.",
        "tanh′(u) = 1 − tanh²(u), and u′ = √(2/π)·(1 + 3·0.044715·x²).",
        "½(1 + tanh u) + ½·x·(1 − tanh²u)·√(2/π)·(1 + 3·0.044715·x²).")),
    Exercise("power", ("x", "y"), math.pow, _POWERS, (
        "two partial derivatives: in x the exponent is a constant; in y the base is.",
        "in x it is the power rule; in y write x^y = e^(y·ln x) and use the chain rule through exp.",
        "∂/∂x = y·x^(y−1);  ∂/∂y = x^y·ln x = out·log(x).")),
    Exercise("logaddexp", ("x", "y"), _logaddexp, _PAIRS, (
        "the chain rule through log: d/dx log(u) = u′/u, once per input.",
        "u = eˣ + eʸ, so ∂u/∂x = eˣ; and eᵒᵘᵗ = u, which lets you write the quotient with out.",
        "∂/∂x = eˣ/(eˣ + eʸ) = exp(x − out);  ∂/∂y = exp(y − out) (finite where eˣ overflows).")),
    Exercise("atan", ("x",), math.atan, _LINE, (
        "differentiate the inverse: tan(out) = x, both sides in x.",
        "tan′ = 1 + tan², so (1 + tan²(out))·out′ = 1, and tan(out) is x.",
        "1/(1 + x²).")),
    Exercise("erf", ("x",), math.erf, _LINE, (
        "the fundamental theorem of calculus: d/dx ∫₀ˣ g(t) dt = g(x).",
        "g is the integrand with its constant in front: (2/√π)·e^(−t²), read at t = x.",
        "(2/√π)·e^(−x²): return (2 / math.sqrt(math.pi) * exp(-x * x),).")),
)


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


def hint_levels(verdicts: Sequence[Verdict], state: dict[str, int], asked: int | None) -> dict[str, int]:
    """The hint level per op: `asked` if given, else 1 on a first failure and 2 on later ones.

    `state` counts earlier failures per op and is updated (an op that passes starts over).
    """
    levels = {}
    for v in verdicts:
        if v.ok or v.status == "TODO":
            state.pop(v.name, None)
            continue
        state[v.name] = state.get(v.name, 0) + 1
        levels[v.name] = asked if asked is not None else min(2, state[v.name])
    return levels


def report(verdicts: Sequence[Verdict], source: str, stream: TextIO,
           levels: dict[str, int] | None = None) -> None:
    levels = levels or {}
    stream.write(f"Gradient-checking exercise: {source}\n")
    width = max(len(v.name) for v in verdicts)
    for v in verdicts:
        stream.write(f"  {v.name:<{width}}  {v.status:<5}  {v.detail}\n")
        for k, line in enumerate(v.hint_lines(levels.get(v.name, 1)), 1):
            label = "hint" if v.fixed_hint else f"hint {k}"
            stream.write(f"  {'':<{width}}         {label}: {line}\n")
    right = sum(v.ok for v in verdicts)
    if right == len(verdicts):
        stream.write(f"All {right} right. Every derivative agrees with finite differences.\n")
    else:
        more = "" if any(lv >= 3 for lv in levels.values()) else " (--hint 3 shows the formulas)"
        stream.write(f"{right} of {len(verdicts)} right. Fix the others and run again{more}.\n")


def _load_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


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
    parser.add_argument("--hint", type=int, choices=(1, 2, 3), metavar="K",
                        help="hint level: 1 the rule to use, 2 how it applies, 3 the formula")
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
    state_path = path.resolve().parent / HINTS_FILE
    state = _load_state(state_path)
    mine = state.setdefault(path.name, {})
    levels = hint_levels(verdicts, mine if isinstance(mine, dict) else {}, args.hint)
    with contextlib.suppress(OSError):  # a read-only folder: hints simply do not grow
        state_path.write_text(json.dumps(state, indent=1), encoding="utf-8")
    report(verdicts, str(path), stream, levels)
    return 0 if all(v.ok for v in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
