"""Parts 3, 4 and 5: the learner's Value, topological order, and backward — graded on graphs built
twice (theirs and glassgrad's), backward step by step against glassgrad's `backward_steps()`."""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograd.ops import SIGMOID

from .graphs import Spec, chain, find_failing, reachable
from .learner import call, close, load, need, num
from .result import Failed, Result, fail, learner_error

# ----------------------------------------------------------------------------------------------
# Part 3: the node
# ----------------------------------------------------------------------------------------------

_CODE3 = {
    "+": 'other = _lift(other)\n    return Value(self.data + other.data, (self, other), "+")',
    "*": 'other = _lift(other)\n    return Value(self.data * other.data, (self, other), "*")',
    "/": 'other = _lift(other)\n    return Value(self.data / other.data, (self, other), "/")',
    "**": 'return Value(self.data ** p, (self,), "**", exponent=p)',
    "exp": 'return Value(math.exp(self.data), (self,), "exp")',
    "log": 'return Value(math.log(self.data), (self,), "log")',
    "tanh": 'return Value(math.tanh(self.data), (self,), "tanh")',
    "sigmoid": "x = self.data\n"
               "    s = 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))\n"
               '    return Value(s, (self,), "sigmoid")',
    "relu": 'return Value(max(0.0, self.data), (self,), "relu")',
}


def _hints3(op: str) -> list[str]:
    return ["an op makes a NEW Value from the inputs' numbers and records where it came from: "
            "Value(number, children, op).",
            "children are the Value inputs in argument order, as a tuple ((self, other), or (self,) "
            f"for one input); op is the key of RULES for this op ({op!r}).",
            _CODE3[op]]


# (text, build from (Value, a, b), expected data, op, expected children: "a", "b" or a number)
_CASES3: tuple[tuple[str, Callable[..., Any], float, str, tuple], ...] = (
    ("a + b", lambda V, a, b: a + b, -1.0, "+", ("a", "b")),
    ("a * b", lambda V, a, b: a * b, -6.0, "*", ("a", "b")),
    ("a / b", lambda V, a, b: a / b, 2.0 / -3.0, "/", ("a", "b")),
    ("a ** 3", lambda V, a, b: a ** 3, 8.0, "**", ("a",)),
    ("a ** -0.5", lambda V, a, b: a ** -0.5, 2.0 ** -0.5, "**", ("a",)),
    ("a.exp()", lambda V, a, b: a.exp(), math.exp(2.0), "exp", ("a",)),
    ("a.log()", lambda V, a, b: a.log(), math.log(2.0), "log", ("a",)),
    ("b.tanh()", lambda V, a, b: b.tanh(), math.tanh(-3.0), "tanh", ("b",)),
    ("b.sigmoid()", lambda V, a, b: b.sigmoid(), SIGMOID.forward(-3.0), "sigmoid", ("b",)),
    ("a.sigmoid()", lambda V, a, b: a.sigmoid(), SIGMOID.forward(2.0), "sigmoid", ("a",)),
    ("b.relu()", lambda V, a, b: b.relu(), 0.0, "relu", ("b",)),
    ("a.relu()", lambda V, a, b: a.relu(), 2.0, "relu", ("a",)),
    ("a + 1", lambda V, a, b: a + 1, 3.0, "+", ("a", 1.0)),
    ("a * 2.5", lambda V, a, b: a * 2.5, 5.0, "*", ("a", 2.5)),
    ("2 * a", lambda V, a, b: 2 * a, 4.0, "*", (2.0, "a")),
    ("1 / b", lambda V, a, b: 1 / b, -1.0 / 3.0, "/", (1.0, "b")),
    ("Value(-800.0).sigmoid()", lambda V, a, b: V(-800.0).sigmoid(), 0.0, "sigmoid", None),
    ("Value(800.0).sigmoid()", lambda V, a, b: V(800.0).sigmoid(), 1.0, "sigmoid", None),
    ("a - b", lambda V, a, b: a - b, 5.0, None, None),
    ("-a", lambda V, a, b: -a, -2.0, None, None),
)


def _data_mistake(text: str, op: str, got: float, a: float, b: float) -> str:
    """Name a wrong forward number by what it equals, where it is a usual slip."""
    x = b if text.startswith("b") else a
    if op == "sigmoid" and close(got, 1 / (1 + math.exp(x))):
        return "that is 1/(1 + eˣ): σ(x) = 1/(1 + e^−x), with a minus in the exponent."
    if op == "relu" and close(got, x):
        return "relu keeps positive numbers and turns negative ones into 0: max(0, x)."
    if op == "/" and close(got, b / a):
        return "that is b / a: self is the numerator."
    if op == "**" and close(got, a * 3):
        return "that is x · p: x ** p raises to the power."
    return ""


