"""PDF to clean text with pypdf: one raw text per page, citations count within the page.
"""
from __future__ import annotations

from pathlib import Path

from .document import DocumentError, TextBuilder


def read_pdf(path: Path, name: str) -> tuple[str, TextBuilder, list[int]]:
    import logging

    # pypdf logs its repairs ("EOF marker not found") as bare lines on stderr;
    # a file it cannot read is reported once, by name, as a DocumentError.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise DocumentError(f"{name}: the PDF is encrypted; save an unencrypted copy and add that.")
        page_texts = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except Exception as error:  # pypdf raises many types for broken files
        raise DocumentError(f"{name}: not a readable PDF ({type(error).__name__}).") from error
    builder = TextBuilder()
    page_starts: list[int] = []
    raw_parts: list[str] = []
    offset = 0
    for page_text in page_texts:
        page_starts.append(offset)
        builder.break_line(offset)
        builder.break_line(offset)
        builder.add_text(page_text, offset)
        raw_parts.append(page_text)
        offset += len(page_text) + 1
    return "\n".join(raw_parts), builder, page_starts
