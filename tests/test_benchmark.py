"""The benchmark runs end to end in --quick mode and its figures are real measurements.

No timing is asserted anywhere (timings depend on the machine); what is checked is that every
engine that is installed produced numbers, that the numbers are the right kind (positive times,
gradients that match 1.0001ⁿ), that engines which cannot run a workload say why, and that the
Markdown report and the JSON file hold all of it.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import io
import json
import math
from pathlib import Path

import pytest

from demos import bench_report, benchmark
from demos.bench_workloads import CHAIN_FACTOR, WORKLOADS, moons, moons_step, not_applicable, xor_step

HAS_MICROGRAD = importlib.util.find_spec("micrograd") is not None
HAS_TORCH = importlib.util.find_spec("torch") is not None


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One --quick run of every workload on every engine (a few seconds; each engine in a child)."""
    path = tmp_path_factory.mktemp("bench") / "bench.json"
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        code = benchmark.main(["--quick", "--json", str(path)])
    assert code == 0
    return text.getvalue(), json.loads(path.read_text())


def test_every_workload_ran_on_glassgrad(quick_run):
    _, data = quick_run
    for workload in WORKLOADS:
        (rec,) = data["records"][workload]["glassgrad"]
        assert "result" in rec, (workload, rec)
    times = data["summary"]["xor-step"]["times"]["glassgrad"]
    assert 0 < times["best"] <= times["median"]
    phases = data["summary"]["moons-step"]["phases"]["glassgrad"]
    assert set(phases) == {"forward", "backward", "update", "free", "of which cyclic GC"}
    assert all(t >= 0 for t in phases.values()) and phases["forward"] > 0
    assert phases["of which cyclic GC"] <= sum(t for k, t in phases.items() if k != "of which cyclic GC")


def test_chain_gradients_are_right_on_every_engine_that_finished(quick_run):
    _, data = quick_run
    finished = 0
    for engine, recs in data["records"]["chain"].items():
        for rec in recs:
            for row in rec.get("result", {}).get("rows", []):
                if "grad" in row:
                    finished += 1
                    assert row["grad"] == pytest.approx(CHAIN_FACTOR ** row["depth"], rel=1e-9), engine
                    assert row["build"] > 0 and row["backward"] > 0
    assert finished >= 2  # glassgrad at depths 100 and 1,000 at least


@pytest.mark.skipif(not HAS_MICROGRAD, reason="micrograd is not installed (pip install -e '.[bench]')")
def test_micrograd_is_measured_and_fails_the_deep_chain(quick_run):
    text, data = quick_run
    summary = data["summary"]
    assert summary["xor-step"]["ratio"]["rounds"] == 1
    assert summary["xor-step"]["ratio"]["median"] > 0
    (rec,) = data["records"]["chain"]["micrograd"]
    rows = {row["depth"]: row for row in rec["result"]["rows"]}
    assert "grad" in rows[100]  # shallow: fine
    assert rows[1_000]["error"] == "RecursionError in backward()"  # its recursive topological sort
    assert "RecursionError in backward()" in text
    mem = summary["memory"]
    assert 0 < mem["glassgrad"]["traced"] < mem["micrograd"]["traced"]


def test_engines_that_cannot_run_a_workload_say_why(quick_run):
    text, data = quick_run
    (rec,) = data["records"]["xor-step-sigmoid"]["micrograd"]
    assert rec["unavailable"] == not_applicable("micrograd", "xor-step-sigmoid")
    assert "no sigmoid" in text
    (rec,) = data["records"]["chain"]["numpy"]
    assert "unavailable" in rec
    if not HAS_TORCH:
        (rec,) = data["records"]["xor-step"]["torch"]
        assert "not importable" in rec["unavailable"]


def test_report_is_markdown_with_machine_and_targets(quick_run):
    text, data = quick_run
    assert text.startswith("Machine: ")
    assert f"Python {data['info']['python']}" in text
    assert "| workload: best / median | glassgrad |" in text
    assert "QUICK MODE" in text
    assert "Targets:" in text and "- [" in text
    tables, current = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    assert len(tables) == 7  # steps, moons phases, chain, memory, per-op, jvp, jacobian
    for table in tables:  # every row has as many cells as the header, and a rule under it
        widths = {line.count("|") for line in table}
        assert len(widths) == 1, table
        assert set(table[1]) <= set("|-: ")


def test_missing_engine_is_reported_not_crashed(monkeypatch):
    records = benchmark.collect(["glassgrad"], ["per-op"], rounds=1, quick=True, chain_budget=1.0,
                                clock="cpu", timeout=120)
    (rec,) = records["per-op"]["glassgrad"]
    ops = rec["result"]
    assert set(ops) == {"add", "mul", "relu", "tanh"}
    assert all(o["build_ns"] > 0 and o["backward_ns"] > 0 for o in ops.values())
    # An engine whose import fails is a table cell, not a traceback.
    monkeypatch.setattr(benchmark, "run_child", lambda engine, todo, *a: [
        {"engine": engine, "workload": w, "unavailable": f"{engine} is not importable"} for w in todo])
    records = benchmark.collect(["micrograd"], ["xor-step"], 1, True, 1.0, "cpu", 10)
    info = {"machine": "m", "cores": 2, "python": "3", "date": "d", "load_start": 0.0,
            "load_end": 0.0, "engines": ["micrograd"], "versions": {}, "method": ""}
    text = bench_report.markdown(bench_report.summarize(records), records, info)
    assert "n/a: micrograd is not importable" in text


