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
    for name in server.chat.upload_names():
        server.chat.remove_upload(name)
    assert visible(server.uploads) == []  # a corrected card file goes with its report


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
        carol.predict("blue heron team notes", api_name="/team")
        assert carol.predict([handle_file(str(private_file))], api_name="/upload")["added"] == [NAME]
        dave.predict("blue heron team notes", api_name="/team")
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


def test_an_owner_corrects_its_uploads_card_and_answers_use_it_at_once(browser, server, tmp_path):  # noqa: F811
    from assistant.ingest.cards import sidecar_path
    from assistant.web import UploadError
    from assistant.web.panels.page import browser_owners

    notes = tmp_path / "desk_notes.md"
    notes.write_text("# Quarterly notes\n\nOur desk reviewed several figures this quarter.\n\n"
                     "The telemedicine market size was valued at USD 99.9 billion in 2023, well above estimates.\n",
                     encoding="utf-8")
    context, page = open_page(browser, server)
    try:
        _upload_in_page(page, notes)
        page.get_by_role("tab", name="Library").click()
        card = page.locator('#library article.card[data-doc-card="desk_notes.md"]')
        card.wait_for(timeout=10_000)
        assert "Publisher" not in card.inner_text()
        page.get_by_text("Correct the card of one of your uploaded reports").click()
        page.click("#card-doc input")
        page.locator("ul[role=listbox] li", has_text="desk_notes.md").first.click()
        page.fill("#card-publisher textarea, #card-publisher input", "Quillfeather Analytics")
        page.fill("#card-market textarea, #card-market input", "Telemedicine")
        page.click("#card-save")
        page.locator("#card-status .ok").wait_for(timeout=30_000)
        card.locator("text=Quillfeather Analytics").wait_for(timeout=10_000)
        assert sidecar_path(server.uploads / "desk_notes.md").exists()
        # answers and comparisons use the corrected card at once: the market is no longer unknown
        owners = {server.chat.ledger.owner_of("desk_notes.md")}  # ask as the browser that owns it
        answer = server.chat.answer("Do the reports agree on the telemedicine market size in 2023?", 5, "hybrid",
                                    owners=owners)
        rows = {row["doc_id"]: row for row in answer.comparison}
        assert "desk_notes.md" in rows and not rows["desk_notes.md"]["market_unknown"], rows
        # nobody else may correct it, and a shipped report's card is corrected from the CLI only
        with pytest.raises(UploadError):
            server.chat.edit_card("desk_notes.md", {"publisher": "Mallory"}, owners=browser_owners("x" * 32, ""))
        with pytest.raises(UploadError):
            server.chat.edit_card("004_cc81a9a3a938ae48.txt", {"publisher": "Mallory"}, owners=owners)
    finally:
        context.close()
        _cleanup(server)
