"""Query: what a question is, read once for retrieval and answers.

``question`` (cleaning, validation, language, intent words, names: the
:class:`Query`), ``reports`` (which reports of the library it names) and
``followup`` (reading an elliptical question in context).
"""
from .followup import is_elliptical, resolve_follow_up
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
    validate_question,
)
from .reports import ReportMatch, match_reports

__all__ = [
    "INTENTS", "Query", "QuestionError", "ReportMatch", "asks_across_reports", "asks_for_quantity", "clean_question",
    "is_elliptical", "match_reports", "resolve_follow_up", "normalize_question", "parse_query", "question_intent", "question_names", "validate_question",
]
