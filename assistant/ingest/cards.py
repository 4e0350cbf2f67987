"""Report cards: what a report is, guessed from its own text at index time.

A card holds the report's ``title``, ``publisher``, ``market`` (in English and,
where the title gives it, Chinese), ``aliases`` (the market's acronym, the
publisher's web domain), ``years`` (the periods the title names and a base
year) and ``languages``.  Questions name reports this way ("the Northwind
study", "the solar inverter report", "固态电池报告"), so retrieval can
route them (see ``query.reports``).

Every rule reads general patterns of market reports, never one report: the
title is the first heading (or the first long line); the market is the
capitalised phrase before "Market" in the title (市场/市場 for Chinese); the
publisher is a name the text introduces as a research company ("X, a leading
market research company", "published by X", "© X", "X Research offers"), or
that its first lines say put it out ("X publishes / has released / prepared
this ..."), or, failing that, the web domain most of its links point to.

A sidecar file ``<report file>.card.json`` next to a report overrides any
field of the guess (e.g. ``{"publisher": "Acme Research"}``; a value of the
wrong type, a text where a list belongs, is ignored); it is read each time the
index is opened, so an edit needs no rebuild.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .document import Document, looks_like_a_title
from .years import PERIOD_RE

SIDECAR_SUFFIX = ".card.json"
_TITLE_WINDOW = 3000  # the title is in the first characters of a report
_LEADING_WORDS = {"global", "worldwide", "world", "the", "insights", "into", "analysis", "report", "on", "of", "for",
                  "a", "an", "in", "and", "&", "by", "to"}
_CONNECTORS = {"of", "in", "and", "for", "&", "the", "to"}
_EN_MARKET_RE = re.compile(r"(?<![A-Za-z0-9])((?:[a-z]?[A-Z][\w-]*)(?:[ \t]+(?:[A-Z][\w-]*|of|in|and|for|&|the|to))*)"
                           r"[ \t]+Market\b")
_ZH_MARKET_RE = re.compile(r"([\u4e00-\u9fff]{2,14}?)市[场場]")
_ZH_LEADING = ("全球", "世界", "中国", "中國")
_BASE_YEAR_RE = re.compile(r"(?:base year|基准年|基準年)\D{0,12}(20\d\d)", re.I)
_NAME = r"[A-Z][\w&'’-]*(?:[ \t]+[A-Z][\w&'’-]*){0,3}"
_PUBLISHER_RES = (
    re.compile(rf"({_NAME}),?[ \t]+(?:is[ \t]+)?an?[ \t]+(?:leading[ \t]+|global[ \t]+|premier[ \t]+)*"
               r"(?:market[ \t]+)?(?:research|intelligence|consulting|advisory|analytics)[ \t]+(?:company|firm|provider|organi[sz]ation)"),
    re.compile(rf"(?:published|prepared|compiled)[ \t]+by[ \t]+({_NAME})"),
    re.compile(rf"(?:©|\([cC]\)|[cC]opyright)[ \t]*(?:©[ \t]*)?(?:\d{{4}}[ \t]*)?({_NAME})"),
    re.compile(rf"\b({_NAME}[ \t]+(?:Research|Group|Insights|Consulting|Intelligence|Analytics))[ \t]+"
               r"(?:offers|provides|expects|estimates|projects|forecasts|analy[sz]es|has)"),
)
#: In a report's first lines, the firm that says it put the report out ("X publishes this outlook",
#: "X has released its ...", "X prepared this report").
_LEAD_PUBLISHER_RE = re.compile(rf"({_NAME})[ \t]+(?:publishes|has[ \t]+(?:released|published|prepared)|releases|"
                                r"released|presents|prepared)[ \t]+(?:this|the|a|an|its|our)\b")
#: Characters of the clean text that count as a report's first lines.
LEAD_CHARS = 800
_DOMAIN_RE = re.compile(r"https?://(?:www\.)?([a-z0-9-]+)\.[a-z.]{2,10}", re.I)
_COMMON_HOSTS = {"github", "google", "linkedin", "twitter", "facebook", "youtube", "wikipedia", "x", "t", "bit",
                 "instagram", "medium", "amazonaws", "cloudfront", "apple", "microsoft", "gov", "who"}


@dataclass
class ReportCard:
    doc_id: str
    title: str = ""
    publisher: str = ""
    market: str = ""  # English market phrase, e.g. "Smart Agriculture Sensors"
    market_zh: str = ""  # the Chinese one where the title gives it
    aliases: list[str] = field(default_factory=list)  # acronyms of the market, the publisher's domain
    years: list[str] = field(default_factory=list)  # "2025-2032", "base 2025"
    languages: list[str] = field(default_factory=list)
    edited: bool = False  # a sidecar file overrides some field

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ReportCard":
        known = {item.name for item in fields(cls)}
        return cls(**{name: value for name, value in data.items() if name in known})


def _title(document: Document) -> str:
    """The first heading near the top; else the first long line that does not
    end like a sentence (a title has no full stop); else nothing."""
    text = document.text
    for heading in document.headings:
        if heading.start < _TITLE_WINDOW and len(text[heading.start:heading.end].strip()) >= 3:
            return text[heading.start:heading.end].strip()[:300]
    for line in text[:_TITLE_WINDOW].split("\n"):
        line = line.strip(" |\t")
        if len(line) >= 20 and sum(char.isalpha() for char in line) >= 10 and looks_like_a_title(line):
            return line[:300]
    return ""



def _trim_market(words: list[str]) -> list[str]:
    while words and words[0].lower() in _LEADING_WORDS:
        words = words[1:]
    while words and words[-1].lower() in _CONNECTORS:
        words = words[:-1]
    return words


def english_market(title: str) -> str:
    """The capitalised phrase before "Market": "IoT in Agriculture", "Solar Inverter"."""
    for match in _EN_MARKET_RE.finditer(title):
        words = _trim_market(match.group(1).split())
        if words and any(word[0].isupper() for word in words):
            return " ".join(words)
    return ""


def chinese_market(title: str) -> str:
    match = _ZH_MARKET_RE.search(title)
    if not match:
        return ""
    phrase = match.group(1).lstrip("年的")  # "2024-2030年全球远程教育市场": the match starts at 年
    for prefix in _ZH_LEADING:
        if phrase.startswith(prefix) and len(phrase) > len(prefix) + 1:
            phrase = phrase[len(prefix):]
    return phrase


def _acronyms(text: str, market: str) -> list[str]:
    """Acronyms the text defines for the market: "Solid-State Battery (SSB)"."""
    if not market:
        return []
    found = re.findall(rf"{re.escape(market)}\s*\(([A-Za-z][A-Za-z0-9]{{1,7}})\)", text, re.I)
    return sorted(set(found), key=found.index)


def _publisher(raw_text: str, clean_text: str) -> tuple[str, str]:
    """(publisher name, its web domain label), either may be empty."""
    names: Counter[str] = Counter()
    searches = [(pattern, clean_text) for pattern in _PUBLISHER_RES] + [(_LEAD_PUBLISHER_RE, clean_text[:LEAD_CHARS])]
    for pattern, text in searches:
        for match in pattern.finditer(text):
            name = match.group(1).strip(" .,'’")
            if 2 < len(name) <= 60 and name.lower() not in _LEADING_WORDS and not name.lower().startswith("the "):
                names[name] += 1
    domains = Counter(label.lower() for label in _DOMAIN_RE.findall(raw_text) if label.lower() not in _COMMON_HOSTS)
    domain = domains.most_common(1)[0][0] if domains else ""
    if names:
        return names.most_common(1)[0][0], domain
    return (domain.capitalize() if domain else ""), domain


def _years(title: str, text: str) -> list[str]:
    years = [f"{start}-{end}" for start, end in PERIOD_RE.findall(title)]
    base = _BASE_YEAR_RE.search(text[:20000])
    if base:
        years.append(f"base {base.group(1)}")
    return sorted(set(years), key=years.index)


def _languages(document: Document) -> list[str]:
    sizes: Counter[str] = Counter()
    for segment in document.segments:
        sizes[segment.lang] += segment.end - segment.start
    total = sum(sizes.values()) or 1
    return sorted(lang for lang, size in sizes.items() if size / total >= 0.05)


def make_card(document: Document) -> ReportCard:
    """Guess the card of one report from its text."""
    title = _title(document)
    market = english_market(title) or english_market(document.text[:_TITLE_WINDOW])
    market_zh = chinese_market(title)
    publisher, domain = _publisher(document.raw_text, document.text)
    aliases = _acronyms(document.text, market)
    if domain and domain not in (alias.lower() for alias in aliases):
        aliases.append(domain)
    return ReportCard(
        doc_id=document.doc_id,
        title=title,
        publisher=publisher,
        market=market,
        market_zh=market_zh,
        aliases=aliases,
        years=_years(title, document.text),
        languages=_languages(document),
    )


def sidecar_path(report_path: Path | str) -> Path:
    path = Path(report_path)
    return path.with_name(path.name + SIDECAR_SUFFIX)


def with_sidecar(card: ReportCard, report_path: Path | str) -> ReportCard:
    """The card with the fields a sidecar file sets; a sidecar that is not a
    JSON object is ignored (the guessed card stands)."""
    path = sidecar_path(report_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return card
    if not isinstance(data, dict):
        return card
    merged = card.to_dict()
    for key, value in data.items():
        default = merged.get(key)
        if key in ("doc_id", "edited") or key not in merged:
            continue
        if isinstance(default, str) and isinstance(value, str):
            merged[key] = value
        elif isinstance(default, list) and isinstance(value, list) and all(isinstance(item, str) for item in value):
            merged[key] = value
    merged["edited"] = True
    return ReportCard.from_dict(merged)


#: The fields of a card a person may correct, and whether each is a list.
EDITABLE_FIELDS = {"title": False, "publisher": False, "market": False, "market_zh": False, "years": True,
                   "languages": True}


def write_sidecar(report_path: Path | str, changes: dict) -> Path:
    """Save corrections of a report's card in its card file (merged with the corrections already there;
    written to a temporary file, then renamed).  A list field takes a list or a comma-separated text; an
    empty value removes the correction.  Raises ValueError (one sentence) for a field that cannot be set."""
    unknown = [key for key in changes if key not in EDITABLE_FIELDS]
    if unknown:
        raise ValueError(f"A card has no field {unknown[0]!r}; set one of {', '.join(EDITABLE_FIELDS)}.")
    path = sidecar_path(report_path)
    try:
        current = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        current = {}
    current = current if isinstance(current, dict) else {}
    for key, value in changes.items():
        if EDITABLE_FIELDS[key] and isinstance(value, str):
            value = [item.strip() for item in value.split(",") if item.strip()]
        if not isinstance(value, list if EDITABLE_FIELDS[key] else str) or \
                (EDITABLE_FIELDS[key] and not all(isinstance(item, str) for item in value)):
            raise ValueError(f"The card field {key!r} takes {'a list of texts' if EDITABLE_FIELDS[key] else 'a text'}.")
        value = value if EDITABLE_FIELDS[key] else value.strip()
        if value:
            current[key] = value
        else:
            current.pop(key, None)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(current, ensure_ascii=False, indent=1), encoding="utf-8")
    partial.replace(path)
    return path


def library_cards(files: dict[str, dict]) -> list[ReportCard]:
    """The cards of an index's files (its manifest's ``files``), sidecars applied."""
    cards = []
    for doc_id, info in files.items():
        card = ReportCard.from_dict(info["card"]) if isinstance(info.get("card"), dict) else ReportCard(doc_id=doc_id)
        cards.append(with_sidecar(card, info.get("path", doc_id)))
    return cards
