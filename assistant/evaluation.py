"""Retrieval eval: labelled questions -> ranked hits -> standard metrics.

A hit is relevant when its raw span, in a file the question names, overlaps
at least half of one occurrence of one of the question's evidence strings.
Metrics follow their usual definitions (as ranx computes them): hit@k (ranx's
hit_rate@k), recall@k over all relevant chunks of the index, mrr@10 and
ndcg@10 with binary gains; plus doc_coverage@10 for questions naming several
reports and the abstention rates.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

from .store import Index

KS = (1, 3, 5, 10)
METRIC_NAMES = ("hit@1", "hit@3", "hit@5", "hit@10", "recall@5", "recall@10", "mrr@10", "ndcg@10",
                "doc_coverage@10", "abstain_unanswerable", "false_abstain")


@dataclass
class Question:
    id: str
    question: str
    docs: list[str]
    evidence: list[str]
    lang: str | None = None
    kind: str | None = None
    answer: str = ""

    @property
    def answerable(self) -> bool:
        return bool(self.docs and self.evidence)


@dataclass
class Result:
    question: Question
    ranked: list[dict]  # hit dicts in rank order, each with "relevant"
    abstained: bool
    n_relevant: int  # relevant chunks in the whole index
    covered_docs: set[str] = field(default_factory=set)


def load_questions(path: Path) -> list[Question]:
    questions = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                docs = data.get("doc")
                questions.append(Question(
                    id=str(data.get("id", f"line{number}")),
                    question=data["question"],
                    docs=[] if docs is None else ([docs] if isinstance(docs, str) else list(docs)),
                    evidence=list(data.get("evidence") or []),
                    lang=data.get("lang"),
                    kind=data.get("kind"),
                    answer=str(data.get("answer", "")),
                ))
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"{path}, line {number}: not a question object ({error}).") from error
    if not questions:
        raise ValueError(f"{path} holds no questions.")
    return questions


class RelevanceJudge:
    """Finds evidence occurrences in the raw files and judges hit spans."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._occurrences: dict[tuple[str, str], list[tuple[int, int]]] = {}
        self._raw: dict[str, tuple[str, list[int] | None]] = {}

    def _raw_text(self, doc_id: str) -> tuple[str, list[int] | None]:
        if doc_id not in self._raw:
            from .documents import read_document

            info = self.index.manifest.files.get(doc_id)
            if info is None:
                self._raw[doc_id] = ("", None)
            else:
                document = read_document(info["path"], doc_id=doc_id)
                self._raw[doc_id] = (document.raw_text, document.page_starts)
        return self._raw[doc_id]

    def occurrences(self, doc_id: str, evidence: str) -> list[tuple[int, int]]:
        key = (doc_id, evidence)
        if key not in self._occurrences:
            raw, _ = self._raw_text(doc_id)
            found, position = [], raw.find(evidence)
            while position >= 0 and evidence:
                found.append((position, position + len(evidence)))
                position = raw.find(evidence, position + 1)
            self._occurrences[key] = found
        return self._occurrences[key]

    def is_relevant(self, question: Question, doc_id: str, page: int | None, raw_start: int, raw_end: int) -> bool:
        if doc_id not in question.docs:
            return False
        _, page_starts = self._raw_text(doc_id)
        if page is not None and page_starts:
            raw_start += page_starts[page - 1]
            raw_end += page_starts[page - 1]
        for evidence in question.evidence:
            for start, end in self.occurrences(doc_id, evidence):
                if min(end, raw_end) - max(start, raw_start) >= (end - start) / 2:
                    return True
        return False

    def relevant_chunks(self, question: Question) -> set[str]:
        """Ids of the index's chunks that are relevant to ``question``."""
        return {chunk.chunk_id for chunk in self.index.chunks
                if chunk.doc_id in question.docs
                and self.is_relevant(question, chunk.doc_id, chunk.page, chunk.raw_start, chunk.raw_end)}


def assistant_searcher(assistant, mode: str = "hybrid", k: int = 10):
    """A searcher over an Assistant: question -> (hit dicts, abstained)."""

    def search(question: str) -> tuple[list[dict], bool]:
        try:
            answer = assistant.ask(question, k=k, mode=mode)
        except ValueError:  # a question the assistant refuses counts as no hits
            return [], True
        return [hit.to_dict() for hit in answer.hits[:k]], answer.abstained

    return search


