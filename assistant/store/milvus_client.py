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
import json
import os
import threading
import zlib
from functools import lru_cache
from pathlib import Path

from ..config import Settings
from .base import (
    IndexStateError,
)

TOKEN_ENV = "MILVUS_TOKEN"


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
