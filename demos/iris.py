"""Fisher's Iris: a 4-8-3 tanh network tells three species apart from four measurements.

    python -m demos.iris           # 120 flowers to train on, 30 held out; 150 full-batch Adam steps
    python -m demos.iris --quick   # 60 steps (for tests)

The 150 flowers come from nn/iris.csv (Fisher, 1936; public domain — the file notes its source).
A seeded, stratified split holds out 10 flowers of each species; the four measurements are
standardised with the training set's means and standard deviations. The loss is the mean
cross-entropy over the training set; Adam (lr 0.02) takes one step per pass. Prints the test
accuracy and the confusion matrix; writes out/iris.png, the learning curve (training and test loss,
test accuracy per step).
"""

from __future__ import annotations

import argparse
import sys
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
from nn import MLP, Adam, accuracy, cross_entropy
from nn.data import IRIS_SPECIES, iris, stratified_split
from nn.metrics import predicted_class


def make_model(seed: int) -> MLP:
    return MLP(4, [8, 3], activation="tanh", output_activation="linear", init="xavier", seed=seed)


@dataclass
class Run:
    model: MLP
    train_losses: list[float] = field(default_factory=list)
    test_losses: list[float] = field(default_factory=list)
    test_accuracies: list[float] = field(default_factory=list)


def train(X: np.ndarray, y: np.ndarray, X_test: np.ndarray, y_test: np.ndarray, steps: int,
          lr: float = 0.02, seed: int = 1) -> Run:
    """Full-batch Adam on cross-entropy; the test loss and accuracy are measured before each step."""
    model = make_model(seed)
    opt = Adam(model.parameters(), lr=lr)
    rows, labels = X.tolist(), [int(c) for c in y]
    test_rows, test_labels = X_test.tolist(), [int(c) for c in y_test]
    run = Run(model)
    progress = Progress(steps, "iris")
    for k in range(steps):
        with no_grad():  # the held-out flowers only ever see the model, never its gradients
            test_logits = [model(x) for x in test_rows]
            run.test_losses.append(cross_entropy(test_logits, test_labels).data)
            run.test_accuracies.append(accuracy(test_logits, test_labels))
        loss = cross_entropy([model(x) for x in rows], labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        check_finite(loss, model.parameters(), k + 1, steps, lr, progress,
                     run.train_losses[0] if run.train_losses else None)
        run.train_losses.append(loss.data)
        progress.update(k + 1, loss.data)
    progress.close()
    return run


def confusion_matrix(model: MLP, X: np.ndarray, y: np.ndarray, classes: int = 3) -> np.ndarray:
    """counts[true class, predicted class] over the rows of X."""
    counts = np.zeros((classes, classes), dtype=int)
    with no_grad():
        for x, t in zip(X.tolist(), y):
            counts[int(t), predicted_class(model(x))] += 1
    return counts


def format_confusion(counts: np.ndarray) -> str:
    """The confusion matrix as a table: one row per true species, one column per prediction."""
    width = max(len(s) for s in IRIS_SPECIES)
    first = width + len("true ")
    lines = [f"{'predicted:':>{first}}  " + "  ".join(f"{s:>{width}}" for s in IRIS_SPECIES)]
    for k, row in enumerate(counts):
        lines.append(f"{'true ' + IRIS_SPECIES[k]:<{first}}  " + "  ".join(f"{n:>{width}}" for n in row))
    return "\n".join(lines)


def plot(run: Run, test_acc: float, name: str = "iris.png") -> str | None:
    plt = pyplot()
    if plt is None:
        return None
    steps = np.arange(1, len(run.train_losses) + 1)
    fig, ax = plt.subplots(figsize=(5.6, 3.6), layout="constrained")
    ax.plot(steps, run.train_losses, color="#2255aa", label="training loss (120 flowers)")
    ax.plot(steps, run.test_losses, color="#cc5500", linestyle="--", label="test loss (30 held out)")
    ax.set(xlabel="step", ylabel="cross-entropy", yscale="log",
           title=f"Iris, 4-8-3 tanh, Adam: {test_acc:.1%} test accuracy")
    ax.title.set_fontsize(10)
    right = ax.twinx()
    right.plot(steps, np.array(run.test_accuracies) * 100, color="#228833", linewidth=1,
               label="test accuracy")
    right.set(ylabel="test accuracy (%)", ylim=(0, 102))
    lines = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc="center right")
    return str(save_figure(fig, name))


@command
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.iris", description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=positive_int, help="full-batch Adam steps (150; --quick: 60)")
    parser.add_argument("--lr", type=positive_float, default=0.02, help="Adam's learning rate (0.02)")
    parser.add_argument("--seed", type=seed_value, default=1, help="seed of the initial weights (1)")
    parser.add_argument("--split-seed", type=seed_value, default=0, help="seed of the train/test split (0)")
    parser.add_argument("--quick", action="store_true", help="60 steps, for tests")
    args = parser.parse_args(argv)
    check_out_dir(parser)
    steps = args.steps or (60 if args.quick else 150)  # explicit flags win over --quick

    X, y = iris()
    train_idx, test_idx = stratified_split(y, test_fraction=0.2, seed=args.split_seed)
    mean, std = X[train_idx].mean(axis=0), X[train_idx].std(axis=0)
    Xs = (X - mean) / std  # standardised with the training set's numbers only
    print(f"Iris: {len(train_idx)} flowers to train on, {len(test_idx)} held out (10 per species, "
          f"split seed {args.split_seed}); MLP 4-8-3 tanh ({len(make_model(0).parameters())} "
          f"parameters), cross-entropy, Adam lr {args.lr:g}, {steps} full-batch steps")
    run = train(Xs[train_idx], y[train_idx], Xs[test_idx], y[test_idx], steps, lr=args.lr,
                seed=args.seed)
    for k in sorted({0, *range(max(1, steps // 5) - 1, steps, max(1, steps // 5)), steps - 1}):
        print(f"  step {k + 1:>4}  training loss {run.train_losses[k]:.4f}  test loss "
              f"{run.test_losses[k]:.4f}  test accuracy {run.test_accuracies[k]:.1%}")
    counts = confusion_matrix(run.model, Xs[test_idx], y[test_idx])
    train_acc = np.trace(confusion_matrix(run.model, Xs[train_idx], y[train_idx])) / len(train_idx)
    test_acc = np.trace(counts) / len(test_idx)
    print(f"after {steps} steps: training accuracy {train_acc:.1%}, test accuracy {test_acc:.1%} "
          f"({np.trace(counts)}/{len(test_idx)} held-out flowers)")
    print("confusion matrix on the held-out flowers:")
    print(format_confusion(counts))
    path = plot(run, test_acc)
    if path:
        print(f"learning curve: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
