"""Fusing ranked lists into one: weighted reciprocal rank fusion, then a spread over reports.

Pure functions of rows and scores: no index, no model.
"""
from __future__ import annotations

from ..ingest import Chunk


def reciprocal_rank_fusion(rankings: list[list[int]], rrf_k: int = 60, weights: list[float] | None = None) -> dict[int, float]:
    """Fused score of every row: sum over lists of weight / (rrf_k + rank)."""
    fused: dict[int, float] = {}
    for list_index, ranking in enumerate(rankings):
        weight = 1.0 if weights is None else weights[list_index]
        for rank, row in enumerate(ranking, start=1):
            fused[row] = fused.get(row, 0.0) + weight / (rrf_k + rank)
    return fused


def diversify(scored: dict[int, float], chunks: list[Chunk], k: int, decay: float, keep_top: int,
              pool_factor: int = 5, pool_min: int = 50) -> list[tuple[int, float]]:
    """Top ``k`` rows; after the first ``keep_top`` (taken by score alone),
    each further hit from an already-listed report ranks ``decay`` times
    lower, so the list also shows the other reports that speak to the
    question.  The pool looked at is ``pool_factor k`` rows (at least ``pool_min``).
    Returned scores are the fused ones."""
    ranked = sorted(scored.items(), key=lambda item: -item[1])
    if decay >= 1.0:
        return ranked[:k]
    chosen = ranked[: min(keep_top, k)]
    pool = ranked[keep_top : max(k * pool_factor, pool_min)]
    per_doc: dict[str, int] = {}
    for row, _ in chosen:
        per_doc[chunks[row].doc_id] = per_doc.get(chunks[row].doc_id, 0) + 1
    while pool and len(chosen) < k:
        best_index = max(range(len(pool)),
                         key=lambda i: pool[i][1] * decay ** per_doc.get(chunks[pool[i][0]].doc_id, 0))
        row, score = pool.pop(best_index)
        chosen.append((row, score))
        per_doc[chunks[row].doc_id] = per_doc.get(chunks[row].doc_id, 0) + 1
    return chosen
