"""Uploads have owners and a quota: nobody replaces or removes another's file,
a shipped report is never shadowed, refused files are deleted at once, and a
full uploads folder says so in one sentence."""
from __future__ import annotations

import pytest
from conftest import visible
from test_web import client, server  # noqa: F401 (fixtures)

from assistant.web import UploadError, UploadLedger, owner_key
from assistant.web.owners import SHORT_PASSPHRASE, TeamGate

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
        assert carol.predict("blue team sprocket notes", api_name="/team") == {"uploads": []}
        alice.predict("blue team sprocket notes", api_name="/team")
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


@pytest.mark.slow
@pytest.mark.parametrize("target, attribute", [("assistant.ingest.reader", "read_docx"),
                                               ("assistant.indexer", "tokenize")])
def test_an_upload_that_breaks_indexing_is_removed_and_never_blocks_the_next(server, tmp_path, monkeypatch,
                                                                             target, attribute):
    """Issue 25: one DOCX that made python-docx raise failed every later upload, also after a restart."""
    import importlib

    from test_ingest_readers import make_docx

    module = importlib.import_module(target)
    real = getattr(module, attribute)

    def failing(*args, **kwargs):
        if attribute == "read_docx" or "Remote Monitoring Outlook" in str(args[0]):
            raise ValueError("no tr above topmost tr in w:tbl")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, attribute, failing)
    hostile, following = tmp_path / "hostile.docx", tmp_path / "next.md"
    make_docx(hostile)
    result = server.chat.add_uploads([{"path": str(hostile), "orig_name": "hostile.docx"}], owner=owner_key("x"))
    assert result.added == [] and len(result.problems) == 1 and result.problems[0].startswith("hostile.docx: ")
    assert "\n" not in result.problems[0]
    assert visible(server.uploads) == [] and server.chat.ledger.owner_of("hostile.docx") is None
    following.write_text("The sprocket market in Zorbland grew 7 percent in 2031.\n", encoding="utf-8")
    result = server.chat.add_uploads([{"path": str(following), "orig_name": "next.md"}], owner=owner_key("y"))
    try:
        assert result.added == ["next.md"], result
    finally:
        server.chat.remove_upload("next.md")


# ------------------------------------------ quotas and team passphrases (issue 25, items 5 and 7)

def test_each_owner_has_a_quota_beside_the_folders(tmp_path):
    """One anonymous client could fill the whole 200-file folder."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    ledger = UploadLedger(folder, 10, 10_000, owner_files=2, owner_bytes=25)
    alice, bob = owner_key("a"), owner_key("b")
    _store(ledger, "a.md", alice)
    _store(ledger, "b.md", alice)
    with pytest.raises(UploadError) as error:
        ledger.place("c.md", alice, 1, set())
    assert str(error.value) == ("c.md: your uploads are at their limit (2 files, 0.0 MB; each user may keep 2 files "
                                "and 0 MB); remove one of your reports before adding another.")
    assert ledger.place("a.md", alice, 10, set()) == ("a.md", "")  # replacing her own file is within it
    assert ledger.place("c.md", bob, 10, set()) == ("c.md", "")  # others are not held back
    with pytest.raises(UploadError, match="your uploads are at their limit"):
        ledger.place("c.md", bob, 26, set())


def test_owner_keys_are_compared_in_constant_time(tmp_path, monkeypatch):
    import hmac

    compared = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: compared.append((a, b)) or real(a, b))
    ledger = _ledger(tmp_path)
    _store(ledger, "a.md", owner_key("a"))
    assert ledger.names_of(owner_key("a")) == ["a.md"] and ledger.names_of(owner_key("b")) == []
    assert (owner_key("a"), owner_key("b")) in compared


@pytest.mark.parametrize("passphrase, accepted", [
    ("blue", False), ("blue team", False), ("abcdefghijk", False), ("a b c", False),
    ("abcdefghijkl", True), ("blue team sprocket notes", True), ("  blue team x y  ", True), ("团队共享的报告文件夹口令", True),
])
def test_a_team_passphrase_is_twelve_characters_or_four_words(passphrase, accepted):
    """A six-character passphrase was found at guess 151."""
    gate = TeamGate()
    if accepted:
        assert gate.owner("s", passphrase, "1.2.3.4") == owner_key(None, passphrase)
    else:
        with pytest.raises(UploadError) as error:
            gate.owner("s", passphrase, "1.2.3.4")
        assert str(error.value) == SHORT_PASSPHRASE


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_naming_teams_is_rate_limited_per_client_with_a_growing_delay():
    """About 19 guesses a second were answered, each confirming or not."""
    clock = Clock()
    gate = TeamGate(free_calls=5, base_delay=2.0, max_delay=300.0, clock=clock)
    guesses = [f"guess number {n:04d}" for n in range(40)]
    for guess in guesses[:5]:
        gate.owner("s", guess, "10.0.0.1")
    with pytest.raises(UploadError) as error:
        gate.owner("s", guesses[5], "10.0.0.1")
    assert str(error.value) == "Too many team passphrases from your address; wait 2 s and try again."
    assert gate.owner("s", guesses[0], "10.0.0.1")  # a team already named costs nothing
    assert gate.owner("s", guesses[5], "10.0.0.2")  # another client is not held back
    waits = []
    for guess in guesses[5:15]:
        with pytest.raises(UploadError) as error:
            gate.owner("s", guess, "10.0.0.1")
        waits.append(int(str(error.value).split("wait ")[1].split(" s")[0]))
        clock.now += waits[-1]
        gate.owner("s", guess, "10.0.0.1")
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]  # 15 guesses in 1,110 s, then 12 an hour
    clock.now += 601  # quiet for the window: it starts afresh
    assert gate.owner("s", guesses[15], "10.0.0.1")


def test_naming_teams_is_rate_limited_across_clients():
    clock = Clock()
    gate = TeamGate(global_per_minute=60, clock=clock)
    for n in range(60):
        gate.owner("s", f"passphrase of client {n}", f"10.1.{n}.1")
    with pytest.raises(UploadError, match="Too many team passphrases are being tried on this server"):
        gate.owner("s", "passphrase of client 60", "10.1.60.1")
    clock.now += 61
    assert gate.owner("s", "passphrase of client 60", "10.1.60.1")


def test_a_flood_of_new_sessions_never_pushes_a_member_out_of_its_team():
    """10,050 /team calls from fresh sessions pushed every API client out of its team."""
    clock = Clock()
    gate = TeamGate(clock=clock)
    key = gate.join("member", "blue team sprocket notes", "10.0.0.1")
    for n in range(10_050):
        clock.now += 1.0  # the global rate: 60 new passphrases a minute
        try:
            gate.join(f"flood-{n}", f"flood passphrase {n:05d}", f"10.2.{n // 250}.{n % 250}")
        except UploadError:
            pass
    assert gate.team_of("member") == key
    clock.now += 86_401  # idle a whole day: then it ends
    assert gate.team_of("member") == ""


@pytest.mark.slow
def test_team_over_the_api_refuses_short_and_rapid_passphrases(client, server):  # noqa: F811
    server.app.team_gate._clients.clear()  # every test client calls from 127.0.0.1
    try:
        assert client.predict("blue", api_name="/team") == {"error": SHORT_PASSPHRASE}
        for n in range(5):
            assert "uploads" in client.predict(f"api guess number {n}", api_name="/team")
        refused = client.predict("api guess number 5", api_name="/team")
        assert refused["error"].startswith("Too many team passphrases from your address; wait ")
    finally:
        server.app.team_gate._clients.clear()
