"""Why networks need activations: stacked linear layers collapse into one, and one cannot do XOR.

    python -m demos.linear_collapse            # 2-4-4-1, linear vs sigmoid, 5,000 steps each
    python -m demos.linear_collapse --quick    # 2,000 steps (for tests)

Three layers without activation compute x ↦ ((x·W₁ + b₁)·W₂ + b₂)·W₃ + b₃, which multiplies out to
x·(W₁W₂W₃) + ((b₁W₂ + b₂)W₃ + b₃): a single linear layer. The demo builds that single layer, shows
both give the same outputs (to rounding), trains the deep linear net on XOR — it can do no better
than the best plane, which predicts 0.5 everywhere with MSE 0.25 — and trains the same shape with
sigmoid activations, which solves it. Writes out/linear_collapse.png.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from demos.common import check_out_dir, command, positive_float, positive_int, pyplot, save_figure, seed_value
from demos.training import LOSSES, accuracy, fit, predict
from nn import MLP
from nn.data import xor
from nn.numpy_reference import NumpyMLP

SIZES = [4, 4, 1]
BEST_LINEAR_MSE = 0.25  # the least-squares plane through XOR is the constant 0.5: (4 × 0.5²)/4


def collapse(model: MLP) -> MLP:
    """The single linear layer equal to a stack of linear layers: W = W₁W₂…, b = (b₁W₂ + b₂)… ."""
    ref = NumpyMLP.from_mlp(model)
    if any(act != "linear" for act in ref.activations):
        raise ValueError(f"collapse: every layer must be linear, got activations {ref.activations}")
    W, b = ref.W[0], ref.b[0]
    for w_next, b_next in zip(ref.W[1:], ref.b[1:]):
        W, b = W @ w_next, b @ w_next + b_next
    single = MLP(W.shape[0], [W.shape[1]], output_activation="linear")
    NumpyMLP([W], [b], ["linear"]).to_mlp(single)
    return single


def collapse_gap(model: MLP, points: np.ndarray) -> float:
    """max |deep(x) − collapsed(x)| over the points, both evaluated by the engine."""
    return float(np.max(np.abs(predict(model, points) - predict(collapse(model), points))))


@dataclass
class Result:
    linear: MLP
    sigmoid: MLP
    linear_losses: list[float]
    sigmoid_losses: list[float]
    gap_before: float
    gap_after: float


def run(steps: int, seed: int, lr_linear: float = 0.02, lr_sigmoid: float = 2.0) -> Result:
    """Train both shapes on XOR from one set of first weights; measure the collapse before and after.

    Two learning rates because the shapes need different ones: a stack of linear layers multiplies
    its weights, so its gradients grow with their product — 0.02 is stable, 0.05 already diverges
    for some seeds. The sigmoid net squashes every layer and wants big steps. No learning rate can
    rescue the linear net: whatever it learns is a plane, and no plane beats MSE 0.25 on XOR.
    """
    X, Y = xor()
    rows, targets = X.tolist(), Y.tolist()
    probe = np.random.default_rng(seed).uniform(-3, 3, size=(200, 2))  # arbitrary inputs to compare
    linear = MLP(2, SIZES, activation="linear", output_activation="linear", init="normal",
                 init_scale=1.0, seed=seed)
    sigmoid = MLP(2, SIZES, activation="sigmoid", output_activation="sigmoid", init="normal",
                  init_scale=1.0, seed=seed)
    NumpyMLP.from_mlp(linear).to_mlp(sigmoid)  # the very same first weights for both shapes
    gap_before = collapse_gap(linear, probe)
    loss = LOSSES["mse"]
    linear_losses = fit(linear, lambda: loss([linear(x) for x in rows], targets), lr_linear,
                        steps, label="linear")
    sigmoid_losses = fit(sigmoid, lambda: loss([sigmoid(x) for x in rows], targets), lr_sigmoid,
                         steps, label="sigmoid")
    return Result(linear, sigmoid, linear_losses, sigmoid_losses, gap_before,
                  collapse_gap(linear, probe))


def plot(result: Result, name: str = "linear_collapse.png") -> str | None:
    """Loss curves of both nets, and each net's output over the unit square."""
    plt = pyplot()
    if plt is None:
        return None
    X, Y = xor()
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.2), gridspec_kw={"width_ratios": [1.4, 1, 1]},
                             layout="constrained")
    ax = axes[0]
    ax.plot(result.linear_losses, color="#cc3333", label="linear layers")
    ax.plot(result.sigmoid_losses, color="#3366aa", label="sigmoid layers")
    ax.axhline(BEST_LINEAR_MSE, color="#999999", ls=":", label="best any plane can do")
    ax.set(xlabel="step", ylabel="loss (MSE)", yscale="log", title="2-4-4-1 on XOR")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    g = np.linspace(-0.25, 1.25, 61)
    gx, gy = np.meshgrid(g, g)
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    for ax, model, title in ((axes[1], result.linear, "linear layers: a plane"),
                             (axes[2], result.sigmoid, "sigmoid layers: XOR")):
        # the grid through the NumPy forward pass of the same weights: 3,721 engine graphs add nothing
        out = NumpyMLP.from_mlp(model).predict(grid).reshape(gx.shape)
        image = ax.imshow(out, origin="lower", extent=(g[0], g[-1], g[0], g[-1]), vmin=0, vmax=1,
                          cmap="RdBu_r")
        ax.scatter(X[:, 0], X[:, 1], c=Y, cmap="RdBu_r", vmin=0, vmax=1, edgecolors="black", s=50)
        ax.set(title=title, xlabel="x₁", ylabel="x₂")
    fig.colorbar(image, ax=axes[1:], shrink=0.8, label="output")
    return str(save_figure(fig, name))


