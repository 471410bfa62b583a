"""`gradcheck`: does backprop agree with finite differences? Row by row, with reasons when not.

The numeric derivative of f in its i-th input is the central difference

    ∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h

whose error shrinks like h² for a smooth f, while rounding error grows like 1/h; in float64,
h = 1e-6 balances the two. A row passes when |backprop − numeric| ≤ atol + rtol·|numeric|.

Forward mode is checked the same way along a few random unit directions u: its directional
derivative ``jvp = Σᵢ ∂f/∂xᵢ·uᵢ`` against the central difference of t ↦ f(x + t·u) at t = 0.

Finite differences mislead in two situations, and a row names them instead of reporting a
mismatch nobody can explain:

- a kink (relu or abs at 0): the one-sided slopes (f(x) − f(x − h))/h and (f(x + h) − f(x))/h
  disagree, and keep disagreeing when h shrinks (on a smooth curve their gap shrinks with h).
  The derivative is not defined there; any value between the two slopes is a fair choice.
- f is not finite, or not defined, at x ± h (log just right of 0, say).

When a row fails, gradcheck walks f's graph and checks every node's op on its own — its local
derivative against finite differences of its forward rule (`check_op`) — so the report can say
which op is wrong, and at which input.
"""

from __future__ import annotations

import inspect
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .forward import forward_order, tangent_rule
from .functional import grad, recording
from .op import Op
from .value import SWITCHES, Value, _to_float, apply, topological_order

# What a forward rule or a local rule raises outside its domain (our messages keep these types).
_DOMAIN_ERRORS = (ArithmeticError, ValueError)
_ULP = 2.0 ** -52  # float64's relative spacing: the size of one rounding step


@dataclass(frozen=True)
class Row:
    """One checked derivative.

    `name` says which (``x0``; ``∂²f/∂x0∂x1``; ``∂out/∂a`` for an op), `at` is the value of the input
    that was varied, `analytic` is what backprop gave, `numeric` what finite differences gave.
    `status` is "ok", "FAIL", "kink" (passed when backprop lies between the one-sided slopes) or
    "not finite"; `note` explains anything but a plain pass.
    """

    name: str
    at: float
    analytic: float
    numeric: float
    abs_err: float
    rel_err: float
    passed: bool
    status: str
    note: str = ""


