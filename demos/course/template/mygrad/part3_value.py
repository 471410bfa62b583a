"""Part 3: the node — a number that remembers where it came from.

A `Value` holds a number (`data`) and, once backpropagation has run, the derivative of the final
result with respect to it (`grad`). The trick of autograd: every operation on Values makes a NEW
Value that records

    children   the Values it was computed from, in argument order (a / b: (a, b), not (b, a))
    op         which operation made it: one of the keys of RULES below ("+", "*", "/", "**",
               "exp", "log", "tanh", "sigmoid", "relu"); "" for a leaf (a Value you made yourself)

so that the finished computation is a graph you can walk backwards. For example

    a = Value(2.0); b = Value(-3.0)
    c = a * b              # c.data == -6.0, c.children == (a, b), c.op == "*"
    d = c + 1              # the 1 becomes a leaf Value(1.0): d.children == (c, Value(1.0))

Nothing is computed backwards here: an op only does its forward computation and records.
Each TODO is three lines at most: make the inputs Values (`_lift`), compute the number with
plain float arithmetic or `math`, return ``Value(number, children, op)``.

Subtraction, negation and reversed operators (2 * a, 1 - a, 2 / a) are already written in
terms of your + * / ; `local_derivatives` (the bridge to part 2) is written too.
"""

from __future__ import annotations

import math

from mygrad import part2_local

#: op name -> its local-derivative rule from part 2
RULES = {
    "+": part2_local.add,
    "*": part2_local.mul,
    "/": part2_local.div,
    "**": part2_local.power,
    "exp": part2_local.exp,
    "log": part2_local.log,
    "tanh": part2_local.tanh,
    "sigmoid": part2_local.sigmoid,
    "relu": part2_local.relu,
}


def _lift(x):
    """x itself if it is a Value, else a new leaf Value holding the number x."""
    return x if isinstance(x, Value) else Value(x)


class Value:
    """A number in a computation graph: data, grad, and how it was made (children, op)."""

    def __init__(self, data, children=(), op="", exponent=None):
        self.data = float(data)
        self.grad = 0.0
        self.children = tuple(children)
        self.op = op
        self.exponent = exponent  # only for "**": the constant p of x ** p
        self.label = ""  # a name for messages and pictures (optional)

    def __repr__(self):
        name = f"{self.label}: " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g}, op={self.op!r})"

    # --- the ops: each records its inputs and its op --------------------------------------

    def __add__(self, other):
        """self + other  (other may be a Value or a plain number); op "+"."""
        raise NotImplementedError("TODO part 3: a + b")

    def __mul__(self, other):
        """self · other; op "*"."""
        raise NotImplementedError("TODO part 3: a * b")

    def __truediv__(self, other):
        """self / other; op "/", children (self, other) in that order."""
        raise NotImplementedError("TODO part 3: a / b")

    def __pow__(self, p):
        """self ** p for a plain number p (int or float); op "**", ONE child (self), and keep p
        in `exponent`: ``Value(number, (self,), "**", exponent=p)``."""
        raise NotImplementedError("TODO part 3: x ** p")

    def exp(self):
        """e ** self.data; op "exp"."""
        raise NotImplementedError("TODO part 3: exp")

    def log(self):
        """ln(self.data); op "log"."""
        raise NotImplementedError("TODO part 3: log")

    def tanh(self):
        """tanh(self.data); op "tanh"."""
        raise NotImplementedError("TODO part 3: tanh")

    def sigmoid(self):
        """1 / (1 + e^−data); op "sigmoid".  (Careful: math.exp(-x) overflows for x < −709; for
        negative x use the equal form eˣ / (1 + eˣ).)"""
        raise NotImplementedError("TODO part 3: sigmoid")

    def relu(self):
        """max(0, data); op "relu"."""
        raise NotImplementedError("TODO part 3: relu")

    # --- written for you: built from the ops above ----------------------------------------

    def __radd__(self, other):  # 2 + a
        return _lift(other) + self

    def __rmul__(self, other):  # 2 * a
        return _lift(other) * self

    def __rtruediv__(self, other):  # 2 / a
        return _lift(other) / self

    def __neg__(self):  # -a is a * -1
        return self * -1.0

    def __sub__(self, other):  # a - b is a + (-b)
        return self + (-_lift(other))

    def __rsub__(self, other):  # 2 - a
        return _lift(other) + (-self)

    def local_derivatives(self):
        """∂self/∂child for each child, from part 2's rule for self.op (a tuple of floats);
        () for a leaf, which has no children."""
        if not self.children:
            return ()
        rule = RULES[self.op]
        inputs = [child.data for child in self.children]
        if self.op == "**":
            return rule(inputs[0], self.exponent, self.data)
        return rule(*inputs, self.data)


# math is here for your forward computations (math.exp, math.log, math.tanh)
__all__ = ["RULES", "Value", "math"]
