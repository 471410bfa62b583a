"""The main job: train XOR with glassgrad's generic backward pass.

    python -m demos.xor                       # 2-4-1 sigmoid network, MSE, lr 2.0, seed 42, 10,000 steps
    python -m demos.xor --steps 3000 --lr 1.0 --hidden 3 --seed 7
    python -m demos.xor --list-presets        # the classic NumPy tutorials' recipes
    python -m demos.xor --preset no-bias      # one of them, checked step by step against NumPy

No hand-derived deltas anywhere: the loss is a `Value`, `loss.backward()` fills every parameter's
gradient by the chain rule, and SGD takes the step. A preset also trains the hand-derived NumPy
reference (`nn.numpy_reference`) from the same first weights and prints how far the two drift apart.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from demos import common
from demos.common import check_out_dir, command, positive_float, positive_int, pyplot, save_figure, seed_value
from demos.presets import PRESETS, plateau_exit, plot_run, report, run_preset
from demos.training import fit
from nn import MLP, mse
from nn.data import XOR_X, XOR_Y

X = XOR_X
Y = XOR_Y


def train(steps: int = 10_000, lr: float = 2.0, hidden: int = 4, seed: int = 42,
          report_every: int = 2000, verbose: bool = True, label: str = "XOR") -> tuple[MLP, list[float]]:
    """Full-batch gradient descent on the four XOR rows; returns the model and the loss per step."""
    model = MLP(2, [hidden, 1], activation="sigmoid", output_activation="sigmoid",
                init="normal", init_scale=0.5, seed=seed)
    losses = fit(model, lambda: mse([model(x) for x in X], Y), lr, steps, label=label,
                 report_every=report_every if verbose else 0)
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


def list_presets() -> str:
    lines = ["presets (python -m demos.xor --preset NAME):"]
    for p in PRESETS.values():
        lines.append(f"  {p.name:<13} {p.title}\n  {'':<13} {p.describe()}")
    return "\n".join(lines)


def run_one_preset(name: str, steps: int | None, seed: int | None, lr: float | None,
                   quick: bool) -> int:
    """Train a preset on the engine and on the NumPy reference; print parity, predictions, verdict."""
    preset = PRESETS[name]
    steps = preset.quick_steps if quick and steps is None else steps
    shown = steps if steps is not None else preset.steps
    print(f"XOR preset {name}: {preset.title}")
    print(f"  {preset.describe()}" + (f"  — this run: {shown:,} steps" if shown != preset.steps else ""))
    if (seed is not None and seed != preset.seed) or (lr is not None and lr != preset.lr):
        print(f"  overridden: seed {seed if seed is not None else preset.seed}, "
              f"lr {lr if lr is not None else preset.lr:g}")
    run = run_preset(preset, steps, seed, lr, report_every=max(1, shown // 5))
    print()
    print(report(run))
    if run.accuracy < 1.0 and not quick:
        exit_step = plateau_exit(run)
        if exit_step is None:
            print("Is it stuck for good? Continuing the NumPy reference alone (same lr) for 40,000 "
                  "more steps: the loss never drops below 0.9 × that baseline.")
        else:
            print(f"Is it stuck for good? Continuing the NumPy reference alone (same lr): the loss "
                  f"first drops below 0.9 × that baseline at step {exit_step:,} — a saddle the "
                  f"tiny init starts next to, not a minimum; this recipe just stops too early.")
    path = plot_run(run)
    if path:
        print(f"loss curves: {path}")
    return 0


def write_graph_pictures(model: MLP) -> list[str]:
    """The graph of one training sample and the backward stepper page (demos/xor_pictures.py).

    Without Graphviz's `dot` program, or for a network too large to draw (``--hidden 35``), this
    prints a one-line note instead of failing the main job.
    """
    from autograd.viz import GraphTooLarge, GraphvizNotFound, GraphvizTimeout
    from demos.xor_pictures import write_pictures

    try:
        written = write_pictures(model, common.OUT)
    except GraphvizNotFound as err:
        print(f"(no graph picture: {str(err).splitlines()[0]})")
        return []
    except (GraphTooLarge, GraphvizTimeout) as err:  # e.g. --hidden 35: thousands of nodes
        print(f"(graph pictures skipped: {str(err).split('. ')[0].removeprefix('draw_dot: ')}; a "
              f"picture that size is unreadable — the main job's --hidden 4 draws one)")
        return []
    for path in written:
        print(f"picture: {path}")
    return [str(p) for p in written]


@command
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.xor", description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=positive_int, default=None,
                        help="training steps (main job 10000; a preset's own count)")
    parser.add_argument("--lr", type=positive_float, default=None,
                        help="learning rate (main job 2.0; a preset's own rate)")
    parser.add_argument("--hidden", type=positive_int, default=None,
                        help="hidden neurons of the main job (4); presets fix their sizes")
    parser.add_argument("--seed", type=seed_value, default=None,
                        help="seed of the initial weights (main job 42; a preset's own seed)")
    parser.add_argument("--quick", action="store_true",
                        help="a short run for tests (main job 2000 steps; a preset a few hundred)")
    parser.add_argument("--preset", choices=list(PRESETS), metavar="NAME",
                        help=f"a classic recipe: {', '.join(PRESETS)} (see --list-presets)")
    parser.add_argument("--list-presets", action="store_true", help="list the presets and exit")
    args = parser.parse_args(argv)

    if args.list_presets:
        print(list_presets())
        return 0
    if args.preset and args.hidden is not None:
        parser.error(f"--hidden applies to the main job only; preset {args.preset} fixes its "
                     f"layer sizes ({PRESETS[args.preset].describe().split()[0]})")
    check_out_dir(parser)
    if args.preset:
        return run_one_preset(args.preset, args.steps, args.seed, args.lr, args.quick)

    steps = args.steps or (2000 if args.quick else 10_000)  # an explicit --steps wins over --quick
    lr, hidden = args.lr or 2.0, args.hidden or 4
    seed = 42 if args.seed is None else args.seed
    print(f"XOR: 2-{hidden}-1 sigmoid network, MSE, lr {lr:g}, seed {seed}, {steps} steps")
    model, losses = train(steps, lr, hidden, seed, report_every=max(1, min(2000, steps // 5)))
    table, right = prediction_table(model)
    print()
    print(table)
    print(f"\nfinal loss {losses[-1]:.6g}; {right}/4 predictions on the right side of 0.5")
    path = plot_losses(losses)
    if path:
        print(f"loss curve: {path}")
    if not args.quick:
        write_graph_pictures(model)
    return 0 if right == 4 else 1


if __name__ == "__main__":
    sys.exit(main())
