"""nn's datasets and metrics: the tables and samples the demos train on, and how answers are scored."""

import math

import numpy as np
import pytest

from autograd import Value
from nn.data import (
    HOUSES,
    IRIS_SPECIES,
    houses,
    iris,
    noisy_bit_pairs,
    spiral,
    stratified_split,
    two_moons,
    xor,
)
from nn.metrics import accuracy, predicted_class

# --- xor and houses: tables written out ------------------------------------------------------------


def test_xor_is_the_truth_table_with_or_without_a_ones_column():
    X, y = xor()
    assert X.dtype == np.float64 and y.dtype == np.float64
    assert X.tolist() == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    assert y.tolist() == [0.0, 1.0, 1.0, 0.0]  # 1 when exactly one input is 1
    X1, y1 = xor(ones_column=True)
    assert X1.tolist() == [[0.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]]
    assert y1.tolist() == y.tolist()


def test_houses_are_sizes_and_prices_in_table_order():
    sizes, prices = houses()
    assert sizes.shape == prices.shape == (len(HOUSES),) == (8,)
    assert sizes[0] == 850.0 and prices[0] == 172_000.0
    assert sizes[-1] == 3_200.0 and prices[-1] == 638_000.0
    assert list(zip(sizes.tolist(), prices.tolist())) == HOUSES


# --- noisy bit pairs ---------------------------------------------------------------------------------


def test_noisy_bit_pairs_default_to_1000_pairs_with_noise_0_1_from_seed_1():
    X, y = noisy_bit_pairs()
    assert X.shape == (1000, 2) and y.shape == (1000,) and X.dtype == y.dtype == np.float64
    np.testing.assert_array_equal(X, noisy_bit_pairs(1000, noise=0.1, seed=1)[0])
    bits = np.round(X)  # noise 0.1 never carries a bit past 0.5 in these 2000 draws
    assert set(bits.ravel().tolist()) == {0.0, 1.0}
    assert np.std(X - bits) == pytest.approx(0.1, rel=0.05)


def test_noisy_bit_pairs_label_the_clean_bits_with_their_xor():
    clean, y = noisy_bit_pairs(400, noise=0.0, seed=3)
    assert set(clean.ravel().tolist()) == {0.0, 1.0}  # noise 0: exact bits
    a, b = clean[:, 0].astype(int), clean[:, 1].astype(int)
    np.testing.assert_array_equal(y, (a ^ b).astype(float))
    # all four corners turn up, about a quarter each, and so about half the labels are 1
    corners = np.bincount(2 * a + b, minlength=4)
    assert np.all(np.abs(corners - 100) < 30) and 0.4 < y.mean() < 0.6
    noisy, y_noisy = noisy_bit_pairs(400, noise=0.3, seed=3)
    np.testing.assert_array_equal(y_noisy, y)  # the same bits under the noise, the same labels
    assert np.std(noisy - clean) == pytest.approx(0.3, rel=0.1)
    assert abs(np.mean(noisy - clean)) < 0.05


def test_noisy_bit_pairs_are_named_by_their_seed():
    X, y = noisy_bit_pairs(50, noise=0.1, seed=7)
    X2, y2 = noisy_bit_pairs(50, noise=0.1, seed=7)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, noisy_bit_pairs(50, noise=0.1, seed=8)[0])
    assert noisy_bit_pairs(1, noise=0.1)[0].shape == (1, 2)  # one pair is a dataset


