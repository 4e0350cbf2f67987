"""The chat: the question box, the transcript of answers, settings, the scope, new chat and export."""
from __future__ import annotations

import logging
from dataclasses import dataclass

import gradio as gr

from ...config import RETRIEVAL_MODES
from ..chat import GENERIC_ERROR, MAX_K
from ..i18n import EXAMPLES, text
from ..messages import localize
from ..render import (
    STATUS_CSS,
    TRANSCRIPT_CSS,
    TRANSCRIPT_JS,
    empty_transcript,
    empty_viewer,
    render_transcript,
    source_choices,
    status_html,
)
from ..session import export_files, valid_turns
from .page import MAX_TURNS, Page, browser_owners
from .viewer import ViewerPanel

log = logging.getLogger("assistant.web")


@dataclass
class ChatPanel:
    transcript: gr.HTML
    question: gr.Textbox
    ask_button: gr.Button
    status: gr.HTML
    new_button: gr.Button
    export_md: gr.DownloadButton
    export_json: gr.DownloadButton
    examples: list[gr.Button]
    scope_box: gr.CheckboxGroup
    scope_lang: gr.Radio
    k_slider: gr.Slider
    mode_radio: gr.Radio


def layout(page: Page) -> ChatPanel:
    i18n = page.i18n
    transcript = gr.HTML(empty_transcript(), elem_id="transcript", css_template=TRANSCRIPT_CSS,
                         js_on_load=TRANSCRIPT_JS, padding=False)
    with gr.Row(equal_height=True):
        question = gr.Textbox(placeholder=i18n("placeholder"), show_label=False, elem_id="question", scale=8, lines=1,
                              max_lines=6, autofocus=True, submit_btn=False)
        ask_button = gr.Button(i18n("ask"), variant="primary", scale=1, min_width=80, elem_id="ask")
    status = gr.HTML("", elem_id="status", css_template=STATUS_CSS, js_on_load=None)
    with gr.Row():
        new_button = gr.Button(i18n("new_chat"), size="sm", elem_id="new-chat")
        export_md = gr.DownloadButton(i18n("export_md"), size="sm", elem_id="export-md", interactive=False)
        export_json = gr.DownloadButton(i18n("export_json"), size="sm", elem_id="export-json", interactive=False)
    with gr.Row():
        examples = [gr.Button(example, size="sm", variant="secondary", elem_classes=["example"])
                    for example in EXAMPLES["en"]]
    with gr.Accordion(i18n("scope"), open=False, elem_id="scope-panel"):
        scope_box = gr.CheckboxGroup(choices=[], value=[], show_label=False, elem_id="scope")
        scope_lang = gr.Radio([(i18n("lang_all"), "all"), (i18n("lang_en"), "en"), (i18n("lang_zh"), "zh")],
                              value="all", label=i18n("scope_lang"), elem_id="scope-lang")
    with gr.Accordion(i18n("settings"), open=False):
        k_slider = gr.Slider(1, MAX_K, value=page.chat.settings.top_k, step=1, label=i18n("k"), elem_id="k")
        mode_radio = gr.Radio(list(RETRIEVAL_MODES), value="hybrid", label=i18n("mode"), elem_id="mode")
    return ChatPanel(transcript, question, ask_button, status, new_button, export_md, export_json, examples,
                     scope_box, scope_lang, k_slider, mode_radio)


def wire(page: Page, ui: ChatPanel, viewer: ViewerPanel, passphrase: gr.Textbox, answer_event: dict) -> None:
    """Asking (the button, Enter, an example), and a new chat; an answer also refreshes the sources list."""
    chat = page.chat
    private = dict(api_visibility="private")

    def respond(question, k, mode, docs, scope_lang, turns, lang, token, passphrase_value,
                request: gr.Request):
        from ...query import QuestionError
        from ...store import IndexStateError

        turns = valid_turns(turns)
        previous = (turns[-1]["result"].get("read_as") or turns[-1]["question"]) if turns else None
        skip = (gr.skip(),) * 3
        if chat.assistant is None:
            message = chat.state.describe(lang) if chat.state.error else \
                text("indexing_wait", lang, state=chat.state.describe(lang))
            return *skip, status_html(message), gr.skip(), gr.skip(), gr.skip()
        owners = browser_owners(token, passphrase_value, request)
        known = {entry.doc_id for entry in chat.library(owners)}
        docs = [doc_id for doc_id in docs or [] if doc_id in known]  # a ticked report may have been removed since
        try:
            answer, scope = chat.answer_in_scope(question, k, mode, follow_up_of=previous, docs=docs, lang=scope_lang,
                                                 owners=owners)
        except (QuestionError, IndexStateError) as error:
            return *skip, status_html(localize(str(error), lang)), gr.skip(), gr.skip(), gr.skip()
        except Exception:
            log.exception("answering failed")
            return *skip, status_html(localize(GENERIC_ERROR, lang)), gr.skip(), gr.skip(), gr.skip()
        turns.append(chat.make_turn(answer, turns, scope))
        turns = turns[-MAX_TURNS:]
        note = status_html(text("being_indexed", lang), "info") if chat.building.is_set() else ""
        markdown, json_file = export_files(turns)
        return (render_transcript(turns, lang), turns, gr.Dropdown(choices=source_choices(turns), value=None), note, "",
                gr.DownloadButton(value=markdown, interactive=True), gr.DownloadButton(value=json_file, interactive=True))

    def new_chat(lang):
        return ([], empty_transcript(lang), gr.Dropdown(choices=[], value=None), empty_viewer(lang), "",
                gr.DownloadButton(value=None, interactive=False), gr.DownloadButton(value=None, interactive=False))

    ask_inputs = [ui.question, ui.k_slider, ui.mode_radio, ui.scope_box, ui.scope_lang, page.turns, page.lang,
                  page.owner, passphrase]
    ask_outputs = [ui.transcript, page.turns, viewer.sources, ui.status, ui.question, ui.export_md, ui.export_json]
    gr.on([ui.question.submit, ui.ask_button.click], respond, ask_inputs, ask_outputs, show_progress="minimal",
          show_progress_on=[ui.status], **private, **answer_event)
    for button in ui.examples:
        button.click(lambda value: value, [button], ui.question, queue=False, **private).then(
            respond, ask_inputs, ask_outputs, show_progress="minimal", show_progress_on=[ui.status], **private,
            **answer_event)
    ui.new_button.click(new_chat, [page.lang], [page.turns, ui.transcript, viewer.sources, viewer.viewer, ui.status,
                                                ui.export_md, ui.export_json], queue=False, **private)
