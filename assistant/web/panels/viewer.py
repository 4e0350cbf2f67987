"""The source viewer: the sources list of the conversation, and a report with the cited span highlighted.

A citation clicked in the transcript, a source picked from the list, or a
report opened from the library shows here; only a report the asker sees.
"""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ..render import VIEWER_CSS, VIEWER_JS, _find_view, empty_viewer
from ..session import valid_turns
from .page import Page, browser_owners


@dataclass
class ViewerPanel:
    sources: gr.Dropdown
    viewer: gr.HTML


def layout(page: Page) -> ViewerPanel:
    sources = gr.Dropdown(choices=[], value=None, label=page.i18n("sources"), elem_id="sources",
                          allow_custom_value=False, interactive=True)
    viewer = gr.HTML(empty_viewer(), elem_id="viewer", css_template=VIEWER_CSS, js_on_load=VIEWER_JS, padding=False)
    return ViewerPanel(sources, viewer)


def wire(page: Page, ui: ViewerPanel, transcript: gr.HTML, passphrase: gr.Textbox) -> None:
    chat = page.chat
    private = dict(api_visibility="private", show_progress="hidden")

    def open_cited(turns, token, passphrase_value, lang, evt: gr.EventData, request: gr.Request):
        data = getattr(evt, "_data", None)
        key = data.get("cite") if isinstance(data, dict) else None
        turns = valid_turns(turns)
        if _find_view(turns, key) is None:
            return gr.skip(), gr.skip()
        return (chat.view_html(turns, key, owners=browser_owners(token, passphrase_value, request), lang=lang),
                gr.Dropdown(value=key))

    def open_chosen(key, turns, token, passphrase_value, lang, request: gr.Request):
        return chat.view_html(valid_turns(turns), key, owners=browser_owners(token, passphrase_value, request), lang=lang)

    owner_inputs = [page.owner, passphrase, page.lang]
    transcript.click(open_cited, [page.turns, *owner_inputs], [ui.viewer, ui.sources], **private)
    ui.sources.input(open_chosen, [ui.sources, page.turns, *owner_inputs], [ui.viewer], **private)
