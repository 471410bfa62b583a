"""The classic NumPy XOR recipes, each trained twice: by the engine and by the hand-derived reference.

A preset is one tutorial's recipe — layer sizes, activations, biases or not, how the first weights
are drawn, the loss, the learning rate, the number of full-batch steps. `run_preset` draws the
initial weights once with NumPy's seeded RNG (``np.random.RandomState(seed)``, the generator behind
the tutorials' ``np.random.seed``), builds `nn.numpy_reference.NumpyMLP` from them, copies them into
an `nn.MLP`, and trains both for the same steps with the same learning rate:

- the engine builds the loss as a graph and calls ``backward()`` — one generic chain rule;
- the reference applies the delta equations written out for this one kind of network.

If the generic backward pass is right, the two loss curves agree to rounding error at every step.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from demos.common import pyplot, save_figure
from demos.training import LOSSES, accuracy, fit, predict
from nn import MLP
from nn.data import noisy_bit_pairs, xor
from nn.numpy_reference import NumpyMLP


@dataclass(frozen=True)
class Preset:
    """One classic recipe. `init` is "normal" (N(0, 1) × init_scale) or "uniform01" (U[0, 1))."""

    name: str
    title: str
    sizes: tuple[int, ...]
    hidden: str
    output: str
    bias: bool
    init: str
    init_scale: float
    loss: str
    lr: float
    steps: int
    seed: int
    data: str
    quick_steps: int
    note: str = ""

    def describe(self) -> str:
        """The recipe in one line, e.g. ``2-4-1 sigmoid/sigmoid, mse, lr 2, normal×0.5 init, …``."""
        init = "uniform [0,1) init" if self.init == "uniform01" else (
            "standard-normal init" if self.init_scale == 1.0 else f"normal init × {self.init_scale:g}")
        return (f"{'-'.join(map(str, self.sizes))} {self.hidden}/{self.output}, "
                f"{'biases from 0' if self.bias else 'no biases'}, {init}, loss {LOSS_TEXT[self.loss]}, "
                f"lr {self.lr:g}, seed {self.seed}, {self.steps:,} steps")


LOSS_TEXT = {"mse": "MSE", "half_sse": "½·Σ error²", "bce": "binary cross-entropy"}

PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("classic", "the main job's recipe, from NumPy-drawn weights",
           (2, 4, 1), "sigmoid", "sigmoid", True, "normal", 0.5, "mse", 2.0, 10_000, 42, "xor", 300),
    Preset("tanh-logloss", "tanh hidden layer, sigmoid output, log-loss",
           (2, 3, 1), "tanh", "sigmoid", True, "normal", 1.0, "bce", 0.1, 1_500, 1, "xor", 300,
           note="Standard-normal init is our pick (the recipe names none); scaled by 0.01 instead, "
                "the same net sits at ln 2 for all 1,500 epochs."),
    Preset("no-bias", "no biases, uniform [0,1) init, the plain delta rule",
           (2, 3, 1), "sigmoid", "sigmoid", False, "uniform01", 1.0, "half_sse", 1.0, 60_000, 1, "xor",
           500, note="Without biases the input (0, 0) gives every hidden unit exactly σ(0) = 0.5 whatever "
                     "the weights; only the output weights can push that row towards 0."),
    Preset("bias-column", "a constant column of ones as a third input, biases too",
           (3, 4, 1), "sigmoid", "sigmoid", True, "normal", 1.0, "mse", 1.0, 5_000, 1, "xor-ones", 300,
           note="The learning rate 1.0 and 5,000 steps are our pick (the recipe names neither); the "
                "ones column makes the bias redundant, which is harmless."),
    Preset("noisy-1000", "1,000 noisy random bit pairs, tiny init: the recipe that stalls",
           (2, 2, 1), "sigmoid", "sigmoid", True, "normal", 0.01, "bce", 0.1, 1_000, 1, "noisy-bits", 20,
           note="Inputs are random bits plus N(0, 0.1²) noise, targets the XOR of the clean bits; "
                "lr 0.1 and 1,000 epochs are our pick."),
)}


def dataset(preset: Preset, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The preset's training data: X (samples, inputs) and Y (samples,)."""
    if preset.data == "xor":
        return xor()
    if preset.data == "xor-ones":
        return xor(ones_column=True)
    return noisy_bit_pairs(1000, noise=0.1, seed=seed)


def initial_weights(preset: Preset, seed: int) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
    """The preset's first weights, layer by layer, as the tutorials draw them (W is inputs × outputs)."""
    rng = np.random.RandomState(seed)
    weights = []
    for nin, nout in zip(preset.sizes[:-1], preset.sizes[1:]):
        if preset.init == "uniform01":
            weights.append(rng.random_sample((nin, nout)))
        else:
            weights.append(rng.standard_normal((nin, nout)) * preset.init_scale)
    biases = [np.zeros(w.shape[1]) for w in weights] if preset.bias else None
    return weights, biases