def check_part3(course: Path) -> Result:
    mod = load(course, "part3_value", 3)
    V = need(mod, "Value", 3)
    leaf = call(3, course, "making a leaf Value(2)", V, 2)
    if not (isinstance(getattr(leaf, "data", None), float) and getattr(leaf, "grad", None) == 0.0
            and tuple(getattr(leaf, "children", (1,))) == ()):
        raise fail(3, "leaf", "Value(2) should have data 2.0 (a float), grad 0.0 and no children "
                              f"(got {leaf!r:.80})")
    for text, build, want, op, kids in _CASES3:
        a, b = V(2.0), V(-3.0)
        inputs = {"a": a, "b": b}
        key_op = op or "+"
        try:
            out = build(V, a, b)
        except OverflowError as err:
            if key_op != "sigmoid":
                raise learner_error(3, err, f"computing {text}", course) from None
            raise fail(3, "sigmoid-overflow", [
                f"{text} raised OverflowError: math.exp(800) is beyond the largest float",
                "for x < 0 use the equal form eˣ/(1 + eˣ), whose exp never sees a large "
                "argument (1/(1 + e^−x) for x ≥ 0)"], _hints3("sigmoid")) from None
        except Exception as err:
            raise learner_error(3, err, f"computing {text} (a = Value(2.0), b = Value(-3.0))",
                                course) from None
        if not isinstance(out, V):
            raise fail(3, "not-value", f"{text} returned {type(out).__name__} {out!r:.40}: an op must "
                                       f"return a new Value, so that the graph goes on", _hints3(key_op))
        if not close(out.data, want, rel=1e-12):
            why = _data_mistake(text, key_op, out.data, 2.0, -3.0)
            raise fail(3, f"data{key_op}", [f"{text}: data {num(out.data)}, expected {num(want)}"]
                       + ([why] if why else []), _hints3(key_op))
        if a.data != 2.0 or b.data != -3.0 or a.children or b.children:
            raise fail(3, "changed-input", f"{text} changed its inputs (a is now {a!r:.60}): an op makes "
                                           f"a new Value and leaves its inputs alone", _hints3(key_op))
        if op is None:
            continue
        if out.op != op:
            raise fail(3, "op", [f"{text}: op {out.op!r}, expected {op!r}",
                                 "backward looks the local-derivative rule up by op (RULES in "
                                 "part3_value.py)"],
                       _hints3(op))
        if kids is None:
            continue
        children = tuple(out.children) if isinstance(out.children, (tuple, list)) else None
        if children is None or len(children) != len(kids):
            raise fail(3, "children", [f"{text}: children {out.children!r:.80}, expected {len(kids)} "
                                       f"(the inputs, in order)",
                                       "without them backward can never reach the inputs"
                                       if not children else "one child per input, in argument order"],
                       _hints3(op))
        for k, (child, expect) in enumerate(zip(children, kids)):
            if isinstance(expect, str):
                if child is not inputs[expect]:
                    swapped = len(kids) == 2 and children[0] is inputs.get(str(kids[1]))
                    raise fail(3, "order" if swapped else "children", [
                        f"{text}: child {k} is {child!r:.60}, expected {expect} itself (the same "
                        f"object, not a copy)",
                        "children in argument order: a / b has (a, b), and the rule of part 2 "
                        "receives them in that order" if swapped else
                        "record the input Value itself: backward adds gradients into it"],
                        _hints3(op))
            elif not (isinstance(child, V) and close(child.data, expect) and not child.children):
                raise fail(3, "lift", [f"{text}: child {k} is {child!r:.60}, expected a leaf "
                                       f"Value({expect})", "turn plain numbers into leaf Values "
                                                           "(_lift does it) before recording them"],
                           _hints3(op))
        if op == "**" and getattr(out, "exponent", None) != float(text.split("** ")[1]):
            raise fail(3, "exponent", f"{text}: exponent {getattr(out, 'exponent', None)!r}, expected "
                                      f"{text.split('** ')[1]} (local_derivatives reads it)", _hints3(op))
        if out.grad != 0.0:
            raise fail(3, "grad", f"{text}: a new node's grad should start at 0.0, got {out.grad!r}",
                       _hints3(op))
    return Result(3, "ok", [f"{len(_CASES3)} expressions: numbers, ops and children as glassgrad "
                            f"records them (numbers on either side, sigmoid at ±800 without overflow)"])


