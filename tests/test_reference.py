"""The engine's MLP gradients against the hand-derived NumPy backprop of `nn.numpy_reference`."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, example, given
from strategies import MLPCase, engine_loss, mlp_cases

from autograd import Value
from autograd.value import local_derivatives, topological_order
from nn import MLP, SGD
from nn.numpy_reference import NumpyMLP


def engine_gradients(case: MLPCase) -> tuple[float, list[np.ndarray], list[np.ndarray | None],
                                            list[np.ndarray], list[np.ndarray | None]]:
    """The loss, ∂loss/∂W and ∂loss/∂b per layer from the engine, in the reference's layout, and
    for each entry the size of the terms summed into it (see `term_sizes`), in the same layout."""
    model = case.model()
    loss = engine_loss(model, case)
    loss.backward()
    size = term_sizes(loss)
    weights, biases, weight_sizes, bias_sizes = [], [], [], []
    for layer in model.layers:
        weights.append(np.array([[w.grad for w in n.w] for n in layer.neurons]).T)
        weight_sizes.append(np.array([[size[w] for w in n.w] for n in layer.neurons]).T)
        has_bias = layer.neurons[0].b is not None
        biases.append(np.array([n.b.grad for n in layer.neurons]) if has_bias else None)
        bias_sizes.append(np.array([size[n.b] for n in layer.neurons]) if has_bias else None)
    return loss.data, weights, biases, weight_sizes, bias_sizes


def term_sizes(root: Value) -> dict[Value, float]:
    """For each node, Σ over all paths to the root of |product of local derivatives|: the chain
    rule with every term taken positive. A gradient is a sum of such terms, so its rounding error
    is a small multiple of this size (not of the gradient, which may be 0 where terms cancel: a
    hidden unit whose outgoing weights balance out gets ∂loss = 2/3 − 2/3 ≈ 1e-16)."""
    order = topological_order(root)
    size = dict.fromkeys(order, 0.0)
    size[root] = 1.0
    for node in reversed(order):
        if node.children:
            for child, d in zip(node.children, local_derivatives(node)):
                size[child] += abs(d) * size[node]
    return size


def assert_relative(got: np.ndarray, want: np.ndarray, size: np.ndarray, what: str,
                    rtol: float = 1e-9) -> None:
    """|got − want| ≤ rtol·|want| + 1e-12·size per entry: relative to each entry, with a floor at
    the rounding level of the terms summed into it, for entries where they cancel to (nearly) 0."""
    bound = rtol * np.abs(want) + 1e-12 * size
    bad = np.abs(got - want) > bound
    assert not bad.any(), (f"{what}: entries {np.argwhere(bad).tolist()[:5]} differ: engine "
                           f"{got[bad][:3]}, reference {want[bad][:3]}")


# Found by Hypothesis: the hidden unit's outgoing weights balance out, so its gradient is
# 2/3 − 2/3, which rounds to 1.1e-16 in the engine and 1.9e-16 in the reference.
BALANCED = MLPCase(nin=1, nouts=(1, 3), activation="tanh", output_activation="linear", bias=False,
                   loss="cross_entropy", weights=(np.array([[0.0]]), np.array([[0.0, -1.0, -2.0]])),
                   biases=(None, None), X=np.array([[1.0]]), Y=np.array([[0.0, 1.0, 0.0]]))


@given(mlp_cases())
@example(BALANCED)
def test_mlp_parameter_gradients_equal_the_numpy_reference(case):
    loss, weights, biases, weight_sizes, bias_sizes = engine_gradients(case)
    ref_loss, ref = case.reference().backward(case.X, case.Y)
    assert loss == pytest.approx(ref_loss, rel=1e-12, abs=1e-14)
    for layer, (w, w_ref, size) in enumerate(zip(weights, ref.weights, weight_sizes)):
        assert_relative(w, w_ref, size, f"∂loss/∂W{layer}")
    for layer, (b, b_ref, size) in enumerate(zip(biases, ref.biases, bias_sizes)):
        assert (b is None) == (b_ref is None)
        if b is not None:
            assert_relative(b, b_ref, size, f"∂loss/∂b{layer}")


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