@dataclass
class GradcheckResult:
    """The verdict of `gradcheck` (or `check_op`): ``.ok``, the rows, and what went wrong where.

    ``bool(result)`` is ``result.ok``; ``str(result)`` is a table with one line per row, then the
    notes and — when something failed — the ops found to be wrong (`culprits`).
    """

    subject: str
    rows: list[Row]  # reverse mode: one per input (or pair of inputs for order 2)
    order: int
    eps: float
    atol: float
    rtol: float
    culprits: list[str] = field(default_factory=list)
    fwd_rows: list[Row] = field(default_factory=list)  # forward mode: one per direction u
    directions: list[list[float]] = field(default_factory=list)  # the u of each fwd row

    @property
    def ok(self) -> bool:
        """True when every row passed, in both modes."""
        return all(r.passed for r in self.rows) and all(r.passed for r in self.fwd_rows)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def failures(self) -> list[Row]:
        return [r for r in self.rows + self.fwd_rows if not r.passed]

    def __repr__(self) -> str:
        n = len(self.rows)
        return (f"GradcheckResult(ok={self.ok}, {n} row{'s' * (n != 1)}, "
                f"{len(self.failures)} failing, subject={self.subject!r})")

    def __str__(self) -> str:
        what = "first derivatives" if self.order == 1 else "second derivatives"
        how = "backprop" if self.rows else "forward mode (jvp)"
        head = (f"gradcheck of {self.subject}: {what}, {how} vs central differences "
                f"(eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g}): "
                f"{'ok' if self.ok else 'FAIL'}")
        table = [("", "at", "backprop", "numeric", "abs err", "rel err", "")] if self.rows else []
        table += [(r.name, _num(r.at), _num(r.analytic), _num(r.numeric), _num(r.abs_err, 2),
                   _num(r.rel_err, 2), r.status) for r in self.rows]
        # forward mode in the same style: the direction u instead of the point, jvp for backprop
        fwd = [("", "u", "jvp", "numeric", "abs err", "rel err", "")] if self.fwd_rows else []
        fwd += [(r.name, "(" + ", ".join(_num(x, 3) for x in u) + ")", _num(r.analytic),
                 _num(r.numeric), _num(r.abs_err, 2), _num(r.rel_err, 2), r.status)
                for r, u in zip(self.fwd_rows, self.directions)]
        lines = [head]
        for rows in (table, fwd):
            if rows is fwd and fwd:
                lines.append("  forward mode: jvp along random unit directions u, against "
                             "central differences of f(x + t·u)")
            widths = [max((len(line[k]) for line in rows), default=0) for k in range(7)]
            for line in rows:
                cells = [line[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(line[1:6], widths[1:6])]
                lines.append(("  " + "  ".join(cells) + "  " + line[6]).rstrip())
        lines += [f"  {r.name}: {r.note}" for r in self.rows + self.fwd_rows if r.note]
        if self.culprits:
            lines.append("  found:")
            lines += [f"    {c}" for c in self.culprits]
        return "\n".join(lines)


def _num(x: float, digits: int = 6) -> str:
    return f"{x:.{digits}g}"


# ----------------------------------------------------------------------------------------------
# One derivative against finite differences: the judgement every row goes through
# ----------------------------------------------------------------------------------------------


def _safe(phi: Callable[[float], float], t: float) -> tuple[float, str]:
    """phi(t), or nan and the reason when phi raises a domain error there."""
    try:
        return float(phi(t)), ""
    except _DOMAIN_ERRORS as err:
        return math.nan, f"{type(err).__name__}: {err}"


def _judge(name: str, phi: Callable[[float], float], x: float, fx: float, analytic: float,
           eps: float, atol: float, rtol: float, *, what: str = "f",
           no_analytic: str = "") -> Row:
    """Compare `analytic` with the slope of `phi` (a function of one number) at `x`; fx = phi(x)."""

    def tol(ref: float) -> float:
        return atol + rtol * abs(ref)

    def row(numeric: float, passed: bool, status: str, note: str = "") -> Row:
        err = abs(analytic - numeric)
        rel = err / abs(numeric) if numeric else (0.0 if err == 0 else math.inf)
        return Row(name, x, analytic, numeric, err, rel, passed, status, note)

    lo, why_lo = _safe(phi, x - eps)
    hi, why_hi = _safe(phi, x + eps)
    if not (math.isfinite(fx) and math.isfinite(lo) and math.isfinite(hi)):
        bad = next(f"{what}({name}{sign}) {'raised ' + why.rstrip('.') if why else '= ' + str(v)}"
                   for sign, v, why in ((" - eps", lo, why_lo), ("", fx, ""), (" + eps", hi, why_hi))
                   if not math.isfinite(v))
        return row(math.nan, False, "not finite",
                   f"{what} is not finite near {name} = {x:g}: {bad}. Finite differences cannot "
                   f"check this point; move it into the function's domain.")
    central = (hi - lo) / (2 * eps)
    left, right = (fx - lo) / eps, (hi - fx) / eps
    noise = 8 * _ULP * max(abs(fx), abs(lo), abs(hi)) / eps  # rounding error of a one-sided slope
    if abs(right - left) > max(tol(max(abs(left), abs(right))), 10 * noise):
        # The slopes differ. On a smooth curve the gap is about f''·h and shrinks with h; at a
        # kink it stays (and at a jump it grows). Look again with a ten times smaller step.
        small = eps / 10
        lo2, _ = _safe(phi, x - small)
        hi2, _ = _safe(phi, x + small)
        left2, right2 = (fx - lo2) / small, (hi2 - fx) / small
        if (math.isfinite(left2) and math.isfinite(right2)
                and abs(right2 - left2) > max(0.5 * abs(right - left), 100 * noise)):
            a, b = sorted((left2, right2))
            inside = math.isfinite(analytic) and a - tol(a) <= analytic <= b + tol(b)
            verdict = ("lies between them, a fair choice" if inside
                       else "lies outside them: that is wrong on either side")
            mid = (left2 + right2) / 2
            # the error of a kink row is the distance from backprop to the interval of slopes
            gap = max(a - analytic, analytic - b, 0.0) if math.isfinite(analytic) else math.inf
            return Row(name, x, analytic, 0.0 if abs(mid) < 10 * noise else mid, gap,
                       gap / max(abs(a), abs(b)), inside, "kink",
                       f"kink at {name} = {x:g}: left slope {left2:.6g}, right slope {right2:.6g}; "
                       f"the derivative is not defined here, and backprop's {analytic:.6g} {verdict}.")
    if not math.isfinite(analytic):
        return row(central, False, "FAIL",
                   no_analytic or f"backprop gave {analytic} although {what} is finite and "
                                  f"smooth around {name} = {x:g}.")
    if abs(analytic - central) <= tol(central):
        return row(central, True, "ok")
    for h in (eps / 10, eps / 100):
        lo_h, _ = _safe(phi, x - h)
        hi_h, _ = _safe(phi, x + h)
        c = (hi_h - lo_h) / (2 * h)
        if math.isfinite(c) and abs(analytic - c) <= tol(c):
            return row(c, True, "ok",
                       f"agrees only with the smaller step {h:g}: {what} bends sharply (a kink?) "
                       f"within eps of {name} = {x:g}, which throws the step {eps:g} off.")
    return row(central, False, "FAIL")


# ----------------------------------------------------------------------------------------------
# One op on its own
# ----------------------------------------------------------------------------------------------


def _title(op: Op) -> str:
    params = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                       for k, v in op.params.items())
    return f"op {op.name!r}" + (f" ({params})" if params else "")


