"""Graphviz pictures: nodes, edges and labels of known graphs, MLP clusters, the node limit,
`render` with and without the `dot` program, and the XOR demo's pictures."""

from __future__ import annotations

import html as html_lib
import re
import stat

import pytest

from autograd import Value, draw_dot, parse_expression, render, sum_values
from autograd.viz import (
    HIGHLIGHT,
    GraphTooLarge,
    GraphvizNotFound,
    assign_groups,
    number_text,
    parameter_group,
)
from demos.xor_pictures import write_pictures
from nn import MLP, mse


def statements(dot) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The node statements (name → attributes) and edges (tail, head) of a Digraph's source."""
    nodes, edges = {}, []
    for line in dot.source.splitlines():
        edge = re.match(r"\s*(\w+) -> (\w+)", line)
        node = re.match(r"\s*(\w+) \[(.*)\]$", line)
        if edge:
            edges.append(edge.groups())
        elif node and node.group(1) not in ("node", "edge", "graph"):
            nodes[node.group(1)] = node.group(2)
    return nodes, edges


def example():
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    return d, (a, b, c, e)


def test_a_known_graph_has_one_record_per_value_and_one_node_per_op():
    d, _ = example()
    d.backward()
    nodes, edges = statements(draw_dot(d))
    values = {k: v for k, v in nodes.items() if not k.endswith("op")}
    op_nodes = {k: v for k, v in nodes.items() if k.endswith("op")}
    assert len(values) == 5 and len(op_nodes) == 2
    assert sorted(re.search(r"label=<([^<> ]+)>", v).group(1) for v in op_nodes.values()) == ["+", "×"]
    # Each op: an edge from each input into the op node, one from the op node to its result.
    assert len(edges) == 2 + 2 + 2
    a_record = next(v for v in values.values() if "<b>a</b>" in v)
    assert "data 2<" in a_record and "grad -3<" in a_record
    e_record = next(v for v in values.values() if "<b>e</b>" in v)
    assert "data -6<" in e_record and "grad 1<" in e_record
    assert "rankdir=LR" in draw_dot(d).source


def test_a_shared_input_has_one_edge_per_use():
    a = Value(3.0, label="a")
    nodes, edges = statements(draw_dot(a + a))
    assert len(nodes) == 3
    (a_id,) = [k for k, v in nodes.items() if "<b>a</b>" in v]
    assert edges.count((a_id, next(k for k in nodes if k.endswith("op")))) == 2


