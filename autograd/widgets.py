"""The live stepper: a kernel-backed Jupyter widget (needs the ``[notebook]`` extra: anywidget).

    from autograd.widgets import StepperWidget
    StepperWidget(loss)            # a cell's last line

Prev/Next/Play (or ←/→ while the widget has focus) walk the backward pass one node at a time:
the graph with the current node highlighted, and the chain-rule table of that step. Every leaf's
number is a field: an edit re-runs the forward pass (each node's op's forward rule, leaves first)
and the backward pass in the kernel, and redraws. "Predict" hides each step until the learner has
typed the highlighted node's gradient: right within `TOLERANCE`, or the chain rule that gives it.

The browser side is one small ES module (static/stepper_widget.js) that only shows what the
kernel sends and sends back clicks and typed text; every number is computed here, by the engine.
A pass is a small class (`BackwardPass`): a new mode is one more such class in `PASSES`.
"""

from __future__ import annotations

import html
import math
import re
import uuid
from pathlib import Path
from typing import Any

try:
    import anywidget
    import traitlets
except ImportError as err:  # the core and `make test` do without it; say how to get it
    raise ImportError(f"autograd.widgets needs the notebook extra ({err.name} is missing): "
                      f"pip install -e '.[notebook]' (or pip install anywidget)") from err

from .markup import html_text
from .notebook import forward_step_html, step_html
from .stepper import (
    ForwardStep,
    Step,
    backward_steps,
    d,
    format_number,
    forward_steps,
    grad_display,
    node_names,
    reading_order,
)
from .value import Value, forward_error, topological_order
from .viz import draw_dot, number_text, svg_source

#: A prediction is right when |guess − true| ≤ TOLERANCE · max(1, |true|).
TOLERANCE = 1e-3
_STATIC = Path(__file__).parent / "static"
#: The look of glassgrad's widgets (this one and `nn.widgets.TrainingView`).
WIDGET_CSS = (_STATIC / "widgets.css").read_text(encoding="utf-8")


def rerun_forward(order: list[Value]) -> None:
    """Recompute every op node's ``.data`` from its inputs with the op's forward rule, leaves first.

    `order` is `topological_order(root)`. A rule that fails (log of a negative after an edit)
    raises the engine's own message, naming the op and its inputs.
    """
    for node in order:
        if node.children:
            op, children = node.op_info, node.children
            try:
                node.data = op.forward(*[c.data for c in children])
            except (ValueError, ZeroDivisionError, OverflowError, TypeError) as err:
                raise forward_error(op, children, err) from None


