"""Table train data: WikiTableQuestions-shaped files -> reports with Markdown tables whose answer row is a row candidate."""
from __future__ import annotations

import importlib.util
import json

from conftest import ROOT

from assistant.ingest import read_document
from assistant.ingest.candidates import passage_spans
from assistant.training.library import Source, prepare

spec = importlib.util.spec_from_file_location("prepare_wtq_train", ROOT / "scripts" / "prepare_wtq_train.py")
prepare_wtq = importlib.util.module_from_spec(spec)
spec.loader.exec_module(prepare_wtq)


def _repo(tmp_path):
    repo = tmp_path / "wtq"
    (repo / "data").mkdir(parents=True)
    (repo / "csv" / "204-csv").mkdir(parents=True)
    (repo / "page" / "204-page").mkdir(parents=True)
    (repo / "data" / "training.tsv").write_text(
        "id\tutterance\tcontext\ttargetValue\n"
        "nt-0\twhich club won in 2004?\tcsv/204-csv/7.csv\tPortland Timbers\n"
        "nt-1\thow many titles in all?\tcsv/204-csv/7.csv\t5\n"  # a count the table does not write
        "nt-2\twhich clubs won?\tcsv/204-csv/7.csv\tA|B\n"  # a list
        "nt-3\twhat year did Seattle win?\tcsv/204-csv/7.csv\t2003\n", encoding="utf-8")
    (repo / "csv" / "204-csv" / "7.csv").write_text(
        '"Year","Winner","Score"\n"2003","Seattle | Sounders","2-1"\n"2004","Portland Timbers","3-0"\n"2005","Vancouver","1-0"\n',
        encoding="utf-8")
    (repo / "page" / "204-page" / "7.json").write_text(json.dumps({"title": "USL A-League"}), encoding="utf-8")
    (repo / "page" / "204-page" / "7.html").write_text(
        "<p>The USL A-League was a professional soccer league in the United States and Canada from 1997 to 2004.</p>",
        encoding="utf-8")
    return repo


def test_a_table_question_keeps_the_one_cell_it_answers_and_its_row_is_a_candidate(tmp_path):
    result = prepare_wtq.convert(_repo(tmp_path))
    [article] = result["data"]
    assert article["title"] == "USL A-League"
    context = article["paragraphs"][0]["context"]
    assert context.startswith("The USL A-League was a professional soccer league")
    assert "| 2003 | Seattle / Sounders | 2-1 |" in context  # a pipe inside a cell cannot split it
    qas = article["paragraphs"][0]["qas"]
    assert [qa["id"] for qa in qas] == ["nt-0", "nt-3"]  # the count and the list are left out
    train_file = tmp_path / "wtq_train.json"
    train_file.write_text(json.dumps(result), encoding="utf-8")
    source = Source(path=train_file, name="tables", lang="en", articles=1, held_out=0, questions=10, keep_lines=True)
    questions = prepare(source, tmp_path / "docs", seed=0)
    question = next(q for q in questions if q.id == "nt-0")
    document = read_document(tmp_path / "docs" / question.doc_id)
    assert document.raw_text[question.answer_start:question.answer_start + len(question.answer)] == "Portland Timbers"
    rows = [span for span in passage_spans(document.text, 0, len(document.text)) if span.is_row]
    holding = [span for span in rows
               if document.raw_span(span.start, span.end)[1] <= question.answer_start < document.raw_span(span.start, span.end)[2]]
    assert len(holding) == 1 and "Winner: Portland Timbers" in holding[0].scoring_text
