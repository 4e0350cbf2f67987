"""Answers: sentences quoted verbatim from the reports, each with its citation.

``model`` (Citation, Quote, Answer), ``quotes`` (choosing and citing the
sentences), ``parallel`` (the same passage in a bilingual report's other
language), ``conflicts`` (figures that differ between reports), ``comparison``
(each report's figure for one market, metric and year) and
``abstention`` (when the reports cannot answer) and ``answer_line`` (the words of the
first quote that answer the question).
"""
from .abstention import (
    RARE_NAME_MAX_CHUNKS,
    library_coverage,
    unanswerable_reason,
    year_not_covered,
)
from .answer_line import answer_line
from .comparison import asked_year, compare
from .conflicts import extract_figures, find_conflicts
from .model import Answer, AnswerLine, Candidate, Citation, Quote
from .parallel import ParallelFinder
from .quotes import (
    candidate_sentences,
    in_asker_language,
    is_boilerplate,
    lexical_coverage,
    order_and_cite,
    score_candidates,
    select_quotes,
)

__all__ = [
    "RARE_NAME_MAX_CHUNKS", "Answer", "AnswerLine", "Candidate", "answer_line", "Citation", "ParallelFinder", "Quote", "candidate_sentences",
    "asked_year", "compare", "extract_figures", "in_asker_language", "is_boilerplate", "find_conflicts", "lexical_coverage", "library_coverage", "year_not_covered", "order_and_cite", "score_candidates", "select_quotes",
    "unanswerable_reason",
]
