#!/usr/bin/env python3
"""Prepare TAT-QA (tables + text from financial reports) as an external eval set and a train file.

TAT-QA (Zhu et al., ACL 2021; data CC BY 4.0) pairs one table of a financial
report with the paragraphs around it and asks questions whose answers come
from the table, the text, or both.  This script keeps the **span** answers
(``answer_type == "span"``, one span) and turns each TAT-QA item into one
Markdown document::

    # TAT-QA 3ffd9053: a table and its notes from a financial report

    <paragraph>

    <paragraph that introduces the table, ending with ":">

    |  | 2019 | 2018 |
    |---|---|---|
    | Revenue | 1,234 | 1,100 |

    <further paragraphs>

The table's first row is the header row, then a ``|---|`` rule, then the other
rows (``|`` inside a cell written ``\\|``, line breaks as spaces, cells
otherwise verbatim).  It stands right after the first paragraph that ends with
a colon (the lead-in, "The table below shows ...:"); without one, before the
paragraphs, as TAT-QA lists them.

A question is kept when its gold span occurs exactly once in its document
(also when blanks and currency signs are ignored, so "$ 93,662" in a row and
"$93,662" in a sentence count as two) and where TAT-QA says it comes from:

* ``answer_from == "table"``: inside a table row; ``evidence_kind`` "table",
  the evidence is that whole row line, as written;
* ``"text"``: inside a paragraph; ``evidence_kind`` "text", the evidence is the
  sentence holding it, cut to at most 200 characters around the answer (the
  helpers of prepare.py);
* ``"table-text"``: both parts are in the document (the table, and the
  paragraphs TAT-QA names, which are nearly always the table's lead-in giving
  its scale: "... as follows (in thousands):"); the evidence is the part that
  holds the gold span (the row, or the sentence), and its kind is that part's.
  The label is kept as ``answer_from`` so either reading can be measured.

Comparison questions (``req_comparison``: "In which year was X larger?") are
skipped: their span is a column label in the header row, which is not where
the figures compared are.  Questions whose text occurs twice among the
candidates are dropped (both copies): TAT-QA asks generic questions ("What
was the revenue in 2019?") and a repeated one cannot name its document.

Eval set (the **dev** split only; the test split is never used)::

    python eval/external/prepare_tatqa.py --dev eval/external/originals/tatqa_dataset_dev.json \\
        --out eval/external/data [--documents 100] [--questions 300] [--min-table 120] [--seed 0]

writes ``OUT/tatqa/docs/tatqa-<uid>.md``, ``OUT/tatqa/questions.jsonl`` (the
project's question format plus ``"evidence_kind": "table"|"text"`` and
``"answer_from"``) and ``OUT/tatqa/LICENSE.md``.  Documents (seeded shuffle)
are taken richest in table questions first until they hold ``--min-table`` of
them, then those with the most questions; table questions are taken round
robin over the documents up to half the set (at least ``--min-table``), text
ones fill the rest.  The script stops with an error when fewer than ``--min-table``
table questions could be had.

Train file (the **train** split), for the answer ranker::

    python eval/external/prepare_tatqa.py --train tatqa_dataset_train.json \\
        --train-out /work/data/train/tatqa_train.json

writes every item with a located span question in SQuAD 2.0 layout: one
article per item whose single paragraph's ``context`` is the whole Markdown
document, ``answer_start`` the character offset of the gold span in it.

Standard library only; imports the shared helpers of prepare.py.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from prepare import clean_paragraph, evidence_span, round_robin, sha256, write_files  # noqa: E402

SET_NAME = "tatqa"
_LOOSE = re.compile(r"[\s$€£¥]+")
LANG = "en"
KINDS = ("table", "text")  # evidence kinds: where a question's gold span is
#: TAT-QA's ``answer_from`` -> the blocks its gold span may be found in.
SOURCES = {"table": ("table",), "text": ("text",), "table-text": ("table", "text")}
CC_BY = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
CC_BY_URL = "https://creativecommons.org/licenses/by/4.0/"
HOME = "https://github.com/NExTplusplus/TAT-QA (https://nextplusplus.github.io/TAT-QA/)"
ATTRIBUTION = (
    "Fengbin Zhu, Wenqiang Lei, Youcheng Huang, Chao Wang, Shuo Zhang, Jiancheng Lv, Fuli Feng, "
    "Tat-Seng Chua. 2021. *TAT-QA: A Question Answering Benchmark on a Hybrid of Tabular and Textual "
    "Content in Finance.* ACL-IJCNLP 2021, pp. 3277-3287. https://aclanthology.org/2021.acl-long.254 . "
    "Tables and paragraphs from public financial reports."
)
# Input files whose provenance is known, by SHA-256.
KNOWN_SOURCES = {
    "8da095a819af6db3c14877c6df2d4d29960e41d1a63dd1fa853507bd2a616af5": (
        "github.com/NExTplusplus/TAT-QA, dataset_raw/tatqa_dataset_dev.json (added in commit "
        "ec12a30c26365ff05face6ffc431aaff9cb67c91, unchanged at 870accc41953dcde885aabeb963d94aabdc0fbc3): "
        "the full TAT-QA dev set, 278 tables with their paragraphs, 1,668 questions."
    ),
}


@dataclass
class Block:
    kind: str  # "title", "text" (a paragraph) or "table" (one row line, the rule excluded)
    start: int
    end: int


@dataclass
class Located:
    uid: str
    question: str
    answer: str
    start: int  # offset of the answer in the document
    evidence_kind: str  # "table" or "text": where the gold span is
    evidence: str
    answer_from: str  # TAT-QA's label: "table", "text" or "table-text"


@dataclass
class Item:
    uid: str
    file_name: str
    text: str  # the Markdown document
    blocks: list[Block]
    paragraphs: set[str] = field(default_factory=set)  # TAT-QA "order" of each paragraph written
    questions: list[Located] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Located]:
        return [question for question in self.questions if question.evidence_kind == kind]


# ---------------------------------------------------------------- documents


def table_lines(rows: list[list]) -> list[str]:
    """A TAT-QA table as Markdown pipe lines: the first row, a rule, the other rows."""
    width = max((len(row) for row in rows), default=0)
    cells = [[_cell(value) for value in row] + [""] * (width - len(row)) for row in rows]
    lines = ["| " + " | ".join(row) + " |" for row in cells]
    return lines[:1] + ["|" + "---|" * width] + lines[1:]


def _cell(value) -> str:
    return clean_paragraph(str(value))[0].replace("|", "\\|")


def render(entry: dict) -> Item:
    """One TAT-QA item (a table and its paragraphs) as a Markdown document with its blocks."""
    uid = str(entry["table"]["uid"])
    short = uid.split("-")[0]
    ordered = [(str(p.get("order", "")), clean_paragraph(str(p.get("text") or ""))[0])
               for p in sorted(entry.get("paragraphs", []), key=lambda p: p.get("order", 0))]
    paragraphs = [text for _, text in ordered if text]
    rows = [row for row in entry["table"].get("table", []) if any(str(cell).strip() for cell in row)]
    lead_in = next((number for number, p in enumerate(paragraphs) if p.endswith(":")), -1)
    parts: list[tuple[str, str]] = [("title", f"# TAT-QA {short}: a table and its notes from a financial report")]
    parts += [("text", p) for p in paragraphs[:lead_in + 1]]
    parts.append(("table", "\n".join(table_lines(rows))) if rows else ("text", ""))
    parts += [("text", p) for p in paragraphs[lead_in + 1:]]
    text, blocks = "", []
    for kind, part in parts:
        if not part:
            continue
        if text:
            text += "\n\n"
        if kind == "table":
            offset = len(text)
            for number, line in enumerate(part.split("\n")):
                if number != 1:  # the rule holds no cell
                    blocks.append(Block("table", offset, offset + len(line)))
                offset += len(line) + 1
        else:
            blocks.append(Block(kind, len(text), len(text) + len(part)))
        text += part
    return Item(uid, f"tatqa-{short}.md", text + "\n", blocks, {order for order, text in ordered if text})


def locate(item: Item, question: dict) -> Located | None:
    """The question with its evidence, or None when it is not a single span found exactly once
    in the document, in the kind of block TAT-QA says it comes from."""
    source = question.get("answer_from")
    answers = question.get("answer")
    if (question.get("answer_type") != "span" or source not in SOURCES or question.get("req_comparison")
            or not isinstance(answers, list) or len(answers) != 1):
        return None
    if source == "table-text" and not _both_parts(item, question):
        return None
    answer = clean_paragraph(str(answers[0]))[0]
    asked = " ".join(str(question.get("question") or "").split())
    if not answer or not asked or item.text.count(answer) != 1 or _loose(item.text).count(_loose(answer)) != 1:
        return None
    start = item.text.find(answer)
    end = start + len(answer)
    block = next((b for b in item.blocks if b.start <= start and end <= b.end), None)
    if block is None or block.kind not in SOURCES[source]:
        return None
    kind = block.kind
    if kind == "table":
        evidence = item.text[block.start:block.end]
    else:
        span = evidence_span(item.text[block.start:block.end], start - block.start, end - block.start, LANG)
        if span is None:
            return None
        evidence = item.text[block.start + span[0]:block.start + span[1]]
    return Located(str(question.get("uid", "")), asked, answer, start, kind, evidence, source)


def _both_parts(item: Item, question: dict) -> bool:
    """A table-text question's table and the paragraphs it names are all in the document."""
    named = [str(order) for order in question.get("rel_paragraphs") or []]
    return any(block.kind == "table" for block in item.blocks) and bool(named) and set(named) <= item.paragraphs


