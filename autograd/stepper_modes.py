"""The forward-mode stepper page, and forward and reverse mode side by side on one page.

`forward_stepper_html(root, x)` is the twin of `stepper.stepper_html`: one frame per
`forward_steps` record, inputs first, the tangents ∂node/∂x filling in from the bottom of the
picture to the top. `modes_stepper_html(root, x)` puts the two passes over the same graph side by
side, step k of each in one frame: forward mode computing ∂root/∂x alone, reverse mode computing
∂root/∂(every input) in one pass — with the pass counts that make the difference.
Both pages are self-contained (inline SVG, CSS and JS) and use the backward page's navigation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from .files import write_atomic
from .markup import fill_template, html_text
from .stepper import (
    _PAGE,
    ForwardStep,
    Step,
    backward_steps,
    check_page_size,
    d,
    format_number,
    forward_steps,
    grad_display,
    node_names,
    reading_order,
)
from .value import Value
from .viz import PAGE_TIMEOUT, draw_frames, draw_step

Seeds = Value | Mapping[Value, float]


def _seeds(where: str, root: Value, wrt: Seeds) -> dict[Value, float]:
    """`wrt` as seeds: an input Value means {input: 1.0} (the derivative by that input alone)."""
    seeds = {wrt: 1.0} if isinstance(wrt, Value) else dict(wrt)
    if not seeds:
        raise ValueError(f"{where}: wrt is empty; pass the input to differentiate by, e.g. wrt=x1")
    return seeds


def tangent_name(name: str, seeds: Mapping[Value, float], names: Mapping[Value, str]) -> str:
    """``∂v1/∂x1`` when the pass differentiates by one input (seed 1), else ``tangent of v1``."""
    ((x, t),) = seeds.items() if len(seeds) == 1 else ((None, 0.0),)
    return f"{d(name)}/{d(names[x])}" if x is not None and t == 1.0 else f"tangent of {name}"


def tangent_display(steps: Sequence[ForwardStep], order: Sequence[Value],
                    seeds: Mapping[Value, float]) -> list[dict[Value, str]]:
    """Per step, the text of every node's tangent cell in the picture after that step.

    The inputs' tangents are given before the pass starts (the seeds, and 0 for every other input
    and constant); a node's tangent is known once its step has run, and ``?`` before.
    """
    shown = {node: format_number(seeds.get(node, 0.0)) for node in order
             if not node.children or node in seeds}
    frames = []
    for step in steps:
        shown[step.node] = format_number(step.tangent)
        frames.append(dict(shown))
    return frames


def _forward_frames(root: Value, seeds: dict[Value, float], rankdir: str, timeout: float
                    ) -> tuple[list[ForwardStep], list[str], dict[Value, str]]:
    """The forward steps and the SVG picture of each (drawn as the backward page's are)."""
    order = reading_order(root)
    names = node_names(order)
    steps = list(forward_steps(root, seeds))
    shown = tangent_display(steps, order, seeds)

    def draw(k: int, direction: str):
        return draw_step(root, steps[k], shown[k], names, svg_id=f"f{k + 1}", rankdir=direction,
                         grad_name="tangent")

    pictures, _ = draw_frames(draw, len(steps), rankdir=rankdir, timeout=timeout)
    return steps, pictures, names


def _forward_explain(step: ForwardStep, seeds: Mapping[Value, float], names: Mapping[Value, str],
                     *, heading: str) -> str:
    """The text beside a forward step's picture: the node, and the table of its inputs' tangents."""
    esc = html_text
    op = step.node.op_info
    name = esc(step.name)
    what = esc(tangent_name(step.name, seeds, names))
    rows = "\n".join(
        f"<tr><td><code>{esc(c.name)}</code></td><td>{esc(format_number(c.tangent))}</td>"
        f"<td><span class='formula'>{esc(c.derivative)}</span>"
        f"<div class='rule'>rule of {esc(op.symbol)}: {esc(c.formula)}</div></td>"
        f"<td>{esc(format_number(c.local))} × {esc(format_number(c.tangent))} = "
        f"<b>{esc(format_number(c.contribution))}</b></td></tr>"
        for c in step.children)
    total = " + ".join(format_number(c.contribution) for c in step.children)
    return "\n".join([
        f'<h2>{heading}Step {step.number} of {step.total}: <code class="node-name">{name}</code></h2>',
        f"<p><code>{name}</code> = {esc(format_number(step.node.data))}, made by "
        f"<code>{esc(step.made_by)}</code> <span class='rule'>(rule of {esc(op.symbol)}: "
        f"out = {esc(op.expr)})</span></p>",
        f"<p>Every input's tangent is known now (inputs come first). <code>{what}</code> gathers "
        f"them: local derivative × the input's tangent, summed.</p>",
        "<table><thead><tr><th>input</th><th>its tangent</th><th>local derivative</th>"
        "<th>local × tangent</th></tr></thead>",
        f"<tbody>\n{rows}\n</tbody></table>",
        f"<p class='result'><code>{what}</code> = {esc(total)} = "
        f"<b class='tangent'>{esc(format_number(step.tangent))}</b></p>",
    ])


def _seed_text(seeds: Mapping[Value, float], names: Mapping[Value, str]) -> str:
    given = ", ".join(f"{names[x]} = {format_number(t)}" for x, t in seeds.items())
    return f"seeds: tangent {given}, every other input 0"


def forward_stepper_html(root: Value, wrt: Seeds, *, title: str | None = None,
                         max_steps: int = 200, rankdir: str = "BT",
                         timeout: float = PAGE_TIMEOUT) -> str:
    """The forward-mode pass of `root` along `wrt` (an input, or seeds ``{x: 1.0, …}``), step by
    step, as one self-contained HTML page: one picture per step (the current node highlighted,
    tangents known so far filled in, the rest ``?``), the step's arithmetic beside it, Prev/Next
    buttons and the arrow keys. No ``.grad`` is touched.
    """
    check_page_size("forward_stepper_html", root, max_steps, "the forward pass")
    seeds = _seeds("forward_stepper_html", root, wrt)
    steps, pictures, names = _forward_frames(root, seeds, rankdir, timeout)
    esc = html_text
    frames = [
        "\n".join([f'<section class="frame" data-step="{step.number}" '
                   f'data-node="{esc(step.name)}" hidden>',
                   f'<div class="picture">{svg}</div>', '<div class="explain">',
                   _forward_explain(step, seeds, names, heading=""),
                   f'<pre class="chain-rule">{esc(str(step))}</pre>', "</div>", "</section>"])
        for step, svg in zip(steps, pictures)]
    what = tangent_name(names[root], seeds, names)
    legend = (f'<p class="legend"><span style="background:#ffb347">current node</span>'
              f'<span style="background:#fff1b8">its inputs, read now</span> tangents: a number is '
              f'known, <code>?</code> is not reached yet ({esc(_seed_text(seeds, names))}). The last '
              f'step gives <code>{esc(what)}</code>.</p>')
    return _page(title or f"Forward pass of {names[root]}", legend, frames)


def modes_stepper_html(root: Value, wrt: Value, *, title: str | None = None,
                       max_steps: int = 200, rankdir: str = "BT",
                       timeout: float = PAGE_TIMEOUT) -> str:
    """Forward and reverse mode over the same graph, side by side, one frame per step of each.

    Left: forward mode computing ∂root/∂`wrt` alone (one pass per input for the whole gradient).
    Right: reverse mode computing ∂root/∂(every input) in one pass. The page says how many passes
    each mode needs for the whole gradient. Like `backward_steps`, it leaves the grads of a
    complete backward pass behind.
    """
    if not isinstance(wrt, Value):
        raise TypeError(f"modes_stepper_html: wrt must be one input Value, got {type(wrt).__name__}")
    n = check_page_size("modes_stepper_html", root, max_steps, "each pass")
    seeds = {wrt: 1.0}
    fsteps, fpictures, names = _forward_frames(root, seeds, rankdir, timeout / 2)
    rsteps = list(backward_steps(root))
    grads = grad_display(rsteps, root)

    def draw(k: int, direction: str):
        return draw_step(root, rsteps[k], grads[k], names, svg_id=f"r{k + 1}", rankdir=direction)

    rpictures, _ = draw_frames(draw, len(rsteps), rankdir=rankdir, timeout=timeout / 2)
    inputs = [node for node in reading_order(root) if not node.children and node.label]
    esc = html_text
    root_name = names[root]
    frames = []
    for k, (fstep, fsvg, rstep, rsvg) in enumerate(zip(fsteps, fpictures, rsteps, rpictures), 1):
        last = k == n
        forward_result = (f"<p class='done'>Forward pass done: <code>{esc(d(root_name))}/"
                          f"{esc(d(names[wrt]))} = {esc(format_number(fstep.tangent))}</code>. For "
                          f"the other {len(inputs) - 1} input(s), run the pass again, once each.</p>"
                          if last else "")
        reverse_result = ("<p class='done'>Backward pass done: every input's gradient, in one "
                          "pass: " + ", ".join(
                              f"<code>{esc(d(root_name))}/{esc(d(names[x]))} = "
                              f"{esc(format_number(x.grad))}</code>" for x in inputs) + ".</p>"
                          if last else "")
        frames.append("\n".join([
            f'<section class="frame pair" data-step="{k}" hidden>',
            f'<div class="pane" data-mode="fwd" data-node="{esc(fstep.name)}">',
            f'<div class="picture">{fsvg}</div>', '<div class="explain">',
            _forward_explain(fstep, seeds, names, heading="Forward mode — "), forward_result,
            "</div></div>",
            f'<div class="pane" data-mode="rev" data-node="{esc(rstep.name)}">',
            f'<div class="picture">{rsvg}</div>', '<div class="explain">',
            _reverse_explain(rstep), reverse_result, "</div></div>",
            "</section>"]))
    m = len(inputs)
    legend = (
        f'<p class="legend"><span style="background:#ffb347">current node</span>'
        f'<span style="background:#fff1b8">its inputs</span> The same graph, {n} steps a pass.</p>'
        f'<div class="passes"><div><b>Forward mode</b> (left), inputs first: this pass computes '
        f'<code>{esc(d(root_name))}/{esc(d(names[wrt]))}</code> alone — pass <b>1</b> of '
        f'<b class="fwd-passes">{m}</b> needed for all {m} inputs (one per input).</div>'
        f'<div><b>Reverse mode</b> (right), root first: this pass computes '
        f'<code>{esc(d(root_name))}/∂</code> of every input at once — pass <b>1</b> of '
        f'<b class="rev-passes">1</b>.</div></div>')
    return _page(title or f"Forward and reverse mode on {root_name}", legend, frames, extra_css=_PAIR_CSS)


def _reverse_explain(step: Step) -> str:
    """The text beside a backward step's picture, short enough for half a page."""
    esc = html_text
    op = step.node.op_info
    up = esc(format_number(step.upstream))
    rows = "\n".join(
        f"<tr><td><code>{esc(c.name)}</code></td><td><span class='formula'>{esc(c.derivative)}</span>"
        f"<div class='rule'>rule of {esc(op.symbol)}: {esc(c.formula)}</div></td>"
        f"<td>{up} × {esc(format_number(c.local))} = <b>{esc(format_number(c.contribution))}</b></td>"
        f"<td>{esc(format_number(c.grad_before))} → <b>{esc(format_number(c.grad_after))}</b></td></tr>"
        for c in step.children)
    return "\n".join([
        f'<h2>Reverse mode — Step {step.number} of {step.total}: '
        f'<code class="node-name">{esc(step.name)}</code></h2>',
        f"<p>Upstream gradient, complete now: <code>∂root/{esc(d(step.name))} = {up}</code>. Each "
        f"input gets upstream × local derivative added to its grad.</p>",
        "<table><thead><tr><th>input</th><th>local derivative</th><th>upstream × local</th>"
        "<th>its grad</th></tr></thead>",
        f"<tbody>\n{rows}\n</tbody></table>",
    ])


_PAIR_CSS = """
.frame.pair { flex-wrap: nowrap; }
.pane { flex: 1 1 0; min-width: 0; border-top: 3px solid #ddd; padding-top: .4rem; }
.pane[data-mode="fwd"] { border-top-color: #3b7dd8; }
.pane[data-mode="rev"] { border-top-color: #d9480f; }
.pane .picture { max-height: 55vh; }
.passes { display: flex; gap: 1.5rem; margin: .3rem 0; }
.passes > div { flex: 1 1 0; }
.done { background: #eef6ee; border: 1px solid #9c9; padding: .4rem .6rem; }
"""


# After the page's own handlers have shown a step (they were registered first, so they run
# first), scroll each visible picture panel so that its current node is in the middle: half a
# page is narrow, and the node a step is about must not be scrolled out of sight.
_CENTRE = """<script>
(function () {
  "use strict";
  function centre() {
    document.querySelectorAll(".frame:not([hidden]) .picture").forEach(function (box) {
      var node = box.querySelector("g.node.current");
      if (!node) { return; }
      var b = box.getBoundingClientRect(), n = node.getBoundingClientRect();
      box.scrollTop += (n.top + n.height / 2) - (b.top + b.height / 2);
      box.scrollLeft += (n.left + n.width / 2) - (b.left + b.width / 2);
    });
  }
  document.getElementById("prev").addEventListener("click", centre);
  document.getElementById("next").addEventListener("click", centre);
  document.addEventListener("keydown", centre);
  centre();
})();
</script>
"""


def _page(title: str, legend: str, frames: list[str], extra_css: str = "") -> str:
    """The backward page's template, filled (in one pass, as `stepper_html` fills it), with the
    CSS for two panes and the script that keeps each current node in view added."""
    template = _PAGE.replace("</style>", extra_css + "</style>").replace("</body>", _CENTRE + "</body>")
    return fill_template(template, {"title": html_text(title), "legend": legend,
                                    "total": str(len(frames)), "frames": "\n".join(frames)})


def write_page(page: str, path: str | Path) -> Path:
    """`page` written to `path` atomically (parent folders created); returns the path."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"write_page: {path} is a folder; give a file name such as "
                                f"{path / 'steps.html'}")
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, page)
