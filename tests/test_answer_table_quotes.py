"""Table rows as answers: candidates read through their header, quotes with their header row and named cell."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEEDS

from assistant.ingest import read_document
from assistant.ingest.candidates import passage_spans
from assistant.ingest.chunking import chunk_document
from assistant.ingest.tables import find_tables
from assistant.pipeline import Assistant
from assistant.query import parse_query

REPORT = """# Widget market outlook

The widget market grew in every end user segment last year, led by hospitals.

Table 2: Widget revenue by end user (USD billion)

| End user | 2025 | 2026 |
|---|---:|---:|
| Hospitals | 41.2 | 47.9 |
| Clinics | 12.0 | 13.1 |
| Home care | 3.4 | 4.8 |

Home care grows fastest, as patients are monitored at home after discharge.
"""


@pytest.fixture(scope="module")
def widget_index(tmp_path_factory) -> Path:
    from assistant.indexer import build_index

    root = tmp_path_factory.mktemp("widgets")
    docs = root / "docs"
    docs.mkdir()
    (docs / "widgets.md").write_text(REPORT, encoding="utf-8")
    (docs / "garden.md").write_text("# Garden tools\n\nLawn mower sales were flat in Europe last year, at 2.1 million units.\n",
                                    encoding="utf-8")
    build_index([docs], root / "index")
    return root


def test_rows_are_quotable_spans_read_through_their_header_and_never_sentences(tmp_path):
    path = tmp_path / "widgets.md"
    path.write_text(REPORT, encoding="utf-8")
    doc = read_document(path)
    [table] = find_tables(doc.text)
    spans = passage_spans(doc.text, 0, len(doc.text))
    rows = [span for span in spans if span.is_row]
    assert [(span.start, span.end) for span in rows] == [(row.start, row.end) for row in table.body]
    assert rows[0].scoring_text.startswith("End user: Hospitals — 2025: 41.2; 2026: 47.9")
    assert "Widget revenue by end user" in rows[0].scoring_text
    others = [span for span in spans if not span.is_row]
    assert others and all(span.end <= table.start or span.start >= table.end for span in others)


def test_a_chunk_of_later_rows_embeds_the_caption_and_header_but_quotes_only_its_own_text(tmp_path):
    rows = "\n".join(f"| Product {i} | {i}.5 | {i + 1}.25 |" for i in range(120))
    text = f"Intro paragraph about widgets.\n\nTable 9: Widget prices\n\n| Product | 2025 | 2026 |\n|---|---|---|\n{rows}\n"
    path = tmp_path / "prices.md"
    path.write_text(text, encoding="utf-8")
    doc = read_document(path)
    table_chunks = [chunk for chunk in chunk_document(doc) if chunk.text.startswith("| Product ")]
    assert len(table_chunks) > 1
    for chunk in table_chunks:
        assert doc.text[chunk.start:chunk.end] == chunk.text
        holds_header = chunk.text.startswith("| Product | 2025 | 2026 |")
        assert chunk.context == "Table 9: Widget prices" + ("" if holds_header else "\n| Product | 2025 | 2026 |")
        assert chunk.embed_text().endswith(chunk.context + "\n" + chunk.text)


def test_a_row_quote_shows_its_header_and_marks_the_column_the_question_names(widget_index):
    assistant = Assistant(widget_index / "index")
    answer = assistant.ask("How much widget revenue came from hospitals in 2026?")
    first = answer.quotes[0]
    assert first.text == "| Hospitals | 41.2 | 47.9 |"
    raw = (widget_index / "docs" / "widgets.md").read_text(encoding="utf-8")
    citation = first.citation
    assert raw[citation.raw_start:citation.raw_end] == first.text
    assert citation.header["text"] == "| End user | 2025 | 2026 |"
    assert raw[citation.header["raw_start"]:citation.header["raw_end"]] == citation.header["text"]
    assert citation.cell["column"] == "2026" and citation.cell["text"] == "47.9"
    assert raw[citation.cell["raw_start"]:citation.cell["raw_end"]] == "47.9"
    assert answer.answer_line.text == "47.9"
    assert answer.to_dict()["answer"][0]["citation"]["header"]["text"] == "| End user | 2025 | 2026 |"


def test_a_question_about_the_table_itself_may_quote_its_lead_in(widget_index):
    assistant = Assistant(widget_index / "index")
    assert parse_query("What does the table of widget revenue show?", 500).about_table
    assert not parse_query("How much widget revenue came from hospitals?", 500).about_table
    ranked = assistant.rank_candidates("What does the table of widget revenue by end user show?")
    texts = [candidate.text for candidate in ranked.candidates]
    assert "Table 2: Widget revenue by end user (USD billion)" in texts
    plain = assistant.rank_candidates("How much widget revenue came from hospitals?")
    assert "Table 2: Widget revenue by end user (USD billion)" not in [candidate.text for candidate in plain.candidates]


def test_a_seed_table_row_answer_cites_row_and_header_exactly(assistant):
    answer = assistant.ask("What is the forecast period of the global IoT in healthcare market report?")
    rows = [quote for quote in answer.quotes if quote.citation.header]
    assert rows, [quote.text for quote in answer.quotes]
    for quote in rows:
        raw = (SEEDS / quote.citation.doc_id).read_text(encoding="utf-8")
        assert raw[quote.citation.raw_start:quote.citation.raw_end] == quote.text
        header = quote.citation.header
        assert raw[header["raw_start"]:header["raw_end"]] == header["text"]
        assert header["text"].startswith("|") and header["raw_end"] < quote.citation.raw_start


def _candidate(doc_id: str, start: int, text: str, is_row: bool = False):
    from assistant.answer.model import Candidate
    from assistant.ingest.chunking import Chunk
    from assistant.retrieval import Hit

    chunk = Chunk("c", doc_id, text, start, start + len(text), start, start + len(text), 5, None, "", "en")
    return Candidate(Hit(chunk, 0, 1.0, 0.0, 0.0, 0.0), 0, start, start + len(text), text, is_row=is_row)


def test_a_row_stating_the_first_quotes_figure_follows_it():
    from assistant.answer.table_quotes import with_supporting_row

    prose = _candidate("a.md", 0, "The market was valued at USD 45.89 billion in 2025 and grows at 18.37% a year.")
    other = _candidate("a.md", 200, "Wearables are the fastest growing segment.")
    row = _candidate("a.md", 100, "| Market Size 2025 | USD 45.89 Billion |", is_row=True)
    unrelated_row = _candidate("a.md", 140, "| Market Size 2031 | USD 126.23 Billion |", is_row=True)
    elsewhere = _candidate("b.md", 100, "| Market Size 2025 | USD 45.89 Billion |", is_row=True)
    candidates = [prose, other, row, unrelated_row, elsewhere]
    scores = [0.9, 0.5, 0.01, 0.3, 0.8]
    chosen = [(prose, 0.9), (other, 0.5)]
    assert [c.text for c, _ in with_supporting_row(chosen, candidates, scores, 4, 0.0)] == [prose.text, row.text, other.text]
    assert with_supporting_row(chosen, candidates, scores, 4, 0.5) == chosen  # the row scores under the floor
    assert with_supporting_row([(other, 0.5)], candidates, scores, 4, 0.0) == [(other, 0.5)]  # no figure to support
    assert len(with_supporting_row(chosen, candidates, scores, 2, 0.0)) == 2
