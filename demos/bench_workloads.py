"""The benchmark's workloads, for one engine, in the interpreter that `demos.benchmark` starts.

    python -m demos.bench_workloads ENGINE WORKLOAD[,WORKLOAD…] [--quick] [--clock cpu|wall] [--gc on|off]

prints one JSON object per workload: its measurements, or why this engine cannot run it. Only the
engine under test is imported, and the garbage collector is left as Python starts it, so the
cyclic GC costs each engine what it costs in real use (micrograd's per-node closures make
reference cycles; glassgrad's nodes do not). `demos.benchmark` is the command to run.

Engines: ``glassgrad``, ``micrograd`` (0.1.0 from PyPI), ``torch`` (CPU, one thread) and
``numpy`` (the hand-derived vectorised backprop of `nn.numpy_reference`, XOR only: the floor no
scalar engine can reach). Every engine trains the same networks on the same data with its own
idiomatic code; the timed region of a step includes freeing the previous step's graph.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

ENGINES = ("glassgrad", "micrograd", "torch", "numpy")
WORKLOADS = ("xor-step", "xor-step-sigmoid", "moons-step", "chain", "memory", "per-op", "jvp",
             "jacobian")
FORWARD_MODE = ("jvp", "jacobian")  # glassgrad against itself: forward mode against reverse mode
PER_OP = ("add", "mul", "relu", "tanh")

XOR_X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_Y = [0.0, 1.0, 1.0, 0.0]
LR = 0.05
L2_ALPHA = 1e-4
CHAIN_FACTOR, CHAIN_SHIFT = 1.0001, 0.0001  # y = y·1.0001 + 0.0001, so d y_n / d y_0 = 1.0001ⁿ

Step = Callable[[], Any]
#: The clock every timing uses; `main` sets it from --clock. CPU time (the default) counts only
#: this process's work, GC included, so other processes on a shared machine disturb it less.
pc = time.process_time
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


class Unavailable(Exception):
    """This engine cannot run this workload (not installed, or it lacks an op the workload needs)."""


def not_applicable(engine: str, workload: str) -> str | None:
    """Why `engine` does not take part in `workload` at all, or None if it does."""
    if engine == "numpy" and workload not in ("xor-step", "xor-step-sigmoid"):
        return "xor-step only"
    if engine == "micrograd" and workload == "xor-step-sigmoid":
        return "micrograd 0.1.0 has no sigmoid"
    if engine != "glassgrad" and workload in FORWARD_MODE:
        return "glassgrad's forward mode against its reverse mode"
    return None


def moons(n: int, seed: int = 7, noise: float = 0.1) -> tuple[list[list[float]], list[float]]:
    """Two interleaving half circles with Gaussian noise; labels −1 and +1 (for the hinge loss)."""
    rng = random.Random(seed)
    xs, ys = [], []
    for i in range(n):
        t = math.pi * rng.random()
        if i % 2:
            x, y, label = math.cos(t), math.sin(t), 1.0
        else:
            x, y, label = 1.0 - math.cos(t), 0.5 - math.sin(t), -1.0
        xs.append([x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)])
        ys.append(label)
    return xs, ys


def _import(engine: str) -> Any:
    """The engine's top-level module, or `Unavailable` saying how to install it."""
    try:
        if engine == "micrograd":
            import micrograd

            return micrograd
        if engine == "torch":
            import torch

            torch.set_num_threads(1)  # scalar-sized work; one thread is fastest and fair on 2 cores
            return torch
        if engine == "numpy":
            import numpy

            return numpy
        import autograd

        return autograd
    except ImportError as err:
        hint = {"micrograd": "pip install -e '.[bench]'", "torch": "pip install torch"}.get(engine, "")
        raise Unavailable(f"{engine} is not importable ({err}){'; ' + hint if hint else ''}") from None


