"""The Assistant: one open index and its models, answering many questions.

The CLI, the web chat and the eval all go through this object, so they all
answer from the same persisted index in the same way.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

from . import indexer
from .answer import (
    Answer,
    ParallelFinder,
    answer_line,
    asked_year,
    candidate_sentences,
    compare,
    find_conflicts,
    in_asker_language,
    is_boilerplate,
    lexical_coverage,
    library_coverage,
    order_and_cite,
    score_candidates,
    select_quotes,
    unanswerable_reason,
    year_not_covered,
)
from .config import Settings
from .embedding import channel_mismatch, load_encoders
from .ingest.cards import library_cards
from .ingest.facts import library_facts, metric_of
from .lexical import tokenize
from .query import Query, normalize_question, parse_query
from .query.followup import resolve_follow_up
from .retrieval import Hit, Retriever
from .store import IndexStateError, ReportTerms, VisibleIndex, open_index
from .translation import get_translator


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


#: Askers' views of the library kept per index generation (each holds a chunk table of pointers).
MAX_VIEWS = 32


@dataclass(frozen=True)
class Library:
    """The library as one asker may see it: a retriever over those reports only, their cards and facts."""

    retriever: Retriever
    parallel: ParallelFinder
    cards: list
    facts: list


class Assistant:
    """Loads the index and the models once; answers many questions.

    ``visible`` (ask, search, read): the reports the asker may see (the web
    chat passes the shipped reports and the asker's own uploads); None is the
    whole library (the CLI and the eval).  Everything an answer draws on
    (passages, named reports, abstention checks, comparison and conflicts)
    comes from that :class:`Library` only."""

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
            self.retriever = Retriever(index, self.encoders, self.settings)
            self.parallel = ParallelFinder(index, self.encoders.get("multilingual"))
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
        query, retriever = self.read(query, library=library), library.retriever
        return retriever.search(query.text, k or self.settings.top_k, mode, doc_ids,
                                prefer=self._preferred(query, retriever.index), ignore=frozenset(query.reports.words))

    def read(self, question: str, visible: frozenset[str] | None = None, library: Library | None = None) -> Query:
        """The question as the assistant reads it (language, intent, the visible reports it names)."""
        return parse_query(question, self.settings.max_question_chars, (library or self.library(visible)).cards)

    def ask(self, question: str, k: int | None = None, mode: str = "hybrid", doc_ids: set[str] | None = None,
            follow_up_of: str | None = None, visible: frozenset[str] | None = None) -> Answer:
        """Answer ``question`` from the reports in ``visible`` (None: all); ``follow_up_of``, the previous
        question of the conversation, lets an elliptical one ("And by 2032?") inherit what it
        leaves out (the answer's ``read_as`` says how it was read)."""
        library = self.library(visible)  # one generation, one asker's reports, for the whole answer
        retriever, parallel = library.retriever, library.parallel
        query = own = self.read(question, library=library)
        read_as = resolve_follow_up(query.text, normalize_question(follow_up_of) if follow_up_of else None,
                                     names_report=bool(query.reports.doc_ids))
        if read_as:
            query = replace(self.read(read_as, library=library), shown=query.shown)
        question = query.text
        prefer = self._preferred(query, retriever.index)
        k = k or self.settings.top_k
        query_vectors = retriever.encode_query(question)
        hits = retriever.search(question, max(k, 8), mode, doc_ids, query_vectors=query_vectors, prefer=prefer,
                                ignore=frozenset(query.reports.words))
        documents = {hit.chunk.doc_id: retriever.index.document(hit.chunk.doc_id) for hit in hits}
        titles = {card.doc_id: card.title for card in library.cards}
        candidates = candidate_sentences(hits, documents, titles=titles, lists=query.intent == "list",
                                         explanations=query.intent == "reason")
        relevance = self.relevance(question, hits, retriever)
        answer = Answer(question=query.shown, abstained=False, hits=hits[:k], relevance=relevance, read_as=read_as or "")
        reason = (unanswerable_reason(question, retriever.index, set(query.reports.words))
                  or self._off_topic(own, query.lang, hits, retriever.index)
                  or year_not_covered(own.text, retriever.index, prefer or None))
        if not candidates or reason or relevance < self.settings.abstain_below:
            answer.abstained = True
            answer.message = (f"{reason or 'The reports do not answer this question.'} "
                              "The closest passages are listed below as possibly related, not as an answer.")
            return answer
        scores = score_candidates(question, candidates, retriever.index.lexical, ignore=set(query.reports.words),
                                  intent=query.intent, titles=titles, weights=self.settings.quote_weights)
        chosen = select_quotes(candidates, scores, across_reports=query.across_reports)
        answer.quotes = order_and_cite(
            chosen, documents,
            lambda candidate: parallel.parallel_sentence(candidate.hit.row, candidate.text, documents[candidate.hit.chunk.doc_id]),
        )
        answer.quotes = in_asker_language(answer.quotes, query.lang)
        answer.answer_line = answer_line(answer.quotes[0], query) if answer.quotes else None
        answer.conflicts = find_conflicts(answer.quotes, self.markets)
        if query.intent == "comparison":
            answer.comparison = self._comparison(query, hits, library.facts)
        return answer

    def _comparison(self, query: Query, hits: list[Hit], facts: list) -> list[dict]:
        """Each report's figure for the market the question names (else the
        market of the best passage), the metric it asks and its year."""
        named = [self.markets.get(doc_id, "") for doc_id in query.reports.doc_ids] or \
                [self.markets.get(hit.chunk.doc_id, "") for hit in hits[:1]]
        market = next((name for name in named if name), "")
        if not market:
            return []
        return compare(facts, market, metric_of(query.text), asked_year(query.text), query.lang)

    def _preferred(self, query: Query, index) -> set[str]:
        """The reports the question names, to search first; none when the
        question also names something (a company, a place) that those reports
        never mention but another report does: then the naming was loose
        ("the widget market") and the named thing decides."""
        prefer = set(query.reports.doc_ids)
        if not prefer:
            return prefer
        for name in query.names:
            if set(tokenize(name)) & set(query.reports.words):
                continue
            if not index.search_lexical(name, 1, doc_ids=prefer) and index.search_lexical(name, 1):
                return set()
        return prefer

    def _off_topic(self, own: Query, lang: str, hits: list[Hit], index) -> str | None:
        """The abstention message when no report covers the question's topic.
        ``own``: the question as asked (a follow-up without the turn before
        it), so a new topic is not hidden by the previous question's words."""
        coverage = library_coverage(own.text, index.lexical, get_translator())
        settings = self.settings
        if coverage.share > settings.topic_coverage_max:
            return None
        similarity = max((hit.multilingual_score if lang == "zh" else hit.dense_score for hit in hits[:5]), default=0.0)
        absent = coverage.share <= settings.topic_coverage_absent and coverage.unseen >= settings.topic_unseen_min
        if similarity > settings.topic_similarity_max and not absent:
            return None
        return "No report in the library covers this topic: most of the words that say what the question is about occur in none of them."

    def relevance(self, question: str, hits: list[Hit], retriever: Retriever | None = None) -> float:
        """How well the best hit matches: its cosine similarity or the share of
        the question's terms it holds, whichever is higher."""
        if not hits:
            return 0.0
        tokens = tokenize(question)
        lexical = (retriever or self.retriever).index.lexical
        best = 0.0
        for hit in hits[:5]:
            coverage = lexical_coverage(tokens, hit.chunk.embed_text(), lexical)
            best = max(best, hit.dense_score, coverage)
        return float(best)
