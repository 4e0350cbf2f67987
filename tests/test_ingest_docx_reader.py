"""The DOCX reader on hostile files (issue 25, items 1 and 2): each file is made
here with python-docx and zipfile (the makers are shared with `assistant
bench`); each read either gives the text or refuses the file in one sentence,
within the caps and with memory bounded."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest
from conftest import ROOT, assert_table_spans_read_back
from test_ingest_readers import assert_map_exact

from assistant.bench.readers import HOSTILE_DOCX, make_hostile_docx
from assistant.ingest import DocumentError, read_document
from assistant.ingest.limits import ReadLimits


def hostile(tmp_path, name: str):
    path = tmp_path / f"{name}.docx"
    make_hostile_docx(path, **HOSTILE_DOCX[name][1])
    return path


def lines_of(document) -> list[str]:
    return document.text.split("\n")


def test_orphan_vertical_merge_reads_the_row(tmp_path):
    """python-docx raised ValueError ("no tr above topmost tr") past the reader and stopped the build."""
    document = read_document(hostile(tmp_path, "orphan-vmerge"))
    assert lines_of(document)[0] == "| orphan | cell"
    assert "The gizmo market grew 14% in 2024." in lines_of(document)


def merged_table(path) -> None:
    import docx

    document = docx.Document()
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Region", "Share"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "Europe"
    table.cell(1, 1).text, table.cell(2, 1).text = "25%", "31%"
    document.save(str(path))


def test_vertical_merge_rows_carry_the_merged_cell(tmp_path):
    """A row's text carries the merged cell it belongs to, as python-docx read it."""
    path = tmp_path / "merged.docx"
    merged_table(path)
    assert lines_of(read_document(path))[:3] == ["| Region | Share", "| Europe | 25%", "| Europe | 31%"]


