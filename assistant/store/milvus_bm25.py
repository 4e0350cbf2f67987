"""BM25 as sparse vectors, computed on the client so Milvus ranks exactly as the local bm25s index.
"""
from __future__ import annotations

from collections import Counter

from ..lexical import bm25_idf, lucene_idf

BM25_K1, BM25_B = 1.5, 0.75  # bm25s's defaults, so both backends score alike


class SparseBM25:
    """BM25 statistics of the corpus, and the sparse vectors built from them.

    ``vocab`` gives every term a stable integer id (the sparse dimension);
    ids are only ever added, so stored rows stay valid across builds."""

    def __init__(self, size: int, avgdl: float, doc_freq: dict[str, int], vocab: dict[str, int]) -> None:
        self.size = size
        self.avgdl = avgdl
        self.doc_freq = doc_freq
        self.vocab = vocab

    @classmethod
    def build(cls, token_lists: list[list[str]], vocab: dict[str, int] | None = None) -> "SparseBM25":
        vocab = dict(vocab or {})
        doc_freq = Counter(token for tokens in token_lists for token in set(tokens))
        for token in sorted(doc_freq):
            vocab.setdefault(token, len(vocab))
        lengths = [max(len(tokens), 1) for tokens in token_lists]  # bm25s counts an empty chunk as one token
        avgdl = sum(lengths) / len(lengths) if lengths else 1.0
        return cls(len(token_lists), avgdl, dict(doc_freq), vocab)

    def idf(self, token: str) -> float:
        return bm25_idf(self.size, self.doc_freq.get(token, 0))

    def document_vector(self, tokens: list[str]) -> dict[int, float]:
        length = max(len(tokens), 1)
        norm = BM25_K1 * ((1 - BM25_B) + BM25_B * length / self.avgdl)
        return {self.vocab[token]: tf / (tf + norm) for token, tf in Counter(tokens).items() if token in self.vocab}

    def query_vector(self, tokens: list[str]) -> dict[int, float]:
        counts = Counter(token for token in tokens if self.doc_freq.get(token, 0) > 0)
        return {self.vocab[token]: count * lucene_idf(self.size, self.doc_freq[token]) for token, count in counts.items()}

    def to_dict(self) -> dict:
        return {"size": self.size, "avgdl": self.avgdl, "doc_freq": self.doc_freq, "vocab": self.vocab}

    @classmethod
    def from_dict(cls, data: dict) -> "SparseBM25":
        return cls(data["size"], data["avgdl"], data["doc_freq"], data["vocab"])


class MilvusLexical:
    """What answers read of the lexical index: term statistics (the search itself runs in Milvus)."""

    def __init__(self, stats: SparseBM25) -> None:
        self.stats = stats
        self.size = stats.size
        self.doc_freq = stats.doc_freq

    def idf(self, token: str) -> float:
        return self.stats.idf(token)
