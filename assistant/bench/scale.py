"""Scale: synthetic corpora from the seeds, exact vs HNSW sweeps, BM25 and
hybrid search over them (the scale worker)."""
from __future__ import annotations

import random
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..config import Settings, setup_offline_environment
from ..store import top_rows
from .common import (
    _log,
    _proc_mb,
    _release_memory,
    _settings_from_dict,
    _stats,
    _time_each,
)

# Synthetic vectors (per channel, from the real vectors e_1..e_m of the seed chunks):
#   v = normalize(w e_A + (1 - w) e_B + STRUCTURED_NOISE * sum_j z_j (e_j - mean) / sqrt(m - 1)
#                 + ISOTROPIC_NOISE * g / sqrt(d)),   z ~ N(0, I_m), g ~ N(0, I_d),
# A, B the two source chunks of the synthetic chunk's text, w ~ U(0.5, 1) the
# expected share of A's sentences in it.  The structured term is a Gaussian with
# the real vectors' own covariance (noise along directions real text varies in);
# purely isotropic noise in 384/512 dimensions makes every neighbour nearly
# equidistant, a far harder (and unrealistic) case for HNSW.
STRUCTURED_NOISE = 1.0
ISOTROPIC_NOISE = 0.05
HNSW_EF_SEARCH = (16, 32, 64, 96, 128, 192, 256, 384, 512, 768, 1024)
RECALL_TARGET = 0.95


# ------------------------------------------------------------ scale: synthetic

def _sentence_pool(chunks) -> tuple[list[str], list[list[str]], list[list[int]], list[list[str]]]:
    """Sentences of every real chunk (a global pool), their BM25 tokens, the
    pool ids of each chunk's sentences, and each chunk's heading/context tokens."""
    from ..ingest import sentence_spans
    from ..lexical import tokenize

    pool: list[str] = []
    pool_tokens: list[list[str]] = []
    ids_of_chunk: list[list[int]] = []
    head_tokens: list[list[str]] = []
    for chunk in chunks:
        ids = []
        for start, end in sentence_spans(chunk.text):
            sentence = chunk.text[start:end].strip()
            if sentence:
                ids.append(len(pool))
                pool.append(sentence)
                pool_tokens.append(tokenize(sentence))
        if not ids:
            ids.append(len(pool))
            pool.append(chunk.text.strip() or chunk.chunk_id)
            pool_tokens.append(tokenize(pool[-1]))
        ids_of_chunk.append(ids)
        heading_and_context = "\n".join(part for part in (chunk.heading[-120:], getattr(chunk, "context", "")) if part)
        head_tokens.append(tokenize(heading_and_context))
    return pool, pool_tokens, ids_of_chunk, head_tokens


def synthetic_corpus(real_chunks, n: int, seed: int = 0):
    """``n`` synthetic chunks from real ones.

    Chunk j takes a source chunk A and a second chunk B (uniformly at random)
    and a weight w_j ~ U(0.5, 1); it is A's sentences in order, each replaced
    with probability 1 - w_j by a random sentence of B, joined by newlines;
    heading and language are A's.  Returns the chunks, their BM25 token lists
    (the same as ``tokenize(chunk.embed_text())``, built from cached
    per-sentence tokens), and A, B and w for the vectors.
    """
    from ..ingest import Chunk

    pool, pool_tokens, ids_of_chunk, head_tokens = _sentence_pool(real_chunks)
    rng = np.random.default_rng(seed)
    pyrng = random.Random(seed)
    m = len(real_chunks)
    sources_a = rng.integers(0, m, n)
    sources_b = rng.integers(0, m, n)
    weights = rng.uniform(0.5, 1.0, n).astype(np.float32)
    chunks, token_lists = [], []
    for j in range(n):
        a, b, p = int(sources_a[j]), int(sources_b[j]), 1.0 - float(weights[j])
        own, other = ids_of_chunk[a], ids_of_chunk[b]
        picked = [pyrng.choice(other) if pyrng.random() < p else sid for sid in own]
        text = "\n".join(pool[sid] for sid in picked)
        tokens = list(head_tokens[a])
        for sid in picked:
            tokens.extend(pool_tokens[sid])
        source = real_chunks[a]
        chunks.append(Chunk(chunk_id=f"syn{j:08d}", doc_id=f"synthetic-{j // 500:05d}.txt", text=text, start=0,
                            end=len(text), raw_start=0, raw_end=len(text), n_tokens=source.n_tokens, page=None,
                            heading=source.heading, lang=source.lang))
        token_lists.append(tokens)
    return chunks, token_lists, sources_a, sources_b, weights


