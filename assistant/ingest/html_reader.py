"""HTML to clean text: tags, scripts and styles dropped, entities decoded, blocks as lines.
"""
from __future__ import annotations

import html
import re

from .document import Heading, TextBuilder
from .markdown_reader import add_markdown_inline

_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "thead", "tbody", "section",
    "article", "header", "footer", "blockquote", "pre", "hr", "h1", "h2", "h3", "h4",
    "h5", "h6", "title", "dt", "dd", "dl", "figure", "figcaption", "nav", "aside",
    "main", "form", "caption", "body", "html",
}


_CELL_TAGS = {"td", "th"}


_SKIP_CONTENT_TAGS = {"script", "style", "noscript", "template", "head", "svg", "iframe"}


_TAG_RE = re.compile(r"<!--.*?(?:-->|\Z)|<![^>]*>|<\?[^>]*>|</?([A-Za-z][A-Za-z0-9:-]*)\b[^>]*>", re.S)


_ENTITY_RE = re.compile(r"&(#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};)")


_HTML_SNIFF_RE = re.compile(r"<(p|div|h[1-6]|br|li|ul|ol|table|tr|td|span|strong|em|html|body|a)\b[^>]*>", re.I)


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


def clean_html(raw: str) -> tuple[TextBuilder, list[Heading]]:
    """Drop tags, scripts and styles; decode entities; blocks become lines."""
    builder = TextBuilder()
    headings: list[Heading] = []
    open_heading: tuple[int, int] | None = None  # (clean start, level)
    skip_until: str | None = None
    pos = 0
    for match in _TAG_RE.finditer(raw):
        name = (match.group(1) or "").lower()
        is_close = match.group(0).startswith("</")
        if skip_until is not None:
            if is_close and name == skip_until:
                skip_until = None
                pos = match.end()
            continue
        _add_with_entities(builder, raw, pos, match.start())
        pos = match.end()
        if name in _SKIP_CONTENT_TAGS and not is_close and not match.group(0).endswith("/>"):
            skip_until = name
        elif name in _BLOCK_TAGS:
            builder.break_line(match.start())
            if re.fullmatch(r"h[1-6]", name):
                if not is_close:
                    open_heading = (len(builder), int(name[1]))
                elif open_heading is not None:
                    span = builder.span_since(open_heading[0])
                    if span:
                        headings.append(Heading(*span, open_heading[1]))
                    open_heading = None
        elif name in _CELL_TAGS and not is_close:
            builder.add_synthetic(" | ", match.start())
    if skip_until is None:
        _add_with_entities(builder, raw, pos, len(raw))
    return builder, headings


def looks_like_html(text: str) -> bool:
    return len(_HTML_SNIFF_RE.findall(text[:20000])) >= 3
