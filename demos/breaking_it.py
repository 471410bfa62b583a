"""Breaking XOR on purpose: the main job beside a learning rate too high, one too low, too few neurons.

    python -m demos.breaking_it                  # 4 setups × 10 seeds × 10,000 steps
    python -m demos.breaking_it --quick          # 1,000 steps, 3 seeds (for tests)

Every setup is the main job's recipe (2-H-1 sigmoid/sigmoid, MSE, normal init × 0.5, full-batch
gradient descent) with one thing changed. One seed can be lucky or unlucky, so each setup is
trained from several seeds and the table counts how many solve XOR. Writes out/breaking_it.png.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from demos.common import SEED_MAX, check_out_dir, command, positive_int, pyplot, save_figure, seed_value
from demos.training import accuracy, predict
from demos.xor import X, Y, train


@dataclass
class Setup:
    """One way to train: a name, a learning rate and a hidden-layer size, and what it gave per seed."""

    name: str
    lr: float
    hidden: int
    losses: dict[int, list[float]] = field(default_factory=dict)
    outputs: dict[int, np.ndarray] = field(default_factory=dict)

    def solved(self, seed: int) -> bool:
        return accuracy(self.outputs[seed], np.array(Y)) == 1.0


def setups() -> list[Setup]:
    return [Setup("working (main job)", 2.0, 4), Setup("lr too high", 100.0, 4),
            Setup("lr too low", 0.001, 4), Setup("only 2 hidden", 2.0, 2),
            Setup("only 1 hidden", 2.0, 1)]


def what_happened(setup: Setup, seed: int) -> str:
    """A measured one-line diagnosis of one run, from its loss curve and its four outputs."""
    losses, out = setup.losses[seed], setup.outputs[seed]
    if setup.solved(seed):
        return "solved"
    if np.all((out < 1e-3) | (out > 1 - 1e-3)):
        # σ′ = σ(1 − σ) is below 1e-3 out there: the gradient that could pull the output back vanishes
        return "saturated: outputs pinned at 0/1"
    drop = 1.0 - losses[-1] / losses[0]
    if drop < 0.1:
        return f"barely moved: loss only {drop:.1%} lower"
    return f"stuck: {int(accuracy(out, np.array(Y)) * 4)}/4 right, loss flat at {losses[-1]:.3f}"


def run(steps: int, seeds: Sequence[int]) -> list[Setup]:
    all_setups = setups()
    for setup in all_setups:
        for seed in seeds:
            model, losses = train(steps, setup.lr, setup.hidden, seed, verbose=False,
                                  label=f"{setup.name}, seed {seed}")
            setup.losses[seed] = losses
            setup.outputs[seed] = predict(model, X)
    return all_setups


def table(all_setups: Sequence[Setup], seed: int, seeds: Sequence[int]) -> str:
    lines = [f"{'setup':<19} | {'lr':>6} | hidden | final loss | right | {'seed ' + str(seed):<36} | "
             f"seeds solved | median final loss",
             "-" * 19 + "-+--------+--------+------------+-------+-" + "-" * 36 + "-+--------------+"
             + "-" * 18]
    for s in all_setups:
        right = round(accuracy(s.outputs[seed], np.array(Y)) * 4)
        solved = sum(s.solved(k) for k in seeds)
        median = statistics.median(s.losses[k][-1] for k in seeds)
        lines.append(f"{s.name:<19} | {s.lr:>6g} | {s.hidden:>6} | {s.losses[seed][-1]:>10.6f} | "
                     f"  {right}/4 | {what_happened(s, seed):<36} | {f'{solved} of {len(seeds)}':>12} | "
                     f"{median:.6f}")
    return "\n".join(lines)


def lessons(all_setups: Sequence[Setup], seeds: Sequence[int], steps: int) -> str:
    """What the table says, in words — built from the measured counts, not written in advance."""
    count = {s.name: sum(s.solved(k) for k in seeds) for s in all_setups}
    n = len(seeds)
    two, one = count["only 2 hidden"], count["only 1 hidden"]
    return "\n".join([
        f"lr too high ({count['lr too high']}/{n} solve): big steps throw the weights far out, where "
        f"the sigmoids saturate and their slope σ(1 − σ) is ~0, so the gradient that could bring "
        f"them back has vanished.",
        f"lr too low ({count['lr too low']}/{n} solve): the right direction, in steps too small to get "
        f"anywhere in this many steps.",
        f"only 2 hidden ({two}/{n} solve): two sigmoid neurons are exactly the two lines XOR needs, "
        + ("so it works from every start tried here — but nothing is spare."
           if two == n else f"with nothing spare: {n - two} of these {n} starts had not solved it "
                            f"after {steps:,} steps."),
        f"only 1 hidden ({one}/{n} solve): the output is a monotone function of one weighted sum, "
        f"one line across the square, and no line separates XOR's corners: at best 3 of 4 right.",
    ])


def plot(all_setups: Sequence[Setup], seed: int, seeds: Sequence[int],
         name: str = "breaking_it.png") -> str | None:
    """One panel per setup: every seed's loss curve in grey, the chosen seed in colour."""
    plt = pyplot()
    if plt is None:
        return None
    fig, axes = plt.subplots(1, len(all_setups), figsize=(14, 3.2), sharey=True, layout="constrained")
    colours = ["#3366aa", "#cc3333", "#ee8833", "#7744aa", "#228855"]
    for ax, s, colour in zip(axes, all_setups, colours):
        for k in seeds:
            if k != seed:
                ax.plot(s.losses[k], color="#999999", lw=0.7, alpha=0.7)
        ax.plot(s.losses[seed], color=colour, lw=2, label=f"seed {seed}")
        solved = sum(s.solved(k) for k in seeds)
        ax.set(title=f"{s.name}\nlr {s.lr:g}, {s.hidden} hidden: {solved}/{len(seeds)} solve",
               xlabel="step", yscale="log")
        ax.title.set_fontsize(9)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("loss (MSE)")
    axes[0].legend(fontsize=8, loc="lower left")
    return str(save_figure(fig, name))


@command
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.breaking_it",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=positive_int, help="steps per run (10000; --quick: 1000)")
    parser.add_argument("--seed", type=seed_value, default=42,
                        help="the seed drawn in colour and shown in the table; the others follow it (42)")
    parser.add_argument("--seeds", type=positive_int, default=10,
                        help="how many seeds per setup: seed, seed+1, … (10)")
    parser.add_argument("--quick", action="store_true", help="1000 steps and 3 seeds, for tests")
    args = parser.parse_args(argv)
    count = 3 if args.quick else args.seeds
    if args.seed + count - 1 > SEED_MAX:
        parser.error(f"--seed {args.seed} with {count} seeds goes past {SEED_MAX:,}, the largest seed; "
                     f"start at {SEED_MAX - count + 1:,} at most")
    check_out_dir(parser)
    steps = args.steps or (1000 if args.quick else 10_000)  # an explicit --steps wins over --quick
    seeds = list(range(args.seed, args.seed + (3 if args.quick else args.seeds)))

    print(f"Breaking XOR: 2-H-1 sigmoid/sigmoid, MSE, {steps:,} steps, seeds {seeds[0]}…{seeds[-1]}")
    all_setups = run(steps, seeds)
    print()
    print(table(all_setups, args.seed, seeds))
    print()
    print(lessons(all_setups, seeds, steps))
    path = plot(all_setups, args.seed, seeds)
    if path:
        print(f"loss curves: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
