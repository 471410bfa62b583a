"""nn: modules, parameter labels and counts, losses, optimizers, saving and loading, XOR."""

from __future__ import annotations

import json
import math
import re

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


# --- initial weights, sizes and names: what a user reads back from a new model -----------------

def _weights(module):
    return [p.data for p in module.parameters() if not p.label.endswith(".b")]


def test_initial_weights_are_the_draws_of_random_random_seed_in_parameter_order():
    import random

    # MLP's documented default: U(-1, 1) from random.Random(seed), layer by layer, neuron by neuron.
    rng = random.Random(7)
    assert _weights(MLP(2, [3, 1], seed=7)) == [rng.uniform(-1.0, 1.0) for _ in range(9)]
    rng = random.Random(42)  # the README's example: N(0, 0.5²)
    assert _weights(MLP(2, [4, 1], init="normal", init_scale=0.5, seed=42)) == [
        rng.gauss(0.0, 0.5) for _ in range(12)]
    rng = random.Random(1)  # Xavier: U(±√(6/(fan_in + fan_out))), per layer
    first, second = math.sqrt(6 / (2 + 3)), math.sqrt(6 / (3 + 1))
    assert _weights(MLP(2, [3, 1], init="xavier", seed=1)) == (
        [rng.uniform(-first, first) for _ in range(6)] + [rng.uniform(-second, second) for _ in range(3)])
    assert all(p.data == 0.0 for p in MLP(2, [3, 1], seed=1).parameters() if p.label.endswith(".b"))


def test_neuron_and_layer_defaults():
    import random

    n = Neuron(3, rng=random.Random(5))  # relu, a bias, U(-1, 1), named N0
    rng = random.Random(5)
    assert [p.data for p in n.w] == [rng.uniform(-1.0, 1.0) for _ in range(3)]
    assert [p.label for p in n.parameters()] == ["N0.w0", "N0.w1", "N0.w2", "N0.b"]
    assert repr(n) == "Neuron(3, relu)" and n([-1.0, -1.0, -1.0]).data >= 0.0
    rng = random.Random(5)  # a lone neuron's Xavier fan-out is 1
    limit = math.sqrt(6 / (3 + 1))
    assert [p.data for p in Neuron(3, init="xavier", rng=random.Random(5)).w] == [
        rng.uniform(-limit, limit) for _ in range(3)]
    assert repr(Neuron(2, "tanh", bias=False)) == "Neuron(2, tanh, no bias)"

    layer = Layer(2, 2, rng=random.Random(5))  # relu, biases, U(-1, 1), named L0
    rng = random.Random(5)
    assert _weights(layer) == [rng.uniform(-1.0, 1.0) for _ in range(4)]
    assert layer.name == "L0" and Layer(2, 1, name="out").name == "out"
    assert [p.label for p in layer.parameters()] == [
        "L0.N0.w0", "L0.N0.w1", "L0.N0.b", "L0.N1.w0", "L0.N1.w1", "L0.N1.b"]
    # Without an rng each makes its own: it still works, and draws fresh weights.
    assert len(Neuron(2).parameters()) == 3 and len(Layer(2, 3).parameters()) == 9


@pytest.mark.parametrize("make, message", [
    (lambda: Neuron(0), "Neuron: nin must be a positive int, got 0"),
    (lambda: Neuron(True), "Neuron: nin must be a positive int, got True"),
    (lambda: Neuron(2.0), "Neuron: nin must be a positive int, got 2.0"),
    (lambda: MLP(0, [1]), "Neuron: nin must be a positive int, got 0"),
    (lambda: Layer(2, 0), "Layer: nout must be a positive int, got 0"),
    (lambda: Layer(2, True), "Layer: nout must be a positive int, got True"),
    (lambda: Layer(2, 1.5), "Layer: nout must be a positive int, got 1.5"),
    (lambda: MLP(2, []), "MLP: nouts must list at least one layer size, e.g. [4, 1]"),
    (lambda: Neuron(2, "swish"),
     "activation='swish' is not known; choose one of 'sigmoid', 'tanh', 'relu', 'linear'"),
    (lambda: Neuron(2, None), "activation=None is not known; choose one of "),
    (lambda: Neuron(2, init="he"), "init='he' is not known; choose one of 'uniform', 'normal', 'xavier'"),
    (lambda: MLP(2, [1], output_activation="softmax"),
     "output_activation='softmax' is not known; choose one of 'sigmoid', 'tanh', 'relu', 'linear'"),
    (lambda: MLP(2, [1], activation="x" * 1000),
     "activation='xxxxxxxxxxxxxxxxxxxxxxxxxxxx…[1,000 chars]' is not known"),
])
def test_bad_sizes_and_choices_are_refused_in_words(make, message):
    with pytest.raises(ValueError) as info:
        make()
    assert str(info.value).startswith(message)


