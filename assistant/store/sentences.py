"""Sentence vectors: every span an answer can quote, embedded at build time by each dense channel.

The answer ranker compares the question with each candidate sentence by
meaning; embedding the candidates at ask time would cost a model call per
sentence, so the build embeds them once (:func:`assistant.ingest.candidates.passage_spans`
defines them) and stores them in the index generation beside the chunk vectors:

    sentences.npz               the table: doc, start, end (clean text), chunk row, list run?, table row?, text key
    sentences-<channel>.npy     row i = span i (the embedding cache of the next build)
    sentences-<channel>.faiss   the same vectors, searched by the sentence list

Like chunk vectors they are re-used by the hash of the text embedded and the
model's identity, so an unchanged library embeds nothing again.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .base import IndexStateError

#: Bump when what is stored per sentence changes (or ingest.candidates changes
#: what an answer may quote): indexes built before are then reported stale.
SENTENCE_RULES_VERSION = 2


@dataclass
class SentenceTable:
    """The quotable spans of a library, one row each (rows line up with each channel's vectors)."""

    doc_ids: list[str] = field(default_factory=list)  # the library's reports, indexed by ``doc_index``
    doc_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    starts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    ends: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    chunk_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # first chunk holding it
    is_list: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    is_row: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # a table's body row
    text_hashes: list[str] = field(default_factory=list)  # sha1 of each span's text (for re-use across builds)

    def __post_init__(self) -> None:
        self._row_of: dict[tuple[str, int, int], int] | None = None

    def __len__(self) -> int:
        return len(self.starts)

    def row(self, doc_id: str, start: int, end: int) -> int | None:
        """The row of a span, or None when the build did not embed it."""
        if self._row_of is None:
            self._row_of = {(self.doc_ids[int(doc)], int(s), int(e)): row
                            for row, (doc, s, e) in enumerate(zip(self.doc_index, self.starts, self.ends))}
        return self._row_of.get((doc_id, start, end))

    def doc_id(self, row: int) -> str:
        return self.doc_ids[int(self.doc_index[row])]

    def save(self, path: Path) -> None:
        np.savez(path, doc_ids=np.array(self.doc_ids, dtype=object).astype(str), doc_index=self.doc_index,
                 starts=self.starts, ends=self.ends, chunk_rows=self.chunk_rows, is_list=self.is_list, is_row=self.is_row,
                 text_hashes=np.array(self.text_hashes, dtype=object).astype(str))

    @classmethod
    def load(cls, path: Path) -> "SentenceTable":
        with np.load(path, allow_pickle=False) as data:
            return cls(doc_ids=[str(doc) for doc in data["doc_ids"]], doc_index=data["doc_index"],
                       starts=data["starts"], ends=data["ends"], chunk_rows=data["chunk_rows"],
                       is_list=data["is_list"], is_row=data["is_row"],
                       text_hashes=[str(key) for key in data["text_hashes"]])


class SentenceTableBuilder:
    """Collects the spans of each document as the build goes, without duplicates."""

    def __init__(self) -> None:
        self.doc_ids: list[str] = []
        self.rows: list[tuple[int, int, int, int, bool, bool]] = []  # doc index, start, end, chunk row, is_list, is_row
        self.texts: list[str] = []
        self._seen: set[tuple[int, int, int]] = set()

    def add(self, doc_id: str, text: str, chunk_row: int, spans) -> None:
        """``spans``: :class:`~assistant.ingest.candidates.QuotableSpan` s of one chunk of ``doc_id``."""
        if not self.doc_ids or self.doc_ids[-1] != doc_id:
            self.doc_ids.append(doc_id)
        doc = len(self.doc_ids) - 1
        for span in spans:
            key = (doc, span.start, span.end)
            if key in self._seen:
                continue
            self._seen.add(key)
            self.rows.append((doc, span.start, span.end, chunk_row, span.is_list, span.is_row))
            self.texts.append(span.scoring_text or text[span.start:span.end])

    def table(self) -> SentenceTable:
        columns = list(zip(*self.rows)) or [()] * 6
        return SentenceTable(
            doc_ids=self.doc_ids,
            doc_index=np.asarray(columns[0], dtype=np.int32),
            starts=np.asarray(columns[1], dtype=np.int64),
            ends=np.asarray(columns[2], dtype=np.int64),
            chunk_rows=np.asarray(columns[3], dtype=np.int64),
            is_list=np.asarray(columns[4], dtype=bool),
            is_row=np.asarray(columns[5], dtype=bool),
            text_hashes=[hashlib.sha1(text.encode()).hexdigest() for text in self.texts],
        )


def load_sentences(gen_dir: Path, manifest, index_dir: Path, hint: str):
    """The sentence table and its FAISS indexes; (None, {}) for an index built
    before sentence vectors (reported out of date by the pipeline)."""
    import faiss

    if not manifest.sentences:
        return None, {}
    try:
        table = SentenceTable.load(gen_dir / "sentences.npz")
        dense = {channel: faiss.read_index(str(gen_dir / f"sentences-{channel}.faiss")) for channel in manifest.channels}
    except Exception as error:  # a missing or damaged file: numpy and faiss raise their own types
        raise IndexStateError(f"The sentence vectors of the index in {index_dir} are damaged "
                              f"({type(error).__name__}); {hint}.") from error
    if any(faiss_index.ntotal != len(table) for faiss_index in dense.values()) or len(table) != manifest.sentences.get("count"):
        raise IndexStateError(f"The index in {index_dir} is out of step (sentence table and vectors differ in size); {hint}.")
    return table, dense
