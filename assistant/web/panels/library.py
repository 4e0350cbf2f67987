"""The library tab: every report the asker sees (the shipped reports and its own or its team's uploads), with
its card; "Open" shows a report in the viewer, and the asker may correct the cards of its own uploads."""
from __future__ import annotations

import logging
from dataclasses import dataclass

import gradio as gr

from ..chat import GENERIC_ERROR
from ..library import LIBRARY_CSS, LIBRARY_JS, render_library
from ..messages import localize
from ..render import STATUS_CSS, status_html
from ..uploads import UploadError
from .page import Page, browser_owners

log = logging.getLogger("assistant.web")

#: The card fields the edit form shows, in order (the i18n key of each label).
CARD_FIELDS = (("title", "card_title"), ("publisher", "publisher"), ("market", "market"), ("years", "card_years"),
               ("languages", "card_languages"))


@dataclass
class LibraryPanel:
    cards: gr.HTML
    edit_doc: gr.Dropdown
    edit_fields: list[gr.Textbox]
    edit_save: gr.Button
    edit_status: gr.HTML


def layout(page: Page) -> LibraryPanel:
    i18n = page.i18n
    cards = gr.HTML(render_library(page.chat.library()), elem_id="library", css_template=LIBRARY_CSS,
                    js_on_load=LIBRARY_JS, padding=False)
    with gr.Accordion(i18n("card_edit"), open=False, elem_id="card-edit"):
        edit_doc = gr.Dropdown(choices=[], value=None, label=i18n("card_doc"), elem_id="card-doc")
        edit_fields = [gr.Textbox(label=i18n(key), elem_id=f"card-{name}", max_lines=1) for name, key in CARD_FIELDS]
        edit_save = gr.Button(i18n("card_save"), elem_id="card-save")
        edit_status = gr.HTML("", elem_id="card-status", css_template=STATUS_CSS, js_on_load=None)
    return LibraryPanel(cards, edit_doc, edit_fields, edit_save, edit_status)


def wire(page: Page, ui: LibraryPanel, viewer_html: gr.HTML, passphrase: gr.Textbox, scope_box: gr.CheckboxGroup,
         tab: gr.Tab) -> None:
    """"Open" on a card shows the report's beginning in the viewer (only a report the asker sees); the edit
    form corrects one of the asker's uploads and shows the library with the corrected card at once.  Opening
    the tab shows the library as it is now (a tab never opened before misses the updates sent to it)."""
    chat = page.chat
    private = dict(api_visibility="private")

    def open_report(token, passphrase_value, lang, evt: gr.EventData, request: gr.Request):
        data = getattr(evt, "_data", None)
        owners = browser_owners(token, passphrase_value, request)
        view = chat.report_view(data.get("open"), owners=owners) \
            if isinstance(data, dict) and chat.assistant is not None else None
        if view is None:
            return gr.skip(), gr.skip()
        return chat.view_html([], None, view, owners=owners, lang=lang), gr.Tabs(selected="chat")

    def choose(doc_id, token, passphrase_value, request: gr.Request):
        card = chat.card_of(doc_id, owners=browser_owners(token, passphrase_value, request)) if doc_id else None
        return [gr.Textbox(value=(card or {}).get(name, "")) for name, _ in CARD_FIELDS]

    def save(doc_id, title, publisher, market, years, languages, token, passphrase_value, lang, request: gr.Request):
        values = (title, publisher, market, years, languages)
        owners = browser_owners(token, passphrase_value, request)
        try:
            message = status_html(localize(chat.edit_card(doc_id, dict(zip((name for name, _ in CARD_FIELDS), values)),
                                                          owners=owners), lang), "ok")
        except UploadError as error:
            message = status_html(localize(str(error), lang))
        except Exception:
            log.exception("saving a card failed")
            message = status_html(localize(GENERIC_ERROR, lang))
        return (message, *page.library_outputs(lang, owners))

    def refresh_choices(token, passphrase_value, request: gr.Request):
        owners = browser_owners(token, passphrase_value, request)
        return gr.Dropdown(choices=[entry.doc_id for entry in chat.library(owners) if entry.uploaded
                                    and chat.card_of(entry.doc_id, owners=owners) is not None], value=None)

    def show(token, passphrase_value, lang, request: gr.Request):
        owners = browser_owners(token, passphrase_value, request)
        return (*page.library_outputs(lang, owners), refresh_choices(token, passphrase_value, request))

    owner_inputs = [page.owner, passphrase]
    tab.select(show, [*owner_inputs, page.lang], [ui.cards, scope_box, ui.edit_doc], queue=False,
               show_progress="hidden", **private)
    ui.cards.click(open_report, [*owner_inputs, page.lang], [viewer_html, page.tabs], show_progress="hidden",
                   **private)
    ui.cards.change(refresh_choices, owner_inputs, [ui.edit_doc], queue=False, show_progress="hidden", **private)
    ui.edit_doc.input(choose, [ui.edit_doc, *owner_inputs], ui.edit_fields, queue=False, **private)
    ui.edit_save.click(save, [ui.edit_doc, *ui.edit_fields, *owner_inputs, page.lang],
                       [ui.edit_status, ui.cards, scope_box], **private)