def _loose(text: str) -> str:
    """Text without blanks and currency signs, so "$ 93,662" in a row and "$93,662" in a sentence meet."""
    return _LOOSE.sub("", text)


def load_items(path: Path, unique_questions: bool = True) -> list[Item]:
    """The items of a TAT-QA file, each with its located questions; with ``unique_questions``, a question
    text asked of two items is dropped from both (an eval library could not tell which one it means)."""
    with open(path, encoding="utf-8") as handle:
        entries = json.load(handle)
    items, names = [], set()
    for entry in entries:
        item = render(entry)
        stem, suffix = item.file_name[:-3], 2
        while item.file_name in names:
            item.file_name, suffix = f"{stem}-{suffix}.md", suffix + 1
        names.add(item.file_name)
        item.questions = [found for found in (locate(item, q) for q in entry.get("questions", [])) if found]
        items.append(item)
    if not unique_questions:
        return items
    seen: dict[str, int] = {}
    for item in items:
        for question in item.questions:
            key = question.question.casefold()
            seen[key] = seen.get(key, 0) + 1
    for item in items:
        item.questions = [q for q in item.questions if seen[q.question.casefold()] == 1]
    return items


# ---------------------------------------------------------------- eval set


@dataclass
class Prepared:
    items: list[Item]
    questions: list[dict]
    notes: list[str]


