"""Markdown (and plain text) to clean text: markup dropped, every kept character mapped.
"""
from __future__ import annotations

import re

from .document import Heading, TextBuilder
from .limits import ReadBudget
from .scan import NextMatch

_MD_HEADING_RE = re.compile(r"[ \t]*(#{1,6})[ \t]+")


# A table rule or thematic break: only ``|:-`` and blanks with a ``---`` in it,
# or ``||`` runs, or ``***`` / ``___``.  Each pattern reads a character once
# (no two neighbouring repeats can match the same character): ``\|\|[ \t|]*``
# is the language of ``\|{2,}[ \t|]*`` without its overlap, which made a line
# of 150,000 ``|`` then ``x`` take 215 s (each pipe given back was tried again).
_MD_TABLE_RULE_RE = re.compile(r"[|:\- \t]*")
_MD_OTHER_RULE_RE = re.compile(r"[ \t]*(?:\|\|[ \t|]*|[*_]{3,}[ \t]*)")


_MD_BULLET_RE = re.compile(r"[ \t]*[-*+][ \t]+")


_MD_BOLD_HEADING_RE = re.compile(r"[ \t]*\*\*[^*\n]{2,120}\*\*[ \t]*(?::[ \t]*)?")


# Inline markup: images (dropped), links (text kept), autolinks, ** bold marks;
# "__" is left alone: it is common in names (window.__x).  Found by
# :func:`inline_markup` in one pass; these are what each piece looks like.
_INLINE_START_RE = re.compile(r"!\[|\[|<https?://|\*\*")
_CLOSE_BRACKET_RE = re.compile(r"[\]\n]")
_CLOSE_PAREN_RE = re.compile(r"[)\n]")
_URL_END_RE = re.compile(r"[>\s]")


def is_rule_line(body: str) -> bool:
    return bool((_MD_TABLE_RULE_RE.fullmatch(body) and "---" in body) or _MD_OTHER_RULE_RE.fullmatch(body))


def clean_markdown(raw: str, budget: ReadBudget | None = None) -> tuple[TextBuilder, list[Heading]]:
    """Drop Markdown markup (heading marks, emphasis, link targets, images,
    table rule lines) and keep everything a reader would read."""
    builder = TextBuilder()
    headings: list[Heading] = []
    line_start = 0
    for line in raw.splitlines(keepends=True):
        if budget is not None:
            budget.check_time()
        body = line.rstrip("\r\n")
        line_end = line_start + len(body)
        begin = line_start
        level = 0
        if is_rule_line(body):
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


def inline_markup(raw: str, begin: int, end: int, scans: list | None = None):
    """``(kind, start, end, kept_start, kept_end)`` of each piece of inline
    markup in ``raw[begin:end]``, left to right, as the regular expression
    ``!\\[[^\\]\\n]*\\]\\([^)\\n]*\\)|\\[[^\\]\\n]+\\]\\([^)\\n]*\\)|<https?://[^>\\s]+>|\\*\\*``
    would find them, but in linear time: the closing ``]``, ``)`` and ``>`` are
    found once and remembered (:class:`NextMatch`), not searched again from
    every ``[`` of a line that has none.  ``kept`` is the text a reader keeps
    (a link's text, an autolink's URL; empty for images and ``**``).
    ``scans`` (tests) receives the finders, to count the characters searched."""
    brackets = NextMatch(_CLOSE_BRACKET_RE, raw, end)
    parens = NextMatch(_CLOSE_PAREN_RE, raw, end)
    url_ends = NextMatch(_URL_END_RE, raw, end)
    if scans is not None:
        scans.extend((brackets, parens, url_ends))

    def target_end(close: int) -> int | None:
        """After ``]`` at ``close``: the end of a ``(...)`` target, if there is one."""
        if close + 1 >= end or raw[close + 1] != "(":
            return None
        paren = parens.at_or_after(close + 2)
        return paren.end() if paren and raw[paren.start()] == ")" else None

    pos = begin
    while True:
        start = _INLINE_START_RE.search(raw, pos, end)
        if start is None:
            return
        at, mark = start.start(), start.group()
        if mark == "**":
            yield "emphasis", at, at + 2, at, at
            pos = at + 2
            continue
        if mark.startswith("<"):
            url_end = url_ends.at_or_after(start.end())
            if url_end and raw[url_end.start()] == ">" and url_end.start() > start.end():
                yield "autolink", at, url_end.end(), at + 1, url_end.start()
                pos = url_end.end()
            else:
                pos = at + 1
            continue
        text_start = start.end()
        close = brackets.at_or_after(text_start)
        piece_end = target_end(close.start()) if close and raw[close.start()] == "]" else None
        if piece_end is not None and (mark == "![" or close.start() > text_start):
            if mark == "![":
                yield "image", at, piece_end, at, at
            else:
                yield "link", at, piece_end, text_start, close.start()
            pos = piece_end
        else:
            pos = at + 1  # a failed "![" may still start a link at its "["


def add_markdown_inline(builder: TextBuilder, raw: str, begin: int, end: int) -> None:
    pos = begin
    for _kind, start, stop, kept_start, kept_end in inline_markup(raw, begin, end):
        builder.add_text(raw[pos:start], pos)
        builder.add_text(raw[kept_start:kept_end], kept_start)
        pos = stop
    builder.add_text(raw[pos:end], pos)
