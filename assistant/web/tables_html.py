"""Tables as HTML tables: a window of a report for the source viewer, and a quoted row under its header.

The tables are read by :mod:`assistant.ingest.tables` from the pipe rows that
every reader writes into the clean text, so this works the same for Markdown,
HTML, DOCX and PDF reports.  Each table becomes a ``<table>``: its caption (the
line that introduces it) a ``<caption>``, its first row ``<th>`` cells, the
other rows ``<td>`` cells; Markdown rule lines (``|---|``) are structure and
are not shown; the text around a table stays escaped text.  A table that the
viewer's window cuts is shown from the first row the window holds (a row the
edge cuts is shown whole) to the last, always under its caption and header
row, with a line saying how many rows are not shown: a cited row is always
seen under its header, and a table of 20,000 rows costs no more than the
window.

Highlights are clean-text spans ``(start, end, kind)``, kind "cited" (the
quote) or "par" (the same passage in the other language):

* outside tables, ``<mark class="cited">`` around the span's characters;
* a row whose cells the span covers (a row quote; each row of a run) is
  ``<tr class="cited">``; a span that covers part of a row (a figure in one
  cell) marks that row and, inside its cells, the characters it covers;
* a view's ``cell`` (the cell in the column the question names) is
  ``<td class="cell"><mark class="cell">``; a view's ``header`` (the cited
  row's header row) is ``<tr class="head">``.

Every character of a report goes through :func:`esc`; the only markup is this
module's own tags and fixed class names.
"""
from __future__ import annotations

from ..ingest.tables import Row, Table, find_tables, tables_around
from .escape import esc

#: A highlighted clean-text span and its class.
Mark = tuple[int, int, str]
Span = tuple[int, int]


def marked_text(text: str, start: int, end: int, marks: list[Mark]) -> str:
    """``text[start:end]`` escaped, the characters inside each mark wrapped in ``<mark class="kind">``
    (``marks`` do not overlap one another)."""
    parts, position = [], start
    for mark_start, mark_end, kind in sorted(marks):
        left, right = max(mark_start, position), min(mark_end, end)
        if left >= right:
            continue
        parts.append(esc(text[position:left]))
        parts.append(f'<mark class="{kind}">{esc(text[left:right])}</mark>')
        position = right
    parts.append(esc(text[position:end]))
    return "".join(parts)


def _begin(table: Table) -> int:
    """Where a table's rendering starts: its caption, else its first row."""
    return table.caption[0] if table.caption else table.start


def window_tables(text: str, lo: int, hi: int) -> tuple[int, int, list[Table]]:
    """``(lo, hi, tables)``: the tables that overlap ``text[lo:hi]``, and the window's edges moved to whole
    lines where they fall inside a table (a row the edge cuts is shown whole)."""
    tables = tables_around(text, lo, hi) if lo < hi else []
    if tables and _begin(tables[0]) < lo < tables[0].end:
        lo = text.rfind("\n", 0, lo) + 1
    if tables and _begin(tables[-1]) < hi < tables[-1].end:
        newline = text.find("\n", hi)
        hi = len(text) if newline < 0 else newline
    return lo, hi, tables


def document_html(text: str, lo: int, hi: int, tables: list[Table], marks: list[Mark],
                  header: Span | None = None, cell: Span | None = None, rows_not_shown=None) -> str:
    """``text[lo:hi]`` (a window from :func:`window_tables`) as HTML: its tables as tables (their rows in the
    window, under their caption and header; ``rows_not_shown(n)`` words the line for rows left out), the
    rest as escaped text, the marks highlighted."""
    parts, position = [], lo
    for table in tables:
        parts.append(marked_text(text, position, _begin(table), marks))
        parts.append(table_html(text, table, marks, header=header, cell=cell, window=(lo, hi),
                                rows_not_shown=rows_not_shown))
        position = table.end + (1 if text.startswith("\n", table.end) else 0)  # a table is a block: its line ends
    parts.append(marked_text(text, position, hi, marks))
    return "".join(parts)