@pytest.mark.parametrize("call, words", [
    (lambda: noisy_bit_pairs(0), "noisy_bit_pairs: n must be a positive whole number, got 0"),
    (lambda: noisy_bit_pairs(10.0), "noisy_bit_pairs: n must be a positive whole number, got 10.0"),
    (lambda: noisy_bit_pairs(True), "noisy_bit_pairs: n must be a positive whole number, got True"),
    (lambda: noisy_bit_pairs(10, noise=-0.5),
     "noisy_bit_pairs: noise must be a finite number ≥ 0 (a standard deviation), got -0.5"),
    (lambda: noisy_bit_pairs(10, noise=math.nan),
     "noisy_bit_pairs: noise must be a finite number ≥ 0 (a standard deviation), got nan"),
    (lambda: noisy_bit_pairs(10, noise=math.inf),
     "noisy_bit_pairs: noise must be a finite number ≥ 0 (a standard deviation), got inf"),
    (lambda: two_moons(1), "two_moons: n must be a whole number ≥ 2 (one point per moon), got 1"),
    (lambda: two_moons(10.0), "two_moons: n must be a whole number ≥ 2 (one point per moon), got 10.0"),
    (lambda: two_moons(10, noise=-0.5),
     "two_moons: noise must be a finite number ≥ 0 (a standard deviation), got -0.5"),
    (lambda: two_moons(10, noise=math.nan),
     "two_moons: noise must be a finite number ≥ 0 (a standard deviation), got nan"),
    (lambda: two_moons(10, noise=math.inf),
     "two_moons: noise must be a finite number ≥ 0 (a standard deviation), got inf"),
    (lambda: spiral(0), "spiral: n_per_class must be a positive whole number, got 0"),
    (lambda: spiral(10.0), "spiral: n_per_class must be a positive whole number, got 10.0"),
    (lambda: spiral(10, classes=1), "spiral: classes must be a whole number ≥ 2, got 1"),
    (lambda: spiral(10, classes=3.0), "spiral: classes must be a whole number ≥ 2, got 3.0"),
    (lambda: spiral(10, classes=True), "spiral: classes must be a whole number ≥ 2, got True"),
    (lambda: spiral(10, noise=-0.5),
     "spiral: noise must be a finite number ≥ 0 (a standard deviation of the angle), got -0.5"),
    (lambda: spiral(10, noise=math.nan),
     "spiral: noise must be a finite number ≥ 0 (a standard deviation of the angle), got nan"),
    (lambda: spiral(10, noise=math.inf),  # was NaN points and a RuntimeWarning
     "spiral: noise must be a finite number ≥ 0 (a standard deviation of the angle), got inf"),
    (lambda: stratified_split(np.array([0, 1]), 0.0, seed=0),
     "stratified_split: test_fraction must be between 0 and 1, got 0.0"),
    (lambda: stratified_split(np.array([0, 1]), 1.0, seed=0),
     "stratified_split: test_fraction must be between 0 and 1, got 1.0"),
    (lambda: stratified_split(np.array([0, 1]), 1.5, seed=0),
     "stratified_split: test_fraction must be between 0 and 1, got 1.5"),
])
def test_datasets_refuse_bad_sizes_and_noise_in_words(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value) == words


def test_datasets_take_counts_that_come_out_of_numpy():
    # a count computed with NumPy is an np.int64, not an int: it was refused as "not a whole number"
    y = np.array([0, 2, 1, 2])
    X, labels = spiral(np.int64(4), classes=y.max() + 1, noise=0.0)
    assert X.shape == (12, 2) and labels.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert noisy_bit_pairs(np.int64(5))[0].shape == (5, 2)
    assert two_moons(np.int64(5))[1].tolist() == [-1.0, -1.0, 1.0, 1.0, 1.0]


def test_a_seed_names_the_same_dataset_in_every_version():
    # The README's pictures (docs/moons.png, docs/spiral.png) and the figures quoted beside them were
    # made from these draws: a change in how the noise is drawn or added, even one that keeps its
    # distribution (subtracting it), changes every published result. (NumPy keeps its Generator's
    # streams stable in practice; should an upgrade change them, re-run `make gallery` and these.)
    np.testing.assert_allclose(noisy_bit_pairs()[0][:2], [[-0.0760988181339869, 0.8988722545973566],
                                                          [1.0881458832448776, 1.0271009946924208]],
                               rtol=1e-12)
    np.testing.assert_allclose(two_moons()[0][:2], [[1.0345584192064785, 0.0821618143501158],
                                                    [1.0309891003686750, -0.0662455031797232]],
                               rtol=1e-12)
    np.testing.assert_allclose(spiral()[0][[1, 101, 201]],
                               [[0.0001412385058006, 0.0101000226111226],
                                [-0.0089871746621263, -0.0046109756725820],
                                [0.0100804986663074, -0.0006433907827151]], rtol=1e-12)


# --- two moons ---------------------------------------------------------------------------------------


def test_two_moons_lie_on_their_half_circles_before_the_noise():
    X, y = two_moons(21, noise=0.0)
    assert X.shape == (21, 2) and y.shape == (21,) and y.dtype == np.float64
    upper, lower = X[y == -1], X[y == 1]
    assert len(upper) == 10 and len(lower) == 11  # an odd point goes to the lower moon
    assert y[:10].tolist() == [-1.0] * 10 and y[10:].tolist() == [1.0] * 11  # upper moon first
    # upper: the unit half circle above the x axis, from (1, 0) round to (-1, 0)
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, rtol=1e-12)
    np.testing.assert_allclose(upper[[0, -1]], [[1.0, 0.0], [-1.0, 0.0]], atol=1e-12)
    assert np.all(upper[:, 1] >= -1e-12)
    # lower: the unit half circle about (1, ½) below it, from (0, ½) round to (2, ½)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0, rtol=1e-12)
    np.testing.assert_allclose(lower[[0, -1]], [[0.0, 0.5], [2.0, 0.5]], atol=1e-12)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)
    # t evenly spaced in [0, π] on each moon: equal steps of angle
    t_upper = np.arctan2(upper[:, 1], upper[:, 0])
    t_lower = np.arctan2(0.5 - lower[:, 1], 1.0 - lower[:, 0])
    np.testing.assert_allclose(np.diff(t_upper), np.pi / 9, rtol=1e-9)
    np.testing.assert_allclose(np.diff(t_lower), np.pi / 10, rtol=1e-9)