def run_questions(assistant, questions: list[Question], mode: str = "hybrid", k: int = 10,
                  searcher=None, units=None) -> list[Result]:
    """Ask every question; judge every hit.  ``searcher`` and ``units`` (the
    searchable passages, for recall) default to the Assistant and its chunks;
    a baseline passes its own."""
    judge = RelevanceJudge(assistant.index)
    searcher = searcher or assistant_searcher(assistant, mode, k)
    units = units if units is not None else [chunk.to_dict() for chunk in assistant.index.chunks]
    results = []
    for question in questions:
        hits, abstained = searcher(question.question)
        ranked = [{**hit, "relevant": judge.is_relevant(question, hit["doc_id"], hit["page"], hit["raw_start"], hit["raw_end"])}
                  for hit in hits[:k]]
        n_relevant = sum(1 for unit in units if unit["doc_id"] in question.docs and judge.is_relevant(
            question, unit["doc_id"], unit["page"], unit["raw_start"], unit["raw_end"])) if question.answerable else 0
        covered = {hit["doc_id"] for hit in ranked[:10] if hit["relevant"]}
        results.append(Result(question, ranked, abstained, n_relevant, covered))
    return results


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
    metrics["abstain_unanswerable"] = _mean([float(r.abstained) for r in unanswerable])
    metrics["false_abstain"] = _mean([float(r.abstained) for r in answerable])
    return {"n": len(results), "n_answerable": len(answerable), "metrics": metrics}


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def evaluate(results: list[Result]) -> dict:
    """The JSON of ``assistant eval --json``: overall, by lang, by kind."""
    report = summarize(results)
    for field_name in ("lang", "kind"):
        groups: dict[str, list[Result]] = {}
        for result in results:
            value = getattr(result.question, field_name)
            if value is not None:
                groups.setdefault(value, []).append(result)
        report[f"by_{field_name}"] = {value: summarize(group)["metrics"] for value, group in sorted(groups.items())}
    return report


def _format(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def metrics_table(rows: dict[str, dict]) -> str:
    names = METRIC_NAMES
    lines = ["| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for label, metrics in rows.items():
        lines.append(f"| {label} | " + " | ".join(_format(metrics.get(name)) for name in names) + " |")
    return "\n".join(lines)


def markdown_report(report: dict, results: list[Result], title: str) -> str:
    rows = {"all": report["metrics"]}
    rows.update({f"lang={key}": value for key, value in report.get("by_lang", {}).items()})
    rows.update({f"kind={key}": value for key, value in report.get("by_kind", {}).items()})
    parts = [f"# {title}", "", f"{report['n']} questions ({report['n_answerable']} answerable).", "",
             metrics_table(rows), "", "## Misses (no relevant passage in the top 5)", ""]
    for result in results:
        question = result.question
        missed = question.answerable and not any(hit["relevant"] for hit in result.ranked[:5])
        wrong_abstain = question.answerable == result.abstained
        if not (missed or wrong_abstain):
            continue
        reason = "missed" if missed else ("abstained on an answerable question" if question.answerable
                                         else "answered an unanswerable question")
        parts.append(f"### {question.id} ({question.lang}, {question.kind}): {reason}")
        parts.append(f"**Q:** {question.question}  ")
        parts.append(f"**Expected:** {', '.join(question.docs) or 'abstain'}: " +
                     " / ".join(f"`{evidence}`" for evidence in question.evidence[:2]))
        for rank, hit in enumerate(result.ranked[:3], start=1):
            text = hit["text"][:160].replace("\n", " ")
            parts.append(f"{rank}. {hit['doc_id']} [{hit['raw_start']}:{hit['raw_end']}] score {hit['score']:.4f}"
                         f"{' (relevant)' if hit['relevant'] else ''}: {text}")
        parts.append("")
    return "\n".join(parts) + "\n"


def run_cli(args, settings) -> int:
    from .pipeline import Assistant

    questions = load_questions(args.questions)
    if args.compare:
        from .comparison import run_comparison

        return run_comparison(args, settings, questions)
    assistant = Assistant(args.index, settings)
    started = time.perf_counter()
    results = run_questions(assistant, questions, args.mode)
    report = evaluate(results)
    report["mode"] = args.mode
    report["seconds"] = round(time.perf_counter() - started, 2)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(markdown_report(report, results, f"Retrieval eval ({args.mode})"), encoding="utf-8")
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        rows = {"all": report["metrics"]}
        rows.update({f"lang={key}": value for key, value in report["by_lang"].items()})
        print(metrics_table(rows))
        print(f"{report['n']} questions, mode {args.mode}, {report['seconds']} s")
    return 0
