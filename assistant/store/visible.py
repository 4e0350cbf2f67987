"""An open index as one asker may see it: the shipped reports and the uploads it may read, nothing else.

:class:`VisibleIndex` answers the same calls as the index it wraps (see
:class:`~assistant.store.base.SearchableIndex`), so retrieval and answers need
not know that it is a view:

* every search keeps to the visible reports (a filter asked for inside the
  view narrows it, never widens it);
* the chunks of the other reports read as blanks (rows keep their numbers,
  so anything that scans the chunk table sees no hidden text);
* term counts (``lexical.doc_freq``: "no report mentions X") count visible
  chunks only; ``document`` and ``manifest.files`` know the visible reports only.

What a view does not hide: corpus-wide term weights (``lexical.idf``, the BM25
weights) are those of the whole index; they shift scores slightly but never
put a hidden report's text, name or figure in front of the asker.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np

from ..ingest import Chunk
from ..lexical import tokenize

#: What a hidden chunk reads as: no report, no text.
BLANK = Chunk(chunk_id="", doc_id="", text="", start=0, end=0, raw_start=0, raw_end=0, n_tokens=0, page=None,
              heading="", lang="")


class ReportTerms:
    """How many chunks of each report hold a term (built per report on first use, for one open index)."""

    def __init__(self, index) -> None:
        self.index = index
        self._rows: dict[str, list[int]] | None = None
        self._terms: dict[str, Counter] = {}

    def of(self, doc_id: str) -> Counter:
        counts = self._terms.get(doc_id)
        if counts is None:
            if self._rows is None:
                rows: dict[str, list[int]] = {}
                for row, chunk in enumerate(self.index.chunks):
                    rows.setdefault(chunk.doc_id, []).append(row)
                self._rows = rows
            # the index's own tokens: what it counted when it was built
            counts = Counter(token for row in self._rows.get(doc_id, [])
                             for token in set(tokenize(self.index.chunks[row].embed_text())))
            self._terms[doc_id] = counts
        return counts


class _VisibleDocFreq:
    """``doc_freq.get(token)`` over the visible chunks: the whole index's count less the hidden reports'."""

    def __init__(self, doc_freq, hidden: list[str], terms: ReportTerms) -> None:
        self._all, self._hidden, self._terms = doc_freq, hidden, terms

    def get(self, token: str, default: int = 0) -> int:
        count = self._all.get(token, 0)
        if count:
            count -= sum(self._terms.of(doc_id).get(token, 0) for doc_id in self._hidden)
        return count or default

    def __getitem__(self, token: str) -> int:
        count = self.get(token, 0)
        if not count:
            raise KeyError(token)
        return count

    def __contains__(self, token: str) -> bool:
        return self.get(token, 0) > 0


class _VisibleLexicon:
    """The index's term statistics with ``doc_freq`` counted over visible chunks (``idf`` and the rest as is)."""

    def __init__(self, lexical, doc_freq: _VisibleDocFreq) -> None:
        self._lexical = lexical
        self.doc_freq = doc_freq

    def __getattr__(self, name: str):
        return getattr(self._lexical, name)


class VisibleIndex:
    """``index`` limited to the reports ``doc_ids`` (see the module's docstring)."""

    def __init__(self, index, doc_ids: frozenset[str], terms: ReportTerms | None = None) -> None:
        self.index = index
        self.doc_ids = frozenset(doc_ids)
        files = index.manifest.files
        self.manifest = replace(index.manifest, files={doc_id: info for doc_id, info in files.items()
                                                       if doc_id in self.doc_ids})
        self.chunks = [chunk if chunk.doc_id in self.doc_ids else BLANK for chunk in index.chunks]
        hidden = sorted(doc_id for doc_id in files if doc_id not in self.doc_ids)
        self.lexical = _VisibleLexicon(index.lexical, _VisibleDocFreq(index.lexical.doc_freq, hidden,
                                                                      terms or ReportTerms(index)))

    @property
    def location(self) -> str:
        return self.index.location

    @property
    def channels(self) -> list[str]:
        return self.index.channels

    def hint(self) -> str:
        return self.index.hint()

    def is_live(self) -> bool:
        return self.index.is_live()

    def document(self, doc_id: str):
        if doc_id not in self.doc_ids:
            raise KeyError(doc_id)
        return self.index.document(doc_id)

    def _allowed(self, doc_ids) -> frozenset[str]:
        return self.doc_ids & set(doc_ids) if doc_ids else self.doc_ids

    def search_dense(self, channel: str, query_vector: np.ndarray, k: int,
                     exclude_lang: str | None = None, doc_ids: set[str] | None = None) -> list[tuple[int, float]]:
        allowed = self._allowed(doc_ids)
        return self.index.search_dense(channel, query_vector, k, exclude_lang, set(allowed)) if allowed else []

    def search_lexical(self, query: str, k: int, doc_ids: set[str] | None = None) -> list[tuple[int, float]]:
        allowed = self._allowed(doc_ids)
        return self.index.search_lexical(query, k, set(allowed)) if allowed else []

    def lexical_scores(self, query: str, rows: list[int]) -> list[float]:
        return self.index.lexical_scores(query, rows)

    def vectors(self, channel: str, rows: list[int]) -> np.ndarray:
        return self.index.vectors(channel, rows)

    # The sentence vectors (store.sentences): the table is the whole index's (rows line up with its
    # vectors); the search returns only sentences of visible reports, and the answer reads no other.
    @property
    def sentences(self):
        return getattr(self.index, "sentences", None)

    def sentence_vectors(self, channel: str, rows: list[int]) -> np.ndarray:
        return self.index.sentence_vectors(channel, rows)

    def search_sentences(self, channel: str, query_vector: np.ndarray, k: int,
                         doc_ids: set[str] | None = None, rows_only: bool = False) -> list[tuple[int, float]]:
        allowed = self._allowed(doc_ids)
        return self.index.search_sentences(channel, query_vector, k, set(allowed), rows_only) if allowed else []
