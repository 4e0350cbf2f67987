"""Building: incremental updates, the embedding cache, nothing half-written."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.config import ChunkerSettings, Settings
from assistant.indexer import build_index
from assistant.store import (
    Index,
    IndexStateError,
    IndexWriteError,
    IndexWriter,
    current_generation,
)


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


# ------------------------------------------- refused files are remembered (issue 18.1)

def test_a_refused_file_is_remembered_by_sha256_and_not_read_again(seeds_copy, monkeypatch):
    import json

    from assistant import indexer
    from assistant.engine import work

    docs, index_dir = seeds_copy
    settings = Settings(max_text_chars=30_000)  # every seed is under it
    huge = docs / "huge.md"
    huge.write_text("The gizmo market grew.\n" * 2_000, encoding="utf-8")  # 46,000 characters
    reads: list[str] = []
    real = work.read_document  # the engine's reader (assistant/engine/work.py)
    monkeypatch.setattr(work, "read_document", lambda path, **kw: reads.append(Path(path).name) or real(path, **kw))

    first = build_index([docs], index_dir, settings)
    assert reads == ["huge.md"]  # the seeds are unchanged: only the new file is read
    assert any(line.startswith("huge.md: holds more than 30,000 characters") for line in first.skipped)
    remembered = json.loads((index_dir / "refused.json").read_text(encoding="utf-8"))
    assert list(remembered) == [indexer.file_sha256(huge)]

    # another file changes: the build runs again, but the refused bytes are not read again
    (docs / "note.md").write_text("# Note\n\nHospital gizmos cut costs by 12% in 2024.\n", encoding="utf-8")
    second = build_index([docs], index_dir, settings)
    assert reads == ["huge.md", "note.md"]
    assert any(line.startswith("huge.md: holds more than 30,000 characters") for line in second.skipped)
    assert "huge.md" in Index.load(index_dir).manifest.skipped

    # even when the build that refused it never published (a kill, a failure)
    assert build_index([docs], index_dir, settings).changed is False
    huge.write_text("The gizmo market grew.\n" * 10, encoding="utf-8")  # changed bytes: read again, and indexed
    build_index([docs], index_dir, settings)
    assert reads[-1] == "huge.md" and "huge.md" in Index.load(index_dir).manifest.files

    # other limits: the old refusal does not apply
    huge.write_text("The gizmo market grew.\n" * 2_000, encoding="utf-8")
    build_index([docs], index_dir, settings)
    build_index([docs], index_dir, Settings(max_text_chars=100_000))
    assert reads[-2:] == ["huge.md", "huge.md"] and "huge.md" in Index.load(index_dir).manifest.files


@pytest.mark.parametrize("stage", ["chunk_document", "extract_facts", "read_document"])
def test_any_exception_on_one_file_refuses_it_and_the_build_goes_on(seeds_copy, monkeypatch, stage):
    """Issue 25: a library's exception on one file (python-docx's ValueError) stopped every build."""
    import json

    from assistant.engine import work as indexer  # where the build reads, chunks and describes each file
    from assistant.ingest import file_sha256

    docs, index_dir = seeds_copy
    (docs / "bad.md").write_text("# Bad\n\nThe gizmo market grew 9% in 2025.\n", encoding="utf-8")
    (docs / "good.md").write_text("# Good\n\nThe widget market grew 4% in 2025.\n", encoding="utf-8")
    real = getattr(indexer, stage)

    def failing(document, *args, **kwargs):
        if "gizmo market grew 9%" in (document.text if hasattr(document, "text") else Path(document).read_text()):
            raise ValueError("no tr above topmost tr in w:tbl")
        return real(document, *args, **kwargs)

    monkeypatch.setattr(indexer, stage, failing)
    report = build_index([docs], index_dir)
    line = ("bad.md: the .md reader failed on this file (ValueError); it was skipped; save it again from its editor "
            "or convert it to plain text.")
    assert report.skipped == [line]
    index = Index.load(index_dir)
    assert "good.md" in index.manifest.files and index.manifest.skipped["bad.md"]["reason"] == line
    remembered = json.loads((index_dir / "refused.json").read_text(encoding="utf-8"))
    assert remembered[file_sha256(docs / "bad.md")]["reason"] == line.removeprefix("bad.md: ")
    assert build_index([docs], index_dir).changed is False


# ------------------------------------- stored files are verified before re-use (issue 25, item 6)

CITED = "004_cc81a9a3a938ae48.txt"


def flip_bytes(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    for offset in range(at, at + 4):
        data[offset] ^= 0x20
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["docs", "chunks.jsonl", "dense.npy", "bm25/data.csc.index.npy"])
def test_build_verifies_stored_files_and_rebuilds_damaged_ones(seeds_copy, damage):
    """With 4 bytes flipped in the cited report's stored text, `ask` said "run
    build" and `build` said the index was current."""
    import numpy as np

    from assistant.ingest import read_document

    docs, index_dir = seeds_copy
    generation = current_generation(index_dir)
    before = Index.load(index_dir)
    files = {path.relative_to(generation).as_posix() for path in generation.rglob("*") if path.is_file()}
    assert set(before.manifest.checksums) == files - {"manifest.json"}
    vectors = before.cached_vectors("dense").copy()
    if damage == "docs":
        target = generation / "docs" / f"{before.manifest.files[CITED]['sha256']}.npz"
        position = target.read_bytes().index("telemedicine".encode("utf-32-le"))  # inside the stored text
    elif damage == "chunks.jsonl":
        target = generation / damage
        position = target.read_bytes().index(b"telemedicine")  # the JSON stays valid, a chunk's text is wrong
    else:
        target = generation / damage
        position = target.stat().st_size // 2
    flip_bytes(target, position)
    assert Index.load(index_dir).damaged_files() == {target.relative_to(generation).as_posix()}

    report = build_index([docs], index_dir)
    assert report.changed and any("no longer match their checksums" in line for line in report.warnings)
    after = Index.load(index_dir)
    assert after.damaged_files() == set() and after.gen_dir != generation
    assert after.document(CITED).text == read_document(docs / CITED).text
    assert [chunk.text for chunk in after.chunks] == [chunk.text for chunk in before.chunks]
    assert np.allclose(after.cached_vectors("dense"), vectors, atol=1e-4)
    assert build_index([docs], index_dir).changed is False


