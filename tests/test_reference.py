"""The engine's MLP gradients against the hand-derived NumPy backprop of `nn.numpy_reference`."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from strategies import MLPCase, engine_loss, mlp_cases

from nn import MLP, SGD
from nn.numpy_reference import NumpyMLP


def engine_gradients(case: MLPCase) -> tuple[float, list[np.ndarray], list[np.ndarray | None]]:
    """The loss and ∂loss/∂W, ∂loss/∂b per layer from the engine, in the reference's layout."""
    model = case.model()
    loss = engine_loss(model, case)
    loss.backward()
    weights, biases = [], []
    for layer in model.layers:
        weights.append(np.array([[w.grad for w in n.w] for n in layer.neurons]).T)
        has_bias = layer.neurons[0].b is not None
        biases.append(np.array([n.b.grad for n in layer.neurons]) if has_bias else None)
    return loss.data, weights, biases


def assert_relative(got: np.ndarray, want: np.ndarray, scale: float, what: str, rtol: float = 1e-9) -> None:
    """|got − want| ≤ rtol·|want| + 1e-12·scale per entry: relative to each entry, with a floor at
    the rounding level of the whole gradient (scale) for entries that are (nearly) zero."""
    bound = rtol * np.abs(want) + 1e-12 * scale
    bad = np.abs(got - want) > bound
    assert not bad.any(), (f"{what}: entries {np.argwhere(bad).tolist()[:5]} differ: engine "
                           f"{got[bad][:3]}, reference {want[bad][:3]}")


@given(mlp_cases())
def test_mlp_parameter_gradients_equal_the_numpy_reference(case):
    loss, weights, biases = engine_gradients(case)
    ref_loss, ref = case.reference().backward(case.X, case.Y)
    assert loss == pytest.approx(ref_loss, rel=1e-12, abs=1e-14)
    every = [g for g in ref.weights + ref.biases if g is not None]
    scale = max(max(float(np.max(np.abs(g))) for g in every), 1e-300)
    for layer, (w, w_ref) in enumerate(zip(weights, ref.weights)):
        assert_relative(w, w_ref, scale, f"∂loss/∂W{layer}")
    for layer, (b, b_ref) in enumerate(zip(biases, ref.biases)):
        assert (b is None) == (b_ref is None)
        if b is not None:
            assert_relative(b, b_ref, scale, f"∂loss/∂b{layer}")


@given(mlp_cases(max_layers=2, max_width=3, max_batch=3))
def test_the_reference_itself_equals_central_differences_of_its_loss(case):
    # The reference is only a reference if its delta equations are right: check them without it.
    net = case.reference()
    Z, _ = net.forward(case.X)
    # a step of 1e-6 in a weight moves a pre-activation by up to ~1e-5: keep relus out of reach
    assume(all(np.all(np.abs(z) > 1e-3) for z, a in zip(Z, net.activations) if a == "relu"))
    _, g = net.backward(case.X, case.Y)
    h = 1e-6
    for params, grads in ((net.W, g.weights), (net.b, g.biases)):
        for p, dp in zip(params, grads):
            if p is None:
                continue
            numeric = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                keep = p[idx]
                p[idx] = keep + h
                up = net.loss(case.X, case.Y)
                p[idx] = keep - h
                down = net.loss(case.X, case.Y)
                p[idx] = keep
                numeric[idx] = (up - down) / (2 * h)
            np.testing.assert_allclose(dp, numeric, rtol=1e-5, atol=1e-7)


def test_weights_round_trip_between_mlp_and_reference():
    model = MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", seed=5)
    ref = NumpyMLP.from_mlp(model, loss="bce")
    assert [w.shape for w in ref.W] == [(3, 4), (4, 2)]
    assert ref.W[0][2, 1] == model.layers[0].neurons[1].w[2].data  # neuron j owns column j
    assert ref.activations == ["tanh", "sigmoid"]
    other = MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", seed=6)
    ref.to_mlp(other)
    assert [p.data for p in other.parameters()] == [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match="layer 0 is 3→4 in the MLP but 3→5 here"):
        NumpyMLP([np.zeros((3, 5)), np.zeros((5, 2))], None, ["tanh", "linear"]).to_mlp(
            MLP(3, [4, 2], bias=False))


def test_training_steps_match_for_twenty_steps():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    model = MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", init="normal",
                init_scale=0.8, seed=3)
    ref = NumpyMLP.from_mlp(model, loss="bce")
    ref_losses = ref.train(X, Y, lr=0.5, steps=20)
    opt = SGD(model.parameters(), lr=0.5)
    case = MLPCase(2, (3, 1), "tanh", "sigmoid", True, "bce", (), (), X, Y)
    losses = []
    for _ in range(20):
        loss = engine_loss(model, case)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.data)
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-12)
    assert losses[-1] < losses[0]  # and it did learn something
    final = NumpyMLP.from_mlp(model, loss="bce")
    for w, w_ref in zip(final.W, ref.W):
        np.testing.assert_allclose(w, w_ref, rtol=1e-11, atol=1e-13)


def test_softmax_cross_entropy_training_matches_for_twenty_steps():
    # Three classes, a 2-5-3 tanh network: the engine's cross_entropy (logsumexp node, generic
    # backward) against the reference's δ_L = (P − Y)/N, from the same weights, step by step.
    rng = np.random.default_rng(4)
    X = rng.normal(size=(12, 2))
    classes = np.argmax(X @ np.array([[1.0, -1.0, 0.2], [0.5, 0.3, -1.0]]), axis=1)
    model = MLP(2, [5, 3], activation="tanh", output_activation="linear", init="normal",
                init_scale=0.8, seed=3)
    ref = NumpyMLP.from_mlp(model, loss="cross_entropy")
    ref_losses = ref.train(X, classes, lr=0.5, steps=20)
    opt = SGD(model.parameters(), lr=0.5)
    case = MLPCase(2, (5, 3), "tanh", "linear", True, "cross_entropy", (), (), X, np.eye(3)[classes])
    losses = []
    for _ in range(20):
        loss = engine_loss(model, case)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.data)
    gap = max(abs(a - b) for a, b in zip(losses, ref_losses))
    assert gap < 1e-12, gap
    assert losses[-1] < 0.6 * losses[0]  # and it learned
    final = NumpyMLP.from_mlp(model, loss="cross_entropy")
    for w, w_ref in zip(final.W, ref.W):
        np.testing.assert_allclose(w, w_ref, rtol=1e-11, atol=1e-13)


def test_reference_cross_entropy_targets_and_checks():
    net = NumpyMLP([np.array([[1.0, -1.0, 0.5]])], [np.zeros(3)], ["linear"], loss="cross_entropy")
    X = np.array([[1000.0], [-2.0]])
    by_index = net.loss(X, np.array([1, 0]))
    assert by_index == net.loss(X, np.eye(3)[[1, 0]])
    assert np.isfinite(by_index) and by_index > 900  # logits of ±1000 without overflow
    with pytest.raises(ValueError, match="output layer must be linear"):
        NumpyMLP([np.zeros((1, 3))], None, ["sigmoid"], loss="cross_entropy")
    with pytest.raises(ValueError, match="class indices must be whole numbers from 0 to 2"):
        net.loss(X, np.array([3, 0]))
