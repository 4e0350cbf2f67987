"""``assistant eval --compare``: our modes and chunk budgets against an
off-the-shelf baseline, in one table and one plot.

The baseline is what a default LangChain-style pipeline does: the raw file
text split by a recursive character splitter (1,000 characters, 200 overlap,
separators "\\n\\n", "\\n", " ", ""), each piece embedded with the same
all-MiniLM-L6-v2, searched by cosine in a FAISS flat index; and the same
pieces with whitespace-token BM25 fused by plain RRF.  It has no abstention.
"""
from __future__ import annotations

import numpy as np

from .runner import Outcome

BASELINE_SIZE, BASELINE_OVERLAP = 1000, 200


_SEPARATORS = ("\n\n", "\n", " ", "")


def recursive_split(text: str, size: int = BASELINE_SIZE, overlap: int = BASELINE_OVERLAP) -> list[tuple[int, int]]:
    """Spans of a recursive character splitter (LangChain's algorithm: split
    on the first separator that occurs, recurse into pieces still too long,
    then merge neighbours up to ``size`` with ``overlap`` characters)."""

    def pieces(start: int, end: int, separators: tuple[str, ...]) -> list[tuple[int, int]]:
        if end - start <= size:
            return [(start, end)]
        separator = next((sep for sep in separators if sep == "" or sep in text[start:end]), "")
        rest = separators[separators.index(separator) + 1 :] if separator else ()
        if separator == "":
            return [(pos, min(pos + size, end)) for pos in range(start, end, size)]
        out, pos = [], start
        while pos < end:
            cut = text.find(separator, pos, end)
            cut = end if cut < 0 else cut + len(separator)
            out.extend(pieces(pos, cut, rest))
            pos = cut
        return out

    merged: list[tuple[int, int]] = []
    current: list[tuple[int, int]] = []
    for piece in pieces(0, len(text), _SEPARATORS):
        if current and piece[1] - current[0][0] > size:
            merged.append((current[0][0], current[-1][1]))
            while current and current[-1][1] - current[0][0] > overlap:
                current.pop(0)
        current.append(piece)
    if current:
        merged.append((current[0][0], current[-1][1]))
    return [(start, end) for start, end in merged if text[start:end].strip()]


class BaselineSearcher:
    """Recursive-character chunks of the raw files + MiniLM (+ optional BM25)."""

    def __init__(self, files: dict[str, dict], embedder, with_bm25: bool) -> None:
        import faiss

        from ..ingest import read_document

        self.units: list[dict] = []
        for doc_id, info in files.items():
            document = read_document(info["path"], doc_id=doc_id)
            if document.page_starts is not None:
                continue  # the baseline reads text files only
            for start, end in recursive_split(document.raw_text):
                self.units.append({"chunk_id": f"{doc_id}:{start}", "doc_id": doc_id, "raw_start": start,
                                   "raw_end": end, "page": None, "text": document.raw_text[start:end]})
        self.embedder = embedder
        vectors = embedder.encode([unit["text"] for unit in self.units])
        self.faiss = faiss.IndexFlatIP(vectors.shape[1])
        self.faiss.add(vectors)
        self.bm25 = None
        if with_bm25:
            import bm25s

            self.bm25 = bm25s.BM25()
            self.bm25.index([unit["text"].lower().split() or ["\x00"] for unit in self.units], show_progress=False)

    def __call__(self, question: str, previous: str | None = None, k: int = 10) -> Outcome:
        """Passages only: the baseline quotes nothing, never abstains, and
        reads a follow-up on its own (``previous`` is ignored)."""
        vector = self.embedder.encode([question])
        scores, rows = self.faiss.search(vector, min(len(self.units), 100))
        dense = [int(row) for row in rows[0] if row >= 0]
        if self.bm25 is None:
            ranked = list(zip(dense, scores[0].tolist()))
        else:
            tokens = [t for t in question.lower().split() if t in self.bm25.vocab_dict]
            lexical = np.asarray(self.bm25.get_scores(tokens)) if tokens else np.zeros(len(self.units))
            lexical_rows = [int(row) for row in np.argsort(-lexical)[:100] if lexical[row] > 0]
            fused: dict[int, float] = {}
            for ranking in (dense, lexical_rows):
                for rank, row in enumerate(ranking, start=1):
                    fused[row] = fused.get(row, 0.0) + 1.0 / (60 + rank)
            ranked = sorted(fused.items(), key=lambda item: -item[1])
        return Outcome([{**self.units[row], "score": float(score)} for row, score in ranked[:k]], abstained=False)
