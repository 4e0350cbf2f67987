"""An open Milvus index: the same calls as the local :class:`~assistant.store.local.Index`.
"""
from __future__ import annotations

import io
import json

import numpy as np

from ..config import Settings
from ..ingest import Chunk
from ..lexical import tokenize
from .base import (
    DocumentMap,
    IndexStateError,
    Manifest,
)
from .milvus_bm25 import MilvusLexical, SparseBM25
from .milvus_client import (
    _BATCH,
    _MAX_LIMIT,
    TOKEN_ENV,
    Collections,
    _quote,
    _reason,
    _scan,
    connect,
    milvus_hint,
)


class MilvusIndex:
    """An open index in Milvus: the search interface of ``store.Index``.

    The chunk table (text and spans, no vectors) and the term statistics are
    read once into the process; vectors and BM25 search stay in Milvus."""

    def __init__(self, settings: Settings, client, collections: Collections, manifest: Manifest,
                 stats: SparseBM25, chunks: list[Chunk], keys: list[str], build_id: str = "") -> None:
        self.settings = settings
        self.build_id = build_id
        self.client = client
        self.collections = collections
        self.manifest = manifest
        self.stats = stats
        self.lexical = MilvusLexical(stats)
        self.chunks = chunks
        self.keys = keys
        self.row_by_key = {key: row for row, key in enumerate(keys)}
        self.row_of = {chunk.chunk_id: row for row, chunk in enumerate(chunks)}
        self._doc_maps: dict[str, DocumentMap] = {}
        self.sentences = None  # sentence vectors are not kept in Milvus: the answer embeds its candidates

    def sentence_vectors(self, channel: str, rows: list[int]) -> np.ndarray:
        return np.zeros((0, self.manifest.channels[channel]["dim"]), dtype=np.float32)

    def search_sentences(self, channel: str, query_vector: np.ndarray, k: int,
                         doc_ids: set[str] | None = None) -> list[tuple[int, float]]:
        return []

    @property
    def channels(self) -> list[str]:
        return list(self.manifest.channels)

    @property
    def location(self) -> str:
        return f"Milvus at {self.settings.milvus_uri} ({self.settings.milvus_collection})"

    def hint(self) -> str:
        return milvus_hint(self.settings, self.manifest.docs_dirs)

    def is_live(self) -> bool:
        """False once another build has flipped ``current`` (its clean-up
        deletes rows this process would still look for)."""
        try:
            return self.collections.get_blob("current") == self.build_id.encode()
        except Exception:
            return True  # unreachable: the next search says so in one sentence

    @classmethod
    def load(cls, settings: Settings) -> "MilvusIndex":
        client = connect(settings.milvus_uri)
        collections = Collections(client, settings)
        hint = milvus_hint(settings)
        where = f"Milvus at {settings.milvus_uri}"
        try:
            if not collections.exist():
                raise IndexStateError(f"No index named {settings.milvus_collection} in {where}; {hint}.")
            collections.load()
            build_id = collections.get_blob("current")
            state = collections.get_blob(f"state:{build_id.decode()}") if build_id else None
            if state is None:
                raise IndexStateError(f"No finished build of {settings.milvus_collection} in {where}; {hint}.")
            data = json.loads(state)
            manifest = Manifest.from_json(json.dumps(data["manifest"]))
            stats = SparseBM25.from_dict(data["bm25"])
            hint = milvus_hint(settings, manifest.docs_dirs)
            live = {(doc_id, info["sha256"]) for doc_id, info in manifest.files.items()}
            order = {doc_id: number for number, doc_id in enumerate(manifest.files)}
            rows = [row for row in _scan(client, collections.chunks, ["key", "doc_id", "doc_sha", "ordinal", "chunk"])
                    if (row["doc_id"], row["doc_sha"]) in live]
        except IndexStateError:
            raise
        except (ValueError, KeyError, TypeError) as error:
            raise IndexStateError(f"The index in {where} is damaged ({type(error).__name__}); {hint}.") from error
        except Exception as error:
            raise IndexStateError(f"Cannot read the index in {where} ({_reason(error)}); check --milvus-uri, "
                                  f"${TOKEN_ENV} and that the server is running.") from error
        rows.sort(key=lambda row: (order[row["doc_id"]], row["ordinal"]))
        chunks = [Chunk.from_dict(json.loads(row["chunk"])) for row in rows]
        if len(chunks) != manifest.n_chunks or stats.size != manifest.n_chunks:
            raise IndexStateError(f"The index in {where} is out of step (the manifest names {manifest.n_chunks} chunks, "
                                  f"{len(chunks)} are stored); {hint}.")
        return cls(settings, client, collections, manifest, stats, chunks, [row["key"] for row in rows], build_id.decode())

    def cached_vectors(self, channel: str) -> None:
        return None  # no local matrix: the indexer asks ``vectors`` for the rows it can reuse

    def document(self, doc_id: str) -> DocumentMap:
        if doc_id not in self._doc_maps:
            sha256 = self.manifest.files[doc_id]["sha256"]
            try:
                data = self.collections.get_blob(f"doc:{sha256}")
                if data is None:
                    raise KeyError(sha256)
                with np.load(io.BytesIO(data)) as arrays:
                    self._doc_maps[doc_id] = DocumentMap(
                        doc_id=doc_id, text=str(arrays["text"]), raw_starts=arrays["raw_starts"],
                        raw_ends=arrays["raw_ends"], page_starts=arrays["page_starts"] if "page_starts" in arrays else None)
            except Exception as error:
                raise IndexStateError(f"The index in {self.location} changed or was damaged while in use (the text of "
                                      f"{doc_id} is missing: {type(error).__name__}); "
                                      f"{milvus_hint(self.settings, self.manifest.docs_dirs)}.") from error
        return self._doc_maps[doc_id]

    # ------------------------------------------------- the search interface
    def _filter(self, exclude_lang: str | None = None, doc_ids: set[str] | None = None, keys: list[str] | None = None) -> str:
        clauses = []
        if exclude_lang is not None:
            clauses.append(f"lang != {_quote(exclude_lang)}")
        if doc_ids:
            clauses.append(f"doc_id in [{', '.join(_quote(doc_id) for doc_id in sorted(doc_ids))}]")
        if keys is not None:
            clauses.append(f"key in [{', '.join(_quote(key) for key in keys)}]")
        return " and ".join(clauses)

    def _search(self, field: str, query, k: int, expression: str) -> list[tuple[int, float]]:
        k = min(k, _MAX_LIMIT, len(self.chunks))
        if k <= 0:
            return []
        try:
            params = {"metric_type": "IP"}
            if field != "sparse":  # HNSW's candidate list (Milvus's default of 64 loses recall)
                params["params"] = {"ef": max(k, self.settings.hnsw_ef_search)}
            results = self.client.search(self.collections.chunks, data=[query], anns_field=field, limit=k,
                                         filter=expression, output_fields=["key"], search_params=params)
        except Exception as error:
            raise IndexStateError(f"Searching {self.location} failed ({_reason(error)}); check that the server is running.") from error
        found = []
        for hit in results[0]:
            key = hit.get("entity", {}).get("key", hit.get("id"))
            row = self.row_by_key.get(key)
            if row is not None:  # rows of an unfinished build are not part of this index
                found.append((row, float(hit["distance"])))
        return found

    def search_dense(self, channel: str, query_vector: np.ndarray, k: int,
                     exclude_lang: str | None = None, doc_ids: set[str] | None = None) -> list[tuple[int, float]]:
        vector = np.asarray(query_vector, dtype=np.float32).tolist()
        return self._search(channel, vector, k, self._filter(exclude_lang, doc_ids))

    def search_lexical(self, query: str, k: int, doc_ids: set[str] | None = None) -> list[tuple[int, float]]:
        weights = self.stats.query_vector(tokenize(query))
        if not weights:
            return []
        return [(row, score) for row, score in self._search("sparse", weights, k, self._filter(None, doc_ids)) if score > 0]

    def lexical_scores(self, query: str, rows: list[int]) -> list[float]:
        weights = self.stats.query_vector(tokenize(query))
        if not weights or not rows:
            return [0.0] * len(rows)
        found = dict(self._search("sparse", weights, len(rows), self._filter(keys=[self.keys[row] for row in rows])))
        return [found.get(row, 0.0) for row in rows]

    def vectors(self, channel: str, rows: list[int]) -> np.ndarray:
        dim = int(self.manifest.channels[channel]["dim"])
        if not rows:
            return np.zeros((0, dim), dtype=np.float32)
        keys = [self.keys[row] for row in rows]
        by_key = {}
        try:
            for start in range(0, len(keys), _BATCH):
                batch = keys[start : start + _BATCH]
                found = self.client.query(self.collections.chunks, filter=self._filter(keys=batch),
                                          output_fields=["key", channel], limit=len(batch))
                by_key.update((row["key"], row[channel]) for row in found)
        except Exception as error:
            raise IndexStateError(f"Reading vectors from {self.location} failed ({_reason(error)}).") from error
        return np.array([by_key[key] for key in keys], dtype=np.float32).reshape(len(keys), dim)
