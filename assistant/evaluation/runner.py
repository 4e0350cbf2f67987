"""Asking every question of a set and judging every hit.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .judge import RelevanceJudge
from .questions import Question


@dataclass
class Result:
    question: Question
    ranked: list[dict]  # hit dicts in rank order, each with "relevant"
    abstained: bool
    n_relevant: int  # relevant chunks in the whole index
    covered_docs: set[str] = field(default_factory=set)


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