def baseline_loss(loss: str, Y: np.ndarray) -> float:
    """The loss of the best *constant* prediction ȳ: what a network that learned nothing scores.

    MSE: the variance of Y; ½·Σ error²: half the sum of squared deviations; cross-entropy: the
    entropy −ȳ ln ȳ − (1 − ȳ) ln(1 − ȳ), which is ln 2 for balanced labels.
    """
    y = np.asarray(Y, dtype=np.float64).ravel()
    m = float(y.mean())
    if loss == "mse":
        return float(np.mean((y - m) ** 2))
    if loss == "half_sse":
        return float(0.5 * np.sum((y - m) ** 2))
    return float(-sum(p * math.log(p) for p in (m, 1.0 - m) if p > 0.0))


@dataclass
class PresetRun:
    """Everything one run measured: both loss curves, their largest gap, both final predictions."""

    preset: Preset
    steps: int
    lr: float
    seed: int
    X: np.ndarray
    Y: np.ndarray
    model: MLP = field(repr=False)
    reference: NumpyMLP = field(repr=False)
    engine_losses: list[float] = field(repr=False)
    reference_losses: list[float] = field(repr=False)
    engine_seconds: float
    reference_seconds: float

    @property
    def max_loss_gap(self) -> float:
        """max over steps of |loss_engine − loss_reference|."""
        return float(np.max(np.abs(np.subtract(self.engine_losses, self.reference_losses))))

    @property
    def max_relative_gap(self) -> float:
        e, r = np.asarray(self.engine_losses), np.asarray(self.reference_losses)
        return float(np.max(np.abs(e - r) / np.maximum(np.abs(r), 1e-300)))

    @property
    def max_weight_gap(self) -> float:
        """The largest difference between any final engine weight and its reference twin."""
        engine = NumpyMLP.from_mlp(self.model)
        gaps = [np.max(np.abs(a - b)) for a, b in zip(engine.W, self.reference.W)]
        gaps += [np.max(np.abs(a - b)) for a, b in zip(engine.b, self.reference.b) if b is not None]
        return float(max(gaps))

    @property
    def engine_outputs(self) -> np.ndarray:
        return predict(self.model, self.X)

    @property
    def reference_outputs(self) -> np.ndarray:
        return self.reference.predict(self.X).ravel()

    @property
    def accuracy(self) -> float:
        return accuracy(self.engine_outputs, self.Y)

    @property
    def baseline(self) -> float:
        return baseline_loss(self.preset.loss, self.Y)


def run_preset(preset: Preset, steps: int | None = None, seed: int | None = None,
               lr: float | None = None, report_every: int = 0) -> PresetRun:
    """Train the engine and the NumPy reference from the same initial weights; see the module doc."""
    steps = preset.steps if steps is None else steps
    seed = preset.seed if seed is None else seed
    lr = preset.lr if lr is None else lr
    X, Y = dataset(preset, seed)
    weights, biases = initial_weights(preset, seed)
    reference = NumpyMLP(weights, biases, [preset.hidden] * (len(weights) - 1) + [preset.output],
                         loss=preset.loss)
    model = MLP(preset.sizes[0], list(preset.sizes[1:]), activation=preset.hidden,
                output_activation=preset.output, bias=preset.bias, seed=seed)
    reference.to_mlp(model)  # the engine starts from exactly the reference's numbers

    rows, targets = X.tolist(), Y.tolist()
    loss_fn = LOSSES[preset.loss]
    start = time.perf_counter()
    engine_losses = fit(model, lambda: loss_fn([model(x) for x in rows], targets), lr, steps,
                        label=preset.name, report_every=report_every)
    engine_seconds = time.perf_counter() - start
    start = time.perf_counter()
    reference_losses = reference.train(X, Y, lr, steps)
    reference_seconds = time.perf_counter() - start
    return PresetRun(preset, steps, lr, seed, X, Y, model, reference, engine_losses,
                     reference_losses, engine_seconds, reference_seconds)


def verdict(run: PresetRun) -> str:
    """What really happened, measured: solved, stalled at the know-nothing baseline, or in between."""
    final, base, acc = run.engine_losses[-1], run.baseline, run.accuracy
    n = len(run.Y)
    short = (f"after only {run.steps:,} of the recipe's {run.preset.steps:,} steps, "
             if run.steps < run.preset.steps else "")
    if acc == 1.0:
        return f"{short}solved: all {n:,} training outputs on the right side of 0.5."
    majority = max(float(np.mean(run.Y > 0.5)), float(np.mean(run.Y <= 0.5)))
    if final > 0.95 * base:
        outputs = run.engine_outputs
        return (f"{short}STALLED: the loss ended at {final:.6f}, {final / base:.4f} × the loss of "
                f"predicting the mean target for every input ({base:.6f}; ln 2 = {math.log(2):.6f}). "
                f"Training accuracy {acc:.1%} on {n:,} rows (the majority class alone is "
                f"{majority:.1%}); every output lies in {outputs.min():.4f} … {outputs.max():.4f}.")
    return (f"{short}partly learned: loss {final:.6f} (know-nothing baseline {base:.6f}), training "
            f"accuracy {acc:.1%} on {n:,} rows.")


