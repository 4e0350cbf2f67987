"""Tables as structure: the pipe rows of a document's clean text read into a caption, a header row, rows and cells.

Every reader writes a table into the clean text the same way: one line per
row, each cell after a ``|`` (Markdown keeps its own pipes; the HTML and DOCX
readers, and the PDF reader for the tables pdfplumber finds, add a synthetic
``| `` that maps to no raw character).  So a table is read here, from the clean
text alone, the same way for every format: at build time (chunks carry its
caption and header, the stored candidate vectors embed each row as a sentence)
and at ask time (row candidates, a row quote's header, the viewer).  All spans
are clean-text spans; ``Document.raw_span`` gives each one's exact raw
characters.

What counts:

* a **row** is a line that starts with ``|`` and has a letter or digit in it;
  a line of only pipes, dashes, colons and blanks (a Markdown rule, an empty
  row) sits inside a table without being a row;
* a **table** is two or more rows with nothing but blank or rule lines between
  them; its first row is its **header** (a Markdown table's header always is;
  an HTML or DOCX table's usually is);
* its **caption** is the line just before it when that line introduces it: it
  ends with a colon, starts like "Table 3" / "表 3", or is short and is not a
  finished sentence (a heading, an HTML ``<caption>``).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property, lru_cache

#: The most grid columns a reader writes for one cell spanning several (HTML ``colspan``/``rowspan``,
#: DOCX ``gridSpan``): it writes the cell, then an empty synthetic cell for each other column it covers.
MAX_SPAN = 50
#: A caption's most characters (a longer line before a table is a paragraph, not its title).
CAPTION_MAX_CHARS = 160
_CAPTION_START_RE = re.compile(r"^\s*(?:table|tab\.|exhibit|figure)\s*[\dIVX]|^\s*[表图圖]\s*[\d一二三四五六七八九十]", re.I)
_SENTENCE_END_RE = re.compile(r"[.!?。！？]\W{0,2}$")
_CONTENT_RE = re.compile(r"[^\s|:\-–—]")


@dataclass(frozen=True)
class Row:
    start: int  # the line, from its first "|" to its last character
    end: int
    cells: tuple[tuple[int, int], ...]  # each cell's text, blanks trimmed (an empty cell: start == end)


@dataclass(frozen=True)
class Table:
    rows: tuple[Row, ...]  # header first
    caption: tuple[int, int] | None = None  # the line that introduces it

    @property
    def header(self) -> Row:
        return self.rows[0]

    @cached_property
    def body(self) -> tuple[Row, ...]:
        return self.rows[1:]

    @property
    def start(self) -> int:
        return self.rows[0].start

    @property
    def end(self) -> int:
        return self.rows[-1].end

    @cached_property
    def _body_ends(self) -> tuple[int, ...]:
        return tuple(row.end for row in self.body)

    def body_between(self, start: int, end: int) -> tuple[Row, ...]:
        """The body rows that overlap ``[start, end)`` (found by bisection: a table may have many rows)."""
        first = bisect_right(self._body_ends, start)
        last = first
        while last < len(self.body) and self.body[last].start < end:
            last += 1
        return self.body[first:last]


def _line_spans(text: str, start: int, end: int):
    """``(line_start, line_end)`` of each line of ``text[start:end]``, blanks at both ends trimmed."""
    position = start
    while position <= end:
        newline = text.find("\n", position, end)
        line_end = end if newline < 0 else newline
        left, right = position, line_end
        while left < right and text[left].isspace():
            left += 1
        while right > left and text[right - 1].isspace():
            right -= 1
        yield left, right
        if newline < 0:
            return
        position = newline + 1


def _cells(text: str, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """The cells of the row line ``text[start:end]`` (it starts with "|")."""
    pipes = [position for position in range(start, end) if text[position] == "|"]
    bounds = pipes + ([end] if text[end - 1] != "|" else [])
    cells = []
    for left, right in zip(bounds, bounds[1:]):
        left += 1
        while left < right and text[left].isspace():
            left += 1
        while right > left and text[right - 1].isspace():
            right -= 1
        cells.append((left, right))
    return tuple(cells)


def is_row_line(line: str) -> bool:
    return line.startswith("|") and bool(_CONTENT_RE.search(line))


def _is_filler_line(line: str) -> bool:
    """Blank, a Markdown rule or a row of empty cells: inside a table, not a row of it."""
    return not _CONTENT_RE.search(line)


def _caption(text: str, first_row_start: int) -> tuple[int, int] | None:
    """The line before the table when it introduces it."""
    position = first_row_start
    while position > 0:
        line_start = text.rfind("\n", 0, position - 1) + 1
        line_end = position - 1 if text[position - 1] == "\n" else position
        left, right = line_start, line_end
        while left < right and text[left].isspace():
            left += 1
        while right > left and text[right - 1].isspace():
            right -= 1
        line = text[left:right]
        if not line or (line.startswith("|") and _is_filler_line(line)):
            position = line_start
            continue
        if line.startswith("|") or len(line) > CAPTION_MAX_CHARS:
            return None
        if line.endswith((":", "：")) or _CAPTION_START_RE.match(line) or not _SENTENCE_END_RE.search(line):
            return left, right
        return None
    return None


def find_tables(text: str, start: int = 0, end: int | None = None) -> list[Table]:
    """The tables of ``text[start:end]``, in text order (see the module's rules)."""
    end = len(text) if end is None else end
    tables: list[Table] = []
    rows: list[Row] = []

    def close() -> None:
        if len(rows) >= 2:
            tables.append(Table(tuple(rows), _caption(text, rows[0].start)))
        rows.clear()

    for line_start, line_end in _line_spans(text, start, end):
        line = text[line_start:line_end]
        if is_row_line(line):
            rows.append(Row(line_start, line_end, _cells(text, line_start, line_end)))
        elif not (_is_filler_line(line) and rows):
            close()
    close()
    return tables


@lru_cache(maxsize=4)
def _document_tables(text: str) -> tuple[tuple[Table, ...], tuple[int, ...]]:
    """A whole text's tables, and where each ends (read once a document: the
    build and an answer ask for the tables around many passages of one text)."""
    tables = tuple(find_tables(text))
    return tables, tuple(table.end for table in tables)


def tables_around(text: str, start: int, end: int) -> list[Table]:
    """The tables that overlap ``text[start:end]`` (their rows or their
    caption), read whole: a passage that starts in the middle of a table still
    gets the table's header and caption."""
    tables, ends = _document_tables(text)
    found = []
    for table in tables[bisect_right(ends, start):]:
        first = table.caption[0] if table.caption else table.start
        if first >= end:
            break
        if table.start < end or table.caption[1] > start:
            found.append(table)
    return found


def cell_texts(text: str, row: Row) -> list[str]:
    return [text[cell_start:cell_end] for cell_start, cell_end in row.cells]


def row_sentence(text: str, table: Table, row: Row) -> str:
    """A row read as a sentence through its header, for ranking and embedding:
    ``End user: Hospitals — 2025: 41.2; 2026: 47.9 (Revenue by end user, USD bn)``.
    The first cell names the row; each other cell is named by its column's
    header (where the header has a name for it); the caption comes last."""
    header, cells = cell_texts(text, table.header), cell_texts(text, row)
    if not cells:
        return ""
    label = f"{header[0]}: {cells[0]}" if header and header[0] and cells[0] else cells[0]
    parts = [f"{header[i]}: {cell}" if i < len(header) and header[i] and header[i] != cell else cell
             for i, cell in enumerate(cells[1:], start=1) if cell]
    sentence = f"{label} — {'; '.join(parts)}" if parts else label
    if table.caption:
        sentence += f" ({text[table.caption[0]:table.caption[1]].rstrip(':：')})"
    return sentence


def table_context(text: str, table: Table, start: int, end: int) -> str:
    """What a passage ``[start, end)`` holding rows of ``table`` lacks to be read
    alone: the caption and the header row, where the passage does not hold them
    (chunks embed and index it beside their text)."""
    parts = []
    if table.caption and not (start <= table.caption[0] and table.caption[1] <= end):
        parts.append(text[table.caption[0]:table.caption[1]])
    if start > table.header.start:
        parts.append(text[table.header.start:table.header.end])
    return "\n".join(parts)
