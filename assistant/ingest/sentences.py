"""Sentence boundaries for English and Chinese text, as spans.

Shared by the chunker (packing) and the answer builder (which quotes whole
sentences), so both agree on what a sentence is.
"""
from __future__ import annotations

import re

# An English sentence ends at . ? ! (plus closing quotes/brackets) followed by
# whitespace and something that can start a sentence; a CJK one at 。！？；
# whatever follows.  "U.S. market" or "e.g. the" therefore do not split.
_BOUNDARY_RE = re.compile(
    r"(?<=[.?!])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9\u4e00-\u9fff])"
    r"|(?<=[。！？；])[”’」』）)]*\s*"
    r"|\n+"
)
_ABBREVIATION_RE = re.compile(r"(?:\b[A-Z]\.|\b(?:Mr|Mrs|Ms|Dr|Inc|Co|Ltd|vs|St|No|Fig|approx|U\.S)\.)$")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans ``[s, e)`` of the sentences in ``text[start:end]``, whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for match in _BOUNDARY_RE.finditer(text, start, end):
        if match.start() == match.end():
            continue
        head = text[max(pos, match.start() - 6) : match.start()]
        if "\n" not in match.group(0) and _ABBREVIATION_RE.search(head):
            continue
        _append_trimmed(text, pos, match.start(), spans)
        pos = match.end()
    _append_trimmed(text, pos, end, spans)
    return spans


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
