"""What a question is: the text as shown and as searched, whether it can be asked at all,
its language, whether it asks for a figure or across reports, and the names it mentions.

Retrieval and answers read one :class:`Query` instead of each looking at the raw string.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..ingest import detect_lang
from ..ingest.cards import ReportCard
from .reports import ReportMatch, match_reports


class QuestionError(ValueError):
    """A question that cannot be answered as asked; the message says why."""


_QUANTITY_RE = re.compile(
    r"\b(how (much|many|big|large|fast)|(market )?share|percentage|percent|proportion|size|value|rate|cagr|"
    r"growth rate|valued?|worth|revenue|sales|by when|which year|what year)\b"
    r"|多少|多大|规模|規模|增长率|成長率|增長率|复合|複合|占比|佔比|份额|份額|价值|價值|营收|營收|收入",
    re.I,
)


_LIST_RE = re.compile(
    r"\b(?:which|what)\s+(?:are\s+the\s+|were\s+the\s+|are\s+|other\s+)?(?:[\w-]+\s+){0,3}"
    r"(?:companies|players|vendors|firms|segments|sub-?segments|types|regions|applications|factors|trends|drivers|"
    r"challenges|categories|components|technologies|options|services|products|end[- ]?users|countries|settings|"
    r"analyses|methods|modalities|channels|opportunities|risks|barriers)\b"
    r"|\blist\b|\bname (?:the|all)\b|哪些|哪几|哪幾|列出|包括什么|包括什麼|包含哪",
    re.I,
)
_REASON_RE = re.compile(
    r"\bwhy\b|\bhow (?:does|do|did|can|could|will|might|would|is|are)\b|\bwhat (?:drives|explains|causes|is driving|"
    r"are the reasons|reasons)|\breasons?\b|为什么|為什麼|为何|為何|原因|如何|怎样|怎樣|怎么|怎麼",
    re.I,
)
_YES_NO_RE = re.compile(r"^(?:is|are|does|do|did|can|could|will|has|have|was|were|should)\b|吗[？?]?$|嗎[？?]?$|是否|有没有|有沒有",
                        re.I)
INTENTS = ("comparison", "figure", "list", "reason", "yesno", "entity")


def question_intent(question: str) -> str:
    """What kind of answer the question wants, one of :data:`INTENTS`."""
    text = question.strip()
    if asks_across_reports(text):
        return "comparison"
    if asks_for_quantity(text):
        return "figure"
    if _LIST_RE.search(text):
        return "list"
    if _REASON_RE.search(text):
        return "reason"
    if _YES_NO_RE.search(text):
        return "yesno"
    return "entity"


def asks_for_quantity(question: str) -> bool:
    return bool(_QUANTITY_RE.search(question))


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


_GENERIC_NAMES = frozenset(
    """what which who whom whose when where why how does did do is are was were can could should would will
    according based besides within under over the a an in on of for to from by and or with
    report reports market markets analysis forecast research company companies industry global""".split()
)


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
    return [name for name in names if name.lower() not in _GENERIC_NAMES]


_MANY_REPORTS_RE = re.compile(
    r"\b(reports|compare|comparison|across|each report|both|differ|disagree|sources)\b"
    r"|报告.{0,4}(分别|之间|各)|報告.{0,4}(分別|之間|各)|两份|兩份|几份|幾份|各报告|各報告|哪些报告|哪些報告|比较|比較",
    re.I,
)


def asks_across_reports(query: str) -> bool:
    return bool(_MANY_REPORTS_RE.search(query))


@dataclass(frozen=True)
class Query:
    """A question, read once: what retrieval and answers need to know of it."""

    shown: str  # as asked (only unencodable characters replaced): echoed back to the user
    text: str  # as searched: NFKC-normalised
    lang: str  # "en" or "zh"
    asks_quantity: bool  # how much / how fast / what share ...
    across_reports: bool  # compare / each report / 两份报告 ...
    intent: str = "entity"  # one of INTENTS: comparison, figure, list, reason, yesno, entity
    names: tuple[str, ...] = field(default_factory=tuple)  # proper names it asks about
    reports: ReportMatch = field(default_factory=ReportMatch)  # the reports it names, by publisher or market

    def to_dict(self) -> dict:
        return {"shown": self.shown, "text": self.text, "lang": self.lang, "asks_quantity": self.asks_quantity,
                "across_reports": self.across_reports, "intent": self.intent, "names": list(self.names), "reports": self.reports.to_dict()}


def parse_query(question: str | None, max_chars: int, cards: list[ReportCard] | None = None) -> Query:
    """Read a question; raises :class:`QuestionError` with one plain sentence
    when it cannot be asked (empty, no words, too long).  ``cards``: the
    library's report cards, to find the reports the question names."""
    text = normalize_question(question)
    problem = validate_question(text, max_chars)
    if problem:
        raise QuestionError(problem)
    return Query(
        shown=clean_question(question),
        text=text,
        lang=detect_lang(text),
        asks_quantity=asks_for_quantity(text),
        across_reports=asks_across_reports(text),
        intent=question_intent(text),
        names=tuple(question_names(text)),
        reports=match_reports(text, cards or [], across=asks_across_reports(text)),
    )
