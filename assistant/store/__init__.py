"""Store: where an index lives and how it is searched.

Two backends answer the same calls (see :class:`~assistant.store.base.SearchableIndex`):
the local folder (``local``: FAISS + bm25s, the default) and Milvus
(``milvus_*``: Lite or a server).  :func:`open_index` and :func:`new_writer`
pick one from ``Settings.store``.  :class:`~assistant.store.visible.VisibleIndex`: an
open index as one asker may see it (the reports it may read, nothing else).
"""
from __future__ import annotations

from pathlib import Path

from ..config import Settings
from .base import (
    FORMAT_VERSION,
    DocumentMap,
    IndexStateError,
    IndexWriteError,
    Manifest,
    SearchableIndex,
    TermStatistics,
    rebuild_hint,
    top_rows,
    write_error,
)
from .local import (
    CURRENT_FILE,
    Index,
    IndexWriter,
    check_pointer,
    current_generation,
    generations,
    prune_generations,
    remove_leftovers,
)
from .refused import RefusedFiles
from .visible import ReportTerms, VisibleIndex


def open_index(index_dir: Path | str, settings: Settings = Settings()):
    """The index the settings point at: the local folder or the Milvus collections."""
    if settings.store == "milvus":
        from .milvus_index import MilvusIndex

        return MilvusIndex.load(settings)
    if settings.store != "local":
        raise IndexStateError(f"Unknown store {settings.store!r}; use local or milvus.")
    return Index.load(index_dir)


def new_writer(index_dir: Path | str, settings: Settings, previous):
    if settings.store == "milvus":
        from .milvus_writer import MilvusWriter

        return MilvusWriter(settings, previous)
    return IndexWriter(Path(index_dir))


__all__ = [
    "CURRENT_FILE", "FORMAT_VERSION", "DocumentMap", "Index", "IndexStateError", "IndexWriteError", "IndexWriter",
    "Manifest", "RefusedFiles", "ReportTerms", "SearchableIndex", "TermStatistics", "VisibleIndex", "check_pointer", "current_generation", "generations", "new_writer", "open_index",
    "prune_generations", "rebuild_hint", "remove_leftovers", "top_rows", "write_error",
]
