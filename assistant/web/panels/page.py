"""What every panel shares: the chat service, the page's words, the browser's state, and who the asker is."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ..chat import WebChat
from ..i18n import TRANSLATIONS, text
from ..library import render_library
from ..owners import MIN_PASSPHRASE_CHARS, MIN_PASSPHRASE_WORDS, TeamGate, owner_key

#: Questions kept per browser (older turns drop out of the page and its history).
MAX_TURNS = 30


def browser_owners(token, passphrase, request: gr.Request | None = None) -> frozenset[str]:
    """The owner keys a browser speaks for: its own token, its page session (an event that fires before the
    token reaches it, such as a file upload, is owned by the session: see :func:`upload_owner`), and its team
    when it typed the passphrase."""
    token = token if isinstance(token, str) else ""
    passphrase = passphrase if isinstance(passphrase, str) else ""
    if len(passphrase.strip()) < MIN_PASSPHRASE_CHARS and len(passphrase.split()) < MIN_PASSPHRASE_WORDS:
        passphrase = ""  # too short to name a team (TeamGate refuses it where it is first given)
    session = getattr(request, "session_hash", None) if request is not None else None
    return frozenset(key for key in (owner_key(token), owner_key(session), owner_key(None, passphrase)) if key)


def client_of(request: gr.Request | None) -> str:
    """The caller's address, by which team passphrases are rate-limited."""
    return str(getattr(getattr(request, "client", None), "host", None) or "?")


def upload_owner(teams: TeamGate, token, passphrase, request: gr.Request | None) -> str:
    """Who a browser's new upload belongs to: its team when it typed the passphrase (checked and rate-limited
    by ``teams``: raises UploadError, one sentence), else itself."""
    session = token or (getattr(request, "session_hash", None) if request is not None else None)
    return teams.owner(session, passphrase, client_of(request))


def progress_reporter(progress, lang: str = "en"):
    """A build's progress callback that moves a Gradio progress bar (its words in ``lang``)."""
    def report(stage: str, done: int, total: int) -> None:
        name = stage.split(" ")[0]
        stage = text(f"stage_{name}", lang) + stage[len(name):] if f"stage_{name}" in TRANSLATIONS["en"] else stage
        try:
            progress((done, max(total, 1)), desc=text("indexing", lang, stage=stage, done=done, total=total),
                     unit="items")
        except Exception:  # progress is cosmetic
            pass
    return report


@dataclass
class Page:
    """The shared parts of one page (each panel's own components are its ``layout``'s result)."""

    chat: WebChat
    i18n: gr.I18n
    lang: gr.State  # "en" or "zh", read from the browser once per load
    turns: gr.BrowserState  # the conversation, kept (encrypted) in the browser
    owner: gr.BrowserState  # the browser's owner token
    teams: TeamGate = None  # team passphrases: minimum length, rate limits, API memberships
    tabs: gr.Tabs | None = None

    def library_outputs(self, lang: str, owners: frozenset[str]) -> tuple:
        """The library tab and the scope's choices, as one asker sees them."""
        entries = self.chat.library(owners)
        return (render_library(entries, lang),
                gr.CheckboxGroup(choices=[(entry.label, entry.doc_id) for entry in entries]))
