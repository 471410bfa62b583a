"""The backward pass one step at a time: order, records, identical grads, and the `demos.step` CLI."""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import AnomalyError, Value, detect_anomaly, parse_expression, sum_values, topological_order
from autograd.stepper import backward_steps, format_number, grad_display, stepper_html
from autograd.viz import draw_step, reading_order
from demos import step as step_cli

ROOT = Path(__file__).resolve().parents[1]
NEURON = "tanh(x1*w1 + x2*w2 + b)"
NEURON_ARGS = ["x1=2", "x2=0", "w1=-3", "w2=1", "b=6.88"]
SLOPE = 1 - math.tanh(0.88) ** 2  # d tanh / d n at n = 2·(-3) + 0·1 + 6.88 = 0.88

# --- random graphs: a recipe of ops over earlier nodes, built twice to compare two passes ----------

OPS = {
    "+": lambda a, b, c: a + b, "-": lambda a, b, c: a - b, "*": lambda a, b, c: a * b,
    "tanh": lambda a, b, c: a.tanh(), "sigmoid": lambda a, b, c: a.sigmoid(),
    "neg": lambda a, b, c: -a, "square": lambda a, b, c: a ** 2, "relu": lambda a, b, c: a.relu(),
    "sin": lambda a, b, c: a.sin(), "sum3": lambda a, b, c: sum_values([a, b, c]),
    "const": lambda a, b, c: 1.5 - a * 0.5,
}

recipes = st.tuples(
    st.lists(st.tuples(st.floats(-1.5, 1.5), st.floats(-2, 2)), min_size=1, max_size=4),
    st.lists(st.tuples(st.sampled_from(sorted(OPS)), st.integers(0, 99), st.integers(0, 99),
                       st.integers(0, 99)), min_size=1, max_size=12),
)


def build(recipe) -> tuple[Value, list[Value]]:
    """The graph of a recipe: leaves (data, grad before the pass), then ops on earlier nodes."""
    leaves_spec, op_spec = recipe
    leaves = [Value(x, label=f"p{i}") for i, (x, _) in enumerate(leaves_spec)]
    for leaf, (_, g) in zip(leaves, leaves_spec):
        leaf.grad = g  # leaves accumulate: start from a grad left by an earlier pass
    nodes = list(leaves)
    for name, i, j, k in op_spec:
        n = len(nodes)
        nodes.append(OPS[name](nodes[i % n], nodes[j % n], nodes[k % n]))
    return nodes[-1], leaves


def finite_graph(root: Value) -> bool:
    return all(math.isfinite(n.data) for n in topological_order(root))


@given(recipes)
def test_every_node_is_stepped_once_before_its_inputs(recipe):
    root, _ = build(recipe)
    assume(finite_graph(root))
    steps = list(root.backward_steps())
    interior = [n for n in topological_order(root) if n.children]
    assert [s.number for s in steps] == list(range(1, len(interior) + 1))
    assert all(s.total == len(interior) for s in steps)
    position = {s.node: s.number for s in steps}
    assert len(position) == len(interior) and set(position) == set(interior)
    for s in steps:
        assert [c.child for c in s.children] == list(s.node.children)
        for child in s.node.children:
            if child.children:  # the node passes its gradient on before its input does
                assert position[s.node] < position[child]
    if root.children:
        assert steps[0].node is root and steps[0].upstream == 1.0


@given(recipes)
def test_exhausted_steps_leave_exactly_the_grads_of_backward(recipe):
    root_a, _ = build(recipe)
    root_b, _ = build(recipe)
    assume(finite_graph(root_a))
    for _ in range(2):  # twice: interior grads are reset each pass, leaves accumulate
        root_a.backward()
        for _ in backward_steps(root_b):
            pass
        grads_a = [n.grad for n in topological_order(root_a)]
        grads_b = [n.grad for n in topological_order(root_b)]
        assume(all(math.isfinite(g) for g in grads_a))
        assert grads_b == grads_a  # bit for bit, not approximately


@given(recipes)
def test_each_record_is_the_chain_rule(recipe):
    root, _ = build(recipe)
    assume(finite_graph(root))
    before = {}
    for s in root.backward_steps():
        for c in s.children:
            assert c.contribution == s.upstream * c.local
            assert c.grad_before == before.get(c.child, c.grad_before)
            before[c.child] = c.grad_after
            assert c.formula.startswith(f"∂({s.node.op_info.expr})/∂{c.arg} = ")
            assert c.derivative.endswith(f" = {format_number(c.local)}")


