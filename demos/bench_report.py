"""Turn the benchmark's raw records into figures, ratios and a ready-to-paste Markdown report.

Input: the records `demos.bench_workloads` printed, grouped as ``{workload: {engine: [record per
round]}}``. Every summary keeps both the best (least disturbed by other processes) and the median.
A *paired ratio* is micrograd's time ÷ glassgrad's time from the same round, where the two ran
back to back, each taken as the best of its timed blocks (a burst of load elsewhere on the
machine then spoils a block, not the figure); the report gives the median of those ratios over
the rounds, and their range.
"""

from __future__ import annotations

import statistics
from typing import Any

Records = dict[str, dict[str, list[dict[str, Any]]]]

COLUMNS = ("glassgrad", "micrograd", "torch", "numpy")
TITLES = {"glassgrad": "glassgrad", "micrograd": "micrograd 0.1.0", "torch": "PyTorch",
          "numpy": "NumPy reference"}
TARGETS = {"moons-step": 5.0, "xor-step": 3.0}  # minimum speed-up over micrograd
CHAIN_TARGET_S, MEMORY_TARGET = 3.0, 1 / 3
JVP_TARGET, AUTO_TARGET = 1.5, 1.1  # jvp ÷ backward() at most; jacobian auto ÷ the worse mode at most


def _ok(recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r["result"] for r in recs if "result" in r]


def _why_not(recs: list[dict[str, Any]]) -> str:
    for r in recs:
        if "unavailable" in r:
            return f"n/a: {r['unavailable']}"
        if "failed" in r:
            return f"failed: {r['failed']}"
    return "not run"


def step_times(recs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Best and median seconds per step over every timed block of every round, and each round's best."""
    results = _ok(recs)
    if not results:
        return None
    pooled = [t for r in results for t in r["blocks"]]
    gc_share = [r["gc_per_step"] for r in results if "gc_per_step" in r]
    return {"best": min(pooled), "median": statistics.median(pooled),
            "rounds": [min(r["blocks"]) for r in results],
            "gc": statistics.median(gc_share) if gc_share else None}


def paired_ratio(slow: dict[str, Any] | None, fast: dict[str, Any] | None) -> dict[str, Any] | None:
    """slow ÷ fast per round (the two ran back to back): median, range and count."""
    if not slow or not fast:
        return None
    ratios = [s / f for s, f in zip(slow["rounds"], fast["rounds"])]
    return {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios),
            "rounds": len(ratios), "of_best": slow["best"] / fast["best"]}


def phases(recs: list[dict[str, Any]]) -> dict[str, float] | None:
    """Median seconds of each phase of a moons step (forward, backward, update, free)."""
    results = _ok(recs)
    if not results:
        return None
    names = results[0]["phases"]
    steps = [s for r in results for s in r["steps"]]
    return {name: statistics.median(s[i] for s in steps) for i, name in enumerate(names)}


