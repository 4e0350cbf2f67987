"""Answers: sentences quoted verbatim from the reports, each with its citation.

``model`` (Citation, Quote, Answer), ``quotes`` (choosing and citing the
sentences), ``parallel`` (the same passage in a bilingual report's other
language), ``conflicts`` (figures that differ between reports), ``comparison``
(each report's figure for one market, metric and year) and
``reasons`` (abstention: one module per reason the reports cannot answer).

An answer is four steps: candidates (``quotes.candidate_sentences``) -> score
(``quotes.score_candidates``) -> select (``quotes.select_quotes``) -> cite
(``quotes.order_and_cite``); the pipeline runs them, after the reasons.
"""
from .comparison import compare
from .conflicts import extract_figures, find_conflicts
from .model import Answer, Candidate, Citation, Quote
from .parallel import ParallelFinder
from .quotes import (
    candidate_sentences,
    in_asker_language,
    lexical_coverage,
    order_and_cite,
    score_candidates,
    select_quotes,
)
from .reasons import REASONS, LibraryStats, abstention_reason

__all__ = [
    "REASONS", "Answer", "Candidate", "Citation", "LibraryStats", "ParallelFinder", "Quote", "abstention_reason",
    "candidate_sentences", "compare", "extract_figures", "find_conflicts", "in_asker_language", "lexical_coverage",
    "order_and_cite", "score_candidates", "select_quotes",
]
