"""When the reports cannot answer: a name no report mentions, or a figure no sentence gives.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from ..ingest import sentence_spans
from ..lexical import tokenize
from ..query import Query
from ..query.lexicon import FOLLOW_UP_WORDS, MARKET_VOCABULARY, WHICH_RE
from .quotes import FIGURE_RE, strip_urls

#: A name in at most this many chunks is "rarely named" (a company in a list).
RARE_NAME_MAX_CHUNKS = 3


_SKIPPED_BETWEEN_INITIALS = r"(?:[\s-]+(?:a|an|the|of|and|for|as|in|on|to)\b)*"


def year_not_covered(query: Query, index, doc_ids: set[str] | None = None) -> str | None:
    """A figure question about a year that no passage of the reports it names
    (of any report, when it names none) mentions at all: they cannot give that
    year's figure ("worth in 2028" of a report that states 2023 and 2032).
    A year is a BM25 term, so the index answers without reading any text."""
    if not query.asks_quantity:
        return None
    for year in sorted(set(query.years)):
        if not index.search_lexical(year, 1, doc_ids):
            if doc_ids:
                return f"The reports the question names do not mention {year} at all, so they give no figure for it."
            return f"No report mentions {year} at all, so none gives a figure for it."
    return None


def spelled_out(acronym: str, chunks) -> bool:
    """Whether some passage spells the acronym out: words whose initials give
    its letters ("LPWA": low-power wide-area; "SaMD": software as a medical
    device), small words between them allowed."""
    letters = [char for char in acronym if char.isalpha()]
    if not 2 <= len(letters) <= 8 or not any(char.isupper() for char in acronym[1:]):
        return False
    words = [rf"{re.escape(letter)}[\w']*" for letter in letters]
    pattern = re.compile(r"\b" + (_SKIPPED_BETWEEN_INITIALS + r"[\s-]+").join(words) + r"\b", re.I)
    return any(pattern.search(chunk.text) for chunk in chunks)


def unanswerable_reason(query: Query, index) -> str | None:
    """Why the reports cannot answer, when that is plain to see:

    * the question names something no report mentions at all (nor spells out,
      for an acronym), or
    * it asks for a figure about a rarely named thing (a company, a country),
      and no sentence of any report that names it holds a figure.

    The words by which the question names a report (its publisher, say) are
    not what the question asks about.
    """
    chunks, lexical = index.chunks, index.lexical
    report_words = set(query.reports.words)
    names = [name for name in query.names if not set(tokenize(name)) <= report_words]
    for name in names:
        tokens = tokenize(name)
        if tokens and all(lexical.doc_freq.get(token, 0) == 0 for token in tokens) and not spelled_out(name, chunks):
            return f"The reports do not mention {name}."
    if not query.asks_quantity or WHICH_RE.search(query.text) or not names:
        return None

    def rarity(name: str) -> int:
        return max((lexical.doc_freq.get(token, 0) for token in tokenize(name)), default=0)

    rarest = min(names, key=rarity)
    tokens = tokenize(rarest)
    if not tokens or rarity(rarest) > RARE_NAME_MAX_CHUNKS:
        return None
    rows = set.intersection(*({row for row, _ in index.search_lexical(token, RARE_NAME_MAX_CHUNKS)} for token in tokens))
    for row in rows:
        text = chunks[row].text
        for start, end in sentence_spans(text):
            sentence = text[start:end]
            if set(tokens) <= set(tokenize(sentence)) and FIGURE_RE.search(strip_urls(sentence)):
                return None
    return f"The reports name {rarest} but give no figure for it."


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


def library_coverage(query: Query, lexical) -> TopicCoverage:
    """The share of the question's topic terms that the library holds at all.

    Topic terms are the key terms of the question as asked less the
    vocabulary every market report shares (and, for a follow-up, the words
    every follow-up uses: "imply", "forecast window").  A Chinese
    term counts when the library has its characters (every character pair) or,
    for a report only in English, most of its English gloss words; a Latin
    word when the library has it.  A question about a topic no report covers
    names things the library never mentions."""
    asked = query.own
    common = MARKET_VOCABULARY | (FOLLOW_UP_WORDS if query.alone is not None else frozenset())
    terms = [(word, glosses) for word, glosses in asked.key_terms
             if word not in common and not (glosses and set(glosses) & MARKET_VOCABULARY)]
    def known(text: str) -> bool:
        tokens = tokenize(text)
        return bool(tokens) and all(lexical.doc_freq.get(token, 0) > 0 for token in tokens)

    def gloss_known(glosses: list[str]) -> bool:
        words = [gloss for gloss in glosses if len(gloss) >= 3]
        return bool(words) and 2 * sum(known(word) for word in words) > len(words)

    seen = sum(1 for word, glosses in terms if known(word) or gloss_known(glosses))
    return TopicCoverage(seen, len(terms))
