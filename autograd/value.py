"""The engine: the `Value` node, `apply` (the only place nodes are built) and the chain rule.

Read it top to bottom:

1. `Value` — a node of the computation graph: its number, its gradient, the `Op` that made it
   and the inputs (`children`) it was made from.
2. `apply` — the only place a node is ever built: run the op's forward rule, record the node.
3. `topological_order` and `chain_rule` — the only place the chain rule is applied; `backward()`
   runs it into ``.grad``, `backpropagate` (behind `grad()`) into a table.

What an op is — a forward rule and a local-derivative rule, declared with `defop` — lives in
`op.py`; the table of built-in ops in `ops.py` uses exactly the `defop` that users use.
"""

from __future__ import annotations

import math
import threading
from contextvars import ContextVar
from numbers import Real
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from .op import Op

Number = float | int


class _Switches:
    """The engine's only global state: two documented switches, each one per thread (as in PyTorch).

    `grad_enabled` is turned off by `no_grad()`; `anomaly` is set by `detect_anomaly()` to the
    checker the engine calls at every node (None when off). A thread sees only its own switches:
    every new thread starts with graphs recorded and no anomaly checks, whatever other threads do.
    They live in a context variable, like `decimal`'s context: per thread, and under asyncio per
    task (a task started inside ``no_grad()`` runs inside it, even after the block has ended).

    Even a context variable costs more to read than a plain name, so the node-building path
    first reads `_SWITCHED`: the ids of the switch states away from the defaults that exist
    anywhere (a `_State` leaves it when the last thread or task holding it lets go). While it is
    empty — the usual case — no switch is read at all.
    """

    __slots__ = ()

    @property
    def grad_enabled(self) -> bool:
        state = _STATE.get()
        return state is None or state.recording

    @grad_enabled.setter
    def grad_enabled(self, on: bool) -> None:
        _set(bool(on), self.anomaly)

    @property
    def anomaly(self) -> Any:
        """None, or the anomaly checker: an object with `forward`, `graph` and `gradients` hooks."""
        state = _STATE.get()
        return None if state is None else state.anomaly

    @anomaly.setter
    def anomaly(self, checker: Any) -> None:
        _set(self.grad_enabled, checker)

    @property
    def number_read(self) -> Callable[[Value], None] | None:
        """Called with the Value whose number float() reads (math.exp(v) does too), or None: how
        gradcheck and detect_anomaly() notice f leaving the graph. The core calls it, never imports."""
        return _NUMBER_READ.get()

    @number_read.setter
    def number_read(self, hook: Callable[[Value], None] | None) -> None:
        _NUMBER_READ.set(hook)


class _State:
    """The switches of a thread (or task) that are not at their defaults; listed in `_SWITCHED`
    from when it is made until nothing holds it any more."""

    __slots__ = ("anomaly", "recording")

    def __init__(self, recording: bool, anomaly: Any) -> None:
        self.recording, self.anomaly = recording, anomaly
        _SWITCHED.add(id(self))  # set.add and set.discard are atomic: no lock needed

    def __del__(self) -> None:
        _SWITCHED.discard(id(self))


def _set(recording: bool, anomaly: Any) -> None:
    _STATE.set(None if recording and anomaly is None else _State(recording, anomaly))


#: this thread's (or task's) switches: None at the defaults (recording, no anomaly checks)
_STATE: ContextVar[_State | None] = ContextVar("glassgrad_switches", default=None)
_NUMBER_READ: ContextVar[Callable[[Value], None] | None] = ContextVar("glassgrad_number_read",
                                                                    default=None)
#: ids of the `_State`s alive anywhere; empty almost always (see `_Switches`)
_SWITCHED: set[int] = set()
SWITCHES = _Switches()


def _check_arity(op: Op, inputs: tuple) -> None:
    if not op.variadic and len(inputs) != len(op.args):
        raise TypeError(f"{op.name}: takes {len(op.args)} input(s) ({', '.join(op.args)}), "
                        f"got {len(inputs)}")


# ----------------------------------------------------------------------------------------------
# 1. Value: a node of the computation graph
# ----------------------------------------------------------------------------------------------