def _local(op: Op, xs: Sequence[Any], out: Any) -> tuple:
    """The op's local derivatives, checked to be one per input."""
    local = op.local(*xs, out)
    if not isinstance(local, (tuple, list)) or len(local) != len(xs):
        raise TypeError(f"{_title(op)}: its local rule must return a tuple with one derivative per "
                        f"input ({len(xs)}), got {local!r:.60}; for one input write `return (d,)`")
    return tuple(local)


def check_op(op: Op, inputs: Sequence[float], *, order: int = 1, eps: float = 1e-6,
             atol: float = 1e-5, rtol: float = 1e-3) -> GradcheckResult:
    """Check one op at one point: its local derivatives against finite differences of its forward rule.

    With ``order=2`` the engine's derivative of each local derivative (the local rule run on
    `Value`s, as ``grad(..., create_graph=True)`` does) is checked against finite differences of
    the local rule on floats: it fails when a rule is right on floats but leaves the graph on
    Values (``math.exp(float(x))`` where ``x.exp()`` was needed). A local rule returning a tuple
    of the wrong length raises TypeError.
    """
    xs = [_to_float(v, f"check_op({op.name!r}): input") for v in inputs]
    _check_settings("check_op", eps, atol, rtol, order)
    with recording():
        return _check_op(op, xs, order, eps, atol, rtol)


def _check_op(op: Op, xs: list[float], order: int, eps: float, atol: float,
              rtol: float) -> GradcheckResult:
    names = op.arg_names(len(xs))
    subject = f"{_title(op)} at " + ", ".join(f"{n} = {v:g}" for n, v in zip(names, xs))
    out = op.forward(*xs)

    def moved(k: int, t: float) -> list[float]:
        return [*xs[:k], t, *xs[k + 1:]]

    rows = []
    if order == 1:
        try:
            analytic, why = [float(d) for d in _local(op, xs, out)], ""
        except _DOMAIN_ERRORS as err:
            analytic = [math.nan] * len(xs)
            why = f"the local rule raised {type(err).__name__}: {err}"
        for i in range(len(xs)):
            rows.append(_judge(f"∂out/∂{names[i]}", lambda t, i=i: op.forward(*moved(i, t)), xs[i],
                               out, analytic[i], eps, atol, rtol, what=op.name, no_analytic=why))
    else:
        vals = [Value(v, label=n) for v, n in zip(xs, names)]
        node = apply(op, *vals)
        local_vals = _local(op, vals, node)
        local_floats = [float(d) for d in _local(op, xs, out)]
        for i in range(len(xs)):
            d = local_vals[i]
            second = ([g.data for g in grad(d, vals)] if isinstance(d, Value)
                      else [0.0] * len(xs))  # a constant local derivative has slope 0
            for k in range(len(xs)):
                def phi(t: float, i: int = i, k: int = k) -> float:
                    ys = moved(k, t)
                    return float(_local(op, ys, op.forward(*ys))[i])

                rows.append(_judge(f"∂²out/∂{names[i]}∂{names[k]}", phi, xs[k], local_floats[i],
                                   second[k], eps, atol, rtol, what=f"∂out/∂{names[i]}"))
    return GradcheckResult(subject, rows, order, eps, atol, rtol)


