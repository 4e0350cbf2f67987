"""The web chat (Gradio): ask, read the cited passages, see them in their source.

Layout: the chat on the left (question box, settings, example questions), the
source viewer on the right, and a second tab for the user's own reports
(upload, list with chunk counts, remove).

Everything a user or a report wrote is *data*: every string that reaches HTML
goes through :func:`esc` (HTML-escaped, plus the characters Gradio's HTML
templates treat specially), and no document text is ever put into an
attribute other than as escaped text.  The chat transcript and the viewer are
``gr.HTML`` components whose markup this module builds; a citation is a
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
``assistant ask --json`` (or ``{"error": sentence}``); ``/upload`` (files)
and ``/remove`` (file name) manage the uploaded reports.
"""
from __future__ import annotations

import html
import logging
import os
import re
import shutil
import sys
import threading
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from .config import RETRIEVAL_MODES, SUPPORTED_SUFFIXES, Settings, setup_offline_environment

log = logging.getLogger("assistant.web")

#: Answers running at once (the encode itself is serialized by a lock).
ANSWER_CONCURRENCY = 2
#: Default limit of every other event (viewer, lists): cheap, in-memory work.
DEFAULT_CONCURRENCY = 8
#: Requests waiting in the queue before new ones are refused with "queue full".
QUEUE_MAX_SIZE = 512
#: Questions kept per browser session (older turns drop out of the page).
MAX_TURNS = 30
#: Characters of a document shown on each side of the cited span.
VIEW_WINDOW = 20_000
MAX_K = 20
# How often (at most) a question first checks whether another process published a newer index.
LIVE_CHECK_SECONDS = 5.0

EXAMPLES = [
    "What was the telemedicine market size in 2023?",
    "What is the CAGR of the Internet of Medical Things market?",
    "醫療物聯網市場的複合年成長率是多少？",
    "互联医疗设备市场的主要增长动力是什么？",
]

LANG_NAMES = {"en": "English", "zh": "Chinese"}

GENERIC_ERROR = "Something went wrong on the server; the details were written to its log. Please try again."


class UploadError(ValueError):
    """An upload that is refused; the message is one sentence for the user."""


# ---------------------------------------------------------------- escaping

_TEMPLATE_CHARS = str.maketrans({"{": "&#123;", "}": "&#125;", "$": "&#36;", "`": "&#96;", "\\": "&#92;"})


def esc(value) -> str:
    """Text -> HTML text: ``& < > " '`` escaped, and also the characters that
    template engines (Gradio's HTML templates are Handlebars + JS template
    literals) could read as syntax, so data can never become markup or code."""
    return html.escape("" if value is None else str(value), quote=True).translate(_TEMPLATE_CHARS)


# ---------------------------------------------------------------- upload names

_SURROGATES = re.compile("[\ud800-\udfff]")
_UNSAFE_NAME_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
MAX_NAME_CHARS = 120


def safe_upload_name(name: str) -> str:
    """A file name that stays inside the uploads folder.

    Unicode is NFKC-normalized first (so full-width ``．．／`` cannot sneak
    through), only the last path component is kept (``/`` and ``\\`` both
    count), control and invisible format characters (bidi overrides,
    zero-width) are dropped, characters that are unsafe in file names on
    common systems become ``_``, leading dots are removed (no hidden files),
    and the name is shortened to 120 characters keeping its suffix.
    """
    text = unicodedata.normalize("NFKC", str(name or ""))
    text = text.replace("\\", "/").rstrip("/").split("/")[-1]
    text = "".join(char for char in text if unicodedata.category(char)[0] != "C")
    text = _UNSAFE_NAME_CHARS.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip().lstrip(".").strip()
    stem, suffix = os.path.splitext(text)
    stem = stem.rstrip(" .")
    suffix = suffix.lower()
    if len(stem) + len(suffix) > MAX_NAME_CHARS:
        stem = stem[: MAX_NAME_CHARS - len(suffix)].rstrip(" .")
    if not stem:
        raise UploadError("The file name is empty once unsafe characters are removed; please rename the file.")
    return stem + suffix


def _describe_suffixes() -> str:
    return ", ".join(SUPPORTED_SUFFIXES)


