"""HTML of the chat: escaping, turns, transcript, sources, the viewer and the uploads table.

Everything a user or a report wrote is *data*: every string that reaches HTML
goes through :func:`esc` (HTML-escaped, plus the characters Gradio's HTML
templates treat specially), and no document text is ever put into an
attribute other than as escaped text.  A citation is a
``<button class="cite" data-cite="t3-q1">``; its id is only ever a key into
the session's state.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .escape import esc
from .export import report_label, scope_text, source_line, turn_markdown
from .i18n import text
from .messages import localize
from .tables_html import TABLE_CSS, document_html, lone_row_html, row_quote_html, window_tables
from .titles import bilingual_title

#: Characters of a document shown on each side of the cited span.
VIEW_WINDOW = 20_000

LANG_NAMES = {"en": "English", "zh": "Chinese"}


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
    header: dict | None = None  # a row quote's header row ({"text", "start", "end", ...}), marked in the viewer
    cell: dict | None = None  # the cell in the column the question names, marked in the viewer

    def as_dict(self) -> dict:
        return dict(self.__dict__)


_source_line = source_line


def _answer_line(line, quotes: list[dict]) -> dict | None:
    """The answer line when it is what it claims: a span of the first quote."""
    if not isinstance(line, dict) or not quotes:
        return None
    text, start, end = quotes[0].get("text", ""), line.get("start"), line.get("end")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        return None
    return line if text[start:end] == line.get("text") else None


def _marked(text: str, line: dict | None) -> str:
    """A quote as HTML text, the answer line's span marked in it."""
    if line is None:
        return esc(text)
    start, end = line["start"], line["end"]
    return f'{esc(text[:start])}<mark class="answer-span">{esc(text[start:end])}</mark>{esc(text[end:])}'


