"""The indexing line at the top of the page, its timer, and what a page load fills in."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ..i18n import EXAMPLES, language_of
from ..owners import owner_key
from ..render import (
    STATUS_CSS,
    empty_viewer,
    esc,
    render_transcript,
    render_uploads,
    source_choices,
    status_html,
)
from ..session import export_files, new_owner_token, valid_turns
from .chat import ChatPanel
from .page import MAX_TURNS, Page, browser_owners
from .uploads import UploadsPanel
from .viewer import ViewerPanel

#: Seconds between the page's checks of the background indexing.
STATUS_SECONDS = 1.0


@dataclass
class StatusPanel:
    indexing: gr.HTML
    timer: gr.Timer
    ready: gr.State  # whether the page has shown the first index as ready


def index_status(chat, lang: str) -> str:
    """The line saying how far the background indexing is ("" once it has finished)."""
    if chat.state.error:
        return status_html(chat.state.describe(lang))
    if not chat.state.finished:
        kind = "info" if chat.state.ready else "busy"
        return f'<p class="{kind}" role="status">{esc(chat.state.describe(lang))}</p>'
    return ""


def layout(page: Page) -> StatusPanel:
    chat = page.chat
    ready = gr.State(chat.state.ready)
    gr.Markdown(page.i18n("title"))
    status_css = STATUS_CSS + ".busy { font-weight: 600; margin: 4px 2px; color: var(--color-accent); }"
    indexing = gr.HTML(index_status(chat, "en"), elem_id="index-status", css_template=status_css, js_on_load=None)
    timer = gr.Timer(STATUS_SECONDS, active=not chat.state.finished)
    return StatusPanel(indexing, timer, ready)


def wire(app: gr.Blocks, page: Page, ui: StatusPanel, conversation: ChatPanel, viewer: ViewerPanel, library_html: gr.HTML,
         uploads: UploadsPanel) -> None:
    """A page load restores the browser's history and owner token and fills every panel in its language;
    the timer follows the background indexing until it finishes."""
    chat = page.chat
    private = dict(api_visibility="private", queue=False, show_progress="hidden")

    def on_load(turns, token, request: gr.Request):
        lang = language_of(request.headers.get("accept-language") if request is not None else None)
        turns = valid_turns(turns)[-MAX_TURNS:]
        token = token if isinstance(token, str) and len(token) >= 16 else new_owner_token()
        markdown, json_file = export_files(turns)
        owner = owner_key(token)
        return (lang, token, turns, render_transcript(turns, lang), gr.Dropdown(choices=source_choices(turns), value=None),
                empty_viewer(lang), *page.library_outputs(lang, browser_owners(token, "", request)),
                render_uploads(chat.list_uploads(owner), lang), gr.Dropdown(choices=chat.upload_names(owner), value=None),
                gr.DownloadButton(value=markdown, interactive=bool(markdown)),
                gr.DownloadButton(value=json_file, interactive=bool(json_file)),
                index_status(chat, lang), gr.Timer(active=not chat.state.finished),
                *[gr.Button(value=example) for example in EXAMPLES[lang]])

    def on_tick(lang, shown_ready, token, passphrase, request: gr.Request):
        if not chat.state.finished and chat.state.ready == shown_ready:
            return index_status(chat, lang), gr.skip(), gr.skip(), gr.skip(), shown_ready
        return (index_status(chat, lang), gr.Timer(active=not chat.state.finished),
                *page.library_outputs(lang, browser_owners(token, passphrase, request)), chat.state.ready)

    page_outputs = [page.lang, page.owner, page.turns, conversation.transcript, viewer.sources, viewer.viewer,
                    library_html, conversation.scope_box, uploads.table, uploads.remove_choice, conversation.export_md,
                    conversation.export_json, ui.indexing, ui.timer, *conversation.examples]
    app.load(on_load, [page.turns, page.owner], page_outputs, **private)
    ui.timer.tick(on_tick, [page.lang, ui.ready, page.owner, uploads.passphrase],
                  [ui.indexing, ui.timer, library_html, conversation.scope_box, ui.ready], **private)
