"""Pictures of the computation graph with Graphviz: `draw_dot`, `render`, and the stepper's frames.

Every value is a small table (name, data, grad); every op is an oval with its symbol between its
inputs and its result. In Jupyter the `graphviz.Digraph` that `draw_dot` returns shows inline.

Clusters. Parameters labelled like ``L0.N1.w0`` name their neuron (``L0.N1``) and layer (``L0``),
and an MLP reads best as boxes per neuron inside boxes per layer. A leaf's group is its label
without the last dotted part; an op node joins a group by these rules, applied leaves first:

1. it has a parameter of exactly one group among its inputs — the products ``w·x`` and the sum
   that adds the bias (parameters of two groups meeting: no group, unless one group is inside the
   other: an input put in layer ``L0`` times a weight of neuron ``L0.N1`` joins ``L0.N1``);
2. all of its inputs are nodes of rule 1 or 2 of one group — the sum of the products when there
   is no bias; a sum (``Σ``) always counts here;
3. it has one input, a node of rule 1 or 2 — the activation, where the neuron ends.

Whatever uses the activation (the next layer's products, the loss) is outside the neuron.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import graphviz

from . import markup
from .files import write_atomic
from .value import Value

if TYPE_CHECKING:
    from .stepper import ForwardStep, Step

HIGHLIGHT = "#ffd166"
CURRENT = "#ffb347"
UPDATED = "#fff1b8"
#: seconds one Graphviz job may take before it is stopped (`GraphvizTimeout`)
DOT_TIMEOUT = 60.0
#: seconds a set of pictures (a stepper page) may take in all; and what counts as slow for one
PAGE_TIMEOUT = 120.0
SLOW_PAGE = 10.0
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
_SIZE = re.compile(r"\d{1,4}(\.\d+)?(,\d{1,4}(\.\d+)?)?!?")
_DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+")


class GraphTooLarge(ValueError):
    """The graph has more nodes than `max_nodes`: Graphviz would take long and draw a hairball."""


class GraphvizNotFound(RuntimeError):
    """Graphviz's `dot` program is not installed (or not on PATH), so no picture can be drawn."""


def number_text(x: float, spec: str = ".4g") -> str:
    """`x` formatted with `spec`, never as a negative zero: ``-0.0`` (from w·0 with w < 0) and a
    tiny negative rounded to ``-0.0000`` are both shown without the sign, which only distracts."""
    text = format(x + 0.0, spec)  # + 0.0 turns -0.0 into 0.0
    if text.startswith("-") and not any(ch in "123456789" for ch in text.split("e")[0]):
        text = text[1:]
    return text


def reading_order(root: Value) -> list[Value]:
    """Every node behind `root` in the order the expression reads: each node after its inputs,
    inputs left to right (``x1, w1, x1*w1, x2, w2, x2*w2, …``). Iterative, like `topological_order`.
    Pictures lay their nodes out in this order, so w0 comes left of w1 and neuron N0 left of N1."""
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.children))
    return order


class GraphvizTimeout(RuntimeError):
    """Graphviz's `dot` took longer than its time limit and was stopped."""


class Picture(graphviz.Digraph):
    """What `draw_dot` returns: a `graphviz.Digraph` whose inline display (Jupyter) runs Graphviz
    with our time limit (`DOT_TIMEOUT`, then `GraphvizTimeout`) instead of waiting without end —
    a graph drawn with a raised `max_nodes` must not hang the notebook for hours."""

    def _repr_image_svg_xml(self) -> str:
        return run_dot(self.source, "svg", timeout=DOT_TIMEOUT).decode("utf-8")

    def _repr_image_png(self) -> bytes:
        return run_dot(self.source, "png", timeout=DOT_TIMEOUT)

    def _repr_image_jpeg(self) -> bytes:
        return run_dot(self.source, "jpeg", timeout=DOT_TIMEOUT)


def parameter_group(node: Value) -> str | None:
    """The default clustering of leaves: ``L0.N1.w0`` → ``L0.N1``; labels without a dot → None."""
    label = node.label
    if label and _DOTTED.fullmatch(label):
        return label.rsplit(".", 1)[0]
    return None


