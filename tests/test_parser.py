"""The expression parser: what it accepts (and computes), what it rejects (and where it points),
and a fuzz that it never runs code and never fails with anything but its own `ParseError`."""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd.parse as parse_module
from autograd import ParseError, Value, parse_expression

X = {"x": 0.7, "y": -1.3, "z": 2.5, "w": 0.5, "b": -0.25}


def sig(t: float) -> float:
    """σ(t) without overflow, written here independently of ops.py."""
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    return math.exp(t) / (1.0 + math.exp(t))


# (text, the same computation in Python): precedence, associativity, signs, numbers, functions
ACCEPTED = [
    ("x", lambda x, y, z: x),
    ("x + y * z", lambda x, y, z: x + y * z),
    ("(x + y) * z", lambda x, y, z: (x + y) * z),
    ("x - y - z", lambda x, y, z: (x - y) - z),
    ("x / y / z", lambda x, y, z: (x / y) / z),
    ("x * y / z * x", lambda x, y, z: ((x * y) / z) * x),
    ("-x**2", lambda x, y, z: -(x ** 2)),
    ("(-x)**2", lambda x, y, z: (-x) ** 2),
    ("2**3**2 * x", lambda x, y, z: 512 * x),
    ("x**-1", lambda x, y, z: 1 / x),
    ("z**y", lambda x, y, z: z ** y),
    ("2**x", lambda x, y, z: 2 ** x),
    ("--x", lambda x, y, z: x),
    ("+x - -y", lambda x, y, z: x + y),
    ("1e-3*x + .5 + 2.", lambda x, y, z: 1e-3 * x + 0.5 + 2.0),
    ("1.5E+2 * y", lambda x, y, z: 150.0 * y),
    ("tanh(x*y + z)", lambda x, y, z: math.tanh(x * y + z)),
    ("sigmoid(x) * relu(y) + relu(-y)", lambda x, y, z: sig(x) * 0.0 + 1.3),
    ("exp(log(z)) - sqrt(abs(y))", lambda x, y, z: z - math.sqrt(1.3)),
    ("sin(x)**2 + cos(x)**2", lambda x, y, z: 1.0),
    ("softplus(y) + leaky_relu(y)", lambda x, y, z: math.log1p(math.exp(-1.3)) - 0.013),
    ("  tanh (\n x\t) ", lambda x, y, z: math.tanh(x)),
    ("x*x*x", lambda x, y, z: x ** 3),
]


