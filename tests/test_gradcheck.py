"""gradcheck: its numbers, its verdicts, the reasons it gives, and the ops it names."""

from __future__ import annotations

import itertools
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import expressions, op_points, registered_ops

from autograd import REGISTRY, Op, Value, defop, gradcheck, gradgradcheck, no_grad
from autograd.gradcheck import GradcheckResult, check_op
from autograd.ops import RELU, TANH

OPS = {op.name: op for op in registered_ops()}


@pytest.fixture
def scratch_ops():
    """Ops a test declares with `defop` are removed again, so no other test ever sees them."""
    before = dict(REGISTRY)
    yield
    REGISTRY.clear()
    REGISTRY.update(before)


def softplus(x: float) -> float:
    return math.log1p(math.exp(x))


def test_a_correct_gradient_passes_with_the_numbers_in_its_rows():
    result = gradcheck(lambda a, b: a * b + a.exp(), [0.5, -2.0])
    assert isinstance(result, GradcheckResult) and result.ok and bool(result)
    a_row, b_row = result.rows
    assert (a_row.name, a_row.at, b_row.name, b_row.at) == ("x0", 0.5, "x1", -2.0)
    assert a_row.analytic == pytest.approx(-2.0 + math.exp(0.5), rel=1e-15)
    assert b_row.analytic == pytest.approx(0.5, rel=1e-15)
    # the central difference of a smooth function at h = 1e-6 is good to about 1e-9
    assert a_row.numeric == pytest.approx(a_row.analytic, abs=1e-8)
    assert b_row.abs_err < 1e-8 and b_row.rel_err < 1e-8
    assert [r.status for r in result.rows] == ["ok", "ok"] and result.failures == []
    assert result.culprits == []
    text = str(result)
    assert text.splitlines()[0].endswith(": ok") and "x0" in text and "-0.351279" in text


def test_a_wrong_user_op_is_named_with_its_input(scratch_ops):
    # softplus' derivative is σ(x); tanh(x) is a plausible slip
    wrong = defop("my_softplus", softplus, lambda x, out: (TANH(x),))
    result = gradcheck(lambda a, b: wrong(a * b) + a, [0.5, 1.0])
    assert not result.ok and not bool(result)
    assert [r.status for r in result.rows] == ["FAIL", "FAIL"]
    assert result.rows[1].analytic == pytest.approx(0.5 * math.tanh(0.5), rel=1e-12)
    assert result.rows[1].numeric == pytest.approx(0.5 / (1 + math.exp(-0.5)), rel=1e-8)
    assert result.culprits == [
        "op 'my_softplus' at input x = 0.5: local derivative ∂out/∂x = 0.462117, "
        "finite differences 0.622459"]
    assert "found:" in str(result) and "my_softplus" in str(result)


def test_the_same_op_with_the_right_derivative_passes(scratch_ops):
    right = defop("my_softplus2", softplus, lambda x, out: (1.0 / (1.0 + (-x).exp())
                                                           if isinstance(x, Value)
                                                           else 1.0 / (1.0 + math.exp(-x)),))
    assert gradcheck(lambda a, b: right(a * b) + a, [0.5, 1.0]).ok
    assert gradgradcheck(lambda a, b: right(a * b) + a, [0.5, 1.0]).ok


def test_a_kink_is_reported_as_a_kink():
    relu = gradcheck(lambda x: x.relu(), [0.0])
    (row,) = relu.rows
    assert row.status == "kink" and row.passed and relu.ok
    assert row.analytic == 0.0 and row.numeric == pytest.approx(0.5, abs=1e-9)
    assert "kink at x0 = 0: left slope 0, right slope 1" in row.note and "fair choice" in row.note
    (row,) = gradcheck(lambda x: 3 * x.abs(), [0.0]).rows
    assert row.status == "kink" and row.passed and "left slope -3, right slope 3" in row.note
    # relu(a - b) on the line a = b: a kink in both inputs, the slopes mirrored
    rows = gradcheck(lambda a, b: (a - b).relu(), [1.5, 1.5]).rows
    assert [r.status for r in rows] == ["kink", "kink"] and all(r.passed for r in rows)


def test_a_derivative_outside_the_one_sided_slopes_fails_at_a_kink(scratch_ops):
    bent = defop("bent_relu", lambda x: max(x, 0.0), lambda x, out: (2.0,))
    (row,) = gradcheck(lambda x: bent(x), [0.0]).rows
    assert row.status == "kink" and not row.passed and "lies outside them" in row.note