def assign_groups(order: list[Value], leaf_group: Callable[[Value], str | None]) -> dict[Value, str]:
    """The group (cluster) of every node that has one, by the rules in the module docstring."""
    group: dict[Value, str] = {}
    body: set[Value] = set()  # nodes of rules 1 and 2: a neuron's products and sums
    params: set[Value] = set()
    for node in order:  # leaves first, so every input is decided before its consumers
        children = node.children
        if not children:
            g = leaf_group(node)
            if g:
                group[node] = g
                params.add(node)
            continue
        direct = {group[c] for c in children if c in params}
        if direct:
            deepest = max(direct, key=len)
            # One group, or groups nested in it (an input of layer "L0" times a weight of
            # neuron "L0.N1"): the node belongs to the innermost.
            if all(deepest == g or deepest.startswith(g + ".") for g in direct):
                group[node] = deepest
                body.add(node)
            continue
        inner = {group.get(c) for c in children}
        if len(inner) != 1 or None in inner or not all(c in body for c in children):
            continue
        group[node] = inner.pop()
        if len(children) > 1 or node.op_info.variadic:
            body.add(node)  # still the weighted sum; an activation may follow
    return group


_WEIGHT = re.compile(r"(.+)\.w(\d+)")


def neuron_names(order: list[Value]) -> dict[Value, str]:
    """Names for the unlabelled nodes a neuron of `nn` builds, read off its parameters' labels.

    `order` lists every node after its inputs. In the neuron ``L0.N1`` (parameters ``L0.N1.w0``,
    ``L0.N1.b``, grouped by the rules in the module docstring): a product with the weight
    ``L0.N1.w0`` is ``L0.N1.w0·x0``, the sum of the products (and the bias) is ``L0.N1.z``, and
    the activation of that sum is ``L0.N1.out``. Nothing is stored on the nodes: `nn` builds them
    unlabelled, because labelling every node as it is made would cost 6% of a training step.
    """
    groups = assign_groups(order, parameter_group)
    names: dict[Value, str] = {}
    for node in order:
        group = groups.get(node)
        if group is None or node.label or not node.children:
            continue
        children = node.children
        weight = next((c for c in children if not c.children and (m := _WEIGHT.fullmatch(c.label))
                       and m.group(1) == group), None)
        if weight is not None and len(children) == 2 and node.op == "*":
            names[node] = f"{weight.label}·x{weight.label.rsplit('.w', 1)[1]}"
        elif len(children) > 1 or node.op_info.variadic:
            names[node] = f"{group}.z"
        elif names.get(children[0]) == f"{group}.z":
            names[node] = f"{group}.out"
    return names