@pytest.mark.parametrize("text,expected", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted_expressions_compute_what_they_say(text, expected):
    root = parse_expression(text, X)
    assert isinstance(root, Value)
    assert root.data == pytest.approx(expected(X["x"], X["y"], X["z"]), rel=1e-12, abs=1e-12)


def test_gradients_of_a_parsed_neuron():
    leaves = {k: Value(v, label=k) for k, v in {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0,
                                                  "b": 6.88}.items()}
    root = parse_expression("tanh(x1*w1 + x2*w2 + b)", leaves)
    root.backward()
    slope = 1 - math.tanh(0.88) ** 2
    assert root.data == pytest.approx(math.tanh(0.88), rel=1e-12)
    expected = {"x1": -3.0 * slope, "w1": 2.0 * slope, "x2": 1.0 * slope, "w2": 0.0, "b": slope}
    for name, g in expected.items():
        assert leaves[name].grad == pytest.approx(g, rel=1e-12, abs=1e-15), name


def test_nodes_are_labelled_with_their_text_and_names_are_shared_leaves():
    root = parse_expression("tanh(x * w + b)", X)
    assert root.label == "tanh(x * w + b)"
    (total,) = root.children
    assert total.label == "x * w + b"
    product, b = total.children
    assert product.label == "x * w" and b.label == "b"
    square = parse_expression("x*x", X)
    assert square.children[0] is square.children[1]
    assert parse_expression("(x + y)*z", X).children[0].label == "x + y"
    unlabelled = parse_expression("x + y", X, label_nodes=False)
    assert unlabelled.label == "" and unlabelled.children[0].label == "x"


def test_given_values_are_used_as_they_are():
    x = Value(3.0, label="input")
    root = parse_expression("x**2 + x", {"x": x})
    root.backward()
    assert x.grad == pytest.approx(7.0, rel=1e-12)
    assert root.children[0].op == "**"  # a number exponent: the power rule op
    assert parse_expression("x**y", X).op == "pow"  # a Value exponent: the two-input op


def test_numbers_only_give_a_constant_leaf():
    root = parse_expression("2 * 3 + 1")
    assert root.data == 7.0 and root.children == () and root.label == "2 * 3 + 1"


# (text, 0-based position of the offending character, a piece of the reason)
REJECTED = [
    ("x +", 3, "found the end"),
    ("x + * y", 4, "found '*'"),
    ("2x", 1, "write 2*x"),
    ("x.real", 1, "attribute access"),
    ("x.__class__", 1, "attribute access"),
    ("x^2", 1, "write x**2"),
    ("foo(x)", 0, "unknown function 'foo'"),
    ("q + 1", 0, "'q' has no value"),
    ("__import__", 0, "'__'"),
    ("__import__('os').system('true')", 11, "no strings"),
    ("exp", 0, "is a function"),
    ("x(2)", 0, "is a value, not a function"),
    ("exp()", 4, "needs one argument"),
    ("exp(x, y)", 5, "takes one argument"),
    ("(x + y", 6, "expected ')' to close the '(' at column 1"),
    ("x + y)", 5, "found ')'"),
    ("x y", 2, "found 'y'"),
    ("", 0, "empty"),
    ("   ", 0, "empty"),
    ("1e999 * x", 0, "too large"),
    ("x[0]", 1, "round parentheses"),
    ("x == 1", 2, "comparisons"),
    ("lambda: 0", 6, "unexpected character ':'"),
    ("lambda + 0", 0, "'lambda' has no value"),
    ("1..2", 2, "a number cannot have a second '.'"),
    ("x @ y", 2, "unexpected character '@'"),
    ("x + é", 4, "unexpected character"),
    ("log(y)", 0, "log"),
    ("x / (y + 1.3)", 2, "division by zero"),
    ("(x + 1)**0.5 * (y**0.5)", 17, "power"),
    ("(" * 70 + "x" + ")" * 70, 60, "nested too deeply"),
    ("-" * 70 + "x", 59, "nested too deeply"),
]


@pytest.mark.parametrize("text,position,reason", REJECTED, ids=[r[0][:30] or "empty" for r in REJECTED])
def test_rejected_expressions_point_at_the_offending_character(text, position, reason):
    with pytest.raises(ParseError) as info:
        parse_expression(text, X)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.position == position, str(err)
    assert reason in err.reason, str(err)
    # The message shows the text with a caret under the offending character.
    _, shown, caret = str(err).split("\n")
    assert f"(column {position + 1})" in str(err)
    column = caret.index("^") - 2
    shown = shown[2:]
    if shown.startswith("…"):  # a long text is shown as a window around the position
        assert len(shown) <= 72
    else:
        assert shown == "".join(c if c.isprintable() else " " for c in text[:70]) + (
            "…" if len(text) > 70 else "")
        assert column == position


def test_bad_bindings_are_refused_in_python_terms():
    with pytest.raises(ValueError, match="cannot be a name"):
        parse_expression("x", {"2x": 1.0})
    with pytest.raises(ValueError, match="cannot be a name"):
        parse_expression("x", {"__x": 1.0})
    with pytest.raises(ValueError, match="function name"):
        parse_expression("x", {"exp": 1.0})
    with pytest.raises(TypeError, match="expected a real number"):
        parse_expression("x", {"x": "1.5"})
    with pytest.raises(TypeError, match="must be a str"):
        parse_expression(3.0)  # type: ignore[arg-type]


def test_the_parser_source_never_calls_eval_exec_or_compile():
    source = Path(parse_module.__file__).read_text(encoding="utf-8")
    assert not re.search(r"\b(eval|exec|compile|__import__|getattr)\s*\(", source)


# --- the fuzz: any text, and texts made of dangerous pieces -----------------------------------------

FORBIDDEN_EVENTS = ("exec", "compile", "import", "open", "os.system", "subprocess.Popen",
                    "os.posix_spawn", "os.exec", "os.spawn", "os.fork", "builtins.input", "ctypes.dlopen")
_WATCH: dict = {"on": False, "seen": []}


def _audit(event: str, args: tuple) -> None:
    if _WATCH["on"] and (event in FORBIDDEN_EVENTS or event.startswith("socket.")):
        _WATCH["seen"].append(event)


sys.addaudithook(_audit)  # audit hooks cannot be removed; this one only records while "on"


def parse_watched(text: str) -> Value | ParseError:
    """Parse `text`; return the Value or the ParseError; fail on any other exception or event."""
    _WATCH["on"], _WATCH["seen"] = True, []
    try:
        result: Value | ParseError = parse_expression(text, X)
    except ParseError as err:
        result = err
    finally:
        _WATCH["on"] = False
    assert _WATCH["seen"] == [], f"parsing {text!r} raised audit events {_WATCH['seen']}"
    return result


def test_the_audit_hook_sees_code_execution():
    """The fuzz's detector works: compiling and running code while watching is seen."""
    _WATCH["on"], _WATCH["seen"] = True, []
    try:
        exec(compile("1 + 1", "<probe>", "eval"))
    finally:
        _WATCH["on"] = False
    assert "compile" in _WATCH["seen"] and "exec" in _WATCH["seen"]


@given(st.text(max_size=60))
def test_fuzz_any_text_is_a_value_or_a_parse_error(text):
    result = parse_watched(text)
    if isinstance(result, Value):
        assert isinstance(result.data, float)
    else:
        assert 0 <= result.position <= len(text)


PIECES = ["__import__", "('os')", ".system", "('rm -rf /')", "eval", "exec", "open", "lambda", ":",
          "getattr", "__class__", "__subclasses__()", "[0]", "x", "y", "1", "2.5", "1e308", "9" * 400,
          "+", "-", "*", "/", "**", "(", ")", ",", " ", "exp", "tanh", "log", "sqrt", "'", '"', "\\",
          ";", "\n", "#", "{", "}", "=", "import os", "globals()", "__builtins__", "é", "\x00"]


@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
def test_fuzz_dangerous_pieces_never_run_code(text):
    result = parse_watched(text)
    assert isinstance(result, (Value, ParseError))


# Well-formed expressions: the parser's value equals a reference evaluation of the same tree.
_UNARY = {"tanh": math.tanh, "sigmoid": sig, "sin": math.sin, "exp": math.exp, "abs": abs}
_BIN = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
        "/": lambda a, b: a / b}