# ---------------------------------------------------------------- answer views

@dataclass
class View:
    """What the source viewer needs to show one citation or passage."""

    doc_id: str
    start: int
    end: int
    sha256: str | None
    title: str
    question: str
    page: int | None = None
    raw_start: int | None = None
    raw_end: int | None = None
    parallel: dict | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _source_line(doc_id: str, page, raw_start, raw_end) -> str:
    page_text = f", page {page}" if page else ""
    return f"{doc_id}{page_text}, characters {raw_start}–{raw_end}"


def _turn_from_answer(turn_id: int, answer, shas: dict[str, str]) -> dict:
    """One chat turn: the answer's JSON and the views of its citations and hits."""
    result = answer.to_dict()
    views: dict[str, dict] = {}
    for quote in answer.quotes:
        citation = quote.citation
        views[f"q{citation.n}"] = View(
            doc_id=citation.doc_id, start=citation.start, end=citation.end, sha256=shas.get(citation.doc_id),
            title=f"[{citation.n}] {_source_line(citation.doc_id, citation.page, citation.raw_start, citation.raw_end)}",
            question=answer.question, page=citation.page, raw_start=citation.raw_start, raw_end=citation.raw_end,
            parallel=citation.parallel if isinstance(citation.parallel, dict) else None,
        ).as_dict()
    for i, hit in enumerate(answer.hits, start=1):
        chunk = hit.chunk
        views[f"h{i}"] = View(
            doc_id=chunk.doc_id, start=chunk.start, end=chunk.end, sha256=shas.get(chunk.doc_id),
            title=f"passage {i}: {_source_line(chunk.doc_id, chunk.page, chunk.raw_start, chunk.raw_end)}",
            question=answer.question, page=chunk.page, raw_start=chunk.raw_start, raw_end=chunk.raw_end,
        ).as_dict()
    return {"id": turn_id, "question": answer.question, "result": result, "views": views}


# ---------------------------------------------------------------- HTML builders

TRANSCRIPT_CSS = """
.chat { max-height: 64vh; min-height: 220px; overflow-y: auto; padding: 6px 10px 6px 2px; font-size: 15px; }
.empty { color: var(--body-text-color-subdued); padding: 28px 12px; text-align: center; }
.turn { margin: 0 0 14px; }
.msg { border-radius: 10px; padding: 9px 13px; margin: 6px 0; line-height: 1.55; overflow-wrap: anywhere; }
.user { background: var(--color-accent-soft); margin-left: 12%; white-space: pre-wrap; }
.bot { background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary); margin-right: 4%; }
.who { display: block; font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.05em; color: var(--body-text-color-subdued); margin-bottom: 2px; }
ol.quotes { margin: 0; padding-left: 0; list-style: none; }
ol.quotes li { margin: 0 0 8px; }
.quote { white-space: pre-wrap; }
.parallel { font-size: 13px; color: var(--body-text-color-subdued); margin: 2px 0 0 14px; white-space: pre-wrap; }
button.cite { font: inherit; font-weight: 700; color: var(--color-accent); background: none; border: none; padding: 0 2px; cursor: pointer; }
button.cite:hover { text-decoration: underline; }
.sources { margin-top: 8px; border-top: 1px solid var(--border-color-primary); padding-top: 6px; font-size: 13px; }
.sources ol { margin: 2px 0 0; padding-left: 0; list-style: none; }
.sources li { margin: 1px 0; }
button.src { font: inherit; text-align: left; background: none; border: none; padding: 0; cursor: pointer; color: var(--body-text-color); }
button.src:hover { color: var(--color-accent); text-decoration: underline; }
.head { font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em; color: var(--body-text-color-subdued); }
table.conflicts { border-collapse: collapse; margin: 8px 0 4px; font-size: 13px; }
table.conflicts caption { text-align: left; font-weight: 600; padding-bottom: 3px; }
table.conflicts th, table.conflicts td { border: 1px solid var(--border-color-primary); padding: 3px 8px; vertical-align: top; }
.abstain { font-weight: 600; }
.excerpt { font-size: 13px; color: var(--body-text-color-subdued); white-space: pre-wrap; margin: 1px 0 6px 14px; }
"""

