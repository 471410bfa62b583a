"""Backprop derived by hand, vectorised with NumPy: the reference the engine is checked against.

This is how the classic XOR tutorials train a network — no graph, no autograd, just the delta
equations written out. For a network with layers l = 1 … L, inputs A₀ = X (one row per sample):

    forward     Zₗ = Aₗ₋₁ Wₗ + bₗ          Aₗ = f(Zₗ)
    output      δ_L = ∂loss/∂A_L ⊙ f′(Z_L)
    hidden      δₗ = (δₗ₊₁ Wₗ₊₁ᵀ) ⊙ f′(Zₗ)
    gradients   ∂loss/∂Wₗ = Aₗ₋₁ᵀ δₗ        ∂loss/∂bₗ = Σ_rows δₗ

with f′ written from the activation's output, as the tutorials do: sigmoid A(1 − A), tanh 1 − A²,
relu [Z > 0], linear 1. Losses, over the N numbers of the output matrix:

    "mse"       (1/N) Σ (A − Y)²             ∂/∂A = 2(A − Y)/N
    "half_sse"  ½ Σ (A − Y)²                 ∂/∂A = A − Y          (the plain delta rule)
    "bce"       −(1/N) Σ Y log A + (1 − Y) log(1 − A)
                with a sigmoid output: δ_L = (A − Y)/N, the famous cancellation; the loss value is
                computed from the logits Z as softplus(Z) − Y·Z, the same number without log(0).
    "cross_entropy"  softmax + cross-entropy over K classes, mean over the N samples (rows); the
                output layer is linear (its outputs Z_L are the logits) and Y is one-hot (or any
                rows of probabilities; class indices are turned into one-hot rows):
                    logsumexp(z) = m + log Σₖ exp(zₖ − m),  m = maxₖ zₖ  (no overflow)
                    P = softmax(Z_L) = exp(Z_L − logsumexp(Z_L))                      row by row
                    loss = (1/N) Σₙ [logsumexp(Z_L,n) − Σₖ Yₙₖ Z_L,nk] = −(1/N) Σ Y ⊙ log P
                    ∂loss/∂Z_L = (P − Y)/N  — so δ_L = (P − Y)/N, the same cancellation as bce:
                the softmax's Jacobian diag(p) − ppᵀ times −y/p gives p·Σy − y = p − y.

Weights are stored as in the tutorials: ``W[l]`` has shape (inputs, outputs), so neuron j of layer l
in an `nn.MLP` owns column j. `from_mlp` and `to_mlp` copy weights between the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .module import MLP

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
LOSSES = ("mse", "half_sse", "bce", "cross_entropy")


def activate(name: str, z: np.ndarray) -> np.ndarray:
    """f(Z) for an activation name; sigmoid is evaluated without overflow."""
    if name == "sigmoid":
        e = np.exp(-np.abs(z))  # never exp of a large positive number
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "linear":
        return z
    raise ValueError(f"activation {name!r} is not known; choose one of {ACTIVATIONS}")


def activation_slope(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """f′(Z), written from the output A where the tutorials do."""
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "tanh":
        return 1.0 - a * a
    if name == "relu":
        return (z > 0).astype(float)
    return np.ones_like(z)


@dataclass
class Gradients:
    """∂loss/∂Wₗ and ∂loss/∂bₗ per layer (b entries are None without biases), and the deltas."""

    weights: list[np.ndarray]
    biases: list[np.ndarray | None]
    deltas: list[np.ndarray] = field(repr=False)


class NumpyMLP:
    """A fully connected network trained by the hand-derived delta equations above.

    ``NumpyMLP([W1, W2], [b1, b2], ["sigmoid", "sigmoid"], loss="mse")``; pass ``None`` biases for a
    network without them. All arrays are float64 copies.
    """

    def __init__(self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray | None] | None,
                 activations: Sequence[str], loss: str = "mse") -> None:
        self.W = [np.array(w, dtype=np.float64) for w in weights]
        if biases is None:
            biases = [None] * len(self.W)
        self.b = [None if b is None else np.array(b, dtype=np.float64).reshape(-1) for b in biases]
        self.activations = list(activations)
        if not (len(self.W) == len(self.b) == len(self.activations)) or not self.W:
            raise ValueError("NumpyMLP: give one weight matrix, bias and activation per layer")
        for l, (w, b, act) in enumerate(zip(self.W, self.b, self.activations)):
            activate(act, np.zeros(1))  # validates the name
            if w.ndim != 2 or (l > 0 and w.shape[0] != self.W[l - 1].shape[1]):
                raise ValueError(f"NumpyMLP: layer {l} weights have shape {w.shape}, which does not "
                                 f"follow the previous layer")
            if b is not None and b.shape != (w.shape[1],):
                raise ValueError(f"NumpyMLP: layer {l} bias has shape {b.shape}, expected ({w.shape[1]},)")
        if loss not in LOSSES:
            raise ValueError(f"NumpyMLP: loss {loss!r} is not known; choose one of {LOSSES}")
        if loss == "cross_entropy" and self.activations[-1] != "linear":
            raise ValueError("NumpyMLP: cross_entropy scores the logits, so the output layer must "
                             f"be linear, not {self.activations[-1]!r}")
        self.loss_name = loss

    # --- weights to and from nn.MLP -------------------------------------------------------------

    @classmethod
    def from_mlp(cls, mlp: MLP, loss: str = "mse") -> NumpyMLP:
        """A reference network with exactly `mlp`'s weights, biases and activations."""
        weights, biases, acts = [], [], []
        for layer in mlp.layers:
            weights.append(np.array([[w.data for w in n.w] for n in layer.neurons]).T)
            has_bias = layer.neurons[0].b is not None
            biases.append(np.array([n.b.data for n in layer.neurons]) if has_bias else None)
            acts.append(layer.neurons[0].activation)
        return cls(weights, biases, acts, loss)

    def to_mlp(self, mlp: MLP) -> None:
        """Copy these weights into `mlp` (same architecture), e.g. to start both from one init."""
        if len(mlp.layers) != len(self.W):
            raise ValueError(f"to_mlp: {len(mlp.layers)} layers in the MLP, {len(self.W)} here")
        for l, (layer, w, b) in enumerate(zip(mlp.layers, self.W, self.b)):
            if w.shape != (len(layer.neurons[0].w), len(layer.neurons)):
                raise ValueError(f"to_mlp: layer {l} is {len(layer.neurons[0].w)}→{len(layer.neurons)} "
                                 f"in the MLP but {w.shape[0]}→{w.shape[1]} here")
            if (b is None) != (layer.neurons[0].b is None):
                raise ValueError(f"to_mlp: layer {l} has a bias on one side only")
            for j, neuron in enumerate(layer.neurons):
                for i, p in enumerate(neuron.w):
                    p.data = float(w[i, j])
                if b is not None:
                    neuron.b.data = float(b[j])

    # --- the hand-derived passes ----------------------------------------------------------------

    def forward(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Pre-activations Zₗ and activations Aₗ (A₀ = X) for a batch X of shape (samples, inputs)."""
        A = [np.asarray(X, dtype=np.float64)]
        Z: list[np.ndarray] = []
        for w, b, act in zip(self.W, self.b, self.activations):
            z = A[-1] @ w + (b if b is not None else 0.0)
            Z.append(z)
            A.append(activate(act, z))
        return Z, A

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The network's outputs A_L for a batch X: one row per sample, one column per output."""
        return self.forward(X)[1][-1]

    def loss(self, X: np.ndarray, Y: np.ndarray, eps: float = 1e-12) -> float:
        """The loss on a batch (see the module docstring); Y holds one target per output number."""
        Z, A = self.forward(X)
        return self._loss_value(Z[-1], A[-1], self._targets(Y, A[-1]), eps)

    def _targets(self, Y: np.ndarray, a: np.ndarray) -> np.ndarray:
        if self.loss_name == "cross_entropy":
            return _class_targets(Y, a)
        return _targets(Y, a)

    def _loss_value(self, z: np.ndarray, a: np.ndarray, y: np.ndarray, eps: float) -> float:
        if self.loss_name == "cross_entropy":
            return float(np.mean(logsumexp(z) - np.sum(y * z, axis=1)))
        if self.loss_name == "mse":
            return float(np.mean((a - y) ** 2))
        if self.loss_name == "half_sse":
            return float(0.5 * np.sum((a - y) ** 2))
        if self.activations[-1] == "sigmoid":  # bce from the logits: softplus(z) − y·z
            return float(np.mean(np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))) - y * z))
        p = np.clip(a, eps, 1 - eps)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    def backward(self, X: np.ndarray, Y: np.ndarray, eps: float = 1e-12) -> tuple[float, Gradients]:
        """The loss and its gradients by the delta equations (see the module docstring)."""
        Z, A = self.forward(X)
        a, y = A[-1], self._targets(Y, A[-1])
        n = a.size
        if self.loss_name == "cross_entropy":
            delta = (softmax(Z[-1]) - y) / len(a)  # (P − Y)/N: softmax and log cancel as in bce
        elif self.loss_name == "bce" and self.activations[-1] == "sigmoid":
            delta = (a - y) / n  # ∂loss/∂A ⊙ σ′(Z) simplifies to this
        else:
            if self.loss_name == "mse":
                d_a = 2.0 * (a - y) / n
            elif self.loss_name == "half_sse":
                d_a = a - y
            else:
                p = np.clip(a, eps, 1 - eps)
                d_a = ((p - y) / (p * (1 - p)) / n) * ((a > eps) & (a < 1 - eps))
            delta = d_a * activation_slope(self.activations[-1], Z[-1], a)
        deltas = [delta]
        for l in range(len(self.W) - 1, 0, -1):
            delta = (delta @ self.W[l].T) * activation_slope(self.activations[l - 1], Z[l - 1], A[l])
            deltas.append(delta)
        deltas.reverse()
        grads_w = [A[l].T @ deltas[l] for l in range(len(self.W))]
        grads_b = [None if b is None else deltas[l].sum(axis=0) for l, b in enumerate(self.b)]
        return self._loss_value(Z[-1], a, y, eps), Gradients(grads_w, grads_b, deltas)

    def step(self, X: np.ndarray, Y: np.ndarray, lr: float) -> float:
        """One full-batch gradient-descent step; returns the loss *before* the step."""
        loss, g = self.backward(X, Y)
        for l in range(len(self.W)):
            self.W[l] -= lr * g.weights[l]
            if self.b[l] is not None:
                self.b[l] -= lr * g.biases[l]
        return loss

    def train(self, X: np.ndarray, Y: np.ndarray, lr: float, steps: int) -> list[float]:
        """`steps` full-batch steps; the loss before each one."""
        return [self.step(X, Y, lr) for _ in range(steps)]


