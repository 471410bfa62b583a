"""Part 4, solved: an iterative depth-first search."""

from __future__ import annotations


def topological_order(root):
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((c, False) for c in node.children if c not in seen)
    return order