TRANSCRIPT_JS = """
element.addEventListener('click', function (event) {
  const target = event.target.closest('[data-cite]');
  if (!target || !element.contains(target)) return;
  event.preventDefault();
  trigger('click', {cite: target.getAttribute('data-cite')});
});
const toBottom = function () {
  const box = element.querySelector('.chat');
  if (box) box.scrollTop = box.scrollHeight;
};
watch('value', toBottom);
toBottom();
"""

VIEWER_CSS = """
.viewer { font-size: 14px; }
.vhead { padding: 4px 2px 8px; line-height: 1.45; overflow-wrap: anywhere; }
.vhead .q { color: var(--body-text-color-subdued); font-size: 13px; }
.vbody { display: flex; gap: 12px; align-items: flex-start; }
.doc { flex: 3; max-height: 64vh; overflow-y: auto; white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.6;
       border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px; background: var(--background-fill-primary); }
mark.cited { background: #ffe066; color: #111; border-radius: 3px; padding: 1px 0; box-shadow: 0 0 0 2px #ffd43b; }
mark.par { background: #c3fae8; color: #111; border-radius: 3px; }
aside.par { flex: 2; border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px; background: var(--background-fill-secondary);
            white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.6; max-height: 64vh; overflow-y: auto; }
.cut { color: var(--body-text-color-subdued); font-style: italic; }
.note { color: var(--body-text-color-subdued); padding: 18px 6px; }
.warn { color: #b45309; font-size: 13px; margin: 2px 0 6px; }
"""

VIEWER_JS = """
const showMark = function () {
  const mark = element.querySelector('mark.cited');
  if (!mark) return;
  const box = element.querySelector('.doc');
  if (box) box.scrollTop = Math.max(0, mark.offsetTop - box.offsetTop - box.clientHeight / 3);
  mark.scrollIntoView({block: 'nearest', inline: 'nearest'});
};
watch('value', showMark);
showMark();
"""

STATUS_CSS = """
.err { color: #b91c1c; font-weight: 600; margin: 4px 2px; }
.info { color: var(--body-text-color-subdued); margin: 4px 2px; }
.ok { color: #15803d; margin: 4px 2px; }
ul { margin: 4px 0; padding-left: 18px; }
"""

UPLOADS_CSS = """
table { border-collapse: collapse; font-size: 14px; margin: 4px 0; }
th, td { border: 1px solid var(--border-color-primary); padding: 4px 10px; text-align: left; }
td.n { text-align: right; }
.note { color: var(--body-text-color-subdued); }
"""

EMPTY_TRANSCRIPT = (
    '<div class="chat"><div class="empty">Ask a question about the reports. Every answer is made of sentences '
    "quoted verbatim from them; click a citation <b>[n]</b> to read it in its report.</div></div>"
)
EMPTY_VIEWER = (
    '<div class="viewer"><div class="note">Click a citation <b>[n]</b> in an answer, or pick a source above, '
    "to read the passage highlighted in its report.</div></div>"
)


def status_html(message: str = "", kind: str = "err") -> str:
    if not message:
        return ""
    role = ' role="alert"' if kind == "err" else ""
    return f'<p class="{esc(kind)}"{role}>{esc(message)}</p>'


