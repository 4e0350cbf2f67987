"""What an answer can quote: whole sentences, runs of list items, and table rows, as spans of a document's clean text.

Defined here, below the answer layer, because the build stores a vector for
every span an answer could quote (``store.sentences``) and the answer layer
chooses among the same spans at ask time: both must agree on what they are.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..config import AnswerConfig
from .sentences import sentence_spans
from .tables import Row, Table, row_sentence, tables_around


@dataclass(frozen=True)
class QuotableSpan:
    start: int
    end: int
    is_list: bool = False  # a run of list items (with its lead-in), quoted whole
    is_row: bool = False  # one row of a table
    scoring_text: str = ""  # what is embedded and ranked, when not the span itself: a row read through its header


def whole_sentences(text: str, start: int, end: int, reach: int = AnswerConfig.sentence_reach) -> list[tuple[int, int]]:
    """The sentences of ``text[start:end]``, the ones the passage's edges cut
    taken whole (a long Chinese sentence often runs past a chunk's end): a
    quote is a whole sentence even where the chunk is not.  ``reach``: how far past the
    passage's edges a sentence it cuts may be followed to its end."""
    window_start, window_end = max(0, start - reach), min(len(text), end + reach)
    spans = sentence_spans(text, window_start, window_end)
    inside = [(s, e) for s, e in spans if s < end and e > start]
    return [(s, e) for s, e in inside
            if (s > window_start or window_start == 0) and (e < window_end or window_end == len(text))] or \
        sentence_spans(text, start, end)


def list_runs(text: str, start: int, end: int,
              max_item_words: int = AnswerConfig.max_list_item_words) -> list[tuple[int, int]]:
    """Spans of two or more consecutive short lines (list items, table rows)
    between ``start`` and ``end``, each with the line that introduces it when
    that line ends with a colon ("... is segmented into:"): the lead-in says
    what the list is.  Blank lines between items do not break a run."""
    runs: list[tuple[int, int]] = []
    run_start, run_end, count, lead_in = None, 0, 0, None
    position = start
    for line in text[start:end].split("\n"):
        line_start, line_end = position + len(line) - len(line.lstrip()), position + len(line.rstrip())
        position += len(line) + 1
        stripped = line.strip(" |-*\t")
        if not stripped:
            continue
        words = len(re.findall(r"[A-Za-z]{2,}|[\u4e00-\u9fff]{1,4}", stripped))
        if 0 < words <= max_item_words and not stripped.endswith((".", "。", ":", "：")):
            if run_start is None:
                run_start, count = lead_in if lead_in is not None else line_start, 0
            run_end, count = line_end, count + 1
            continue
        if run_start is not None and count >= 2:
            runs.append((run_start, run_end))
        run_start, count = None, 0
        lead_in = line_start if stripped.endswith((":", "：")) else None
    if run_start is not None and count >= 2:
        runs.append((run_start, run_end))
    return runs


def table_rows(text: str, start: int, end: int, tables: list[Table] | None = None) -> list[tuple[Table, Row]]:
    """The body rows of tables that ``text[start:end]`` holds (a row is quoted whole, its header never);
    ``tables``: those around the passage, when already read."""
    tables = tables_around(text, start, end) if tables is None else tables
    return [(table, row) for table in tables for row in table.body_between(start, end)]


def outside_tables(spans: list[tuple[int, int]], tables: list[Table]) -> list[tuple[int, int]]:
    """The spans that touch no table: a table's lines are quoted as rows, not as sentences or list items."""
    return [(s, e) for s, e in spans if not any(table.start < e and s < table.end for table in tables)]


def passage_spans(text: str, start: int, end: int, config: AnswerConfig = AnswerConfig()) -> list[QuotableSpan]:
    """Every span an answer may quote from the passage ``text[start:end]``:
    its whole sentences, its table rows (each read through its header, see
    :func:`~assistant.ingest.tables.row_sentence`), then its list runs (the
    build embeds each of them; the answer filters them, see
    answer.quotes.candidate_sentences)."""
    tables = tables_around(text, start, end)
    sentences = outside_tables(whole_sentences(text, start, end, config.sentence_reach), tables)
    rows = table_rows(text, start, end, tables)
    runs = outside_tables(list_runs(text, start, end, config.max_list_item_words), tables)
    return ([QuotableSpan(s, e) for s, e in sentences]
            + [QuotableSpan(row.start, row.end, is_row=True, scoring_text=row_sentence(text, table, row))
               for table, row in rows]
            + [QuotableSpan(s, e, is_list=True) for s, e in runs])
