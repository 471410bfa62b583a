"""The three-class demos (spiral, Iris) in quick mode, and the data they train on."""

from __future__ import annotations

import numpy as np
import pytest
from test_demos import assert_picture, number_after

from demos import common, iris, spiral
from nn.data import IRIS_SPECIES, stratified_split
from nn.data import iris as iris_data
from nn.data import spiral as spiral_data
from nn.numpy_reference import NumpyMLP


@pytest.fixture(autouse=True)
def out_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSGRAD_OUT", str(tmp_path))
    monkeypatch.setattr(common, "OUT", tmp_path)
    return tmp_path


def test_iris_csv_is_fishers_data():
    X, y = iris_data()
    assert X.shape == (150, 4) and list(np.bincount(y)) == [50, 50, 50]
    # the per-species means of Fisher's data (as in R's datasets::iris): they catch a mistyped row
    known = {"setosa": [5.006, 3.428, 1.462, 0.246], "versicolor": [5.936, 2.770, 4.260, 1.326],
             "virginica": [6.588, 2.974, 5.552, 2.026]}
    for k, name in enumerate(IRIS_SPECIES):
        np.testing.assert_allclose(X[y == k].mean(axis=0), known[name], atol=5e-4)
    assert list(X[0]) == [5.1, 3.5, 1.4, 0.2] and list(X[-1]) == [5.9, 3.0, 5.1, 1.8]
    # rows 35 and 38 carry Fisher's values, not the UCI copy's two typing errors
    assert list(X[34]) == [4.9, 3.1, 1.5, 0.2] and list(X[37]) == [4.9, 3.6, 1.4, 0.1]
    assert X.sum() == pytest.approx(2078.7)  # the grand total of all 600 measurements


def test_stratified_split_is_seeded_disjoint_and_balanced():
    _, y = iris_data()
    train, test = stratified_split(y, 0.2, seed=0)
    assert len(test) == 30 and list(np.bincount(y[test])) == [10, 10, 10]
    assert not set(train) & set(test) and len(train) + len(test) == 150
    again, _ = stratified_split(y, 0.2, seed=0)
    other, _ = stratified_split(y, 0.2, seed=1)
    assert list(again) == list(train) and list(other) != list(train)
    with pytest.raises(ValueError, match="test_fraction"):
        stratified_split(y, 1.5, seed=0)


def test_a_split_with_an_empty_side_still_indexes_the_data():
    X, y = np.array([[1.0], [2.0], [3.0]]), np.array([0, 0, 1])
    train, test = stratified_split(y, 0.2, seed=0)  # 0.2 of 2 and of 1 round to no test rows
    assert list(train) == [0, 1, 2] and X[test].shape == (0, 1) and y[test].size == 0


def test_spiral_data_is_seeded_three_arms_in_the_unit_disk():
    X, y = spiral_data(100, classes=3, noise=0.2, seed=0)
    assert X.shape == (300, 2) and list(np.bincount(y)) == [100, 100, 100]
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 1.0 + 1e-12)
    np.testing.assert_array_equal(X, spiral_data(100, seed=0)[0])
    assert not np.array_equal(X, spiral_data(100, seed=1)[0])
    with pytest.raises(ValueError, match="classes"):
        spiral_data(10, classes=1)


def test_spiral_quick_run_learns_and_draws_its_regions(out_dir, capsys):
    assert spiral.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert number_after("training accuracy", out) >= 80.0  # 12 epochs; the full run reaches 99%
    first = number_after("epoch   1  loss", out)
    last = number_after("epoch  12  loss", out)
    assert last < first / 2
    assert_picture(out_dir / "spiral.png")


def test_spiral_with_a_huge_learning_rate_says_it_diverged(out_dir, capsys):
    # the loss runs away inside the first epoch; it must be caught, not printed as a result
    assert spiral.main(["--quick", "--lr", "1e6"]) == 1
    err = capsys.readouterr().err
    assert "training diverged at step" in err and "(lr 1e+06)" in err and "smaller learning rate" in err


def test_spiral_regions_use_the_same_function_as_the_engine():
    model = spiral.make_model(seed=3)
    points = np.random.default_rng(0).uniform(-1, 1, size=(40, 2))
    engine = np.array([[v.data for v in model(list(p))] for p in points])
    np.testing.assert_allclose(NumpyMLP.from_mlp(model).predict(points), engine, rtol=0, atol=1e-12)


def test_iris_quick_run_prints_accuracy_and_the_confusion_matrix(out_dir, capsys):
    assert iris.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert number_after("test accuracy", out.split("after 60 steps:")[1]) >= 80.0
    table = out.split("confusion matrix on the held-out flowers:\n")[1].splitlines()[1:4]
    counts = np.array([[int(n) for n in line.split()[2:]] for line in table])
    assert counts.shape == (3, 3) and counts.sum() == 30 and list(counts.sum(axis=1)) == [10, 10, 10]
    assert number_after("test accuracy", out.split("after 60 steps:")[1]) == pytest.approx(
        100 * np.trace(counts) / 30, abs=0.05)
    assert_picture(out_dir / "iris.png")


@pytest.mark.parametrize("module", [spiral, iris])
def test_help_and_bad_flags(module, capsys):
    with pytest.raises(SystemExit) as exit_info:
        module.main(["--help"])
    assert exit_info.value.code == 0 and "usage:" in capsys.readouterr().out
    for bad in (["--no-such-flag"], ["--steps", "0"], ["--lr", "-1"]):
        with pytest.raises(SystemExit) as exit_info:
            module.main(bad)
        assert exit_info.value.code == 2