def _to_float(x: Any, where: str) -> float:
    """Accept real numbers (int, float, bool, NumPy scalars, Fractions); refuse everything else."""
    if x.__class__ is float:
        return x
    # A float subclass is converted too: np.float64 would otherwise bring NumPy's rules with it
    # (1/0 -> inf with a warning, where a Python float raises ZeroDivisionError).
    if isinstance(x, Real) and not isinstance(x, complex):
        try:
            return float(x)
        except OverflowError:  # an int or Fraction beyond ±1.8e308 has no float
            raise OverflowError(f"{where}: the {type(x).__name__} {x!r:.30}… is too large for a "
                                f"float (the largest is about ±1.8e308); scale it down") from None
    kind = type(x).__name__
    if isinstance(x, complex) or "complex" in kind:
        hint = "glassgrad works on real numbers only; split real and imaginary parts yourself"
    elif isinstance(x, str):
        hint = f"convert the text first, e.g. float({x!r})" if _looks_numeric(x) else "pass a number"
    elif isinstance(x, (list, tuple)) or getattr(x, "ndim", 0):
        hint = "a Value holds one number; make one Value per element"
    elif isinstance(x, Value):
        hint = "it is a Value already: use it as it is (or Value(v.data) for a new leaf)"
    elif hasattr(x, "__float__"):  # Decimal, a 0-d NumPy array: numbers we do not take implicitly
        hint = "convert it first with float(x)"
    else:
        hint = "pass an int, float, bool or NumPy scalar"
    raise TypeError(f"{where}: expected a real number (int, float, bool or NumPy scalar), "
                    f"got {kind} {x!r:.60}; {hint}")