def test_options_format_grad_direction_and_highlight():
    d, (a, _, _, e) = example()
    source = draw_dot(d, number_format=".2f", show_grad=False, rankdir="TB").source
    assert "data 2.00<" in source and "grad <font" not in source and "rankdir=TB" in source
    source = draw_dot(d, highlight={e}).source
    (line,) = [x for x in source.splitlines() if "<b>e</b>" in x]
    assert f'bgcolor="{HIGHLIGHT}"' in line and "class=highlight" in line
    assert sum(f'bgcolor="{HIGHLIGHT}"' in x for x in source.splitlines()) == 1
    assert 'fillcolor="#00ff00"' in draw_dot(d, highlight={e: "#00ff00"}).source
    names = draw_dot(d, names={a: "first"}, grad_text={a: "?"}).source
    assert "<b>first</b>" in names and ">?</font>" in names
    with pytest.raises(ValueError, match="rankdir='XY'"):
        draw_dot(d, rankdir="XY")
    with pytest.raises(ValueError, match="number_format='%d'"):
        draw_dot(d, number_format="%d")
    with pytest.raises(ValueError, match="max_nodes"):
        draw_dot(d, max_nodes=0)
    with pytest.raises(TypeError, match="expected a Value"):
        draw_dot(3.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cluster must be True, False or a function"):
        draw_dot(d, cluster="neuron")  # type: ignore[arg-type]


def test_edges_between_highlighted_values_are_bold():
    d, (a, _, _, e) = example()
    nodes, _ = statements(draw_dot(d))
    ident = {name: next(k for k, v in nodes.items() if f"<b>{name}</b>" in v) for name in "abe"}
    lines = draw_dot(d, highlight={a, e}).source.splitlines()
    into_product = {x.split(" -> ")[0].strip(): x for x in lines if f"-> {ident['e']}op" in x}
    assert "penwidth=2" in into_product[ident["a"]]  # a and e both highlighted
    assert "penwidth" not in into_product[ident["b"]]  # b is not


def test_the_node_limit_fails_fast_with_the_count_and_the_way_out():
    x = Value(0.5, label="x")
    y = x
    for _ in range(150):
        y = y * 1.01  # each step: a constant leaf, a product and its op node
    with pytest.raises(GraphTooLarge) as info:
        draw_dot(y, max_nodes=400)
    message = str(info.value)
    assert "451 nodes" in message and "301 values and 150 ops" in message  # 1 + 2·150, and 150
    assert "max_nodes=400" in message and "max_nodes=451" in message and "sub-graph" in message
    assert isinstance(info.value, ValueError)
    nodes, _ = statements(draw_dot(y, max_nodes=451))
    assert len(nodes) == 451


def neuron_outputs(model: MLP, x: list[float]) -> tuple[Value, list[list[Value]]]:
    """One sample through the model layer by layer, keeping every neuron's output."""
    h: list = [Value(xi, label=f"x{i}") for i, xi in enumerate(x)]
    outputs = []
    for layer in model.layers:
        h = layer(h)
        outputs.append(h)
    return h[0], outputs


def test_an_mlp_is_grouped_by_neuron_up_to_its_activation():
    model = MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=1)
    prediction, outputs = neuron_outputs(model, [0.5, -1.0])
    loss = mse(prediction, 1.0)
    from autograd import topological_order

    order = topological_order(loss)
    groups = assign_groups(order, parameter_group)
    for i, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            key = f"L{i}.N{j}"
            members = [n for n in order if groups.get(n) == key]
            # parameters (nin + 1), products (nin), the sum and the activation
            nin = len(neuron.w)
            assert len(members) == 2 * nin + 3, key
            assert outputs[i][j] in members and groups[outputs[i][j]] == key
            assert all(groups[p] == key for p in neuron.parameters())
    outside = [n for n in order if n not in groups]
    assert loss in outside and all(not n.children or n.op in ("-", "**", "sum", "*") for n in outside)
    assert all(n.label.startswith("x") or not n.label or n is loss for n in outside if not n.children)


def test_neurons_without_bias_or_activation_are_grouped_too():
    linear = MLP(3, [1], output_activation="linear", bias=False, seed=0)
    out, _ = neuron_outputs(linear, [1.0, 2.0, 3.0])
    from autograd import topological_order

    groups = assign_groups(topological_order(out * 2.0), parameter_group)
    assert groups[out] == "L0.N0" and sum(v == "L0.N0" for v in groups.values()) == 3 + 3 + 1
    single = MLP(1, [1], output_activation="sigmoid", bias=False, seed=0)
    out, _ = neuron_outputs(single, [1.0])
    groups = assign_groups(topological_order(out), parameter_group)
    assert groups[out] == "L0.N0" and len(groups) == 4  # w, w·x, Σ, σ


def test_clusters_nest_neurons_inside_layers():
    model = MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=1)
    prediction, _ = neuron_outputs(model, [0.5, -1.0])
    source = draw_dot(prediction).source
    clusters = re.findall(r"subgraph \"?cluster_([\w.]+)", source)
    assert sorted(clusters) == ["L0", "L0.N0", "L0.N1", "L0.N2", "L1", "L1.N0"]
    assert source.index("cluster_L0.N0") > source.index("cluster_L0 ")  # L0.N0 inside L0
    assert "subgraph" not in draw_dot(prediction, cluster=False).source
    # A function of the leaves groups as it likes: here every parameter of layer 1 together.
    custom = draw_dot(prediction, cluster=lambda v: "out" if v.label.startswith("L1.") else None)
    assert re.findall(r"subgraph \"?cluster_([\w.]+)", custom.source) == ["out"]
    assert parameter_group(Value(1.0, label="1.5")) is None
    assert parameter_group(Value(1.0, label="enc.layer.w")) == "enc.layer"


