"""Part 7, solved."""

from __future__ import annotations

from mygrad.part5_backward import backward
from mygrad.part6_nn import mse, sgd_step, zero_grad

XOR_INPUTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_TARGETS = [0.0, 1.0, 1.0, 0.0]


def train_xor(model, steps=300, lr=1.0):
    losses = []
    for _ in range(steps):
        loss = mse([model(x) for x in XOR_INPUTS], XOR_TARGETS)
        losses.append(loss.data)
        zero_grad(model.parameters())
        backward(loss)
        sgd_step(model.parameters(), lr)
    return losses
