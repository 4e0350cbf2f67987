"""The ranked lists a search fuses, one small part each: ``rank(query, depth, doc_ids, probe)`` -> a :class:`Ranking`.

* :class:`DenseList`: one dense channel (the English model, the multilingual one) over all passages;
* :class:`CrossLingualList`: the multilingual channel over the passages in the *other* language only
  (a multilingual model still ranks text in the question's own language first);
* :class:`LexicalList`: BM25 over the question's words;
* :class:`TranslatedList`: BM25 over the question's dictionary translation, among reports with no text
  in the question's language (how a Chinese question reaches an English-only report through words);
* :class:`SentenceList`: the other lists' candidates ranked by their best single sentence;
* :class:`RowList`: passages ranked by their table row nearest the question by meaning.

Each list says which retrieval modes it takes part in and its name, by which the
settings weigh it per language (``RetrievalConfig.fusion_weights``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

import numpy as np

from ..ingest import sentence_spans
from ..lexical import tokenize
from ..query import Query

DENSE_MODES = frozenset({"dense", "hybrid"})
LEXICAL_MODES = frozenset({"lexical", "hybrid"})
HYBRID_ONLY = frozenset({"hybrid"})


@dataclass(frozen=True)
class Ranking:
    rows: list[int]  # best first
    scores: dict[int, float] = field(default_factory=dict)  # the list's own scores (cosine, BM25) where it has them


@dataclass
class Probe:
    """What one search knows beside the Query: its vectors per channel, and the lists ranked so far."""

    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    earlier: list[Ranking] = field(default_factory=list)


class RankedList(Protocol):
    name: str  # its key in the fusion weights
    modes: frozenset[str]  # the retrieval modes it takes part in
    always: bool  # ranked even at weight 0: its scores are read beside the fusion (cosine, BM25)
    default_weight: float  # its weight where the settings name none

    def rank(self, query: Query, depth: int, doc_ids: set[str] | None, probe: Probe) -> Ranking: ...


class WeightedList(NamedTuple):
    ranked: RankedList
    weight: float


class ReportLanguages:
    """Which languages each report of an index has text in."""

    def __init__(self, chunks) -> None:
        languages: dict[str, set[str]] = {}
        for chunk in chunks:
            languages.setdefault(chunk.doc_id, set()).add(chunk.lang)
        self.by_doc = languages

    def foreign(self, lang: str) -> set[str]:
        """Reports with no text in ``lang``."""
        return {doc_id for doc_id, languages in self.by_doc.items() if lang not in languages}


class DenseList:
    modes, always, default_weight = DENSE_MODES, True, 1.0

    def __init__(self, index, channel: str) -> None:
        self.index, self.name = index, channel

    def rank(self, query: Query, depth: int, doc_ids: set[str] | None, probe: Probe) -> Ranking:
        found = self.index.search_dense(self.name, probe.vectors[self.name], depth, doc_ids=doc_ids)
        return Ranking([row for row, _ in found], dict(found))


class CrossLingualList:
    name, modes, always, default_weight = "cross", DENSE_MODES, False, 1.0

    def __init__(self, index, channel: str = "multilingual") -> None:
        self.index, self.channel = index, channel

    def rank(self, query: Query, depth: int, doc_ids: set[str] | None, probe: Probe) -> Ranking:
        found = self.index.search_dense(self.channel, probe.vectors[self.channel], depth, exclude_lang=query.lang,
                                        doc_ids=doc_ids)
        return Ranking([row for row, _ in found])


class LexicalList:
    name, modes, always, default_weight = "lexical", LEXICAL_MODES, True, 1.0

    def __init__(self, index) -> None:
        self.index = index

    def rank(self, query: Query, depth: int, doc_ids: set[str] | None, probe: Probe) -> Ranking:
        found = self.index.search_lexical(query.text, depth, doc_ids)
        return Ranking([row for row, _ in found], dict(found))


class TranslatedList:
    name, modes, always, default_weight = "translated", HYBRID_ONLY, False, 0.0

    def __init__(self, index, languages: ReportLanguages) -> None:
        self.index, self.languages = index, languages

    def rank(self, query: Query, depth: int, doc_ids: set[str] | None, probe: Probe) -> Ranking:
        """A bilingual report is reached in the question's own language, so only
        reports without text in it are searched with the translation."""
        if not query.translation:
            return Ranking([])
        foreign = self.languages.foreign(query.lang)
        if doc_ids:
            foreign &= doc_ids
        if not foreign:
            return Ranking([])
        return Ranking([row for row, _ in self.index.search_lexical(query.translation, depth, foreign)])


class SentenceList:
    """The candidates of the lists ranked before it (``per_list`` deep each),
    ranked by their best single sentence: the IDF-weighted share of the
    question's terms that one sentence holds.  A passage whose one sentence
    names the connectivity technologies *and* the segmentation asked about
    beats a long one that scatters the same words (which BM25 over the whole
    passage cannot tell apart).  Passages of a report with no text in the
    question's language are matched with its dictionary translation.  The
    words that only name the report are left out."""

    name, modes, always, default_weight = "sentence", HYBRID_ONLY, False, 0.0

    def __init__(self, index, languages: ReportLanguages, per_list: int) -> None:
        self.index, self.languages, self.per_list = index, languages, per_list
        self._sentences: dict[int, list[set[str]]] = {}

    def rank(self, query: Query, depth: int, doc_ids: set[str] | None, probe: Probe) -> Ranking:
        candidates = {row for ranking in probe.earlier for row in ranking.rows[:self.per_list]}
        ignore = set(query.reports.words)
        own = [token for token in dict.fromkeys(query.tokens) if token not in ignore]
        foreign_terms = [token for token in dict.fromkeys(tokenize(query.translation or "")) if token not in ignore]
        foreign_docs = self.languages.foreign(query.lang) if foreign_terms else set()
        lexical = self.index.lexical

        def best_sentence(row: int) -> float:
            terms = foreign_terms if self.index.chunks[row].doc_id in foreign_docs else own
            weights = {term: lexical.idf(term) for term in terms}
            total = sum(weights.values())
            if not total:
                return 0.0
            return max(sum(weight for term, weight in weights.items() if term in sentence)
                       for sentence in self.sentence_tokens(row)) / total

        scored = {row: best_sentence(row) for row in candidates}
        return Ranking([row for row in sorted(scored, key=lambda row: (-scored[row], row)) if scored[row] > 0], scored)

    def sentence_tokens(self, row: int) -> list[set[str]]:
        """Each sentence of a passage as a set of tokens (cached: chunks never change in an open index)."""
        cached = self._sentences.get(row)
        if cached is None:
            text = self.index.chunks[row].text
            cached = [set(tokenize(text[start:end])) for start, end in sentence_spans(text)] or [set()]
            self._sentences[row] = cached
        return cached


def sentence_channel(index, query: Query) -> str:
    """The dense channel that compares a question with stored sentences: the
    multilingual one for a Chinese question (the English model reads no Chinese)."""
    return "multilingual" if query.lang == "zh" and "multilingual" in index.channels else index.channels[0]


class RowList:
    """Passages ranked by their table row nearest the question, by meaning.
    Each row's vector was stored at build time from the row read through its
    header and caption (``store.sentences``), so "hospital revenue in 2026"
    meets ``| Hospitals | 41.2 | 47.9 |`` under ``| End user | 2025 | 2026 |``,
    which a passage of pipes and figures, next to prose that repeats the
    question's words, rarely wins in the chunk lists.  An index with no
    sentence vectors (Milvus) gives an empty list."""

    name, modes, always, default_weight = "rows", DENSE_MODES, False, 0.0

    def __init__(self, index) -> None:
        self.index = index

    def rank(self, query: Query, depth: int, doc_ids: set[str] | None, probe: Probe) -> Ranking:
        if getattr(self.index, "sentences", None) is None:
            return Ranking([])
        channel = sentence_channel(self.index, query)
        scores: dict[int, float] = {}
        for sentence_row, score in self.index.search_sentences(channel, probe.vectors[channel], depth, doc_ids,
                                                               rows_only=True):
            scores.setdefault(int(self.index.sentences.chunk_rows[sentence_row]), score)
        return Ranking(list(scores), scores)


def retrieval_lists(index, fusion_weights: dict[str, dict[str, float]], sentence_per_list: int) -> dict[str, list[WeightedList]]:
    """Per question language, the lists a search fuses with their weights, in fusion order: each dense
    channel, the cross-lingual list (with a multilingual channel), BM25, the translated BM25, the sentence list,
    the table rows' list.
    A list at weight 0 is left out unless its scores are read beside the fusion."""
    languages = ReportLanguages(index.chunks)
    parts: list[RankedList] = [DenseList(index, channel) for channel in index.channels]
    if "multilingual" in index.channels:
        parts.append(CrossLingualList(index))
    parts += [LexicalList(index), TranslatedList(index, languages), SentenceList(index, languages, sentence_per_list),
              RowList(index)]
    chosen = {}
    for lang, weights in fusion_weights.items():
        pairs = [WeightedList(part, weights.get(part.name, part.default_weight)) for part in parts]
        chosen[lang] = [pair for pair in pairs if pair.ranked.always or pair.weight > 0]
    return chosen
