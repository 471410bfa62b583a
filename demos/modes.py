"""Forward or reverse? The lesson of the two modes of autodiff, in numbers and one picture.

    python -m demos.modes              # the two XOR examples, the sweep n, m = 1…64, Newton's method
    python -m demos.modes --quick      # n, m = 1…8 (seconds; for tests)

An m×n Jacobian takes n forward passes (one per input, each a column) or m reverse passes (one
per output, each a row). A loss (m = 1, n = every parameter) is one reverse pass and n forward
ones — which is why training uses backprop; a curve (n = 1) is the other way round. This demo
counts the passes and the nodes they visit, times both modes as n and m grow (out/modes.png),
times the Hessian both ways, and takes Newton steps with `hessian` beside gradient descent.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from autograd import Value, grad, hessian, hvp, jacobian, sum_values
from autograd.forward import Jacobian, fast_tangent_rule, forward_order
from demos.common import check_out_dir, command, pyplot, save_figure
from nn import MLP, mse

XOR_X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_Y = [0.0, 1.0, 1.0, 0.0]


def loss_of_parameters(model: MLP, X: Sequence[Sequence[float]], Y: Sequence[float],
                       loss: Callable[[list, list], Value] = mse) -> Callable[..., Value]:
    """The model's loss on (X, Y) (MSE unless told) as a function of its parameters, one `Value`
    each (in `model.parameters()` order): the model is run with those Values in place of its own."""
    slots = [(n, len(n.w), n.b is not None) for layer in model.layers for n in layer.neurons]

    def f(*params: Value) -> Value:
        saved = [(n, n.w, n.b) for n, _, _ in slots]
        it = iter(params)
        try:
            for n, k, has_bias in slots:
                n.w = [next(it) for _ in range(k)]
                n.b = next(it) if has_bias else None
            return loss([model(list(x)) for x in X], list(Y))
        finally:
            for n, w, b in saved:
                n.w, n.b = w, b

    return f


def xor_model() -> MLP:
    return MLP(2, [4, 1], activation="sigmoid", output_activation="sigmoid", seed=42)


def hidden_curve(model: MLP) -> Callable[[Value], list[Value]]:
    """t ↦ the first layer's activations at the input (t, 0.5): a curve in ℝ⁴."""
    return lambda t: model.layers[0]([t, 0.5])


def best_time(run: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """The fastest of `repeats` runs (CPU seconds), and the last result."""
    best, result = math.inf, None
    for _ in range(repeats):
        t0 = time.process_time()
        result = run()
        best = min(best, time.process_time() - t0)
    return best, result


def both_modes(f: Callable[..., Any], xs: list[float], repeats: int = 3) -> dict[str, Any]:
    """The Jacobian of f at xs by each mode: passes, nodes visited, best time; and that they agree."""
    out: dict[str, Any] = {}
    jacobians: dict[str, Jacobian] = {}
    for mode in ("fwd", "rev"):
        seconds, J = best_time(lambda mode=mode: jacobian(f, xs, mode=mode), repeats)
        jacobians[mode] = J
        out[mode] = {"passes": J.passes, "visits": J.visits, "seconds": seconds}
    fwd, rev = jacobians["fwd"], jacobians["rev"]
    out["agree"] = max(abs(a - b) for ra, rb in zip(fwd, rev) for a, b in zip(ra, rb))
    out["shape"] = (len(fwd), len(fwd[0]))
    return out


# ----------------------------------------------------------------------------------------------
# The sweep: f: ℝⁿ → ℝ and g: ℝ → ℝᵐ of growing size
# ----------------------------------------------------------------------------------------------


def wide_input(n: int) -> tuple[Callable[..., Value], list[float]]:
    """f: ℝⁿ → ℝ, the squared error of a fixed MLP(n, [8, 1]) as a function of its n inputs."""
    model = MLP(n, [8, 1], activation="tanh", seed=n)
    return (lambda *x: (model(list(x)) - 1.0) ** 2), [math.sin(1.0 + i) for i in range(n)]


def wide_output(m: int) -> tuple[Callable[..., list[Value]], list[float]]:
    """g: ℝ → ℝᵐ, the m outputs of a fixed MLP(1, [8, m]) as functions of its one input."""
    model = MLP(1, [8, m], activation="tanh", seed=m)

    def g(t: Value) -> list[Value]:
        y = model([t])
        return y if isinstance(y, list) else [y]

    return g, [0.3]


def sweep(sizes: Sequence[int], repeats: int) -> list[dict[str, Any]]:
    rows = []
    for k in sizes:
        f, xs = wide_input(k)
        g, ts = wide_output(k)
        rows.append({"size": k, "f": both_modes(f, xs, repeats), "g": both_modes(g, ts, repeats)})
    return rows


def plot(rows: list[dict[str, Any]]) -> str | None:
    plt = pyplot()
    if plt is None:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=False)
    sizes = [r["size"] for r in rows]
    for ax, key, title, axis in ((axes[0], "f", "f: ℝⁿ → ℝ (a loss of n inputs)", "n inputs"),
                                 (axes[1], "g", "g: ℝ → ℝᵐ (m outputs of one input)", "m outputs")):
        for mode, colour, label in (("fwd", "tab:orange", "forward mode (n passes)"),
                                    ("rev", "tab:blue", "reverse mode (m passes)")):
            ax.plot(sizes, [1e3 * r[key][mode]["seconds"] for r in rows], "o-", ms=3,
                    color=colour, label=label)
        ax.set_title(title)
        ax.set_xlabel(axis)
        ax.set_ylabel("Jacobian time (ms, CPU)")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("An m×n Jacobian: n forward passes or m reverse passes")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return str(save_figure(fig, "modes.png"))


