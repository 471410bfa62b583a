"""How glassgrad's objects show themselves in Jupyter (JupyterLab, Notebook, VS Code, Colab).

IPython asks an object for ``_repr_svg_`` / ``_repr_html_`` when it is a cell's result. This
module defines them and attaches them to the classes below it in the layers (the core never
imports this module):

- a `Value` shows the graph behind it as SVG (Graphviz, with data and grad in every node), or a
  text summary when the graph has more than `INLINE_MAX_NODES` nodes or `dot` is missing;
- a `Step` record (and a forward mode `ForwardStep`) shows its chain-rule table; a
  `GradcheckResult` its rows as a table;
- `show_stepper(root)` shows the stepper page inline, in an ``<iframe srcdoc>`` of its own: ids,
  script and arrow keys stay inside that frame, so any number of steppers share a notebook and
  the keys drive only the one that has focus (click it first).

Nothing here needs a notebook package: these are plain methods returning strings. The live,
kernel-backed widgets are in `autograd.widgets` (the ``[notebook]`` extra).
"""

from __future__ import annotations

import shutil
import uuid
from collections import Counter
from pathlib import Path

from .files import write_atomic
from .gradcheck import GradcheckResult
from .markup import html_text, showable
from .stepper import ForwardStep, Step, d, format_number, stepper_html
from .value import Value, topological_order
from .viz import INSTALL_HINT, draw_dot, svg_source

#: Graphs with more nodes than this (values + ops) are summarised in text when displayed inline:
#: Graphviz would take seconds and the picture would be an unreadable hairball.
INLINE_MAX_NODES = 150


def node_count(root: Value) -> tuple[int, int]:
    """(values, ops) in the graph behind `root`: the nodes `draw_dot` would draw."""
    order = topological_order(root)
    return len(order), sum(1 for node in order if node.children)


def why_no_picture(root: Value, max_nodes: int = INLINE_MAX_NODES) -> str | None:
    """Why the graph behind `root` is shown as text instead of a picture, or None when it is drawn."""
    values, ops = node_count(root)
    if values + ops > max_nodes:
        return (f"The graph has {values + ops:,} nodes ({values:,} values, {ops:,} ops), more than "
                f"the {max_nodes} drawn inline. Draw it anyway with "
                f"render(v, 'graph.svg', max_nodes={values + ops}), or display an inner node "
                f"(one neuron, one sample's loss).")
    if shutil.which("dot") is None:
        return f"Graphviz's `dot` program is not installed, so no picture can be drawn. {INSTALL_HINT}"
    return None


def graph_summary(root: Value, limit: int = 8) -> str:
    """A text account of the graph behind `root`: the root, the ops used, the first leaves."""
    order = topological_order(root)
    leaves = [node for node in order if not node.children]
    ops = Counter(node.op for node in order if node.children)
    lines = [repr(root),
             f"graph: {len(order):,} values ({len(leaves):,} leaves, {len(order) - len(leaves):,} "
             f"made by ops)"]
    if ops:
        lines.append("ops: " + ", ".join(f"{name} ×{n:,}" for name, n in ops.most_common()))
    named = [leaf for leaf in leaves if leaf.label]
    shown = ", ".join(f"{leaf.label} = {format_number(leaf.data)} (grad {format_number(leaf.grad)})"
                      for leaf in named[:limit])
    more = f", … {len(named) - limit:,} more" if len(named) > limit else ""
    constants = len(leaves) - len(named)
    if constants:
        more += f"{'; ' if named else ''}{constants:,} unlabelled constant{'s' * (constants != 1)}"
    lines.append(f"leaves: {shown}{more}")
    return "\n".join(lines)


def value_svg(root: Value) -> str | None:
    """The graph behind `root` as inline SVG, or None when it is summarised in text instead.

    Each picture gets ids of its own (``gg-…``), so many graphs can share one notebook page.
    """
    if why_no_picture(root) is not None:
        return None
    return svg_source(draw_dot(root, svg_id=f"gg-{uuid.uuid4().hex[:8]}"))


def value_html(root: Value) -> str | None:
    """The text summary as HTML when no picture can be shown; None when `value_svg` draws it."""
    reason = why_no_picture(root)
    if reason is None:
        return None
    return (f'<div class="glassgrad-summary"><pre>{html_text(graph_summary(root))}</pre>'
            f'<p style="color:#666">{html_text(reason)}</p></div>')


def step_html(step: Step) -> str:
    """A `Step` as an HTML table: the node, its upstream gradient, and the chain rule per input
    (in the stepper's words: the user's names, the op's rule beside them)."""
    esc = html_text
    symbol = step.node.op_info.symbol
    up = format_number(step.upstream)
    rows = "".join(
        f"<tr><td><code>{esc(c.name)}</code></td><td><code>{esc(c.derivative)}</code>"
        f"<div style='color:#666;font-size:.85em'>rule of {esc(symbol)}: {esc(c.formula)}</div></td>"
        f"<td>{esc(up)} × {esc(format_number(c.local))} = <b>{esc(format_number(c.contribution))}</b>"
        f"</td><td>{esc(format_number(c.grad_before))} → <b>{esc(format_number(c.grad_after))}</b>"
        f"</td></tr>" for c in step.children)
    return (f'<div class="glassgrad-step"><p><b>Step {step.number} of {step.total}</b>: '
            f"<code>{esc(step.name)}</code> = {esc(format_number(step.node.data))}, made by "
            f"<code>{esc(step.made_by)}</code>; upstream gradient "
            f"<code>∂root/{esc(d(step.name))} = {esc(up)}</code></p>"
            f"<table><thead><tr><th>input</th><th>local derivative</th><th>upstream × local</th>"
            f"<th>its grad</th></tr></thead><tbody>{rows}</tbody></table></div>")