def chain_rows(recs: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Per depth: median build, backward and total seconds (and the best total), or why not."""
    results = _ok(recs)
    by_depth: dict[int, list[dict[str, Any]]] = {}
    for r in results:
        for row in r["rows"]:
            by_depth.setdefault(row["depth"], []).append(row)
    out: dict[int, dict[str, Any]] = {}
    for depth, rows in by_depth.items():
        timed = [row for row in rows if "build" in row]
        if timed:
            totals = [row["build"] + row["backward"] for row in timed]
            out[depth] = {"build": statistics.median(row["build"] for row in timed),
                          "backward": statistics.median(row["backward"] for row in timed),
                          "total": statistics.median(totals), "best": min(totals),
                          "gc": statistics.median(row.get("gc_build", 0.0) + row.get("gc_backward", 0.0)
                                                  for row in timed),
                          "grad_rel_error": max(row["grad_rel_error"] for row in timed),
                          "runs": len(timed)}
        else:
            out[depth] = {"note": rows[0].get("error") or rows[0].get("skipped", "?")}
    return out


def memory(recs: list[dict[str, Any]]) -> dict[str, Any] | None:
    results = _ok(recs)
    if not results:
        return None
    return {"nodes": results[0]["nodes"],
            "traced": statistics.median(r["traced_per_node"] for r in results),
            "rss": statistics.median(r["rss_per_node"] for r in results),
            "note": results[0].get("note")}


def per_op(recs: list[dict[str, Any]]) -> dict[str, Any] | None:
    results = _ok(recs)
    if not results:
        return None
    out: dict[str, Any] = {}
    for op, first in results[0].items():
        if "unavailable" in first:
            out[op] = {"note": first["unavailable"]}
        else:
            out[op] = {k: statistics.median(r[op][k] for r in results)
                       for k in ("build_ns", "backward_ns")}
    return out


def summarize(records: Records) -> dict[str, Any]:
    """Everything the report shows, as plain data (it also goes into --json)."""
    summary: dict[str, Any] = {}
    for workload in ("xor-step", "xor-step-sigmoid", "moons-step"):
        engines = records.get(workload, {})
        times = {e: step_times(recs) for e, recs in engines.items()}
        summary[workload] = {"times": times,
                             "ratio": paired_ratio(times.get("micrograd"), times.get("glassgrad"))}
        if workload == "moons-step":
            summary[workload]["phases"] = {e: phases(recs) for e, recs in engines.items()}
    summary["chain"] = {e: chain_rows(recs) for e, recs in records.get("chain", {}).items()}
    summary["memory"] = {e: memory(recs) for e, recs in records.get("memory", {}).items()}
    summary["per-op"] = {e: per_op(recs) for e, recs in records.get("per-op", {}).items()}
    summary["jvp"] = forward_vs_reverse(records.get("jvp", {}).get("glassgrad", []))
    summary["jacobian"] = jacobian_rows(records.get("jacobian", {}).get("glassgrad", []))
    return summary


def forward_vs_reverse(recs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """jvp ÷ backward() per round, for the pass alone and for the whole call: median and worst."""
    results = _ok(recs)
    if not results:
        return None
    out: dict[str, Any] = {"nodes": results[0]["nodes"], "parameters": results[0]["parameters"]}
    for key in ("pass_ratio", "call_ratio"):
        ratios = [r[key] for r in results]
        out[key] = {"median": statistics.median(ratios), "max": max(ratios), "rounds": len(ratios)}
    for key in ("forward pass", "backward()", "jvp call", "build + backward() call"):
        out[key] = statistics.median(r[key] for r in results)
    return out


def jacobian_rows(recs: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """Per shape, the median over rounds of each mode's best time and of auto's ratios."""
    results = _ok(recs)
    if not results:
        return None
    rows = []
    for k, first in enumerate(results[0]["rows"]):
        per_round = [r["rows"][k] for r in results]
        row = {"shape": first["shape"], "auto_mode": first["auto_mode"]}
        for key in ("fwd", "rev", "auto", "auto_vs_better"):
            row[key] = statistics.median(r[key] for r in per_round)
        row["auto_vs_worse"] = max(r["auto_vs_worse"] for r in per_round)  # the worst round
        rows.append(row)
    return rows


# ----------------------------------------------------------------------------------------------
# Markdown
# ----------------------------------------------------------------------------------------------


def _fmt(seconds: float, unit: str) -> str:
    """Three significant figures at most, no scientific notation: 1,234 · 123 · 12.3 · 1.23 · 0.0123."""
    x = seconds * {"µs": 1e6, "ms": 1e3, "s": 1.0}[unit]
    if x >= 100:
        return f"{x:,.0f}"
    if x == 0:
        return "0"
    return f"{x:.3g}" if x >= 0.001 else "<0.001"


def _table(header: list[str], rows: list[list[str]], align: str = "") -> list[str]:
    align = align or "l" + "r" * (len(header) - 1)
    rule = ["---:" if a == "r" else "---" for a in align]
    return ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"] + [
        "| " + " | ".join(r) + " |" for r in rows]


def _ratio_text(ratio: dict[str, Any] | None) -> str:
    if not ratio:
        return "–"
    spread = f"{ratio['min']:.1f}–{ratio['max']:.1f} over " if ratio["rounds"] > 1 else ""
    return f"**{ratio['median']:.1f}×** ({spread}{_rounds(ratio['rounds'])})"


def _rounds(n: int) -> str:
    return f"{n} round" + ("s" if n != 1 else "")


def markdown(summary: dict[str, Any], records: Records, info: dict[str, Any]) -> str:
    engines = [e for e in COLUMNS if e in info["engines"]]
    out = [f"Machine: {info['machine']}. Python {info['python']}. {info['date']}. "
           f"Load average {info['load_start']:.2f} at the start, {info['load_end']:.2f} at the end "
           f"({info['cores']} cores).",
           "",
           f"Engines: {', '.join(f'{e} {v}' for e, v in info['versions'].items())}. "
           f"{info['method']}",
           ""]

    step_rows = []
    points = next((r["result"]["points"] for recs in records.get("moons-step", {}).values()
                   for r in recs if "result" in r), 100)
    labels = {"xor-step": ("xor-step: 2-4-1 relu, MSE", "µs"),
              "xor-step-sigmoid": ("xor-step: 2-4-1 sigmoid, MSE", "µs"),
              "moons-step": (f"moons-step: 2-16-16-1 relu, {points} points, hinge + L2", "ms")}
    for workload, (label, unit) in labels.items():
        if workload not in records:
            continue
        row = [f"{label} ({unit}/step)"]
        for e in engines:
            t = summary[workload]["times"].get(e)
            row.append(f"{_fmt(t['best'], unit)} / {_fmt(t['median'], unit)}" if t else
                       _why_not(records.get(workload, {}).get(e, [])))
        row.append(_ratio_text(summary[workload]["ratio"]))
        step_rows.append(row)
    if step_rows:
        out += [*_table(["workload: best / median"] + [TITLES[e] for e in engines]
                             + ["micrograd ÷ glassgrad"], step_rows), ""]
    xor_gc = {e: t["gc"] for e, t in summary.get("xor-step", {}).get("times", {}).items()
              if t and t.get("gc") is not None}
    if xor_gc:
        out += ["Time in the cyclic garbage collector per xor-step (median): "
                + ", ".join(f"{TITLES[e]} {_fmt(g, 'µs')} µs" for e, g in xor_gc.items()) + ".", ""]

    moon_phases = summary.get("moons-step", {}).get("phases", {})
    shown = [e for e in engines if moon_phases.get(e)]
    if shown:
        out += ["Where a moons step goes (median ms):", ""]
        names = next(iter(moon_phases[e] for e in shown)).keys()
        out += _table(["phase"] + [TITLES[e] for e in shown],
                      [[n] + [_fmt(moon_phases[e][n], "ms") for e in shown] for n in names])
        out.append("")

    chain = summary.get("chain", {})
    if chain:
        depths = sorted({d for rows in chain.values() for d in rows})
        cols = [e for e in engines if chain.get(e)]
        rows = []
        for d in depths:
            row = [f"{d:,}"]
            for e in cols:
                c = chain[e].get(d)
                if c is None:
                    row.append("–")
                elif "note" in c:
                    row.append(c["note"])
                else:
                    row.append(f"{_fmt(c['build'], 's')} + {_fmt(c['backward'], 's')} = "
                               f"{_fmt(c['total'], 's')} (GC {_fmt(c['gc'], 's')})")
            rows.append(row)
        out += ["`chain`: y = y·1.0001 + 0.0001, build + backward() = total in seconds "
                "(median), and how much of it the cyclic garbage collector took:", ""]
        out += [*_table(["depth"] + [TITLES[e] for e in cols], rows), ""]

    mem = {e: m for e, m in summary.get("memory", {}).items() if m}
    if mem:
        cols = [e for e in engines if e in mem]
        ref = mem.get("micrograd")
        nodes = mem[cols[0]]["nodes"]
        rows = [["bytes per node, tracemalloc"] + [
                    f"{mem[e]['traced']:,.0f}" + (" *" if mem[e]["note"] else "") for e in cols],
                ["bytes per node, RSS"] + [f"{mem[e]['rss']:,.0f}" for e in cols]]
        if ref:
            rows.append(["÷ micrograd (tracemalloc)"] + [
                f"{mem[e]['traced'] / ref['traced']:.2f}" if not mem[e]["note"] else "–" for e in cols])
        out += [f"`memory`: a chain graph of about {nodes:,} nodes:", ""]
        out += _table(["", *[TITLES[e] for e in cols]], rows)
        notes = {mem[e]["note"] for e in cols if mem[e]["note"]}
        out += [f"\n\\* {n}; torch's nodes are counted as its 2 tensors per step (constants "
                f"live inside its op nodes)." for n in notes]
        out.append("")

    ops = {e: p for e, p in summary.get("per-op", {}).items() if p}
    if ops:
        cols = [e for e in engines if e in ops]
        names = list(next(iter(ops.values())))
        rows = []
        for op in names:
            row = [op]
            for e in cols:
                c = ops[e][op]
                row.append(c["note"] if "note" in c else f"{c['build_ns']:,.0f} / {c['backward_ns']:,.0f}")
            rows.append(row)
        out += ["`per-op`: ns per node, build / backprop (chains of 200 nodes, median):", ""]
        out += [*_table(["op", *[TITLES[e] for e in cols]], rows), ""]

    fwd = summary.get("jvp")
    if fwd:
        out += [f"`jvp`: the moons loss as a function of its {fwd['parameters']} parameters "
                f"({fwd['nodes']:,} nodes), along a direction that moves them all (median ms):", ""]
        out += _table(["", "forward mode", "reverse mode", "forward ÷ reverse"], [
            ["one pass over the built graph", f"{_fmt(fwd['forward pass'], 'ms')} (jvp's pass)",
             f"{_fmt(fwd['backward()'], 'ms')} (backward())", f"{fwd['pass_ratio']['median']:.2f}"],
            ["the whole call", f"{_fmt(fwd['jvp call'], 'ms')} (jvp)",
             f"{_fmt(fwd['build + backward() call'], 'ms')} (build + backward())",
             f"{fwd['call_ratio']['median']:.2f}"]])
        out.append("")
    jac = summary.get("jacobian")
    if jac:
        out += ["`jacobian`: each mode and `mode=\"auto\"` (median of the rounds' best, ms):", ""]
        out += _table(["shape", "fwd", "rev", "auto (picked)", "auto ÷ better", "auto ÷ worse"], [
            [r["shape"], _fmt(r["fwd"], "ms"), _fmt(r["rev"], "ms"),
             f"{_fmt(r['auto'], 'ms')} ({r['auto_mode']})", f"{r['auto_vs_better']:.2f}",
             f"{r['auto_vs_worse']:.2f}"] for r in jac])
        out.append("")

    gc_off = info.get("gc") == "off"
    out += ["Targets" + (" (garbage collector off)" if gc_off else "")
            + ":", "", *targets(summary)]
    return "\n".join(out) + "\n"


def targets(summary: dict[str, Any]) -> list[str]:
    """The issue's targets, each with its figure and whether this run met it."""
    lines = []
    for workload, need in TARGETS.items():
        ratio = summary.get(workload, {}).get("ratio")
        if ratio:
            mark = "x" if ratio["median"] >= need else " "
            lines.append(f"- [{mark}] {workload} at least {need:g}× faster than micrograd: "
                         f"{ratio['median']:.1f}× (median of {_rounds(ratio['rounds'])}, paired)")
        else:  # say so rather than leave the target out: a missing line reads as "not a target"
            lines.append(f"- [ ] {workload} at least {need:g}× faster than micrograd: not measured "
                         f"in this run (micrograd not run or not installed: pip install -e '.[bench]')")
    chain = summary.get("chain", {})
    ours = chain.get("glassgrad", {}).get(1_000_000)
    if ours and "total" in ours:
        mark = "x" if ours["total"] < CHAIN_TARGET_S else " "
        failed = [d for d, c in chain.get("micrograd", {}).items() if "note" in c]
        theirs = (f"; micrograd: {chain['micrograd'][min(failed)]['note']} at depth {min(failed):,}"
                  if failed else "")
        lines.append(f"- [{mark}] chain at depth 1,000,000 under {CHAIN_TARGET_S:g} s: "
                     f"{ours['total']:.2f} s median, {ours['best']:.2f} s best{theirs}")
    fwd = summary.get("jvp")
    if fwd:
        worst = fwd["pass_ratio"]["max"]
        lines.append(f"- [{'x' if worst <= JVP_TARGET else ' '}] a jvp costs at most "
                     f"{JVP_TARGET:g}× one backward() on the same graph: {fwd['pass_ratio']['median']:.2f}× "
                     f"(median; worst round {worst:.2f}×; the whole call {fwd['call_ratio']['median']:.2f}×)")
    jac = summary.get("jacobian")
    if jac:
        worst_row = max(jac, key=lambda r: r["auto_vs_worse"])
        worst = worst_row["auto_vs_worse"]
        lines.append(f"- [{'x' if worst <= AUTO_TARGET else ' '}] jacobian(mode=\"auto\") never "
                     f"more than {100 * (AUTO_TARGET - 1):.0f}% slower than the worse mode: at most "
                     f"{worst:.2f}× the worse mode ({worst_row['shape']}); at most "
                     f"{max(r['auto_vs_better'] for r in jac):.2f}× the better one")
    mem = summary.get("memory", {})
    if mem.get("glassgrad") and mem.get("micrograd"):
        share = mem["glassgrad"]["traced"] / mem["micrograd"]["traced"]
        mark = "x" if share <= MEMORY_TARGET else " "
        lines.append(f"- [{mark}] memory per node at most a third of micrograd's: {share:.2f} "
                     f"({mem['glassgrad']['traced']:.0f} vs {mem['micrograd']['traced']:.0f} bytes)")
    return lines