def plateau_exit(run: PresetRun, more_steps: int = 40_000) -> int | None:
    """The total step at which the loss first drops below 0.9 × baseline if training went on.

    Runs the fast NumPy reference alone (a copy; `run` is untouched) for up to `more_steps` more
    steps at the same learning rate. None if it never leaves the plateau in that budget.
    """
    ref = NumpyMLP([w.copy() for w in run.reference.W],
                   [None if b is None else b.copy() for b in run.reference.b],
                   run.reference.activations, run.reference.loss_name)
    threshold = 0.9 * run.baseline
    for k in range(more_steps):
        if ref.step(run.X, run.Y, run.lr) < threshold:
            return run.steps + k
    return None


def prediction_rows(run: PresetRun) -> str:
    """Final predictions of both trainings: the four XOR rows, or the four clean corners for noisy data."""
    if run.preset.data == "noisy-bits":
        X, Y = xor()
        title = "the four clean bit pairs (not training rows)"
    else:
        X, Y = run.X, run.Y
        title = "the training rows"
    engine = predict(run.model, X)
    reference = run.reference.predict(X).ravel()
    head = " ".join(f"x{i + 1}" for i in range(X.shape[1]))
    lines = [f"final predictions on {title}:",
             f"  {head} | target |   engine   | reference  | |difference|",
             "  " + "-" * (3 * X.shape[1] - 1) + "-+--------+------------+------------+-------------"]
    for x, y, e, r in zip(X, Y, engine, reference):
        cells = " ".join(f"{v:>2g}" for v in x)  # under the two-character x1 x2 … headings
        lines.append(f"  {cells} |   {y:g}    |  {e:.6f}  |  {r:.6f}  | {abs(e - r):.1e}")
    return "\n".join(lines)


def plot_run(run: PresetRun, name: str | None = None) -> str | None:
    """Two panels: both loss curves (engine solid, reference dashed) and their gap per step."""
    plt = pyplot()
    if plt is None:
        return None
    steps = np.arange(1, run.steps + 1)
    gap = np.abs(np.subtract(run.engine_losses, run.reference_losses))
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    left.plot(steps, run.engine_losses, color="#3366aa", lw=2.2, label="engine (backward())")
    left.plot(steps, run.reference_losses, color="#ee8833", lw=1.2, ls="--", label="NumPy deltas")
    curve = np.asarray(run.engine_losses)
    # A log axis for curves that fall by orders of magnitude; a flat (stalled) curve reads better linear.
    left.set(xlabel="step", ylabel=f"loss ({LOSS_TEXT[run.preset.loss]})",
             yscale="log" if curve.max() > 10 * curve.min() else "linear",
             title=f"XOR preset {run.preset.name}")
    left.legend(fontsize=8)
    # Steps where the two agree bit for bit have gap 0, which a log axis cannot show: they are counted
    # in the title instead of drawn.
    nonzero = gap > 0
    right.plot(steps[nonzero], gap[nonzero], ".", color="#444444", ms=2)
    right.set(xlabel="step", ylabel="|engine − reference|", yscale="log",
              title=f"loss gap per step: at most {run.max_loss_gap:.1e}; "
                    f"{int((~nonzero).sum()):,} of {run.steps:,} steps equal")
    right.title.set_fontsize(10)
    for ax in (left, right):
        ax.grid(alpha=0.3)
    return str(save_figure(fig, name or f"xor_preset_{run.preset.name}.png"))


def report(run: PresetRun) -> str:
    """The printed summary of a run: timing, parity, predictions, verdict."""
    p = run.preset
    lines = [
        f"engine {run.engine_seconds:.1f}s, NumPy reference {run.reference_seconds:.2f}s",
        f"loss: first step {run.engine_losses[0]:.6f}, last step {run.engine_losses[-1]:.6g} "
        f"(reference {run.reference_losses[-1]:.6g})",
        f"parity: largest per-step |loss_engine − loss_reference| = {run.max_loss_gap:.2e} "
        f"(relative {run.max_relative_gap:.2e}) over {run.steps:,} steps; "
        f"largest final weight difference {run.max_weight_gap:.2e}",
        "",
        prediction_rows(run),
        "",
        f"result: {verdict(run)}",
    ]
    if p.note:
        lines.append(f"note: {p.note}")
    return "\n".join(lines)
