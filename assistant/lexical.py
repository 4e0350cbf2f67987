"""BM25 over words (English) and character bigrams (Chinese).

bm25s is used for scoring: it precomputes the BM25 weight of every
(token, chunk) pair into a sparse matrix, so a query is a few sparse row sums
(measured in the benchmark); rank_bm25 rescores every document per query in
pure Python.

Tokens: English words lower-cased with a light plural/suffix stem; numbers kept
whole ("28.76", "2032") since they carry across languages; every run of CJK
characters becomes its single characters' bigrams (plus the character itself
for one-character runs).  Bigrams need no dictionary and treat traditional and
simplified text alike, where jieba's dictionary is simplified-first.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path

import numpy as np

_TOKEN_RE = re.compile(
    r"[0-9]+(?:[.,][0-9]+)*%?"
    r"|[A-Za-z][A-Za-z0-9]*(?:['’][A-Za-z]+)?"
    r"|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
)
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

STOPWORDS = frozenset(
    """a an and are as at be by for from has have in into is it its of on or that the this to was were
    will with which what how why who when where does do did can could should would about than then there
    their these those they we you your our i me my not no but if so such also any all more most much
    many other some over under between during through up down out very been being am""".split()
)


def _stem(word: str) -> str:
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: len(word) - len(suffix)] + replacement
    return word


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    for match in _TOKEN_RE.finditer(text):
        token = match.group(0)
        if _CJK_RE.match(token):
            if len(token) == 1:
                tokens.append(token)
            tokens.extend(token[i : i + 2] for i in range(len(token) - 1))
        elif token[0].isdigit():
            tokens.append(token.replace(",", "").rstrip("%"))
        else:
            word = token.lower().replace("’", "'")
            if word.endswith("'s"):
                word = word[:-2]  # possessive: "Philips's" finds "Philips"
            if word not in STOPWORDS:
                tokens.append(_stem(word))
    return tokens


def lucene_idf(size: int, doc_freq: int) -> float:
    """BM25's inverse document frequency as bm25s (method "lucene") scores it."""
    return math.log(1 + (size - doc_freq + 0.5) / (doc_freq + 0.5))


def bm25_idf(size: int, doc_freq: int) -> float:
    """The same, floored at a small positive value (for weighting question terms)."""
    return max(0.05, lucene_idf(size, doc_freq))


class LexicalIndex:
    """A BM25 index over token lists, aligned with the chunk table."""

    def __init__(self, retriever, size: int, doc_freq: dict[str, int]) -> None:
        self._retriever = retriever
        self.size = size
        self.doc_freq = doc_freq

    def idf(self, token: str) -> float:
        """Inverse document frequency (BM25's, floored at a small positive value)."""
        return bm25_idf(self.size, self.doc_freq.get(token, 0))

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> "LexicalIndex":
        import bm25s

        doc_freq = Counter(token for tokens in token_lists for token in set(tokens))
        retriever = bm25s.BM25()
        # bm25s needs at least one token per document; an empty chunk gets a
        # placeholder that no query can produce.
        corpus = [tokens or ["\x00"] for tokens in token_lists]
        if corpus:
            retriever.index(corpus, show_progress=False)
        return cls(retriever, len(corpus), dict(doc_freq))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for ``query`` (zeros when nothing matches)."""
        tokens = [token for token in tokenize(query) if token in (self._retriever.vocab_dict or {})]
        if not tokens or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(tokens), dtype=np.float32)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self.size:
            self._retriever.save(str(folder))
        (folder / "doc_freq.json").write_text(json.dumps({"size": self.size, "doc_freq": self.doc_freq}, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        import bm25s

        facts = json.loads((folder / "doc_freq.json").read_text(encoding="utf-8"))
        size = facts["size"]
        retriever = bm25s.BM25.load(str(folder)) if size else bm25s.BM25()
        return cls(retriever, size, facts["doc_freq"])
