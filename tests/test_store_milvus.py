"""The Milvus backend, on a real Milvus Lite file: the same answers as the local one."""
from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, SEEDS

from assistant.config import Settings
from assistant.evaluation import evaluate, load_questions, run_questions
from assistant.indexer import build_index
from assistant.pipeline import Assistant
from assistant.store import IndexStateError, open_index

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

QUESTIONS = ROOT / "eval" / "questions.jsonl"


@pytest.fixture(scope="module")
def lite_file(tmp_path_factory):
    """One Milvus Lite file for this module (Lite allows one process per file)."""
    return tmp_path_factory.mktemp("milvus") / "index.db"


def milvus_settings(lite_file, collection: str = "seeds") -> Settings:
    return Settings().with_changes(store="milvus", milvus_uri=str(lite_file), milvus_collection=collection)


def one_report_on_milvus(lite_file, tmp_path, collection: str):
    """A folder with the first seed report, built into its own collection."""
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(sorted(SEEDS.glob("*.txt"))[0], docs)
    settings = milvus_settings(lite_file, collection)
    build_index([docs], tmp_path / "lock", settings)
    return docs, settings


@pytest.fixture(scope="module")
def milvus_assistant(lite_file, tmp_path_factory):
    settings = milvus_settings(lite_file)
    report = build_index([SEEDS], tmp_path_factory.mktemp("lock"), settings)
    assert report.chunks > 100 and report.embedded == report.chunks
    return Assistant(tmp_path_factory.mktemp("unused"), settings)


def test_eval_metrics_match_the_local_backend(milvus_assistant, assistant):
    questions = load_questions(QUESTIONS)[::2]  # half the tuning set keeps the test quick
    local = evaluate(run_questions(assistant, questions))["metrics"]
    milvus = evaluate(run_questions(milvus_assistant, questions))["metrics"]
    for name in ("hit@5", "mrr@10"):
        assert abs(milvus[name] - local[name]) <= 0.02, (name, milvus[name], local[name])


def test_the_same_chunks_and_bm25_scores(milvus_assistant, assistant):
    local, milvus = assistant.index, milvus_assistant.index
    assert [c.to_dict() for c in milvus.chunks] == [c.to_dict() for c in local.chunks]
    for query in ("telemedicine market size", "远程医疗 市场规模", "CAGR 2030 Asia Pacific"):
        expected = local.search_lexical(query, 20)
        found = milvus.search_lexical(query, 20)
        assert [row for row, _ in found][:10] == [row for row, _ in expected][:10]
        assert np.allclose([s for _, s in found], [s for _, s in expected], rtol=1e-4)
        rows = [row for row, _ in expected[:5]] + [0]
        assert np.allclose(milvus.lexical_scores(query, rows), local.lexical_scores(query, rows), rtol=1e-4, atol=1e-6)


def test_filters_and_vectors_match_the_local_backend(milvus_assistant, assistant):
    local, milvus = assistant.index, milvus_assistant.index
    rows = [0, 7, len(local.chunks) - 1]
    assert np.allclose(milvus.vectors("multilingual", rows), local.vectors("multilingual", rows), atol=1e-6)
    query = local.vectors("multilingual", [5])[0]
    some_doc = local.chunks[0].doc_id
    for exclude_lang, doc_ids in ((None, None), ("zh", None), ("en", {some_doc})):
        expected = local.search_dense("multilingual", query, 10, exclude_lang, doc_ids)
        found = milvus.search_dense("multilingual", query, 10, exclude_lang, doc_ids)
        assert [row for row, _ in found] == [row for row, _ in expected]


def test_answers_cite_the_same_spans(milvus_assistant, seeds_index):
    """The same pipeline on either store quotes the same spans.  Milvus keeps no sentence vectors, so its
    answers have no sentence list (the local store's extra candidate passages, docs/milvus.md) and its
    search no rows list (docs/tables.md): the local assistant here leaves both out too.  A two-sentence candidate's vector is the mean of its stored sentences'
    on the local store and its own embedding on Milvus, so the ranker's probabilities may differ a little;
    the quotes and their spans may not."""
    from dataclasses import replace

    without_list = replace(milvus_assistant.settings.answer, sentence_list_passages=0)
    local_assistant = Assistant(seeds_index, Settings(answer=without_list, retrieval=Settings().retrieval.without("rows")))
    milvus_assistant.settings = milvus_assistant.settings.with_changes(answer=without_list)
    questions = [q.question for q in load_questions(QUESTIONS)][::12]
    assert len(questions) >= 15
    for question in questions:
        local = local_assistant.ask(question).to_dict()
        milvus = milvus_assistant.ask(question).to_dict()
        assert milvus["abstained"] == local["abstained"], question
        def spans(answer):
            return [{key: value for key, value in q["citation"].items() if key != "score"} for q in answer["answer"]]

        assert spans(milvus) == spans(local), question
        assert [q["text"] for q in milvus["answer"]] == [q["text"] for q in local["answer"]], question


