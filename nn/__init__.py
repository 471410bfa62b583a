"""glassgrad's nn: neurons, layers, MLPs, losses and optimizers built from `autograd.Value`."""

from .io import load, save
from .losses import bce, bce_with_logits, cross_entropy, hinge, l2, mse
from .metrics import accuracy
from .module import MLP, Layer, Module, Neuron
from .notebook import mlp_html  # noqa: F401  (attaches MLP._repr_html_)
from .optim import SGD, Adam, Optimizer
from .torch_bridge import from_torch, to_torch

__all__ = [
    "MLP", "SGD", "Adam", "Layer", "Module", "Neuron", "Optimizer", "accuracy", "bce",
    "bce_with_logits", "cross_entropy", "from_torch", "hinge", "l2", "load", "mse", "save", "to_torch",
]