def _overlaps(start: int, end: int, row: Row) -> bool:
    return start < row.end and row.start < end


def _covers(start: int, end: int, row: Row) -> bool:
    """The span holds every cell of the row (the pipes around them need not be in it)."""
    first = row.cells[0][0] if row.cells else row.start
    last = row.cells[-1][1] if row.cells else row.end
    return start <= first and last <= end


def _row_html(text: str, row: Row, tag: str, width: int, marks: list[Mark], header: Span | None,
              cell: Span | None) -> str:
    touching = [(start, end, kind) for start, end, kind in marks if _overlaps(start, end, row)]
    classes = [kind for _, _, kind in touching]
    if header is not None and _overlaps(header[0], header[1], row):
        classes.append("head")
    partial = [mark for mark in touching if not _covers(mark[0], mark[1], row)]
    cells = []
    for cell_start, cell_end in list(row.cells) + [(row.end, row.end)] * (width - len(row.cells)):
        if cell is not None and cell_start <= cell[0] < cell[1] <= cell_end:
            cells.append(f'<{tag} class="cell"><mark class="cell">{esc(text[cell_start:cell_end])}</mark></{tag}>')
        else:
            cells.append(f"<{tag}>{marked_text(text, cell_start, cell_end, partial)}</{tag}>")
    row_class = f' class="{" ".join(dict.fromkeys(classes))}"' if classes else ""
    return f"<tr{row_class}>{''.join(cells)}</tr>"


def table_html(text: str, table: Table, marks: list[Mark], *, header: Span | None = None,
               cell: Span | None = None, window: Span | None = None, rows_not_shown=None,
               css_class: str = "doc-table", title: str = "") -> str:
    """One table of ``text`` as an HTML table (see the module for its highlights); with ``window``, only the
    body rows inside it, and a line (``rows_not_shown(n)``) where rows are left out."""
    width = max(len(row.cells) for row in table.rows)
    title_attribute = f' title="{esc(title)}"' if title else ""
    parts = [f'<table class="{css_class}"{title_attribute}>']
    if table.caption:
        parts.append(f"<caption>{marked_text(text, table.caption[0], table.caption[1], marks)}</caption>")
    parts.append(_row_html(text, table.header, "th", width, marks, header, cell))
    body = table.body
    shown = [number for number, row in enumerate(body) if window is None or window[0] <= row.start and row.end <= window[1]]
    first, last = (shown[0], shown[-1] + 1) if shown else (len(body), len(body))

    def gap(n: int) -> None:
        if n:
            words = rows_not_shown(n) if rows_not_shown else f"… {n:,} …"
            parts.append(f'<tr class="gap"><td colspan="{width}">{esc(words)}</td></tr>')

    gap(first)
    parts.extend(_row_html(text, row, "td", width, marks, header, cell) for row in body[first:last])
    gap(len(body) - last)
    parts.append("</table>")
    return "".join(parts)


# ---------------------------------------------------------------- a quoted row under its header

def quoted_table(header_text, quote_text) -> tuple[str, Table] | None:
    """A row quote's header line and its row(s) read as one table: ``(text, table)`` where ``text`` is
    ``header_text + "\\n" + quote_text``; None when they are not table rows."""
    if not isinstance(header_text, str) or not isinstance(quote_text, str) or not header_text or not quote_text:
        return None
    text = f"{header_text}\n{quote_text}"
    tables = find_tables(text)
    if len(tables) != 1 or tables[0].start != 0 or tables[0].header.end != len(header_text.rstrip()) \
            or tables[0].end != len(text.rstrip()):
        return None
    return text, tables[0]


