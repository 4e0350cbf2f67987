"""A hit: one passage a search found, with the scores later steps judge it by."""
from __future__ import annotations

from dataclasses import dataclass

from ..ingest import Chunk


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    row: int
    score: float  # the mode's own score: RRF for hybrid, cosine for dense, BM25 for lexical
    dense_score: float  # cosine similarity in the primary dense channel
    lexical_score: float  # BM25 score (0 when no query term occurs)
    multilingual_score: float = 0.0  # cosine similarity in the multilingual channel

    def to_dict(self) -> dict:
        chunk = self.chunk
        return {
            "chunk_id": chunk.chunk_id,
            "doc_id": chunk.doc_id,
            "raw_start": chunk.raw_start,
            "raw_end": chunk.raw_end,
            "page": chunk.page,
            "score": round(self.score, 6),
            "text": chunk.text,
        }
