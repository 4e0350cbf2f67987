"""HTML tables into the clean text as :mod:`.tables` reads them: one line per row, each cell after a synthetic ``| ``.

A ``<table>`` is first told apart (:func:`is_data_table`, a look ahead at its
own markup): a **data table** has a row of two or more cells, no heading
inside, not many more paragraphs than cells and not much markup a cell
(:data:`MAX_MARKUP_PER_CELL`); anything else is a **layout
table** (a page laid out in a grid, a one-column box), whose cells are written
as ordinary blocks, one line each, never as pipe rows.  A data table inside a
layout table is a data table.

A data table is written one line per ``<tr>``: each cell after a synthetic
``| `` (a ``|`` that maps to no raw character), the ``<caption>`` on the line
before the first row, the rows in document order (``<thead>`` first, as
written).  A cell's text keeps its exact raw characters; what would break the
row's line inside a cell (``<p>``, ``<br>``, a raw newline, a table nested in
the cell, whose cells join with spaces) becomes a space.  A cell spanning
columns (``colspan``) is followed by empty cells for the columns it covers,
and a column covered by a ``rowspan`` cell from a row above gets an empty cell
(before the row's next real cell), so each cell stays under its header (at
most :data:`~.tables.MAX_SPAN` columns a cell, counted against the characters
cap).  A cell whose text holds a ``|`` reads as two cells.
"""
from __future__ import annotations

import re

from .document import TextBuilder
from .limits import ReadBudget
from .tables import MAX_SPAN

TABLE_TAGS = frozenset({"table", "tr", "td", "th", "thead", "tbody", "tfoot", "caption"})
#: Tables nested deeper than this are not looked ahead at (each look ahead reads the table's markup once).
MAX_LOOKAHEAD_DEPTH = 3
#: A table with more characters of markup a cell, on average, holds passages rather than figures: a layout table.
MAX_MARKUP_PER_CELL = 1000
_SPAN_RE = {name: re.compile(rf"\b{name}\s*=\s*[\"']?\s*([0-9]{{1,6}})", re.I) for name in ("colspan", "rowspan")}
_PART_RE = re.compile(r"<(/?)(table|tr|td|th|h[1-6]|p|div|li)\b", re.I)


def is_data_table(raw: str, start: int) -> bool:
    """Whether the table whose markup starts at ``start`` (after its ``<table>``) holds data:
    a row of two or more cells, no heading, at most two paragraphs, divisions or list items a cell
    and :data:`MAX_MARKUP_PER_CELL` characters a cell (both on average)."""
    depth, cells, widest, all_cells, blocks, end = 1, 0, 0, 0, 0, len(raw)
    for part in _PART_RE.finditer(raw, start):
        closing, name = part.group(1), part.group(2).lower()
        if name == "table":
            depth += -1 if closing else 1
            if depth == 0:
                end = part.start()
                break
        elif closing:
            continue
        elif name[0] == "h":
            return False
        elif name in ("p", "div", "li"):
            blocks += 1
        elif depth == 1 and name == "tr":
            widest, cells = max(widest, cells), 0
        elif depth == 1:
            cells, all_cells = cells + 1, all_cells + 1
    return max(widest, cells) >= 2 and blocks <= 2 * all_cells and end - start <= MAX_MARKUP_PER_CELL * all_cells


def _span(tag_markup: str, name: str) -> int:
    match = _SPAN_RE[name].search(tag_markup)
    return min(max(int(match.group(1)), 1), MAX_SPAN) if match else 1


class HtmlTableWriter:
    """Fed every table tag of a page in order (see the module's docstring)."""

    def __init__(self, raw: str, builder: TextBuilder, budget: ReadBudget | None) -> None:
        self.raw, self.builder, self.budget = raw, builder, budget
        self.depth = 0  # open <table> elements
        self.data_depth: int | None = None  # the depth of the open data table (one at a time)
        self.in_row = self.in_cell = self.in_caption = False  # in a row / cell / caption of the data table
        self.column = 0  # the grid column of the row's next cell
        self.padding = 0  # empty cells still owed after the open cell (its colspan)
        self.covered: dict[int, int] = {}  # grid column -> rows still covered by a rowspan cell above
        self.covering: dict[int, int] = {}  # the same, for the rowspan cells of this row

    @property
    def between_rows(self) -> bool:
        """Inside a data table but outside its cells: whitespace there is not text."""
        return self.depth == self.data_depth and not (self.in_cell or self.in_caption)

    def tag(self, name: str, is_close: bool, tag) -> None:
        if name == "table":
            self._table(is_close, tag)
        elif self.depth == 0 and name in ("td", "th"):  # a stray cell, outside any table
            if not is_close:
                self.builder.add_synthetic(" | ", tag.start)
        elif self.depth != self.data_depth:  # a layout table's parts: lines; a table in a data cell's: spaces
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

    def _table(self, is_close: bool, tag) -> None:
        if not is_close:
            self.depth += 1
            if self.data_depth is None and self.depth <= MAX_LOOKAHEAD_DEPTH and is_data_table(self.raw, tag.end):
                self.data_depth, self.covered = self.depth, {}
        elif self.depth:
            if self.depth == self.data_depth:
                self._end_row(tag.start)
                self.data_depth, self.in_caption = None, False
            self.depth -= 1
        self.builder.break_line(tag.start)  # a space inside a data cell

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