# ----------------------------------------------------------------------------------------------
# gradcheck
# ----------------------------------------------------------------------------------------------



def _check_settings(where: str, eps: float, atol: float, rtol: float, order: int) -> None:
    for name, v in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0 \
                or (name == "eps" and v == 0):
            raise ValueError(f"{where}: {name} must be a {'positive' if name == 'eps' else 'non-negative'} "
                             f"finite number, got {v!r}")
    if order not in (1, 2):
        raise ValueError(f"{where}: order must be 1 (first derivatives) or 2 (second), got {order!r}")


def _numbers(inputs: Any) -> list[float]:
    if isinstance(inputs, (int, float, Value)) and not isinstance(inputs, bool):
        inputs = [inputs]
    try:
        items = list(inputs)
    except TypeError:
        raise TypeError(f"gradcheck: inputs must be a list of numbers, got {type(inputs).__name__}") from None
    if not items:
        raise ValueError("gradcheck: no inputs given; pass the point to check at, e.g. [0.5, -2.0]")
    return [x.data if isinstance(x, Value) else _to_float(x, f"gradcheck: inputs[{i}]")
            for i, x in enumerate(items)]


MODES = ("rev", "fwd")


def gradcheck(f: Callable[..., Value], inputs: Sequence[float] | float, *, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, order: int = 1,
              modes: Sequence[str] = MODES) -> GradcheckResult:
    """Compare backprop's gradient of `f` at `inputs` with central finite differences, in float64.

    `f` takes one `Value` per input (labelled x0, x1, …) and returns a `Value`; `inputs` are
    numbers. One row per input: the input, backprop's ∂f/∂xᵢ, the central difference, the
    absolute and relative error, and the verdict (|error| ≤ atol + rtol·|numeric|)::

        result = gradcheck(lambda a, b: (a * b).tanh(), [0.5, -2.0])
        result.ok, bool(result)     # True, True
        print(result)               # the table

    `modes` says which modes of autodiff are checked: "rev" (backprop, the rows above) and "fwd"
    (forward mode: `jvp` along a few random unit directions u, each against the central
    difference of t ↦ f(x + t·u); the rows in ``result.fwd_rows``, the directions in
    ``result.directions``; the same directions on every call). Both by default.

    ``order=2`` (or `gradgradcheck`) checks second derivatives instead: ``grad(...,
    create_graph=True)`` differentiated again, against central differences of backprop's first
    derivatives; one row per pair (i, j). (Forward mode is checked on first derivatives.)

    A row on a kink, or where f is not finite nearby, says so. When a row fails, every op in f's
    graph is checked on its own (`check_op`) and the ones found wrong are listed in `culprits`.
    """
    xs = _numbers(inputs)
    _check_settings("gradcheck", eps, atol, rtol, order)
    modes = _check_modes(modes)
    _check_takes(f, len(xs))
    with recording():
        return _gradcheck(f, xs, eps, atol, rtol, order, modes)


def _check_modes(modes: Any) -> tuple[str, ...]:
    if isinstance(modes, str):
        modes = (modes,)
    try:
        chosen = tuple(modes)
    except TypeError:
        chosen = (modes,)
    if not chosen or any(m not in MODES for m in chosen):
        raise ValueError(f"gradcheck: modes must be a non-empty selection of {MODES!r}, got "
                         f"{modes!r}")
    return chosen


def _check_takes(f: Callable[..., Value], n: int) -> None:
    """f must accept one Value per input: say so plainly instead of Python's bare arity error."""
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):  # a builtin or C function: no signature to check
        return
    try:
        signature.bind(*range(n))
    except TypeError:
        raise TypeError(f"gradcheck: f{signature} cannot take {n} input(s) — f gets one Value per "
                        f"number in `inputs` ({n} given); make the two agree") from None


