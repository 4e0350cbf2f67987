"""Building: incremental updates, the embedding cache, nothing half-written."""
from __future__ import annotations

import pytest

from assistant.config import ChunkerSettings, Settings
from assistant.indexer import build_index
from assistant.store import Index, IndexWriter, current_generation


def test_unchanged_rebuild_embeds_nothing_and_keeps_the_generation(seeds_copy):
    docs, index_dir = seeds_copy
    before = current_generation(index_dir)
    report = build_index([docs], index_dir)
    assert report.changed is False and report.embedded == 0
    assert current_generation(index_dir) == before


def test_changing_one_file_reembeds_only_its_chunks(seeds_copy):
    docs, index_dir = seeds_copy
    old = Index.load(index_dir)
    target = docs / "004_cc81a9a3a938ae48.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\n\nA new closing paragraph about rural clinics.\n", encoding="utf-8")
    report = build_index([docs], index_dir)
    new = Index.load(index_dir)
    changed_chunks = [chunk for chunk in new.chunks if chunk.doc_id == target.name]
    old_ids = {chunk.chunk_id for chunk in old.chunks if chunk.doc_id != target.name}
    assert {chunk.chunk_id for chunk in new.chunks if chunk.doc_id != target.name} == old_ids
    assert 0 < report.embedded <= len(changed_chunks)
    assert report.reused == len(new.chunks) - report.embedded
    assert any("rural clinics" in chunk.text for chunk in changed_chunks)


def test_removed_file_drops_out_and_new_file_comes_in(seeds_copy):
    docs, index_dir = seeds_copy
    (docs / "000_3e72e74fd57db5f9.txt").unlink()
    (docs / "extra.md").write_text("# Extra\n\nHospital robots cut ward costs by 12% in 2024.\n", encoding="utf-8")
    build_index([docs], index_dir)
    index = Index.load(index_dir)
    doc_ids = {chunk.doc_id for chunk in index.chunks}
    assert "000_3e72e74fd57db5f9.txt" not in doc_ids and "extra.md" in doc_ids
    assert set(index.manifest.files) == doc_ids


def test_unreadable_file_is_skipped_and_the_rest_indexed(seeds_copy):
    docs, index_dir = seeds_copy
    (docs / "broken.docx").write_bytes(b"not a zip at all")
    report = build_index([docs], index_dir)
    assert any(line.startswith("broken.docx:") for line in report.skipped)
    assert "broken.docx" in report.summary()
    assert len(Index.load(index_dir).manifest.files) == 5


def test_other_chunker_settings_rebuild(seeds_copy):
    docs, index_dir = seeds_copy
    report = build_index([docs], index_dir, Settings(chunker=ChunkerSettings(max_tokens=96)))
    assert report.changed
    index = Index.load(index_dir)
    assert index.manifest.chunker["max_tokens"] == 96 and max(c.n_tokens for c in index.chunks) <= 96


def test_a_failed_build_leaves_the_previous_index(seeds_copy, monkeypatch):
    docs, index_dir = seeds_copy
    before = Index.load(index_dir)

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(IndexWriter, "publish", explode)
    (docs / "new.txt").write_text("Telehealth kiosks reached 4,000 pharmacies.", encoding="utf-8")
    with pytest.raises(RuntimeError):
        build_index([docs], index_dir)
    after = Index.load(index_dir)
    assert after.gen_dir == before.gen_dir and len(after.chunks) == len(before.chunks)
    assert not list(index_dir.glob(".tmp-*"))
