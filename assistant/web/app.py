"""The Gradio page: layout (chat and source viewer, "Your reports" tab) and event wiring.

Answers run at most ``ANSWER_CONCURRENCY`` at a time (the model's encode is
serialized by a lock inside the embedder; two overlap one answer's BM25 and
sentence scoring with another's encode on two cores) and builds one at a time
in their own group, so a build never blocks answers.

API: ``/ask`` (question, k, mode) returns exactly the JSON of
``assistant ask --json`` (or ``{"error": sentence}``); ``/upload`` (files)
and ``/remove`` (file name) manage the uploaded reports.
"""
from __future__ import annotations

import logging

import gradio as gr

from ..config import RETRIEVAL_MODES, SUPPORTED_SUFFIXES, Settings
from .chat import GENERIC_ERROR, MAX_K, WebChat
from .render import (
    EMPTY_TRANSCRIPT,
    EMPTY_VIEWER,
    STATUS_CSS,
    TRANSCRIPT_CSS,
    TRANSCRIPT_JS,
    UPLOADS_CSS,
    VIEWER_CSS,
    VIEWER_JS,
    _find_view,
    render_transcript,
    render_uploads,
    source_choices,
    status_html,
)
from .uploads import UploadError

log = logging.getLogger("assistant.web")

#: Answers running at once (the encode itself is serialized by a lock).
ANSWER_CONCURRENCY = 2
#: Default limit of every other event (viewer, lists): cheap, in-memory work.
DEFAULT_CONCURRENCY = 8
#: Requests waiting in the queue before new ones are refused with "queue full".
QUEUE_MAX_SIZE = 512
#: Questions kept per browser session (older turns drop out of the page).
MAX_TURNS = 30

EXAMPLES = [
    "What was the telemedicine market size in 2023?",
    "What is the CAGR of the Internet of Medical Things market?",
    "醫療物聯網市場的複合年成長率是多少？",
    "互联医疗设备市场的主要增长动力是什么？",
]


