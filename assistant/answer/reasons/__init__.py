"""Abstention: one module per reason the reports cannot answer, run in the configured order.

Each reason is ``reason(query, hits, stats) -> str | None``: the one plain
sentence that says why, or None when it does not apply.  ``stats`` is what the
library knows beside the hits (:class:`LibraryStats`: the index's term
statistics and lexical search, the reports the question names, the settings).
``AnswerConfig.reasons`` names them in the order they are tried; the first that
applies is the answer's message.

* ``unmentioned_name``: the question names something no report mentions;
* ``no_figure_for_name``: it asks a figure of a rarely named thing no sentence gives one for;
* ``off_topic``: no report covers its topic;
* ``year_not_covered``: it asks a figure for a year the reports never mention.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ...config import AnswerConfig
from ...query import Query
from ...retrieval import Hit
from ...store import SearchableIndex
from . import no_figure_for_name, off_topic, unmentioned_name, year_not_covered


@dataclass(frozen=True)
class LibraryStats:
    """What a reason may ask of the library beside the hits."""

    index: SearchableIndex  # its chunks, term statistics (doc_freq, idf) and lexical search
    named: frozenset[str] = frozenset()  # the reports the question names (searched first); empty: none
    config: AnswerConfig = field(default_factory=AnswerConfig)
    # The languages the library is written in: a Latin-script name proves nothing by its absence
    # from a library with no English text (its reports write it in Chinese).
    languages: frozenset[str] = frozenset({"en", "zh"})


Reason = Callable[[Query, list[Hit], LibraryStats], "str | None"]
REASONS: dict[str, Reason] = {
    "unmentioned_name": unmentioned_name.reason,
    "no_figure_for_name": no_figure_for_name.reason,
    "off_topic": off_topic.reason,
    "year_not_covered": year_not_covered.reason,
}


def abstention_reason(query: Query, hits: list[Hit], stats: LibraryStats) -> str | None:
    """The first reason of ``stats.config.reasons`` that applies, or None."""
    for name in stats.config.reasons:
        found = REASONS[name](query, hits, stats)
        if found:
            return found
    return None


__all__ = ["REASONS", "LibraryStats", "Reason", "abstention_reason"]
