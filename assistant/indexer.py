"""Build or update an index: files -> Documents -> Chunks -> vectors + BM25 -> disk.

Incremental by construction: unchanged files keep their chunks (same ids),
vectors are reused by the hash of the text that was embedded, removed files
drop out, and an index that is already current is not rewritten.
"""
from __future__ import annotations

import fcntl
import hashlib
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .config import Settings
from .embedding import (
    channel_facts,
    channel_identities,
    same_identities,
    same_model,
)
from .engine import FileJob, ReadOutcome, new_engine
from .ingest import (
    Chunk,
    discover_files,
    file_sha256,
    format_mb,
    printable_name,
)
from .ingest.candidates import passage_spans
from .ingest.limits import ReadLimits
from .lexical import tokenize
from .store import (
    Index,
    IndexStateError,
    Manifest,
    RefusedFiles,
    check_pointer,
    generations,
    new_writer,
    open_index,
    remove_leftovers,
    write_error,
)
from .store.sentences import SENTENCE_RULES_VERSION, SentenceTable, SentenceTableBuilder

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
    sentences: int = 0  # quotable spans with stored vectors (store.sentences)
    sentences_embedded: int = 0  # of them, newly embedded (the rest re-used)
    changed: bool = True
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.changed:
            line = f"Index {self.index_dir} is current: {self.files} files, {self.chunks} chunks; nothing to do."
        else:
            line = (
                f"Indexed {self.files} files: {self.chunks} chunks, {self.tokens} tokens in {self.seconds:.1f} s "
                f"({self.reused} vectors re-used, {self.embedded} newly embedded; {self.sentences} sentences, "
                f"{self.sentences_embedded} newly embedded)."
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


def clean_leftovers(index_dir: Path | str) -> bool:
    """At a start (``serve``) rather than a build: delete the ``.tmp-gen-*``
    folders of killed builds, whatever their age, if no build holds the lock
    now (one that does is writing its own).  True when they were cleaned."""
    index_dir = Path(index_dir)
    if not index_dir.is_dir():
        return True
    try:
        with open(index_dir / ".build.lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            try:
                remove_leftovers(index_dir)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    except OSError:  # a read-only index folder: nothing to clean there
        return False
    return True


def _previous(index_dir: Path, settings: Settings):
    try:
        return open_index(index_dir, settings)
    except IndexStateError:
        return None


def _damaged(index) -> set[str]:
    """The stored files of a previous local generation that fail their checksums (see Index.damaged_files)."""
    return index.damaged_files() if hasattr(index, "damaged_files") else set()


def _fallback(index_dir: Path, settings: Settings):
    """When ``CURRENT`` is missing, damaged or names a missing generation: the
    newest intact generation, so its chunks and vectors are re-used rather
    than everything re-embedded (it is not taken as current)."""
    if settings.store != "local":
        return None
    for generation in generations(index_dir):
        try:
            return Index.load(index_dir, generation)
        except IndexStateError:
            continue
    return None


def _local_vectors(index_dir: Path, settings: Settings):
    """A first build into Milvus re-uses the vectors of a local index in
    ``index_dir`` (moving an index there embeds nothing twice)."""
    if settings.store == "local":
        return None
    return _previous(index_dir, settings.with_changes(store="local"))


def _is_current(previous, files: dict[str, str], settings: Settings, docs_dirs: list[str]) -> bool:
    """Same folders, files, chunker and models: nothing to do (no model is loaded).

    ``files`` holds every file found, readable or not; one the last build
    skipped counts as current while its bytes and the read limits are the same."""
    if previous is None:
        return False
    manifest = previous.manifest
    recorded = {doc_id: info["sha256"] for doc_id, info in manifest.files.items()}
    recorded.update({doc_id: info["sha256"] for doc_id, info in manifest.skipped.items()
                     if _same_limits(info, settings)})
    return (
        manifest.chunker == settings.chunker.as_dict()
        and same_identities(manifest.channels, channel_identities(settings))
        and recorded == files
        and manifest.docs_dirs == docs_dirs
        and getattr(manifest, "follow_links", False) == settings.follow_links
        and all("card" in info and "facts" in info for info in manifest.files.values())  # from before cards and facts
        and (settings.store != "local" or manifest.sentences.get("rules_version") == SENTENCE_RULES_VERSION)
    )


def _same_limits(skipped_info: dict, settings: Settings) -> bool:
    if "limits" in skipped_info:
        return skipped_info["limits"] == ReadLimits.from_settings(settings).as_dict()
    return skipped_info.get("max_file_bytes") == settings.max_file_bytes  # recorded before the read limits


def _skip_entry(sha256: str, reason: str, settings: Settings) -> dict:
    """A file the build could not index, as the manifest records it."""
    return {"sha256": sha256, "reason": reason, "max_file_bytes": settings.max_file_bytes,
            "limits": ReadLimits.from_settings(settings).as_dict()}


def resolve_folders(docs_dirs: list[Path | str], previous, keep_folders: bool, drop_folders, report) -> list[Path]:
    """The folders to index, absolute and resolved.  With ``keep_folders`` (the
    CLI), a folder the index covered before (an uploads folder, say) and not
    named now is kept, with a warning, unless it is in ``drop_folders``; a
    kept folder that no longer exists stops the build with one sentence."""
    folders = list(dict.fromkeys(Path(folder).resolve() for folder in docs_dirs))
    dropping = {Path(folder).resolve() for folder in drop_folders}
    recorded = [Path(folder).resolve() for folder in (previous.manifest.docs_dirs if previous is not None else [])]
    for folder in dropping - set(recorded):
        report.warnings.append(f"--drop-folder {folder}: the index does not cover that folder; nothing to drop.")
    if not keep_folders:
        return folders
    for folder in recorded:
        if folder in folders or folder in dropping:
            continue
        if not folder.is_dir():
            raise FileNotFoundError(f"The index also covers the folder {folder}, which no longer exists; restore it, "
                                    f"or pass --drop-folder {folder} to remove its reports from the index.")
        report.warnings.append(f"The index also covers the folder {folder} (not given with --docs): kept; pass "
                               f"--drop-folder {folder} to remove its reports from the index.")
        folders.append(folder)
    return folders


def stale_files(manifest) -> list[str]:
    """Files that changed, appeared or disappeared since the index was built,
    and folders it covers that no longer exist (their reports cannot be cited)."""
    folders = [Path(folder) for folder in manifest.docs_dirs]
    missing = [f"{folder} (the folder is missing)" for folder in folders if not folder.is_dir()]
    if missing:
        return missing
    current = discover_files(folders, follow_links=getattr(manifest, "follow_links", False))
    recorded = {doc_id: info["sha256"] for doc_id, info in manifest.files.items()}
    # Files the build skipped (unreadable) are known too: unchanged, they are not news.
    recorded.update({doc_id: info["sha256"] for doc_id, info in getattr(manifest, "skipped", {}).items()})
    changed = [doc_id for doc_id in current if doc_id not in recorded]
    changed += [doc_id for doc_id in recorded if doc_id not in current]
    changed += [doc_id for doc_id, path in current.items()
                if doc_id in recorded and file_sha256(path) != recorded[doc_id]]
    return sorted(changed)


def build_index(
    docs_dirs: list[Path | str],
    index_dir: Path | str,
    settings: Settings = Settings(),
    progress: Progress | None = None,
    keep_folders: bool = False,
    drop_folders: list[Path | str] = (),
) -> BuildReport:
    """Index the reports of ``docs_dirs`` into ``index_dir`` (see :func:`resolve_folders`
    for ``keep_folders`` and ``drop_folders``).  A failed write into the index
    folder (read-only, disk full) raises :class:`IndexWriteError`, one sentence."""
    index_dir = Path(index_dir)
    try:
        return _build(docs_dirs, index_dir, settings, progress, keep_folders, drop_folders)
    except OSError as error:
        converted = write_error(error, index_dir)
        if converted is None:
            raise
        raise converted from error


def _build(docs_dirs, index_dir: Path, settings: Settings, progress, keep_folders, drop_folders) -> BuildReport:
    started = time.perf_counter()
    report = BuildReport(index_dir=settings.milvus_uri if settings.store == "milvus" else str(index_dir))
    progress = progress or (lambda stage, done, total: None)
    with build_lock(index_dir):
        if settings.store == "local":
            check_pointer(index_dir)
            remove_leftovers(index_dir)  # of killed builds: we hold the lock, so none is being written
        previous = _previous(index_dir, settings)
        reusable = previous or _fallback(index_dir, settings)  # what can be re-used, if not current
        damaged = sorted(_damaged(reusable))
        if damaged:  # never current; what is damaged is not re-used
            previous = None
            report.warnings.append(f"{len(damaged)} stored index file(s) no longer match their checksums "
                                   f"({', '.join(damaged[:3])}); rebuilt from the reports.")
        folders = resolve_folders(docs_dirs, reusable, keep_folders, drop_folders, report)
        paths = discover_files(folders, report.skipped, settings.follow_links)
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
                skipped[doc_id] = _skip_entry(sha256, line, settings)
                continue
            shas[doc_id] = sha256
        docs_record = [str(folder) for folder in folders]
        if _is_current(previous, {**shas, **{doc_id: info["sha256"] for doc_id, info in skipped.items()}}, settings,
                       docs_record):
            report.changed = False
            report.files, report.chunks = len(previous.manifest.files), len(previous.chunks)
            report.skipped += [info["reason"] for doc_id, info in previous.manifest.skipped.items() if doc_id not in skipped]
            report.tokens = sum(chunk.n_tokens for chunk in previous.chunks)
            report.sentences = len(previous.sentences) if getattr(previous, "sentences", None) is not None else 0
            report.seconds = time.perf_counter() - started
            return report
        previous = reusable
        engine = new_engine(settings)  # settings.engine: in this process, or on Ray workers
        writer = new_writer(index_dir, settings, previous)
        try:
            encoders = engine.channels()
            sentence_builder = SentenceTableBuilder()
            chunks, files = _chunk_all(paths, shas, previous, settings, engine, writer, report, progress, skipped,
                                       RefusedFiles(index_dir), sentence_builder)
            rows = writer.rows_to_write(chunks)
            vector_source = previous or _local_vectors(index_dir, settings)
            vectors, embedded = {}, {}
            for name, encoder in encoders.items():
                vectors[name], embedded[name] = _embed(name, encoder, [chunks[row] for row in rows], vector_source,
                                                       engine, progress)
            report.embedded = embedded.get("dense", 0)  # counted in chunks, once
            report.reused = len(chunks) - report.embedded
            sentences = sentence_builder.table()
            sentence_vectors = {}
            for name, encoder in encoders.items():
                sentence_vectors[name], embedded[f"sentences-{name}"] = _embed_sentences(
                    name, encoder, sentences, sentence_builder.texts, vector_source, engine, progress)
            report.sentences, report.sentences_embedded = len(sentences), embedded.get("sentences-dense", 0)
            token_lists = [tokenize(chunk.embed_text()) for chunk in chunks]
            manifest = Manifest(
                channels=channel_facts(encoders),
                chunker=settings.chunker.as_dict(),
                files=files,
                docs_dirs=docs_record,
                n_chunks=len(chunks),
                skipped=skipped,
                sentences={"rules_version": SENTENCE_RULES_VERSION, "count": len(sentences)},
                follow_links=settings.follow_links,
            )
            writer.write(manifest, chunks, token_lists, rows, vectors, settings, sentences, sentence_vectors)
        except BaseException:
            writer.abandon()
            raise
        finally:
            engine.close()
    report.files, report.chunks = len(files), len(chunks)
    report.tokens = sum(chunk.n_tokens for chunk in chunks)
    report.seconds = time.perf_counter() - started
    return report


def _known_refusal(doc_id: str, sha256: str, settings: Settings, refused: RefusedFiles) -> ReadOutcome | None:
    """A file whose bytes an earlier build refused (under these limits): not read again."""
    known = refused.reason(sha256, ReadLimits.from_settings(settings).as_dict())
    return None if known is None else ReadOutcome(doc_id, error=f"{printable_name(doc_id)}: {known}")


def _chunk_all(paths, shas, previous, settings, engine, writer, report, progress, skipped, refused, sentences):
    """Chunks of every readable file; unchanged files keep their old chunks,
    the others are read and chunked by the engine (in order).  ``sentences``
    (a SentenceTableBuilder) collects each chunk's quotable spans."""
    old_chunks: dict[str, list[Chunk]] = {}
    reusable = (previous is not None and previous.manifest.chunker == settings.chunker.as_dict()
                and "chunks.jsonl" not in _damaged(previous))
    if reusable:
        for chunk in previous.chunks:
            old_chunks.setdefault(chunk.doc_id, []).append(chunk)

    def unchanged(doc_id: str, sha256: str) -> bool:
        old_info = previous.manifest.files.get(doc_id) if reusable else None
        return bool(old_info and old_info["sha256"] == sha256 and doc_id in old_chunks and "card" in old_info
                    and "facts" in old_info and f"docs/{sha256}.npz" not in _damaged(previous))

    known = {doc_id: outcome for doc_id, sha256 in shas.items() if not unchanged(doc_id, sha256)
             and (outcome := _known_refusal(doc_id, sha256, settings, refused)) is not None}
    outcomes = engine.read_and_chunk(FileJob(doc_id, str(paths[doc_id]), sha256) for doc_id, sha256 in shas.items()
                                     if not unchanged(doc_id, sha256) and doc_id not in known)
    chunks: list[Chunk] = []
    files: dict[str, dict] = {}
    for done, (doc_id, sha256) in enumerate(shas.items(), start=1):
        progress("reading", done, len(shas))
        if unchanged(doc_id, sha256):
            old_info = previous.manifest.files[doc_id]
            writer.reuse_document(previous, sha256)
            doc_chunks = old_chunks[doc_id]
            card, facts = old_info["card"], old_info["facts"]
            text = previous.document(doc_id).text
        else:
            outcome = known[doc_id] if doc_id in known else next(outcomes)
            if outcome.error is not None:
                if outcome.remember:  # refused for its content: the same bytes are not read again
                    refused.remember(sha256, outcome.error.removeprefix(f"{printable_name(doc_id)}: "),
                                     ReadLimits.from_settings(settings).as_dict())
                report.skipped.append(outcome.error)
                skipped[doc_id] = _skip_entry(sha256, outcome.error, settings)
                continue
            report.warnings.extend(outcome.warnings)
            doc_chunks = outcome.chunks
            writer.write_document(doc_id, outcome.sha256, outcome.text, outcome.raw_starts, outcome.raw_ends,
                                  outcome.page_starts)
            sha256 = outcome.sha256
            card, facts = outcome.card, outcome.facts
            text = outcome.text
        for row, chunk in enumerate(doc_chunks, start=len(chunks)):
            sentences.add(doc_id, text, row, passage_spans(text, chunk.start, chunk.end, settings.answer))
        chunks.extend(doc_chunks)
        files[doc_id] = {"sha256": sha256, "path": str(paths[doc_id]), "n_chunks": len(doc_chunks), "card": card,
                         "facts": facts}
    return chunks, files


def _previous_vectors(channel, encoder, keys: list[str], previous) -> dict[int, np.ndarray]:
    """Row -> vector for the rows whose embedded text the previous build already embedded."""
    facts = previous.manifest.channels.get(channel) if previous is not None else None
    if not facts or not same_model(facts, encoder.identity.facts(encoder.dim)):
        return {}  # another model, other weights or another backend: nothing to re-use
    if "chunks.jsonl" in _damaged(previous) or {f"{channel}.npy", f"{channel}.faiss"} <= _damaged(previous):
        return {}
    old_rows = {embed_key(encoder.identity.key(), chunk): row for row, chunk in enumerate(previous.chunks)}
    wanted = {row: old_rows[key] for row, key in enumerate(keys) if key in old_rows}
    if not wanted:
        return {}
    stored = previous.cached_vectors(channel)  # the whole matrix, where the store keeps one as a file
    if stored is not None:
        return {row: stored[old_row] for row, old_row in wanted.items()}
    return dict(zip(wanted, previous.vectors(channel, list(wanted.values()))))


def _embed(channel, encoder, chunks, previous, engine, progress) -> tuple[np.ndarray, int]:
    """Vectors of ``chunks`` in one channel, and how many had to be embedded
    (the rest come from the previous build's vectors, by embedded text)."""
    keys = [embed_key(encoder.identity.key(), chunk) for chunk in chunks]
    reused = _previous_vectors(channel, encoder, keys, previous)
    vectors = _encode_missing(channel, f"embedding ({channel})", encoder, [chunk.embed_text() for chunk in chunks],
                              reused, engine, progress)
    return vectors, len(chunks) - len(reused)


def _embed_sentences(channel, encoder, table: SentenceTable, texts: list[str], previous, engine,
                     progress) -> tuple[np.ndarray, int]:
    """Vectors of every quotable span in one channel, and how many had to be
    embedded: spans whose text the previous build embedded with the same model are re-used."""
    reused: dict[int, np.ndarray] = {}
    old_table = getattr(previous, "sentences", None)
    facts = previous.manifest.channels.get(channel) if previous is not None else None
    if old_table is not None and facts and same_model(facts, encoder.identity.facts(encoder.dim)):
        stored = previous.cached_sentence_vectors(channel)
        if stored is not None:
            old_rows = {key: row for row, key in enumerate(old_table.text_hashes)}
            reused = {row: stored[old_rows[key]] for row, key in enumerate(table.text_hashes) if key in old_rows}
    vectors = _encode_missing(channel, f"embedding sentences ({channel})", encoder, texts, reused, engine, progress)
    return vectors, len(texts) - len(reused)


def _encode_missing(channel: str, stage: str, encoder, texts: list[str], reused: dict[int, np.ndarray], engine,
                    progress) -> np.ndarray:
    """A matrix with row i the vector of ``texts[i]`` in ``channel``: from ``reused``
    where it holds the row, else encoded by the engine (in its batches)."""
    vectors = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    for row, vector in reused.items():
        vectors[row] = vector
    # Longest first, so each batch holds texts of about one length (less padding).
    missing = sorted((row for row in range(len(texts)) if row not in reused), key=lambda row: -len(texts[row]))
    if missing:
        vectors[missing] = engine.encode(channel, [texts[row] for row in missing],
                                         lambda done, total: progress(stage, done, total))
    return vectors
