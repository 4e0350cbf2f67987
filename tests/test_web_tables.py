"""Tables in the web page: the source viewer shows a report's tables as HTML tables with the cited row (and
cell) highlighted, a report opened from the library has no highlight, and a row quote in the transcript (and
its Markdown export) shows its table's header row above it."""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import SEEDS
from test_web import _no_live_markup

from assistant.answer.model import Answer, Citation, Quote
from assistant.ingest.reader import read_document
from assistant.ingest.tables import find_tables
from assistant.web import VIEW_WINDOW, WebChat, esc, _turn_from_answer, render_transcript, render_view, turn_markdown

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")

REPORT = """# Widget outlook

Revenue grew in every segment.

Table 2: Revenue by end user (USD billion)

| End user | 2025 | 2026 |
|---|---:|---:|
| Hospitals | 41.2 | 47.9 |
| <script>window.__xss=1</script> Clinics | 12.0 | 13.1 |
| Home care | 3.3 | 4.4 |

After the table, prose again: the market will reach 65.4 billion in 2026.
"""


def _index(text: str, doc_id: str = "r.md") -> SimpleNamespace:
    return SimpleNamespace(manifest=SimpleNamespace(files={doc_id: {"sha256": "s", "path": doc_id, "n_chunks": 1}}),
                           document=lambda _: SimpleNamespace(text=text))


