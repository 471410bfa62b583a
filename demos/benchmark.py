"""How fast is glassgrad? The same workloads on glassgrad, micrograd, PyTorch and NumPy, in one run.

    python -m demos.benchmark                    # 5 rounds, prints a Markdown report
    python -m demos.benchmark --json out/bench.json --rounds 7
    python -m demos.benchmark --quick            # tiny sizes, one round: checks that it all runs

Every workload runs on each engine in its own fresh interpreter (`demos.bench_workloads`), with
the garbage collector in its default state. Rounds alternate the engines' order, and the
speed-up over micrograd is the median over rounds of the ratio of the two engines' best timed
blocks in that round (they ran back to back). Workloads:

- xor-step          one training step of 2-4-1 on the 4 XOR rows (relu, linear out, MSE)
- xor-step-sigmoid  the same with sigmoid layers (micrograd 0.1.0 has no sigmoid)
- moons-step        MLP(2, [16, 16, 1]) relu on 100 points, hinge loss + L2
- chain             y = y·1.0001 + 0.0001 to depth 10³ … 10⁶: build and backward, or the error
- memory            bytes per node of a 200,000-node graph (tracemalloc and RSS)
- per-op            ns per node to build and to backprop, for + × relu tanh
- jvp               glassgrad's forward mode against its reverse mode on the moons loss's graph
- jacobian          jacobian(mode="fwd" / "rev" / "auto") on shapes ℝⁿ→ℝ, ℝ→ℝᵐ, ℝⁿ→ℝⁿ

micrograd comes from the `bench` extra (``pip install -e '.[bench]'``); an engine that is not
installed is reported as such in the table. Nothing here is a timed test: the test suite runs
``--quick`` and checks the figures are there, never how big they are.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from autograd.files import write_atomic
from demos import bench_report
from demos.bench_workloads import ENGINES, WORKLOADS, not_applicable
from demos.common import command, output_file, positive_float, positive_int

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    """The CPU model and OS, for the report."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {platform.system()} {platform.release()}"


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return float("nan")


def run_child(engine: str, workloads: list[str], quick: bool, chain_budget: float, clock: str,
              timeout: float, gc_mode: str = "on") -> list[dict[str, Any]]:
    """Run workloads on one engine in a fresh interpreter; its JSON records, or one 'failed' each."""
    cmd = [sys.executable, "-m", "demos.bench_workloads", engine, ",".join(workloads),
           "--chain-budget", str(chain_budget), "--clock", clock, "--gc", gc_mode]
    cmd += ["--quick"] if quick else []
    try:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return [{"engine": engine, "workload": w, "failed": f"timed out after {timeout:g} s"}
                for w in workloads]
    records = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    seen = {r["workload"] for r in records}
    last = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return records + [{"engine": engine, "workload": w, "failed": f"exit {done.returncode}: {last}"}
                      for w in workloads if w not in seen]


def collect(engines: list[str], workloads: list[str], rounds: int, quick: bool,
            chain_budget: float, clock: str, timeout: float, gc_mode: str = "on") -> bench_report.Records:
    """Every (workload, engine) pair, `rounds` times, engines in alternating order per round.

    Full runs start one interpreter per engine, workload and round; ``--quick`` starts one per
    engine and round for all workloads (tests want it to be fast, not precise).
    """
    records: bench_report.Records = {w: {e: [] for e in engines} for w in workloads}
    for r in range(rounds):
        order = engines if r % 2 == 0 else engines[::-1]
        groups = [workloads] if quick else [[w] for w in workloads]
        for group in groups:
            for engine in order:
                todo = [w for w in group if not not_applicable(engine, w)]
                for w in group:
                    if w not in todo:
                        records[w][engine].append({"engine": engine, "workload": w,
                                                   "unavailable": not_applicable(engine, w)})
                if todo:
                    print(f"round {r + 1}/{rounds}: {engine:<9} {', '.join(todo)}", file=sys.stderr)
                    for rec in run_child(engine, todo, quick, chain_budget, clock, timeout, gc_mode):
                        records[rec["workload"]][engine].append(rec)
    return records


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.benchmark",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes and one round (for tests)")
    parser.add_argument("--rounds", type=positive_int, help="paired rounds (5; --quick: 1)")
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help=f"comma-separated subset of {','.join(ENGINES)}")
    parser.add_argument("--workloads", default=",".join(WORKLOADS),
                        help=f"comma-separated subset of {','.join(WORKLOADS)}")
    parser.add_argument("--chain-budget", type=positive_float, default=30.0,
                        help="skip a chain depth whose projected time is over this many seconds (30)")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                        help="cpu: each process's CPU time, GC included (default; steadier on a "
                             "shared machine); wall: elapsed time")
    parser.add_argument("--gc", choices=("on", "off"), default="on",
                        help="off: every child calls gc.disable() first, to show what the cyclic GC "
                             "costs (glassgrad makes no reference cycles; micrograd leaks every graph)")
    parser.add_argument("--json", metavar="FILE", type=output_file,
                        help="also write the raw records and summary here")
    args = parser.parse_args(argv)
    engines = [e for e in args.engines.split(",") if e]
    workloads = [w for w in args.workloads.split(",") if w]
    for name, given, known in (("engine", engines, ENGINES), ("workload", workloads, WORKLOADS)):
        unknown = [x for x in given if x not in known]
        if unknown or not given:
            parser.error(f"unknown {name}(s) {unknown or given}; choose from {', '.join(known)}")
    rounds = args.rounds or (1 if args.quick else 5)

    load_start = load_average()
    records = collect(engines, workloads, rounds, args.quick, args.chain_budget, args.clock,
                      timeout=300 if args.quick else 1800, gc_mode=args.gc)
    gc_text = ("garbage collector on (Python's default)" if args.gc == "on" else
               "GARBAGE COLLECTOR OFF (gc.disable() in every child; not how Python runs by default)")
    versions = {}
    for by_engine in records.values():
        for engine, recs in by_engine.items():
            for rec in recs:
                if "version" in rec:
                    versions.setdefault(engine, rec["version"])
    info = {
        "machine": machine(), "cores": os.cpu_count(),
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "load_start": load_start, "load_end": load_average(), "engines": engines, "gc": args.gc,
        "versions": {e: versions[e] + (" (CPU, 1 thread)" if e == "torch" else "")
                     for e in engines if e in versions},
        "method": (f"{rounds} round{'s' if rounds > 1 else ''}; each engine in a fresh interpreter "
                   f"{'per round' if args.quick else 'per workload and round'}, "
                   f"{gc_text}; engines alternate order between rounds; "
                   f"{'CPU time of each process' if args.clock == 'cpu' else 'wall-clock time'}."
                   + (" QUICK MODE: tiny sizes, figures not meaningful." if args.quick else "")),
    }
    summary = bench_report.summarize(records)
    print(bench_report.markdown(summary, records, info))
    if args.json:
        path = args.json
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps({"info": info, "summary": summary, "records": records},
                                      indent=1, default=str))
        print(f"(raw records and summary: {path})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