def test_a_function_not_finite_nearby_says_so():
    result = gradcheck(lambda x: x.log(), [1e-7])
    (row,) = result.rows
    assert row.status == "not finite" and not result.ok and math.isnan(row.numeric)
    assert row.note.startswith("f is not finite near x0 = 1e-07: f(x0 - eps) raised ValueError")
    assert result.culprits == []  # nothing is wrong with the ops: the point is
    (row,) = gradcheck(lambda x: x.sqrt(), [0.0]).rows
    assert row.status == "not finite" and "f(x0 - eps) raised ValueError" in row.note


def test_a_bend_within_eps_is_judged_with_a_smaller_step():
    (row,) = gradcheck(lambda x: x.relu(), [3e-7]).rows
    assert row.passed and row.status == "ok" and "smaller step 1e-07" in row.note


def test_reading_an_input_outside_the_graph_is_named():
    result = gradcheck(lambda a, b: a * math.exp(b.data), [0.3, 0.2])
    assert [r.status for r in result.rows] == ["ok", "FAIL"]
    assert result.culprits[0].startswith("f's graph does not contain x1")
    partly = gradcheck(lambda a: a * math.exp(a.data), [0.3])
    assert not partly.ok and "how f uses its inputs" in partly.culprits[0]


def test_backprop_that_raises_where_f_is_smooth_fails_and_names_the_op(scratch_ops):
    # x⁰ = 1 everywhere, but the rule 0·x⁻¹ divides by zero at x = 0
    one = defop("one", lambda x: 1.0, lambda x, out: (0.0 * x ** -1,))
    result = gradcheck(lambda x: one(x) + x, [0.0])
    (row,) = result.rows
    assert row.status == "FAIL" and "backprop raised ZeroDivisionError" in row.note
    assert row.numeric == pytest.approx(1.0, abs=1e-9)
    assert result.culprits[0].startswith("op 'one' at input x = 0: local derivative ∂out/∂x = nan")


def test_second_derivatives():
    result = gradgradcheck(lambda x, y: x ** 3 * y, [2.0, -1.5])
    assert result.ok and result.order == 2 and len(result.rows) == 4
    by_name = {r.name: r.analytic for r in result.rows}
    assert by_name["∂²f/∂x0∂x0"] == pytest.approx(6 * 2.0 * -1.5, rel=1e-14)
    assert by_name["∂²f/∂x0∂x1"] == by_name["∂²f/∂x1∂x0"] == pytest.approx(3 * 4.0, rel=1e-14)
    assert by_name["∂²f/∂x1∂x1"] == 0.0
    assert all(r.abs_err < 1e-6 for r in result.rows)
    assert "second derivatives" in str(result)
    assert gradcheck(lambda x, y: x ** 3 * y, [2.0, -1.5], order=2).rows == result.rows


def test_a_local_rule_that_leaves_the_graph_fails_the_second_order_check(scratch_ops):
    # right on floats, but on Values math.exp(float(x)) is a constant: no second derivative
    leaky = defop("leaky_softplus", softplus, lambda x, out: (1.0 / (1.0 + math.exp(-float(x))),))
    assert gradcheck(lambda x: leaky(x), [0.3]).ok
    result = gradgradcheck(lambda x: leaky(x), [0.3])
    (row,) = result.rows
    s = 1 / (1 + math.exp(-0.3))
    assert not result.ok and row.analytic == 0.0 and row.numeric == pytest.approx(s * (1 - s), rel=1e-8)
    assert result.culprits[0].startswith("op 'leaky_softplus' at input x = 0.3: the engine's derivative")
    assert "leave the graph" in result.culprits[0]


def test_check_op_on_its_own():
    result = check_op(REGISTRY["*"], [2.0, 3.0])
    assert result.ok and [r.name for r in result.rows] == ["∂out/∂a", "∂out/∂b"]
    assert [r.analytic for r in result.rows] == [3.0, 2.0]
    assert check_op(RELU, [0.0]).rows[0].status == "kink"
    assert check_op(REGISTRY["**"].bind(p=3.0), [2.0], order=2).rows[0].analytic == 12.0
    assert "op '**' (p=3)" in check_op(REGISTRY["**"].bind(p=3.0), [2.0]).subject
    shapeless = Op("no_tuple", softplus, lambda x, out: 1.0)
    with pytest.raises(TypeError, match=r"one derivative per input \(1\), got 1.0; .*return \(d,\)"):
        check_op(shapeless, [0.5])


