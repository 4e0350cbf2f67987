"""Who uploaded which report, and how full the uploads folder may get.

An owner is a browser (a random token kept in its local storage), an API
session, or a team that shares a passphrase; the ledger keeps only a hash of
it (``.owners.json`` in the uploads folder: hidden, so never indexed).  A file
the ledger does not know (put there by hand) belongs to nobody on the web: it
can be neither replaced nor removed from the page.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from pathlib import Path

from ..config import SUPPORTED_SUFFIXES
from .uploads import UploadError

LEDGER_NAME = ".owners.json"


def owner_key(session: str | None = None, passphrase: str | None = None) -> str:
    """The hashed owner: the team of a passphrase, else the session; "" when neither is known."""
    if passphrase and passphrase.strip():
        return "team:" + hashlib.sha256(("team\x00" + passphrase.strip()).encode()).hexdigest()[:32]
    if session:
        return "session:" + hashlib.sha256(("session\x00" + str(session)).encode()).hexdigest()[:32]
    return ""


class UploadLedger:
    """The owners of the uploaded files and the folder's quota."""

    def __init__(self, uploads_dir: Path, max_files: int, max_bytes: int) -> None:
        self.uploads_dir = Path(uploads_dir)
        self.path = self.uploads_dir / LEDGER_NAME
        self.max_files = max_files
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(name): str(owner) for name, owner in data.items()} if isinstance(data, dict) else {}

    def _write(self, owners: dict[str, str]) -> None:
        partial = self.uploads_dir / f".owners-{uuid.uuid4().hex}"
        partial.write_text(json.dumps(owners, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(partial, self.path)

    def owner_of(self, name: str) -> str | None:
        return self._read().get(name)

    def files(self) -> dict[str, int]:
        """Stored uploads (not hidden) and their sizes."""
        found = {}
        if self.uploads_dir.is_dir():
            for path in self.uploads_dir.iterdir():
                if path.is_file() and not path.name.startswith(".") and path.suffix.lower() in SUPPORTED_SUFFIXES:
                    found[path.name] = path.stat().st_size
        return found

    def names_of(self, owner: str) -> list[str]:
        owners = self._read()
        return sorted(name for name in self.files() if owner and owners.get(name) == owner)

    def place(self, name: str, owner: str, size: int, shipped: set[str]) -> tuple[str, str]:
        """The name a new upload is stored under and a note when it differs:
        a shipped report's name or another owner's file is never replaced;
        the upload gets the next free "name (2).md" instead.  Raises
        UploadError when the folder is full."""
        with self._lock:
            files, owners = self.files(), self._read()
            stem, suffix = os.path.splitext(name)
            candidate, copy = name, 2
            while candidate in shipped or (candidate in files and (not owner or owners.get(candidate) != owner)):
                candidate = f"{stem} ({copy}){suffix}"
                copy += 1
            replaced = files.get(candidate, 0)  # the owner's own file of that name, replaced
            if len(files) + (0 if candidate in files else 1) > self.max_files or \
                    sum(files.values()) - replaced + size > self.max_bytes:
                raise UploadError(
                    f"{name}: the uploads folder is full ({len(files)} files, {sum(files.values()) / 2**20:.1f} MB; "
                    f"the limit is {self.max_files} files and {self.max_bytes / 2**20:.0f} MB); "
                    "remove a report before adding another.")
            if candidate == name:
                return name, ""
            why = "a shipped report has that name" if name in shipped else "another user's upload has that name"
            return candidate, f"{name}: {why}; yours was stored as {candidate}."

    def claim(self, name: str, owner: str) -> None:
        with self._lock:
            owners = self._read()
            owners[name] = owner
            self._write({key: value for key, value in owners.items() if (self.uploads_dir / key).exists()})

    def release(self, name: str) -> None:
        with self._lock:
            owners = self._read()
            owners.pop(name, None)
            self._write(owners)
