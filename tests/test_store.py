"""Loading checks: a damaged, mismatched or missing index says so in one sentence."""
from __future__ import annotations

import json

import pytest

from assistant.config import Settings
from assistant.pipeline import Assistant
from assistant.store import Index, IndexStateError, current_generation


def assert_clear(error: IndexStateError) -> None:
    message = str(error)
    assert "assistant build" in message and "\n" not in message


def test_missing_index(tmp_path):
    with pytest.raises(IndexStateError) as raised:
        Index.load(tmp_path / "nothing")
    assert_clear(raised.value)
    assert "No index" in str(raised.value)


def test_truncated_faiss_file(seeds_copy):
    _, index_dir = seeds_copy
    faiss_file = current_generation(index_dir) / "dense.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    with pytest.raises(IndexStateError) as raised:
        Index.load(index_dir)
    assert_clear(raised.value)
    assert "damaged" in str(raised.value)


def test_edited_and_missing_manifest(seeds_copy):
    _, index_dir = seeds_copy
    manifest = current_generation(index_dir) / "manifest.json"
    manifest.write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexStateError) as raised:
        Index.load(index_dir)
    assert_clear(raised.value)
    manifest.unlink()
    with pytest.raises(IndexStateError):
        Index.load(index_dir)


def test_chunk_table_out_of_step_with_vectors(seeds_copy):
    _, index_dir = seeds_copy
    table = current_generation(index_dir) / "chunks.jsonl"
    lines = table.read_text(encoding="utf-8").splitlines(keepends=True)
    table.write_text("".join(lines[:-3]), encoding="utf-8")
    with pytest.raises(IndexStateError) as raised:
        Index.load(index_dir)
    assert "out of step" in str(raised.value)
    assert_clear(raised.value)


def test_index_built_with_another_model_is_refused(seeds_copy):
    _, index_dir = seeds_copy
    manifest_path = current_generation(index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["channels"]["dense"]["model"] = "some-other-model"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexStateError) as raised:
        Assistant(index_dir)
    assert "some-other-model" in str(raised.value)
    assert_clear(raised.value)


def test_stale_index_names_the_changed_file(seeds_copy):
    docs, index_dir = seeds_copy
    manifest_path = current_generation(index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["docs_dirs"] = [str(docs)]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    (docs / "002_923aa08538df08e9.txt").write_text("changed", encoding="utf-8")
    with pytest.raises(IndexStateError) as raised:
        Assistant(index_dir)
    assert "002_923aa08538df08e9.txt" in str(raised.value) and "out of date" in str(raised.value)
    assert_clear(raised.value)