# ----------------------------------------------------------------------------------------------
# Part 4: topological order
# ----------------------------------------------------------------------------------------------

CHAIN_DEPTH = 100_000

_HINTS4_RECURSION = [
    "Python stops nested calls at about 1,000: replace the recursion by a loop over your own "
    "stack (a list).",
    "push (root, False); pop a pair: if its flag is True, its children are done — append it; "
    "else, if unseen, mark it seen, push (node, True) and then (child, False) for each child.",
    "order, seen, stack = [], set(), [(root, False)]\n"
    "while stack:\n"
    "    node, done = stack.pop()\n"
    "    if done:\n"
    "        order.append(node)\n"
    "    elif node not in seen:\n"
    "        seen.add(node)\n"
    "        stack.append((node, True))\n"
    "        stack.extend((child, False) for child in node.children)\n"
    "return order",
]
_HINTS4 = [
    "every node once, each after all of its children: leaves first, the root last.",
    "a depth-first search: visit a node's children first, then add the node; a set of visited "
    "nodes keeps shared ones from appearing twice.",
    _HINTS4_RECURSION[2],
]


def _order_problem(order: Any, root: Any, names: dict[int, str]) -> tuple[str, str] | None:
    """What is wrong with `order` as a topological order of the graph behind `root`: (key, text)."""
    def name(node: Any) -> str:
        return f"`{names.get(id(node), getattr(node, 'label', '') or repr(node)[:30])}`"

    def users_of(node: Any) -> list[Any]:
        return [n for n in behind.values() if any(c is node for c in n.children)]

    try:
        order = list(order)
    except TypeError:
        return "type", f"topological_order returned {type(order).__name__}, not a list"
    behind = {id(n): n for n in reachable(root)}
    pos = {id(node): k for k, node in enumerate(order)}
    if len(pos) != len(order) or len(pos) != len(behind) or not pos.keys() <= behind.keys():
        seen: set[int] = set()
        for node in order:  # the slow path, only when something is wrong: which node, and how
            if id(node) not in behind:
                return "extra", f"your order contains {node!r:.50}, which is not a node behind the root"
            if id(node) in seen:
                count = sum(1 for x in order if x is node)
                return "duplicates", (f"node {name(node)} appears {count} times in your order (it is "
                                      f"shared: {len(users_of(node))} nodes use it). Every node once: "
                                      f"keep a set of the nodes you have visited")
            seen.add(id(node))
        missing = [n for i, n in behind.items() if i not in pos]
        n = missing[0]
        user = users_of(n)
        return "missing", (f"your order misses {name(n)}" + (f" (an input of {name(user[0])})" if user else
                                                             " (the root)") + f": {len(missing)} of "
                           f"{len(behind)} nodes are missing")
    if len(order) > 1 and order[0] is root:
        backwards = {id(node): k for k, node in enumerate(reversed(order))}
        if all(backwards[id(c)] < backwards[id(n)] for n in order for c in n.children):
            return "reversed", ("your order starts with the root: it is reversed. Leaves first, the "
                                "root last (backward walks it in reverse)")
        return "before-child", ("your order starts with the root, and reversing it would not help "
                                "either: you add a node before its children are done. Add a node "
                                "only once all of its children are in the order")
    for k, node in enumerate(order):
        for c in node.children:
            if pos[id(c)] > k:
                return "before-child", (f"{name(node)} comes before its input {name(c)} (positions "
                                        f"{k} and {pos[id(c)]}): each node must come after all of "
                                        f"its children")
    if order[-1] is not root:
        return "root-last", "the root is not last"
    return None


def _graph_lines(spec: Spec) -> list[str]:
    return ["  on this graph (the smallest generated one that fails; the same every run):",
            *("    " + line for line in spec.describe().splitlines())]


