"""Answers: sentences quoted verbatim from the reports, each with its citation.

``model`` (Citation, Quote, Answer), ``quotes`` (candidates, selection and
citations), ``features`` and ``ranker`` (the learned answer ranker that scores
candidates), ``vectors`` (candidates' stored sentence vectors), ``parallel``
(the same passage in a bilingual report's other language), ``conflicts`` (figures that differ between reports), ``comparison``
(each report's figure for one market, metric and year) and
``reasons`` (abstention: one module per reason the reports cannot answer) and
``answer_line`` (the words of the first quote that answer the question).

An answer is four steps: candidates (``quotes.candidate_sentences``) -> score
(``features.feature_matrix`` and the learned ``ranker``) -> select (``quotes.select_quotes``) -> cite
(``quotes.order_and_cite``); the pipeline runs them, after the reasons.
"""
from .answer_line import answer_line
from .comparison import compare
from .conflicts import extract_figures, find_conflicts
from .model import Answer, AnswerLine, Candidate, Citation, Quote
from .parallel import ParallelFinder
from .quotes import (
    candidate_sentences,
    in_asker_language,
    is_boilerplate,
    lexical_coverage,
    order_and_cite,
    select_quotes,
)
from .reasons import REASONS, LibraryStats, abstention_reason

__all__ = [
    "REASONS", "Answer", "AnswerLine", "Candidate", "Citation", "LibraryStats", "ParallelFinder", "Quote",
    "abstention_reason", "answer_line", "candidate_sentences", "compare", "extract_figures", "find_conflicts",
    "in_asker_language", "is_boilerplate", "lexical_coverage", "order_and_cite", "select_quotes",
]