def test_render_svg_png_pdf_and_dot(tmp_path, needs_dot):
    d, _ = example()
    d.backward()
    svg = render(d, tmp_path / "g.svg")
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text and ">data 2<" in text and text.count('class="node"') == 7
    assert text.count('class="edge"') == 6
    assert (render(d, tmp_path / "g.png")).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (render(d, tmp_path / "deep" / "g.PDF")).read_bytes()[:5] == b"%PDF-"
    dot_source = render(d, tmp_path / "g.dot").read_text(encoding="utf-8")
    assert dot_source.startswith("digraph") and dot_source == draw_dot(d).source
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf, \.dot"):
        render(d, tmp_path / "g.jpg")


def test_render_without_dot_writes_the_source_and_says_how_to_install(tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    d, _ = example()
    with pytest.raises(GraphvizNotFound) as info:
        render(d, tmp_path / "g.svg")
    message = str(info.value)
    assert "apt-get install graphviz" in message and "brew install graphviz" in message
    assert "conda install" in message and str(tmp_path / "g.dot") in message
    assert isinstance(info.value, RuntimeError) and info.value.__cause__ is None
    assert info.value.__suppress_context__  # no chained subprocess traceback
    assert (tmp_path / "g.dot").read_text(encoding="utf-8") == draw_dot(d).source
    assert not (tmp_path / "g.svg").exists()
    # A .dot file needs no Graphviz at all.
    assert render(d, tmp_path / "only.dot").exists()


def test_a_failing_dot_reports_its_own_message(tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'Error: syntax error in line 1' >&2\nexit 3\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(fake.parent))
    with pytest.raises(RuntimeError, match=r"exit code 3\): Error: syntax error in line 1"):
        render(example()[0], tmp_path / "g.svg")


def test_mlp_svg_has_the_clusters(tmp_path, needs_dot):
    model = MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=1)
    prediction, _ = neuron_outputs(model, [0.5, -1.0])
    text = render(mse(prediction, 1.0), tmp_path / "mlp.svg").read_text(encoding="utf-8")
    assert text.count('class="cluster"') == 6
    assert ">L0.N2<" in text and ">L1.N0<" in text


def test_parsed_expressions_draw_with_their_text_as_names():
    root = parse_expression("tanh(x*w + b)", {"x": 1.0, "w": 2.0, "b": -1.0})
    nodes, edges = statements(draw_dot(root))
    assert any("<b>x*w + b</b>" in v for v in nodes.values())
    assert len(nodes) == 3 + 3 + 3 and len(edges) == 2 + 2 + 1 + 3
    assert sum_values([root, root]).data == pytest.approx(2 * root.data)


