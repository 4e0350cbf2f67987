"""DOCX to clean text with python-docx: paragraphs and table rows (cells joined by `` | ``).
"""
from __future__ import annotations

from pathlib import Path

from .document import DocumentError, Heading, TextBuilder
from .files import format_mb


def read_docx(path: Path, name: str, max_unzipped_bytes: int) -> tuple[str, TextBuilder, list[Heading]]:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as error:
        raise DocumentError(f"{name}: not a valid .docx file (it is not a zip archive).") from error
    if unzipped > max_unzipped_bytes:
        raise DocumentError(f"{name}: unzips to {format_mb(unzipped)}, over the {format_mb(max_unzipped_bytes)} limit.")
    try:
        import docx

        document = docx.Document(str(path))
    except Exception as error:
        raise DocumentError(f"{name}: not a readable .docx file ({type(error).__name__}).") from error
    lines: list[tuple[str, int]] = []  # (text, heading level or 0)
    for block in document.element.body.iterchildren():
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