def _check_on_specs(part: int, course: Path, problem: Callable[[Spec], tuple[str, str] | None],
                    fixed: list[Spec], ops: tuple[str, ...], hints: Callable[[str], list[str]],
                    examples: int = 60) -> int:
    """`problem` on the fixed specs, then on generated ones; a failure raises with its graph.

    `hints(key)` gives the hints for the mistake named `key`.
    """
    errors: list[BaseException] = []

    def text(spec: Spec) -> str | None:
        try:
            found = problem(spec)
        except Failed:
            raise
        except Exception as err:  # the learner's code raised: remember where, shrink on it anyway
            errors.append(err)
            return f"raised:{type(err).__name__}"
        return None if found is None else f"{found[0]}:{found[1]}"

    for spec in fixed:
        found = text(spec)
        if found is not None:
            if errors:
                raise learner_error(part, errors[-1], "on the graph\n    " + "\n    ".join(
                    spec.describe().splitlines()) + "\n ", course)
            key, message = found.split(":", 1)
            raise fail(part, key, [message, "  on the graph:",
                                   *("    " + line for line in spec.describe().splitlines())], hints(key))
    result = find_failing(text, ops, examples=examples)
    if result is not None:
        spec, found = result
        errors.clear()
        found = text(spec) or found
        if errors:
            raise learner_error(part, errors[-1], "on the graph\n    " + "\n    ".join(
                spec.describe().splitlines()) + "\n ", course)
        key, message = found.split(":", 1)
        raise fail(part, key, [message, *_graph_lines(spec)], hints(key))
    return examples


SHARED = Spec((("x", 3.0),), (("*", (0, 0), None), ("+", (1, 0), None), ("tanh", (2,), None),
                              ("*", (3, 1), None)))


def _names(spec: Spec, nodes: list[Any]) -> dict[int, str]:
    return {id(n): name for n, name in zip(nodes, spec.names())}


def check_part4(course: Path) -> Result:
    V = need(load(course, "part3_value", 4), "Value", 4)
    topo = need(load(course, "part4_order", 4), "topological_order", 4)

    def problem(spec: Spec) -> tuple[str, str] | None:
        nodes = spec.learner(V)
        return _order_problem(topo(nodes[-1]), nodes[-1], _names(spec, nodes))

    call(4, course, "topological_order on x * x", lambda: topo(V(1.0) * V(2.0)))
    n = _check_on_specs(4, course, problem, [SHARED], ("+", "*", "tanh"), lambda key: _HINTS4)
    # depth: a chain 100,000 deep (x + c, again and again, c shared by all)
    depth_message = _check_depth(course, V, topo)
    return Result(4, "ok", [f"right on {n} generated graphs with shared nodes and on x·x + x",
                            depth_message])


def _comparisons(V: type, topo: Callable[[Any], Any], depth: int) -> int:
    """How often `topo` compares two nodes with == on a chain `depth` deep.

    `node in some_list` compares the node with the list's items one by one (==), while a set
    looks it up by its hash: counting == tells the two apart exactly, whatever else the machine
    is doing. The learner's class gets a counting __eq__ for the run and its own back afterwards.
    """
    root, _ = chain(V, depth)
    own = {name: vars(V)[name] for name in ("__eq__", "__hash__") if name in vars(V)}
    equal, hash_ = V.__eq__, V.__hash__
    count = 0

    def counting_eq(self: Any, other: Any) -> Any:
        nonlocal count
        count += 1
        return equal(self, other)

    V.__eq__ = counting_eq
    V.__hash__ = hash_  # kept as it was: nodes still go into sets and dicts by their hash
    try:
        topo(root)
    finally:
        for name in ("__eq__", "__hash__"):
            if name in own:
                setattr(V, name, own[name])
            else:
                delattr(V, name)
    return count


def _cpu_seconds(V: type, topo: Callable[[Any], Any], depth: int) -> float:
    """CPU time of `topo` on a chain `depth` deep: time spent waiting for the CPU (a busy
    machine) does not count, only the work done."""
    root, _ = chain(V, depth)
    gc.disable()  # a collection in the middle of one run would look like slow growth
    try:
        start = time.process_time()
        topo(root)
        return time.process_time() - start
    finally:
        gc.enable()


_QUADRATIC_HELP = ("`node in order` on a list searches the whole list each time: keep the visited "
                   "nodes in a set")


