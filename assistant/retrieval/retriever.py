"""The Retriever: a question's ranked lists (:mod:`.lists`), fused (:mod:`.fusion`) into hits.

Modes: ``dense`` (the dense lists only), ``lexical`` (BM25 only) and
``hybrid`` (every list, RRF).  Every hit also carries its cosine similarity in
the primary dense channel and its BM25 score, whatever list found it, so
later steps (answer selection, abstention) can judge hits on one scale.
"""
from __future__ import annotations

import numpy as np

from ..config import RETRIEVAL_MODES, Settings
from ..lexical import tokenize
from ..query import Query
from .fusion import diversify, reciprocal_rank_fusion
from .hit import Hit
from .lists import Probe, Ranking, WeightedList, retrieval_lists


class Retriever:
    """Searches one open Index with the query encoders of its dense channels.

    Hybrid mode fuses, by weighted reciprocal rank, the lists of
    :func:`.lists.retrieval_lists` with the weights of the question's language
    (``RetrievalConfig.fusion_weights``): BM25; the English dense channel (weight 0
    for Chinese questions, which it cannot read); the multilingual channel over
    all chunks and over the chunks in the *other* language only; BM25 over the
    translation; the best-sentence ranking.
    """

    def __init__(self, index, encoders: dict, settings: Settings = Settings()) -> None:
        self.index = index  # the local store.Index or a store.milvus_index.MilvusIndex: the same calls
        self.encoders = encoders
        self.settings = settings
        self.primary = index.channels[0]
        self.lists: dict[str, list[WeightedList]] = retrieval_lists(
            index, settings.retrieval.fusion_weights, settings.retrieval.sentence_candidates_per_list)

    def encode_query(self, query: Query) -> dict[str, np.ndarray]:
        return {name: self.encoders[name].encode_queries([query.text])[0] for name in self.index.channels}

    def search(self, query: Query, k: int = 5, mode: str = "hybrid", doc_ids: set[str] | None = None,
               query_vectors: dict[str, np.ndarray] | None = None, prefer: set[str] | None = None) -> list[Hit]:
        """The ``k`` best passages.  ``doc_ids`` limits the search to those
        reports; ``prefer`` (the reports a question names) searches them
        first and fills the rest of the ``k`` from the whole library, so a
        question that names a report gets that report's passages first but
        still sees the others when the named one falls short."""
        if prefer and not doc_ids:
            if query_vectors is None and mode != "lexical":
                query_vectors = self.encode_query(query)
            # The named reports' passages in their order in the whole library's
            # ranking (a search inside one report alone would rank its text by
            # other lists' standards), topped up from a search inside them.
            config = self.settings.retrieval
            ranked = self._search(query, max(config.prefer_depth_factor * k, config.prefer_depth_min), mode, None,
                                  query_vectors)
            first = [hit for hit in ranked if hit.chunk.doc_id in prefer][:k]
            if len(first) < k:
                seen = {hit.row for hit in first}
                first += [hit for hit in self._search(query, k, mode, prefer, query_vectors) if hit.row not in seen]
            seen = {hit.row for hit in first}
            return (first + [hit for hit in ranked if hit.row not in seen])[:k]
        return self._search(query, k, mode, doc_ids, query_vectors)

    def named_reports(self, query: Query) -> set[str]:
        """The reports the question names, to search first (``search``'s ``prefer``); none when the
        question also names something (a company, a place) that those reports never mention but another
        report does: then the naming was loose ("the widget market") and the named thing decides."""
        prefer = set(query.reports.doc_ids)
        if not prefer:
            return prefer
        for name in query.names:
            if set(tokenize(name)) & set(query.reports.words):
                continue
            if not self.index.search_lexical(name, 1, doc_ids=prefer) and self.index.search_lexical(name, 1):
                return set()
        return prefer

    def lists_for(self, lang: str) -> list[WeightedList]:
        return self.lists.get(lang) or self.lists["en"]

    def _search(self, query: Query, k: int, mode: str, doc_ids: set[str] | None,
                query_vectors: dict[str, np.ndarray] | None) -> list[Hit]:
        if mode not in RETRIEVAL_MODES:
            raise ValueError(f"Unknown retrieval mode {mode!r}; use one of {', '.join(RETRIEVAL_MODES)}.")
        index, config = self.index, self.settings.retrieval
        total = len(index.chunks)
        if total == 0 or k <= 0:
            return []
        depth = min(total, max(config.list_depth_min, config.list_depth_factor * k))
        if query_vectors is None:
            query_vectors = self.encode_query(query) if mode != "lexical" else {}
        probe = Probe(query_vectors)
        rankings: list[tuple[Ranking, float]] = []
        by_name: dict[str, Ranking] = {}
        for part, weight in self.lists_for(query.lang):
            if mode in part.modes:
                ranking = part.rank(query, depth, doc_ids, probe)
                probe.earlier.append(ranking)
                rankings.append((ranking, weight))
                by_name[part.name] = ranking
        channel_scores = {name: by_name[name].scores for name in index.channels if name in by_name}
        lexical_found = by_name["lexical"].scores if "lexical" in by_name else {}
        if mode == "lexical":
            scored = lexical_found
        elif mode == "dense" and len(index.channels) == 1:
            scored = dict(channel_scores[self.primary])
        else:
            scored = reciprocal_rank_fusion([ranking.rows for ranking, _ in rankings], config.rrf_k,
                                            [weight for _, weight in rankings])
        keep_top = 1 if query.across_reports else config.diversify_after
        best = diversify(scored, index.chunks, k, config.same_report_decay, keep_top, config.diversify_pool_factor,
                         config.diversify_pool_min)
        rows = [row for row, _ in best]
        unscored = [row for row in rows if row not in lexical_found]
        lexical_scores = dict(zip(unscored, index.lexical_scores(query.text, unscored))) if unscored else {}
        lexical_scores.update(lexical_found)
        dense_scores = self._similarities(self.primary, rows, query_vectors, channel_scores)
        multilingual_scores = (self._similarities("multilingual", rows, query_vectors, channel_scores)
                               if "multilingual" in index.channels else {})
        return [
            Hit(
                chunk=index.chunks[row],
                row=row,
                score=float(score),
                dense_score=dense_scores.get(row, 0.0),
                lexical_score=lexical_scores.get(row, 0.0),
                multilingual_score=multilingual_scores.get(row, 0.0),
            )
            for row, score in best
        ]

    def _similarities(self, channel: str, rows: list[int], query_vectors, channel_scores) -> dict[int, float]:
        """Cosine similarity of each row in ``channel``, from the search lists
        where it was found, else from its stored vector."""
        known = channel_scores.get(channel, {})
        if channel not in query_vectors:
            return {}  # lexical mode encodes nothing
        missing = [row for row in rows if row not in known]
        found = {row: known[row] for row in rows if row in known}
        if missing:
            similarities = self.index.vectors(channel, missing) @ query_vectors[channel]
            found.update(zip(missing, (float(value) for value in similarities)))
        return found