def draw_dot(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    number_format: str = ".4g",
    highlight: Iterable[Value] | Mapping[Value, str] = (),
    cluster: bool | Callable[[Value], str | None] = True,
    max_nodes: int = 500,
    names: Mapping[Value, str] | None = None,
    grad_text: Mapping[Value, str] | None = None,
    svg_id: str | None = None,
    classes: Mapping[Value, str] | None = None,
    edges: Iterable[tuple[Value, Value]] | None = None,
    size: str | None = None,
    stacked: bool = False,
    title: str | None = None,
    fontsize: float = 11,
    nodesep: float | None = None,
    grad_name: str = "grad",
) -> graphviz.Digraph:
    """The graph behind `root` as a `graphviz.Digraph` (a `Picture`): a table per value, an oval per op.

    - `rankdir`: "LR" (inputs on the left, default), "TB", "RL" or "BT".
    - `show_grad`: show each value's ``.grad`` next to its ``.data``.
    - `number_format`: a format spec for data and grad: ".4g" (default: 4 significant digits, so a
      small gradient stays visible) or ".4f" (fixed decimals). ``-0`` is always shown as ``0``.
    - `highlight`: nodes to fill with colour — a set of values, or ``{value: "#colour"}``. Edges
      between two highlighted values are drawn bold, unless `edges` says which to draw bold:
      ``(input, node)`` pairs (the stepper passes the edges its chain-rule step uses).
    - `cluster`: True groups parameters labelled ``L0.N1.w0`` into boxes per neuron inside boxes
      per layer (see the module docstring for which op nodes join them); False for none; or a
      function giving a leaf's group name (dots nest: ``"L0.N1"`` is inside ``"L0"``).
    - `max_nodes`: fail fast with `GraphTooLarge` instead of handing Graphviz a hairball.
    - `names`: text to show as a value's name instead of its label; `grad_text`: text to show in
      place of the grad (the stepper uses both); `svg_id`: a prefix for the ids in SVG output;
      `classes`: a CSS class per value for its ``<g class="node …">`` in SVG output.
    - `size`: Graphviz's size limit in inches, e.g. "13,40": a larger drawing is scaled down to fit.
    - `stacked`: name, data and grad one above the other (a narrow record) instead of in a row.
    - `title`: text above the picture (lines split at ``\\n``, each left-aligned).
    - `grad_name`: the word before the grad cell's number ("tangent" in the forward-mode stepper).
    """
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_dot: rankdir={rankdir!r}; choose 'LR', 'RL', 'TB' or 'BT'")
    try:
        sample = format(-1.5e300, number_format)
    except (ValueError, TypeError):
        raise ValueError(f"draw_dot: number_format={number_format!r} is not a format spec for "
                         f"numbers; try '.4f' or '.3g'") from None
    if len(sample) > 400:  # a width such as "9999" would fill the picture with blanks
        raise ValueError(f"draw_dot: number_format={number_format!r} makes {len(sample)}-character "
                         f"numbers; try '.4f' or '.3g'")
    if not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1:
        raise ValueError(f"draw_dot: max_nodes must be a positive int, got {max_nodes!r}")
    _check_layout(size, fontsize, nodesep)
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot: expected a Value, got {type(root).__name__} {root!r:.40}")
    order = reading_order(root)
    count = len(order) + sum(1 for node in order if node.children)
    if count > max_nodes:
        raise GraphTooLarge(
            f"draw_dot: the graph behind this value has {count:,} nodes ({len(order):,} values and "
            f"{count - len(order):,} ops), more than max_nodes={max_nodes:,}. Draw a sub-graph: pass "
            f"an inner node instead of the root (one neuron's output, one sample's loss instead of "
            f"the batch's). Raising the limit (draw_dot(root, max_nodes={count})) works, but "
            f"Graphviz's time grows with the square of the size: about "
            f"{_duration(layout_seconds(count))} for {count:,} nodes, and render() stops it after "
            f"{DOT_TIMEOUT:g} s (its timeout option).")
    colours = _colours(highlight)
    hot = None if edges is None else set(edges)
    heads = set() if hot is None else {node for _, node in hot}
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    if not (isinstance(cluster, bool) or cluster is None or callable(cluster)):
        raise TypeError(f"draw_dot: cluster must be True, False or a function of a leaf giving its "
                        f"group name, got {type(cluster).__name__} {cluster!r:.40}")
    leaf_group = parameter_group if cluster is True else cluster or None
    groups = assign_groups(order, leaf_group) if leaf_group else {}
    inferred = neuron_names(order)  # L0.N1.w0·x0, L0.N1.z, L0.N1.out for an MLP's nodes

    svg_id = markup.dot_id(svg_id) if svg_id else None
    prefix = f"{svg_id}-" if svg_id else ""
    dot = Picture(name=svg_id or "glassgrad", format="svg")
    # nslimit caps dot's network-simplex passes at 5 × (number of nodes) iterations. Pictures that
    # converge sooner (every MLP we draw) are unchanged; a value shared by many ops in a
    # bottom-to-top layout (x + x + … + x) took minutes uncapped and takes about a second capped.
    # ordering=in keeps each op's inputs left to right in the order they are given (w0·x0 left
    # of w1·x1, the bias last, as z = w·x + b reads); dot's crossing minimiser otherwise may
    # mirror a row (a neuron fed from another box had its weights drawn w3, w2, w1, w0).
    dot.attr(rankdir=rankdir, fontname="Helvetica", bgcolor="white", nslimit="5", nslimit1="5",
             ordering="in")
    if size:
        dot.attr(size=size)
    if nodesep is not None:
        dot.attr(nodesep=f"{nodesep:g}", ranksep=f"{max(nodesep, 0.25):g}")
    if title:
        dot.attr(label=markup.lines_label(title), labelloc="t", labeljust="l", fontsize="12")
    if svg_id:
        dot.attr(id=svg_id)
    dot.attr("node", fontname="Helvetica", fontsize=str(fontsize))
    dot.attr("edge", color="#555555", arrowsize="0.7")

    statements: dict[str | None, list[tuple[str, dict[str, str]]]] = {}
    for node in order:
        nid = ids[node]
        fill = colours.get(node)
        name = (names[node] if names is not None and node in names
                else node.label or inferred.get(node, ""))
        grad = (grad_text.get(node, "?") if grad_text is not None
                else number_text(node.grad, number_format))
        data = number_text(node.data, number_format)
        label = _value_label(name, data, grad if show_grad else None, fill, stacked, grad_name)
        attrs = {"label": label, "shape": "plain", "id": prefix + nid}
        css = (classes or {}).get(node) or ("highlight" if fill else "")
        if css:
            attrs["class"] = " ".join(markup.dot_id(word) for word in str(css).split())
        bucket = statements.setdefault(groups.get(node), [])
        bucket.append((nid, attrs))
        if node.children:
            op = node.op_info
            op_attrs = {"label": markup.text_label(op.symbol), "shape": "ellipse", "id": f"{prefix}{nid}-op",
                        "margin": "0.04,0.02", "height": "0.3"}
            if fill and (hot is None or node in heads):  # only an op that passes gradients on
                op_attrs.update(style="filled", fillcolor=fill, penwidth="2")
            bucket.append((nid + "op", op_attrs))

    for nid, attrs in statements.get(None, []):
        dot.node(nid, **attrs)
    _emit_clusters(dot, statements, prefix)
    bold = {"color": "#d9480f", "penwidth": "2"}
    for node in order:
        if not node.children:
            continue
        group = groups.get(node)
        for child in node.children:
            used = (child, node) in hot if hot is not None else node in colours and child in colours
            attrs = dict(bold) if used else {}
            if group is not None and groups.get(child) != group:
                # An edge into a box from outside it (x into a neuron, a layer's outputs into the
                # next): one rank longer, so the box starts below whatever feeds it and the edge
                # comes in from above instead of running across the boxes beside it.
                attrs["minlen"] = "2"
            dot.edge(ids[child], ids[node] + "op", **attrs)
        dot.edge(ids[node] + "op", ids[node])
    return dot