class Picture:
    """One Graphviz layout of a graph, redrawn for every frame and every edit without Graphviz.

    Laying a graph out is what takes time (a third of a second for 50 nodes); the layout does not
    change when only numbers do. So the graph is laid out once with every number cell as wide as
    the widest number (``+1.234e+05``) and every grad cell as wide as ``-1.23457e-05 + …``, and a
    frame is the same SVG with the cells' texts swapped and CSS classes set: ``current`` and
    ``updated`` on nodes, ``hot`` on the edges a step uses (widgets.css colours them).
    """

    _WIDE = "-8.88888e-88 + …"  # as wide as any text a grad (or tangent) cell shows

    def __init__(self, root: Value, names: dict[Value, str], rankdir: str) -> None:
        order = topological_order(root)
        prefix = f"gg-{uuid.uuid4().hex[:8]}"
        mine = {f"gg{i}": node for i, node in enumerate(order)}  # a class per value: which box is whose
        svg = svg_source(draw_dot(root, names=names, grad_text=dict.fromkeys(order, self._WIDE),
                                  number_format="+.3e", svg_id=prefix, max_nodes=10_000,
                                  rankdir=rankdir, classes={node: c for c, node in mine.items()}))
        holes: list[tuple[int, int, str, Any]] = []  # (start, end, kind, key) of text to swap
        by_id: dict[str, Value] = {}  # a value's SVG id; its op's is the same + "-op"
        for m in re.finditer(r'<g id="([^"]*)" class="(node (gg\d+))">', svg):
            node = mine[m.group(3)]
            by_id[html.unescape(m.group(1))] = node
            holes.append((m.start(2), m.end(2), "class", node))
            # The box's last two texts are its data and grad cells (a label may say anything).
            texts = list(re.finditer(r">([^<]*)</text>", svg[m.end():svg.index("</g>", m.end())]))
            for kind, t in zip(("data", "grad"), texts[-2:]):
                holes.append((m.end() + t.start(1), m.end() + t.end(1), kind, node))
        for m in re.finditer(r'<g id="([^"]*)" class="(node)">', svg):
            ident = html.unescape(m.group(1))
            if ident.endswith("-op") and ident[:-3] in by_id:
                holes.append((m.start(2), m.end(2), "op-class", by_id[ident[:-3]]))
        # Edges are titled with Graphviz's node names: a value's is its id without the prefix.
        dot_name = {ident[len(prefix) + 1:]: node for ident, node in by_id.items()}
        for m in re.finditer(r'<g id="[^"]*" class="(edge)">\s*<title>([^<]*)</title>', svg):
            tail, _, head = html.unescape(m.group(2)).partition("->")  # input -> op, or op -> result
            key = (dot_name[tail], dot_name[head.removesuffix("op")]) if tail in dot_name else None
            holes.append((m.start(1), m.end(1), "edge", key))
        holes.sort(key=lambda h: h[0])
        self.pieces, self.holes, at = [], [], 0
        for start, end, kind, key in holes:
            self.pieces.append(svg[at:start])
            self.holes.append((kind, key))
            at = end
        self.pieces.append(svg[at:])

    def draw(self, second: dict[Value, str], *, word: str = "grad", classes: dict[Value, str],
             edges: set[tuple[Value, Value]]) -> str:
        """The picture with current data, the text `second` in each node's last cell (after `word`;
        "?" where a node has none), the nodes' CSS `classes` and the `edges` of the step drawn hot."""
        esc = html_text
        out = [self.pieces[0]]
        for (kind, key), piece in zip(self.holes, self.pieces[1:]):
            if kind == "data":
                out.append(f"data {esc(number_text(key.data, '.4g'))}")
            elif kind == "grad":
                out.append(f"{word} {esc(second.get(key, '?'))}")
            elif kind == "edge":
                out.append("edge hot" if key in edges else "edge")
            else:  # "class" of a value's box, "op-class" of its op's oval: current-op, updated-op
                css = classes.get(key)
                out.append("node" if not css else f"node {css}" if kind == "class" else f"node {css}-op")
            out.append(piece)
        return "".join(out)


class BackwardPass:
    """The backward pass of a graph as frames: one per `Step`, drawn on demand.

    Every pass class has this shape: built from (root, order, rankdir, seed leaf), it has a length
    and, per frame k, a `picture` (SVG), an `explain`-ation (HTML), a `question` and its `truth`
    for predict mode, and the `chain` rule that gives the truth.
    """

    seed = None  # no seed: the backward pass starts at the root

    def __init__(self, root: Value, order: list[Value], rankdir: str, seed: Value | None) -> None:
        for node in order:  # this pass's gradients only: leaves would otherwise accumulate
            node.grad = 0.0
        self.root, self.rankdir = root, rankdir
        self.names = node_names(reading_order(root))  # the names the steps use
        self.steps: list[Step] = list(backward_steps(root))
        self.shown = grad_display(self.steps, root)
        self.drawing: Picture | None = None  # the widget hands over its layout (see `Picture`)

    def __len__(self) -> int:
        return len(self.steps)

    def picture(self, k: int, hidden: bool) -> str:
        """Frame k as SVG; `hidden` draws it before the step: its node's gradient is a "?"."""
        step = self.steps[k]
        if hidden:
            shown = dict(self.shown[k - 1]) if k else {}
            shown[step.node] = "?"
            return self.drawing.draw(shown, classes={step.node: "current"}, edges=set())
        classes = {c.child: "updated" for c in step.children}
        classes[step.node] = "current"
        return self.drawing.draw(self.shown[k], classes=classes,
                                 edges={(c.child, step.node) for c in step.children})

    def explain(self, k: int) -> str:
        return step_html(self.steps[k])

    def question(self, k: int) -> str:
        name = self.steps[k].name
        return (f"<p>What is <code>∂root/{html_text(d(name))}</code>, the gradient that reaches "
                f"<code>{html_text(name)}</code>? Type it and press Enter.</p>")

    def truth(self, k: int) -> float:
        return self.steps[k].upstream

    def chain(self, k: int) -> str:
        """How step k's gradient comes about: the seed, or a sum over the node's consumers."""
        node, name = self.steps[k].node, self.steps[k].name
        if node is self.root:
            return f"∂root/{d(name)} = 1: the root's gradient is the seed of the pass."
        parts = [f"(∂root/{d(s.name)} = {format_number(s.upstream)}) × ({c.derivative})"
                 for s in self.steps[:k] for c in s.children if c.child is node]
        return (f"∂root/{d(name)} sums, over the nodes that use {name}, their gradient × their local "
                f"derivative: {' + '.join(parts)} = {format_number(self.truth(k))}")


