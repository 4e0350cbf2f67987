"""The Milvus backend: the same index as ``store.Index``, kept in Milvus.

One ``pymilvus`` client serves both Milvus Lite (``--milvus-uri`` is a file
path: embedded, for tests and small corpora) and a Milvus server or cluster
(``http(s)://host:19530``; the token comes from ``$MILVUS_TOKEN``).

Two collections, named from ``Settings.milvus_collection``:

``<name>_chunks``
    one row per chunk: its fields as JSON, ``doc_id``/``doc_sha``/``lang`` for
    filters, one FLOAT_VECTOR per dense channel and a SPARSE_FLOAT_VECTOR of
    BM25 term weights.
``<name>_blobs``
    what is not a chunk, split into VARCHAR parts: the state of a build
    (manifest + BM25 statistics), each document's text and offset map, and
    ``current``, the pointer to the live state.

BM25 is computed on the client, as a sparse vector searched by inner product:
a document stores each term's BM25 term-frequency part, a query sends each
term's IDF.  With the tokenizer of ``lexical.tokenize`` this gives exactly the
local backend's bm25s scores (Lucene IDF, k1=1.5, b=0.75), on Lite and on a
server alike, where Milvus's built-in BM25 keeps statistics per segment (so
Lite and a cluster would rank differently) and has no bigram analyzer.
Fusion stays on the client too: the per-language RRF weights are measured,
and Milvus's RRFRanker has none.

Publishing mirrors the local ``CURRENT`` swap: a build writes new chunk rows
and a new state blob, then upserts the one-row ``current`` pointer.  Readers
keep only the rows of the files the live manifest names, so a build killed
half way leaves the previous index answering; the next build deletes the
leftovers.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import threading
import uuid
import zlib
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np

from .chunking import Chunk
from .config import Settings
from .embedding import channel_models
from .lexical import bm25_idf, lucene_idf, tokenize
from .store import DocumentMap, IndexStateError, Manifest

TOKEN_ENV = "MILVUS_TOKEN"
BM25_K1, BM25_B = 1.5, 0.75  # bm25s's defaults, so both backends score alike
_PART_CHARS = 60_000  # a VARCHAR holds at most 65,535
_BATCH = 1000
_MAX_LIMIT = 16_384  # Milvus's largest topk / query limit
_EMPTY_TERM = 2**32 - 2  # the sparse dimension of chunks without terms (Milvus refuses empty vectors)


def milvus_hint(settings: Settings, docs_dirs: list[str] | None = None) -> str:
    docs = " ".join(f"--docs {d}" for d in (docs_dirs or ["seeds"]))
    return f"run `assistant build {docs} --store milvus --milvus-uri {settings.milvus_uri}` to rebuild it"


def _is_server(uri: str) -> bool:
    return uri.startswith(("http://", "https://", "tcp://", "grpc://"))


def check_uri(uri: str) -> None:
    """Refuse a URI that is neither a Lite file path nor a server address."""
    if not uri:
        raise IndexStateError("The Milvus store needs --milvus-uri: a file path for Milvus Lite or http://host:19530 for a server.")
    if "://" in uri and not _is_server(uri):
        raise IndexStateError(f"{uri!r} is not a Milvus address; use a file path (Milvus Lite) or http(s)://host:19530.")
    if not _is_server(uri):
        folder = Path(uri).expanduser().resolve().parent
        if not folder.is_dir():
            raise IndexStateError(f"The folder of the Milvus Lite file {uri} does not exist; create it or give another path.")


_client_lock = threading.Lock()


@lru_cache(maxsize=8)
def _cached_client(uri: str, token: str):
    import logging

    from pymilvus import MilvusClient

    # pymilvus logs a traceback before raising, and a warning per iterator;
    # its errors reach the user as one sentence instead.  (Set after the
    # import: importing pymilvus resets these levels.)
    for name in ("pymilvus", "milvus_lite", "grpc._server"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    return MilvusClient(uri=uri, token=token, timeout=10)


def connect(uri: str):
    """One client per URI per process (Milvus Lite allows one process per file)."""
    check_uri(uri)
    if not _is_server(uri):
        uri = str(Path(uri).expanduser().resolve())
    try:
        with _client_lock:
            return _cached_client(uri, os.environ.get(TOKEN_ENV, ""))
    except Exception as error:
        if not _is_server(uri) and "Open local milvus failed" in str(error):
            raise IndexStateError(f"Cannot open the Milvus Lite file {uri}: another process (a web server or a build) "
                                  "has it open, and Milvus Lite allows one; stop that process or use a Milvus server.") from error
        raise IndexStateError(f"Cannot open Milvus at {uri} ({_reason(error)}); check --milvus-uri, "
                              f"${TOKEN_ENV} and that the server is running.") from error


def _reason(error: Exception) -> str:
    text = " ".join(str(getattr(error, "message", None) or error).split())
    return f"{type(error).__name__}: {text[:160]}" if text else type(error).__name__


def _quote(value: str) -> str:
    """A string literal for a Milvus filter expression."""
    return json.dumps(value, ensure_ascii=False)


def row_key(chunk: Chunk, models: str) -> str:
    """The primary key of a chunk row: its file (two files may hold the same
    text), its id, what was embedded and by which models, so a row is kept
    across builds only when its vectors would be the same."""
    return hashlib.sha1(f"{chunk.doc_id}\x00{chunk.chunk_id}\x00{chunk.embed_text()}\x00{models}".encode()).hexdigest()


class Collections:
    """Names and schemas of the two collections of one index."""

    def __init__(self, client, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self.chunks = f"{settings.milvus_collection}_chunks"
        self.blobs = f"{settings.milvus_collection}_blobs"

    def exist(self) -> bool:
        return self.client.has_collection(self.chunks) and self.client.has_collection(self.blobs)

    def load(self) -> None:
        """Collections come back released when a Lite file is reopened."""
        for name in (self.blobs, self.chunks):
            self.client.load_collection(name)

    def create(self, channels: dict[str, dict]) -> None:
        from pymilvus import DataType

        client = self.client
        if not client.has_collection(self.blobs):
            schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
            schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=512)
            schema.add_field("name", DataType.VARCHAR, max_length=512)
            schema.add_field("part", DataType.INT64)
            schema.add_field("parts", DataType.INT64)
            schema.add_field("payload", DataType.VARCHAR, max_length=65_535)
            schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector in every collection
            index_params = client.prepare_index_params()
            index_params.add_index(field_name="unused", index_type="FLAT", metric_type="L2")
            client.create_collection(self.blobs, schema=schema, index_params=index_params, consistency_level="Strong")
        if not client.has_collection(self.chunks):
            schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
            schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=64)
            schema.add_field("doc_id", DataType.VARCHAR, max_length=4096)
            schema.add_field("doc_sha", DataType.VARCHAR, max_length=64)
            schema.add_field("ordinal", DataType.INT64)
            schema.add_field("lang", DataType.VARCHAR, max_length=16)
            schema.add_field("chunk", DataType.VARCHAR, max_length=65_535)
            for channel, facts in channels.items():
                schema.add_field(channel, DataType.FLOAT_VECTOR, dim=int(facts["dim"]))
            schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
            index_params = client.prepare_index_params()
            for channel in channels:
                index_params.add_index(field_name=channel, index_type="HNSW", metric_type="IP",
                                       params={"M": self.settings.hnsw_m, "efConstruction": self.settings.hnsw_ef_construction})
            index_params.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
            client.create_collection(self.chunks, schema=schema, index_params=index_params, consistency_level="Strong")

    # ------------------------------------------------------------ blobs
    def put_blob(self, name: str, data: bytes) -> None:
        text = base64.b64encode(zlib.compress(data, 6)).decode("ascii")
        parts = [text[i : i + _PART_CHARS] for i in range(0, len(text), _PART_CHARS)] or [""]
        rows = [{"key": f"{name}#{number}", "name": name, "part": number, "parts": len(parts),
                 "payload": payload, "unused": [0.0, 0.0]} for number, payload in enumerate(parts)]
        for start in range(0, len(rows), 16):  # 16 parts ~ 1 MB a request
            self.client.upsert(self.blobs, rows[start : start + 16])
        self.client.delete(self.blobs, filter=f"name == {_quote(name)} and part >= {len(parts)}")

    def get_blob(self, name: str) -> bytes | None:
        rows = self.client.query(self.blobs, filter=f"name == {_quote(name)}",
                                 output_fields=["part", "parts", "payload"], limit=_MAX_LIMIT)
        if not rows:
            return None
        rows.sort(key=lambda row: row["part"])
        if [row["part"] for row in rows] != list(range(rows[0]["parts"])):
            raise ValueError(f"blob {name} is incomplete")
        return zlib.decompress(base64.b64decode("".join(row["payload"] for row in rows)))

    def blob_names(self, prefix: str) -> set[str]:
        rows = self.client.query(self.blobs, filter=f"part == 0 and name like {_quote(prefix + '%')}",
                                 output_fields=["name"], limit=_MAX_LIMIT)
        return {row["name"] for row in rows}

    def delete_blob(self, name: str) -> None:
        self.client.delete(self.blobs, filter=f"name == {_quote(name)}")


# ------------------------------------------------------------------ BM25 as sparse vectors

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


# ------------------------------------------------------------------ writing

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

    def __init__(self, settings: Settings, previous: "MilvusIndex | None") -> None:
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
              rows: list[int], vectors: dict[str, np.ndarray], settings: Settings) -> str:
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


def _scan(client, collection: str, fields: list[str], batch_size: int = 4096):
    iterator = client.query_iterator(collection, batch_size=batch_size, filter="", output_fields=fields)
    try:
        while True:
            batch = iterator.next()
            if not batch:
                return
            yield from batch
    finally:
        iterator.close()


# ------------------------------------------------------------------ reading

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