def _gradcheck(f: Callable[..., Value], xs: list[float], eps: float, atol: float, rtol: float,
               order: int, modes: tuple[str, ...] = MODES) -> GradcheckResult:
    names = [f"x{i}" for i in range(len(xs))]

    def build(point: Sequence[float]) -> tuple[Value, list[Value]]:
        vals = [Value(v, label=n) for v, n in zip(point, names)]
        out = f(*vals)
        if not isinstance(out, Value):
            raise TypeError(f"gradcheck: f must return a Value computed from its arguments, got "
                            f"{type(out).__name__} {out!r:.40} (did f use math.* or .data?)")
        return out, vals

    def moved(k: int, t: float) -> list[float]:
        return [*xs[:k], t, *xs[k + 1:]]

    subject = "f at " + ", ".join(f"{n} = {v:g}" for n, v in zip(names, xs))
    read: list[Value] = []  # Values whose number f read with float() (math.exp(v) does that too)
    before, SWITCHES.number_read = SWITCHES.number_read, read.append
    try:
        out, vals = build(xs)
    finally:
        SWITCHES.number_read = before
    rows: list[Row] = []
    if order == 1 and "rev" in modes:
        try:
            analytic, why = [g.data for g in grad(out, vals)], ""
        except (*_DOMAIN_ERRORS, TypeError) as err:  # TypeError: a local rule of the wrong shape
            analytic, why = [math.nan] * len(xs), f"backprop raised {type(err).__name__}: {err}"
        for i in range(len(xs)):
            rows.append(_judge(names[i], lambda t, i=i: build(moved(i, t))[0].data, xs[i],
                               out.data, analytic[i], eps, atol, rtol, no_analytic=why))
    elif order == 2:
        firsts: dict[tuple[int, float], list[float]] = {}

        def first(k: int, t: float) -> list[float]:
            """Backprop's gradient of f with input k moved to t (remembered: rows share them)."""
            if (k, t) not in firsts:
                o, v = build(moved(k, t))
                firsts[k, t] = [g.data for g in grad(o, v)]
            return firsts[k, t]

        try:
            gs = grad(out, vals, create_graph=True)
            analytic2, why = [[h.data for h in grad(g, vals)] for g in gs], ""
        except (*_DOMAIN_ERRORS, TypeError) as err:
            analytic2 = [[math.nan] * len(xs) for _ in xs]
            why = f"backprop raised {type(err).__name__}: {err}"
        try:
            at_x = first(0, xs[0])  # input 0 "moved" to where it is: the gradient at x itself
        except _DOMAIN_ERRORS:
            at_x = [math.nan] * len(xs)
        for i in range(len(xs)):
            for k in range(len(xs)):
                rows.append(_judge(f"∂²f/∂{names[i]}∂{names[k]}", lambda t, i=i, k=k: first(k, t)[i],
                                   xs[k], at_x[i], analytic2[i][k], eps, atol, rtol,
                                   what=f"∂f/∂{names[i]}", no_analytic=why))
    result = GradcheckResult(subject, rows, order, eps, atol, rtol)
    if order == 1 and "fwd" in modes:
        result.directions = _directions(len(xs))
        result.fwd_rows = [_forward_row(f"u{k + 1}", build, xs, u, out.data, eps, atol, rtol)
                           for k, u in enumerate(result.directions)]
    if not result.ok and any(r.status != "not finite" for r in result.failures):
        result.culprits = _read_outside(read) + _diagnose(out, vals, result, order, eps, atol, rtol)
    return result


def _read_outside(read: list[Value]) -> list[str]:
    """The Values whose number f took out of the graph with float() or math.*: no gradient
    flows back along that path, which explains a failing row better than any op can."""
    names = list(dict.fromkeys(v.label or f"a value computed in f (= {v.data:g})" for v in read))
    return [f"f read {name}'s number outside the graph (float({name}), or math.exp({name}) and "
            f"the like, give a plain float): no gradient flows back along that path. Use the "
            f"Value's own ops ({name}.exp(), {name}.log(), …) instead." for name in names[:3]]


