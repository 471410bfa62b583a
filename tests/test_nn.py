"""nn: modules, parameter labels and counts, losses, optimizers, saving and loading, XOR."""

from __future__ import annotations

import json
import math

import pytest

import nn
from autograd import Value
from nn import MLP, SGD, Adam, Layer, Neuron, bce, hinge, mse


def test_mlp_parameter_count_order_and_labels():
    m = MLP(2, [4, 1], activation="sigmoid", output_activation="sigmoid", seed=42)
    ps = m.parameters()
    assert len(ps) == (2 + 1) * 4 + (4 + 1) * 1 == 17
    assert ps[0].label == "L0.N0.w0" and ps[2].label == "L0.N0.b" and ps[-1].label == "L1.N0.b"
    assert len({id(p) for p in ps}) == 17
    assert len(MLP(3, [5, 4, 2], bias=False).parameters()) == 3 * 5 + 5 * 4 + 4 * 2
    assert isinstance(m([0.0, 1.0]), Value)
    assert len(MLP(2, [3, 2])([1.0, 2.0])) == 2


def test_seed_is_private_and_reproducible():
    import random

    random.seed(0)
    before = random.random()
    random.seed(0)
    a = [p.data for p in MLP(2, [3, 1], seed=7).parameters()]
    assert random.random() == before  # the global RNG was not used
    b = [p.data for p in MLP(2, [3, 1], seed=7).parameters()]
    c = [p.data for p in MLP(2, [3, 1], seed=8).parameters()]
    assert a == b and a != c


@pytest.mark.parametrize("init", ["uniform", "normal", "xavier"])
def test_inits(init):
    ws = [p.data for p in MLP(10, [50], init=init, init_scale=0.5, seed=1).parameters()
          if not p.label.endswith(".b")]
    limit = math.sqrt(6 / 60) if init == "xavier" else 0.5
    if init != "normal":
        assert all(-limit <= w <= limit for w in ws)
    assert abs(sum(ws) / len(ws)) < 0.1 and len(set(ws)) == len(ws)


def test_neuron_computes_activation_of_weighted_sum():
    n = Neuron(2, "tanh", rng=__import__("random").Random(0))
    n.w[0].data, n.w[1].data, n.b.data = 0.5, -1.0, 0.25
    assert n([2.0, 3.0]).data == pytest.approx(math.tanh(1.0 - 3.0 + 0.25))
    assert repr(Layer(2, 3, "relu")) == "Layer(2 -> 3, relu)"


def test_bad_arguments():
    with pytest.raises(ValueError, match="activation"):
        MLP(2, [3], activation="swish")
    with pytest.raises(ValueError, match="expected 2 inputs"):
        MLP(2, [3])([1.0])
    with pytest.raises(ValueError, match="target"):
        mse([Value(1.0)], [1.0, 2.0])


def test_losses_values_and_gradients():
    p, q = Value(0.8), Value(0.3)
    loss = mse([p, q], [1.0, 0.0])
    loss.backward()
    assert loss.data == pytest.approx((0.04 + 0.09) / 2)
    assert (p.grad, q.grad) == (pytest.approx(-0.2), pytest.approx(0.3))

    z = Value(0.4)
    y = z.sigmoid()
    b = bce([y], [1.0])
    b.backward()
    assert b.data == pytest.approx(-math.log(1 / (1 + math.exp(-0.4))))
    assert z.grad == pytest.approx(1 / (1 + math.exp(-0.4)) - 1.0)

    r = Value(0.25)
    b2 = bce(r, 0.0)
    b2.backward()
    assert b2.data == pytest.approx(-math.log(0.75)) and r.grad == pytest.approx(1 / 0.75)

    s1, s2 = Value(0.5), Value(-2.0)
    h = hinge([s1, s2], [1, -1])
    h.backward()
    assert h.data == pytest.approx(0.25) and (s1.grad, s2.grad) == (-0.5, 0.0)


def test_bce_is_stable_at_extreme_logits():
    for z0, t in [(1000.0, 0.0), (-1000.0, 1.0), (1000.0, 1.0)]:
        z = Value(z0)
        loss = bce(z.sigmoid(), t)
        loss.backward()
        assert math.isfinite(loss.data) and math.isfinite(z.grad)
        assert z.grad == pytest.approx((1.0 if z0 > 0 else 0.0) - t)


def test_sgd_momentum_and_adam_steps():
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9)
    p.grad = 2.0
    opt.step()
    assert p.data == pytest.approx(0.8)
    opt.step()  # v = 0.9·2 + 2 = 3.8
    assert p.data == pytest.approx(0.8 - 0.38)
    opt.zero_grad()
    assert p.grad == 0.0

    q = Value(1.0)
    adam = Adam([q], lr=0.01)
    q.grad = 5.0
    adam.step()
    assert q.data == pytest.approx(1.0 - 0.01, rel=1e-6)  # first Adam step moves by ~lr


def test_plain_sgd_steps_by_the_current_gradient_only():
    p = Value(1.0)
    opt = SGD([p], lr=0.1)
    for _ in range(2):
        p.grad = 2.0
        opt.step()  # no velocity: each step moves by lr·g = 0.2
    assert p.data == pytest.approx(0.6)