def pick_documents(items: list[Item], wanted: int, min_table: int) -> list[Item]:
    """Up to ``wanted`` of ``items`` (already shuffled): those richest in table questions until they hold
    ``min_table`` of them, then those with the most questions (sorts are stable: ties keep the shuffle)."""
    by_table = sorted(items, key=lambda item: -len(item.of_kind("table")))
    library, tables = [], 0
    while by_table and tables < min_table and len(library) < wanted and by_table[0].of_kind("table"):
        library.append(by_table.pop(0))
        tables += len(library[-1].of_kind("table"))
    rest = sorted(by_table, key=lambda item: -len(item.questions))
    return library + rest[:wanted - len(library)]


def prepare_eval(items: list[Item], args: argparse.Namespace) -> Prepared:
    rng = random.Random(f"{args.seed}:{SET_NAME}")
    notes: list[str] = []
    eligible = [item for item in items if item.questions]
    rng.shuffle(eligible)
    library = pick_documents(eligible, args.documents, args.min_table)
    if len(library) < args.documents:
        notes.append(f"the source has {len(eligible)} documents with located questions (asked {args.documents})")
    groups = {kind: [rng.sample(item.of_kind(kind), len(item.of_kind(kind))) for item in library] for kind in KINDS}
    table_limit = min(args.questions, max(args.min_table, args.questions // 2))
    tables = round_robin(groups["table"], table_limit)
    texts = round_robin(groups["text"], args.questions - len(tables))
    if len(tables) < args.min_table:
        raise SystemExit(f"{SET_NAME}: only {len(tables)} table-evidence questions in {len(library)} documents "
                         f"(asked at least {args.min_table}); pass more --documents or a lower --min-table.")
    by_uid = {id(q): item for item in library for q in item.questions}
    picked = tables + texts
    rng.shuffle(picked)  # any prefix of the file is a fair mix
    width = max(4, len(str(len(picked))))
    questions = [{"id": f"{SET_NAME}-{number:0{width}d}", "question": q.question, "lang": LANG, "kind": "extractive",
                  "doc": by_uid[id(q)].file_name, "evidence": [q.evidence], "answer": q.answer,
                  "evidence_kind": q.evidence_kind, "answer_from": q.answer_from}
                 for number, q in enumerate(picked, start=1)]
    return Prepared(library, questions, notes)


def check_set(folder: Path) -> list[str]:
    """Problems with a written set: evidence not verbatim, not holding the answer, or the answer not unique;
    a table row that is not a whole line of its document."""
    problems = []
    with open(folder / "questions.jsonl", encoding="utf-8") as handle:
        for line in handle:
            question = json.loads(line)
            text = (folder / "docs" / question["doc"]).read_text(encoding="utf-8")
            evidence, answer = question["evidence"][0], question["answer"]
            if evidence not in text or answer not in evidence:
                problems.append(f"{question['id']}: evidence not verbatim in {question['doc']} or without the answer")
            if text.count(answer) != 1 or _loose(text).count(_loose(answer)) != 1:
                problems.append(f"{question['id']}: the answer occurs {text.count(answer)} times in {question['doc']}")
            if question["evidence_kind"] == "table" and evidence not in text.split("\n"):
                problems.append(f"{question['id']}: table evidence is not a whole line")
    return problems


def counts(prepared: Prepared) -> dict[str, int]:
    result = {kind: 0 for kind in KINDS}
    for question in prepared.questions:
        result[question["evidence_kind"]] += 1
    return result


def license_text(prepared: Prepared, source: Path, digest: str, args: argparse.Namespace, command: str) -> str:
    by_kind = counts(prepared)
    chars = sum(len(item.text) for item in prepared.items)
    provenance = KNOWN_SOURCES.get(digest, "a copy of dataset_raw/tatqa_dataset_dev.json")
    notes = "".join(f"\n- Note: {note}." for note in prepared.notes)
    sources: dict[str, int] = {}
    for question in prepared.questions:
        key = f"{question['answer_from']} -> {question['evidence_kind']}"
        sources[key] = sources.get(key, 0) + 1
    by_source = ", ".join(f"`{key}` {number}" for key, number in sorted(sources.items()))
    return f"""# {SET_NAME}: a sample of TAT-QA, development set (span answers)

This folder was generated by `eval/external/prepare_tatqa.py`; it is a derived,
sampled and reformatted excerpt of a public data set and is not committed to
the project's repository.

## Source

- Data set: TAT-QA (Tabular And Textual dataset for Question Answering), {HOME}
- File: dataset_raw/tatqa_dataset_dev.json
- This sample was made from {provenance}
- Input file: `{source.name}`, SHA-256 `{digest}`

## Licence

The TAT-QA data set is licensed under the {CC_BY} ({CC_BY_URL}), as its
repository's README states (the repository's code is under the MIT licence).
This sample is a modified excerpt of it. Changes: items and questions sampled;
each item (one table and its paragraphs) written as one Markdown document
(a title line naming the item's id, the paragraphs, the table as a pipe table
placed after its lead-in paragraph, else first); only single-span answers kept; questions
converted to the project's question format with evidence cut from the
documents.

## Attribution

{ATTRIBUTION}

## What was sampled, and how

Deterministic sampling (Python `random.Random("{args.seed}:{SET_NAME}")`) over the
items that have a located span question: one gold span, found exactly once in
the document (also with blanks and currency signs ignored), in a table row for
`answer_from == "table"`, in a paragraph for `"text"`, in either for
`"table-text"` (when the table and the paragraphs TAT-QA names are in the
document); comparison questions (`req_comparison`) skipped; question texts
asked of two items dropped.

- Library (`docs/`): {len(prepared.items)} documents: those richest in table questions until
  they hold {args.min_table}, then those with the most questions; {chars:,} characters in all.
- `extractive`: {len(prepared.questions)} questions: {by_kind['table']} with `evidence_kind` `table`
  (the evidence is the whole table row line holding the answer) and
  {by_kind['text']} with `text` (the sentence holding the answer, at most 200
  characters around it); by TAT-QA's label: {by_source}. Table questions
  are taken round robin over the documents up to {max(args.min_table, args.questions // 2)}, text questions fill
  the set to at most {args.questions}.
- No unanswerable questions.{notes}

Caveat: TAT-QA's questions were written for one table each and seldom name the
company ("What was the revenue in 2019?"); another document of the library can
hold a row that answers as well. Only the labelled document counts.

Library documents: {', '.join(item.file_name for item in prepared.items)}.

## Command

```
{command}
```
"""


def write_eval(prepared: Prepared, out: Path, source: Path, args: argparse.Namespace, command: str) -> Path:
    folder = out / SET_NAME
    write_files(folder, {item.file_name: item.text for item in prepared.items}, prepared.questions,
                license_text(prepared, source, sha256(source), args, command), suffix=".md")
    problems = check_set(folder)
    if problems:
        raise SystemExit(f"{SET_NAME}: {len(problems)} problems, e.g. " + "; ".join(problems[:5]))
    return folder


# ---------------------------------------------------------------- train file


def squad_layout(items: list[Item]) -> dict:
    """Every item with located questions as one SQuAD 2.0 article: the whole document is its one context."""
    data = []
    for item in items:
        if not item.questions:
            continue
        qas = []
        for question in item.questions:
            assert item.text[question.start:question.start + len(question.answer)] == question.answer
            qas.append({"id": question.uid, "question": question.question, "is_impossible": False,
                        "answers": [{"text": question.answer, "answer_start": question.start}]})
        data.append({"title": item.text.split("\n", 1)[0].lstrip("# "), "paragraphs": [{"context": item.text, "qas": qas}]})
    return {"version": "tatqa-span", "data": data}


def write_train(items: list[Item], out: Path) -> dict:
    layout = squad_layout(items)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_suffix(out.suffix + ".tmp")
    temporary.write_text(json.dumps(layout, ensure_ascii=False), encoding="utf-8")
    temporary.replace(out)
    return layout


# ---------------------------------------------------------------- command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev", type=Path, help="TAT-QA dev split (tatqa_dataset_dev.json): the eval set")
    parser.add_argument("--out", type=Path, default=Path("eval/external/data"), help="eval output folder")
    parser.add_argument("--documents", type=int, default=100, help="library documents (100)")
    parser.add_argument("--questions", type=int, default=300, help="questions at most (300)")
    parser.add_argument("--min-table", type=int, default=120, help="table-evidence questions at least (120)")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed (0)")
    parser.add_argument("--train", type=Path, help="TAT-QA train split (tatqa_dataset_train.json)")
    parser.add_argument("--train-out", type=Path, help="with --train: the SQuAD-layout JSON file to write")
    args = parser.parse_args(argv)
    if args.dev is None and args.train is None:
        parser.error("give --dev and/or --train")
    if args.train is not None and args.train_out is None:
        parser.error("--train needs --train-out")
    if args.documents < 1 or args.questions < 1 or args.min_table < 0:
        parser.error("--documents and --questions must be positive, --min-table >= 0")
    for source in (args.dev, args.train):
        if source is not None and not source.is_file():
            parser.error(f"{source}: no such file")
    command = "python " + shlex.join([sys.argv[0]] + (sys.argv[1:] if argv is None else list(argv)))
    if args.dev is not None:
        prepared = prepare_eval(load_items(args.dev), args)
        write_eval(prepared, args.out, args.dev, args, command)
        by_kind = counts(prepared)
        chars = sum(len(item.text) for item in prepared.items)
        print(f"{SET_NAME}: {len(prepared.items)} documents, {chars:,} characters; {len(prepared.questions)} "
              f"questions: table {by_kind['table']}, text {by_kind['text']}")
        for note in prepared.notes:
            print(f"  note: {note}")
    if args.train is not None:
        layout = write_train(load_items(args.train, unique_questions=False), args.train_out)
        questions = [qa for article in layout["data"] for qa in article["paragraphs"][0]["qas"]]
        print(f"{SET_NAME} train: {len(layout['data'])} articles, {len(questions)} questions -> {args.train_out} "
              f"(input SHA-256 {sha256(args.train)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
