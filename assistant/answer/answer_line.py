"""The answer line: the part of the first quote that answers the question, shown above the quotes.

Extractive, never generated: the line is one span of the first quote's text,
verbatim, and its character span inside that quote (so the page can mark it
there too).  What span fits depends on the question's intent:

* a quantity (``figure``, ``comparison``): the figure with its unit, and the
  year or period that goes with it when the quote states one next to it
  ("US$ 74.7 Billion in 2023", "22.9% during 2024-2032", "2025年...13.5亿美元");
  the figure kind follows the metric asked (a growth rate or share is a
  percentage, a size or revenue an amount) and the year asked wins;
* a list (``list``): the items, the run of list lines or the enumeration
  after "include / such as / 包括 ..." ;
* a which-question (``entity``): the region, segment or company it names:
  the words before the noun the question asks for ("the wearables
  segment"), else the proper name next to a superlative ("North America
  held the largest share").

No line when no span of the first quote fits (a reason, a yes/no question,
or a quote without such a span): then the quotes speak for themselves.
"""
from __future__ import annotations

import re

from ..ingest import sentence_spans
from ..query import Query
from .model import AnswerLine, Quote

_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_SCALE = r"(?:trillion|billion|million|thousand|bn|mn|[BMK])\b"
_MONEY_RE = re.compile(
    rf"(?:US\s?\$|USD|US dollars?|\$|€|EUR|£|GBP|¥|RMB|CNY|JPY|INR)\s?{_NUMBER}(?:\s?{_SCALE})?"
    rf"|{_NUMBER}\s?(?:{_SCALE})\s?(?:US dollars|dollars|USD|euros|EUR|yuan)?"
    rf"|{_NUMBER}\s?(?:万亿|兆|亿|億|万|萬|千)?\s?(?:美元|美金|元|人民币|人民幣|欧元|歐元)", re.I)
_BARE_NUMBER_RE = re.compile(rf"(?<![\d.,$€£¥A-Za-z]){_NUMBER}(?![\d%％])")
_COUNT_QUESTION_RE = re.compile(r"\bhow many\b|\bnumber of\b|多少(?:个|個|张|張|家|台|项|項|名|人|次|例|位)", re.I)
_MEASURE_WORD_RE = re.compile(r"\s?[个個张張家台项項名人次例位]")
_PERCENT_RE = re.compile(rf"{_NUMBER}\s?(?:%|％|percent\b|per cent\b)", re.I)
_YEAR = r"(?:19|20)\d\d"
_PERIOD_RE = re.compile(rf"(?<!\d){_YEAR}(?:\s?(?:-|–|—|to|至|到)\s?{_YEAR})?(?!\d)(?:\s?年)?")
#: Words that may join a figure to its year ("... billion in 2023", "CAGR of 9% during 2024-2032").
_JOIN_AFTER_RE = re.compile(r"^[\s,]*(?:(?:in|by|for|as of|until|till|through|during|from|over|between)\s+"
                            r"(?:the\s+(?:year|end of|period)\s+)?)?$|^\s*[（(]?\s*$", re.I)
_NEAR = 60  # characters: a cue ("CAGR", "share") or the year asked further away says nothing about a figure
_NEAR_BEFORE = 18  # characters: a year before its figure, close enough to be its year ("2025年将达到13.5亿美元")
_RATE_CUE_RE = re.compile(r"cagr|compound annual|growth|grow|复合|複合|增长|增長|成長", re.I)
_SHARE_CUE_RE = re.compile(r"share|份额|份額|占比|佔比|account", re.I)

_LIST_LEAD_RE = re.compile(r"\b(?:include|includes|included|including|such as|namely|are|comprise|comprises|"
                           r"consist of|consists of|covers|cover|spanning|ranging from)\b\s*:?\s*|[:：]\s*|"
                           r"包括|包含|例如|主要有|分为|分為|涵盖|涵蓋")
_ENUMERATION_RE = re.compile(r"[,，、;；]|\band\b|\bor\b|和|及|与|與|以及")
#: Where an enumeration ends and a clause about it begins (", each contributing to ...", ", which ...").
_TRAILING_CLAUSE_RE = re.compile(r",\s*(?:each|which|both|all of which|while|whereas|thereby|with|that|as well as)\b"
                                 r"|\s[-–—]\s|，(?:这|這|从而|從而|以)", re.I)
_BULLET_RE = re.compile(r"\s*(?:[-*•·●▪◦]|\d+[.)、]|[a-z][.)])\s*")

