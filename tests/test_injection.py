"""Nothing a user names can become markup: hostile labels, op names, symbols, formulas, colours,
cluster names, ids and page titles, through every path to DOT, SVG (drawn by the real `dot`) and
the stepper's HTML page.

Every string is shown as text or refused with a message; none adds an attribute, a link, a script
or a placeholder, and none that Graphviz cannot carry (NUL, lone surrogates, 20,000 characters)
ends in a raw UnicodeEncodeError or a Graphviz syntax error.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Op, Value, apply, draw_dot, render
from autograd.markup import MAX_LABEL, colour, fill_template, html_text, showable
from autograd.stepper import stepper_html

HOSTILE = [
    '<x> URL="javascript:alert(1)" label=<y>',  # a Graphviz HTML label that ends and adds an attribute
    '" URL="javascript:alert(1)',
    '\\" URL=\\"javascript:alert(1)\\"',
    "\\", "\\\\", "\\N \\G \\L \\l", '\\"',
    '<a href="javascript:alert(1)">click</a>',
    '<td href="javascript:alert(1)">x</td>',
    '"><img src=x onerror=alert(1)>',
    "</title><script>alert(1)</script>",
    "]]><script>alert(1)</script><![CDATA[",
    "{{frames}}", "{{title}}", "{{total}}", "{frames}", "{0}", "%s",
    "&amp; &lt; &#0; &#x0;", "<!-- x -->", "<?xml version='1.0'?>",
    "}; x [URL=\"javascript:alert(1)\"]; {", "subgraph cluster_x { z }", "digraph", "node", "edge",
    "x\x00y", "\ud800", "\udfff lone", "\ufffe\uffff", "\x1b[31mred", "\x7f\x85\x9f", "tab\there",
    "new\nline", "cr\rlf", "\u2028\u2029", "é中文😀", "x" * 20_000,
]
hostile = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40),
                    st.lists(st.sampled_from(HOSTILE), min_size=2, max_size=3).map("".join))

SVG = "{http://www.w3.org/2000/svg}"
#: every attribute Graphviz writes into our SVG; anything else was injected
SVG_ATTRIBUTES = {"width", "height", "viewBox", "id", "class", "transform", "fill", "stroke",
                  "points", "d", "x", "y", "cx", "cy", "rx", "ry", "text-anchor", "font-family",
                  "font-size", "font-weight", "font-style", "stroke-width", "stroke-dasharray"}


def hostile_op(text: str) -> Op:
    """An op whose name, symbol, expression and formula are all `text` (not registered: the test
    suite's registry-driven properties must not pick it up)."""
    return Op(text, lambda x: 2.0 * x, lambda x, out: (2.0,), symbol=text, expr=text, formulas=(text,))


def hostile_graph(text: str) -> tuple[Value, Value]:
    x = Value(1.5, label=text)
    w = Value(-2.0, label="w")
    y = apply(hostile_op(text), x) * w
    y.label = text
    return x, y


def assert_clean_svg(svg: str, *texts: str) -> None:
    root = ET.fromstring(svg)  # well-formed XML: nothing broke out of a text node or an attribute
    for element in root.iter():
        tag = element.tag.removeprefix(SVG)
        assert tag not in ("a", "script", "foreignObject", "image", "use"), (tag, svg[:2000])
        for name, value in element.attrib.items():
            local = name.split("}")[-1]
            assert local in SVG_ATTRIBUTES, (f"injected attribute {name}={value!r}", svg[:2000])
            assert "javascript:" not in value.lower()
    shown = "".join(element.text or "" for element in root.iter(f"{SVG}text"))
    for text in texts:  # the text is there, as text (Graphviz trims and splits at white space)
        words = showable(text, MAX_LABEL).split()
        assert all(word in shown for word in words[:3]), (text, shown[:500])


class Tags(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in_title = tag == "title" and len(self.tags) < 10  # the page's own <title>

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


@settings(max_examples=40)
@given(text=hostile)
def test_hostile_text_in_every_picture_path_stays_text(text, tmp_path_factory):
    x, y = hostile_graph(text)
    y.backward()
    groups = {x: f"{text}.inner"}  # a cluster named by the user, nested in another
    path = render(y, tmp_path_factory.mktemp("svg") / "g.svg", names={y: text}, grad_text={x: text},
                  cluster=lambda leaf: groups.get(leaf), classes={x: text}, svg_id=text,
                  highlight={y: "#ffd166", x: "orange"})
    svg = path.read_text(encoding="utf-8")
    assert_clean_svg(svg[svg.index("<svg"):], text)


@settings(max_examples=25)
@given(text=hostile)
def test_hostile_text_in_the_stepper_page_stays_text(text):
    _, y = hostile_graph(text)
    page = stepper_html(y, title=text)
    tags = Tags()
    tags.feed(page)
    names = [tag for tag, _ in tags.tags]
    assert names.count("script") == 1 and "a" not in names and "img" not in names
    assert names.count("section") == 2  # one frame per step: no placeholder was filled twice
    for _, attrs in tags.tags:  # the page links nowhere and runs no handler
        for name, value in attrs:
            assert not name.startswith("on"), (name, value)
            assert name not in ("href", "src", "action", "formaction", "srcdoc", "xlink:href"), name
            if name in ("class", "id", "style", "type"):
                assert "javascript:" not in (value or "").lower()
    assert tags.title == (showable(text, lines=True) if text else "Backward pass of v2")
    for start in (page.index("<svg"), page.rindex("<svg")):
        assert_clean_svg(page[start:page.index("</svg>", start) + 6])


def test_a_root_labelled_like_a_placeholder_does_not_corrupt_the_page():
    x = Value(2.0, label="{{frames}}")
    y = (x * 3.0).tanh()
    y.label = "{{frames}}"
    page = stepper_html(y)
    assert page.count('<section class="frame"') == 2
    assert "<title>Backward pass of {{frames}}</title>" in page
    assert page.count("<main") == 1 and page.count("</html>") == 1


@pytest.mark.parametrize("bad", ['red" href="javascript:alert(1)', "#ffd16", "#ffd166; x", "",
                                 "1 2 3", "red\x00", None, 3, "a" * 40])
def test_highlight_colours_must_be_colours(bad):
    x = Value(1.0, label="x")
    with pytest.raises(ValueError, match=r"highlight colour of x: .* is not a colour; give '#rrggbb'"):
        draw_dot(x * 2, highlight={x: bad})


@pytest.mark.parametrize("good", ["#fff", "#ffd166", "#ffd16680", "orange", "LightBlue"])
def test_real_colours_pass(good):
    assert colour(good) == good
    x = Value(1.0, label="x")
    assert f'bgcolor="{good}"' in draw_dot(x * 2, highlight={x: good}).source


def test_unshowable_characters_are_shown_as_escapes():
    assert showable("a\x00b\ud800c\ufffe") == "a\\x00b\\ud800c\\ufffe"
    assert html_text('<b a="1">&') == "&lt;b a=&quot;1&quot;&gt;&amp;"
    long = showable("x" * 1000, 10)
    assert long == "xxxxxxxxxx… (990 more characters)"


def test_graphviz_gets_no_string_it_cannot_take(needs_dot):
    """Each of these failed before: UnicodeEncodeError, or a Graphviz syntax error naming no label."""
    for text in ("a\ud800b", "a\x00b", "a\x01b", "a\ufffeb", "x" * 100_000):
        x = Value(1.0, label=text)
        svg = draw_dot(x * 2)
        from autograd.viz import svg_source

        assert_clean_svg(svg_source(svg), text)


def test_templates_are_filled_in_one_pass():
    page = fill_template("<t>{{title}}</t>{{body}}", {"title": "{{body}}", "body": "B"})
    assert page == "<t>{{body}}</t>B"
    with pytest.raises(KeyError):
        fill_template("{{missing}}", {})


@pytest.mark.parametrize("text", [HOSTILE[0], HOSTILE[7], HOSTILE[12], "x\x00y\ud800", "{{frames}}"])
def test_hostile_text_in_the_notebook_displays_stays_text(text, needs_dot):
    from autograd.notebook import InlineStepper, value_html, value_svg

    _, y = hostile_graph(text)
    assert_clean_svg(value_svg(y), text)
    big = y
    for _ in range(400):  # past the inline limit: a text summary instead of a picture
        big = big * 1.0
    big.label = text
    tags = Tags()
    tags.feed(value_html(big))
    assert {tag for tag, _ in tags.tags} <= {"div", "pre", "p"}
    frame = InlineStepper(y, title=text)._repr_html_()
    tags = Tags()
    tags.feed(frame)
    assert [tag for tag, _ in tags.tags] == ["iframe", "div"]  # the page is inside srcdoc, as text
    srcdoc = dict(tags.tags[0][1])["srcdoc"]
    assert srcdoc.startswith("<!DOCTYPE html>") and srcdoc.count("<section class=\"frame\"") == 2


@pytest.mark.parametrize("text", [HOSTILE[0], HOSTILE[7], HOSTILE[10], "x\x00y\ud800"])
@pytest.mark.parametrize("mode", ["backward", "forward"])
def test_hostile_text_in_the_live_widget_stays_text(text, mode, needs_dot):
    pytest.importorskip("anywidget")
    from autograd.widgets import StepperWidget

    _, y = hostile_graph(text)
    w = StepperWidget(y, mode=mode, predict=True)  # predict: the question names the node too
    for k in range(w.total):
        w.index = k
        assert_clean_svg(w.picture[w.picture.index("<svg"):])
        for markup in (w.explain, w.feedback):  # the page sets these as HTML
            tags = Tags()
            tags.feed(markup)
            for tag, attrs in tags.tags:
                assert tag not in ("script", "a", "img", "iframe"), (tag, markup)
                assert not any(name.startswith("on") or name in ("href", "src") for name, _ in attrs)
