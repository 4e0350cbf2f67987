"""Retrieval and answer eval: question sets, relevance, metrics, baselines, reports.

``questions`` (loading a set) -> ``runner`` (asking, with ``judge`` deciding
which hits are relevant) -> ``metrics`` -> ``report``; ``baselines`` and
``compare`` set our modes against off-the-shelf pipelines; ``command`` is the
``assistant eval`` command.
"""
from .baselines import BaselineSearcher, recursive_split
from .judge import RelevanceJudge
from .metrics import KS, METRIC_NAMES, evaluate, summarize
from .questions import Question, load_questions
from .report import markdown_report, metrics_table
from .runner import Result, assistant_searcher, run_questions

__all__ = [
    "KS", "METRIC_NAMES", "BaselineSearcher", "Question", "RelevanceJudge", "Result", "assistant_searcher",
    "evaluate", "load_questions", "markdown_report", "metrics_table", "recursive_split", "run_questions", "summarize",
]
