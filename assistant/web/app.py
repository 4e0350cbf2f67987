"""The Gradio page: layout (chat and source viewer, library, "Your reports") and event wiring.

Answers run at most ``ANSWER_CONCURRENCY`` at a time (the model's encode is
serialized by a lock inside the embedder; two overlap one answer's BM25 and
sentence scoring with another's encode on two cores) and builds one at a time
in their own group, so a build never blocks answers.

API: ``/ask`` (question, k, mode) returns exactly the JSON of
``assistant ask --json`` (or ``{"error": sentence}``); ``/ask_within``
(question, k, mode, docs) the same within the reports named in ``docs``.
``/library`` lists the indexed reports with their cards; ``/upload`` (files)
and ``/remove`` (file name) manage the caller's uploaded reports (the
caller is its client session, or the team it joined with ``/team``
(passphrase)).
"""
from __future__ import annotations

import logging

import gradio as gr

from ..config import RETRIEVAL_MODES, SUPPORTED_SUFFIXES, Settings
from .chat import GENERIC_ERROR, MAX_K, WebChat
from .i18n import EXAMPLES as LOCAL_EXAMPLES
from .i18n import TRANSLATIONS, language_of, text
from .library import LIBRARY_CSS, LIBRARY_JS, render_library
from .owners import TeamGate, owner_key
from .render import (
    STATUS_CSS,
    TRANSCRIPT_CSS,
    TRANSCRIPT_JS,
    UPLOADS_CSS,
    VIEWER_CSS,
    VIEWER_JS,
    _find_view,
    empty_transcript,
    empty_viewer,
    esc,
    render_transcript,
    render_uploads,
    source_choices,
    status_html,
)
from .session import browser_secret, export_files, new_owner_token, valid_turns
from .startup import IndexingState
from .uploads import UploadError, delete_temporary, upload_path

log = logging.getLogger("assistant.web")

#: Answers running at once (the encode itself is serialized by a lock).
ANSWER_CONCURRENCY = 2
#: Default limit of every other event (viewer, lists): cheap, in-memory work.
DEFAULT_CONCURRENCY = 8
#: Requests waiting in the queue before new ones are refused with "queue full".
QUEUE_MAX_SIZE = 512
#: Questions kept per browser (older turns drop out of the page and its history).
MAX_TURNS = 30
#: Seconds between the page's checks of the background indexing.
STATUS_SECONDS = 1.0

