"""When the reports cannot answer: a name no report mentions, or a figure no sentence gives.
"""
from __future__ import annotations

from ..ingest import sentence_spans
from ..lexical import tokenize
from ..query import asks_for_quantity, question_names
from .quotes import FIGURE_RE, strip_urls

#: A name in at most this many chunks is "rarely named" (a company in a list).
RARE_NAME_MAX_CHUNKS = 3


def unanswerable_reason(question: str, index) -> str | None:
    """Why the reports cannot answer, when that is plain to see:

    * the question names something no report mentions at all, or
    * it asks for a figure about a rarely named thing (a company, a country),
      and no sentence of any report that names it holds a figure.
    """
    chunks, lexical = index.chunks, index.lexical
    names = question_names(question)
    for name in names:
        tokens = tokenize(name)
        if tokens and all(lexical.doc_freq.get(token, 0) == 0 for token in tokens):
            return f"The reports do not mention {name}."
    if not asks_for_quantity(question) or not names:
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


def library_coverage(question: str, lexical, translator) -> float:
    """The share of the question's key terms that the library holds at all.

    A Chinese word counts when the library has its characters (every
    character pair) or, for a report only in English, one of its English
    glosses; a Latin word when the library has it.  A question about a topic
    no report covers names things the library never mentions."""
    terms = translator.key_terms(question)
    if not terms:
        return 1.0

    def known(text: str) -> bool:
        tokens = tokenize(text)
        return bool(tokens) and all(lexical.doc_freq.get(token, 0) > 0 for token in tokens)

    seen = 0
    for word, glosses in terms:
        if known(word) or any(known(gloss) for gloss in glosses if len(gloss) >= 4):
            seen += 1
    return seen / len(terms)