# ----------------------------------------------------------------------------------------------
# Second derivatives: Newton's method against gradient descent
# ----------------------------------------------------------------------------------------------


def bowl(x: Value, y: Value) -> Value:
    """A smooth convex function with a long, narrow valley: a sum of three exponentials."""
    return (x + 10 * y - 0.1).exp() + (x - 10 * y - 0.1).exp() + (-x - 0.1).exp()


BOWL_TEXT = "f(x, y) = e^(x+10y-0.1) + e^(x-10y-0.1) + e^(-x-0.1)"
STEP_SIZES = (0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001)


def gradient(f: Callable[..., Value], p: list[float]) -> list[float]:
    leaves = [Value(v) for v in p]
    return [g.data for g in grad(f(*leaves), leaves)]


def solve(H: list[list[float]], b: list[float]) -> list[float]:
    """x with H·x = b, by Gaussian elimination with partial pivoting (H small and invertible)."""
    n = len(b)
    rows = [[*H[i], b[i]] for i in range(n)]
    for c in range(n):
        pivot = max(range(c, n), key=lambda r: abs(rows[r][c]))
        rows[c], rows[pivot] = rows[pivot], rows[c]
        for r in range(c + 1, n):
            k = rows[r][c] / rows[c][c]
            rows[r] = [a - k * p for a, p in zip(rows[r], rows[c])]
    x = [0.0] * n
    for r in reversed(range(n)):
        x[r] = (rows[r][n] - sum(rows[r][j] * x[j] for j in range(r + 1, n))) / rows[r][r]
    return x


def newton(f: Callable[..., Value], p: list[float], tol: float = 1e-10, cap: int = 50
           ) -> list[tuple[int, list[float], float]]:
    """Newton's method, p ← p − H⁻¹·∇f: the steps until |∇f| < tol."""
    path = []
    for k in range(cap + 1):
        g = gradient(f, p)
        size = math.sqrt(sum(v * v for v in g))
        path.append((k, list(p), size))
        if size < tol:
            break
        p = [a - d for a, d in zip(p, solve(hessian(f, p), g))]
    return path


def gradient_descent(f: Callable[..., Value], p: list[float], lr: float, tol: float = 1e-10,
                     cap: int = 100_000) -> tuple[int | None, list[float]]:
    """Steps of p ← p − lr·∇f until |∇f| < tol; None when it diverges (or needs more than `cap`)."""
    for k in range(cap):
        try:
            g = gradient(f, p)
        except OverflowError:  # the step was too large: the iterates ran off to infinity
            return None, p
        size = math.sqrt(sum(v * v for v in g))
        if size < tol:
            return k, p
        if not math.isfinite(size):
            return None, p
        p = [a - lr * d for a, d in zip(p, g)]
    return None, p


def forward_over_reverse(f: Callable[..., Value], xs: list[float]) -> list[list[float]]:
    """The Hessian the other way, for the comparison: ∇f as a graph, then one forward pass along
    each input (column j), each through the whole of ∇f's graph."""
    leaves = [Value(x) for x in xs]
    grads = grad(f(*leaves), leaves, create_graph=True)
    order = forward_order(grads)
    columns = [fast_tangent_rule(order, {leaf: 1.0}) for leaf in leaves]
    return [[columns[j][g] for j in range(len(leaves))] for g in grads]


def hvp_reverse_over_reverse(f: Callable[..., Value], xs: list[float], v: list[float]) -> list[float]:
    """H·v the other way: ∇f as a graph, then one reverse pass from the node ∇f·v."""
    leaves = [Value(x) for x in xs]
    grads = grad(f(*leaves), leaves, create_graph=True)
    return [h.data for h in grad(sum_values([g * vi for g, vi in zip(grads, v)]), leaves)]


