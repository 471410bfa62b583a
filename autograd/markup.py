"""The one place where text becomes markup: Graphviz DOT, SVG (made by Graphviz) and HTML pages.

Everything a user can name — a value's label, an op's name, symbol and formula, a highlight colour,
a cluster's name, the stepper's expression and page title — reaches a picture or a page through
these functions, and nothing else builds markup from user text. The rules:

- Text is always *shown*, never interpreted: `html_text` escapes ``& < > " '``, so it can sit in
  HTML, in SVG and in a Graphviz HTML-like label. Every label we give Graphviz is one (`dot_label`),
  so its ``<…>`` label syntax never applies to user text, and `label_text` doubles backslashes,
  which Graphviz would otherwise read as ``\\N`` (the node's name), ``\\G`` (the graph's)….
- Characters that HTML, XML or Graphviz cannot carry (control characters such as NUL and ESC, lone
  surrogates, U+FFFE/U+FFFF) are shown as Python escapes (``\\x00``, ``\\ud800``), never passed on:
  a raw `UnicodeEncodeError` or a Graphviz syntax error would name neither the text nor the node.
- Text in a picture is cut at `MAX_LABEL` characters (``…`` and the count of what was cut):
  Graphviz refuses an HTML-like label over 16 KB.
- Colours must look like colours (`colour`); ids and class names keep only safe characters (`dot_id`).
- Pages are filled from templates in one pass (`fill_template`): text put into a page is never
  searched for placeholders again, so a label ``{{frames}}`` is just text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

#: longest text shown in a picture, in characters (before escaping)
MAX_LABEL = 300

_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_UNSHOWABLE_IN_PAGE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|[A-Za-z][A-Za-z0-9]{0,30}")
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_.-]")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def showable(text: object, limit: int | None = None, *, lines: bool = False) -> str:
    """`text` as a string every consumer can carry: unshowable characters as Python escapes
    (``\\x00``, ``\\ud800``; with `lines`, tabs and line breaks are kept), and at most `limit`
    characters (the rest counted, not shown)."""
    text = str(text)
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit:,} more characters)"
    pattern = _UNSHOWABLE_IN_PAGE if lines else _UNSHOWABLE
    return pattern.sub(lambda m: repr(m.group())[1:-1], text)


def html_text(text: object, limit: int | None = None) -> str:
    """Text for an HTML page: `showable` (tabs and line breaks kept), every ``& < > " '`` escaped."""
    return html.escape(showable(text, limit, lines=True), quote=True)


def label_text(text: object) -> str:
    """Text for a Graphviz label: `showable` (a line break shown as ``\\n``) and cut at `MAX_LABEL`
    characters, ``& < > " '`` escaped, backslashes doubled (Graphviz reads ``\\G``, ``\\N``… as
    the graph's or node's name even in HTML-like labels)."""
    return html.escape(showable(text, MAX_LABEL), quote=True).replace("\\", "\\\\")


def dot_label(markup: str) -> str:
    """A Graphviz HTML-like label around `markup` that this package built (text already escaped)."""
    return f"<{markup}>"


def text_label(text: object) -> str:
    """A Graphviz label that shows `text` as it is, whatever it contains."""
    return dot_label(label_text(text))


def lines_label(text: object) -> str:
    """A Graphviz label that shows `text` line by line, each line left-aligned (a caption)."""
    lines = str(text).split("\n")
    return dot_label("".join(f'{label_text(line)}<br align="left"/>' for line in lines))


def dot_id(text: object) -> str:
    """An id or class name for DOT and SVG: letters, digits, ``_ . -`` kept, anything else as
    ``_xHH_`` (so ``L0.N1`` stays ``L0.N1`` and no quote or space can end the attribute)."""
    return _UNSAFE_ID.sub(lambda m: f"_x{ord(m.group()):x}_", showable(text, MAX_LABEL))


def colour(value: object, what: str = "colour") -> str:
    """`value` if it is a colour Graphviz and browsers read alike — ``#rgb``, ``#rrggbb``,
    ``#rrggbbaa`` or a name such as ``orange`` — else `ValueError` naming `what` and the value."""
    if isinstance(value, str) and _COLOUR.fullmatch(value):
        return value
    raise ValueError(f"{what}: {showable(repr(value), 60)} is not a colour; give '#rrggbb' "
                     f"(e.g. '#ffd166') or a colour name such as 'orange'")


def fill_template(template: str, parts: Mapping[str, str]) -> str:
    """`template` with every ``{{name}}`` replaced by ``parts[name]`` (markup the caller built),
    in one pass: the inserted text is never searched for placeholders, whatever it contains."""
    def part(match: re.Match) -> str:
        return parts[match.group(1)]

    return _PLACEHOLDER.sub(part, template)
