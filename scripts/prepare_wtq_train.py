"""WikiTableQuestions *train* split -> a SQuAD-layout train file of reports with Markdown tables.

Why: the answer ranker learns what a good quote is from public QA train data
(``assistant train-ranker``).  SQuAD and CMRC have no tables, so the ranker has
never seen a table row answer a question.  WikiTableQuestions (Pasupat & Liang,
ACL 2015; CC BY-SA 4.0) asks questions of Wikipedia tables; its *train* file
(``data/training.tsv``, 14,152 questions) is used here, never its test splits.

Each table becomes one report: the page's title as a heading, the page's first
paragraphs (prose beside the table, as in a report), then the table as a
Markdown pipe table (header row, rule, body rows; a ``|`` inside a cell becomes
``/``, line breaks spaces).  A question is kept when its answer is one value
that is exactly one body cell of its table (so the row holding it is the
evidence); its ``answer_start`` is that cell's offset in the report.  Answers
that are lists, counts or sums the table does not write are left out.

    python scripts/prepare_wtq_train.py --repo WikiTableQuestions/ --out wtq_train.json

``--repo``: a checkout of https://github.com/ppasupat/WikiTableQuestions (used:
commit 7d455a5a).  The output is CC BY-SA 4.0 (an adapted excerpt); do not commit it.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import html
import json
import re
import sys
from pathlib import Path

MAX_PARAGRAPHS = 2
MAX_ROWS = 60  # longer tables are cut (their later rows' questions are dropped)
_PARAGRAPH_RE = re.compile(r"<p>(.*?)</p>", re.S)
_TAG_RE = re.compile(r"<[^>]+>")
_FOOTNOTE_RE = re.compile(r"\[\d+\]")


def clean_cell(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("|", "/")).strip()


def page_paragraphs(page_html: str) -> list[str]:
    """The first paragraphs of a Wikipedia page, as plain text."""
    paragraphs = []
    for match in _PARAGRAPH_RE.finditer(page_html):
        text = re.sub(r"\s+", " ", _FOOTNOTE_RE.sub("", html.unescape(_TAG_RE.sub("", match.group(1))))).strip()
        if len(text) >= 80:
            paragraphs.append(text)
        if len(paragraphs) == MAX_PARAGRAPHS:
            break
    return paragraphs


def markdown_table(rows: list[list[str]]) -> tuple[str, list[list[tuple[int, str]]]]:
    """The table as Markdown, and each body cell's (offset in it, text)."""
    width = max(len(row) for row in rows)
    rows = [[clean_cell(cell) for cell in row] + [""] * (width - len(row)) for row in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
    text = "\n".join(lines) + "\n"
    cells = []
    for row in rows[1:MAX_ROWS + 1]:
        line_start, positions, line = len(text), [], "|"
        for cell in row:
            line += " "
            positions.append((line_start + len(line), cell))
            line += cell + " |"
        text += line + "\n"
        cells.append(positions)
    return text, cells


def convert(repo: Path) -> dict:
    tables: dict[str, dict] = {}
    questions = 0
    with open(repo / "data" / "training.tsv", encoding="utf-8") as handle:
        for example in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            questions += 1
            answer = example["targetValue"].replace("\\n", " ").replace("\\p", "/").replace("\\\\", "\\").strip()
            if "|" in example["targetValue"] or not answer:
                continue
            table = tables.get(example["context"])
            if table is None:
                table = tables[example["context"]] = read_table(repo, example["context"])
            if table is None:
                continue
            found = [offset for row in table["cells"] for offset, cell in row if cell == answer]
            if len(found) != 1:
                continue
            table["qas"].append({"id": example["id"], "question": example["utterance"], "is_impossible": False,
                                 "answers": [{"text": answer, "answer_start": table["body_offset"] + found[0]}]})
    data = []
    for context_path, table in tables.items():
        if table is None or not table["qas"]:
            continue
        context = table["context"]
        for qa in table["qas"]:
            answer = qa["answers"][0]
            assert context[answer["answer_start"]:answer["answer_start"] + len(answer["text"])] == answer["text"]
        data.append({"title": table["title"], "paragraphs": [{"context": context, "qas": table["qas"]}]})
    kept = sum(len(article["paragraphs"][0]["qas"]) for article in data)
    print(f"{questions} train questions, {kept} kept over {len(data)} tables", file=sys.stderr)
    return {"version": "wtq-train-markdown", "data": data}


def read_table(repo: Path, context_path: str) -> dict | None:
    table_file = repo / context_path
    if not table_file.is_file():
        return None
    with open(table_file, encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.reader(handle, escapechar="\\") if any(cell.strip() for cell in row)]
    if len(rows) < 3:
        return None
    page = repo / context_path.replace("csv/", "page/", 1).replace("-csv/", "-page/").replace(".csv", "")
    title, paragraphs = context_path, []
    if page.with_suffix(".json").is_file():
        title = json.loads(page.with_suffix(".json").read_text(encoding="utf-8")).get("title") or title
    if page.with_suffix(".html").is_file():
        paragraphs = page_paragraphs(page.with_suffix(".html").read_text(encoding="utf-8", errors="replace"))
    head = "\n\n".join(paragraphs) + ("\n\n" if paragraphs else "")
    table_text, cells = markdown_table(rows)
    return {"title": title, "context": head + table_text, "body_offset": len(head), "cells": cells, "qas": []}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, required=True, help="a WikiTableQuestions checkout")
    parser.add_argument("--out", type=Path, required=True, help="the SQuAD-layout train file to write")
    args = parser.parse_args(argv)
    if not (args.repo / "data" / "training.tsv").is_file():
        print(f"{args.repo}: no data/training.tsv (give a WikiTableQuestions checkout).", file=sys.stderr)
        return 2
    result = convert(args.repo)
    args.out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    digest = hashlib.sha256((args.repo / "data" / "training.tsv").read_bytes()).hexdigest()
    print(f"wrote {args.out} (training.tsv sha256 {digest})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
