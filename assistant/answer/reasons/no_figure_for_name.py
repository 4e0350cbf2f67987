"""The question asks a figure of a rarely named thing (a company, a country), and no sentence of any
report that names it holds a figure."""
from __future__ import annotations

from ...ingest import sentence_spans
from ...lexical import tokenize
from ...query import Query
from ...query.lexicon import WHICH_RE
from ..quotes import FIGURE_RE, strip_urls
from .unmentioned_name import asked_names


def reason(query: Query, hits, stats) -> str | None:
    names = asked_names(query)
    if not query.asks_quantity or WHICH_RE.search(query.text) or not names or "en" not in stats.languages:
        return None
    index, rare = stats.index, stats.config.rare_name_max_chunks
    doc_freq = index.lexical.doc_freq

    def rarity(name: str) -> int:
        return max((doc_freq.get(token, 0) for token in tokenize(name)), default=0)

    rarest = min(names, key=rarity)
    tokens = tokenize(rarest)
    if not tokens or rarity(rarest) > rare:
        return None
    rows = set.intersection(*({row for row, _ in index.search_lexical(token, rare)} for token in tokens))
    for row in rows:
        text = index.chunks[row].text
        for start, end in sentence_spans(text):
            sentence = text[start:end]
            if set(tokens) <= set(tokenize(sentence)) and FIGURE_RE.search(strip_urls(sentence)):
                return None
    return f"The reports name {rarest} but give no figure for it."
