"""Linear-time scanning helpers for the readers.

A regular expression such as ``\\[[^\\]\\n]+\\]\\(`` tried at every ``[`` of a
line without any ``]`` scans to the end of the line each time: quadratic in
the line's length.  The readers instead find the next closing character once
and remember it (:class:`NextMatch`), so each character is looked at a
bounded number of times whatever the input.
"""
from __future__ import annotations

import re


class NextMatch:
    """The first match of ``pattern`` at or after a position, for positions
    that only move forward: a search is repeated only when the position has
    passed the remembered match, so a whole scan costs one pass over the text.
    ``scanned`` counts the characters searched (the linearity tests read it)."""

    def __init__(self, pattern: re.Pattern, text: str, end: int) -> None:
        self.pattern = pattern
        self.text = text
        self.end = end
        self.scanned = 0
        self._from = -1  # where the remembered search started
        self._found: re.Match | None = None  # its result (None: nothing up to end)

    def at_or_after(self, pos: int) -> re.Match | None:
        found = self._found
        if self._from >= 0 and self._from <= pos and (found is None or found.start() >= pos):
            return found
        found = self.pattern.search(self.text, pos, self.end)
        self.scanned += (found.end() if found else self.end) - pos
        self._from, self._found = pos, found
        return found
