"""What a user types: expressions for the stepper, command-line flags, graphs too big to draw.

Fuzzed with Hypothesis; the only outcomes allowed are a result or one of our own errors:
- the parser: a `Value` or a `ParseError`, also with extreme numbers in the text and in the
  bindings, and a backward pass that gives floats or our "backward through …" error;
- every demo's `main(argv)`: argparse's usage error (exit 2, "error:" on stderr), a normal run,
  or — for the stepper — our own engine error; never a Python traceback of another kind;
- a graph past the node limit: `GraphTooLarge` before Graphviz is ever started.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, grad
from autograd.parse import FUNCTIONS, ParseError, parse_expression
from demos import common
from demos.presets import PRESETS

PYTHON_WORDING = ("math domain error", "math range error", "float division by zero",
                  "Numerical result out of range")
ENGINE_ERRORS = (ValueError, ZeroDivisionError, OverflowError)
EXTREMES = [0.0, -0.0, 1.0, -1.0, 5e-324, -1e-310, 1e308, -1e308, sys.float_info.max,
            math.inf, -math.inf, math.nan]


def no_python_wording(message: str) -> None:
    for words in PYTHON_WORDING:
        assert words not in message, message


# --- the parser, with extreme numbers ---------------------------------------------------------------

literals = st.sampled_from(["0", "1", "2.5", "1e308", "1.7976931348623157e308", "1e-320", "5e-324",
                            "0.0", "709.8", "1e400", "9" * 320])
names = st.sampled_from(["x", "y", "z"])
expressions = st.recursive(
    st.one_of(literals, names),
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*", "/", "**"]), inner, inner).map(
            lambda t: f"({t[1]} {t[0]} {t[2]})"),
        st.tuples(st.sampled_from(sorted(FUNCTIONS)), inner).map(lambda t: f"{t[0]}({t[1]})"),
        inner.map(lambda e: f"-{e}"),
    ),
    max_leaves=8,
)
bindings = st.fixed_dictionaries({n: st.one_of(st.sampled_from(EXTREMES), st.floats())
                                  for n in ("x", "y", "z")})


@given(expressions, bindings)
def test_fuzz_parsed_expressions_with_extreme_numbers_give_a_value_or_our_error(text, values):
    leaves = {name: Value(x, label=name) for name, x in values.items()}
    try:
        root = parse_expression(text, leaves)
    except ParseError as err:
        no_python_wording(str(err))
        assert 0 <= err.position <= len(text)
        return
    assert type(root.data) is float
    try:
        root.backward()
    except ENGINE_ERRORS as err:
        assert str(err).startswith("backward through "), str(err)
        no_python_wording(str(err))
        return
    assert all(type(leaf.grad) is float for leaf in leaves.values())
    try:  # second derivatives build new nodes from the same op table: the same rules hold
        grad(root, list(leaves.values()), create_graph=True)
    except ENGINE_ERRORS as err:
        no_python_wording(str(err))
        assert str(err).startswith("backward through "), str(err)


def test_the_parser_turns_domain_errors_into_parse_errors_pointing_at_the_op():
    with pytest.raises(ParseError) as info:
        parse_expression("1 + log(x)", {"x": 0.0})
    assert info.value.position == 4
    assert "cannot compute log here: log(x = 'x' (= 0)): log is not defined here" in str(info.value)
    with pytest.raises(ParseError, match="too large for a float"):
        parse_expression("x * 1e400", {"x": 1.0})


# --- command-line flags of every demo ----------------------------------------------------------------

class Reached(Exception):
    """Raised by the stand-in for a demo's training: the flags were accepted; `arguments` holds
    what the training would have been called with, by parameter name."""

    def __init__(self, function: str, arguments: dict) -> None:
        super().__init__(function, arguments)
        self.function, self.arguments = function, arguments


def stand_in(original):
    """A function with `original`'s signature that raises `Reached` instead of doing the work."""
    signature = inspect.signature(original)

    def reached(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        raise Reached(original.__name__, dict(bound.arguments))

    return reached


# demo module -> the functions that start the long work (replaced, so an accepted set of flags
# costs nothing), and the flags it knows.
DEMOS = {
    "demos.xor": (["train", "run_one_preset"],
                  ["--steps", "--lr", "--hidden", "--seed", "--quick", "--preset", "--list-presets"]),
    "demos.breaking_it": (["run"], ["--steps", "--seed", "--seeds", "--quick"]),
    "demos.house_prices": (["train"], ["--steps", "--lr", "--seed", "--quick"]),
    "demos.linear_collapse": (["run"], ["--steps", "--lr-linear", "--lr-sigmoid", "--seed", "--quick"]),
    "demos.moons": (["two_moons"], ["--steps", "--points", "--seed", "--data-seed", "--quick"]),
    "demos.gc_tax": (["measure"], ["--steps"]),
    "demos.fd_lab": (["sweep"], ["--function", "--x", "--no-plot"]),
    "demos.iris": (["train"], ["--steps", "--lr", "--seed", "--split-seed", "--quick"]),
    "demos.spiral": (["train"], ["--epochs", "--points", "--batch", "--lr", "--seed", "--data-seed",
                                 "--quick"]),
    "demos.course.cli": (["new_course", "check"], ["new", "check", "--part", "--hint"]),
}
VALUES = ["0", "1", "-1", "3", "2.5", "-2.5", "1e-320", "1e309", "nan", "inf", "-inf", "abc", "",
          " ", "9" * 30, "0x10", "1_000", "٣", "\x00", "é", "--", "-", "true", "xor", "--quick"]
GOOD_VALUES = ["2", "5", "0.5", "0.01", "7", "-4", *PRESETS]
SWITCHES = {"--quick", "--list-presets", "--no-plot", "new", "check"}
JUNK_FLAGS = ["--nope", "-x", "--steps=", "--lr=nan", "--seed=-3", "--help", "-"]


def argv_for(flags: list[str]) -> st.SearchStrategy[list[str]]:
    """Anything (mostly refused), and flag-value pairs (mostly accepted), so both sides are fuzzed."""
    anything = st.lists(st.one_of(st.sampled_from(flags + JUNK_FLAGS), st.sampled_from(VALUES),
                                  st.text(max_size=6)), max_size=6)
    switches = [f for f in flags if f in SWITCHES]
    pairs = st.lists(st.one_of(
        st.tuples(st.sampled_from([f for f in flags if f not in SWITCHES]),
                  st.sampled_from(VALUES + GOOD_VALUES)),
        st.tuples(st.sampled_from(switches or ["--quick"]))), max_size=3)
    return st.one_of(anything, pairs.map(lambda ps: [word for pair in ps for word in pair]))


_PICTURES = tempfile.mkdtemp(prefix="glassgrad-fuzz-")  # demos check (and make) their folder first


def run_main(module_name: str, argv: list[str], pictures: str | Path | None = None
             ) -> tuple[object, str, str]:
    """main(argv) with the long work replaced: (return value, SystemExit or Reached; stdout; stderr).
    The pictures' folder is `pictures` (a temporary folder by default, never the repository's out/)."""
    module = importlib.import_module(module_name)
    stubs, _ = DEMOS.get(module_name, ([], []))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(common, "OUT", Path(pictures or _PICTURES)))
        for name in stubs:
            stack.enter_context(mock.patch.object(module, name, stand_in(getattr(module, name))))
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        try:
            result: object = module.main(argv)
        except (SystemExit, Reached) as outcome:
            result = outcome
    return result, out.getvalue(), err.getvalue()