def engine_version(engine: str) -> str:
    from importlib import metadata

    name = {"glassgrad": "glassgrad", "micrograd": "micrograd", "torch": "torch", "numpy": "numpy"}[engine]
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


# ----------------------------------------------------------------------------------------------
# Training steps: each builder returns a function that performs one full step
# ----------------------------------------------------------------------------------------------


def xor_step(engine: str, activation: str) -> Step:
    """One step of a 2-4-1 network on the 4 XOR rows: forward, MSE, backward, SGD update.

    `activation` "relu": relu hidden layer, linear output (micrograd's MLP); "sigmoid": both sigmoid.
    """
    _import(engine)
    out_activation = "linear" if activation == "relu" else "sigmoid"
    if engine == "glassgrad":
        from nn import MLP, SGD, mse

        model = MLP(2, [4, 1], activation=activation, output_activation=out_activation, seed=0)
        opt = SGD(model.parameters(), lr=LR)

        def step() -> None:
            loss = mse([model(x) for x in XOR_X], XOR_Y)
            opt.zero_grad()
            loss.backward()
            opt.step()

        return step
    if engine == "micrograd":
        from micrograd.nn import MLP as MicroMLP

        random.seed(0)
        model = MicroMLP(2, [4, 1])  # relu hidden, linear output
        params = model.parameters()

        def step() -> None:
            preds = [model(x) for x in XOR_X]
            loss = sum((p - y) ** 2 for p, y in zip(preds, XOR_Y)) * (1.0 / len(XOR_Y))
            model.zero_grad()
            loss.backward()
            for p in params:
                p.data -= LR * p.grad

        return step
    if engine == "torch":
        import torch

        torch.manual_seed(0)
        act = torch.nn.ReLU() if activation == "relu" else torch.nn.Sigmoid()
        layers = [torch.nn.Linear(2, 4), act, torch.nn.Linear(4, 1)]
        if activation == "sigmoid":
            layers.append(torch.nn.Sigmoid())
        model = torch.nn.Sequential(*layers).double()
        opt_t = torch.optim.SGD(model.parameters(), lr=LR)
        xs = torch.tensor(XOR_X, dtype=torch.float64)
        ys = torch.tensor(XOR_Y, dtype=torch.float64).reshape(4, 1)

        def step() -> None:
            opt_t.zero_grad()
            loss = torch.mean((model(xs) - ys) ** 2)
            loss.backward()
            opt_t.step()

        return step
    import numpy as np

    try:
        from nn.numpy_reference import NumpyMLP
    except ImportError as err:
        raise Unavailable(f"nn.numpy_reference is not importable ({err})") from None
    rng = np.random.default_rng(0)
    net = NumpyMLP([rng.uniform(-1, 1, (2, 4)), rng.uniform(-1, 1, (4, 1))],
                   [np.zeros(4), np.zeros(1)], [activation, out_activation], loss="mse")
    xs_np, ys_np = np.array(XOR_X), np.array(XOR_Y).reshape(4, 1)
    return lambda: net.step(xs_np, ys_np, LR)