def test_sgd_follows_momentum_changed_between_steps():
    p, mus = Value(0.0), [0.9, 0.9, 0.0, 0.0, 0.9]
    opt = SGD([p], lr=0.1, momentum=mus[0])
    v = x = 0.0
    for mu in mus:  # v ← μ·v + g; p ← p − lr·v, with g = 1 every step
        opt.momentum = mu
        p.grad = 1.0
        opt.step()
        v = mu * v + 1.0
        x -= 0.1 * v
    assert p.data == pytest.approx(x) and opt.velocity == [pytest.approx(v)]


def test_plain_sgd_recovers_after_an_infinite_gradient():
    p = Value(0.0)
    opt = SGD([p], lr=0.1)
    p.grad = math.inf
    opt.step()
    p.data, p.grad = 1.0, 1.0  # the next gradient is finite: no 0·inf = NaN from the old velocity
    opt.step()
    assert p.data == pytest.approx(0.9)


def test_a_replaced_multiplication_op_is_the_one_neurons_use():
    from autograd import REGISTRY, defop
    from autograd import op as op_module

    saved = (Value.__mul__, Value.__rmul__, REGISTRY["*"], dict(op_module._INSTALLED))
    calls = []

    def counting_mul(a, b):
        calls.append((a, b))
        return a * b

    try:
        defop("*", counting_mul, lambda a, b, out: (b, a), args=("a", "b"),
              method="__mul__", rmethod="__rmul__", replace=True)
        MLP(2, [3, 1], seed=0)([1.0, 2.0])
    finally:
        Value.__mul__, Value.__rmul__, REGISTRY["*"] = saved[:3]
        op_module._INSTALLED.clear()
        op_module._INSTALLED.update(saved[3])
    assert len(calls) == 2 * 3 + 3  # every product of both layers went through the new op
    assert (Value(2.0) * 3.0).op_info is REGISTRY["*"]


def test_a_replaced_activation_op_is_the_one_new_neurons_use():
    from autograd import REGISTRY, defop
    from autograd import op as op_module
    from autograd.ops import RELU

    saved = (Value.relu, REGISTRY["relu"], dict(op_module._INSTALLED))
    calls = []

    def counting_relu(x):
        calls.append(x)
        return RELU.forward(x)

    try:
        defop("relu", counting_relu, RELU.local, method="relu", replace=True)
        MLP(2, [3, 1], seed=0)([1.0, 2.0])
    finally:
        Value.relu, REGISTRY["relu"] = saved[:2]
        op_module._INSTALLED.clear()
        op_module._INSTALLED.update(saved[2])
    assert len(calls) == 3  # the hidden layer's three neurons; the output layer is linear


def test_mlp_reads_its_input_size_from_its_first_layer():
    model = MLP(2, [4, 1], seed=0)
    model.layers[0] = Layer(3, 4)  # swapped in after construction
    assert isinstance(model([1.0, 2.0, 3.0]), Value)
    with pytest.raises(ValueError, match="MLP: expected 3 inputs, got 2"):
        model([1.0, 2.0])


def test_loss_targets_are_checked_one_by_one_only_when_needed():
    with pytest.raises(ValueError, match="mse: target 1 is inf"):
        mse([Value(0.0), Value(0.0)], [0.0, math.inf])
    with pytest.raises(ValueError, match="mse: target 0 is nan"):
        mse([Value(0.0), Value(0.0)], (math.nan, 1.0))
    # Finite targets whose sum overflows are fine: the loss is still computed.
    big = [Value(1e308), Value(1e308)]
    assert mse(big, [1e308, 1e308]).data == 0.0
    # A list of predictions is used as given, not copied, and left unchanged.
    preds = [Value(1.0), Value(3.0)]
    assert mse(preds, [0, 1]).data == pytest.approx((1 + 4) / 2)
    assert [p.data for p in preds] == [1.0, 3.0]


def test_adam_minimises_a_quadratic():
    x = Value(5.0)
    opt = Adam([x], lr=0.1)
    for _ in range(500):
        loss = (x - 2.0) ** 2
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert x.data == pytest.approx(2.0, abs=1e-3)


def test_state_dict_round_trip_through_json(tmp_path):
    m = MLP(2, [3, 1], activation="tanh", seed=3)
    state = json.loads(json.dumps(m.state_dict()))
    other = MLP(2, [3, 1], activation="tanh", seed=99)
    other.load_state_dict(state)
    assert [p.data for p in other.parameters()] == [p.data for p in m.parameters()]
    assert other([0.3, -0.2]).data == m([0.3, -0.2]).data

    path = tmp_path / "model.json"
    nn.save(m, path)
    loaded = nn.load(path)
    assert loaded.state_dict() == m.state_dict() and repr(loaded) == repr(m)


def test_load_state_dict_refuses_bad_data_and_changes_nothing():
    m = MLP(2, [2, 1], seed=1)
    before = m.state_dict()
    bad = dict(before)
    bad["L0.N0.w0"] = "0.5"
    with pytest.raises(ValueError, match="L0.N0.w0"):
        m.load_state_dict(bad)
    missing = dict(before)
    del missing["L1.N0.b"]
    with pytest.raises(ValueError, match="L1.N0.b"):
        m.load_state_dict(missing)
    with pytest.raises(ValueError, match="extra|unexpected"):
        m.load_state_dict({**before, "L9.N0.w0": 1.0})
    assert m.state_dict() == before


def test_xor_converges_with_the_main_job_settings():
    from demos.xor import X, Y, train

    model, losses = train(steps=3000, verbose=False)
    assert losses[-1] < losses[0] / 20 and losses[-1] < 0.01
    assert [round(model(x).data) for x in X] == Y
