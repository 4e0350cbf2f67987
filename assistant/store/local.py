"""The index on disk: FAISS vectors, BM25, chunk table, document maps, manifest.

Layout of an index folder::

    CURRENT               name of the live generation (replaced atomically)
    gen-<id>/manifest.json
    gen-<id>/chunks.jsonl     one Chunk per line, row i = vector i
    gen-<id>/<channel>.faiss  one FAISS index per dense channel
    gen-<id>/<channel>.npy    the same vectors, the embedding cache of the next build
    gen-<id>/bm25/            the lexical index (bm25s)
    gen-<id>/docs/<sha>.npz   clean text + offset map of each document
    gen-<id>/sentences*       the quotable spans and their vectors (store.sentences)

A build writes a complete new generation, then swaps ``CURRENT`` with an
atomic rename: a reader sees the old index or the new one, never a half one,
and a build killed at any point leaves the previous generation in place.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from pathlib import Path

import numpy as np

from ..config import Settings
from ..ingest import Chunk, file_sha256
from ..lexical import LexicalIndex
from .base import (
    FORMAT_VERSION,
    DocumentMap,
    IndexStateError,
    Manifest,
    rebuild_hint,
    top_rows,
    write_error,
)
from .sentences import SentenceTable, load_sentences

CURRENT_FILE = "CURRENT"


def _build_faiss(vectors: np.ndarray, settings: Settings):
    import faiss

    dim = vectors.shape[1]
    if len(vectors) >= settings.hnsw_threshold:
        index = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = settings.hnsw_ef_construction
        index.hnsw.efSearch = settings.hnsw_ef_search
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(vectors)
    return index


class IndexWriter:
    """Writes one new generation of an index folder, then publishes it."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.gen_name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        self.tmp_dir = self.index_dir / f".tmp-{self.gen_name}"
        (self.tmp_dir / "docs").mkdir(parents=True)

    def file(self, name: str) -> Path:
        """Where a file of the new generation is written."""
        return self.tmp_dir / name

    def write_document(self, doc_id: str, sha256: str, text: str, raw_starts, raw_ends, page_starts) -> None:
        arrays = {
            "doc_id": np.array(doc_id),
            "text": np.array(text),
            "raw_starts": np.asarray(raw_starts, dtype=np.int64),
            "raw_ends": np.asarray(raw_ends, dtype=np.int64),
        }
        if page_starts is not None:
            arrays["page_starts"] = np.asarray(page_starts, dtype=np.int64)
        np.savez(self.tmp_dir / "docs" / f"{sha256}.npz", **arrays)

    def reuse_document(self, previous: "Index", sha256: str) -> None:
        shutil.copyfile(previous.gen_dir / "docs" / f"{sha256}.npz", self.tmp_dir / "docs" / f"{sha256}.npz")

    def rows_to_write(self, chunks: list[Chunk]) -> list[int]:
        """A generation is written whole: every row needs its vectors."""
        return list(range(len(chunks)))

    def write(self, manifest: Manifest, chunks: list[Chunk], token_lists: list[list[str]],
              rows: list[int], vectors: dict[str, np.ndarray], settings: Settings,
              sentences: SentenceTable | None = None, sentence_vectors: dict[str, np.ndarray] | None = None) -> Path:
        lexical = LexicalIndex.build(token_lists)

        with open(self.tmp_dir / "chunks.jsonl", "w", encoding="utf-8") as handle:
            for chunk in chunks:
                handle.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
        for channel, channel_vectors in vectors.items():
            self._write_vectors(channel, channel_vectors, settings)
            manifest.faiss_kind = "hnsw" if len(channel_vectors) >= settings.hnsw_threshold else "flat"
        if sentences is not None:
            sentences.save(self.tmp_dir / "sentences.npz")
            for channel, channel_vectors in (sentence_vectors or {}).items():
                self._write_vectors(f"sentences-{channel}", channel_vectors, settings)
        lexical.save(self.tmp_dir / "bm25")
        manifest.checksums = {path.relative_to(self.tmp_dir).as_posix(): file_sha256(path)
                              for path in sorted(self.tmp_dir.rglob("*")) if path.is_file()}
        (self.tmp_dir / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
        return self.publish()

    def _write_vectors(self, name: str, vectors: np.ndarray, settings: Settings) -> None:
        """``name``.npy (the next build's embedding cache) and ``name``.faiss (searched)."""
        import faiss

        np.save(self.tmp_dir / f"{name}.npy", vectors)
        try:
            faiss.write_index(_build_faiss(vectors, settings), str(self.file(f"{name}.faiss")))
        except RuntimeError as error:  # FAISS reports a failed write in a C++ message
            raise write_error(error, self.index_dir) or error

    def publish(self) -> Path:
        """Move the finished generation in place and point CURRENT at it."""
        _fsync_tree(self.tmp_dir)
        final_dir = self.index_dir / self.gen_name
        os.replace(self.tmp_dir, final_dir)
        pointer_tmp = self.index_dir / f".{CURRENT_FILE}.{uuid.uuid4().hex[:8]}"
        pointer_tmp.write_text(self.gen_name + "\n", encoding="utf-8")
        with open(pointer_tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(pointer_tmp, self.index_dir / CURRENT_FILE)
        _fsync_dir(self.index_dir)
        prune_generations(self.index_dir, keep=2)
        return final_dir

    def abandon(self) -> None:
        shutil.rmtree(self.tmp_dir, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def current_generation(index_dir: Path) -> Path | None:
    """The live generation's folder; None when there is no ``CURRENT``.
    Raises :class:`IndexStateError` when ``CURRENT`` is not a generation's name
    (a folder, binary bytes, a path)."""
    pointer = Path(index_dir) / CURRENT_FILE
    check_pointer(index_dir)
    try:
        data = pointer.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise IndexStateError(f"Cannot read {pointer} ({error.strerror}); make the index folder readable.") from error
    try:
        name = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        name = None
    if not name:
        return None if name == "" else _damaged_pointer(pointer, index_dir)
    if not _GENERATION_NAME.fullmatch(name):
        return _damaged_pointer(pointer, index_dir)
    return Path(index_dir) / name


def check_pointer(index_dir: Path) -> None:
    """``CURRENT`` must be a file: a folder in its place can be neither read
    nor replaced (a build checks this before any work)."""
    pointer = Path(index_dir) / CURRENT_FILE
    if pointer.is_dir():
        raise IndexStateError(f"{pointer} is a folder, not the index's pointer file; remove it "
                              f"(rm -r {pointer}) and run `assistant build` again.")


_GENERATION_NAME = re.compile(r"gen-[0-9A-Za-z-]{1,80}")


def _damaged_pointer(pointer: Path, index_dir: Path):
    raise IndexStateError(f"{pointer} is damaged (it does not name a generation of the index); "
                          f"{rebuild_hint(index_dir)} (it re-uses what it can).")


def generations(index_dir: Path) -> list[Path]:
    """Every complete generation folder, newest first."""
    return sorted((path for path in Path(index_dir).glob("gen-*") if path.is_dir()), key=lambda path: path.name,
                  reverse=True)


def remove_leftovers(index_dir: Path) -> None:
    """Delete every ``.tmp-gen-*`` folder, whatever its age: only call this
    while holding the build lock (no build is writing one)."""
    for leftover in Path(index_dir).glob(".tmp-gen-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _live_or_none(index_dir: Path) -> Path | None:
    try:
        return current_generation(index_dir)
    except IndexStateError:
        return None


def prune_generations(index_dir: Path, keep: int = 2) -> None:
    """Delete old generations (keeping the newest ``keep``, the live one
    always) and leftovers of killed builds older than a minute."""
    live = _live_or_none(index_dir)
    kept = 0
    for generation in generations(index_dir):
        if generation == live or kept < keep - 1:
            kept += generation != live
            continue
        shutil.rmtree(generation, ignore_errors=True)
    for leftover in Path(index_dir).glob(".tmp-gen-*"):
        if time.time() - leftover.stat().st_mtime > 60:
            shutil.rmtree(leftover, ignore_errors=True)


class _RowFilter:
    def __init__(self, mask: np.ndarray) -> None:
        import faiss

        self.mask = mask
        self.count = int(mask.sum())
        self.bitmap = np.packbits(mask, bitorder="little")  # must live as long as the selector
        self.selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(self.bitmap))


class Index:
    """An open, verified generation of an index folder (read-only)."""

    def __init__(self, index_dir: Path, gen_dir: Path, manifest: Manifest, chunks: list[Chunk],
                 dense: dict, lexical: LexicalIndex, sentences: SentenceTable | None = None,
                 sentence_dense: dict | None = None) -> None:
        self.index_dir = index_dir
        self.gen_dir = gen_dir
        self.manifest = manifest
        self.chunks = chunks
        self.dense = dense  # channel -> faiss index
        self.lexical = lexical
        self.sentences = sentences  # None in an index built before sentence vectors
        self.sentence_dense = sentence_dense or {}  # channel -> faiss index over the sentences
        self._sentence_masks: dict[tuple[frozenset, bool], _RowFilter] = {}
        self.row_of = {chunk.chunk_id: row for row, chunk in enumerate(chunks)}
        self._doc_maps: dict[str, DocumentMap] = {}
        self._chunk_langs = np.array([chunk.lang for chunk in chunks])
        self._filters: dict[tuple, _RowFilter] = {}
        self._last_bm25: tuple[str, np.ndarray] | None = None
        self._damaged: set[str] | None = None

    @property
    def location(self) -> str:
        return str(self.index_dir)

    def hint(self) -> str:
        """What to run when this index is out of date or damaged."""
        return rebuild_hint(self.index_dir, self.manifest.docs_dirs)

    def is_live(self) -> bool:
        """False once another build has published a newer generation."""
        live = _live_or_none(self.index_dir)
        return live is None or live == self.gen_dir

    @classmethod
    def load(cls, index_dir: Path | str, gen_dir: Path | None = None) -> "Index":
        """The live generation of ``index_dir`` (or the generation ``gen_dir``)."""
        import faiss

        index_dir = Path(index_dir)
        gen_dir = gen_dir or current_generation(index_dir)
        hint = rebuild_hint(index_dir)
        if gen_dir is None:
            raise IndexStateError(f"No index found in the folder `{index_dir}/`; run `assistant build --docs seeds "
                                  f"--index {index_dir}` to build one (with your own reports folder for seeds).")
        try:
            manifest = Manifest.from_json((gen_dir / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise IndexStateError(f"The index manifest in {index_dir} is missing or damaged; {hint}.") from error
        if manifest.format_version != FORMAT_VERSION:
            raise IndexStateError(f"The index in {index_dir} has format {manifest.format_version}, this program reads {FORMAT_VERSION}; {hint}.")
        hint = rebuild_hint(index_dir, manifest.docs_dirs)
        try:
            with open(gen_dir / "chunks.jsonl", encoding="utf-8") as handle:
                chunks = [Chunk.from_dict(json.loads(line)) for line in handle]
            dense = {channel: faiss.read_index(str(gen_dir / f"{channel}.faiss")) for channel in manifest.channels}
            lexical = LexicalIndex.load(gen_dir / "bm25")
        except Exception as error:  # faiss raises RuntimeError, json ValueError, ...
            raise IndexStateError(f"The index in {index_dir} is damaged ({type(error).__name__}); {hint}.") from error
        sizes = {len(chunks), manifest.n_chunks, lexical.size, *(faiss_index.ntotal for faiss_index in dense.values())}
        if len(sizes) != 1:
            raise IndexStateError(f"The index in {index_dir} is out of step (chunk table and vectors differ in size); {hint}.")
        for channel, faiss_index in dense.items():
            if faiss_index.d != manifest.channels[channel]["dim"]:
                raise IndexStateError(f"The {channel} vectors in {index_dir} do not match the manifest; {hint}.")
        # Document texts are read lazily: check now that they are all there, so a
        # damaged index is refused (and rebuilt by `build`) rather than failing later.
        try:
            missing = [doc_id for doc_id, info in manifest.files.items()
                       if not (gen_dir / "docs" / f"{info['sha256']}.npz").is_file()]
        except (AttributeError, KeyError, TypeError) as error:
            raise IndexStateError(f"The index manifest in {index_dir} is damaged; {hint}.") from error
        if missing:
            raise IndexStateError(f"The index in {index_dir} is damaged (the text of {missing[0]} is missing); {hint}.")
        sentences, sentence_dense = load_sentences(gen_dir, manifest, index_dir, hint)
        return cls(index_dir, gen_dir, manifest, chunks, dense, lexical, sentences, sentence_dense)

    def damaged_files(self) -> set[str]:
        """The files of this generation (paths inside it) whose bytes no longer
        match the checksums its build recorded (computed once; a manifest from
        before checksums has none, and nothing is found damaged)."""
        if self._damaged is None:
            self._damaged = set()
            for name, expected in self.manifest.checksums.items():
                try:
                    intact = file_sha256(self.gen_dir / name) == expected
                except OSError:
                    intact = False
                if not intact:
                    self._damaged.add(name)
        return self._damaged

    def cached_vectors(self, channel: str) -> np.ndarray | None:
        """The stored vectors of a channel (row i = chunk i), for reuse."""
        return self._stored_matrix(channel, len(self.chunks))

    def cached_sentence_vectors(self, channel: str) -> np.ndarray | None:
        """The stored sentence vectors of a channel (row i = sentence i), for reuse."""
        if self.sentences is None:
            return None
        return self._stored_matrix(f"sentences-{channel}", len(self.sentences))

    def _stored_matrix(self, name: str, rows: int) -> np.ndarray | None:
        if f"{name}.npy" in self.damaged_files():
            return None
        try:
            vectors = np.load(self.gen_dir / f"{name}.npy")
        except (OSError, ValueError):
            return None
        return vectors if len(vectors) == rows else None

    def document(self, doc_id: str) -> DocumentMap:
        if doc_id not in self._doc_maps:
            sha256 = self.manifest.files[doc_id]["sha256"]
            try:
                with np.load(self.gen_dir / "docs" / f"{sha256}.npz") as data:
                    self._doc_maps[doc_id] = DocumentMap(
                        doc_id=doc_id,
                        text=str(data["text"]),
                        raw_starts=data["raw_starts"],
                        raw_ends=data["raw_ends"],
                        page_starts=data["page_starts"] if "page_starts" in data else None,
                    )
            except Exception as error:  # a deleted generation (pruned by a later build) or a damaged file
                raise IndexStateError(
                    f"The index in {self.index_dir} changed or was damaged while in use (the text of {doc_id} "
                    f"is missing: {type(error).__name__}); {rebuild_hint(self.index_dir, self.manifest.docs_dirs)}."
                ) from error
        return self._doc_maps[doc_id]

    # ------------------------------------------------- the search interface
    # What retrieval and answers use of a store; the Milvus backend
    # (milvus_index.MilvusIndex) answers the same calls.

    @property
    def channels(self) -> list[str]:
        return list(self.dense)

    def search_dense(self, channel: str, query_vector: np.ndarray, k: int,
                     exclude_lang: str | None = None, doc_ids: set[str] | None = None) -> list[tuple[int, float]]:
        """Rows and cosine similarities of the ``k`` nearest chunks, best first,
        among chunks not in ``exclude_lang`` and (when given) in ``doc_ids``.
        The filter runs inside FAISS, so ``k`` hits come back however few
        chunks pass it."""
        faiss_index = self.dense[channel]
        k = min(k, faiss_index.ntotal)
        if k <= 0:
            return []
        query = np.asarray(query_vector, dtype=np.float32).reshape(1, -1)
        if exclude_lang is None and not doc_ids:
            scores, rows = faiss_index.search(query, k)
        else:
            allowed = self._filter(exclude_lang, doc_ids)  # held here: the selector reads its bitmap
            if allowed.count == 0:
                return []
            scores, rows = faiss_index.search(query, min(k, allowed.count),
                                              params=self._search_params(faiss_index, allowed.selector))
        return [(int(row), float(score)) for row, score in zip(rows[0], scores[0]) if row >= 0]

    def search_lexical(self, query: str, k: int, doc_ids: set[str] | None = None) -> list[tuple[int, float]]:
        """Rows and BM25 scores of the ``k`` best chunks with a query term, best first."""
        scores = self._bm25(query)
        if doc_ids:
            scores = np.where(self._filter(None, doc_ids).mask, scores, 0.0)
        return [(int(row), float(scores[row])) for row in top_rows(scores, k) if scores[row] > 0]

    def lexical_scores(self, query: str, rows: list[int]) -> list[float]:
        scores = self._bm25(query)
        return [float(scores[row]) for row in rows]

    def vectors(self, channel: str, rows: list[int]) -> np.ndarray:
        faiss_index = self.dense[channel]
        if not rows:
            return np.zeros((0, faiss_index.d), dtype=np.float32)
        return np.vstack([faiss_index.reconstruct(int(row)) for row in rows])

    def sentence_vectors(self, channel: str, rows: list[int]) -> np.ndarray:
        faiss_index = self.sentence_dense[channel]
        if not rows:
            return np.zeros((0, faiss_index.d), dtype=np.float32)
        return np.vstack([faiss_index.reconstruct(int(row)) for row in rows])

    def search_sentences(self, channel: str, query_vector: np.ndarray, k: int,
                         doc_ids: set[str] | None = None, rows_only: bool = False) -> list[tuple[int, float]]:
        """Sentence rows and cosine similarities of the ``k`` sentences nearest
        the query (in ``doc_ids`` when given; only table rows with ``rows_only``), best first."""
        faiss_index = self.sentence_dense.get(channel)
        if faiss_index is None or faiss_index.ntotal == 0 or k <= 0:
            return []
        query = np.asarray(query_vector, dtype=np.float32).reshape(1, -1)
        if not doc_ids and not rows_only:
            scores, rows = faiss_index.search(query, min(k, faiss_index.ntotal))
        else:
            key = (frozenset(doc_ids or ()), rows_only)
            allowed = self._sentence_masks.get(key)
            if allowed is None:
                wanted = np.array([not doc_ids or doc_id in doc_ids for doc_id in self.sentences.doc_ids] or [False])
                allowed = _RowFilter(wanted[self.sentences.doc_index] & (self.sentences.is_row | (not rows_only)))
                if len(self._sentence_masks) > 64:
                    self._sentence_masks.clear()
                self._sentence_masks[key] = allowed
            if allowed.count == 0:
                return []
            scores, rows = faiss_index.search(query, min(k, allowed.count),
                                              params=self._search_params(faiss_index, allowed.selector))
        return [(int(row), float(score)) for row, score in zip(rows[0], scores[0]) if row >= 0]

    def _bm25(self, query: str) -> np.ndarray:
        """BM25 of every chunk; the last query's are kept, since a search and
        its hits' scores ask for the same query in a row."""
        last = self._last_bm25
        if last is not None and last[0] == query:
            return last[1]
        scores = self.lexical.scores(query)
        self._last_bm25 = (query, scores)
        return scores

    def _filter(self, exclude_lang: str | None, doc_ids: set[str] | None) -> "_RowFilter":
        """The rows that pass a filter, as a mask and a FAISS selector (cached:
        the language filters repeat with every question)."""
        key = (exclude_lang, frozenset(doc_ids or ()))
        cached = self._filters.get(key)
        if cached is None:
            mask = np.ones(len(self.chunks), dtype=bool)
            if exclude_lang is not None:
                mask &= self._chunk_langs != exclude_lang
            if doc_ids:
                mask &= np.fromiter((chunk.doc_id in doc_ids for chunk in self.chunks), dtype=bool, count=len(self.chunks))
            cached = _RowFilter(mask)
            if len(self._filters) > 64:
                self._filters.clear()
            self._filters[key] = cached
        return cached

    @staticmethod
    def _search_params(faiss_index, selector):
        import faiss

        hnsw = getattr(faiss_index, "hnsw", None)
        if hnsw is not None:
            return faiss.SearchParametersHNSW(sel=selector, efSearch=hnsw.efSearch)
        return faiss.SearchParameters(sel=selector)

