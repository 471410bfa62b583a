"""The gradient-checking exercise: it passes the shipped solutions and catches every wrong one."""

from __future__ import annotations

import io
import math
import subprocess
import sys
import types
from pathlib import Path

import exercise_solutions as solutions
import pytest

from autograd import REGISTRY
from autograd.ops import EXP, LOG, SIGMOID, TANH
from demos import gradcheck_exercise as runner

REPO = Path(__file__).resolve().parents[1]
C = math.sqrt(2.0 / math.pi)

# Mistakes learners make, one op at a time; each must turn exactly that op's verdict to not-ok.
MUTANTS = {
    "softplus": [
        ("forgot the inner derivative", lambda x, out: (1 / (1 + EXP(x)),)),
        ("e^x, not e^x/(1 + e^x)", lambda x, out: (EXP(x),)),
        ("leaves the graph (math.exp)", lambda x, out: (1 / (1 + math.exp(-float(x))),)),
        ("not a tuple", lambda x, out: SIGMOID(x)),
    ],
    "swish": [
        ("no product rule", lambda x, out: (SIGMOID(x),)),
        ("σ′ as σ(1 − x)", lambda x, out: (SIGMOID(x) + x * SIGMOID(x) * (1 - x),)),
    ],
    "gelu": [
        ("dropped the tanh term", lambda x, out: (0.5 * (1 + TANH(C * (x + 0.044715 * x ** 3))),)),
        ("u′ without the 3", lambda x, out: (
            0.5 * (1 + TANH(C * (x + 0.044715 * x ** 3)))
            + 0.5 * x * (1 - TANH(C * (x + 0.044715 * x ** 3)) ** 2) * C * (1 + 0.044715 * x * x),)),
    ],
    "power": [
        ("forgot ln x", lambda x, y, out: (y * x ** (y - 1), out)),
        ("swapped", lambda x, y, out: (out * LOG(x), y * x ** (y - 1))),
        ("power rule on y too", lambda x, y, out: (y * x ** (y - 1), x * y ** (x - 1))),
    ],
    "logaddexp": [
        ("treated as x + y", lambda x, y, out: (1.0, 1.0)),
        ("weights without the normaliser", lambda x, y, out: (EXP(x), EXP(y))),
        ("weights swapped", lambda x, y, out: (EXP(y - out), EXP(x - out))),
    ],
    "atan": [
        ("sign slip", lambda x, out: (1 / (1 - x * x),)),
        ("derivative of tan instead", lambda x, out: (1 + x * x,)),
    ],
    "erf": [
        ("forgot 2/√π", lambda x, out: (EXP(-x * x),)),
        ("lost the minus", lambda x, out: (2 / math.sqrt(math.pi) * EXP(x * x),)),
    ],
}
CASES = [(op, why, f) for op, mutants in MUTANTS.items() for why, f in mutants]


def with_answer(name: str, local) -> types.SimpleNamespace:
    """The solutions, with `name`'s derivative replaced by `local`."""
    answers = {ex.name: getattr(solutions, ex.name) for ex in runner.EXERCISES}
    answers[name] = local
    return types.SimpleNamespace(**answers)


def test_every_op_of_the_exercise_has_mutants():
    assert sorted(MUTANTS) == sorted(ex.name for ex in runner.EXERCISES)


def test_the_solutions_pass():
    before = dict(REGISTRY)
    verdicts = runner.check_answers(solutions)
    assert [(v.name, v.status) for v in verdicts] == [(ex.name, "ok") for ex in runner.EXERCISES]
    assert all(v.checked >= 33 and v.failed == 0 for v in verdicts)
    assert before == REGISTRY  # the checker's ops never join the engine's registry


@pytest.mark.parametrize("name,why,local", CASES, ids=[f"{n}: {w}" for n, w, _ in CASES])
def test_each_mutant_is_caught_and_only_its_op(name, why, local):
    verdicts = {v.name: v for v in runner.check_answers(with_answer(name, local))}
    caught = verdicts.pop(name)
    assert caught.status in ("WRONG", "ERROR"), (why, caught)
    assert caught.hint_lines(1) and caught.detail, caught
    assert all(v.ok for v in verdicts.values())


def test_a_wrong_answer_names_the_worst_input_and_the_numbers():
    (verdict,) = [v for v in runner.check_answers(with_answer("erf", MUTANTS["erf"][0][1]))
                  if v.name == "erf"]
    # the error (2/√π − 1)·e^(−x²) is largest at x = 0 (yours 1, the truth 2/√π) and falls below
    # the tolerance (1e-5 + 1e-3·|truth|) for |x| ≥ 3.25: wrong at 33 − 8 points
    assert verdict.detail == ("wrong at 25 of 33 points; worst at x = 0: ∂out/∂x: yours 1, "
                              f"finite differences {2 / math.sqrt(math.pi):.6g}")
    assert verdict.hint_lines(1) == ["the fundamental theorem of calculus: d/dx ∫₀ˣ g(t) dt = g(x)."]