@command
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.linear_collapse",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=positive_int, help="steps per network (5000; --quick: 2000)")
    parser.add_argument("--lr-linear", type=positive_float, default=0.02,
                        help="learning rate of the linear net (0.02)")
    parser.add_argument("--lr-sigmoid", type=positive_float, default=2.0,
                        help="learning rate of the sigmoid net (2.0)")
    parser.add_argument("--seed", type=seed_value, default=42, help="seed of the shared initial weights (42)")
    parser.add_argument("--quick", action="store_true", help="2000 steps, for tests")
    args = parser.parse_args(argv)
    check_out_dir(parser)
    steps = args.steps or (2000 if args.quick else 5_000)  # an explicit --steps wins over --quick

    print(f"Linear collapse: 2-4-4-1 without activations vs with sigmoids, XOR, MSE, "
          f"lr {args.lr_linear:g} / {args.lr_sigmoid:g}, {steps} steps, seed {args.seed}")
    result = run(steps, args.seed, args.lr_linear, args.lr_sigmoid)
    single = collapse(result.linear)
    w = [p.data for p in single.parameters()]
    print(f"\n1. Three linear layers are one: collapsed to y = {w[0]:.4f}·x₁ + {w[1]:.4f}·x₂ + {w[2]:.4f}.")
    print(f"   largest |deep − collapsed| on 200 random inputs: {result.gap_before:.1e} before "
          f"training, {result.gap_after:.1e} after.")
    X, Y = xor()
    lin, sig = predict(result.linear, X), predict(result.sigmoid, X)
    print("\n2. Trained on XOR from the same first weights:")
    print("   x1 x2 | target | linear layers | sigmoid layers")
    for x, y, a, b in zip(X, Y, lin, sig):
        print(f"   {x[0]:.0f}  {x[1]:.0f}  |   {y:.0f}    |    {a:.4f}     |    {b:.4f}")
    print(f"   final loss: linear {result.linear_losses[-1]:.6f} (no plane beats {BEST_LINEAR_MSE}), "
          f"{accuracy(lin, Y):.0%} right; sigmoid {result.sigmoid_losses[-1]:.6f}, "
          f"{accuracy(sig, Y):.0%} right.")
    path = plot(result)
    if path:
        print(f"\npicture: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
