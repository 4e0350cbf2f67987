"""DOCX to clean text with python-docx: paragraphs and table rows (cells joined by `` | ``).

Bounded (see :mod:`.limits`): every member is really unzipped, in blocks,
and counted (the zip directory's sizes are only a first check, since a file
can understate them), then ``word/document.xml`` is streamed once to count
its text; python-docx only sees a file under every cap.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from .document import DocumentError, Heading, TextBuilder
from .limits import ReadBudget

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_BLOCK = 1 << 20


def read_docx(path: Path, name: str, budget: ReadBudget) -> tuple[str, TextBuilder, list[Heading]]:
    _check_archive(path, name, budget)
    try:
        import docx

        document = docx.Document(str(path))
    except Exception as error:
        raise DocumentError(f"{name}: not a readable .docx file ({type(error).__name__}).") from error
    lines: list[tuple[str, int]] = []  # (text, heading level or 0)
    for block in document.element.body.iterchildren():
        budget.check_time()
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = docx.text.paragraph.Paragraph(block, document)
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            level = int(style.split()[-1]) if style.startswith("Heading") and style.split()[-1].isdigit() else 0
            lines.append((paragraph.text, level))
        elif tag == "tbl":
            table = docx.table.Table(block, document)
            for row in table.rows:
                lines.append((" | ".join(cell.text for cell in row.cells), 0))
    builder = TextBuilder()
    headings: list[Heading] = []
    offset = 0
    for text, level in lines:
        builder.break_line(offset)
        clean_start = len(builder)
        builder.add_text(text, offset)
        span = builder.span_since(clean_start) if level else None
        if span:
            headings.append(Heading(*span, level))
        offset += len(text) + 1
    return "\n".join(text for text, _ in lines), builder, headings


def _check_archive(path: Path, name: str, budget: ReadBudget) -> None:
    """Refuse an archive that unzips (really, not as declared) past the cap, or
    whose document holds more text than the cap, before python-docx reads it."""
    cap = budget.limits.unzipped_cap
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise DocumentError(f"{name}: not a valid .docx file (it is not a zip archive).") from error
    try:
        with archive:
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
            if "word/document.xml" in archive.namelist():
                with archive.open("word/document.xml") as member:
                    _count_text(member, budget)
    except DocumentError:
        raise
    except Exception as error:  # a damaged member (zipfile.BadZipFile), lxml's XMLSyntaxError, ...
        raise DocumentError(f"{name}: not a readable .docx file ({type(error).__name__}).") from error
    budget.chars = 0  # counted again as the text is built


def _count_text(stream, budget: ReadBudget) -> None:
    """Stream the document XML once: text characters, plus one a paragraph and
    a table cell (each becomes a line break or separator), against the caps."""
    from lxml import etree

    wanted = (f"{_W}t", f"{_W}p", f"{_W}tc")
    for _event, element in etree.iterparse(stream, events=("end",), tag=wanted, resolve_entities=False,
                                           no_network=True, huge_tree=False):
        budget.add_chars(len(element.text or "") if element.tag == f"{_W}t" else 1)
        budget.check_time()
        element.clear(keep_tail=True)
        while element.getprevious() is not None:  # keep memory flat on a huge body
            del element.getparent()[0]