class ForwardPass:
    """The forward pass along one leaf (its tangent 1, every other leaf's 0), one node per frame.

    The same local derivatives as the backward pass, walked leaves-first: each node's tangent is
    Σ ∂node/∂input · tangent(input). The last frame's tangent is d root / d seed, which the
    backward pass (run too, for the leaves' grads) gives as ``seed.grad``.
    """

    def __init__(self, root: Value, order: list[Value], rankdir: str, seed: Value | None) -> None:
        if seed is None:
            raise ValueError("forward mode: the graph has no labelled leaf to differentiate along; "
                             "label an input, e.g. Value(2.0, label='x')")
        for node in order:
            node.grad = 0.0
        root.backward()
        self.root, self.seed, self.rankdir = root, seed, rankdir
        self.names = node_names(order)  # the names forward_steps gives its records
        self.steps: list[ForwardStep] = list(forward_steps(root, {seed: 1.0}))
        self.known = {node: (1.0 if node is seed else 0.0) for node in order if not node.children}
        self.drawing: Picture | None = None

    def __len__(self) -> int:
        return len(self.steps)

    def picture(self, k: int, hidden: bool) -> str:
        """Frame k: every tangent known after step k in the nodes' last cells (``?`` before)."""
        step = self.steps[k]
        tangents = {node: format_number(t) for node, t in self.known.items()}
        tangents.update((s.node, format_number(s.tangent)) for s in self.steps[:k + 1])
        if hidden:
            tangents.pop(step.node)
        classes = {c.child: "updated" for c in step.children}
        classes[step.node] = "current"
        return self.drawing.draw(tangents, word="tangent", classes=classes,
                                 edges={(c.child, step.node) for c in step.children})

    def explain(self, k: int) -> str:
        step, seed = self.steps[k], html_text(self.names[self.seed])
        shown = forward_step_html(step, along=self.names[self.seed])
        if k < len(self.steps) - 1:
            return shown
        return shown + (f"<p>The root's tangent is d root / d {seed} = "
                        f"{html_text(format_number(step.tangent))}; the backward pass gives "
                        f"{seed}.grad = {html_text(format_number(self.seed.grad))}.</p>")

    def question(self, k: int) -> str:
        step = self.steps[k]
        return (f"<p>What is the tangent of <code>{html_text(step.name)}</code>, d {html_text(step.name)}"
                f" / d {html_text(self.names[self.seed])}? Type it and press Enter.</p>")

    def truth(self, k: int) -> float:
        return self.steps[k].tangent

    def chain(self, k: int) -> str:
        step = self.steps[k]
        parts = [f"({c.formula}) × (tangent of {c.name} = {format_number(c.tangent)})" for c in step.children]
        return (f"The tangent of {step.name} sums, over its inputs, local derivative × the input's "
                f"tangent: {' + '.join(parts)} = {format_number(step.tangent)}")


#: The passes a stepper can show, by name: one class per mode, all of the same shape.
PASSES: dict[str, type] = {"backward": BackwardPass, "forward": ForwardPass}


