"""What the answer ranker knows of each (question, candidate) pair: one row of numbers per candidate.

The feature list is data (:data:`FEATURES`): the trained model file records the
names it was trained on, and the ranker refuses a file whose list differs.
Every feature is computed here, from the question as read (the ``Query``), the
hits it was found in, the candidates' stored sentence vectors, and the
library's term statistics; nothing here is a weight.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..ingest import detect_lang
from ..ingest.years import years_in
from ..lexical import tokenize
from ..query import Query
from ..retrieval import Hit
from .model import Candidate
from .quotes import FIGURE_RE

_SENTENCE_END_RE = re.compile(r"[.!?。！？；:：]\W{0,3}$")
_ENUMERATION_RE = re.compile(r"[,、，;；]|\b(?:such as|including|includes|include|namely|ranging from)\b|包括|包含|例如")
#: Enumeration marks (commas, "such as", 、) past which a sentence is a full list.
_ENUMERATION_FULL = 4
INTENTS = ("figure", "list", "reason", "yesno", "comparison", "entity")
#: The kind of thing a question asks for, where its wording says so (an answer-type cue for the model).
_ASKS_WHEN_RE = re.compile(r"\bwhen\b|\bwhat (?:year|date|time)\b|\bwhich year\b|何时|何時|什么时候|什麼時候|哪一?年|几年|幾年|哪天", re.I)
_ASKS_WHO_RE = re.compile(r"\bwho(?:m|se)?\b|谁|誰|哪位|哪家", re.I)
_ASKS_COUNT_RE = re.compile(r"\bhow (?:many|much|long|old|large|big)\b|多少|多大|多长|多長|多久|几|幾", re.I)
_CAPITALISED_RE = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+")

FEATURES: tuple[str, ...] = (
    # meaning: cosine of question and candidate per dense channel, absolute and against the best candidate
    "cos_dense", "cos_dense_gap", "cos_dense_rank", "cos_multi", "cos_multi_gap", "cos_multi_rank",
    # words: IDF-weighted share of the question's terms the candidate holds (directly, through the translation)
    "coverage", "coverage_gap", "coverage_translated", "matched_idf", "bm25", "bm25_gap",
    # the same, for the question's terms its report's title lacks (the words that name the topic of every sentence)
    "coverage_untitled", "coverage_untitled_gap",
    # the passage it comes from: its rank and scores in the lists
    "hit_rank", "hit_fused", "hit_dense", "hit_multi", "hit_lexical", "from_sentence_list",
    # the question as read, and whether the candidate holds what it asks for
    "query_zh", "query_terms", *(f"intent_{intent}" for intent in INTENTS), "asks_when", "asks_who", "asks_count",
    "has_year", "has_name",
    "has_figure", "year_asked", "year_stated_asked", "year_stated_other", "enumerates", "named_report",
    "names_report",
    # the candidate itself
    "is_list", "is_pair", "fragment", "table_row", "restates_title", "same_lang", "length", "doc_position",
    "opens_paragraph",
)


@dataclass
class FeatureInputs:
    """What features are computed from, besides the candidates."""

    query: Query
    hits: list[Hit]
    query_vectors: dict[str, np.ndarray]
    candidate_vectors: dict[str, np.ndarray]  # channel -> one row per candidate (unit length), see sentence_vectors
    idf: object  # token -> inverse document frequency (the library's LexicalIndex.idf)
    titles: dict[str, str] = field(default_factory=dict)  # doc_id -> title
    doc_lengths: dict[str, int] = field(default_factory=dict)  # doc_id -> clean text length
    ignore: frozenset[str] = frozenset()  # question tokens that only name a report


def enumerates(candidate: Candidate) -> float:
    """How much a candidate reads as a list: 1 for a run of list items or a
    sentence with several commas or "such as"/"including"/"、", less for fewer."""
    if candidate.is_list:
        return 1.0
    return min(len(_ENUMERATION_RE.findall(candidate.text)), _ENUMERATION_FULL) / _ENUMERATION_FULL


@lru_cache(maxsize=50_000)
def _read(text: str) -> tuple[tuple[str, ...], frozenset[str], str]:
    """A text's tokens, their set and its language (cached: the same sentences
    come back as candidates question after question)."""
    tokens = tuple(tokenize(text))
    return tokens, frozenset(tokens), detect_lang(text)


def restates_title(text: str, title: str) -> bool:
    """A sentence that carries its report's title (the publisher's "has
    released a report titled ..." blurb): most of the title's words, in a
    sentence not much longer than the title."""
    title_tokens, tokens = _read(title)[1], _read(text)[1]
    return (len(title_tokens) >= 3 and len(title_tokens & tokens) >= 0.6 * len(title_tokens)
            and len(tokens) < 3 * len(title_tokens) + 40)


def _gap_and_rank(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each value less the best one, and its rank among them (0 = best), as log(1 + rank)."""
    if not len(values):
        return values, values
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return values - values.max(), np.log1p(ranks)


def _coverage(terms: dict[str, float], tokens: set[str]) -> tuple[float, float]:
    """Share of the terms' IDF weight that ``tokens`` hold, and that weight itself."""
    total = sum(terms.values())
    if not total:
        return 0.0, 0.0
    matched = sum(weight for term, weight in terms.items() if term in tokens)
    return matched / total, matched