def create_app(assistant, docs_dirs, uploads_dir, index_dir, settings: Settings | None = None):
    """The Blocks app (queue configured; call ``launch`` on it)."""
    chat = WebChat(assistant, docs_dirs, uploads_dir, index_dir, settings)
    settings = chat.settings

    def build_progress(progress):
        def report(stage: str, done: int, total: int) -> None:
            try:
                progress((done, max(total, 1)), desc=f"Indexing: {stage}", unit="items")
            except Exception:  # progress is cosmetic
                pass
        return report

    # ---------------------------------------------------------- handlers
    def respond(question, k, mode, turns):
        from ..query import QuestionError
        from ..store import IndexStateError

        turns = list(turns or [])
        try:
            answer = chat.answer(question, k, mode, follow_up_of=turns[-1]["question"] if turns else None)
        except (QuestionError, IndexStateError) as error:
            return gr.skip(), gr.skip(), gr.skip(), status_html(str(error)), gr.skip()
        except Exception:
            log.exception("answering failed")
            return gr.skip(), gr.skip(), gr.skip(), status_html(GENERIC_ERROR), gr.skip()
        turns.append(chat.make_turn(answer, turns))
        turns = turns[-MAX_TURNS:]
        note = ""
        if chat.building.is_set():
            note = status_html("Reports are being indexed; this answer comes from the index as it was before.", "info")
        return (render_transcript(turns), turns, gr.Dropdown(choices=source_choices(turns), value=None),
                note, "")

    def open_cited(turns, evt: gr.EventData):
        data = getattr(evt, "_data", None)
        key = data.get("cite") if isinstance(data, dict) else None
        if _find_view(turns or [], key) is None:
            return gr.skip(), gr.skip()
        return chat.view_html(turns, key), gr.Dropdown(value=key)

    def open_chosen(key, turns):
        return chat.view_html(turns, key)

    def uploads_outputs(message_html: str):
        rows = chat.list_uploads()
        names = [row["file"] for row in rows]
        return message_html, render_uploads(rows), gr.Dropdown(choices=names, value=None)

    def upload_ui(files, progress=gr.Progress()):
        try:
            result = chat.add_uploads(files or [], build_progress(progress))
        except Exception:
            log.exception("upload failed")
            return (*uploads_outputs(status_html(GENERIC_ERROR)), None)
        lines = []
        if result.added:
            lines.append(status_html(f"Added {', '.join(result.added)}. {result.summary}", "ok"))
        for problem in result.problems:
            lines.append(status_html(problem))
        return (*uploads_outputs("".join(lines)), None)

    def remove_ui(name, progress=gr.Progress()):
        try:
            message = status_html(chat.remove_upload(name, build_progress(progress)), "ok")
        except UploadError as error:
            message = status_html(str(error))
        except Exception:
            log.exception("remove failed")
            message = status_html(GENERIC_ERROR)
        return uploads_outputs(message)

    def refresh_uploads():
        return uploads_outputs("")[1:]

    def upload_api(files, progress=gr.Progress()):
        try:
            result = chat.add_uploads(files or [], build_progress(progress))
        except Exception:
            log.exception("upload failed")
            return {"error": GENERIC_ERROR}
        return result.to_dict(chat.list_uploads())

    def remove_api(name):
        try:
            message = chat.remove_upload(name)
        except UploadError as error:
            return {"error": str(error)}
        except Exception:
            log.exception("remove failed")
            return {"error": GENERIC_ERROR}
        return {"message": message, "uploads": chat.list_uploads()}

    def ask(question: str, k: int = 5, mode: str = "hybrid") -> dict:
        """Answer a question with verbatim quotes: the same JSON as `assistant ask --json`, or {"error": sentence}."""
        return chat.ask_json(question, k, mode)

    # ---------------------------------------------------------- layout
    with gr.Blocks(title="Report assistant", fill_width=True, delete_cache=(3600, 3600), analytics_enabled=False) as app:
        turns_state = gr.State([])
        gr.Markdown("## Report assistant\nAnswers are sentences quoted verbatim from the market reports, each with "
                    "its source. Click a citation **[n]** to see it highlighted in its report.")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5, min_width=380):
                        transcript = gr.HTML(EMPTY_TRANSCRIPT, elem_id="transcript", css_template=TRANSCRIPT_CSS,
                                             js_on_load=TRANSCRIPT_JS, padding=False)
                        with gr.Row(equal_height=True):
                            question = gr.Textbox(placeholder="Ask about the reports, in English or Chinese …",
                                                  show_label=False, elem_id="question", scale=8, lines=1,
                                                  max_lines=6, autofocus=True, submit_btn=False)
                            ask_button = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                        status = gr.HTML("", elem_id="status", css_template=STATUS_CSS, js_on_load=None)
                        with gr.Row():
                            example_buttons = [gr.Button(text, size="sm", variant="secondary", elem_classes=["example"])
                                               for text in EXAMPLES]
                        with gr.Accordion("Settings", open=False):
                            k_slider = gr.Slider(1, MAX_K, value=settings.top_k, step=1, label="Passages to search (k)",
                                                 elem_id="k")
                            mode_radio = gr.Radio(list(RETRIEVAL_MODES), value="hybrid", label="Retrieval mode",
                                                  elem_id="mode")
                    with gr.Column(scale=4, min_width=340):
                        sources = gr.Dropdown(choices=[], value=None, label="Sources", elem_id="sources",
                                              allow_custom_value=False, interactive=True)
                        viewer = gr.HTML(EMPTY_VIEWER, elem_id="viewer", css_template=VIEWER_CSS,
                                         js_on_load=VIEWER_JS, padding=False)
            with gr.Tab("Your reports", id="reports"):
                gr.Markdown(f"Add your own reports ({' '.join(SUPPORTED_SUFFIXES)}, up to "
                            f"{settings.max_file_bytes / 2**20:.0f} MB each). They are indexed next to the shipped "
                            "reports, which are never changed; answers keep working while a file is indexed.")
                upload_box = gr.File(label="Upload reports", file_count="multiple", type="filepath", elem_id="upload")
                upload_status = gr.HTML("", elem_id="upload-status", css_template=STATUS_CSS, js_on_load=None)
                uploads_table = gr.HTML(render_uploads(chat.list_uploads()), elem_id="uploads",
                                        css_template=UPLOADS_CSS, js_on_load=None)
                with gr.Row():
                    remove_choice = gr.Dropdown(choices=chat.upload_names(), value=None, label="Remove an uploaded report",
                                                elem_id="remove-choice", scale=4)
                    remove_button = gr.Button("Remove", variant="stop", scale=1, elem_id="remove")

        # hidden components of the API-only endpoints
        api_files = gr.File(file_count="multiple", type="filepath", visible=False)
        api_name_box = gr.Textbox(visible=False)
        api_result = gr.JSON(visible=False)
        api_upload_trigger = gr.Button(visible=False)
        api_remove_trigger = gr.Button(visible=False)

        # ---------------------------------------------------------- events
        answer_event = dict(concurrency_id="answer", concurrency_limit=ANSWER_CONCURRENCY)
        build_event = dict(concurrency_id="build", concurrency_limit=1)
        gr.on([question.submit, ask_button.click], respond, [question, k_slider, mode_radio, turns_state],
              [transcript, turns_state, sources, status, question], api_visibility="private",
              show_progress="minimal", show_progress_on=[status], **answer_event)
        for button, text in zip(example_buttons, EXAMPLES):
            button.click(lambda text=text: text, None, question, api_visibility="private", queue=False).then(
                respond, [question, k_slider, mode_radio, turns_state], [transcript, turns_state, sources, status, question],
                api_visibility="private", show_progress="minimal", show_progress_on=[status], **answer_event)
        transcript.click(open_cited, [turns_state], [viewer, sources], api_visibility="private", show_progress="hidden")
        sources.input(open_chosen, [sources, turns_state], [viewer], api_visibility="private", show_progress="hidden")
        upload_box.upload(upload_ui, [upload_box], [upload_status, uploads_table, remove_choice, upload_box],
                          api_visibility="private", show_progress_on=[upload_box], **build_event)
        remove_button.click(remove_ui, [remove_choice], [upload_status, uploads_table, remove_choice],
                            api_visibility="private", show_progress_on=[uploads_table], **build_event)
        app.load(refresh_uploads, None, [uploads_table, remove_choice], api_visibility="private", queue=False)

        gr.api(ask, api_name="ask", **answer_event)
        api_upload_trigger.click(upload_api, [api_files], [api_result], api_name="upload", **build_event)
        api_remove_trigger.click(remove_api, [api_name_box], [api_result], api_name="remove", **build_event)

    app.queue(default_concurrency_limit=DEFAULT_CONCURRENCY, max_size=QUEUE_MAX_SIZE)
    app.web_chat = chat  # for tests and embedding
    return app