def test_the_records_of_a_neuron():
    names = {k: Value(float(v), label=k) for k, v in zip(["x1", "x2", "w1", "w2", "b"],
                                                         [2, 0, -3, 1, 6.88])}
    root = parse_expression(NEURON, names)
    steps = list(root.backward_steps())
    assert [s.name for s in steps] == [NEURON, "x1*w1 + x2*w2 + b", "x1*w1 + x2*w2", "x1*w1", "x2*w2"]
    first = steps[0]
    assert first.upstream == 1.0 and first.op == "tanh"
    (c,) = first.children
    assert c.local == pytest.approx(SLOPE, rel=1e-12)
    assert c.formula == "∂(tanh(x))/∂x = 1 - tanh(x)² = 1 - out²"  # the op's rule, its own x
    assert c.derivative == f"∂({NEURON})/∂(x1*w1 + x2*w2 + b) = 0.500972"  # the user's names
    product = steps[3]
    assert product.upstream == pytest.approx(SLOPE, rel=1e-12)
    a, b = product.children
    assert (a.name, a.arg, a.local, b.name, b.arg, b.local) == ("x1", "a", -3.0, "w1", "b", 2.0)
    assert a.formula == "∂(a·b)/∂a = b" and b.formula == "∂(a·b)/∂b = a"
    assert a.derivative == "∂(x1*w1)/∂x1 = -3" and b.derivative == "∂(x1*w1)/∂w1 = 2"
    assert a.contribution == pytest.approx(-3.0 * SLOPE, rel=1e-12)
    assert a.grad_before == 0.0 and a.grad_after == a.contribution
    text = str(product)
    assert text.splitlines() == [
        "step 4/5  x1*w1 = -6, made by × from x1, w1",
        "  upstream gradient  ∂root/∂(x1*w1) = 0.500972",
        "  to x1:",
        "      local derivative  ∂(x1*w1)/∂x1 = -3",
        "                        (rule of ×: ∂(a·b)/∂a = b)",
        "      chain rule        0.500972 × -3 = -1.50292",
        "      its grad          0 → -1.50292",
        "  to w1:",
        "      local derivative  ∂(x1*w1)/∂w1 = 2",
        "                        (rule of ×: ∂(a·b)/∂b = a)",
        "      chain rule        0.500972 × 2 = 1.00194",
        "      its grad          0 → 1.00194",
    ]
    # The op's variables appear only inside its rule, in brackets: never "b = b" or "x = x1*w1".
    for step in steps:
        for line in str(step).splitlines():
            if "rule of" not in line:
                assert not re.match(r"\s+(a|x|out) = ", line), line
    # A sum's inputs are x₀, x₁, …; its rule is a constant.
    s = next(sum_values([names["x1"], names["w1"], names["b"]]).backward_steps())
    assert [c.arg for c in s.children] == ["x₀", "x₁", "x₂"]
    assert s.children[2].formula == "∂(Σ xᵢ)/∂x₂ = 1"


def test_negative_zero_is_shown_as_zero():
    w, x = Value(-0.5, label="w"), Value(0.0, label="x")
    prod = w * x  # -0.0
    assert math.copysign(1, prod.data) == -1
    prod.label = "p"
    step = next((prod * 2.0).backward_steps())
    assert format_number(prod.data) == "0" and format_number(-0.0) == "0"
    assert "-0" not in str(step) and "p = 0," not in str(step)
    assert "made by × from p, 2" in str(step)
    assert [line.split(" = ")[0].strip() for line in step_cli.forward_listing(prod * 2.0)] == [
        "w", "x", "p", "2", "v1"]
    assert "= -0 " not in "\n".join(step_cli.forward_listing(prod * 2.0)) + " "


def test_the_forward_listing_reads_like_the_expression():
    leaves = {k: Value(v, label=k) for k, v in zip(["x1", "x2", "w1", "w2", "b"], [2, 0, -3, 1, 6.88])}
    root = parse_expression(NEURON, leaves)
    assert [n.label for n in reading_order(root)] == [
        "x1", "w1", "x1*w1", "x2", "w2", "x2*w2", "x1*w1 + x2*w2", "b", "x1*w1 + x2*w2 + b", NEURON]
    lines = step_cli.forward_listing(root)
    assert lines[2] == "  x1*w1                   = -6   (× from x1, w1)"
    assert lines[-1] == f"  {NEURON} = 0.706419   (tanh from x1*w1 + x2*w2 + b)"