def check_outcome(result: object, stderr: str, argv: list[str]) -> None:
    if isinstance(result, SystemExit):
        assert result.code in (0, 2), (argv, result.code)
        if result.code == 2:
            assert "usage:" in stderr and "error:" in stderr, (argv, stderr)
            assert "Traceback" not in stderr
    elif isinstance(result, Reached):  # what reaches the work was checked by the flags' types
        for name, x in result.arguments.items():
            if name in ("steps", "n", "points", "hidden") and x is not None:
                assert type(x) is int and x >= 1, (argv, name, x)
            elif name.startswith("lr") and x is not None:
                assert type(x) is float and math.isfinite(x) and x > 0, (argv, name, x)
            elif name in ("seed", "data_seed") and x is not None:
                assert type(x) is int and 0 <= x < 2**32, (argv, name, x)
            elif name == "seeds":
                assert x and all(type(s) is int and 0 <= s < 2**32 for s in x), (argv, name, x)
    else:
        assert isinstance(result, int), (argv, result)


@pytest.mark.parametrize("module_name", sorted(DEMOS))
@given(data=st.data())
def test_fuzz_demo_flags_give_a_run_or_a_usage_error(module_name, data):
    argv = data.draw(argv_for(DEMOS[module_name][1]), label="argv")
    result, _, stderr = run_main(module_name, argv)
    check_outcome(result, stderr, argv)


