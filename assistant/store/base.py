"""What both stores share: the manifest, a document's offset map, the error type, the top-k helper.
"""
from __future__ import annotations

import errno
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from ..ingest import Chunk

FORMAT_VERSION = 1


class IndexStateError(RuntimeError):
    """The index is missing, damaged, stale or built with other settings."""


class IndexWriteError(RuntimeError):
    """The index folder cannot be written (read-only, disk full); one sentence."""


_READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}
_FULL = {errno.ENOSPC, errno.EDQUOT}


def write_error(error: BaseException, index_dir: Path) -> IndexWriteError | None:
    """The one sentence for a failed write into ``index_dir`` (an ``OSError``,
    or FAISS's ``RuntimeError`` that quotes the C library's reason), or None
    when ``error`` is not a write failure there (reading a report, say)."""
    if isinstance(error, OSError):
        code = error.errno
        filename = error.filename
        if filename is not None and not _is_inside(Path(os.fsdecode(filename)), Path(index_dir)):
            return None
    elif isinstance(error, RuntimeError):
        message = str(error)
        code = next((number for number, text in ((errno.ENOSPC, "No space left on device"),
                                                  (errno.EDQUOT, "Disk quota exceeded"),
                                                  (errno.EROFS, "Read-only file system"),
                                                  (errno.EACCES, "Permission denied")) if text in message), None)
    else:
        return None
    if code in _READ_ONLY:
        return IndexWriteError(f"Cannot write to the index folder {index_dir} (it is read-only or not yours); make it "
                               f"writable or build into another folder with --index (the previous index is unchanged).")
    if code in _FULL:
        return IndexWriteError(f"The disk holding the index folder {index_dir} is full; free some space and build "
                               f"again (the previous index is unchanged).")
    return None


def _is_inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return False
    return True


def rebuild_hint(index_dir: Path, docs_dirs: list[str] | None = None) -> str:
    docs = " ".join(f"--docs {d}" for d in (docs_dirs or ["seeds"]))
    return f"run `assistant build {docs} --index {index_dir}` to rebuild it"


@dataclass
class Manifest:
    channels: dict[str, dict]  # channel name -> {"model": ..., "dim": ...}
    chunker: dict
    files: dict[str, dict]  # doc_id -> {"sha256": ..., "path": ..., "n_chunks": ...}
    docs_dirs: list[str]
    n_chunks: int
    faiss_kind: str = "flat"
    built_at: float = field(default_factory=time.time)
    format_version: int = FORMAT_VERSION
    # Files the build could not index: doc_id -> {"sha256", "reason", "max_file_bytes"},
    # so an unchanged bad file does not make the index look out of date.
    skipped: dict[str, dict] = field(default_factory=dict)
    # The sentence vectors (store.sentences): {"rules_version": ..., "count": ...}; empty
    # in an index built before them, which is then out of date (``build`` adds them).
    sentences: dict = field(default_factory=dict)
    # sha256 of every other file of the generation (path inside it -> hex), so a
    # build verifies what it re-uses and rebuilds what was damaged; older manifests lack it.
    checksums: dict[str, str] = field(default_factory=dict)
    follow_links: bool = False  # built with links leaving the folders followed (Settings.follow_links)

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Manifest":
        data = json.loads(text)
        optional = {"skipped", "sentences", "checksums", "follow_links"}  # added later: older manifests lack them
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data or name not in optional})


@dataclass
class DocumentMap:
    """What a citation needs of a document: its clean text and offset map."""

    doc_id: str
    text: str
    raw_starts: np.ndarray
    raw_ends: np.ndarray
    page_starts: np.ndarray | None

    def raw_span(self, start: int, end: int) -> tuple[int | None, int, int]:
        raw_start, raw_end = int(self.raw_starts[start]), int(self.raw_ends[end - 1])
        if self.page_starts is None:
            return None, raw_start, raw_end
        page = int(np.searchsorted(self.page_starts, raw_start, side="right")) - 1
        offset = int(self.page_starts[page])
        return page + 1, raw_start - offset, raw_end - offset


def top_rows(scores: np.ndarray, depth: int) -> np.ndarray:
    """``np.argsort(-scores, kind="stable")[:depth]`` (ties in row order) without
    sorting everything: a partition finds the cut-off, only rows at or above it are sorted."""
    if len(scores) <= depth:
        return np.argsort(-scores, kind="stable")
    cutoff = np.partition(scores, len(scores) - depth)[len(scores) - depth]
    rows = np.flatnonzero(scores >= cutoff)
    return rows[np.argsort(-scores[rows], kind="stable")][:depth]


class TermStatistics(Protocol):
    """What the lexical side of an index tells about its terms (``lexical.LexicalIndex``,
    ``store.milvus_bm25.MilvusLexical``): retrieval weighs a question's terms by them, and
    abstention asks whether the library holds a word at all."""

    size: int  # passages counted
    doc_freq: dict[str, int]  # token -> how many passages hold it (absent: none)

    def idf(self, token: str) -> float: ...


class SearchableIndex(Protocol):
    """The calls retrieval, answers, the web chat and the eval make of an open
    index; the local :class:`~assistant.store.local.Index` and the Milvus
    :class:`~assistant.store.milvus_index.MilvusIndex` both answer them."""

    manifest: Manifest
    chunks: list[Chunk]
    lexical: TermStatistics  # term statistics: ``doc_freq``, ``idf(token)``

    @property
    def location(self) -> str: ...

    @property
    def channels(self) -> list[str]: ...

    def hint(self) -> str: ...

    def is_live(self) -> bool: ...

    def document(self, doc_id: str) -> DocumentMap: ...

    def search_dense(self, channel: str, query_vector: np.ndarray, k: int,
                     exclude_lang: str | None = None, doc_ids: set[str] | None = None) -> list[tuple[int, float]]: ...

    def search_lexical(self, query: str, k: int, doc_ids: set[str] | None = None) -> list[tuple[int, float]]: ...

    def lexical_scores(self, query: str, rows: list[int]) -> list[float]: ...

    def vectors(self, channel: str, rows: list[int]) -> np.ndarray: ...

    # The quotable spans and their vectors (store.sentences); an index without them has
    # ``sentences`` None, and these calls return nothing.
    sentences: object  # SentenceTable | None

    def sentence_vectors(self, channel: str, rows: list[int]) -> np.ndarray: ...

    def search_sentences(self, channel: str, query_vector: np.ndarray, k: int,
                         doc_ids: set[str] | None = None) -> list[tuple[int, float]]: ...
