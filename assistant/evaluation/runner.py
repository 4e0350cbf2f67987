"""Asking every question of a set, and judging every hit and every quote."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .judge import RelevanceJudge
from .questions import Question, squash


@dataclass
class Outcome:
    """What a searcher returns for one question."""

    hits: list[dict]  # hit dicts (doc_id, page, raw_start, raw_end, text, ...) in rank order
    abstained: bool
    quotes: list[dict] | None = None  # the answer's quotes (text + citation fields); None: the system gives none
    read_as: str = ""  # how a follow-up was read in context ("" when it stood alone)
    answer_line: str | None = None  # the answer line above the quotes (None: none, or the system gives none)


@dataclass
class Result:
    question: Question
    ranked: list[dict]  # hit dicts in rank order, each with "relevant"
    abstained: bool
    n_relevant: int  # relevant chunks in the whole index
    covered_docs: set[str] = field(default_factory=set)
    quotes_right: list[bool] | None = None  # per quote, in answer order: does it quote the evidence?
    gold_quoted: bool | None = None  # the short gold answer appears in a quote (None: no gold, or no quotes)
    line_holds_gold: bool | None = None  # the answer line holds the gold answer (None: no gold, or first quote wrong)
    answer_line: str | None = None  # the answer line the system showed
    evidence_kind: str | None = None  # "table", "text" or "mixed": where the evidence lies (judge.evidence_kind)


def assistant_searcher(assistant, mode: str = "hybrid", k: int = 10) -> Callable[[str], Outcome]:
    """A searcher over an Assistant: question -> its hits, abstention and quotes."""

    def search(question: str, previous: str | None = None) -> Outcome:
        try:
            answer = assistant.ask(question, k=k, mode=mode, follow_up_of=previous)
        except ValueError:  # a question the assistant refuses counts as no hits
            return Outcome([], True, [])
        quotes = [] if answer.abstained else [{"text": quote.text, **quote.to_dict()["citation"]} for quote in answer.quotes]
        line = answer.answer_line.text if answer.answer_line and not answer.abstained else None
        return Outcome([hit.to_dict() for hit in answer.hits[:k]], answer.abstained, quotes, answer.read_as, line)

    return search


def run_questions(assistant, questions: list[Question], mode: str = "hybrid", k: int = 10,
                  searcher=None, units=None, progress: Callable[[], None] | None = None) -> list[Result]:
    """Ask every question; judge every hit and quote.  ``searcher`` and
    ``units`` (the searchable passages, for recall) default to the Assistant
    and its chunks; a baseline passes its own.  ``progress`` is called once per
    question."""
    judge = RelevanceJudge(assistant.index)
    searcher = searcher or assistant_searcher(assistant, mode, k)
    units = units if units is not None else [chunk.to_dict() for chunk in assistant.index.chunks]
    results = []
    # The previous turn as the chat passes it: the question as it was read, so a chain of
    # follow-ups ("And the 2031 projection?" then "Which CAGR does that correspond to?") keeps its subject.
    asked = {question.id: question.question for question in questions}
    for question in questions:
        previous = asked.get(question.follows) if question.follows else None
        outcome = searcher(question.question, previous)
        if outcome.read_as:
            asked[question.id] = outcome.read_as
        ranked = [{**hit, "relevant": judge.is_relevant(question, hit["doc_id"], hit["page"], hit["raw_start"], hit["raw_end"])}
                  for hit in outcome.hits[:k]]
        n_relevant = sum(1 for unit in units if unit["doc_id"] in question.docs and judge.is_relevant(
            question, unit["doc_id"], unit["page"], unit["raw_start"], unit["raw_end"])) if question.answerable else 0
        covered = {hit["doc_id"] for hit in ranked[:10] if hit["relevant"]}
        result = Result(question, ranked, outcome.abstained, n_relevant, covered, answer_line=outcome.answer_line,
                        evidence_kind=judge.evidence_kind(question) if question.answerable else None)
        if outcome.quotes is not None and question.answerable:
            result.quotes_right = [judge.quote_is_right(question, quote) for quote in outcome.quotes]
            gold = question.gold
            if gold is not None:
                shown = [quote["text"] + " " + (quote.get("parallel") or {}).get("text", "") for quote in outcome.quotes]
                result.gold_quoted = any(squash(gold) in squash(text) for text in shown)
                if result.quotes_right and result.quotes_right[0]:  # the line can only be as right as its quote
                    result.line_holds_gold = bool(outcome.answer_line) and squash(gold) in squash(outcome.answer_line)
        results.append(result)
        if progress is not None:
            progress()
    return results