def second_derivatives_both_ways(repeats: int, big: bool) -> list[str]:
    """Both ways of composing the modes, for the Hessian and for H·v (* = what the library does)."""
    lines = [f"  {'':<36} {'n×n Hessian (ms)':^21}  {'H·v (ms)':^21}",
             f"  {'':<36} {'rev∘rev':>10} {'fwd∘rev':>10}  {'fwd∘rev':>10} {'rev∘rev':>10}"]
    cases = [("XOR loss, 2-4-1", xor_model())]
    if big:
        cases.append(("XOR loss, 2-8-8-1", MLP(2, [8, 8, 1], activation="tanh",
                                                output_activation="sigmoid", seed=1)))
    for name, model in cases:
        params = [p.data for p in model.parameters()]
        loss = loss_of_parameters(model, XOR_X, XOR_Y)
        v = [math.cos(k) for k in range(len(params))]
        runs = (partial(hessian, loss, params), partial(forward_over_reverse, loss, params),
                partial(hvp, loss, params, v), partial(hvp_reverse_over_reverse, loss, params, v))
        timed = [best_time(run, repeats) for run in runs]
        ms = [1e3 * seconds for seconds, _ in timed]
        H, H2, Hv, Hv2 = (result for _, result in timed)
        gap = max([abs(x - y) for r1, r2 in zip(H, H2) for x, y in zip(r1, r2)]
                  + [abs(x - y) for x, y in zip(Hv, Hv2)])
        label = f"{name} ({len(params)} parameters)"
        lines.append(f"  {label:<36} {ms[0]:>9.2f}* {ms[1]:>10.2f}  {ms[2]:>9.2f}* {ms[3]:>10.2f}"
                     f"   (the two ways agree to {gap:.0e})")
    return lines


# ----------------------------------------------------------------------------------------------


def _row(label: str, r: dict[str, Any]) -> str:
    fwd, rev = r["fwd"], r["rev"]
    return (f"  {label:<38} {fwd['passes']:>6} {fwd['visits']:>6} {1e3 * fwd['seconds']:>9.3f}   "
            f"{rev['passes']:>6} {rev['visits']:>6} {1e3 * rev['seconds']:>9.3f}")


HEADER = (f"  {'':<38} {'forward mode':^23}   {'reverse mode':^23}\n"
          f"  {'':<38} {'passes':>6} {'nodes':>6} {'ms':>9}   {'passes':>6} {'nodes':>6} {'ms':>9}")


@command
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.modes", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="n, m = 1…8 and one timing run each")
    args = parser.parse_args(argv)
    check_out_dir(parser)  # before the work, not after it: the picture must have somewhere to go
    repeats = 1 if args.quick else 5  # the best of 5: a busy machine spoils a run, not the figure

    model = xor_model()
    params = [p.data for p in model.parameters()]
    loss = loss_of_parameters(model, XOR_X, XOR_Y)
    curve = hidden_curve(model)
    a, b = both_modes(loss, params, repeats), both_modes(curve, [0.7], repeats)
    print("The Jacobian both ways (nodes = nodes visited by all passes together):")
    print(HEADER)
    print(_row(f"XOR loss, ℝ^{len(params)} → ℝ (its parameters)", a))
    print(_row("XOR hidden layer, ℝ → ℝ⁴ (a curve)", b))
    print(f"  the two modes agree to {max(a['agree'], b['agree']):.1e}")

    sizes = list(range(1, 9)) if args.quick else list(range(1, 65))
    rows = sweep(sizes, repeats)
    print("\nAs n and m grow (f: ℝⁿ → ℝ, a loss of n inputs; g: ℝ → ℝᵐ, m outputs of one input):")
    print(HEADER)
    for r in rows:
        if r["size"] in (1, 2, 4, 8, 16, 32, 64):
            print(_row(f"f, n = {r['size']}", r["f"]))
    for r in rows:
        if r["size"] in (1, 2, 4, 8, 16, 32, 64):
            print(_row(f"g, m = {r['size']}", r["g"]))
    path = plot(rows)
    if path:
        print(f"(plot: {path})")

    print("\nSecond derivatives: the modes composed both ways (* = what hessian and hvp do):")
    print("\n".join(second_derivatives_both_ways(repeats, big=not args.quick)))

    start = [-1.0, 0.3]
    steps = newton(bowl, start)
    print(f"\nNewton's method, p ← p − H⁻¹·∇f with H from hessian, on {BOWL_TEXT}, from {tuple(start)}:")
    for k, p, size in steps:
        print(f"  step {k}: (x, y) = ({p[0]: .12f}, {p[1]: .12f})   |∇f| = {size:.2e}")
    print(f"Newton: {len(steps) - 1} steps to |∇f| < 1e-10. Gradient descent, p ← p − lr·∇f, to the same:")
    for lr in STEP_SIZES:
        count, p = gradient_descent(bowl, start, lr)
        print(f"  lr = {lr:<6g}" + (" diverges" if count is None else
                                   f" {count} steps, ending at ({p[0]:.10f}, {p[1]:.10f})"))
        if count is not None:  # the largest step that converges is the fastest: stop there
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
