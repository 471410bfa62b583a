"""tools/mutation_report.py: the figures `make mutate` prints, from mutmut's results and the
equivalent mutants listed in docs/mutation.md."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("mutation_report", ROOT / "tools" / "mutation_report.py")
mutation_report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mutation_report)


def write_results(root: Path, source: str, codes: dict[str, int | None]) -> None:
    meta = root / "mutants" / f"{source}.meta"
    meta.parent.mkdir(parents=True, exist_ok=True)
    meta.write_text(json.dumps({"exit_code_by_key": codes}), "utf-8")


def test_the_report_counts_each_verdict_and_leaves_the_listed_equivalents_out_of_the_score(tmp_path):
    # mutmut's exit codes: 1 a test failed (killed), 0 all passed (survived), 33 no test reaches
    # the function, 36 timed out, None not run yet.
    write_results(tmp_path, "autograd/value.py", {
        **{f"autograd.value.x_f__mutmut_{i}": 1 for i in range(1, 19)},  # 18 killed
        "autograd.value.x_f__mutmut_19": 0, "autograd.value.x_f__mutmut_20": 0,
        "autograd.value.x_g__mutmut_1": 33, "autograd.value.x_g__mutmut_2": 36})
    write_results(tmp_path, "nn/io.py", {"nn.io.x_h__mutmut_1": 1, "nn.io.x_h__mutmut_2": None})
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "mutation.md").write_text(
        "| mutant | why |\n| --- | --- |\n"
        "| `autograd.value.x_f__mutmut_20` | a cache switched off: slower, the same numbers. |\n"
        "| `nn.io.x_h__mutmut_1` | listed, but killed now. |\n", "utf-8")
    text, open_survivors = mutation_report.report(tmp_path)
    rows = {line.split(" | ")[0].strip("| "): line for line in text.splitlines() if line.startswith("| ")}
    # mutants, killed, survived, of which equivalent, timed out, not reached, score, non-equivalent
    assert rows["autograd/value.py"] == "| autograd/value.py | 22 | 18 | 2 | 1 | 1 | 1 | 90.0% | 94.7% |"
    assert rows["nn/io.py"] == "| nn/io.py | 2 | 1 | 0 | 0 | 0 | 0 | 100.0% | 100.0% |"
    assert rows["core (autograd/, all files)"].endswith("| 90.0% | 94.7% |")
    assert rows["all"] == "| all | 24 | 19 | 2 | 1 | 1 | 1 | 90.5% | 95.0% |"
    assert open_survivors == ["autograd.value.x_f__mutmut_19"]
    assert "1 mutants not run yet" in text
    assert text.rstrip().endswith("- nn.io.x_h__mutmut_1")  # a listed equivalent that is no survivor


def test_the_equivalents_listed_in_the_docs_are_unique_and_explained():
    text = (ROOT / "docs" / "mutation.md").read_text("utf-8")
    names = mutation_report.EQUIVALENT.findall(text)
    assert len(names) == len(set(names)) > 0
    for line in text.splitlines():
        if line.startswith("| `") and "__mutmut_" in line:
            assert len(line.split(" | ")[1].strip(" |")) >= len("as above."), line  # a reason each