def render_turn(turn: dict) -> str:
    result, tid = turn["result"], turn["id"]
    parts = [f'<section class="turn" data-turn="{tid}">',
             f'<div class="msg user"><span class="who">You</span>{esc(turn["question"])}</div>',
             '<div class="msg bot"><span class="who">Assistant</span>']
    if result.get("abstained"):
        parts.append(f'<p class="abstain">{esc(result.get("message") or "The reports do not answer this question.")}</p>')
        hits = result.get("hits") or []
        if hits:
            parts.append('<div class="head">Possibly related</div><ol class="quotes">')
            for i, hit in enumerate(hits[:3], start=1):
                excerpt = hit["text"] if len(hit["text"]) <= 320 else hit["text"][:320].rstrip() + " …"
                parts.append(
                    f'<li><button type="button" class="src" data-cite="t{tid}-h{i}">'
                    f'{esc(_source_line(hit["doc_id"], hit.get("page"), hit["raw_start"], hit["raw_end"]))}</button>'
                    f'<div class="excerpt">{esc(excerpt)}</div></li>')
            parts.append("</ol>")
    else:
        parts.append('<ol class="quotes">')
        for quote in result.get("answer", []):
            citation = quote["citation"]
            n = int(citation["n"])
            parts.append(f'<li><q class="quote">{esc(quote["text"])}</q> '
                         f'<button type="button" class="cite" data-cite="t{tid}-q{n}" title="Show in the report">[{n}]</button>')
            parallel = citation.get("parallel")
            if isinstance(parallel, dict) and parallel.get("text"):
                lang = LANG_NAMES.get(parallel.get("lang"), parallel.get("lang") or "")
                parts.append(f'<div class="parallel">{esc(lang)}: {esc(parallel["text"])}</div>')
            parts.append("</li>")
        parts.append("</ol>")
        conflicts = result.get("conflicts") or []
        if conflicts:
            parts.append('<table class="conflicts"><caption>The reports disagree</caption>')
            for conflict in conflicts:
                cells = "".join(
                    f'<td>{esc(entry.get("figure"))} <span class="head">in</span> {esc(entry.get("doc_id"))} '
                    f'<button type="button" class="cite" data-cite="t{tid}-q{int(entry.get("n", 0))}">[{int(entry.get("n", 0))}]</button></td>'
                    for entry in conflict.get("values", []))
                parts.append(f'<tr><th>{esc(conflict.get("what"))}</th>{cells}</tr>')
            parts.append("</table>")
        parts.append('<div class="sources"><div class="head">Sources</div><ol>')
        for quote in result.get("answer", []):
            citation = quote["citation"]
            n = int(citation["n"])
            line = _source_line(citation["doc_id"], citation.get("page"), citation["raw_start"], citation["raw_end"])
            parts.append(f'<li><button type="button" class="src" data-cite="t{tid}-q{n}">[{n}] {esc(line)}</button></li>')
        parts.append("</ol></div>")
    parts.append("</div></section>")
    return "".join(parts)


def render_transcript(turns: list[dict]) -> str:
    if not turns:
        return EMPTY_TRANSCRIPT
    return '<div class="chat">' + "".join(render_turn(turn) for turn in turns) + "</div>"


def source_choices(turns: list[dict]) -> list[tuple[str, str]]:
    """(label, key) of every citation and passage in the chat, newest first."""
    choices = []
    for turn in reversed(turns):
        for key, view in turn["views"].items():
            if key.startswith("q") or turn["result"].get("abstained"):
                choices.append((f"Q{turn['id'] + 1} {view['title']}", f"t{turn['id']}-{key}"))
    return choices


def _find_view(turns: list[dict], key) -> dict | None:
    match = re.fullmatch(r"t(\d{1,9})-([qh]\d{1,4})", str(key or ""))
    if not match:
        return None
    turn_id, view_key = int(match.group(1)), match.group(2)
    for turn in turns:
        if turn["id"] == turn_id:
            return turn["views"].get(view_key)
    return None


