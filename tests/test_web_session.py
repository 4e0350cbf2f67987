"""What a browser sends back is bounded (issue 25, item 4): a forged history of
huge turns is not rendered or written, and export files do not pile up."""
from __future__ import annotations

import json
import os
import time

from test_web_export import _turn

from assistant.web import session
from assistant.web.session import (
    MAX_HISTORY_BYTES,
    MAX_TURN_BYTES,
    export_files,
    valid_turns,
)


def test_a_turn_larger_than_any_this_server_writes_is_dropped():
    """A forged history export wrote about 86 MB per request."""
    huge = _turn(1)
    huge["result"]["answer"][0]["text"] = "x" * (MAX_TURN_BYTES + 1)
    kept = valid_turns([_turn(0), huge, _turn(2)])
    assert [turn["id"] for turn in kept] == [0, 2]


def test_the_history_is_cut_to_its_newest_turns_within_the_cap():
    turns = []
    for number in range(40):
        turn = _turn(number)
        turn["result"]["answer"][0]["text"] = "y" * (MAX_TURN_BYTES - 2_000)
        turns.append(turn)
    kept = valid_turns(turns)
    assert kept and kept[-1]["id"] == 39 and [turn["id"] for turn in kept] == list(range(40 - len(kept), 40))
    assert sum(len(json.dumps(turn, ensure_ascii=False).encode()) for turn in kept) <= MAX_HISTORY_BYTES
    markdown, json_file = export_files(kept)
    assert os.path.getsize(markdown) + os.path.getsize(json_file) < 3 * MAX_HISTORY_BYTES


def test_old_export_files_are_deleted_by_the_next_export(tmp_path, monkeypatch):
    monkeypatch.setattr(session, "_EXPORT_DIR", tmp_path / "exports")
    first, _ = export_files([_turn()])
    old = time.time() - session.EXPORT_KEEP_SECONDS - 1
    os.utime(first, (old, old))
    os.utime(os.path.dirname(first), (old, old))
    second, _ = export_files([_turn()])
    assert not os.path.exists(os.path.dirname(first)) and os.path.exists(second)
    assert len(list((tmp_path / "exports").iterdir())) == 1
