"""Loading checks: a damaged, mismatched or missing index says so in one sentence."""
from __future__ import annotations

import json

import numpy as np
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


def edit_manifest(index_dir, change) -> None:
    """Apply ``change`` to the live generation's manifest, as a hand edit would."""
    manifest_path = current_generation(index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    change(manifest)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


def test_index_built_with_another_model_is_refused(seeds_copy):
    _, index_dir = seeds_copy
    edit_manifest(index_dir, lambda manifest: manifest["channels"]["dense"].update(model="some-other-model"))
    with pytest.raises(IndexStateError) as raised:
        Assistant(index_dir)
    assert "some-other-model" in str(raised.value)
    assert_clear(raised.value)


def test_stale_index_names_the_changed_file(seeds_copy):
    docs, index_dir = seeds_copy
    edit_manifest(index_dir, lambda manifest: manifest.update(docs_dirs=[str(docs)]))
    (docs / "002_923aa08538df08e9.txt").write_text("changed", encoding="utf-8")
    with pytest.raises(IndexStateError) as raised:
        Assistant(index_dir)
    assert "002_923aa08538df08e9.txt" in str(raised.value) and "out of date" in str(raised.value)
    assert_clear(raised.value)
def test_top_rows_is_a_stable_argsort_prefix():
    from assistant.store import top_rows

    rng = np.random.default_rng(0)
    for n in (3, 100, 5000):
        for scores in (rng.integers(0, 4, n).astype(np.float32), rng.random(n).astype(np.float32)):
            assert top_rows(scores, 100).tolist() == np.argsort(-scores, kind="stable")[:100].tolist()


def test_filtered_dense_search_equals_brute_force_over_the_allowed_rows(seeds_index):
    """The language and document filters run inside FAISS: k hits come back
    however few rows pass, and they are the exact top-k of those rows."""
    import numpy as np

    index = Index.load(seeds_index)
    vectors = index.vectors("multilingual", list(range(len(index.chunks))))
    query = vectors[3]
    docs = sorted({chunk.doc_id for chunk in index.chunks})[:2]
    for exclude_lang, doc_ids in (("zh", None), ("en", None), (None, set(docs)), ("zh", {docs[0]})):
        allowed = [row for row, chunk in enumerate(index.chunks)
                   if chunk.lang != exclude_lang and (not doc_ids or chunk.doc_id in doc_ids)]
        expected = sorted(allowed, key=lambda row: -float(vectors[row] @ query))[:10]
        found = index.search_dense("multilingual", query, 10, exclude_lang=exclude_lang, doc_ids=doc_ids)
        assert [row for row, _ in found] == expected
        assert np.allclose([score for _, score in found], [vectors[row] @ query for row in expected], atol=1e-5)


def test_lexical_search_and_scores_agree_with_bm25(seeds_index):
    index = Index.load(seeds_index)
    query = "telemedicine market size"
    scores = index.lexical.scores(query)
    found = index.search_lexical(query, 20)
    assert [row for row, _ in found] == [int(row) for row in np.argsort(-scores, kind="stable")[:20] if scores[row] > 0]
    rows = [row for row, _ in found[:5]]
    assert index.lexical_scores(query, rows) == [float(scores[row]) for row in rows]
    one_doc = index.chunks[rows[-1]].doc_id
    assert all(index.chunks[row].doc_id == one_doc for row, _ in index.search_lexical(query, 20, {one_doc}))


def test_large_corpora_get_an_hnsw_index_with_the_configured_search_depth(tmp_path):
    from assistant.store.local import _build_faiss

    vectors = np.random.default_rng(0).standard_normal((300, 16)).astype(np.float32)
    settings = Settings().with_changes(hnsw_threshold=200, hnsw_ef_search=300)
    hnsw = _build_faiss(vectors, settings)
    assert hnsw.hnsw.efSearch == 300 and hnsw.ntotal == 300
    assert not hasattr(_build_faiss(vectors[:100], settings), "hnsw")