def _check_depth(course: Path, V: type, topo: Callable[[Any], Any]) -> str:
    def run(depth: int) -> tuple[Any, Any]:
        root, _ = chain(V, depth)
        return root, topo(root)

    try:
        # An order that searches a list (`node in order`) takes n² time: 100,000 nodes would run
        # into the time limit, so it is caught here by its growth. First by counting the ==
        # comparisons between nodes (exact: the same on an idle and on a loaded machine) ...
        few, many = _comparisons(V, topo, 200), _comparisons(V, topo, 800)
        if many > 10 * 800 and many >= 8 * max(few, 1):
            raise fail(4, "quadratic", [
                f"your order compares nodes with == {many:,} times for a chain of 800 nodes and "
                f"{few:,} times for 200: four times the nodes, {many / max(few, 1):.0f} times the "
                f"work. At {CHAIN_DEPTH:,} nodes that is about {many * (CHAIN_DEPTH / 800) ** 2:.0e} "
                f"comparisons: minutes.", _QUADRATIC_HELP], _HINTS4)
        # ... then, for a search that == does not show (a list of ids, say), by CPU time: the
        # least of up to three runs at each size, so that one disturbed run cannot decide.
        small, large = math.inf, math.inf
        for _ in range(3):
            small, large = min(small, _cpu_seconds(V, topo, 1500)), min(large, _cpu_seconds(V, topo, 6000))
            if large < 0.05 or large / max(small, 1e-9) < 7:
                break
    except RecursionError:
        raise _recursion_failure(V, topo) from None
    except Failed:
        raise
    except Exception as err:
        raise learner_error(4, err, "topological_order on a chain 1,500 deep", course) from None
    if large >= 0.05 and large / max(small, 1e-9) >= 7:
        raise fail(4, "quadratic", [
            f"your order takes {large:.2f} s of CPU time for a chain of 6,000 nodes and {small:.3f} s "
            f"for 1,500: four times the nodes, {large / small:.0f} times the time. At {CHAIN_DEPTH:,} "
            f"nodes that is minutes.", _QUADRATIC_HELP], _HINTS4)
    try:
        root, order = run(CHAIN_DEPTH)
    except RecursionError:
        raise _recursion_failure(V, topo) from None
    except Exception as err:
        raise learner_error(4, err, f"topological_order on a chain {CHAIN_DEPTH:,} deep", course) from None
    problem = _order_problem(order, root, {})
    if problem is not None:
        raise fail(4, problem[0], [f"on a chain {CHAIN_DEPTH:,} deep: {problem[1]}"], _HINTS4)
    return f"right on a chain {CHAIN_DEPTH:,} deep (no recursion limit)"


def _recursion_failure(V: type, topo: Callable[[Any], Any]) -> Failed:
    depth = _max_depth(V, topo)
    return fail(4, "recursion", [f"your order works up to depth {depth:,}, then RecursionError: see the "
                                 f"iterative version in the hint (--hint 2 describes it, --hint 3 "
                                 f"shows it)",
                                 f"a chain {CHAIN_DEPTH:,} deep (a long loop, an RNN unrolled over time) "
                                 f"needs an order without recursion"], _HINTS4_RECURSION)


def _max_depth(V: type, topo: Callable[[Any], Any]) -> int:
    """The deepest chain the learner's order handles (bisection: each try is quick)."""
    lo, hi = 0, CHAIN_DEPTH  # works at lo, fails at hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            topo(chain(V, mid)[0])
            lo = mid
        except RecursionError:
            hi = mid
    return lo


# ----------------------------------------------------------------------------------------------
# Part 5: backward, step by step against backward_steps()
# ----------------------------------------------------------------------------------------------

NEURON = Spec((("x1", 2.0), ("w1", -3.0), ("x2", 0.0), ("w2", 1.0), ("b", 6.8813735870195432)),
              (("*", (0, 1), None), ("*", (2, 3), None), ("+", (5, 6), None), ("+", (7, 4), None),
               ("tanh", (8,), None)),
              ("x1*w1", "x2*w2", "x1*w1+x2*w2", "n", "o"))
ALL_OPS = Spec((("a", 2.0), ("b", -3.0)),
               (("*", (0, 1), None), ("exp", (0,), None), ("+", (2, 3), None), ("tanh", (4,), None),
                ("**", (0,), 2.0), ("/", (1, 6), None), ("log", (0,), None), ("sigmoid", (1,), None),
                ("relu", (7,), None), ("+", (5, 7), None), ("*", (8, 9), None), ("+", (11, 12), None),
                ("+", (13, 10), None)))
_GENERATED_OPS = ("+", "*", "tanh", "sigmoid", "relu", "**")

_HINTS5 = [
    "order = topological_order(root); reset interior grads; seed the root with 1.0; then walk the "
    "order in reverse, passing each node's grad on to its children.",
    "for each child: child.grad += node.grad * d, with d from node.local_derivatives() — += "
    "because a shared child collects a share from every node that uses it.",
    "order = topological_order(root)\n"
    "for node in order:\n"
    "    if node.children:\n"
    "        node.grad = 0.0\n"
    "root.grad = 1.0\n"
    "for node in reversed(order):\n"
    "    for child, d in zip(node.children, node.local_derivatives()):\n"
    "        child.grad += node.grad * d",
]


