"""Read a report file into clean text plus an exact map back to the raw file.

Every reader builds the clean text one character at a time through
:class:`TextBuilder`, which records for each clean character the raw span it
came from.  That map is what lets a quote cite the exact characters of the
source file, whatever markup (HTML tags, entities, Markdown emphasis, links)
was removed on the way.

What "raw file" means per format:

* ``.txt .md .html .htm``: the decoded file text (character offsets).
* ``.pdf``: the text pypdf extracts from one page; a citation gives the page
  number and offsets inside that page's extracted text.
* ``.docx``: the main document part's paragraphs (and table rows, cells joined by
  `` | ``), read in one stream (:mod:`.docx_reader`), joined by newlines; a row's
  clean line starts with a synthetic ``| ``.
"""
from __future__ import annotations

import re
import unicodedata
from array import array
from dataclasses import dataclass, field
from pathlib import Path


class DocumentError(ValueError):
    """A file that cannot be read; the message names the file and the reason."""


@dataclass(frozen=True)
class Segment:
    """A stretch of clean text in one language (``en`` or ``zh``)."""

    start: int
    end: int
    lang: str


@dataclass(frozen=True)
class Heading:
    start: int
    end: int
    level: int


@dataclass
class Document:
    doc_id: str
    path: Path
    sha256: str
    raw_text: str
    text: str
    raw_starts: array  # raw index where clean character i starts
    raw_ends: array  # raw index where clean character i ends (exclusive)
    headings: list[Heading] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    page_starts: list[int] | None = None  # PDF only: raw offset of each page
    warnings: list[str] = field(default_factory=list)

    def raw_span(self, start: int, end: int) -> tuple[int | None, int, int]:
        """Map the clean span ``[start, end)`` to ``(page, raw_start, raw_end)``.

        ``page`` is 1-based for PDFs (offsets then count from that page's
        start) and ``None`` for every other format.
        """
        raw_start = self.raw_starts[start]
        raw_end = self.raw_ends[end - 1]
        if self.page_starts is None:
            return None, raw_start, raw_end
        page = _page_index(self.page_starts, raw_start)
        offset = self.page_starts[page]
        return page + 1, raw_start - offset, raw_end - offset

    def raw_slice(self, page: int | None, raw_start: int, raw_end: int) -> str:
        """The raw characters a citation points to."""
        offset = 0 if page is None else self.page_starts[page - 1]
        return self.raw_text[offset + raw_start : offset + raw_end]

    def lang_at(self, start: int, end: int) -> str:
        """The language of most of the clean span ``[start, end)``."""
        best, best_overlap = "en", -1
        for seg in self.segments:
            overlap = min(end, seg.end) - max(start, seg.start)
            if overlap > best_overlap:
                best, best_overlap = seg.lang, overlap
        return best


def span_label(raw_start: int, raw_end: int, page: int | None = None) -> str:
    """How a citation's span is written everywhere: ``page 3, characters 7951–9136``."""
    return f"{f'page {page}, ' if page else ''}characters {raw_start}–{raw_end}"


def _page_index(page_starts: list[int], raw_pos: int) -> int:
    page = 0
    for i, page_start in enumerate(page_starts):
        if page_start <= raw_pos:
            page = i
    return page


class TextBuilder:
    """Accumulates clean text while keeping whitespace sane.

    Runs of spaces become one space, runs of newlines at most one blank line,
    and leading or trailing whitespace is dropped; every kept character
    remembers the raw span it came from.
    """

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.raw_starts = array("i")
        self.raw_ends = array("i")
        self._pending_newlines = 0
        self._pending_space = False
        self._pending_pos = 0
        #: A table row is being written: a line break (raw or from markup) becomes a space, so the row stays one line.
        self.single_line = False

    def add(self, char: str, raw_start: int, raw_end: int) -> None:
        if char in "\n\r\f\v\u2028\u2029" and not self.single_line:
            if self._pending_newlines == 0 and not self._pending_space:
                self._pending_pos = raw_start
            if char != "\r":
                self._pending_newlines += 1
            return
        if char.isspace() or unicodedata.category(char) == "Cc":
            if self._pending_newlines == 0 and not self._pending_space:
                self._pending_pos = raw_start
            self._pending_space = True
            return
        if self.chars:
            if self._pending_newlines:
                for _ in range(min(self._pending_newlines, 2)):
                    self._append("\n", self._pending_pos, self._pending_pos)
            elif self._pending_space:
                self._append(" ", self._pending_pos, self._pending_pos + 1)
        self._pending_newlines = 0
        self._pending_space = False
        self._append(char, raw_start, raw_end)

    def add_text(self, text: str, raw_offset: int) -> None:
        for i, char in enumerate(text):
            self.add(char, raw_offset + i, raw_offset + i + 1)

    def add_synthetic(self, text: str, raw_pos: int) -> None:
        """Characters that stand for markup (a line break for ``<p>``)."""
        for char in text:
            self.add(char, raw_pos, raw_pos)

    def break_line(self, raw_pos: int) -> None:
        self.add("\n", raw_pos, raw_pos)

    def span_since(self, clean_start: int) -> tuple[int, int] | None:
        """The span of what was added since ``clean_start``, line breaks skipped."""
        while clean_start < len(self.chars) and self.chars[clean_start] == "\n":
            clean_start += 1
        return (clean_start, len(self.chars)) if clean_start < len(self.chars) else None

    def __len__(self) -> int:
        return len(self.chars)

    def _append(self, char: str, raw_start: int, raw_end: int) -> None:
        self.chars.append(char)
        self.raw_starts.append(raw_start)
        self.raw_ends.append(raw_end)

    def text(self) -> str:
        return "".join(self.chars)


def looks_like_a_title(line: str) -> bool:
    """No full stop at the end, and (in English) mostly capitalised words."""
    if line.endswith((".", "。", "!", "?", "！", "？")):
        return False
    if re.search(r"[\u4e00-\u9fff]", line):
        return True
    words = re.findall(r"[A-Za-z][A-Za-z-]+", line)
    long_words = [word for word in words if len(word) > 3]
    return bool(long_words) and sum(word[0].isupper() for word in long_words) >= 0.6 * len(long_words)
