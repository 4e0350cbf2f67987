"""A build of real text at any size through the whole pipeline (readers,
chunking, both dense channels, BM25, writing): chunks/s end to end and where
the time goes.

The corpus is made from real report text: the paragraphs of the benchmarked
folders (and of the external eval sets' documents, when they are present
under ``eval/external/data``), recombined into new files. Each file takes
random paragraphs from random sources, reorders the sentences of some of them
and redraws their digits, so no two chunks embed the same text and the
embedding cache cannot shortcut the build. Files alternate between plain
text, Markdown and HTML, so all three readers take part.
"""
from __future__ import annotations

import html
import random
import re
import shutil
import time
from pathlib import Path

from ..config import PROJECT_ROOT, Settings
from .common import _log

EXTERNAL_DOCS = PROJECT_ROOT / "eval" / "external" / "data"
PARAGRAPHS_PER_FILE = 40
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")


def source_paragraphs(docs_dirs: list[Path]) -> list[str]:
    from ..ingest import discover_files, read_document

    folders = list(docs_dirs) + sorted(EXTERNAL_DOCS.glob("*/docs")) if EXTERNAL_DOCS.is_dir() else list(docs_dirs)
    paragraphs = []
    for path in discover_files(folders).values():
        try:
            text = read_document(path).text
        except Exception:  # noqa: BLE001  (an unreadable source is simply not used)
            continue
        paragraphs += [part.strip() for part in re.split(r"\n\s*\n", text) if len(part.strip()) > 40]
    return paragraphs


def _vary(paragraph: str, rng: random.Random) -> str:
    sentences = [part for part in _SENTENCE_END.split(paragraph) if part]
    if len(sentences) > 1 and rng.random() < 0.5:
        rng.shuffle(sentences)
    text = " ".join(sentences)
    return re.sub(r"\d", lambda _: str(rng.randrange(10)), text)


def make_corpus(paragraphs: list[str], target: Path, n_chunks: int, chars_per_chunk: float, seed: int = 7) -> dict:
    """Files of varied real paragraphs, about ``n_chunks`` chunks in all."""
    rng = random.Random(seed)
    target.mkdir(parents=True, exist_ok=True)
    wanted_chars, written, files = n_chunks * chars_per_chunk, 0, 0
    while written < wanted_chars:
        parts = [_vary(rng.choice(paragraphs), rng) for _ in range(PARAGRAPHS_PER_FILE)]
        kind = files % 3
        if kind == 0:
            name, body = f"report-{files:06d}.txt", "\n\n".join(parts)
        elif kind == 1:
            name, body = f"report-{files:06d}.md", f"# Report {files}\n\n" + "\n\n".join(parts)
        else:
            name = f"report-{files:06d}.html"
            body = (f"<html><body><h1>Report {files}</h1>"
                    + "".join(f"<p>{html.escape(part)}</p>" for part in parts) + "</body></html>")
        (target / name).write_text(body + "\n", encoding="utf-8")
        written += sum(map(len, parts))
        files += 1
    return {"files": files, "chars": written}


def bench_real_build(docs_dirs: list[Path], settings: Settings, work: Path, n_chunks: int, reference) -> dict:
    """Build ``n_chunks`` of varied real text from scratch; ``reference`` is an
    index of ``docs_dirs`` (its characters per chunk size the corpus)."""
    from ..indexer import build_index

    chars_per_chunk = sum(len(chunk.text) for chunk in reference.chunks) / max(len(reference.chunks), 1)
    corpus = work / "real-text"
    index_dir = work / "index-real-text"
    made = make_corpus(source_paragraphs(docs_dirs), corpus, n_chunks, chars_per_chunk)
    _log(f"real-text build: {made['files']} files, about {n_chunks:,} chunks")
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    started = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter() - started
        first.setdefault(stage, now)
        last[stage] = now

    cpu0 = time.process_time()
    report = build_index([corpus], index_dir, settings, progress)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
    # A stage runs from its first progress call to the next stage's first call;
    # the last one ends at its last call, after which the build writes.
    order = sorted(first, key=first.get)
    spans = {"finding and hashing files": round(first[order[0]], 2)} if order else {}
    for stage, following in zip(order, order[1:] + [None]):
        spans[stage] = round((first[following] if following else last[stage]) - first[stage], 2)
    spans["BM25, FAISS and files"] = round(wall - (last[order[-1]] if order else 0.0), 2)
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(index_dir, ignore_errors=True)
    return {"requested_chunks": n_chunks, "files": report.files, "chunks": report.chunks, "tokens": report.tokens,
            "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "chunks_per_s": round(report.chunks / wall, 1),
            "chunks_per_cpu_s": round(report.chunks / cpu, 1) if cpu else None, "stages_s": spans,
            "backend": settings.backend, "sources": "benchmarked folders" + (" + external eval docs" if EXTERNAL_DOCS.is_dir() else "")}