def _synthetic_block(real_vectors: np.ndarray, sources_a, sources_b, weights, start: int, stop: int,
                     seed: int) -> np.ndarray:
    """Rows start..stop of the synthetic vectors (see STRUCTURED_NOISE)."""
    real_vectors = np.asarray(real_vectors, dtype=np.float32)
    m, dim = real_vectors.shape
    rng = np.random.default_rng([seed, start, dim])
    centered = (real_vectors - real_vectors.mean(axis=0)) / np.float32(np.sqrt(max(m - 1, 1)))
    w = weights[start:stop, None]
    block = w * real_vectors[sources_a[start:stop]] + (1 - w) * real_vectors[sources_b[start:stop]]
    block += (rng.standard_normal((stop - start, m), dtype=np.float32) @ centered) * np.float32(STRUCTURED_NOISE)
    block += rng.standard_normal(block.shape, dtype=np.float32) * np.float32(ISOTROPIC_NOISE / np.sqrt(dim))
    block /= np.maximum(np.linalg.norm(block, axis=1, keepdims=True), 1e-12)
    return np.ascontiguousarray(block, dtype=np.float32)


def _similarity_facts(real: np.ndarray, synthetic: np.ndarray, flat, queries: np.ndarray, truth_scores: np.ndarray) -> dict:
    """How the synthetic vectors compare with the real ones: mean pairwise
    cosine, mean nearest-neighbour cosine, and the questions' top-1 / top-10."""
    real = np.asarray(real, dtype=np.float32)
    pick = np.random.default_rng(1).choice(len(synthetic), size=min(2000, len(synthetic)), replace=False)
    sample = np.ascontiguousarray(synthetic[np.sort(pick)])
    upper = np.triu_indices(len(sample), 1)
    real_sim = real @ real.T
    real_upper = np.triu_indices(len(real), 1)
    neighbours = flat.search(sample[:300], 2)[0][:, 1]
    return {
        "synthetic_pairwise_mean": round(float((sample @ sample.T)[upper].mean()), 4),
        "real_pairwise_mean": round(float(real_sim[real_upper].mean()), 4) if len(real) > 1 else None,
        "synthetic_nn_mean": round(float(neighbours.mean()), 4),
        "real_nn_mean": round(float(np.sort(real_sim - 2 * np.eye(len(real)), axis=1)[:, -1].mean()), 4) if len(real) > 1 else None,
        "synthetic_query_top1_mean": round(float(truth_scores[:, 0].mean()), 4),
        "synthetic_query_top10_mean": round(float(truth_scores[:, -1].mean()), 4),
        "real_query_top1_mean": round(float((queries @ real.T).max(axis=1).mean()), 4),
    }


def _hnsw_params_of_store(dim: int) -> dict:
    """M, efConstruction and efSearch that ``store._build_faiss`` uses for HNSW."""
    from ..store.local import _build_faiss

    index = _build_faiss(np.zeros((1, dim), dtype=np.float32), Settings().with_changes(hnsw_threshold=1))
    hnsw = getattr(index, "hnsw", None)
    if hnsw is None:
        return {"M": 32, "efConstruction": 80, "efSearch": 128}
    return {"M": int(hnsw.nb_neighbors(1)), "efConstruction": int(hnsw.efConstruction), "efSearch": int(hnsw.efSearch)}