#: per mistake: a nudge and more (the code, _HINTS5[2], is the third hint of every mistake)
_HINTS5_BY_KEY = {
    "overwrite": ["a node used by several others gets a share of gradient from each of them.",
                  "the shares add up: `child.grad += …` keeps what earlier users put there."],
    "no-seed": ["what is ∂root/∂root? Every gradient in the graph is a product that starts there.",
                "set root.grad = 1.0 after the reset and before the walk."],
    "seed": ["what is ∂root/∂root? Every gradient in the graph is a product that starts there.",
             "set root.grad = 1.0 after the reset and before the walk."],
    "order": ["a node's grad is complete only when every node that uses it has added its share.",
              "walk reversed(topological_order(root)): root first, so that every node comes "
              "after all of its users."],
    "reset-leaves": ["what should happen to a weight's grad when backward runs once per sample?",
                     "reset only nodes with children (if node.children: node.grad = 0.0); leaves "
                     "keep accumulating until zero_grad."],
    "no-reset": ["what does a second backward() find in the interior grads left by the first?",
                 "before seeding: for node in order: if node.children: node.grad = 0.0"],
    "no-upstream": ["the chain rule: ∂root/∂child = ∂root/∂node · ∂node/∂child — two factors.",
                    "the first factor is node.grad: child.grad += node.grad * d"],
    "child-grad": ["the chain rule: ∂root/∂child = ∂root/∂node · ∂node/∂child.",
                   "∂root/∂node is the node's own grad (complete when you reach it): node.grad * d"],
    "local": ["the local derivative comes from part 2 (through node.local_derivatives()).",
              "run `--part 2` again: one of its rules is wrong at this point."],
}


def _hints5(key: str) -> list[str]:
    return [*_HINTS5_BY_KEY.get(key, _HINTS5[:2]), _HINTS5[2]]


class Recorder:
    """Watches the learner's backward: every write to a ``.grad`` and every call of
    ``local_derivatives`` (the start of a step), by patching their Value class while it runs."""

    def __init__(self, cls: type) -> None:
        self.cls, self.events, self.on = cls, [], False
        self.saved: dict[str, Any] = {}

    def __enter__(self) -> Recorder:
        cls, rec = self.cls, self
        for name in ("__setattr__", "local_derivatives"):
            self.saved[name] = cls.__dict__.get(name)
        base_setattr = cls.__setattr__
        base_local = getattr(cls, "local_derivatives", None)

        def __setattr__(node: Any, name: str, value: Any) -> None:
            if name == "grad" and rec.on:
                rec.events.append(("w", node, value))
            base_setattr(node, name, value)

        cls.__setattr__ = __setattr__
        if base_local is not None:
            def local_derivatives(node: Any, *args: Any, **kwargs: Any) -> Any:
                if rec.on:
                    rec.events.append(("step", node, node.grad))
                return base_local(node, *args, **kwargs)

            cls.local_derivatives = local_derivatives
        return self

    def __exit__(self, *exc: Any) -> None:
        for name, thing in self.saved.items():
            if thing is None:
                if name in self.cls.__dict__:
                    delattr(self.cls, name)
            else:
                setattr(self.cls, name, thing)

    def run(self, fn: Callable[[], Any]) -> None:
        self.events.clear()
        self.on = True
        try:
            fn()
        finally:
            self.on = False


def _chain_text(before: float, g: float, d: float) -> str:
    return (f"{num(g)} × {num(d)}" if before == 0 else f"{num(before)} + {num(g)} × {num(d)}")


