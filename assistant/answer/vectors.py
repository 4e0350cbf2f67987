"""Each candidate's vector per dense channel: read from the sentence vectors the build stored.

A candidate the build embedded as one span (a sentence, a list run) reads its
own vector; a two-sentence candidate takes the normalised mean of its
sentences' vectors.  Only a candidate with no stored span inside it (an index
in Milvus, which keeps no sentence vectors) is embedded here, in one batch.
"""
from __future__ import annotations

import numpy as np

from .model import Candidate


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def _stored_rows(table, candidate: Candidate) -> list[int]:
    """Rows of the sentence table that make up the candidate's span."""
    doc_id, start, end = candidate.hit.chunk.doc_id, candidate.start, candidate.end
    row = table.row(doc_id, start, end)
    if row is not None:
        return [row]
    if not candidate.is_pair:
        return []
    inside = [table.row(doc_id, s, e) for s, e in candidate.parts]
    return [row for row in inside if row is not None] if all(row is not None for row in inside) else []


def candidate_vectors(index, encoders: dict, candidates: list[Candidate]) -> dict[str, np.ndarray]:
    """Channel -> matrix, row i the unit vector of ``candidates[i]``."""
    table = getattr(index, "sentences", None)
    parts = [_stored_rows(table, candidate) if table is not None else [] for candidate in candidates]
    wanted = sorted({row for rows in parts for row in rows})
    position = {row: i for i, row in enumerate(wanted)}
    missing = [i for i, rows in enumerate(parts) if not rows]
    result = {}
    for channel in index.channels:
        stored = index.sentence_vectors(channel, wanted) if wanted else None
        matrix = np.zeros((len(candidates), encoders[channel].dim), dtype=np.float32)
        for i, rows in enumerate(parts):
            if rows:
                matrix[i] = stored[[position[row] for row in rows]].mean(axis=0)
        if missing:
            matrix[missing] = encoders[channel].encode_passages([candidates[i].read_text for i in missing], 32)
        result[channel] = _normalise(matrix)
    return result
