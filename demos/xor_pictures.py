"""The XOR demo's pictures of the graph: one sample's loss at the first training step, and one neuron stepped.

`write_pictures(model, out_dir)` writes

- ``xor_graph.svg``: the computation graph of one training sample's loss, (prediction − target)²,
  after ``loss.backward()``, at the model's *initial* weights (training step 1, where the
  gradients are large enough to read: after training nearly all of them are ±0.0001). Every value
  shows its data and grad in 3 significant digits, boxed by neuron inside boxes by layer, top
  to bottom, sized to fit a 1400-px browser window without sideways scrolling;
- ``xor_neuron_steps.html``: the backward pass through the first hidden neuron for that sample,
  one step per page (open it in a browser; arrow keys step).

Both are drawn on a fresh copy of the model (rebuilt from its seed), so the trained model is untouched.
"""

from __future__ import annotations

from pathlib import Path

from autograd import Value, render
from autograd.stepper import write_stepper_html
from autograd.viz import parameter_group
from nn import MLP

#: The sample drawn: inputs (1, 0), target 1 — both inputs of the pair differ, so XOR is 1.
SAMPLE = ([1.0, 0.0], 1.0)
#: Graphviz's size limit for the graph, in inches (72 pt each): 14.3 in = 1,030 pt = 1,373 px, the
#: width of a 1400-px browser window less its scrollbar. Measured in headless Chromium at
#: 1400 × 900: no sideways scrolling, 9 pt text drawn at about 11 px.
GRAPH_SIZE = "14.3,60"


def initial_model(model: MLP) -> MLP:
    """The model as it was before training: rebuilt from its recipe and seed (grads all zero)."""
    if model.config.get("seed") is None:
        raise ValueError("write_pictures: the model has no seed, so its first weights cannot be "
                         "rebuilt; make it with MLP(..., seed=42)")
    return MLP(**model.config)


def write_pictures(model: MLP, out_dir: str | Path) -> list[Path]:
    """Write ``xor_graph.svg`` and ``xor_neuron_steps.html`` into `out_dir`; returns their paths.

    Without Graphviz's `dot`, writes ``xor_graph.dot`` instead and raises
    `autograd.viz.GraphvizNotFound` saying how to install it.
    """
    out = Path(out_dir)
    x, target = SAMPLE
    seed = model.config["seed"]
    start = initial_model(model)
    inputs = [Value(xi, label=f"x{i}") for i, xi in enumerate(x)]
    prediction = start(inputs)
    prediction.label = "prediction"
    error = prediction - Value(target, label="target")
    error.label = "error"
    loss = error ** 2
    loss.label = "loss"
    loss.backward()
    title = (f"XOR, training step 1 (the initial weights, seed {seed}): the loss of one sample, "
             f"x = ({x[0]:g}, {x[1]:g}), target {target:g}, after loss.backward().\n"
             f"Each box: name, data, grad = d loss / d value.")
    # The inputs are drawn inside the first layer's box, above its neurons: their edges then come
    # down into each neuron from above instead of running across the neurons' boxes.
    def group(leaf: Value) -> str | None:
        return "L0" if any(leaf is xi for xi in inputs) else parameter_group(leaf)

    graph = render(loss, out / "xor_graph.svg", rankdir="TB", stacked=True, fontsize=9,
                   number_format=".3g", nodesep=0.05, size=GRAPH_SIZE, title=title, cluster=group)

    # The first hidden neuron on its own: its output is the root, so the page has one step per
    # op of the neuron (products, sum, activation) and its parameters' grads are d out / d w.
    neuron = initial_model(model).layers[0].neurons[0]
    output = neuron([Value(xi, label=f"x{i}") for i, xi in enumerate(x)])  # fresh leaves, grads 0
    page = write_stepper_html(output, out / "xor_neuron_steps.html",
                              title=f"Backward pass through neuron {neuron.name} at training step 1, "
                                    f"for the input x0 = {x[0]:g}, x1 = {x[1]:g}")
    return [graph, page]
