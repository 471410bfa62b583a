"""Python habits on a Value: formatting, rounding, item/detach, a seeded backward, sum(), pickle,
truth values, and what happens when f reads a Value's number outside the graph."""

from __future__ import annotations

import copy
import math
import pickle
import warnings

import pytest

from autograd import AnomalyWarning, Value, defop, detect_anomaly, gradcheck, topological_order
from autograd.op import REGISTRY
from nn import MLP, SGD, mse


def test_format_specs_round_int_floor_item_read_the_number():
    v = Value(-2.71828, label="v")
    assert f"{v:.3f}" == "-2.718" and format(v, ".2e") == "-2.72e+00" and f"{v:>8.1f}" == "    -2.7"
    assert f"{v}" == repr(v) == "Value(data=-2.71828, grad=0, label='v')"
    assert round(v) == -3 and round(v, 2) == -2.72 and isinstance(round(v), int)
    assert int(v) == -2 and math.trunc(v) == -2 and math.floor(v) == -3 and math.ceil(v) == -2
    assert v.item() == -2.71828 and isinstance(v.item(), float)


def test_detach_is_a_new_leaf_outside_the_graph():
    x = Value(3.0, label="x")
    y = x * x
    d = y.detach()
    assert d.data == 9.0 and d.children == () and d.op == "" and d is not y
    (d * x).backward()
    assert x.grad == 9.0  # through the detached factor nothing flows back to x: d(9·x)/dx


def test_backward_takes_a_seed_gradient():
    x = Value(3.0)
    loss = x * x
    loss.backward(2.0)
    assert loss.grad == 2.0 and x.grad == 12.0
    x.grad = 0.0
    loss.backward()
    assert x.grad == 6.0
    with pytest.raises(TypeError, match="backward: gradient"):
        loss.backward("1")


def test_sum_of_values_adds_no_constant_zero_leaf():
    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(3.0, label="c")
    s = sum([a, b, c])
    assert s.data == 6.0
    nodes = topological_order(s)
    assert {n.label for n in nodes if not n.children} == {"a", "b", "c"}  # no unlabelled 0
    assert len(nodes) == 5  # three leaves and two additions
    assert 0 + a is a and (1 + a).data == 2.0 and (0.0 + a) is not a


def test_a_value_has_no_truth_value():
    with pytest.raises(TypeError, match=r"no truth value.*v\.data > 0"):
        bool(Value(1.0))
    with pytest.raises(TypeError, match="no truth value"):
        if Value(0.0):
            pass
    assert (Value(1.0) > 0) is True  # comparisons read the number
    a = Value(1.0)
    assert a == a and a != Value(1.0)  # == is identity: nodes live in sets and dicts


def graph() -> Value:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b + a.exp()).tanh() - b / a ** 2 + 1 + a.leaky_relu(alpha=0.2) + a.clamp(lo=-1, hi=1)
    c.label = "c"
    return c


def test_pickle_round_trips_a_graph_with_its_ops_and_grads():
    c = graph()
    c.backward()
    c2 = pickle.loads(pickle.dumps(c))
    before, after = topological_order(c), topological_order(c2)
    assert [(n.data, n.grad, n.label, n.op) for n in before] == [
        (n.data, n.grad, n.label, n.op) for n in after]
    assert {n.op_info for n in after if n.children} <= {n.op_info for n in before if n.children}
    for n in after:
        n.grad = 0.0
    c2.backward()
    assert [n.grad for n in after] == [n.grad for n in before]  # the ops work after loading
    # Shared nodes stay shared: a list of a node and a graph that uses it.
    inner = c.children[0]
    inner2, c3 = pickle.loads(pickle.dumps([inner, c]))
    assert c3.children[0] is inner2


def test_pickle_of_a_deep_graph_does_not_recurse():
    x = Value(1.0, label="x")
    y = x
    for _ in range(20_000):  # far deeper than Python's recursion limit
        y = y * 1.0001
    y2 = pickle.loads(pickle.dumps(y))
    assert y2.data == y.data
    y2.backward()
    (leaf,) = [n for n in topological_order(y2) if n.label == "x"]
    assert leaf.grad == pytest.approx(1.0001 ** 20_000)
    assert copy.deepcopy(y).data == y.data


def test_pickle_round_trips_a_model_and_its_optimizer():
    model = MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=5)
    opt = SGD(model.parameters(), lr=0.1)
    model2, opt2 = pickle.loads(pickle.dumps((model, opt)))
    assert model2.state_dict() == model.state_dict()
    assert model2([1.0, 0.0]).data == model([1.0, 0.0]).data
    loss = mse(model2([1.0, 0.0]), 1.0)
    loss.backward()
    opt2.step()
    assert model2.state_dict() != model.state_dict()  # the loaded optimizer moves the loaded model


def test_pickle_names_ops_it_cannot_find():
    op = defop("habits_cube", lambda x: x ** 3, lambda x, out: (3 * x * x,), method=None)
    try:
        y = op(Value(2.0))
        data = pickle.dumps(y)
        assert pickle.loads(data).data == 8.0
        del REGISTRY["habits_cube"]
        with pytest.raises(LookupError, match="import the module that calls defop"):
            pickle.loads(data)
        with pytest.raises(TypeError, match="habits_cube.*cannot be saved"):
            pickle.dumps(y)
    finally:
        REGISTRY.pop("habits_cube", None)


def test_gradcheck_says_f_read_a_number_outside_the_graph():
    result = gradcheck(lambda x: x * math.exp(x), [0.5])
    assert not result.ok
    assert result.culprits[0].startswith("f read x0's number outside the graph")
    assert gradcheck(lambda x: x * x.exp(), [0.5]).ok


def test_detect_anomaly_warns_when_f_reads_a_number_outside_the_graph():
    x = Value(0.5, label="x")
    with detect_anomaly(), pytest.warns(AnomalyWarning, match="f read x's number outside the graph"):
        x * math.exp(x)
    with detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("error")
        y = (x.relu() * x).exp()  # relu's local rule reads float(x): no warning from inside backward
        y.backward()
        assert f"{y:.3f}" == "1.284" and y.data > 0  # reading on purpose: no warning


def test_importing_autograd_gives_every_value_method():
    import subprocess
    import sys
    code = ("from autograd import Value; v = Value(2.0); "
            "print(len(list((v * v).backward_steps())))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "1", done.stderr


def test_make_test_lints_the_project_only_and_exercise_files_are_ignored():
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    assert "LINT_PATHS := autograd nn demos tests" in makefile and "ruff check .\n" not in makefile
    assert "my_derivatives.py" in (root / ".gitignore").read_text(encoding="utf-8").splitlines()
