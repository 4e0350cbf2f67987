"""The web chat: HTML safety and upload names (fast), and the real server
driven through gradio_client (slow: one server per module, on 127.0.0.1)."""
from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import SEEDS, visible

from assistant.config import Settings
from assistant.web import (
    UploadError,
    check_uploads_dir,
    esc,
    render_transcript,
    render_uploads,
    render_view,
    safe_upload_name,
    source_choices,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")

HOSTILE = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=2">',
    "[link](javascript:window.__xss=3)",
    "${window.__xss=4} {{constructor.constructor('window.__xss=5')()}} `tick` \\u0041",
]


ALLOWED_TAGS = {"div", "section", "span", "p", "ol", "li", "q", "button", "table", "caption", "tr", "th", "td", "b",
                "mark", "aside", "textarea", "article", "h4", "dl", "dt", "dd"}


def _no_live_markup(fragment: str) -> None:
    """Only the page's own tags, no event-handler or link attributes, and no
    template syntax: the hostile strings survive only as escaped text."""
    tags = re.findall(r"<[^>]*>", fragment)
    names = {re.match(r"</?\s*([a-zA-Z0-9]+)", tag).group(1).lower() for tag in tags}
    assert names <= ALLOWED_TAGS, names
    for tag in tags:
        assert not re.search(r"\son\w+\s*=|href|src\s*=|style\s*=", tag, re.I), tag
    assert "${" not in fragment and "{{" not in fragment and "`" not in fragment


# ----------------------------------------------------------------- fast units