@pytest.mark.parametrize("module_name,argv,text", [
    ("demos.xor", ["--steps", "0"], "argument --steps: expected a number ≥ 1, got 0"),
    ("demos.xor", ["--lr", "nan"], "argument --lr: expected a positive finite number, got nan"),
    ("demos.xor", ["--preset", "nope"], "argument --preset: invalid choice: 'nope'"),
    ("demos.house_prices", ["--lr", "-1"], "argument --lr: expected a positive finite number, got -1"),
    ("demos.moons", ["--points", "1"], "--points must be at least 2"),
    ("demos.breaking_it", ["--seeds", "abc"], "argument --seeds: expected a whole number, got 'abc'"),
    ("demos.breaking_it", ["--seed", "9" * 5000], "argument --seed: a seed is a whole number from 0 "
                                                   "to 4,294,967,295, got '99999999999999999999'… "
                                                   "(5,000 characters)"),
    ("demos.xor", ["--seed", "-1"], "argument --seed: a seed is a whole number from 0 to 4,294,967,295 "
                                    "(NumPy's range), got '-1'"),
    ("demos.moons", ["--data-seed", "-1"], "argument --data-seed: a seed is a whole number"),
    ("demos.linear_collapse", ["--seed", str(2**32)], "(NumPy's range), got '4294967296'"),
    ("demos.house_prices", ["--seed", "-5"], "argument --seed: a seed is a whole number"),
    ("demos.breaking_it", ["--seed", str(2**32 - 2)], "goes past 4,294,967,295, the largest seed"),
    ("demos.iris", ["--split-seed", "-1"], "argument --split-seed: a seed is a whole number"),
    ("demos.spiral", ["--seed", "-1"], "argument --seed: a seed is a whole number"),
    ("demos.step", ["x*y", "x=1", "y=2", "--html", "/"], "argument --html: / is a folder"),
    ("demos.benchmark", ["--json", "/"], "argument --json: / is a folder"),
    ("demos.benchmark", ["--chain-budget", "nan"], "argument --chain-budget: expected a positive"),
    ("demos.linear_collapse", ["--lr-linear", "inf"], "expected a positive finite number, got inf"),
    ("demos.gc_tax", ["--steps", "0"], "argument --steps: expected a number ≥ 1, got 0"),
    ("demos.step", ["x", "x=nan"], "x: expected a finite number, got 'nan'"),
    ("demos.step", ["x", "=3"], "expected name=number, got '=3'"),
])
def test_bad_flags_are_usage_errors_that_say_what_is_wrong(module_name, argv, text):
    result, _, stderr = run_main(module_name, argv)
    assert isinstance(result, SystemExit) and result.code == 2
    assert text in stderr and "Traceback" not in stderr


step_pieces = st.lists(st.one_of(
    expressions, st.sampled_from(["x=1", "y=0", "z=-2.5", "x=1e308", "y=5e-324", "x=nan", "y=inf",
                                  "=3", "x==1", "x=", "2x=1", "__x=1", "log=2", "x=1", "w=3"]),
    st.sampled_from(["--all", "--nope", "-h", "--", "x", ""])), min_size=0, max_size=5)


@given(step_pieces)
def test_fuzz_the_stepper_command_line(argv):
    argv = [*argv, "--all"]  # never wait for a key, whatever the terminal
    result, stdout, stderr = run_main("demos.step", argv)  # nothing may escape main()
    if result == 1:  # e.g. the slope of sqrt at 0: the engine's message, printed, no traceback
        assert "error: backward through " in stderr and "Traceback" not in stderr, stderr
    else:
        check_outcome(result, stderr, argv)
    no_python_wording(stdout + stderr)
    if result == 2:
        assert stderr.startswith("error in the expression: ")


# --- the graph node limit ---------------------------------------------------------------------------

def test_rendering_past_the_node_limit_fails_before_graphviz_starts(monkeypatch):
    from autograd import viz
    from autograd.stepper import stepper_html

    def no_graphviz(*args, **kwargs):
        raise AssertionError("Graphviz was started for a graph past the limit")

    monkeypatch.setattr(subprocess, "run", no_graphviz)
    monkeypatch.setattr(subprocess, "Popen", no_graphviz)
    monkeypatch.setattr(viz.graphviz, "Digraph", no_graphviz)
    monkeypatch.setattr(viz, "Picture", no_graphviz)
    x = Value(0.5, label="x")
    y = x
    for _ in range(100_000):  # 200,001 values (with the constants) and 100,000 ops
        y = y * 1.0001
    with pytest.raises(viz.GraphTooLarge) as info:
        viz.draw_dot(y)
    message = str(info.value)
    assert "300,001 nodes" in message and "max_nodes=500" in message
    # the sub-graph first; raising the limit comes with the time it would take, and the cap
    assert message.index("Draw a sub-graph") < message.index("Raising the limit")
    assert "about 4 hours for 300,001 nodes" in message and "render() stops it after 60 s" in message
    with pytest.raises(ValueError, match=r"the backward pass has 100000 steps, more than max_steps=200"):
        stepper_html(y)
    assert x.grad == 0.0  # refused before the backward pass, too
