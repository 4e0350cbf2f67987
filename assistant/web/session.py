"""What one browser keeps: its language, its owner token, its history, and the files it may download.

History lives in the browser (``gr.BrowserState``, encrypted in local
storage), never on the server; it comes back on every request, so each turn is
checked before use (a turn that does not have the expected shape, or is larger
than any turn this server writes, is dropped, and the history is cut to its
newest ``MAX_HISTORY_BYTES``): a forged history cannot make the server render
or write more than that.  The export files are written per request, copied by
Gradio into its own folder as the event returns, and deleted by the next
export after ``EXPORT_KEEP_SECONDS``.
"""
from __future__ import annotations

import json
import secrets
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from .export import conversation_json, conversation_markdown

#: Exported files older than this are deleted (Gradio has copied them to its cache by then).
EXPORT_KEEP_SECONDS = 60
#: A turn this server writes is 6 KB (5 quotes) to 32 KB (20 quotes and a comparison) of JSON.
MAX_TURN_BYTES = 128 * 1024
#: The history a browser may send back, newest turns first (30 turns of 32 KB is under 1 MB).
MAX_HISTORY_BYTES = 2 * 1024 * 1024
_EXPORT_DIR = Path(tempfile.gettempdir()) / "assistant-exports"


def browser_secret(folder: Path) -> str:
    """The key that encrypts the browser's stored history and owner token,
    kept in ``folder`` so both survive a server restart."""
    path = Path(folder) / ".browser-secret"
    try:
        value = path.read_text(encoding="ascii").strip()
        if len(value) >= 16:
            return value
    except (OSError, UnicodeDecodeError):
        pass
    value = secrets.token_hex(16)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".browser-secret-{uuid.uuid4().hex}")
        partial.write_text(value, encoding="ascii")
        partial.replace(path)
    except OSError:
        pass  # history then lasts as long as this server
    return value


def new_owner_token() -> str:
    return secrets.token_urlsafe(24)


def valid_turns(turns) -> list[dict]:
    """The turns from the browser that have the shape and size this server
    writes, the newest ones within ``MAX_HISTORY_BYTES``."""
    kept: list[dict] = []
    total = 0
    for turn in reversed(turns if isinstance(turns, list) else []):
        if (isinstance(turn, dict) and isinstance(turn.get("id"), int) and isinstance(turn.get("question"), str)
                and isinstance(turn.get("result"), dict) and isinstance(turn.get("views"), dict)
                and isinstance(turn["result"].get("answer", []), list)):
            size = _json_size(turn, MAX_TURN_BYTES)
            if size > MAX_TURN_BYTES:
                continue
            total += size
            if total > MAX_HISTORY_BYTES:
                break
            kept.append(turn)
    return kept[::-1]


def _json_size(value, limit: int) -> int:
    """The size of ``value`` as JSON, counted no further than just past ``limit``."""
    size = 0
    for piece in json.JSONEncoder(ensure_ascii=False).iterencode(value):
        size += len(piece.encode("utf-8"))
        if size > limit:
            break
    return size


def export_files(turns: list[dict]) -> tuple[str | None, str | None]:
    """(Markdown path, JSON path) of the conversation, or (None, None) when it is empty."""
    if not turns:
        return None, None
    _EXPORT_DIR.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in _EXPORT_DIR.iterdir():
        try:
            if now - old.stat().st_mtime > EXPORT_KEEP_SECONDS:
                shutil.rmtree(old) if old.is_dir() else old.unlink()
        except OSError:
            continue
    folder = _EXPORT_DIR / uuid.uuid4().hex
    folder.mkdir()
    markdown, json_file = folder / "conversation.md", folder / "conversation.json"
    markdown.write_text(conversation_markdown(turns), encoding="utf-8")
    json_file.write_text(conversation_json(turns), encoding="utf-8")
    return str(markdown), str(json_file)