def moons_step(engine: str, n: int) -> Step:
    """One step of MLP(2, [16, 16, 1]) (relu) on `n` moons points: hinge loss + L2, backward, update.

    The returned function gives the seconds spent in (forward + loss, backward, update, freeing
    the graph), so the table can show where each engine spends its time.
    """
    _import(engine)
    xs, ys = moons(n)
    if engine == "glassgrad":
        from nn import MLP, SGD, hinge, l2

        model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=0)
        params = model.parameters()
        opt = SGD(params, lr=LR)

        def step() -> tuple[float, ...]:
            t0 = pc()
            loss = hinge([model(x) for x in xs], ys) + l2(params, L2_ALPHA)
            t1 = pc()
            opt.zero_grad()
            loss.backward()
            t2 = pc()
            opt.step()
            t3 = pc()
            del loss
            return t1 - t0, t2 - t1, t3 - t2, pc() - t3

        return step
    if engine == "micrograd":
        from micrograd.nn import MLP as MicroMLP

        random.seed(0)
        micro = MicroMLP(2, [16, 16, 1])
        mparams = micro.parameters()

        def step() -> tuple[float, ...]:
            t0 = pc()
            scores = [micro(x) for x in xs]
            losses = [(1 + -y * s).relu() for y, s in zip(ys, scores)]
            loss = sum(losses) * (1.0 / len(losses)) + L2_ALPHA * sum(p * p for p in mparams)
            t1 = pc()
            micro.zero_grad()
            loss.backward()
            t2 = pc()
            for p in mparams:
                p.data -= LR * p.grad
            t3 = pc()
            del loss, losses, scores  # cycles: the cyclic GC frees them later, during some allocation
            return t1 - t0, t2 - t1, t3 - t2, pc() - t3

        return step
    if engine == "torch":
        import torch

        torch.manual_seed(0)
        model_t = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16),
                                      torch.nn.ReLU(), torch.nn.Linear(16, 1)).double()
        opt_t = torch.optim.SGD(model_t.parameters(), lr=LR)
        xt = torch.tensor(xs, dtype=torch.float64)
        yt = torch.tensor(ys, dtype=torch.float64)

        def step() -> tuple[float, ...]:
            t0 = pc()
            scores_t = model_t(xt).squeeze(1)
            loss = (torch.relu(1 - yt * scores_t).mean()
                    + L2_ALPHA * sum((p * p).sum() for p in model_t.parameters()))
            t1 = pc()
            opt_t.zero_grad()
            loss.backward()
            t2 = pc()
            opt_t.step()
            t3 = pc()
            del loss, scores_t
            return t1 - t0, t2 - t1, t3 - t2, pc() - t3

        return step
    raise Unavailable(not_applicable(engine, "moons-step") or engine)


# ----------------------------------------------------------------------------------------------
# Graphs built node by node: the chain, the memory graph and the per-op chains
# ----------------------------------------------------------------------------------------------


def scalar_api(engine: str) -> tuple[Callable[[float], Any], Callable[[Any], float]]:
    """(make a leaf from a float, read a leaf's gradient) for the scalar engines."""
    _import(engine)
    if engine == "glassgrad":
        from autograd import Value

        return Value, lambda v: v.grad
    if engine == "micrograd":
        from micrograd.engine import Value as MicroValue

        return MicroValue, lambda v: v.grad
    if engine == "torch":
        import torch

        def leaf(x: float) -> Any:
            return torch.tensor(x, dtype=torch.float64, requires_grad=True)

        return leaf, lambda v: v.grad.item()
    raise Unavailable(not_applicable(engine, "chain") or engine)


def build_chain(leaf: Any, depth: int) -> Any:
    y = leaf
    for _ in range(depth):
        y = y * CHAIN_FACTOR + CHAIN_SHIFT
    return y


class GCTimer:
    """Seconds the cyclic garbage collector ran while this is installed (via `gc.callbacks`)."""

    def __init__(self) -> None:
        self.total, self.collections, self._start = 0.0, 0, 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = pc()
        else:
            self.total += pc() - self._start
            self.collections += 1

    def __enter__(self) -> GCTimer:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        gc.callbacks.remove(self)


