"""Expression graphs for grading parts 4 and 5: one description, built twice.

A `Spec` is data — named leaves and steps, each an op applied to earlier nodes (by index, so nodes
are shared) — and is built once with the learner's `Value` and once with glassgrad's, node for
node, so that the checker can hold the learner's node i next to the reference node i. Hypothesis
generates specs (`specs()`) with a fixed seed: a learner sees the same failing graph every run,
shrunk to the smallest one that still fails.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd import Value as Reference

UNARY = ("exp", "log", "tanh", "sigmoid", "relu")
BINARY = {"+": "+", "*": "*", "/": "/"}


@dataclass(frozen=True)
class Spec:
    """Leaves (name, number) and steps (op, input indices, exponent for "**"); the root is the last node."""

    leaves: tuple[tuple[str, float], ...]
    steps: tuple[tuple[str, tuple[int, ...], float | None], ...]
    step_names: tuple[str, ...] = ()  # names for the steps, in place of their expressions

    @property
    def size(self) -> int:
        return len(self.leaves) + len(self.steps)

    def names(self) -> list[str]:
        """A name per node: leaves by their names; a step by its expression when short, else v1, v2…"""
        names = [n for n, _ in self.leaves]
        for count, (op, args, p) in enumerate(self.steps, 1):
            parts = [names[i] for i in args]
            if op in BINARY:
                parts = [f"({x})" if any(s in x for s in "+-*/") and op != "+" else x for x in parts]
                text = f"{parts[0]}{op}{parts[1]}"
            elif op == "**":
                x = parts[0]
                text = f"({x})**{p:g}" if any(s in x for s in "+-*/") else f"{x}**{p:g}"
            else:
                text = f"{op}({parts[0]})"
            if len(self.step_names) >= count:
                text = self.step_names[count - 1]
            names.append(text if len(text) <= 16 and text not in names else f"v{count}")
        return names

    def build(self, make_leaf: Callable[[float], Any]) -> list[Any]:
        """Every node, leaves first, built with `make_leaf` and the nodes' own operators."""
        nodes = [make_leaf(v) for _, v in self.leaves]
        for op, args, p in self.steps:
            xs = [nodes[i] for i in args]
            if op == "+":
                node = xs[0] + xs[1]
            elif op == "*":
                node = xs[0] * xs[1]
            elif op == "/":
                node = xs[0] / xs[1]
            elif op == "**":
                node = xs[0] ** p
            else:
                node = getattr(xs[0], op)()
            nodes.append(node)
        return nodes

    def reference(self) -> list[Reference]:
        """The graph in glassgrad, every node labelled with its name."""
        nodes = self.build(lambda v: Reference(v))
        for node, name in zip(nodes, self.names()):
            node.label = name
        return nodes

    def learner(self, value_class: type) -> list[Any]:
        """The graph with the learner's Value; labels set where their class allows it."""
        nodes = self.build(value_class)
        for node, name in zip(nodes, self.names()):
            with contextlib.suppress(AttributeError):  # __slots__ without a label: names from the spec
                node.label = name
        return nodes

    def inputs(self) -> list[tuple[int, ...]]:
        """Per node, the indices of its inputs (empty for a leaf)."""
        return [()] * len(self.leaves) + [args for _, args, _ in self.steps]

    def describe(self) -> str:
        """The graph as lines of Python a learner can paste to rebuild it (with its names as comments)."""
        names = self.names()
        var = [n for n, _ in self.leaves] + [f"v{k + 1}" for k in range(len(self.steps))]
        lines = [f"{n} = Value({v!r})" for n, v in self.leaves]
        for k, (op, args, p) in enumerate(self.steps):
            a = [var[i] for i in args]
            expr = (f"{a[0]} {op} {a[1]}" if op in BINARY else f"{a[0]} ** {p:g}" if op == "**"
                    else f"{a[0]}.{op}()")
            me = len(self.leaves) + k
            lines.append(f"{var[me]} = {expr}" + (f"   # `{names[me]}`" if names[me] != var[me] else ""))
        return "\n".join(lines)


def reachable(root: Any) -> list[Any]:
    """Every node behind `root` (by identity), found without recursion."""
    seen: dict[int, Any] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        stack.extend(node.children)
    return list(seen.values())


def chain(value_class: type, depth: int) -> tuple[Any, Any]:
    """x, then x + c added `depth` times over (c shared by every step): (root, c)."""
    x = value_class(0.5)
    c = value_class(0.001)
    for _ in range(depth):
        x = x + c
    return x, c


def _values_ok(spec: Spec) -> bool:
    """Every node finite, moderate, and no relu exactly at its kink (either slope would be fair)."""
    try:
        nodes = spec.build(lambda v: Reference(v))
    except (ValueError, ArithmeticError):
        return False
    for node in nodes:
        if not math.isfinite(node.data) or abs(node.data) > 1e6:
            return False
        if node.op == "relu" and node.children[0].data == 0.0:
            return False
    return True


def specs(ops: Sequence[str] = ("+", "*", "tanh", "sigmoid", "relu", "**"), max_steps: int = 10) -> Any:
    """A Hypothesis strategy of `Spec`s: 1–3 leaves, 1–`max_steps` steps, inputs shared freely."""
    from hypothesis import strategies as st

    @st.composite
    def draw_spec(draw: Any) -> Spec:
        n = draw(st.integers(1, 3))
        leaves = tuple((f"x{i}", draw(st.integers(-20, 20)) / 10) for i in range(n))
        steps = []
        for k in range(draw(st.integers(1, max_steps))):
            op = draw(st.sampled_from(list(ops)))
            arity = 2 if op in BINARY else 1
            # inputs lean towards recent nodes (deep graphs) but reach back to any (shared nodes)
            args = tuple(draw(st.integers(0, n + k - 1)) for _ in range(arity))
            steps.append((op, args, 2.0 if op == "**" else None))
        return Spec(leaves, tuple(steps))

    return draw_spec().filter(_values_ok)


def find_failing(check: Callable[[Spec], str | None], ops: Sequence[str], examples: int = 60,
                 max_steps: int = 10) -> tuple[Spec, str] | None:
    """The smallest generated spec on which `check` reports a problem (the same one every run), or None."""
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.errors import NoSuchExample

    try:
        spec = find(specs(ops, max_steps), lambda s: check(s) is not None,
                    settings=settings(max_examples=examples, derandomize=True, database=None,
                                      deadline=None, phases=[Phase.generate, Phase.shrink],
                                      suppress_health_check=list(HealthCheck)))
    except NoSuchExample:
        return None
    return spec, check(spec) or ""