trees = st.recursive(
    st.sampled_from(["x", "y", "z", "2", "0.5"]),
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(sorted(_BIN)), inner, inner),
        st.tuples(st.sampled_from(sorted(_UNARY)), inner),
        st.tuples(st.just("neg"), inner),
    ),
    max_leaves=8,
)


def _text(tree) -> str:
    if isinstance(tree, str):
        return tree
    if tree[0] in _BIN:
        return f"({_text(tree[1])} {tree[0]} {_text(tree[2])})"
    if tree[0] == "neg":
        return f"-({_text(tree[1])})"
    return f"{tree[0]}({_text(tree[1])})"


def _reference(tree) -> float:
    if isinstance(tree, str):
        return X[tree] if tree in X else float(tree)
    if tree[0] in _BIN:
        return _BIN[tree[0]](_reference(tree[1]), _reference(tree[2]))
    if tree[0] == "neg":
        return -_reference(tree[1])
    return _UNARY[tree[0]](_reference(tree[1]))


@given(trees)
def test_fuzz_well_formed_trees_compute_like_python(tree):
    try:
        expected = _reference(tree)
    except (ZeroDivisionError, OverflowError, ValueError):  # ValueError: sin(inf)
        expected = None
    result = parse_watched(_text(tree))
    if expected is None:
        assert isinstance(result, ParseError), _text(tree)
    elif isinstance(result, Value) and math.isnan(expected):
        assert math.isnan(result.data), _text(tree)
    elif isinstance(result, Value):
        assert result.data == pytest.approx(expected, rel=1e-12, abs=1e-12), _text(tree)
    else:  # only a non-finite intermediate may make the engine refuse what Python computed
        assert not math.isfinite(expected) or "cannot compute" in result.reason, str(result)