def revenue_table(path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Gizmo revenue grew in every segment.")
    document.add_paragraph("Table 2: Gizmo revenue by end user (USD billion)")
    table = document.add_table(rows=4, cols=4)
    for row, values in zip(table.rows, [("End user", "2025", "2026", "Note"), ("Hospitals", "41.2", "47.9", ""),
                                        ("", "12.0", "13.1", "new"), ("Home care", "1.5", "", "")]):
        for cell, value in zip(row.cells, values):
            cell.text = value
    table.cell(3, 2).merge(table.cell(3, 3)).text = "merged"  # a cell spanning two grid columns
    clinics = table.cell(2, 0)
    clinics.text = "Clinics"
    clinics.add_paragraph("and labs")  # two paragraphs in one cell
    document.add_paragraph("Prose after the table.")
    document.save(str(path))


def test_table_rows_are_pipe_rows_with_exact_cell_spans(tmp_path):
    from assistant.ingest.tables import cell_texts, row_sentence

    path = tmp_path / "revenue.docx"
    revenue_table(path)
    document = read_document(path)
    [table] = assert_table_spans_read_back(document, visible=lambda raw: " ".join(raw.split()))
    text = document.text
    assert text[table.caption[0]:table.caption[1]] == "Table 2: Gizmo revenue by end user (USD billion)"
    assert cell_texts(text, table.header) == ["End user", "2025", "2026", "Note"]
    assert [cell_texts(text, row) for row in table.body] == [
        ["Hospitals", "41.2", "47.9"], ["Clinics and labs", "12.0", "13.1", "new"], ["Home care", "1.5", "merged"]]
    assert text[table.body[2].start:table.body[2].end] == "| Home care | 1.5 | merged |"  # merged: and an empty cell
    assert row_sentence(text, table, table.body[1]) == ("End user: Clinics and labs — 2025: 12.0; 2026: 13.1; Note: new "
                                                        "(Table 2: Gizmo revenue by end user (USD billion))")
    # The raw text is as before: a row's cells joined by " | ", a cell's paragraphs by a newline.
    assert "\nClinics\nand labs | 12.0 | 13.1 | new\n" in document.raw_text
    for row in table.rows:
        raw_row = document.raw_slice(*document.raw_span(row.start, row.end))
        assert ("| " + " ".join(raw_row.split())).rstrip(" |") == text[row.start:row.end].rstrip(" |")
    start = text.index("Prose after")
    assert document.raw_slice(*document.raw_span(start, start + 11)) == "Prose after"
    assert_map_exact(document)


def test_style_named_heading_superscript_is_not_a_heading(tmp_path):
    """int("²") raised ValueError (str.isdigit accepts it) past the reader."""
    document = read_document(hostile(tmp_path, "heading-superscript"))
    assert lines_of(document)[0] == "Gizmo heading"
    assert [document.text[h.start : h.end] for h in document.headings] == ["Gizmo Outlook"]


def test_huge_grid_span_is_one_cell(tmp_path):
    """A cell spanning 1,000,000 grid columns was read 1,000,000 times (7M characters, 115 s)."""
    document = read_document(hostile(tmp_path, "gridspan-1m"))
    assert lines_of(document)[0] == "| spanned" + " |" * 49  # at most 50 columns of empty cells in the clean text
    assert document.raw_text.startswith("spanned\n") and document.text.count("spanned") == 1


def test_repeated_merged_text_counts_toward_the_character_cap(tmp_path):
    """Text repeated by vertical merges is counted as it is produced, not as the XML holds it."""
    first = b'<w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>' + b"gizmo " * 10_000 + b"</w:t></w:r></w:p></w:tc>"
    continued = b"<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>"
    body = b"<w:tbl><w:tr>" + first + b"</w:tr>" + (b"<w:tr>" + continued + b"</w:tr>") * 10 + b"</w:tbl>"
    path = tmp_path / "merged.docx"
    make_hostile_docx(path, body=body)
    with pytest.raises(DocumentError, match=r"holds more than 200,000 characters of text"):
        read_document(path, limits=ReadLimits.from_settings(max_chars=200_000))
    assert read_document(path, limits=ReadLimits.from_settings(max_chars=700_000)).text.count("gizmo") == 110_001


def test_main_part_under_another_name_is_counted(tmp_path):
    """The count followed word/document.xml only; a main part named otherwise skipped it."""
    path = hostile(tmp_path, "main-part-renamed")
    assert "word/document.xml" not in zipfile.ZipFile(path).namelist()
    with pytest.raises(DocumentError, match=r"holds more than 100,000 characters of text"):
        read_document(path, limits=ReadLimits.from_settings(max_chars=100_000))
    assert read_document(path).text.count("gizmo") == 20_001


def test_character_cap_stops_inside_one_paragraph(tmp_path):
    path = tmp_path / "long.docx"
    make_hostile_docx(path, body=b"<w:p>" + b"<w:r><w:t>gizmo market </w:t></w:r>" * 20_000 + b"</w:p>")
    with pytest.raises(DocumentError, match=r"holds more than 100,000 characters"):
        read_document(path, limits=ReadLimits.from_settings(max_chars=100_000))


def test_text_of_runs_tabs_breaks_and_hyperlinks(tmp_path):
    body = (b'<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'
            b"<w:r><w:t>a</w:t><w:tab/><w:t>b</w:t><w:br/><w:t>c</w:t></w:r>"
            b'<w:hyperlink r:id="x"><w:r><w:t>link</w:t></w:r></w:hyperlink></w:p>')
    path = tmp_path / "runs.docx"
    make_hostile_docx(path, body=body)
    assert read_document(path).raw_text.startswith("a\tb\nclink\n")


MEASURE = """
import json, re, resource, sys
from pathlib import Path
from assistant.ingest import DocumentError, read_document
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # the old reader dies here instead of swapping
try:
    outcome = "read " + str(read_document(sys.argv[1]).text.count("spanned"))
except DocumentError as error:
    outcome = "refused " + str(error)
peak = re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text())  # ru_maxrss survives exec
print(json.dumps({"outcome": outcome, "peak_mb": int(peak.group(1)) / 1024}))
"""


def peak_read(path) -> dict:
    """Read ``path`` with the default caps in a fresh process: its outcome and peak RSS."""
    run = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, timeout=300,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


def test_grid_span_of_two_billion_reads_in_bounded_memory(tmp_path):
    """It grew to 6.7 GB before an outside limit stopped it."""
    measured = peak_read(hostile(tmp_path, "gridspan-2g"))
    assert measured["outcome"] == "read 1"
    assert measured["peak_mb"] < 1024


@pytest.mark.slow
def test_seventeen_million_empty_runs_read_in_bounded_memory(tmp_path):
    """A 180 KB file of 17M empty runs ended in an XPath traceback at 2.6 GB."""
    path = hostile(tmp_path, "empty-runs")
    assert path.stat().st_size < 200_000
    measured = peak_read(path)
    assert measured["outcome"] == "read 0"
    assert measured["peak_mb"] < 1024
