"""Retrieval eval: labelled questions -> ranked hits -> standard metrics.

A hit is relevant when its raw span, in a file the question names, overlaps
at least half of one occurrence of one of the question's evidence strings.
Metrics follow their usual definitions (as ranx computes them): hit@k (ranx's
hit_rate@k), recall@k over all relevant chunks of the index, mrr@10 and
ndcg@10 with binary gains; plus doc_coverage@10 for questions naming several
reports and the abstention rates.

End to end, over answerable questions (an abstention counts as wrong):
``answer_accuracy`` (some quote quotes the evidence), ``top_quote_accuracy``
(the first quote does) and ``gold_in_quotes`` (the short gold answer appears
in a quote; only questions whose set gives one); ``answer_line_holds_gold``
(the answer line above the quotes holds the short gold answer, over questions
with one whose first quote is right) and ``answer_line_shown`` (how often an
answered question gets an answer line at all).
"""
from __future__ import annotations

import math

from .runner import Result

KS = (1, 3, 5, 10)


METRIC_NAMES = ("hit@1", "hit@3", "hit@5", "hit@10", "recall@5", "recall@10", "mrr@10", "ndcg@10",
                "doc_coverage@10", "answer_accuracy", "top_quote_accuracy", "gold_in_quotes", "answer_line_holds_gold",
                "answer_line_shown",
                "abstain_unanswerable", "false_abstain")


def _question_metrics(result: Result) -> dict[str, float]:
    flags = [hit["relevant"] for hit in result.ranked]
    metrics: dict[str, float] = {}
    for k in KS:
        metrics[f"hit@{k}"] = float(any(flags[:k]))
    for k in (5, 10):
        metrics[f"recall@{k}"] = sum(flags[:k]) / result.n_relevant if result.n_relevant else 0.0
    first = next((rank for rank, flag in enumerate(flags[:10], start=1) if flag), None)
    metrics["mrr@10"] = 1.0 / first if first else 0.0
    dcg = sum(1.0 / math.log2(rank + 1) for rank, flag in enumerate(flags[:10], start=1) if flag)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(result.n_relevant, 10) + 1))
    metrics["ndcg@10"] = dcg / ideal if ideal else 0.0
    return metrics


def summarize(results: list[Result]) -> dict:
    answerable = [r for r in results if r.question.answerable]
    unanswerable = [r for r in results if not r.question.answerable]
    metrics: dict[str, float | None] = {}
    per_question = [_question_metrics(r) for r in answerable]
    for name in ("hit@1", "hit@3", "hit@5", "hit@10", "recall@5", "recall@10", "mrr@10", "ndcg@10"):
        metrics[name] = _mean([m[name] for m in per_question])
    multi = [r for r in answerable if len(r.question.docs) > 1]
    metrics["doc_coverage@10"] = _mean([len(r.covered_docs) / len(r.question.docs) for r in multi])
    quoted = [r for r in answerable if r.quotes_right is not None]
    metrics["answer_accuracy"] = _mean([float(any(r.quotes_right)) for r in quoted])
    metrics["top_quote_accuracy"] = _mean([float(bool(r.quotes_right) and r.quotes_right[0]) for r in quoted])
    metrics["gold_in_quotes"] = _mean([float(r.gold_quoted) for r in quoted if r.gold_quoted is not None])
    metrics["answer_line_holds_gold"] = _mean([float(r.line_holds_gold) for r in quoted if r.line_holds_gold is not None])
    metrics["answer_line_shown"] = _mean([float(r.answer_line is not None) for r in quoted if not r.abstained])
    metrics["abstain_unanswerable"] = _mean([float(r.abstained) for r in unanswerable])
    metrics["false_abstain"] = _mean([float(r.abstained) for r in answerable])
    return {"n": len(results), "n_answerable": len(answerable), "metrics": metrics}


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def evaluate(results: list[Result]) -> dict:
    """The JSON of ``assistant eval --json``: overall, by lang, by kind, by evidence (answerable
    questions whose evidence is in "table" rows, in "text", or "mixed"), and by turn ("first" questions,
    "follow-up" ones asked after the turn they follow)."""
    report = summarize(results)
    for field_name in ("lang", "kind"):
        groups: dict[str, list[Result]] = {}
        for result in results:
            value = getattr(result.question, field_name)
            if value is not None:
                groups.setdefault(value, []).append(result)
        report[f"by_{field_name}"] = {value: summarize(group)["metrics"] for value, group in sorted(groups.items())}
    evidence: dict[str, list[Result]] = {}
    for result in results:
        if result.evidence_kind is not None:
            evidence.setdefault(result.evidence_kind, []).append(result)
    report["by_evidence"] = {kind: summarize(group)["metrics"] for kind, group in sorted(evidence.items())}
    turns: dict[str, list[Result]] = {}
    for result in results:
        turns.setdefault("follow-up" if result.question.follows else "first", []).append(result)
    report["by_turn"] = {turn: summarize(group)["metrics"] for turn, group in sorted(turns.items())}
    return report
