"""The threading model: the switches are per thread; graphs in separate threads are independent.

What holds (docs/fine_print.md, "Threads"): `no_grad()` and `detect_anomaly()` affect only the thread that
entered them, and a new thread starts with graphs recorded and no anomaly checks. Separate graphs in
separate threads (they may share leaves, e.g. a model's parameters, for *building*) give the
same numbers as run one after another. A backward pass writes ``.grad`` on every node behind
the root, so two passes over graphs that share nodes must not overlap in time: take a lock.
"""

from __future__ import annotations

import math
import threading

import pytest

import autograd.value as core
from autograd import AnomalyError, Value, detect_anomaly, no_grad
from nn import MLP, mse


def run_in_thread(target, *args):
    """Run `target(*args)` in a new thread; return its result or raise its exception here."""
    box: dict[str, object] = {}

    def body():
        try:
            box["result"] = target(*args)
        except BaseException as err:
            box["error"] = err

    t = threading.Thread(target=body)
    t.start()
    t.join(timeout=60)
    assert not t.is_alive()
    if "error" in box:
        raise box["error"]
    return box["result"]


def test_no_grad_in_one_thread_leaves_other_threads_recording():
    inside, done = threading.Event(), threading.Event()

    def evaluator():
        with no_grad():
            inside.set()
            done.wait(timeout=60)
            y = Value(2.0) * 3.0
            return y.children, core.SWITCHES.grad_enabled

    box = {}
    t = threading.Thread(target=lambda: box.setdefault("r", evaluator()))
    t.start()
    assert inside.wait(timeout=60)
    try:
        # The other thread sits inside no_grad(); this one must still record and get gradients.
        assert core.SWITCHES.grad_enabled
        x = Value(3.0)
        y = x * x
        y.backward()
        assert y.children == (x, x) and x.grad == 6.0
    finally:
        done.set()
        t.join(timeout=60)
    children, enabled = box["r"]
    assert children == () and enabled is False  # and that thread did not record
    assert not core._SWITCHED  # every switch is back at its default


def test_a_new_thread_starts_recording_even_if_its_parent_is_inside_no_grad():
    def make():
        x = Value(1.5)
        return len((x * 2.0).children), core.SWITCHES.grad_enabled

    with no_grad():
        assert (Value(1.0) * 2.0).children == ()
        assert run_in_thread(make) == (2, True)
    with detect_anomaly():
        assert run_in_thread(lambda: core.SWITCHES.anomaly) is None


def test_detect_anomaly_in_one_thread_does_not_check_another():
    inside, done = threading.Event(), threading.Event()

    def checked():
        with detect_anomaly():
            inside.set()
            done.wait(timeout=60)
            try:
                Value(1e308) * 10.0
            except AnomalyError:
                return "raised"
            return "not raised"

    box = {}
    t = threading.Thread(target=lambda: box.setdefault("r", checked()))
    t.start()
    assert inside.wait(timeout=60)
    try:
        assert core.SWITCHES.anomaly is None
        assert math.isinf((Value(1e308) * 10.0).data)  # no check in this thread
    finally:
        done.set()
        t.join(timeout=60)
    assert box["r"] == "raised"  # but in that one


def train(seed: int, steps: int, toggle: bool) -> list[float]:
    """A few SGD steps on a tiny regression; `toggle` also evaluates inside no_grad() each step."""
    model = MLP(2, [3, 1], activation="tanh", seed=seed)
    xs = [(0.1 * i, -0.2 * i) for i in range(4)]
    ys = [0.5, -0.25, 0.75, 0.0]
    losses = []
    for _ in range(steps):
        loss = mse([model(x) for x in xs], ys)
        model.zero_grad()
        loss.backward()
        with no_grad():
            for p in model.parameters():
                p.data -= 0.1 * p.grad
            if toggle:
                assert model(xs[0]).children == ()
        losses.append(loss.data)
    return losses


def test_separate_graphs_in_separate_threads_match_a_serial_run():
    expected = {seed: train(seed, 30, toggle=False) for seed in range(4)}
    results: dict[int, list[float]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker(seed: int) -> None:
        try:
            start.wait(timeout=60)
            results[seed] = train(seed, 30, toggle=seed % 2 == 0)  # half of them flip no_grad() often
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert results == expected  # bit for bit: no thread's no_grad() reached another's graph
    assert all(r[-1] < r[0] for r in results.values())  # and every model learned
    assert not core._SWITCHED


def test_one_model_shared_by_threads_builds_correct_graphs_and_backward_under_a_lock():
    # Building reads the shared parameters only; backward writes .grad, so it is serialised.
    model = MLP(2, [4, 1], activation="tanh", seed=1)
    inputs = [(0.3 * i, 1.0 - 0.1 * i) for i in range(8)]
    lock = threading.Lock()
    serial = []
    for x in inputs:
        model.zero_grad()
        model(x).backward()
        serial.append([p.grad for p in model.parameters()])
    got: dict[int, list[float]] = {}

    def worker(i: int) -> None:
        out = model(inputs[i])            # built concurrently with the other threads
        with lock:
            model.zero_grad()
            out.backward()
            got[i] = [p.grad for p in model.parameters()]

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(inputs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [got[i] for i in range(len(inputs))] == serial


def test_the_switch_count_survives_an_exception_and_nesting():
    with pytest.raises(ZeroDivisionError), no_grad(), detect_anomaly():
        assert len(core._SWITCHED) == 1  # one state away from the defaults, both switches in it
        raise ZeroDivisionError
    assert not core._SWITCHED and core.SWITCHES.grad_enabled and core.SWITCHES.anomaly is None


def test_an_asyncio_task_keeps_the_switches_it_was_started_with():
    import asyncio

    async def build():
        await asyncio.sleep(0)      # runs after the block below has ended
        y = Value(2.0) * 3.0
        return y.children, core.SWITCHES.grad_enabled

    async def main():
        with no_grad():
            quiet = asyncio.create_task(build())     # started inside no_grad(): stays inside it
        loud = asyncio.create_task(build())          # started outside: records
        return await quiet, await loud

    (quiet_children, quiet_on), (loud_children, loud_on) = asyncio.run(main())
    assert quiet_children == () and quiet_on is False
    assert len(loud_children) == 2 and loud_on is True
    assert not core._SWITCHED  # the task's state went away with the task


def test_the_core_imports_no_upper_layer_not_even_lazily():
    # The anomaly checks reach the core as an object the switch holds (SWITCHES.anomaly), so
    # value.py, op.py and ops.py need no import of anomaly.py — or of any other upper layer.
    import re
    from pathlib import Path

    upper = "stepper|anomaly|viz|gradcheck|parse|notebook|widgets|forward"
    folder = Path(__file__).resolve().parents[1] / "autograd"
    for name in ("value.py", "op.py", "ops.py"):
        source = (folder / name).read_text(encoding="utf-8")
        assert not re.search(rf"from \.({upper})\b|from autograd\.({upper})\b|import ({upper})\b",
                             source), name
    with detect_anomaly():
        assert type(core.SWITCHES.anomaly).__module__ == "autograd.anomaly"
