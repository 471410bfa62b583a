"""The backward pass one node at a time: `Step` records, and the stepper in text and in HTML.

`backward_steps(root)` is `Value.backward()` with a pause after each node: the same topological
order (`topological_order`), and at each node the engine's own chain rule (`chain_rule`, called on
that one node), so the numbers are the very ones `backward()` computes. After each node it yields
a `Step` saying what happened there:

    node n, upstream gradient ḡ = d root / d n (complete now: every node that uses n came before)
    for each input c of n:   local derivative ∂n/∂c      (the op's rule, evaluated)
                             contribution      ḡ · ∂n/∂c  (the chain rule)
                             c.grad after      c.grad + contribution

Texts name values as the user did (labels, else the number of a constant, else ``v1, v2, …`` in
reading order). The op's own variables (``a, b`` of ``a·b``) appear only inside its rule, marked
``rule of ×: ∂(a·b)/∂a = b``. Running the generator to its end leaves the same ``.grad`` values as
`backward()`, bit for bit; stopping half-way leaves the grads half-way, which is the point of stepping.

`forward_steps(root, {x: 1.0})` is its forward-mode twin (also ``Value.forward_steps``): the same
walk the other way, inputs first, each `ForwardStep` gathering a node's tangent from its inputs'
with the engine's `tangent_rule` (forward.py); the pages for it are in stepper_modes.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import write_atomic
from .forward import tangent_rule
from .markup import fill_template, html_text
from .value import (
    Value,
    _to_float,
    chain_rule,
    describe,
    finish_pass,
    local_derivatives,
    start_pass,
    topological_order,
    undo_pass,
)
from .viz import PAGE_TIMEOUT, draw_frames, draw_step, neuron_names, number_text, reading_order

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def format_number(x: float) -> str:
    """A number for step texts: 6 significant digits; ``-0.0`` is shown as ``0``."""
    return number_text(x, ".6g")


def node_names(order: Sequence[Value]) -> dict[Value, str]:
    """A name per node for texts and stepper pictures: its label; else, for a node of an `nn`
    neuron, what it is (``L0.N1.w0·x0``, ``L0.N1.z``, ``L0.N1.out``: `neuron_names`); else a
    constant's number; else ``v1, v2, …`` for unlabelled interior nodes, numbered in the order given."""
    names: dict[Value, str] = {}
    inferred = neuron_names(list(order))
    count = 0
    for node in order:
        if node.label:
            names[node] = node.label
        elif node in inferred:
            names[node] = inferred[node]
        elif not node.children:
            names[node] = format_number(node.data)
        else:
            count += 1
            names[node] = f"v{count}"
    return names


def argument_names(node: Value) -> tuple[str, ...]:
    """The op's names for the node's inputs: ``a, b`` for a binary op, ``x₀, x₁, …`` for a sum."""
    op = node.op_info
    if op.variadic:
        stem = op.args[0].rstrip("ᵢ") or "x"
        return tuple(f"{stem}{str(i).translate(_SUBSCRIPTS)}" for i in range(len(node.children)))
    return op.args


def rule_text(node: Value, index: int) -> str:
    """The op's rule for input `index`, in the op's own variables: ``∂(a·b)/∂a = b``."""
    op = node.op_info
    arg = argument_names(node)[index]
    return f"∂({op.expr})/∂{arg} = {op.formulas[min(index, len(op.formulas) - 1)]}"


def d(name: str) -> str:
    """``∂name``, with parentheses around a name that is an expression: ``∂(x1*w1)``."""
    return f"∂{name}" if re.fullmatch(r"[\w.]+", name) else f"∂({name})"


@dataclass(frozen=True)
class ChildStep:
    """What one input of the step's node received: the chain rule along one edge of the graph."""

    child: Value
    name: str  # the child's name in texts (its label, its number, or v1, v2, …)
    arg: str  # the op's variable for this input (a, b, x, x₀ …): used inside `formula` only
    local: float  # ∂node/∂child, evaluated
    formula: str  # the op's rule in its own variables, e.g. "∂(a·b)/∂a = b"
    derivative: str  # the same derivative in the user's names, evaluated: "∂(x1*w1)/∂x1 = -3"
    contribution: float  # upstream · local
    grad_before: float  # child.grad before this contribution (this pass)
    grad_after: float  # child.grad once it is added

    def __str__(self) -> str:
        return (f"{self.name}: {self.derivative}; contribution {format_number(self.contribution)}; "
                f"grad {format_number(self.grad_before)} → {format_number(self.grad_after)}")


