"""Nothing a user loads or types may run code: no pickle, eval or exec anywhere in the package.

The check reads the code token by token (comments and strings are not code, so a docstring that
says "no pickle" is fine) and flags
- any use of a module that turns bytes into live objects (``pickle`` and its relatives), and
- calls of the built-ins ``eval``, ``exec``, ``compile`` and ``__import__`` — but not a method
  that happens to share the name, such as ``model.eval()``.
"""

from __future__ import annotations

import io
import token
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("autograd", "nn", "demos")
UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "marshal", "shelve"}
UNSAFE_CALLS = {"eval", "exec", "compile", "__import__"}


def unsafe_uses(source: str) -> list[tuple[int, str]]:
    """(line, what) for every unsafe module name and every call of an unsafe built-in."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
              if t.type not in (token.COMMENT, token.NL, token.NEWLINE, token.INDENT, token.DEDENT)]
    found = []
    for i, t in enumerate(tokens):
        if t.type != token.NAME:
            continue
        before = tokens[i - 1].string if i else ""
        after = tokens[i + 1].string if i + 1 < len(tokens) else ""
        if t.string in UNSAFE_MODULES and before != ".":
            found.append((t.start[0], t.string))
        elif t.string in UNSAFE_CALLS and after == "(" and before not in (".", "def"):
            found.append((t.start[0], f"{t.string}("))
    return found


def package_sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_the_scan_finds_what_it_must_and_nothing_else():
    flagged = """
import pickle
from cloudpickle import dumps
import json, marshal as m
x = eval("1 + 1")
exec(code)
f = __import__("os")
g = compile(src, "f", "exec")
"""
    assert [what for _, what in unsafe_uses(flagged)] == [
        "pickle", "cloudpickle", "marshal", "eval(", "exec(", "__import__(", "compile("]
    harmless = '''
"""Save and load as JSON. No pickle, no eval(), no exec()."""
# we never call eval( or exec( here; pickle is not imported
model.eval()
self.exec(plan)
def eval(self): ...
evaluate(x)
s = "pickle"
np.load(path, allow_pickle=False)
'''
    assert unsafe_uses(harmless) == []


def test_the_package_sources_are_all_scanned():
    names = {p.relative_to(ROOT).as_posix() for p in package_sources()}
    assert {"autograd/value.py", "autograd/ops.py", "nn/io.py", "nn/module.py", "demos/xor.py"} <= names


@pytest.mark.parametrize("path", package_sources(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_pickle_eval_or_exec_in_the_package(path):
    uses = unsafe_uses(path.read_text(encoding="utf-8"))
    assert uses == [], f"{path.relative_to(ROOT)}: {uses} — use JSON and explicit parsing instead"