def _looks_numeric(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


class Value:
    """One number in a computation graph, and the gradient of the last backward pass with respect to it.

    Attributes: `data` (float), `grad` (float), `label` (str), `children` (the op's inputs, in
    argument order, duplicates kept: ``a + a`` has two children), `op` (the op's name, "" for a leaf).

    Arithmetic (``+ - * / **``, unary ``-``) and methods such as `exp`, `log`, `tanh`, `sigmoid`,
    `relu` are installed from the op table in `ops.py`; each builds a new node through `apply`.

    Gradients — what `backward()` leaves behind:
    - every *interior* node (one made by an op) holds d root / d node for *that* pass: interior grads
      are reset at the start of each pass, so calling `backward()` twice never over-counts;
    - every *leaf* (no children: parameters, inputs, constants) *accumulates* across calls, so
      per-sample `backward()` calls sum into parameter grads. Reset them with `zero_grad()`.
    """

    __slots__ = ("_op", "children", "data", "grad", "label")

    # NumPy scalars on the left (np.float64(2) * v) defer to our reflected operators.
    __array_ufunc__ = None

    def __init__(self, data: Any, label: str = "") -> None:
        self.data = _to_float(data, "Value")
        self.grad = 0.0
        if not isinstance(label, str):
            raise TypeError(f"Value: label must be a str, got {type(label).__name__} {label!r:.40}")
        self.label = label
        self.children: tuple[Value, ...] = ()
        self._op: Op | None = None

    @property
    def op(self) -> str:
        """The name of the op that made this node ("" for a leaf)."""
        op = self._op
        return "" if op is None else op.name

    @property
    def op_info(self) -> Op | None:
        """The `Op` record that made this node (None for a leaf): forward rule, derivative, formulas."""
        return self._op

    # --- Python's number habits. Each reads the number and gives a plain number (or text): none of
    # them is differentiable, and a gradient does not flow back through what they return.

    def __float__(self) -> float:
        """``float(v)`` (and ``math.exp(v)``, which calls it) is ``v.data``: outside the graph."""
        hook = _NUMBER_READ.get()
        if hook is not None:
            hook(self)
        return self.data

    def item(self) -> float:
        """The number, as PyTorch's ``tensor.item()`` gives it: ``v.data``."""
        return self.data

    def detach(self) -> Value:
        """A new leaf with this number and label: what is built from it does not reach this graph."""
        return _leaf(self.data, self.label)

    def __format__(self, spec: str) -> str:
        """``f"{v:.3f}"``, ``format(v, ".2e")``: the number formatted; ``f"{v}"`` is ``repr(v)``."""
        return format(self.data, spec) if spec else repr(self)

    def __round__(self, ndigits: int | None = None) -> float | int:
        return round(self.data, ndigits)

    def __int__(self) -> int:
        return int(self.data)

    def __trunc__(self) -> int:
        return math.trunc(self.data)

    def __floor__(self) -> int:
        return math.floor(self.data)

    def __ceil__(self) -> int:
        return math.ceil(self.data)

    def __bool__(self) -> bool:
        raise TypeError(f"a Value has no truth value (is {self!r} true?): compare its number "
                        f"instead, e.g. `if v.data > 0:` or `if v > 0:` (comparisons read the "
                        f"number), or test for None with `if v is not None:`")

    # --- pickle and copy: see _reduce below.

    def __reduce_ex__(self, protocol: Any) -> tuple:
        return _reduce(self)

    def __copy__(self) -> Value:
        """A new node with the same number, grad, label, op and inputs (the inputs are shared)."""
        return _rebuild(self.data, self.grad, self.label, self._op, self.children)

    def __repr__(self) -> str:
        parts = [f"data={self.data:.6g}", f"grad={self.grad:.6g}"]
        if self.label:
            parts.append(f"label={self.label!r}")
        if self._op is not None:
            parts.append(f"op={self._op.name!r}")
        return f"Value({', '.join(parts)})"

    # Ordering compares the numbers (not differentiable). `==` stays identity, so nodes hash by
    # identity and can live in sets and dicts.
    def __lt__(self, other: Any) -> bool:
        return self.data < _data_of(other, "<")

    def __le__(self, other: Any) -> bool:
        return self.data <= _data_of(other, "<=")

    def __gt__(self, other: Any) -> bool:
        return self.data > _data_of(other, ">")

    def __ge__(self, other: Any) -> bool:
        return self.data >= _data_of(other, ">=")

    __hash__ = object.__hash__

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """``copy.deepcopy``: the whole graph behind this node, copied leaves first, without recursion.

        Numbers, grads, labels and the shape of the graph (shared nodes stay shared) are copied;
        ops are not (they are entries of the op table, like functions). Python's default would
        recurse once per node and stop at a chain of a few thousand.
        """
        for node in topological_order(self):
            if id(node) not in memo:
                twin = _new(Value)
                twin.data, twin.grad, twin.label, twin._op = node.data, node.grad, node.label, node._op
                twin.children = tuple([memo[id(c)] for c in node.children])
                memo[id(node)] = twin
        return memo[id(self)]

    def backward(self, gradient: Any = 1.0) -> None:
        """Fill in ``.grad`` of every node behind this one with d self / d node (reverse-mode autodiff).

        The pass: take every node behind this one in `topological_order`, set their grads to 0
        and this one's to `gradient` (the seed, 1 by default: d self / d self), and let
        `chain_rule` walk them root-first. The leaves' earlier grads are then added back:
        interior nodes hold this pass's gradient, leaves accumulate (see the class docstring).
        ``loss.backward(2.0)`` gives twice the gradients, as ``(2 * loss).backward()`` would.
        Iterative, so graphs of millions of nodes work.
        """
        seed = gradient if gradient.__class__ is float else _to_float(gradient, "backward: gradient")
        order = topological_order(self)
        before = start_pass(order)  # interior nodes: this pass only; leaves: added back below
        self.grad = seed
        try:
            chain_rule(self, order)
        except BaseException:  # leave every .grad as it was before this call
            undo_pass(order, before)
            raise
        finish_pass(before)

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0 on this node and every node behind it."""
        for node in topological_order(self):
            node.grad = 0.0


# Pickling a Value writes the nodes behind it first, leaves first, and then the node itself: when
# a node is written its inputs are already in the pickle (a back-reference), so a chain of a
# million nodes pickles without deep recursion. While such a prelude is being written, its nodes'
# ids are in this thread's `_AHEAD.ids`, and their own reduction is the shallow one. The
# `_Release` written right after the prelude takes them out again; if the pickle fails before
# that (an op that cannot be saved), the failed pickle drops the `_Release` unwritten, and it takes
# them out then. No pickle leaves ids behind: a stale one would make a later pickle write a node
# whose inputs are not in it yet the shallow way, recursing once per node of a deep graph.
class _Ahead(threading.local):
    def __init__(self) -> None:
        self.ids: set[int] = set()


_AHEAD = _Ahead()


def _reduce(node: Value) -> tuple:
    state = (node.data, node.grad, node.label, node._op, node.children)
    if not node.children or id(node) in _AHEAD.ids:  # a leaf, or its inputs came before it
        return _rebuild, state
    *prelude, _ = topological_order(node)  # every node behind this one (which comes last)
    return _rebuild_after, (prelude, _Release([id(n) for n in prelude if n.children]), *state)


def _rebuild(data: float, grad: float, label: str, op: Op | None, children: tuple) -> Value:
    node = _new(Value)
    node.data, node.grad, node.label, node._op, node.children = data, grad, label, op, children
    return node


def _rebuild_after(prelude: list, release: None, *state: Any) -> Value:
    return _rebuild(*state)  # the prelude was only there to be written (and read) first


class _Release:
    """The ids of a prelude, marked as written ahead from its making until it is written (right
    after the prelude) or dropped unwritten (the pickle failed), whichever comes first."""

    def __init__(self, ids: list[int]) -> None:
        self.ahead, self.ids = _AHEAD.ids, ids  # this thread's set, even if dropped in another
        self.ahead.update(ids)

    def forget(self) -> None:
        self.ahead.difference_update(self.ids)

    def __reduce__(self) -> tuple:
        self.forget()
        return _nothing, ()

    def __del__(self) -> None:
        self.forget()  # the failed pickle's case; after __reduce__ there is nothing left to take out


def _nothing() -> None:
    return None


def _data_of(x: Any, where: str) -> float:
    return x.data if isinstance(x, Value) else _to_float(x, f"comparison {where}")


def _leaf(data: float, label: str = "") -> Value:
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = label
    node.children = ()
    node._op = None
    return node


_new = object.__new__


def lift(x: Any, op: Op | str) -> Value:
    """`x` as a `Value`: a number becomes a constant leaf; anything else is a TypeError naming the op."""
    if isinstance(x, Value):
        return x
    if x.__class__ is float:  # the common case: nothing to convert, no error message to prepare
        return _leaf(x)
    name = op if isinstance(op, str) else op.name
    return _leaf(_to_float(x, f"{name}: operand"))


# ----------------------------------------------------------------------------------------------
# 2. apply: the only place nodes are built
# ----------------------------------------------------------------------------------------------


def apply(op: Op, *inputs: Any) -> Value:
    """Run `op`'s forward rule on the inputs' numbers and record the result as a new node.

    Plain numbers among the inputs become constant leaves. Inside `no_grad()` the result is a leaf
    (nothing is recorded). Domain errors (log of a negative, division by zero, overflow) are
    re-raised with the op, the offending values and their labels named.
    """
    children = inputs  # the argument tuple itself, unless a plain number has to become a leaf
    numbers: list[float] = []  # gathered in the same loop that checks the inputs: one pass
    take = numbers.append
    for x in inputs:
        if x.__class__ is not Value:
            children = tuple([x if x.__class__ is Value else lift(x, op) for x in inputs])
            numbers = [c.data for c in children]
            break
        take(x.data)
    try:
        out = op.forward(*numbers)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError) as err:
        _check_arity(op, inputs)
        raise forward_error(op, children, err) from (err if isinstance(err, TypeError) else None)
    return _record(op, out, children)


def forward_error(op: Op, children: tuple[Value, ...], err: Exception) -> Exception:
    """The exception for a forward rule that failed on `children`: the op and the numbers named.

    A domain error keeps its type (ValueError, ZeroDivisionError, OverflowError) with a message
    for people; a TypeError means the rule itself could not run on these inputs.
    """
    if isinstance(err, TypeError):
        given = inputs_text(op, children, named=False)
        return TypeError(f"{op.name}: its forward rule failed on ({given}): {err}")
    return type(err)(_domain_message(op, children, err))


def _record(op: Op, out: float, children: tuple[Value, ...]) -> Value:
    """The new node: `out` made by `op` from `children` (a leaf inside `no_grad()`).

    Written as plain slot assignments on a bare object rather than a call to ``Value(...)``: the
    number is known to be a float already, and this runs once per node.
    """
    if out.__class__ is not float:  # an int, a NumPy number, or something that is no number at all
        out = checked_output(op, out)
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    node.label = ""
    node.children = children
    node._op = op
    if _SWITCHED:  # some thread is inside no_grad() or detect_anomaly(): is it this one?
        state = _STATE.get()
        if state is not None:
            if not state.recording:
                node.children = ()
                node._op = None
            if state.anomaly is not None:
                state.anomaly.forward(op, children, out, node)
    return node


def checked_output(op: Op, out: Any) -> float:
    """A forward rule's result as a float: a real number is converted, anything else refused.

    Refused at the call that returns it, naming the op, rather than stored in ``.data`` to fail
    somewhere far away (a str in a sum, a complex in a log, None in a picture). An int or a NumPy
    number is converted, so ``.data`` is always a float (``clamp(lo=0)`` returns the int 0 below 0).
    """
    if out.__class__ is float:
        return out
    if isinstance(out, Real):
        return _to_float(out, f"{op.name}: its forward rule's result")
    if out is None:
        hint = "; does the rule forget to `return` its result?"
    elif isinstance(out, complex) or "complex" in type(out).__name__:
        hint = "; glassgrad works on real numbers only"
    elif isinstance(out, Value):
        hint = "; a forward rule works on plain floats (use math.*, not ops, inside it)"
    else:
        hint = ""
    raise TypeError(f"{op.name}: its forward rule returned {type(out).__name__} {out!r:.40}, not "
                    f"a real number; a forward rule must return a float{hint}")


def describe(node: Value) -> str:
    """A short name for a node in messages: its label if it has one, else its value."""
    return f"{shorten(node.label)!r} (= {node.data:g})" if node.label else f"{node.data:g}"


def inputs_text(op: Op, children: tuple[Value, ...], named: bool = True, ends: int = 3) -> str:
    """An op's inputs for a message, ``a = 'x' (= 1), b = 2``; of many inputs only the first and
    last `ends`, so that a sum of 10⁵ terms does not make a megabyte message."""
    names = op.arg_names(len(children))
    parts = [f"{n} = {describe(c)}" if named else describe(c) for n, c in zip(names, children)]
    if len(parts) > 2 * ends + 1:
        parts[ends:-ends] = [f"… {len(parts) - 2 * ends:,} more …"]
    return ", ".join(parts)


def shorten(text: str, limit: int = 40) -> str:
    """`text` cut to about `limit` characters for a message (a 10 MB label must not make a 10 MB error)."""
    if len(text) <= limit:
        return text
    return f"{text[:limit - 12]}…[{len(text):,} chars]"


def path_from_root(root: Value, target: Value, ends: int = 3) -> str:
    """One path from `root` down to `target` (a node made by an op: the one whose rule failed) for
    messages: labels, or op names, joined by arrows.

    A long path is shortened to its first and last `ends` nodes and a count of those left out,
    so that an error deep in a chain of 10⁵ ops is a few lines, not 400 KB.
    """
    parent: dict[int, Value | None] = {id(root): None}
    for node in reversed(topological_order(root)):
        for child in node.children:
            parent.setdefault(id(child), node)
    steps: list[str] = []
    node: Value | None = target
    while node is not None:  # each node on the path has inputs (the target's), so an op made it
        steps.append(shorten(node.label or node._op.name))
        node = parent.get(id(node))
    steps.reverse()
    if len(steps) > 2 * ends + 1:
        steps[ends:-ends] = [f"… {len(steps) - 2 * ends:,} more nodes …"]
    return " → ".join(steps)


def _domain_message(op: Op, children: tuple[Value, ...], err: Exception) -> str:
    given = inputs_text(op, children)
    detail = str(err)
    if isinstance(err, OverflowError):
        # Python says "math range error" or "(34, 'Numerical result out of range')": say what it means.
        if detail in _PYTHON_OVERFLOW:
            detail = "the result is too large for a float (beyond ±1.8e308)"
        need = f"; {op.name} needs {op.domain}" if op.domain and "overflow" in op.domain else ""
        return f"{op.name}({given}): {detail}{need}. Scale the inputs to this {op.name} down."
    if detail == "math domain error":
        infinite = any(math.isinf(c.data) for c in children)
        detail = f"{op.name} has no value at ±inf" if infinite else f"{op.name} is not defined here"
    elif detail == "float division by zero":
        detail = "division by zero"
    need = f"; {op.name} needs {op.domain}" if op.domain else ""
    if not children:  # a variadic op given nothing: there are no inputs to check or clamp
        return f"{op.name}({given}): {detail}{need}."
    hint = ""
    if op.name == "log" and children and (children[0].op == "sigmoid" or any(
            c.op == "sigmoid" for c in children[0].children)):
        hint = (" For log(sigmoid(z)) use z.log_sigmoid(), and (-z).log_sigmoid() for "
                "log(1 - sigmoid(z)): they stay finite for every z.")
    advice = "" if op.name == "clamp" else " (or clamp them)"
    return f"{op.name}({given}): {detail}{need}. Check the inputs to this {op.name}{advice}.{hint}"


_PYTHON_OVERFLOW = ("math range error", "(34, 'Numerical result out of range')",
                    "int too large to convert to float")


# ----------------------------------------------------------------------------------------------
# 3. Topological order and the chain rule
# ----------------------------------------------------------------------------------------------


def topological_order(root: Value) -> list[Value]:
    """Every node behind `root`, each after all of its children (leaves first, root last).

    Iterative depth-first search with an explicit stack: no recursion limit, so a chain of a
    million nodes is fine. `backward`, `grad` and the stepper all walk this one order, reversed.
    """
    order: list[Value] = []
    seen: set[Value] = set()  # nodes hash by identity
    # The stack holds nodes still to visit. A node whose children are being visited sits under a
    # None marker: when the None comes back up, all those children are in `order`, so the node
    # follows them. (A marker rather than (node, flag) pairs: no tuple is allocated per visit.
    # Children are pushed all at once; one already seen is skipped when it comes off the stack.)
    stack: list[Value | None] = [root]
    push, pop, extend, visit, emit = stack.append, stack.pop, stack.extend, seen.add, order.append
    while stack:
        node = pop()
        if node is None:
            emit(pop())
            continue
        if node in seen:
            continue
        visit(node)
        children = node.children
        if children:
            push(node)
            push(None)
            extend(children)
        else:
            emit(node)
    return order


def local_derivatives(node: Value, create_graph: bool = False) -> tuple:
    """∂node/∂child for each child, from the op table: floats, or `Value`s when `create_graph`.

    A rule that gives a different number of derivatives than the node has inputs is refused here
    (a `zip` would silently drop the missing ones). Nodes with one to three inputs on a plain pass
    are checked by the unpacking in `chain_rule` instead.
    """
    op, children = node._op, node.children
    ds = op.local(*children, node) if create_graph else op.local(*[c.data for c in children], node.data)
    if not isinstance(ds, (tuple, list)) or len(ds) != len(children):
        raise TypeError(f"{op.name}'s local rule returned {ds!r:.60}; it must return a tuple with one "
                        f"derivative per input ({len(children)})")
    return ds


def chain_rule(root: Value, order: list[Value], create_graph: bool = False) -> None:
    """The chain rule, once for the whole engine: pass every node's ``.grad`` on to its children.

    `order` is `topological_order(root)`; the caller has seeded ``root.grad`` and started every
    other node's ``.grad`` at zero. Walking the nodes root-first, each node's gradient is complete
    when it is reached (all its parents came before it), and it adds ``gradient × local
    derivative`` to each child's ``.grad``:

        ∂root/∂child  +=  ∂root/∂node · ∂node/∂child

    which sums over every path where a child is shared. With `create_graph` the local derivatives
    and gradients are `Value`s built from ops, so they can be differentiated again.
    """
    node = root
    anomaly = SWITCHES.anomaly if _SWITCHED else None
    if anomaly is not None:  # detect_anomaly(): is the graph still what its forward pass made?
        anomaly.graph(root, order)
    try:
        for node in reversed(order):
            children = node.children
            if not children:
                continue  # a leaf has nothing to pass on
            g = node.grad
            local = node._op.local
            n = len(children)
            # The rule is the last line. Nodes with one, two or three inputs (every op but a long
            # sum) get it spelled out: no temporary list of numbers and no zip, which makes the
            # pass about a third faster.
            if n == 2 and not create_graph:
                a, b = children
                da, db = local(a.data, b.data, node.data)
                a.grad += g * da
                b.grad += g * db
            elif n == 1 and not create_graph:
                (a,) = children
                (da,) = local(a.data, node.data)
                a.grad += g * da
            elif n == 3 and not create_graph:  # e.g. the sum w₀x₀ + w₁x₁ + b of a two-input neuron
                a, b, c = children
                da, db, dc = local(a.data, b.data, c.data, node.data)
                a.grad += g * da
                b.grad += g * db
                c.grad += g * dc
            else:
                ds = local_derivatives(node, create_graph)
                for child, d in zip(children, ds):
                    child.grad += g * d
            if anomaly is not None:
                anomaly.gradients(root, node)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError) as err:
        # Only reached when something is wrong, so the extra work of a good message costs nothing.
        if isinstance(err, ValueError) and "values to unpack" in str(err):
            err = TypeError(str(err))  # a local rule gave the wrong number of derivatives
        raise _backward_error(root, node, err) from (err if isinstance(err, TypeError) else None)


def start_pass(order: list[Value]) -> list[tuple[Value, float]]:
    """Set every ``.grad`` in `order` to 0 for a new pass; return the (node, grad) pairs that were not.

    In a training step nothing is returned (a fresh graph, parameters zeroed by the optimizer), so
    the check costs a read per node and no write.
    """
    before = []
    for node in order:
        if node.grad:
            before.append((node, node.grad))
            node.grad = 0.0
    return before


def finish_pass(before: list[tuple[Value, float]]) -> None:
    """End a pass begun by `start_pass`: leaves add their earlier grads to this pass's (they accumulate)."""
    for node, g in before:
        if not node.children:
            node.grad = g + node.grad


def undo_pass(order: list[Value], before: list[tuple[Value, float]]) -> None:
    """Undo a failed pass begun by `start_pass`: every ``.grad`` as it was before."""
    for node in order:
        node.grad = 0.0
    for node, g in before:
        node.grad = g


class _NoGradientYet:
    """The ``.grad`` of a node that no contribution has reached yet in a ``create_graph`` pass.

    0 + x is x: the first contribution is taken as it is, so the gradient graph has no addition
    node for a 0.
    """

    __slots__ = ()

    def __add__(self, other: Any) -> Any:
        return other

    __radd__ = __add__


_NO_GRADIENT_YET = _NoGradientYet()


def backpropagate(root: Value, seed: Any = 1.0, create_graph: bool = False) -> dict[Value, Any]:
    """d root / d node for every node behind `root`, as a table; no ``.grad`` is changed.

    This is `chain_rule` run on borrowed ``.grad`` slots: every node's ``.grad`` is put aside, the
    pass runs from `seed`, the results are read off, and the old values are put back (also when
    the pass fails). `grad()` is built on it.
    """
    order = topological_order(root)
    saved = [node.grad for node in order]
    start = _NO_GRADIENT_YET if create_graph else 0.0
    try:
        for node in order:
            node.grad = start
        root.grad = seed
        chain_rule(root, order, create_graph)
        return {node: node.grad for node in order}
    finally:
        for node, g in zip(order, saved):
            node.grad = g


def _backward_error(root: Value, node: Value, err: Exception) -> Exception:
    """The exception to raise when `node`'s local derivative fails: the op, its inputs, the formula
    that failed, and the path from the root down to the node."""
    op, children = node._op, node.children
    names = op.arg_names(len(children))
    given = inputs_text(op, children)
    where = f"backward through {op.name}({given})" + (
        f" [node {shorten(node.label)!r}]" if node.label else "")
    path = f"Path from the root: {path_from_root(root, node)}."
    if isinstance(err, TypeError):
        try:
            local = op.local(*[c.data for c in children], node.data)
        except Exception:  # the rule itself is broken: keep Python's message, chained below
            return TypeError(f"{where}: the op's local-derivative rule failed: {err}. {path}")
        if not isinstance(local, (tuple, list)) or len(local) != len(children):
            return TypeError(f"{where}: the op's local rule must return a tuple with one derivative "
                             f"per input ({len(children)}), got {local!r:.60}. {path}")
        return TypeError(f"{where}: {err}. {path}")
    formulas = "; ".join(f"∂out/∂{n} = {f}" for n, f in zip(names, op.formulas))
    detail = str(err)
    if detail in ("float division by zero", "division by zero"):
        detail = "it divides by zero"
    elif detail == "math domain error":
        detail = "it is outside the domain of a function it uses"
    elif detail in _PYTHON_OVERFLOW:
        detail = "it is too large for a float"
    return type(err)(f"{where}: the local derivative ({formulas}) cannot be evaluated here: "
                     f"{detail}. The gradient is infinite or undefined at this point; move the "
                     f"input away from it (clamp it, or add a small epsilon). {path}")
