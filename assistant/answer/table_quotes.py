"""A table row's quote with what the reader needs to read it: its header row, and the cell the question asks for.

A row quoted alone (``| Hospitals | 41.2 | 47.9 |``) does not say which
column is 2025 and which 2026.  Each quote that is a body row of a table gets
the table's header row (with its own exact span) on its citation, shown above
the row, and the cell in the column the question names, marked in it.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..ingest.facts import extract_figures
from ..ingest.tables import Row, Table, cell_texts, tables_around
from ..ingest.years import years_in
from ..lexical import tokenize
from ..query import Query
from ..store import DocumentMap
from .model import AnswerLine, Candidate, Quote

_PERCENT_RE = re.compile(r"(\d+(?:\.\d+)?)\s?[%％]")


def stated_figures(text: str) -> set[tuple[str, float]]:
    """The money amounts (normalised to USD billion, so "USD 1.35 billion" is "13.5億美元") and percentages a text states."""
    money = {("money", round(figure["value"], 3)) for figure in extract_figures(text) if figure["kind"].startswith("market")}
    return money | {("percent", float(number)) for number in _PERCENT_RE.findall(text)}


def with_supporting_row(chosen: list[tuple[Candidate, float]], candidates: list[Candidate], scores: list[float],
                        max_quotes: int, floor: float) -> list[tuple[Candidate, float]]:
    """When the first quote is prose and a row of a table of the same report
    states one of its figures, that row (the best scored, at least ``floor``
    times the first quote's score) follows it: a table is where a report keeps
    the figure, under a header that says what it measures."""
    if not chosen or any(candidate.is_row for candidate, _ in chosen):
        return chosen
    first, best_score = chosen[0]
    wanted = stated_figures(first.text)
    if not wanted:
        return chosen
    support = max(((candidate, score) for candidate, score in zip(candidates, scores)
                   if candidate.is_row and candidate.hit.chunk.doc_id == first.hit.chunk.doc_id
                   and score >= floor * best_score and stated_figures(candidate.text) & wanted),
                  key=lambda pair: pair[1], default=None)
    return chosen if support is None else [chosen[0], support, *chosen[1:]][:max_quotes]


def _span(document: DocumentMap, start: int, end: int) -> dict:
    page, raw_start, raw_end = document.raw_span(start, end)
    return {"text": document.text[start:end], "start": start, "end": end, "raw_start": raw_start, "raw_end": raw_end,
            "page": page}


def _row_of(text: str, start: int, end: int) -> tuple[Table, Row] | None:
    """The table and body row whose span is exactly ``[start, end)``."""
    return next(((table, row) for table in tables_around(text, start, end) for row in table.body_between(start, end)
                 if (row.start, row.end) == (start, end)), None)


def named_column(text: str, table: Table, row: Row, query: Query) -> int | None:
    """The index of the row's cell in the column the question names: the one
    non-empty value cell of a label-value row, else the column whose header
    holds a year the question asks or most of its words (None when no
    header matches)."""
    cells = cell_texts(text, row)
    filled = [i for i in range(1, len(cells)) if cells[i]]
    if len(filled) == 1:
        return filled[0]
    header = cell_texts(text, table.header)
    asked_years, asked_tokens = set(query.years), set(query.tokens)
    best, best_score = None, 0.0
    for i in filled:
        name = header[i] if i < len(header) else ""
        score = 2.0 * len(set(years_in(name)) & asked_years) + len(set(tokenize(name)) & asked_tokens)
        if score > best_score:
            best, best_score = i, score
    return best


def with_table_headers(quotes: list[Quote], documents: dict[str, DocumentMap], query: Query) -> list[Quote]:
    """Each quote that is a table's body row, with its header row and named cell on its citation."""
    result = []
    for quote in quotes:
        citation = quote.citation
        document = documents.get(citation.doc_id)
        found = _row_of(document.text, citation.start, citation.end) if document is not None else None
        if found is None:
            result.append(quote)
            continue
        table, row = found
        header = _span(document, table.header.start, table.header.end)
        column = named_column(document.text, table, row, query)
        cell = None
        if column is not None:
            cell = _span(document, *row.cells[column])
            names = cell_texts(document.text, table.header)
            cell["column"] = names[column] if column < len(names) else ""
        result.append(Quote(quote.text, replace(citation, header=header, cell=cell)))
    return result


def cell_answer_line(quote: Quote) -> AnswerLine | None:
    """The named cell of a row quote as its answer line (the figure or name the question asks for)."""
    cell = quote.citation.cell
    if not cell or cell["end"] <= cell["start"]:
        return None
    start, end = cell["start"] - quote.citation.start, cell["end"] - quote.citation.start
    text = quote.text[start:end]
    return AnswerLine(text, start, end, "figure" if any(char.isdigit() for char in text) else "name")
