"""Hybrid search: dense channels and BM25, fused by reciprocal rank.

Modes: ``dense`` (the dense channels only), ``lexical`` (BM25 only) and
``hybrid`` (all of them, RRF).  Every hit also carries its cosine similarity in
the primary dense channel and its BM25 score, whatever list found it, so
later steps (answer selection, abstention) can judge hits on one scale.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import RETRIEVAL_MODES, Settings
from .ingest import Chunk, detect_lang, sentence_spans
from .lexical import tokenize
from .query import asks_across_reports
from .store import Index
from .translation import translate_query

#: How deep into each ranked list the sentence list looks for its candidates.
SENTENCE_CANDIDATES_PER_LIST = 60


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


def reciprocal_rank_fusion(rankings: list[list[int]], rrf_k: int = 60, weights: list[float] | None = None) -> dict[int, float]:
    """Fused score of every row: sum over lists of weight / (rrf_k + rank)."""
    fused: dict[int, float] = {}
    for list_index, ranking in enumerate(rankings):
        weight = 1.0 if weights is None else weights[list_index]
        for rank, row in enumerate(ranking, start=1):
            fused[row] = fused.get(row, 0.0) + weight / (rrf_k + rank)
    return fused


def diversify(scored: dict[int, float], chunks: list[Chunk], k: int, decay: float, keep_top: int) -> list[tuple[int, float]]:
    """Top ``k`` rows; after the first ``keep_top`` (taken by score alone),
    each further hit from an already-listed report ranks ``decay`` times
    lower, so the list also shows the other reports that speak to the
    question.  Returned scores are the fused ones."""
    ranked = sorted(scored.items(), key=lambda item: -item[1])
    if decay >= 1.0:
        return ranked[:k]
    chosen = ranked[: min(keep_top, k)]
    pool = ranked[keep_top : max(k * 5, 50)]
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


class Retriever:
    """Searches one open Index with the query encoders of its dense channels.

    Hybrid mode fuses, by weighted reciprocal rank: BM25; the English dense
    channel (weight 0 for Chinese questions, which it cannot read); the multilingual
    channel over all chunks; and the multilingual channel over the chunks in
    the *other* language only.  That last list matters: a multilingual model
    still ranks text in the question's own language first, so without it a
    Chinese question would rarely surface the English-only report that
    answers it.
    """

    def __init__(self, index: Index, encoders: dict, settings: Settings = Settings()) -> None:
        self.index = index  # the local store.Index or a store.milvus_index.MilvusIndex: the same calls
        self.encoders = encoders
        self.settings = settings
        self.primary = index.channels[0]
        languages: dict[str, set[str]] = {}
        for chunk in index.chunks:
            languages.setdefault(chunk.doc_id, set()).add(chunk.lang)
        self.doc_languages = languages
        self.doc_language_set = set().union(*languages.values()) if languages else set()  # the library's languages
        self._sentences: dict[int, list[set[str]]] = {}

    def encode_query(self, query: str) -> dict[str, np.ndarray]:
        return {name: self.encoders[name].encode_queries([query])[0] for name in self.index.channels}

    def search(self, query: str, k: int = 5, mode: str = "hybrid", doc_ids: set[str] | None = None,
               query_vectors: dict[str, np.ndarray] | None = None, prefer: set[str] | None = None,
               ignore: frozenset[str] = frozenset()) -> list[Hit]:
        """The ``k`` best passages.  ``doc_ids`` limits the search to those
        reports; ``prefer`` (the reports a question names) searches them
        first and fills the rest of the ``k`` from the whole library, so a
        question that names a report gets that report's passages first but
        still sees the others when the named one falls short.  ``ignore``:
        the question's tokens that only name a report (its publisher), left
        out where passages are matched sentence by sentence."""
        if prefer and not doc_ids:
            if query_vectors is None and mode != "lexical":
                query_vectors = self.encode_query(query)
            # The named reports' passages in their order in the whole library's
            # ranking (a search inside one report alone would rank its text by
            # other lists' standards), topped up from a search inside them.
            ranked = self._search(query, max(3 * k, 30), mode, None, query_vectors, ignore)
            first = [hit for hit in ranked if hit.chunk.doc_id in prefer][:k]
            if len(first) < k:
                seen = {hit.row for hit in first}
                first += [hit for hit in self._search(query, k, mode, prefer, query_vectors, ignore) if hit.row not in seen]
            seen = {hit.row for hit in first}
            return (first + [hit for hit in ranked if hit.row not in seen])[:k]
        return self._search(query, k, mode, doc_ids, query_vectors, ignore)

    def _search(self, query: str, k: int, mode: str, doc_ids: set[str] | None,
                query_vectors: dict[str, np.ndarray] | None, ignore: frozenset[str] = frozenset()) -> list[Hit]:
        if mode not in RETRIEVAL_MODES:
            raise ValueError(f"Unknown retrieval mode {mode!r}; use one of {', '.join(RETRIEVAL_MODES)}.")
        index = self.index
        total = len(index.chunks)
        if total == 0 or k <= 0:
            return []
        depth = min(total, max(100, 10 * k))
        if query_vectors is None:
            query_vectors = self.encode_query(query) if mode != "lexical" else {}
        query_lang = detect_lang(query)
        weights = self.settings.fusion_weights.get(query_lang) or self.settings.fusion_weights["en"]

        rankings: list[tuple[list[int], float]] = []
        channel_scores: dict[str, dict[int, float]] = {}
        if mode in ("dense", "hybrid"):
            for name in index.channels:
                found = index.search_dense(name, query_vectors[name], depth, doc_ids=doc_ids)
                channel_scores[name] = dict(found)
                rankings.append(([row for row, _ in found], weights.get(name, 1.0)))
            if "multilingual" in index.channels and weights.get("cross", 1.0) > 0:
                found = index.search_dense("multilingual", query_vectors["multilingual"], depth,
                                           exclude_lang=query_lang, doc_ids=doc_ids)
                rankings.append(([row for row, _ in found], weights.get("cross", 1.0)))
        lexical_found: dict[int, float] = {}
        if mode in ("lexical", "hybrid"):
            found = index.search_lexical(query, depth, doc_ids)
            lexical_found = dict(found)
            rankings.append(([row for row, _ in found], weights.get("lexical", 1.0)))
        translated = translate_query(query) if mode == "hybrid" else None
        if mode == "hybrid" and weights.get("translated", 0.0) > 0:
            rankings.append((self._translated_rows(translated, query_lang, depth, doc_ids), weights["translated"]))
        if mode == "hybrid" and weights.get("sentence_dense", 0.0) > 0 and query_vectors:
            rankings.append((self._sentence_dense_rows(query_vectors, query_lang, depth, doc_ids), weights["sentence_dense"]))
        if mode == "hybrid" and weights.get("sentence", 0.0) > 0:
            candidates = {row for ranking, _ in rankings for row in ranking[:SENTENCE_CANDIDATES_PER_LIST]}
            rankings.append((self._sentence_rows(query, translated, query_lang, candidates, ignore), weights["sentence"]))

        if mode == "lexical":
            scored = lexical_found
        elif mode == "dense" and len(index.channels) == 1:
            scored = dict(channel_scores[self.primary])
        else:
            scored = reciprocal_rank_fusion([r for r, _ in rankings], self.settings.rrf_k, [w for _, w in rankings])
        keep_top = 1 if asks_across_reports(query) else self.settings.diversify_after
        best = diversify(scored, index.chunks, k, self.settings.same_report_decay, keep_top)
        rows = [row for row, _ in best]
        unscored = [row for row in rows if row not in lexical_found]
        lexical_scores = dict(zip(unscored, index.lexical_scores(query, unscored))) if unscored else {}
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

    def _foreign_docs(self, query_lang: str) -> set[str]:
        """Reports with no text in the question's language."""
        return {doc_id for doc_id, languages in self.doc_languages.items() if query_lang not in languages}

    def _translated_rows(self, translated: str | None, query_lang: str, depth: int, doc_ids: set[str] | None) -> list[int]:
        """BM25 over the question's dictionary translation, among the chunks
        of reports with no text in the question's language: how a Chinese
        question reaches an English-only report through words, and the
        reverse.  A bilingual report is reached in the question's own language."""
        if not translated:
            return []
        foreign = self._foreign_docs(query_lang)
        if doc_ids:
            foreign &= doc_ids
        if not foreign:
            return []
        return [row for row, _ in self.index.search_lexical(translated, depth, foreign)]

    def _sentence_rows(self, query: str, translated: str | None, query_lang: str, candidates: set[int],
                       ignore: frozenset[str]) -> list[int]:
        """The candidates ranked by their best single sentence: the IDF-weighted
        share of the question's terms that one sentence holds.  A passage whose
        one sentence names the connectivity technologies *and* the segmentation
        asked about beats a long one that scatters the same words (which BM25
        over the whole passage cannot tell apart).  Passages of a report with
        no text in the question's language are matched with its dictionary
        translation.  ``ignore``: the words that only named the report."""
        own = [token for token in dict.fromkeys(tokenize(query)) if token not in ignore]
        foreign_terms = [token for token in dict.fromkeys(tokenize(translated or "")) if token not in ignore]
        foreign_docs = self._foreign_docs(query_lang) if foreign_terms else set()
        lexical = self.index.lexical

        def best_sentence(row: int) -> float:
            terms = foreign_terms if self.index.chunks[row].doc_id in foreign_docs else own
            weights = {term: lexical.idf(term) for term in terms}
            total = sum(weights.values())
            if not total:
                return 0.0
            return max(sum(weight for term, weight in weights.items() if term in sentence)
                       for sentence in self._sentence_tokens(row)) / total

        scored = {row: best_sentence(row) for row in candidates}
        return [row for row in sorted(scored, key=lambda row: (-scored[row], row)) if scored[row] > 0]

    def _sentence_dense_rows(self, query_vectors, query_lang: str, depth: int, doc_ids: set[str] | None) -> list[int]:
        """Passages ranked by their nearest stored sentence (cosine, in the
        channel that reads the question's language): one sentence that says
        what the question asks lifts its passage, however long the passage."""
        index = self.index
        if getattr(index, "sentences", None) is None:
            return []
        channel = "multilingual" if query_lang == "zh" and "multilingual" in index.channels else self.primary
        rows: dict[int, None] = {}
        for sentence_row, _ in index.search_sentences(channel, query_vectors[channel], 4 * depth, doc_ids):
            rows.setdefault(int(index.sentences.chunk_rows[sentence_row]), None)
            if len(rows) == depth:
                break
        return list(rows)

    def _sentence_tokens(self, row: int) -> list[set[str]]:
        """Each sentence of a passage as a set of tokens (cached: chunks never change in an open index)."""
        cached = self._sentences.get(row)
        if cached is None:
            text = self.index.chunks[row].text
            cached = [set(tokenize(text[start:end])) for start, end in sentence_spans(text)] or [set()]
            self._sentences[row] = cached
        return cached

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