def render_view(index, view: dict) -> str:
    """The document's clean text with the span highlighted (and the parallel
    passage beside it), from the index generation that is live now."""
    doc_id = view["doc_id"]
    info = index.manifest.files.get(doc_id)
    if info is None:
        return (f'<div class="viewer"><div class="note">The report {esc(doc_id)} is no longer in the index '
                "(it was removed or the index was rebuilt without it).</div></div>")
    text = index.document(doc_id).text
    start, end = int(view["start"]), int(view["end"])
    warning = ""
    if view.get("sha256") and view["sha256"] != info["sha256"]:
        warning = '<p class="warn">This report changed after the answer was given; the highlight may be off.</p>'
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    marks = [(start, end, "cited")]
    parallel = view.get("parallel") if isinstance(view.get("parallel"), dict) else None
    if parallel:
        try:
            p_start, p_end = int(parallel["start"]), int(parallel["end"])
        except (KeyError, TypeError, ValueError):
            p_start = p_end = -1
        if 0 <= p_start < p_end <= len(text) and (p_end <= start or p_start >= end):
            marks.append((p_start, p_end, "par"))
    marks.sort()
    lo = max(0, min(m[0] for m in marks) - VIEW_WINDOW)
    hi = min(len(text), max(m[1] for m in marks) + VIEW_WINDOW)
    body = []
    if lo > 0:
        body.append(f'<span class="cut">[… {lo:,} characters before this are not shown …]</span>\n')
    position = lo
    for mark_start, mark_end, kind in marks:
        body.append(esc(text[position:mark_start]))
        body.append(f'<mark class="{kind}">{esc(text[mark_start:mark_end])}</mark>')
        position = mark_end
    body.append(esc(text[position:hi]))
    if hi < len(text):
        body.append(f'\n<span class="cut">[… {len(text) - hi:,} more characters not shown …]</span>')
    aside = ""
    if parallel and parallel.get("text"):
        lang = LANG_NAMES.get(parallel.get("lang"), parallel.get("lang") or "other language")
        aside = (f'<aside class="par"><div class="head">Same passage in {esc(lang)}</div>'
                 f'{esc(parallel["text"])}</aside>')
    head = (f'<div class="vhead"><b>{esc(view["title"])}</b>'
            f'<div class="q">cited for: {esc(view.get("question", ""))}</div></div>')
    return (f'<div class="viewer" data-doc="{esc(doc_id)}">{head}{warning}<div class="vbody">'
            f'<div class="doc">{"".join(body)}</div>{aside}</div></div>')


def render_uploads(rows: list[dict]) -> str:
    if not rows:
        return '<p class="note">No uploaded reports yet. The shipped reports are always searched.</p>'
    lines = ["<table><tr><th>Your report</th><th>Chunks</th><th>Size</th></tr>"]
    for row in rows:
        chunks = "not indexed" if row["chunks"] is None else str(row["chunks"])
        lines.append(f'<tr><td>{esc(row["file"])}</td><td class="n">{esc(chunks)}</td>'
                     f'<td class="n">{esc(_size(row["bytes"]))}</td></tr>')
    lines.append("</table>")
    return "".join(lines)


def _size(n: int) -> str:
    if n >= 2**20:
        return f"{n / 2**20:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} B"


# ---------------------------------------------------------------- the chat service

@dataclass
class UploadResult:
    added: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    summary: str = ""

    def to_dict(self, uploads: list[dict]) -> dict:
        return {"added": self.added, "problems": self.problems, "summary": self.summary, "uploads": uploads}