def test_a_step_picture_makes_bold_exactly_the_edges_its_chain_rule_uses():
    x = Value(3.0, label="x")
    root = x * x + x
    root.label = "y"
    first = next(root.backward_steps())  # y = (x*x) + x: passes on to x*x and to x
    names = {n: n.label or "x*x" for n in topological_order(root)}
    source = draw_step(root, first, {}, names).source
    bold = [line for line in source.splitlines() if "->" in line and "penwidth=2" in line]
    ids = {n: f"v{i}" for i, n in enumerate(reading_order(root))}
    product = root.children[0]
    assert sorted(line.split("[")[0].strip() for line in bold) == sorted(
        [f"{ids[product]} -> {ids[root]}op", f"{ids[x]} -> {ids[root]}op"])
    # The product's own op (x·x) takes no part in this step: its oval is not filled.
    assert f"{ids[product]}op [" in source
    assert "fillcolor" not in source.split(f"{ids[product]}op [")[1].split("]")[0]


def test_steps_use_the_engines_chain_rule_and_a_seeded_leaf_is_added_back():
    a = Value(2.0, label="a")
    a.grad = 10.0  # left by an earlier pass: leaves accumulate
    y = a * a * 3.0
    steps = y.backward_steps()
    next(steps)
    assert a.grad == 0.0  # this pass's sum while it runs, as in backward()
    steps.close()  # stopped early: the earlier grad is added back to what the pass gave so far
    assert a.grad == 10.0
    list(y.backward_steps())
    assert a.grad == 10.0 + 12.0  # d(3a²)/da = 6a


def test_grads_fill_in_as_the_steps_go():
    leaves = {k: Value(v, label=k) for k, v in {"x": 0.5, "w": -2.0}.items()}
    root = parse_expression("sigmoid(x*w) * x", leaves)  # x is used twice
    steps = root.backward_steps()
    first = next(steps)
    assert root.grad == 1.0
    assert leaves["x"].grad == first.children[1].grad_after  # the direct use of x, so far
    assert leaves["w"].grad == 0.0  # not reached yet
    rest = list(steps)
    s = 1 / (1 + math.exp(1.0))
    assert leaves["x"].grad == pytest.approx(s + 0.5 * s * (1 - s) * -2.0, rel=1e-12)
    shown = grad_display([first, *rest], root)
    assert shown[0][leaves["x"]].endswith(" + …")  # partial: the product through sigmoid is to come
    assert not shown[-1][leaves["x"]].endswith("…")
    assert leaves["w"] not in shown[0] and leaves["w"] in shown[-1]


def test_a_leaf_root_has_no_steps_and_is_seeded_like_backward():
    x = Value(3.0)
    x.grad = 2.0
    assert list(x.backward_steps()) == []
    assert x.grad == 3.0
    with pytest.raises(TypeError, match="expected a Value"):
        backward_steps(3.0)  # type: ignore[arg-type]


def test_a_failing_local_derivative_fails_like_backward():
    def graph():
        return Value(0.0, label="z").sqrt() * 2.0  # d√z/dz = 1/(2√z): infinite at 0

    with pytest.raises(ZeroDivisionError) as from_backward:
        graph().backward()
    with pytest.raises(ZeroDivisionError) as from_steps:
        list(graph().backward_steps())
    assert str(from_steps.value) == str(from_backward.value)
    assert "sqrt" in str(from_steps.value)


def test_anomaly_detection_applies_to_the_stepper():
    x = Value(1e-20, label="x")
    root = (x * 1e10) * 1e300  # finite forward (1e290); d root / d x = 1e310 overflows to inf
    with detect_anomaly(), pytest.raises(AnomalyError, match="gradient"):
        list(root.backward_steps())


def test_the_html_page_holds_one_frame_per_step(needs_dot):
    root = parse_expression(NEURON, dict(zip(["x1", "x2", "w1", "w2", "b"], [2, 0, -3, 1, 6.88])))
    page = stepper_html(root, title="t <&>")
    assert page.count('<section class="frame"') == 5
    assert page.count("<svg") == 5 and page.count('class="node current"') == 5
    assert "<title>t &lt;&amp;&gt;</title>" in page
    assert "http://" not in page.replace("http://www.w3.org", "")  # nothing fetched from anywhere
    assert "https://" not in page and "<script src" not in page and "<link" not in page
    assert "∂(x1*w1)/∂x1 = -3" in page and "rule of ×: ∂(a·b)/∂a = b" in page
    with pytest.raises(ValueError, match="max_steps=5"):
        stepper_html(parse_expression(NEURON, dict(x1=2, x2=0, w1=-3, w2=1, b=6.88)), max_steps=4)
    with pytest.raises(ValueError, match="leaf"):
        stepper_html(Value(1.0))




# --- the command line ---------------------------------------------------------------------------


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "demos.step", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})


