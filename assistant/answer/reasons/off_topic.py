"""No report in the library covers the question's topic: most of the words that say what it is about occur
in none of them, and its best passages are not similar to it either.

Judged on the question as asked (a follow-up without the turn before it), so a new topic is not hidden by
the previous question's words.
"""
from __future__ import annotations

from typing import NamedTuple

from ...lexical import tokenize
from ...query import Query
from ...query.lexicon import FOLLOW_UP_WORDS, MARKET_VOCABULARY
from ...translation import get_translator

MESSAGE = ("No report in the library covers this topic: most of the words that say what the question is about "
           "occur in none of them.")


class TopicCoverage(NamedTuple):
    """How many of a question's topic terms the library holds, of how many."""

    seen: int
    total: int

    @property
    def share(self) -> float:
        return self.seen / self.total if self.total else 1.0

    @property
    def unseen(self) -> int:
        return self.total - self.seen


def library_coverage(query: Query, lexical, languages: frozenset[str] = frozenset({"en", "zh"})) -> TopicCoverage:
    """The share of the question's topic terms that the library holds at all.

    Topic terms are the key terms of the question as asked less the
    vocabulary every market report shares (and, for a follow-up, the words
    every follow-up uses: "imply", "forecast window").  A Chinese
    term counts when the library has its characters (every character pair) or,
    for a report only in English, most of its English gloss words; a Latin
    word when the library has it, or, in a library with no English text
    (``languages``), one of its Chinese translations (a Latin word with none
    is not judged there).  A question about a topic no report covers
    names things the library never mentions."""
    common = MARKET_VOCABULARY | (FOLLOW_UP_WORDS if query.alone is not None else frozenset())
    terms = [(word, glosses) for word, glosses in query.own.key_terms
             if word not in common and not (glosses and set(glosses) & MARKET_VOCABULARY)]

    def known(text: str) -> bool:
        tokens = tokenize(text)
        return bool(tokens) and all(lexical.doc_freq.get(token, 0) > 0 for token in tokens)

    def gloss_known(glosses: list[str]) -> bool:
        words = [gloss for gloss in glosses if len(gloss) >= 3]
        return bool(words) and 2 * sum(known(word) for word in words) > len(words)

    def translation_known(word: str) -> bool:
        return any(known(term) for term in get_translator().en_to_zh(word) if term != word)

    chinese_only = "en" not in languages
    if chinese_only:
        terms = [(word, glosses) for word, glosses in terms if glosses or get_translator().en_to_zh(word)]
    seen = sum(1 for word, glosses in terms if known(word) or gloss_known(glosses)
               or (chinese_only and not glosses and translation_known(word)))
    return TopicCoverage(seen, len(terms))


def reason(query: Query, hits, stats) -> str | None:
    """Off topic when at most ``topic_coverage_max`` of its topic terms occur in the library and its best
    passages are at most ``topic_similarity_max`` similar (MiniLM cosine for English, the multilingual one for
    Chinese); or, whatever the similarity, at most ``topic_coverage_absent`` of them occur and at least
    ``topic_unseen_min`` occur nowhere."""
    config = stats.config
    coverage = library_coverage(query, stats.index.lexical, stats.languages)
    if coverage.share > config.topic_coverage_max:
        return None
    best = hits[:config.topic_similarity_hits]
    similarity = max((hit.multilingual_score if query.lang == "zh" else hit.dense_score for hit in best), default=0.0)
    absent = coverage.share <= config.topic_coverage_absent and coverage.unseen >= config.topic_unseen_min
    if similarity > config.topic_similarity_max and not absent:
        return None
    return MESSAGE
