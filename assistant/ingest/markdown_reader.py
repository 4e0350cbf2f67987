"""Markdown (and plain text) to clean text: markup dropped, every kept character mapped.
"""
from __future__ import annotations

import re

from .document import Heading, TextBuilder

_MD_HEADING_RE = re.compile(r"[ \t]*(#{1,6})[ \t]+")


_MD_RULE_RE = re.compile(r"[ \t]*(?:[|:\- \t]*-{3,}[|:\- \t]*|\|{2,}[ \t|]*|[*_]{3,}[ \t]*)")


_MD_BULLET_RE = re.compile(r"[ \t]*[-*+][ \t]+")


_MD_BOLD_HEADING_RE = re.compile(r"[ \t]*\*\*[^*\n]{2,120}\*\*[ \t]*:?[ \t]*")


# Inline markup: images (dropped), links (text kept), autolinks, ** bold marks.
_MD_INLINE_RE = re.compile(
    r"(?P<image>!\[[^\]\n]*\]\([^)\n]*\))"
    r"|(?P<link>\[(?P<link_text>[^\]\n]+)\]\((?P<link_url>[^)\n]*)\))"
    r"|(?P<autolink><(?P<auto_url>https?://[^>\s]+)>)"
    r"|(?P<emphasis>\*\*)"  # "__" is left alone: it is common in names (window.__x)
)


def clean_markdown(raw: str) -> tuple[TextBuilder, list[Heading]]:
    """Drop Markdown markup (heading marks, emphasis, link targets, images,
    table rule lines) and keep everything a reader would read."""
    builder = TextBuilder()
    headings: list[Heading] = []
    line_start = 0
    for line in raw.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        line_end = line_start + len(body)
        begin = line_start
        level = 0
        if _MD_RULE_RE.fullmatch(body):
            builder.break_line(line_start)
            line_start += len(line)
            continue
        heading_match = _MD_HEADING_RE.match(body)
        bullet_match = _MD_BULLET_RE.match(body)
        if heading_match:
            level = len(heading_match.group(1))
            begin += heading_match.end()
        elif bullet_match:
            begin += bullet_match.end()
        if not level and _MD_BOLD_HEADING_RE.fullmatch(raw, begin, line_end):
            level = 6
        builder.break_line(line_start)
        clean_start = len(builder)
        add_markdown_inline(builder, raw, begin, line_end)
        span = builder.span_since(clean_start) if level else None
        if span:
            headings.append(Heading(*span, level))
        builder.break_line(line_end)
        line_start += len(line)
    return builder, headings


def add_markdown_inline(builder: TextBuilder, raw: str, begin: int, end: int) -> None:
    pos = begin
    for match in _MD_INLINE_RE.finditer(raw, begin, end):
        builder.add_text(raw[pos : match.start()], pos)
        if match.group("link"):
            builder.add_text(match.group("link_text"), match.start("link_text"))
        elif match.group("autolink"):
            builder.add_text(match.group("auto_url"), match.start("auto_url"))
        pos = match.end()
    builder.add_text(raw[pos:end], pos)
