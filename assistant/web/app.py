"""The Gradio page: its panels laid out and wired, and the API routes.

Where things are (see :mod:`assistant.web.panels`): the chat
(:mod:`.panels.chat`), the source viewer (:mod:`.panels.viewer`), the library
tab (:mod:`.panels.library`), the "Your reports" tab (:mod:`.panels.uploads`),
the indexing line and the page load (:mod:`.panels.status`), the API routes
(:mod:`.api`).  :func:`create_app` only puts them together.

Answers run at most ``ANSWER_CONCURRENCY`` at a time (the model's encode is
serialized by a lock inside the embedder; two overlap one answer's BM25 and
sentence scoring with another's encode on two cores) and builds one at a time
in their own group, so a build never blocks answers.

API: ``/ask`` (question, k, mode) returns exactly the JSON of
``assistant ask --json`` (or ``{"error": sentence}``); ``/ask_within``
(question, k, mode, docs) the same within the reports named in ``docs``.
``/library`` lists the reports the caller sees with their cards; ``/upload``
(files) and ``/remove`` (file name) manage the caller's uploaded reports (the
caller is its client session, or the team it joined with ``/team``
(passphrase)).  Every route answers from the shipped reports and the
caller's own (or its team's) uploads only.
"""
from __future__ import annotations

import gradio as gr

from ..config import SUPPORTED_SUFFIXES, Settings
from .api import add_routes
from .chat import WebChat
from .i18n import EXAMPLES as LOCAL_EXAMPLES
from .i18n import TRANSLATIONS, text
from .owners import TeamGate
from .panels import chat as chat_panel
from .panels import library as library_panel
from .panels import status as status_panel
from .panels import uploads as uploads_panel
from .panels import viewer as viewer_panel
from .panels.page import MAX_TURNS, Page
from .session import browser_secret
from .startup import IndexingState

#: Answers running at once (the encode itself is serialized by a lock).
ANSWER_CONCURRENCY = 2
#: Default limit of every other event (viewer, lists): cheap, in-memory work.
DEFAULT_CONCURRENCY = 8
#: Requests waiting in the queue before new ones are refused with "queue full".
QUEUE_MAX_SIZE = 512

EXAMPLES = LOCAL_EXAMPLES["en"]
#: One font family for every weight and both scripts: a CJK family (its Latin glyphs included) where installed,
#: else the system's; no web font, so no weight falls back to another family (and nothing is downloaded).
FONTS = ["Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "system-ui",
         "sans-serif"]
MONO_FONTS = ["Noto Sans Mono CJK SC", "ui-monospace", "monospace"]
__all__ = ["ANSWER_CONCURRENCY", "DEFAULT_CONCURRENCY", "EXAMPLES", "MAX_TURNS", "QUEUE_MAX_SIZE", "create_app",
           "page_translations"]


def page_translations(settings: Settings) -> gr.I18n:
    """The page's words for ``gr.I18n``, with this server's upload limits filled in."""
    limits = dict(suffixes=" ".join(SUPPORTED_SUFFIXES), mb=f"{settings.max_file_bytes / 2**20:.0f}",
                  files=settings.max_upload_files, total_mb=f"{settings.max_uploads_bytes / 2**20:.0f}")
    return gr.I18n(**{lang: {**words, "uploads_intro": text("uploads_intro", lang, **limits)}
                      for lang, words in TRANSLATIONS.items()})


def create_app(assistant, docs_dirs, uploads_dir, index_dir, settings: Settings | None = None,
               state: IndexingState | None = None):
    """The Blocks app (queue configured; call ``launch`` on it).  ``assistant``
    may be None while ``state`` (the background indexing) gets the first index ready."""
    chat = WebChat(assistant, docs_dirs, uploads_dir, index_dir, settings, state)
    i18n = page_translations(chat.settings)
    secret = browser_secret(index_dir)
    answer_event = dict(concurrency_id="answer", concurrency_limit=ANSWER_CONCURRENCY)
    build_event = dict(concurrency_id="build", concurrency_limit=1)

    with gr.Blocks(title="Report assistant", fill_width=True, delete_cache=(3600, 3600), analytics_enabled=False) as app:
        page = Page(chat, i18n, lang=gr.State("en"),
                    turns=gr.BrowserState([], storage_key="assistant-history", secret=secret),
                    owner=gr.BrowserState("", storage_key="assistant-owner", secret=secret), teams=TeamGate())
        status = status_panel.layout(page)
        with gr.Tabs() as page.tabs:
            with gr.Tab(i18n("tab_chat"), id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5, min_width=380):
                        conversation = chat_panel.layout(page)
                    with gr.Column(scale=4, min_width=340):
                        viewer = viewer_panel.layout(page)
            with gr.Tab(i18n("tab_library"), id="library") as library_tab:
                library = library_panel.layout(page)
                library_html = library.cards
            with gr.Tab(i18n("tab_reports"), id="reports"):
                uploads = uploads_panel.layout(page)

        passphrase = uploads.passphrase  # the team an asker joined: what it sees depends on it
        chat_panel.wire(page, conversation, viewer, passphrase, answer_event)
        viewer_panel.wire(page, viewer, conversation.transcript, passphrase)
        library_panel.wire(page, library, viewer.viewer, passphrase, conversation.scope_box, library_tab)
        uploads_panel.wire(page, uploads, library_html, conversation.scope_box, build_event)
        status_panel.wire(app, page, status, conversation, viewer, library_html, uploads)
        add_routes(chat, answer_event, build_event, page.teams)

    app.queue(default_concurrency_limit=DEFAULT_CONCURRENCY, max_size=QUEUE_MAX_SIZE)
    app.web_chat = chat  # for tests and embedding
    app.team_gate = page.teams
    _launch = app.launch

    def launch(*args, **kwargs):
        """``Blocks.launch`` with the page's translations (Gradio takes them at launch)."""
        kwargs.setdefault("i18n", i18n)
        kwargs.setdefault("theme", gr.themes.Default(font=FONTS, font_mono=MONO_FONTS))
        return _launch(*args, **kwargs)

    app.launch = launch
    return app