def test_esc_escapes_html_and_template_syntax():
    for text in HOSTILE:
        escaped = esc(text)
        _no_live_markup(escaped)
    assert esc('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"
    assert esc(None) == ""


@pytest.mark.parametrize("name, expected", [
    ("report.md", "report.md"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("/etc/cron.d/evil.md", "evil.md"),
    ("C:\\Users\\x\\..\\evil.HTML", "evil.html"),
    ("．．／．．／fullwidth.txt", "fullwidth.txt"),
    ("..hidden.txt", "hidden.txt"),
    ("a\u202egpj.txt", "agpj.txt"),  # bidi override dropped
    ("zero\u200bwidth.md", "zerowidth.md"),
    ('x"><img src=x onerror=alert(1)>.md', "x___img src=x onerror=alert(1)_.md"),
    ("市場報告 2024.pdf", "市場報告 2024.pdf"),
    ("ｒｅｐｏｒｔ.ｄｏｃｘ", "report.docx"),
])
def test_safe_upload_name(name, expected):
    assert safe_upload_name(name) == expected


@pytest.mark.parametrize("name", ["", "..", "../", "/", "\u202e", "...."])
def test_safe_upload_name_refuses_empty(name):
    with pytest.raises(UploadError):
        safe_upload_name(name)


def test_long_upload_name_keeps_suffix():
    name = safe_upload_name("x" * 500 + ".pdf")
    assert name.endswith(".pdf") and len(name) <= 120


def test_uploads_folder_may_not_overlap_reports(tmp_path):
    with pytest.raises(ValueError):
        check_uploads_dir(tmp_path / "seeds" / "uploads", [tmp_path / "seeds"])
    with pytest.raises(ValueError):
        check_uploads_dir(tmp_path / "seeds", [tmp_path / "seeds"])
    check_uploads_dir(tmp_path / "data" / "uploads", [tmp_path / "seeds"])


def _hostile_turn(abstained: bool = False) -> dict:
    payload = " ".join(HOSTILE)
    citation = {"n": 1, "doc_id": "<b>evil</b>.md", "raw_start": 0, "raw_end": 10, "page": None, "chunk_id": "c",
                "score": 1.0, "start": 0, "end": 10, "parallel": {"lang": "zh", "text": payload}}
    result = {
        "question": payload, "abstained": abstained, "message": "The reports do not answer this question." if abstained else "",
        "answer": [] if abstained else [{"text": payload, "citation": citation}],
        "conflicts": [] if abstained else [{"what": "<i>size</i>", "values": [
            {"value": 1, "figure": "<img src=x onerror=1>", "doc_id": "<svg onload=1>", "n": 1, "text": payload}]}],
        "hits": [{"chunk_id": "c", "doc_id": "<b>evil</b>.md", "raw_start": 0, "raw_end": 5, "page": None,
                  "score": 0.1, "text": payload}],
        "relevance": 0.1,
    }
    view = {"doc_id": "<b>evil</b>.md", "start": 0, "end": 10, "sha256": "s", "title": f"[1] {payload}",
            "question": payload, "parallel": citation["parallel"]}
    return {"id": 0, "question": payload, "result": result, "views": {"q1": view, "h1": view}}


@pytest.mark.parametrize("abstained", [False, True])
def test_transcript_shows_hostile_text_as_text(abstained):
    fragment = render_transcript([_hostile_turn(abstained)])
    _no_live_markup(fragment)
    assert "<svg" not in fragment and "<b>evil" not in fragment and "<i>size" not in fragment
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in fragment
    assert 'data-cite="t0-' in fragment
    if abstained:
        assert "do not answer" in fragment and "t0-h1" in fragment
    else:
        assert "The reports disagree" in fragment


def test_viewer_highlights_span_and_escapes():
    text = "Intro. " + " ".join(HOSTILE) + " Outro <b>bold</b>."
    start = text.index("<script>")
    end = start + len(HOSTILE[0])
    index = SimpleNamespace(
        manifest=SimpleNamespace(files={"e.md": {"sha256": "s", "path": "e.md", "n_chunks": 1}}),
        document=lambda doc_id: SimpleNamespace(text=text),
    )
    par_start = text.index("Outro")
    view = {"doc_id": "e.md", "start": start, "end": end, "sha256": "s", "title": "[1] e.md", "question": "<q>",
            "parallel": {"lang": "zh", "text": "Outro <b>bold</b>.", "start": par_start, "end": len(text)}}
    fragment = render_view(index, view)
    _no_live_markup(fragment)
    assert '<mark class="cited">&lt;script&gt;window.__xss=1&lt;/script&gt;</mark>' in fragment
    assert '<mark class="par">Outro &lt;b&gt;bold&lt;/b&gt;.</mark>' in fragment
    assert 'aside class="par"' in fragment and "Same passage in Chinese" in fragment
    # a report that changed or was removed since the answer
    assert "changed after the answer" in render_view(index, {**view, "sha256": "other"})
    assert "no longer in the index" in render_view(index, {**view, "doc_id": "gone.md"})


def test_source_choices_and_uploads_table():
    turn = _hostile_turn()
    assert source_choices([turn]) == [("Q1 " + turn["views"]["q1"]["title"], "t0-q1")]
    table = render_uploads([{"file": "<img src=x onerror=1>.md", "chunks": 3, "bytes": 2048}])
    assert "&lt;img" in table and "<img" not in table and "2 KB" in table


# ----------------------------------------------------------------- real server

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch_server(root: Path, seeds_index: Path, settings: Settings = Settings()):
    """A private copy of the seeds index, served on 127.0.0.1 with a free port."""
    from assistant.pipeline import Assistant
    from assistant.web import create_app

    index_dir = root / "index"
    shutil.copytree(seeds_index, index_dir)
    uploads = root / "uploads"
    assistant = Assistant(index_dir, settings)
    app = create_app(assistant, [SEEDS], uploads, index_dir, settings)
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    return app, f"http://127.0.0.1:{port}/", index_dir, uploads


SMALL_LIMIT = 200_000  # bytes: every seed is well under it, a test file goes over it


@pytest.fixture(scope="module")
def server(tmp_path_factory, seeds_index):
    app, url, index_dir, uploads = launch_server(tmp_path_factory.mktemp("web"), seeds_index,
                                                 Settings(max_file_bytes=SMALL_LIMIT))
    yield SimpleNamespace(app=app, url=url, index_dir=index_dir, uploads=uploads, chat=app.web_chat)
    app.close()


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server.url, verbose=False)


def _check_quotes(result: dict, index_dir: Path) -> None:
    from assistant.store import Index

    index = Index.load(index_dir)
    assert result["answer"], result
    for quote in result["answer"]:
        citation = quote["citation"]
        text = index.document(citation["doc_id"]).text
        assert text[citation["start"]:citation["end"]] == quote["text"]
        for part in (citation.get("header"), citation.get("cell")):  # a row quote's header row and named cell
            if part is not None:
                assert text[part["start"]:part["end"]] == part["text"]


@pytest.mark.slow
def test_api_lists_named_endpoints(client):
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert {"/ask", "/upload", "/remove"} <= set(endpoints)


@pytest.mark.slow
@pytest.mark.parametrize("question, doc_id", [
    ("What was the telemedicine market size in 2023?", "004_cc81a9a3a938ae48.txt"),
    ("醫療物聯網市場的複合年成長率是多少", "001_dea5ebdc38bdf3ab.txt"),
])
def test_api_answers_with_citations(client, server, question, doc_id):
    result = client.predict(question, 5, "hybrid", api_name="/ask")
    assert set(result) == {"question", "abstained", "message", "answer", "conflicts", "hits", "relevance", "read_as",
                           "comparison", "answer_line"}
    assert result["question"] == question and not result["abstained"]
    assert result["answer"][0]["citation"]["doc_id"] == doc_id
    assert set(result["answer"][0]["citation"]) == {"n", "doc_id", "raw_start", "raw_end", "page", "chunk_id",
                                                    "score", "start", "end", "parallel", "header", "cell"}
    _check_quotes(result, server.index_dir)


@pytest.mark.slow
def test_api_matches_the_cli_json(client, server):
    """Same JSON as `assistant ask --json` (same index, same k and mode)."""
    question = "What is the CAGR of the telemedicine market?"
    expected = server.chat.assistant.ask(question, k=3, mode="lexical").to_dict()
    assert client.predict(question, 3, "lexical", api_name="/ask") == expected


@pytest.mark.slow
@pytest.mark.parametrize("question, mode, words", [
    ("", "hybrid", "empty"),
    ("?!。…", "hybrid", "no words"),
    ("x" * 5000, "hybrid", "characters long"),
    ("telemedicine", "fuzzy", "Unknown retrieval mode"),
])
def test_api_bad_question_is_one_sentence(client, question, mode, words):
    result = client.predict(question, 5, mode, api_name="/ask")
    assert set(result) == {"error"}
    assert words in result["error"] and "Traceback" not in result["error"]
    assert result["error"].count("\n") == 0


@pytest.mark.slow
def test_upload_ask_remove(client, server, tmp_path):
    from gradio_client import handle_file

    report = tmp_path / "flux_report.md"
    report.write_text("# Flux capacitors\n\nThe flux capacitor market in Zorblaxia reached 987 million zorbs in 2031, "
                      "according to the Zorblax Institute.\n", encoding="utf-8")
    result = client.predict([handle_file(str(report))], api_name="/upload")
    assert result["added"] == ["flux_report.md"], result
    assert {"file": "flux_report.md", "chunks": 1, "bytes": report.stat().st_size} in result["uploads"]
    assert (server.uploads / "flux_report.md").read_bytes() == report.read_bytes()

    answer = client.predict("How big was the flux capacitor market in Zorblaxia?", 5, "hybrid", api_name="/ask")
    assert answer["answer"][0]["citation"]["doc_id"] == "flux_report.md"
    assert "987 million zorbs" in answer["answer"][0]["text"]
    _check_quotes(answer, server.index_dir)

    removed = client.predict("flux_report.md", api_name="/remove")
    assert "Removed flux_report.md" in removed["message"] and removed["uploads"] == []
    assert not (server.uploads / "flux_report.md").exists()
    after = client.predict("How big was the flux capacitor market in Zorblaxia?", 5, "hybrid", api_name="/ask")
    assert all(quote["citation"]["doc_id"] != "flux_report.md" for quote in after["answer"])
    assert all(hit["doc_id"] != "flux_report.md" for hit in after["hits"])


@pytest.mark.slow
def test_upload_refusals_are_one_sentence(client, server, tmp_path):
    from gradio_client import handle_file

    program = tmp_path / "tool.exe"
    program.write_bytes(b"MZ\x00\x00")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    empty = tmp_path / "empty.md"
    empty.write_text("  \n", encoding="utf-8")
    big = tmp_path / "big.txt"
    big.write_text("word " * (SMALL_LIMIT // 4), encoding="utf-8")
    result = client.predict([handle_file(str(path)) for path in (program, binary, empty, big)], api_name="/upload")
    assert result["added"] == []
    problems = result["problems"]
    assert len(problems) == 4, problems
    assert any(".exe files are not supported" in line for line in problems)
    assert any(line.startswith("binary.txt:") and "binary" in line for line in problems)
    assert any(line.startswith("empty.md:") and "empty" in line for line in problems)
    assert any(line.startswith("big.txt:") and "upload limit" in line for line in problems)
    assert all("\n" not in line and "Traceback" not in line for line in problems)
    assert sorted(path.name for path in visible(server.uploads)) == []

    refused = client.predict("000_3e72e74fd57db5f9.txt", api_name="/remove")
    assert "cannot be removed" in refused["error"]
    assert (SEEDS / "000_3e72e74fd57db5f9.txt").exists()
    refused = client.predict("../index/CURRENT", api_name="/remove")
    assert "error" in refused and (server.index_dir / "CURRENT").exists()


@pytest.mark.slow
def test_upload_names_cannot_escape(server, tmp_path):
    """Names with ../, absolute paths and odd Unicode land inside the uploads folder."""
    source = tmp_path / "plain.md"
    source.write_text("Escape attempts: the gizmo market grew by 12 percent in 2030.\n", encoding="utf-8")
    names = ["../../escaped.md", "/tmp/absolute.md", "．．／wide.md", "evil\u202egpj.md"]
    result = server.chat.add_uploads([{"path": str(source), "orig_name": name} for name in names])
    try:
        assert sorted(result.added) == ["absolute.md", "escaped.md", "evilgpj.md", "wide.md"], result
        assert sorted(path.name for path in visible(server.uploads)) == sorted(result.added)
        assert not (server.uploads.parent / "escaped.md").exists()
        assert not Path("/tmp/absolute.md").exists() or Path("/tmp/absolute.md").read_bytes() != source.read_bytes()
    finally:
        for name in result.added:
            server.chat.remove_upload(name)
    assert list(visible(server.uploads)) == []


@pytest.mark.slow
def test_answers_keep_coming_during_a_build(server, tmp_path):
    """While an upload is being indexed, questions are answered from the old index."""
    from gradio_client import Client, handle_file

    report = tmp_path / "long_report.md"
    report.write_text("\n\n".join(f"Paragraph {i}: the sprocket market segment {i} grew steadily in region {i}."
                                  for i in range(1200)), encoding="utf-8")
    results: dict[str, object] = {}

    def upload():
        results["upload"] = Client(server.url, verbose=False).predict([handle_file(str(report))], api_name="/upload")

    asker = Client(server.url, verbose=False)
    thread = threading.Thread(target=upload)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.chat.building.is_set() and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    finished_during_build = 0
    try:
        while thread.is_alive() and time.monotonic() < deadline:
            answer = asker.predict("What was the telemedicine market size in 2023?", 5, "hybrid", api_name="/ask")
            assert answer["answer"][0]["citation"]["doc_id"] == "004_cc81a9a3a938ae48.txt"
            finished_during_build += server.chat.building.is_set()
        thread.join(timeout=60)
        assert results["upload"]["added"] == ["long_report.md"], results
        assert finished_during_build >= 1
    finally:
        if (server.uploads / "long_report.md").exists():
            server.chat.remove_upload("long_report.md")


def test_a_comparison_renders_as_a_table_with_openable_sources(assistant):
    from assistant.web import _find_view, _turn_from_answer, render_transcript

    answer = assistant.ask("Do the reports agree on the size of the IoMT market in 2025?")
    assert answer.comparison
    turn = _turn_from_answer(0, answer, {})
    html = render_transcript([turn])
    assert "What each report says" in html and html.count('data-cite="t0-c') == len(answer.comparison)
    view = _find_view([turn], "t0-c1")
    assert view is not None and view["doc_id"] == answer.comparison[0]["doc_id"]


@pytest.mark.slow
@pytest.mark.parametrize("k", ["Infinity", "-Infinity", "1e400", "NaN", "2.5", '"many"'])
def test_api_odd_k_is_one_sentence(server, k):
    """Raw JSON, as any HTTP client may send it: never an OverflowError or the generic error."""
    import httpx

    body = '{"data": ["What was the telemedicine market size in 2023?", %s, "hybrid"]}' % k
    response = httpx.post(server.url + "gradio_api/call/ask", content=body,
                          headers={"Content-Type": "application/json"}, timeout=30)
    stream = httpx.get(server.url + f"gradio_api/call/ask/{response.json()['event_id']}", timeout=60).text
    assert "event: complete" in stream, stream
    assert "The number of passages (k) must be a whole number from 1 to 20." in stream, stream


@pytest.mark.slow
def test_api_question_of_digits_is_refused_in_one_sentence(client, server):
    """Issue 25: a question of digits only got quoted answers; it has no word to look for."""
    import httpx

    sentence = "The question has no words in it; please ask in words (English or Chinese)."
    assert client.predict("12345", 5, "hybrid", api_name="/ask") == {"error": sentence}
    # a JSON number, as a client that parses "12345" may send it: the same sentence, not "empty"
    response = httpx.post(server.url + "gradio_api/call/ask", json={"data": [12345, 5, "hybrid"]}, timeout=30)
    stream = httpx.get(server.url + f"gradio_api/call/ask/{response.json()['event_id']}", timeout=60).text
    assert sentence in stream and "empty" not in stream, stream


@pytest.mark.slow
def test_api_library_and_ask_within(client, server):
    library = client.predict(api_name="/library")
    assert len(library) == len(list(SEEDS.glob("*.txt")))
    assert all(set(entry) >= {"doc_id", "title", "publisher", "market", "years", "languages", "chunks", "uploaded",
                              "label"} for entry in library)
    assert not any(entry["uploaded"] for entry in library)
    question = "What is the CAGR of the market?"
    everywhere = client.predict(question, 5, "hybrid", api_name="/ask")
    cited = {quote["citation"]["doc_id"] for quote in everywhere["answer"]}
    other = next(entry["doc_id"] for entry in library if entry["doc_id"] not in cited)
    within = client.predict(question, 5, "hybrid", [other], api_name="/ask_within")
    assert within["answer"] and {quote["citation"]["doc_id"] for quote in within["answer"]} == {other}, within
    assert {hit["doc_id"] for hit in within["hits"]} == {other}
    # no docs: the same as /ask
    assert client.predict(question, 5, "hybrid", [], api_name="/ask_within") == everywhere
    unknown = client.predict(question, 5, "hybrid", ["../index/CURRENT"], api_name="/ask_within")
    assert set(unknown) == {"error"} and "Unknown report" in unknown["error"]
