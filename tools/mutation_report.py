"""The report of `make mutate`: per mutated file, how many mutants were killed, survived, timed out or
were never reached by a selected test, and the score killed ÷ (killed + survived).

Reads mutmut's results (mutants/<file>.meta) and the equivalent mutants listed in docs/mutation.md
(a table row per mutant, its name in backticks): the score over non-equivalent mutants leaves those
out. Survivors that are not listed are printed by name: each needs a test or a line in the doc. The
report goes to stdout and to out/mutation.md. Run from the repository root after `mutmut run`.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

# mutmut's exit codes for a mutant's test run (mutmut/stats.py): 1 and 3 are a failing test.
KILLED, SURVIVED, NOT_REACHED = {1, 3}, {0}, {5, 33}
TIMEOUT = {24, -24, 36, 152, 255}
def group_of(source: str) -> str:
    return "nn/ (all files)" if source.startswith("nn/") else "core (autograd/, all files)"


EQUIVALENT = re.compile(r"^\|\s*`([\w.ǁ]+__mutmut_\d+)`", re.MULTILINE)


def verdict(code: int | None) -> str:
    if code in KILLED:
        return "killed"
    if code in SURVIVED:
        return "survived"
    if code in NOT_REACHED:
        return "not reached"
    if code in TIMEOUT:
        return "timed out"
    return "not run" if code is None else "other"


def report(root: Path) -> tuple[str, list[str]]:
    equivalent = set(EQUIVALENT.findall((root / "docs" / "mutation.md").read_text("utf-8"))) \
        if (root / "docs" / "mutation.md").exists() else set()
    rows, open_survivors, stale = [], [], sorted(equivalent)
    totals: Counter[str] = Counter()
    groups: dict[str, Counter[str]] = {}  # the goals are per group: the core, and nn/
    for meta in sorted((root / "mutants").rglob("*.py.meta")):
        source = meta.relative_to(root / "mutants").as_posix().removesuffix(".meta")
        codes = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
        if not codes:
            continue
        counts = Counter(verdict(c) for c in codes.values())
        survivors = [name for name, c in codes.items() if verdict(c) == "survived"]
        counts["equivalent"] = sum(name in equivalent for name in survivors)
        stale = [name for name in stale if name not in codes or verdict(codes[name]) != "survived"]
        open_survivors += [name for name in survivors if name not in equivalent]
        totals.update(counts)
        groups.setdefault(group_of(source), Counter()).update(counts)
        rows.append((source, counts))
    lines = [f"Mutation testing, {datetime.date.today().isoformat()}, commit {_commit(root)}", "",
             "| file | mutants | killed | survived | of which equivalent | timed out | not reached "
             "| score | non-equivalent score |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for source, c in [*rows, *sorted(groups.items()), ("all", totals)]:
        lines.append(f"| {source} | {sum(v for k, v in c.items() if k != 'equivalent')} | {c['killed']} "
                     f"| {c['survived']} | {c['equivalent']} | {c['timed out']} | {c['not reached']} "
                     f"| {_score(c['killed'], c['survived'])} "
                     f"| {_score(c['killed'], c['survived'] - c['equivalent'])} |")
    if totals["not run"] or totals["other"]:
        lines.append(f"\n{totals['not run']} mutants not run yet, {totals['other']} with another verdict "
                     "(mutmut results).")
    lines.append("\nscore = killed ÷ (killed + survived); the non-equivalent score leaves out the "
                 "survivors that docs/mutation.md lists as equivalent.")
    if open_survivors:
        lines += ["", f"Survivors neither killed nor listed as equivalent ({len(open_survivors)}); "
                  "see each with `mutmut show NAME`:", *(f"- {name}" for name in open_survivors)]
    if stale:
        lines += ["", "Listed as equivalent in docs/mutation.md but not a survivor of this run (the code "
                  "moved, or a test kills it now):", *(f"- {name}" for name in stale)]
    return "\n".join(lines) + "\n", open_survivors


def _score(killed: int, survived: int) -> str:
    return f"{100 * killed / (killed + survived):.1f}%" if killed + survived else "–"


def _commit(root: Path) -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                             text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out


def main() -> int:
    root = Path.cwd()
    if not (root / "mutants").is_dir():
        print("no mutants/ folder here: run `make mutate` (or `mutmut run`) first", file=sys.stderr)
        return 2
    text, _ = report(root)
    (root / "out").mkdir(exist_ok=True)
    (root / "out" / "mutation.md").write_text(text, "utf-8")
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
