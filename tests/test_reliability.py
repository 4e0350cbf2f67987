"""Reliability and security (issue 8): bad files, hostile questions, damaged
indexes in the CLI and the web API, builds killed with SIGKILL, hostile report
text in the rendered HTML, and paths that try to leave the data folders.

What the other suites already cover is not repeated here: empty/binary/not-a-zip
files and GBK text (test_ingest_readers), truncated FAISS / edited manifest / chunk
table out of step / other model through Python (test_store), a failed build
(test_indexer), upload names with ``../`` and odd Unicode, answers during a
build (test_web), and hostile reports in a real browser (test_web_browser).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT, SEEDS, visible
from test_ingest_readers import make_docx, make_pdf
from test_web import launch_server
from test_web_browser import HOSTILE_HTML, HOSTILE_HTML_NAME, HOSTILE_MD

from assistant.config import Settings
from assistant.ingest import DocumentError, read_document
from assistant.store import Index, IndexStateError, current_generation

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")

LIMIT = 200_000  # bytes: every seed is well under it (the largest is 26 KB)
TELEMEDICINE_Q = "What was the telemedicine market size in 2023?"
TELEMEDICINE_DOC = "004_cc81a9a3a938ae48.txt"

BIG5_TEXT = "遠距醫療機器人市場在2023年達到新臺幣四十億元，年增率為百分之十二。穿戴式裝置是主要成長動能。"
MALFORMED_HTML = (
    "<html><body><h1>Gizmo outlook<p>The gizmo market in Quuxland grew 23 percent in 2025 <b>despite <i>supply "
    "issues<p>Gizmo prices: 3 < 5 and 7 > 2 for basic gizmo units, says the Quuxland gizmo board.<div>Unclosed div "
    "<table><tr><td>Quuxland gizmo cell<td>41%<tr><td>second row</table></span></i></p></p>"
    "<script>window.__malformed = 1"
)
ODD_NAMES = {  # name -> a sentence only that file holds
    "市場報告 2024.md": "The lantern market in Brightvale reached 812 million crowns in 2024.",
    "📈 growth ☕ café.md": "The espresso robot market in Kaffland grew 31 percent in 2025.",
    "e\u0301clair nfd.md": "The pastry drone market in Patisserie Bay doubled in 2026.",
}
SAME_NAME = {  # the same relative name "same.md" in three folders all called "reports"
    "one": "The alpha widget market in Zantor grew 11 percent in 2024.",
    "two": "The beta widget market in Yorvik shrank 4 percent in 2024.",
    "three": "The gamma widget market in Xandu reached 77 million ducats in 2024.",
}
UNDECODABLE_NAME = b"undecodable-\xff.md"  # a file name that is not UTF-8


# The chat's own attributes (values it writes itself: numbers, ids, its own labels), never a report's.
ALLOWED_ATTRIBUTES = {"class", "data-cite", "data-turn", "data-doc", "data-copy", "data-done", "type", "title", "role",
                      "hidden", "readonly"}


def inert_html(fragment: str) -> str:
    """Parse a fragment as a browser would: only the page's own tags and
    attributes (no event handler, link, source or style), no template syntax.
    Returns the text a reader sees."""
    from html.parser import HTMLParser

    from test_web import ALLOWED_TAGS

    seen: list[tuple[str, list]] = []
    text: list[str] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            seen.append((tag, attrs))

        def handle_startendtag(self, tag, attrs):
            seen.append((tag, attrs))

        def handle_data(self, data):
            text.append(data)

    parser = Parser(convert_charrefs=True)
    parser.feed(fragment)
    parser.close()
    for tag, attrs in seen:
        assert tag in ALLOWED_TAGS, (tag, attrs)
        assert {name for name, _ in attrs} <= ALLOWED_ATTRIBUTES, (tag, attrs)
    assert "${" not in fragment and "{{" not in fragment and "`" not in fragment
    return "".join(text)


def one_line(message: str) -> None:
    assert message and "\n" not in message and "\r" not in message and "Traceback" not in message, message


# ------------------------------------------------------------------ bad files

def make_encrypted_pdf(path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    plain = path.with_name("plain-for-encryption.pdf")
    make_pdf(plain, ["Confidential: the hovercraft market grew 12 percent in 2024."])
    writer = PdfWriter(clone_from=PdfReader(str(plain)))
    writer.encrypt(user_password="secret", owner_password="owner")
    with open(path, "wb") as handle:
        writer.write(handle)
    plain.unlink()


def make_corrupt_pdf(path: Path) -> None:
    """A real PDF cut in half (a broken download)."""
    make_pdf(path, ["The drone market grew 9 percent in 2024 in Vexland.", "Page two about drones."])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def make_docx_bomb(path: Path, unzipped_bytes: int) -> None:
    """A valid DOCX with one extra member that is tiny zipped and huge unzipped."""
    base = path.with_name("base-for-bomb.docx")
    make_docx(base)
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        with target.open("word/media/padding.bin", "w") as member:
            block = b"\0" * (1 << 20)
            for _ in range(unzipped_bytes // len(block)):
                member.write(block)
    base.unlink()


def make_lying_docx(path: Path) -> None:
    """A DOCX whose zip directory claims document.xml is 1 KB while it unzips to 20 MB."""
    import struct

    base = path.with_name("base-for-liar.docx")
    make_docx(base)
    with zipfile.ZipFile(base) as source:
        members = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    base.unlink()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members:
            if name == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + b" " * (20 << 20), 1)
            target.writestr(name, data)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        offset = archive.getinfo("word/document.xml").header_offset
    struct.pack_into("<I", raw, offset + 22, 1000)  # local header: uncompressed size
    position = 0
    while (position := raw.find(b"PK\x01\x02", position)) >= 0:  # central directory entries
        name_length = struct.unpack_from("<H", raw, position + 28)[0]
        if raw[position + 46 : position + 46 + name_length] == b"word/document.xml":
            struct.pack_into("<I", raw, position + 24, 1000)
        position += 4
    path.write_bytes(bytes(raw))


def test_invalid_utf8_is_read_with_a_warning(tmp_path):
    path = tmp_path / "bad_utf8.txt"
    path.write_bytes(b"The sprocket market grew \xff\xfe 17 percent in 2024 \xc3\x28 across Zorbland.")
    doc = read_document(path)
    assert "The sprocket market grew" in doc.text and "17 percent in 2024" in doc.text
    assert doc.warnings == ["bad_utf8.txt: not valid UTF-8; undecodable bytes were replaced."]


@pytest.mark.parametrize("text", [BIG5_TEXT, "臺灣的遠距醫療市場在2023年達到新臺幣五十億元。", "報告指出，雲端平台是主要成長動能。"])
def test_big5_text_is_detected(tmp_path, text):
    path = tmp_path / "big5.txt"
    path.write_bytes(text.encode("big5"))
    doc = read_document(path)
    assert doc.text == text
    assert doc.warnings == ["big5.txt: not UTF-8; read as big5."]


def test_gbk_text_still_reads_as_gb18030(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("远程医疗市场在2023年达到50亿元，同比增长12%。报告指出，可穿戴设备是主要增长动力。".encode("gbk"))
    doc = read_document(path)
    assert "远程医疗市场" in doc.text and "gb18030" in doc.warnings[0]


def test_malformed_html_keeps_the_text_and_drops_the_script(tmp_path):
    path = tmp_path / "malformed.html"
    path.write_text(MALFORMED_HTML, encoding="utf-8")
    doc = read_document(path)
    assert "The gizmo market in Quuxland grew 23 percent in 2025 despite supply issues" in doc.text
    assert "3 < 5 and 7 > 2" in doc.text
    assert "Quuxland gizmo cell | 41%" in doc.text
    assert "window" not in doc.text and "<" not in doc.text.replace("3 < 5", "")


@pytest.mark.parametrize("maker, reason", [
    (make_encrypted_pdf, "the PDF is encrypted"),
    (make_corrupt_pdf, "not a readable PDF"),
])
def test_encrypted_and_corrupt_pdf(tmp_path, maker, reason):
    path = tmp_path / "report.pdf"
    maker(path)
    with pytest.raises(DocumentError) as raised:
        read_document(path)
    message = str(raised.value)
    one_line(message)
    assert message.startswith("report.pdf: ") and reason in message


def test_docx_bomb_is_capped(tmp_path):
    path = tmp_path / "bomb.docx"
    make_docx_bomb(path, 8 << 20)
    assert path.stat().st_size < 100_000  # tiny on disk
    with pytest.raises(DocumentError) as raised:
        read_document(path, max_bytes=1 << 20)  # cap: 4 x the file size limit
    one_line(str(raised.value))
    assert re.fullmatch(r"bomb\.docx: unzips to 8\.\d MB, over the 4\.0 MB limit\.", str(raised.value)), raised.value


def test_docx_that_lies_about_its_size_is_refused(tmp_path):
    path = tmp_path / "liar.docx"
    make_lying_docx(path)
    started = time.perf_counter()
    with pytest.raises(DocumentError) as raised:
        read_document(path, max_bytes=1 << 20)
    one_line(str(raised.value))
    assert str(raised.value).startswith("liar.docx: not a readable .docx file")
    assert time.perf_counter() - started < 10


def test_messages_show_odd_names_on_one_line(tmp_path):
    path = tmp_path / "line\nbreak \u202eexe.md"
    path.write_bytes(b"")
    with pytest.raises(DocumentError) as raised:
        read_document(path)
    one_line(str(raised.value))
    assert str(raised.value).startswith("line\\nbreak \\u202eexe.md: ")


# ------------------------------------------------------ bad files in a build

@pytest.fixture(scope="module")
def corpus(tmp_path_factory, seeds_index):
    """The seeds plus good, odd, hostile and bad files in three folders all named
    ``reports``, built with a 200 KB file size limit on top of the seeds' index."""
    from assistant.indexer import build_index

    root = tmp_path_factory.mktemp("reliability")
    folders = {key: root / key / "reports" for key in SAME_NAME}
    shutil.copytree(SEEDS, folders["one"])
    folders["two"].mkdir(parents=True)
    folders["three"].mkdir(parents=True)
    one = folders["one"]
    for key, sentence in SAME_NAME.items():
        (folders[key] / "same.md").write_text(f"# Widgets\n\n{sentence}\n", encoding="utf-8")
    for name, sentence in ODD_NAMES.items():
        (one / name).write_text(f"# Odd name\n\n{sentence}\n", encoding="utf-8")
    (one / "big5 報告.txt").write_bytes(BIG5_TEXT.encode("big5"))
    (one / "bad_utf8.md").write_bytes(b"# Sprockets\n\nThe sprocket market grew \xff\xfe 17 percent in 2024 across Zorbland.\n")
    (one / "malformed.html").write_text(MALFORMED_HTML, encoding="utf-8")
    (one / "hostile_report.md").write_text(HOSTILE_MD, encoding="utf-8")
    (one / HOSTILE_HTML_NAME).write_text(HOSTILE_HTML, encoding="utf-8")
    # the bad ones
    make_encrypted_pdf(one / "encrypted.pdf")
    make_corrupt_pdf(one / "corrupt.pdf")
    make_docx_bomb(one / "bomb.docx", 2 << 20)  # over 4 x 200 KB unzipped
    (one / "huge.txt").write_text("The huge report repeats itself. " * (2 * LIMIT // 32 + 1), encoding="utf-8")
    (one / "line\nbreak.md").write_bytes(b"   \n")
    with open(os.fsencode(one) + b"/" + UNDECODABLE_NAME, "wb") as handle:
        handle.write(b"The unnamed market grew 5 percent.\n")

    index_dir = root / "index"
    shutil.copytree(seeds_index, index_dir)
    settings = Settings(max_file_bytes=LIMIT)
    docs = [folders["one"], folders["two"], folders["three"]]
    report = build_index(docs, index_dir, settings)
    return SimpleNamespace(root=root, docs=docs, index_dir=index_dir, settings=settings, report=report)


@pytest.fixture(scope="module")
def corpus_assistant(corpus):
    from assistant.pipeline import Assistant

    return Assistant(corpus.index_dir, corpus.settings, check_fresh=False)


EXPECTED_SKIPS = {  # how the line starts -> what it must say
    "encrypted.pdf: ": "the PDF is encrypted",
    "corrupt.pdf: ": "not a readable PDF",
    "bomb.docx: ": "MB, over the 0.8 MB limit",  # 4 x the 200 KB file size limit
    "huge.txt: ": "0.4 MB is over the 0.2 MB file size limit",
    "line\\nbreak.md: ": "the file is empty",
    "undecodable-\\udcff.md: ": "the file name is not valid UTF-8",
}
GOOD_FILES = {path.name for path in SEEDS.glob("*.txt")} | set(ODD_NAMES) | {
    "big5 報告.txt", "bad_utf8.md", "malformed.html", "hostile_report.md", HOSTILE_HTML_NAME,
    "same.md", "reports/same.md", "reports~2/same.md"}


def test_build_lists_each_bad_file_once_and_indexes_the_rest(corpus):
    report = corpus.report
    assert len(report.skipped) == len(EXPECTED_SKIPS), report.skipped
    for start, reason in EXPECTED_SKIPS.items():
        lines = [line for line in report.skipped if line.startswith(start)]
        assert len(lines) == 1 and reason in lines[0], (start, report.skipped)
    for line in report.skipped:
        one_line(line)
    summary = report.summary()
    one_line(summary)
    assert f"Skipped {len(EXPECTED_SKIPS)}: " in summary and all(line in summary for line in report.skipped)
    index = Index.load(corpus.index_dir)
    assert set(index.manifest.files) == GOOD_FILES
    assert {chunk.doc_id for chunk in index.chunks} == GOOD_FILES
    assert report.files == len(GOOD_FILES)
    assert sorted(report.warnings) == ["bad_utf8.md: not valid UTF-8; undecodable bytes were replaced.",
                                       "big5 報告.txt: not UTF-8; read as big5."], report.warnings


def test_cli_build_names_each_problem_file_on_one_line(tmp_path, seeds_index):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEEDS / TELEMEDICINE_DOC, docs / TELEMEDICINE_DOC)
    make_encrypted_pdf(docs / "encrypted.pdf")
    make_corrupt_pdf(docs / "corrupt.pdf")
    (docs / "big5.txt").write_bytes(BIG5_TEXT.encode("big5"))
    (docs / "bad_utf8.md").write_bytes(b"The sprocket market grew \xff\xfe 17 percent in 2024 across Zorbland.\n")
    index_dir = tmp_path / "index"
    shutil.copytree(seeds_index, index_dir)  # its vectors are re-used; its folder is not kept
    result = run_cli("build", "--docs", str(docs), "--index", str(index_dir), "--drop-folder", str(SEEDS))
    stdout, stderr = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    assert result.returncode == 0, stderr
    assert stdout.count("\n") == 1 and stdout.startswith("Indexed 3 files: "), stdout
    assert ("Skipped 2: corrupt.pdf: not a readable PDF (PdfStreamError). "
            "encrypted.pdf: the PDF is encrypted; save an unencrypted copy and add that.") in stdout
    assert sorted(stderr.splitlines()) == ["warning: bad_utf8.md: not valid UTF-8; undecodable bytes were replaced.",
                                           "warning: big5.txt: not UTF-8; read as big5."], stderr


def test_rebuild_with_bad_files_is_current_and_still_lists_them(corpus):
    """An unchanged bad file neither forces a new generation nor drops out of the summary."""
    from assistant.indexer import build_index

    before = current_generation(corpus.index_dir)
    report = build_index(corpus.docs, corpus.index_dir, corpus.settings)
    assert report.changed is False and current_generation(corpus.index_dir) == before
    assert sorted(report.skipped) == sorted(corpus.report.skipped)
    assert "is current" in report.summary() and "Skipped 6: " in report.summary()


def test_a_bad_file_does_not_make_the_index_look_out_of_date(corpus):
    from assistant.pipeline import Assistant

    assistant = Assistant(corpus.index_dir, corpus.settings)  # check_fresh=True
    assert assistant.index.manifest.skipped


def test_big5_and_malformed_html_are_searchable(corpus, corpus_assistant):
    index = corpus_assistant.index
    assert BIG5_TEXT in index.document("big5 報告.txt").text
    hits = corpus_assistant.search("遠距醫療機器人市場", k=3, mode="lexical")
    assert hits[0].chunk.doc_id == "big5 報告.txt"
    answer = corpus_assistant.ask("How much did the gizmo market in Quuxland grow in 2025?")
    assert answer.quotes and answer.quotes[0].citation.doc_id == "malformed.html"
    assert "23 percent" in answer.quotes[0].text
    assert "window" not in index.document("malformed.html").text


@pytest.mark.parametrize("key", list(SAME_NAME))
def test_same_name_in_three_folders_keeps_all_three(corpus, corpus_assistant, key):
    doc_id = {"one": "same.md", "two": "reports/same.md", "three": "reports~2/same.md"}[key]
    index = corpus_assistant.index
    assert index.manifest.files[doc_id]["path"] == str(corpus.root / key / "reports" / "same.md")
    assert SAME_NAME[key] in index.document(doc_id).text
    place = re.search(r"in (\w+) ", SAME_NAME[key]).group(1)
    answer = corpus_assistant.ask(f"What happened to the widget market in {place} in 2024?")
    assert answer.quotes[0].citation.doc_id == doc_id and place in answer.quotes[0].text


@pytest.mark.parametrize("name", list(ODD_NAMES))
def test_odd_unicode_names_are_indexed_and_cited(corpus_assistant, name):
    from assistant.web import _turn_from_answer, render_transcript

    sentence = ODD_NAMES[name]
    place = re.search(r"in ([A-Z]\w+(?: Bay)?)", sentence).group(1)
    answer = corpus_assistant.ask(f"What happened to the market in {place}?")
    assert answer.quotes[0].citation.doc_id == name and answer.quotes[0].text == sentence
    html = render_transcript([_turn_from_answer(0, answer, {})])
    assert name in html  # printable Unicode stays as it is


# --------------------------------------------------------------- questions

QUESTIONS = [  # (case, question, what must happen: "error" words, or "answer")
    ("empty", "", "empty"),
    ("blank", " \t\n\u3000 ", "empty"),
    ("100k characters", "telemedicine market " * 5000, "characters long"),
    ("only emoji", "😀🚀🏥📈" * 10, "no words"),
    ("only punctuation", "?!…。，、；：「」()[]{}<>--", "no words"),
    ("zero-width and bidi only", "\u200b\u200d\u202e\ufeff", "no words"),
    ("mixed scripts", "telemedicine 市场规模 2023 телемедицина سوق", "answer"),
    ("control characters", "\x01\x02telemedicine\x7f market\x1b[31m size\u200b\u202e in 2023\x00?", "answer"),
    ("emoji with words", "🏥 telemedicine market size 2023? 📈", "answer"),
]


def check_outcome(outcome, expected: str) -> None:
    from assistant.query import QuestionError

    if expected == "answer":
        assert not isinstance(outcome, Exception), outcome
        assert outcome.quotes or outcome.abstained
        if outcome.quotes:
            assert TELEMEDICINE_DOC in {quote.citation.doc_id for quote in outcome.quotes}
    else:
        assert isinstance(outcome, QuestionError), outcome
        one_line(str(outcome))
        assert expected in str(outcome) and str(outcome).endswith(".")


@pytest.mark.parametrize("case, question, expected", QUESTIONS, ids=[case for case, _, _ in QUESTIONS])
def test_hostile_questions_through_the_assistant(assistant, case, question, expected):
    from assistant.query import QuestionError

    try:
        outcome = assistant.ask(question)
    except QuestionError as error:
        outcome = error
    check_outcome(outcome, expected)


def test_lone_surrogates_through_the_assistant(assistant):
    answer = assistant.ask("\ud800 telemedicine market size in 2023 \udcff")
    assert answer.quotes or answer.abstained


@pytest.mark.parametrize("case, question, expected", QUESTIONS, ids=[case for case, _, _ in QUESTIONS])
def test_hostile_questions_through_the_cli(seeds_index, capsys, case, question, expected):
    from assistant.cli import main

    question = question.replace("\x00", "")  # a NUL cannot be in a command line
    status = main(["ask", question, "--index", str(seeds_index)])
    out, err = capsys.readouterr()
    if expected == "answer":
        assert status == 0 and err == "", err
        assert "Sources:" in out or "Possibly related:" in out
    else:
        assert status == 2 and out == ""
        one_line(err.rstrip("\n"))
        assert err.startswith("error: ") and expected in err


def run_cli(*args, timeout: int = 300) -> subprocess.CompletedProcess:
    """The real command in a subprocess; arguments may be bytes (not UTF-8)."""
    command = [os.fsencode(sys.executable), b"-m", b"assistant.cli", *(os.fsencode(a) if isinstance(a, str) else a
                                                                     for a in args)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, timeout=timeout,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONIOENCODING": "utf-8"})


def test_cli_question_with_bytes_that_are_not_utf8(seeds_index):
    result = run_cli("ask", b"\xff\xfe telemedicine \x01market size in 2023 \xc3\x28", "--index", str(seeds_index))
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert TELEMEDICINE_DOC in result.stdout.decode("utf-8")


# ------------------------------------------------------------ damaged index

@pytest.mark.parametrize("command, damage", [("search", "truncated faiss"), ("ask", "edited manifest"),
                                             ("ask", "missing document text")])
def test_cli_damaged_index_is_one_line_with_the_rebuild_command(seeds_copy, command, damage):
    docs, index_dir = seeds_copy
    generation = current_generation(index_dir)
    if damage == "truncated faiss":
        faiss_file = generation / "dense.faiss"
        faiss_file.write_bytes(faiss_file.read_bytes()[:200])
    elif damage == "edited manifest":
        manifest = generation / "manifest.json"
        manifest.write_text(manifest.read_text(encoding="utf-8").replace('"n_chunks"', '"n_chunkz"'), encoding="utf-8")
    else:
        for npz in (generation / "docs").glob("*.npz"):
            npz.unlink()
    result = run_cli(command, TELEMEDICINE_Q, "--index", str(index_dir))
    stderr = result.stderr.decode("utf-8")
    assert result.returncode == 2, stderr
    assert result.stdout == b""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert f"run `assistant build --docs {docs.resolve()} --index {index_dir}`" in lines[0] or \
        f"run `assistant build --docs seeds --index {index_dir}`" in lines[0], lines[0]  # the folder the index covers


def test_missing_document_text_makes_the_index_refused_so_build_repairs_it(seeds_copy):
    """Index.load checks that every document's text is there: otherwise `assistant
    build` would call the damaged index current and never repair it."""
    _, index_dir = seeds_copy
    next((current_generation(index_dir) / "docs").glob("*.npz")).unlink()
    with pytest.raises(IndexStateError) as raised:
        Index.load(index_dir)
    one_line(str(raised.value))
    assert "assistant build" in str(raised.value)


# ------------------------------------------------------------ the web API

@pytest.fixture
def web(tmp_path, seeds_index):
    app, url, index_dir, uploads = launch_server(tmp_path, seeds_index)
    from gradio_client import Client

    yield SimpleNamespace(app=app, url=url, index_dir=index_dir, uploads=uploads, chat=app.web_chat,
                          client=Client(url, verbose=False))
    app.close()


def raw_api_call(url: str, api_name: str, data: list):
    """Gradio's HTTP API by hand: POST the call, read the event stream's result."""
    import httpx

    body = json.dumps({"data": data}, ensure_ascii=True).encode("ascii")
    response = httpx.post(f"{url}gradio_api/call/{api_name}", content=body,
                          headers={"Content-Type": "application/json"}, timeout=30)
    response.raise_for_status()
    stream = httpx.get(f"{url}gradio_api/call/{api_name}/{response.json()['event_id']}", timeout=60).text
    assert "event: complete" in stream, stream
    payload = stream.split("event: complete", 1)[1].split("data:", 1)[1].strip().splitlines()[0]
    return json.loads(payload)[0]


@pytest.mark.slow
def test_web_hostile_questions(web):
    client = web.client
    # hostile questions: a sentence or an answer, never the generic failure
    for case, question, expected in QUESTIONS + [("lone surrogates", "\ud800 telemedicine market size 2023 \udcff",
                                                  "answer")]:
        if case == "lone surrogates":  # valid JSON ("\ud800" escapes), but httpx will not encode it: send it raw
            result = raw_api_call(web.url, "ask", [question, 5, "hybrid"])
        else:
            result = client.predict(question, 5, "hybrid", api_name="/ask")
        if expected == "answer":
            assert "error" not in result, (case, result)
            assert TELEMEDICINE_DOC in {quote["citation"]["doc_id"] for quote in result["answer"]}, case
        else:
            assert set(result) == {"error"} and expected in result["error"], (case, result)
            one_line(result["error"])


@pytest.mark.slow
def test_web_damaged_index_is_one_sentence(web):
    """The text of one report disappears from the generation the server has open."""
    client = web.client
    generation = current_generation(web.index_dir)
    sha = web.chat.assistant.index.manifest.files["003_c2df3797af6a6a40.txt"]["sha256"]
    (generation / "docs" / f"{sha}.npz").unlink()
    result = client.predict("What was the connected medical devices market valued at in 2025?", 5, "hybrid",
                            api_name="/ask")
    assert set(result) == {"error"}, result
    one_line(result["error"])
    assert "damaged" in result["error"] and f"assistant build --docs {SEEDS} --index {web.index_dir}" in result["error"]
    assert "Traceback" not in result["error"] and "Something went wrong" not in result["error"]


@pytest.mark.slow
def test_web_follows_an_index_rebuilt_by_another_process(web, tmp_path):
    """`assistant build` run twice on the index a server has open prunes the
    server's generation: the server switches to the live one instead of failing."""
    from assistant.indexer import build_index

    opened = web.chat.assistant.index.gen_dir
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    target = docs / TELEMEDICINE_DOC
    target.chmod(0o644)
    for n in (1, 2):
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(f"\n\nUpdate {n}: Zorbville installed {n * 40} telemedicine kiosks in 2025.\n")
        build_index([docs], web.index_dir)
    assert not opened.exists()  # pruned: the server's open generation is gone
    result = web.client.predict("What was the connected medical devices market valued at in 2025?", 5, "hybrid",
                                api_name="/ask")
    assert "error" not in result, result
    assert result["answer"][0]["citation"]["doc_id"] == "003_c2df3797af6a6a40.txt"
    assert web.chat.assistant.index.gen_dir == current_generation(web.index_dir)
    result = web.client.predict("How many telemedicine kiosks did Zorbville install in 2025?", 5, "hybrid",
                                api_name="/ask")
    assert any("80 telemedicine kiosks" in quote["text"] for quote in result["answer"]), result


@pytest.mark.slow
def test_web_cannot_read_or_write_outside_its_folders(web, tmp_path):
    import httpx
    from gradio_client import handle_file

    secret = tmp_path / "secret_outside.md"
    secret.write_text("Secret: the zorg market is worth 5 billion zorgs.\n", encoding="utf-8")
    # 1. the upload API given a server path instead of an uploaded file
    for path in (str(secret), "/etc/hostname", str(SEEDS / TELEMEDICINE_DOC), "../../" + str(secret)):
        payload = [{"path": path, "meta": {"_type": "gradio.FileData"}, "orig_name": "stolen.md"}]
        response = httpx.post(web.url + "gradio_api/call/upload", json={"data": [payload]}, timeout=30)
        if response.status_code == 200:
            event = response.json()["event_id"]
            stream = httpx.get(web.url + f"gradio_api/call/upload/{event}", timeout=60).text
            assert "event: error" in stream and "zorg" not in stream, stream
        assert list(visible(web.uploads)) == []
    # 2. the file route: not the reports, not the index, not anything else
    for path in (secret, SEEDS / TELEMEDICINE_DOC, web.index_dir / "CURRENT", Path("/etc/passwd")):
        response = httpx.get(web.url + f"gradio_api/file={path}", timeout=30)
        assert response.status_code in (403, 404), (path, response.status_code)
        assert "zorg" not in response.text and "telemedicine" not in response.text.lower()
    # 3. an upload named like a shipped report lands in the uploads folder; the report is untouched
    seed_bytes = (SEEDS / TELEMEDICINE_DOC).read_bytes()
    fake = tmp_path / TELEMEDICINE_DOC
    fake.write_text("Overwrite attempt: the kazoo market grew 99 percent in 2031.\n", encoding="utf-8")
    result = web.client.predict([handle_file(str(fake))], api_name="/upload")
    renamed = TELEMEDICINE_DOC.replace(".txt", " (2).txt")  # a shipped report is never shadowed
    try:
        assert result["added"] == [renamed], result
        assert any("a shipped report has that name" in line for line in result["problems"]), result
        assert (SEEDS / TELEMEDICINE_DOC).read_bytes() == seed_bytes
        files = web.chat.assistant.index.manifest.files
        assert {TELEMEDICINE_DOC, renamed} <= set(files)
        answer = web.client.predict(TELEMEDICINE_Q, 5, "hybrid", api_name="/ask")
        assert answer["answer"][0]["citation"]["doc_id"] == TELEMEDICINE_DOC
    finally:
        removed = web.client.predict(renamed, api_name="/remove")
    assert "Removed" in removed["message"] and (SEEDS / TELEMEDICINE_DOC).read_bytes() == seed_bytes
    assert list(visible(web.uploads)) == []


# ------------------------------------------------ viewer: keys and doc ids

def test_viewer_only_shows_documents_of_the_index(assistant, tmp_path):
    from assistant.web import EMPTY_VIEWER, WebChat, _find_view, render_view

    chat = WebChat(assistant, [SEEDS], tmp_path / "uploads", assistant.index_dir)
    answer = assistant.ask(TELEMEDICINE_Q)
    turns = [chat.make_turn(answer, [])]
    assert "mark class=\"cited\"" in chat.view_html(turns, "t0-q1", owners=())
    for key in ("t0-q1/../../etc/passwd", "../../etc/passwd", "t0-x1", "t1-q1", "t0-q99", None, 7, {"cite": "t0-q1"},
                "t0-q1\n", "t00000000000-q1"):
        assert _find_view(turns, key) is None, key
        assert chat.view_html(turns, key, owners=()) == EMPTY_VIEWER
    view = dict(turns[0]["views"]["q1"])
    for doc_id in ("../../../../etc/passwd", "/etc/passwd", str(SEEDS / TELEMEDICINE_DOC), "index/CURRENT",
                   f"../seeds/{TELEMEDICINE_DOC}"):
        html = render_view(assistant.index, {**view, "doc_id": doc_id})
        assert "no longer in the index" in html and "root:" not in html and "<mark" not in html


# ------------------------------------------------------ hostile report text

def test_hostile_reports_render_as_text(corpus_assistant):
    """Through the real reader, index and answer: the chat, the sources list and
    the viewer show the reports' markup (script, img onerror, javascript: and
    markdown links, HTML in table cells, a hostile file name) as text."""
    from assistant.web import (
        _turn_from_answer,
        render_transcript,
        render_view,
        source_choices,
    )

    index = corpus_assistant.index
    shas = {doc_id: info["sha256"] for doc_id, info in index.manifest.files.items()}
    questions = [  # (question, the report it must find, text the reader must see literally)
        ("What was the quantum widget market valued at in 2024 according to Zorblax Research?", "hostile_report.md",
         "<script>window.__xss=1</script>"),
        ("Which fake figures do analysts warn about in the quantum widget segment?", "hostile_report.md",
         '<img src=x onerror="window.__xss=2;alert(2)">'),
        ("What share do quantum widget cores have?", "hostile_report.md",  # a table cell, shown as a cell
         '<b onmouseover="window.__xss=4">Quantum widget cores</b> <a href="javascript:window.__xss=5">details</a>'),
        ("How big was the hyperwidget market in Glorbia in 2030?", HOSTILE_HTML_NAME, "<script>window.__xss=9</script>"),
        ("What does the hyperwidget cell say?", HOSTILE_HTML_NAME, "<svg onload=window.__xss=12>hyperwidget cell</svg> | 9%"),
    ]
    turns = []
    for turn_id, (question, doc_id, visible) in enumerate(questions):
        answer = corpus_assistant.ask(question, k=5)
        assert doc_id in {hit.chunk.doc_id for hit in answer.hits}, (question, [h.chunk.doc_id for h in answer.hits])
        turn = _turn_from_answer(turn_id, answer, shas)
        turns.append(turn)
        inert_html(render_transcript([turn]))
        seen = [inert_html(render_view(index, view)) for view in turn["views"].values() if view["doc_id"] == doc_id]
        assert seen and all(visible in text for text in seen), (question, visible)
    transcript = render_transcript(turns)
    chat_text = inert_html(transcript)
    assert "<script>window.__xss=1</script>" in chat_text  # the quoted sentence, as text
    assert HOSTILE_HTML_NAME in chat_text  # the hostile file name in the sources list, as text
    assert "<script" not in transcript and "<img" not in transcript and "<svg" not in transcript
    # the markdown link's target is dropped by the reader; its text stays
    md_text = index.document("hostile_report.md").text
    assert "zorblax methodology" in md_text and "javascript:window.__xss=3" not in md_text
    # the sources dropdown: labels are plain text for Gradio, keys are our own ids only
    for label, key in source_choices(turns):
        assert re.fullmatch(r"t\d+-[qh]\d+", key)
    # the hostile HTML file's head script is dropped; its escaped entities are literal text, shown as text
    clean = index.document(HOSTILE_HTML_NAME).text
    assert "<script>window.__xss=9</script>" in clean and "window.__xss=8" not in clean
    text = inert_html(render_view(index, {"doc_id": HOSTILE_HTML_NAME, "start": 0, "end": 10, "title": HOSTILE_HTML_NAME,
                                          "sha256": shas[HOSTILE_HTML_NAME], "question": "<img src=x onerror=1>"}))
    assert clean in text and "<img src=x onerror=1>" in text


# ------------------------------------------------------ builds killed -9

CRASH_Q = "What was the connected medical devices market valued at in 2025, and what is projected for 2032?"
CRASH_DOC = "003_c2df3797af6a6a40.txt"


def _tmp_dirs(index_dir: Path) -> list[Path]:
    return [path for path in index_dir.glob(".tmp-gen-*") if path.is_dir()]


def _moments(index_dir: Path, generations: set[Path]):
    """(label, trigger(elapsed seconds) -> bool), in the order a build passes them."""
    def newest_tmp() -> Path | None:
        fresh = [path for path in _tmp_dirs(index_dir) if path.name not in seen_tmps]
        return fresh[0] if fresh else None

    seen_tmps: set[str] = set()

    def reading(_):
        return newest_tmp() is not None

    def embedding(_):
        tmp = newest_tmp()
        return tmp is not None and len(list((tmp / "docs").glob("*.npz"))) >= 5

    def writing(_):
        tmp = newest_tmp()
        return tmp is not None and (tmp / "chunks.jsonl").exists()

    def publishing(_):
        tmp = newest_tmp()
        if tmp is not None and (tmp / "manifest.json").exists():
            return True
        return any(path not in generations for path in index_dir.glob("gen-*"))

    # Past the first half second, moments are the build's own stages, not seconds: a build without
    # torch can finish within two seconds, and a kill after it would test nothing.
    moments = [("after 0.5 s", lambda t: t >= 0.5),
               ("reading files", reading), ("embedding", embedding), ("writing", writing), ("publishing", publishing)]
    return moments, seen_tmps


@pytest.mark.slow
def test_killed_builds_lose_nothing(seeds_copy):
    from assistant.indexer import build_index
    from assistant.pipeline import Assistant
    from assistant.store import prune_generations

    docs, index_dir = seeds_copy
    target = docs / CRASH_DOC
    target.chmod(0o644)
    text = target.read_text(encoding="utf-8")
    # every fifth line changes, so a good part of its chunks are re-embedded
    lines = text.split("\n")
    changed = [i for i, line in enumerate(lines) if line.strip()][::5]
    target.write_text("\n".join(f"{line} (revised)" if i in changed else line for i, line in enumerate(lines)),
                      encoding="utf-8")

    live = current_generation(index_dir)
    assistant = Assistant(index_dir, check_fresh=False)
    before_hit = assistant.search(CRASH_Q)[0].chunk.chunk_id
    before_quotes = [(quote.citation.doc_id, quote.text) for quote in assistant.ask(CRASH_Q).quotes]
    assert assistant.index.document(CRASH_DOC).text.count("(revised)") == 0

    command = [sys.executable, "-m", "assistant.cli", "build", "--docs", str(docs), "--index", str(index_dir)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    moments, seen_tmps = _moments(index_dir, set(index_dir.glob("gen-*")))
    outcomes = []
    for label, trigger in moments:
        seen_tmps.update(path.name for path in _tmp_dirs(index_dir))  # leftovers of earlier kills
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        started = time.monotonic()
        killed_at = None
        while process.poll() is None and time.monotonic() - started < 120:
            elapsed = time.monotonic() - started
            if trigger(elapsed):
                os.kill(process.pid, signal.SIGKILL)
                killed_at = elapsed
                break
            time.sleep(0.002)
        process.wait(timeout=60)
        stderr = process.stderr.read().decode("utf-8", "replace")
        process.stderr.close()
        finished = process.returncode == 0
        outcomes.append((label, killed_at, process.returncode))
        if label != "publishing":
            assert process.returncode == -signal.SIGKILL, (label, process.returncode, stderr)
        assert "Traceback" not in stderr
        if finished or current_generation(index_dir) != live:
            # the kill came after the atomic switch: the new index is complete
            assert label == "publishing", outcomes
            new = Index.load(index_dir)
            assert new.document(CRASH_DOC).text.count("(revised)") == len(changed)
            break
        # the previous index is untouched: it loads and answers exactly as before
        assert current_generation(index_dir) == live, label
        assistant.reload()
        assert assistant.index.gen_dir == live
        assert assistant.search(CRASH_Q)[0].chunk.chunk_id == before_hit, label
        assert [(quote.citation.doc_id, quote.text) for quote in assistant.ask(CRASH_Q).quotes] == before_quotes, label
    print("\nkill -9 moments (label, seconds, exit status):", outcomes)

    # the next build completes and is current
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(("Indexed ", "Index ")), result.stdout
    assert current_generation(index_dir) != live
    fresh = Assistant(index_dir)  # check_fresh: the index matches the changed files
    hit = fresh.search(CRASH_Q)[0]
    assert hit.chunk.doc_id == CRASH_DOC and hit.chunk.chunk_id != before_hit
    assert fresh.index.document(CRASH_DOC).text.count("(revised)") == len(changed)
    assert build_index([docs], index_dir).changed is False

    # leftovers of the killed builds are only ever hidden folders, pruned once a minute old
    leftovers = _tmp_dirs(index_dir)
    old = time.time() - 120
    for path in leftovers:
        os.utime(path, (old, old))
    prune_generations(index_dir)
    assert _tmp_dirs(index_dir) == []
    assert Index.load(index_dir).gen_dir == current_generation(index_dir)
