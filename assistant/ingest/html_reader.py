"""HTML to clean text: tags, scripts and styles dropped, entities decoded, blocks as lines.

Tables are written as :mod:`.tables` reads them: one line per ``<tr>`` of an
outermost table, each cell after a synthetic ``| `` (a ``|`` that maps to no raw
character), the ``<caption>`` on the line before the first row and the rows in
document order (``<thead>`` first, as written).  A cell's text keeps its exact raw
characters; what would break the row's line inside a cell (``<p>``, ``<br>``, a
raw newline, a nested table, whose cells join with spaces) becomes a space.  A
cell spanning columns (``colspan``) is followed by empty cells for the columns
it covers, and a column covered by a ``rowspan`` cell from a row above gets an
empty cell, so every cell stays under its header (both at most
:data:`~.tables.MAX_SPAN` columns a cell, counted against the characters cap).
"""
from __future__ import annotations

import html
import re
from typing import NamedTuple

from .document import Heading, TextBuilder
from .limits import ReadBudget
from .markdown_reader import add_markdown_inline
from .scan import NextMatch
from .tables import MAX_SPAN

_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "thead", "tbody", "section",
    "article", "header", "footer", "blockquote", "pre", "hr", "h1", "h2", "h3", "h4",
    "h5", "h6", "title", "dt", "dd", "dl", "figure", "figcaption", "nav", "aside",
    "main", "form", "caption", "body", "html",
}


_CELL_TAGS = {"td", "th"}
_TABLE_TAGS = {"table", "tr", "td", "th", "thead", "tbody", "tfoot", "caption"}
_SPAN_RE = {name: re.compile(rf"\b{name}\s*=\s*[\"']?\s*([0-9]{{1,6}})", re.I) for name in ("colspan", "rowspan")}


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
    tables = _TableWriter(builder, budget)
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
        if name in _TABLE_TAGS:
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


def _span(tag_markup: str, name: str) -> int:
    match = _SPAN_RE[name].search(tag_markup)
    return min(max(int(match.group(1)), 1), MAX_SPAN) if match else 1


class _TableWriter:
    """Writes the rows and cells of the outermost tables as pipe rows (see the module's docstring)."""

    def __init__(self, builder: TextBuilder, budget: ReadBudget | None) -> None:
        self.builder, self.budget = builder, budget
        self.depth = 0  # open <table> elements
        self.in_row = self.in_cell = self.in_caption = False  # in a row / cell / caption of an outermost table
        self.column = 0  # the grid column of the row's next cell
        self.padding = 0  # empty cells still owed after the open cell (its colspan)
        self.covered: dict[int, int] = {}  # grid column -> rows still covered by a rowspan cell above
        self.covering: dict[int, int] = {}  # the same, for the rowspan cells of this row

    @property
    def between_rows(self) -> bool:
        """Inside an outermost table but outside its cells: whitespace there is not text."""
        return self.depth == 1 and not (self.in_cell or self.in_caption)

    def tag(self, name: str, is_close: bool, tag) -> None:
        if name == "table":
            if not is_close:
                self.depth += 1
                if self.depth == 1:
                    self.covered = {}
            elif self.depth == 1:
                self._end_row(tag.start)
                self.depth = 0
            elif self.depth:
                self.depth -= 1
            self.builder.break_line(tag.start)  # a space inside a cell
        elif self.depth == 0 and name in ("td", "th"):  # a stray cell, outside any table
            if not is_close:
                self.builder.add_synthetic(" | ", tag.start)
        elif self.depth != 1:  # a nested table's rows and cells: spaces in the outer cell
            self.builder.break_line(tag.start)
        elif name in ("td", "th"):
            self._end_cell(tag.start)
            if not is_close:
                self._start_cell(tag)
        elif name == "tr":
            self._end_row(tag.start)
            if not is_close:
                self.in_row, self.column = True, 0
                self.builder.break_line(tag.start)
        else:  # thead, tbody, tfoot, caption
            self._end_row(tag.start)
            if name == "caption":  # its line: a row's <tr> ends it
                self.in_caption = not is_close
                if not is_close:
                    self.builder.break_line(tag.start)

    def _synthetic(self, text: str, raw_pos: int) -> None:
        if self.budget is not None:
            self.budget.add_chars(len(text))
        self.builder.add_synthetic(text, raw_pos)

    def _start_cell(self, tag) -> None:
        if not self.in_row:  # a cell with no <tr>: its own row
            self.in_row, self.column = True, 0
            self.builder.break_line(tag.start)
        while self.covered.get(self.column):  # an empty cell under a rowspan cell above
            self._synthetic("| " if self.column == 0 else " | ", tag.start)
            self.column += 1
        self._synthetic("| " if self.column == 0 else " | ", tag.start)
        columns, rows = _span(tag.markup, "colspan"), _span(tag.markup, "rowspan")
        for column in range(self.column, self.column + columns):
            if rows > 1:
                self.covering[column] = rows - 1
        self.padding = columns - 1
        self.in_cell = self.builder.single_line = True

    def _end_cell(self, raw_pos: int) -> None:
        if self.in_cell:
            self._synthetic(" |" * self.padding, raw_pos)
            self.column += 1 + self.padding
            self.padding = 0
            self.in_cell = self.builder.single_line = False

    def _end_row(self, raw_pos: int) -> None:
        self._end_cell(raw_pos)
        if self.in_row:
            still = {column: rows - 1 for column, rows in self.covered.items() if rows > 1}
            self.covered = {**still, **self.covering}
            self.covering = {}
        self.in_row = False


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
