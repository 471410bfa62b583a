"""Checking a learner's local derivatives: the judge behind course part 2 and the gradcheck exercise.

An `Exercise` is one op the learner differentiates: the checker's own forward rule, the points to
check it at, and three hints of growing detail (the rule to use; how it applies here; the formula).
`check_exercise` turns the learner's local rule into an `Op` (never registered: attempts never join
the engine) and checks it with `check_op` at every point — first derivatives against finite
differences of the forward rule, and, where asked, second derivatives (the engine differentiating
the learner's rule) against finite differences of the rule.

Messages use the learner's own names: the parameter names of their function (``def power(base,
exponent, out)`` gets ``∂out/∂exponent``), the position in their tuple, and — when their rule
raises — their line of code and which of their inputs held the number that broke it.
"""

from __future__ import annotations

import inspect
import linecache
import math
import re
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd import Op, Value
from autograd.gradcheck import Row, check_op

_ORDINALS = ("1st", "2nd", "3rd", "4th")


@dataclass(frozen=True)
class Exercise:
    """One op to differentiate: its forward rule (the checker's own), where to check it, hints.

    `args` are the op's inputs; the last `constants` of them are settings of the op (the p of
    x ** p) that are passed to the learner's rule but get no derivative. `hints` grow in detail:
    the rule to use, how it applies here, the formula itself.
    """

    name: str
    args: tuple[str, ...]
    forward: Callable[..., float]
    points: tuple[tuple[float, ...], ...]
    hints: tuple[str, str, str]
    constants: int = 0
    orders: tuple[int, ...] = (1, 2)


@dataclass(frozen=True)
class Verdict:
    """What the checker concluded about one op: "ok", "WRONG", "TODO" or "ERROR", and why.

    `hints` are the exercise's three levels; `fixed_hint` (a wrong tuple shape, a rule that leaves
    the graph) is shown whatever the level. `key` names the mistake for counting repeats.
    """

    name: str
    status: str
    checked: int  # points checked
    failed: int  # points where it was wrong
    detail: str  # the worst input and the numbers, or the error
    hints: tuple[str, ...] = ()
    fixed_hint: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def hint_lines(self, level: int) -> list[str]:
        """The hints to show at `level` (1: a nudge, 2: more, 3: the formula)."""
        if self.ok or self.status == "TODO":
            return []
        if self.fixed_hint:
            return [self.fixed_hint]
        return list(self.hints[:max(1, min(level, len(self.hints)))])


def grid(lo: float, hi: float, n: int) -> tuple[float, ...]:
    return tuple(lo + (hi - lo) * k / (n - 1) for k in range(n))


def learner_names(ex: Exercise, local: Callable[..., Any]) -> tuple[tuple[str, ...], str]:
    """The learner's names for the op's inputs and for `out`: their function's parameter names."""
    try:
        params = list(inspect.signature(local).parameters.values())
    except (TypeError, ValueError):
        return ex.args, "out"
    plain = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(plain) != len(ex.args) + 1 or len(plain) != len(params):
        return ex.args, "out"
    return tuple(plain[:-1]), plain[-1]


def _where(names: Sequence[str], point: Sequence[float]) -> str:
    return ", ".join(f"{a} = {v:g}" for a, v in zip(names, point))


def _shape_problem(ex: Exercise, names: Sequence[str], result: Any) -> str | None:
    """What is wrong with the shape of a rule's result, in words, or None when it is fine."""
    n = len(ex.args) - ex.constants
    inputs = ", ".join(names[:n])
    if not isinstance(result, (tuple, list)):
        if n == 1:
            kind = type(result).__name__
            return (f"your rule returned {result!r:.40}, {'an' if kind[0] in 'aeiou' else 'a'} {kind}, "
                    f"not a tuple. "
                    f"`return (d)` is just d in brackets; a one-element tuple needs a comma: "
                    f"`return (d,)`.")
        return f"your rule returned {result!r:.40}; return a tuple with {n} derivatives ({inputs})."
    if len(result) != n:
        what = "one input" if n == 1 else f"{n} inputs"
        constant = (f" ({', '.join(names[n:])} is a constant of the op, not an input: it gets no "
                    f"derivative)") if ex.constants else ""
        return (f"{ex.name} has {what} ({inputs}){constant}, so it needs {n} derivative"
                f"{'s' * (n != 1)} — your rule returned {len(result)}: {tuple(result)!r:.60}.")
    return None