class WebChat:
    """What the page's events call: answers, views, uploads (no Gradio here)."""

    def __init__(self, assistant, docs_dirs, uploads_dir, index_dir, settings: Settings | None = None) -> None:
        self.assistant = assistant
        self.docs_dirs = [Path(folder) for folder in docs_dirs]
        self.uploads_dir = Path(uploads_dir)
        self.index_dir = Path(index_dir)
        self.settings = settings or getattr(assistant, "settings", None) or Settings()
        check_uploads_dir(self.uploads_dir, self.docs_dirs)
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        self._build_lock = threading.Lock()
        self.building = threading.Event()
        self._checked_at = 0.0

    # -------------------------------------------------------------- answers
    def answer(self, question: str, k, mode: str):
        """The Answer, or raises QuestionError / IndexStateError / ValueError."""
        from .query import QuestionError
        from .store import IndexStateError

        if mode not in RETRIEVAL_MODES:
            raise QuestionError(f"Unknown retrieval mode {mode!r}; use one of {', '.join(RETRIEVAL_MODES)}.")
        try:
            k = int(k) if k not in (None, "") else self.settings.top_k
        except (TypeError, ValueError):
            raise QuestionError("The number of passages must be a whole number.") from None
        k = max(1, min(MAX_K, k))
        # Lone surrogates (possible in JSON) break the tokenizers: make them U+FFFD.
        question = _SURROGATES.sub("\ufffd", question) if isinstance(question, str) else ""
        self._follow_newer_build()
        try:
            return self.assistant.ask(question, k=k, mode=mode)
        except IndexStateError:
            # Another process (`assistant build`) published a newer generation and
            # pruned the one this server had open: switch to the live one once.
            if not self._reload_if_replaced():
                raise
            return self.assistant.ask(question, k=k, mode=mode)

    def _reload_if_replaced(self) -> bool:
        if self.assistant.index.is_live():
            return False
        log.warning("the index in %s was replaced by another process; reloading", self.assistant.index.location)
        self.assistant.reload()
        return True

    def _follow_newer_build(self) -> None:
        """At most every few seconds, switch to a build another process
        published (a Milvus build deletes the rows it replaced at once)."""
        now = time.monotonic()
        if now - self._checked_at < LIVE_CHECK_SECONDS or self.building.is_set():
            return
        self._checked_at = now
        self._reload_if_replaced()

    def ask_json(self, question: str, k: int = 5, mode: str = "hybrid") -> dict:
        from .query import QuestionError
        from .store import IndexStateError

        try:
            return self.answer(question, k, mode).to_dict()
        except (QuestionError, IndexStateError) as error:
            return {"error": str(error)}
        except Exception:
            log.exception("answering %r failed", question[:200] if isinstance(question, str) else question)
            return {"error": GENERIC_ERROR}

    def make_turn(self, answer, turns: list[dict]) -> dict:
        """The next turn of a session (ids count up within the session)."""
        index = self.assistant.index
        shas = {doc_id: info["sha256"] for doc_id, info in index.manifest.files.items()}
        return _turn_from_answer(turns[-1]["id"] + 1 if turns else 0, answer, shas)

    def view_html(self, turns: list[dict], key) -> str:
        from .store import IndexStateError

        view = _find_view(turns or [], key)
        if view is None:
            return EMPTY_VIEWER
        try:
            return render_view(self.assistant.index, view)
        except IndexStateError as error:
            return f'<div class="viewer"><p class="err" role="alert">{esc(error)}</p></div>'
        except Exception:
            log.exception("showing %r failed", key)
            return f'<div class="viewer"><p class="err" role="alert">{esc(GENERIC_ERROR)}</p></div>'

    # -------------------------------------------------------------- uploads
    def list_uploads(self) -> list[dict]:
        chunks_by_path: dict[str, int] = {}
        try:
            files = self.assistant.index.manifest.files
        except AttributeError:
            files = {}
        for info in files.values():
            try:
                chunks_by_path[str(Path(info["path"]).resolve())] = int(info["n_chunks"])
            except (KeyError, TypeError, ValueError, OSError):
                continue
        rows = []
        if self.uploads_dir.is_dir():
            for path in sorted(self.uploads_dir.iterdir()):
                if path.is_file() and not path.name.startswith(".") and path.suffix.lower() in SUPPORTED_SUFFIXES:
                    rows.append({"file": path.name, "chunks": chunks_by_path.get(str(path.resolve())),
                                 "bytes": path.stat().st_size})
        return rows

    def upload_names(self) -> list[str]:
        return [row["file"] for row in self.list_uploads()]

    def _check_upload(self, source: Path, name: str) -> None:
        from .ingest import DocumentError, format_mb, read_document

        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            kind = f"{suffix} files are" if suffix else "Files without a suffix are"
            raise UploadError(f"{name}: {kind} not supported; upload one of {_describe_suffixes()}.")
        try:
            size = source.stat().st_size
        except OSError:
            raise UploadError(f"{name}: the uploaded file could not be read; please try again.") from None
        limit = self.settings.max_file_bytes
        if size > limit:
            raise UploadError(f"{name}: {format_mb(size)} is over the {format_mb(limit)} upload limit.")
        try:
            read_document(source, doc_id=name, max_bytes=limit)
        except DocumentError as error:
            raise UploadError(str(error)) from None
        except Exception:
            log.exception("reading upload %s failed", name)
            raise UploadError(f"{name}: the file could not be read as a report.") from None

    def add_uploads(self, paths, progress=None) -> UploadResult:
        """Copy accepted files into the uploads folder, then index them."""
        result = UploadResult()
        accepted: list[str] = []
        for item in paths or []:
            source = Path(item["path"]) if isinstance(item, dict) else Path(getattr(item, "path", item))
            try:
                original = (item.get("orig_name") if isinstance(item, dict) else getattr(item, "orig_name", None)) or source.name
                name = safe_upload_name(original)
                self._check_upload(source, name)
                target = (self.uploads_dir / name).resolve()
                if target.parent != self.uploads_dir.resolve():
                    raise UploadError(f"{name}: this file name is not allowed; please rename the file.")
                partial = self.uploads_dir / f".upload-{uuid.uuid4().hex}"  # hidden: never indexed
                try:
                    shutil.copyfile(source, partial)
                    os.replace(partial, target)
                finally:
                    partial.unlink(missing_ok=True)
                if name not in accepted:
                    accepted.append(name)
            except UploadError as error:
                result.problems.append(str(error))
            except OSError as error:
                log.exception("storing upload failed")
                result.problems.append(f"{source.name}: the file could not be stored ({error.strerror or 'disk error'}).")
        if not accepted:
            if not result.problems:
                result.problems.append("No file was uploaded.")
            return result
        report = self.rebuild(progress)
        skipped = {line.split(":", 1)[0] for line in report.skipped}
        result.added = [name for name in accepted if name not in skipped]
        result.problems.extend(report.skipped)
        result.problems.extend(report.warnings)
        result.summary = report.summary()
        return result

    def remove_upload(self, name, progress=None) -> str:
        if not isinstance(name, str) or name not in self.upload_names():
            raise UploadError("Choose one of your uploaded reports to remove; the shipped reports cannot be removed.")
        (self.uploads_dir / name).unlink(missing_ok=True)
        self.rebuild(progress)
        return f"Removed {name}; it is no longer searched."

    def rebuild(self, progress=None):
        """Incremental build of reports + uploads, then switch readers over.
        Answers keep coming from the previous generation meanwhile."""
        from .indexer import build_index

        with self._build_lock:
            self.building.set()
            try:
                report = build_index(self.docs_dirs + [self.uploads_dir], self.index_dir, self.settings, progress)
                self.assistant.reload()
                return report
            finally:
                self.building.clear()