def test_a_link_leaving_the_folder_is_skipped_unless_followed(seeds_copy, tmp_path):
    """Issue 25: a link to a system file made it searchable."""
    from assistant.indexer import stale_files

    docs, index_dir = seeds_copy
    outside = tmp_path / "outside.md"
    outside.write_text("# Outside\n\nThe sprocket market in Zorbland grew 5 percent in 2031.\n", encoding="utf-8")
    (docs / "linked.md").symlink_to(outside)
    report = build_index([docs], index_dir)
    assert report.skipped == ["linked.md: a link to a file outside the reports folder; skipped (copy the file into "
                              "the folder, or build with --follow-links)."]
    assert "linked.md" not in Index.load(index_dir).manifest.files
    assert stale_files(Index.load(index_dir).manifest) == []
    followed = build_index([docs], index_dir, Settings(follow_links=True))
    assert followed.changed and followed.skipped == []
    manifest = Index.load(index_dir).manifest
    assert "linked.md" in manifest.files and manifest.follow_links and stale_files(manifest) == []
    assert build_index([docs], index_dir, Settings(follow_links=True)).changed is False


# ---------------------------------------------- the folders of an index (issue 18.4, 18.5)

def test_folders_are_recorded_absolute_and_resolved(seeds_copy, monkeypatch):
    docs, index_dir = seeds_copy
    (docs / "extra.md").write_text("# Extra\n\nGizmo sales rose 3% in 2025.\n", encoding="utf-8")
    monkeypatch.chdir(docs.parent)
    build_index([Path("docs/../docs")], index_dir)
    assert Index.load(index_dir).manifest.docs_dirs == [str(docs.resolve())]


def test_stale_check_works_from_another_folder_and_a_missing_folder_is_stale(seeds_copy, tmp_path, monkeypatch):
    from assistant.indexer import stale_files
    from assistant.pipeline import Assistant

    docs, index_dir = seeds_copy
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "mine.md").write_text("# Mine\n\nThe gizmo market doubled in 2026.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    build_index([Path("docs"), Path("uploads")], index_dir)  # relative, as `serve` passes them
    monkeypatch.chdir(docs)  # another working folder
    assert stale_files(Index.load(index_dir).manifest) == []
    (uploads / "mine.md").write_text("# Mine\n\nThe gizmo market tripled in 2026.\n", encoding="utf-8")
    assert stale_files(Index.load(index_dir).manifest) == ["mine.md"]
    shutil.rmtree(uploads)
    assert stale_files(Index.load(index_dir).manifest) == [f"{uploads} (the folder is missing)"]
    with pytest.raises(IndexStateError) as raised:
        Assistant(index_dir)
    assert "out of date" in str(raised.value) and "the folder is missing" in str(raised.value)


def index_with_uploads(seeds_copy, tmp_path) -> tuple[Path, Path, Path]:
    """The seeds index, built from the seeds and an uploads folder (as the web chat does)."""
    docs, index_dir = seeds_copy
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "mine.md").write_text("# Mine\n\nThe gizmo market doubled in 2026.\n", encoding="utf-8")
    build_index([docs, uploads], index_dir)
    return docs, index_dir, uploads


def test_a_build_keeps_a_folder_it_was_not_given_unless_told(seeds_copy, tmp_path):
    docs, index_dir, uploads = index_with_uploads(seeds_copy, tmp_path)

    kept = build_index([docs], index_dir, keep_folders=True)  # what `assistant build --docs seeds` does
    assert kept.changed is False
    assert [line for line in kept.warnings if str(uploads) in line] == [
        f"The index also covers the folder {uploads} (not given with --docs): kept; pass --drop-folder {uploads} "
        f"to remove its reports from the index."]
    assert "mine.md" in Index.load(index_dir).manifest.files

    dropped = build_index([docs], index_dir, keep_folders=True, drop_folders=[uploads])
    assert dropped.changed and not [line for line in dropped.warnings if "also covers" in line]
    manifest = Index.load(index_dir).manifest
    assert "mine.md" not in manifest.files and manifest.docs_dirs == [str(docs.resolve())]