def _line(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    start = text.rfind("\n", 0, start) + 1
    return start, text.index("\n", start)


def _view(start: int, end: int, **extra) -> dict:
    return {"doc_id": "r.md", "start": start, "end": end, "sha256": "s", "title": "[1] r.md", "question": "q",
            **extra}


def _doc(fragment: str) -> str:
    return re.search(r'<div class="doc">(.*?)</div>(?:<aside|</div>)', fragment, re.S).group(1)


def _rows(fragment: str) -> list[tuple[str, list[str]]]:
    """(tr attributes, cell HTML) of every row of the fragment's tables."""
    return [(attrs, re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", cells))
            for attrs, cells in re.findall(r"<tr([^>]*)>(.*?)</tr>", fragment)]


# ---------------------------------------------------------------- the viewer

def test_viewer_shows_a_table_with_header_cells_caption_and_the_cited_row():
    start, end = _line(REPORT, "| Hospitals")
    header = _line(REPORT, "| End user")
    cell = REPORT.index("47.9")
    fragment = render_view(_index(REPORT), _view(start, end, header={"text": "", "start": header[0], "end": header[1]},
                                                 cell={"text": "47.9", "start": cell, "end": cell + 4}))
    _no_live_markup(fragment)
    doc = _doc(fragment)
    assert doc.count("<table") == 1 and "|" not in doc  # no raw pipes, no Markdown rule
    assert "<caption>Table 2: Revenue by end user (USD billion)</caption>" in doc
    rows = _rows(doc)
    assert rows[0] == (' class="head"', ["End user", "2025", "2026"])
    assert "<th>End user</th><th>2025</th><th>2026</th>" in doc
    assert rows[1] == (' class="cited"', ["Hospitals", "41.2", '<mark class="cell">47.9</mark>'])
    assert '<td class="cell"><mark class="cell">47.9</mark></td>' in doc
    assert [attrs for attrs, _ in rows[2:]] == ["", ""]
    assert 'mark class="cited"' not in doc  # a whole row is marked as a row
    assert doc.startswith("# Widget outlook\n\nRevenue grew in every segment.\n\n<table")
    assert doc.endswith("</table>\nAfter the table, prose again: the market will reach 65.4 billion in 2026.\n")


def test_document_text_in_cells_is_escaped():
    start, end = _line(REPORT, "| <script>")
    fragment = render_view(_index(REPORT), _view(start, end))
    _no_live_markup(fragment)
    assert "<script>" not in fragment
    cited = [cells for attrs, cells in _rows(fragment) if attrs == ' class="cited"']
    assert cited == [["&lt;script&gt;window.__xss=1&lt;/script&gt; Clinics", "12.0", "13.1"]]


def test_a_run_of_rows_marks_each_row_and_a_figure_in_a_cell_marks_its_characters():
    first, _ = _line(REPORT, "| Hospitals")
    _, last = _line(REPORT, "| <script>")
    rows = _rows(render_view(_index(REPORT), _view(first, last)))
    assert [attrs for attrs, _ in rows] == ["", ' class="cited"', ' class="cited"', ""]

    figure = REPORT.index("13.1")  # a span inside one cell (a figure): its row, and the figure itself
    rows = _rows(render_view(_index(REPORT), _view(figure, figure + 4)))
    assert rows[2] == (' class="cited"', ["&lt;script&gt;window.__xss=1&lt;/script&gt; Clinics", "12.0",
                                           '<mark class="cited">13.1</mark>'])
    assert [attrs for attrs, _ in rows if attrs] == [' class="cited"']


def test_prose_citations_keep_their_mark_beside_a_table():
    start = REPORT.index("the market will reach")
    fragment = render_view(_index(REPORT), _view(start, start + 40))
    assert f'<mark class="cited">{REPORT[start:start + 40]}</mark>' in fragment
    assert all(attrs == "" for attrs, _ in _rows(fragment))  # no row is cited


def test_a_table_cut_by_the_window_edge_shows_its_rows_in_the_window_under_its_header():
    table = "Table 1: Sites\n\n| Site | Beds |\n|---|---|\n" + "".join(f"| Site {i} | {i * 10} |\n" for i in range(40))
    filler = ("Prose line of the report.\n" * (VIEW_WINDOW // 20))[:VIEW_WINDOW - len(table) // 2] + "\n"
    text = "Opening words.\n\n" + table + filler + "The cited sentence is here.\n"
    start = text.index("The cited sentence")
    lo = start - VIEW_WINDOW
    assert text.index("| Site 0 |") < lo < text.index("| Site 39 |")  # the plain window starts inside the table
    cut = text.rfind("\n", 0, lo) + 1  # the row the edge cuts is shown whole
    first = int(re.match(r"\| Site (\d+)", text[cut:]).group(1))
    fragment = render_view(_index(text), _view(start, start + len("The cited sentence is here.")))
    assert f"[… {cut:,} characters before this are not shown …]" in fragment
    rows = _rows(fragment)
    assert "<caption>Table 1: Sites</caption>" in fragment and rows[0][1] == ["Site", "Beds"]
    assert rows[1] == (' class="gap"', [f"[… rows of this table not shown: {first} …]"])
    assert rows[2][1] == [f"Site {first}", str(first * 10)] and rows[-1][1] == ["Site 39", "390"]
    assert len(rows) == 2 + 40 - first and "|" not in _doc(fragment)
    assert "[… 此表未显示的行：" in render_view(_index(text), _view(start, start + 10), "zh")


def test_a_row_deep_in_a_huge_table_is_shown_under_its_header_within_the_window():
    text = "Sites by region:\n| Site | Beds |\n|---|---|\n" + "".join(f"| Site {i} | {i} |\n" for i in range(20_000))
    start, end = _line(text, "| Site 12345 |")
    fragment = render_view(_index(text), _view(start, end))
    rows = _rows(fragment)
    assert rows[0][1] == ["Site", "Beds"] and rows[1][0] == ' class="gap"'
    assert (' class="cited"', ["Site 12345", "12345"]) in rows
    assert rows[-1][0] == ' class="gap"' and len(rows) < 4 * VIEW_WINDOW // len("| Site 12345 | 12345 |\n")
    assert len(fragment) < 8 * VIEW_WINDOW


def test_a_seed_table_shows_as_a_table():
    path = next(path for path in sorted(SEEDS.glob("*")) if find_tables(read_document(path).text))
    text = read_document(path).text
    table = find_tables(text)[0]
    row = table.body[0]
    fragment = render_view(_index(text, path.name), {**_view(row.start, row.end), "doc_id": path.name})
    _no_live_markup(fragment)
    assert ("", [esc(text[a:b]) for a, b in table.header.cells]) in _rows(fragment)
    assert (' class="cited"', [esc(text[a:b]) for a, b in row.cells]) in _rows(fragment)


def test_an_html_reports_table_shows_as_a_table(tmp_path):
    path = tmp_path / "gizmos.html"
    path.write_text("<html><body><h1>Gizmos</h1><p>Revenue grew.</p><table><caption>Revenue by region</caption>"
                    "<tr><th>Region</th><th>2025</th></tr><tr><td>Asia &lt;b&gt;</td><td>4.1</td></tr>"
                    "<tr><td>Europe</td><td>3.0</td></tr></table><p>After.</p></body></html>", encoding="utf-8")
    text = read_document(path).text
    start, end = _line(text, "Europe")
    fragment = render_view(_index(text), _view(start, end))
    _no_live_markup(fragment)
    assert "<caption>Revenue by region</caption>" in fragment and "|" not in _doc(fragment)
    assert _rows(fragment) == [("", ["Region", "2025"]), ("", ["Asia &lt;b&gt;", "4.1"]), (' class="cited"', ["Europe", "3.0"])]


# ---------------------------------------------------------------- the library opens a report without a mark

def _library_chat(tmp_path: Path, path: Path) -> WebChat:
    text = read_document(path).text
    index = SimpleNamespace(manifest=SimpleNamespace(files={path.name: {"sha256": "s", "path": str(path), "n_chunks": 3}},
                                                     skipped={}),
                            document=lambda _: SimpleNamespace(text=text))
    card = SimpleNamespace(doc_id=path.name, title="Widget outlook", publisher="", market="", years=[], languages=["en"])
    return WebChat(SimpleNamespace(index=index, cards=[card]), [path.parent], tmp_path / "uploads", tmp_path / "index")


def test_a_report_opened_from_the_library_has_no_highlight(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    path = docs / "r.md"
    path.write_text("| Region | Share |\n|---|---|\n| Asia | 40% |\n| Europe | 30% |\n\nProse after.\n", encoding="utf-8")
    chat = _library_chat(tmp_path, path)
    view = chat.report_view("r.md", owners=("someone",))
    assert view is not None
    fragment = chat.view_html([], None, view, owners=("someone",))
    assert 'data-doc="r.md"' in fragment and "<table" in fragment
    assert "cited" not in fragment and "<mark" not in fragment and 'class="head"' not in fragment
    assert "cited for" not in fragment  # no question was asked
    # the same report cited by an answer is marked
    start = path.read_text(encoding="utf-8").index("| Asia")
    assert '<tr class="cited">' in chat.view_html([], None, {**view, "start": start, "end": start + 13},
                                                  owners=("someone",))


# ---------------------------------------------------------------- a row quote in the transcript

def _row_answer() -> Answer:
    doc = REPORT
    start, end = _line(doc, "| Hospitals")
    h_start, h_end = _line(doc, "| End user")
    cell = doc.index("47.9")
    citation = Citation(n=1, doc_id="r.md", raw_start=start, raw_end=end, page=None, chunk_id="c", score=0.9,
                        start=start, end=end,
                        header={"text": doc[h_start:h_end], "start": h_start, "end": h_end, "raw_start": h_start,
                                "raw_end": h_end, "page": None},
                        cell={"text": "47.9", "start": cell, "end": cell + 4, "raw_start": cell, "raw_end": cell + 4,
                              "page": None, "column": "2026"})
    return Answer(question="Hospital revenue in 2026?", abstained=False, quotes=[Quote(doc[start:end], citation)])


def test_a_row_quote_shows_its_header_row_above_it_with_the_named_cell_marked():
    turn = _turn_from_answer(0, _row_answer(), {"r.md": "s"})
    fragment = render_transcript([turn])
    _no_live_markup(fragment)
    table = re.search(r'<table class="rowquote"[^>]*>.*?</table>', fragment).group(0)
    assert _rows(table) == [("", ["End user", "2025", "2026"]),
                            ("", ["Hospitals", "41.2", '<mark class="cell">47.9</mark>'])]
    assert "<th>End user</th>" in table and '<td class="cell"><mark class="cell">47.9</mark></td>' in table
    assert 'title="A row of a table, under the table' in table
    assert re.search(r'</table> <button type="button" class="cite" data-cite="t0-q1"', fragment)
    assert "<q class=\"quote\">" not in fragment
    assert "表格中的一行" in render_transcript([turn], "zh")
    # the view carries the header's and the cell's spans to the viewer
    view = turn["views"]["q1"]
    assert view["header"]["start"] == REPORT.index("| End user") and view["cell"]["column"] == "2026"
    rows = _rows(render_view(_index(REPORT), view))
    assert rows[0][0] == ' class="head"' and rows[1][0] == ' class="cited"'
    assert '<mark class="cell">47.9</mark>' in rows[1][1]


def test_a_row_quote_header_from_a_report_is_escaped_and_a_broken_header_falls_back_to_the_quote():
    turn = _turn_from_answer(0, _row_answer(), {"r.md": "s"})
    citation = turn["result"]["answer"][0]["citation"]
    citation["header"]["text"] = "| <img src=x onerror=alert(1)> | 2025 | 2026 |"
    fragment = render_transcript([turn])
    _no_live_markup(fragment)
    assert "<th>&lt;img src=x onerror=alert(1)&gt;</th>" in fragment
    citation["header"]["text"] = "not a row"
    fragment = render_transcript([turn])
    assert 'class="rowquote"' not in fragment and '<q class="quote">| Hospitals | 41.2 | 47.9 |</q>' in fragment


def test_a_row_quote_is_exported_under_its_header_row():
    turn = _turn_from_answer(0, _row_answer(), {"r.md": "s"})
    markdown = turn_markdown(turn)
    assert ("> | End user | 2025 | 2026 |\n> |---|---|---|\n> | Hospitals | 41.2 | 47.9 |\n>\n> [1]\n"
            in markdown), markdown
    assert "[1] r.md, characters" in markdown


def test_a_row_quotes_parallel_row_is_a_row_too_and_prose_parallels_stay_text():
    answer = _row_answer()
    zh_row = "| 医院 <b>x</b> | 41.2 | 47.9 |"
    citation = answer.quotes[0].citation
    answer.quotes[0] = Quote(answer.quotes[0].text, Citation(**{**citation.__dict__, "parallel": {
        "lang": "zh", "text": zh_row, "start": 0, "end": 5}}))
    turn = _turn_from_answer(0, answer, {"r.md": "s"})
    fragment = render_transcript([turn])
    _no_live_markup(fragment)
    parallel = re.search(r'<div class="parallel">.*?</div>', fragment).group(0)
    assert _rows(parallel) == [("", ["医院 &lt;b&gt;x&lt;/b&gt;", "41.2", "47.9"])] and "|" not in parallel
    aside = re.search(r'<aside class="par">.*?</aside>', render_view(_index(REPORT), turn["views"]["q1"])).group(0)
    assert _rows(aside) == [("", ["医院 &lt;b&gt;x&lt;/b&gt;", "41.2", "47.9"])]
    turn["result"]["answer"][0]["citation"]["parallel"]["text"] = "医院的收入 | 增长了。"
    assert '<span class="ptext">医院的收入 | 增长了。</span>' in render_transcript([turn])