@dataclass(frozen=True)
class _NodeStep:
    """What a step of either pass says of its node; `Step` and `ForwardStep` add their numbers."""

    number: int  # 1-based position in the pass
    total: int  # how many steps the pass has (one per interior node; forward: not a seed)
    node: Value
    name: str

    @property
    def op(self) -> str:
        return self.node.op

    @property
    def made_by(self) -> str:
        """``× from x1, w1``: the op's symbol and the user's names of its inputs."""
        return f"{self.node.op_info.symbol} from {', '.join(c.name for c in self.children)}"


@dataclass(frozen=True)
class Step(_NodeStep):
    """One node of the backward pass: its complete upstream gradient, passed on to its inputs."""

    upstream: float  # d root / d node
    children: tuple[ChildStep, ...]

    def __str__(self) -> str:
        symbol = self.node.op_info.symbol
        up = format_number(self.upstream)
        lines = [f"step {self.number}/{self.total}  {self.name} = {format_number(self.node.data)}, "
                 f"made by {self.made_by}",
                 f"  upstream gradient  ∂root/{d(self.name)} = {up}"]
        for c in self.children:
            lines += [f"  to {c.name}:",
                      f"      local derivative  {c.derivative}",
                      f"                        (rule of {symbol}: {c.formula})",
                      f"      chain rule        {up} × {format_number(c.local)} = "
                      f"{format_number(c.contribution)}",
                      f"      its grad          {format_number(c.grad_before)} → "
                      f"{format_number(c.grad_after)}"]
        return "\n".join(lines)


def backward_steps(root: Value) -> Iterator[Step]:
    """Perform ``root.backward()`` one interior node at a time, yielding a `Step` after each.

    The grads are written as the pass goes, so between two steps you can look at any node's
    ``.grad``. As in `backward()`, a leaf's grad holds this pass's sum while the pass runs and
    gets its earlier grad added back when the generator ends (or is closed early); a failing
    step puts every grad back as it was, as a failing `backward()` does. A leaf root has no
    steps; its grad is seeded (+1) as `backward()` does.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps: expected a Value, got {type(root).__name__} {root!r:.40}")
    return _steps(root)


def _steps(root: Value) -> Iterator[Step]:
    order = topological_order(root)
    names = node_names(reading_order(root))
    total = sum(1 for node in order if node.children)
    before = start_pass(order)
    root.grad = 1.0
    number = 0
    try:
        for node in reversed(order):
            children = node.children
            if not children:
                continue
            number += 1
            g = node.grad
            grads = {child: child.grad for child in children}
            chain_rule(root, [node])  # the engine's chain rule, on this one node
            records = []
            args = argument_names(node)
            for i, (child, local) in enumerate(zip(children, local_derivatives(node))):
                # The same float operations chain_rule just did, repeated for the record.
                was, contribution = grads[child], g * local
                grads[child] = was + contribution
                records.append(ChildStep(
                    child, names[child], args[i], float(local), rule_text(node, i),
                    f"{d(names[node])}/{d(names[child])} = {format_number(local)}",
                    contribution, was, grads[child]))
            yield Step(number, total, node, names[node], g, tuple(records))
    except BaseException as err:
        if not isinstance(err, GeneratorExit):  # a failed step: every grad as it was
            undo_pass(order, before)
            raise
        finish_pass(before)  # closed early: leaves keep what the steps so far added
        raise
    finish_pass(before)


# ----------------------------------------------------------------------------------------------
# The forward pass one node at a time: the twin of backward_steps
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputTangent:
    """One input of the step's node: its tangent, times the local derivative, is its contribution."""

    child: Value
    name: str  # the input's name in texts (its label, its number, or v1, v2, …)
    arg: str  # the op's variable for this input (a, b, x, x₀ …): used inside `formula` only
    tangent: float  # the input's tangent, complete (a seed, or an earlier step's result)
    local: float  # ∂node/∂child, evaluated
    formula: str  # the op's rule in its own variables, e.g. "∂(a·b)/∂a = b"
    derivative: str  # the same derivative in the user's names, evaluated: "∂(x1*w1)/∂x1 = -3"
    contribution: float  # local · tangent

    def __str__(self) -> str:
        return (f"{self.name}: tangent {format_number(self.tangent)}; {self.derivative}; "
                f"contribution {format_number(self.contribution)}")


