"""Bounded work per file: caps on extracted characters, PDF pages, unzipped size and read time.

A reader counts as it goes and stops as soon as a cap is passed, so a small
file that expands into a huge text (one content stream shared by many PDF
pages, a DOCX of highly compressible XML) costs at most the cap, never the
expansion.  Each cap refuses the file with one sentence (:class:`DocumentError`).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace

from ..config import Settings
from .document import DocumentError
from .files import format_mb


@dataclass(frozen=True)
class ReadLimits:
    """The caps of one file read (from :class:`~assistant.config.Settings`)."""

    max_bytes: int  # file size on disk
    max_chars: int  # characters of extracted text
    max_pages: int  # PDF pages
    max_pdf_page_bytes: int  # PDF: one page's decoded content streams
    max_seconds: float  # wall time of one read
    max_unzipped_bytes: int | None = None  # DOCX: bytes really unzipped; None = 4 x max_bytes

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **changes) -> "ReadLimits":
        """The caps of ``settings`` (default: :class:`Settings`), with ``changes``."""
        settings = settings or Settings()
        return replace(cls(max_bytes=settings.max_file_bytes, max_chars=settings.max_text_chars,
                   max_pages=settings.max_pdf_pages, max_pdf_page_bytes=settings.max_pdf_page_bytes,
                   max_seconds=settings.max_read_seconds), **changes)

    @property
    def unzipped_cap(self) -> int:
        return self.max_unzipped_bytes if self.max_unzipped_bytes is not None else 4 * self.max_bytes

    def as_dict(self) -> dict:
        """Recorded with a refused file: the same bytes are retried only under other limits."""
        return asdict(self)


class ReadBudget:
    """What one read of one file has used so far; raises once a cap is passed."""

    def __init__(self, limits: ReadLimits, name: str) -> None:
        self.limits = limits
        self.name = name
        self.chars = 0
        self.deadline = time.monotonic() + limits.max_seconds

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise DocumentError(f"{self.name}: reading it took more than {self.limits.max_seconds:g} s, the limit per "
                                f"file; split it into smaller files or convert it to plain text.")

    def add_chars(self, count: int) -> None:
        self.chars += count
        if self.chars > self.limits.max_chars:
            raise self.too_much_text()

    def check_chars(self, count: int) -> None:
        """Refuse a text of ``count`` characters before any work is spent on it."""
        if count > self.limits.max_chars:
            raise self.too_much_text()

    def too_much_text(self) -> DocumentError:
        return DocumentError(f"{self.name}: holds more than {self.limits.max_chars:,} characters of text, the limit "
                             f"per file; split it into smaller files.")

    def check_pages(self, count: int) -> None:
        if count > self.limits.max_pages:
            raise DocumentError(f"{self.name}: has {count:,} pages, over the limit of {self.limits.max_pages:,} "
                                f"pages per file; split it into smaller files.")

    def check_pdf_page(self, number: int, content_bytes: int) -> None:
        """A page's decoded drawing instructions, checked before pypdf parses them."""
        if content_bytes > self.limits.max_pdf_page_bytes:
            raise DocumentError(f"{self.name}: page {number} holds {format_mb(content_bytes)} of drawing instructions, "
                                f"over the {format_mb(self.limits.max_pdf_page_bytes)} limit per page; save the PDF "
                                f"again (print to PDF) or convert it to text.")

    def too_big_unzipped(self, unzipped: int | None = None) -> DocumentError:
        cap = format_mb(self.limits.unzipped_cap)
        if unzipped is None:  # found while unzipping: the zip directory understated the size
            return DocumentError(f"{self.name}: unzips to more than the {cap} limit (its zip directory understates it).")
        return DocumentError(f"{self.name}: unzips to {format_mb(unzipped)}, over the {cap} limit.")
