"""nn's losses (mse, bce, bce_with_logits, hinge, cross_entropy): their values, gradients and refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import Value
from nn import MLP, bce, bce_with_logits, cross_entropy, hinge, l2, mse

# --- values and gradients at points worked out by hand ------------------------------------------


def test_mse_sums_with_reduction_sum_and_takes_plain_numbers_as_predictions():
    p, q = Value(1.0), Value(3.0)
    preds, targets = [p, q, 2.0], [0.0, 1, 2.5]   # a plain number is a constant prediction
    mean = mse(preds, targets)
    assert mean.data == pytest.approx((1.0 + 4.0 + 0.25) / 3, rel=1e-12, abs=0)
    total = mse(preds, targets, reduction="sum")
    total.backward()
    assert total.data == 5.25
    assert (p.grad, q.grad) == (2.0, 4.0)          # 2(p − t), not divided by n


def test_every_loss_sums_its_samples_with_reduction_sum():
    # The same two samples, mean and sum: the sum is n × the mean for each loss.
    z = [Value(0.5), Value(-1.0)]
    cases = [(bce, [z[0].sigmoid(), z[1].sigmoid()], [1.0, 0.25]),
             (bce, [0.25, 0.75], [1.0, 0.0]),
             (bce_with_logits, z, [1.0, 0.25]),
             (hinge, z, [1, 1]),
             (cross_entropy, [[0.5, -1.0, 2.0], [0.0, 1.0, 0.0]], [2, 0])]
    for loss, preds, targets in cases:
        mean, total = loss(preds, targets), loss(preds, targets, reduction="sum")
        assert total.data == pytest.approx(2 * mean.data, rel=1e-12, abs=0), loss.__name__
    assert bce([0.25, 0.75], [1.0, 0.0], reduction="sum").data == pytest.approx(-2 * math.log(0.25))
    assert hinge(z, [1, 1], reduction="sum").data == 0.5 + 2.0


def test_bce_clamps_a_prediction_of_one_or_more_below_one():
    # A prediction of exactly 1 (or a linear output above 1) with target 0 would be log(0): it is
    # clamped to 1 − eps, so the loss is about −log(eps) and the slope is 0 there (as at 0).
    for p0 in (1.0, 1.5):
        p = Value(p0)
        loss = bce(p, 0.0)
        loss.backward()
        assert loss.data == pytest.approx(-math.log(1e-12), rel=1e-5)
        assert p.grad == 0.0
    p = Value(0.75)                                # inside [eps, 1 − eps]: the exact loss and slope
    loss = bce(p, 0.0, eps=0.1)
    loss.backward()
    assert loss.data == pytest.approx(-math.log(0.25)) and p.grad == pytest.approx(4.0)
    assert bce(Value(0.95), 0.0, eps=0.1).data == pytest.approx(-math.log(0.1))  # cut at 1 − eps


def test_hinge_with_another_margin():
    s, r = Value(1.5), Value(-0.5)
    loss = hinge([s, r], [1, -1], margin=2)
    loss.backward()
    assert loss.data == pytest.approx((0.5 + 1.5) / 2)
    assert (s.grad, r.grad) == (-0.5, 0.5)
    assert hinge(Value(0.3), -1, margin=0.0).data == pytest.approx(0.3)   # the perceptron's loss


def test_cross_entropy_with_label_smoothing_at_a_point_worked_out_by_hand():
    z = [Value(1.0), Value(2.0), Value(3.0)]
    lse = math.log(math.exp(1) + math.exp(2) + math.exp(3))
    # ε = 0.3 over 3 classes: q = (0.8, 0.1, 0.1), so the loss is lse − (0.8·1 + 0.1·2 + 0.1·3).
    loss = cross_entropy(z, 0, label_smoothing=0.3)
    loss.backward()
    assert loss.data == pytest.approx(lse - 1.3, rel=1e-12, abs=0)
    softmax = [math.exp(x - lse) for x in (1, 2, 3)]
    assert [v.grad for v in z] == pytest.approx([softmax[0] - 0.8, softmax[1] - 0.1, softmax[2] - 0.1])
    # ε = 1: the uniform distribution, whatever the target: lse − the mean logit.
    assert cross_entropy([1.0, 2.0, 3.0], 2, label_smoothing=1).data == pytest.approx(lse - 2.0)
    # A batch: the mean (or the sum) of the samples' smoothed losses.
    rows = [[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]]
    batch = cross_entropy(rows, [0, 2], label_smoothing=0.3, reduction="sum")
    assert batch.data == pytest.approx(2 * (lse - 1.3), rel=1e-12, abs=0)


def test_one_samples_cross_entropy_is_one_subtraction_node_without_sum_or_scaling():
    # What a learner sees drawn: logsumexp(z) − z_t, for the mean and the sum alike (of one sample).
    z = [Value(1.0), Value(2.0), Value(3.0)]
    for reduction in ("mean", "sum"):
        loss = cross_entropy(z, 1, reduction=reduction)
        assert loss.op == "-" and loss.children[0].op == "logsumexp" and loss.children[1] is z[1]
        assert loss.data == pytest.approx(math.log(math.exp(1) + math.exp(2) + math.exp(3)) - 2.0)


def test_numpy_arrays_are_sequences_of_numbers():
    assert mse(np.array([2.0, 3.0]), np.array([1.0, 1.0])).data == 2.5
    assert cross_entropy(np.array([[0.0, 0.0]]), np.array([1])).data == pytest.approx(math.log(2))


# --- refusals, word for word ---------------------------------------------------------------------

REFUSALS = [
    # predictions and targets
    (lambda: mse("abc", 1.0), TypeError,
     "mse: predictions must be a number, a Value or a sequence of them, got str 'abc'"),
    (lambda: mse(Value(1.0), {"a": 1}), TypeError,
     "mse: targets must be a number, a Value or a sequence of them, got dict {'a': 1}"),
    (lambda: mse({1.0, 2.0}, [1.0, 2.0]), TypeError,   # a set has no order to pair with the targets
     "mse: predictions must be a number, a Value or a sequence of them, got set {1.0, 2.0}"),
    (lambda: hinge([1.0, 2.0], frozenset({1})), TypeError,
     "hinge: targets must be a number, a Value or a sequence of them, got frozenset frozenset({1})"),
    (lambda: mse(Value(1.0), np.array(2.0)), TypeError,
     "mse: target 0: expected a real number (int, float, bool or NumPy scalar), got ndarray "
     "array(2.); convert it first with float(x)"),
    (lambda: mse(np.array(2.0), 1.0), TypeError,
     "mse: prediction 0: expected a real number (int, float, bool or NumPy scalar), got ndarray "
     "array(2.); convert it first with float(x)"),
    (lambda: mse([Value(0.0)], ["1"]), TypeError,
     "mse: target 0: expected a real number (int, float, bool or NumPy scalar), got str '1'; "
     "convert the text first, e.g. float('1')"),
    (lambda: mse([], []), ValueError, "mse: no predictions given"),
    (lambda: mse(Value(1.0), 1.0, reduction="avg"), ValueError,
     "mse: reduction='avg'; choose 'mean' or 'sum'"),
    (lambda: bce([Value(0.5)], [1.0, 0.0]), ValueError,
     "bce: 1 prediction(s) but 2 target(s); give one target per prediction"),
    (lambda: bce(Value(0.5), 1.0, reduction="avg"), ValueError,
     "bce: reduction='avg'; choose 'mean' or 'sum'"),
    (lambda: bce(Value(0.5), 1.0, eps=0.5), ValueError,   # [0.5, 0.5]: every prediction alike
     "bce: eps = 0.5 must be a small positive number below 0.5, e.g. 1e-12"),
    (lambda: bce(Value(0.5), 1.0, eps=1.0), ValueError,
     "bce: eps = 1.0 must be a small positive number below 0.5, e.g. 1e-12"),
    (lambda: bce_with_logits([Value(0.5)], [1.0, 0.0]), ValueError,
     "bce_with_logits: 1 prediction(s) but 2 target(s); give one target per prediction"),
    (lambda: bce_with_logits(Value(0.5), 1.0, reduction="avg"), ValueError,
     "bce_with_logits: reduction='avg'; choose 'mean' or 'sum'"),
    (lambda: hinge([Value(0.5)], [1.0, -1.0]), ValueError,
     "hinge: 1 prediction(s) but 2 target(s); give one target per prediction"),
    (lambda: hinge(Value(0.5), 1.0, reduction="avg"), ValueError,
     "hinge: reduction='avg'; choose 'mean' or 'sum'"),
    (lambda: hinge(Value(0.5), 1.0, margin=math.nan), ValueError,   # the loss would be NaN
     "hinge: margin must be a finite number, got nan"),
    (lambda: hinge(Value(0.5), 1.0, margin=math.inf), ValueError,
     "hinge: margin must be a finite number, got inf"),
    (lambda: hinge(Value(0.5), 1.0, margin=True), ValueError,
     "hinge: margin must be a finite number, got True"),
    (lambda: hinge(Value(0.5), 1.0, margin="1"), ValueError,
     "hinge: margin must be a finite number, got '1'"),
    # cross_entropy: the logits
    (lambda: cross_entropy("ab", 0), TypeError,
     "cross_entropy: logits must be a list of Values or numbers (one per class), or a list of "
     "such lists, got str 'ab'"),
    (lambda: cross_entropy({0: 1.0, 1: 2.0}, 0), TypeError,   # its keys are no scores
     "cross_entropy: logits must be a list of Values or numbers (one per class), or a list of "
     "such lists, got dict {0: 1.0, 1: 2.0}"),
    (lambda: cross_entropy([], 0), ValueError,
     "cross_entropy: logits is an empty list; give one score per class"),
    (lambda: cross_entropy([b"1", 2.0], 0), TypeError,
     "cross_entropy: logits[0] is a bytes b'1'; scores must be Values or numbers"),
    (lambda: cross_entropy([[0.3, -0.2], "ab"], [1, 0]), TypeError,
     "cross_entropy: logits[1] must be a number, a Value or a sequence of them, got str 'ab'"),
    (lambda: cross_entropy([[0.3, -0.2], []], [1, 0]), ValueError,
     "cross_entropy: logits[1] is an empty list; give one score per class"),
    (lambda: cross_entropy([0.3, "x"], 1), TypeError,
     "cross_entropy: logits[1]: expected a real number (int, float, bool or NumPy scalar), got "
     "str 'x'; pass a number"),
    (lambda: cross_entropy([[0.3, -0.2], [0.0, "x"]], [1, 0]), TypeError,
     "cross_entropy: logits[1][1]: expected a real number (int, float, bool or NumPy scalar), got "
     "str 'x'; pass a number"),
    (lambda: cross_entropy([0.3, math.nan], 1), ValueError,
     "cross_entropy: logits[1] is nan; logits must be finite numbers (a NaN usually comes from a "
     "diverged model: lower the learning rate)"),
    (lambda: cross_entropy([[0.3, -0.2], [0.0, math.inf]], [1, 0]), ValueError,
     "cross_entropy: logits[1][1] is inf; logits must be finite numbers (a NaN usually comes from "
     "a diverged model: lower the learning rate)"),
    # cross_entropy: the targets
    (lambda: cross_entropy([0.3, -0.2], [1, 0]), TypeError,
     "cross_entropy: logits is one sample's 2 class scores (a flat list), so target must be one "
     "class index, got list [1, 0]. For a batch give logits as a list of score lists, one per "
     "sample (a model with a single output is binary: compare signs or use bce)"),
    (lambda: cross_entropy([[0.3, -0.2]], 1), TypeError,
     "cross_entropy: logits is a batch of 1 sample, so target must be a list of 1 class index, "
     "got int 1"),
    (lambda: cross_entropy([[0.3, -0.2]], "1"), TypeError,
     "cross_entropy: logits is a batch of 1 sample, so target must be a list of 1 class index, "
     "got str '1'"),
    (lambda: cross_entropy([[0.3, -0.2]], {0: 1}), TypeError,   # its keys are no class indices
     "cross_entropy: logits is a batch of 1 sample, so target must be a list of 1 class index, "
     "got dict {0: 1}"),
    (lambda: cross_entropy([[0.3, -0.2], [1.0, 0.0]], [1]), ValueError,
     "cross_entropy: 2 samples in logits but 1 target(s); give one class index per sample"),
    (lambda: cross_entropy([[0.3, -0.2], [1.0, 0.0]], 1), TypeError,
     "cross_entropy: logits is a batch of 2 samples, so target must be a list of 2 class indices, "
     "got int 1"),
    (lambda: cross_entropy([0.3], [0]), TypeError,
     "cross_entropy: logits is one sample's 1 class score (a flat list), so target must be one "
     "class index, got list [0]. For a batch give logits as a list of score lists, one per "
     "sample (a model with a single output is binary: compare signs or use bce)"),
    (lambda: cross_entropy([0.3], 1), ValueError,
     "cross_entropy: target = 1 is out of range for 1 class (logits has 1 score); class indices "
     "run from 0 to 0"),
    (lambda: cross_entropy([0.3, -0.2, 0.1], 1.0), TypeError,
     "cross_entropy: target must be a class index (an int from 0 to 2), got float 1.0; convert it "
     "with int()"),
    (lambda: cross_entropy([0.3, -0.2, 0.1], 1.5), TypeError,
     "cross_entropy: target must be a class index (an int from 0 to 2), got float 1.5"),
    (lambda: cross_entropy([0.3, -0.2, 0.1], True), TypeError,
     "cross_entropy: target must be a class index (an int from 0 to 2), got bool True"),
    (lambda: cross_entropy([0.3, -0.2, 0.1], "1"), TypeError,
     "cross_entropy: target must be a class index (an int from 0 to 2), got str '1'"),
    (lambda: cross_entropy([[0.3, -0.2, 0.1]], [2.0]), TypeError,
     "cross_entropy: target[0] must be a class index (an int from 0 to 2), got float 2.0; convert "
     "it with int()"),
    (lambda: cross_entropy([0.3, -0.2, 0.1], 3), ValueError,
     "cross_entropy: target = 3 is out of range for 3 classes (logits has 3 scores); class "
     "indices run from 0 to 2"),
    (lambda: cross_entropy([[0.3, -0.2, 0.1], [0.0, 1.0, 2.0]], [0, -1]), ValueError,
     "cross_entropy: target[1] = -1 is out of range for 3 classes (logits[1] has 3 scores); class "
     "indices run from 0 to 2"),
    # cross_entropy: the options
    (lambda: cross_entropy([[0.3, -0.2], [0.0, 1.0]], [0, 1], reduction="avg"), ValueError,
     "cross_entropy: reduction='avg'; choose 'mean' or 'sum'"),
    (lambda: cross_entropy([0.3, -0.2], 0, label_smoothing=True), ValueError,
     "cross_entropy: label_smoothing must be a number in [0, 1], got True"),
    (lambda: cross_entropy([0.3, -0.2], 0, label_smoothing=1.01), ValueError,
     "cross_entropy: label_smoothing must be a number in [0, 1], got 1.01"),
]


@pytest.mark.parametrize("call, error, words", REFUSALS, ids=[w[:50] for _, _, w in REFUSALS])
def test_each_refusal_reads_word_for_word(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert type(info.value) is error
    assert str(info.value) == words


def test_l2_is_alpha_times_the_sum_of_squares_with_slope_two_alpha_p():
    w, b = Value(3.0), Value(-0.5)
    penalty = l2([w, b, 2.0], alpha=0.1)
    penalty.backward()
    assert penalty.data == pytest.approx(0.1 * (9.0 + 0.25 + 4.0), rel=1e-12, abs=0)
    assert (w.grad, b.grad) == (pytest.approx(0.6), pytest.approx(-0.1))
    for alpha, shown in [(math.nan, "nan"), (-math.inf, "-inf"), (True, "True"), ("0.1", "'0.1'")]:
        with pytest.raises(ValueError) as info:   # a NaN alpha made every gradient NaN
            l2([w], alpha)
        assert str(info.value) == f"l2: alpha must be a finite number, got {shown}"
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(TypeError) as info:  # was Python's "'MLP' object is not iterable"
        l2(model, 0.01)
    assert str(info.value) == "l2: got the model itself; pass its parameters: l2(model.parameters(), alpha)"
    squares = sum(p.data ** 2 for p in model.parameters())
    assert l2(model.parameters(), 0.5).data == pytest.approx(0.5 * squares)
