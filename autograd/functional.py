"""`grad()` — gradients as return values, differentiable if asked — and the `no_grad()` switch."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from .value import SWITCHES, Value, _leaf, backpropagate


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list[Value]:
    """d output / d input for each input, returned as `Value`s; no ``.grad`` is touched.

    With ``create_graph=True`` every local derivative is computed with ops on the graph itself, so
    the results are nodes you can differentiate again (second, third … derivatives)::

        x = Value(3.0)
        y = x ** 3
        (dy,) = grad(y, [x], create_graph=True)      # 3x² = 27
        (d2y,) = grad(dy, [x], create_graph=True)    # 6x = 18
        (d3y,) = grad(d2y, [x])                      # 6

    An input the output does not depend on gets 0. ``create_graph=True`` records the gradient
    graph even inside `no_grad()`: asking for it is asking for a graph.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}")
    if isinstance(inputs, Value):
        raise TypeError("grad: inputs must be a list of Values, got a single Value; write "
                        "grad(output, [x]) and unpack: (dx,) = grad(output, [x])")
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{i}] must be a Value (the node to differentiate "
                            f"with respect to), got {type(x).__name__} {x!r:.40}")
    seed = _leaf(1.0) if create_graph else 1.0
    recording = SWITCHES.grad_enabled
    SWITCHES.grad_enabled = recording or create_graph
    try:
        grads = backpropagate(output, seed, create_graph=create_graph)
    finally:
        SWITCHES.grad_enabled = recording
    result = []
    for x in inputs:
        g = grads.get(x, 0.0)
        result.append(g if isinstance(g, Value) else _leaf(float(g)))
    return result


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block ops record no graph: results are leaves (for updates and evaluation).

    The one switch of the engine besides `detect_anomaly()`; nesting restores the state that was
    in force before. It is per thread, as in PyTorch: inside the block *this* thread records no
    graph, while other threads go on recording theirs (and a new thread starts recording). Under
    asyncio it is per task: a task started inside the block records nothing either.
    """
    before = SWITCHES.grad_enabled
    SWITCHES.grad_enabled = False
    try:
        yield
    finally:
        SWITCHES.grad_enabled = before


@contextmanager
def recording() -> Iterator[None]:
    """The opposite of `no_grad()`: graphs are recorded inside, also within a `no_grad()` block.

    Differentiating a function needs its graph, so `jvp`, `jacobian`, `hessian` and `gradcheck`
    run the user's function inside this. Per thread, like `no_grad()`.
    """
    before = SWITCHES.grad_enabled
    SWITCHES.grad_enabled = True
    try:
        yield
    finally:
        SWITCHES.grad_enabled = before