def test_two_moons_default_to_100_points_with_noise_0_1_from_seed_1():
    X, y = two_moons()
    assert X.shape == (100, 2) and list(np.bincount(y.astype(int) + 1)) == [50, 0, 50]
    np.testing.assert_array_equal(X, two_moons(100, noise=0.1, seed=1)[0])
    clean, _ = two_moons(100, noise=0.0)
    assert np.std(X - clean) == pytest.approx(0.1, rel=0.15)


def test_two_moons_noise_is_gaussian_of_the_stated_size_and_named_by_the_seed():
    clean, y = two_moons(1000, noise=0.0)
    noisy, y2 = two_moons(1000, noise=0.25, seed=5)
    np.testing.assert_array_equal(y, y2)
    assert np.std(noisy - clean) == pytest.approx(0.25, rel=0.05)
    assert np.abs(np.mean(noisy - clean, axis=0)).max() < 0.03
    # the same seed draws the same noise; a different noise level scales it
    again, _ = two_moons(1000, noise=0.5, seed=5)
    np.testing.assert_allclose(again - clean, 2.0 * (noisy - clean), rtol=1e-9, atol=1e-12)
    assert not np.array_equal(noisy, two_moons(1000, noise=0.25, seed=6)[0])
    assert two_moons(2, noise=0.0)[1].tolist() == [-1.0, 1.0]  # one point per moon


# --- spiral ------------------------------------------------------------------------------------------


def test_spiral_arms_follow_the_documented_curve_before_the_noise():
    n = 9
    X, y = spiral(n, classes=4, noise=0.0)
    assert X.shape == (36, 2) and X.dtype == np.float64
    assert y.tolist() == [0] * 9 + [1] * 9 + [2] * 9 + [3] * 9
    r = np.linspace(0.0, 1.0, n)
    for j in range(4):
        theta = np.linspace(4.0 * j, 4.0 * (j + 1), n)
        np.testing.assert_allclose(X[y == j], np.column_stack([r * np.sin(theta), r * np.cos(theta)]),
                                   atol=1e-15)
    # arm 1 at its middle point: radius ½ at angle 6 rad
    np.testing.assert_allclose(X[13], [0.5 * math.sin(6.0), 0.5 * math.cos(6.0)], atol=1e-15)


def test_spiral_noise_turns_the_angle_only_by_the_stated_spread():
    n = 400
    clean, y = spiral(n, classes=3, noise=0.0)
    noisy, y2 = spiral(n, classes=3, noise=0.1, seed=2)
    np.testing.assert_array_equal(y, y2)
    # the radius r = 0 … 1 stays exact: the noise is on the angle
    r = np.tile(np.linspace(0.0, 1.0, n), 3)
    np.testing.assert_allclose(np.hypot(noisy[:, 0], noisy[:, 1]), r, atol=1e-12)
    keep = r > 0  # the centre has no angle
    turn = np.arctan2(noisy[keep, 0], noisy[keep, 1]) - np.arctan2(clean[keep, 0], clean[keep, 1])
    turn = (turn + np.pi) % (2 * np.pi) - np.pi
    assert np.std(turn) == pytest.approx(0.1, rel=0.08) and abs(np.mean(turn)) < 0.02
    for j in range(3):  # every arm has its own noise, not a copy of the first arm's
        arm = turn[y[keep] == j]
        assert np.std(arm) == pytest.approx(0.1, rel=0.15)
    assert not np.allclose(turn[y[keep] == 0], turn[y[keep] == 1])


def test_spiral_defaults_to_three_arms_of_100_with_noise_0_2_from_seed_0():
    X, y = spiral()
    assert X.shape == (300, 2) and list(np.bincount(y)) == [100, 100, 100]
    np.testing.assert_array_equal(X, spiral(100, classes=3, noise=0.2, seed=0)[0])
    assert not np.array_equal(X, spiral(100, classes=3, noise=0.2, seed=1)[0])
    clean, _ = spiral(100, classes=3, noise=0.0)
    keep = np.hypot(clean[:, 0], clean[:, 1]) > 0
    turn = np.arctan2(X[keep, 0], X[keep, 1]) - np.arctan2(clean[keep, 0], clean[keep, 1])
    turn = (turn + np.pi) % (2 * np.pi) - np.pi
    assert np.std(turn) == pytest.approx(0.2, rel=0.2)
    assert spiral(1, classes=2, noise=0.0)[0].tolist() == [[0.0, 0.0], [0.0, 0.0]]  # r = 0 only


# --- iris --------------------------------------------------------------------------------------------


