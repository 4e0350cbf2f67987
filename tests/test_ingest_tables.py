"""Tables read from clean text: rows, cells, header, caption, exact spans (on the seeds and small fixtures)."""
import re
from pathlib import Path

import pytest

from assistant.ingest.reader import read_document
from assistant.ingest.tables import cell_texts, find_tables, row_sentence, table_context, tables_around

SEEDS = sorted((Path(__file__).resolve().parents[1] / "seeds").glob("*"))

REVENUE = """Revenue grew in every segment.

Table 2: Revenue by end user (USD billion)

| End user | 2025 | 2026 |
|---|---:|---:|
| Hospitals | 41.2 | 47.9 |
| Clinics | 12.0 | |

After the table, prose again.
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_markdown_table_rows_cells_header_and_caption(tmp_path):
    doc = read_document(_write(tmp_path, "revenue.md", REVENUE))
    [table] = find_tables(doc.text)
    assert doc.text[table.caption[0]:table.caption[1]] == "Table 2: Revenue by end user (USD billion)"
    assert cell_texts(doc.text, table.header) == ["End user", "2025", "2026"]
    assert [cell_texts(doc.text, row) for row in table.body] == [["Hospitals", "41.2", "47.9"], ["Clinics", "12.0", ""]]
    assert row_sentence(doc.text, table, table.body[0]) == \
        "End user: Hospitals — 2025: 41.2; 2026: 47.9 (Table 2: Revenue by end user (USD billion))"
    assert row_sentence(doc.text, table, table.body[1]) == \
        "End user: Clinics — 2025: 12.0 (Table 2: Revenue by end user (USD billion))"


def test_row_and_cell_spans_are_exact_in_the_raw_file(tmp_path):
    path = _write(tmp_path, "revenue.md", REVENUE)
    doc = read_document(path)
    raw = path.read_text(encoding="utf-8")
    [table] = find_tables(doc.text)
    for row in table.rows:
        _, raw_start, raw_end = doc.raw_span(row.start, row.end)
        assert raw[raw_start:raw_end] == doc.text[row.start:row.end]
        for cell_start, cell_end in row.cells:
            if cell_end > cell_start:
                _, raw_start, raw_end = doc.raw_span(cell_start, cell_end)
                assert raw[raw_start:raw_end] == doc.text[cell_start:cell_end]
    row = table.body[0]
    _, raw_start, raw_end = doc.raw_span(row.start, row.end)
    assert raw[raw_start:raw_end] == "| Hospitals | 41.2 | 47.9 |"


def test_a_paragraph_before_a_table_is_not_its_caption_and_prose_is_not_a_row(tmp_path):
    text = ("The market grew fast in 2025, as the figures below show for every region of the world, and the "
            "analysts expect the same pace through 2030 in most of them, with a few exceptions.\n"
            "| Region | Share |\n| Asia | 40% |\n| Europe | 30% |\nA line | with a pipe in it.\n")
    doc = read_document(_write(tmp_path, "share.md", text))
    [table] = find_tables(doc.text)
    assert table.caption is None
    assert [cell_texts(doc.text, row)[0] for row in table.rows] == ["Region", "Asia", "Europe"]
    assert "with a pipe" not in doc.text[table.start:table.end]


def test_one_row_alone_is_no_table(tmp_path):
    doc = read_document(_write(tmp_path, "one.md", "Title\n\n| just | one row |\n\nText after.\n"))
    assert find_tables(doc.text) == []


def test_a_lead_in_ending_in_a_colon_is_the_caption(tmp_path):
    text = "The table below shows revenue by end user:\n\n| End user | 2025 |\n| Hospitals | 41.2 |\n"
    doc = read_document(_write(tmp_path, "lead.md", text))
    [table] = find_tables(doc.text)
    assert doc.text[table.caption[0]:table.caption[1]] == "The table below shows revenue by end user:"


@pytest.mark.parametrize("path", [path for path in SEEDS if re.search(r"^\|.*\w", path.read_text(encoding="utf-8"), re.M)], ids=lambda p: p.name)
def test_seed_tables_are_found_whole_from_any_row(path):
    doc = read_document(path)
    tables = find_tables(doc.text)
    assert tables
    for table in tables:
        assert len(table.body) >= 2
        assert all(doc.text[row.start] == "|" for row in table.rows)
        for row in table.body:
            assert tables_around(doc.text, row.start + 2, row.end - 1) == [table]
            context = table_context(doc.text, table, row.start, row.end)
            assert context.endswith(doc.text[table.header.start:table.header.end])
        assert table_context(doc.text, table, table.start, table.end) == ""
