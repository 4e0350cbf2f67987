"""The Assistant: one open index and its models, answering many questions.

The CLI, the web chat and the eval all go through this object, so they all
answer from the same persisted index in the same way.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import indexer
from .answer import (
    Answer,
    Candidate,
    LibraryStats,
    ParallelFinder,
    abstention_reason,
    answer_line,
    candidate_sentences,
    compare,
    find_conflicts,
    in_asker_language,
    is_boilerplate,
    lexical_coverage,
    order_and_cite,
    select_quotes,
)
from .answer.features import FeatureInputs, feature_matrix
from .answer.table_quotes import cell_answer_line, with_supporting_row, with_table_headers
from .answer.ranker import get_ranker
from .answer.vectors import candidate_vectors
from .config import DEFAULT_RANKER, Settings
from .embedding import channel_mismatch, load_encoders
from .ingest.cards import library_cards
from .ingest.facts import library_facts
from .query import Query, QuestionError, merge, parse_query
from .retrieval import Hit, Retriever, sentence_channel
from .store import IndexStateError, ReportTerms, VisibleIndex, open_index
from .store.sentences import SENTENCE_RULES_VERSION


def check_settings(index, settings: Settings, encoders: dict) -> None:
    """Refuse an index built with another model (name, files or backend) or other chunker settings."""
    hint = index.hint()
    mismatch = channel_mismatch(index.manifest.channels, encoders)
    if mismatch:
        raise IndexStateError(f"The index in {index.location} {mismatch}; {hint}.")
    if index.manifest.chunker != settings.chunker.as_dict():
        raise IndexStateError(f"The index in {index.location} was built with other chunker settings; {hint}.")
    if settings.store == "local" and index.manifest.sentences.get("rules_version") != SENTENCE_RULES_VERSION:
        raise IndexStateError(f"The index in {index.location} has no sentence vectors of this version (the answer "
                              f"ranker reads them); {hint} (it re-uses the passage vectors).")


def stale_files(index) -> list[str]:
    """Files that changed, appeared or disappeared since the index was built
    (and folders of the index that are missing)."""
    return indexer.stale_files(index.manifest)


#: Askers' views of the library kept per index generation (each holds a chunk table of pointers).
MAX_VIEWS = 32


@dataclass(frozen=True)
class Library:
    """The library as one asker may see it: a retriever over those reports only, their cards and facts."""

    retriever: Retriever
    parallel: ParallelFinder
    cards: list
    facts: list


@dataclass
class RankedCandidates:
    """One question's candidates, scored: what the answer is chosen from (and what training learns from)."""

    query: Query  # as read (a follow-up merged with the turn before)
    library: Library  # the reports the asker may see
    hits: list[Hit]
    prefer: set[str]  # the reports the question names, searched first
    candidates: list[Candidate]
    features: np.ndarray  # one row of answer.features.FEATURES per candidate
    scores: np.ndarray  # the ranker's probability that each candidate answers the question