def test_iris_is_fishers_150_flowers_of_three_species():
    X, y = iris()
    assert X.shape == (150, 4) and X.dtype == np.float64 and y.shape == (150,)
    assert y.tolist() == [0] * 50 + [1] * 50 + [2] * 50  # in order, 50 of each
    assert IRIS_SPECIES[y[0]] == "setosa" and IRIS_SPECIES[y[-1]] == "virginica"
    assert X[0].tolist() == [5.1, 3.5, 1.4, 0.2]      # the first setosa
    assert X[50].tolist() == [7.0, 3.2, 4.7, 1.4]     # the first versicolor
    assert X[100].tolist() == [6.3, 3.3, 6.0, 2.5]    # the first virginica
    assert X[-1].tolist() == [5.9, 3.0, 5.1, 1.8]     # the last flower
    assert X.sum() == pytest.approx(2078.7)


# --- stratified_split --------------------------------------------------------------------------------


def test_stratified_split_keeps_each_class_share_and_never_overlaps():
    y = np.array([0] * 10 + [1] * 20 + [2] * 6)
    train, test = stratified_split(y, 0.3, seed=4)
    assert train.dtype == test.dtype == np.intp
    assert list(np.bincount(y[test])) == [3, 6, 2]  # round(0.3 × 10, 20, 6)
    assert list(np.bincount(y[train])) == [7, 14, 4]
    assert not set(train.tolist()) & set(test.tolist())
    assert sorted(train.tolist() + test.tolist()) == list(range(36))
    assert train.tolist() == sorted(train.tolist()) and test.tolist() == sorted(test.tolist())


def test_stratified_split_is_named_by_its_seed_and_shuffles_within_each_class():
    y = np.array([1, 0] * 20)  # classes interleaved, and not starting at class 0
    train, test = stratified_split(y, 0.5, seed=0)
    again_train, again_test = stratified_split(y, 0.5, seed=0)
    assert train.tolist() == again_train.tolist() and test.tolist() == again_test.tolist()
    assert list(np.bincount(y[test])) == [10, 10]
    draws = {tuple(stratified_split(y, 0.5, seed=s)[1].tolist()) for s in range(5)}
    assert len(draws) == 5  # five seeds, five different test sets


def test_stratified_split_takes_labels_as_a_plain_list_of_names():
    # a list (not an array) of species names: `list == name` is one False, and every row was lost
    y = ["setosa"] * 4 + ["virginica"] * 6
    train, test = stratified_split(y, 0.5, seed=1)
    assert [y[i] for i in test].count("setosa") == 2 and [y[i] for i in test].count("virginica") == 3
    assert sorted(train.tolist() + test.tolist()) == list(range(10))


def test_a_split_with_an_empty_side_gives_integer_indices():
    X, y = np.array([[1.0], [2.0], [3.0]]), np.array([0, 0, 1])
    train, test = stratified_split(y, 0.2, seed=0)  # 0.2 of 2 and of 1 round to no test rows
    assert train.tolist() == [0, 1, 2] and test.dtype == np.intp and X[test].shape == (0, 1)
    train, test = stratified_split(y, 0.9, seed=0)  # 0.9 of 2 and of 1 round to every row
    assert test.tolist() == [0, 1, 2] and train.dtype == np.intp and X[train].shape == (0, 1)


# --- metrics -----------------------------------------------------------------------------------------


def test_predicted_class_is_the_first_largest_score():
    assert predicted_class([0.1, 2.5, -1.0]) == 1
    assert predicted_class([3.0, 1.0, 3.0]) == 0  # a tie goes to the first
    assert predicted_class([-2.0, 5.0, 5.0]) == 1
    assert predicted_class([Value(-1.0), Value(-0.5)]) == 1
    assert predicted_class([7.0]) == 0
    assert predicted_class(np.array([0.0, 0.0, 1.0])) == 2
    with pytest.raises(ValueError) as info:
        predicted_class([])
    assert str(info.value) == "predicted_class: scores is an empty list; give one score per class"


def test_accuracy_is_the_fraction_of_samples_predicted_right():
    rows = [[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 1.0, 0.0], [0.0, 0.0, 4.0]]
    assert accuracy(rows, [0, 1, 0, 2]) == 1.0
    assert accuracy(rows, [0, 1, 1, 2]) == 0.75  # the tie in row 2 goes to class 0
    assert accuracy(rows, [2, 2, 2, 0]) == 0.0
    assert accuracy([0.5, -1.0], 0) == 1.0 and accuracy([0.5, -1.0], 1) == 0.0
    assert accuracy([[Value(1.0), Value(3.0)], [Value(0.0), Value(-1.0)]], [1, 1]) == 0.5
    with pytest.raises(ValueError) as info:
        accuracy([[1.0, 2.0]], [0, 1])
    assert str(info.value) == "accuracy: 1 sample in logits but 2 target(s); give one class index per sample"
