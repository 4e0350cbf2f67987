"""The "Your reports" tab: the team passphrase, uploading reports, the asker's uploads, removing one."""
from __future__ import annotations

import logging
from dataclasses import dataclass

import gradio as gr

from ..chat import GENERIC_ERROR
from ..messages import localize
from ..render import STATUS_CSS, UPLOADS_CSS, render_uploads, status_html
from ..uploads import UploadError, delete_temporary, upload_path
from .page import Page, browser_owners, progress_reporter, upload_owner

log = logging.getLogger("assistant.web")


@dataclass
class UploadsPanel:
    passphrase: gr.Textbox
    upload_box: gr.File
    status: gr.HTML
    table: gr.HTML
    remove_choice: gr.Dropdown
    remove_button: gr.Button


def layout(page: Page) -> UploadsPanel:
    i18n = page.i18n
    gr.Markdown(i18n("uploads_intro"))
    passphrase = gr.Textbox(label=i18n("passphrase"), type="password", elem_id="passphrase", max_lines=1)
    upload_box = gr.File(label=i18n("upload"), file_count="multiple", type="filepath", elem_id="upload")
    status = gr.HTML("", elem_id="upload-status", css_template=STATUS_CSS, js_on_load=None)
    table = gr.HTML(render_uploads([]), elem_id="uploads", css_template=UPLOADS_CSS, js_on_load=None)
    with gr.Row():
        remove_choice = gr.Dropdown(choices=[], value=None, label=i18n("remove_choice"), elem_id="remove-choice",
                                    scale=4)
        remove_button = gr.Button(i18n("remove"), variant="stop", scale=1, elem_id="remove")
    return UploadsPanel(passphrase, upload_box, status, table, remove_choice, remove_button)


def uploads_outputs(page: Page, message_html: str, owner: str, lang: str) -> tuple:
    """The status line, the table of the owner's uploads and the remove list."""
    rows = page.chat.list_uploads(owner)
    return message_html, render_uploads(rows, lang), gr.Dropdown(choices=[row["file"] for row in rows], value=None)


def wire(page: Page, ui: UploadsPanel, library_html: gr.HTML, scope_box: gr.CheckboxGroup, build_event: dict) -> None:
    """Upload, remove and the passphrase; each also refreshes the library and the scope (``library_html``,
    ``scope_box``), since the reports the asker sees changed."""
    chat = page.chat
    private = dict(api_visibility="private")

    def upload_ui(files, passphrase, token, lang, request: gr.Request, progress=gr.Progress()):
        try:
            owner = upload_owner(page.teams, token, passphrase, request)
        except UploadError as error:
            for item in files or []:
                delete_temporary(upload_path(item), chat.uploads_dir)
            return status_html(localize(str(error), lang)), gr.skip(), gr.skip(), None, gr.skip(), gr.skip()
        try:
            result = chat.add_uploads(files or [], progress_reporter(progress, lang), owner)
        except Exception:
            log.exception("upload failed")
            return (*uploads_outputs(page, status_html(localize(GENERIC_ERROR, lang)), owner, lang), None, gr.skip(),
                    gr.skip())
        lines = []
        if result.added:
            lines.append(status_html(localize(f"Added {', '.join(result.added)}. {result.summary}", lang), "ok"))
        lines.extend(status_html(localize(problem, lang)) for problem in result.problems)
        return (*uploads_outputs(page, "".join(lines), owner, lang), None,
                *page.library_outputs(lang, browser_owners(token, passphrase, request)))

    def remove_ui(name, passphrase, token, lang, request: gr.Request, progress=gr.Progress()):
        try:
            owner = upload_owner(page.teams, token, passphrase, request)
        except UploadError as error:
            return status_html(localize(str(error), lang)), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            message = status_html(localize(chat.remove_upload(name, progress_reporter(progress, lang), owner), lang), "ok")
        except UploadError as error:
            message = status_html(localize(str(error), lang))
        except Exception:
            log.exception("remove failed")
            message = status_html(localize(GENERIC_ERROR, lang))
        return (*uploads_outputs(page, message, owner, lang),
                *page.library_outputs(lang, browser_owners(token, passphrase, request)))

    def refresh(passphrase, token, lang, request: gr.Request):
        try:
            owner = upload_owner(page.teams, token, passphrase, request)
        except UploadError:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return (*uploads_outputs(page, "", owner, lang)[1:],
                *page.library_outputs(lang, browser_owners(token, passphrase, request)))

    owner_inputs = [ui.passphrase, page.owner, page.lang]
    ui.upload_box.upload(upload_ui, [ui.upload_box, *owner_inputs],
                         [ui.status, ui.table, ui.remove_choice, ui.upload_box, library_html, scope_box],
                         show_progress_on=[ui.upload_box], **private, **build_event)
    ui.remove_button.click(remove_ui, [ui.remove_choice, *owner_inputs],
                           [ui.status, ui.table, ui.remove_choice, library_html, scope_box],
                           show_progress_on=[ui.table], **private, **build_event)
    ui.passphrase.blur(refresh, owner_inputs, [ui.table, ui.remove_choice, library_html, scope_box], queue=False,
                       **private)
