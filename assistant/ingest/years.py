"""Years and periods as written in reports and questions: the one year pattern of the package.

A year is 1900-2099 written as four digits not inside a longer number; a
period is two years joined by a dash, "to", "~", 至 or 到 ("2024-2032",
"2026 至 2032").  Reports (their facts and cards) and questions (what year
they ask about) are read with the same pattern, so a year found in one is
found in the other.
"""
from __future__ import annotations

import re

YEAR = r"(?:19|20)\d\d"
YEAR_RE = re.compile(rf"(?<!\d)({YEAR})(?!\d)")
PERIOD_SEPARATOR = r"(?:-|–|—|~|to|至|到)"
PERIOD_RE = re.compile(rf"(?<!\d)({YEAR})\s*{PERIOD_SEPARATOR}\s*({YEAR})(?!\d)")


def years_in(text: str) -> list[str]:
    """Every year written in ``text``, in order (repeats kept)."""
    return YEAR_RE.findall(text)


def periods_in(text: str) -> list[str]:
    """Every period written in ``text`` as "start-end"."""
    return [f"{start}-{end}" for start, end in PERIOD_RE.findall(text)]