def _bm25(terms: dict[str, float], tokens: list[str], k1: float = 1.2) -> float:
    """BM25 of one sentence (no length normalisation: candidates are single sentences)."""
    counts: dict[str, int] = {}
    for token in tokens:
        if token in terms:
            counts[token] = counts.get(token, 0) + 1
    return sum(terms[term] * count * (k1 + 1) / (count + k1) for term, count in counts.items())


def feature_matrix(candidates: list[Candidate], inputs: FeatureInputs) -> np.ndarray:
    """One row of :data:`FEATURES` per candidate."""
    query = inputs.query
    rows = np.zeros((len(candidates), len(FEATURES)), dtype=np.float64)
    if not candidates:
        return rows
    column = {name: i for i, name in enumerate(FEATURES)}
    own_tokens = [token for token in query.tokens if token not in inputs.ignore] or list(query.tokens)
    own_terms = {token: inputs.idf(token) for token in own_tokens}
    foreign_terms = {token: inputs.idf(token) for token in tokenize(query.translation) if token not in inputs.ignore}
    years = set(query.years)
    asks = {"asks_when": float(bool(_ASKS_WHEN_RE.search(query.text))), "asks_who": float(bool(_ASKS_WHO_RE.search(query.text))),
            "asks_count": float(bool(_ASKS_COUNT_RE.search(query.text)))}
    named = set(query.reports.doc_ids)
    title_tokens = {doc_id: _read(title)[1] for doc_id, title in inputs.titles.items()}
    max_lexical = max((hit.lexical_score for hit in inputs.hits), default=0.0) or 1.0
    max_fused = max((hit.score for hit in inputs.hits), default=0.0) or 1.0

    def cosines(channel: str) -> np.ndarray:
        vectors, query_vector = inputs.candidate_vectors.get(channel), inputs.query_vectors.get(channel)
        if vectors is None or query_vector is None:
            return np.zeros(len(candidates))
        return vectors @ np.asarray(query_vector, dtype=np.float32)

    for name in ("dense", "multi"):
        values = cosines("dense" if name == "dense" else "multilingual")
        gap, rank = _gap_and_rank(values)
        rows[:, column[f"cos_{name}"]], rows[:, column[f"cos_{name}_gap"]] = values, gap
        rows[:, column[f"cos_{name}_rank"]] = rank

    for i, candidate in enumerate(candidates):
        read = candidate.read_text  # a table row: read through its header
        tokens, token_set, lang = _read(read)
        coverage, matched = _coverage(own_terms, token_set)
        untitled = {term: weight for term, weight in own_terms.items()
                    if term not in title_tokens.get(candidate.hit.chunk.doc_id, ())}
        coverage_untitled = _coverage(untitled, token_set)[0] if untitled else coverage
        translated = _coverage(foreign_terms, token_set)[0] if foreign_terms and lang != query.lang else 0.0
        hit = candidate.hit
        stated = set(years_in(read))
        doc_id = hit.chunk.doc_id
        values = {
            "coverage": coverage, "coverage_translated": translated, "matched_idf": matched,
            "coverage_untitled": coverage_untitled,
            "bm25": max(_bm25(own_terms, tokens), _bm25(foreign_terms, tokens) if lang != query.lang else 0.0),
            "hit_rank": math.log1p(candidate.rank), "hit_fused": hit.score / max_fused, "hit_dense": hit.dense_score,
            "hit_multi": hit.multilingual_score, "hit_lexical": hit.lexical_score / max_lexical,
            "from_sentence_list": float(candidate.from_sentence_list),
            "query_zh": float(query.lang == "zh"), "query_terms": math.log1p(len(own_terms)),
            **{f"intent_{intent}": float(query.intent == intent) for intent in INTENTS}, **asks,
            "has_year": float(bool(stated)), "has_name": float(bool(_CAPITALISED_RE.search(read))),
            "has_figure": float(bool(FIGURE_RE.search(read))), "year_asked": float(bool(years)),
            "year_stated_asked": float(bool(stated & years)), "year_stated_other": float(bool(stated - years) and bool(years)),
            "enumerates": enumerates(candidate), "named_report": float(doc_id in named), "names_report": float(bool(named)),
            "is_list": float(candidate.is_list), "is_pair": float(candidate.is_pair),
            "fragment": float(not (candidate.is_list or candidate.is_row or _SENTENCE_END_RE.search(candidate.text))),
            "table_row": float(candidate.is_row),
            "restates_title": float(restates_title(read, inputs.titles.get(doc_id, ""))),
            "same_lang": float(lang == query.lang), "length": math.log1p(len(re.sub(r"\W+", "", read))),
            "doc_position": candidate.start / max(inputs.doc_lengths.get(doc_id, 0), 1),
            "opens_paragraph": float(candidate.opens_paragraph),
        }
        for name, value in values.items():
            rows[i, column[name]] = value
    for name in ("coverage", "bm25", "coverage_untitled"):
        rows[:, column[f"{name}_gap"]] = rows[:, column[name]] - rows[:, column[name]].max()
    return rows
