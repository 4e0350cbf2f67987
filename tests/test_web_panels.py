"""The analyst's panels in a real headless Chromium: the library, scope, copy and
export, history across a reload, a follow-up pair, the Chinese interface, a
comparison table.  Saves a screenshot of each into docs/ for the README."""
from __future__ import annotations

import json
import re

import pytest
from test_web_browser import CHROMIUM_ARGS, DOCS, ask, browser, server, turn_at  # noqa: F401 (fixtures)

from assistant.web.titles import bilingual_title

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")]

SEED_COUNT = 5


def open_page(browser, server, locale: str = "en-US", storage_state=None):  # noqa: F811
    context = browser.new_context(viewport={"width": 1440, "height": 960}, locale=locale,
                                  storage_state=storage_state, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url.rstrip("/"))
    page = context.new_page()
    page.goto(server.url, wait_until="load")
    page.wait_for_selector("#question textarea", timeout=30_000)
    return context, page


@pytest.fixture
def page(browser, server):  # noqa: F811
    context, page = open_page(browser, server)
    yield page
    context.close()


def test_library_lists_every_report_with_its_card(page, server):  # noqa: F811
    page.get_by_role("tab", name="Library").click()
    cards = page.locator("#library article.card")
    cards.first.wait_for(timeout=10_000)
    assert cards.count() == SEED_COUNT
    entries = server.chat.library()
    titled = [entry for entry in entries if entry.title]
    assert titled, "the seeds' cards have titles"
    for entry in titled:
        card = page.locator(f'#library article.card[data-doc-card="{entry.doc_id}"]')
        assert card.locator("h4").inner_text().startswith(bilingual_title(entry.title))
        assert entry.doc_id in card.inner_text() and f"{entry.chunks} chunks" in card.inner_text()
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "library.png"))

    # "Open" shows the report in the viewer, on the chat tab
    entry = titled[0]
    page.locator(f'#library button[data-open="{entry.doc_id}"]').click()
    page.wait_for_function("(doc) => document.querySelector('#viewer .viewer')?.dataset.doc === doc",
                           arg=entry.doc_id, timeout=10_000)
    assert page.locator("#viewer .vhead").inner_text().startswith(bilingual_title(entry.title))
    assert page.locator("#viewer .cited, #viewer mark").count() == 0  # nothing is cited: no stray highlight
    assert page.locator("#question textarea").is_visible()

    # citations name the report first (its short title: market and publisher), then the file
    ask(page, "What was the telemedicine market size in 2023?", 0)
    cited = turn_at(page, 0).locator(".sources li").first.inner_text()
    doc_id = next(entry.doc_id for entry in entries if entry.doc_id in cited)
    title = next(entry.short for entry in entries if entry.doc_id == doc_id)
    assert title and cited.index(title) < cited.index(doc_id), cited


def test_scope_limits_the_reports_searched(page, server):  # noqa: F811
    entries = server.chat.library()
    chosen = [entries[0], entries[1]]
    page.locator("#scope-panel").get_by_text("Search only these reports").click()
    for entry in chosen:
        page.locator("#scope label", has_text=entry.label).click()
    ask(page, "What is the CAGR of the market?", 0)
    turn = turn_at(page, 0)
    assert turn.locator(".scope").inner_text() == f"Searched: 2 of {SEED_COUNT} reports"
    cited = turn.locator(".sources").inner_text() if turn.locator(".sources").count() else turn.inner_text()
    allowed = {entry.doc_id for entry in chosen}
    named = {entry.doc_id for entry in entries if entry.doc_id in cited}
    assert named and named <= allowed, named
    page.screenshot(path=str(DOCS / "scope.png"))


def test_copy_and_export_hold_the_citations(page, server):  # noqa: F811
    ask(page, "What was the telemedicine market size in 2023?", 0)
    turn = turn_at(page, 0)
    citations = [line for line in turn.locator(".sources li").all_inner_texts()]
    assert citations
    turn.locator("button.copy").click()
    page.wait_for_function("document.querySelector('#transcript button.copy').textContent === 'Copied'", timeout=5_000)
    copied = page.evaluate("navigator.clipboard.readText()")
    citations = [line.split(" — ", 1)[-1].strip() for line in citations]  # the file and span (full title there)
    for line in citations:
        assert line in copied, (line, copied)
    assert "> " in copied and turn.locator("q.quote").first.text_content().strip()[:40] in copied

    with page.expect_download() as download:
        page.click("#export-md")
    markdown = open(download.value.path(), encoding="utf-8").read()
    for line in citations:
        assert line in markdown
    with page.expect_download() as download:
        page.click("#export-json")
    exported = json.loads(open(download.value.path(), encoding="utf-8").read())
    quote = exported["turns"][0]["answer"]["answer"][0]
    text = server.chat.assistant.index.document(quote["citation"]["doc_id"]).text
    assert text[quote["citation"]["start"]:quote["citation"]["end"]] == quote["text"]
    assert {"raw_start", "raw_end", "doc_id", "page"} <= set(quote["citation"])
    page.screenshot(path=str(DOCS / "export.png"))

    page.click("#new-chat")
    page.wait_for_function("document.querySelectorAll('#transcript section.turn').length === 0", timeout=5_000)