def forward_step_html(step: ForwardStep, along: str = "") -> str:
    """A `ForwardStep` as an HTML table: each input's tangent, the local derivative, their product,
    and the node's tangent as their sum. `along` names the seeded input, when known."""
    esc = html_text
    rows = "".join(
        f"<tr><td><code>{esc(c.name)}</code></td><td>{esc(format_number(c.tangent))}</td>"
        f"<td><code>{esc(c.derivative)}</code><div style='color:#666;font-size:.85em'>rule of "
        f"{esc(step.node.op_info.symbol)}: {esc(c.formula)}</div></td><td>"
        f"{esc(format_number(c.local))} × {esc(format_number(c.tangent))} = "
        f"<b>{esc(format_number(c.contribution))}</b></td></tr>"
        for c in step.children)
    total = " + ".join(format_number(c.contribution) for c in step.children)
    where = f" (forward, along {esc(along)})" if along else " (forward)"
    return (f'<div class="glassgrad-step"><p><b>Step {step.number} of {step.total}</b>{where}: '
            f"<code>{esc(step.name)}</code> = {esc(format_number(step.node.data))}, made by "
            f"<code>{esc(step.node.op_info.expr)}</code></p>"
            f"<table><thead><tr><th>input</th><th>its tangent</th><th>local derivative</th>"
            f"<th>local × tangent</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<p>tangent of <code>{esc(step.name)}</code> = {esc(total)} = "
            f"<b>{esc(format_number(step.tangent))}</b></p></div>")


def gradcheck_html(result: GradcheckResult) -> str:
    """A `GradcheckResult` as an HTML table, failing rows in red, then the notes and culprits."""
    esc = html_text
    colour = {"ok": "#2b8a3e", "kink": "#2b8a3e", "FAIL": "#c92a2a", "not finite": "#c92a2a"}
    rows = "".join(
        f"<tr><td><code>{esc(r.name)}</code></td><td>{r.at:.6g}</td><td>{r.analytic:.6g}</td>"
        f"<td>{r.numeric:.6g}</td><td>{r.abs_err:.2g}</td><td>{r.rel_err:.2g}</td>"
        f'<td style="color:{colour.get(r.status, "#000")}"><b>{esc(r.status)}</b></td></tr>'
        for r in result.rows)
    head = str(result).split("\n", 1)[0]
    notes = "".join(f"<li><code>{esc(r.name)}</code>: {esc(r.note)}</li>" for r in result.rows if r.note)
    notes += "".join(f"<li>found: {esc(c)}</li>" for c in result.culprits)
    return (f'<div class="glassgrad-gradcheck"><p>{esc(head)}</p><table><thead><tr><th></th>'
            f"<th>at</th><th>backprop</th><th>numeric</th><th>abs err</th><th>rel err</th><th></th>"
            f"</tr></thead><tbody>{rows}</tbody></table>" + (f"<ul>{notes}</ul>" if notes else "")
            + "</div>")


class InlineStepper:
    """The stepper page of `autograd.stepper.stepper_html`, shown inline in an isolated frame.

    The page lives in an ``<iframe srcdoc=…>`` sandboxed to run its own script only: its ids
    cannot clash with another stepper's and its ←/→ handler sees keys only while the frame has
    focus. ``.html`` is the page itself; ``.save(path)`` writes it for a browser.
    """

    def __init__(self, root: Value, *, title: str | None = None, height: int = 620,
                 max_steps: int = 200, rankdir: str = "BT") -> None:
        if not isinstance(root, Value):
            raise TypeError(f"show_stepper: root must be a Value (the result whose gradients the "
                            f"stepper walks back from, e.g. the loss), got {type(root).__name__} "
                            f"{showable(repr(root), 40)}")
        if not isinstance(height, int) or isinstance(height, bool) or height < 100:
            raise ValueError(f"show_stepper: height must be an int of at least 100 (pixels), got {height!r}")
        self.html = stepper_html(root, title=title, max_steps=max_steps, rankdir=rankdir)
        self.height = height

    def _repr_html_(self) -> str:
        return (f'<iframe class="glassgrad-stepper" sandbox="allow-scripts" '
                f'title="glassgrad stepper" srcdoc="{html_text(self.html)}" '
                f'style="width:100%;height:{self.height}px;border:1px solid #ddd"></iframe>'
                f'<div style="color:#777;font-size:.85em">Click the stepper, then use ← → '
                f"(the keys act on the stepper you clicked).</div>")

    def save(self, path: str | Path) -> Path:
        """Write the page to `path` (an .html file to open in any browser), atomically; returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_atomic(path, self.html)


def show_stepper(root: Value, *, title: str | None = None, height: int = 620, max_steps: int = 200,
                 rankdir: str = "BT") -> InlineStepper:
    """The backward pass of `root`, step by step, as an inline stepper (a cell's last line).

    Like `backward_steps`, it leaves the grads of a complete pass behind.
    """
    return InlineStepper(root, title=title, height=height, max_steps=max_steps, rankdir=rankdir)


# Attached here, so that the core never imports this layer (see the module docstring).
Value._repr_svg_ = value_svg
Value._repr_html_ = value_html
Step._repr_html_ = step_html
ForwardStep._repr_html_ = forward_step_html
GradcheckResult._repr_html_ = gradcheck_html
