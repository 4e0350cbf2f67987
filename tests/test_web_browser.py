"""The web chat in a real headless Chromium (Debian's, never `playwright install`):
ask, click a citation, see the highlighted span; hostile reports stay inert.
Saves docs/chat.png and docs/viewer.png for the README."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT, visible
from test_web import launch_server

from assistant.config import Settings
from assistant.ingest.tables import find_tables

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
DOCS = ROOT / "docs"

HOSTILE_MD = """# Quantum Widget Market Report

The global quantum widget market was valued at US$ 12.3 billion in 2024 <script>window.__xss=1</script> according to Zorblax Research.

Analysts warn about <img src=x onerror="window.__xss=2;alert(2)"> fake figures in the quantum widget segment.

See the [zorblax methodology](javascript:window.__xss=3) for how the quantum widget numbers were estimated.

| Segment | Share |
|---|---|
| <b onmouseover="window.__xss=4">Quantum widget cores</b> <a href="javascript:window.__xss=5">details</a> | 41% |

Template text ${window.__xss=6} and {{constructor.constructor('window.__xss=7')()}} stays plain in quantum widget notes.
"""

# Entities decode to literal markup in the clean text; real tags are dropped by the reader.
HOSTILE_HTML = """<html><head><script>window.__xss=8</script><title>Hyperwidgets</title></head><body>
<h1>Hyperwidget outlook</h1>
<p>The hyperwidget market in Glorbia reached 55 million glorbs in 2030 &lt;script&gt;window.__xss=9&lt;/script&gt; says Glorbia Data.</p>
<p>Beware &lt;img src=x onerror="window.__xss=10"&gt; of hyperwidget fakes; <a href="javascript:window.__xss=11">hyperwidget link</a>.</p>
<table><tr><td>&lt;svg onload=window.__xss=12&gt;hyperwidget cell&lt;/svg&gt;</td><td>9%</td></tr></table>
</body></html>
"""
HOSTILE_HTML_NAME = 'hyper"><img src=x onerror=window.__xss=13>.html'


@pytest.fixture(scope="module")
def server(tmp_path_factory, seeds_index):
    root = tmp_path_factory.mktemp("browser")
    app, url, index_dir, uploads = launch_server(root, seeds_index, Settings())
    yield SimpleNamespace(app=app, url=url, index_dir=index_dir, uploads=uploads, root=root, chat=app.web_chat)
    app.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run `make browser` (scripts/install-browser.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1440, "height": 960})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(server.url, wait_until="load")
    page.wait_for_selector("#question textarea", timeout=30_000)
    yield page
    context.close()


def ask(page, question: str, turn: int) -> None:
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function(f"document.querySelectorAll('#transcript section.turn').length > {turn}", timeout=30_000)


def turn_at(page, n: int):
    return page.locator(f'#transcript section.turn >> nth={n}')


def test_ask_click_citation_highlights_span(page, server):
    ask(page, "What was the telemedicine market size in 2023?", 0)
    turn = turn_at(page, 0)
    first = turn.locator("button.cite").first
    assert first.inner_text() == "[1]"
    quote = turn.locator("q.quote").first.text_content()
    assert "004_cc81a9a3a938ae48.txt" in turn.locator(".sources").inner_text()

    ask(page, "醫療物聯網市場的複合年成長率是多少？", 1)
    zh_turn = turn_at(page, 1)
    assert "001_dea5ebdc38bdf3ab.txt" in zh_turn.locator(".sources").inner_text()
    page.wait_for_timeout(300)  # let the transcript finish scrolling
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "chat.png"))

    first.click()
    mark = page.locator("#viewer mark.cited")
    mark.wait_for(timeout=10_000)
    assert mark.text_content() == quote
    assert "004_cc81a9a3a938ae48.txt" in page.locator("#viewer .vhead").inner_text()
    assert mark.is_visible() and _in_view(page, "#viewer mark.cited")
    chosen = page.locator("#sources input").input_value()
    assert chosen.startswith("Q1 [1] ") and "004_cc81a9a3a938ae48.txt" in chosen  # title first, then the file

    # the Chinese answer's citation: the span in a long bilingual report, scrolled into view
    zh_quote = zh_turn.locator("q.quote").first.text_content()
    zh_turn.locator("button.cite").first.click()
    page.wait_for_function("(q) => document.querySelector('#viewer mark.cited')?.textContent === q", arg=zh_quote,
                           timeout=10_000)
    assert "001_dea5ebdc38bdf3ab.txt" in page.locator("#viewer .vhead").inner_text()
    page.wait_for_timeout(300)
    assert _in_view(page, "#viewer mark.cited")
    page.screenshot(path=str(DOCS / "viewer.png"))

    # choosing from the sources list opens the same viewer
    page.click("#sources input")
    page.locator("ul[role=listbox] li", has_text="Q1 [1] ").filter(has_text="004_").first.click()
    page.wait_for_function("(q) => document.querySelector('#viewer mark.cited')?.textContent === q", arg=quote,
                           timeout=10_000)


def test_a_table_answer_shows_its_header_and_the_cited_row_as_a_table(page, server):
    """Issue 26: a row quote shows its table's header row above it, and the viewer shows the report's table as
    an HTML table with the cited row (and the named cell) highlighted."""
    ask(page, "What is the forecast period of the IoT in healthcare report?", 0)
    turn = turn_at(page, 0)
    assert "002_923aa08538df08e9.txt" in turn.locator(".sources").inner_text()
    quote = turn.locator("ol.quotes table.rowquote").first
    quote.wait_for(timeout=10_000)
    assert quote.locator("tr").count() == 2
    assert quote.locator("tr >> nth=0").locator("th").all_inner_texts() == ["Market Overview", ""]
    assert quote.locator("tr >> nth=1").locator("td").all_inner_texts() == ["Forecast Period", "2027-2031"]
    assert quote.locator("td.cell mark.cell").inner_text() == "2027-2031"
    assert "| Forecast Period |" not in turn.locator("ol.quotes").inner_text()
    DOCS.mkdir(exist_ok=True)
    turn.screenshot(path=str(DOCS / "table-answer.png"))

    quote.locator("xpath=following-sibling::button[contains(@class, 'cite')]").first.click()
    row = page.locator("#viewer .doc table tr.cited")
    row.wait_for(timeout=10_000)
    assert row.count() == 1 and row.locator("td").all_inner_texts() == ["Forecast Period", "2027-2031"]
    table = page.locator("#viewer .doc table", has=page.locator("tr.cited"))
    assert table.locator("tr.head th").all_inner_texts() == ["Market Overview", ""]
    assert table.locator("tr").count() == 7  # the whole table (header and six rows)
    assert row.locator("td.cell mark.cell").inner_text() == "2027-2031"
    assert page.locator("#viewer mark.cited").count() == 0  # the row is marked as a row
    assert "| Forecast Period |" not in page.locator("#viewer .doc").text_content()
    color = row.locator("td >> nth=0").evaluate("(td) => getComputedStyle(td).backgroundColor")
    assert color not in ("rgba(0, 0, 0, 0)", "transparent"), color  # the cited row is highlighted
    page.wait_for_timeout(300)
    assert _in_view(page, "#viewer tr.cited")
    page.screenshot(path=str(DOCS / "table-viewer.png"))


def _in_view(page, selector: str) -> bool:
    """The element is inside its scroll box and inside the window."""
    return page.evaluate("""(selector) => {
        const el = document.querySelector(selector);
        const box = el.closest('.doc').getBoundingClientRect();
        const r = el.getBoundingClientRect();
        return r.top >= box.top - 1 && r.top < box.bottom && r.top >= 0 && r.top < window.innerHeight;
    }""", selector)


def _shows_whole_report(page, clean: str) -> None:
    """The viewer shows the whole report literally: each table's cells as cells of an HTML table (never its
    rows as raw pipes), every other line as text."""
    viewer_text = page.locator("#viewer .doc").text_content()
    cells = set(page.locator("#viewer .doc table th, #viewer .doc table td").all_text_contents())
    tables = find_tables(clean)
    for table in tables:
        for row in table.rows:
            assert clean[row.start:row.end] not in viewer_text
            assert {clean[start:end] for start, end in row.cells} <= cells
    position = 0
    for line in clean.splitlines(keepends=True):
        if not any(table.start <= position <= table.end for table in tables):
            assert line.rstrip("\n") in viewer_text
        position += len(line)


def test_examples_and_errors(page):
    page.locator("button.example", has_text="醫療物聯網").click()
    page.wait_for_function("document.querySelectorAll('#transcript section.turn').length > 0", timeout=30_000)
    assert "001_dea5ebdc38bdf3ab.txt" in turn_at(page, 0).locator(".sources").inner_text()

    page.fill("#question textarea", "   ")
    page.click("#ask")
    error = page.locator("#status .err")
    error.wait_for(timeout=10_000)
    assert error.inner_text() == "Please type a question; it is empty."
    page.fill("#question textarea", "?!?!")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#status .err')?.textContent.includes('no words')", timeout=10_000)
    assert "Traceback" not in page.content()
    assert page.locator("#transcript section.turn").count() == 1


def test_hostile_reports_are_shown_as_text(page, server, tmp_path):
    from assistant.store import Index

    report_md = tmp_path / "hostile_report.md"
    report_md.write_text(HOSTILE_MD, encoding="utf-8")
    report_html = tmp_path / HOSTILE_HTML_NAME
    report_html.write_text(HOSTILE_HTML, encoding="utf-8")

    page.get_by_role("tab", name="Your reports").click()
    page.locator("#upload input[type=file]").set_input_files([str(report_md), str(report_html)])
    status = page.locator("#upload-status .ok")
    status.wait_for(timeout=60_000)
    assert "hostile_report.md" in status.inner_text()
    table = page.locator("#uploads").inner_text()
    assert "hostile_report.md" in table and "glorbia" not in table.lower()
    stored = sorted(path.name for path in visible(server.uploads))
    assert len(stored) == 2 and stored[0] == "hostile_report.md", stored
    html_name = stored[1]
    assert html_name.startswith("hyper") and html_name.endswith(".html")
    assert not set(html_name) & set('<>"/\\'), html_name
    for name in stored:
        assert name in table

    index = Index.load(server.index_dir)
    clean_md = index.document("hostile_report.md").text
    clean_html = index.document(html_name).text
    assert "<script>" in clean_md and "<img src=x onerror=" in clean_md and "<script>" in clean_html

    page.get_by_role("tab", name="Chat").click()
    ask(page, "What was the quantum widget market valued at in 2024 according to Zorblax Research?", 0)
    turn = turn_at(page, 0)
    assert "hostile_report.md" in turn.locator(".sources").inner_text()
    assert "<script>window." in turn.locator("ol.quotes").text_content()
    turn.locator("button.cite").first.click()
    page.locator("#viewer mark.cited").wait_for(timeout=10_000)
    _shows_whole_report(page, clean_md)

    ask(page, "How big was the hyperwidget market in Glorbia in 2030?", 1)
    turn = turn_at(page, 1)
    assert html_name in turn.locator(".sources").inner_text()
    turn.locator("button.cite").first.click()
    page.wait_for_function("(name) => document.querySelector('#viewer .vhead')?.textContent.includes(name)",
                           arg=html_name, timeout=10_000)
    _shows_whole_report(page, clean_html)
    page.locator("#viewer mark.cited").hover()
    page.locator("#transcript").hover()
    page.wait_for_timeout(500)

    state = page.evaluate("""() => ({
        xss: typeof window.__xss,
        injected: document.querySelectorAll('img[src="x"], svg[onload], [onerror], [onload], [onmouseover]').length,
        scripts: [...document.scripts].filter((s) => s.textContent.includes('xss')).length,
        jsLinks: [...document.querySelectorAll('a[href]')].filter((a) => a.href.trim().toLowerCase().startsWith('javascript:')).length,
        bold: document.querySelectorAll('#transcript .quote *:not(mark.answer-span), #viewer .doc b, #viewer .doc a').length,
    })""")
    assert state == {"xss": "undefined", "injected": 0, "scripts": 0, "jsLinks": 0, "bold": 0}, state
    assert page.dialogs == []

    # only uploaded reports can be removed, from the page too
    page.get_by_role("tab", name="Your reports").click()
    for name in stored:
        page.click("#remove-choice input")
        page.locator("ul[role=listbox] li", has_text=name[:12]).first.click()
        page.click("#remove")
        page.wait_for_function("(name) => document.querySelector('#upload-status .ok')?.textContent.includes('Removed ' + name)",
                               arg=name, timeout=30_000)
    assert "No uploaded reports" in page.locator("#uploads").inner_text()
    assert list(visible(server.uploads)) == []