def test_history_survives_a_reload_and_follow_ups_are_read_in_context(page):
    ask(page, "What was the telemedicine market size in 2023?", 0)
    ask(page, "And in 2030?", 1)
    follow_up = turn_at(page, 1)
    read_as = follow_up.locator(".read-as").inner_text()
    assert read_as == "Read as: What was the telemedicine market size in 2030?"  # one question, rebuilt
    page.screenshot(path=str(DOCS / "follow-up.png"))
    first_quote = turn_at(page, 0).locator("q.quote").first.text_content()

    page.reload(wait_until="load")
    page.wait_for_function("document.querySelectorAll('#transcript section.turn').length === 2", timeout=30_000)
    assert turn_at(page, 0).locator("q.quote").first.text_content() == first_quote
    assert turn_at(page, 1).locator(".read-as").inner_text() == read_as
    # the restored citations still open the viewer
    turn_at(page, 0).locator("button.cite").first.click()
    page.wait_for_function("(q) => document.querySelector('#viewer mark.cited')?.textContent === q",
                           arg=first_quote, timeout=10_000)
    page.click("#new-chat")
    page.wait_for_function("document.querySelectorAll('#transcript section.turn').length === 0", timeout=5_000)
    page.reload(wait_until="load")
    page.wait_for_selector("#question textarea", timeout=30_000)
    page.wait_for_timeout(1000)
    assert page.locator("#transcript section.turn").count() == 0


def test_chinese_interface(browser, server):  # noqa: F811
    context, page = open_page(browser, server, locale="zh-CN")
    try:
        page.wait_for_function("document.querySelector('#ask')?.textContent.includes('提问')", timeout=10_000)
        assert page.get_by_role("tab", name="报告库").is_visible()
        assert page.get_by_role("tab", name="对话").is_visible()
        assert "导出 Markdown" in page.locator("#export-md").inner_text()
        # The examples come with the page's load event (a server round trip after the labels): wait for it.
        page.wait_for_function("/[\\u4e00-\\u9fff]/.test(document.querySelector('button.example')?.textContent || '')",
                               timeout=10_000)
        assert re.search(r"[\u4e00-\u9fff]", page.locator("button.example").first.inner_text())
        page.locator("button.example").first.click()
        page.wait_for_function("document.querySelectorAll('#transcript section.turn').length > 0", timeout=30_000)
        turn = turn_at(page, 0)
        assert turn.locator(".who").first.inner_text() in ("您", "您".upper())
        assert "出处" in turn.inner_text() or "可能相关" in turn.inner_text()
        page.screenshot(path=str(DOCS / "chinese.png"))
    finally:
        context.close()


def test_a_comparison_is_a_table(page, server):  # noqa: F811
    ask(page, "Do the reports agree on the size of the IoMT market in 2025?", 0)
    table = turn_at(page, 0).locator("table.comparison")
    table.wait_for(timeout=10_000)
    headers = table.locator("th").all_inner_texts()
    assert headers == ["Report", "Figure", "Year", "Source"]
    rows = table.locator("tr").count() - 1
    assert rows >= 2
    table.locator("button.cite").first.click()
    page.locator("#viewer mark.cited").wait_for(timeout=10_000)
    figure = table.locator("tr >> nth=1").locator("td >> nth=1").inner_text()
    assert figure and figure in page.locator("#viewer mark.cited").text_content()
    page.screenshot(path=str(DOCS / "comparison.png"))


def _upload_in_page(page, path) -> str:
    page.get_by_role("tab", name="Your reports").click()
    page.locator("#upload input[type=file]").set_input_files([str(path)])
    page.wait_for_function("document.querySelector('#upload-status')?.innerText.trim().length > 0", timeout=60_000)
    return page.locator("#upload-status").inner_text()


