"""BM25 over words (English) and character bigrams (Chinese).

bm25s is used for scoring: it precomputes the BM25 weight of every
(token, chunk) pair into a sparse matrix, so a query is a few sparse row sums
(measured in the benchmark); rank_bm25 rescores every document per query in
pure Python.

Tokens: English words lower-cased with a light plural/suffix stem; numbers kept
whole ("28.76", "2032") since they carry across languages; every run of CJK
characters becomes its single characters' bigrams (plus the character itself
for one-character runs).  Bigrams need no dictionary, where jieba's dictionary
is simplified-first.

Traditional characters are folded to simplified ones first (:func:`fold_script`),
so a question in either script finds a report in either: 醫療 and 医疗 give the
same bigram.  The folding is character by character (OpenCC's TSCharacters
table, shipped by the PyPI package opencc-python-reimplemented, Apache-2.0),
applied with ``str.translate``: OpenCC's phrase-level conversion would be
slower and is not needed, since both sides of a match are folded alike.
"""
from __future__ import annotations

import functools
import importlib.util
import json
import math
import re
import unicodedata
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


@functools.cache
def _fold_table() -> dict[int, str]:
    """Traditional -> simplified, one character to one character.

    Read from the data file of opencc-python-reimplemented (its top-level
    package is ``opencc``); the file is located without importing that package
    so nothing but the table is loaded.  Where OpenCC lists several simplified
    candidates, the first (its default) is taken.  CJK compatibility
    ideographs (U+F900..U+FAFF, which some PDF extractors emit) are mapped to
    their unified characters too.
    """
    spec = importlib.util.find_spec("opencc")
    folder = Path(next(iter(spec.submodule_search_locations))) if spec and spec.submodule_search_locations else None
    path = folder / "dictionary" / "TSCharacters.txt" if folder else None
    if path is None or not path.is_file():
        raise ImportError("script folding needs the package opencc-python-reimplemented (OpenCC's TSCharacters table)")
    table: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        if len(source) == 1 and targets.split() and targets.split()[0] != source:
            table[ord(source)] = targets.split()[0]
    for code in range(0xF900, 0xFB00):
        unified = unicodedata.normalize("NFC", chr(code))
        if unified != chr(code):
            table[code] = table.get(ord(unified), unified)
    return table


def fold_script(text: str) -> str:
    """``text`` with traditional Chinese characters replaced by simplified ones."""
    return text.translate(_fold_table())


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
            token = token.translate(_fold_table())
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
