"""Readers: clean text plus an exact offset map back to the raw file."""
from __future__ import annotations

import pytest
from conftest import SEED_FILES, assert_table_spans_read_back

from assistant.ingest import DocumentError, detect_lang, read_document


def assert_map_exact(doc) -> None:
    """Each clean character comes from its raw span (itself, or an entity decoding to it)."""
    import html

    for i, char in enumerate(doc.text):
        raw = doc.raw_text[doc.raw_starts[i] : doc.raw_ends[i]]
        if doc.raw_starts[i] == doc.raw_ends[i]:
            assert char.isspace() or char in " |", (i, char)  # markup turned into a break or cell separator
        elif raw != char:
            assert char.isspace() or html.unescape(raw) == char or html.unescape(raw).startswith(char), (i, char, raw)


def test_html_drops_tags_scripts_and_styles_and_decodes_entities(tmp_path):
    path = tmp_path / "r.html"
    path.write_text(
        "<html><head><style>p{color:red}</style><title>T</title></head><body>"
        "<h1>Growth &amp; Share</h1><p>Caf&eacute; sales rose 5&#37;.<script>alert('x')</script></p>"
        "<table><tr><td>A</td><td>B</td></tr></table><!-- hidden --></body></html>",
        encoding="utf-8",
    )
    doc = read_document(path)
    assert "Growth & Share" in doc.text
    assert "Café sales rose 5%." in doc.text
    assert "alert" not in doc.text and "color" not in doc.text and "hidden" not in doc.text
    assert "| A | B" in doc.text
    assert doc.text.index("Growth") < doc.text.index("Café")
    assert "\n" in doc.text[doc.text.index("Share") : doc.text.index("Café")]  # block tags break lines
    assert [doc.text[h.start : h.end] for h in doc.headings] == ["Growth & Share"]
    assert_map_exact(doc)


REVENUE_HTML = """<html><body><h2>Revenue</h2>
<table class="t">
  <caption>Table 2: Revenue by <b>end user</b></caption>
  <thead>
    <tr><th>End user</th><th>2025</th><th colspan="2">2026 &amp; 2027</th><th>Note</th></tr>
  </thead>
  <tbody>
    <tr><td><a href="#h">Hospitals</a> &amp; clinics</td><td>41.2</td><td>47.9</td><td>50.1</td><td rowspan="2">est.</td></tr>
    <tr><td><p>Labs</p><p>and
        testing</p></td><td> 12.0 </td><td></td><td>3<br>(new)</td></tr>
    <tr><td>Home<table><tr><td>inner</td><td>cell</td></tr><tr><td>rows</td></tr></table> care</td>
        <td>1.5</td><td>2.5</td><td>3.5</td><td>&lt;1</td></tr>
  </tbody>
</table>
<p>After the table.</p>
<table><tr><td>just</td><td>one row</td></tr></table>
</body></html>"""


def _visible_html(raw: str) -> str:
    """A raw HTML span as a reader sees it: tags dropped, entities decoded, blanks collapsed."""
    import html
    import re

    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", " ", raw))).strip()


def test_html_table_rows_are_pipe_rows_with_exact_cell_spans(tmp_path):
    from assistant.ingest.tables import cell_texts

    path = tmp_path / "r.html"
    path.write_text(REVENUE_HTML, encoding="utf-8")
    doc = read_document(path)
    [table] = assert_table_spans_read_back(doc, visible=_visible_html)
    assert doc.text[table.caption[0]:table.caption[1]] == "Table 2: Revenue by end user"
    assert cell_texts(doc.text, table.header) == ["End user", "2025", "2026 & 2027", "", "Note"]  # colspan: an empty cell
    assert [cell_texts(doc.text, row) for row in table.body] == [
        ["Hospitals & clinics", "41.2", "47.9", "50.1", "est."],
        ["Labs and testing", "12.0", "", "3 (new)"],  # paragraphs and <br> in a cell stay on its line
        ["Home inner cell rows care", "1.5", "2.5", "3.5", "<1"],  # a nested table joins its cell's text
    ]
    cells = {doc.text[start:end]: doc.raw_slice(*doc.raw_span(start, end)) for row in table.rows for start, end in row.cells}
    assert cells["41.2"] == "41.2" and cells["12.0"] == "12.0" and cells["2026 & 2027"] == "2026 &amp; 2027"
    assert cells["Hospitals & clinics"] == "Hospitals</a> &amp; clinics"  # from the first to the last visible character
    assert "just" in doc.text and "one row" in doc.text  # a one-row table is text, no table
    lines = doc.text.split("\n")
    assert lines.index("| End user | 2025 | 2026 & 2027 | | Note") == lines.index("Table 2: Revenue by end user") + 1
    assert_map_exact(doc)


