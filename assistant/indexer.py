"""Build or update an index: files -> Documents -> Chunks -> vectors + BM25 -> disk.

Incremental by construction: unchanged files keep their chunks (same ids),
vectors are reused by the hash of the text that was embedded, removed files
drop out, and an index that is already current is not rewritten.
"""
from __future__ import annotations

import fcntl
import hashlib
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .config import Settings
from .embedding import (
    channel_facts,
    channel_identities,
    load_encoders,
    same_identities,
    same_model,
)
from .ingest import (
    Chunk,
    DocumentError,
    chunk_document,
    discover_files,
    file_sha256,
    format_mb,
    printable_name,
    read_document,
)
from .ingest.cards import make_card
from .ingest.facts import extract_facts
from .lexical import tokenize
from .store import IndexStateError, Manifest, new_writer, open_index

Progress = Callable[[str, int, int], None]


@dataclass
class BuildReport:
    index_dir: str
    files: int = 0
    chunks: int = 0
    tokens: int = 0
    seconds: float = 0.0
    reused: int = 0
    embedded: int = 0
    changed: bool = True
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.changed:
            line = f"Index {self.index_dir} is current: {self.files} files, {self.chunks} chunks; nothing to do."
        else:
            line = (
                f"Indexed {self.files} files: {self.chunks} chunks, {self.tokens} tokens in {self.seconds:.1f} s "
                f"({self.reused} vectors re-used, {self.embedded} newly embedded)."
            )
        if self.skipped:
            line += f" Skipped {len(self.skipped)}: " + " ".join(self.skipped)
        return line


def embed_key(model_key: str, chunk: Chunk) -> str:
    """The embedding cache's key: the model's identity (name, fingerprint of its
    files, backend; ``ModelIdentity.key``) and the text embedded."""
    return hashlib.sha1(f"{model_key}\x00{chunk.embed_text()}".encode()).hexdigest()