def _diagnose(spec: Spec, mine: list[Any], ref: list[Any], steps: list[Any], events: list[tuple],
              start: list[float], V: type) -> tuple[str, str] | None:
    """The first step where the learner's pass differs from the reference, as (key, message)."""
    names = spec.names()
    root = len(mine) - 1
    behind = {id(n) for n in reachable(mine[-1])}
    index = {id(n): i for i, n in enumerate(mine)}
    ref_index = {id(n): i for i, n in enumerate(ref)}
    wrong = [i for i in range(len(mine)) if id(mine[i]) in behind and not close(mine[i].grad, ref[i].grad)]
    if not wrong:
        return None
    by_node = {ref_index[id(s.node)]: s for s in steps}
    inputs = spec.inputs()
    users: dict[int, list[int]] = {}
    for i in by_node:
        for j in inputs[i]:
            users.setdefault(j, []).append(i)
    if all(mine[i].grad == 0.0 for i in range(len(mine)) if id(mine[i]) in behind):
        return "no-seed", ("every grad is still 0 after your backward(): you never seeded the root. "
                           "Set root.grad = 1.0 (∂root/∂root = 1) before the walk: every other grad "
                           "is a product with it")
    learner_steps = [(index[id(e[1])], e[2]) for e in events if e[0] == "step" and id(e[1]) in index]
    if learner_steps:
        cur = list(start)
        done: list[int] = []
        step_no = 0
        used: dict[int, int] = {}
        node_i = None
        g_ref = g_mine = 0.0
        for kind, node, value in events:
            i = index.get(id(node))
            if i is None:
                continue
            if kind == "step":
                step_no += 1
                node_i, g_mine = i, value
                done.append(i)
                used = {}
                s = by_node.get(i)
                if s is None:
                    continue
                g_ref = s.upstream
                if not close(g_mine, g_ref):
                    where = f"step {step_no}, node `{names[i]}`"
                    if i == root:
                        if close(g_mine, 0.0):
                            return "no-seed", (f"{where} (the root): its grad is 0.0 when your walk "
                                               f"starts — you never seeded it. Set root.grad = 1.0 "
                                               f"(∂root/∂root = 1) before the walk")
                        return "seed", f"{where} (the root): its grad is {num(g_mine)}, expected 1.0"
                    later = [u for u in users.get(i, []) if u not in done]
                    if later:
                        return "order", (f"{where}: you pass its grad on while it is {num(g_mine)}, "
                                         f"expected {num(g_ref)} — `{names[later[0]]}`, which uses it, "
                                         f"comes later in your walk and adds its share only then. "
                                         f"Walk reversed(topological_order(root)): root first, every "
                                         f"node after all of its users")
                    return "upstream", (f"{where}: its grad is {num(g_mine)} when you pass it on, "
                                        f"expected {num(g_ref)}")
                continue
            # a write to node i's grad
            before = cur[i]
            cur[i] = value
            s = by_node.get(node_i) if node_i is not None else None
            if s is None or i not in inputs[node_i]:
                continue  # a reset or the seed: judged by its effects
            positions = [k for k, j in enumerate(inputs[node_i]) if j == i]
            k = positions[min(used.get(i, 0), len(positions) - 1)]
            used[i] = used.get(i, 0) + 1
            d = s.children[k].local
            expected = before + g_ref * d
            if close(value, expected):
                continue
            where = (f"step {step_no}, node `{names[node_i]}`, input {names[i]}: yours {num(value)}, "
                     f"expected {num(expected)} = {_chain_text(before, g_ref, d)}")
            if close(value, g_ref * d) and not close(before, 0.0):
                return "overwrite", (f"{where} — did you overwrite instead of adding? `{names[i]}` "
                                     f"already held {num(before)} from another node that uses it: "
                                     f"`+=`, not `=`")
            if close(value, before + d) and not close(g_ref, 1.0):
                return "no-upstream", (f"{where} — you added the local derivative {num(d)} alone: "
                                       f"multiply it by the node's grad {num(g_ref)} (the chain rule)")
            if close(value, before + before * d) or close(value, before * d):
                return "child-grad", (f"{where} — you multiplied by the input's grad; the chain rule "
                                      f"uses the node's grad: child.grad += node.grad * d")
            try:
                mine_d = tuple(V.local_derivatives(mine[node_i]))[k]
            except Exception:
                mine_d = d
            if not close(mine_d, d):
                return "local", (f"{where} — your local derivative ∂{names[node_i]}/∂{names[i]} is "
                                 f"{num(mine_d)}, expected {num(d)}: part 2's rule for "
                                 f"{mine[node_i].op!r} (check part 2 again)")
            return "chain", where
        stepped = [i for i in done if i in by_node]
        twice = [i for i in set(stepped) if stepped.count(i) > 1]
        if twice:
            return "twice-step", (f"your walk passes `{names[twice[0]]}` on {stepped.count(twice[0])} "
                                  f"times: once per node (walk the order, which has each node once)")
        never = [i for i in by_node if i not in done]
        if never:
            return "missing-step", f"your walk never passes on the grad of `{names[never[0]]}`"
    # No step records (their backward does not call local_derivatives): compare the results,
    # the root first and then as the reference walks.
    for i in [root] + [ref_index[id(c.child)] for s in steps for c in s.children]:
        if i in wrong:
            terms = [(s, c) for s in steps for c in s.children if ref_index[id(c.child)] == i]
            line = " + ".join(f"{num(s.upstream)} × {num(c.local)}" for s, c in terms) or "1.0 (the seed)"
            message = f"node `{names[i]}`: yours {num(mine[i].grad)}, expected {num(ref[i].grad)} = {line}"
            if len(terms) > 1 and any(close(mine[i].grad, s.upstream * c.local) for s, c in terms):
                return "overwrite", message + " — did you overwrite instead of adding?"
            return "result", message
    i = wrong[0]
    return "result", f"node `{names[i]}`: yours {num(mine[i].grad)}, expected {num(ref[i].grad)}"


