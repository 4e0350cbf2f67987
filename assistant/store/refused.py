"""Files a build refused (unreadable, over a cap, too slow), remembered by sha256.

Kept in ``refused.json`` in the index folder, beside the generations and
written at once (temp file, then rename), so a refusal is remembered even if
the build that found it never publishes: the next start or build does not read
the same bytes again under the same limits.  A changed file (other bytes) or
changed limits are tried again.
"""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

REFUSED_FILE = "refused.json"
MAX_ENTRIES = 1000  # the oldest refusals are forgotten first


class RefusedFiles:
    def __init__(self, index_dir: Path | str) -> None:
        self.path = Path(index_dir) / REFUSED_FILE
        try:
            entries = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            entries = {}  # none yet, or damaged: every file is simply read again
        self.entries: dict[str, dict] = entries if isinstance(entries, dict) else {}

    def reason(self, sha256: str, limits: dict) -> str | None:
        """Why these bytes were refused under these limits, or None."""
        entry = self.entries.get(sha256)
        if isinstance(entry, dict) and entry.get("limits") == limits and isinstance(entry.get("reason"), str):
            return entry["reason"]
        return None

    def remember(self, sha256: str, reason: str, limits: dict) -> None:
        self.entries.pop(sha256, None)
        self.entries[sha256] = {"reason": reason, "limits": limits}
        for old in list(self.entries)[: max(len(self.entries) - MAX_ENTRIES, 0)]:
            del self.entries[old]
        temporary = self.path.with_name(f".{REFUSED_FILE}.{uuid.uuid4().hex[:8]}")
        try:
            temporary.write_text(json.dumps(self.entries, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(temporary, self.path)
        finally:
            temporary.unlink(missing_ok=True)
