"""Temporary upload files do not stay on disk (issue 25, item 4): raw uploads
never submitted and half-written ones are deleted once nothing writes to them."""
from __future__ import annotations

import os
import time

from assistant.web.uploads import CacheCleaner, clean_temp_dir, remove_partials


def _aged(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_abandoned_temporary_uploads_are_deleted_and_live_ones_kept(tmp_path):
    """Uploads never submitted, partial files of killed uploads and 413s stayed for an hour (210 in one run)."""
    partial = tmp_path / "tmpa1b2c3"  # Gradio's NamedTemporaryFile of an upload cut off
    partial.write_bytes(b"")
    never_submitted = tmp_path / "3f2a" / "report.md"
    never_submitted.parent.mkdir()
    never_submitted.write_text("x", encoding="utf-8")
    writing = tmp_path / "tmpbusy"
    writing.write_bytes(b"still arriving")
    for path in (partial, never_submitted, never_submitted.parent):
        _aged(path, 700)
    assert clean_temp_dir(tmp_path, max_age=600) == 2
    assert sorted(path.name for path in tmp_path.iterdir()) == ["tmpbusy"]


def test_the_cleaner_runs_in_the_background(tmp_path):
    stale = tmp_path / "tmpstale"
    stale.write_bytes(b"")
    _aged(stale, 10)
    cleaner = CacheCleaner(tmp_path, max_age=5, every=0.05).start()
    try:
        deadline = time.monotonic() + 10
        while stale.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        cleaner.stop()
    assert not stale.exists()


def test_partial_copies_of_a_killed_server_are_removed_at_the_next_start(tmp_path):
    """kill -9 while an upload was copied left its hidden partial file in the uploads folder for good."""
    (tmp_path / ".upload-0123abcd").write_bytes(b"half a report")
    (tmp_path / ".owners-4567").write_text("{", encoding="utf-8")
    (tmp_path / ".owners.json").write_text("{}", encoding="utf-8")
    (tmp_path / "report.md").write_text("kept", encoding="utf-8")
    assert remove_partials(tmp_path) == 2
    assert sorted(path.name for path in tmp_path.iterdir()) == [".owners.json", "report.md"]
