"""The web chat (Gradio): ask, read the cited passages, see them in their source.

Layout: the chat on the left (question box, settings, example questions), the
source viewer on the right, and a second tab for the user's own reports
(upload, list with chunk counts, remove).

Everything a user or a report wrote is *data*: every string that reaches HTML
goes through :func:`esc` (HTML-escaped, plus the characters Gradio's HTML
templates treat specially), and no document text is ever put into an
attribute other than as escaped text.  The chat transcript and the viewer are
``gr.HTML`` components whose markup this package builds; a citation is a
``<button class="cite" data-cite="t3-q1">`` and a small delegated click
handler (``js_on_load``) sends that id back to the server with the
component's ``click`` event, where it is looked up in the session's state
(never trusted as anything but a key).

Concurrency: one process, one :class:`~assistant.pipeline.Assistant`; the
model's encode is serialized by a lock inside the embedder, so answers run at
most ``ANSWER_CONCURRENCY`` at a time (enough to overlap one answer's BM25
and sentence scoring with another's encode on two cores) and builds one at a
time in their own group, so a build never blocks answers: they keep coming
from the previous index generation until the build swaps in the new one.

API: ``/ask`` (question, k, mode) returns exactly the JSON of
``assistant ask --json`` (or ``{"error": sentence}``), ``/ask_within``
(question, k, mode, docs) the same within chosen reports; ``/library`` lists
the reports; ``/upload`` (files) and ``/remove`` (file name) manage the
caller's uploaded reports (its session's, or its team's after ``/team``).

Privacy: every answer, search, comparison, conflict, library list and view
draws only on what the asker may see: the shipped reports, its own uploads
and its team's (:meth:`WebChat.visible_docs`, passed to the Assistant, which
answers from a :class:`~assistant.store.VisibleIndex`).  See docs/web.md.

Modules: :mod:`.app` (:func:`create_app`: puts the panels and routes
together), :mod:`.panels` (one module per panel: chat, viewer, library,
uploads, status, and :mod:`.panels.page` for what they share), :mod:`.api`
(the API routes), :mod:`.chat` (:class:`WebChat`, the service the events
call), :mod:`.render` (escaping and the HTML, CSS and JS of the chat),
:mod:`.i18n` (English and Chinese words), :mod:`.export` (Markdown and JSON of
a conversation), :mod:`.library` (the library cards and the scope),
:mod:`.uploads` (upload names and checks), :mod:`.owners` (who owns an
upload, the folder's quota), :mod:`.session` (what a browser keeps),
:mod:`.startup` (indexing in the background) and :mod:`.server` (:func:`serve`).
"""
from __future__ import annotations

from .app import (
    ANSWER_CONCURRENCY,
    DEFAULT_CONCURRENCY,
    EXAMPLES,
    MAX_TURNS,
    QUEUE_MAX_SIZE,
    create_app,
)
from .chat import GENERIC_ERROR, LIVE_CHECK_SECONDS, MAX_K, WebChat
from .export import conversation_json, conversation_markdown, turn_markdown
from .i18n import language_of
from .library import LibraryEntry, render_library, scope_doc_ids
from .owners import UploadLedger, owner_key
from .render import (
    EMPTY_TRANSCRIPT,
    EMPTY_VIEWER,
    LANG_NAMES,
    STATUS_CSS,
    TRANSCRIPT_CSS,
    TRANSCRIPT_JS,
    UPLOADS_CSS,
    VIEW_WINDOW,
    VIEWER_CSS,
    VIEWER_JS,
    View,
    _find_view,
    _turn_from_answer,
    esc,
    render_transcript,
    render_turn,
    render_uploads,
    render_view,
    source_choices,
    status_html,
)
from .server import default_uploads_dir, serve
from .startup import IndexingState
from .uploads import (
    MAX_NAME_CHARS,
    UploadError,
    UploadResult,
    check_upload,
    check_uploads_dir,
    safe_upload_name,
)

__all__ = [
    "IndexingState",
    "LibraryEntry",
    "UploadLedger",
    "conversation_json",
    "conversation_markdown",
    "default_uploads_dir",
    "language_of",
    "owner_key",
    "render_library",
    "scope_doc_ids",
    "turn_markdown",
    "ANSWER_CONCURRENCY",
    "DEFAULT_CONCURRENCY",
    "EMPTY_TRANSCRIPT",
    "EMPTY_VIEWER",
    "EXAMPLES",
    "GENERIC_ERROR",
    "LANG_NAMES",
    "LIVE_CHECK_SECONDS",
    "MAX_K",
    "MAX_NAME_CHARS",
    "MAX_TURNS",
    "QUEUE_MAX_SIZE",
    "STATUS_CSS",
    "TRANSCRIPT_CSS",
    "TRANSCRIPT_JS",
    "UPLOADS_CSS",
    "VIEWER_CSS",
    "VIEWER_JS",
    "VIEW_WINDOW",
    "UploadError",
    "UploadResult",
    "View",
    "WebChat",
    "_find_view",
    "_turn_from_answer",
    "check_upload",
    "check_uploads_dir",
    "create_app",
    "esc",
    "render_transcript",
    "render_turn",
    "render_uploads",
    "render_view",
    "safe_upload_name",
    "serve",
    "source_choices",
    "status_html",
]
