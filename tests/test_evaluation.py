"""The eval set and the metric code (cross-checked against ranx)."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from assistant.evaluation import recursive_split
from assistant.evaluation import Question, Result, evaluate, load_questions, run_questions
from conftest import ROOT, SEEDS

QUESTIONS_FILE = ROOT / "eval" / "questions.jsonl"


def test_eval_set_format_and_coverage():
    rows = [json.loads(line) for line in QUESTIONS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 60 and len({row["id"] for row in rows}) == len(rows)
    langs, kinds = Counter(row["lang"] for row in rows), Counter(row["kind"] for row in rows)
    assert langs["en"] >= 40 and langs["zh"] >= 15
    assert sum(1 for row in rows if isinstance(row["doc"], list) and len(row["doc"]) >= 2) >= 5
    assert kinds["unanswerable"] >= 4
    for row in rows:
        assert row["kind"] in {"number", "entity", "list", "reasoning", "cross-doc", "unanswerable"}
        if row["doc"] is None:
            assert row["evidence"] == [] and row["kind"] == "unanswerable"
            continue
        docs = [row["doc"]] if isinstance(row["doc"], str) else row["doc"]
        raws = {doc: (SEEDS / doc).read_text(encoding="utf-8") for doc in docs}
        for evidence in row["evidence"]:
            assert 15 <= len(evidence) <= 200, (row["id"], evidence)
            assert any(evidence in raw for raw in raws.values()), (row["id"], evidence)
        for doc, raw in raws.items():
            assert any(evidence in raw for evidence in row["evidence"]), (row["id"], doc)


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


def test_recursive_splitter_baseline_covers_text_within_size():
    text = (SEEDS / "004_cc81a9a3a938ae48.txt").read_text(encoding="utf-8")
    spans = recursive_split(text, 1000, 200)
    assert all(end - start <= 1000 for start, end in spans)
    covered = set()
    for start, end in spans:
        covered.update(range(start, end))
    assert all(i in covered for i, char in enumerate(text) if not char.isspace())
    assert any(b[0] < a[1] for a, b in zip(spans, spans[1:]))  # neighbours overlap
