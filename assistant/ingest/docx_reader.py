"""DOCX to clean text: paragraphs and table rows (cells joined by `` | ``), read in one stream.

Bounded (see :mod:`.limits`): every member is really unzipped, in blocks, and
counted (the zip directory's sizes are only a first check, since a file can
understate them).  Then the main document part, the one the package's
relationships name (``word/document.xml`` by convention, but any name is
followed), is streamed once with lxml ``iterparse``: each element is dropped as
soon as it ends, so memory holds the text read so far, never the XML tree; the
characters are counted as each ``w:t`` arrives and the clock is checked every
few thousand elements, so the caps stop a read inside a paragraph, row or cell.

Tables are read as they are written, one line per row: the raw text holds the
row's cells joined by `` | ``, and the clean text puts a synthetic ``| `` (no raw
character) before it, so the row reads as :mod:`.tables` reads every format's rows
(``| Region | Share``); the paragraphs (and line breaks) of one cell are joined by
newlines in the raw text and by spaces in the clean text, so a row stays one line
and the raw text and its offsets are those of earlier versions.  A cell spanning grid
columns (``gridSpan``) is one cell (its span is a number, never expanded) followed,
in the clean text only, by empty synthetic cells for the columns it covers (at most
:data:`~.tables.MAX_SPAN` in all), so later cells stay under their header,
and a cell that continues a vertical merge repeats the text of the cell above
it at that grid column (counted like any text; an orphan continuation, with no
cell above, keeps its own text).  Headings are the paragraphs whose style is named
"Heading N" (N in ASCII digits; python-docx's names, case aside).
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path

from .document import DocumentError, Heading, TextBuilder
from .limits import ReadBudget
from .tables import MAX_SPAN

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_BLOCK = 1 << 20
_SMALL_PART = 16 << 20  # relationships and styles: read whole, so bounded apart from the main part
_CHECK_EVERY = 4096  # elements between two looks at the clock
_HEADING = re.compile(r"heading ([0-9]{1,2})", re.IGNORECASE)
_STARTS = frozenset(f"{_W}{tag}" for tag in ("p", "tbl", "tr", "tc"))
_ENDS = frozenset(f"{_W}{tag}" for tag in ("p", "tbl", "tr", "tc", "t", "tab", "ptab", "br", "cr", "noBreakHyphen",
                                           "pStyle", "gridSpan", "vMerge", "gridBefore"))
_RUN_CHARS = {f"{_W}tab": "\t", f"{_W}ptab": "\t", f"{_W}br": "\n", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}


def read_docx(path: Path, name: str, budget: ReadBudget) -> tuple[str, TextBuilder, list[Heading]]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise DocumentError(f"{name}: not a valid .docx file (it is not a zip archive).") from error
    try:
        with archive:
            _check_sizes(archive, budget)
            main = _related_part(archive, "", "/officeDocument")
            if main is None:
                raise DocumentError(f"{name}: not a readable .docx file (it has no main document part).")
            levels = _heading_levels(archive, main)
            with archive.open(main) as stream:
                lines = _BodyReader(levels, budget).read(stream)
    except DocumentError:
        raise
    except Exception as error:  # a damaged member (zipfile.BadZipFile), lxml's XMLSyntaxError, ...
        raise DocumentError(f"{name}: not a readable .docx file ({type(error).__name__}).") from error
    builder = TextBuilder()
    headings: list[Heading] = []
    offset = 0
    for text, level, cells in lines:
        builder.break_line(offset)
        clean_start = len(builder)
        if cells is None:
            builder.add_text(text, offset)
        else:
            _add_row(builder, cells, offset)
        span = builder.span_since(clean_start) if level else None
        if span:
            headings.append(Heading(*span, level))
        offset += len(text) + 1
    return "\n".join(text for text, _, _ in lines), builder, headings


def _add_row(builder: TextBuilder, cells: tuple[tuple[str, int], ...], offset: int) -> None:
    """A row's line: ``| `` then its cells as the raw text holds them (joined by `` | ``),
    each followed by an empty synthetic cell per extra grid column it spans."""
    builder.add_synthetic("| ", offset)
    builder.single_line = True
    position = offset
    for index, (text, span) in enumerate(cells):
        if index:
            builder.add_text(" | ", position)
            position += 3
        builder.add_text(text, position)
        position += len(text)
        builder.add_synthetic(" |" * _padding(span), position)
    builder.single_line = False


def _padding(span: int) -> int:
    return min(span, MAX_SPAN) - 1


def _check_sizes(archive: zipfile.ZipFile, budget: ReadBudget) -> None:
    """Refuse an archive that unzips (really, not as declared) past the cap."""
    cap = budget.limits.unzipped_cap
    members = archive.infolist()
    declared = sum(info.file_size for info in members)
    if declared > cap:
        raise budget.too_big_unzipped(declared)
    unzipped = 0
    for info in members:
        with archive.open(info) as member:
            while block := member.read(_BLOCK):
                unzipped += len(block)
                if unzipped > cap:
                    raise budget.too_big_unzipped()
                budget.check_time()


def _small_xml(archive: zipfile.ZipFile, member: str):
    from lxml import etree

    with archive.open(member) as stream:
        data = stream.read(_SMALL_PART + 1)
    if len(data) > _SMALL_PART:
        raise ValueError(f"{member} is over {_SMALL_PART} bytes")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True)
    return etree.fromstring(data, parser)


def _related_part(archive: zipfile.ZipFile, source: str, kind: str) -> str | None:
    """The member the relationships of ``source`` ("" = the package) name for
    the relationship type ending in ``kind``, or None."""
    folder, base = posixpath.split(source)
    rels = posixpath.join(folder, "_rels", f"{base}.rels")
    if rels not in archive.NameToInfo:
        return None
    for relation in _small_xml(archive, rels).iter(_RELATIONSHIP):
        target = relation.get("Target") or ""
        if (relation.get("Type") or "").endswith(kind) and relation.get("TargetMode") != "External":
            member = posixpath.normpath(target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target))
            return member if member in archive.NameToInfo else None
    return None


def _heading_levels(archive: zipfile.ZipFile, main: str) -> dict[str, int]:
    """Paragraph style id -> heading level, for the styles named "Heading N"."""
    styles = _related_part(archive, main, "/styles")
    if styles is None:
        return {}
    levels = {}
    for style in _small_xml(archive, styles).iter(f"{_W}style"):
        name = style.find(f"{_W}name")
        match = _HEADING.fullmatch((name.get(f"{_W}val") or "").strip()) if name is not None else None
        if match and style.get(f"{_W}type") in (None, "paragraph") and int(match.group(1)) > 0:
            levels[style.get(f"{_W}styleId") or ""] = int(match.group(1))
    return levels


def _number(element, default: int) -> int:
    value = element.get(f"{_W}val")
    return int(value) if value is not None and value.isascii() and value.isdigit() else default


class _BodyReader:
    """One pass over the main part's XML: lines of (text, heading level, a table row's (cell text, grid span)s)."""

    def __init__(self, levels: dict[str, int], budget: ReadBudget) -> None:
        self.levels = levels
        self.budget = budget
        self.lines: list[tuple[str, int, tuple[tuple[str, int], ...] | None]] = []
        self.paragraph_depth = 0  # paragraphs inside a paragraph (text boxes) are not read
        self.table_depth = 0  # a nested table's paragraphs join the outer cell's text
        self.pieces: list[str] = []
        self.level = 0
        self.row: list[tuple[str, int]] = []
        self.cell: list[str] = []
        self.grid_column = 0  # where the current cell starts in the table's grid
        self.span, self.merge = 1, None
        self.above: dict[int, str] = {}  # the previous row's cell texts by grid column
        self.current: dict[int, str] = {}

    def read(self, stream) -> list[tuple[str, int, tuple[tuple[str, int], ...] | None]]:
        from lxml import etree

        budget, seen = self.budget, 0
        for event, element in etree.iterparse(stream, events=("start", "end"), resolve_entities=False,
                                              no_network=True, huge_tree=False, remove_comments=True,
                                              remove_pis=True):
            if event == "start":
                if element.tag in _STARTS:
                    self._start(element.tag)
                continue
            if element.tag in _ENDS:
                self._end(element)
            element.clear()
            while element.getprevious() is not None:  # keep memory flat: the tree never grows
                del element.getparent()[0]
            seen += 1
            if seen % _CHECK_EVERY == 0:
                budget.check_time()
        return self.lines

    def _start(self, tag: str) -> None:
        if tag == f"{_W}p":
            self.paragraph_depth += 1
            if self.paragraph_depth == 1:
                self.pieces, self.level = [], 0
        elif tag == f"{_W}tbl":
            self.table_depth += 1
            if self.table_depth == 1:
                self.above = {}
        elif self.table_depth == 1 and tag == f"{_W}tr":
            self.row, self.current, self.grid_column = [], {}, 0
        elif self.table_depth == 1 and tag == f"{_W}tc":
            self.cell, self.span, self.merge = [], 1, None

    def _end(self, element) -> None:
        tag = element.tag
        if self.paragraph_depth == 1:
            if tag == f"{_W}t":
                text = element.text or ""
                self.budget.add_chars(len(text))
                self.pieces.append(text)
            elif tag in _RUN_CHARS and element.getparent().tag == f"{_W}r":
                self.budget.add_chars(1)
                self.pieces.append(_RUN_CHARS[tag])
            elif tag == f"{_W}pStyle":
                self.level = self.levels.get(element.get(f"{_W}val") or "", 0)
        if tag == f"{_W}p":
            if self.paragraph_depth == 1:
                self._paragraph("".join(self.pieces))
            self.paragraph_depth -= 1
        elif tag == f"{_W}tbl":
            self.table_depth -= 1
        elif self.table_depth == 1:
            self._table_end(tag, element)

    def _paragraph(self, text: str) -> None:
        self.budget.add_chars(1)  # its line break
        if self.table_depth:
            self.cell.append(text)
        else:
            self.lines.append((text, self.level, None))

    def _table_end(self, tag: str, element) -> None:
        if tag == f"{_W}gridSpan":
            self.span = max(_number(element, 1), 1)
        elif tag == f"{_W}vMerge":
            self.merge = element.get(f"{_W}val") or "continue"
        elif tag == f"{_W}gridBefore":
            self.grid_column += _number(element, 0)
        elif tag == f"{_W}tc":
            text = "\n".join(self.cell)
            if self.merge == "continue" and self.grid_column in self.above:  # an orphan keeps its own text
                text = self.above[self.grid_column]
                self.budget.add_chars(len(text))
            self.budget.add_chars(3 + 2 * _padding(self.span))  # its " | ", and its empty cells in the clean text
            self.current[self.grid_column] = text
            self.row.append((text, self.span))
            self.grid_column += self.span
        elif tag == f"{_W}tr":
            self.budget.add_chars(2)  # the clean text's "| " before it
            self.lines.append((" | ".join(text for text, _ in self.row), 0, tuple(self.row)))
            self.above = self.current

