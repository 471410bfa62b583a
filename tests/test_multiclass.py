"""More than two classes: logsumexp, max, softmax, log_softmax, cross_entropy and accuracy.

Properties on generated logits (including ±1000 and ties), the same numbers from PyTorch float64,
gradcheck on every new op (ties of max are reported as kinks), and the errors for bad input.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value, draw_dot, gradcheck, log_softmax, logsumexp, maximum, softmax
from autograd.gradcheck import check_op
from autograd.ops import LOGSUMEXP, MAX
from nn import accuracy, cross_entropy

# Logits: ordinary sizes, the huge ones that overflow a naive exp, and repeated values (ties).
plain = st.floats(-30.0, 30.0, allow_nan=False, allow_infinity=False)
extreme = st.sampled_from([1000.0, -1000.0, 0.0, 709.0, -745.0, 1e-300])
logit = st.one_of(plain, extreme)


@st.composite
def logit_lists(draw, min_size: int = 1, max_size: int = 6) -> list[float]:
    xs = draw(st.lists(logit, min_size=min_size, max_size=max_size))
    if len(xs) > 1 and draw(st.booleans()):  # a tie: one entry repeated somewhere else
        i, j = draw(st.integers(0, len(xs) - 1)), draw(st.integers(0, len(xs) - 1))
        xs[j] = xs[i]
    return xs


def leaves(xs: list[float]) -> list[Value]:
    return [Value(x, label=f"z{i}") for i, x in enumerate(xs)]


# --- properties ----------------------------------------------------------------------------------


@given(logit_lists())
def test_softmax_sums_to_one_and_is_positive_where_it_does_not_underflow(xs):
    s = [v.data for v in softmax(xs)]
    assert math.fsum(s) == pytest.approx(1.0, abs=1e-12)
    assert all(0.0 <= p <= 1.0 for p in s)
    top = max(xs)
    assert all(p > 0 for p, x in zip(s, xs) if x - top > -700)


@given(logit_lists(), st.sampled_from([-1000.0, -3.5, 0.25, 7.0, 1000.0]))
def test_softmax_is_shift_invariant(xs, c):
    base = [v.data for v in softmax(xs)]
    shifted = [v.data for v in softmax([x + c for x in xs])]
    for a, b in zip(base, shifted):
        # adding c rounds each x + c by up to ½ulp(x + c), which moves softmax by about that much
        assert a == pytest.approx(b, rel=1e-9, abs=1e-12 * (1 + abs(c)))


@given(logit_lists())
def test_log_softmax_is_the_log_of_softmax_where_both_are_finite(xs):
    logs = [v.data for v in log_softmax(xs)]
    for ls, s in zip(logs, softmax(xs)):
        assert math.isfinite(ls)  # log_softmax never overflows or takes log 0
        if s.data > 1e-300:
            assert ls == pytest.approx(math.log(s.data), rel=1e-12, abs=1e-12)


@given(logit_lists(), st.data(), st.sampled_from([0.0, 0.0, 0.1, 0.5, 1.0]))
def test_cross_entropy_gradient_is_softmax_minus_one_hot(xs, data, eps):
    t = data.draw(st.integers(0, len(xs) - 1), label="target")
    z = leaves(xs)
    loss = cross_entropy(z, t, label_smoothing=eps)
    loss.backward()
    s = [v.data for v in softmax(xs)]
    k = len(xs)
    for j, v in enumerate(z):
        q = eps / k + (1 - eps) * (j == t)
        assert v.grad == pytest.approx(s[j] - q, abs=1e-12), (j, v.grad, s[j], q)
    assert loss.data >= -1e-12 and math.isfinite(loss.data)


def test_logsumexp_is_stable_at_plus_and_minus_1000():
    assert logsumexp([1000.0, 1000.0]).data == 1000.0 + math.log(2)
    assert logsumexp([-1000.0, -1000.0]).data == -1000.0 + math.log(2)
    z = leaves([1000.0, -1000.0, 999.0])
    out = logsumexp(z)
    out.backward()
    assert out.data == pytest.approx(1000.0 + math.log1p(math.exp(-1.0)), rel=1e-15)
    assert [v.grad for v in z] == pytest.approx([1 / (1 + math.exp(-1)), 0.0,
                                                 math.exp(-1) / (1 + math.exp(-1))], rel=1e-14)
    assert softmax([1000.0, -1000.0])[1].data == 0.0
    assert log_softmax([1000.0, -1000.0])[1].data == -2000.0  # finite, where log(softmax) is -inf
    assert cross_entropy([1000.0, -1000.0], 1).data == 2000.0


def test_logsumexp_and_max_at_the_float_edges():
    inf, nan = math.inf, math.nan
    assert logsumexp([inf, 1.0]).data == inf and logsumexp([-inf, -inf]).data == -inf
    assert logsumexp([-inf, 2.0]).data == 2.0
    assert math.isnan(logsumexp([nan, 1.0]).data) and math.isnan(logsumexp([1.0, nan]).data)
    assert logsumexp([3.0]).data == 3.0


def test_max_tie_rule_shares_the_gradient_equally():
    a, b, c = Value(2.0), Value(2.0), Value(1.0)
    m = maximum(a, b, c)
    m.backward()
    assert (m.data, a.grad, b.grad, c.grad) == (2.0, 0.5, 0.5, 0.0)
    x = Value(3.0)
    y = x.max(x, x)  # one input three times: three ties of 1/3 each add up to the slope 1
    y.backward()
    assert x.grad == pytest.approx(1.0)
    a, b, c, d = (Value(v) for v in (5.0, 5.0, 5.0, -1.0))
    maximum([a, b, c, d]).backward()
    assert [v.grad for v in (a, b, c, d)] == [1 / 3, 1 / 3, 1 / 3, 0.0]
    a, b = Value(1.0), Value(4.0)
    a.max(b).backward()
    assert (a.grad, b.grad) == (0.0, 1.0)


@pytest.mark.parametrize("xs", [[math.nan, 1.0], [1.0, math.nan], [2.0, math.nan, 3.0]])
def test_nan_in_max_does_not_vanish(xs):
    # Python's max(1.0, nan) is 1.0: the comparison trap. Ours is NaN wherever the NaN sits,
    # on floats and on Values, and the NaN reaches every gradient instead of a clean-looking 0.
    assert math.isnan(MAX(*xs))
    vs = leaves(xs)
    m = maximum(vs)
    assert math.isnan(m.data)
    m.backward()
    assert all(math.isnan(v.grad) for v in vs)


# --- gradcheck on every new op -------------------------------------------------------------------


@pytest.mark.parametrize("xs", [[0.3, -1.2, 2.0], [1000.0, 999.5], [-1000.0, -1001.0, -999.0], [4.0]])
def test_gradcheck_logsumexp_first_and_second_order(xs):
    assert check_op(LOGSUMEXP, xs)
    assert check_op(LOGSUMEXP, xs, order=2)
    assert gradcheck(lambda *z: logsumexp(z), xs)


def test_gradcheck_max_away_from_ties_and_kinks_at_ties():
    assert all(r.status == "ok" for r in check_op(MAX, [0.3, -1.2, 2.0]).rows)
    result = check_op(MAX, [1.0, 1.0, 0.5])
    assert result.ok
    assert [r.status for r in result.rows] == ["kink", "kink", "ok"]
    assert "left slope 0, right slope 1" in str(result)
    assert gradcheck(lambda a, b: maximum(a, b) * a, [2.0, 2.0]).ok


@pytest.mark.parametrize("xs", [[0.3, -1.2, 2.0], [1000.0, -1000.0, 999.0], [5.0, 5.0]])
def test_gradcheck_softmax_log_softmax_and_cross_entropy(xs):
    weights = [0.7, -1.3, 2.1][: len(xs)]  # a weighted sum, so every output matters
    assert gradcheck(lambda *z: sum(w * s for w, s in zip(weights, softmax(z))), xs)
    assert gradcheck(lambda *z: sum(w * s for w, s in zip(weights, log_softmax(z))), xs)
    assert gradcheck(lambda *z: cross_entropy(list(z), 1, label_smoothing=0.2), xs)


# --- the graph and the stepper show the new ops like any other ----------------------------------


def test_cross_entropy_draws_and_steps_like_any_op():
    z = leaves([2.0, 1.0, -1.0])
    loss = cross_entropy(z, 0) + maximum(z[0], z[1])
    dot = draw_dot(loss).source
    assert "logΣexp" in dot and "max" in dot
    steps = list(loss.backward_steps())
    text = "\n".join(map(str, steps))
    assert ("∂v1/∂z0 = 0.705385\n                        (rule of logΣexp: ∂(log Σ exp(xᵢ))/∂x₀ = "
            "exp(xᵢ - out) = softmaxᵢ)") in text
    assert ("∂v3/∂z1 = 0\n                        (rule of max: ∂(max(xᵢ))/∂x₁ = 1 if xᵢ = out "
            "else 0 (1/k each for k ties))") in text
    assert z[0].grad == pytest.approx(0.705385 - 1 + 1, abs=1e-6)


# --- cross_entropy and accuracy: batches and bad input --------------------------------------------


def test_batch_cross_entropy_is_the_mean_of_the_samples():
    rows, targets = [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], [0, 2]
    batch = cross_entropy(rows, targets)
    singles = [cross_entropy(r, t).data for r, t in zip(rows, targets)]
    assert batch.data == pytest.approx(sum(singles) / 2, rel=1e-15)
    assert cross_entropy(rows, targets, reduction="sum").data == pytest.approx(sum(singles))
    assert accuracy(rows, targets) == 0.5
    assert accuracy([1.0, 3.0, 3.0], 1) == 1.0  # a tie goes to the first largest
    assert accuracy([[Value(1.0), Value(0.0)]], [0]) == 1.0


@pytest.mark.parametrize("call, error, words", [
    (lambda: cross_entropy([1.0, 2.0], 2), ValueError, "target = 2 is out of range for 2 classes"),
    (lambda: cross_entropy([1.0, 2.0], -1), ValueError, "target = -1 is out of range"),
    (lambda: cross_entropy([[1.0, 2.0], [0.0, 1.0]], [0, 5]), ValueError,
     "target[1] = 5 is out of range"),
    (lambda: cross_entropy([], 0), ValueError, "logits is an empty list"),
    (lambda: cross_entropy([[1.0], []], [0, 0]), ValueError, "logits[1] is an empty list"),
    (lambda: cross_entropy([1.0, 2.0], 1.0), TypeError, "target must be a class index"),
    (lambda: cross_entropy([1.0, 2.0], 1.5), TypeError, "got float 1.5"),
    (lambda: cross_entropy([1.0, 2.0], True), TypeError, "got bool True"),
    (lambda: cross_entropy([1.0, 2.0], "1"), TypeError, "got str '1'"),
    (lambda: cross_entropy([1.0, math.nan], 0), ValueError, "logits[1] is nan"),
    (lambda: cross_entropy([[0.0, 1.0], [Value(math.nan), 1.0]], [0, 1]), ValueError,
     r"logits[1][0] is nan"),
    (lambda: cross_entropy([1.0, math.inf], 0), ValueError, "logits[1] is inf"),
    (lambda: cross_entropy([[1.0, 2.0]], [0, 1]), ValueError, "1 sample in logits but 2 target"),
    (lambda: cross_entropy([1.0, 2.0], 0, label_smoothing=1.5), ValueError, "label_smoothing"),
    (lambda: cross_entropy([1.0, 2.0], 0, reduction="avg"), ValueError, "reduction"),
    (lambda: cross_entropy(3.0, 0), TypeError, "logits must be a list"),
    (lambda: cross_entropy(["1.0", 2.0], 0), TypeError, "logits[0] is a str '1.0'; scores must be"),
    (lambda: accuracy([0.3, -0.2], [1, 0]), TypeError,
     "accuracy: logits is one sample's 2 class scores (a flat list), so target must be one class "
     "index, got list [1, 0]. For a batch give logits as a list of score lists"),
    (lambda: accuracy([1.0, 2.0], 2), ValueError, "accuracy: target = 2 is out of range"),
    (lambda: accuracy([], []), ValueError, "accuracy: logits is an empty list"),
    (lambda: softmax([]), ValueError, "softmax: values is an empty list"),
    (lambda: log_softmax([]), ValueError, "log_softmax: values is an empty list"),
    (lambda: logsumexp([]), ValueError, "logsumexp: values is an empty list"),
    (lambda: maximum([]), ValueError, "maximum: values is an empty list"),
    (lambda: softmax(Value(1.0)), TypeError, "softmax: values must be a list"),
    (lambda: softmax(["a"]), TypeError, "softmax: operand"),
    (lambda: MAX(), ValueError, "max of no inputs"),
])
def test_bad_input_is_our_error_naming_the_argument(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)
    assert type(info.value) is error


# --- the same numbers from PyTorch float64 -------------------------------------------------------

# Skipped test by test without PyTorch (CI installs the CPU build): a module-level importorskip
# would skip every test above too (as it did in `make mutate`, whose .venv has no PyTorch).
try:
    import torch
    F = torch.nn.functional
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed; CI installs the CPU build")


def tensor(xs: list[float]):
    return torch.tensor(xs, dtype=torch.float64, requires_grad=True)


def close(got: float, want: float, tol: float) -> bool:
    return abs(got - want) <= tol * (1.0 + abs(want))


@needs_torch
@given(logit_lists(), st.lists(st.floats(-2, 2), min_size=6, max_size=6))
def test_logsumexp_softmax_and_log_softmax_equal_torch(xs, weights):
    w = weights[: len(xs)]
    for ours, theirs in ((lambda z: logsumexp(z), lambda t: torch.logsumexp(t, 0)),
                         (lambda z: sum(a * b for a, b in zip(w, log_softmax(z))),
                          lambda t: (torch.tensor(w, dtype=torch.float64) * F.log_softmax(t, 0)).sum()),
                         (lambda z: sum(a * b for a, b in zip(w, softmax(z))),
                          lambda t: (torch.tensor(w, dtype=torch.float64) * F.softmax(t, 0)).sum())):
        z, t = leaves(xs), tensor(xs)
        out, t_out = ours(z), theirs(t)
        out.backward()
        t_out.backward()
        assert close(out.data, t_out.item(), 1e-13), (out.data, t_out.item())
        for v, g in zip(z, t.grad.tolist()):
            assert close(v.grad, g, 1e-12), (v.grad, g)


@needs_torch
@given(st.lists(logit_lists(min_size=3, max_size=3), min_size=1, max_size=4), st.data(),
       st.sampled_from([0.0, 0.1, 0.3]))
def test_cross_entropy_equals_torch(rows, data, eps):
    targets = data.draw(st.lists(st.integers(0, 2), min_size=len(rows), max_size=len(rows)))
    z = [leaves(r) for r in rows]
    loss = cross_entropy(z, targets, label_smoothing=eps)
    loss.backward()
    t = tensor(rows)
    t_loss = F.cross_entropy(t, torch.tensor(targets), label_smoothing=eps)
    t_loss.backward()
    assert close(loss.data, t_loss.item(), 1e-13), (loss.data, t_loss.item())
    for row, grads in zip(z, t.grad.tolist()):
        for v, g in zip(row, grads):
            assert close(v.grad, g, 1e-12), (v.grad, g)


@needs_torch
@given(logit_lists(min_size=2))
def test_max_equals_torch_amax_including_ties(xs):
    assume(len(xs) >= 2)
    z, t = leaves(xs), tensor(xs)
    m, t_m = maximum(z), t.amax()
    m.backward()
    t_m.backward()
    assert m.data == t_m.item()
    assert [v.grad for v in z] == pytest.approx(t.grad.tolist(), abs=1e-15)
