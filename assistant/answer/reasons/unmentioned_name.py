"""The question names something no report mentions at all (nor spells out, for an acronym)."""
from __future__ import annotations

import re

from ...lexical import tokenize
from ...query import Query

_SKIPPED_BETWEEN_INITIALS = r"(?:[\s-]+(?:a|an|the|of|and|for|as|in|on|to)\b)*"


def asked_names(query: Query) -> list[str]:
    """The names a question mentions, less the words by which it names a report (its publisher, say):
    those are not what it asks about."""
    report_words = set(query.reports.words)
    return [name for name in query.names if not set(tokenize(name)) <= report_words]


def spelled_out(acronym: str, chunks) -> bool:
    """Whether some passage spells the acronym out: words whose initials give
    its letters ("LPWA": low-power wide-area; "SaMD": software as a medical
    device), small words between them allowed."""
    letters = [char for char in acronym if char.isalpha()]
    if not 2 <= len(letters) <= 8 or not any(char.isupper() for char in acronym[1:]):
        return False
    words = [rf"{re.escape(letter)}[\w']*" for letter in letters]
    pattern = re.compile(r"\b" + (_SKIPPED_BETWEEN_INITIALS + r"[\s-]+").join(words) + r"\b", re.I)
    return any(pattern.search(chunk.text) for chunk in chunks)


def reason(query: Query, hits, stats) -> str | None:
    if "en" not in stats.languages:
        return None
    doc_freq = stats.index.lexical.doc_freq
    for name in asked_names(query):
        tokens = tokenize(name)
        if tokens and all(doc_freq.get(token, 0) == 0 for token in tokens) and not spelled_out(name, stats.index.chunks):
            return f"The reports do not mention {name}."
    return None