def chain(engine: str, depths: list[int], budget: float) -> dict[str, Any]:
    """Build y = y·1.0001 + 0.0001 to each depth and run backward; the times, or the error.

    Each depth also reports how much of the build the cyclic GC took (`gc.callbacks`): every
    node is a GC-tracked object, and Python's full collections walk all of them again and again
    while the graph grows.
    """
    make, read_grad = scalar_api(engine)
    rows: list[dict[str, Any]] = []
    failed_at = None
    last_total = None
    for depth in depths:
        if failed_at is not None:
            rows.append({"depth": depth, "skipped": f"failed at depth {failed_at:,}"})
            continue
        if last_total is not None:
            projected = last_total * depth / rows[-1]["depth"]  # both stages are linear in depth
            if projected > budget:
                rows.append({"depth": depth, "skipped": f"~{projected:.0f} s projected, over the "
                                                        f"{budget:g} s budget (--chain-budget)"})
                last_total = projected
                continue
        x = make(1.0)
        stage = "build"
        try:
            with GCTimer() as gc_build:
                t0 = pc()
                y = build_chain(x, depth)
                t1 = pc()
            stage = "backward()"
            with GCTimer() as gc_backward:
                y.backward()
                t2 = pc()
        except (RecursionError, MemoryError) as err:
            failed_at = depth
            rows.append({"depth": depth, "error": f"{type(err).__name__} in {stage}"})
            y = None
            gc.collect()
            continue
        grad = read_grad(x)
        expected = CHAIN_FACTOR ** depth
        rows.append({"depth": depth, "build": t1 - t0, "backward": t2 - t1,
                     "gc_build": gc_build.total, "gc_backward": gc_backward.total,
                     "grad": grad, "grad_rel_error": abs(grad - expected) / expected})
        last_total = t2 - t0
        y = None
        gc.collect()
    return {"rows": rows}


def values_per_step(engine: str) -> int:
    """Graph values one chain step creates: constant leaves count in the scalar engines, while
    torch folds Python numbers into its op nodes."""
    return 2 if engine == "torch" else 4


