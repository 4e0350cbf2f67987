"""Uploads have owners and a quota: nobody replaces or removes another's file,
a shipped report is never shadowed, refused files are deleted at once, and a
full uploads folder says so in one sentence."""
from __future__ import annotations

import pytest
from conftest import visible
from test_web import client, server  # noqa: F401 (fixtures)

from assistant.web import UploadError, UploadLedger, owner_key

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")


def _ledger(tmp_path, files=10, total=1000) -> UploadLedger:
    folder = tmp_path / "uploads"
    folder.mkdir()
    return UploadLedger(folder, files, total)


def _store(ledger: UploadLedger, name: str, owner: str, data: bytes = b"x" * 10) -> None:
    (ledger.uploads_dir / name).write_bytes(data)
    ledger.claim(name, owner)


def test_owner_keys_are_hashed_and_a_passphrase_makes_a_team():
    alice, bob = owner_key("session-a"), owner_key("session-b")
    assert alice != bob and "session-a" not in alice
    assert owner_key("session-a", "blue team") == owner_key("session-b", "blue team") != owner_key("x", "red")
    assert owner_key(None, "  ") == "" and owner_key(None, None) == ""


def test_same_name_never_replaces_another_owners_file(tmp_path):
    ledger = _ledger(tmp_path)
    alice, bob = owner_key("a"), owner_key("b")
    _store(ledger, "report.md", alice)
    assert ledger.place("report.md", alice, 10, set()) == ("report.md", "")  # her own: replaced
    name, note = ledger.place("report.md", bob, 10, set())
    assert name == "report (2).md" and note == ("report.md: another user's upload has that name; "
                                                "yours was stored as report (2).md.")
    _store(ledger, "report (2).md", bob)
    assert ledger.place("report.md", owner_key("c"), 10, set())[0] == "report (3).md"
    # a file nobody owns (put there by hand) is nobody's to replace
    (ledger.uploads_dir / "manual.md").write_bytes(b"y")
    assert ledger.place("manual.md", alice, 10, set())[0] == "manual (2).md"
    assert ledger.names_of(alice) == ["report.md"] and ledger.names_of(bob) == ["report (2).md"]


def test_a_shipped_report_cannot_be_shadowed(tmp_path):
    ledger = _ledger(tmp_path)
    name, note = ledger.place("004_a.txt", owner_key("a"), 10, {"004_a.txt"})
    assert name == "004_a (2).txt" and "a shipped report has that name" in note


@pytest.mark.parametrize("files, total, size", [(2, 10_000, 10), (10, 25, 10)])
def test_a_full_uploads_folder_is_one_sentence(tmp_path, files, total, size):
    ledger = _ledger(tmp_path, files, total)
    _store(ledger, "a.md", owner_key("a"))
    _store(ledger, "b.md", owner_key("a"))
    with pytest.raises(UploadError) as error:
        ledger.place("c.md", owner_key("a"), size, set())
    message = str(error.value)
    assert message.startswith("c.md: the uploads folder is full") and "remove a report" in message
    assert "\n" not in message
    # replacing one's own file does not count twice
    assert ledger.place("a.md", owner_key("a"), 10, set()) == ("a.md", "")


@pytest.mark.slow
def test_owners_over_the_api(server, tmp_path):  # noqa: F811
    from gradio_client import Client, handle_file

    alice, bob = Client(server.url, verbose=False), Client(server.url, verbose=False)
    mine = tmp_path / "a" / "gadget.md"
    theirs = tmp_path / "b" / "gadget.md"
    for path, figure in ((mine, "12"), (theirs, "999")):
        path.parent.mkdir()
        path.write_text(f"# Gadgets\n\nThe gadget market in Zorbland reached {figure} million zorbs in 2031.\n",
                        encoding="utf-8")
    try:
        first = alice.predict([handle_file(str(mine))], api_name="/upload")
        assert first["added"] == ["gadget.md"], first
        second = bob.predict([handle_file(str(theirs))], api_name="/upload")
        assert second["added"] == ["gadget (2).md"], second
        assert "another user's upload has that name" in " ".join(second["problems"])
        assert (server.uploads / "gadget.md").read_bytes() == mine.read_bytes()
        assert [row["file"] for row in second["uploads"]] == ["gadget (2).md"]  # each sees their own

        refused = bob.predict("gadget.md", api_name="/remove")
        assert "cannot be removed" in refused["error"] and (server.uploads / "gadget.md").exists()

        # each upload is marked as uploaded in its owner's library (and in no one else's) and in the answer's turn
        library = {entry["doc_id"]: entry for entry in alice.predict(api_name="/library")}
        assert library["gadget.md"]["uploaded"] and "gadget (2).md" not in library
        library = {entry["doc_id"]: entry for entry in bob.predict(api_name="/library")}
        assert library["gadget (2).md"]["uploaded"] and "gadget.md" not in library
        answer, _ = server.chat.answer_in_scope("How big was the gadget market in Zorbland in 2031?", 5, "hybrid",
                                                owners={owner_key(alice.session_hash)})
        assert {quote.citation.doc_id for quote in answer.quotes} == {"gadget.md"}
        turn = server.chat.make_turn(answer, [])
        cited = {quote.citation.doc_id for quote in answer.quotes}
        assert cited and cited <= set(turn["uploaded"])
        from assistant.web import render_transcript
        assert render_transcript([turn]).count('class="badge up"') >= len(cited)

        # a team shares its uploads
        carol = Client(server.url, verbose=False)
        assert carol.predict("blue", api_name="/team") == {"uploads": []}
        alice.predict("blue", api_name="/team")
        shared = tmp_path / "shared.md"
        shared.write_text("Team notes: the sprocket market in Zorbland doubled in 2031.\n", encoding="utf-8")
        assert carol.predict([handle_file(str(shared))], api_name="/upload")["added"] == ["shared.md"]
        removed = alice.predict("shared.md", api_name="/remove")
        assert "Removed shared.md" in removed["message"]
    finally:
        for name in ("gadget.md", "gadget (2).md", "shared.md"):
            if (server.uploads / name).exists():
                server.chat.remove_upload(name)
    assert visible(server.uploads) == []


@pytest.mark.slow
def test_refused_files_are_deleted_at_once(server, tmp_path):  # noqa: F811
    """The temporary copy Gradio made is gone and nothing stays in the uploads folder."""
    import os
    import tempfile
    from pathlib import Path

    cache = Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio") / "test-refused"
    cache.mkdir(parents=True, exist_ok=True)
    binary, good = cache / "binary.txt", cache / "fine.md"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    good.write_text("The widget market in Zorbland grew 7 percent in 2031.\n", encoding="utf-8")
    result = server.chat.add_uploads([{"path": str(binary), "orig_name": "binary.txt"},
                                      {"path": str(good), "orig_name": "fine.md"}])
    try:
        assert result.added == ["fine.md"] and any(line.startswith("binary.txt:") for line in result.problems)
        assert not binary.exists() and not good.exists()
        assert [path.name for path in visible(server.uploads)] == ["fine.md"]
        assert "binary.txt" not in server.chat.assistant.index.manifest.skipped
    finally:
        server.chat.remove_upload("fine.md")