def _check_layout(size: object, fontsize: object, nodesep: object) -> None:
    """The layout options reach DOT as they are, so they must be what they say (no text)."""
    if size is not None and not (isinstance(size, str) and _SIZE.fullmatch(size)):
        raise ValueError(f"draw_dot: size={markup.showable(repr(size), 60)} is not a Graphviz size; "
                         f"give inches as 'width,height', e.g. '13,40'")
    for name, x in (("fontsize", fontsize), ("nodesep", nodesep)):
        if x is None and name == "nodesep":
            continue
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not 0 < x < 1000:
            raise ValueError(f"draw_dot: {name}={markup.showable(repr(x), 60)}; give a positive "
                             f"number (points for fontsize, inches for nodesep)")


def _colours(highlight: Iterable[Value] | Mapping[Value, str]) -> dict[Value, str]:
    if isinstance(highlight, Value):
        highlight = [highlight]
    if isinstance(highlight, Mapping):
        colours = {}
        for node, fill in highlight.items():
            name = getattr(node, "label", "") or "a value"
            colours[node] = markup.colour(fill, f"draw_dot: highlight colour of {markup.showable(name, 60)}")
        return colours
    return dict.fromkeys(highlight, HIGHLIGHT)


def _value_label(name: str, data: str, grad: str | None, fill: str | None,
                 stacked: bool = False, grad_name: str = "grad") -> str:
    """A Graphviz HTML-like label: one row of cells, name | data | grad (or a column, `stacked`)."""
    esc = markup.label_text
    bg = f' bgcolor="{fill}"' if fill else ""
    cells = []
    if name:
        cells.append(f"<td><b>{esc(name)}</b></td>")
    cells.append(f"<td>data {esc(data)}</td>")
    if grad is not None:
        shown = '<font color="#999999">?</font>' if grad == "?" else esc(grad)  # "?": not reached yet
        cells.append(f"<td>{esc(grad_name)} {shown}</td>")
    rows = "".join(f"<tr>{c}</tr>" for c in cells) if stacked else f"<tr>{''.join(cells)}</tr>"
    padding = 2 if stacked else 4
    return markup.dot_label(f'<table border="0" cellborder="1" cellspacing="0" '
                            f'cellpadding="{padding}"{bg}>{rows}</table>')


