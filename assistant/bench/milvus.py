"""The Milvus Lite worker: the Milvus store beside the local one."""
from __future__ import annotations

import time
from pathlib import Path

from ..config import setup_offline_environment
from .common import (
    _log,
    _package_version,
    _proc_mb,
    _release_memory,
    _settings_from_dict,
    _stats,
    _time_each,
)
from .scale import _synthetic_block, synthetic_corpus

# ------------------------------------------------------------------ Milvus Lite

def _milvus_worker(config: dict) -> dict:
    """The Milvus store on Milvus Lite beside the local one: the seeds build
    and warm latencies, then a synthetic corpus of ``n`` chunks (the same
    generator as the scale rows) written with ``MilvusWriter`` and searched
    through the project's ``Retriever``."""
    from ..embedding import load_encoders
    from ..indexer import build_index
    from ..pipeline import Assistant
    from ..query import parse_query
    from ..retrieval import Retriever
    from ..store import Index, Manifest
    from ..store.milvus_index import MilvusIndex
    from ..store.milvus_writer import MilvusWriter

    setup_offline_environment()
    settings = _settings_from_dict(config["settings"])
    work = Path(config["work"])
    questions = config["questions"]
    out: dict = {"milvus_lite": _package_version("milvus-lite"), "pymilvus": _package_version("pymilvus")}
    encoders = load_encoders(settings)
    lite = settings.with_changes(store="milvus", milvus_uri=str(work / "milvus-lite.db"), milvus_collection="seeds")

    _log("milvus lite: seeds build (models loaded)")
    begin = time.perf_counter()
    build_index([Path(d) for d in config["docs"]], work / "milvus-lock", lite)
    out["seeds_build_s"] = round(time.perf_counter() - begin, 3)
    begin = time.perf_counter()
    milvus = Assistant(work / "unused", lite)
    out["seeds_open_s"] = round(time.perf_counter() - begin, 3)
    # The same fusion on both stores: Milvus keeps no sentence vectors, so no rows list (docs/tables.md).
    local = Assistant(config["index"], settings.with_changes(retrieval=settings.retrieval.without("rows")))
    seeds = {}
    for name, assistant in (("local", local), ("milvus_lite", milvus)):
        assistant.ask(questions[0])  # first calls load Lite's segments
        read = {q: assistant.read(q) for q in questions}
        seed_vectors = {q: assistant.retriever.encode_query(read[q]) for q in questions}
        seeds[name] = {
            "search_hybrid_vectors_given": _stats(_time_each(
                lambda q, a=assistant, read=read: a.retriever.search(read[q], settings.top_k, "hybrid", query_vectors=seed_vectors[q]), questions)),
            "search_lexical": _stats(_time_each(lambda q, a=assistant, read=read: a.retriever.search(read[q], settings.top_k, "lexical"), questions)),
            "ask": _stats(_time_each(lambda q, a=assistant: a.ask(q), questions)),
        }
    out["seeds"] = seeds
    agreement = [
        [hit.chunk.chunk_id for hit in local.search(q)] == [hit.chunk.chunk_id for hit in milvus.search(q)] for q in questions
    ]
    out["seeds_same_top5"] = round(sum(agreement) / len(agreement), 4)
    del milvus, local
    _release_memory()

    n = int(config["n"])
    _log(f"milvus lite: {n:,} synthetic chunks")
    source = Index.load(config["index"])
    chunks, token_lists, sources_a, sources_b, weights = synthetic_corpus(source.chunks, n, seed=0)
    vectors = {name: _synthetic_block(source.cached_vectors(name), sources_a, sources_b, weights, 0, n,
                                      1 if name == "dense" else 2) for name in source.manifest.channels}
    counts: dict[str, int] = {}
    for chunk in chunks:
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    manifest = Manifest(channels={name: {"model": encoders[name].name, "dim": int(matrix.shape[1])}
                                  for name, matrix in vectors.items()},
                        chunker=settings.chunker.as_dict(), docs_dirs=[], n_chunks=n,
                        files={doc_id: {"sha256": f"synthetic-{doc_id}", "path": "", "n_chunks": count}
                               for doc_id, count in counts.items()})
    scaled = lite.with_changes(milvus_collection=f"synthetic_{n}")
    begin = time.perf_counter()
    MilvusWriter(scaled, None).write(manifest, chunks, token_lists, list(range(n)), vectors, scaled)
    out["scale_write_s"] = round(time.perf_counter() - begin, 2)
    del vectors, token_lists
    _release_memory()
    begin = time.perf_counter()
    index = MilvusIndex.load(scaled)
    out["scale_open_s"] = round(time.perf_counter() - begin, 2)
    retriever = Retriever(index, encoders, settings)
    read = {q: parse_query(q, settings.max_question_chars) for q in questions}
    query_vectors = {q: retriever.encode_query(read[q]) for q in questions}
    retriever.search(read[questions[0]], settings.top_k, query_vectors=query_vectors[questions[0]])
    depth = max(100, 10 * settings.top_k)
    sample = questions[: min(len(questions), 100)]
    out["scale"] = {
        "n": n,
        "dense_list_k100": _stats(_time_each(lambda q: index.search_dense("dense", query_vectors[q]["dense"], depth), sample)),
        "bm25_list_k100": _stats(_time_each(lambda q: index.search_lexical(q, depth), sample)),
        "hybrid_vectors_given": _stats(_time_each(
            lambda q: retriever.search(read[q], settings.top_k, "hybrid", query_vectors=query_vectors[q]), sample)),
    }
    out["peak_rss_mb"] = _proc_mb("VmHWM")
    return out