@dataclass(frozen=True)
class ForwardStep(_NodeStep):
    """One node of the forward pass: its tangent, gathered from its inputs' tangents."""

    tangent: float  # d node / dt = the sum of the contributions
    children: tuple[InputTangent, ...]  # the node's inputs (named as in `Step`)

    def __str__(self) -> str:
        symbol = self.node.op_info.symbol
        lines = [f"step {self.number}/{self.total}  {self.name} = {format_number(self.node.data)}, "
                 f"made by {self.made_by}"]
        for c in self.children:
            lines += [f"  from {c.name}:",
                      f"      its tangent       {format_number(c.tangent)}",
                      f"      local derivative  {c.derivative}",
                      f"                        (rule of {symbol}: {c.formula})",
                      f"      chain rule        {format_number(c.local)} × {format_number(c.tangent)} = "
                      f"{format_number(c.contribution)}"]
        total = " + ".join(format_number(c.contribution) for c in self.children)
        lines.append(f"  tangent of {self.name} = {total} = {format_number(self.tangent)}")
        return "\n".join(lines)


def forward_steps(root: Value, tangents: Mapping[Value, float]) -> Iterator[ForwardStep]:
    """The forward-mode pass of ``d root / dt`` one interior node at a time, inputs first.

    `tangents` seeds the pass: ``{x: 1.0}`` differentiates along x alone (every tangent is then
    ∂node/∂x), ``{x: 1.0, y: -2.0}`` along the direction (1, -2). At each node the engine's own
    forward rule (`tangent_rule`, called on that one node) gathers the node's tangent from its
    inputs', and a `ForwardStep` records the node, each input's tangent, the local derivative
    (the same texts as the backward stepper's) and the result. Nodes come in reading order (each
    after its inputs); the last step's tangent is the root's: exactly what `jvp` computes, bit for
    bit. No ``.grad`` is touched.
    """
    if not isinstance(root, Value):
        raise TypeError(f"forward_steps: expected a Value, got {type(root).__name__} {root!r:.40}")
    if not isinstance(tangents, Mapping):
        raise TypeError(f"forward_steps: tangents must be a dict from input Value to number, e.g. "
                        f"{{x: 1.0}}; got {type(tangents).__name__} {tangents!r:.40}")
    order = reading_order(root)  # each node after its inputs, as a forward pass needs, and as read
    in_graph = set(order)
    seeds: dict[Value, float] = {}
    for key, t in tangents.items():
        if not isinstance(key, Value):
            raise TypeError(f"forward_steps: tangents' keys must be the input Values, got "
                            f"{type(key).__name__} {key!r:.40}")
        if key not in in_graph:
            raise ValueError(f"forward_steps: tangents names {describe(key)}, which is not in the "
                             f"graph of the root; seed only values the root depends on")
        seeds[key] = _to_float(t, f"forward_steps: the tangent of {key.label or describe(key)}")
    return _forward_steps(root, order, seeds)


def _forward_steps(root: Value, order: list[Value], seeds: dict[Value, float]) -> Iterator[ForwardStep]:
    names = node_names(order)
    total = sum(1 for node in order if node.children and node not in seeds)
    tangent: dict[Value, float] = {}
    number = 0
    for node in order:
        tangent_rule([node], seeds, tangent)  # the engine's forward rule, on this one node
        if not node.children or node in seeds:
            continue
        number += 1
        records = []
        args = argument_names(node)
        for i, (child, local) in enumerate(zip(node.children, local_derivatives(node))):
            records.append(InputTangent(
                child, names[child], args[i], tangent[child], float(local), rule_text(node, i),
                f"{d(names[node])}/{d(names[child])} = {format_number(local)}",
                local * tangent[child]))  # the product tangent_rule just added in, for the record
        yield ForwardStep(number, total, node, names[node], tangent[node], tuple(records))


# ----------------------------------------------------------------------------------------------
# The stepper as one self-contained HTML page
# ----------------------------------------------------------------------------------------------


