"""glassgrad's nn: neurons, layers, MLPs, losses and optimizers built from `autograd.Value`."""

from .io import load, save
from .losses import bce, bce_with_logits, hinge, l2, mse
from .module import MLP, Layer, Module, Neuron
from .notebook import mlp_html  # noqa: F401  (attaches MLP._repr_html_)
from .optim import SGD, Adam, Optimizer

__all__ = [
    "MLP", "SGD", "Adam", "Layer", "Module", "Neuron", "Optimizer", "bce", "bce_with_logits",
    "hinge", "l2", "load", "mse", "save",
]
