"""The XOR demo's pictures of the graph: one sample's loss after backward, and one neuron stepped.

`write_pictures(model, out_dir)` writes

- ``xor_graph.svg``: the computation graph of the loss of one training sample, after
  ``loss.backward()``, every value with its data and grad, boxed by neuron inside boxes by layer;
- ``xor_neuron_steps.html``: the backward pass through the first hidden neuron for that sample,
  one step per page (open it in a browser; arrow keys step).

Both are drawn on a copy of the model's parameters, so the trained model's grads are untouched.
"""

from __future__ import annotations

import copy
from pathlib import Path

from autograd import Value, render
from autograd.stepper import write_stepper_html
from nn import MLP, mse

#: The sample drawn: inputs (1, 0), target 1 — both inputs of the pair differ, so XOR is 1.
SAMPLE = ([1.0, 0.0], 1.0)


def _copy(model: MLP) -> MLP:
    """An independent copy with zero grads: drawing must not touch the trained model."""
    twin = copy.deepcopy(model)
    twin.zero_grad()
    return twin


def write_pictures(model: MLP, out_dir: str | Path) -> list[Path]:
    """Write ``xor_graph.svg`` and ``xor_neuron_steps.html`` into `out_dir`; returns their paths.

    Without Graphviz's `dot`, writes ``xor_graph.dot`` instead and raises
    `autograd.viz.GraphvizNotFound` saying how to install it.
    """
    out = Path(out_dir)
    x, target = SAMPLE
    inputs = [Value(xi, label=f"x{i}") for i, xi in enumerate(x)]

    twin = _copy(model)
    prediction = twin(inputs)
    prediction.label = "prediction"
    loss = mse(prediction, target)
    loss.label = "loss"
    loss.backward()
    graph = render(loss, out / "xor_graph.svg")

    # The first hidden neuron on its own: its output is the root, so the page has one step per
    # op of the neuron (products, sum, activation) and its parameters' grads are d out / d w.
    neuron = _copy(model).layers[0].neurons[0]
    output = neuron([Value(xi, label=f"x{i}") for i, xi in enumerate(x)])  # fresh leaves, grads 0
    output.label = f"{neuron.name} output"
    page = write_stepper_html(output, out / "xor_neuron_steps.html",
                              title=f"Backward pass through neuron {neuron.name} for x = "
                                    f"({x[0]:g}, {x[1]:g})")
    return [graph, page]
