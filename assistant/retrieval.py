"""Hybrid search: dense channels and BM25, fused by reciprocal rank.

Modes: ``dense`` (the dense channels only), ``lexical`` (BM25 only) and
``hybrid`` (all of them, RRF).  Every hit also carries its cosine similarity in
the primary dense channel and its BM25 score, whatever list found it, so
later steps (answer selection, abstention) can judge hits on one scale.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .chunking import Chunk
from .config import RETRIEVAL_MODES, Settings
from .store import Index


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    row: int
    score: float  # the mode's own score: RRF for hybrid, cosine for dense, BM25 for lexical
    dense_score: float  # cosine similarity in the primary dense channel
    lexical_score: float  # BM25 score (0 when no query term occurs)

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


def reciprocal_rank_fusion(rankings: list[list[int]], rrf_k: int = 60, weights: list[float] | None = None) -> dict[int, float]:
    """Fused score of every row: sum over lists of weight / (rrf_k + rank)."""
    fused: dict[int, float] = {}
    for list_index, ranking in enumerate(rankings):
        weight = 1.0 if weights is None else weights[list_index]
        for rank, row in enumerate(ranking, start=1):
            fused[row] = fused.get(row, 0.0) + weight / (rrf_k + rank)
    return fused


class Retriever:
    """Searches one open Index with the query encoders of its dense channels."""

    def __init__(self, index: Index, encoders: dict, settings: Settings = Settings()) -> None:
        self.index = index
        self.encoders = encoders
        self.settings = settings
        self.primary = next(iter(index.dense))

    def encode_query(self, query: str) -> dict[str, np.ndarray]:
        return {name: self.encoders[name].encode_queries([query])[0] for name in self.index.dense}

    def search(self, query: str, k: int = 5, mode: str = "hybrid", doc_ids: set[str] | None = None,
               query_vectors: dict[str, np.ndarray] | None = None) -> list[Hit]:
        if mode not in RETRIEVAL_MODES:
            raise ValueError(f"Unknown retrieval mode {mode!r}; use one of {', '.join(RETRIEVAL_MODES)}.")
        total = len(self.index.chunks)
        if total == 0 or k <= 0:
            return []
        allowed = None
        if doc_ids:
            allowed = np.array([chunk.doc_id in doc_ids for chunk in self.index.chunks])
        depth = total if allowed is not None else min(total, max(50, 4 * k))
        query_vectors = query_vectors or self.encode_query(query)

        rankings: list[list[int]] = []
        dense_scores: dict[int, float] = {}
        if mode in ("dense", "hybrid"):
            for name in self.index.dense:
                found = self.index.search_dense(name, query_vectors[name], depth)
                found = [(row, score) for row, score in found if allowed is None or allowed[row]]
                rankings.append([row for row, _ in found])
                if name == self.primary:
                    dense_scores.update(found)
        bm25 = self.index.lexical.scores(query)
        if mode in ("lexical", "hybrid"):
            if allowed is not None:
                bm25 = np.where(allowed, bm25, 0.0)
            top = np.argsort(-bm25, kind="stable")[:depth]
            rankings.append([int(row) for row in top if bm25[row] > 0])

        if mode == "lexical":
            scored = {row: float(bm25[row]) for row in rankings[0]}
        elif mode == "dense" and len(rankings) == 1:
            scored = dict(dense_scores)
        else:
            scored = reciprocal_rank_fusion(rankings, self.settings.rrf_k)
        best = sorted(scored.items(), key=lambda item: -item[1])[:k]
        primary_vector = query_vectors[self.primary]
        return [
            Hit(
                chunk=self.index.chunks[row],
                row=row,
                score=float(score),
                dense_score=dense_scores.get(row, self._cosine(row, primary_vector)),
                lexical_score=float(bm25[row]),
            )
            for row, score in best
        ]

    def _cosine(self, row: int, query_vector: np.ndarray) -> float:
        vector = self.index.dense[self.primary].reconstruct(int(row))
        return float(np.dot(vector, query_vector))