def _turn_from_answer(turn_id: int, answer, shas: dict[str, str], titles: dict[str, str] | None = None,
                      uploaded: set[str] | None = None, scope: dict | None = None,
                      short_titles: dict[str, str] | None = None) -> dict:
    """One chat turn: the answer's JSON, the views of its citations and hits,
    the titles and upload marks of the reports it names, and its scope
    (``{"n": reports searched, "total": reports in the library}``, or None)."""
    result = answer.to_dict()
    named = {quote.citation.doc_id for quote in answer.quotes} | {hit.chunk.doc_id for hit in answer.hits}
    named |= {row["doc_id"] for row in answer.comparison}
    titles = {doc_id: bilingual_title(title) for doc_id, title in (titles or {}).items() if doc_id in named and title}
    shorts = {doc_id: short for doc_id, short in (short_titles or {}).items() if doc_id in named and short}
    views: dict[str, dict] = {}
    for quote in answer.quotes:
        citation = quote.citation
        views[f"q{citation.n}"] = View(
            doc_id=citation.doc_id, start=citation.start, end=citation.end, sha256=shas.get(citation.doc_id),
            title=f"[{citation.n}] {_source_line(citation.doc_id, citation.page, citation.raw_start, citation.raw_end, titles)}",
            question=answer.question, page=citation.page, raw_start=citation.raw_start, raw_end=citation.raw_end,
            parallel=citation.parallel if isinstance(citation.parallel, dict) else None,
            header=citation.header if isinstance(citation.header, dict) else None,
            cell=citation.cell if isinstance(citation.cell, dict) else None,
        ).as_dict()
    for i, hit in enumerate(answer.hits, start=1):
        chunk = hit.chunk
        views[f"h{i}"] = View(
            doc_id=chunk.doc_id, start=chunk.start, end=chunk.end, sha256=shas.get(chunk.doc_id),
            title=f"passage {i}: {_source_line(chunk.doc_id, chunk.page, chunk.raw_start, chunk.raw_end, titles)}",
            question=answer.question, page=chunk.page, raw_start=chunk.raw_start, raw_end=chunk.raw_end,
        ).as_dict()
    for i, row in enumerate(answer.comparison, start=1):
        views[f"c{i}"] = View(
            doc_id=row["doc_id"], start=row["start"], end=row["end"], sha256=shas.get(row["doc_id"]),
            title=f"{row['metric']} {row['period']}: {_source_line(row['doc_id'], row['page'], row['raw_start'], row['raw_end'], titles)}",
            question=answer.question, page=row["page"], raw_start=row["raw_start"], raw_end=row["raw_end"],
        ).as_dict()
    return {"id": turn_id, "question": answer.question, "result": result, "views": views, "titles": titles,
            "short_titles": shorts,
            "uploaded": sorted(named & set(uploaded or ())), "scope": scope}


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
.sources button.src { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
button.src { font: inherit; text-align: left; background: none; border: none; padding: 0; cursor: pointer; color: var(--body-text-color); }
button.src:hover { color: var(--color-accent); text-decoration: underline; }
.head { font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em; color: var(--body-text-color-subdued); }
table.conflicts { border-collapse: collapse; margin: 8px 0 4px; font-size: 13px; }
table.comparison th { white-space: nowrap; }
table.conflicts caption { text-align: left; font-weight: 600; padding-bottom: 3px; }
table.conflicts th, table.conflicts td { border: 1px solid var(--border-color-primary); padding: 3px 8px; vertical-align: top; }
.abstain { font-weight: 600; }
.answer-line { font-weight: 600; font-size: 15px; margin: 2px 0 8px; padding: 6px 10px; border-left: 3px solid var(--color-accent); background: var(--background-fill-secondary); white-space: pre-wrap; }
mark.answer-span { background: #fff3bf; color: inherit; padding: 0 1px; border-radius: 2px; }
.bot { position: relative; }
button.copy { position: absolute; top: 6px; right: 8px; font-size: 12px; border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 1px 8px; background: var(--background-fill-primary); color: var(--body-text-color-subdued); cursor: pointer; }
button.copy:hover, button.copy.done { color: var(--color-accent); border-color: var(--color-accent); }
.read-as, .scope { font-size: 13px; color: var(--body-text-color-subdued); margin: 0 0 6px; }
.badge.up { font-size: 11px; font-weight: 600; border-radius: 6px; padding: 0 5px; background: #fff3bf; color: #5c3c00; border: 1px solid #fcc419; }
table.comparison td { font-variant-numeric: tabular-nums; }
table.comparison td.fig { white-space: nowrap; }
table.comparison .file { font-size: 11px; color: var(--body-text-color-subdued); }
.excerpt { font-size: 13px; color: var(--body-text-color-subdued); white-space: pre-wrap; margin: 1px 0 6px 14px; }
""" + TABLE_CSS

TRANSCRIPT_JS = """
const copyText = async function (value) {
  try { await navigator.clipboard.writeText(value); return; } catch (error) { /* fall back below */ }
  const box = document.createElement('textarea');
  box.value = value;
  document.body.appendChild(box);
  box.select();
  document.execCommand('copy');
  box.remove();
};
element.addEventListener('click', function (event) {
  const copy = event.target.closest('[data-copy]');
  if (copy && element.contains(copy)) {
    event.preventDefault();
    const source = copy.parentElement.querySelector('textarea.md');
    copyText(source ? source.value : '').then(function () {
      copy.textContent = copy.getAttribute('data-done');
      copy.classList.add('done');
    });
    return;
  }
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
""" + TABLE_CSS

VIEWER_JS = """
const showMark = function () {
  const mark = element.querySelector('.doc .cited');
  if (!mark) return;
  const box = element.querySelector('.doc');
  if (box) box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 3;
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

def empty_transcript(lang: str = "en") -> str:
    return f'<div class="chat"><div class="empty">{text("empty_transcript", lang)}</div></div>'


def empty_viewer(lang: str = "en") -> str:
    return f'<div class="viewer"><div class="note">{text("empty_viewer", lang)}</div></div>'


EMPTY_TRANSCRIPT = empty_transcript()
EMPTY_VIEWER = empty_viewer()


def status_html(message: str = "", kind: str = "err") -> str:
    if not message:
        return ""
    role = ' role="alert"' if kind == "err" else ""
    return f'<p class="{esc(kind)}"{role}>{esc(message)}</p>'


def _doc_name(doc_id, titles: dict, uploaded: set, lang: str, shorts: dict | None = None) -> str:
    """A report as named in an answer: its short title (the full one on hover) and file, and a mark when it was
    uploaded."""
    badge = f' <span class="badge up">{esc(text("uploaded", lang))}</span>' if doc_id in uploaded else ""
    short = (shorts or {}).get(doc_id)
    if not short:
        return f'<span class="rname">{esc(report_label(doc_id, titles))}</span>{badge}'
    return (f'<span class="rname" title="{esc(titles.get(doc_id) or doc_id)}">{esc(short)} — {esc(doc_id)}</span>'
            f'{badge}')


def _where(page, raw_start, raw_end, lang: str) -> str:
    """"page 3, characters 120–300" in the page's language."""
    where = [text("page_n", lang, n=page)] if page else []
    where.append(text("chars_span", lang, start=raw_start, end=raw_end))
    return "，".join(where) if lang == "zh" else ", ".join(where)


def render_turn(turn: dict, lang: str = "en") -> str:
    result, tid = turn["result"], turn["id"]
    titles, uploaded = turn.get("titles") or {}, set(turn.get("uploaded") or [])
    shorts = turn.get("short_titles") or {}

    def source(doc_id, page, raw_start, raw_end) -> str:
        name = _doc_name(doc_id, titles, set(), lang, shorts)
        badge = f' <span class="badge up">{esc(text("uploaded", lang))}</span>' if doc_id in uploaded else ""
        return f'{name}{"，" if lang == "zh" else ", "}{esc(_where(page, raw_start, raw_end, lang))}{badge}'

    parts = [f'<section class="turn" data-turn="{tid}">',
             f'<div class="msg user"><span class="who">{esc(text("you", lang))}</span>{esc(turn["question"])}</div>',
             f'<div class="msg bot"><span class="who">{esc(text("assistant", lang))}</span>'
             f'<button type="button" class="copy" data-copy="{tid}" title="{esc(text("copy", lang))}" '
             f'data-done="{esc(text("copied", lang))}">{esc(text("copy", lang))}</button>'
             f'<textarea class="md" hidden readonly>{esc(turn_markdown(turn))}</textarea>']
    if result.get("read_as"):
        parts.append(f'<p class="read-as">{esc(text("read_as", lang, text=result["read_as"]))}</p>')
    scope = turn.get("scope")
    if scope:
        key = "searched_all" if scope.get("n") == scope.get("total") else "searched"
        parts.append(f'<p class="scope" title="{esc(scope_text(scope))}">'
                     f'{esc(text(key, lang, n=scope.get("n"), total=scope.get("total")))}</p>')
    if result.get("abstained"):
        parts.append(f'<p class="abstain">{esc(localize(result.get("message") or "", lang) or text("no_answer", lang))}</p>')
        hits = result.get("hits") or []
        if hits:
            parts.append(f'<div class="head">{esc(text("possibly_related", lang))}</div><ol class="quotes">')
            for i, hit in enumerate(hits[:3], start=1):
                excerpt = hit["text"] if len(hit["text"]) <= 320 else hit["text"][:320].rstrip() + " …"
                parts.append(
                    f'<li><button type="button" class="src" data-cite="t{tid}-h{i}">'
                    f'{source(hit["doc_id"], hit.get("page"), hit["raw_start"], hit["raw_end"])}</button>'
                    f'<div class="excerpt">{esc(excerpt)}</div></li>')
            parts.append("</ol>")
    else:
        quotes = result.get("answer", [])
        line = _answer_line(result.get("answer_line"), quotes)
        if line:
            n = int(quotes[0]["citation"]["n"])
            parts.append(f'<p class="answer-line">{esc(line["text"])} '
                         f'<button type="button" class="cite" data-cite="t{tid}-q{n}">[{n}]</button></p>')
        parts.append('<ol class="quotes">')
        for i, quote in enumerate(quotes):
            citation = quote["citation"]
            n = int(citation["n"])
            span = (line["start"], line["end"]) if line and i == 0 else None
            shown = (row_quote_html(quote["text"], citation, span, text("row_with_header", lang))
                     or f'<q class="quote">{_marked(quote["text"], line if i == 0 else None)}</q>')
            parts.append(f'<li>{shown} '
                         f'<button type="button" class="cite" data-cite="t{tid}-q{n}" title="{esc(text("show_in_report", lang))}">[{n}]</button>')
            parallel = citation.get("parallel")
            if isinstance(parallel, dict) and parallel.get("text"):
                lang_name = _language_name(parallel.get("lang"), lang)
                parts.append(f'<div class="parallel"><span class="plabel">{esc(lang_name)}{"：" if lang == "zh" else ": "}'
                             f'</span><span class="ptext">{lone_row_html(parallel["text"]) or esc(parallel["text"])}</span></div>')
            parts.append("</li>")
        parts.append("</ol>")
        parts.append(_comparison_table(result.get("comparison") or [], tid, titles, uploaded, lang, shorts))
        conflicts = result.get("conflicts") or []
        if conflicts:
            parts.append(f'<table class="conflicts"><caption>{esc(text("disagree", lang))}</caption>')
            for conflict in conflicts:
                cells = "".join(
                    f'<td>{esc(entry.get("figure"))} <span class="head">{esc(text("in", lang))}</span> '
                    f'{_doc_name(entry.get("doc_id"), titles, uploaded, lang, shorts)} '
                    f'<button type="button" class="cite" data-cite="t{tid}-q{int(entry.get("n", 0))}">[{int(entry.get("n", 0))}]</button></td>'
                    for entry in conflict.get("values", []))
                parts.append(f'<tr><th>{esc(conflict.get("what"))}</th>{cells}</tr>')
            parts.append("</table>")
        parts.append(f'<div class="sources"><div class="head">{esc(text("sources", lang))}</div><ol>')
        for quote in result.get("answer", []):
            citation = quote["citation"]
            n = int(citation["n"])
            line = source(citation["doc_id"], citation.get("page"), citation["raw_start"], citation["raw_end"])
            parts.append(f'<li><button type="button" class="src" data-cite="t{tid}-q{n}">[{n}] {line}</button></li>')
        parts.append("</ol></div>")
    parts.append("</div></section>")
    return "".join(parts)


def _comparison_table(comparison: list[dict], tid, titles: dict, uploaded: set, lang: str,
                      shorts: dict | None = None) -> str:
    """One row per report: report, figure, year, citation."""
    if not comparison:
        return ""
    head = "".join(f"<th>{esc(text(key, lang))}</th>" for key in ("th_report", "th_figure", "th_year", "th_source"))
    rows = [f'<table class="conflicts comparison"><caption>{esc(text("what_each_says", lang))}</caption><tr>{head}</tr>']
    for i, row in enumerate(comparison, start=1):
        year = (row.get("period") or "-") + (text("nearest", lang) if row.get("nearest") else "")
        doc_id = row.get("doc_id")
        title = titles.get(doc_id) or doc_id
        short = (shorts or {}).get(doc_id) or (title if len(title) <= 70 else title[:68].rstrip() + " …")
        badge = f' <span class="badge up">{esc(text("uploaded", lang))}</span>' if doc_id in uploaded else ""
        if row.get("market_unknown"):
            badge += f' <span class="badge">{esc(text("market_unknown", lang))}</span>'
        rows.append(
            f'<tr><td><span class="rt" title="{esc(title)}">{esc(short)}</span>{badge}<div class="file">{esc(doc_id)}</div></td>'
            f'<td class="fig">{esc(row.get("figure"))}</td><td class="fig">{esc(year)}</td>'
            f'<td><button type="button" class="cite" data-cite="t{tid}-c{i}" '
            f'title="{esc(text("show_in_report", lang))}">'
            f'{esc(_where(row.get("page"), row["raw_start"], row["raw_end"], lang))}</button></td></tr>')
    rows.append("</table>")
    return "".join(rows)


def render_transcript(turns: list[dict], lang: str = "en") -> str:
    if not turns:
        return empty_transcript(lang)
    return '<div class="chat">' + "".join(render_turn(turn, lang) for turn in turns) + "</div>"


def source_choices(turns: list[dict]) -> list[tuple[str, str]]:
    """(label, key) of every citation and passage in the chat, newest first."""
    choices = []
    for turn in reversed(turns):
        for key, view in turn["views"].items():
            if key.startswith(("q", "c")) or turn["result"].get("abstained"):
                choices.append((f"Q{turn['id'] + 1} {view['title']}", f"t{turn['id']}-{key}"))
    return choices


def _find_view(turns: list[dict], key) -> dict | None:
    match = re.fullmatch(r"t(\d{1,9})-([qhc]\d{1,4})", str(key or ""))
    if not match:
        return None
    turn_id, view_key = int(match.group(1)), match.group(2)
    for turn in turns:
        if turn["id"] == turn_id:
            return turn["views"].get(view_key)
    return None


def render_view(index, view: dict, lang: str = "en") -> str:
    """The document's clean text with the span highlighted (and the parallel
    passage beside it), from the index generation that is live now."""
    doc_id = view["doc_id"]
    info = index.manifest.files.get(doc_id)
    if info is None:
        return f'<div class="viewer"><div class="note">{esc(text("report_gone", lang, doc_id=doc_id))}</div></div>'
    doc_text = index.document(doc_id).text
    start, end = int(view["start"]), int(view["end"])
    warning = ""
    if view.get("sha256") and view["sha256"] != info["sha256"]:
        warning = f'<p class="warn">{esc(text("report_changed", lang))}</p>'
    start = max(0, min(start, len(doc_text)))
    end = max(start, min(end, len(doc_text)))
    marks = [(start, end, "cited")] if start < end else []  # a report opened from the library cites nothing
    parallel = view.get("parallel") if isinstance(view.get("parallel"), dict) else None
    if parallel and marks:
        p_span = _span(parallel, len(doc_text))
        if p_span and (p_span[1] <= start or p_span[0] >= end):
            marks.append((*p_span, "par"))
    marks.sort()
    header, cell = _span(view.get("header"), len(doc_text)), _span(view.get("cell"), len(doc_text))
    anchors = marks + [(*span, "") for span in (header, cell) if span]
    lo = max(0, min(m[0] for m in anchors) - VIEW_WINDOW) if anchors else 0
    hi = min(len(doc_text), max(m[1] for m in anchors) + VIEW_WINDOW if anchors else VIEW_WINDOW)
    lo, hi, tables = window_tables(doc_text, lo, hi)
    body = []
    if lo > 0:
        body.append(f'<span class="cut">{esc(text("chars_before", lang, n=f"{lo:,}"))}</span>\n')
    body.append(document_html(doc_text, lo, hi, tables, marks, header=header, cell=cell,
                              rows_not_shown=lambda n: text("rows_not_shown", lang, n=f"{n:,}")))
    if hi < len(doc_text):
        body.append(f'\n<span class="cut">{esc(text("chars_after", lang, n=f"{len(doc_text) - hi:,}"))}</span>')
    aside = ""
    if parallel and parallel.get("text"):
        language = _language_name(parallel.get("lang"), lang)
        aside = (f'<aside class="par"><div class="head">{esc(text("same_passage", lang, language=language))}</div>'
                 f'<div class="ptext">{lone_row_html(parallel["text"]) or esc(parallel["text"])}</div></aside>')
    asked = (f'<div class="q">{esc(text("cited_for", lang))} <span class="uq">{esc(view["question"])}</span></div>'
             if view.get("question") else "")  # a report opened from the library answers no question
    head = f'<div class="vhead"><b>{esc(view["title"])}</b>{asked}</div>'
    return (f'<div class="viewer" data-doc="{esc(doc_id)}">{head}{warning}<div class="vbody">'
            f'<div class="doc">{"".join(body)}</div>{aside}</div></div>')


def _span(value, length: int) -> tuple[int, int] | None:
    """A view's ``{"start", "end"}`` (a header row, a cell, a parallel passage) as a non-empty span of the
    document, or None when it is not one (views come back from the browser)."""
    if not isinstance(value, dict):
        return None
    start, end = value.get("start"), value.get("end")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= length):
        return None
    return start, end


def _language_name(code, lang: str) -> str:
    """A report language ("en", "zh") named in the page's language."""
    return text(f"lang_{code}", lang) if code in LANG_NAMES else str(code or text("other_language", lang))


def render_uploads(rows: list[dict], lang: str = "en") -> str:
    if not rows:
        return f'<p class="note">{esc(text("no_uploads", lang))}</p>'
    lines = [f'<table><tr><th>{esc(text("th_your_report", lang))}</th><th>{esc(text("th_chunks", lang))}</th>'
             f'<th>{esc(text("th_size", lang))}</th></tr>']
    for row in rows:
        chunks = text("not_indexed", lang) if row["chunks"] is None else str(row["chunks"])
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