def test_paired_ratio_is_the_median_of_per_round_ratios():
    slow = {"rounds": [10.0, 30.0, 20.0], "best": 10.0}
    fast = {"rounds": [2.0, 5.0, 5.0], "best": 2.0}
    ratio = bench_report.paired_ratio(slow, fast)
    assert ratio["median"] == pytest.approx(5.0)  # ratios 5, 6, 4
    assert (ratio["min"], ratio["max"], ratio["rounds"]) == (pytest.approx(4.0), pytest.approx(6.0), 3)
    assert bench_report.paired_ratio(None, fast) is None


def _tracked_objects_after_steps(step, steps: int = 20) -> int:
    """How many more GC-tracked objects exist after `steps` training steps, with the cyclic GC off."""
    for _ in range(3):  # warm-up: one-off caches (bound ops, imports) fill here
        step()
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        for _ in range(steps):
            step()
        return len(gc.get_objects()) - before
    finally:
        if enabled:
            gc.enable()


def test_no_reference_cycles_so_a_step_frees_its_graph_without_the_cyclic_gc():
    # glassgrad's nodes point only at their inputs (no closures back to themselves), so reference
    # counting frees each step's graph: zero objects left over after 20 steps, GC off.
    assert _tracked_objects_after_steps(xor_step("glassgrad", "sigmoid")) == 0
    assert _tracked_objects_after_steps(moons_step("glassgrad", 10), steps=5) == 0


@pytest.mark.skipif(not HAS_MICROGRAD, reason="micrograd is not installed (pip install -e '.[bench]')")
def test_micrograd_leaks_every_graph_without_the_cyclic_gc():
    # The same measurement catches micrograd's closure cycles: every step's graph stays behind.
    leaked = _tracked_objects_after_steps(xor_step("micrograd", "relu"))
    assert leaked > 20 * 100  # more than 100 objects per step (its graph has ~130 nodes)


def test_moons_data_is_two_labelled_half_circles():
    xs, ys = moons(200)
    assert len(xs) == 200 and set(ys) == {-1.0, 1.0} and ys.count(1.0) == 100
    upper = [x for x, y in zip(xs, ys) if y == 1.0]
    # the +1 moon is the upper arc of the unit circle: radius ~1 around the origin
    radii = [math.hypot(a, b) for a, b in upper]
    assert sum(radii) / len(radii) == pytest.approx(1.0, abs=0.05)
    assert xs == moons(200)[0]  # seeded


def test_gc_tax_counts_the_tracked_objects_each_chain_shape_makes(capsys):
    # docs/speed.md's account of the chain's GC bill rests on these counts: glassgrad makes six
    # GC-tracked objects a step (2 nodes, 2 children tuples, 2 constant leaves), like its stand-in.
    from demos import gc_tax

    counts = {name: gc_tax.tracked_per_step(*variant) for name, variant in gc_tax.VARIANTS.items()}
    expected = {"glassgrad": 6, "6 a step": 6, "4 a step": 4, "2 a step": 2}
    assert counts == pytest.approx(expected, abs=0.01)  # + the chain's first node, over 1000 steps
    assert gc_tax.main(["--steps", "20000"]) == 0
    rows = capsys.readouterr().out.splitlines()[2:]
    assert [row.split()[0] for row in rows] == ["glassgrad", "6", "4", "2"]
    for row in rows:
        *_, tracked, build, in_gc, full = row.split()
        assert int(tracked) in (2, 4, 6) and float(build) > 0 and 0 <= float(in_gc) <= float(build)
        assert int(full) >= 0


def test_gc_tax_refuses_to_run_with_the_collector_off(capsys):
    from demos import gc_tax

    gc.disable()
    try:
        with pytest.raises(SystemExit) as exit_info:
            gc_tax.main(["--steps", "10"])
    finally:
        gc.enable()
    assert exit_info.value.code == 2
    assert "garbage collector is off" in capsys.readouterr().err


def test_forward_mode_workloads_report_both_ratios(quick_run):
    text, data = quick_run
    fwd = data["summary"]["jvp"]
    assert fwd["nodes"] > 1000 and fwd["forward pass"] > 0 and fwd["backward()"] > 0
    assert fwd["pass_ratio"]["median"] > 0 and fwd["call_ratio"]["median"] > 0
    shapes = {r["shape"]: r for r in data["summary"]["jacobian"]}
    assert set(shapes) == {"ℝ^4 → ℝ", "ℝ → ℝ^4", "ℝ^4 → ℝ^4"}
    assert [shapes[s]["auto_mode"] for s in ("ℝ^4 → ℝ", "ℝ → ℝ^4", "ℝ^4 → ℝ^4")] == ["rev", "fwd", "rev"]
    assert "a jvp costs at most 1.5× one backward() on the same graph:" in text
    assert 'jacobian(mode="auto") never more than 10% slower than the worse mode:' in text
    for engine in ("micrograd", "torch"):
        assert data["records"]["jvp"][engine][0]["unavailable"].startswith("glassgrad's forward mode")


def test_a_run_with_the_collector_off_says_so_in_plain_words(quick_run):
    _, data = quick_run
    info = {**data["info"], "gc": "off"}
    text = bench_report.markdown(bench_report.summarize(data["records"]), data["records"], info)
    assert "Targets (garbage collector off):" in text
    assert "issue" not in text.lower()  # no leftover phrase from the work's own notes
    source = Path(benchmark.__file__).read_text(encoding="utf-8")
    assert "GARBAGE COLLECTOR OFF (gc.disable() in every child; not how Python runs by default)" in source
