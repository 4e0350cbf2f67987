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
* ``.docx``: the document's paragraphs (and table rows, cells joined by
  `` | ``) as python-docx reads them, joined by newlines.
"""
from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from array import array
from dataclasses import dataclass, field
from pathlib import Path

from .config import SUPPORTED_SUFFIXES


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

    def add(self, char: str, raw_start: int, raw_end: int) -> None:
        if char in "\n\r\f\v\u2028\u2029":
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


# --------------------------------------------------------------------------- HTML

_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "thead", "tbody", "section",
    "article", "header", "footer", "blockquote", "pre", "hr", "h1", "h2", "h3", "h4",
    "h5", "h6", "title", "dt", "dd", "dl", "figure", "figcaption", "nav", "aside",
    "main", "form", "caption", "body", "html",
}
_CELL_TAGS = {"td", "th"}
_SKIP_CONTENT_TAGS = {"script", "style", "noscript", "template", "head", "svg", "iframe"}
_TAG_RE = re.compile(r"<!--.*?(?:-->|\Z)|<![^>]*>|<\?[^>]*>|</?([A-Za-z][A-Za-z0-9:-]*)\b[^>]*>", re.S)
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};)")
_HTML_SNIFF_RE = re.compile(r"<(p|div|h[1-6]|br|li|ul|ol|table|tr|td|span|strong|em|html|body|a)\b[^>]*>", re.I)


def _add_with_entities(builder: TextBuilder, raw: str, begin: int, end: int) -> None:
    """Add HTML text, decoding entities (and dropping stray Markdown ``**``)."""
    pos = begin
    for match in _ENTITY_RE.finditer(raw, begin, end):
        _add_markdown_inline(builder, raw, pos, match.start())
        decoded = html.unescape(match.group(0))
        if decoded == match.group(0):
            builder.add_text(decoded, match.start())
        else:
            for char in decoded:
                builder.add(char, match.start(), match.end())
        pos = match.end()
    _add_markdown_inline(builder, raw, pos, end)


def clean_html(raw: str) -> tuple[TextBuilder, list[Heading]]:
    """Drop tags, scripts and styles; decode entities; blocks become lines."""
    builder = TextBuilder()
    headings: list[Heading] = []
    open_heading: tuple[int, int] | None = None  # (clean start, level)
    skip_until: str | None = None
    pos = 0
    for match in _TAG_RE.finditer(raw):
        name = (match.group(1) or "").lower()
        is_close = match.group(0).startswith("</")
        if skip_until is not None:
            if is_close and name == skip_until:
                skip_until = None
                pos = match.end()
            continue
        _add_with_entities(builder, raw, pos, match.start())
        pos = match.end()
        if name in _SKIP_CONTENT_TAGS and not is_close and not match.group(0).endswith("/>"):
            skip_until = name
        elif name in _BLOCK_TAGS:
            builder.break_line(match.start())
            if re.fullmatch(r"h[1-6]", name):
                if not is_close:
                    open_heading = (len(builder), int(name[1]))
                elif open_heading is not None:
                    span = builder.span_since(open_heading[0])
                    if span:
                        headings.append(Heading(*span, open_heading[1]))
                    open_heading = None
        elif name in _CELL_TAGS and not is_close:
            builder.add_synthetic(" | ", match.start())
    if skip_until is None:
        _add_with_entities(builder, raw, pos, len(raw))
    return builder, headings


# ----------------------------------------------------------------------- Markdown

_MD_HEADING_RE = re.compile(r"[ \t]*(#{1,6})[ \t]+")
_MD_RULE_RE = re.compile(r"[ \t]*(?:[|:\- \t]*-{3,}[|:\- \t]*|\|{2,}[ \t|]*|[*_]{3,}[ \t]*)")
_MD_BULLET_RE = re.compile(r"[ \t]*[-*+][ \t]+")
_MD_BOLD_HEADING_RE = re.compile(r"[ \t]*\*\*[^*\n]{2,120}\*\*[ \t]*:?[ \t]*")
# Inline markup: images (dropped), links (text kept), autolinks, ** bold marks.
_MD_INLINE_RE = re.compile(
    r"(?P<image>!\[[^\]\n]*\]\([^)\n]*\))"
    r"|(?P<link>\[(?P<link_text>[^\]\n]+)\]\((?P<link_url>[^)\n]*)\))"
    r"|(?P<autolink><(?P<auto_url>https?://[^>\s]+)>)"
    r"|(?P<emphasis>\*\*)"  # "__" is left alone: it is common in names (window.__x)
)


def clean_markdown(raw: str) -> tuple[TextBuilder, list[Heading]]:
    """Drop Markdown markup (heading marks, emphasis, link targets, images,
    table rule lines) and keep everything a reader would read."""
    builder = TextBuilder()
    headings: list[Heading] = []
    line_start = 0
    for line in raw.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        line_end = line_start + len(body)
        begin = line_start
        level = 0
        if _MD_RULE_RE.fullmatch(body):
            builder.break_line(line_start)
            line_start += len(line)
            continue
        heading_match = _MD_HEADING_RE.match(body)
        bullet_match = _MD_BULLET_RE.match(body)
        if heading_match:
            level = len(heading_match.group(1))
            begin += heading_match.end()
        elif bullet_match:
            begin += bullet_match.end()
        if not level and _MD_BOLD_HEADING_RE.fullmatch(raw, begin, line_end):
            level = 6
        builder.break_line(line_start)
        clean_start = len(builder)
        _add_markdown_inline(builder, raw, begin, line_end)
        span = builder.span_since(clean_start) if level else None
        if span:
            headings.append(Heading(*span, level))
        builder.break_line(line_end)
        line_start += len(line)
    return builder, headings


def _add_markdown_inline(builder: TextBuilder, raw: str, begin: int, end: int) -> None:
    pos = begin
    for match in _MD_INLINE_RE.finditer(raw, begin, end):
        builder.add_text(raw[pos : match.start()], pos)
        if match.group("link"):
            builder.add_text(match.group("link_text"), match.start("link_text"))
        elif match.group("autolink"):
            builder.add_text(match.group("auto_url"), match.start("auto_url"))
        pos = match.end()
    builder.add_text(raw[pos:end], pos)


# ------------------------------------------------------------------ file readers

def decode_bytes(data: bytes, name: str) -> tuple[str, list[str]]:
    """Decode text bytes: UTF-8, else the common Chinese encodings, with a warning."""
    if b"\x00" in data[:8192]:
        raise DocumentError(f"{name}: looks like a binary file, not text; convert it to .txt, .md, .html, .pdf or .docx.")
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    # GB18030 decodes almost any bytes, Big5 text included (as nonsense full of
    # private-use and kana characters), so try both and keep the reading with
    # the fewest characters that Chinese report text does not use; a tie
    # (short or ambiguous text) goes to GB18030.
    readings = []
    for rank, encoding in enumerate(("gb18030", "big5")):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        readings.append((_odd_characters(text), rank, encoding, text))
    if readings:
        _, _, encoding, text = min(readings)
        return text, [f"{name}: not UTF-8; read as {encoding}."]
    text = data.decode("utf-8", errors="replace")
    return text, [f"{name}: not valid UTF-8; undecodable bytes were replaced."]


def format_mb(n_bytes: int) -> str:
    """``52.4 MB``, ``0.2 MB``: small limits (tests, a strict setup) do not round to 0 MB."""
    megabytes = n_bytes / 2**20
    return f"{megabytes:.1f} MB" if megabytes < 10 else f"{megabytes:.0f} MB"


def _odd_characters(text: str) -> int:
    """Characters outside ASCII, CJK ideographs, CJK and full-width punctuation."""
    odd = 0
    for char in text:
        code = ord(char)
        if not (code < 0x80 or 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x3000 <= code <= 0x303F
                or 0xFF00 <= code <= 0xFFEF or 0x2000 <= code <= 0x206F):
            odd += 1
    return odd


def printable_name(name: str) -> str:
    """A file name fit for a one-line message: control characters, line breaks
    and bytes that are not UTF-8 (surrogate escapes) are shown as escapes."""
    return "".join(
        char if (char.isprintable() or unicodedata.category(char) == "Zs") and not 0xD800 <= ord(char) <= 0xDFFF
        else ascii(char)[1:-1]
        for char in str(name)
    )


def looks_like_html(text: str) -> bool:
    return len(_HTML_SNIFF_RE.findall(text[:20000])) >= 3


def _read_pdf(path: Path, name: str) -> tuple[str, TextBuilder, list[int]]:
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


def _read_docx(path: Path, name: str, max_unzipped_bytes: int) -> tuple[str, TextBuilder, list[Heading]]:
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


# ---------------------------------------------------------------- language tags

def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0xF900 <= code <= 0xFAFF
        or 0x3040 <= code <= 0x30FF
    )


def detect_lang(text: str) -> str:
    """``zh`` when CJK characters carry the text, else ``en``.

    One CJK character carries about as much as a short word, so it is weighed
    against three Latin letters; a Chinese title that embeds its English name
    stays ``zh``.
    """
    cjk = sum(1 for char in text if _is_cjk(char))
    latin = sum(1 for char in text if char.isascii() and char.isalpha())
    if cjk == 0:
        return "en"
    return "zh" if cjk * 3 >= latin else "en"


def language_segments(text: str) -> list[Segment]:
    """Tag each line, then merge neighbouring lines of the same language."""
    segments: list[Segment] = []
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        if line.strip():
            lang = detect_lang(line)
            if segments and segments[-1].lang == lang:
                segments[-1] = Segment(segments[-1].start, end, lang)
            else:
                segments.append(Segment(pos, end, lang))
        pos = end + 1
    return segments


# ----------------------------------------------------------------------- public

def read_document(path: Path | str, doc_id: str | None = None, max_bytes: int = 50 * 2**20) -> Document:
    """Read one report file; raises :class:`DocumentError` with a plain reason."""
    path = Path(path)
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
    sha256 = hashlib.sha256(data).hexdigest()
    warnings: list[str] = []
    page_starts = None
    headings: list[Heading] = []
    if suffix == ".pdf":
        raw_text, builder, page_starts = _read_pdf(path, name)
    elif suffix == ".docx":
        raw_text, builder, headings = _read_docx(path, name, max_unzipped_bytes=max_bytes * 4)
    else:
        raw_text, warnings = decode_bytes(data, name)
        if suffix in (".html", ".htm") or looks_like_html(raw_text):
            builder, headings = clean_html(raw_text)
        else:
            builder, headings = clean_markdown(raw_text)
    text = builder.text()
    if not text.strip():
        raise DocumentError(f"{name}: no readable text was found in the file.")
    return Document(
        doc_id=doc_id or path.name,
        path=path,
        sha256=sha256,
        raw_text=raw_text,
        text=text,
        raw_starts=builder.raw_starts,
        raw_ends=builder.raw_ends,
        headings=headings,
        segments=language_segments(text),
        page_starts=page_starts,
        warnings=warnings,
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def list_report_files(folder: Path) -> list[Path]:
    """Supported files below ``folder``, sorted, hidden files skipped."""
    return sorted(
        path
        for path in Path(folder).rglob("*")
        if path.is_file()
        and path.suffix.lower() in SUPPORTED_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def discover_files(docs_dirs: list[Path], problems: list[str] | None = None) -> dict[str, Path]:
    """doc_id -> path.  The id is the path relative to its folder; when two
    folders hold the same relative path, the later one is prefixed with its
    folder name so both stay distinct.  A file whose name is not valid UTF-8
    cannot be indexed (nor cited): it is left out, with a line in ``problems``."""
    found: dict[str, Path] = {}
    for folder in docs_dirs:
        folder = Path(folder)
        if not folder.is_dir():
            raise FileNotFoundError(f"The reports folder {folder} does not exist.")
        for path in list_report_files(folder):
            relative = path.relative_to(folder).as_posix()
            if any(0xD800 <= ord(char) <= 0xDFFF for char in relative):  # undecodable bytes (surrogate escapes)
                if problems is not None:
                    problems.append(f"{printable_name(relative)}: the file name is not valid UTF-8; rename the file.")
                continue
            doc_id = relative
            if doc_id in found:
                doc_id = f"{folder.name}/{relative}"
            copy = 2
            while doc_id in found:  # e.g. two folders both named "reports": never drop a file
                doc_id = f"{folder.name}~{copy}/{relative}"
                copy += 1
            found[doc_id] = path
    return found
