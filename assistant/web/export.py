"""A chat turn or a whole conversation as Markdown (numbered citations: title,
file, page, characters) or JSON (every citation span); plain text, no HTML:
in the Markdown every text that came from a report or a user has ``&``, ``<``
and ``>`` escaped as entities (:func:`plain`), so a Markdown viewer shows a
report's HTML as text instead of rendering it.  A table row's quote is
written under its table's header row, as a small Markdown table.

A turn is the dict :func:`assistant.web.render._turn_from_answer` makes:
``{"id", "question", "result" (the answer's JSON), "views", "titles",
"uploaded", "scope"}``; the last three are absent in turns from before them.
"""
from __future__ import annotations

import json
import time

from .tables_html import row_quote_markdown


def plain(text) -> str:
    """Report or user text for Markdown: HTML shown as text, never rendered."""
    return str(text if text is not None else "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def report_label(doc_id: str, titles: dict | None = None) -> str:
    """"Title — file" when the report has a title, else the file name."""
    title = (titles or {}).get(doc_id) or ""
    return f"{title} — {doc_id}" if title and title != doc_id else str(doc_id)


def source_line(doc_id: str, page, raw_start, raw_end, titles: dict | None = None) -> str:
    page_text = f", page {page}" if page else ""
    return f"{report_label(doc_id, titles)}{page_text}, characters {raw_start}–{raw_end}"


def scope_text(scope: dict | None) -> str:
    if not scope:
        return ""
    if scope.get("n") == scope.get("total"):
        return f"Searched: all {scope.get('total')} reports"
    return f"Searched: {scope.get('n')} of {scope.get('total')} reports"


def _cell(value) -> str:
    return plain(value).replace("|", "\\|").replace("\n", " ")


def turn_markdown(turn: dict, number: int | None = None) -> str:
    """One question and its answer, with numbered citations."""
    result, titles = turn.get("result", {}), turn.get("titles") or {}
    uploaded = set(turn.get("uploaded") or [])

    def mark(doc_id: str) -> str:
        return " (uploaded)" if doc_id in uploaded else ""

    heading = f"Q{number}. " if number else ""
    lines = [f"## {heading}{plain(turn.get('question', ''))}", ""]
    if result.get("read_as"):
        lines += [f"Read as: {plain(result['read_as'])}", ""]
    if turn.get("scope"):
        lines += [scope_text(turn["scope"]), ""]
    if result.get("abstained"):
        lines += [plain(result.get("message") or "The reports do not answer this question."), ""]
        for i, hit in enumerate((result.get("hits") or [])[:3], start=1):
            lines.append(f"{i}. Possibly related: "
                         f"{plain(source_line(hit['doc_id'], hit.get('page'), hit['raw_start'], hit['raw_end'], titles))}"
                         f"{mark(hit['doc_id'])}")
        return "\n".join(lines).rstrip() + "\n"
    for quote in result.get("answer", []):
        n = int(quote["citation"]["n"])
        header = quote["citation"].get("header")
        rows = row_quote_markdown(header.get("text"), quote["text"]) if isinstance(header, dict) else None
        if rows:  # a table row: its header row above it, then the citation after a break (not a cell)
            lines += [f"> {plain(row)}" for row in rows] + [">", f"> [{n}]"]
        else:
            lines.append(f"> {plain(quote['text'].strip())} [{n}]")
        lines.append(">")
    if lines[-1] == ">":
        lines[-1] = ""
    comparison = result.get("comparison") or []
    if comparison:
        lines += ["| Report | Figure | Year | Source |", "|---|---|---|---|"]
        for row in comparison:
            year = (row.get("period") or "-") + (" (nearest given)" if row.get("nearest") else "")
            source = source_line(row["doc_id"], row.get("page"), row["raw_start"], row["raw_end"])
            lines.append(f"| {_cell(report_label(row['doc_id'], titles) + mark(row['doc_id']))} | {_cell(row.get('figure'))} "
                         f"| {_cell(year)} | {_cell(source)} |")
        lines.append("")
    for conflict in result.get("conflicts") or []:
        values = "; ".join(f"{plain(entry.get('figure'))} in {plain(report_label(entry.get('doc_id'), titles))}"
                           f"{mark(entry.get('doc_id'))} [{entry.get('n')}]" for entry in conflict.get("values", []))
        lines.append(f"The reports disagree on {plain(conflict.get('what'))}: {values}")
    if result.get("conflicts"):
        lines.append("")
    lines.append("Sources:")
    lines.append("")
    for quote in result.get("answer", []):
        citation = quote["citation"]
        lines.append(f"[{int(citation['n'])}] "
                     f"{plain(source_line(citation['doc_id'], citation.get('page'), citation['raw_start'], citation['raw_end'], titles))}"
                     f"{mark(citation['doc_id'])}")
    return "\n".join(lines).rstrip() + "\n"


def conversation_markdown(turns: list[dict]) -> str:
    head = f"# Report assistant: conversation exported {time.strftime('%Y-%m-%d %H:%M')}\n"
    return head + "".join("\n" + turn_markdown(turn, number) for number, turn in enumerate(turns, start=1))


def conversation_json(turns: list[dict]) -> str:
    """Every turn's question and answer JSON (quotes with their citation spans), plus titles and scope."""
    payload = {
        "exported": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "turns": [{"question": turn.get("question"), "answer": turn.get("result"), "titles": turn.get("titles") or {},
                   "uploaded": turn.get("uploaded") or [], "scope": turn.get("scope")} for turn in turns],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2)
