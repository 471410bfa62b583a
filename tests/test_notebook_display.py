"""Notebook display (autograd.notebook, nn.notebook) and the widgets' kernel side (autograd.widgets,
nn.widgets), without a browser: what each object hands Jupyter, and what the widgets compute.

The widget tests need anywidget (the ``[notebook]`` extra): skipped without it on a workstation,
a failure in CI. The browser side is tested in test_jupyter.py.
"""

from __future__ import annotations

import html
import math
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from autograd import Value, gradcheck, show_stepper
from autograd import notebook as nbdisplay
from autograd.stepper import backward_steps, format_number, stepper_html
from nn import MLP

ROOT = Path(__file__).resolve().parents[1]


def neuron() -> tuple[Value, list[Value]]:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    return (x1 * w1 + x2 * w2 + b).tanh(), [x1, x2, w1, w2, b]


# ----------------------------------------------------------------------------------------------
# Inline display
# ----------------------------------------------------------------------------------------------


def test_a_value_displays_its_graph_as_svg_with_data_and_grad(needs_dot):
    o, _ = neuron()
    o.backward()
    svg = o._repr_svg_()
    assert svg.startswith("<svg")
    text = html.unescape(re.sub(r"<[^>]+>", " ", svg))
    for name, data, grad in (("x1", "2", "-1.5"), ("w1", "-3", "1"), ("b", "6.881", "0.5")):
        assert re.search(rf"{name}\s+data {re.escape(data)}\s+grad {re.escape(grad)}", text), text
    assert "tanh" in text
    assert o._repr_html_() is None  # the picture is shown; no summary competes with it


def test_two_displays_of_one_graph_have_ids_of_their_own(needs_dot):
    o, _ = neuron()
    ids = [set(re.findall(r'id="([^"]+)"', o._repr_svg_())) for _ in range(2)]
    assert ids[0] and not ids[0] & ids[1]


def test_a_large_graph_is_summarised_in_text():
    x = Value(1.0, label="x")
    for _ in range(100):
        x = x * 1.01 + 0.5
    assert x._repr_svg_() is None
    shown = html.unescape(x._repr_html_())
    assert "graph: 401 values (201 leaves, 200 made by ops)" in shown
    assert "ops: * ×100, + ×100" in shown
    assert "leaves: x = 1 (grad 0); 200 unlabelled constants" in shown
    assert "601 nodes" in shown and "max_nodes=601" in shown


def test_without_dot_the_graph_is_summarised_with_install_advice(monkeypatch):
    o, _ = neuron()
    monkeypatch.setattr(nbdisplay.shutil, "which", lambda name: None)
    assert o._repr_svg_() is None
    shown = html.unescape(o._repr_html_())
    assert "leaves: b = 6.88137 (grad 0), w2 = 1 (grad 0), x2 = 0 (grad 0)" in shown
    assert "dot` program is not installed" in shown and "apt-get install graphviz" in shown


def test_labels_are_escaped_in_the_summary(monkeypatch):
    monkeypatch.setattr(nbdisplay.shutil, "which", lambda name: None)
    v = Value(1.0, label="<script>alert(1)</script>") * 2
    assert "<script>" not in v._repr_html_()


def test_ipython_shows_a_value_as_svg(needs_dot):
    formatters = pytest.importorskip("IPython.core.formatters")
    o, _ = neuron()
    data, _ = formatters.DisplayFormatter().format(o)
    assert data["image/svg+xml"].startswith("<svg") and "text/html" not in data
    assert data["text/plain"].startswith("Value(data=0.707107")


def test_a_step_displays_its_chain_rule_table():
    o, _ = neuron()
    steps = list(backward_steps(o))
    shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", steps[-1]._repr_html_())).split())
    assert f"Step {len(steps)} of {len(steps)}" in shown
    assert "made by × from x2, w2" in shown
    assert "∂v2/∂x2 = 1 rule of ×: ∂(a·b)/∂a = b" in shown  # x2·w2 by x2: the other factor, w2 = 1
    assert "0.5 × 1 = 0.5 0 → 0.5" in shown


