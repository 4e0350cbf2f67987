"""The Ray build engine against the in-process one, same corpus, same run:
chunks/s wall and per CPU-second of the whole process tree (the driver, and
with Ray its GCS, raylet and worker processes), and the worker actors' own rate."""
from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import numpy as np

from ..config import Settings
from .common import _log
from .realtext import make_corpus, source_paragraphs

_TICK = os.sysconf("SC_CLK_TCK")


def _tree_cpu() -> dict[int, tuple[str, float]]:
    """Pid -> (command line, CPU seconds so far) of this process and all its descendants, from /proc."""
    parents, facts = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except (OSError, IndexError):
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        facts[pid] = (command, (int(fields[11]) + int(fields[12])) / _TICK)  # utime + stime
    ours, grew = {os.getpid()}, True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in ours} - ours
        ours |= found
        grew = bool(found)
    return {pid: facts[pid] for pid in ours if pid in facts}


class TreeCpu:
    """CPU seconds of this process tree over a stretch of time: sampled every
    0.2 s, each process counted up to its last sample (one that ends between
    two samples loses at most 0.2 s)."""

    def __init__(self) -> None:
        self.start = {pid: cpu for pid, (_, cpu) in _tree_cpu().items()}
        self.last: dict[int, tuple[str, float]] = {}
        self.workers: set[int] = set()  # pids ever seen as a build worker (a worker retitles itself as it exits)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while True:
            self._update()
            if self._stop.wait(0.2):
                return

    def _update(self) -> None:
        seen = _tree_cpu()
        self.last.update(seen)
        self.workers.update(pid for pid, (command, _) in seen.items() if "BuildWorker" in command)

    def read(self) -> dict:
        self._stop.set()
        self._thread.join()
        self._update()
        spent = {pid: cpu - self.start.get(pid, 0.0) for pid, (_, cpu) in self.last.items()}
        workers = sum(spent[pid] for pid in self.workers)
        return {"cpu_s": sum(spent.values()), "worker_cpu_s": workers}


def _timed_build(corpus: Path, index_dir: Path, settings: Settings) -> dict:
    from ..indexer import build_index

    cpu = TreeCpu()
    started = time.perf_counter()
    report = build_index([corpus], index_dir, settings)
    wall = time.perf_counter() - started
    spent = cpu.read()
    return {"wall_s": round(wall, 2), "cpu_s": round(spent["cpu_s"], 2), "worker_cpu_s": round(spent["worker_cpu_s"], 2),
            "chunks": report.chunks, "chunks_per_s": round(report.chunks / wall, 2),
            "chunks_per_cpu_s": round(report.chunks / spent["cpu_s"], 2) if spent["cpu_s"] else None}


def bench_ray_build(docs_dirs: list[Path], settings: Settings, work: Path, n_chunks: int, reference) -> dict:
    """About ``n_chunks`` of varied real text built from scratch in process and
    with ``--engine ray`` (a local Ray on this machine, started and stopped by
    the build, so its start is counted); the two indexes are compared."""
    from ..store import Index

    chars_per_chunk = sum(len(chunk.text) for chunk in reference.chunks) / max(len(reference.chunks), 1)
    corpus = work / "ray-corpus"
    made = make_corpus(source_paragraphs(docs_dirs), corpus, n_chunks, chars_per_chunk, seed=28)
    _log(f"Ray engine vs in process: {made['files']} files, about {n_chunks:,} chunks")
    rows = {}
    for engine in ("in-process", "ray"):
        rows[engine] = _timed_build(corpus, work / f"index-{engine}", settings.with_changes(engine=engine))
    local, distributed = Index.load(work / "index-in-process"), Index.load(work / "index-ray")
    diff = {channel: float(np.abs(local.cached_vectors(channel) - distributed.cached_vectors(channel)).max())
            for channel in local.channels}
    ray_row = rows["ray"]
    result = {"files": made["files"], "chunks": ray_row["chunks"], "in_process": rows["in-process"], "ray": ray_row,
              "same_chunks": local.chunks == distributed.chunks, "max_abs_vector_diff": diff,
              "time_ratio_ray_over_in_process": round(ray_row["wall_s"] / rows["in-process"]["wall_s"], 3),
              "chunks_per_worker_cpu_s": round(ray_row["chunks"] / ray_row["worker_cpu_s"], 2)
              if ray_row["worker_cpu_s"] else None, "backend": settings.backend}
    shutil.rmtree(corpus, ignore_errors=True)
    for engine in rows:
        shutil.rmtree(work / f"index-{engine}", ignore_errors=True)
    return result


def ray_markdown(row: dict | None) -> list[str]:
    if not row:
        return []
    local, ray = row["in_process"], row["ray"]
    return [f"## Build engines: in process vs Ray (same {row['chunks']:,} chunks of real text, {row['files']} files, "
            f"backend {row['backend']})", "",
            "| engine | wall s | CPU s (process tree) | chunks/s | chunks per CPU-second |", "| --- | --- | --- | --- | --- |",
            f"| in process | {local['wall_s']} | {local['cpu_s']} | {local['chunks_per_s']} | {local['chunks_per_cpu_s']} |",
            f"| Ray (local, started by the build) | {ray['wall_s']} | {ray['cpu_s']} | {ray['chunks_per_s']} | "
            f"{ray['chunks_per_cpu_s']} |", "",
            f"Ray / in-process time: **{row['time_ratio_ray_over_in_process']}**; per worker: "
            f"{row['chunks_per_worker_cpu_s']} chunks per worker CPU-second ({ray['worker_cpu_s']} s in the workers). "
            f"Same chunks: {'yes' if row['same_chunks'] else '**no**'}; largest vector difference "
            + ", ".join(f"{channel} {value:.1e}" for channel, value in row["max_abs_vector_diff"].items()) + ".", ""]