def _learner_line(err: BaseException, local: Callable[..., Any]) -> str:
    """`line 12: return (...)` — the learner's line where `err` was raised, if it is in their file."""
    code = getattr(local, "__code__", None)
    if code is None:
        return ""
    for frame, lineno in reversed(list(traceback.walk_tb(err.__traceback__))):
        if frame.f_code.co_filename == code.co_filename:
            text = linecache.getline(code.co_filename, lineno).strip()
            return f"line {lineno}: `{text}`" if text else f"line {lineno}"
    return ""


def _expression(node: Any, depth: int = 0) -> str:
    """A short text for a node of a graph built from labelled inputs: ``y``, ``log(y)``, ``y·2``."""
    if not isinstance(node, Value):
        return f"{node:g}" if isinstance(node, float) else repr(node)
    if not node.children:
        return node.label or f"{node.data:g}"
    if depth > 2:
        return "…"
    op = node.op_info
    parts = [_expression(c, depth + 1) for c in node.children]
    if len(parts) == 2 and op.symbol in ("+", "-", "×", "÷", "**"):
        sign = {"×": "·", "÷": "/"}.get(op.symbol, f" {op.symbol} ")
        return f"({parts[0]}{sign}{parts[1]})" if depth else f"{parts[0]}{sign}{parts[1]}"
    return f"{op.name}({', '.join(parts)})"


def _which_op_failed(local: Callable[..., Any], names: Sequence[str], out_name: str,
                     values: Sequence[float], out: float) -> str:
    """Run the rule again on labelled `Value`s: the op that fails and what it got, in their names.

    ``log(y) with y = -2``. Empty when the rule does not fail that way (math.* on floats, say).
    """
    inputs = [Value(v, label=n) for n, v in zip(names, values)]
    try:
        local(*inputs, Value(out, label=out_name))
    except (ArithmeticError, ValueError) as err:
        for frame, _ in reversed(list(traceback.walk_tb(err.__traceback__))):
            if frame.f_code.co_name == "apply" and "op" in frame.f_locals:
                op, children = frame.f_locals["op"], frame.f_locals.get("children", ())
                if isinstance(op, Op) and children:
                    shown = ", ".join(_expression(c) for c in children)
                    values_text = ", ".join(f"{_expression(c)} = {float(c.data):g}"
                                            for c in children if isinstance(c, Value))
                    need = ""
                    if op.domain:  # the op's own names (log's x) would clash with the learner's
                        domain = op.domain
                        for arg, child in zip(op.arg_names(len(children)), children):
                            domain = re.sub(rf"\b{re.escape(arg)}\b", _expression(child), domain)
                        need = f" ({op.name} needs {domain})"
                    return f"{op.name}({shown}) with {values_text}{need}"
    except Exception:  # any other failure: the float run's message is all we have
        return ""
    return ""


def _raised(ex: Exercise, local: Callable[..., Any], names: Sequence[str], out_name: str,
            point: Sequence[float], out: float, err: Exception, order: int) -> str:
    where = _where(names, point)
    line = _learner_line(err, local)
    failed = _which_op_failed(local, names[:len(point)], out_name, point, out) if order == 1 else ""
    text = f"{type(err).__name__}: {err}" if not failed else f"it computes {failed}"
    what = "differentiating your rule" if order == 2 else "your rule"
    return f"at {where}, {what} raised" + (f" in {line}" if line else "") + f" — {text}"


