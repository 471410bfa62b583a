"""The forward-mode stepper and the two modes side by side: records, pages and the command line."""

from __future__ import annotations

import math

import pytest

from autograd import Value, jvp, parse_expression
from autograd.stepper import backward_steps, forward_steps, reading_order, stepper_html
from autograd.stepper_modes import forward_stepper_html, modes_stepper_html, tangent_display
from demos import step as cli

NEURON = "tanh(x1*w1 + x2*w2 + b)"
BINDINGS = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.88}
ARGS = [f"{k}={v:g}" for k, v in BINDINGS.items()]
SLOPE = 1 - math.tanh(0.88) ** 2  # tanh′ at the neuron's input 0.88


def neuron() -> tuple[Value, dict[str, Value]]:
    leaves = {k: Value(v, label=k) for k, v in BINDINGS.items()}
    return parse_expression(NEURON, leaves), leaves


def test_forward_steps_of_the_neuron_by_x1():
    root, leaves = neuron()
    steps = list(forward_steps(root, {leaves["x1"]: 1.0}))
    assert [s.name for s in steps] == ["x1*w1", "x2*w2", "x1*w1 + x2*w2", "x1*w1 + x2*w2 + b", NEURON]
    assert [s.tangent for s in steps] == pytest.approx([-3.0, 0.0, -3.0, -3.0, -3.0 * SLOPE])
    first = steps[0]
    assert [(c.name, c.tangent, c.local, c.contribution) for c in first.children] == [
        ("x1", 1.0, -3.0, -3.0), ("w1", 0.0, 2.0, 0.0)]
    assert first.children[0].derivative == "∂(x1*w1)/∂x1 = -3"
    assert steps[-1].tangent == jvp(lambda *v: parse_expression(NEURON, dict(zip(BINDINGS, v))),
                                    list(BINDINGS.values()), [1.0, 0, 0, 0, 0])[1]


def test_tangents_fill_in_from_the_inputs_up():
    root, leaves = neuron()
    seeds = {leaves["x1"]: 1.0}
    order = reading_order(root)
    steps = list(forward_steps(root, seeds))
    frames = tangent_display(steps, order, seeds)
    first, last = frames[0], frames[-1]
    assert first[leaves["x1"]] == "1" and first[leaves["w1"]] == "0" and first[steps[0].node] == "-3"
    assert root not in first and last[root] == "-1.50292"  # "?" in the picture until its step


def test_the_forward_page_holds_one_frame_per_step(needs_dot):
    root, leaves = neuron()
    page = forward_stepper_html(root, leaves["x1"], title="f <&>")
    assert page.count('<section class="frame"') == 5 and page.count('class="node current"') == 5
    assert "<title>f &lt;&amp;&gt;</title>" in page and "tangent 1" in page
    assert "∂(x1*w1)/∂x1</code> = -3 + 0 = <b class='tangent'>-3</b>" in page
    assert "https://" not in page and "<script src" not in page
    assert leaves["x1"].grad == 0.0  # forward mode never touches .grad
    with pytest.raises(ValueError, match="max_steps=5"):
        forward_stepper_html(root, leaves["x1"], max_steps=4)


def test_the_side_by_side_page_pairs_the_steps_and_counts_passes(needs_dot):
    root, leaves = neuron()
    page = modes_stepper_html(root, leaves["x1"])
    assert page.count('<section class="frame pair"') == 5
    assert page.count('class="pane" data-mode="fwd"') == 5 and page.count('class="pane" data-mode="rev"') == 5
    assert page.count('class="node current"') == 10  # one per pane
    assert 'pass <b>1</b> of <b class="fwd-passes">5</b>' in page
    assert 'pass <b>1</b> of <b class="rev-passes">1</b>' in page
    names = [s.name for s in backward_steps(neuron()[0])]
    for k, name in enumerate(names, 1):  # step k of the backward pass is on the right of frame k
        frame = page.split(f'data-step="{k}"', 1)[1].split("</section>", 1)[0]
        assert f'data-mode="rev" data-node="{name}"' in frame
    assert "∂(tanh(x1*w1 + x2*w2 + b))/∂x1 = -1.50292</code>. For the other 4 input(s)" in page
    assert "∂(tanh(x1*w1 + x2*w2 + b))/∂w1 = 1.00194" in page
    with pytest.raises(TypeError, match="one input Value"):
        modes_stepper_html(root, {leaves["x1"]: 1.0})


def test_cli_forward_mode_in_the_terminal(capsys):
    assert cli.main([NEURON, *ARGS, "--mode", "fwd", "--wrt", "w1", "--all"]) == 0
    out = capsys.readouterr().out
    assert "forward-mode pass: 5 steps, inputs first, computing the tangents ∂node/∂w1" in out
    assert out.count("\nstep ") == 5 and "tangent of x1*w1 = 0 + 2 = 2" in out
    assert f"∂(tanh(x1*w1 + x2*w2 + b))/∂w1 = {2 * SLOPE:.6g}" in out
    assert "check: jvp gives the same tangent; backward() gives" in out


def test_cli_both_modes_in_the_terminal(capsys):
    assert cli.main([NEURON, *ARGS, "--mode", "both", "--all"]) == 0  # --wrt: the first name, x1
    out = capsys.readouterr().out
    assert "computing the tangents ∂node/∂x1" in out and out.count("\nstep ") == 10
    assert "passes for all 5 derivatives: forward mode 5 (one per input), reverse mode 1" in out


def test_cli_writes_the_pages(tmp_path, capsys, needs_dot):
    assert cli.main([NEURON, *ARGS, "--mode", "fwd", "--html", str(tmp_path / "f.html")]) == 0
    assert cli.main([NEURON, *ARGS, "--mode", "both", "--html", str(tmp_path / "b.html")]) == 0
    out = capsys.readouterr().out
    assert "f.html: 5 steps;" in out and "b.html: 5 steps a pass, the two passes side by side" in out
    assert (tmp_path / "b.html").read_text(encoding="utf-8").count('class="frame pair"') == 5


@pytest.mark.parametrize("args, message", [
    (["--wrt", "x1"], "--wrt goes with --mode fwd or --mode both"),
    (["--mode", "fwd", "--wrt", "z"], "--wrt z: no input of that name"),
    (["--mode", "sideways"], "invalid choice: 'sideways'"),
])
def test_cli_refuses_bad_mode_flags(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([NEURON, *ARGS, *args])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_cli_refuses_an_unused_wrt(capsys):
    with pytest.raises(SystemExit):
        cli.main(["x*y", "x=1", "y=2", "z=3", "--mode", "fwd", "--wrt", "z"])
    assert "does not use z" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["stepper_html", "forward_stepper_html", "modes_stepper_html"])
def test_every_page_refuses_a_root_that_is_no_value_or_a_leaf_in_its_own_name(where):
    x = Value(2.0, label="x")
    make = {"stepper_html": lambda root: stepper_html(root),
            "forward_stepper_html": lambda root: forward_stepper_html(root, x),
            "modes_stepper_html": lambda root: modes_stepper_html(root, x)}[where]
    with pytest.raises(TypeError) as info:
        make(3.0)  # a number, e.g. loss.data instead of loss
    assert str(info.value) == (f"{where}: expected a Value (the result to step through, e.g. the "
                               f"loss), got float 3.0")
    with pytest.raises(ValueError, match=rf"^{where}: the root is a leaf, so .* has no steps; build"):
        make(x)