def test_a_local_rule_of_the_wrong_shape_is_named(scratch_ops):
    pair = defop("pair", lambda a, b: a * b, lambda a, b, out: (b,))  # forgot ∂/∂b
    result = gradcheck(lambda a, b: pair(a, b), [2.0, 3.0])
    assert not result.ok and "backprop raised TypeError" in result.rows[0].note
    assert "op 'pair': its local rule must return a tuple with one derivative per input (2)" \
        in result.culprits[0]


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="eps must be a positive finite number, got 0"):
        gradcheck(lambda x: x, [1.0], eps=0)
    with pytest.raises(ValueError, match="rtol must be a non-negative finite number, got nan"):
        gradcheck(lambda x: x, [1.0], rtol=math.nan)
    with pytest.raises(ValueError, match="order must be 1 .* or 2"):
        gradcheck(lambda x: x, [1.0], order=3)
    with pytest.raises(ValueError, match="no inputs given"):
        gradcheck(lambda x: x, [])
    with pytest.raises(TypeError, match=r"inputs\[1\]: expected a real number"):
        gradcheck(lambda x, y: x, [1.0, "2"])
    with pytest.raises(TypeError, match="f must return a Value .* got float 1.0"):
        gradcheck(lambda x: 1.0, [1.0])
    with no_grad():  # gradcheck records its own graphs even here, and leaves the switch off
        assert gradcheck(lambda x: x.exp(), [0.5]).rows[0].analytic == math.exp(0.5)
        assert (Value(1.0) * 2).children == ()
    # one number is one input, a Value's number is taken as the point
    assert gradcheck(lambda x: x * x, 3.0).rows[0].analytic == 6.0
    assert gradcheck(lambda x: x * x, [Value(3.0)]).rows[0].analytic == 6.0


# --- properties -------------------------------------------------------------------------------


@given(expressions())
def test_gradcheck_passes_generated_expressions_with_backprops_numbers(expr):
    result = gradcheck(expr, list(expr.leaves))
    assert result.ok, str(result)
    leaves = [Value(x) for x in expr.leaves]
    expr(*leaves).backward()
    assert [r.analytic for r in result.rows] == [v.grad for v in leaves]
    assert all(r.status == "ok" for r in result.rows), str(result)


def corrupted(op: Op) -> Op:
    """A copy of `op` (same name and forward rule) whose local derivatives are all a little off:
    by 0.1 + 1% away from zero, ten times gradcheck's tolerance (1e-5 + 0.1%) at every size."""

    def local(*xs_and_out):
        return tuple(d + math.copysign(0.1 + 0.01 * abs(d), d) for d in op.local(*xs_and_out))

    # a bound op's forward and local rules carry its parameters already
    return Op(op.name, op.forward, local, args=op.args, variadic=op.variadic)


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_gradcheck_names_a_corrupted_copy_of_every_op(name, data):
    op, xs = data.draw(op_points(OPS[name]), label="op, inputs")
    bad = corrupted(op)
    result = gradcheck(lambda *vs: bad(*vs), xs)
    assert not result.ok and result.rows[0].status == "FAIL", str(result)
    assert result.culprits and result.culprits[0].startswith(f"op {name!r}"), str(result)
    assert check_op(op, xs).ok, str(check_op(op, xs))  # and the real op passes at the same point


def test_the_readme_examples_print_what_the_readme_shows():
    """The README's sections on defop and gradcheck (and docs/gradcheck.md, which continues the
    first), run as they stand (in a fresh interpreter, so their ops do not meet this test
    session's registry)."""
    root = Path(__file__).resolve().parents[1]
    readme = root.joinpath("README.md").read_text(encoding="utf-8")
    code, shown = [], []
    sections = [readme.split(title, 1)[1].split("\n## ", 1)[0]
                for title in ("## Defining your own op", "## Checking gradients")]
    sections.insert(1, root.joinpath("docs", "gradcheck.md").read_text(encoding="utf-8"))
    for section in sections:
        blocks = re.findall(r"```(\w*)\n(.*?)```", section, flags=re.S)
        for (kind, text), (next_kind, next_text) in itertools.pairwise(blocks):
            if kind == "python" and next_kind == "":
                code.append(text)
                shown.append(next_text)
    assert len(code) == 4
    run = subprocess.run([sys.executable, "-c", "\n".join(code)], cwd=root, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "".join(shown)


def test_an_f_that_cannot_take_the_inputs_is_named_plainly():
    with pytest.raises(TypeError, match=r"f\(a\) cannot take 2 input\(s\)"):
        gradcheck(lambda a: a, [1.0, 2.0])