def _directions(n: int, count: int = 2) -> list[list[float]]:
    """`count` random unit vectors in n dimensions (one when n = 1), the same on every call."""
    if n == 1:
        return [[1.0]]
    rng = random.Random(n)
    directions = []
    for _ in range(count):
        u = [rng.gauss(0.0, 1.0) for _ in range(n)]
        norm = math.sqrt(sum(x * x for x in u))
        directions.append([x / norm for x in u])
    return directions


def _forward_row(name: str, build: Callable[[Sequence[float]], tuple[Value, list[Value]]],
                 xs: list[float], u: list[float], fx: float, eps: float, atol: float,
                 rtol: float) -> Row:
    """Forward mode along u: the tangent of f's output when the inputs move with speed u."""
    try:
        out, vals = build(xs)
        analytic, why = tangent_rule(forward_order([out]), dict(zip(vals, u)))[out], ""
    except (*_DOMAIN_ERRORS, TypeError) as err:
        analytic, why = math.nan, f"forward mode raised {type(err).__name__}: {err}"

    def phi(t: float) -> float:
        return build([x + t * ui for x, ui in zip(xs, u)])[0].data

    row = _judge(name, phi, 0.0, fx, analytic, eps, atol, rtol, no_analytic=why)
    return replace(row, note=row.note.replace("backprop", "forward mode")
                   .replace(f"at {name} = 0", f"at x along {name}"))


def gradgradcheck(f: Callable[..., Value], inputs: Sequence[float] | float, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3) -> GradcheckResult:
    """Second derivatives of `f` by double backprop against finite differences of the first:
    ``gradcheck(f, inputs, order=2)``."""
    return gradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol, order=2)


def _diagnose(out: Value, vals: list[Value], result: GradcheckResult, order: int, eps: float,
              atol: float, rtol: float, limit: int = 3) -> list[str]:
    """Why rows failed: the ops of f's graph whose local rule disagrees with their forward rule,
    or, when none does, inputs that reach f's value outside the graph."""
    found: list[str] = []
    seen: set[tuple] = set()
    nodes = topological_order(out)
    for node in nodes:
        op = node.op_info
        if op is None:
            continue
        xs = [c.data for c in node.children]
        key = (id(op), *xs)
        if key in seen:
            continue
        seen.add(key)
        try:
            verdict = check_op(op, xs, order=order, eps=eps, atol=atol, rtol=rtol)
        except _DOMAIN_ERRORS:  # the op cannot be evaluated around this point: nothing to learn
            continue
        except Exception as err:  # a local rule of the wrong shape, or one that fails on Values
            found.append(f"{_title(op)}: {err}" if isinstance(err, TypeError)
                         else f"{_title(op)}: its local rule raised {type(err).__name__}: {err}")
            continue
        bad = [r for r in verdict.failures if r.status != "not finite"]
        if bad:
            r = bad[0]
            where = verdict.subject.split(" at ", 1)[1]
            if order == 1:
                found.append(f"{_title(op)} at input {where}: local derivative {r.name} = "
                             f"{r.analytic:.6g}, finite differences {r.numeric:.6g}")
            else:
                found.append(f"{_title(op)} at input {where}: the engine's derivative of its local "
                             f"rule {r.name} = {r.analytic:.6g}, finite differences of the rule "
                             f"{r.numeric:.6g} (does the rule leave the graph: math.*, float(), .data?)")
        if len(found) >= limit:
            found.append("(more ops may be wrong; fix these first)")
            return found
    if found:
        return found
    in_graph = {id(n) for n in nodes}
    failing = {r.name for r in result.failures}
    outside = [v.label for v in vals if v.label in failing and id(v) not in in_graph]
    if order == 1 and outside:
        return [f"f's graph does not contain {', '.join(outside)}, yet f's value changes with it: "
                f"f reads it outside the graph (float(), .data or math.* on a Value), where "
                f"backprop cannot follow."]
    return ["every op in f's graph has local derivatives that match its forward rule here, so the "
            "mismatch comes from how f uses its inputs (a path outside the graph through float(), "
            ".data or math.* on a Value) or from the engine's chain rule."]
