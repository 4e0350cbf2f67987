"""Uploads stay private on a real server: two API clients (gradio_client) and two
browser contexts (headless Chromium).  B's answers, comparisons, facts, library
and scope never show A's report; for a question only A's report answers, B gets
an abstention; a team that shares a passphrase shares its uploads; a call
without an owner sees the shipped reports only."""
from __future__ import annotations

import json
from types import SimpleNamespace

import httpx
import pytest
from conftest import visible
from test_store_visible import ONLY_PRIVATE, PRIVATE, SHARED
from test_web import launch_server
from test_web_browser import ask, browser, turn_at  # noqa: F401 (fixture)
from test_web_panels import open_page

from assistant.config import Settings

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")]

NAME = "quill_outlook.md"
COMPARISON = SHARED[0]


@pytest.fixture(scope="module")
def server(tmp_path_factory, seeds_index):
    app, url, index_dir, uploads = launch_server(tmp_path_factory.mktemp("privacy"), seeds_index, Settings())
    yield SimpleNamespace(app=app, url=url, index_dir=index_dir, uploads=uploads, chat=app.web_chat)
    app.close()


@pytest.fixture
def private_file(tmp_path):
    path = tmp_path / NAME
    path.write_text(PRIVATE, encoding="utf-8")
    return path


def _drawn_on(result: dict) -> set[str]:
    """Every report an /ask result names: quotes, passages, comparison rows, conflicts."""
    found = {quote["citation"]["doc_id"] for quote in result.get("answer", [])}
    found |= {hit["doc_id"] for hit in result.get("hits", [])}
    found |= {row["doc_id"] for row in result.get("comparison", [])}
    found |= {value["doc_id"] for conflict in result.get("conflicts", []) for value in conflict["values"]}
    return found


def _cleanup(server) -> None:
    for path in visible(server.uploads):
        server.chat.remove_upload(path.name)


def _raw_call(server, endpoint: str, data: list) -> dict:
    """A plain HTTP call (no gradio_client, no session of its own)."""
    response = httpx.post(server.url + f"gradio_api/call/{endpoint}", json={"data": data}, timeout=30)
    stream = httpx.get(server.url + f"gradio_api/call/{endpoint}/{response.json()['event_id']}", timeout=120).text
    line = next(line for line in stream.splitlines() if line.startswith("data: ") and "event:" not in line)
    return json.loads(line[len("data: "):])[0]


def test_api_clients_see_only_their_own_uploads(server, private_file):
    from gradio_client import Client, handle_file

    alice, bob = Client(server.url, verbose=False), Client(server.url, verbose=False)
    try:
        assert alice.predict([handle_file(str(private_file))], api_name="/upload")["added"] == [NAME]
        # the owner's answers draw on it
        mine = alice.predict(ONLY_PRIVATE[0], 5, "hybrid", api_name="/ask")
        assert not mine["abstained"] and mine["answer"][0]["citation"]["doc_id"] == NAME
        assert NAME in _drawn_on(alice.predict(COMPARISON, 5, "hybrid", api_name="/ask"))
        assert NAME in {entry["doc_id"] for entry in alice.predict(api_name="/library")}

        # nobody else's do
        for question in ONLY_PRIVATE:
            theirs = bob.predict(question, 5, "hybrid", api_name="/ask")
            assert theirs["abstained"] and NAME not in _drawn_on(theirs), theirs
        for question in SHARED:
            theirs = bob.predict(question, 5, "hybrid", api_name="/ask")
            assert not theirs["abstained"] and NAME not in _drawn_on(theirs), question
            within = bob.predict(question, 5, "hybrid", [], api_name="/ask_within")
            assert NAME not in _drawn_on(within)
        assert NAME not in {entry["doc_id"] for entry in bob.predict(api_name="/library")}
        refused = bob.predict(ONLY_PRIVATE[0], 5, "hybrid", [NAME], api_name="/ask_within")
        assert set(refused) == {"error"} and "Unknown report" in refused["error"]
        assert bob.predict(NAME, api_name="/remove").get("error")

        # a call without an owner sees the shipped reports only
        raw = _raw_call(server, "ask", [ONLY_PRIVATE[0], 5, "hybrid"])
        assert raw["abstained"] and NAME not in _drawn_on(raw)
        assert NAME not in {entry["doc_id"] for entry in _raw_call(server, "library", [])}

        # a team shares its uploads with those who give its passphrase, and no one else
        alice.predict(NAME, api_name="/remove")
        carol, dave = Client(server.url, verbose=False), Client(server.url, verbose=False)
        carol.predict("blue heron", api_name="/team")
        assert carol.predict([handle_file(str(private_file))], api_name="/upload")["added"] == [NAME]
        dave.predict("blue heron", api_name="/team")
        assert dave.predict(ONLY_PRIVATE[0], 5, "hybrid", api_name="/ask")["answer"][0]["citation"]["doc_id"] == NAME
        assert NAME in {entry["doc_id"] for entry in dave.predict(api_name="/library")}
        stranger = bob.predict(ONLY_PRIVATE[0], 5, "hybrid", api_name="/ask")
        assert stranger["abstained"] and NAME not in _drawn_on(stranger)
    finally:
        _cleanup(server)


def _upload_in_page(page, path) -> None:
    page.get_by_role("tab", name="Your reports").click()
    page.locator("#upload input[type=file]").set_input_files([str(path)])
    page.locator("#upload-status .ok").wait_for(timeout=60_000)
    page.get_by_role("tab", name="Chat").click()


def test_browsers_see_only_their_own_uploads(browser, server, private_file):  # noqa: F811
    first_context, first = open_page(browser, server)
    second_context, second = open_page(browser, server)
    try:
        _upload_in_page(first, private_file)
        ask(first, ONLY_PRIVATE[0], 0)
        assert NAME in turn_at(first, 0).locator(".sources").inner_text()

        ask(second, ONLY_PRIVATE[0], 0)
        turn = turn_at(second, 0)
        assert turn.locator("p.abstain").count() == 1
        ask(second, COMPARISON, 1)
        ask(second, SHARED[2], 2)
        answers = " ".join(turn_at(second, n).locator("ol.quotes, .sources, table").all_inner_texts().__str__()
                           for n in range(3))
        assert "61.3" not in answers and "812.4" not in answers and "Kestrelcare" not in answers
        assert NAME not in second.content()
        second.get_by_role("tab", name="Library").click()
        assert second.locator("#library article.card").count() == 5
        assert second.locator(f'#library [data-doc-card="{NAME}"]').count() == 0
        second.get_by_role("tab", name="Chat").click()
        second.get_by_text("Search only these reports").click()
        second.locator("#scope label").first.wait_for(timeout=10_000)
        assert second.locator("#scope label").count() == 5 and NAME not in second.locator("#scope").inner_text()
    finally:
        first_context.close()
        second_context.close()
        _cleanup(server)