@contextmanager
def build_lock(index_dir: Path):
    """One build per index folder at a time (readers never need the lock)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _previous(index_dir: Path, settings: Settings):
    try:
        return open_index(index_dir, settings)
    except IndexStateError:
        return None


def _local_vectors(index_dir: Path, settings: Settings):
    """A first build into Milvus re-uses the vectors of a local index in
    ``index_dir`` (moving an index there embeds nothing twice)."""
    if settings.store == "local":
        return None
    return _previous(index_dir, settings.with_changes(store="local"))


def _is_current(previous, files: dict[str, str], settings: Settings) -> bool:
    """Same files, same chunker, same models: nothing to do (no model is loaded).

    ``files`` holds every file found, readable or not; one the last build
    skipped counts as current while its bytes and the size limit are the same."""
    if previous is None:
        return False
    manifest = previous.manifest
    recorded = {doc_id: info["sha256"] for doc_id, info in manifest.files.items()}
    recorded.update({doc_id: info["sha256"] for doc_id, info in manifest.skipped.items()
                     if info.get("max_file_bytes") == settings.max_file_bytes})
    return (
        manifest.chunker == settings.chunker.as_dict()
        and same_identities(manifest.channels, channel_identities(settings))
        and recorded == files
        and all("card" in info and "facts" in info for info in manifest.files.values())  # from before cards and facts
    )


def build_index(
    docs_dirs: list[Path | str],
    index_dir: Path | str,
    settings: Settings = Settings(),
    progress: Progress | None = None,
) -> BuildReport:
    started = time.perf_counter()
    docs_dirs = [Path(folder) for folder in docs_dirs]
    index_dir = Path(index_dir)
    report = BuildReport(index_dir=settings.milvus_uri if settings.store == "milvus" else str(index_dir))
    progress = progress or (lambda stage, done, total: None)
    paths = discover_files(docs_dirs, report.skipped)
    shas: dict[str, str] = {}
    skipped: dict[str, dict] = {}  # recorded in the manifest (see Manifest.skipped)
    for doc_id, path in paths.items():
        name = printable_name(doc_id)
        try:
            size = path.stat().st_size
            sha256 = file_sha256(path)
        except OSError as error:
            report.skipped.append(f"{name}: cannot be read ({error.strerror}).")
            continue
        if size > settings.max_file_bytes:
            line = f"{name}: {format_mb(size)} is over the {format_mb(settings.max_file_bytes)} file size limit."
            report.skipped.append(line)
            skipped[doc_id] = {"sha256": sha256, "reason": line, "max_file_bytes": settings.max_file_bytes}
            continue
        shas[doc_id] = sha256

    with build_lock(index_dir):
        previous = _previous(index_dir, settings)
        if _is_current(previous, {**shas, **{doc_id: info["sha256"] for doc_id, info in skipped.items()}}, settings):
            report.changed = False
            report.files, report.chunks = len(previous.manifest.files), len(previous.chunks)
            report.skipped += [info["reason"] for doc_id, info in previous.manifest.skipped.items() if doc_id not in skipped]
            report.tokens = sum(chunk.n_tokens for chunk in previous.chunks)
            report.seconds = time.perf_counter() - started
            return report
        encoders = load_encoders(settings)
        writer = new_writer(index_dir, settings, previous)
        try:
            chunks, files = _chunk_all(paths, shas, previous, settings, encoders, writer, report, progress, skipped)
            rows = writer.rows_to_write(chunks)
            vector_source = previous or _local_vectors(index_dir, settings)
            vectors, embedded = {}, {}
            for name, encoder in encoders.items():
                vectors[name], embedded[name] = _embed(name, encoder, [chunks[row] for row in rows], vector_source,
                                                       settings, progress)
            report.embedded = embedded.get("dense", 0)  # counted in chunks, once
            report.reused = len(chunks) - report.embedded
            token_lists = [tokenize(chunk.embed_text()) for chunk in chunks]
            manifest = Manifest(
                channels=channel_facts(encoders),
                chunker=settings.chunker.as_dict(),
                files=files,
                docs_dirs=[str(folder) for folder in docs_dirs],
                n_chunks=len(chunks),
                skipped=skipped,
            )
            writer.write(manifest, chunks, token_lists, rows, vectors, settings)
        except BaseException:
            writer.abandon()
            raise
    report.files, report.chunks = len(files), len(chunks)
    report.tokens = sum(chunk.n_tokens for chunk in chunks)
    report.seconds = time.perf_counter() - started
    return report


def _chunk_all(paths, shas, previous, settings, encoders, writer, report, progress, skipped):
    """Chunks of every readable file; unchanged files keep their old chunks."""
    old_chunks: dict[str, list[Chunk]] = {}
    reusable = previous is not None and previous.manifest.chunker == settings.chunker.as_dict()
    if reusable:
        for chunk in previous.chunks:
            old_chunks.setdefault(chunk.doc_id, []).append(chunk)

    def fits_model(text: str) -> bool:
        return all(encoder.fits(text) for encoder in encoders.values())

    chunks: list[Chunk] = []
    files: dict[str, dict] = {}
    for done, (doc_id, sha256) in enumerate(shas.items(), start=1):
        progress("reading", done, len(shas))
        old_info = previous.manifest.files.get(doc_id) if reusable else None
        if old_info and old_info["sha256"] == sha256 and doc_id in old_chunks and "card" in old_info and "facts" in old_info:
            writer.reuse_document(previous, sha256)
            doc_chunks = old_chunks[doc_id]
            card, facts = old_info["card"], old_info["facts"]
        else:
            try:
                document = read_document(paths[doc_id], doc_id=doc_id, max_bytes=settings.max_file_bytes)
            except DocumentError as error:
                report.skipped.append(str(error))
                skipped[doc_id] = {"sha256": sha256, "reason": str(error), "max_file_bytes": settings.max_file_bytes}
                continue
            report.warnings.extend(document.warnings)
            doc_chunks = chunk_document(document, settings.chunker, fits_model)
            writer.write_document(doc_id, document.sha256, document.text, document.raw_starts,
                                  document.raw_ends, document.page_starts)
            sha256 = document.sha256
            card = make_card(document).to_dict()
            facts = [fact.to_dict() for fact in extract_facts(document, card["market"])]
        chunks.extend(doc_chunks)
        files[doc_id] = {"sha256": sha256, "path": str(paths[doc_id]), "n_chunks": len(doc_chunks), "card": card,
                         "facts": facts}
    return chunks, files


def _previous_vectors(channel, encoder, keys: list[str], previous) -> dict[int, np.ndarray]:
    """Row -> vector for the rows whose embedded text the previous build already embedded."""
    facts = previous.manifest.channels.get(channel) if previous is not None else None
    if not facts or not same_model(facts, encoder.identity.facts(encoder.dim)):
        return {}  # another model, other weights or another backend: nothing to re-use
    old_rows = {embed_key(encoder.identity.key(), chunk): row for row, chunk in enumerate(previous.chunks)}
    wanted = {row: old_rows[key] for row, key in enumerate(keys) if key in old_rows}
    if not wanted:
        return {}
    stored = previous.cached_vectors(channel)  # the whole matrix, where the store keeps one as a file
    if stored is not None:
        return {row: stored[old_row] for row, old_row in wanted.items()}
    return dict(zip(wanted, previous.vectors(channel, list(wanted.values()))))


def _embed(channel, encoder, chunks, previous, settings, progress) -> tuple[np.ndarray, int]:
    """Vectors of ``chunks`` in one channel, and how many had to be embedded
    (the rest come from the previous build's vectors, by embedded text)."""
    keys = [embed_key(encoder.identity.key(), chunk) for chunk in chunks]
    vectors = np.zeros((len(chunks), encoder.dim), dtype=np.float32)
    reused = _previous_vectors(channel, encoder, keys, previous)
    for row, vector in reused.items():
        vectors[row] = vector
    # Longest first, so each batch holds texts of about one length (less padding).
    missing = sorted((row for row in range(len(chunks)) if row not in reused),
                     key=lambda row: -len(chunks[row].embed_text()))
    step = max(settings.batch_size, 1)  # small steps: questions can take the model between them
    for begin in range(0, len(missing), step):
        rows = missing[begin : begin + step]
        progress(f"embedding ({channel})", begin, len(missing))
        vectors[rows] = encoder.encode_passages([chunks[row].embed_text() for row in rows], settings.batch_size)
    progress(f"embedding ({channel})", len(missing), len(missing))
    return vectors, len(missing)
