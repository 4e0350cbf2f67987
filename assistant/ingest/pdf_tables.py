"""PDF tables: pdfplumber finds a page's ruled tables, and each row is found again in pypdf's text of that page.

pypdf's extracted text stays the raw text of a PDF (a citation counts
characters in it), so a table found by pdfplumber is only a guide: for each of
its rows, the cells' strings are searched in the page's pypdf text, in order,
each after the previous with nothing but blanks between them (the two libraries
may break lines and spaces differently, so a cell matches with any blanks
between its characters).  A row found whole is written into the clean text as a
pipe row (:func:`add_page_text`): a synthetic ``| `` before each cell, the
cell's own characters with their raw offsets, so the cell and the row stay
character-exact in pypdf's text.  What is not found is left as pypdf wrote it:

* a row whose cells pypdf writes in another order, or with other text between
  them, or with characters that differ (ligatures, a hyphen pdfplumber drops);
* a row of a single non-empty cell that does not follow the row before it;
* a table drawn without ruling lines (pdfplumber's default ``lines`` strategy
  finds ruled tables only; its ``text`` strategy cuts prose into columns);
* every table of a page that draws fewer than :data:`MIN_RULES` straight lines
  and rectangles (counted while pypdf reads the page: pdfplumber parses a page
  about ten times slower than pypdf, so it runs only where a ruled table can
  be), or of a page pdfplumber fails on;
* every table of a page past :data:`MAX_PAGE_CHARS` characters or
  :data:`MAX_PAGE_OPERATORS` drawing operators: pdfplumber keeps an object of
  about 2 KB per character and takes 40 µs for it, all at once for the page (it
  cannot be stopped inside one), so a crafted page would cost gigabytes.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from .document import TextBuilder
from .limits import ReadBudget

#: A cell longer than this (blanks aside) is not searched: its row stays as pypdf wrote it.
MAX_CELL_CHARS = 400
#: Where a row's first cell occurs more often than this after the last row found, the row is not searched further.
MAX_TRIES = 40
#: The fewest line and rectangle drawing operators on a page for pdfplumber to look for tables there.
MIN_RULES = 3
#: A page with more extracted characters, or more drawing operators, is not given to pdfplumber.
MAX_PAGE_CHARS = 20_000
MAX_PAGE_OPERATORS = 50_000
#: The drawing operators that count as rules.
RULE_OPERATORS = frozenset({b"l", b"re"})
_BLANKS = re.compile(r"\s*")
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class PageRow:
    """A table row found in a page's pypdf text: each cell's span there (None: an empty cell)."""

    cells: tuple[tuple[int, int] | None, ...]

    @property
    def start(self) -> int:
        return next(cell for cell in self.cells if cell)[0]

    @property
    def end(self) -> int:
        return next(cell for cell in reversed(self.cells) if cell)[1]


def _pattern(cell: str) -> re.Pattern | None:
    """The cell's characters with any blanks between them, not inside a longer word
    or number ("1" is not the end of "41"); None: too long to search."""
    chars = "".join(cell.split())
    if len(chars) > MAX_CELL_CHARS:
        return None
    before = r"(?<!\w)" if _WORD.match(chars[0]) else ""
    after = r"(?!\w)" if _WORD.match(chars[-1]) else ""
    return re.compile(before + r"\s*".join(map(re.escape, chars)) + after)


def locate_rows(table: list[list[str | None]], text: str, cursor: int = 0) -> list[PageRow]:
    """The rows of one pdfplumber table (its cells' strings, None for a merged
    cell) found in ``text`` after ``cursor``, in order (see the module's rules)."""
    found: list[PageRow] = []
    for row in table:
        cells = [cell.strip() if cell else "" for cell in row]
        patterns = [_pattern(cell) if cell else None for cell in cells]
        if not any(cells) or any(cell and pattern is None for cell, pattern in zip(cells, patterns)):
            continue
        located = _locate_row(patterns, text, cursor, adjacent=sum(map(bool, cells)) == 1)
        if located is not None and (found or sum(map(bool, cells)) > 1):
            found.append(located)
            cursor = located.end
    return found


def _locate_row(patterns: list[re.Pattern | None], text: str, cursor: int, adjacent: bool) -> PageRow | None:
    """The first place after ``cursor`` where the cells follow each other with only
    blanks between them; with ``adjacent``, only right after ``cursor``."""
    present = [pattern for pattern in patterns if pattern is not None]
    starts = (present[0].match(text, _BLANKS.match(text, cursor).end()),) if adjacent else present[0].finditer(text, cursor)
    for tries, first in enumerate(starts):
        if first is None or tries >= MAX_TRIES:
            return None
        spans, position = [(first.start(), first.end())], first.end()
        for pattern in present[1:]:
            match = pattern.match(text, _BLANKS.match(text, position).end())
            if match is None:
                break
            spans.append((match.start(), match.end()))
            position = match.end()
        else:
            ordered = iter(spans)
            return PageRow(tuple(next(ordered) if pattern is not None else None for pattern in patterns))
    return None


class TableFinder:
    """pdfplumber over one PDF, opened on first use; any failure of it means no tables (never a refused file)."""

    def __init__(self, path: Path, budget: ReadBudget) -> None:
        self.path, self.budget = path, budget
        self.pdf = None
        self.failed = False

    def rows(self, index: int, page_text: str, rules: int, operators: int) -> list[PageRow]:
        """The table rows of page ``index`` (0-based), found in its pypdf text; the
        page runs ``operators`` drawing operators, ``rules`` of them lines and rectangles."""
        if self.failed or rules < MIN_RULES or len(page_text) > MAX_PAGE_CHARS or operators > MAX_PAGE_OPERATORS:
            return []
        self.budget.check_time()
        try:
            if self.pdf is None:
                import pdfplumber

                logging.getLogger("pdfminer").setLevel(logging.ERROR)
                self.failed = True  # until it opens
                self.pdf = pdfplumber.open(str(self.path))
                self.failed = False
            page = self.pdf.pages[index]
            try:
                tables = [table.extract() for table in page.find_tables()]
            finally:
                page.close()  # its parsed objects: memory stays one page's
        except Exception:  # pdfminer raises many types on odd files: this page keeps pypdf's text
            tables = []
        self.budget.check_time()
        rows: list[PageRow] = []
        for table in tables:
            rows += locate_rows(table, page_text, rows[-1].end if rows else 0)
        return rows

    def close(self) -> None:
        if self.pdf is not None:
            try:
                self.pdf.close()
            except Exception:
                pass


def add_page_text(builder: TextBuilder, page_text: str, offset: int, rows: list[PageRow], budget: ReadBudget) -> None:
    """A page's text, ``offset`` its start in the raw text, with ``rows`` (in
    order, apart) written as pipe rows, each on a line of its own."""
    position = 0
    for row in rows:
        before = page_text[position:row.start].rstrip()  # blanks between rows: just a line break
        if before.strip():
            if position:
                builder.break_line(offset + position)
            builder.add_text(before, offset + position)
        builder.break_line(offset + row.start)
        builder.single_line = True
        budget.add_chars(3 * len(row.cells))
        for index, cell in enumerate(row.cells):
            at = cell[0] if cell else next((later[0] for later in row.cells[index:] if later), row.end)
            builder.add_synthetic("| " if index == 0 else " | ", offset + at)
            if cell:
                builder.add_text(page_text[cell[0]:cell[1]], offset + cell[0])
        builder.single_line = False
        position = row.end
    if rows:
        builder.break_line(offset + position)
    builder.add_text(page_text[position:], offset + position)
