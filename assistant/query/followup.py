"""Follow-up questions: "And by 2032?", "What about China?", "那中国呢？".

An elliptical question leaves out what the conversation already set: the
market, the report, the metric, the year.  It is read together with the
previous question: the previous question's years give way to the ones the
follow-up names, and the follow-up's words are added, so "What was the
solar inverter market size in 2023?" then "And what will it be in 2032?" is
searched as "What was the solar inverter market size in 2032? And what will it
be in 2032?" and shown as read that way.
"""
from __future__ import annotations

import re

from ..lexical import tokenize
from .question import question_names

_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_ELLIPTICAL_START_RE = re.compile(
    r"^\s*(?:and\b|but\b|also\b|what about\b|how about\b|and what about\b|same for\b|or\b|then\b|"
    r"那|那么|那麼|和|还有|還有|至于|至於|另外)",
    re.I,
)
_ELLIPTICAL_END_RE = re.compile(r"(?:呢|怎么样|怎麼樣)[？?。.!！]*\s*$")
# Words that point back at what was said before: "does that imply", "its CAGR", "这段期间", "其中".
_ANAPHORA_RE = re.compile(
    r"\b(?:that|this|it|its|they|them|their|these|those|such|same|then)\b|它|其|该|該|这|這|此|上述|前述|同期|当时|當時",
    re.I,
)
#: A question of at most this many content words cannot name its own subject ("为什么？", "At what CAGR?").
SHORT_QUESTION_WORDS = 2


def is_elliptical(question: str) -> bool:
    """A question that leans on the previous one: it opens like a follow-up
    ("And ...", "What about ...", "那...") or ends like one ("...呢？"), or it is
    so short that it cannot stand alone ("In 2032?")."""
    text = question.strip()
    if _ELLIPTICAL_START_RE.search(text) or _ELLIPTICAL_END_RE.search(text):
        return True
    content = [token for token in tokenize(text) if not token.isdigit()]
    return len(content) <= 1


def leans_on_previous(question: str, names_report: bool = False) -> bool:
    """An elliptical question, or one that names no report or market of its
    own and points back ("What growth rate does that imply?", "其中...") or is
    too short to name its subject ("为什么？")."""
    if is_elliptical(question):
        return True
    if names_report:
        return False
    content = [token for token in tokenize(question) if not token.isdigit()]
    return bool(_ANAPHORA_RE.search(question)) or len(content) <= SHORT_QUESTION_WORDS


def resolve_follow_up(question: str, previous: str | None, names_report: bool = False) -> str | None:
    """The question as read in context, or None when it stands alone (or
    there is nothing before it).  ``names_report``: the question names a
    report or market itself, so only an elliptical form makes it a follow-up.
    The previous question's years give way to
    the follow-up's, and so do its places and companies (capitalised words)
    when the follow-up names its own: "What about Europe?" after a question
    on North America asks about Europe, in the same market and report."""
    if not previous or not previous.strip() or not leans_on_previous(question, names_report):
        return None
    context = previous.strip()
    years = _YEAR_RE.findall(question)
    if years:
        context = _YEAR_RE.sub(years[0], context)
    names = question_names(question)
    if names:
        for name in question_names(context):
            if name not in names and name.istitle():  # keep acronyms (SSB, CAGR): they name the market or metric
                context = re.sub(rf"\b{re.escape(name)}\b\s*", "", context)
    return f"{context} {question.strip()}"