LAYOUT_HTML = """<html><body><table width="100%"><tr><td>
<h1>Gizmo Outlook</h1><p>The gizmo market grew 9% in 2025.</p><p>Hospitals lead demand.</p>
<table><tr><th>Segment</th><th>2025</th></tr><tr><td>Hospitals</td><td>41.2</td></tr><tr><td>Clinics</td><td>12.0</td></tr></table>
</td></tr><tr><td><p>Contact the gizmo desk.</p></td></tr></table></body></html>"""


def test_a_layout_table_is_read_as_blocks_and_a_data_table_inside_it_as_rows(tmp_path):
    from assistant.ingest.tables import cell_texts, find_tables

    path = tmp_path / "layout.html"
    path.write_text(LAYOUT_HTML, encoding="utf-8")
    doc = read_document(path)
    assert doc.text.split("\n") == ["Gizmo Outlook", "", "The gizmo market grew 9% in 2025.", "", "Hospitals lead demand.",
                                    "", "| Segment | 2025", "| Hospitals | 41.2", "| Clinics | 12.0", "",
                                    "Contact the gizmo desk."]
    assert [doc.text[h.start:h.end] for h in doc.headings] == ["Gizmo Outlook"]
    [table] = find_tables(doc.text)
    assert [cell_texts(doc.text, row) for row in table.rows] == [["Segment", "2025"], ["Hospitals", "41.2"], ["Clinics", "12.0"]]
    sidebar = ("<table><tr><td><p>" + "The gizmo market grew in every region of the world. " * 50 + "</p></td>"
               "<td><p>Short side note.</p></td></tr></table>")  # two cells of passages, no heading: still layout
    path.write_text(sidebar, encoding="utf-8")
    assert find_tables(read_document(path).text) == [] and "|" not in read_document(path).text


def test_markdown_markup_is_dropped_but_mapped(tmp_path):
    path = tmp_path / "r.md"
    raw = "# **Title**\n\nSee the [telemedicine market](https://x.example/t) and <https://a.example/b>.\n\n- **Item:** one\n|---|---|\n"
    path.write_text(raw, encoding="utf-8")
    doc = read_document(path)
    assert doc.text.startswith("Title\n")
    assert "See the telemedicine market and https://a.example/b." in doc.text
    assert "Item: one" in doc.text and "**" not in doc.text and "---" not in doc.text
    start = doc.text.index("telemedicine")
    _, raw_start, raw_end = doc.raw_span(start, start + len("telemedicine market"))
    assert raw[raw_start:raw_end] == "telemedicine market"
    assert_map_exact(doc)


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_seed_offset_maps_are_exact(path):
    doc = read_document(path)
    assert doc.text.strip()
    assert_map_exact(doc)


def test_bilingual_seed_has_both_language_segments():
    doc = read_document(SEED_FILES[1])
    langs = [segment.lang for segment in doc.segments]
    assert "zh" in langs and "en" in langs
    assert detect_lang("預計到 2025 年,醫療物聯網市場規模將達到 13.5 億美元") == "zh"
    assert detect_lang("The Internet of Medical Things Market was valued at USD 1.35 billion") == "en"


