"""Which hits are relevant: a hit's raw span, in a file the question names, overlaps at least
half of one occurrence of one of the question's evidence strings.
"""
from __future__ import annotations

from ..store import Index
from .questions import Question


class RelevanceJudge:
    """Finds evidence occurrences in the raw files and judges hit spans."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._occurrences: dict[tuple[str, str], list[tuple[int, int]]] = {}
        self._raw: dict[str, tuple[str, list[int] | None]] = {}

    def _raw_text(self, doc_id: str) -> tuple[str, list[int] | None]:
        if doc_id not in self._raw:
            from ..ingest import read_document

            info = self.index.manifest.files.get(doc_id)
            if info is None:
                self._raw[doc_id] = ("", None)
            else:
                document = read_document(info["path"], doc_id=doc_id)
                self._raw[doc_id] = (document.raw_text, document.page_starts)
        return self._raw[doc_id]

    def occurrences(self, doc_id: str, evidence: str) -> list[tuple[int, int]]:
        key = (doc_id, evidence)
        if key not in self._occurrences:
            raw, _ = self._raw_text(doc_id)
            found, position = [], raw.find(evidence)
            while position >= 0 and evidence:
                found.append((position, position + len(evidence)))
                position = raw.find(evidence, position + 1)
            self._occurrences[key] = found
        return self._occurrences[key]

    def is_relevant(self, question: Question, doc_id: str, page: int | None, raw_start: int, raw_end: int) -> bool:
        if doc_id not in question.docs:
            return False
        _, page_starts = self._raw_text(doc_id)
        if page is not None and page_starts:
            raw_start += page_starts[page - 1]
            raw_end += page_starts[page - 1]
        for evidence in question.evidence:
            for start, end in self.occurrences(doc_id, evidence):
                if min(end, raw_end) - max(start, raw_start) >= (end - start) / 2:
                    return True
        return False

    def relevant_chunks(self, question: Question) -> set[str]:
        """Ids of the index's chunks that are relevant to ``question``."""
        return {chunk.chunk_id for chunk in self.index.chunks
                if chunk.doc_id in question.docs
                and self.is_relevant(question, chunk.doc_id, chunk.page, chunk.raw_start, chunk.raw_end)}
