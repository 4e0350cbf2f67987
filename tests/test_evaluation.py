"""The eval set and the metric code (cross-checked against ranx)."""
from __future__ import annotations

import json
from collections import Counter

import pytest
from conftest import ROOT, SEEDS

from assistant.evaluation import (
    Question,
    Result,
    evaluate,
    load_questions,
    recursive_split,
    run_questions,
)

QUESTIONS_FILE = ROOT / "eval" / "questions.jsonl"


def check_evidence(row: dict) -> None:
    """An unanswerable row has no evidence; every other row's evidence is
    verbatim in the raw files it names, and each named file holds some."""
    if row["doc"] is None:
        assert row["evidence"] == [] and row["kind"] == "unanswerable"
        return
    docs = [row["doc"]] if isinstance(row["doc"], str) else row["doc"]
    raws = {doc: (SEEDS / doc).read_text(encoding="utf-8") for doc in docs}
    for evidence in row["evidence"]:
        assert 15 <= len(evidence) <= 200, (row["id"], evidence)
        assert any(evidence in raw for raw in raws.values()), (row["id"], evidence)
    for doc, raw in raws.items():
        assert any(evidence in raw for evidence in row["evidence"]), (row["id"], doc)


def test_eval_set_format_and_coverage():
    rows = [json.loads(line) for line in QUESTIONS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 60 and len({row["id"] for row in rows}) == len(rows)
    langs, kinds = Counter(row["lang"] for row in rows), Counter(row["kind"] for row in rows)
    assert langs["en"] >= 40 and langs["zh"] >= 15
    assert sum(1 for row in rows if isinstance(row["doc"], list) and len(row["doc"]) >= 2) >= 5
    assert kinds["unanswerable"] >= 4
    ids = [row["id"] for row in rows]
    for position, row in enumerate(rows):
        assert row["kind"] in {"number", "entity", "list", "reasoning", "cross-doc", "comparison", "yesno", "unanswerable"}
        if row.get("follows"):
            assert row["follows"] in ids[:position], row["id"]
        check_evidence(row)


HELDOUT_FILE = ROOT / "eval" / "heldout.jsonl"


def test_held_out_set_format_coverage_and_verbatim_evidence():
    rows = [json.loads(line) for line in HELDOUT_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = [row["id"] for row in rows]
    assert len(rows) >= 150 and len(set(ids)) == len(rows)
    kinds = Counter(row["kind"] for row in rows)
    assert set(kinds) <= {"number", "entity", "list", "reasoning", "yesno", "comparison", "unanswerable"}
    assert kinds["unanswerable"] >= 20
    assert Counter(row.get("unanswerable") for row in rows if row["kind"] == "unanswerable").keys() >= {"entity", "topic", "figure"}
    assert sum(1 for row in rows if row["lang"] == "zh" and row.get("script") == "hant") >= 10
    assert sum(1 for row in rows if row.get("follows")) >= 10
    for position, row in enumerate(rows):
        if row.get("follows"):
            assert row["follows"] in ids[:position], row["id"]  # a follow-up follows an earlier question
        check_evidence(row)


def test_answer_metrics_judge_quotes_by_overlap_with_the_evidence(assistant):
    """A quote that is the evidence counts; one from another report does not;
    the gold answer counts only when it is short enough to sit in the evidence."""
    from assistant.evaluation.judge import RelevanceJudge

    question = Question("x", "What was the telemedicine market size in 2023?", ["004_cc81a9a3a938ae48.txt"],
                        ["size reached **US$ 74.7 Billion in 2023**"], answer="US$ 74.7 Billion")
    assert question.gold == "US$ 74.7 Billion"
    assert Question("y", "q", ["a"], ["some evidence text"], answer="a note not in the evidence").gold is None
    judge = RelevanceJudge(assistant.index)
    raw = (SEEDS / "004_cc81a9a3a938ae48.txt").read_text(encoding="utf-8")
    start = raw.index("The global")
    end = raw.index("2023**", start) + len("2023**")
    assert judge.quote_is_right(question, {"doc_id": "004_cc81a9a3a938ae48.txt", "page": None, "raw_start": start, "raw_end": end})
    assert not judge.quote_is_right(question, {"doc_id": "000_3e72e74fd57db5f9.txt", "page": None, "raw_start": start, "raw_end": end})
    assert not judge.quote_is_right(question, {"doc_id": "004_cc81a9a3a938ae48.txt", "page": None, "raw_start": 0, "raw_end": 40})
    result = run_questions(assistant, [question])[0]
    report = evaluate([result])["metrics"]
    assert report["answer_accuracy"] == float(any(result.quotes_right))
    assert result.gold_quoted is not None


def test_unknown_fields_are_ignored_and_every_question_is_scored(tmp_path, assistant):
    path = tmp_path / "q.jsonl"
    path.write_text(
        json.dumps({"id": "a", "question": "What was the telemedicine market size in 2023?", "doc": "004_cc81a9a3a938ae48.txt",
                    "evidence": ["size reached **US$ 74.7 Billion in 2023**"], "extra": 1}) + "\n"
        + json.dumps({"id": "b", "question": "?!", "doc": "004_cc81a9a3a938ae48.txt", "evidence": ["US$ 74.7 Billion in 2023"]}) + "\n",
        encoding="utf-8")
    questions = load_questions(path)
    results = run_questions(assistant, questions)
    assert [r.question.id for r in results] == ["a", "b"]
    assert results[0].ranked[0]["relevant"]
    assert results[1].ranked == []  # a refused question has no hits and scores 0
    report = evaluate(results)
    assert report["n"] == 2 and report["metrics"]["hit@1"] == 0.5


def test_metrics_agree_with_ranx(assistant):
    ranx = pytest.importorskip("ranx")
    questions = [q for q in load_questions(QUESTIONS_FILE) if q.answerable][:40]
    results = run_questions(assistant, questions)
    ours = evaluate(results)["metrics"]
    from assistant.evaluation import RelevanceJudge

    judge = RelevanceJudge(assistant.index)
    qrels_dict, run_dict = {}, {}
    for result in results:
        relevant = judge.relevant_chunks(result.question)
        assert len(relevant) == result.n_relevant
        qrels_dict[result.question.id] = {chunk_id: 1 for chunk_id in relevant} or {"none": 1}
        run_dict[result.question.id] = {hit["chunk_id"]: 1.0 / rank for rank, hit in enumerate(result.ranked, start=1)} or {"x": 0.0}
    theirs = ranx.evaluate(ranx.Qrels(qrels_dict), ranx.Run(run_dict),
                           ["hit_rate@1", "hit_rate@5", "hit_rate@10", "recall@5", "recall@10", "mrr@10", "ndcg@10"])
    for our_name, their_name in [("hit@1", "hit_rate@1"), ("hit@5", "hit_rate@5"), ("hit@10", "hit_rate@10"),
                                 ("recall@5", "recall@5"), ("recall@10", "recall@10"), ("mrr@10", "mrr@10"),
                                 ("ndcg@10", "ndcg@10")]:
        assert ours[our_name] == pytest.approx(theirs[their_name], abs=1e-4), our_name


def test_abstention_and_doc_coverage_metrics():
    answerable = Question("a", "q", ["x.md", "y.md"], ["evidence text here"], "en", "cross-doc")
    unanswerable = Question("u", "q", [], [], "en", "unanswerable")
    results = [
        Result(answerable, [{"relevant": True, "doc_id": "x.md"}], abstained=False, n_relevant=2, covered_docs={"x.md"}),
        Result(unanswerable, [], abstained=True, n_relevant=0),
    ]
    report = evaluate(results)
    assert report["metrics"]["doc_coverage@10"] == 0.5
    assert report["metrics"]["abstain_unanswerable"] == 1.0 and report["metrics"]["false_abstain"] == 0.0
    assert report["by_kind"]["cross-doc"]["hit@1"] == 1.0
    assert set(report["by_turn"]) == {"first"}
    follow_up = Question("f", "And in 2032?", ["x.md"], ["evidence"], "en", "number", follows="a")
    missed = Result(follow_up, [{"relevant": False, "doc_id": "x.md"}], abstained=False, n_relevant=1, quotes_right=[False])
    by_turn = evaluate([*results, missed])["by_turn"]
    assert by_turn["follow-up"]["hit@1"] == 0.0 and by_turn["follow-up"]["answer_accuracy"] == 0.0
    assert by_turn["first"]["hit@1"] == 1.0


def test_recursive_splitter_baseline_covers_text_within_size():
    text = (SEEDS / "004_cc81a9a3a938ae48.txt").read_text(encoding="utf-8")
    spans = recursive_split(text, 1000, 200)
    assert all(end - start <= 1000 for start, end in spans)
    covered = set()
    for start, end in spans:
        covered.update(range(start, end))
    assert all(i in covered for i, char in enumerate(text) if not char.isspace())
    assert any(b[0] < a[1] for a, b in zip(spans, spans[1:]))  # neighbours overlap


def test_eval_all_runs_every_set_beside_the_peers_and_writes_the_table(tmp_path):
    from assistant.config import Settings
    from assistant.evaluation.suite import PEERS, EvalSet, run_all

    docs = tmp_path / "library" / "docs"
    docs.mkdir(parents=True)
    (docs / "a.md").write_text("# Solar panels\n\nThe solar panel market in Vandor grew 12 percent in 2024.\n", encoding="utf-8")
    (docs / "b.md").write_text("# Pet food\n\nPremium pet food sales in Quell doubled in 2023.\n", encoding="utf-8")
    questions = tmp_path / "library" / "questions.jsonl"
    questions.write_text("\n".join(json.dumps(row) for row in [
        {"id": "1", "question": "How much did the solar panel market in Vandor grow?", "doc": "a.md",
         "evidence": ["solar panel market in Vandor grew 12 percent"], "answer": "12 percent"},
        {"id": "2", "question": "What happened to pet food sales in Quell?", "doc": "b.md",
         "evidence": ["Premium pet food sales in Quell doubled"], "answer": None},
        {"id": "3", "question": "Who won the chess olympiad in 1990?", "doc": None, "evidence": []},
    ]), encoding="utf-8")
    eval_set = EvalSet("tiny", questions, docs, "fixture")
    rows = run_all(Settings(), tmp_path / "results", index_root=tmp_path / "indexes", sets=[eval_set], show_progress=False)
    assert [row["system"] for row in rows] == ["ours (hybrid)", *PEERS]
    ours = rows[0]["report"]["metrics"]
    assert ours["hit@5"] == 1.0 and ours["answer_accuracy"] is not None and ours["gold_in_quotes"] is not None
    assert all(row["report"]["metrics"]["answer_accuracy"] is None for row in rows[1:])  # peers give passages only
    table = (tmp_path / "results" / "all.md").read_text(encoding="utf-8")
    assert "| tiny | ours (hybrid) | 3 |" in table and (tmp_path / "results" / "all.png").stat().st_size > 0


def test_report_misses_write_spans_as_characters():
    from assistant.evaluation.questions import Question
    from assistant.evaluation.report import markdown_report
    from assistant.evaluation.runner import Result

    question = Question(id="q1", question="How big is the gizmo market?", docs=["a.md"], evidence=["gizmo"],
                        lang="en", kind="fact")
    hit = {"doc_id": "b.md", "raw_start": 7951, "raw_end": 9136, "page": None, "score": 0.5, "text": "other",
           "relevant": False}
    report = {"metrics": {}, "n": 1, "n_answerable": 1}
    text = markdown_report(report, [Result(question, [hit], False, 1)], "Eval")
    assert "1. b.md, characters 7951–9136 score 0.5000: other" in text and "[7951:9136]" not in text


def test_a_chain_of_follow_ups_gets_the_previous_turn_as_it_was_read(assistant):
    from assistant.evaluation.runner import Outcome

    seen: list[tuple[str, str | None]] = []

    def searcher(question, previous=None):
        seen.append((question, previous))
        read_as = f"{previous} {question}" if previous else ""
        return Outcome([], False, [], read_as)

    chain = [Question("a", "What was the telemedicine market size in 2023?", [], []),
             Question("b", "And in 2032?", [], [], follows="a"),
             Question("c", "At what CAGR?", [], [], follows="b")]
    run_questions(assistant, chain, searcher=searcher, units=[])
    assert seen[1][1] == chain[0].question
    assert seen[2][1] == f"{chain[0].question} And in 2032?"  # the second turn as read, not "And in 2032?" alone


def test_questions_are_split_by_where_their_evidence_lies(assistant):
    """Evidence in table rows, in prose, or both; a set may also say so itself."""
    from assistant.evaluation.judge import RelevanceJudge

    doc = "002_923aa08538df08e9.txt"
    row = next(line for line in (SEEDS / doc).read_text(encoding="utf-8").splitlines() if line.startswith("| Forecast"))
    judge = RelevanceJudge(assistant.index)
    table = Question("t", "What forecast period?", [doc], [row])
    text = Question("p", "How fast?", [doc], ["reflecting a compound annual growth rate of 18.37%"])
    mixed = Question("m", "Both?", [doc], [row, "reflecting a compound annual growth rate of 18.37%"])
    told = Question("s", "Said?", [doc], [row], evidence_kind="text")
    assert [judge.evidence_kind(q) for q in (table, text, mixed, told)] == ["table", "text", "mixed", "text"]
    report = evaluate(run_questions(assistant, [table, text, mixed]))
    assert set(report["by_evidence"]) == {"table", "text", "mixed"}
    assert all(group["hit@10"] is not None for group in report["by_evidence"].values())


def test_tables_held_out_set_names_its_evidence_kind_and_quotes_whole_rows():
    rows = [json.loads(line) for line in (ROOT / "eval" / "tables_heldout.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    kinds = Counter(row["evidence_kind"] for row in rows)
    assert kinds["table"] >= 40 and kinds["text"] >= 15
    for row in rows:
        raw = (SEEDS / row["doc"]).read_text(encoding="utf-8")
        for evidence in row["evidence"]:
            assert evidence in raw, (row["id"], evidence)
            if row["evidence_kind"] == "table":
                assert evidence.startswith("|") and evidence in raw.splitlines(), (row["id"], evidence)