def test_cli_all_prints_every_step_and_the_gradients():
    done = run_cli(NEURON, *NEURON_ARGS, "--all")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.count("\nstep ") == 5 and "step 5/5  x2*w2 = 0," in out
    assert "tanh(x1*w1 + x2*w2 + b) = 0.706419" in out  # the forward pass
    assert "(rule of tanh: ∂(tanh(x))/∂x = 1 - tanh(x)² = 1 - out²)" in out
    grads = dict(line.split(" = ") for line in out.split("(d root / d name):\n")[1].split("\n\n")[0]
                 .strip().splitlines())
    expected = {"x1": -3 * SLOPE, "x2": SLOPE, "w1": 2 * SLOPE, "w2": 0.0, "b": SLOPE}
    assert {k.strip(): float(v) for k, v in grads.items()} == pytest.approx(expected, rel=1e-5)
    assert "check: backward() on a fresh copy gives the same gradients" in out


def test_cli_from_a_pipe_never_waits():
    """No --all, and stdin is a pipe with no lines at all: it prints everything and ends."""
    done = run_cli(NEURON, *NEURON_ARGS, stdin="")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\nstep ") == 5


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal needs a POSIX system")
def test_cli_in_a_terminal_waits_for_enter_and_q_quits():
    """The real program on a pseudo-terminal: one step, Enter, a second step, q, and it ends."""
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # the child: become the program (os._exit if exec fails, never return to pytest)
        try:
            os.chdir(ROOT)
            os.execv(sys.executable, [sys.executable, "-m", "demos.step", NEURON, *NEURON_ARGS])
        finally:
            os._exit(127)
    seen = b""

    def read_until(marker: bytes, count: int) -> None:
        nonlocal seen
        for _ in range(600):  # up to a minute of 0.1 s polls; the wait ends as soon as it is there
            if seen.count(marker) >= count:
                return
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    seen += os.read(fd, 65536)
                except OSError:  # the program ended
                    break
        assert seen.count(marker) >= count, seen.decode("utf-8", "replace")[-500:]

    try:
        read_until(b"[Enter] next, q quit > ", 1)
        assert seen.count(b"\nstep ") == 1  # it waits after the first step
        os.write(fd, b"\n")
        read_until(b"[Enter] next, q quit > ", 2)
        assert seen.count(b"\nstep ") == 2
        os.write(fd, b"q\n")
        read_until(b"(stopped after step 2 of 5)", 1)
    except BaseException:
        os.kill(pid, signal.SIGKILL)  # a failed test must not leave the program waiting for a key
        raise
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0


def test_stepping_waits_for_enter_and_q_quits():
    answers = iter(["", "q"])
    lines: list[str] = []
    root = parse_expression(NEURON, dict(x1=2, x2=0, w1=-3, w2=1, b=6.88))
    shown = step_cli.step_through(root.backward_steps(), lines.append, lambda: next(answers))
    assert shown == 2
    assert lines[-1] == "(stopped after step 2 of 5)"
    assert sum(line.startswith("step ") for line in lines) == 2


def test_stepping_shows_the_rest_when_input_ends():
    def ask():
        raise EOFError

    lines: list[str] = []
    root = parse_expression(NEURON, dict(x1=2, x2=0, w1=-3, w2=1, b=6.88))
    assert step_cli.step_through(root.backward_steps(), lines.append, ask) == 5


@pytest.mark.parametrize("args,message", [
    ([NEURON, "x1=2", "x2=0", "w1=-3", "w2=1"], "the name 'b' has no value"),
    (["tanh(x1*)", "x1=2"], "expected a number, a name or '('"),
    (["x*y", "x=2", "y"], "expected name=number"),
    (["x*y", "x=2", "y=abc"], "y: expected a number"),
    (["x*y", "x=2", "y=inf"], "finite number"),
    (["x*y", "x=2", "y=3", "--bogus"], "unrecognized arguments"),
    (["x*y", "x=2", "x=3", "y=1"], "x is given twice"),
    (["x", "2x=1"], "cannot be a name"),
])
def test_cli_refuses_bad_input_with_a_message(args, message, capsys):
    try:
        code = step_cli.main(args)
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in err, err


def test_cli_parse_error_shows_a_caret(capsys):
    assert step_cli.main(["tanh(x1 * w1 +)", "x1=1", "w1=2"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-2] == "  tanh(x1 * w1 +)" and err[-1] == "  " + " " * 14 + "^"


def test_cli_reports_a_failing_backward_step_without_a_traceback(capsys):
    # d sqrt(x)/dx is infinite at 0: the engine's own message, exit 1, no traceback.
    assert step_cli.main(["sqrt(x)", "x=0", "--all"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("\nerror: backward through sqrt") and "Traceback" not in err


def test_cli_writes_the_html_page(tmp_path, capsys, needs_dot):
    target = tmp_path / "sub" / "page.html"
    assert step_cli.main([NEURON, *NEURON_ARGS, "--html", str(target)]) == 0
    assert "5 steps" in capsys.readouterr().out
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count('<section class="frame"') == 5