def _emit_clusters(dot: graphviz.Digraph, statements: dict, prefix: str) -> None:
    """Nest the groups' nodes in clusters: "L0.N1" inside "L0" (clusters are nested by dots)."""
    keys = [k for k in statements if k is not None]
    every = set()
    for key in keys:
        parts = key.split(".")
        every.update(".".join(parts[: i + 1]) for i in range(len(parts)))

    def build(key: str) -> graphviz.Digraph:
        sub = graphviz.Digraph(name=f"cluster_{markup.dot_id(key)}")
        depth = key.count(".")
        sub.attr(label=markup.text_label(key), labeljust="l", fontname="Helvetica", fontsize="11",
                 style="rounded,filled", fillcolor="#f3f6fb" if depth else "#fbfbf3", color="#8899aa",
                 id=f"{prefix}cluster-{markup.dot_id(key)}")
        for nid, attrs in statements.get(key, []):
            sub.node(nid, **attrs)
        for child in sorted(k for k in every if "." in k and k.rsplit(".", 1)[0] == key):
            sub.subgraph(build(child))  # the groups one level down: "L0.N1" under "L0"
        return sub

    for top in sorted(k for k in every if "." not in k):
        dot.subgraph(build(top))


def draw_step(root: Value, step: Step | ForwardStep, grad_text: Mapping[Value, str],
              names: Mapping[Value, str], *, svg_id: str | None = None, rankdir: str = "BT",
              grad_name: str = "grad") -> graphviz.Digraph:
    """One frame of the stepper: `step`'s node highlighted, its inputs lit, grads from `grad_text`
    (a forward-mode step too: then the cells show tangents, named by `grad_name`).

    Bold are exactly the edges the step's chain rule uses: from each input to the node's op.
    In SVG the current node is ``<g class="node current">`` and its inputs ``class="node updated"``.
    Bottom to top by default: the root on top, so the pass reads downwards, step after step.
    """
    colours = {c.child: UPDATED for c in step.children}
    colours[step.node] = CURRENT
    classes = dict.fromkeys(colours, "updated")
    classes[step.node] = "current"
    return draw_dot(root, highlight=colours, names=names, grad_text=grad_text, number_format=".4g",
                    svg_id=svg_id, classes=classes, max_nodes=10_000, rankdir=rankdir,
                    edges=[(c.child, step.node) for c in step.children], stacked=True,
                    grad_name=grad_name)


def run_dot(source: str, fmt: str, *, timeout: float = DOT_TIMEOUT) -> bytes:
    """Lay out and draw Graphviz `source` with the `dot` program; the picture's bytes.

    Raises `GraphvizNotFound` (with install instructions) when `dot` is missing, `GraphvizTimeout`
    when it takes more than `timeout` seconds (it is stopped), and a `RuntimeError` with dot's own
    message when it fails.
    """
    exe = shutil.which("dot", path=os.environ.get("PATH", os.defpath))
    if exe is None:
        raise GraphvizNotFound(f"Graphviz's `dot` program was not found on PATH, so no {fmt} "
                               f"picture can be drawn. {INSTALL_HINT}")
    try:
        done = subprocess.run([exe, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:  # subprocess.run has killed dot by now
        raise GraphvizTimeout(f"Graphviz's dot took more than {timeout:g} s to lay out the graph and "
                              f"was stopped; draw a smaller sub-graph (pass an inner node instead of "
                              f"the root), or allow more time with timeout=…") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"Graphviz's dot failed (exit code {done.returncode}): {message}")
    return done.stdout


INSTALL_HINT = ("Install Graphviz: `sudo apt-get install graphviz` (Debian/Ubuntu), "
                "`brew install graphviz` (macOS), `conda install -c conda-forge graphviz` (conda), "
                "or the installer from graphviz.org (Windows; then add its bin folder to PATH).")


def layout_seconds(nodes: int) -> float:
    """A rough guess of dot's time for a graph of `nodes` nodes, to warn before a long wait.

    Measured (2 cores, Graphviz 2.43): a chain of tanh neurons takes 0.05 s of CPU at 500 nodes,
    0.6 s at 2,000 and 2.6 s at 4,000 — about the square of the size, 2.5 s × (nodes/4,000)².
    """
    return 2.5 * (nodes / 4000) ** 2


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds / 86400:,.0f} days"


def svg_source(dot: graphviz.Digraph, *, timeout: float = DOT_TIMEOUT) -> str:
    """The SVG markup of a drawn graph, without the XML prologue, for inlining into HTML."""
    svg = run_dot(dot.source, "svg", timeout=timeout).decode("utf-8")
    return svg[svg.index("<svg"):]