EXAMPLES = LOCAL_EXAMPLES["en"]


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
    settings = chat.settings
    i18n = page_translations(settings)
    secret = browser_secret(index_dir)

    def build_progress(progress):
        def report(stage: str, done: int, total: int) -> None:
            try:
                progress((done, max(total, 1)), desc=f"Indexing: {stage}", unit="items")
            except Exception:  # progress is cosmetic
                pass
        return report

    teams = TeamGate()

    def client_of(request: gr.Request | None) -> str:
        return str(getattr(getattr(request, "client", None), "host", None) or "?")

    def owner_of(token, passphrase, request: gr.Request | None) -> str:
        """Raises UploadError for a passphrase too short or named too often (one sentence)."""
        session = token or (getattr(request, "session_hash", None) if request is not None else None)
        return teams.owner(session, passphrase, client_of(request))

    def scope_choices():
        return [(entry.label, entry.doc_id) for entry in chat.library()]

    def index_status(lang: str) -> str:
        if chat.state.error:
            return status_html(chat.state.describe(lang))
        if not chat.state.finished:
            kind = "info" if chat.state.ready else "busy"
            return f'<p class="{kind}" role="status">{esc(chat.state.describe(lang))}</p>'
        return ""

    # ---------------------------------------------------------- handlers
    def on_load(turns, token, request: gr.Request):
        lang = language_of(request.headers.get("accept-language") if request is not None else None)
        turns = valid_turns(turns)[-MAX_TURNS:]
        token = token if isinstance(token, str) and len(token) >= 16 else new_owner_token()
        markdown, json_file = export_files(turns)
        owner = owner_key(token)
        return (lang, token, turns, render_transcript(turns, lang), gr.Dropdown(choices=source_choices(turns), value=None),
                empty_viewer(lang), render_library(chat.library(), lang), gr.CheckboxGroup(choices=scope_choices()),
                render_uploads(chat.list_uploads(owner)), gr.Dropdown(choices=chat.upload_names(owner), value=None),
                gr.DownloadButton(value=markdown, interactive=bool(markdown)),
                gr.DownloadButton(value=json_file, interactive=bool(json_file)),
                index_status(lang), gr.Timer(active=not chat.state.finished),
                *[gr.Button(value=example) for example in LOCAL_EXAMPLES[lang]])

    def on_tick(lang, shown_ready):
        if not chat.state.finished and chat.state.ready == shown_ready:
            return index_status(lang), gr.skip(), gr.skip(), gr.skip(), shown_ready
        return (index_status(lang), gr.Timer(active=not chat.state.finished), render_library(chat.library(), lang),
                gr.CheckboxGroup(choices=scope_choices()), chat.state.ready)

    def respond(question, k, mode, docs, scope_lang, turns, lang):
        from ..query import QuestionError
        from ..store import IndexStateError

        turns = valid_turns(turns)
        previous = (turns[-1]["result"].get("read_as") or turns[-1]["question"]) if turns else None
        skip = (gr.skip(),) * 3
        if chat.assistant is None:
            message = chat.state.describe(lang) if chat.state.error else \
                text("indexing_wait", lang, state=chat.state.describe(lang))
            return *skip, status_html(message), gr.skip(), gr.skip(), gr.skip()
        known = {entry.doc_id for entry in chat.library()}
        docs = [doc_id for doc_id in docs or [] if doc_id in known]  # a ticked report may have been removed since
        try:
            answer, scope = chat.answer_in_scope(question, k, mode, follow_up_of=previous, docs=docs, lang=scope_lang)
        except (QuestionError, IndexStateError) as error:
            return *skip, status_html(str(error)), gr.skip(), gr.skip(), gr.skip()
        except Exception:
            log.exception("answering failed")
            return *skip, status_html(GENERIC_ERROR), gr.skip(), gr.skip(), gr.skip()
        turns.append(chat.make_turn(answer, turns, scope))
        turns = turns[-MAX_TURNS:]
        note = status_html(text("being_indexed", lang), "info") if chat.building.is_set() else ""
        markdown, json_file = export_files(turns)
        return (render_transcript(turns, lang), turns, gr.Dropdown(choices=source_choices(turns), value=None), note, "",
                gr.DownloadButton(value=markdown, interactive=True), gr.DownloadButton(value=json_file, interactive=True))

    def new_chat(lang):
        return ([], empty_transcript(lang), gr.Dropdown(choices=[], value=None), empty_viewer(lang), "",
                gr.DownloadButton(value=None, interactive=False), gr.DownloadButton(value=None, interactive=False))

    def open_cited(turns, evt: gr.EventData):
        data = getattr(evt, "_data", None)
        key = data.get("cite") if isinstance(data, dict) else None
        turns = valid_turns(turns)
        if _find_view(turns, key) is None:
            return gr.skip(), gr.skip()
        return chat.view_html(turns, key), gr.Dropdown(value=key)

    def open_report(evt: gr.EventData):
        data = getattr(evt, "_data", None)
        view = chat.report_view(data.get("open")) if isinstance(data, dict) and chat.assistant is not None else None
        if view is None:
            return gr.skip(), gr.skip()
        return chat.view_html([], None, view), gr.Tabs(selected="chat")

    def open_chosen(key, turns):
        return chat.view_html(valid_turns(turns), key)

    def uploads_outputs(message_html: str, owner: str):
        rows = chat.list_uploads(owner)
        return message_html, render_uploads(rows), gr.Dropdown(choices=[row["file"] for row in rows], value=None)

    def upload_ui(files, passphrase, token, lang, request: gr.Request, progress=gr.Progress()):
        try:
            owner = owner_of(token, passphrase, request)
        except UploadError as error:
            for item in files or []:
                delete_temporary(upload_path(item), chat.uploads_dir)
            return status_html(str(error)), gr.skip(), gr.skip(), None, gr.skip(), gr.skip()
        try:
            result = chat.add_uploads(files or [], build_progress(progress), owner)
        except Exception:
            log.exception("upload failed")
            return (*uploads_outputs(status_html(GENERIC_ERROR), owner), None, gr.skip(), gr.skip())
        lines = []
        if result.added:
            lines.append(status_html(f"Added {', '.join(result.added)}. {result.summary}", "ok"))
        lines.extend(status_html(problem) for problem in result.problems)
        return (*uploads_outputs("".join(lines), owner), None, render_library(chat.library(), lang),
                gr.CheckboxGroup(choices=scope_choices()))

    def remove_ui(name, passphrase, token, lang, request: gr.Request, progress=gr.Progress()):
        try:
            owner = owner_of(token, passphrase, request)
        except UploadError as error:
            return status_html(str(error)), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            message = status_html(chat.remove_upload(name, build_progress(progress), owner), "ok")
        except UploadError as error:
            message = status_html(str(error))
        except Exception:
            log.exception("remove failed")
            message = status_html(GENERIC_ERROR)
        return (*uploads_outputs(message, owner), render_library(chat.library(), lang),
                gr.CheckboxGroup(choices=scope_choices()))

    def refresh_uploads(passphrase, token, request: gr.Request):
        try:
            return uploads_outputs("", owner_of(token, passphrase, request))[1:]
        except UploadError:
            return gr.skip(), gr.skip()

    def api_owner(request: gr.Request | None) -> str:
        session = getattr(request, "session_hash", None) if request is not None else None
        return teams.team_of(session) or owner_key(session)

    def upload_api(files, request: gr.Request = None, progress=gr.Progress()):
        owner = api_owner(request)
        try:
            result = chat.add_uploads(files or [], build_progress(progress), owner)
        except Exception:
            log.exception("upload failed")
            return {"error": GENERIC_ERROR}
        return result.to_dict(chat.list_uploads(owner))

    def remove_api(name, request: gr.Request = None):
        owner = api_owner(request)
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
        session = getattr(request, "session_hash", None) if request is not None else None
        if not session:
            return {"error": "This call needs a session; use gradio_client."}
        try:
            teams.join(session, passphrase, client_of(request))
        except UploadError as error:
            return {"error": str(error)}
        return {"uploads": chat.list_uploads(api_owner(request))}

    def ask(question: str, k: int = 5, mode: str = "hybrid") -> dict:
        """Answer a question with verbatim quotes: the same JSON as `assistant ask --json`, or {"error": sentence}."""
        return chat.ask_json(question, k, mode)

    def ask_within(question: str, k: int = 5, mode: str = "hybrid", docs: list[str] | None = None) -> dict:
        """``/ask`` limited to the reports named in ``docs`` (file names, as ``/library`` lists them; none: all)."""
        return chat.ask_json(question, k, mode, docs)

    def library() -> list[dict]:
        """Every indexed report with its card (title, publisher, market, years, languages, chunks, uploaded)."""
        return [entry.to_dict() for entry in chat.library()]

    # ---------------------------------------------------------- layout
    with gr.Blocks(title="Report assistant", fill_width=True, delete_cache=(3600, 3600), analytics_enabled=False) as app:
        lang_state = gr.State("en")
        ready_state = gr.State(chat.state.ready)
        turns_state = gr.BrowserState([], storage_key="assistant-history", secret=secret)
        owner_state = gr.BrowserState("", storage_key="assistant-owner", secret=secret)
        gr.Markdown(i18n("title"))
        status_css = STATUS_CSS + ".busy { font-weight: 600; margin: 4px 2px; color: var(--color-accent); }"
        indexing = gr.HTML(index_status("en"), elem_id="index-status", css_template=status_css, js_on_load=None)
        timer = gr.Timer(STATUS_SECONDS, active=not chat.state.finished)
        with gr.Tabs() as tabs:
            with gr.Tab(i18n("tab_chat"), id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5, min_width=380):
                        transcript = gr.HTML(empty_transcript(), elem_id="transcript", css_template=TRANSCRIPT_CSS,
                                             js_on_load=TRANSCRIPT_JS, padding=False)
                        with gr.Row(equal_height=True):
                            question = gr.Textbox(placeholder=i18n("placeholder"), show_label=False, elem_id="question",
                                                  scale=8, lines=1, max_lines=6, autofocus=True, submit_btn=False)
                            ask_button = gr.Button(i18n("ask"), variant="primary", scale=1, min_width=80, elem_id="ask")
                        status = gr.HTML("", elem_id="status", css_template=STATUS_CSS, js_on_load=None)
                        with gr.Row():
                            new_button = gr.Button(i18n("new_chat"), size="sm", elem_id="new-chat")
                            export_md = gr.DownloadButton(i18n("export_md"), size="sm", elem_id="export-md",
                                                          interactive=False)
                            export_json = gr.DownloadButton(i18n("export_json"), size="sm", elem_id="export-json",
                                                            interactive=False)
                        with gr.Row():
                            example_buttons = [gr.Button(example, size="sm", variant="secondary", elem_classes=["example"])
                                               for example in EXAMPLES]
                        with gr.Accordion(i18n("scope"), open=False, elem_id="scope-panel"):
                            scope_box = gr.CheckboxGroup(choices=[], value=[], show_label=False, elem_id="scope")
                            scope_lang = gr.Radio([(i18n("lang_all"), "all"), (i18n("lang_en"), "en"),
                                                   (i18n("lang_zh"), "zh")], value="all", label=i18n("scope_lang"),
                                                  elem_id="scope-lang")
                        with gr.Accordion(i18n("settings"), open=False):
                            k_slider = gr.Slider(1, MAX_K, value=settings.top_k, step=1, label=i18n("k"), elem_id="k")
                            mode_radio = gr.Radio(list(RETRIEVAL_MODES), value="hybrid", label=i18n("mode"),
                                                  elem_id="mode")
                    with gr.Column(scale=4, min_width=340):
                        sources = gr.Dropdown(choices=[], value=None, label=i18n("sources"), elem_id="sources",
                                              allow_custom_value=False, interactive=True)
                        viewer = gr.HTML(empty_viewer(), elem_id="viewer", css_template=VIEWER_CSS,
                                         js_on_load=VIEWER_JS, padding=False)
            with gr.Tab(i18n("tab_library"), id="library"):
                library_html = gr.HTML(render_library(chat.library()), elem_id="library", css_template=LIBRARY_CSS,
                                       js_on_load=LIBRARY_JS, padding=False)
            with gr.Tab(i18n("tab_reports"), id="reports"):
                gr.Markdown(i18n("uploads_intro"))
                passphrase = gr.Textbox(label=i18n("passphrase"), type="password", elem_id="passphrase", max_lines=1)
                upload_box = gr.File(label=i18n("upload"), file_count="multiple", type="filepath", elem_id="upload")
                upload_status = gr.HTML("", elem_id="upload-status", css_template=STATUS_CSS, js_on_load=None)
                uploads_table = gr.HTML(render_uploads([]), elem_id="uploads", css_template=UPLOADS_CSS, js_on_load=None)
                with gr.Row():
                    remove_choice = gr.Dropdown(choices=[], value=None, label=i18n("remove_choice"),
                                                elem_id="remove-choice", scale=4)
                    remove_button = gr.Button(i18n("remove"), variant="stop", scale=1, elem_id="remove")

        # hidden components of the API-only endpoints
        api_files = gr.File(file_count="multiple", type="filepath", visible=False)
        api_name_box = gr.Textbox(visible=False)
        api_result = gr.JSON(visible=False)
        api_upload_trigger = gr.Button(visible=False)
        api_remove_trigger = gr.Button(visible=False)

        # ---------------------------------------------------------- events
        answer_event = dict(concurrency_id="answer", concurrency_limit=ANSWER_CONCURRENCY)
        build_event = dict(concurrency_id="build", concurrency_limit=1)
        private = dict(api_visibility="private")
        ask_inputs = [question, k_slider, mode_radio, scope_box, scope_lang, turns_state, lang_state]
        ask_outputs = [transcript, turns_state, sources, status, question, export_md, export_json]
        gr.on([question.submit, ask_button.click], respond, ask_inputs, ask_outputs, show_progress="minimal",
              show_progress_on=[status], **private, **answer_event)
        for button in example_buttons:
            button.click(lambda value: value, [button], question, queue=False, **private).then(
                respond, ask_inputs, ask_outputs, show_progress="minimal", show_progress_on=[status], **private,
                **answer_event)
        new_button.click(new_chat, [lang_state], [turns_state, transcript, sources, viewer, status, export_md, export_json],
                         queue=False, **private)
        transcript.click(open_cited, [turns_state], [viewer, sources], show_progress="hidden", **private)
        library_html.click(open_report, None, [viewer, tabs], show_progress="hidden", **private)
        sources.input(open_chosen, [sources, turns_state], [viewer], show_progress="hidden", **private)
        owner_inputs = [passphrase, owner_state, lang_state]
        upload_box.upload(upload_ui, [upload_box, *owner_inputs],
                          [upload_status, uploads_table, remove_choice, upload_box, library_html, scope_box],
                          show_progress_on=[upload_box], **private, **build_event)
        remove_button.click(remove_ui, [remove_choice, *owner_inputs],
                            [upload_status, uploads_table, remove_choice, library_html, scope_box],
                            show_progress_on=[uploads_table], **private, **build_event)
        passphrase.blur(refresh_uploads, [passphrase, owner_state], [uploads_table, remove_choice], queue=False,
                        **private)
        app.load(on_load, [turns_state, owner_state],
                 [lang_state, owner_state, turns_state, transcript, sources, viewer, library_html, scope_box,
                  uploads_table, remove_choice, export_md, export_json, indexing, timer, *example_buttons],
                 queue=False, show_progress="hidden", **private)
        timer.tick(on_tick, [lang_state, ready_state], [indexing, timer, library_html, scope_box, ready_state],
                   queue=False, show_progress="hidden", **private)

        gr.api(ask, api_name="ask", **answer_event)
        gr.api(library, api_name="library")
        gr.api(ask_within, api_name="ask_within", **answer_event)
        gr.api(team, api_name="team")
        api_upload_trigger.click(upload_api, [api_files], [api_result], api_name="upload", **build_event)
        api_remove_trigger.click(remove_api, [api_name_box], [api_result], api_name="remove", **build_event)

    app.queue(default_concurrency_limit=DEFAULT_CONCURRENCY, max_size=QUEUE_MAX_SIZE)
    app.web_chat = chat  # for tests and embedding
    app.team_gate = teams
    _launch = app.launch

    def launch(*args, **kwargs):
        """``Blocks.launch`` with the page's translations (Gradio takes them at launch)."""
        kwargs.setdefault("i18n", i18n)
        return _launch(*args, **kwargs)

    app.launch = launch
    return app
