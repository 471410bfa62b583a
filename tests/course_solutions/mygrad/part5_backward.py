"""Part 5, solved."""

from __future__ import annotations

from mygrad.part4_order import topological_order


def backward(root):
    order = topological_order(root)
    for node in order:
        if node.children:
            node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        for child, d in zip(node.children, node.local_derivatives()):
            child.grad += node.grad * d