def draw_frames(draw: Callable[[int, str], graphviz.Digraph], count: int, *, rankdir: str = "BT",
                timeout: float = PAGE_TIMEOUT,
                clock: Callable[[], float] = time.perf_counter) -> tuple[list[str], str]:
    """The SVG of `count` pictures of one graph (the stepper's frames): ``draw(k, rankdir)`` is
    picture k. Returns the pictures and the layout direction they were drawn in.

    Measure, choose, cap: picture 0 is drawn in `rankdir` and timed. If the whole set would take
    long (over `SLOW_PAGE` seconds), picture 0 is drawn left-to-right too, and that layout is kept
    if it is at least twice as fast — a value shared by many ops (x + x + … + x) can take dot far
    longer top-to-bottom than left-to-right. If the estimate (time of picture 0 × `count`) still
    exceeds `timeout` seconds, `GraphvizTimeout` says so before the long wait starts; and every
    job is stopped at the deadline.
    """
    deadline = clock() + timeout

    def timed(k: int, direction: str, limit: float) -> tuple[str | None, float]:
        start = clock()
        try:
            return svg_source(draw(k, direction), timeout=max(limit, 0.01)), clock() - start
        except GraphvizTimeout:
            return None, limit

    first, took = timed(0, rankdir, timeout)
    if rankdir != "LR" and (first is None or took * count > SLOW_PAGE):
        other, other_took = timed(0, "LR", min(took / 2, deadline - clock()))
        if other is not None and other_took < took / 2:
            first, took, rankdir = other, other_took, "LR"
    if first is None or clock() + took * (count - 1) > deadline:
        shown = f"about {_duration(took * count)}" if first is not None else "longer than that"
        raise GraphvizTimeout(
            f"drawing {count} pictures of this graph would take Graphviz {shown} ({took:.2g} s for "
            f"the first), more than timeout={timeout:g} s. Step through a smaller sub-graph (pass an "
            f"inner node instead of the root), or allow more time with timeout=….")
    pictures = [first]
    for k in range(1, count):
        svg, _ = timed(k, rankdir, deadline - clock())
        if svg is None:
            raise GraphvizTimeout(f"drawing {count} pictures of this graph took Graphviz more than "
                                  f"timeout={timeout:g} s (stopped at picture {k + 1}); step through "
                                  f"a smaller sub-graph, or allow more time with timeout=….")
        pictures.append(svg)
    return pictures, rankdir


def render(root: Value, path: str | os.PathLike, *, timeout: float = DOT_TIMEOUT,
           **options: Any) -> Path:
    """Draw the graph behind `root` into `path`; the format comes from the extension.

    ``.svg``, ``.png``, ``.pdf`` need Graphviz's `dot`; ``.dot`` (or ``.gv``) writes the source.
    The file is written atomically: it holds the old picture or the new one, never half of one.
    If `dot` is missing, the source is written next to `path` (``.dot``) — unless a file of that
    name exists, which is left alone — and `GraphvizNotFound` says how to install Graphviz.
    `dot` is stopped after `timeout` seconds (`GraphvizTimeout`). `options` are those of
    `draw_dot`. Returns the path written.
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"render: cannot tell the picture format from {str(path)!r}; end the file "
                         f"name with one of {', '.join(FORMATS)}")
    if path.is_dir():
        raise IsADirectoryError(f"render: {path} is a folder; give a file name such as "
                                f"{path / ('graph' + path.suffix)}")
    dot = draw_dot(root, **options)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "dot":
        return write_atomic(path, dot.source)
    try:
        picture = run_dot(dot.source, fmt, timeout=timeout)
    except GraphvizNotFound:
        source = path.with_suffix(".dot")
        try:
            write_atomic(source, dot.source, overwrite=False)
            saved = (f"The graph's source is in {source}; once Graphviz is installed, "
                     f"`dot -T{fmt} {source} -o {path}` draws it.")
        except FileExistsError:
            saved = (f"The graph's source was not saved: {source} already exists and was left as "
                     f"it is (render(root, 'other-name.dot') writes the source).")
        raise GraphvizNotFound(
            f"render: Graphviz's `dot` program was not found on PATH, so {path} was not drawn. "
            f"{saved} {INSTALL_HINT}") from None
    return write_atomic(path, picture)
