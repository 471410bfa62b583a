"""Part 5: backward — the chain rule, node by node, in reverse topological order.

The question: for every node n, how much does the root (the loss, say) change when n changes?
That is n's gradient ∂root/∂n, and it goes in ``n.grad``.

The chain rule answers it one edge at a time. If node `n` was made from child `c`, then c
influences the root through n by  ∂root/∂n · ∂n/∂c  — n's gradient times the local derivative
(part 2, via ``n.local_derivatives()``). A child used by several nodes influences the root along
each of them, and the influences ADD UP. So:

    1. order = topological_order(root)                 (part 4)
    2. for node in order:                              (a fresh start for this pass — but
           if node.children: node.grad = 0.0            ONLY for interior nodes, see below)
    3. root.grad = 1.0                                 (∂root/∂root = 1: the seed)
    4. for node in reversed(order):                    (root first: each node is complete
           for child, d in zip(node.children,           when it is reached)
                               node.local_derivatives()):
               child.grad += node.grad * d             (+=, not =: contributions add up)

Why step 2 resets only some nodes (the checker calls your backward twice and tests both):

- Interior nodes (those with children) get a fresh gradient each call, so that calling backward
  twice gives the same interior grads, not double.
- Leaves (no children: inputs, weights) are NOT reset: their grads accumulate across calls, so
  calling backward once per training sample sums the samples' gradients. Resetting them is the
  job of zero_grad, before a training step (part 6).

The checker compares your pass with glassgrad's step by step (its `backward_steps()`) and tells
you the first node and input where your gradient differs.
"""

from __future__ import annotations

from mygrad.part4_order import topological_order


def backward(root):
    """Fill in ``.grad`` of every node behind `root` with ∂root/∂node (see the steps above)."""
    raise NotImplementedError("TODO part 5: backward")


__all__ = ["backward", "topological_order"]