def test_leaving_the_graph_is_a_second_order_failure_with_its_own_hint():
    leaky = MUTANTS["softplus"][2][1]
    (verdict,) = [v for v in runner.check_answers(with_answer("softplus", leaky))
                  if v.name == "softplus"]
    assert verdict.status == "WRONG"
    assert verdict.detail.startswith("second derivatives wrong at 11 of 11"), verdict.detail
    assert "leaves the graph" in verdict.hint_lines(1)[0]


def test_the_template_is_all_todo(tmp_path):
    target = tmp_path / "mine.py"
    assert runner.main(["--new", str(target)], io.StringIO()) == 0
    assert target.read_text() == runner.TEMPLATE.read_text()
    out = io.StringIO()
    assert runner.main([str(target)], out) == 1
    assert out.getvalue().count("TODO") == len(runner.EXERCISES)
    assert "0 of 7 right" in out.getvalue()
    assert runner.main(["--new", str(target)], out) == 2  # never overwrites


def test_command_line_exit_codes(tmp_path):
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "demos.gradcheck_exercise", *args], cwd=REPO,
                              capture_output=True, text=True, timeout=120)

    good = run(str(REPO / "tests" / "exercise_solutions.py"))
    assert good.returncode == 0 and "All 7 right" in good.stdout, good.stdout + good.stderr
    broken = tmp_path / "broken.py"
    text = (REPO / "tests" / "exercise_solutions.py").read_text()
    broken.write_text(text.replace("return (1 / (1 + x * x),)", "return (1 / (1 + x),)"))
    bad = run(str(broken))
    assert bad.returncode == 1 and "atan       WRONG" in bad.stdout and "6 of 7 right" in bad.stdout
    missing = run(str(tmp_path / "nowhere.py"))
    assert missing.returncode == 2 and "--new" in missing.stderr


# --- issue 13: the feedback names the learner's inputs, and hints grow ---------------------------


def test_a_failing_rule_names_the_learners_input_and_line():
    # ∂/∂y of x ** y written with log(y): at y < 0 log fails. The message names y (the learner's
    # name, here `expo`), not log's own parameter x, and says which tuple entry is wrong elsewhere.
    def power(base, expo, out):
        return (expo * base ** (expo - 1), out * LOG(expo))

    (verdict,) = [v for v in runner.check_answers(with_answer("power", power)) if v.name == "power"]
    assert verdict.status == "WRONG"
    assert "∂out/∂expo (the 2nd entry of your tuple): yours 160.354, finite differences 177.446" \
        in verdict.detail, verdict.detail
    assert "raised at 21 of 49 points; first at base = 0.25, expo = -2" in verdict.detail
    assert "it computes log(expo) with expo = -2 (log needs expo > 0)" in verdict.detail
    assert "return (expo * base ** (expo - 1), out * LOG(expo))" in verdict.detail  # their line
    assert "x = " not in verdict.detail and "∂out/∂x" not in verdict.detail


def test_shape_hints_fit_the_mistake():
    (two,) = [v for v in runner.check_answers(with_answer("erf", lambda x, out: (1.0, 2.0)))
              if v.name == "erf"]
    assert two.status == "ERROR" and "mind the comma" not in two.detail + two.hint_lines(1)[0]
    assert "erf has one input (x), so it needs 1 derivative — your rule returned 2" in two.detail
    (bare,) = [v for v in runner.check_answers(with_answer("erf", lambda x, out: 2.0 * x))
               if v.name == "erf"]
    assert "`return (d)` is just d in brackets" in bare.detail and "`return (d,)`" in bare.detail


def test_hints_grow_a_nudge_first_the_formula_only_on_request(tmp_path):
    wrong = (REPO / "tests" / "exercise_solutions.py").read_text().replace(
        "return (1 / (1 + x * x),)", "return (1 / (1 + x),)")
    mine = tmp_path / "mine.py"
    mine.write_text(wrong)
    outs = []
    for argv in ([str(mine)], [str(mine)], [str(mine)], [str(mine), "--hint", "3"]):
        out = io.StringIO()
        assert runner.main(argv, out) == 1
        outs.append(out.getvalue())
    first, second, third, asked = outs
    nudge, more, formula = next(ex.hints for ex in runner.EXERCISES if ex.name == "atan")
    assert f"hint 1: {nudge}" in first and more not in first and formula not in first
    assert f"hint 2: {more}" in second and formula not in second
    assert formula not in third  # repeated failures never give the formula away
    assert f"hint 3: {formula}" in asked
    assert "--hint 3 shows the formulas" in first
    assert (tmp_path / runner.HINTS_FILE).is_file()
