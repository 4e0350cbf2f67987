"""PDF tables (issue 26, item 1): pdfplumber finds ruled tables, their rows are found again in pypdf's
page text and written as pipe rows whose cells stay character-exact there; the PDFs are made here with reportlab."""
from __future__ import annotations

import pytest
from conftest import assert_table_spans_read_back
from test_ingest_readers import assert_map_exact

from assistant.ingest import DocumentError, read_document
from assistant.ingest.limits import ReadLimits
from assistant.ingest.pdf_tables import locate_rows
from assistant.ingest.tables import cell_texts, find_tables, row_sentence

CAPTION = "Table 2: Gizmo revenue by end user (USD billion)"
ROWS = [["", "2025", "2026"], ["Hospitals", "41.2", "47.9"],
        ["Clinics and diagnostic laboratories in rural areas", "12.0", ""], ["Home care", "1.5", "2.5"]]


def make_table_pdf(path, ruled: bool = True, pages: int = 1) -> None:
    """Each page: a paragraph, the caption, a table of ROWS (its long cell wraps onto four lines), a paragraph."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    normal = getSampleStyleSheet()["Normal"]
    story = []
    for page in range(pages):
        rows = [[Paragraph(cell, normal) if len(cell) > 20 else cell for cell in row] for row in ROWS]
        table = Table(rows, colWidths=[90, 50, 50])
        if ruled:
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
        story += [Paragraph(f"The gizmo market grew in {2020 + page} across all end users.", normal),
                  Paragraph(CAPTION, normal), table, Paragraph("Hospitals lead the market.", normal), PageBreak()]
    story.append(Paragraph("The last page is prose only.", normal))
    SimpleDocTemplate(str(path), pagesize=A4).build(story)


def blanks_collapsed(raw: str) -> str:
    return " ".join(raw.split())


def test_ruled_table_rows_are_pipe_rows_with_exact_cell_spans(tmp_path):
    path = tmp_path / "revenue.pdf"
    make_table_pdf(path, pages=2)
    doc = read_document(path)
    tables = assert_table_spans_read_back(doc, visible=blanks_collapsed)
    assert len(tables) == 2
    for page, table in enumerate(tables, start=1):
        assert doc.text[table.caption[0]:table.caption[1]] == CAPTION
        assert cell_texts(doc.text, table.header) == ["", "2025", "2026"]
        assert [cell_texts(doc.text, row) for row in table.body] == [
            ["Hospitals", "41.2", "47.9"], ["Clinics and diagnostic laboratories in rural areas", "12.0"],
            ["Home care", "1.5", "2.5"]]
        for row in table.rows:
            assert doc.raw_span(row.start, row.end)[0] == page
            for start, end in row.cells:
                if end > start and " " not in doc.text[start:end]:
                    assert doc.raw_slice(*doc.raw_span(start, end)) == doc.text[start:end]  # exact, blanks and all
    clinics = tables[0].body[1]
    wrapped = doc.raw_slice(*doc.raw_span(*clinics.cells[0]))
    assert wrapped == "Clinics and\ndiagnostic\nlaboratories in\nrural areas"  # pypdf's own characters
    assert row_sentence(doc.text, tables[0], tables[0].body[0]) == f"Hospitals — 2025: 41.2; 2026: 47.9 ({CAPTION})"
    assert "The last page is prose only." in doc.text
    assert_map_exact(doc)  # every other clean character is its raw one; a synthetic "|" maps to none


def test_unruled_table_is_left_as_pypdf_wrote_it_and_pdfplumber_is_not_run(tmp_path, monkeypatch):
    import pdfplumber

    opened = []
    monkeypatch.setattr(pdfplumber, "open", lambda *args, **kwargs: opened.append(args))
    path = tmp_path / "plain.pdf"
    make_table_pdf(path, ruled=False)
    doc = read_document(path)
    assert find_tables(doc.text) == [] and opened == []  # no rules drawn: no page is given to pdfplumber
    assert "Hospitals\n41.2\n47.9" in doc.text


def test_a_page_past_the_caps_is_not_given_to_pdfplumber(tmp_path, monkeypatch):
    import assistant.ingest.pdf_tables as pdf_tables

    path = tmp_path / "revenue.pdf"
    make_table_pdf(path)
    assert len(find_tables(read_document(path).text)) == 1
    monkeypatch.setattr(pdf_tables, "MAX_PAGE_CHARS", 100)  # the page holds about 250 characters
    assert find_tables(read_document(path).text) == []
    monkeypatch.undo()
    monkeypatch.setattr(pdf_tables, "MAX_PAGE_OPERATORS", 50)
    assert find_tables(read_document(path).text) == []


def test_tables_drawn_with_raw_operators_are_found_on_every_page(tmp_path):
    """Another producer: cells drawn one by one, so pypdf writes a row per line (the bench's file)."""
    from assistant.bench.readers import make_ruled_table_pdf

    path = tmp_path / "tables.pdf"
    make_ruled_table_pdf(path, pages=3, rows=4, columns=3)
    doc = read_document(path)
    tables = assert_table_spans_read_back(doc, visible=blanks_collapsed)
    assert [doc.text[table.caption[0]:table.caption[1]] for table in tables] == [
        f"Table {number}: Gizmo revenue by segment" for number in (1, 2, 3)]
    assert [cell_texts(doc.text, row) for row in tables[2].rows] == [
        ["Segment", "2024", "2025"], ["Segment 0", "0.2", "1.2"], ["Segment 1", "1.2", "2.2"], ["Segment 2", "2.2", "3.2"]]


def test_a_crafted_page_of_many_characters_and_rules_is_not_given_to_pdfplumber(tmp_path, monkeypatch):
    import pdfplumber

    from assistant.bench.readers import RULED_PDF_LINE, make_shared_stream_pdf

    opened = []
    monkeypatch.setattr(pdfplumber, "open", lambda *args, **kwargs: opened.append(args))
    path = tmp_path / "crafted.pdf"
    make_shared_stream_pdf(path, pages=2, stream_bytes=200_000, line=RULED_PDF_LINE)  # 50,000 characters a page
    assert read_document(path).text.count("gizmo market grew") > 5_000
    assert opened == []


@pytest.mark.parametrize("where", ["open", "page"])
def test_pdfplumber_failing_leaves_the_plain_text(tmp_path, monkeypatch, where):
    import pdfplumber
    import pdfplumber.page

    def failing(*args, **kwargs):
        raise ValueError("unreadable")

    monkeypatch.setattr(pdfplumber if where == "open" else pdfplumber.page.Page,
                        "open" if where == "open" else "find_tables", failing)
    import assistant.ingest.pdf_tables as pdf_tables

    path = tmp_path / "revenue.pdf"
    make_table_pdf(path)
    doc = read_document(path)
    assert find_tables(doc.text) == [] and "Hospitals\n41.2\n47.9" in doc.text
    monkeypatch.setattr(pdf_tables, "MIN_RULES", 10**9)  # pdfplumber never asked: pypdf's text alone
    assert doc.text == read_document(path).text


def test_table_finding_counts_against_the_time_budget(tmp_path, monkeypatch):
    import time

    import pdfplumber.page

    found = pdfplumber.page.Page.find_tables

    def slow(self, *args, **kwargs):
        time.sleep(1.2)
        return found(self, *args, **kwargs)

    monkeypatch.setattr(pdfplumber.page.Page, "find_tables", slow)
    path = tmp_path / "revenue.pdf"
    make_table_pdf(path)
    with pytest.raises(DocumentError, match=r"reading it took more than 1 s"):
        read_document(path, limits=ReadLimits.from_settings(max_seconds=1.0))


PAGE = "Revenue grew.\nTable 2: Revenue\n End user\n2025\nHospitals\n41.2\nHospitals 2025 prose.\nClinics\n12.0\n"


def test_rows_are_found_in_order_with_only_blanks_between_their_cells():
    rows = locate_rows([["End user", "2025"], ["Hospitals", "41.2"], ["Clinics", "12.0"]], PAGE)
    assert [[PAGE[start:end] for start, end in row.cells] for row in rows] == [
        ["End user", "2025"], ["Hospitals", "41.2"], ["Clinics", "12.0"]]
    rows = locate_rows([["End user", "2025"], ["Hospitals", "2025"]], PAGE)  # "Hospitals 2025" is in the prose only
    assert [PAGE[row.start:row.end] for row in rows] == ["End user\n2025", "Hospitals 2025"]


def test_cells_match_across_other_line_breaks_and_a_lone_cell_only_after_a_row():
    page = "Intro\nEnd\nuser 2025\nEurope\nNorth America 9.1\n"
    rows = locate_rows([["End user", "2025"], ["Europe", None], ["North\nAmerica", "9.1"]], page)
    assert [[page[cell[0]:cell[1]] if cell else None for cell in row.cells] for row in rows] == [
        ["End\nuser", "2025"], ["Europe", None], ["North America", "9.1"]]
    assert locate_rows([["Europe", ""], ["Asia", "3.0"]], "Europe is large.\nAsia 3.0\n")[0].cells[0] == (17, 21)
    assert len(locate_rows([["Europe", ""], ["Asia", "3.0"]], "Europe is large.\nAsia 3.0\n")) == 1  # Europe: no row before it
    assert locate_rows([["Hospitals", "41.2"]], "Hospitals saw 41.2 in 2025.") == []  # other text between the cells
    page = "Revenue of 41 2-seat units.\n1 2\n"
    assert [page[row.start:row.end] for row in locate_rows([["1", "2"]], page)] == ["1 2"]  # not the end of "41"
