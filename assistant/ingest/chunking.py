"""Split a Document into Chunks with exact spans.

Structure first (headings, language runs, tables, lines), then sentences,
then packing to a token budget counted with tiktoken.  A chunk's ``text`` is
always ``document.text[start:end]``; extra context that helps the embedder (the
heading path, a table's header row) lives beside it in ``heading`` and
``context`` and is only used to build the text that gets embedded.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Callable, Iterable

from ..config import TIKTOKEN_ENCODING, ChunkerSettings, setup_offline_environment
from .document import Document, looks_like_a_title
from .sentences import sentence_spans
from .tables import Table, find_tables, table_context


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    raw_start: int
    raw_end: int
    n_tokens: int
    page: int | None
    heading: str
    lang: str
    context: str = ""  # a table's caption and header row, when the chunk holds its rows without them

    def embed_text(self) -> str:
        """What the embedder sees: heading path (its last 120 characters, the
        most specific part) and table header, then the text."""
        parts = [self.heading[-120:], self.context, self.text]
        return "\n".join(part for part in parts if part)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Chunk":
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


@lru_cache(maxsize=1)
def _encoding():
    setup_offline_environment()
    import tiktoken

    return tiktoken.get_encoding(TIKTOKEN_ENCODING)


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def make_chunk_id(doc_sha256: str, start: int, end: int) -> str:
    return hashlib.sha256(f"{doc_sha256}:{start}:{end}".encode()).hexdigest()[:20]


@dataclass
class _Group:
    """Consecutive lines that may share a chunk: same language, same kind."""

    kind: str  # "text" or "table"
    lang: str
    heading: str
    page: int | None
    lines: list[tuple[int, int]]
    has_body: bool = False
    body_heading: str = ""  # the path including the group's own heading lines

    def heading_for(self, start: int) -> str:
        """A chunk that starts with the group's heading line shows it as text;
        later chunks of the group carry it in their heading path."""
        return self.heading if start <= self.lines[0][0] else (self.body_heading or self.heading)


def _lines(text: str) -> Iterable[tuple[int, int]]:
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            yield start, end


def document_title(doc: Document) -> str:
    """The report's title: its first heading when the file opens with one,
    else its first long line (market reports often open with a banner or a
    product code before the title)."""
    lines = list(_lines(doc.text))[:12]
    if doc.headings and doc.headings[0].start <= (lines[1][0] if len(lines) > 1 else 0):
        return ""  # the opening heading is in every chunk's heading path already
    for start, end in lines:
        if end - start >= 30 and looks_like_a_title(doc.text[start:end].strip(" |\t")):
            return doc.text[start:end][:80]
    return ""


def _groups(doc: Document) -> list[_Group]:
    heading_levels = {heading.start: heading.level for heading in doc.headings}
    title = document_title(doc)
    heading_path: list[tuple[int, str]] = [(0, title)] if title else []
    groups: list[_Group] = []
    pending: list[tuple[int, int]] = []  # lines with no words, e.g. a lone "|"
    for start, end in _lines(doc.text):
        line = doc.text[start:end]
        if not _has_words(line):
            if groups and groups[-1].page == doc.raw_span(start, end)[0]:
                groups[-1].lines.append((start, end))
            else:
                pending.append((start, end))
            continue
        level = next((heading_levels[pos] for pos in range(start, min(end, start + 3)) if pos in heading_levels), 0)
        kind = "table" if line.startswith("|") else "text"
        lang = doc.lang_at(start, end)
        page = doc.raw_span(start, end)[0]
        if level:
            heading_path = [item for item in heading_path if item[0] < level]
            heading = " > ".join(text for _, text in heading_path)  # parents only
            heading_path.append((level, line[:120]))
        else:
            heading = " > ".join(text for _, text in heading_path)
        current = groups[-1] if groups else None
        same_run = current is not None and current.lang == lang and current.page == page
        if level:
            if same_run and not current.has_body:
                current.lines.append((start, end))
            else:
                groups.append(_Group("text", lang, heading, page, [(start, end)]))
            groups[-1].body_heading = " > ".join(text for _, text in heading_path)
        elif same_run and current.kind == kind:
            current.lines.append((start, end))
            current.has_body = True
        elif same_run and kind == "text" and not current.has_body:
            current.lines.append((start, end))
            current.kind, current.has_body = kind, True
        else:
            groups.append(_Group(kind, lang, heading, page, [(start, end)], has_body=True))
        if pending:
            groups[-1].lines[:0] = pending
            pending = []
    if pending and groups:
        groups[-1].lines.extend(pending)
    elif pending:
        groups.append(_Group("text", "en", "", doc.raw_span(*pending[0])[0], pending, has_body=True))
    return groups


def _has_words(line: str) -> bool:
    return any(char.isalpha() for char in line)


_REACH = 8  # characters a token, at most, in most text: the first stretch a window is looked for in
_MARGIN = 16  # tokens past the budget after which a longer prefix is taken to be over it too


def _split_to_budget(text: str, start: int, end: int, budget: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence into windows of at most ``budget`` tokens,
    preferring to cut at whitespace or punctuation.

    Linear in the sentence: each window's binary search counts only prefixes
    of a stretch that holds more than ``budget + _MARGIN`` tokens (``_REACH``
    characters a token to start with, doubled while it holds fewer); a longer
    prefix is known to be over the budget without counting it.  Before, the
    whole rest of the sentence was counted for every window (a 400,000
    character line without spaces took 53 s, 800,000 took 428 s).  The probes
    are the old ones, so the windows are too."""
    windows: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        limit = min(end, pos + budget * _REACH)
        while limit < end and count_tokens(text[pos:limit]) <= budget + _MARGIN:
            limit = min(end, pos + 2 * (limit - pos))
        if limit == end and count_tokens(text[pos:end]) <= budget:
            windows.append((pos, end))
            break
        low, high = pos + 1, end
        while low < high:
            middle = (low + high + 1) // 2
            if (middle < limit or limit == end) and count_tokens(text[pos:middle]) <= budget:
                low = middle
            else:
                high = middle - 1
        cut = low
        for back in range(cut, pos + (cut - pos) // 2, -1):
            if text[back - 1].isspace() or text[back - 1] in ",;:，、；：。":
                cut = back
                break
        windows.append((pos, cut))
        pos = cut
        while pos < end and text[pos].isspace():
            pos += 1
    return windows


def _pieces(text: str, lines: list[tuple[int, int]], budget: int) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    for start, end in lines:
        if count_tokens(text[start:end]) <= budget:
            pieces.append((start, end))
            continue
        for sentence_start, sentence_end in sentence_spans(text, start, end):
            pieces.extend(_split_to_budget(text, sentence_start, sentence_end, budget))
    return pieces


def _pack(text: str, pieces: list[tuple[int, int]], budget: int, overlap: int) -> list[list[tuple[int, int]]]:
    """Greedy packing: a chunk takes the next piece while the whole span,
    separators included, stays within ``budget`` tokens."""
    packs: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    for piece in pieces:
        if current and count_tokens(text[current[0][0] : piece[1]]) > budget:
            packs.append(current)
            current = current[-overlap:] if overlap else []
            if current and count_tokens(text[current[0][0] : piece[1]]) > budget:
                current = []
        current.append(piece)
    if current:
        packs.append(current)
    return packs


def chunk_document(
    doc: Document,
    settings: ChunkerSettings = ChunkerSettings(),
    fits_model: Callable[[str], bool] | None = None,
) -> list[Chunk]:
    """Chunks of ``doc`` in text order.

    ``fits_model(embed_text)`` tells whether the embedder takes a text whole;
    a chunk that it would truncate is split again, so no text is silently cut.
    """
    budget = settings.max_tokens
    chunks: list[Chunk] = []
    tables = find_tables(doc.text)
    for group in _groups(doc):
        table = _table_of(group, tables)
        pieces = _pieces(doc.text, group.lines, budget)
        for pack in _pack(doc.text, pieces, budget, settings.overlap_sentences):
            for start, end in _fit(doc, pack, group, table, fits_model):
                chunks.append(_make_chunk(doc, start, end, group, table))
    return chunks


def _table_of(group: _Group, tables: list[Table]) -> Table | None:
    """The table whose rows a group of table lines holds."""
    if group.kind != "table":
        return None
    first, last = group.lines[0][0], group.lines[-1][1]
    return next((table for table in tables if table.start < last and first < table.end), None)


def _fit(doc, pack, group, table, fits_model) -> list[tuple[int, int]]:
    start, end = pack[0][0], pack[-1][1]
    if fits_model is None or fits_model(_make_chunk(doc, start, end, group, table).embed_text()):
        return [(start, end)]
    if len(pack) == 1:
        tokens = count_tokens(doc.text[start:end])
        if tokens <= 8:
            return [(start, end)]  # the heading context alone is too long; keep the text whole
        halves = _split_to_budget(doc.text, start, end, max(8, tokens // 2))
        return [span for half in halves for span in _fit(doc, [half], group, table, fits_model)]
    middle = len(pack) // 2
    return _fit(doc, pack[:middle], group, table, fits_model) + _fit(doc, pack[middle:], group, table, fits_model)


def _make_chunk(doc: Document, start: int, end: int, group: _Group, table: Table | None) -> Chunk:
    text = doc.text[start:end]
    page, raw_start, raw_end = doc.raw_span(start, end)
    context = table_context(doc.text, table, start, end) if table is not None else ""
    return Chunk(
        chunk_id=make_chunk_id(doc.sha256, start, end),
        doc_id=doc.doc_id,
        text=text,
        start=start,
        end=end,
        raw_start=raw_start,
        raw_end=raw_end,
        n_tokens=count_tokens(text),
        page=page,
        heading=group.heading_for(start),
        lang=group.lang,
        context=context,
    )
