"""The Assistant: one open index and its models, answering many questions.

The CLI, the web chat and the eval all go through this object, so they all
answer from the same persisted index in the same way.
"""
from __future__ import annotations

import threading
from pathlib import Path

from . import indexer
from .answer import (
    Answer,
    LibraryStats,
    ParallelFinder,
    abstention_reason,
    candidate_sentences,
    compare,
    find_conflicts,
    in_asker_language,
    lexical_coverage,
    order_and_cite,
    score_candidates,
    select_quotes,
)
from .config import Settings
from .embedding import channel_mismatch, load_encoders
from .ingest.cards import library_cards
from .ingest.facts import library_facts
from .query import Query, QuestionError, merge, parse_query
from .retrieval import Hit, Retriever
from .store import IndexStateError, open_index


def check_settings(index, settings: Settings, encoders: dict) -> None:
    """Refuse an index built with another model (name, files or backend) or other chunker settings."""
    hint = index.hint()
    mismatch = channel_mismatch(index.manifest.channels, encoders)
    if mismatch:
        raise IndexStateError(f"The index in {index.location} {mismatch}; {hint}.")
    if index.manifest.chunker != settings.chunker.as_dict():
        raise IndexStateError(f"The index in {index.location} was built with other chunker settings; {hint}.")


def stale_files(index) -> list[str]:
    """Files that changed, appeared or disappeared since the index was built
    (and folders of the index that are missing)."""
    return indexer.stale_files(index.manifest)


class Assistant:
    """Loads the index and the models once; answers many questions."""

    def __init__(self, index_dir: Path | str = "index", settings: Settings = Settings(), check_fresh: bool = True) -> None:
        self.settings = settings
        self.index_dir = Path(index_dir)
        self.encoders = load_encoders(settings)
        self._lock = threading.RLock()
        self._open(check_fresh)

    def _open(self, check_fresh: bool) -> None:
        index = open_index(self.index_dir, self.settings)
        check_settings(index, self.settings, self.encoders)
        if check_fresh:
            changed = stale_files(index)
            if changed:
                raise IndexStateError(
                    f"The index in {index.location} is out of date ({len(changed)} changed files, e.g. {changed[0]}); "
                    f"{index.hint()}."
                )
        with self._lock:
            self.index = index
            self.cards = library_cards(index.manifest.files)
            self.markets = {card.doc_id: card.market for card in self.cards}
            self.facts = library_facts(index.manifest.files, self.markets)
            self.retriever = Retriever(index, self.encoders, self.settings)
            self.parallel = ParallelFinder(index, self.encoders.get("multilingual"), self.settings.answer)

    def reload(self) -> None:
        """Switch to the index's newest generation (after a build)."""
        self._open(check_fresh=False)

    @property
    def embedder(self):
        return self.encoders["dense"]

    def search(self, query: str, k: int | None = None, mode: str = "hybrid", doc_ids: set[str] | None = None) -> list[Hit]:
        read, retriever = self.read(query), self.retriever
        return retriever.search(read, k or self.settings.top_k, mode, doc_ids, prefer=retriever.named_reports(read))

    def read(self, question: str) -> Query:
        """The question as the assistant reads it (language, intent, named reports)."""
        return parse_query(question, self.settings.max_question_chars, self.cards)

    def ask(self, question: str, k: int | None = None, mode: str = "hybrid", doc_ids: set[str] | None = None,
            follow_up_of: str | None = None) -> Answer:
        """Answer ``question``; ``follow_up_of``, the previous question of the
        conversation, lets an elliptical one ("And by 2032?") inherit what it
        leaves out (the answer's ``read_as`` says how it was read).

        question -> Query (read once, merged with the previous turn) -> hits (the ranked lists, fused) ->
        abstention reasons -> candidates -> score -> select -> cite."""
        retriever, parallel = self.retriever, self.parallel  # one generation for the whole answer
        query = self.read(question)
        previous = self._previous(follow_up_of)
        if previous is not None:
            query = merge(previous, query)
        prefer = retriever.named_reports(query)
        k = k or self.settings.top_k
        hits = retriever.search(query, max(k, self.settings.retrieval.answer_search_k_min), mode, doc_ids,
                                query_vectors=retriever.encode_query(query), prefer=prefer)
        config = self.settings.answer
        documents = {hit.chunk.doc_id: retriever.index.document(hit.chunk.doc_id) for hit in hits}
        titles = {card.doc_id: card.title for card in self.cards}
        candidates = candidate_sentences(hits, documents, titles=titles, lists=query.intent == "list",
                                         explanations=query.intent == "reason", config=config)
        relevance = self.relevance(query, hits, retriever)
        answer = Answer(question=query.shown, abstained=False, hits=hits[:k], relevance=relevance, read_as=query.read_as)
        reason = abstention_reason(query, hits, LibraryStats(retriever.index, frozenset(prefer), config))
        if not candidates or reason or relevance < config.abstain_below:
            answer.abstained = True
            answer.message = (f"{reason or 'The reports do not answer this question.'} "
                              "The closest passages are listed below as possibly related, not as an answer.")
            return answer
        scores = score_candidates(query, candidates, retriever.index.lexical, titles=titles,
                                  weights=self.settings.quote_weights)
        chosen = select_quotes(candidates, scores, config.max_quotes, config.keep_ratio,
                               across_reports=query.across_reports)
        answer.quotes = order_and_cite(
            chosen, documents,
            lambda candidate: parallel.parallel_sentence(candidate.hit.row, candidate.text, documents[candidate.hit.chunk.doc_id]),
        )
        answer.quotes = in_asker_language(answer.quotes, query.lang)
        answer.conflicts = find_conflicts(answer.quotes, self.markets)
        if query.intent == "comparison":
            answer.comparison = self._comparison(query, hits)
        return answer

    def _previous(self, follow_up_of: str | None) -> Query | None:
        """The previous turn, read; None when there is none or it cannot be read (then the question stands alone)."""
        if not follow_up_of or not follow_up_of.strip():
            return None
        try:
            return self.read(follow_up_of)
        except QuestionError:
            return None

    def _comparison(self, query: Query, hits: list[Hit]) -> list[dict]:
        """Each report's figure for the market the question names (else the
        market of the best passage), the metric it asks and its year."""
        named = [self.markets.get(doc_id, "") for doc_id in query.reports.doc_ids] or \
                [self.markets.get(hit.chunk.doc_id, "") for hit in hits[:1]]
        market = next((name for name in named if name), "")
        if not market:
            return []
        return compare(self.facts, market, query.metric or "market size", query.asked_year)

    def relevance(self, query: Query, hits: list[Hit], retriever: Retriever | None = None) -> float:
        """How well the best hit matches: its cosine similarity or the share of
        the question's terms it holds, whichever is higher."""
        if not hits:
            return 0.0
        tokens = list(query.tokens)
        lexical = (retriever or self.retriever).index.lexical
        best = 0.0
        for hit in hits[:self.settings.answer.relevance_hits]:
            coverage = lexical_coverage(tokens, hit.chunk.embed_text(), lexical)
            best = max(best, hit.dense_score, coverage)
        return float(best)
