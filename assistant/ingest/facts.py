"""Figures and the facts table: every market size, growth rate, share and revenue a report states.

Figures are read from sentences and table rows with their unit and currency
normalised (USD billion for money, whatever the wording: "US$ 465.3 Billion",
"$130.1 billion", "13.5 億美元", "672.6 亿美元"; percent for rates and shares),
the year or period they are for, and the exact span they are cited from.  A
fact names its market from the report's card: a report is about one market,
and "the market" in its sentences is that market.

``assistant facts`` lists them; answers use them to set the reports' figures
for one market, metric and year side by side.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

from .document import Document
from .sentences import sentence_spans
from .years import PERIOD_RE, YEAR_RE

MONEY_RE = re.compile(
    r"(?:USD|US\$|\$)\s?(?P<en>\d[\d,]*(?:\.\d+)?)\s?(?P<unit>billion|million|trillion|bn|mn)\b"
    r"|(?P<zh>\d[\d,]*(?:\.\d+)?)\s?(?P<zh_unit>億|亿|萬|万)\s?美元",
    re.I,
)
RATE_RE = re.compile(
    r"(?:CAGR|compound annual growth rate|growth rate|复合年增长率|複合年成長率|年复合增长率|年複合成長率)"
    r"[^.。%]{0,60}?(?P<a>\d+(?:\.\d+)?)\s?%"
    r"|(?P<b>\d+(?:\.\d+)?)\s?%[^.。]{0,30}?(?:CAGR|compound annual growth)",
    re.I,
)
SHARE_RE = re.compile(r"(?P<value>\d+(?:\.\d+)?)\s?%[^.。%]{0,40}?(?:share|of the (?:global )?market)"
                      r"|(?:share|份额|份額|占比|佔比)[^.。%]{0,40}?(?P<value2>\d+(?:\.\d+)?)\s?%", re.I)
SCALE = {"billion": 1.0, "bn": 1.0, "million": 1e-3, "mn": 1e-3, "trillion": 1e3,
         "億": 0.1, "亿": 0.1, "萬": 1e-5, "万": 1e-5}
_REVENUE_RE = re.compile(r"revenue|revenues|sales|turnover|营收|營收|收入|销售额|銷售額", re.I)
_NEAR_YEAR = 60  # characters: a year further from its figure is not the figure's year
_YEAR_AFTER_RE = re.compile(r"\s*(?:in|by|for|as of|until|till|through|during)\s+(?:the\s+(?:end\s+of\s+|year\s+)?)?",
                            re.I)  # "... billion in 2025", "... billion by 2032"
_MARKET_WORD_RE = re.compile(r"market|市场|市場", re.I)
METRICS = ("market size", "cagr", "share", "revenue")


def _nearest_year(text: str, position: int, end: int | None = None) -> str | None:
    """The year a figure is for: one right after it ("USD 1.35 billion in
    2025", "by 2032"), else the closest one before it ("到 2032 年將達到 79.5
    億美元"), else the closest after it, within a few dozen characters."""
    end = position if end is None else end
    after = YEAR_RE.search(text, end)
    if after and _YEAR_AFTER_RE.fullmatch(text[end:after.start()]):
        return after.group(1)
    before = [match for match in YEAR_RE.finditer(text, 0, position) if position - match.end() <= _NEAR_YEAR]
    if before:
        return before[-1].group(1)
    later = [match for match in YEAR_RE.finditer(text, end) if match.start() - end <= _NEAR_YEAR]
    return later[0].group(1) if later else None


def extract_figures(text: str) -> list[dict]:
    """Money amounts (in USD billion, with the nearest year) and growth rates."""
    figures = []
    for match in MONEY_RE.finditer(text):
        number = float((match.group("en") or match.group("zh")).replace(",", ""))
        unit = (match.group("unit") or match.group("zh_unit")).lower()
        figures.append({"kind": "market size (USD billion)", "value": round(number * SCALE[unit], 4),
                        "year": _nearest_year(text, match.start(), match.end()), "figure": match.group(0),
                        "position": match.start()})
    for match in RATE_RE.finditer(text):
        number = float(match.group("a") or match.group("b"))
        figures.append({"kind": "growth rate (CAGR %)", "value": number, "year": None, "figure": f"{number}%",
                        "position": match.start()})
    return figures


@dataclass(frozen=True)
class Fact:
    doc_id: str
    market: str
    metric: str  # one of METRICS
    period: str  # "2032", "2024-2032", or "" when the text gives none
    value: float  # USD billion for money, percent for rates and shares
    unit: str  # "USD billion" or "%"
    figure: str  # the figure as written
    text: str  # the sentence or table row it is cited from
    start: int  # clean-text span of that sentence or row
    end: int
    page: int | None
    raw_start: int
    raw_end: int

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Fact":
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


def _units(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences, with each table row as a unit of its own."""
    units = []
    for span_start, span_end in sentence_spans(text, start, end):
        position = span_start
        for line in text[span_start:span_end].split("\n"):
            if line.strip():
                offset = len(line) - len(line.lstrip())
                units.append((position + offset, position + len(line.rstrip())))
            position += len(line) + 1
    return units


def _facts_of(unit: str) -> list[tuple[str, str, float, str, str]]:
    """(metric, period, value, unit, figure) of one sentence or table row."""
    found = []
    for figure in extract_figures(unit):
        if figure["kind"].startswith("market size"):
            before = unit[max(0, figure["position"] - 80):figure["position"]]
            if _REVENUE_RE.search(before):
                metric = "revenue"
            elif _MARKET_WORD_RE.search(unit) or unit.lstrip().startswith("|"):
                metric = "market size"
            else:
                continue  # money of something else ("the consumer technology industry will generate $537 billion")
            found.append((metric, figure["year"] or "", figure["value"], "USD billion", figure["figure"]))
        else:
            period = PERIOD_RE.search(unit)
            found.append(("cagr", f"{period.group(1)}-{period.group(2)}" if period else "", figure["value"], "%",
                          figure["figure"]))
    for match in SHARE_RE.finditer(unit):
        if RATE_RE.search(unit[max(0, match.start() - 40):match.end()]):
            continue  # a growth rate, already counted
        value = float(match.group("value") or match.group("value2"))
        found.append(("share", _nearest_year(unit, match.start()) or "", value, "%", f"{value}%"))
    return found


def extract_facts(document: Document, market: str) -> list[Fact]:
    """Every figure of the document with its metric, period and cited span."""
    facts: list[Fact] = []
    seen: set[tuple] = set()
    for start, end in _units(document.text, 0, len(document.text)):
        unit = document.text[start:end]
        for metric, period, value, unit_name, figure in _facts_of(unit):
            key = (metric, period, value, start)
            if key in seen:
                continue
            seen.add(key)
            page, raw_start, raw_end = document.raw_span(start, end)
            facts.append(Fact(document.doc_id, market, metric, period, value, unit_name, figure, unit, start, end,
                              page, raw_start, raw_end))
    return facts


def library_facts(files: dict[str, dict], markets: dict[str, str]) -> list[Fact]:
    """The facts an index recorded (its manifest's ``files``), each named by
    its report's current market (``markets``: doc_id -> market, from the
    cards, so a sidecar's correction applies)."""
    facts = []
    for doc_id, info in files.items():
        for data in info.get("facts") or []:
            fact = Fact.from_dict(data)
            facts.append(replace(fact, market=markets.get(doc_id, fact.market)))
    return facts