def _flat_bytes(index) -> int:
    return int(index.ntotal) * int(index.d) * 4


def _hnsw_bytes(index) -> int:
    hnsw = index.hnsw
    return _flat_bytes(index) + hnsw.neighbors.size() * 4 + hnsw.levels.size() * 4 + hnsw.offsets.size() * 8


def _new_hnsw(dim: int, m: int, ef_construction: int):
    import faiss

    index = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ef_construction
    return index


def _storage_view(hnsw_index) -> np.ndarray:
    import faiss

    flat = faiss.downcast_index(hnsw_index.storage)
    return faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)


def _recall(found: np.ndarray, truth: np.ndarray, k: int = 10) -> float:
    hits = sum(len(set(f[:k].tolist()) & set(t[:k].tolist())) for f, t in zip(found, truth))
    return hits / (len(truth) * k)


def _sweep_ef(index, queries: np.ndarray, truth: np.ndarray, truth_depth: np.ndarray, ef_values, depth: int) -> list[dict]:
    """recall@10 (k=10) and recall@depth (k=depth, the list hybrid search fuses)
    per efSearch.  FAISS does not raise efSearch to k: a k=100 search with
    efSearch=16 returns 100 rows of efSearch=16 quality."""
    rows = []
    for ef in ef_values:
        index.hnsw.efSearch = int(ef)
        _, found = index.search(queries, 10)
        times = _time_each(lambda q: index.search(q.reshape(1, -1), 10), queries)
        _, found_depth = index.search(queries, depth)
        rows.append({"efSearch": int(ef), "recall@10": round(_recall(found, truth), 4),
                     f"recall@{depth}": round(_recall(found_depth, truth_depth, depth), 4), **_stats(times)})
    return rows


def _pick(sweep: list[dict]) -> dict | None:
    good = [row for row in sweep if row["recall@10"] >= RECALL_TARGET]
    return min(good, key=lambda row: row["median_ms"]) if good else None


def _lean_hybrid(query: str, vectors: dict, dense: dict, lexical, chunk_lang_sel: dict, settings: Settings,
                 hnsw_ef: int | None, depth: int, k: int, timings: dict | None = None) -> list[int]:
    """The Retriever's lists (primary, multilingual, cross-language, BM25) fused
    the same way, with the cross-language list filtered inside FAISS and BM25's
    top taken by ``argpartition``: what the index itself costs."""
    import faiss

    from ..ingest import detect_lang
    from ..retrieval import reciprocal_rank_fusion

    lang = detect_lang(query)
    weights = settings.retrieval.fusion_weights.get(lang) or settings.retrieval.fusion_weights["en"]
    rankings, list_weights = [], []
    clock = time.perf_counter()

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        if timings is not None:
            timings.setdefault(name, []).append((now - clock) * 1000)
        clock = now

    for name, index in dense.items():
        if hnsw_ef is not None:
            index.hnsw.efSearch = hnsw_ef
        _, rows = index.search(vectors[name].reshape(1, -1), depth)
        rankings.append([int(r) for r in rows[0] if r >= 0])
        list_weights.append(weights.get(name, 1.0))
        lap(f"dense_{name}")
    if "multilingual" in dense:
        selector, count = chunk_lang_sel.get(lang, (None, 0))
        if selector is not None and count:
            params = faiss.SearchParametersHNSW() if hnsw_ef is not None else faiss.SearchParameters()
            if hnsw_ef is not None:
                params.efSearch = hnsw_ef
            params.sel = selector
            _, rows = dense["multilingual"].search(vectors["multilingual"].reshape(1, -1), min(depth, count), params=params)
            rankings.append([int(r) for r in rows[0] if r >= 0])
            list_weights.append(weights.get("cross", 1.0))
        lap("dense_cross")
    scores = lexical.scores(query)
    lap("bm25_scores")
    top = top_rows(scores, depth)
    rankings.append([int(r) for r in top if scores[r] > 0])
    list_weights.append(weights.get("lexical", 1.0))
    lap("bm25_top")
    fused = reciprocal_rank_fusion(rankings, settings.retrieval.rrf_k, list_weights)
    best = sorted(fused.items(), key=lambda item: -item[1])[:k]
    lap("fusion")
    return [row for row, _ in best]