def check_uploads_dir(uploads_dir: Path, docs_dirs: list[Path]) -> None:
    """The uploads folder must be its own folder, never inside the shipped reports."""
    uploads = Path(uploads_dir).resolve()
    for folder in docs_dirs:
        folder = Path(folder).resolve()
        if uploads == folder or folder in uploads.parents or uploads in folder.parents:
            raise ValueError(f"The uploads folder {uploads_dir} must not overlap the reports folder {folder}.")


# ---------------------------------------------------------------- Gradio app

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
        from .query import QuestionError
        from .store import IndexStateError

        turns = list(turns or [])
        try:
            answer = chat.answer(question, k, mode)
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


# ---------------------------------------------------------------- serve

def _print_progress(stage: str, done: int, total: int, _last: dict = {}) -> None:
    now = time.monotonic()
    if done >= total or now - _last.get(stage, 0.0) > 1.0:
        _last[stage] = now
        print(f"  {stage}: {done}/{total}", file=sys.stderr, flush=True)


def serve(docs, index_dir, host: str = "127.0.0.1", port: int = 7860, settings: Settings | None = None,
          uploads_dir: Path | str = Path("data/uploads"), open_browser: bool = False) -> None:
    """Index the reports (and uploads) if needed, then serve the chat until Ctrl-C."""
    setup_offline_environment()
    from .indexer import build_index
    from .pipeline import Assistant

    settings = settings or Settings()
    docs_dirs = [Path(folder) for folder in (docs or [Path("seeds")])]
    uploads_dir = Path(uploads_dir)
    index_dir = Path(index_dir)
    check_uploads_dir(uploads_dir, docs_dirs)
    uploads_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    report = build_index(docs_dirs + [uploads_dir], index_dir, settings, _print_progress)
    print(report.summary(), file=sys.stderr)
    assistant = Assistant(index_dir, settings, check_fresh=False)  # just built from these very folders
    app = create_app(assistant, docs_dirs, uploads_dir, index_dir, settings)
    print(f"Ready in {time.perf_counter() - started:.1f} s; serving http://{host}:{port}", file=sys.stderr)
    app.launch(server_name=host, server_port=port, inbrowser=open_browser, show_error=False,
               max_file_size=4 * settings.max_file_bytes, quiet=False)
