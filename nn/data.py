"""Small datasets for the demos and tests: XOR, noisy bit pairs, two moons, a handful of houses.

Everything random is drawn from a NumPy generator seeded by the caller, so a seed names one exact
dataset. Arrays are float64 with one row per sample; targets are a flat array (one per sample).
"""

from __future__ import annotations

import math

import numpy as np

from .checks import is_whole

#: The four XOR rows and their targets: the output is 1 when exactly one input is 1.
XOR_X: list[list[float]] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_Y: list[float] = [0.0, 1.0, 1.0, 0.0]

#: A handful of houses: (size in square feet, price in dollars), about $200 per square foot give or
#: take a few thousand dollars of "location". Made up for the demo, written out so it can be read.
HOUSES: list[tuple[float, float]] = [
    (850.0, 172_000.0),
    (1_200.0, 236_000.0),
    (1_500.0, 305_000.0),
    (1_750.0, 347_000.0),
    (2_100.0, 425_000.0),
    (2_400.0, 474_000.0),
    (2_800.0, 563_000.0),
    (3_200.0, 638_000.0),
]


def xor(ones_column: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The XOR truth table as arrays X (4, 2) and Y (4,).

    With `ones_column` X gets a constant third column of ones (4, 3): the old trick of giving a
    network without biases a bias anyway — a weight on an input that is always 1 *is* a bias.
    """
    X = np.array(XOR_X)
    if ones_column:
        X = np.hstack([X, np.ones((len(X), 1))])
    return X, np.array(XOR_Y)


def noisy_bit_pairs(n: int = 1000, noise: float = 0.1, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """`n` random bit pairs with Gaussian noise N(0, noise²) added to the inputs; target = XOR of the bits.

    The label is the XOR of the *clean* bits, so with small noise the task stays XOR; noise 0 gives
    exact bits. Raises ValueError for n < 1 or a negative or infinite noise level.
    """
    if not is_whole(n) or n < 1:
        raise ValueError(f"noisy_bit_pairs: n must be a positive whole number, got {n!r}")
    if not 0 <= noise < math.inf:  # also refuses NaN; an infinite spread gives no usable points
        raise ValueError(f"noisy_bit_pairs: noise must be a finite number ≥ 0 (a standard deviation), "
                         f"got {noise!r}")
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2, size=(n, 2))
    X = bits + noise * rng.standard_normal((n, 2))
    return X, (bits[:, 0] ^ bits[:, 1]).astype(np.float64)


def two_moons(n: int = 100, noise: float = 0.1, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, `n` points in all, labels −1 (upper moon) and +1 (lower moon).

    Upper moon: (cos t, sin t); lower moon: (1 − cos t, ½ − sin t), for t evenly spaced in [0, π];
    then Gaussian noise N(0, noise²) on both coordinates. No straight line separates the classes,
    which is the point. Labels are ±1 because the hinge loss wants them so.
    """
    if not is_whole(n) or n < 2:
        raise ValueError(f"two_moons: n must be a whole number ≥ 2 (one point per moon), got {n!r}")
    if not 0 <= noise < math.inf:
        raise ValueError(f"two_moons: noise must be a finite number ≥ 0 (a standard deviation), "
                         f"got {noise!r}")
    rng = np.random.default_rng(seed)
    n_upper = n // 2
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n - n_upper)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower]) + noise * rng.standard_normal((n, 2))
    y = np.concatenate([-np.ones(n_upper), np.ones(n - n_upper)])
    return X, y


def houses() -> tuple[np.ndarray, np.ndarray]:
    """`HOUSES` as arrays: sizes in square feet (n,) and prices in dollars (n,)."""
    data = np.array(HOUSES)
    return data[:, 0], data[:, 1]


def spiral(n_per_class: int = 100, classes: int = 3, noise: float = 0.2,
           seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`classes` interleaved spiral arms of `n_per_class` points each; labels 0 … classes − 1.

    Arm j: radius r from 0 to 1 and angle θ = 4j … 4(j + 1) radians (evenly spaced, plus Gaussian
    noise N(0, noise²) on θ), at the point (r·sin θ, r·cos θ) — the three-class spiral of the
    best-known CNN course, which no linear classifier gets much above a third right.
    """
    if not is_whole(n_per_class) or n_per_class < 1:
        raise ValueError(f"spiral: n_per_class must be a positive whole number, got {n_per_class!r}")
    if not is_whole(classes) or classes < 2:
        raise ValueError(f"spiral: classes must be a whole number ≥ 2, got {classes!r}")
    if not 0 <= noise < math.inf:  # an infinite angle's sine is NaN
        raise ValueError(f"spiral: noise must be a finite number ≥ 0 (a standard deviation of the "
                         f"angle), got {noise!r}")
    rng = np.random.default_rng(seed)
    r = np.linspace(0.0, 1.0, n_per_class)
    X = np.zeros((n_per_class * classes, 2))
    y = np.repeat(np.arange(classes), n_per_class)
    for j in range(classes):
        theta = np.linspace(4.0 * j, 4.0 * (j + 1), n_per_class) + noise * rng.standard_normal(n_per_class)
        X[j * n_per_class:(j + 1) * n_per_class] = np.column_stack([r * np.sin(theta), r * np.cos(theta)])
    return X, y


#: Fisher's three iris species, in the order of their class indices 0, 1, 2
IRIS_SPECIES = ("setosa", "versicolor", "virginica")
IRIS_FEATURES = ("sepal length", "sepal width", "petal length", "petal width")


def iris() -> tuple[np.ndarray, np.ndarray]:
    """Fisher's Iris data from nn/iris.csv (its source is noted at its top): X (150, 4) in cm,
    y (150,) class indices into `IRIS_SPECIES`, 50 flowers of each species in order."""
    from pathlib import Path

    path = Path(__file__).with_name("iris.csv")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    rows = [line.split(",") for line in lines[1:]]  # after the header
    X = np.array([[float(v) for v in row[:4]] for row in rows])
    y = np.array([IRIS_SPECIES.index(row[4]) for row in rows])
    return X, y


def stratified_split(y: np.ndarray | list, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test): the same share of every class in the test set, drawn from `seed`."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"stratified_split: test_fraction must be between 0 and 1, got {test_fraction!r}")
    y = np.asarray(y)  # a list's `y == k` is one False, not a mask: every row would be lost
    rng = np.random.default_rng(seed)
    train, test = [], []
    for k in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == k))
        n_test = round(test_fraction * len(members))
        test.extend(members[:n_test])
        train.extend(members[n_test:])
    # integer arrays even when empty (np.array([]) is float, and X[float array] is an IndexError)
    return np.sort(np.array(train, dtype=np.intp)), np.sort(np.array(test, dtype=np.intp))
