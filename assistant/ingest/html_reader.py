"""HTML to clean text: tags, scripts and styles dropped, entities decoded, blocks as lines.

Tables: data tables become pipe rows, layout tables lines (:mod:`.html_tables`).
"""
from __future__ import annotations

import html
import re
from typing import NamedTuple

from .document import Heading, TextBuilder
from .limits import ReadBudget
from .markdown_reader import add_markdown_inline
from .html_tables import TABLE_TAGS, HtmlTableWriter
from .scan import NextMatch

_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "thead", "tbody", "section",
    "article", "header", "footer", "blockquote", "pre", "hr", "h1", "h2", "h3", "h4",
    "h5", "h6", "title", "dt", "dd", "dl", "figure", "figcaption", "nav", "aside",
    "main", "form", "caption", "body", "html",
}




_SKIP_CONTENT_TAGS = {"script", "style", "noscript", "template", "head", "svg", "iframe"}


_TAG_RE = re.compile(r"<!--.*?(?:-->|\Z)|<![^>]*>|<\?[^>]*>|</?([A-Za-z][A-Za-z0-9:-]*)\b[^>]*>", re.S)


# A doctype with an internal subset, ``<!DOCTYPE x [ <!ENTITY a "b"> ]>``: the
# subset holds ``>`` of its own, so the declaration ends at ``]>``, not the first ``>``.
_DECLARATION_END_RE = re.compile(r"[\[>]")
_SUBSET_END_RE = re.compile(r"\][ \t\r\n]*>")
_GT_RE = re.compile(">")


_ENTITY_RE = re.compile(r"&(#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};)")


_HTML_SNIFF_RE = re.compile(r"<(p|div|h[1-6]|br|li|ul|ol|table|tr|td|span|strong|em|html|body|a)\b", re.I)


def _add_with_entities(builder: TextBuilder, raw: str, begin: int, end: int) -> None:
    """Add HTML text, decoding entities (and dropping stray Markdown ``**``)."""
    pos = begin
    for match in _ENTITY_RE.finditer(raw, begin, end):
        add_markdown_inline(builder, raw, pos, match.start())
        decoded = html.unescape(match.group(0))
        if decoded == match.group(0):
            builder.add_text(decoded, match.start())
        else:
            for char in decoded:
                builder.add(char, match.start(), match.end())
        pos = match.end()
    add_markdown_inline(builder, raw, pos, end)


def clean_html(raw: str, budget: ReadBudget | None = None) -> tuple[TextBuilder, list[Heading]]:
    """Drop tags, scripts and styles; decode entities; blocks become lines."""
    builder = TextBuilder()
    headings: list[Heading] = []
    open_heading: tuple[int, int] | None = None  # (clean start, level)
    skip_until: str | None = None
    tables = HtmlTableWriter(raw, builder, budget)
    pos = 0
    for tag in find_tags(raw):
        if budget is not None:
            budget.check_time()
        name = tag.name
        is_close = tag.markup.startswith("</")
        if skip_until is not None:
            if is_close and name == skip_until:
                skip_until = None
                pos = tag.end
            continue
        if not tables.between_rows or raw[pos:tag.start].strip():
            _add_with_entities(builder, raw, pos, tag.start)
        pos = tag.end
        if name in TABLE_TAGS:
            tables.tag(name, is_close, tag)
        elif name in _SKIP_CONTENT_TAGS and not is_close and not tag.markup.endswith("/>"):
            skip_until = name
        elif name in _BLOCK_TAGS:
            builder.break_line(tag.start)
            if re.fullmatch(r"h[1-6]", name) and not tables.in_cell:  # a heading in a cell is the cell's text
                if not is_close:
                    open_heading = (len(builder), int(name[1]))
                elif open_heading is not None:
                    span = builder.span_since(open_heading[0])
                    if span:
                        headings.append(Heading(*span, open_heading[1]))
                    open_heading = None
    if skip_until is None:
        _add_with_entities(builder, raw, pos, len(raw))
    return builder, headings


class Tag(NamedTuple):
    """A tag, comment or declaration found in the raw text."""

    start: int
    end: int
    name: str  # lower-case element name; "" for comments and declarations
    markup: str


def find_tags(raw: str):
    """The tags, comments and declarations of ``raw``, left to right, as
    ``_TAG_RE.finditer`` finds them (plus doctypes with an internal subset), in
    linear time: a ``<`` with no ``>`` after it is passed over without a search."""
    closers = NextMatch(_GT_RE, raw, len(raw))
    declaration_ends = NextMatch(_DECLARATION_END_RE, raw, len(raw))
    subset_ends = NextMatch(_SUBSET_END_RE, raw, len(raw))
    pos = 0
    while (at := raw.find("<", pos)) >= 0:
        if raw[at : at + 9].lower() == "<!doctype" and raw[at + 9 : at + 10] in (" ", "\t", "\r", "\n", "["):
            bracket = declaration_ends.at_or_after(at + 9)
            subset_end = subset_ends.at_or_after(bracket.end()) if bracket and bracket.group() == "[" else None
            if subset_end is not None:
                yield Tag(at, subset_end.end(), "", raw[at : subset_end.end()])
                pos = subset_end.end()
                continue
        match = None
        if raw.startswith("<!--", at) or closers.at_or_after(at) is not None:
            match = _TAG_RE.match(raw, at)
        if match is None:
            pos = at + 1
            continue
        yield Tag(at, match.end(), (match.group(1) or "").lower(), match.group(0))
        pos = match.end()


def looks_like_html(text: str) -> bool:
    """Three or more common tags in the first 20,000 characters."""
    head = text[:20000]
    closers = NextMatch(_GT_RE, head, len(head))
    found, pos = 0, 0
    while found < 3 and (tag := _HTML_SNIFF_RE.search(head, pos)):
        closer = closers.at_or_after(tag.end())
        if closer is None:
            return False
        found, pos = found + 1, closer.end()
    return found >= 3
