"""Who uploaded which report, and how full the uploads folder may get.

An owner is a browser (a random token kept in its local storage), an API
session, or a team that shares a passphrase; the ledger keeps only a hash of
it (``.owners.json`` in the uploads folder: hidden, so never indexed) and
compares hashes in constant time.  A file the ledger does not know (put there
by hand) belongs to nobody on the web: it can be neither replaced nor removed
from the page.  Each owner has a quota beside the folder's.

A team passphrase is at least 12 characters or four words, and naming one is
rate-limited (:class:`TeamGate`): it lists the team's files, so every call
would otherwise confirm a guess.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
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


def same_owner(first: str | None, second: str | None) -> bool:
    """Owner keys compared in constant time; nobody ("" or None) owns nothing."""
    return bool(first) and bool(second) and hmac.compare_digest(str(first), str(second))


class UploadLedger:
    """The owners of the uploaded files, the folder's quota and each owner's."""

    def __init__(self, uploads_dir: Path, max_files: int, max_bytes: int, owner_files: int | None = None,
                 owner_bytes: int | None = None) -> None:
        self.uploads_dir = Path(uploads_dir)
        self.path = self.uploads_dir / LEDGER_NAME
        self.max_files = max_files
        self.max_bytes = max_bytes
        self.owner_files = max_files if owner_files is None else owner_files
        self.owner_bytes = max_bytes if owner_bytes is None else owner_bytes
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
        return sorted(name for name in self.files() if same_owner(owners.get(name), owner))

    def place(self, name: str, owner: str, size: int, shipped: set[str]) -> tuple[str, str]:
        """The name a new upload is stored under and a note when it differs:
        a shipped report's name or another owner's file is never replaced;
        the upload gets the next free "name (2).md" instead.  Raises
        UploadError when the folder is full."""
        with self._lock:
            files, owners = self.files(), self._read()
            stem, suffix = os.path.splitext(name)
            candidate, copy = name, 2
            while candidate in shipped or (candidate in files and not same_owner(owners.get(candidate), owner)):
                candidate = f"{stem} ({copy}){suffix}"
                copy += 1
            own = {key: value for key, value in files.items() if same_owner(owners.get(key), owner)}
            for held, max_files, max_bytes, says in (
                    (files, self.max_files, self.max_bytes, "the uploads folder is full ({}; the limit is {}); "
                                                            "remove a report before adding another."),
                    (own, self.owner_files, self.owner_bytes, "your uploads are at their limit ({}; each user may "
                                                              "keep {}); remove one of your reports before adding "
                                                              "another.")):
                if len(held) + (0 if candidate in held else 1) > max_files or \
                        sum(held.values()) - held.get(candidate, 0) + size > max_bytes:
                    raise UploadError(f"{name}: " + says.format(
                        f"{len(held)} files, {sum(held.values()) / 2**20:.1f} MB",
                        f"{max_files} files and {max_bytes / 2**20:.0f} MB"))
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


MIN_PASSPHRASE_CHARS = 12
MIN_PASSPHRASE_WORDS = 4
SHORT_PASSPHRASE = (f"A team passphrase needs at least {MIN_PASSPHRASE_CHARS} characters or {MIN_PASSPHRASE_WORDS} "
                    "words; choose a longer one.")


@dataclass
class _Client:
    """One client's team calls in the current window."""

    last: float  # when it last named a new passphrase: quiet for a window, it starts afresh
    calls: int = 0  # distinct passphrases named since it started
    next_allowed: float = 0.0
    keys: set[str] = field(default_factory=set)  # teams already named: naming them again costs nothing


class TeamGate:
    """Team passphrases: their minimum length, the rate at which they may be
    named, and which API session joined which team.

    Per client (its address), the first ``free_calls`` distinct passphrases
    are answered at once; after that each one must wait ``base_delay``
    seconds, doubled per call, up to ``max_delay`` (a call made too early is
    refused and says how long to wait), until the client has named no new
    passphrase for ``window`` seconds.  Naming a team the client already named
    is free, so a team member's own use is never slowed.  Across all clients at most ``global_per_minute`` new
    passphrases a minute are tried.  Memberships of API sessions end only
    when the session is idle for ``idle_seconds``: however many other
    sessions join, nobody is pushed out (the global rate bounds their number).
    """

    def __init__(self, free_calls: int = 5, window: float = 600.0, base_delay: float = 2.0, max_delay: float = 300.0,
                 global_per_minute: int = 60, idle_seconds: float = 86_400.0, clock=time.monotonic) -> None:
        self.free_calls, self.window, self.base_delay, self.max_delay = free_calls, window, base_delay, max_delay
        self.global_per_minute, self.idle_seconds, self.clock = global_per_minute, idle_seconds, clock
        self._clients: dict[str, _Client] = {}
        self._recent: deque[float] = deque()  # when each of the last minute's new passphrases was tried
        self._members: dict[str, tuple[str, float]] = {}  # session -> (team key, last use)
        self._prune_at = 1024
        self._lock = threading.Lock()

    def owner(self, session: str | None, passphrase, client: str) -> str:
        """The owner key of a call: the team of ``passphrase`` when one is given
        (checked and rate-limited), else the session's.  Raises UploadError."""
        if not isinstance(passphrase, str) or not passphrase.strip():
            return owner_key(session)
        if len(passphrase.strip()) < MIN_PASSPHRASE_CHARS and len(passphrase.split()) < MIN_PASSPHRASE_WORDS:
            raise UploadError(SHORT_PASSPHRASE)
        key = owner_key(None, passphrase)
        with self._lock:
            self._admit(key, client or "?", self.clock())
        return key

    def _admit(self, key: str, client: str, now: float) -> None:
        state = self._clients.get(client)
        if state is None or now - state.last > self.window:
            state = self._clients[client] = _Client(last=now)
        if key in state.keys:
            return
        if now < state.next_allowed:
            raise UploadError(f"Too many team passphrases from your address; wait {math.ceil(state.next_allowed - now)}"
                              f" s and try again.")
        while self._recent and now - self._recent[0] > 60:
            self._recent.popleft()
        if len(self._recent) >= self.global_per_minute:
            raise UploadError("Too many team passphrases are being tried on this server; try again in a minute.")
        self._recent.append(now)
        state.last = now
        state.calls += 1
        state.keys.add(key)
        if state.calls >= self.free_calls:
            state.next_allowed = now + min(self.base_delay * 2 ** (state.calls - self.free_calls), self.max_delay)
        if len(self._clients) > 4 * self.global_per_minute * self.window / 60:  # forget windows long over
            self._clients = {name: kept for name, kept in self._clients.items() if now - kept.last <= self.window}

    def join(self, session: str, passphrase, client: str) -> str:
        """An API session joins the team of ``passphrase`` ("" leaves it); its owner key."""
        key = self.owner(session, passphrase, client)
        now = self.clock()
        with self._lock:
            if len(self._members) >= self._prune_at:  # idle members are forgotten, in amortized O(1)
                self._members = {name: (team, used) for name, (team, used) in self._members.items()
                                 if now - used <= self.idle_seconds}
                self._prune_at = max(2 * len(self._members), 1024)
            if key.startswith("team:"):
                self._members[session] = (key, now)
            else:
                self._members.pop(session, None)
        return key

    def team_of(self, session: str | None) -> str:
        """The team key the API session joined ("" for none); its use keeps it a member."""
        with self._lock:
            member = self._members.get(session or "")
            if member is None or self.clock() - member[1] > self.idle_seconds:
                return ""
            self._members[session] = (member[0], self.clock())
            return member[0]
