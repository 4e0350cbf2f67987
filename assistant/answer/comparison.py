"""Side-by-side figures: what each report says about one market, metric and year.

"Do the reports agree on the solar inverter market size?", "compare the CAGR ...",
"what does each report say about ..." are answered from the facts table
(``ingest.facts``), not from whichever sentences rank best: one row per
report about the market, each with its figure for the asked year (or the
nearest year it gives, labelled so) and the exact span it is cited from.
Figures are only ever set side by side for the same market and metric.
"""
from __future__ import annotations

from ..ingest.facts import Fact
from ..ingest.years import years_in


def _year_of(fact: Fact) -> int | None:
    years = [int(year) for year in years_in(fact.period)]
    return years[-1] if years else None


def compare(facts: list[Fact], market: str, metric: str, year: int | None) -> list[dict]:
    """One row per report about ``market``: its ``metric`` for ``year`` (or
    the nearest year it gives, ``"nearest": true``), or its first such figure
    when no year is asked, in the library's order."""
    wanted = market.lower()
    rows: dict[str, dict] = {}
    for fact in facts:
        if fact.metric != metric or fact.market.lower() != wanted:
            continue
        fact_year = _year_of(fact)
        distance = 0 if year is None else (abs(fact_year - year) if fact_year is not None else 10_000)
        current = rows.get(fact.doc_id)
        if current is None or distance < current["distance"]:
            rows[fact.doc_id] = {"distance": distance, "fact": fact}
    table = []
    for doc_id, row in rows.items():
        fact = row["fact"]
        table.append({**fact.to_dict(), "nearest": year is not None and row["distance"] > 0})
    return table
