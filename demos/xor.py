"""The main job: train XOR with glassgrad's generic backward pass.

    python -m demos.xor              # 2-4-1 sigmoid network, MSE, lr 2.0, seed 42, 10,000 steps
    python -m demos.xor --steps 3000 --lr 1.0 --hidden 3 --seed 7

No hand-derived deltas anywhere: the loss is a `Value`, `loss.backward()` fills every parameter's
gradient by the chain rule, and SGD takes the step.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from demos.common import Progress, positive_float, positive_int, pyplot, save_figure
from nn import MLP, SGD, mse

X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
Y = [0.0, 1.0, 1.0, 0.0]


def train(steps: int = 10_000, lr: float = 2.0, hidden: int = 4, seed: int = 42,
          report_every: int = 2000, verbose: bool = True) -> tuple[MLP, list[float]]:
    """Full-batch gradient descent on the four XOR rows; returns the model and the loss per step."""
    model = MLP(2, [hidden, 1], activation="sigmoid", output_activation="sigmoid",
                init="normal", init_scale=0.5, seed=seed)
    opt = SGD(model.parameters(), lr=lr)
    losses: list[float] = []
    progress = Progress(steps, "XOR")
    for step in range(1, steps + 1):
        loss = mse([model(x) for x in X], Y)
        opt.zero_grad()
        loss.backward()  # the generic backward pass: every gradient from one call
        opt.step()
        losses.append(loss.data)
        progress.update(step, loss.data)
        if verbose and (step == 1 or step % report_every == 0 or step == steps):
            progress.close()
            print(f"step {step:>6}  loss {loss.data:.6f}")
    progress.close()
    return model, losses


def prediction_table(model: MLP) -> tuple[str, int]:
    """The table of inputs, targets and predictions, and how many rows are right."""
    lines = ["  x1   x2 | target | prediction | rounded | verdict",
             "----------+--------+------------+---------+--------"]
    right = 0
    for x, y in zip(X, Y):
        p = model(x).data
        ok = round(p) == y
        right += ok
        lines.append(f"  {x[0]:.0f}    {x[1]:.0f}  |   {y:.0f}    |   {p:.4f}   |    {round(p)}    | "
                     f"{'right' if ok else 'WRONG'}")
    return "\n".join(lines), right


def plot_losses(losses: Sequence[float], name: str = "xor_loss.png", title: str = "XOR") -> str | None:
    plt = pyplot()
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(range(1, len(losses) + 1), losses, color="#3366aa")
    ax.set(xlabel="step", ylabel="loss (MSE)", title=f"{title}: loss per step", yscale="log")
    ax.grid(alpha=0.3)
    return str(save_figure(fig, name))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.xor", description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=positive_int, default=10_000, help="training steps (10000)")
    parser.add_argument("--lr", type=positive_float, default=2.0, help="learning rate (2.0)")
    parser.add_argument("--hidden", type=positive_int, default=4, help="hidden neurons (4)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the model's own RNG (42)")
    parser.add_argument("--quick", action="store_true", help="a short run (2000 steps) for tests")
    args = parser.parse_args(argv)
    steps = 2000 if args.quick else args.steps

    print(f"XOR: 2-{args.hidden}-1 sigmoid network, MSE, lr {args.lr:g}, seed {args.seed}, "
          f"{steps} steps")
    model, losses = train(steps, args.lr, args.hidden, args.seed,
                          report_every=max(1, min(2000, steps // 5)))
    table, right = prediction_table(model)
    print()
    print(table)
    print(f"\nfinal loss {losses[-1]:.6g}; {right}/4 predictions on the right side of 0.5")
    path = plot_losses(losses)
    if path:
        print(f"loss curve: {path}")
    return 0 if right == 4 else 1


if __name__ == "__main__":
    sys.exit(main())
