"""Three classes: a 2-16-16-3 ReLU network learns the three-arm spiral with softmax cross-entropy.

    python -m demos.spiral           # 300 points, 30 epochs of Adam on minibatches of 30
    python -m demos.spiral --quick   # 150 points, 12 epochs (for tests)

The data is the spiral of the best-known CNN course (100 points per arm, angle noise 0.2, drawn by
NumPy from a seed); no straight line gets much above a third of it right. The network outputs
three scores (logits); the loss is the mean cross-entropy of a minibatch plus 1e-4·Σ p², and Adam
(lr 0.02) takes one step per minibatch of 30 — 300 steps in all, about 9,000 single-sample graphs,
which a scalar engine builds and backpropagates in well under a minute. Writes out/spiral.png: the
decision regions over the points.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from autograd import no_grad
from demos.common import (
    Progress,
    check_out_dir,
    command,
    positive_float,
    positive_int,
    pyplot,
    save_figure,
    seed_value,
)
from demos.training import check_finite
from nn import MLP, Adam, accuracy, cross_entropy, l2
from nn.data import spiral
from nn.metrics import predicted_class
from nn.numpy_reference import NumpyMLP

ALPHA = 1e-4  # the L2 strength
COLOURS = ("#cc5500", "#2255aa", "#228833")
REGIONS = ("#f4c6a0", "#b9cde8", "#bfe3c0")


def make_model(seed: int) -> MLP:
    return MLP(2, [16, 16, 3], activation="relu", output_activation="linear", init="xavier",
               seed=seed)


@dataclass
class Run:
    model: MLP
    losses: list[float] = field(default_factory=list)  # per epoch: mean minibatch loss
    accuracies: list[float] = field(default_factory=list)  # per epoch: on the minibatches as seen


def train(X: np.ndarray, y: np.ndarray, epochs: int, batch: int = 30, lr: float = 0.02,
          seed: int = 1, verbose: bool = True) -> Run:
    """Adam on shuffled minibatches; cross-entropy + L2. The data order is drawn from `seed` too."""
    model = make_model(seed)
    params = model.parameters()
    opt = Adam(params, lr=lr)
    rng = np.random.default_rng(seed)
    rows, labels = X.tolist(), [int(c) for c in y]
    run = Run(model)
    progress = Progress(epochs, "spiral")
    first = None  # the first minibatch's loss: what a runaway loss is measured against
    for epoch in range(epochs):
        order = rng.permutation(len(rows))
        total, right = 0.0, 0
        for start in range(0, len(rows), batch):
            idx = order[start:start + batch]
            logits = [model(rows[i]) for i in idx]
            targets = [labels[i] for i in idx]
            loss = cross_entropy(logits, targets) + l2(params, ALPHA)
            opt.zero_grad()
            loss.backward()
            opt.step()
            # against the first minibatch, not the first epoch's mean: a run that blows up within
            # its first epoch has a huge mean there, and would never count as running away
            check_finite(loss, params, epoch + 1, epochs, lr, progress, first)
            first = loss.data if first is None else first
            total += loss.data * len(idx)
            right += sum(predicted_class(z) == t for z, t in zip(logits, targets))
        run.losses.append(total / len(rows))
        run.accuracies.append(right / len(rows))
        progress.update(epoch + 1, run.losses[-1])
        if verbose and (epoch == 0 or (epoch + 1) % max(1, epochs // 6) == 0 or epoch + 1 == epochs):
            progress.close()
            print(f"  epoch {epoch + 1:>3}  loss {run.losses[-1]:.4f}  "
                  f"accuracy on the minibatches {run.accuracies[-1]:.1%}")
    progress.close()
    return run


def training_accuracy(model: MLP, X: np.ndarray, y: np.ndarray) -> float:
    """Every training point through the engine (no graph recorded), scored by `nn.accuracy`."""
    with no_grad():
        logits = [model(list(map(float, x))) for x in X]
    return accuracy(logits, [int(c) for c in y])


def plot(model: MLP, X: np.ndarray, y: np.ndarray, acc: float, name: str = "spiral.png") -> str | None:
    """The predicted class over a grid (the decision regions), with the points on top."""
    plt = pyplot()
    if plt is None:
        return None
    from matplotlib.colors import ListedColormap

    gx, gy = np.meshgrid(np.linspace(-1.15, 1.15, 200), np.linspace(-1.15, 1.15, 200))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    # 40,000 grid points through the NumPy forward pass with the same weights (the tests check it
    # equals the engine's), because 40,000 engine graphs would take longer than the training.
    regions = NumpyMLP.from_mlp(model).predict(grid).argmax(axis=1).reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(4.6, 4.4), layout="constrained")
    ax.contourf(gx, gy, regions, levels=[-0.5, 0.5, 1.5, 2.5], cmap=ListedColormap(REGIONS))
    ax.contour(gx, gy, regions, levels=[0.5, 1.5], colors="#555555", linewidths=0.6)
    for k, (colour, marker) in enumerate(zip(COLOURS, "os^")):
        pts = X[y == k]
        ax.scatter(pts[:, 0], pts[:, 1], c=colour, marker=marker, s=16, edgecolors="white",
                   linewidths=0.4, label=f"class {k}")
    ax.set(title=f"2-16-16-3 ReLU, cross-entropy + L2: {acc:.1%} training accuracy",
           xlabel="x₁", ylabel="x₂", aspect="equal")
    ax.title.set_fontsize(9)
    ax.legend(fontsize=7, loc="lower right")
    return str(save_figure(fig, name))


@command
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.spiral", description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", "--steps", dest="epochs", type=positive_int,
                        help="passes over the data (30; --quick: 12)")
    parser.add_argument("--points", type=positive_int,
                        help="points per arm (100; --quick: 50)")
    parser.add_argument("--batch", type=positive_int, default=30, help="minibatch size (30)")
    parser.add_argument("--lr", type=positive_float, default=0.02, help="Adam's learning rate (0.02)")
    parser.add_argument("--seed", type=seed_value, default=1, help="seed of the weights and the order (1)")
    parser.add_argument("--data-seed", type=seed_value, default=0, help="seed of the spiral's noise (0)")
    parser.add_argument("--quick", action="store_true", help="150 points and 12 epochs, for tests")
    args = parser.parse_args(argv)
    check_out_dir(parser)
    epochs = args.epochs or (12 if args.quick else 30)  # explicit flags win over --quick
    per_arm = args.points or (50 if args.quick else 100)

    X, y = spiral(per_arm, classes=3, noise=0.2, seed=args.data_seed)
    print(f"Spiral: 3 arms × {per_arm} points, MLP 2-16-16-3 ReLU ({len(make_model(0).parameters())} "
          f"parameters), cross-entropy + L2 {ALPHA:g}, Adam lr {args.lr:g}, minibatches of "
          f"{args.batch}, {epochs} epochs")
    start = time.perf_counter()
    run = train(X, y, epochs, batch=args.batch, lr=args.lr, seed=args.seed)
    acc = training_accuracy(run.model, X, y)
    print(f"after {epochs} epochs ({time.perf_counter() - start:.1f}s): training accuracy {acc:.1%} "
          f"({round(acc * len(X))}/{len(X)} points)")
    path = plot(run.model, X, y, acc)
    if path:
        print(f"decision regions: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