def test_chinese_legacy_encoding_is_read_with_a_warning(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("医疗物联网市场规模将达到十亿美元。".encode("gbk"))
    doc = read_document(path)
    assert "医疗物联网市场" in doc.text
    assert doc.warnings and "gb18030" in doc.warnings[0]


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n ", "empty"),
        ("binary.txt", b"\x00\x01\x02PK\x00" * 50, "binary"),
        ("fake.docx", b"this is not a zip", "not a valid .docx"),
        ("broken.pdf", b"%PDF-1.4 garbage", "PDF"),
        ("report.xlsx", b"data", "unsupported file type"),
    ],
)
def test_bad_files_raise_one_clear_error(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as raised:
        read_document(path)
    message = str(raised.value)
    assert message.startswith(name) and reason in message and "\n" not in message


def test_file_over_the_size_limit_is_refused(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("word " * 1000, encoding="utf-8")
    with pytest.raises(DocumentError, match="size limit"):
        read_document(path, max_bytes=1000)


def make_pdf(path, pages: list[str]) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    for page in pages:
        y = 800
        for line in page.split("\n"):
            pdf.drawString(50, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()


def make_docx(path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Remote Monitoring Outlook", level=1)
    document.add_paragraph("The remote monitoring segment grew 14% in 2024 across hospitals.")
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Region", "Share"
    table.rows[1].cells[0].text, table.rows[1].cells[1].text = "Europe", "25%"
    document.add_paragraph("Wearable devices lead adoption in North America.")
    document.save(str(path))


def test_pdf_pages_and_offsets(tmp_path):
    path = tmp_path / "r.pdf"
    make_pdf(path, ["Telehealth adoption rose sharply in 2023.\nClinics added video visits.",
                    "Page two says the market reached USD 74.7 billion."])
    doc = read_document(path)
    start = doc.text.index("USD 74.7 billion")
    page, raw_start, raw_end = doc.raw_span(start, start + len("USD 74.7 billion"))
    assert page == 2
    assert doc.raw_slice(page, raw_start, raw_end) == "USD 74.7 billion"
    assert doc.raw_span(0, 5)[0] == 1


def test_docx_paragraphs_tables_and_headings(tmp_path):
    path = tmp_path / "r.docx"
    make_docx(path)
    doc = read_document(path)
    assert "\n| Region | Share\n| Europe | 25%\n" in doc.text
    assert [doc.text[h.start : h.end] for h in doc.headings] == ["Remote Monitoring Outlook"]
    start = doc.text.index("grew 14%")
    _, raw_start, raw_end = doc.raw_span(start, start + 8)
    assert doc.raw_text[raw_start:raw_end] == "grew 14%"


@pytest.mark.parametrize("reader, name, error", [
    ("clean_markdown", "r.md", KeyError("w:val")),
    ("clean_html", "r.html", RecursionError("maximum recursion depth exceeded")),
    ("read_docx", "r.docx", ValueError("no tr above topmost tr in w:tbl")),
])
def test_any_reader_failure_refuses_the_file_in_one_sentence(tmp_path, monkeypatch, reader, name, error):
    """An exception from a reader or its library (issue 25: python-docx's ValueError) is one sentence."""
    import assistant.ingest.reader as reader_module

    def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr(reader_module, reader, failing)
    path = tmp_path / name
    if name.endswith(".docx"):
        make_docx(path)
    else:
        path.write_text("<h1>Gizmo</h1>\n\nThe gizmo market grew.\n", encoding="utf-8")
    with pytest.raises(DocumentError) as raised:
        read_document(path)
    suffix = path.suffix
    assert str(raised.value) == (f"{name}: the {suffix} reader failed on this file ({type(error).__name__}); it was "
                                 f"skipped; save it again from its editor or convert it to plain text.")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_text_with_a_byte_order_mark_is_read(tmp_path, encoding):
    """Issue 25: UTF-16 text was refused as "binary" (it is full of zero bytes)."""
    path = tmp_path / "wide.md"
    text = "# Gizmo outlook\n\nThe gizmo market grew 9% in 2025. 市场增长。\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    document = read_document(path)
    assert document.text == "Gizmo outlook\n\nThe gizmo market grew 9% in 2025. 市场增长。"
    assert document.warnings == []


def test_links_leaving_the_reports_folder_are_skipped_with_a_warning(tmp_path):
    """Issue 25: a link to a system file made it searchable."""
    from assistant.ingest import discover_files

    docs, outside = tmp_path / "docs", tmp_path / "outside"
    (docs / "sub").mkdir(parents=True)
    outside.mkdir()
    (docs / "real.md").write_text("The gizmo market grew.\n", encoding="utf-8")
    (outside / "secret.txt").write_text("root:x:0:0\n", encoding="utf-8")
    (docs / "passwd.txt").symlink_to(outside / "secret.txt")
    (docs / "elsewhere").symlink_to(outside, target_is_directory=True)
    (docs / "sub" / "inside.md").symlink_to(docs / "real.md")  # a link that stays inside is a file like any other
    problems: list[str] = []
    found = discover_files([docs], problems)
    assert sorted(found) == ["real.md", "sub/inside.md"]
    assert problems == ["passwd.txt: a link to a file outside the reports folder; skipped (copy the file into the "
                        "folder, or build with --follow-links)."]  # a linked folder is not entered at all
    assert sorted(discover_files([docs], follow_links=True)) == ["passwd.txt", "real.md", "sub/inside.md"]