def logsumexp(z: np.ndarray) -> np.ndarray:
    """log Σₖ exp(zₖ) of every row, shifted by the row's max so that exp never overflows."""
    m = np.max(z, axis=1, keepdims=True)
    return (m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True)))[:, 0]


def softmax(z: np.ndarray) -> np.ndarray:
    """Each row's softmax, exp(z − logsumexp(z)): positive and summing to 1."""
    return np.exp(z - logsumexp(z)[:, None])


def _class_targets(Y: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Cross-entropy targets as rows of probabilities: a one-hot matrix, or class indices made one."""
    y = np.asarray(Y)
    n, k = a.shape
    if y.shape == (n,) or (y.shape == (n, 1) and k > 1):
        idx = y.reshape(-1)
        if not np.all((idx == np.round(idx)) & (idx >= 0) & (idx < k)):
            raise ValueError(f"targets: class indices must be whole numbers from 0 to {k - 1}")
        return np.eye(k)[idx.astype(int)]
    y = np.asarray(y, dtype=np.float64)
    if y.shape != (n, k) or not np.allclose(y.sum(axis=1), 1.0):
        raise ValueError(f"targets: cross_entropy wants {n} class indices or an ({n}, {k}) matrix "
                         f"whose rows sum to 1, got shape {y.shape}")
    return y


def _targets(Y: np.ndarray, a: np.ndarray) -> np.ndarray:
    y = np.asarray(Y, dtype=np.float64)
    if y.size != a.size:
        raise ValueError(f"targets: {y.size} numbers for {a.size} outputs")
    return y.reshape(a.shape)
