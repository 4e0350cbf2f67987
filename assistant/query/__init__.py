"""Query: what a question is, read once for retrieval and answers.

``question`` (cleaning, validation, language, intent words, names: the
:class:`Query`), ``reports`` (which reports of the library it names) and
``slots`` (what it states and where: years, metric, regions, names), ``lexicon`` (the wording
as data) and ``followup`` (a follow-up as ``merge(previous, current)``).
"""
from .followup import is_elliptical, leans_on_previous, merge, rebuild
from .question import (
    INTENTS,
    Query,
    QuestionError,
    asks_across_reports,
    asks_for_quantity,
    clean_question,
    normalize_question,
    parse_query,
    question_intent,
    question_names,
    read_text,
    validate_question,
)
from .reports import ReportMatch, match_reports

__all__ = [
    "INTENTS", "Query", "QuestionError", "ReportMatch", "asks_across_reports", "asks_for_quantity", "clean_question",
    "is_elliptical", "leans_on_previous", "match_reports", "merge", "read_text", "rebuild", "normalize_question", "parse_query", "question_intent", "question_names", "validate_question",
]