def test_uploads_belong_to_their_browser(browser, server, tmp_path):  # noqa: F811
    """Another browser neither sees nor replaces nor removes my upload; mine survives a reload."""
    mine, theirs = tmp_path / "a" / "gizmo_notes.md", tmp_path / "b" / "gizmo_notes.md"
    for path, figure in ((mine, "12"), (theirs, "999")):
        path.parent.mkdir()
        path.write_text(f"# Gizmos\n\nThe gizmo market in Zorbland reached {figure} million zorbs in 2031.\n",
                        encoding="utf-8")
    first_context, first = open_page(browser, server)
    second_context, second = open_page(browser, server)
    try:
        assert "Added gizmo_notes.md" in _upload_in_page(first, mine)
        assert "gizmo_notes.md" in first.locator("#uploads").inner_text()
        second.get_by_role("tab", name="Your reports").click()
        assert "gizmo_notes.md" not in second.locator("#uploads").inner_text()
        status = _upload_in_page(second, theirs)
        assert "another user's upload has that name; yours was stored as gizmo_notes (2).md" in status, status
        assert (server.uploads / "gizmo_notes.md").read_bytes() == mine.read_bytes()
        table = second.locator("#uploads").inner_text()
        assert "gizmo_notes (2).md" in table and "gizmo_notes.md" not in table.replace("gizmo_notes (2).md", "")
        first.reload(wait_until="load")
        first.wait_for_selector("#question textarea", timeout=30_000)
        first.get_by_role("tab", name="Your reports").click()
        first.wait_for_function("document.querySelector('#uploads')?.innerText.includes('gizmo_notes.md')",
                                timeout=10_000)
        first.get_by_role("tab", name="Library").click()
        card = first.locator('#library article.card[data-doc-card="gizmo_notes.md"]')
        card.wait_for(timeout=10_000)
        assert "uploaded" in card.locator(".badge").inner_text()
    finally:
        first_context.close()
        second_context.close()
        for name in ("gizmo_notes.md", "gizmo_notes (2).md"):
            if (server.uploads / name).exists():
                server.chat.remove_upload(name)


def test_one_font_family_for_every_weight(page):  # noqa: F811
    """Headings, bold cells, the answer line, buttons and body text share one font family, and no web font
    (whose missing weights would fall back to another family) is loaded."""
    ask(page, "Do the reports agree on the size of the IoMT market in 2025?", 0)
    families = page.evaluate("""() => {
        const pick = (selector) => { const el = document.querySelector(selector);
            return el ? getComputedStyle(el).fontFamily : null; };
        return {title: pick('.prose h2, h2'), bold: pick('#transcript table.comparison th'),
                line: pick('#transcript .answer-line'), button: pick('#ask'), body: pick('#transcript .quote'),
                webfonts: [...document.fonts].filter((face) => face.status === 'loaded').map((face) => face.family)};
    }""")
    webfonts = families.pop("webfonts")
    assert None not in families.values(), families
    assert len(set(families.values())) == 1, families
    assert next(iter(families.values())).startswith('"Noto Sans CJK SC"'), families
    assert not [family for family in webfonts if "Source Sans" in family or "Plex" in family], webfonts


def test_sources_name_reports_briefly_at_390_px(browser, server):  # noqa: F811
    """A bilingual title reads "中文 / English"; a source line names the report by market and publisher or
    period (the full title on hover) and takes at most two lines on a 390 px phone."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    try:
        page.goto(server.url, wait_until="load")
        page.wait_for_selector("#question textarea", timeout=30_000)
        ask(page, "醫療物聯網市場的複合年成長率是多少？", 0)
        sources = page.locator("#transcript .sources li")
        assert sources.count() >= 1
        heights = page.evaluate("""() => [...document.querySelectorAll('#transcript .sources li button.src')].map(
            (el) => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight))""")
        assert heights and max(heights) <= 2.05, heights
        name = page.locator("#transcript .sources .rname").first
        assert " · " in name.inner_text() and " / " in name.get_attribute("title")
        page.get_by_role("tab", name="Library").click()
        titles = page.locator("#library article.card h4").all_inner_texts()
        assert any(re.search(r"[\u4e00-\u9fff] / [A-Z]", title) for title in titles), titles
    finally:
        context.close()


def test_comparison_headers_do_not_wrap_at_1366_px(browser, server):  # noqa: F811
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
    page = context.new_page()
    try:
        page.goto(server.url, wait_until="load")
        page.wait_for_selector("#question textarea", timeout=30_000)
        ask(page, "Do the reports agree on the size of the IoMT market in 2025?", 0)
        lines = page.evaluate("""() => [...document.querySelectorAll('#transcript table.comparison th')].map(
            (el) => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight))""")
        assert lines and max(lines) < 1.9, lines
    finally:
        context.close()
