"""Side-by-side figures: what each report says about one market, metric and year.

"Do the reports agree on the solar inverter market size?", "compare the CAGR ...",
"what does each report say about ..." are answered from the facts table
(``ingest.facts``), not from whichever sentences rank best: one row per
report about the market, each with its figure for the asked year (or the
nearest year it gives, labelled so) and the exact span it is cited from.
Figures are only ever set side by side for the same market and metric.
"""
from __future__ import annotations

import re

from ..ingest.facts import Fact
from ..ingest.years import years_in
from .conflicts import sentence_market

_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


def _year_of(fact: Fact) -> int | None:
    years = [int(year) for year in years_in(fact.period)]
    return years[-1] if years else None


def compare(facts: list[Fact], market: str, metric: str, year: int | None, lang: str = "en") -> list[dict]:
    """One row per report about ``market``: its ``metric`` for ``year`` (or
    the nearest year it gives, ``"nearest": true``), or its first such figure
    when no year is asked, in the library's order; of two equally near
    figures, the one written in the asker's ``lang``.  A report whose card
    names no market is a row too when its sentence names the market
    (``"market_unknown": true``), never left out."""
    wanted = market.lower()
    rows: dict[str, dict] = {}
    for fact in facts:
        unknown = not fact.market
        if fact.metric != metric or (fact.market.lower() != wanted if not unknown
                                     else _singular(sentence_market(fact.text)) != _singular(wanted)):
            continue
        fact_year = _year_of(fact)
        distance = 0 if year is None else (abs(fact_year - year) if fact_year is not None else 10_000)
        rank = (distance, _CJK_RE.search(fact.text) is None if lang == "zh" else _CJK_RE.search(fact.text) is not None)
        current = rows.get(fact.doc_id)
        if current is None or rank < current["rank"]:
            rows[fact.doc_id] = {"rank": rank, "fact": fact, "unknown": unknown}
    table = []
    for doc_id, row in rows.items():
        fact = row["fact"]
        table.append({**fact.to_dict(), "nearest": year is not None and row["rank"][0] > 0,
                      "market_unknown": row["unknown"]})
    return table


def _singular(market: str) -> str:
    """A market name compared loosely ("widgets" and "widget" are one market)."""
    return " ".join(word.rstrip("s") for word in market.lower().split())