def check_exercise(ex: Exercise, local: Callable[..., Any] | None,
                   orders: Sequence[int] | None = None) -> Verdict:
    """Check one answer at every point of the exercise (first, then second derivatives)."""
    if local is None:
        return Verdict(ex.name, "ERROR", 0, 0, f"there is no function {ex.name}"
                       f"({', '.join(ex.args)}, out)", fixed_hint="keep the function names of the template.")
    names, out_name = learner_names(ex, local)
    n_inputs = len(ex.args) - ex.constants
    orders = tuple(orders or ex.orders)
    first_order_error = 0.0
    for order in orders:
        # second derivatives are checked at every third point: they are the rarer mistake
        points = ex.points if order == 1 else ex.points[::3]
        worst: tuple[float, str] | None = None
        failed = raised = 0
        raised_text = ""
        largest = 0.0
        for point in points:
            xs, consts = point[:n_inputs], point[n_inputs:]
            out = ex.forward(*point)

            def rule(*args: Any, consts: tuple = consts) -> Any:
                return local(*args[:-1], *consts, args[-1])

            if order == 1:  # the learner's rule on floats first: its shape and its errors
                try:
                    result = local(*xs, *consts, out)
                except NotImplementedError:
                    return Verdict(ex.name, "TODO", 0, 0, f"{ex.name}() still raises NotImplementedError")
                except Exception as err:  # the learner's code: any error is reported, not raised
                    raised += 1
                    raised_text = raised_text or _raised(ex, local, names, out_name, point, out, err, 1)
                    continue
                shape = _shape_problem(ex, names, result)
                if shape:
                    return Verdict(ex.name, "ERROR", len(points), 1, f"at {_where(names, point)}: "
                                   f"{shape}", fixed_hint=_SHAPE_HINT)
            op = Op(ex.name, lambda *a, consts=consts: ex.forward(*a, *consts), rule,
                    args=tuple(names[:n_inputs]))
            try:
                result = check_op(op, xs, order=order)
            except Exception as err:  # a rule that fails only on Values, or on nearby points
                return Verdict(ex.name, "WRONG" if order == 2 else "ERROR", len(points), 1,
                               _raised(ex, local, names, out_name, point, out, err, order),
                               ex.hints, fixed_hint=_SECOND_ORDER_HINT if order == 2 else "")
            bad = result.failures
            largest = max([largest, *(r.abs_err for r in result.rows if math.isfinite(r.abs_err))])
            if bad:
                failed += 1
                row = max(bad, key=lambda r: r.abs_err if math.isfinite(r.abs_err) else math.inf)
                size = row.abs_err if math.isfinite(row.abs_err) else math.inf
                if worst is None or size > worst[0]:
                    worst = (size, f"worst at {_where(names, point)}: {_row_text(row, names, order)}"
                                   + (f" ({row.note})" if row.note else ""))
        if order == 1:
            first_order_error = largest
        if worst is not None or raised:
            parts = []
            if worst is not None:
                what = "second derivatives wrong" if order == 2 else "wrong"
                parts.append(f"{what} at {failed} of {len(points)} points; {worst[1]}")
            if raised:
                parts.append(f"raised at {raised} of {len(points)} points; first {raised_text}")
            status = "WRONG" if worst is not None else "ERROR"
            return Verdict(ex.name, status, len(points), failed + raised, "; and ".join(parts),
                           ex.hints, _SECOND_ORDER_HINT if order == 2 else "")
    second = ", second derivatives too" if 2 in orders else ""
    return Verdict(ex.name, "ok", len(ex.points), 0,
                   f"right at all {len(ex.points)} points (largest error {first_order_error:.1e}){second}")


def _row_text(row: Row, names: Sequence[str], order: int) -> str:
    # check_op names rows ∂out/∂{input}; say which entry of the learner's tuple that is
    entry = ""
    if order == 1 and len(names) > 1:
        for i, n in enumerate(names):
            if row.name == f"∂out/∂{n}":
                entry = f" (the {_ORDINALS[min(i, 3)]} entry of your tuple)"
    return (f"{row.name}{entry}: yours {row.analytic:.6g}, finite differences {row.numeric:.6g}")


_SECOND_ORDER_HINT = ("your rule gives the right numbers, but the engine cannot differentiate it "
                      "further: it leaves the graph. Write it with exp, log, tanh, sigmoid, cos "
                      "(imported in the template) and arithmetic instead of math.*, and don't "
                      "call float() on the inputs.")
_SHAPE_HINT = "return a tuple with exactly one derivative per input, in the order of the inputs."


def check_answers(exercises: Sequence[Exercise], answers: Any,
                  orders: Sequence[int] | None = None) -> list[Verdict]:
    """Every exercise checked against `answers` (a module, or anything with the functions)."""
    return [check_exercise(ex, getattr(answers, ex.name, None), orders) for ex in exercises]
