"""One linear neuron learns house prices from sizes: price ≈ slope × size + intercept.

    python -m demos.house_prices             # 100 steps of gradient descent on 8 houses
    python -m demos.house_prices --quick     # 50 steps (for tests)

The smallest network there is — one weight, one bias, no activation — trained with the same
generic backward pass as everything else. Prints the learned slope ($ per sq ft), intercept and
the price it predicts for 2,500 sq ft, checks them against the exact least-squares line, and writes
out/house_prices.png (the houses, the fitted line, the loss per step).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from demos.common import check_out_dir, command, positive_float, positive_int, pyplot, save_figure, seed_value
from demos.training import fit
from nn import Neuron, mse
from nn.data import houses

QUERY_SQFT = 2_500.0


@dataclass
class Fit:
    """The fitted line in dollars and square feet, and how training went."""

    slope: float
    intercept: float
    losses: list[float]
    exact_slope: float
    exact_intercept: float

    def price(self, sqft: float) -> float:
        return self.slope * sqft + self.intercept


def train(steps: int = 100, lr: float = 0.1, seed: int = 2) -> Fit:
    """Gradient descent on standardised data, then the line converted back to dollars per sq ft.

    Why standardise: in raw units the sizes are ~2,000 and the prices ~400,000, so the gradient
    for the weight is about 2,000 × the gradient for the bias (∂loss/∂w = mean(2·error·size) vs
    ∂loss/∂b = mean(2·error)). A learning rate small enough to keep the weight from blowing up
    (below 1/mean(size²) ≈ 2e-7) moves the bias by almost nothing, and the fit takes millions of
    steps. With z = (size − mean)/std and t = (price − mean)/std both gradients have scale 1, the
    loss surface is a round bowl, and lr 0.1 shrinks the error by a factor 0.8 per step.
    """
    sizes, prices = houses()
    mx, sx, my, sy = sizes.mean(), sizes.std(), prices.mean(), prices.std()
    z, t = ((sizes - mx) / sx).tolist(), ((prices - my) / sy).tolist()
    neuron = Neuron(1, activation="linear", init="normal", init_scale=1.0, rng=random.Random(seed))
    losses = fit(neuron, lambda: mse([neuron([zi]) for zi in z], t), lr, steps, label="houses")
    # t = w·z + b  ⇔  price = my + sy·(w·(size − mx)/sx + b): slope sy·w/sx, intercept the rest
    w, b = neuron.w[0].data, neuron.b.data
    slope = sy * w / sx
    intercept = my + sy * b - slope * mx
    exact_slope, exact_intercept = np.polyfit(sizes, prices, 1)
    return Fit(slope, intercept, losses, float(exact_slope), float(exact_intercept))


def plot(result: Fit, name: str = "house_prices.png") -> str | None:
    plt = pyplot()
    if plt is None:
        return None
    sizes, prices = houses()
    # matplotlib reads "$…$" as math, hence the escaped dollar signs in the labels below
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4), gridspec_kw={"width_ratios": [3, 2]},
                                      layout="constrained")
    grid = np.linspace(0, 3_500, 50)
    left.scatter(sizes, prices / 1e3, color="#3366aa", zorder=3, label="houses")
    left.plot(grid, result.price(grid) / 1e3, color="#ee8833",
              label=f"learned: \\${result.slope:.1f}/sq ft + \\${result.intercept:,.0f}")
    q = result.price(QUERY_SQFT)
    left.plot([QUERY_SQFT], [q / 1e3], "s", color="#cc3333", zorder=4,
              label=f"2,500 sq ft → \\${q:,.0f}")
    left.set(xlabel="size (sq ft)", ylabel="price (\\$1000s)", title="one linear neuron", xlim=(0, 3_500))
    left.legend(fontsize=8)
    right.plot(range(1, len(result.losses) + 1), result.losses, color="#3366aa")
    right.set(xlabel="step", ylabel="loss (MSE, standardised)", yscale="log", title="loss per step")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    return str(save_figure(fig, name))


@command
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.house_prices",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=positive_int, help="gradient-descent steps (100; --quick: 50)")
    parser.add_argument("--lr", type=positive_float, default=0.1,
                        help="learning rate on the standardised data (0.1)")
    parser.add_argument("--seed", type=seed_value, default=2, help="seed of the initial weight (2)")
    parser.add_argument("--quick", action="store_true", help="50 steps, for tests")
    args = parser.parse_args(argv)
    check_out_dir(parser)
    steps = args.steps or (50 if args.quick else 100)  # an explicit --steps wins over --quick

    sizes, _ = houses()
    print(f"House prices: {len(sizes)} houses, one linear neuron, MSE on standardised size and "
          f"price, lr {args.lr:g}, {steps} steps")
    result = train(steps, args.lr, args.seed)
    print(f"loss (standardised): {result.losses[0]:.6f} at step 1 → {result.losses[-1]:.3g} at "
          f"step {steps}")
    print(f"learned   price ≈ ${result.slope:,.2f} per sq ft × size + ${result.intercept:,.0f}")
    print(f"exact least squares:  ${result.exact_slope:,.2f} per sq ft × size + "
          f"${result.exact_intercept:,.0f}")
    print(f"prediction for {QUERY_SQFT:,.0f} sq ft: ${result.price(QUERY_SQFT):,.0f}")
    path = plot(result)
    if path:
        print(f"picture: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
