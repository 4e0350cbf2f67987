"""Which hits and quotes are right.

A hit (a passage) is relevant when its raw span, in a file the question names,
overlaps at least half of one occurrence of one of the question's evidence
strings.  A quote (a sentence, often shorter than the evidence) is right when
it and an evidence occurrence overlap by at least half of the shorter of the two.
A question's evidence kind is "table" when every occurrence of its evidence
lies in table rows of its reports, "text" when none does, "mixed" otherwise.
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
        self._row_spans: dict[str, list[tuple[int, int]]] = {}  # doc_id -> raw spans of its table rows

    def _raw_text(self, doc_id: str) -> tuple[str, list[int] | None]:
        if doc_id not in self._raw:
            from ..ingest import read_document

            info = self.index.manifest.files.get(doc_id)
            if info is None:
                self._raw[doc_id] = ("", None)
            else:
                from ..ingest.tables import find_tables

                document = read_document(info["path"], doc_id=doc_id)
                self._raw[doc_id] = (document.raw_text, document.page_starts)
                self._row_spans[doc_id] = [(document.raw_starts[row.start], document.raw_ends[row.end - 1])
                                           for table in find_tables(document.text) for row in table.rows]
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

    def evidence_kind(self, question: Question) -> str | None:
        """"table", "text" or "mixed" (see the module); None for a question without evidence found."""
        if question.evidence_kind:
            return question.evidence_kind
        in_rows = []
        for doc_id in question.docs:
            self._raw_text(doc_id)
            rows = self._row_spans.get(doc_id, [])
            for evidence in question.evidence:
                for start, end in self.occurrences(doc_id, evidence):
                    in_rows.append(any(min(end, row_end) - max(start, row_start) >= (end - start) / 2
                                       for row_start, row_end in rows))
        if not in_rows:
            return None
        return "table" if all(in_rows) else "text" if not any(in_rows) else "mixed"

    def is_relevant(self, question: Question, doc_id: str, page: int | None, raw_start: int, raw_end: int) -> bool:
        return self._overlaps_evidence(question, doc_id, page, raw_start, raw_end, of_shorter=False)

    def quote_is_right(self, question: Question, quote: dict) -> bool:
        """``quote``: a quote's citation fields (``doc_id``, ``page``, ``raw_start``, ``raw_end``, and
        ``parallel``, the same sentence in the report's other language, which the answer shows beside it)."""
        spans = [quote, *([quote["parallel"]] if quote.get("parallel") else [])]
        return any(self._overlaps_evidence(question, quote["doc_id"], span.get("page"), span["raw_start"],
                                           span["raw_end"], of_shorter=True) for span in spans)

    def _overlaps_evidence(self, question: Question, doc_id: str, page: int | None, raw_start: int, raw_end: int,
                           of_shorter: bool) -> bool:
        if doc_id not in question.docs:
            return False
        _, page_starts = self._raw_text(doc_id)
        if page is not None and page_starts:
            raw_start += page_starts[page - 1]
            raw_end += page_starts[page - 1]
        for evidence in question.evidence:
            for start, end in self.occurrences(doc_id, evidence):
                needed = min(end - start, raw_end - raw_start) if of_shorter else end - start
                if min(end, raw_end) - max(start, raw_start) >= max(needed, 1) / 2:
                    return True
        return False

    def relevant_chunks(self, question: Question) -> set[str]:
        """Ids of the index's chunks that are relevant to ``question``."""
        return {chunk.chunk_id for chunk in self.index.chunks
                if chunk.doc_id in question.docs
                and self.is_relevant(question, chunk.doc_id, chunk.page, chunk.raw_start, chunk.raw_end)}