_WHICH_RE = re.compile(r"\b(?:which|what)\s+(?:\w+\s+){0,2}?(?P<noun>region|regions|segment|segments|company|"
                       r"companies|country|countries|type|types|application|applications|technology|technologies|firm|firms|"
                       r"publisher|organi[sz]ation|provider|providers|manufacturer|manufacturers|brand|brands|"
                       r"component|components|player|players|vendor|vendors|end[- ]?users?|product|products|"
                       r"category|categories|channel|channels|modality|modalities|market|markets|area|areas)\b"
                       r"|哪(?:个|個|一个|一個|些|種|种|类|類|家)?(?P<zh_noun>地区|地區|区域|區域|国家|國家|细分|細分|"
                       r"市场|市場|公司|企业|企業|类型|類型|应用|應用|技术|技術|领域|領域|产品|產品)", re.I)
_SUPERLATIVE_RE = re.compile(r"\b(?:largest|biggest|fastest|highest|leading|dominant|dominate[sd]?|dominating|"
                             r"lead(?:s|ing)?|top|most|major|primary|greatest)\b|最大|最快|最高|领先|領先|主导|主導|"
                             r"最多|占据|佔據|首位", re.I)
_NAME_RE = re.compile(r"(?:[A-Z][\w&'.-]*)(?:\s+(?:(?:and|of|&|the|de)\s+)?(?:[A-Z][\w&'.-]*|\([\w\s.&-]{1,30}\)))*")
_NOT_NAMES = frozenset("""the a an this that these those in on at by for of and or but with from to as its their our
    however according based moreover furthermore also during over while when where which what who key global market
    markets report reports segment segments region regions company companies cagr usd us largest biggest fastest
    fastest-growing growing leading dominant major main top second third other each every one new whole entire
    overall highest among all across between within most many several various some both""".split())
_ZH_BEFORE_NOUN_RE = re.compile(r"([\u4e00-\u9fff]{2,8}?)(?:地区|地區|区域|區域|细分市场|細分市場|板块|板塊)")


