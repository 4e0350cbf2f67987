"""Figures that differ between reports: market sizes (normalised to USD billion, with their year) and growth rates.
"""
from __future__ import annotations

import re

from .model import Quote

_MONEY_RE = re.compile(
    r"(?:USD|US\$|\$)\s?(?P<en>\d[\d,]*(?:\.\d+)?)\s?(?P<unit>billion|million|trillion|bn|mn)\b"
    r"|(?P<zh>\d[\d,]*(?:\.\d+)?)\s?(?P<zh_unit>億|亿|萬|万)\s?美元",
    re.I,
)


_RATE_RE = re.compile(
    r"(?:CAGR|compound annual growth rate|growth rate|复合年增长率|複合年成長率|年复合增长率)[^.。%]{0,60}?(?P<a>\d+(?:\.\d+)?)\s?%"
    r"|(?P<b>\d+(?:\.\d+)?)\s?%[^.。]{0,30}?(?:CAGR|compound annual growth)",
    re.I,
)


_YEAR_RE = re.compile(r"\b(20[2-4]\d)\b|(20[2-4]\d)\s?年")


_SCALE = {"billion": 1.0, "bn": 1.0, "million": 1e-3, "mn": 1e-3, "trillion": 1e3, "億": 0.1, "亿": 0.1, "萬": 1e-5, "万": 1e-5}


def extract_figures(text: str) -> list[dict]:
    """Market sizes (in USD billion, with the nearest year) and growth rates."""
    figures = []
    for match in _MONEY_RE.finditer(text):
        number = float((match.group("en") or match.group("zh")).replace(",", ""))
        unit = (match.group("unit") or match.group("zh_unit")).lower()
        figures.append({"kind": "market size (USD billion)", "value": round(number * _SCALE[unit], 4),
                        "year": _nearest_year(text, match.start()), "figure": match.group(0)})
    for match in _RATE_RE.finditer(text):
        number = float(match.group("a") or match.group("b"))
        figures.append({"kind": "growth rate (CAGR %)", "value": number, "year": None, "figure": f"{number}%"})
    return figures


def _nearest_year(text: str, position: int) -> str | None:
    best, best_distance = None, 60
    for match in _YEAR_RE.finditer(text):
        distance = abs(match.start() - position)
        if distance < best_distance:
            best, best_distance = match.group(1) or match.group(2), distance
    return best


def find_conflicts(quotes: list[Quote]) -> list[dict]:
    """Figures of one kind (and year) that differ between reports."""
    by_key: dict[tuple, list[dict]] = {}
    for quote in quotes:
        for figure in extract_figures(quote.text):
            entry = {"value": figure["value"], "figure": figure["figure"], "doc_id": quote.citation.doc_id,
                     "n": quote.citation.n, "text": quote.text}
            by_key.setdefault((figure["kind"], figure["year"]), []).append(entry)
    conflicts = []
    for (kind, year), entries in by_key.items():
        docs = {entry["doc_id"] for entry in entries}
        values = {entry["value"] for entry in entries}
        if len(docs) > 1 and len(values) > 1:
            conflicts.append({"what": kind if year is None else f"{kind}, {year}", "values": entries})
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