def _quote_cell(citation: dict, quote_text: str, base: int) -> Span | None:
    """The named cell's span in the quote table's text, when the citation's ``cell`` is a cell of the quote."""
    cell = citation.get("cell")
    if not isinstance(cell, dict):
        return None
    value, start, quote_start = cell.get("text"), cell.get("start"), citation.get("start")
    if not (isinstance(value, str) and value and isinstance(start, int) and isinstance(quote_start, int)):
        return None
    offset = start - quote_start
    if offset < 0 or quote_text[offset:offset + len(value)] != value:
        return None
    return base + offset, base + offset + len(value)


def row_quote_html(quote_text: str, citation: dict, answer_span: Span | None = None, title: str = "") -> str | None:
    """A row quote as a small table: its header row (``citation["header"]``), then the quoted row(s), the
    cell in the column the question names marked, and the answer line's span (``answer_span``, in the
    quote's characters) marked; None when the citation carries no header or the texts are not rows."""
    header = citation.get("header") if isinstance(citation, dict) else None
    read = quoted_table(header.get("text"), quote_text) if isinstance(header, dict) else None
    if read is None:
        return None
    text, table = read
    base = len(header["text"]) + 1
    cell = _quote_cell(citation, quote_text, base)
    marks = []
    if answer_span and (cell is None or not (cell[0] <= base + answer_span[0] < cell[1])):
        marks.append((base + answer_span[0], base + answer_span[1], "answer-span"))
    return table_html(text, table, marks, cell=cell, css_class="rowquote", title=title)


def lone_row_html(line) -> str | None:
    """A passage that is one table row (a row quote's same row in the other language) as a one-row table,
    so it shows no raw pipes; None when it is not a row.  (A table is two rows or more, so the line is read
    under itself as header and its second reading kept.)"""
    read = quoted_table(line, line) if isinstance(line, str) and "\n" not in line.strip() else None
    if read is None:
        return None
    text, table = read
    row = table.rows[1]
    return f'<table class="rowquote">{_row_html(text, row, "td", len(row.cells), [], None, None)}</table>'


def row_quote_markdown(header_text, quote_text) -> list[str] | None:
    """A row quote's lines for a Markdown export: the header line, a rule (so a Markdown viewer shows a
    table), then the quoted row(s) verbatim; None when they are not table rows."""
    read = quoted_table(header_text, quote_text)
    if read is None:
        return None
    _, table = read
    rule = "|" + "---|" * len(table.header.cells)
    return [header_text.strip(), rule, *(line.strip() for line in quote_text.strip().splitlines() if line.strip())]


TABLE_CSS = """
table.doc-table { border-collapse: collapse; margin: 4px 0 8px; font-size: 13px; white-space: normal; line-height: 1.45; }
table.doc-table caption { text-align: left; font-weight: 600; padding: 0 0 3px; caption-side: top; }
table.doc-table th, table.doc-table td, table.rowquote th, table.rowquote td {
  border: 1px solid var(--border-color-primary); padding: 3px 9px; text-align: left; vertical-align: top; }
table.doc-table th, table.rowquote th { background: var(--background-fill-secondary); font-weight: 600; }
table.doc-table tr.cited td, table.doc-table tr.cited th { background: rgba(255, 212, 59, 0.38); }
table.doc-table tr.cited td:first-child { box-shadow: inset 4px 0 0 #fab005; }
table.doc-table tr.par td { background: rgba(99, 230, 190, 0.30); }
table.doc-table tr.head th { box-shadow: inset 0 -2px 0 #fab005; }
mark.cell { background: #ffe066; color: #111; border-radius: 3px; padding: 0 2px; box-shadow: 0 0 0 2px #f59f00; }
table.doc-table tr.gap td { color: var(--body-text-color-subdued); font-style: italic; text-align: center; }
table.rowquote { border-collapse: collapse; display: inline-table; vertical-align: bottom; font-size: 14px; margin: 1px 0; }
table.rowquote td { background: var(--background-fill-primary); }
.parallel table.rowquote, aside.par table.rowquote { font-size: 13px; white-space: normal; }
"""
