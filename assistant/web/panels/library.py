"""The library tab: every report the asker sees (the shipped ones and its own or its team's uploads), with its card."""
from __future__ import annotations

import gradio as gr

from ..library import LIBRARY_CSS, LIBRARY_JS, render_library
from .page import Page, browser_owners


def layout(page: Page) -> gr.HTML:
    return gr.HTML(render_library(page.chat.library()), elem_id="library", css_template=LIBRARY_CSS,
                   js_on_load=LIBRARY_JS, padding=False)


def wire(page: Page, library_html: gr.HTML, viewer_html: gr.HTML, passphrase: gr.Textbox) -> None:
    """"Open" on a card shows the report's beginning in the viewer (only a report the asker sees)."""
    chat = page.chat

    def open_report(token, passphrase_value, lang, evt: gr.EventData):
        data = getattr(evt, "_data", None)
        owners = browser_owners(token, passphrase_value)
        view = chat.report_view(data.get("open"), owners=owners) \
            if isinstance(data, dict) and chat.assistant is not None else None
        if view is None:
            return gr.skip(), gr.skip()
        return chat.view_html([], None, view, owners=owners, lang=lang), gr.Tabs(selected="chat")

    library_html.click(open_report, [page.owner, passphrase, page.lang], [viewer_html, page.tabs], show_progress="hidden",
                       api_visibility="private")
