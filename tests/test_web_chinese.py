"""The whole page in Chinese (browser locale zh-CN, real headless Chromium): every string the interface shows
is in Chinese, including the answer layer's sentences (abstention reasons, errors) and upload messages.
Report text (quotes, titles, file names, the viewer's document) is data and stays as written."""
from __future__ import annotations

import re

import pytest
from test_web_browser import ask, browser, server, turn_at  # noqa: F401 (fixtures)
from test_web_panels import open_page

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")]

#: Where report text (data, not interface) is shown.
DATA = ", ".join([
    "q.quote", ".excerpt", ".ptext", "#viewer .doc", "#viewer .vhead b", ".uq", ".msg.user", "textarea", "script",
    "style", ".card h4", ".card dd", ".answer-line", ".rname", "#sources input", "table.conflicts td .rt", "table.conflicts td .file", "td.fig",
    "table.conflicts:not(.comparison) th", "table.rowquote th", "table.rowquote td", "#uploads td", "#scope label", ".read-as", "code", ".file",
])
#: Two or more English words in a row: an untranslated sentence or label.
ENGLISH_RE = re.compile(r"[A-Za-z][a-z]+(?:[\s,;:'-]+[A-Za-z][a-z]+)+")


def interface_text(page) -> list[str]:
    """Every piece of interface text on the page: text nodes outside report data, placeholders and titles
    (Gradio's own accessibility labels, which it does not translate and never shows, are left out)."""
    return page.evaluate("""(data) => {
        const found = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            const node = walker.currentNode, parent = node.parentElement;
            if (!parent || parent.closest(data) || !node.textContent.trim()) continue;
            if (parent.closest('[hidden], .hidden') ) continue;
            found.push(node.textContent.trim());
        }
        for (const el of document.querySelectorAll('[placeholder], [title]')) {
            if (el.closest(data)) continue;
            for (const name of ['placeholder', 'title']) {
                const value = el.getAttribute(name);
                if (value && value.trim()) found.push(value.trim());
            }
        }
        return found;
    }""", DATA)


def english_strings(page) -> list[str]:
    return sorted({text for text in interface_text(page) if ENGLISH_RE.search(text)})


def test_the_whole_page_speaks_chinese(browser, server, tmp_path):  # noqa: F811
    report = tmp_path / "zorb_notes.md"
    report.write_text("# Zorb widgets\n\nThe zorb widget market in Glorbia reached 42 million zorbs in 2031.\n",
                      encoding="utf-8")
    context, page = open_page(browser, server, locale="zh-CN")
    seen: dict[str, list[str]] = {}
    try:
        page.wait_for_function("/[\\u4e00-\\u9fff]/.test(document.querySelector('button.example')?.textContent)",
                               timeout=10_000)  # the page load filled the page in Chinese
        seen["start"] = english_strings(page)
        ask(page, "醫療物聯網市場的複合年成長率是多少？", 0)
        ask(page, "量子小部件市场的规模是多少？", 1)  # no report covers it: an abstention
        assert turn_at(page, 1).locator("p.abstain").count() == 1
        ask(page, "Do the reports agree on the size of the IoMT market in 2025?", 2)  # comparison table
        turn_at(page, 0).locator("button.cite").first.click()
        page.locator("#viewer mark.cited").wait_for(timeout=10_000)
        seen["chat"] = english_strings(page)
        page.fill("#question textarea", "   ")
        page.click("#ask")
        page.locator("#status .err").wait_for(timeout=10_000)
        seen["error"] = english_strings(page)
        page.get_by_role("tab", name="报告库").click()
        page.locator("#library article.card").first.wait_for(timeout=10_000)
        seen["library"] = english_strings(page)
        card = page.locator('#library [data-doc-card="003_c2df3797af6a6a40.txt"]').inner_text()
        assert "互联医疗设备" in card and "Connected Medical Devices\n" not in card  # the card's Chinese market name
        page.get_by_role("tab", name="我的报告").click()
        seen["reports"] = english_strings(page)
        page.locator("#upload input[type=file]").set_input_files([str(report)])
        page.locator("#upload-status .ok").wait_for(timeout=60_000)
        seen["uploaded"] = english_strings(page)
        page.click("#remove-choice input")
        page.locator("ul[role=listbox] li", has_text="zorb_notes").first.click()
        page.click("#remove")
        page.wait_for_function("document.querySelector('#upload-status .ok')?.textContent.includes('zorb_notes.md')",
                               timeout=60_000)
        seen["removed"] = english_strings(page)
    finally:
        context.close()
        for path in server.uploads.glob("zorb_notes*"):
            server.chat.remove_upload(path.name)
    assert {step: strings for step, strings in seen.items() if strings} == {}
