"""A figure question about a year that no passage of the reports it names (of any report, when it names
none) mentions at all: they cannot give that year's figure ("worth in 2028" of a report that states 2023 and
2032).  A year is a BM25 term, so the index answers without reading any text.  A follow-up is judged by the
years it asks itself."""
from __future__ import annotations

from ...query import Query


def reason(query: Query, hits, stats) -> str | None:
    asked = query.own
    if not asked.asks_quantity:
        return None
    doc_ids = set(stats.named) or None
    for year in sorted(set(asked.years)):
        if not stats.index.search_lexical(year, 1, doc_ids):
            if doc_ids:
                return f"The reports the question names do not mention {year} at all, so they give no figure for it."
            return f"No report mentions {year} at all, so none gives a figure for it."
    return None
