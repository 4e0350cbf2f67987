"""Figures that differ between reports: market sizes (normalised to USD billion, with their year) and growth rates.
"""
from __future__ import annotations

import re

from ..ingest.facts import extract_figures
from .model import Quote

_SENTENCE_MARKET_RE = re.compile(r"((?:[A-Za-z][\w-]*\s+){1,4}?)market\b", re.I)
_DETERMINERS = {"the", "a", "an", "this", "that", "its", "their", "our"}
_NOT_MARKET_WORDS = {"the", "a", "an", "this", "that", "global", "overall", "worldwide", "total", "entire", "its", "of", "in"}


def sentence_market(sentence: str) -> str:
    """The market a sentence speaks of ("the global smart widget market" ->
    "smart widget"), for reports whose card names none."""
    match = _SENTENCE_MARKET_RE.search(sentence)
    if not match:
        return ""
    words = match.group(1).split()
    determiners = [i for i, word in enumerate(words) if word.lower() in _DETERMINERS]
    if determiners:
        words = words[determiners[-1] + 1:]  # "Analysts expect the smart widget market": after "the"
    words = [word for word in words if word.lower() not in _NOT_MARKET_WORDS]
    return " ".join(words[-3:])


def find_conflicts(quotes: list[Quote], markets: dict[str, str] | None = None) -> list[dict]:
    """Figures of one kind (and year) that differ between reports about the
    same market (``markets``: doc_id -> market, from the cards; where a card
    names none, the market the sentence speaks of; else it is compared with none).  Without ``markets`` every report
    counts as one market."""
    by_key: dict[tuple, list[dict]] = {}
    for quote in quotes:
        doc_id = quote.citation.doc_id
        market = ""
        if markets is not None:
            market = (markets.get(doc_id) or sentence_market(quote.text)).lower()
            if not market:
                continue
        for figure in extract_figures(quote.text):
            entry = {"value": figure["value"], "figure": figure["figure"], "doc_id": doc_id,
                     "n": quote.citation.n, "text": quote.text}
            by_key.setdefault((market, figure["kind"], figure["year"]), []).append(entry)
    conflicts = []
    for (market, kind, year), entries in by_key.items():
        docs = {entry["doc_id"] for entry in entries}
        values = {entry["value"] for entry in entries}
        if len(docs) > 1 and len(values) > 1:
            what = kind if year is None else f"{kind}, {year}"
            conflicts.append({"what": f"{market}: {what}" if market else what, "values": entries})
    return conflicts


_YEAR_ONLY_RE = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_PERCENT_RE = re.compile(r"(\d+(?:\.\d+)?)\s?%")


def figures_agree(text: str, other: str) -> bool:
    """Two sentences state the same figures: the same years, percentages and
    money amounts (normalised, so "USD 1.35 billion" agrees with "13.5 億美元")."""

    def signature(value: str) -> tuple:
        money = {round(figure["value"], 3) for figure in extract_figures(value) if figure["kind"].startswith("market size")}
        return set(_YEAR_ONLY_RE.findall(value)), {float(p) for p in _PERCENT_RE.findall(value)}, money

    return signature(text) == signature(other)
