"""Which reports a question names: by publisher, by market, by the market's acronym.

Analysts name reports the way their cards describe them: "according to the
Northwind study", "in Contoso's smart sensors report", "the solar inverter
report", "固态电池报告".  The match is made against the cards of the
library (``ingest.cards``), never against a list of known reports:

* publisher: a distinctive word of the publisher's name ("northwind" of
  "Northwind Analytics"), or the start of its web domain, is a word of the question;
* market: every content word of the card's English market phrase is in the
  question (in any order), or every character pair of its Chinese market
  phrase (traditional and simplified alike, through the tokenizer's folding);
  the most specific market wins;
* alias: the market's acronym ("SSB" of "Solid-State Battery (SSB)") is a word of the question.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..ingest.cards import ReportCard
from ..lexical import tokenize
from .lexicon.en import GENERIC_PUBLISHER_WORDS

_GENERIC_PUBLISHER_TOKENS = frozenset(token for word in GENERIC_PUBLISHER_WORDS for token in tokenize(word))
_MIN_DOMAIN_PREFIX = 4


@dataclass(frozen=True)
class ReportMatch:
    doc_ids: tuple[str, ...] = ()
    by: str = ""  # "publisher", "market", "publisher+market" or "" when the question names no report
    words: tuple[str, ...] = ()  # the question's tokens that named them (answers do not need to hold them again)
    publisher_words: tuple[str, ...] = ()  # those of them that named a publisher

    def to_dict(self) -> dict:
        return {"doc_ids": list(self.doc_ids), "by": self.by}


def _publisher_keys(card: ReportCard) -> set[str]:
    return {token for token in tokenize(card.publisher)
            if token not in _GENERIC_PUBLISHER_TOKENS and len(token) >= 3 and not token.isdigit()}


def _domains(card: ReportCard) -> set[str]:
    """Aliases that look like a web domain label (lower case, no acronym)."""
    return {alias for alias in card.aliases if alias.islower() and len(alias) >= _MIN_DOMAIN_PREFIX}


def publisher_words(card: ReportCard, question_tokens: set[str]) -> set[str]:
    """The question's tokens that name the card's publisher: a distinctive
    word of its name, or the start of its web domain."""
    words = _publisher_keys(card) & question_tokens
    for domain in _domains(card):
        words |= {token for token in question_tokens
                  if len(token) >= _MIN_DOMAIN_PREFIX and token.isalpha() and domain.startswith(token)
                  and token not in _GENERIC_PUBLISHER_TOKENS}
    return words


def names_publisher(card: ReportCard, question_tokens: set[str]) -> bool:
    return bool(publisher_words(card, question_tokens))


def market_words(card: ReportCard, question_tokens: set[str]) -> frozenset[str]:
    """The card's market words the question holds, when it holds all of them
    in one language (the longest such phrase; an acronym counts as one word
    more specific than its letters), else nothing."""
    best: frozenset[str] = frozenset()
    for phrase in (card.market, card.market_zh):
        words = frozenset(tokenize(phrase))
        if words and words <= question_tokens and len(words) > len(best):
            best = words
    for alias in card.aliases:
        if alias in _domains(card):
            continue
        words = frozenset(tokenize(alias))
        if words and words <= question_tokens and len(words) + 1 > len(best):
            best = words | {f"alias:{alias}"}
    return best


def market_specificity(card: ReportCard, question_tokens: set[str]) -> int:
    """How many market words of the card the question holds (0: none of its markets)."""
    return len(market_words(card, question_tokens))


_YEAR_RANGE_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*(?:-|–|—|~|to|至|到)\s*((?:19|20)\d\d)(?!\d)")


def _by_period(question: str, cards: list[ReportCard], docs: set[str]) -> set[str]:
    """Of ``docs``, those whose forecast period is the one the question names
    ("the 2026-2032 forecast"); all of them when it names none or none fits."""
    ranges = {f"{start}-{end}" for start, end in _YEAR_RANGE_RE.findall(question)}
    fitting = {card.doc_id for card in cards if card.doc_id in docs and ranges & set(card.years)}
    return fitting or docs


def match_reports(question: str, cards: list[ReportCard], across: bool = False) -> ReportMatch:
    """The reports the question names; empty when it names none, or names
    every report of the library alike (then naming tells nothing).

    A report is named by its publisher, by its market (where two reports'
    markets are named, the one whose words the other's contain wins: "smart
    agriculture sensors" over "agriculture sensors"; two different markets
    both count), and among those alike by its forecast period.  Publisher
    and market together name their common reports; when they name different
    ones, both are meant if the publisher's own market is named too ("Northwind's
    robots vs the solar inverter market") or the question compares reports, else
    the publisher's report is ("Northwind 的仓储机器人报告" when Northwind's card
    has no Chinese market phrase).
    ``across``: the question compares reports, so the market's other reports
    named by the period join the publisher's."""
    if not cards:
        return ReportMatch()
    tokens = set(tokenize(question))
    by_publisher = {card.doc_id for card in cards if names_publisher(card, tokens)}
    matched = {card.doc_id: market_words(card, tokens) for card in cards}
    matched = {doc_id: words for doc_id, words in matched.items() if words}
    by_market = {doc_id for doc_id, words in matched.items()
                 if not any(words < other for other in matched.values())}
    by_market = _by_period(question, cards, by_market)
    if by_publisher and by_market:
        common = by_publisher & by_market
        if common:
            # another market the question names is another report; the same market's other reports only join a comparison
            named_too = {doc_id for doc_id in by_market - common
                         if all(matched[doc_id] != matched[own] for own in common)}
            docs, by = (common | by_market if across else common | named_too), "publisher+market"
        elif across or any(doc_id in matched for doc_id in by_publisher):
            docs, by = by_publisher | by_market, "publisher+market"
        else:  # the market words describe the publisher's report, whose card lacks them (in that language)
            docs, by = _by_period(question, cards, by_publisher), "publisher"
    elif by_publisher:
        docs, by = _by_period(question, cards, by_publisher), "publisher"
    elif by_market:
        docs, by = by_market, "market"
    else:
        return ReportMatch()
    if len(docs) == len(cards) and len(cards) > 1:
        return ReportMatch()
    order = [card.doc_id for card in cards]
    named = [card for card in cards if card.doc_id in docs]
    words, by_publisher_words = set(), set()
    for card in named:
        if "publisher" in by:
            by_publisher_words |= publisher_words(card, tokens)
            words |= by_publisher_words
        if "market" in by:
            for phrase in (card.market, card.market_zh, *card.aliases):
                phrase_tokens = set(tokenize(phrase))
                if phrase_tokens and phrase_tokens <= tokens:
                    words |= phrase_tokens
    return ReportMatch(tuple(sorted(docs, key=order.index)), by, tuple(sorted(words)), tuple(sorted(by_publisher_words)))