def test_seed_must_be_a_whole_number():
    with pytest.raises(TypeError, match=r"^MLP: seed must be a whole number or None, got float 1\.5$"):
        MLP(2, [1], seed=1.5)
    with pytest.raises(TypeError, match=r"^MLP: seed must be a whole number or None, got bool True$"):
        MLP(2, [1], seed=True)


def test_an_int_nouts_is_one_layer_and_one_input_may_be_a_bare_number():
    m = MLP(1, 3, seed=0)
    assert repr(m) == "MLP(Layer(1 -> 3, linear))"
    out = m(0.5)
    assert [o.data for o in out] == [n([0.5]).data for n in m.layers[0].neurons]
    assert repr(MLP(2, [3, 1])) == "MLP(Layer(2 -> 3, relu), Layer(3 -> 1, linear))"


def test_neuron_refuses_a_wrong_number_of_inputs_by_name():
    n = Neuron(2, name="L1.N0")
    with pytest.raises(ValueError, match=r"^L1\.N0: expected 2 inputs, got 3$"):
        n([1.0, 2.0, 3.0])


def test_gradient_reaches_value_inputs_of_an_mlp():
    # d/dx of a linear one-neuron model is its weight: inputs that are Values stay in the graph.
    m = MLP(2, [1], seed=3)
    x0, x1 = Value(0.5), Value(-2.0)
    m([x0, 1.0]).backward()
    m([1.0, x1]).backward()
    w0, w1 = m.layers[0].neurons[0].w
    assert (x0.grad, x1.grad) == (w0.data, w1.data)


# --- load_state_dict: refusals a user can act on ------------------------------------------------

def test_load_state_dict_names_at_most_five_keys_of_each_kind():
    m = MLP(1, [1], seed=0)
    state = m.state_dict()
    with pytest.raises(ValueError) as info:
        m.load_state_dict({**state, **{f"k{i}": 0.0 for i in range(5)}})
    assert "unexpected key(s) ['k0', 'k1', 'k2', 'k3', 'k4']. The saved" in str(info.value)
    with pytest.raises(ValueError) as info:
        m.load_state_dict({**state, **{f"k{i}": 0.0 for i in range(6)}})
    assert "unexpected key(s) ['k0', 'k1', 'k2', 'k3', 'k4'] …. The saved" in str(info.value)
    with pytest.raises(ValueError, match=r"unexpected key\(s\) \[7\]\. The saved model does not match"):
        m.load_state_dict({**state, 7: 0.0})  # a key that is not text is shown as it is


