"""What a question is: the text as shown and as searched, whether it can be asked at all,
its language, whether it asks for a figure or across reports, and the names it mentions.

Retrieval and answers read one :class:`Query` instead of each looking at the raw string.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

from ..ingest import detect_lang
from ..ingest.cards import ReportCard
from ..ingest.years import periods_in, years_in
from ..lexical import tokenize
from ..translation import get_translator, translate_query
from .lexicon import (
    ABOUT_TABLE_RE,
    ACROSS_REPORTS_RE,
    GENERIC_NAMES,
    LIST_RE,
    QUANTITY_RE,
    REASON_RE,
    YES_NO_RE,
)
from .reports import ReportMatch, match_reports
from .slots import entities_of, metric_of, region_spans


class QuestionError(ValueError):
    """A question that cannot be answered as asked; the message says why."""


INTENTS = ("comparison", "figure", "list", "reason", "yesno", "entity")


def question_intent(question: str) -> str:
    """What kind of answer the question wants, one of :data:`INTENTS`."""
    text = question.strip()
    if asks_across_reports(text):
        return "comparison"
    if asks_for_quantity(text):
        return "figure"
    if LIST_RE.search(text):
        return "list"
    if REASON_RE.search(text):
        return "reason"
    if YES_NO_RE.search(text):
        return "yesno"
    return "entity"


def asks_for_quantity(question: str) -> bool:
    return bool(QUANTITY_RE.search(question))


def clean_question(question: str | None) -> str:
    """The question as shown back: lone surrogates (which cannot be encoded)
    become U+FFFD."""
    return "" if question is None else re.sub("[\ud800-\udfff]", "\ufffd", question)


def normalize_question(question: str | None) -> str:
    """The question as searched: cleaned, then NFKC (full-width and styled
    letters become plain ones)."""
    return unicodedata.normalize("NFKC", clean_question(question))


_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def validate_question(question: str, max_chars: int) -> str | None:
    """A plain sentence saying what is wrong with a question, or None."""
    if question is None or not question.strip():
        return "Please type a question; it is empty."
    if len(question) > max_chars:
        return f"The question is {len(question):,} characters long; please keep it under {max_chars:,}."
    if not any(char.isalpha() for char in _ANSI_RE.sub("", question)):  # digits or a colour code are not words
        return "The question has no words in it; please ask in words (English or Chinese)."
    return None


_NAME_RE = re.compile(r"(?<![\w.])(?:[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}[a-z]?|[A-Z][a-z]{2,})\b")


_LATIN_RUN_RE = re.compile(r"[A-Za-z][A-Za-z0-9]+")


def question_names(question: str) -> list[str]:
    """Proper names the question asks about: capitalised words past the
    first word (and acronyms); in a Chinese question, its Latin-script words."""
    names: list[str] = []
    if detect_lang(question) == "zh":
        names = _LATIN_RUN_RE.findall(question)
    else:
        for match in _NAME_RE.finditer(question):
            if match.start() == 0 and not match.group(0).isupper():
                continue  # the sentence's first word is capitalised anyway
            names.append(match.group(0))
    return [name for name in names if name.lower() not in GENERIC_NAMES]


def asks_across_reports(query: str) -> bool:
    return bool(ACROSS_REPORTS_RE.search(query))


@dataclass(frozen=True)
class Query:
    """A question, read once: everything retrieval and answers need to know of it.

    Built by :func:`parse_query` (or, for a follow-up, by
    :func:`assistant.query.followup.merge`); no stage below ``query`` reads
    the question's text again for its language, intent, metric or years."""

    shown: str  # as asked (only unencodable characters replaced): echoed back to the user
    text: str  # as searched: NFKC-normalised (for a follow-up: the question rebuilt in context)
    lang: str  # "en" or "zh"
    asks_quantity: bool  # how much / how fast / what share ...
    across_reports: bool  # compare / each report / 两份报告 ...
    intent: str = "entity"  # one of INTENTS: comparison, figure, list, reason, yesno, entity
    names: tuple[str, ...] = ()  # proper names it mentions (places, companies, acronyms)
    reports: ReportMatch = field(default_factory=ReportMatch)  # the reports it names, by publisher or market
    metric: str = ""  # the facts table's metric it asks ("market size", "cagr", "share", "revenue"), "" when none
    years: tuple[str, ...] = ()  # every year it writes, in order ("2024-2032" gives both)
    periods: tuple[str, ...] = ()  # periods it writes, as "start-end"
    regions: tuple[str, ...] = ()  # regions and countries it names, as written
    entities: tuple[str, ...] = ()  # the names it asks about: not a region, a report's name or a metric
    tokens: tuple[str, ...] = ()  # its BM25 tokens (lexical.tokenize)
    about_table: bool = False  # it asks about a table itself ("what does the table show"): captions may answer
    alone: "Query | None" = None  # a follow-up: the question as asked, read without the turn before it
    read_as: str = ""  # a follow-up: the one question it was read as, in context ("" when it stands alone)

    @cached_property
    def translation(self) -> str:
        """Its dictionary translation into the other language (BM25 terms; "" when none)."""
        return translate_query(self.text)

    @cached_property
    def key_terms(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The words that carry its topic, each with its English glosses (:meth:`Translator.key_terms`)."""
        return tuple((word, tuple(glosses)) for word, glosses in get_translator().key_terms(self.text))

    @property
    def own(self) -> "Query":
        """The question as asked: itself, or for a follow-up the question without its context."""
        return self.alone or self

    @property
    def asked_year(self) -> int | None:
        """The year a figure is asked for: the last one written."""
        return int(self.years[-1]) if self.years else None

    def to_dict(self) -> dict:
        return {"shown": self.shown, "text": self.text, "lang": self.lang, "asks_quantity": self.asks_quantity,
                "across_reports": self.across_reports, "intent": self.intent, "names": list(self.names),
                "reports": self.reports.to_dict(), "metric": self.metric, "years": list(self.years),
                "periods": list(self.periods), "regions": list(self.regions), "entities": list(self.entities),
                "about_table": self.about_table,
                "read_as": self.read_as}


def read_text(text: str, reports: ReportMatch, shown: str | None = None) -> Query:
    """A :class:`Query` of an already normalised ``text`` whose named reports are known."""
    lang = detect_lang(text)
    names = tuple(question_names(text))
    regions = tuple(text[start:end] for start, end in region_spans(text, lang))
    return Query(
        shown=text if shown is None else shown,
        text=text,
        lang=lang,
        asks_quantity=asks_for_quantity(text),
        across_reports=asks_across_reports(text),
        intent=question_intent(text),
        names=names,
        reports=reports,
        metric=metric_of(text),
        years=tuple(years_in(text)),
        periods=tuple(periods_in(text)),
        regions=regions,
        entities=tuple(entities_of(names, regions, reports.words)),
        tokens=tuple(tokenize(text)),
        about_table=bool(ABOUT_TABLE_RE.search(text)),
    )


def parse_query(question: str | None, max_chars: int, cards: list[ReportCard] | None = None) -> Query:
    """Read a question; raises :class:`QuestionError` with one plain sentence
    when it cannot be asked (empty, no words, too long).  ``cards``: the
    library's report cards, to find the reports the question names."""
    text = normalize_question(question)
    problem = validate_question(text, max_chars)
    if problem:
        raise QuestionError(problem)
    reports = match_reports(text, cards or [], across=asks_across_reports(text))
    return read_text(text, reports, shown=clean_question(question))
