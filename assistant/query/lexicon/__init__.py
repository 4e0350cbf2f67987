"""The wording of questions as data: every word list and pattern by which ``query`` reads a question.

``en`` and ``zh`` hold each list once, as plain data; this module composes
them into the compiled patterns the readers use.  The year pattern is
:mod:`assistant.ingest.years` (reports are read with the same one).
"""
from __future__ import annotations

import re

from ...ingest.years import PERIOD_RE, YEAR_RE
from . import en, zh

QUANTITY_RE = re.compile(f"{en.QUANTITY}|{zh.QUANTITY}", re.I)
LIST_RE = re.compile(f"{en.LIST}|{zh.LIST}", re.I)
REASON_RE = re.compile(f"{en.REASON}|{zh.REASON}", re.I)
YES_NO_RE = re.compile(f"{en.YES_NO}|{zh.YES_NO}", re.I)
ABOUT_TABLE_RE = re.compile(f"{en.ABOUT_TABLE}|{zh.ABOUT_TABLE}", re.I)
ACROSS_REPORTS_RE = re.compile(f"{en.ACROSS_REPORTS}|{zh.ACROSS_REPORTS}", re.I)
WHICH_RE = re.compile(f"{en.WHICH}|{zh.WHICH}", re.I)
ELLIPTICAL_START_RE = re.compile(rf"^\s*(?:{en.ELLIPTICAL_START}|{zh.ELLIPTICAL_START})", re.I)
ELLIPTICAL_END_RE = re.compile(zh.ELLIPTICAL_END)
#: A follow-up's opening word, dropped where it keeps its own words ("And which vendors ...?").
OPENER_RES = {"en": re.compile(rf"^\s*(?:{en.OPENER})\s+", re.I), "zh": re.compile(rf"^\s*(?:{zh.OPENER})\s*")}
#: Only conjunctions between two names: they name one place or company together.
BETWEEN_RES = {lang: re.compile(f"(?:{words.CONJUNCTIONS})*", re.I) for lang, words in (("en", en), ("zh", zh))}
ANAPHORA_RE = re.compile(f"{en.ANAPHORA}|{zh.ANAPHORA}", re.I)
#: (metric, pattern) in the order tried; English and Chinese wording of one metric in one pattern.
METRIC_RES = tuple((name, re.compile(f"{pattern}|{dict(zh.METRICS)[name]}", re.I)) for name, pattern in en.METRICS)
REGION_RES = {"en": re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(region) for region in en.REGIONS) + r")(?![\w-])"),
              "zh": re.compile("|".join(re.escape(region) for region in zh.REGIONS))}
REPORT_REFERENCE_RES = {"en": re.compile(en.REPORT_REFERENCE), "zh": re.compile(zh.REPORT_REFERENCE)}
GENERIC_NAMES = en.GENERIC_NAMES
METRIC_NAMES = en.METRIC_NAMES
MARKET_VOCABULARY = en.MARKET_VOCABULARY | zh.MARKET_VOCABULARY
#: Words a follow-up uses to ask again, in either language (no sign of its topic).
FOLLOW_UP_WORDS = en.FOLLOW_UP_FILLER | frozenset(zh.FOLLOW_UP_FILLER)
LANGUAGES = {"en": en, "zh": zh}

__all__ = [
    "ABOUT_TABLE_RE", "ACROSS_REPORTS_RE", "ANAPHORA_RE", "ELLIPTICAL_END_RE", "BETWEEN_RES", "ELLIPTICAL_START_RE", "FOLLOW_UP_WORDS", "GENERIC_NAMES", "LANGUAGES", "OPENER_RES",
    "LIST_RE", "MARKET_VOCABULARY", "METRIC_NAMES", "METRIC_RES", "PERIOD_RE", "QUANTITY_RE", "REASON_RE",
    "REGION_RES", "REPORT_REFERENCE_RES", "WHICH_RE", "YEAR_RE", "YES_NO_RE", "en", "zh",
]
