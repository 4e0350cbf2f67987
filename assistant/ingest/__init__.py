"""Ingest: report files -> :class:`Document` (clean text + offset map) -> :class:`Chunk` s.

One module per concern: ``document`` (the data and the text builder), one
reader per format (``markdown_reader``, ``html_reader``, ``pdf_reader``,
``docx_reader``), ``reader`` (picks one), ``files`` (finding, hashing and
decoding files), ``language``, ``sentences`` and ``chunking``.
"""
from .chunking import Chunk, chunk_document, count_tokens, document_title
from .document import Document, DocumentError, Heading, Segment, TextBuilder, span_label
from .files import (
    decode_bytes,
    discover_files,
    file_sha256,
    format_mb,
    list_report_files,
    printable_name,
)
from .language import detect_lang, language_segments
from .reader import read_document
from .sentences import sentence_spans

__all__ = [
    "Chunk", "Document", "DocumentError", "Heading", "Segment", "TextBuilder", "chunk_document", "count_tokens",
    "decode_bytes", "detect_lang", "discover_files", "document_title", "file_sha256", "format_mb",
    "language_segments", "list_report_files", "printable_name", "read_document", "sentence_spans", "span_label",
]