def test_incremental_update_and_deletion(lite_file, tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    settings = milvus_settings(lite_file, "updates")
    first = build_index([docs], tmp_path / "lock", settings)
    assert build_index([docs], tmp_path / "lock", settings).changed is False

    edited = sorted(docs.glob("*.txt"))[0]
    with open(edited, "a", encoding="utf-8") as handle:
        handle.write("\n\nThe zebrafish imaging segment reached 77.7 billion dollars in 2031.\n")
    second = build_index([docs], tmp_path / "lock", settings)
    assert 0 < second.embedded <= 5 and second.reused >= first.chunks - 5
    index = open_index(tmp_path / "unused", settings)
    found = index.search_lexical("zebrafish imaging segment", 3)
    assert found and "zebrafish" in index.chunks[found[0][0]].text
    stored = index.client.query(index.collections.chunks, filter="", output_fields=["count(*)"])[0]["count(*)"]
    assert stored == len(index.chunks) == second.chunks  # the edited file's old rows are gone

    removed = sorted(docs.glob("*.txt"))[1]
    removed_id = removed.name
    removed.unlink()
    third = build_index([docs], tmp_path / "lock", settings)
    index = open_index(tmp_path / "unused", settings)
    assert removed_id not in index.manifest.files and all(c.doc_id != removed_id for c in index.chunks)
    stored = index.client.query(index.collections.chunks, filter=f'doc_id == "{removed_id}"', output_fields=["key"])
    assert stored == [] and third.chunks == len(index.chunks)
    assert index.collections.blob_names("doc:") == {f"doc:{info['sha256']}" for info in index.manifest.files.values()}


def test_a_failed_build_leaves_the_previous_index_live(lite_file, tmp_path, monkeypatch):
    from assistant.store import milvus_client as milvus_store

    docs, settings = one_report_on_milvus(lite_file, tmp_path, "failing")
    before = open_index(tmp_path / "unused", settings)
    shutil.copy(sorted(SEEDS.glob("*.txt"))[1], docs)

    real_put = milvus_store.Collections.put_blob

    def put_blob_failing_at_state(self, name, data):
        if name.startswith("state:"):
            raise ConnectionError("the network went away")
        return real_put(self, name, data)

    monkeypatch.setattr(milvus_store.Collections, "put_blob", put_blob_failing_at_state)
    with pytest.raises(IndexStateError) as raised:
        build_index([docs], tmp_path / "lock", settings)
    assert "previous index is still live" in str(raised.value)
    monkeypatch.undo()

    after = open_index(tmp_path / "unused", settings)  # the new file's rows are there, but not named by the state
    assert [c.chunk_id for c in after.chunks] == [c.chunk_id for c in before.chunks]
    assert build_index([docs], tmp_path / "lock", settings).files == 2


@pytest.mark.parametrize("uri, words", [
    ("ftp://example.org/x", "not a Milvus address"),
    ("/no/such/folder/index.db", "does not exist"),
    ("http://127.0.0.1:1", "Cannot open Milvus at http://127.0.0.1:1"),
])
def test_a_bad_uri_gives_one_clear_sentence(uri, words):
    settings = Settings().with_changes(store="milvus", milvus_uri=uri)
    with pytest.raises(IndexStateError) as raised:
        open_index("unused", settings)
    message = str(raised.value)
    assert words in message and "\n" not in message and "Traceback" not in message


def test_missing_collection_names_the_build_command(lite_file):
    with pytest.raises(IndexStateError) as raised:
        open_index("unused", milvus_settings(lite_file, "never_built"))
    assert "assistant build" in str(raised.value) and "--store milvus" in str(raised.value)


@pytest.mark.slow
def test_cli_builds_and_answers_on_milvus_lite(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEEDS / "004_cc81a9a3a938ae48.txt", docs)
    uri = str(tmp_path / "cli.db")
    base = [sys.executable, "-m", "assistant.cli"]
    milvus = ["--store", "milvus", "--milvus-uri", uri]
    built = subprocess.run(base + ["build", "--docs", str(docs), *milvus], capture_output=True, text=True, cwd=ROOT)
    assert built.returncode == 0, built.stderr
    asked = subprocess.run(base + ["ask", "What is the telemedicine market size?", "--json", *milvus],
                           capture_output=True, text=True, cwd=ROOT)
    assert asked.returncode == 0, asked.stderr
    assert '"raw_start"' in asked.stdout and "004_cc81a9a3a938ae48.txt" in asked.stdout
    refused = subprocess.run(base + ["ask", "telemedicine", "--store", "milvus", "--milvus-uri", "http://127.0.0.1:1"],
                             capture_output=True, text=True, cwd=ROOT)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "Cannot open Milvus" in refused.stderr
    no_uri = subprocess.run(base + ["ask", "telemedicine", "--store", "milvus"], capture_output=True, text=True, cwd=ROOT)
    assert no_uri.returncode == 2 and "--milvus-uri" in no_uri.stderr


def test_an_open_index_sees_when_another_build_replaces_it(lite_file, tmp_path):
    """A server follows a newer build: ``is_live`` turns False once the pointer moves,
    and the reopened index has the new rows (the old ones are deleted at once)."""
    docs, settings = one_report_on_milvus(lite_file, tmp_path, "following")
    reader = Assistant(tmp_path / "unused", settings)
    assert reader.index.is_live()
    with open(next(docs.glob("*.txt")), "a", encoding="utf-8") as handle:
        handle.write("\n\nThe axolotl telemetry niche grew 12.5% in 2030.\n")
    build_index([docs], tmp_path / "lock", settings)
    assert not reader.index.is_live()
    reader.reload()
    assert reader.index.is_live()
    assert "axolotl" in reader.ask("How fast did the axolotl telemetry niche grow?").quotes[0].text


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
def test_web_chat_on_milvus_answers_uploads_and_removes(lite_file, tmp_path):
    """The real Gradio server, driven by gradio_client, on the Milvus store."""
    from gradio_client import Client, handle_file
    from test_web import free_port

    from assistant.web import create_app

    settings = milvus_settings(lite_file, "web")
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    build_index([SEEDS, uploads], tmp_path / "lock", settings)
    app = create_app(Assistant(tmp_path / "lock", settings), [SEEDS], uploads, tmp_path / "lock", settings)
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        answer = client.predict("What was the telemedicine market size in 2023?", 5, "hybrid", api_name="/ask")
        assert answer["answer"][0]["citation"]["doc_id"] == "004_cc81a9a3a938ae48.txt"

        report = tmp_path / "flux_report.md"
        report.write_text("# Flux capacitors\n\nThe flux capacitor market in Zorblaxia reached 987 million zorbs "
                          "in 2031.\n", encoding="utf-8")
        assert client.predict([handle_file(str(report))], api_name="/upload")["added"] == ["flux_report.md"]
        answer = client.predict("How big was the flux capacitor market in Zorblaxia?", 5, "hybrid", api_name="/ask")
        quote = answer["answer"][0]
        assert quote["citation"]["doc_id"] == "flux_report.md" and "987 million zorbs" in quote["text"]
        text = report.read_text(encoding="utf-8")
        assert text[quote["citation"]["raw_start"]:quote["citation"]["raw_end"]] == quote["text"]

        client.predict("flux_report.md", api_name="/remove")
        after = client.predict("How big was the flux capacitor market in Zorblaxia?", 5, "hybrid", api_name="/ask")
        assert all(hit["doc_id"] != "flux_report.md" for hit in after["hits"])
        index = open_index("unused", settings)
        assert index.client.query(index.collections.chunks, filter='doc_id == "flux_report.md"', output_fields=["key"]) == []
    finally:
        app.close()


def test_moving_a_local_index_to_milvus_embeds_nothing(lite_file, seeds_copy):
    """A first Milvus build with --index pointing at a local index re-uses its vectors."""
    _, index_dir = seeds_copy
    report = build_index([SEEDS], index_dir, milvus_settings(lite_file, "moved"))
    assert report.chunks > 100 and report.embedded == 0 and report.reused == report.chunks
    assert len(open_index("unused", milvus_settings(lite_file, "moved")).chunks) == report.chunks