def test_a_gradcheck_result_displays_as_a_table():
    ok = gradcheck(lambda a, b: a * b, [2.0, 3.0])._repr_html_()
    assert ok.count("<tr>") == 3 and ">ok<" in ok and "#c92a2a" not in ok
    bad = gradcheck(lambda a: a * float(a), [2.0])._repr_html_()  # reads a outside the graph
    assert "FAIL" in bad and "#c92a2a" in bad and "found:" in bad


def test_an_mlp_displays_its_layers():
    shown = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=1)._repr_html_()
    assert "17 parameters" in shown
    cells = re.findall(r"<td>(.*?)</td>", shown)
    assert cells[:4] == ["<b>L0</b>", "2 → 4", "tanh", "12"] and cells[5:9] == ["<b>L1</b>", "4 → 1",
                                                                                "sigmoid", "5"]


class _TopLevel(HTMLParser):
    """The tags of an HTML fragment outside any iframe's srcdoc (which the parser keeps as one attribute)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_the_inline_stepper_is_an_isolated_frame_holding_the_stepper_page(needs_dot):
    o, _ = neuron()
    shown = show_stepper(o, title="neuron")._repr_html_()
    parser = _TopLevel()
    parser.feed(shown)
    tags = [t for t, _ in parser.tags]
    assert tags == ["iframe", "div"], tags  # no script, no ids in the notebook's own page
    frame = parser.tags[0][1]
    assert frame["sandbox"] == "allow-scripts"  # its script runs, but cannot reach the notebook
    page = frame["srcdoc"]  # the parser unescapes it: the page exactly as stepper_html builds it
    again, _ = neuron()
    expected = stepper_html(again, title="neuron")
    # Graphviz draws the same page for the same graph, except for nothing: compare structure and text.
    assert page.count('class="frame"') == expected.count('class="frame"') == 5
    assert re.sub(r"\s+", " ", page) == re.sub(r"\s+", " ", expected)
    assert 'id="counter"' in page and "ArrowRight" in page


def test_the_inline_stepper_refuses_a_leaf_and_a_bad_height():
    with pytest.raises(ValueError, match="root is a leaf"):
        show_stepper(Value(1.0))
    with pytest.raises(ValueError, match="height must be an int of at least 100"):
        show_stepper(Value(1.0) * 2, height=10)
    with pytest.raises(TypeError, match=r"show_stepper: root must be a Value .* got float 3\.0"):
        show_stepper(3.0)


def test_the_inline_stepper_saves_its_page(tmp_path, needs_dot):
    path = show_stepper(Value(2.0, label="a") * 3).save(tmp_path / "sub" / "s.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_the_core_does_not_import_the_notebook_layer():
    for name in ("value.py", "op.py", "ops.py"):
        source = (ROOT / "autograd" / name).read_text(encoding="utf-8")
        assert not re.search(r"from \.(notebook|widgets)\b|import (notebook|widgets)\b", source), name
    assert Value._repr_svg_ is nbdisplay.value_svg  # attached by autograd/notebook.py


# ----------------------------------------------------------------------------------------------
# The widgets' kernel side
# ----------------------------------------------------------------------------------------------


def _anywidget() -> None:
    try:
        import anywidget  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("the widget tests need anywidget; CI must install the [notebook] extra")
        pytest.skip("the widget tests need anywidget (pip install -e '.[notebook]')")


@pytest.fixture
def widgets(needs_dot):
    _anywidget()
    from autograd import widgets

    return widgets


def _grads(leaves):
    return {leaf["name"]: leaf["grad"] for leaf in leaves}


def test_the_stepper_widget_walks_the_pass(widgets):
    o, _ = neuron()
    w = widgets.StepperWidget(o)
    steps = list(backward_steps(neuron()[0]))
    assert (w.total, w.index, w.error) == (5, 0, "")
    assert _grads(w.leaves) == {"x1": "-1.5", "x2": "0.5", "w1": "1", "w2": "0", "b": "0.5"}
    for k in (1, 4, 2):
        w.index = k
        assert f"Step {k + 1} of 5" in w.explain and html.escape(steps[k].name) in w.explain
        current = re.search(r'<g id="[^"]*" class="node current">.*?</g>', w.picture, re.S)
        assert current and f">{steps[k].name}<" in current.group(0)
    w.index = 99  # from a stale page: clamped
    assert w.index == 4


def test_a_leaf_edit_reruns_forward_and_backward(widgets):
    o, _ = neuron()
    w = widgets.StepperWidget(o)
    w.index = 2
    assert [leaf["name"] for leaf in w.leaves] == ["b", "w1", "w2", "x1", "x2"]
    w.edit_leaf(4, "1.5")  # x2 = 1.5
    x1, x2, w1, w2, b = (Value(v, label=n) for v, n in ((2.0, "x1"), (1.5, "x2"), (-3.0, "w1"),
                                                         (1.0, "w2"), (6.8813735870195432, "b")))
    want = (x1 * w1 + x2 * w2 + b).tanh()
    want.backward()
    assert w.error == "" and w.root_value == format_number(want.data) == format_number(o.data)
    assert _grads(w.leaves) == {v.label: format_number(v.grad) for v in (x1, x2, w1, w2, b)}
    assert w.index == 2 and "Step 3 of 5" in w.explain


def test_an_edit_outside_an_ops_domain_is_shown_and_undone(widgets):
    z = Value(2.0, label="z")
    root = (z.log() * z).tanh()
    w = widgets.StepperWidget(root)
    before = (list(w.leaves), w.picture, root.data)
    w.edit_leaf(0, "-1")
    assert "log" in w.error and "x > 0" in w.error and "z = -1 was undone" in w.error
    assert (w.leaves, w.picture, root.data) == before
    w.edit_leaf(0, "nonsense")
    assert w.error == "z: 'nonsense' is not a number; type one, e.g. -0.5"
    w.edit_leaf(0, "inf")
    assert "not a finite number" in w.error
    w.edit_leaf(0, "3")  # and it still works
    assert w.error == "" and w.leaves[0]["value"] == "3" and root.data == math.tanh(math.log(3) * 3)


def test_bad_roots_are_explained_in_place_and_a_good_one_can_follow(widgets):
    w = widgets.StepperWidget(3)
    assert w.error.startswith("StepperWidget: expected a Value as the root, got int 3")
    assert (w.total, w.picture) == (0, "")
    w.index = 1  # a click on a widget with nothing to show does nothing
    leaf = Value(1.0, label="a")
    w.set_root(leaf)
    assert "is a leaf, so the backward pass has no steps" in w.error
    w.set_root(leaf * 2)
    assert w.error == "" and w.total == 1 and w.picture.startswith("<svg")
    odd = widgets.StepperWidget(leaf * 2, mode="sideways")
    assert "mode='sideways' is not known; choose one of 'backward'" in odd.error and odd.total == 1


def test_predict_mode_hides_the_step_until_a_guess(widgets):
    o, _ = neuron()
    w = widgets.StepperWidget(o, predict=True)
    assert not w.revealed and "What is" in w.explain and "Step 1" not in w.explain
    w.guess("1.0004")  # the root: 1, within the tolerance of 1e-3
    assert "Right: 1 (within 0.001)" in w.feedback and w.revealed and "Step 1 of 5" in w.explain
    w.index = 1
    assert not w.revealed and w.feedback == ""
    # the current node's gradient is a "?" in the picture until the guess
    current = re.search(r'class="node current">.*?</g>', w.picture, re.S).group(0)
    assert re.findall(r">([^<>]+)</text>", current)[-1] == "grad ?", current
    w.guess("0.3")
    assert "Not quite: you said 0.3." in w.feedback
    assert html.unescape(w.feedback).endswith(
        "(∂root/∂v5 = 1) × (∂v5/∂v4 = 0.5) = 0.5</p>")  # tanh′ at 0.7071: 1 − 0.5
    w.guess("x")
    assert "is not a number" in w.feedback


def test_the_widget_messages_from_the_page(widgets):
    o, _ = neuron()
    w = widgets.StepperWidget(o)
    w._on_message(w, {"edit": 0, "value": "1"}, [])
    assert w.leaves[0]["value"] == "1"
    w._on_message(w, {"edit": 99, "value": "1"}, [])  # a stale index: ignored
    w._on_message(w, "garbage", [])
    assert w.error == ""


def test_the_training_view_trains_and_draws(needs_dot):
    _anywidget()
    from nn import SGD
    from nn.data import xor
    from nn.widgets import TrainingView

    X, y = xor()
    model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=3)
    view = TrainingView(model, X, y, optimizer=SGD(model.parameters(), lr=0.5), grid=10)
    assert (view.steps, view.loss, view.grid_size, len(view.grid)) == (0, None, 10, 100)
    assert view.points == [[0.0, 0.0, 0.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
    first = view.step()
    view._on_message(view, {"action": "step"}, [])
    assert view.steps == 2 and view.loss < first
    view.run()
    deadline = 200
    while len(view.history) < 50 and deadline:
        view._thread.join(0.05)
        deadline -= 1
    view.pause()
    assert not view.running and view.error == "" and view.steps == len(view.history) >= 50
    assert view.history[-1] < view.history[0]
    assert view.curve[0] == [0, view.history[0]] and view.curve[-1][0] == len(view.history) - 1
    # the decision regions: the model's own output at a cell's centre
    x0, x1, y0, y1 = view.bounds
    cx, cy = x0 + 0.5 * (x1 - x0) / 10, y1 - 0.5 * (y1 - y0) / 10
    assert view.grid[0] == model([cx, cy]).data


def test_a_failing_training_step_is_shown_in_the_view(needs_dot):
    _anywidget()
    from nn.widgets import TrainingView

    def broken(preds, targets):
        return (preds[0] * 0 - 1).log()  # log(-1): a domain error on every step

    model = MLP(2, [2, 1], activation="tanh", output_activation="linear", seed=1)
    view = TrainingView(model, [[5.0, 5.0]], [1.0], loss=broken)
    view._on_message(view, {"action": "step"}, [])
    assert view.error.startswith("ValueError: log(") and view.steps == 0
    view.run()
    view._thread.join(5)
    assert view.error.startswith("Training stopped at step 0: ValueError: log(") and not view.running


def test_a_step_failing_between_redraws_still_shows_every_step_taken(needs_dot):
    _anywidget()
    from nn import SGD, mse
    from nn.widgets import TrainingView

    calls = []

    def fails_on_the_eighth_call(preds, targets):
        calls.append(1)
        if len(calls) == 8:
            raise ValueError("the eighth loss")
        return mse(preds, targets)

    model = MLP(2, [2, 1], activation="tanh", seed=1)
    view = TrainingView(model, [[0.5, -0.5], [1.0, 0.0]], [1.0, -1.0], loss=fails_on_the_eighth_call,
                        optimizer=SGD(model.parameters(), lr=0.1), every=5)
    view.run()
    view._thread.join(5)
    # redraws came after steps 5 and 10; step 8 failed: the view says 7 steps, as the message does
    assert view.error == "Training stopped at step 7: ValueError: the eighth loss"
    assert view.steps == len(view.history) == 7 and view.curve[-1] == [6, view.history[6]]
    assert view.loss == view.history[6] and not view.running


def test_the_training_view_trains_a_three_class_model_with_cross_entropy(needs_dot):
    _anywidget()
    from nn import Adam, cross_entropy
    from nn.data import spiral
    from nn.metrics import predicted_class
    from nn.widgets import TrainingView

    X, y = spiral(10, seed=0)  # NumPy int labels 0, 1, 2
    model = MLP(2, [8, 3], seed=0)
    view = TrainingView(model, X, y, loss=cross_entropy, optimizer=Adam(model.parameters(), lr=0.05),
                        grid=6)
    view._on_message(view, {"action": "step"}, [])
    view.step(20)
    assert view.error == "" and len(view.history) == 21 and view.history[-1] < view.history[0]
    view._publish()
    # the regions hold the class the model picks at each cell's centre
    x0, x1, y0, y1 = view.bounds
    cx, cy = x0 + 0.5 * (x1 - x0) / 6, y1 - 0.5 * (y1 - y0) / 6
    assert view.grid[0] == predicted_class(model([cx, cy])) and set(view.grid) <= {0.0, 1.0, 2.0}
    assert view.levels == [0, 2] and view.points[0][2] == 0
    assert view.classes == 3  # one colour per class on the page, not a blue-to-orange scale


@pytest.mark.parametrize("argument, text", [
    ({"grid": 1}, "grid must be an int from 2 to 200"), ({"grid": 1000}, "grid must be an int from 2"),
    ({"grid": 2.5}, "got 2.5"), ({"max_steps": 0}, "max_steps must be a positive int (Run stops there), "
                                                   "got 0"),
    ({"max_steps": "10"}, "got '10'"), ({"every": True}, "every must be a positive int"),
])
def test_the_training_view_refuses_a_bad_grid_or_step_count_in_its_own_words(argument, text):
    _anywidget()
    from nn.widgets import TrainingView

    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError) as info:
        TrainingView(model, [[0.0, 1.0], [1.0, 0.0]], [0.0, 1.0], **argument)
    assert str(info.value).startswith("TrainingView: ") and text in str(info.value)
    view = TrainingView(model, [[0.0, 1.0], [1.0, 0.0]], [0.0, 1.0], grid=2, max_steps=1)
    assert view.classes == 0 and view.grid_size == 2  # one output: a scale between the targets


def test_run_after_a_pause_that_outlasted_a_slow_step_starts_no_second_loop(needs_dot):
    _anywidget()
    import threading

    from nn import mse
    from nn.widgets import TrainingView

    inside, release = threading.Event(), threading.Event()

    def slow(preds, targets):  # the background loop's first loss waits until released
        if threading.current_thread().name == "glassgrad-training" and not release.is_set():
            inside.set()
            release.wait(30)
        return mse(preds, targets)

    model = MLP(2, [2, 1], activation="tanh", seed=1)
    view = TrainingView(model, [[0.5, -0.5]], [1.0], loss=slow, every=1, max_steps=3)
    view.PAUSE_WAIT = 0.05
    view.run()
    assert inside.wait(30)
    view.pause()   # gives up waiting: the slow step is still running
    view.run()     # must not start a second training loop beside it
    loops = [t for t in threading.enumerate() if t.name == "glassgrad-training"]
    release.set()
    for t in loops:
        t.join(30)
    assert len(loops) == 1 and view.error == "" and len(view.history) == 1


def test_forward_mode_steps_along_a_chosen_leaf(widgets):
    o, _ = neuron()
    w = widgets.StepperWidget(o, mode="forward")
    assert w.modes == ["backward", "forward"] and w.error == ""
    assert (w.seed, w.total) == ("b", 5)  # the first leaf by label, until one is chosen
    w.seed = "x1"
    assert w.index == 0
    w.index = 4
    shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", w.explain)).split())
    assert "Step 5 of 5 (forward, along x1)" in shown
    assert "d root / d x1 = -1.5; the backward pass gives x1.grad = -1.5" in shown
    boxes = dict(re.findall(r'font-weight="bold"[^>]*>([^<]+)</text>.*?>data [^<]*</text>.*?>([^<]+)</text>',
                            w.picture, re.S))
    assert (boxes["x1"], boxes["w1"], boxes["v5"]) == ("tangent 1", "tangent 0", "tangent -1.5"), boxes
    w.predict = True
    assert "What is the tangent of <code>v5</code>, d v5 / d x1?" in w.explain
    assert w.picture.count(">tangent ?<") == 1
    w.guess("-1.5")
    assert "Right: -1.5" in w.feedback
    w.mode = "backward"
    assert (w.index, w.total) == (0, 5) and "What is <code>∂root/∂v5</code>" in w.explain
    # an edit in forward mode re-runs the forward pass too
    w.mode = "forward"
    w.predict = False
    w.edit_leaf(4, "1.0")  # x2 = 1: no change along x1 at v2 = x2·w2, but the root moves
    w.index = 4
    from autograd import jvp

    want = jvp(lambda a, c, d, e, f: (a * c + d * e + f).tanh(),
               [2.0, -3.0, 1.0, 1.0, 6.8813735870195432], [1.0, 0, 0, 0, 0])[1]
    assert f"d root / d x1 = {format_number(want)}; the backward pass" in html.unescape(w.explain)


def test_forward_mode_needs_a_labelled_leaf(widgets):
    w = widgets.StepperWidget(Value(2.0) * 3, mode="forward")
    assert "no labelled leaf to differentiate along" in w.error


def test_a_forward_step_displays_its_tangent_table():
    o, (x1, *_) = neuron()
    last = list(o.forward_steps({x1: 1.0}))[-1]
    shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", last._repr_html_())).split())
    assert "Step 5 of 5 (forward): v5 = 0.707107" in shown
    assert "0.5 × -3 = -1.5" in shown and "tangent of v5 = -1.5 = -1.5" in shown