def resident_bytes() -> int:
    """This process's resident set size, from /proc (Linux) or the peak from getrusage."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def memory(engine: str, nodes: int) -> dict[str, Any]:
    """Bytes per node of a chain graph of about `nodes` values, by RSS and by tracemalloc."""
    make, _ = scalar_api(engine)
    steps = nodes // values_per_step(engine)
    count = steps * values_per_step(engine) + 1
    gc.collect()
    before = resident_bytes()
    y = build_chain(make(1.0), steps)
    rss = resident_bytes() - before
    del y
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    y = build_chain(make(1.0), steps)
    traced = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    del y
    result = {"nodes": count, "rss_per_node": rss / count, "traced_per_node": traced / count}
    if engine == "torch":
        result["note"] = "tracemalloc sees only Python's allocator, not libtorch's"
    return result


def per_op(engine: str, chains: int, length: int = 200) -> dict[str, Any]:
    """ns per node to build and to backprop, per op, on `chains` chains of `length` nodes.

    200 nodes per chain keeps micrograd's recursive topological sort under Python's recursion
    limit; binary ops take a leaf made once per chain, so every node counted is one op node.
    """
    make, _ = scalar_api(engine)
    if engine == "torch":
        import torch

        unary = {"relu": torch.relu, "tanh": torch.tanh}
    else:
        unary = {"relu": lambda v: v.relu(), "tanh": lambda v: v.tanh()}
    ops: dict[str, Callable[[Any, Any], Any]] = {
        "add": lambda y, w: y + w,
        "mul": lambda y, w: y * w,
        "relu": lambda y, w: unary["relu"](y),
        "tanh": lambda y, w: unary["tanh"](y),
    }
    start = {"add": 0.5, "mul": 1.0, "relu": 1.0, "tanh": 0.5}
    operand = {"add": 1e-4, "mul": 1.0001, "relu": 0.0, "tanh": 0.0}
    out: dict[str, Any] = {}
    for name in PER_OP:
        f = ops[name]
        if engine == "micrograd" and name == "tanh":
            out[name] = {"unavailable": "micrograd 0.1.0 has no tanh"}
            continue
        build = backward = 0.0
        for _ in range(chains):
            y, w = make(start[name]), make(operand[name])
            t0 = pc()
            for _ in range(length):
                y = f(y, w)
            t1 = pc()
            y.backward()
            t2 = pc()
            build += t1 - t0
            backward += t2 - t1
            del y
        n = chains * length
        out[name] = {"build_ns": build / n * 1e9, "backward_ns": backward / n * 1e9}
    return out


# ----------------------------------------------------------------------------------------------
# Timing and the command line
# ----------------------------------------------------------------------------------------------


# ----------------------------------------------------------------------------------------------
# Forward mode against reverse mode (glassgrad only)
# ----------------------------------------------------------------------------------------------


def jvp_vs_backward(n: int, repeats: int) -> dict[str, Any]:
    """One jvp against one backward() on the same graph: the moons loss (MLP 2-16-16-1 relu on `n`
    points, hinge + L2) as a function of its parameters, along a direction that moves all of them.

    "pass": the forward pass (the order and the tangents: what jvp does once f has run) against
    ``loss.backward()`` on the same, already built graph (its grads zeroed first, untimed, as in a
    training step). "call": ``jvp(f, params, v)`` against building the loss and ``backward()``.
    Best of `repeats` runs each, the two alternating.
    """
    from autograd import Value, jvp
    from autograd.forward import fast_tangent_rule, forward_order
    from demos.modes import loss_of_parameters
    from nn import MLP, hinge, l2

    xs, ys = moons(n)
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=0)
    params = model.parameters()
    data_loss = loss_of_parameters(model, xs, ys, loss=hinge)

    def f(*ps: Value) -> Value:
        return data_loss(*ps) + l2(list(ps), L2_ALPHA)

    point = [p.data for p in params]
    direction = [math.sin(1.0 + k) for k in range(len(point))]
    leaves = [Value(x) for x in point]
    loss = f(*leaves)
    seeds = dict(zip(leaves, direction))
    best = {"forward pass": math.inf, "backward()": math.inf, "jvp call": math.inf,
            "build + backward() call": math.inf}
    for _ in range(repeats):
        loss.zero_grad()
        t0 = pc()
        loss.backward()
        t1 = pc()
        fast_tangent_rule(forward_order([loss]), seeds)
        t2 = pc()
        jvp(f, point, direction)
        t3 = pc()
        fresh = [Value(x) for x in point]
        f(*fresh).backward()
        t4 = pc()
        for key, t in (("backward()", t1 - t0), ("forward pass", t2 - t1), ("jvp call", t3 - t2),
                       ("build + backward() call", t4 - t3)):
            best[key] = min(best[key], t)
    return {"unit": "s", "nodes": len(forward_order([loss])), "parameters": len(point), **best,
            "pass_ratio": best["forward pass"] / best["backward()"],
            "call_ratio": best["jvp call"] / best["build + backward() call"]}


def jacobian_modes(sizes: list[int], repeats: int) -> dict[str, Any]:
    """jacobian by each mode and by "auto" on three shapes (n→1, 1→m, n→n): best times."""
    from autograd import jacobian
    from demos.modes import wide_input, wide_output
    from nn import MLP

    rows = []
    for k in sizes:
        square = MLP(k, [8, k], activation="tanh", seed=k)
        cases = [(f"ℝ^{k} → ℝ", *wide_input(k)), (f"ℝ → ℝ^{k}", *wide_output(k)),
                 (f"ℝ^{k} → ℝ^{k}", lambda *x, m=square: m(list(x)), [0.1 * i for i in range(k)])]
        for label, f, xs in cases:
            best = {"fwd": math.inf, "rev": math.inf, "auto": math.inf}
            chosen = ""
            for _ in range(repeats):
                for mode in best:
                    t0 = pc()
                    J = jacobian(f, xs, mode=mode)
                    best[mode] = min(best[mode], pc() - t0)
                    if mode == "auto":
                        chosen = J.mode
            worse, better = max(best["fwd"], best["rev"]), min(best["fwd"], best["rev"])
            rows.append({"shape": label, **best, "auto_mode": chosen,
                         "auto_vs_worse": best["auto"] / worse, "auto_vs_better": best["auto"] / better})
    return {"unit": "s", "rows": rows}


def time_blocks(step: Step, blocks: int, per_block: int, warmup: int) -> dict[str, Any]:
    """Seconds per step for each of `blocks` timed blocks of `per_block` consecutive steps, and the
    cyclic GC's share of them."""
    for _ in range(warmup):
        step()
    times = []
    with GCTimer() as collector:
        for _ in range(blocks):
            t0 = pc()
            for _ in range(per_block):
                step()
            times.append((pc() - t0) / per_block)
    return {"unit": "s/step", "blocks": times, "gc_per_step": collector.total / (blocks * per_block)}