def grad_display(steps: Sequence[Step], root: Value) -> list[dict[Value, str]]:
    """Per step, the text of every node's grad cell in the picture after that step.

    A grad is *known* once every node that uses it has passed its contribution on (so the root
    from the start, an input after its last consumer's step); before that it is *partial*
    (``0.25 + …``: more contributions to come) or unknown (``?``).
    """
    last = {root: 0}
    for step in steps:
        for c in step.children:
            last[c.child] = step.number
    shown: dict[Value, str] = {root: format_number(1.0)}  # the seed: d root / d root
    frames = []
    for step in steps:
        for c in step.children:
            done = last[c.child] <= step.number
            shown[c.child] = format_number(c.grad_after) + ("" if done else " + …")
        frames.append(dict(shown))
    return frames


def check_page_size(where: str, root: Any, max_steps: int, what: str) -> int:
    """The number of steps of `what` (a pass over `root`'s graph) for a page of one picture per
    step, or an error naming `where`: the root is no Value, a leaf (no steps), or too big."""
    if not isinstance(root, Value):
        raise TypeError(f"{where}: expected a Value (the result to step through, e.g. the loss), "
                        f"got {type(root).__name__} {root!r:.40}")
    n = sum(1 for node in topological_order(root) if node.children)
    if n == 0:
        raise ValueError(f"{where}: the root is a leaf, so {what} has no steps; build an "
                         f"expression with at least one op")
    if n > max_steps:
        raise ValueError(f"{where}: {what} has {n} steps, more than max_steps={max_steps} (the page "
                         f"holds one picture per step). Step through a smaller sub-graph, or pass "
                         f"max_steps={n}.")
    return n


def stepper_html(root: Value, *, title: str | None = None, max_steps: int = 200,
                 rankdir: str = "BT", timeout: float = PAGE_TIMEOUT) -> str:
    """Run the backward pass of `root` step by step and return one self-contained HTML page.

    One SVG picture per step (drawn by Graphviz; the current node highlighted, grads known so far
    filled in, the rest ``?``), the step's chain-rule text beside it, Prev/Next buttons, the
    arrow keys and a step counter. No network, no server: open the file in any browser.
    `rankdir` lays the pictures out ("BT": leaves at the bottom, the root on top); when that
    layout is slow for this graph and left-to-right is much faster, the pictures are drawn
    left-to-right (see `viz.draw_frames`). Graphviz gets `timeout` seconds for all pictures.
    Like `backward_steps`, it leaves the grads of a complete pass behind.
    """
    check_page_size("stepper_html", root, max_steps, "the backward pass")
    steps = list(backward_steps(root))
    displays = grad_display(steps, root)
    names = node_names(reading_order(root))

    def draw(k: int, direction: str):
        return draw_step(root, steps[k], displays[k], names, svg_id=f"s{k + 1}", rankdir=direction)

    pictures, _ = draw_frames(draw, len(steps), rankdir=rankdir, timeout=timeout)
    frames = [_frame_html(step, svg) for step, svg in zip(steps, pictures)]
    heading = title or f"Backward pass of {names[root]}"
    return fill_template(_PAGE, {"title": html_text(heading), "legend": _LEGEND,
                                 "total": str(len(steps)), "frames": "\n".join(frames)})


