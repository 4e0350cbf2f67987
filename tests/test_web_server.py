"""``serve`` listens first and indexes in the background; the uploads folder
lives under the index folder unless ``--uploads`` says otherwise, and is
recorded as an absolute path."""
from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from conftest import SEEDS
from test_web import free_port
from test_web_browser import CHROMIUM, CHROMIUM_ARGS, DOCS

from assistant.cli import build_parser
from assistant.web import IndexingState

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")

TELEMEDICINE = "004_cc81a9a3a938ae48.txt"
OTHER = "000_3e72e74fd57db5f9.txt"


def test_indexing_state_says_how_far_it_is():
    state = IndexingState()
    assert state.describe() == "Starting: loading the index and the models …"
    state.progress("reading", 3, 5)
    assert state.describe() == "Indexing: file 3 of 5"
    assert state.describe("zh") == "正在索引：第 3 / 5 个文件"
    state.progress("embedding (dense)", 40, 154)
    assert state.describe() == "Indexing: embedding (dense) 40 of 154"
    state.error = "disk full"
    assert state.describe() == "The index could not be built: disk full"


def test_serve_takes_an_uploads_folder():
    args = build_parser().parse_args(["serve", "--uploads", "team/uploads"])
    assert args.uploads == Path("team/uploads")
    assert build_parser().parse_args(["serve"]).uploads is None


@pytest.mark.slow
def test_serve_shows_the_page_before_the_first_build(tmp_path, monkeypatch):
    """The page (in Chromium) and the API answer while the first build runs;
    questions get answered once it is published."""
    import httpx
    from gradio_client import Client
    from playwright.sync_api import sync_playwright

    from assistant.store import Index
    from assistant.web import serve

    (tmp_path / "reports").mkdir()
    for name in (TELEMEDICINE, OTHER):
        shutil.copy(SEEDS / name, tmp_path / "reports" / name)
    monkeypatch.chdir(tmp_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = chromium.new_page(viewport={"width": 1440, "height": 960})
        app = serve([Path("reports")], Path("idx"), port=port, block=False)
        try:
            response = httpx.get(url, timeout=10)
            assert response.status_code == 200 and "Report assistant" in response.text
            assert not (tmp_path / "idx" / "CURRENT").exists()  # the page is up before the first build is published
            page.goto(url, wait_until="load")
            page.wait_for_selector("#question textarea", timeout=30_000)
            status = page.locator("#index-status").inner_text()
            if not (tmp_path / "idx" / "CURRENT").exists():
                assert re.search(r"(Starting: loading the index|Indexing: )", status), status
                page.screenshot(path=str(DOCS / "indexing.png"))
            state = app.web_chat.state
            client = Client(url, verbose=False)
            early = client.predict("What was the telemedicine market size in 2023?", 5, "hybrid", api_name="/ask")
            if "error" in early:
                assert "still being indexed" in early["error"], early
            deadline = time.monotonic() + 300
            while not state.finished and time.monotonic() < deadline:
                time.sleep(0.2)
            assert state.ready and not state.error, state
            page.wait_for_function("document.querySelector('#index-status').innerText.trim() === ''", timeout=10_000)
            answer = client.predict("What was the telemedicine market size in 2023?", 5, "hybrid", api_name="/ask")
            assert answer["answer"][0]["citation"]["doc_id"] == TELEMEDICINE
            page.get_by_role("tab", name="Library").click()  # filled in when the index went live
            page.wait_for_function("document.querySelectorAll('#library article.card').length === 2", timeout=10_000)
            # the uploads folder is inside the index folder, and both folders are recorded absolute
            uploads = (tmp_path / "idx" / "uploads").resolve()
            assert app.web_chat.uploads_dir == uploads and uploads.is_dir()
            manifest = Index.load(tmp_path / "idx").manifest
            assert manifest.docs_dirs == [str((tmp_path / "reports").resolve()), str(uploads)]
        finally:
            app.close()
            chromium.close()