class StepperWidget(anywidget.AnyWidget):
    """A live stepper for the graph behind `root` (see the module docstring).

    Bad input never breaks the widget: a root that is not a `Value`, a graph with no op, an edit
    that takes an op out of its domain — each shows the engine's message in place (an edit is
    then undone), and `set_root` can load another graph at any time.
    """

    _esm = (_STATIC / "stepper_widget.js").read_text(encoding="utf-8")
    _css = WIDGET_CSS

    title = traitlets.Unicode("").tag(sync=True)
    mode = traitlets.Unicode("backward").tag(sync=True)
    modes = traitlets.List(traitlets.Unicode()).tag(sync=True)
    index = traitlets.Int(0).tag(sync=True)
    total = traitlets.Int(0).tag(sync=True)
    picture = traitlets.Unicode("").tag(sync=True)
    explain = traitlets.Unicode("").tag(sync=True)
    leaves = traitlets.List(traitlets.Dict()).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    predict = traitlets.Bool(False).tag(sync=True)
    revealed = traitlets.Bool(True).tag(sync=True)
    feedback = traitlets.Unicode("").tag(sync=True)
    root_value = traitlets.Unicode("").tag(sync=True)
    seed = traitlets.Unicode("").tag(sync=True)  # forward mode: the leaf whose tangent is 1

    def __init__(self, root: Any, *, predict: bool = False, mode: str = "backward",
                 rankdir: str = "BT", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.modes = list(PASSES)
        self._rankdir = rankdir
        self._pass: Any = None
        self._pictures: dict[str, Picture] = {}  # one layout per mode for the graph shown
        self._root: Value | None = None
        self._leaves: list[Value] = []
        self._quiet = False  # True while the kernel itself moves index/mode: no re-render then
        self.on_msg(self._on_message)
        with self.hold_sync():
            self.predict, self.revealed = predict, not predict
            if mode in PASSES:
                self.mode = mode
            self.set_root(root)
            if mode not in PASSES:
                self.error = (f"StepperWidget: mode={mode!r} is not known; choose one of "
                              f"{', '.join(map(repr, PASSES))}. Showing the {self.mode} pass.")
        self.observe(self._on_view_change, names=["index", "predict", "mode", "seed"])

    # -- loading and recomputing -------------------------------------------------------------------

    def set_root(self, root: Any) -> None:
        """Show the pass of another graph (its grads are those of a complete pass afterwards)."""
        self._pass, self._root, self._leaves, self._pictures = None, None, [], {}
        if not isinstance(root, Value):
            self._fail(f"StepperWidget: expected a Value as the root, got {type(root).__name__} "
                       f"{root!r:.40}; pass the Value whose gradients you want, e.g. the loss.")
            return
        order = topological_order(root)
        self._root = root
        # The labelled leaves, by label: the numbers a learner may change (constants stay put).
        self._leaves = sorted((node for node in order if not node.children and node.label),
                              key=lambda node: node.label)
        if not root.children:
            self._fail(f"StepperWidget: the root {root!r} is a leaf, so the backward pass has no "
                       f"steps; build an expression with at least one op, e.g. (a * b).tanh().")
            return
        self._recompute(order)

    def _recompute(self, order: list[Value] | None = None) -> None:
        order = order or topological_order(self._root)
        try:
            self._pass = PASSES[self.mode](self._root, order, self._rankdir, self._seed())
            # The layout depends on the graph and the names only, not on the numbers: an edit
            # reuses it, so no Graphviz run stands between a new number and the new picture.
            if self.mode not in self._pictures:
                self._pictures[self.mode] = Picture(self._root, self._pass.names, self._rankdir)
            self._pass.drawing = self._pictures[self.mode]
        except (ValueError, ZeroDivisionError, OverflowError, TypeError, RuntimeError) as err:
            self._fail(str(err))  # RuntimeError: Graphviz missing or failing
            return
        with self.hold_sync():
            self.error = ""
            self._quiet = True
            self.total = len(self._pass)
            self.index = max(0, min(self.index, self.total - 1))
            self._quiet = False
            self._send_leaves()
            self._render()

    def _seed(self) -> Value | None:
        """The leaf forward mode differentiates along: the one named `seed`, else the first."""
        for leaf in self._leaves:
            if leaf.label == self.seed:
                return leaf
        return self._leaves[0] if self._leaves else None

    def _send_leaves(self) -> None:
        self.leaves = [{"name": leaf.label, "value": format_number(leaf.data),
                        "grad": format_number(leaf.grad)} for leaf in self._leaves]
        if self._root is not None:
            self.root_value = format_number(self._root.data)
        seed = self._seed()
        self.seed = seed.label if seed is not None else ""

    def _fail(self, message: str) -> None:
        with self.hold_sync():
            self.error = message
            self.picture = self.explain = self.feedback = ""
            self._quiet = True
            self.total = self.index = 0
            self._quiet = False
            self._send_leaves()

    def _render(self) -> None:
        if self._pass is None:
            return
        k = self.index
        hidden = self.predict and not self.revealed
        try:
            picture = self._pass.picture(k, hidden)
        except (ValueError, RuntimeError) as err:  # GraphTooLarge, dot missing or failing
            self._fail(str(err))
            return
        with self.hold_sync():
            self.picture = picture
            self.explain = self._pass.question(k) if hidden else self._pass.explain(k)

    def _on_view_change(self, change: dict) -> None:
        if self._quiet:
            return
        if change["name"] == "index" and not 0 <= self.index < max(self.total, 1):
            self.index = max(0, min(self.index, self.total - 1))  # observed again, in range
            return
        if change["name"] == "seed" and getattr(self._pass, "seed", None) in (None, self._seed()):
            return  # the backward pass has no seed, or the forward pass has this one already
        with self.hold_sync():
            self.revealed = not self.predict
            self.feedback = ""
            if change["name"] in ("mode", "seed"):
                self._quiet, self.index, self._quiet = True, 0, False  # a new pass starts at step 1
                self._recompute()
            else:
                self._render()

    # -- messages from the page --------------------------------------------------------------------

    def _on_message(self, _widget: Any, content: dict, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        if "edit" in content:
            self.edit_leaf(content.get("edit"), content.get("value"))
        elif "guess" in content:
            self.guess(content.get("guess"))

    def edit_leaf(self, i: Any, text: Any) -> None:
        """Set leaf `i` (in the order shown: by label) to the number in `text`; re-run both passes."""
        if not isinstance(i, int) or not 0 <= i < len(self._leaves):
            return
        leaf = self._leaves[i]
        try:
            x = float(str(text).strip())
        except ValueError:
            self._edit_error(f"{leaf.label}: {str(text)[:40]!r} is not a number; type one, e.g. -0.5")
            return
        if not math.isfinite(x):
            self._edit_error(f"{leaf.label}: {x} is not a finite number; type a finite one")
            return
        old, leaf.data = leaf.data, x
        order = topological_order(self._root)
        try:
            rerun_forward(order)
        except (ValueError, ZeroDivisionError, OverflowError, TypeError) as err:
            leaf.data = old
            rerun_forward(order)  # the graph as it was before the edit
            self._edit_error(f"{err} (The edit {leaf.label} = {x:g} was undone.)")
            return
        self._recompute(order)

    def _edit_error(self, message: str) -> None:
        with self.hold_sync():
            self.error = message
            self._send_leaves()  # the fields show the numbers in force again

    def guess(self, text: Any) -> None:
        """Check a predicted gradient for the current step; reveal the step either way."""
        if self._pass is None:
            return
        try:
            x = float(str(text).strip())
        except ValueError:
            self.feedback = f"<p class='wrong'>{html_text(str(text)[:40])!r} is not a number.</p>"
            return
        k = self.index
        truth = self._pass.truth(k)
        ok = abs(x - truth) <= TOLERANCE * max(1.0, abs(truth))
        verdict = (f"Right: {format_number(truth)} (within {TOLERANCE:g})." if ok else
                   f"Not quite: you said {format_number(x)}. {self._pass.chain(k)}")
        with self.hold_sync():
            self.feedback = f"<p class='{'right' if ok else 'wrong'}'>{html_text(verdict)}</p>"
            self.revealed = True
            self._render()
