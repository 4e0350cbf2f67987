"""eval/external/prepare_tatqa.py: tiny TAT-QA-shaped items in, a Markdown library + questions and a SQuAD-layout
train file out.

Runs the script as a subprocess (a stand-alone, stdlib-only tool), like
test_evaluation_external.py does for prepare.py.  The train file is loaded
with the trainer's own reader (assistant.training.library.prepare).  The last
test checks the real prepared sample in eval/external/data/tatqa/, when it
has been made.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.training.library import Source, prepare

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "eval" / "external" / "prepare_tatqa.py"
REAL = ROOT / "eval" / "external" / "data" / "tatqa"
KEYS = {"id", "question", "lang", "kind", "doc", "evidence", "answer", "evidence_kind", "answer_from"}


def _question(uid: str, question: str, answer, answer_from: str, answer_type: str = "span",
              rel_paragraphs: tuple[str, ...] = (), comparison: bool = False) -> dict:
    return {"uid": uid, "order": 1, "question": question, "answer": answer, "derivation": "",
            "answer_type": answer_type, "answer_from": answer_from, "rel_paragraphs": list(rel_paragraphs),
            "req_comparison": comparison, "scale": ""}


def _item(number: int) -> dict:
    """One table with its paragraphs; each question tests one rule of the conversion."""
    n = number
    table = [["", "2019", "2018"],
             [f"Revenue of unit {n}", f"1,2{n}0", f"1,1{n}0"],
             [f"Cost | net {n}", f"4{n}5", f"3{n}5"],  # a pipe inside a cell
             ["Total", f"$ 7{n}1", "900"],  # also written "$7N1" in the text: not unique when loosened
             ["Shares", "900", f"8{n}8"]]  # "900" twice in the table: ambiguous
    paragraphs = [
        {"uid": f"p{n}-3", "order": 3, "text": f"Unit {n} expects growth. Its total was $7{n}1 last year."},
        {"uid": f"p{n}-1", "order": 1, "text": f"Company {n} sells blue widgets in Norway. It was founded long ago."},
        {"uid": f"p{n}-2", "order": 2, "text": "The table below shows the results (in thousands):"},
    ]
    questions = [
        _question(f"q{n}-table", f"What was the revenue of unit {n} in 2019?", [f"1,2{n}0"], "table"),
        _question(f"q{n}-text", f"What does company {n} sell?", ["blue widgets"], "text"),
        _question(f"q{n}-mixed", f"What was the net cost of unit {n} in 2018?", [f"3{n}5"], "table-text",
                  rel_paragraphs=("2",)),
        _question(f"q{n}-gone", f"What was the net cost of unit {n} in 2019?", [f"4{n}5"], "table-text",
                  rel_paragraphs=("9",)),  # names a paragraph the item does not have
        _question(f"q{n}-multi", f"Which years does unit {n} report?", ["2019", "2018"], "table", "multi-span"),
        _question(f"q{n}-sum", f"What is the change in revenue of unit {n}?", 100, "table", "arithmetic"),
        _question(f"q{n}-compare", f"In which year was revenue of unit {n} larger?", ["2019"], "table",
                  comparison=True),
        _question(f"q{n}-shares", f"How many shares did unit {n} have in 2019?", ["900"], "table"),
        _question(f"q{n}-total", f"What was the total of unit {n} in 2019?", [f"$ 7{n}1"], "table"),
        _question(f"q{n}-wrong-place", f"Where does company {n} sell?", ["Norway"], "table"),  # in the text
        _question(f"q{n}-generic", "What is the value in the table?", [f"1,1{n}0"], "table"),  # asked of every item
    ]
    return {"table": {"uid": f"{n}{n}{n}{n}abcd-0000-4000-8000-00000000000{n}", "table": table},
            "paragraphs": paragraphs, "questions": questions}


def _run(tmp_path: Path, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
    dev = tmp_path / "tatqa_dataset_dev.json"
    dev.write_text(json.dumps([_item(number) for number in range(6)]), encoding="utf-8")
    return subprocess.run([sys.executable, str(SCRIPT), "--dev", str(dev), "--out", str(tmp_path / "out"), *extra],
                          capture_output=True, text=True, encoding="utf-8", timeout=120, check=check)


def _questions(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()]


def test_items_become_markdown_documents_with_located_questions(tmp_path):
    result = _run(tmp_path, "--documents", "6", "--min-table", "4")
    folder = tmp_path / "out" / "tatqa"
    assert "6 documents" in result.stdout and "table 12, text 6" in result.stdout
    docs = {path.name: path.read_text(encoding="utf-8") for path in (folder / "docs").glob("*.md")}
    assert len(docs) == 6
    text = docs["tatqa-1111abcd.md"]
    lines = text.split("\n")
    assert lines[0] == "# TAT-QA 1111abcd: a table and its notes from a financial report" and lines[1] == ""
    # paragraphs in TAT-QA's order; the table right after the lead-in paragraph that ends with a colon
    lead = lines.index("The table below shows the results (in thousands):")
    assert lines.index("Company 1 sells blue widgets in Norway. It was founded long ago.") < lead
    assert lines[lead + 1:lead + 8] == ["", "|  | 2019 | 2018 |", "|---|---|---|",
                                        "| Revenue of unit 1 | 1,210 | 1,110 |", "| Cost \\| net 1 | 415 | 315 |",
                                        "| Total | $ 711 | 900 |", "| Shares | 900 | 818 |"]
    assert lines[lead + 8:] == ["", "Unit 1 expects growth. Its total was $711 last year.", ""]

    questions = _questions(folder)
    assert len({q["id"] for q in questions}) == len(questions) == 18
    for question in questions:
        assert set(question) == KEYS and question["lang"] == "en" and question["kind"] == "extractive"
        doc = docs[question["doc"]]
        assert doc.count(question["answer"]) == 1 and question["answer"] in question["evidence"][0]
    asked = {(q["question"].split(" of unit ")[0].split(" company ")[0], q["evidence_kind"], q["answer_from"])
             for q in questions}
    # kept: a table answer (its row), a text answer (its sentence), a table-text answer found in the table;
    # skipped: a missing paragraph, multi-span, arithmetic, comparison, an answer twice in the table or also in
    # the text ("$ 7N1" / "$7N1"), a table answer found only in the text, a question asked of every item
    assert asked == {("What was the revenue", "table", "table"), ("What does", "text", "text"),
                     ("What was the net cost", "table", "table-text")}
    for question in questions:
        doc = docs[question["doc"]]
        if question["evidence_kind"] == "table":  # the whole row line, as written
            assert question["evidence"][0] in doc.split("\n") and question["evidence"][0].startswith("| ")
        else:
            assert question["evidence"][0].startswith("Company ") and question["evidence"][0].endswith("Norway.")


def test_sampling_is_seeded_and_keeps_enough_table_questions(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    _run(first, "--documents", "3", "--min-table", "2")
    _run(second, "--documents", "3", "--min-table", "2")
    assert ((first / "out" / "tatqa" / "questions.jsonl").read_text(encoding="utf-8")
            == (second / "out" / "tatqa" / "questions.jsonl").read_text(encoding="utf-8"))
    license_text = (first / "out" / "tatqa" / "LICENSE.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in license_text and "prepare_tatqa.py" in license_text and "Zhu" in license_text
    refused = _run(tmp_path, "--documents", "2", "--min-table", "5", check=False)
    assert refused.returncode != 0 and "only 4 table-evidence questions" in refused.stderr


def test_train_file_is_squad_layout_that_the_trainer_loads(tmp_path):
    train = tmp_path / "tatqa_dataset_train.json"
    train.write_text(json.dumps([_item(number) for number in range(3)]), encoding="utf-8")
    out = tmp_path / "train" / "tatqa_train.json"
    subprocess.run([sys.executable, str(SCRIPT), "--train", str(train), "--train-out", str(out)],
                   capture_output=True, text=True, timeout=120, check=True)
    data = json.loads(out.read_text(encoding="utf-8"))["data"]
    assert len(data) == 3
    for article in data:
        (paragraph,) = article["paragraphs"]
        context = paragraph["context"]
        assert context.startswith("# TAT-QA ") and "\n|---|---|---|\n" in context
        # the train file keeps a question asked of every item (each has its own context)
        assert len(paragraph["qas"]) == 4
        for qa in paragraph["qas"]:
            (answer,) = qa["answers"]
            assert qa["is_impossible"] is False
            assert context[answer["answer_start"]:answer["answer_start"] + len(answer["text"])] == answer["text"]
    library = tmp_path / "library"
    questions = prepare(Source(out, "tatqa", "en", articles=3, held_out=0, questions=100), library)
    assert len(questions) == 12 and all(q.kind == "extractive" for q in questions)
    for question in questions:
        text = (library / question.doc_id).read_text(encoding="utf-8")
        assert text[question.answer_start:question.answer_start + len(question.answer)] == question.answer


@pytest.mark.skipif(not REAL.is_dir(), reason="eval/external/data/tatqa/ is absent: fetch the TAT-QA dev file and "
                                              "run eval/external/prepare_tatqa.py (see eval/external/README.md)")
def test_real_prepared_data():
    docs = {path.name: path.read_text(encoding="utf-8") for path in (REAL / "docs").glob("*.md")}
    questions = _questions(REAL)
    assert len(docs) >= 40 and len(questions) <= 300
    assert sum(q["evidence_kind"] == "table" for q in questions) >= 120
    for question in questions:
        doc = docs[question["doc"]]
        evidence = question["evidence"][0]
        assert evidence in doc and question["answer"] in evidence and doc.count(question["answer"]) == 1
        if question["evidence_kind"] == "table":
            assert evidence in doc.split("\n")
