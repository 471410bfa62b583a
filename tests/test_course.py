"""The graded course: the checker passes the solutions and catches typical mistakes, by name.

The solutions are in tests/course_solutions/mygrad/. Each mutant below is one typical mistake,
planted by replacing one piece of a solution file; the test asserts the part it breaks, the status
and the words of the message the learner gets. Grading runs in-process here (`grade`, what the
grader process runs) to keep the suite quick; the command line, its time limit and its handling
of crashes, loops, prints and imports are tested through real processes at the end.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from demos.course import MARKER, PARTS, cli
from demos.course.cli import main as course_main
from demos.course.cli import run_part
from demos.course.grader import grade

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "tests" / "course_solutions"

P1, P2, P3 = "mygrad/part1_derivative.py", "mygrad/part2_local.py", "mygrad/part3_value.py"
P4, P5, P6, P7 = ("mygrad/part4_order.py", "mygrad/part5_backward.py", "mygrad/part6_nn.py",
                  "mygrad/part7_train.py")

RECURSIVE_ORDER = '''
def topological_order(root):
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for child in node.children:
                visit(child)
            order.append(node)

    visit(root)
    return order
'''
PREORDER = '''
def topological_order(root):
    order, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            order.append(node)
            stack.extend(node.children)
    return order
'''
SIGMOID = "1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))"
RESET = '''    for node in order:
        if node.children:
            node.grad = 0.0
'''

# (id, part, file, old, new, status, words the message must contain)
MUTANTS = [
    # part 1: the central difference
    ("forward difference", 1, P1, "(f(x + h) - f(x - h)) / (2 * h)", "(f(x + h) - f(x)) / h",
     "FAIL", "that is the forward difference (f(x + h) − f(x)) / h"),
    ("divided by h", 1, P1, "/ (2 * h)", "/ h", "FAIL", "divide by 2h, not h"),
    ("a / 2*h", 1, P1, "/ (2 * h)", "/ 2 * h", "FAIL", "in Python `a / 2*h` means (a / 2)·h"),
    ("h = 1e-12", 1, P1, "h=1e-5", "h=1e-12", "FAIL", "the default step gives round-off"),
    ("ignores h", 1, P1, "(f(x + h) - f(x - h)) / (2 * h)", "(f(x + 1e-5) - f(x - 1e-5)) / 2e-5",
     "FAIL", "use the h you are given"),
    # part 2: local derivatives
    ("div: sign of ∂/∂b", 2, P2, "-a / (b * b)", "a / (b * b)", "FAIL",
     "∂out/∂b (the 2nd entry of your tuple): yours"),
    ("mul: swapped", 2, P2, "return (b, a)", "return (a, b)", "FAIL", "first wrong: mul"),
    ("power: x ** p, not x ** (p - 1)", 2, P2, "p * x ** (p - 1)", "p * x ** p", "FAIL",
     "first wrong: power"),
    ("tanh: 1 − x²", 2, P2, "(1 - out * out,)", "(1 - x * x,)", "FAIL", "first wrong: tanh"),
    ("sigmoid: σ(1 − σ) of x", 2, P2, "(out * (1 - out),)", "(x * (1 - x),)", "FAIL", "first wrong: sigmoid"),
    ("relu: no comma", 2, P2, "return (1.0 if x > 0 else 0.0,)", "return (1.0 if x > 0 else 0.0)", "FAIL",
     "`return (d)` is just d in brackets; a one-element tuple needs a comma"),
    ("exp: two values", 2, P2, "return (out,)", "return (out, out)", "FAIL",
     "exp has one input (x), so it needs 1 derivative — your rule returned 2"),
    ("log: raises at some x", 2, P2, "return (1 / x,)", "return (math.log(x - 1) / x,)", "FAIL",
     "raised at"),
    # part 3: the node
    ("+ records no children", 3, P3, 'Value(self.data + other.data, (self, other), "+")',
     'Value(self.data + other.data, (), "+")', "FAIL", "without them backward can never reach the inputs"),
    ("/ swaps its children", 3, P3, '(self, other), "/"', '(other, self), "/"', "FAIL",
     "children in argument order: a / b has (a, b)"),
    ("* recorded as +", 3, P3, '(self, other), "*"', '(self, other), "+"', "FAIL",
     "a * b: op '+', expected '*'"),
    ("sigmoid without the minus", 3, P3, SIGMOID, "1 / (1 + math.exp(x))", "FAIL",
     "σ(x) = 1/(1 + e^−x), with a minus in the exponent"),
    ("sigmoid overflows", 3, P3, SIGMOID, "1 / (1 + math.exp(-x))", "FAIL",
     "for x < 0 use the equal form eˣ/(1 + eˣ)"),
    ("relu keeps negatives", 3, P3, "max(0.0, self.data)", "self.data", "FAIL",
     "relu keeps positive numbers"),
    ("** forgets its exponent", 3, P3, '"**", exponent=p)', '"**")', "FAIL", "a ** 3: exponent None"),
    ("+ changes its input", 3, P3, 'return Value(self.data + other.data, (self, other), "+")',
     'self.data = self.data + other.data\n        return Value(self.data, (self, other), "+")',
     "FAIL", "changed its inputs"),
    # part 4: topological order
    ("no visited set", 4, P4, "elif node not in seen:", "elif True:", "FAIL",
     "appears 2 times in your order"),
    ("recursive sort", 4, P4, None, RECURSIVE_ORDER, "FAIL",
     "then RecursionError: see the iterative version in the hint"),
    ("a node before its children", 4, P4, None, PREORDER, "FAIL",
     "you add a node before its children are done"),
    ("root first", 4, P4, "return order", "return order[::-1]", "FAIL", "it is reversed"),
    ("visited list, not set", 4, P4, [("order, seen = [], set()", "order, seen = [], []"),
                                       ("seen.add(node)", "seen.append(node)")], None, "FAIL",
     "searches the whole list each time"),
    # part 5: backward
    ("= instead of +=", 5, P5, "child.grad += node.grad * d", "child.grad = node.grad * d", "FAIL",
     "did you overwrite instead of adding?"),
    ("root not seeded", 5, P5, "root.grad = 1.0", "pass", "FAIL", "you never seeded the root"),
    ("walks in the wrong order", 5, P5, "for node in reversed(order):", "for node in order:", "FAIL",
     "comes later in your walk"),
    ("resets the leaves", 5, P5, "        if node.children:\n            node.grad = 0.0",
     "        node.grad = 0.0", "FAIL", "you reset the leaves"),
    ("second call adds up", 5, P5, RESET, "", "FAIL", "calling backward twice doubles the interior grads"),
    ("no upstream factor", 5, P5, "child.grad += node.grad * d", "child.grad += d", "FAIL",
     "multiply it by the node's grad"),
    ("input's grad as the factor", 5, P5, "child.grad += node.grad * d", "child.grad += child.grad * d",
     "FAIL", "you multiplied by the input's grad"),
    # part 6: the network
    ("neuron without activation", 6, P6,
     'return z if self.activation == "linear" else getattr(z, self.activation)()', "return z", "FAIL",
     "without the activation"),
    ("neuron without bias", 6, P6, "z = self.b", "z = 0.0", "FAIL", "without the bias"),
    ("bias listed first", 6, P6, "return [*self.w, self.b]", "return [self.b, *self.w]", "FAIL",
     "list the weights first, then the bias"),
    ("mse sums", 6, P6, "return total / len(targets)", "return total", "FAIL", "the sum, not the mean"),
    ("sgd uphill", 6, P6, "p.data -= lr * p.grad", "p.data += lr * p.grad", "FAIL", "you stepped uphill"),
    ("one output in a list", 6, P6, "return x[0] if len(x) == 1 else x", "return x", "FAIL",
     "return the Value itself"),
    # part 7: training
    ("no zero_grad", 7, P7, "        zero_grad(model.parameters())\n", "", "FAIL",
     "training without zero_grad"),
    ("no update", 7, P7, "        sgd_step(model.parameters(), lr)\n", "", "FAIL", "the loss does not move"),
]


def make_course(tmp_path: Path, mutate: tuple | None = None) -> Path:
    """A course folder holding the solutions, with one mutant planted."""
    course = tmp_path / "course"
    assert course_main(["new", str(course)], io.StringIO()) == 0
    for f in (SOLUTIONS / "mygrad").glob("*.py"):
        shutil.copyfile(f, course / "mygrad" / f.name)
    if mutate:
        rel, old, new = mutate
        path = course / rel
        text = path.read_text()
        if old is None:
            text = new
        for o, n in old if isinstance(old, list) else [(old, new)] if old is not None else []:
            assert o in text, (rel, o)
            text = text.replace(o, n)
        path.write_text(text)
    return course


@pytest.mark.parametrize("part", sorted(PARTS))
def test_the_solutions_pass_every_part(tmp_path, part):
    result = grade(make_course(tmp_path), part)
    assert result.status == "ok", result


def test_at_least_25_mutants_on_parts_1_to_7():
    assert len(MUTANTS) >= 25 and {m[1] for m in MUTANTS} == set(PARTS)


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_each_mutant_is_caught_with_its_message(tmp_path, mutant):
    name, part, rel, old, new, status, words = mutant
    course = make_course(tmp_path, (rel, old, new))
    result = grade(course, part)
    text = "\n".join(result.lines)
    assert result.status == status, (name, result)
    assert words in text, (name, text)
    if status == "FAIL":
        assert result.hints, (name, result)


def test_part5_names_step_node_input_and_the_chain_rule_line(tmp_path):
    course = make_course(tmp_path, (P5, "child.grad += node.grad * d", "child.grad = node.grad * d"))
    result = grade(course, 5)
    # the graph with all nine ops: `a` is shared by a*b, exp(a), a**2 and log(a); at step 7 exp(a)
    # passes its share to a, which already holds the others' -0.661129, and `=` throws that away
    assert result.lines[0] == (
        "step 7, node `exp(a)`, input a: yours 1.62837, expected 0.967244 = -0.661129 + 0.220376 × "
        "7.38906 — did you overwrite instead of adding? `a` already held -0.661129 from another node "
        "that uses it: `+=`, not `=`"), result.lines[0]
    assert result.key == "5:overwrite"


def test_part4_says_how_deep_a_recursive_order_goes(tmp_path):
    result = grade(make_course(tmp_path, (P4, None, RECURSIVE_ORDER)), 4)
    depth = int(result.lines[0].split("up to depth ")[1].split(",")[0].replace(",", ""))
    assert 900 <= depth < 1000  # Python's recursion limit of 1,000, less the frames below


def test_a_generated_failing_graph_is_shown_and_is_the_same_every_run(tmp_path):
    course = make_course(tmp_path, (P4, "elif node not in seen:", "elif True:"))
    a, b = grade(course, 4), grade(course, 4)
    assert a.lines == b.lines
    # the fixed graph x·x + x fails first (x appears twice); its code is shown to paste
    assert any("x = Value(3.0)" in line for line in a.lines), a.lines


def test_todo_parts_say_so(tmp_path):
    course = tmp_path / "fresh"
    course_main(["new", str(course)], io.StringIO())
    # the learner's README, and part 1's picture from the finite-difference lab
    assert "python -m demos.course check" in (course / "README.md").read_text()
    assert (course / "fd_lab.png").read_bytes() == (REPO / "docs" / "fd_lab.png").read_bytes()
    assert "fd_lab.png" in (course / "mygrad" / "part1_derivative.py").read_text()
    for part in PARTS:
        result = grade(course, part)
        assert result.status == "TODO", (part, result)
        assert "NotImplementedError" in "\n".join(result.lines) or "TODO" in "\n".join(result.lines)


def test_hints_grow_a_nudge_first_then_more_then_the_code_on_request(tmp_path):
    course = make_course(tmp_path, (P5, "child.grad += node.grad * d", "child.grad = node.grad * d"))
    outs = []
    for argv in (["--part", "5"], ["--part", "5"], ["--part", "5", "--hint", "3"]):
        out = io.StringIO()
        assert course_main(["check", str(course), *argv], out) == 1
        outs.append(out.getvalue())
    first, second, third = outs
    assert "hint 1:" in first and "hint 2:" not in first and "--hint 2" in first
    assert "hint 2:" in second and "hint 3:" not in second
    assert "hint 3:" in third and "child.grad += node.grad * d" in third
    state = json.loads((course / MARKER).read_text())
    assert state["failures"]["5:overwrite"] == 3


# --- through real processes: the command line, time limits, crashes -----------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "demos.course", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def test_command_line_passes_the_solutions_and_stops_at_the_first_failing_part(tmp_path):
    course = make_course(tmp_path, (P3, '(self, other), "*"', '(self, other), "+"'))
    done = run_cli("check", str(course))
    assert done.returncode == 1, done.stderr
    assert "part 2  " in done.stdout and "part 3  " in done.stdout and "FAIL" in done.stdout
    assert "parts 4–7 not checked yet: part 3 first" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    good = make_course(tmp_path / "good")
    ok = run_cli("check", str(good), "--part", "1")
    assert ok.returncode == 0 and " ok " in ok.stdout, ok.stdout + ok.stderr


@pytest.mark.parametrize("name,part,rel,old,new,words", [
    ("infinite loop", 1, P1, "return (f(x + h) - f(x - h)) / (2 * h)", "while True:\n        pass",
     "did not finish within the time limit of 3 s"),
    ("prints without end", 1, P1, "return (f(x + h) - f(x - h)) / (2 * h)",
     "while True:\n        print('still here')", "printed more than 100,000 characters"),
    ("imports glassgrad", 3, P3, "import math\n", "import math\nimport autograd\n",
     "part3_value.py imports autograd"),
    ("ends the process", 1, P1, "return (f(x + h) - f(x - h)) / (2 * h)", "import os\n    os._exit(3)",
     "ended the checking process (exit code 3)"),
    ("raises", 1, P1, "return (f(x + h) - f(x - h)) / (2 * h)", "return 1 / 0",
     "ZeroDivisionError: division by zero"),
    ("syntax error", 2, P2, "return (b, a)", "return (b, a", "SyntaxError"),
])
def test_misbehaving_code_gets_a_verdict_naming_the_part_and_problem(tmp_path, name, part, rel, old,
                                                                     new, words):
    course = make_course(tmp_path, (rel, old, new))
    # a short limit for the endless loop; the others get time to start on a busy machine
    limit = 3 if name == "infinite loop" else 60
    result, seconds = run_part(course, part, time_limit=limit)
    assert result.status == "ERROR", (name, result)
    text = "\n".join(result.lines)
    assert words in text, (name, text)
    assert "Traceback" not in text and seconds < 60


def test_ctrl_c_while_checking_stops_the_grader_too(tmp_path, monkeypatch):
    # The grader runs in a session of its own, so a terminal's Ctrl-C reaches only the checker:
    # the checker must stop the grader, or a learner's endless loop runs on after it has exited.
    course = make_course(tmp_path, (P1, "return (f(x + h) - f(x - h)) / (2 * h)",
                                    "while True:\n        pass"))
    started = []

    class InterruptedWait(subprocess.Popen):
        def wait(self, timeout=None):
            if timeout is not None and self not in started:  # the checker's wait: Ctrl-C there
                started.append(self)
                raise KeyboardInterrupt
            return super().wait(timeout)

    monkeypatch.setattr(cli.subprocess, "Popen", InterruptedWait)
    try:
        with pytest.raises(KeyboardInterrupt):
            run_part(course, 1, time_limit=60)
        assert len(started) == 1 and started[0].poll() is not None  # the grader is gone
    finally:
        for proc in started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def test_bad_course_folders(tmp_path):
    missing = run_cli("check", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "demos.course new" in missing.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    not_course = run_cli("check", str(plain))
    assert not_course.returncode == 2 and "is not a glassgrad course" in not_course.stderr
    old = make_course(tmp_path / "old")
    (old / MARKER).write_text(json.dumps({"course": "glassgrad", "version": 0}))
    other = run_cli("check", str(old))
    assert other.returncode == 2 and "course version 0; this checker is version 1" in other.stderr
    (old / MARKER).write_text("{not json")
    damaged = run_cli("check", str(old))
    assert damaged.returncode == 2 and "is damaged" in damaged.stderr
    again = run_cli("new", str(old))
    assert again.returncode == 2 and "not empty" in again.stderr
    for r in (missing, not_course, other, damaged, again):
        assert "Traceback" not in r.stderr


def test_a_course_that_cannot_be_written_is_an_error_not_a_traceback(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert course_main(["new", str(blocker / "course")], io.StringIO()) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot write a course in {blocker / 'course'}: Not a directory")
    assert "pick a folder you can write in" in err and "Traceback" not in err


def test_the_exercise_command_still_works_and_course_part2_uses_its_checker():
    from demos import gradcheck_exercise
    from demos.course.check_calculus import _extras

    assert [ex.name for ex in _extras()] == [
        "power_xy" if ex.name == "power" else ex.name for ex in gradcheck_exercise.EXERCISES]
    done = subprocess.run([sys.executable, "-m", "demos.gradcheck_exercise",
                           str(REPO / "tests" / "exercise_solutions.py")], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "All 7 right" in done.stdout