def test_a_kept_folder_that_is_gone_stops_the_build_with_one_sentence(seeds_copy, tmp_path):
    docs, index_dir, uploads = index_with_uploads(seeds_copy, tmp_path)
    live = current_generation(index_dir)
    shutil.rmtree(uploads)
    with pytest.raises(FileNotFoundError) as raised:
        build_index([docs], index_dir, keep_folders=True)
    assert str(raised.value) == (f"The index also covers the folder {uploads}, which no longer exists; restore it, "
                                 f"or pass --drop-folder {uploads} to remove its reports from the index.")
    assert current_generation(index_dir) == live
    assert build_index([docs], index_dir, keep_folders=True, drop_folders=[uploads]).changed


# --------------------------------------------- CURRENT and leftovers (issue 18.10, 18.8)

def test_current_naming_a_missing_generation_reuses_the_intact_one(seeds_copy):
    docs, index_dir = seeds_copy
    n_chunks = len(Index.load(index_dir).chunks)
    (index_dir / "CURRENT").write_text("gen-20000101T000000-deadbeef\n", encoding="utf-8")
    with pytest.raises(IndexStateError):
        Index.load(index_dir)
    report = build_index([docs], index_dir)
    assert report.changed and report.embedded == 0 and report.reused == n_chunks
    assert len(Index.load(index_dir).chunks) == n_chunks


@pytest.mark.parametrize("damage", ["binary", "path"])
def test_a_damaged_current_is_one_sentence_and_a_build_repairs_it(seeds_copy, damage):
    docs, index_dir = seeds_copy
    (index_dir / "CURRENT").write_bytes(b"\xff\xfe\x00gen" if damage == "binary" else b"../../etc\n")
    with pytest.raises(IndexStateError) as raised:
        Index.load(index_dir)
    message = str(raised.value)
    assert "CURRENT is damaged" in message and "assistant build" in message and "\n" not in message
    report = build_index([docs], index_dir)
    assert report.embedded == 0
    Index.load(index_dir)


def test_a_current_that_is_a_folder_stops_load_and_build_with_one_sentence(seeds_copy):
    docs, index_dir = seeds_copy
    (index_dir / "CURRENT").unlink()
    (index_dir / "CURRENT").mkdir()
    for attempt in (lambda: Index.load(index_dir), lambda: build_index([docs], index_dir)):
        with pytest.raises(IndexStateError) as raised:
            attempt()
        assert str(raised.value) == (f"{index_dir / 'CURRENT'} is a folder, not the index's pointer file; remove it "
                                     f"(rm -r {index_dir / 'CURRENT'}) and run `assistant build` again.")


def test_leftovers_of_a_killed_build_go_at_the_next_build_whatever_their_age(seeds_copy):
    docs, index_dir = seeds_copy
    leftover = index_dir / ".tmp-gen-20261129T000000-0badf00d"
    (leftover / "docs").mkdir(parents=True)
    (leftover / "docs" / "part.npz").write_bytes(b"half written")
    report = build_index([docs], index_dir)  # just now: younger than the old one-minute rule
    assert report.changed is False and not leftover.exists()


def test_leftovers_are_cleaned_at_a_start_unless_a_build_holds_the_lock(seeds_copy):
    from assistant.indexer import build_lock, clean_leftovers

    _, index_dir = seeds_copy
    leftover = index_dir / ".tmp-gen-20261129T000000-0badf00d"
    leftover.mkdir()
    with build_lock(index_dir):  # a build is running (its own .tmp folder must stay)
        assert clean_leftovers(index_dir) is False and leftover.exists()
    assert clean_leftovers(index_dir) is True and not leftover.exists()
    assert Index.load(index_dir).chunks


def test_a_disk_full_while_writing_vectors_is_one_sentence(seeds_copy, monkeypatch):
    """The real FAISS writer, writing to /dev/full (every write fails with ENOSPC)."""
    docs, index_dir = seeds_copy
    before = current_generation(index_dir)
    real = IndexWriter.file
    monkeypatch.setattr(IndexWriter, "file", lambda self, name: Path("/dev/full") if name.endswith(".faiss")
                        else real(self, name))
    (docs / "new.md").write_text("# New\n\nGizmo kiosks reached 4,000 pharmacies.\n", encoding="utf-8")
    with pytest.raises(IndexWriteError) as raised:
        build_index([docs], index_dir)
    assert str(raised.value) == (f"The disk holding the index folder {index_dir} is full; free some space and build "
                                 f"again (the previous index is unchanged).")
    assert current_generation(index_dir) == before and not list(index_dir.glob(".tmp-*"))
    Index.load(index_dir)
