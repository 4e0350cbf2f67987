"""The API routes (for gradio_client or plain HTTP): ``/ask``, ``/ask_within``, ``/library``, ``/team``,
``/upload``, ``/remove``.

Who calls: an API caller is its session (gradio_client keeps one per
``Client``), and the team it joined with ``/team`` (passphrase).  It sees the
shipped reports, its session's uploads and its team's; a call without a
session (plain HTTP) sees the shipped reports only.
"""
from __future__ import annotations

import logging

import gradio as gr

from .chat import GENERIC_ERROR, WebChat
from .owners import TeamGate, owner_key
from .panels.page import client_of, progress_reporter
from .uploads import UploadError

log = logging.getLogger("assistant.web")

def add_routes(chat: WebChat, answer_event: dict, build_event: dict, teams: TeamGate) -> None:
    """Register the API routes on the Blocks being built (``teams``: the memberships of API sessions)."""

    def session_of(request: gr.Request | None) -> str:
        return (getattr(request, "session_hash", None) if request is not None else None) or ""

    def upload_owner(request: gr.Request | None) -> str:
        """Whose a new upload is: the team the session joined, else the session."""
        session = session_of(request)
        return teams.team_of(session) or owner_key(session or None)

    def owners(request: gr.Request | None) -> frozenset[str]:
        """Whose uploads the caller sees: its session's and its team's."""
        session = session_of(request)
        return frozenset(key for key in (owner_key(session or None), teams.team_of(session)) if key)

    def upload(files, request: gr.Request = None, progress=gr.Progress()):
        owner = upload_owner(request)
        try:
            result = chat.add_uploads(files or [], progress_reporter(progress), owner)
        except Exception:
            log.exception("upload failed")
            return {"error": GENERIC_ERROR}
        return result.to_dict(chat.list_uploads(owner))

    def remove(name, request: gr.Request = None):
        owner = upload_owner(request)
        try:
            message = chat.remove_upload(name, owner=owner)
        except UploadError as error:
            return {"error": str(error)}
        except Exception:
            log.exception("remove failed")
            return {"error": GENERIC_ERROR}
        return {"message": message, "uploads": chat.list_uploads(owner)}

    def team(passphrase: str, request: gr.Request = None) -> dict:
        """Share uploads with everyone who gives the same passphrase (this API session from now on)."""
        session = session_of(request)
        if not session:
            return {"error": "This call needs a session; use gradio_client."}
        try:
            teams.join(session, passphrase, client_of(request))
        except UploadError as error:
            return {"error": str(error)}
        return {"uploads": chat.list_uploads(upload_owner(request))}

    def ask(question: str, k: int = 5, mode: str = "hybrid", request: gr.Request = None) -> dict:
        """Answer a question with verbatim quotes: the same JSON as `assistant ask --json`, or {"error": sentence}."""
        return chat.ask_json(question, k, mode, owners=owners(request))

    def ask_within(question: str, k: int = 5, mode: str = "hybrid", docs: list[str] | None = None,
                   request: gr.Request = None) -> dict:
        """``/ask`` limited to the reports named in ``docs`` (file names, as ``/library`` lists them; none: all)."""
        return chat.ask_json(question, k, mode, docs, owners=owners(request))

    def library(request: gr.Request = None) -> list[dict]:
        """Every report the caller sees with its card (title, publisher, market, years, languages, chunks, uploaded)."""
        return [entry.to_dict() for entry in chat.library(owners(request))]

    # hidden components of the file routes
    files_box = gr.File(file_count="multiple", type="filepath", visible=False)
    name_box = gr.Textbox(visible=False)
    result = gr.JSON(visible=False)
    upload_trigger = gr.Button(visible=False)
    remove_trigger = gr.Button(visible=False)

    gr.api(ask, api_name="ask", **answer_event)
    gr.api(library, api_name="library")
    gr.api(ask_within, api_name="ask_within", **answer_event)
    gr.api(team, api_name="team")
    upload_trigger.click(upload, [files_box], [result], api_name="upload", **build_event)
    remove_trigger.click(remove, [name_box], [result], api_name="remove", **build_event)
