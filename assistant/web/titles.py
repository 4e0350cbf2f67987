"""How a report is named on the page: a bilingual title as "中文 / English", and a short title for source lines.

A report card's title is the report's own first line.  Many reports carry the
Chinese title and the English one run together ("醫療物聯網市場:...分類)Internet
of Medical Things Market by ..."): shown as "中文 / English".  Source lists and
citations name a report by a short title, its market and its publisher (else
its forecast period), with the full title on hover and in the viewer.
"""
from __future__ import annotations

import re

_CJK = "\u3400-\u9fff\uf900-\ufaff"
_ZH_THEN_EN_RE = re.compile(rf"^(?P<zh>.*[{_CJK}][^A-Za-z{_CJK}]*?)\s*(?P<en>[A-Za-z][^{_CJK}]*[A-Za-z][^{_CJK}]*)$", re.S)
_EN_THEN_ZH_RE = re.compile(rf"^(?P<en>[^{_CJK}]*[A-Za-z]{{2,}}[^{_CJK}]*?)\s*(?P<zh>[{_CJK}].*)$", re.S)
#: A separator already between the two titles.
_SEPARATED_RE = re.compile(r"\s[/|｜]\s")
_PERIOD_RE = re.compile(r"\d{4}\s?[-–]\s?\d{4}")


def bilingual_title(title: str) -> str:
    """"中文 / English" when the title holds both run together (either order), else the title as it is."""
    title = (title or "").strip()
    if not title or _SEPARATED_RE.search(title):
        return title
    match = _ZH_THEN_EN_RE.match(title)
    if match and len(match.group("en").split()) >= 2:
        return f"{match.group('zh').strip()} / {match.group('en').strip()}"
    match = _EN_THEN_ZH_RE.match(title)
    if match and len(match.group("en").split()) >= 2 and not re.search(r"[A-Za-z]{2,}", match.group("zh")):
        return f"{match.group('zh').strip()} / {match.group('en').strip()}"
    return title


def short_title(title: str, market: str = "", publisher: str = "", years=()) -> str:
    """The market and the publisher (else the forecast period), or the title when the card names no market."""
    if not market:
        return bilingual_title(title)
    years = [str(year) for year in years or ()]
    period = next((year for year in years if _PERIOD_RE.fullmatch(year)), years[0] if years else "")
    second = publisher or period
    return f"{market} · {second}" if second else market
