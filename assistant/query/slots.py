"""What a question states, each with where it says it: years, periods, the metric, regions, named things.

A follow-up is read by replacing what it restates in the question before it
(:mod:`assistant.query.followup`), so each reader gives the spans as well as
the values.  All patterns come from :mod:`assistant.query.lexicon`.
"""
from __future__ import annotations

from ..lexical import fold_script, tokenize
from .lexicon import METRIC_NAMES, METRIC_RES, PERIOD_RE, REGION_RES, YEAR_RE

Span = tuple[int, int]


def year_spans(text: str) -> list[Span]:
    """Years that stand alone (not the ends of a period such as "2024-2032")."""
    inside = period_spans(text)
    return [match.span(1) for match in YEAR_RE.finditer(text)
            if not any(start <= match.start(1) < end for start, end in inside)]


def period_spans(text: str) -> list[Span]:
    return [match.span() for match in PERIOD_RE.finditer(text)]


def metric_of(text: str) -> str:
    """The metric a question asks about (a name of the facts table: "market size", "cagr", "share",
    "revenue"), or "" when it names none."""
    found = metric_span(text)
    return found[0] if found else ""


def metric_span(text: str) -> tuple[str, Span] | None:
    """The first metric the question names, by the order of :data:`lexicon.METRIC_RES`, and where."""
    for name, pattern in METRIC_RES:
        match = pattern.search(text)
        if match:
            return name, match.span()
    return None


def region_spans(text: str, lang: str) -> list[Span]:
    """Regions and countries the question names (Chinese ones in either script)."""
    folded = fold_script(text) if lang == "zh" else text
    if len(folded) != len(text):  # folding is character by character; never shift a span
        folded = text
    return [match.span() for match in REGION_RES[lang].finditer(folded)]


def joined(spans: list[Span]) -> Span | None:
    """One span from the first to the last ("Europe and Asia-Pacific" as one place)."""
    return (spans[0][0], spans[-1][1]) if spans else None


def entities_of(names: tuple[str, ...] | list[str], regions: tuple[str, ...], report_words: tuple[str, ...]) -> list[str]:
    """The names that say what is asked about: not a region, not the words naming a report, not a metric."""
    regional = {token for region in regions for token in tokenize(region)}
    naming = set(report_words)
    kept = []
    for name in names:
        tokens = set(tokenize(name))
        if not tokens or tokens <= naming or tokens <= regional or name.lower() in METRIC_NAMES:
            continue
        kept.append(name)
    return kept