def _second_call(spec: Spec, mine: list[Any], ref: list[Any], first: list[float],
                 events: list[tuple]) -> tuple[str, str] | None:
    """After a second backward(): leaves hold twice their first grads, interior nodes the same."""
    names = spec.names()
    behind = {id(n) for n in reachable(mine[-1])}
    inputs = spec.inputs()
    # interior nodes first: a missing reset shows there as a doubled grad
    for i in sorted(range(len(mine)), key=lambda i: (not inputs[i], -i)):
        m, r = mine[i], ref[i]
        if id(m) not in behind or close(m.grad, r.grad) or close(first[i], 0.0):
            continue
        leaf = not inputs[i]
        zeroed = any(e[0] == "w" and e[1] is m and e[2] == 0.0 for e in events)
        if leaf and close(m.grad, first[i]) and not zeroed:
            return "overwrite", (f"after a second backward(), leaf `{names[i]}` has grad {num(m.grad)}, "
                                 f"expected {num(r.grad)}: the grad it held was overwritten — did you "
                                 f"overwrite instead of adding? `+=`, not `=`: leaves accumulate "
                                 f"across calls")
        if leaf and close(m.grad, first[i]):
            return "reset-leaves", (f"after a second backward(), leaf `{names[i]}` has grad {num(m.grad)}, "
                                    f"expected {num(r.grad)}: you reset the leaves. Leaves accumulate "
                                    f"across calls (one backward per sample adds up); reset only the "
                                    f"interior nodes (those with children)")
        if not leaf and close(m.grad, 2 * first[i]):
            return "no-reset", (f"after a second backward(), `{names[i]}` has grad {num(m.grad)}, expected "
                                f"{num(r.grad)}: calling backward twice doubles the interior grads. Set "
                                f"every interior node's grad to 0.0 at the start of each pass")
        return "second-call", (f"after a second backward(), `{names[i]}` has grad {num(m.grad)}, "
                               f"expected {num(r.grad)}")
    return None


def check_part5(course: Path) -> Result:
    V = need(load(course, "part3_value", 5), "Value", 5)
    load(course, "part4_order", 5)
    backward = need(load(course, "part5_backward", 5), "backward", 5)

    def problem(spec: Spec, twice: bool = False) -> tuple[str, str] | None:
        mine, ref = spec.learner(V), spec.reference()
        with Recorder(V) as rec:
            start = [n.grad for n in mine]
            rec.run(lambda: backward(mine[-1]))
            steps = list(ref[-1].backward_steps())
            found = _diagnose(spec, mine, ref, steps, rec.events, start, V)
            if found is not None or not twice:
                return found
            first = [n.grad for n in mine]
            rec.run(lambda: backward(mine[-1]))
            list(ref[-1].backward_steps())
            return _second_call(spec, mine, ref, first, rec.events)

    for spec in (ALL_OPS, NEURON):
        try:
            found = problem(spec, twice=True)
        except Failed:
            raise
        except Exception as err:
            raise learner_error(5, err, "running your backward on\n    " + "\n    ".join(
                spec.describe().splitlines()) + "\n ", course) from None
        if found is not None:
            raise fail(5, found[0], [found[1], "  on the graph:",
                                     *("    " + line for line in spec.describe().splitlines())],
                       _hints5(found[0]))
    n = _check_on_specs(5, course, problem, [], _GENERATED_OPS, _hints5)
    return Result(5, "ok", [f"step by step as glassgrad's backward_steps() on a neuron, on a graph with "
                            f"all nine ops and shared inputs, and on {n} generated graphs",
                            "a second backward() leaves interior grads as they were and adds to the leaves"])