def test_xor_pictures(tmp_path, needs_dot):
    model = MLP(2, [4, 1], activation="sigmoid", output_activation="sigmoid", init="normal",
                init_scale=0.5, seed=42)
    for p in model.parameters():
        p.grad = 5.0  # grads left over from training
        p.data += 1.0  # and trained weights: the picture shows the first step's
    graph, page = write_pictures(model, tmp_path)
    assert graph == tmp_path / "xor_graph.svg" and page == tmp_path / "xor_neuron_steps.html"
    svg = graph.read_text(encoding="utf-8")
    assert svg.count('class="cluster"') == 2 + 5  # layers L0, L1; neurons L0.N0–N3, L1.N0
    for name in ("loss", "prediction", "error", "target", "L0.N1.w0·x0", "L0.N1.z", "L0.N1.out"):
        assert f">{name}<" in svg, name
    assert "training step 1" in svg
    # Each neuron's weights read left to right, w0 first, and its bias last, as z = w·x + b reads
    # (dot's crossing minimiser used to mirror L1's row into w3, w2, w1, w0).
    def x_of(name: str) -> float:
        return float(re.search(rf'<text[^>]* x="([-\d.]+)"[^>]*>{re.escape(name)}</text>', svg).group(1))
    for neuron, n_in in [("L0.N0", 2), ("L0.N1", 2), ("L0.N2", 2), ("L0.N3", 2), ("L1.N0", 4)]:
        row = [x_of(f"{neuron}.w{i}·x{i}") for i in range(n_in)] + [x_of(f"{neuron}.b")]
        assert row == sorted(row), (neuron, row)  # (the leaves above are placed by dot: not checked)
    # Fits a 1400-px browser window: at most 1,030 pt = 1,373 px wide (Graphviz's size limit).
    width = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    assert 900 <= width <= 1030
    # Numbers in 3 significant digits, never a negative zero or a fixed -0.0000.
    numbers = [html_lib.unescape(t) for t in re.findall(r">(?:data|grad) ([^<]+)<", svg)]
    assert len(numbers) > 80
    for text in numbers:
        assert not re.fullmatch(r"-0(\.0*)?", text) and len(text.lstrip("-").replace(".", "")
                                                             .split("e")[0].lstrip("0")) <= 3, text
    initial = MLP(**model.config)
    w = initial.layers[0].neurons[1].w[0].data
    assert f"data {w:.3g}" in numbers_text(svg)  # the initial weights, not the trained ones
    html = page.read_text(encoding="utf-8")
    assert html.count('<section class="frame"') == 4  # w0·x0, w1·x1, Σ with the bias, σ
    assert "Backward pass through neuron L0.N0 at training step 1" in html
    assert not re.search(r"\bx = v\d", html) and not re.search(r"-0(\.0*)?(?![\d.])", html)
    assert all(p.grad == 5.0 for p in model.parameters())  # drawn on a copy: the model is untouched
    assert "grad 5" not in svg and "grad 5" not in html  # and the copy starts from zero grads


def numbers_text(svg: str) -> str:
    return html_lib.unescape(svg)


def test_numbers_keep_small_gradients_visible_and_never_show_negative_zero():
    assert number_text(-0.0) == "0" and number_text(0.0) == "0"
    assert number_text(-1e-9, ".4f") == "0.0000"  # rounded to zero: no sign left on it
    assert number_text(-2.3e-5) == "-2.3e-05" and number_text(0.000123456) == "0.0001235"
    assert number_text(-0.5) == "-0.5" and number_text(float("nan")) == "nan"
    w, x = Value(-0.5, label="w"), Value(0.0, label="x")
    y = (w * x + 1e-6 * w) * 1e-3  # data -0.0 at w·x; a gradient of 1e-9 at the small product
    y.backward()
    source = draw_dot(y).source
    assert not re.search(r"[ >]-0(\.0*)?<", source) and "data 0<" in source
    assert "grad 0.001<" in source and "grad 1e-09<" in source


def test_pictures_and_the_stepper_name_a_neurons_nodes_from_its_parameters():
    from autograd.stepper import node_names
    from autograd.viz import neuron_names, reading_order

    model = MLP(2, [2, 1], activation="tanh", output_activation="linear", seed=3)
    out = model([Value(1.0, label="x0"), Value(-1.0, label="x1")])
    order = reading_order(out)
    names = neuron_names(order)
    assert sorted(names.values()) == sorted(
        ["L0.N0.w0·x0", "L0.N0.w1·x1", "L0.N0.z", "L0.N0.out",
         "L0.N1.w0·x0", "L0.N1.w1·x1", "L0.N1.z", "L0.N1.out",
         "L1.N0.w0·x0", "L1.N0.w1·x1", "L1.N0.z"])  # a linear output neuron ends at its sum
    assert all(not n.label for n in names)  # nothing is stored on the nodes
    assert names[out] == "L1.N0.z" and node_names(order)[out] == "L1.N0.z"
    assert ">L0.N1.w0·x0<" in draw_dot(out).source.replace("</b>", "<").replace("<b>", ">")
    out.label = "y"  # a label of the user's wins
    assert "L1.N0.z" not in neuron_names(reading_order(out)).values()