def write_stepper_html(root: Value, path: str | Path, *, title: str | None = None,
                       max_steps: int = 200, rankdir: str = "BT", timeout: float = PAGE_TIMEOUT) -> Path:
    """`stepper_html` written to `path` (parent folders created) atomically: the file holds the
    old page or the new one, never part of one. Returns the path."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"write_stepper_html: {path} is a folder; give a file name such as "
                                f"{path / 'steps.html'}")
    page = stepper_html(root, title=title, max_steps=max_steps, rankdir=rankdir, timeout=timeout)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, page)


def _frame_html(step: Step, svg: str) -> str:
    esc = html_text
    op = step.node.op_info
    name, up = esc(step.name), esc(format_number(step.upstream))
    rows = "\n".join(
        f"<tr><td><code>{esc(c.name)}</code></td>"
        f"<td><span class='formula'>{esc(c.derivative)}</span>"
        f"<div class='rule'>rule of {esc(op.symbol)}: {esc(c.formula)}</div></td>"
        f"<td>{up} × {esc(format_number(c.local))} = <b>{esc(format_number(c.contribution))}</b></td>"
        f"<td>{esc(format_number(c.grad_before))} → <b>{esc(format_number(c.grad_after))}</b></td></tr>"
        for c in step.children)
    return "\n".join([
        f'<section class="frame" data-step="{step.number}" data-node="{esc(step.name)}" hidden>',
        f'<div class="picture">{svg}</div>',
        '<div class="explain">',
        f'<h2>Step {step.number} of {step.total}: <code class="node-name">{name}</code></h2>',
        f"<p><code>{name}</code> = {esc(format_number(step.node.data))}, made by "
        f"<code>{esc(step.made_by)}</code> <span class='rule'>(rule of {esc(op.symbol)}: "
        f"out = {esc(op.expr)})</span></p>",
        f"<p>Upstream gradient, complete now: <code>∂root/{esc(d(step.name))} = {up}</code>. "
        f"Each input gets upstream × local derivative added to its grad.</p>",
        "<table><thead><tr><th>input</th><th>local derivative</th><th>upstream × local</th>"
        "<th>its grad</th></tr></thead>",
        f"<tbody>\n{rows}\n</tbody></table>",
        f'<pre class="chain-rule">{esc(str(step))}</pre>',
        "</div>",
        "</section>",
    ])


_LEGEND = """<p class="legend"><span style="background:#ffb347">current node</span>
<span style="background:#fff1b8">its inputs, just updated</span>
grads: a number is known, <code>x + …</code> is partial (more to come), <code>?</code> is not \
reached yet</p>"""

# Inline CSS and JS only: the page must work from a file with no network at all.
_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1rem 1.5rem; color: #222; background: #fff; }
h1 { font-size: 1.3rem; margin: 0 0 .5rem; }
h2 { font-size: 1.1rem; margin: .2rem 0 .6rem; }
nav { display: flex; gap: .8rem; align-items: center; margin: .5rem 0 1rem; }
button { font-size: 1rem; padding: .3rem .9rem; }
#counter { font-weight: bold; min-width: 8rem; text-align: center; }
.hint { color: #777; font-size: .9rem; }
.frame { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
.frame[hidden] { display: none; }
/* The picture keeps Graphviz's own size (11 pt text reads as about 14 px): never shrunk to fit,
   the panel scrolls instead. */
.picture { flex: 0 1 auto; max-width: 100%; max-height: 80vh; overflow: auto;
           border: 1px solid #ddd; padding: .5rem; box-sizing: border-box; }
.explain { flex: 1 1 420px; }
table { border-collapse: collapse; font-size: .92rem; }
td, th { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; }
.formula { font-family: ui-monospace, monospace; }
.rule { color: #666; font-size: .85rem; }
pre { background: #f6f6f6; padding: .6rem; overflow-x: auto; font-size: .85rem; }
.legend span { display: inline-block; padding: 0 .4rem; margin-right: .4rem; border: 1px solid #999; }
</style>
</head>
<body>
<h1>{{title}}</h1>
{{legend}}
<nav>
<button id="prev" type="button">◀ Prev</button>
<span id="counter" aria-live="polite">Step 1 of {{total}}</span>
<button id="next" type="button">Next ▶</button>
<span class="hint">or the ← → arrow keys</span>
</nav>
<main id="frames">
{{frames}}
</main>
<script>
(function () {
  "use strict";
  var frames = Array.prototype.slice.call(document.querySelectorAll(".frame"));
  var counter = document.getElementById("counter");
  var prev = document.getElementById("prev");
  var next = document.getElementById("next");
  var current = 0;
  function show(k) {
    current = Math.max(0, Math.min(frames.length - 1, k));
    frames.forEach(function (f, j) { f.hidden = j !== current; });
    counter.textContent = "Step " + (current + 1) + " of " + frames.length;
    prev.disabled = current === 0;
    next.disabled = current === frames.length - 1;
  }
  prev.addEventListener("click", function () { show(current - 1); });
  next.addEventListener("click", function () { show(current + 1); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") { show(current + 1); e.preventDefault(); }
    else if (e.key === "ArrowLeft") { show(current - 1); e.preventDefault(); }
    else if (e.key === "Home") { show(0); }
    else if (e.key === "End") { show(frames.length - 1); }
  });
  show(0);
})();
</script>
</body>
</html>
"""


Value.backward_steps = backward_steps  # the stepper stands on the engine; value.py does not import it
Value.forward_steps = forward_steps