def run(engine: str, workload: str, quick: bool, chain_budget: float) -> dict[str, Any]:
    """One workload on one engine: the measurements as JSON-able data."""
    reason = not_applicable(engine, workload)
    if reason:
        raise Unavailable(reason)
    if workload in ("xor-step", "xor-step-sigmoid"):
        activation = "relu" if workload == "xor-step" else "sigmoid"
        step = xor_step(engine, activation)
        blocks, per_block = (3, 20) if quick else (15, 200)
        return time_blocks(step, blocks, per_block, warmup=per_block)
    if workload == "moons-step":
        step = moons_step(engine, 20 if quick else 100)
        step()  # warm-up
        steps = []
        for _ in range(2 if quick else 7):
            with GCTimer() as collector:
                phases = step()
            steps.append([*phases, collector.total])
        return {"unit": "s/step", "points": 20 if quick else 100,
                "phases": ["forward", "backward", "update", "free", "of which cyclic GC"],
                "steps": steps, "blocks": [sum(p[:-1]) for p in steps]}
    if workload == "chain":
        depths = [100, 1_000] if quick else [1_000, 10_000, 100_000, 1_000_000]
        return chain(engine, depths, chain_budget)
    if workload == "memory":
        return memory(engine, 2_000 if quick else 200_000)
    if workload == "per-op":
        return per_op(engine, 5 if quick else 500)
    if workload == "jvp":
        return jvp_vs_backward(5 if quick else 100, 2 if quick else 15)
    if workload == "jacobian":
        return jacobian_modes([4] if quick else [16, 64], 1 if quick else 7)
    raise ValueError(f"unknown workload {workload!r}; choose from {', '.join(WORKLOADS)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.bench_workloads",
                                     description="Run benchmark workloads on one engine (JSON out).")
    parser.add_argument("engine", choices=ENGINES)
    parser.add_argument("workloads", help=f"comma-separated, from: {', '.join(WORKLOADS)}")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for tests")
    parser.add_argument("--chain-budget", type=float, default=30.0,
                        help="skip a chain depth whose projected time exceeds this (seconds)")
    parser.add_argument("--clock", choices=tuple(CLOCKS), default="cpu",
                        help="cpu: this process's CPU time (default); wall: elapsed time")
    parser.add_argument("--gc", choices=("on", "off"), default="on",
                        help="off: gc.disable() first, to measure what the cyclic GC costs")
    args = parser.parse_args(argv)
    # This child imports nothing of glassgrad's (it times the engines), so it checks on its own.
    if not 0 < args.chain_budget < math.inf:
        parser.error(f"--chain-budget: expected a positive finite number of seconds, got {args.chain_budget}")
    unknown = [w for w in args.workloads.split(",") if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {', '.join(WORKLOADS)}")
    global pc
    pc = CLOCKS[args.clock]
    if args.gc == "off":
        gc.disable()
    for workload in args.workloads.split(","):
        record: dict[str, Any] = {"engine": args.engine, "workload": workload}
        try:
            record["result"] = run(args.engine, workload, args.quick, args.chain_budget)
            record["version"] = engine_version(args.engine)
        except Unavailable as why:
            record["unavailable"] = str(why)
        print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