def _scale_worker(config: dict) -> dict:
    import faiss

    from ..embedding import load_encoders
    from ..ingest import detect_lang
    from ..lexical import LexicalIndex, tokenize
    from ..query import parse_query
    from ..retrieval import Retriever
    from ..store import Index, Manifest

    setup_offline_environment()
    n = int(config["n"])
    seed = int(config.get("seed", 0))
    settings = _settings_from_dict(config["settings"])
    budget_s = float(config.get("retriever_budget_s", 60))
    out: dict = {"n": n, "noise": {"structured": STRUCTURED_NOISE, "isotropic": ISOTROPIC_NOISE, "mix_weight": "U(0.5, 1)"},
                 "rss_start_mb": _proc_mb("VmRSS")}

    source = Index.load(config["index"])
    real_chunks = source.chunks
    real_vectors = {name: source.cached_vectors(name) for name in source.manifest.channels}
    encoders = load_encoders(settings)
    questions = config["questions"]
    query_vectors = {name: encoder.encode_queries(questions) for name, encoder in encoders.items() if name in real_vectors}
    out["rss_models_mb"] = _proc_mb("VmRSS")

    _log(f"scale {n:,}: generating text")
    begin = time.perf_counter()
    chunks, token_lists, sources_a, sources_b, weights = synthetic_corpus(real_chunks, n, seed)
    out["generate_text_s"] = round(time.perf_counter() - begin, 2)
    sample = range(0, n, max(1, n // 200))
    out["token_check"] = round(sum(token_lists[i] == tokenize(chunks[i].embed_text()) for i in sample) / len(sample), 4)
    out["langs"] = {lang: int(sum(1 for c in chunks if c.lang == lang)) for lang in sorted({c.lang for c in real_chunks})}
    out["rss_text_mb"] = _proc_mb("VmRSS")

    _log(f"scale {n:,}: BM25 (LexicalIndex.build)")
    rss_before = _proc_mb("VmRSS")
    begin = time.perf_counter()
    lexical = LexicalIndex.build(token_lists)
    bm25_build_s = time.perf_counter() - begin
    del token_lists
    _release_memory()
    matrix = getattr(lexical._retriever, "scores", {}) or {}
    matrix_bytes = int(sum(value.nbytes for value in matrix.values() if isinstance(value, np.ndarray)))
    bm25_ms = _time_each(lexical.scores, questions)
    all_scores = [lexical.scores(q) for q in questions[:50]]
    argsort_ms = _time_each(lambda s: np.argsort(-s, kind="stable")[:100], all_scores)
    argpartition_ms = _time_each(lambda s: top_rows(s, 100), all_scores)
    del all_scores
    out["bm25"] = {"build_s": round(bm25_build_s, 2), "matrix_mb": round(matrix_bytes / 2**20, 1),
                   "vocabulary": len(lexical._retriever.vocab_dict or {}),
                   "rss_delta_mb": round((_proc_mb("VmRSS") or 0) - (rss_before or 0), 1),
                   "scores": _stats(bm25_ms), "top100_argsort": _stats(argsort_ms),
                   "top100_argpartition": _stats(argpartition_ms)}

    store_params = _hnsw_params_of_store(next(iter(real_vectors.values())).shape[1])
    out["store_hnsw"] = store_params
    m_values = sorted(set(config.get("hnsw_m") or [16, 32, 48]) | {store_params["M"]})
    ef_values = sorted(set(config.get("ef_search") or HNSW_EF_SEARCH) | {store_params["efSearch"]})
    depth = max(100, 10 * settings.top_k)
    out["depth"] = depth
    channels_out: dict[str, dict] = {}
    main: dict[str, object] = {}
    for channel, base in real_vectors.items():
        dim = base.shape[1]
        _log(f"scale {n:,}: {channel} vectors ({dim}d) into HNSW M={store_params['M']} (storage = the exact index)")
        rss_before = _proc_mb("VmRSS")
        index = _new_hnsw(dim, store_params["M"], store_params["efConstruction"])
        begin = time.perf_counter()
        block = 65536
        for start in range(0, n, block):
            index.add(_synthetic_block(base, sources_a, sources_b, weights, start, min(n, start + block),
                                       seed + (1 if channel == "dense" else 2)))
        hnsw_build_s = time.perf_counter() - begin
        rss_after = _proc_mb("VmRSS")
        flat = faiss.downcast_index(index.storage)  # an IndexFlat with the inner product: IndexFlatIP's search
        queries = np.ascontiguousarray(query_vectors[channel], dtype=np.float32)
        truth_scores, truth = flat.search(queries, 10)
        truth_depth = flat.search(queries, depth)[1]
        begin = time.perf_counter()
        exact_add = faiss.IndexFlatIP(dim)
        exact_add.add(_storage_view(index)[: min(n, 100_000)])
        flat_add_s = (time.perf_counter() - begin) * n / min(n, 100_000)
        del exact_add
        _log(f"scale {n:,}: {channel}: exact search latency")
        exact = {"build_s": round(flat_add_s, 3), "memory_mb": round(_flat_bytes(flat) / 2**20, 1),
                 "k10": _stats(_time_each(lambda q: flat.search(q.reshape(1, -1), 10), queries)),
                 "k_depth": _stats(_time_each(lambda q: flat.search(q.reshape(1, -1), depth), queries[:60]))}
        similarity = _similarity_facts(base, _storage_view(index), flat, queries, truth_scores)
        _log(f"scale {n:,}: {channel}: HNSW efSearch sweep")
        variants = [{"M": store_params["M"], "efConstruction": store_params["efConstruction"],
                     "build_s": round(hnsw_build_s, 2), "memory_mb": round(_hnsw_bytes(index) / 2**20, 1),
                     "rss_delta_mb": round((rss_after or 0) - (rss_before or 0), 1),
                     "sweep": _sweep_ef(index, queries, truth, truth_depth, ef_values, depth)}]
        if channel == "dense":  # other M values on the primary channel only
            for m in m_values:
                if m == store_params["M"]:
                    continue
                _log(f"scale {n:,}: {channel}: HNSW M={m}")
                other = _new_hnsw(dim, m, store_params["efConstruction"])
                begin = time.perf_counter()
                view = _storage_view(index)
                for start in range(0, n, block):
                    other.add(view[start : min(n, start + block)])
                build_s = time.perf_counter() - begin
                variants.append({"M": m, "efConstruction": store_params["efConstruction"], "build_s": round(build_s, 2),
                                 "memory_mb": round(_hnsw_bytes(other) / 2**20, 1),
                                 "sweep": _sweep_ef(other, queries, truth, truth_depth, ef_values, depth)})
                del other, view
                _release_memory()
        for variant in variants:
            variant["chosen"] = _pick(variant["sweep"])
        index.hnsw.efSearch = store_params["efSearch"]
        channels_out[channel] = {"dim": dim, "exact": exact, "hnsw": variants, "similarity": similarity}
        main[channel] = index
    out["channels"] = channels_out

    # ------------------------------------------------------------ hybrid search
    chunk_langs = np.array([chunk.lang for chunk in chunks])
    selectors = {}
    for lang in ("en", "zh"):
        mask = chunk_langs != lang
        bitmap = np.packbits(mask, bitorder="little")
        selectors[lang] = (faiss.IDSelectorBitmap(n, faiss.swig_ptr(bitmap)), int(mask.sum()), bitmap)
    selector_args = {lang: (sel, count) for lang, (sel, count, _) in selectors.items()}
    question_vectors = [{name: query_vectors[name][i] for name in main} for i in range(len(questions))]
    pairs = list(zip(questions, question_vectors))
    read = {question: parse_query(question, settings.max_question_chars) for question in questions}
    hybrid: dict[str, dict] = {}
    # (noqa F821 below: ruff reads the closures' names as undefined because of the
    # ``del`` after them; every closure runs before that ``del``)
    for kind in ("exact", "hnsw"):
        dense = {name: (faiss.downcast_index(index.storage) if kind == "exact" else index) for name, index in main.items()}
        ef = None if kind == "exact" else store_params["efSearch"]
        timings: dict[str, list[float]] = {}
        lean_rows = {}
        _log(f"scale {n:,}: hybrid over {kind} indexes")

        def lean(pair, dense=dense, ef=ef, timings=timings, lean_rows=lean_rows):
            query, vectors = pair
            lean_rows[query] = _lean_hybrid(query, vectors, dense, lexical, selector_args, settings, ef, depth,  # noqa: F821
                                            settings.top_k, timings)

        lean_ms = _time_each(lean, pairs)
        encode_ms = _time_each(lambda q: {name: encoders[name].encode_queries([q]) for name in main}, questions[:100])
        manifest = Manifest(channels={name: {"model": encoders[name].name, "dim": main[name].d} for name in main},
                            chunker=settings.chunker.as_dict(), files={}, docs_dirs=[], n_chunks=n,
                            faiss_kind="flat" if kind == "exact" else "hnsw")
        index_obj = Index(Path("synthetic"), Path("synthetic"), manifest, chunks, dense, lexical)
        retriever = Retriever(index_obj, encoders, settings)
        project: dict[str, dict] = {}
        agreement = []
        for mode in ("hybrid", "lexical", "dense"):
            found_rows = {}

            def run(pair, mode=mode, found_rows=found_rows):
                hits = retriever.search(read[pair[0]], settings.top_k, mode, query_vectors=pair[1])  # noqa: F821
                found_rows[pair[0]] = [hit.row for hit in hits]

            project[mode] = _stats(_time_each(run, pairs, budget_s=budget_s))
        # The lean pipeline has the index's lists only; the Retriever also fuses lists made
        # from them (the translation's BM25, the best-sentence ranking), so it is compared
        # with a Retriever that fuses the same lists as it does.
        same_lists = Retriever(index_obj, encoders, replace(settings, retrieval=replace(settings.retrieval, fusion_weights={
            lang: {**weights, "translated": 0.0, "sentence": 0.0}
            for lang, weights in settings.retrieval.fusion_weights.items()})))
        for query, vectors in pairs:
            rows = [hit.row for hit in same_lists.search(read[query], settings.top_k, "hybrid", query_vectors=vectors)]
            if rows:
                agreement.append(len(set(rows) & set(lean_rows.get(query, []))) / len(rows))
        project["hybrid_with_encode"] = _stats(_time_each(lambda q: retriever.search(read[q], settings.top_k, "hybrid"),  # noqa: F821
                                                          questions, budget_s=budget_s))
        hybrid[kind] = {
            "lean": _stats(lean_ms),
            "lean_components": {name: _stats(values) for name, values in timings.items()},
            "query_encode": _stats(encode_ms),
            "retriever": project,
            "lean_vs_retriever_top5_overlap": round(float(np.mean(agreement)), 4) if agreement else None,
        }
        del retriever, same_lists, index_obj
        _release_memory()
    out["hybrid"] = hybrid
    del selectors, selector_args
    _release_memory()
    out["rss_serving_estimate_mb"] = _proc_mb("VmRSS")
    out["peak_rss_mb"] = _proc_mb("VmHWM")
    out["queries"] = len(questions)
    out["query_langs"] = {lang: sum(1 for q in questions if detect_lang(q) == lang) for lang in ("en", "zh")}
    return out