def answer_line(quote: Quote, query: Query) -> AnswerLine | None:
    """The span of ``quote`` that answers ``query``, or None when no span fits its intent."""
    text = quote.text
    span = None
    if query.intent in ("figure", "comparison", "entity") and _WHICH_RE.search(query.text):
        span, kind = _name_span(text, query), "name"  # "which region holds the largest share": a name
    if span is None and (query.intent in ("figure", "comparison") or query.asks_quantity):
        span, kind = _figure_span(text, query), "figure"
    elif span is None and query.intent == "list":
        span, kind = _items_span(text), "items"
    if span is None:
        return None
    start, end = _trim(text, *span)
    if end <= start:
        return None
    return AnswerLine(text[start:end], start, end, kind)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without surrounding spaces and trailing punctuation."""
    while start < end and (text[start].isspace() or text[start] in ",，、:：;；"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ".,，。;；:：、*"):
        end -= 1
    return start, end


# ------------------------------------------------------------------ figures

def _figure_span(text: str, query: Query) -> tuple[int, int] | None:
    metric = query.metric
    wants_percent = metric in ("cagr", "share") or bool(re.search(r"percent|%|百分", query.text, re.I))
    figures = [(match.start(), match.end(), "percent") for match in _PERCENT_RE.finditer(text)]
    figures += [(match.start(), match.end(), "money") for match in _MONEY_RE.finditer(text)
                if not _is_year(match.group(0))]
    asked = set(re.findall(_YEAR, query.text))
    if _COUNT_QUESTION_RE.search(query.text):
        taken = [(start, end) for start, end, _ in figures]
        for match in _BARE_NUMBER_RE.finditer(text):
            if not _is_year(match.group(0)) and not any(a <= match.start() < b for a, b in taken):
                end = _count_end(text, match.end(), query)  # a count names what it counts
                figures.append((match.start(), end, "count" if end > match.end() else "number"))
    if not figures:
        return None
    cue = _RATE_CUE_RE if metric == "cagr" else _SHARE_CUE_RE if metric == "share" else None

    def rank(figure: tuple[int, int, str]) -> tuple:
        start, end, kind = figure
        around = text[max(0, start - _NEAR): end + _NEAR]
        dated = text[slice(*_with_year(text, start, end, asked))]
        right_kind = kind == "count" if _COUNT_QUESTION_RE.search(query.text) else (kind == "percent") == wants_percent
        return (not right_kind, not (asked & set(re.findall(_YEAR, dated))),
                not (asked & set(re.findall(_YEAR, around))), not (cue is None or cue.search(around)), start)

    start, end, _ = min(figures, key=rank)
    return _with_year(text, start, end, asked)


def _count_end(text: str, end: int, query: Query) -> int:
    """A count with what it counts: its measure word ("12,825 张") or the words of the question right after it
    ("12,825 virtual ward beds")."""
    measure = _MEASURE_WORD_RE.match(text, end)
    if measure:
        return measure.end()
    asked = {word.lower().rstrip("s") for word in re.findall(r"[A-Za-z]+", query.text)}
    while True:
        word = re.match(r"\s+([A-Za-z-]+)", text[end:end + 40])
        if not word or word.group(1).lower().rstrip("s") not in asked:
            return end
        end += word.end()


def _is_year(figure: str) -> bool:
    """A bare year matched as a number ("2023 USD" reads as money otherwise)."""
    return bool(re.fullmatch(rf"\s*{_YEAR}\s*(?:年)?\s*", figure))


def _with_year(text: str, start: int, end: int, asked: set[str]) -> tuple[int, int]:
    """The figure, extended to the year or period right after it ("... in 2023"), else to the one just before
    it in the same clause ("In 2023, ... US$ 74.7 billion"; "2025年...13.5亿美元") when no other year was asked."""
    for match in _PERIOD_RE.finditer(text, end, min(len(text), end + 40)):
        if _JOIN_AFTER_RE.match(text[end:match.start()]):
            return start, match.end()
        break
    before = [match for match in _PERIOD_RE.finditer(text, max(0, start - _NEAR_BEFORE), start)]
    if before and not re.search(r"[.;。；!?！？|\n]", text[before[-1].end():start]) and \
            (not asked or set(re.findall(_YEAR, before[-1].group(0))) & asked):
        return before[-1].start(), end
    return start, end


# ------------------------------------------------------------------ lists

def _items_span(text: str) -> tuple[int, int] | None:
    lines = [(match.start(), match.end()) for match in re.finditer(r"[^\n]+", text)]
    items = [(start, end) for start, end in lines[1:] if text[start:end].strip()]
    if len(items) >= 2:  # a lead-in line and its list lines
        first_start, first_end = items[0]
        bullet = _BULLET_RE.match(text, first_start)
        return (bullet.end() if bullet else first_start), items[-1][1]
    for match in _LIST_LEAD_RE.finditer(text):
        end = next((end for start, end in sentence_spans(text) if start <= match.start() < end), len(text))
        clause = _TRAILING_CLAUSE_RE.search(text, match.end(), end)
        end = clause.start() if clause else end
        tail = text[match.end():end]
        if _ENUMERATION_RE.search(tail) and len(tail.split()) <= 40:
            return match.end(), end
    return _zh_items_span(text)


#: A Chinese enumeration closed by 等 ("连接模组和专用感测器等"), and the words that may lead into its first item.
_ZH_ITEMS_RE = re.compile(r"[\u4e00-\u9fff]{2,10}(?:[和、及与與][\u4e00-\u9fff]{2,10})+(?=等)")
_ZH_LEAD_RE = re.compile(r".*(?:影响|影響|包括|包含|例如|如|有|是|为|為|将|將|对|對|在|的|了)")


def _zh_items_span(text: str) -> tuple[int, int] | None:
    match = _ZH_ITEMS_RE.search(text)
    if match is None:
        return None
    first = re.split(r"[和、及与與]", match.group(0))[0]
    lead = _ZH_LEAD_RE.match(first)
    start = match.start() + (lead.end() if lead and lead.end() <= len(first) - 2 else 0)
    return start, match.end()


# ------------------------------------------------------------------ names

def _name_span(text: str, query: Query) -> tuple[int, int] | None:
    which = _WHICH_RE.search(query.text)
    if which is None:
        return None
    asked_words = {word.lower() for word in re.findall(r"\w+", query.text)}
    noun = (which.group("noun") or "").lower().rstrip("s")
    if noun:
        before = re.compile(rf"(?:\bthe\s+)?((?:[\w&'-]+\s+){{1,3}}?){noun}s?\b", re.I)
        for match in before.finditer(text):
            words = match.group(1).split()
            kept = [word for word in words if word.lower() not in _NOT_NAMES and word.lower() not in asked_words]
            if kept and kept == words[len(words) - len(kept):]:
                start = match.start(1) + match.group(1).rfind(kept[0])
                return start, match.start(1) + len(match.group(1).rstrip())
    if which.group("zh_noun"):
        for match in _ZH_BEFORE_NOUN_RE.finditer(text):
            if not set(match.group(1)) <= set(query.text):
                return match.start(1), match.end(1)
    names = [match for match in _NAME_RE.finditer(text)
             if match.group(0).lower() not in _NOT_NAMES
             and not {word.lower() for word in re.findall(r"\w+", match.group(0))} <= asked_words | _NOT_NAMES]
    if not names:
        return None
    superlatives = [match.start() for match in _SUPERLATIVE_RE.finditer(text)]
    if superlatives:
        name = min(names, key=lambda match: min(abs(match.start() - position) for position in superlatives))
    else:
        name = names[0]
    words = name.group(0).split()
    while words and words[0].lower() in _NOT_NAMES:  # "The Wearables" -> "Wearables"
        words.pop(0)
    if not words:
        return None
    start = name.start() + name.group(0).find(words[0])
    return start, name.end()
