"""A 2-16-16-1 ReLU classifier on two moons: SVM hinge loss, L2, a decaying learning rate.

    python -m demos.moons            # 100 points, noise 0.1, 100 steps; prints accuracy per step
    python -m demos.moons --quick    # 40 points and 60 steps (for tests)

The well-known small-engine classifier: labels are ±1, the output is a score (linear output layer),
the loss is mean(max(0, 1 − y·score)) + 1e-4·Σ p², and step k (0 … 99) uses the learning rate
1.0 − 0.9·k/100 (k/steps for another --steps). Writes out/moons.png, the decision boundary over
the training points.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

from demos.common import check_out_dir, command, positive_int, pyplot, save_figure, seed_value
from demos.training import fit, predict
from nn import MLP, hinge, l2
from nn.data import two_moons
from nn.numpy_reference import NumpyMLP

ALPHA = 1e-4  # the L2 strength


def make_model(seed: int) -> MLP:
    return MLP(2, [16, 16, 1], activation="relu", output_activation="linear", init="uniform",
               init_scale=1.0, seed=seed)


def train(model: MLP, X: np.ndarray, y: np.ndarray, steps: int,
          report_every: int = 0) -> tuple[list[float], list[float]]:
    """Full-batch training; returns the loss and the training accuracy before each step."""
    rows, labels = X.tolist(), y.tolist()
    params = model.parameters()
    accuracies: list[float] = []

    def loss_of():  # also records the accuracy of the scores it just computed
        scores = [model(x) for x in rows]
        accuracies.append(float(np.mean([(s.data > 0) == (t > 0) for s, t in zip(scores, labels)])))
        return hinge(scores, labels) + l2(params, ALPHA)

    losses = fit(model, loss_of, lambda k: 1.0 - 0.9 * k / steps, steps, label="moons",
                 report_every=report_every)
    return losses, accuracies


def plot(model: MLP, X: np.ndarray, y: np.ndarray, acc: float, name: str = "moons.png") -> str | None:
    """The sign of the score over a grid, with the training points on top."""
    plt = pyplot()
    if plt is None:
        return None
    low, high = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(low[0], high[0], 150), np.linspace(low[1], high[1], 150))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    # 22,500 grid points: the same weights evaluated by the NumPy forward pass (tests check that it
    # matches the engine's), because 22,500 engine graphs would take longer than the training.
    scores = NumpyMLP.from_mlp(model).predict(grid).reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(5, 3.8), layout="constrained")
    ax.contourf(gx, gy, np.sign(scores), levels=[-1.5, 0.0, 1.5], colors=["#f4c6a0", "#b9cde8"])
    ax.contour(gx, gy, scores, levels=[0.0], colors="#333333", linewidths=1)
    for label, colour, marker in ((-1, "#cc5500", "o"), (1, "#2255aa", "s")):
        pts = X[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], c=colour, marker=marker, s=18, edgecolors="white",
                   linewidths=0.5, label=f"y = {label:+d}")
    ax.set(title=f"2-16-16-1 ReLU, hinge + L2: {acc:.0%} training accuracy", xlabel="x₁", ylabel="x₂")
    ax.title.set_fontsize(10)
    ax.legend(fontsize=8, loc="upper right")
    return str(save_figure(fig, name))


@command
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.moons", description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=positive_int, help="training steps (100; --quick: 60)")
    parser.add_argument("--points", type=positive_int, help="number of points (100; --quick: 40)")
    parser.add_argument("--seed", type=seed_value, default=1, help="seed of the initial weights (1)")
    parser.add_argument("--data-seed", type=seed_value, default=1, help="seed of the moons' noise (1)")
    parser.add_argument("--quick", action="store_true", help="40 points and 60 steps, for tests")
    args = parser.parse_args(argv)
    check_out_dir(parser)
    steps = args.steps or (60 if args.quick else 100)  # explicit flags win over --quick
    points = args.points or (40 if args.quick else 100)
    if points < 2:
        parser.error(f"--points must be at least 2 (one per moon), got {points}")

    X, y = two_moons(points, noise=0.1, seed=args.data_seed)
    model = make_model(args.seed)
    print(f"Two moons: {points} points (noise 0.1), MLP 2-16-16-1 ReLU with "
          f"{len(model.parameters())} parameters, hinge + L2 {ALPHA:g}, lr 1.0 − 0.9·k/{steps}, "
          f"{steps} steps")
    losses, accuracies = train(model, X, y, steps)
    for k in sorted({0, *range(9, steps, max(1, steps // 10)), steps - 1}):
        print(f"  step {k + 1:>4}  loss {losses[k]:.6f}  accuracy {accuracies[k]:.0%}")
    final = float(np.mean((predict(model, X) > 0) == (y > 0)))
    print(f"after {steps} steps: training accuracy {final:.1%} "
          f"({round(final * points)}/{points} points on the right side)")
    path = plot(model, X, y, final)
    if path:
        print(f"decision boundary: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
