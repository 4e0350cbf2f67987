"""Writes one build into the Milvus collections, then flips the ``current`` pointer.
"""
from __future__ import annotations

import hashlib
import io
import json
import uuid

import numpy as np

from ..config import Settings
from ..embedding import channel_models
from ..ingest import Chunk
from .base import (
    IndexStateError,
    Manifest,
)
from .milvus_bm25 import SparseBM25
from .milvus_client import (
    _BATCH,
    _EMPTY_TERM,
    Collections,
    _reason,
    _scan,
    connect,
)


def row_key(chunk: Chunk, models: str) -> str:
    """The primary key of a chunk row: its file (two files may hold the same
    text), its id, what was embedded and by which models, so a row is kept
    across builds only when its vectors would be the same."""
    return hashlib.sha1(f"{chunk.doc_id}\x00{chunk.chunk_id}\x00{chunk.embed_text()}\x00{models}".encode()).hexdigest()


def _dump_state(manifest: Manifest, stats: SparseBM25) -> bytes:
    return json.dumps({"manifest": json.loads(manifest.to_json()), "bm25": stats.to_dict()}, ensure_ascii=False).encode()


def _document_blob(text: str, raw_starts, raw_ends, page_starts) -> bytes:
    buffer = io.BytesIO()
    arrays = {"text": np.array(text), "raw_starts": np.asarray(raw_starts, dtype=np.int64),
              "raw_ends": np.asarray(raw_ends, dtype=np.int64)}
    if page_starts is not None:
        arrays["page_starts"] = np.asarray(page_starts, dtype=np.int64)
    np.savez(buffer, **arrays)
    return buffer.getvalue()


class MilvusWriter:
    """Writes a build into Milvus; the same calls as ``store.IndexWriter``."""

    def __init__(self, settings: Settings, previous) -> None:
        """``previous``: the live MilvusIndex of the same collections, or None."""
        self.settings = settings
        self.client = connect(settings.milvus_uri)
        self.collections = Collections(self.client, settings)
        self.previous = previous
        self.models = json.dumps(channel_models(settings), sort_keys=True)
        self.build_id = uuid.uuid4().hex[:12]
        self._documents: dict[str, bytes] = {}

    def rows_to_write(self, chunks: list[Chunk]) -> list[int]:
        """Rows not already stored: an unchanged file's chunks stay as they are."""
        stored = self.previous.row_by_key if self.previous is not None else {}
        return [row for row, chunk in enumerate(chunks) if row_key(chunk, self.models) not in stored]

    def write_document(self, doc_id: str, sha256: str, text: str, raw_starts, raw_ends, page_starts) -> None:
        self._documents[sha256] = _document_blob(text, raw_starts, raw_ends, page_starts)

    def reuse_document(self, previous, sha256: str) -> None:
        """The stored blob of an unchanged document stays."""

    def write(self, manifest: Manifest, chunks: list[Chunk], token_lists: list[list[str]],
              rows: list[int], vectors: dict[str, np.ndarray], settings: Settings,
              sentences=None, sentence_vectors=None) -> str:
        """``sentences``, ``sentence_vectors``: not kept in Milvus (the answer
        embeds its few candidate sentences at ask time instead)."""
        old_stats = self.previous.stats if self.previous is not None else None
        stats = SparseBM25.build(token_lists, old_stats.vocab if old_stats else None)
        if old_stats is not None and rows != list(range(len(chunks))):
            # Rows kept from earlier builds hold term weights for the average
            # length then; new rows use the same, so all scores stay comparable.
            stats.avgdl = old_stats.avgdl
        manifest.faiss_kind = "milvus"
        try:
            if self.previous is None or self.previous.manifest.channels != manifest.channels:
                # Nothing live to keep (or vectors of another size): start afresh.
                for collection in (self.collections.chunks, self.collections.blobs):
                    if self.client.has_collection(collection):
                        self.client.drop_collection(collection)
            self.collections.create(manifest.channels)
            for start in range(0, len(rows), _BATCH):
                batch = rows[start : start + _BATCH]
                records = []
                for position, row in enumerate(batch, start=start):
                    chunk = chunks[row]
                    record = {"key": row_key(chunk, self.models), "doc_id": chunk.doc_id, "doc_sha": manifest.files[chunk.doc_id]["sha256"],
                              "ordinal": row, "lang": chunk.lang,
                              "chunk": json.dumps(chunk.to_dict(), ensure_ascii=False),
                              "sparse": stats.document_vector(token_lists[row]) or {_EMPTY_TERM: 1.0}}
                    for channel, matrix in vectors.items():
                        record[channel] = matrix[position].tolist()
                    records.append(record)
                self.client.upsert(self.collections.chunks, records)
            for sha256, data in self._documents.items():
                self.collections.put_blob(f"doc:{sha256}", data)
            self.collections.put_blob(f"state:{self.build_id}", _dump_state(manifest, stats))
            self.client.flush(self.collections.chunks)
            self.collections.put_blob("current", self.build_id.encode())  # the commit: one row
        except IndexStateError:
            raise
        except Exception as error:
            raise IndexStateError(f"Writing to Milvus at {self.settings.milvus_uri} failed ({_reason(error)}); "
                                  "the previous index is still live, run the build again.") from error
        self._clean(manifest, chunks)
        return f"{self.settings.milvus_uri} ({self.settings.milvus_collection})"

    def _clean(self, manifest: Manifest, chunks: list[Chunk]) -> None:
        """Delete rows and blobs the new state does not use (old builds' leftovers)."""
        live_keys = {row_key(chunk, self.models) for chunk in chunks}
        stale = [row["key"] for row in _scan(self.client, self.collections.chunks, ["key"]) if row["key"] not in live_keys]
        for start in range(0, len(stale), _BATCH):
            self.client.delete(self.collections.chunks, ids=stale[start : start + _BATCH])
        live_docs = {f"doc:{info['sha256']}" for info in manifest.files.values()}
        for name in self.collections.blob_names("doc:") - live_docs:
            self.collections.delete_blob(name)
        for name in self.collections.blob_names("state:") - {f"state:{self.build_id}"}:
            self.collections.delete_blob(name)

    def abandon(self) -> None:
        """Rows written so far are not named by the live state: readers skip them."""