def test_load_state_dict_names_at_most_five_duplicated_labels():
    m = MLP(1, [12], bias=False, seed=0)
    for i, p in enumerate(m.parameters()):
        p.label = "abcdef"[i // 2]  # six labels, each on two parameters
    with pytest.raises(ValueError, match=r"several parameters labelled \['a', 'b', 'c', 'd', 'e'\]; give"):
        m.load_state_dict({})


def test_load_state_dict_refuses_an_int_too_large_for_a_float():
    m = MLP(1, [1], seed=0)
    before = m.state_dict()
    with pytest.raises(ValueError, match="key 'L0.N0.w0' must be a finite number, got int 1000"):
        m.load_state_dict({**before, "L0.N0.w0": 10 ** 400})
    assert m.state_dict() == before


# --- optimizers: refusals, defaults and steps against hand-computed numbers ---------------------

def test_optimizers_refuse_what_is_not_a_list_of_parameters_in_words():
    import functools

    m = MLP(2, [1], seed=0)
    with pytest.raises(TypeError, match=r"^SGD: got the function 'parameters'; call it: SGD\(model"):
        SGD(m.parameters)
    with pytest.raises(TypeError, match=r"^Adam: got the function functools\.partial\("):
        Adam(functools.partial(m.parameters))  # a callable without a __name__ is shown as it is
    with pytest.raises(TypeError, match=r"^SGD: expected a list of Values, e\.g\. "
                                        r"SGD\(model\.parameters\(\), \.\.\.\), got int$"):
        SGD(5)
    with pytest.raises(ValueError, match=r"^Adam: got no parameters to optimise$"):
        Adam([])


@pytest.mark.parametrize("make", [SGD, Adam])
def test_a_parameter_listed_twice_is_refused_since_every_step_would_move_it_twice(make):
    m = MLP(2, [1], seed=0)
    w = m.parameters()[1]
    with pytest.raises(ValueError) as info:
        make([*m.parameters(), w], lr=0.1)  # an extra weight that is already in the model
    assert str(info.value) == (f"{make.__name__}: parameter 3 ('L0.N0.w1') is parameter 1 again; "
                               f"list each parameter once, or every step moves it twice")
    twin = Value(w.data, label="L0.N0.w1")  # equal in value and label, but another parameter
    assert len(make([*m.parameters(), twin], lr=0.1).parameters) == 4


@pytest.mark.parametrize("lr", [0, 0.0, -0.1, math.inf, math.nan, True])
def test_learning_rate_must_be_positive_and_finite(lr):
    with pytest.raises(ValueError, match=rf"^SGD: lr must be a positive number, got {lr!r}$"):
        SGD([Value(1.0)], lr=lr)


@pytest.mark.parametrize("betas", [(0.9, 1.0), (1.0, 0.999), (0.9, 1.5), (-0.1, 0.999), (0.9,)])
def test_adam_betas_must_be_two_numbers_in_0_1(betas):
    with pytest.raises(ValueError, match=r"^Adam: betas must be two numbers in \[0, 1\), e\.g\. \(0\.9, "
                                         r"0\.999\), got "):
        Adam([Value(1.0)], betas=betas)


def test_default_learning_rates_sgd_0_1_and_adam_0_001():
    p, q = Value(1.0), Value(1.0)
    sgd, adam = SGD([p]), Adam([q])
    p.grad = q.grad = 2.0
    sgd.step()
    adam.step()
    assert p.data == pytest.approx(1.0 - 0.1 * 2.0)
    assert q.data == pytest.approx(1.0 - 0.001, rel=1e-9)  # Adam's first step is ±lr


def test_adam_two_steps_against_hand_computed_bias_correction():
    p = Value(1.0)
    opt = Adam([p], lr=0.1)  # betas (0.9, 0.999), eps 1e-8
    p.grad = 2.0
    opt.step()  # m = 0.2, v = 0.004; m̂ = 0.2/0.1 = 2, v̂ = 0.004/0.001 = 4: step 0.1·2/(2 + 1e-8)
    assert p.data == pytest.approx(1.0 - 0.1 * 2 / (2 + 1e-8), rel=1e-12)
    p.grad = -1.0
    opt.step()  # m = 0.18 − 0.1 = 0.08, v = 0.003996 + 0.001 = 0.004996; c1 = 0.19, c2 = 0.001999
    assert p.data == pytest.approx(0.9 - 0.1 * (0.08 / 0.19) / math.sqrt(0.004996 / 0.001999), rel=1e-9)
    assert opt.t == 2


def test_adam_eps_matters_when_gradients_are_as_small_as_eps():
    p = Value(0.0)
    opt = Adam([p], lr=1.0, eps=1e-8)
    p.grad = 1e-8  # m̂ = 1e-8 and √v̂ = 1e-8: the step is 1e-8 / (1e-8 + 1e-8) = ½
    opt.step()
    assert p.data == pytest.approx(-0.5)


def test_adam_with_beta1_0_steps_by_the_sign_of_the_gradient():
    p = Value(0.0)
    opt = Adam([p], lr=0.1, betas=(0.0, 0.0))  # allowed: m̂ = g and √v̂ = |g|
    for g in (3.0, -0.5):
        p.grad = g
        opt.step()
    assert p.data == pytest.approx(-0.1 + 0.1, abs=1e-8)


@pytest.mark.parametrize("scale, shown", [(math.nan, "float nan"), (math.inf, "float inf"),
                                          (-math.inf, "float -inf"), ("0.5", "str '0.5'"),
                                          (True, "bool True"), (None, "NoneType None")])
def test_init_scale_must_be_a_finite_number(scale, shown):
    # nan or inf used to give NaN weights without a word; a string failed inside `random`.
    with pytest.raises(ValueError) as info:
        MLP(2, [3, 1], init_scale=scale, seed=0)
    assert str(info.value) == f"init_scale must be a finite number, got {shown}"


@pytest.mark.parametrize("g", [math.inf, -math.inf, math.nan, 1e200])
def test_adam_refuses_a_gradient_whose_square_overflows_and_changes_nothing(g):
    # g = inf used to make the parameter NaN (inf / inf); g = 1e200 made g² = inf, so the
    # parameter stopped moving for good, without a word.
    p, q = Value(1.0, label="w"), Value(2.0, label="b")
    opt = Adam([q, p], lr=0.1)
    q.grad, p.grad = 1.0, g
    shown = re.escape(repr(g))
    with pytest.raises(ValueError, match=rf"^Adam: the gradient of parameter 1 \('w'\) is {shown}; its sq"):
        opt.step()
    assert (p.data, q.data, opt.t, opt.m, opt.v) == (1.0, 2.0, 0, [0.0, 0.0], [0.0, 0.0])
    p.grad = 1e150  # large, but its square is a float: Adam's first step is still ±lr
    opt.step()
    assert p.data == pytest.approx(0.9) and q.data == pytest.approx(1.9)


@pytest.mark.parametrize("bias, shown", [("no", "str 'no'"), (0, "int 0"), (None, "NoneType None")])
def test_bias_must_be_true_or_false(bias, shown):
    # bias="no" used to give a model with biases (a non-empty string is true), which nn.save then
    # refused to write.
    with pytest.raises(ValueError) as info:
        MLP(2, [3, 1], bias=bias, seed=0)
    assert str(info.value) == f"bias must be True or False, got {shown}"
