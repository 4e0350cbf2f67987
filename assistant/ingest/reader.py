"""Read one report file of any supported format into a :class:`Document`.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from ..config import SUPPORTED_SUFFIXES
from .document import Document, DocumentError, Heading
from .docx_reader import read_docx
from .files import decode_bytes, format_mb, printable_name
from .html_reader import clean_html, looks_like_html
from .language import language_segments
from .limits import ReadBudget, ReadLimits
from .markdown_reader import clean_markdown
from .pdf_reader import read_pdf


def read_document(path: Path | str, doc_id: str | None = None, max_bytes: int | None = None,
                  limits: ReadLimits | None = None) -> Document:
    """Read one report file; raises :class:`DocumentError` with a plain reason.

    ``limits`` caps the work (default: the settings' caps); ``max_bytes``, when
    given, replaces their file size cap (and with it the DOCX unzipped cap)."""
    path = Path(path)
    limits = limits or ReadLimits.from_settings()
    if max_bytes is not None:
        limits = replace(limits, max_bytes=max_bytes)
    max_bytes = limits.max_bytes
    name = printable_name(doc_id or path.name)  # as shown in messages
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(f"{name}: unsupported file type {suffix or '(none)'}; use one of {', '.join(SUPPORTED_SUFFIXES)}.")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(f"{name}: {format_mb(size)} is over the {format_mb(max_bytes)} file size limit.")
        data = path.read_bytes()
    except OSError as error:
        raise DocumentError(f"{name}: cannot be read ({error.strerror or error}).") from error
    if not data.strip():
        raise DocumentError(f"{name}: the file is empty.")
    try:
        return _read_format(path, doc_id, data, name, suffix, ReadBudget(limits, name))
    except DocumentError:
        raise
    except Exception as error:  # any reader's or library's failure refuses this file only
        raise reader_failed(name, suffix, error) from error


def reader_failed(name: str, suffix: str, error: BaseException) -> DocumentError:
    """The one sentence for a file whose reading failed unexpectedly (the
    exception's type only: its message may be long or hold the file's text)."""
    return DocumentError(f"{name}: the {suffix or 'file'} reader failed on this file ({type(error).__name__}); it was "
                         f"skipped; save it again from its editor or convert it to plain text.")


def _read_format(path: Path, doc_id: str | None, data: bytes, name: str, suffix: str, budget: ReadBudget) -> Document:
    warnings: list[str] = []
    page_starts = None
    headings: list[Heading] = []
    if suffix == ".pdf":
        raw_text, builder, page_starts = read_pdf(path, name, budget)
    elif suffix == ".docx":
        raw_text, builder, headings = read_docx(path, name, budget)
    else:
        raw_text, warnings = decode_bytes(data, name)
        budget.check_chars(len(raw_text))  # the clean text is never longer than the raw one
        if suffix in (".html", ".htm") or looks_like_html(raw_text):
            builder, headings = clean_html(raw_text, budget)
        else:
            builder, headings = clean_markdown(raw_text, budget)
    text = builder.text()
    if not text.strip():
        raise DocumentError(f"{name}: no readable text was found in the file.")
    return Document(
        doc_id=doc_id or path.name,
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        raw_text=raw_text,
        text=text,
        raw_starts=builder.raw_starts,
        raw_ends=builder.raw_ends,
        headings=headings,
        segments=language_segments(text),
        page_starts=page_starts,
        warnings=warnings,
    )