class Assistant:
    """Loads the index and the models once; answers many questions.

    ``visible`` (ask, search, read): the reports the asker may see (the web
    chat passes the shipped reports and the asker's own uploads); None is the
    whole library (the CLI and the eval).  Everything an answer draws on
    (passages, sentences, named reports, abstention checks, comparison and
    conflicts) comes from that :class:`Library` only."""

    def __init__(self, index_dir: Path | str = "index", settings: Settings = Settings(), check_fresh: bool = True,
                 load_ranker: bool = True) -> None:
        """``load_ranker``: False only to collect training rows (answers need the ranker)."""
        self.settings = settings
        self.index_dir = Path(index_dir)
        self.encoders = load_encoders(settings)
        self.ranker = get_ranker(settings.answer.ranker or DEFAULT_RANKER) if load_ranker else None
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
            self.retriever = Retriever(index, self.encoders, self.settings)
            self.parallel = ParallelFinder(index, self.encoders.get("multilingual"), self.settings.answer)
            self.languages = frozenset(chunk.lang for chunk in index.chunks)  # the library's languages
            self._read_cards()

    def _read_cards(self) -> None:
        """The cards (card files applied), markets and facts of the open index, and a fresh set of askers' views."""
        index = self.index
        self.cards = library_cards(index.manifest.files)
        self.markets = {card.doc_id: card.market for card in self.cards}
        self.facts = [fact for fact in library_facts(index.manifest.files, self.markets) if not is_boilerplate(fact.text)]
        # one generation's whole library, its askers' views, and term counts per report
        self._generation = (Library(self.retriever, self.parallel, self.cards, self.facts), OrderedDict(),
                            ReportTerms(index))

    def refresh_cards(self) -> None:
        """Read the report cards again (a card file was edited): search, answers and comparisons use them at once."""
        with self._lock:
            self._read_cards()

    def library(self, visible: frozenset[str] | set[str] | None = None) -> Library:
        """The library limited to the reports in ``visible`` (None: all of them)."""
        whole, views, terms = self._generation
        files = whole.retriever.index.manifest.files
        if visible is None or all(doc_id in visible for doc_id in files):
            return whole
        key = frozenset(doc_id for doc_id in visible if doc_id in files)
        with self._lock:
            view = views.get(key)
            if view is None:
                retriever = Retriever(VisibleIndex(whole.retriever.index, key, terms), self.encoders, self.settings)
                view = Library(retriever, whole.parallel, [card for card in whole.cards if card.doc_id in key],
                               [fact for fact in whole.facts if fact.doc_id in key])
                views[key] = view
                while len(views) > MAX_VIEWS:
                    views.popitem(last=False)
            views.move_to_end(key)
            return view

    def reload(self) -> None:
        """Switch to the index's newest generation (after a build)."""
        self._open(check_fresh=False)

    @property
    def embedder(self):
        return self.encoders["dense"]

    def search(self, query: str, k: int | None = None, mode: str = "hybrid", doc_ids: set[str] | None = None,
               visible: frozenset[str] | None = None) -> list[Hit]:
        library = self.library(visible)
        read, retriever = self.read(query, library=library), library.retriever
        return retriever.search(read, k or self.settings.top_k, mode, doc_ids, prefer=retriever.named_reports(read))

    def read(self, question: str, visible: frozenset[str] | None = None, library: Library | None = None) -> Query:
        """The question as the assistant reads it (language, intent, the visible reports it names)."""
        return parse_query(question, self.settings.max_question_chars, (library or self.library(visible)).cards)

    def rank_candidates(self, question: str, k: int | None = None, mode: str = "hybrid",
                        doc_ids: set[str] | None = None, follow_up_of: str | None = None,
                        visible: frozenset[str] | None = None) -> RankedCandidates:
        """Read the question (merged with the previous turn, ``follow_up_of``),
        search, and score every sentence the answer could quote with the answer ranker.

        question -> Query -> hits (the ranked lists, fused) -> candidates (the top hits' sentences and the
        sentence list's) -> features -> the ranker's probabilities."""
        library = self.library(visible)  # one generation, one asker's reports, for the whole answer
        retriever, config = library.retriever, self.settings.answer
        query = self.read(question, library=library)
        previous = self._previous(follow_up_of, library)
        if previous is not None:
            query = merge(previous, query)
        index = retriever.index
        prefer = retriever.named_reports(query)
        query_vectors = retriever.encode_query(query)
        hits = retriever.search(query, max(k or self.settings.top_k, self.settings.retrieval.answer_search_k_min), mode,
                                doc_ids, query_vectors=query_vectors, prefer=prefer)
        passages = hits[:config.candidate_hits] + self._sentence_list_hits(index, query, hits, query_vectors,
                                                                          doc_ids or prefer or None)
        documents = {hit.chunk.doc_id: index.document(hit.chunk.doc_id) for hit in passages}
        titles = {card.doc_id: card.title for card in library.cards}
        candidates = [replace(candidate, from_sentence_list=candidate.rank >= config.candidate_hits)
                      for candidate in candidate_sentences(passages, documents, titles=titles,
                                                           lists=query.intent == "list", captions=query.about_table,
                                                           explanations=query.intent == "reason", config=config)]
        inputs = FeatureInputs(
            query=query, hits=hits, query_vectors=query_vectors,
            candidate_vectors=candidate_vectors(index, self.encoders, candidates), idf=index.lexical.idf,
            titles=titles, doc_lengths={doc_id: len(document.text) for doc_id, document in documents.items()},
            ignore=frozenset(query.reports.words),
        )
        features = feature_matrix(candidates, inputs)
        scores = self.ranker.probabilities(features) if self.ranker is not None else np.zeros(len(candidates))
        return RankedCandidates(query, library, hits, prefer, candidates, features, scores)

    def _sentence_list_hits(self, index, query: Query, hits: list[Hit], query_vectors, doc_ids) -> list[Hit]:
        """The passages of the library's sentences nearest the question (by
        cosine, in the channel that reads its language) that the top hits
        lack: the answer may come from a passage the other lists ranked low.
        ``doc_ids``: the scope, or the reports the question names."""
        wanted = self.settings.answer.sentence_list_passages
        if getattr(index, "sentences", None) is None or wanted <= 0:
            return []
        channel = sentence_channel(index, query)
        seen = {hit.row for hit in hits[:self.settings.answer.candidate_hits]}
        extra: list[Hit] = []
        for sentence_row, score in index.search_sentences(channel, query_vectors[channel], 4 * wanted, doc_ids):
            row = int(index.sentences.chunk_rows[sentence_row])
            if row in seen:
                continue
            seen.add(row)
            extra.append(Hit(chunk=index.chunks[row], row=row, score=0.0, dense_score=score if channel == "dense" else 0.0,
                             lexical_score=0.0, multilingual_score=score if channel != "dense" else 0.0))
            if len(extra) == wanted:
                break
        return extra

    def ask(self, question: str, k: int | None = None, mode: str = "hybrid", doc_ids: set[str] | None = None,
            follow_up_of: str | None = None, visible: frozenset[str] | None = None) -> Answer:
        """Answer ``question`` from the reports in ``visible`` (None: all); ``follow_up_of``, the previous
        question of the conversation, lets an elliptical one ("And by 2032?") inherit what it
        leaves out (the answer's ``read_as`` says how it was read).

        :meth:`rank_candidates` -> abstention reasons (and the ranker's) -> select -> cite."""
        ranked = self.rank_candidates(question, k, mode, doc_ids, follow_up_of, visible)
        retriever, parallel, config = ranked.library.retriever, ranked.library.parallel, self.settings.answer
        query, hits, candidates = ranked.query, ranked.hits, ranked.candidates
        k = k or self.settings.top_k
        relevance = self.relevance(query, hits, retriever)
        answer = Answer(question=query.shown, abstained=False, hits=hits[:k], relevance=relevance, read_as=query.read_as)
        best = float(ranked.scores.max()) if len(ranked.scores) else 0.0
        reason = (abstention_reason(query, hits, LibraryStats(retriever.index, frozenset(ranked.prefer), config,
                                                              self.languages))
                  or self._unsure(best))
        if not candidates or reason or relevance < config.abstain_below:
            answer.abstained = True
            answer.message = (f"{reason or 'The reports do not answer this question.'} "
                              "The closest passages are listed below as possibly related, not as an answer.")
            return answer
        scores = [float(score) for score in ranked.scores]
        chosen = select_quotes(candidates, scores, config.max_quotes, config.keep_ratio, across_reports=query.across_reports)
        chosen = with_supporting_row(chosen, candidates, scores, config.max_quotes, config.support_row_floor)
        documents = {candidate.hit.chunk.doc_id: retriever.index.document(candidate.hit.chunk.doc_id)
                     for candidate, _ in chosen}
        answer.quotes = order_and_cite(
            chosen, documents,
            lambda candidate: parallel.parallel_sentence(candidate.hit.row, candidate.text, documents[candidate.hit.chunk.doc_id]),
        )
        answer.quotes = with_table_headers(in_asker_language(answer.quotes, query.lang), documents, query)
        if answer.quotes:
            answer.answer_line = cell_answer_line(answer.quotes[0]) or answer_line(answer.quotes[0], query)
        answer.conflicts = find_conflicts(answer.quotes, self.markets)
        if query.intent == "comparison":
            answer.comparison = self._comparison(query, hits, ranked.library.facts)
        answer.explanations = self._explanations(ranked, chosen)
        return answer

    def _unsure(self, best: float) -> str | None:
        """The ranker's reason to abstain: no candidate is likely enough to answer."""
        threshold = self.settings.answer.ranker_abstain_below
        threshold = self.ranker.abstain_below if threshold is None else threshold
        if best >= threshold:
            return None
        return (f"No sentence of the closest passages reads as an answer to this question (the answer ranker gives "
                f"the best one {best:.0%}, below its {threshold:.0%} threshold).")

    def _explanations(self, ranked: RankedCandidates, chosen) -> dict[tuple[str, int, int], list]:
        """Each chosen candidate's top features, keyed by its span (for ``ask --explain``)."""
        position = {id(candidate): i for i, candidate in enumerate(ranked.candidates)}
        return {(candidate.hit.chunk.doc_id, candidate.start, candidate.end):
                self.ranker.explain(ranked.features[position[id(candidate)]]) for candidate, _ in chosen}

    def _previous(self, follow_up_of: str | None, library: Library | None = None) -> Query | None:
        """The previous turn, read; None when there is none or it cannot be read (then the question stands alone)."""
        if not follow_up_of or not follow_up_of.strip():
            return None
        try:
            return self.read(follow_up_of, library=library)
        except QuestionError:
            return None

    def _comparison(self, query: Query, hits: list[Hit], facts: list) -> list[dict]:
        """Each report's figure for the market the question names (else the
        market of the best passage), the metric it asks and its year."""
        named = [self.markets.get(doc_id, "") for doc_id in query.reports.doc_ids] or \
                [self.markets.get(hit.chunk.doc_id, "") for hit in hits[:1]]
        market = next((name for name in named if name), "")
        if not market:
            return []
        return compare(facts, market, query.metric or "market size", query.asked_year, query.lang)

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
