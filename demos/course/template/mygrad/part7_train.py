"""Part 7: train XOR with your own engine.

XOR: (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0. No single neuron can do it (no line separates the 1s
from the 0s); a hidden layer can. One training step:

    1. predictions = [model(x) for x in XOR_INPUTS]
    2. loss = mse(predictions, XOR_TARGETS)
    3. zero_grad(model.parameters())
    4. backward(loss)
    5. sgd_step(model.parameters(), lr)

and remember the loss (its number, ``loss.data``) BEFORE the step changes the weights.

The checker gives your model the same starting weights as a glassgrad model and compares the two
loss curves step by step: the same math gives the same numbers (to rounding).
"""

from __future__ import annotations

from mygrad.part5_backward import backward
from mygrad.part6_nn import mse, sgd_step, zero_grad

XOR_INPUTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_TARGETS = [0.0, 1.0, 1.0, 0.0]


def train_xor(model, steps=300, lr=1.0):
    """Train `model` on XOR for `steps` steps of plain gradient descent; return the list of losses
    (one float per step, measured before that step's update)."""
    raise NotImplementedError("TODO part 7: the training loop")


__all__ = ["XOR_INPUTS", "XOR_TARGETS", "backward", "mse", "sgd_step", "train_xor", "zero_grad"]
