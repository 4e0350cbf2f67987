"""``assistant eval --compare``: our modes and chunk budgets against the baselines, in one table and one plot.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

from ..config import RETRIEVAL_MODES, ChunkerSettings
from .baselines import BaselineSearcher
from .metrics import evaluate
from .report import metrics_table, plot_metrics
from .runner import run_questions

RESULTS_DIR = Path("eval/results")


def run_comparison(args, settings, questions) -> int:
    from ..indexer import build_index
    from ..pipeline import Assistant

    docs = args.docs or [Path("seeds")]
    budgets = [int(b) for b in (args.chunk_tokens or "").split(",") if b.strip()] or [settings.chunker.max_tokens]
    rows: dict[str, dict] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="assistant-compare-") as scratch:
        assistants = {}
        for budget in budgets:
            budget_settings = settings.with_changes(chunker=ChunkerSettings(max_tokens=budget))
            index_dir = Path(scratch) / f"index-{budget}"
            if Path(args.index).is_dir():  # start from the default index: its vectors are a cache
                shutil.copytree(args.index, index_dir, dirs_exist_ok=True)
            build_index(docs, index_dir, budget_settings)
            assistants[budget] = Assistant(index_dir, budget_settings)
        for budget, assistant in assistants.items():
            for mode in RETRIEVAL_MODES:
                label = f"ours {mode}, {budget} tokens"
                rows[label] = evaluate(run_questions(assistant, questions, mode))["metrics"]
        reference = assistants[budgets[0]]
        for with_bm25 in (False, True):
            searcher = BaselineSearcher(reference.index.manifest.files, reference.embedder, with_bm25)
            label = "baseline: recursive 1000/200 + MiniLM" + (" + BM25 (RRF)" if with_bm25 else "")
            results = run_questions(reference, questions, searcher=searcher, units=searcher.units)
            rows[label] = evaluate(results)["metrics"]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    table = metrics_table(rows)
    (RESULTS_DIR / "compare.md").write_text(
        f"# Retrieval comparison\n\n{len(questions)} questions from {args.questions}; "
        f"{time.perf_counter() - started:.0f} s.\n\n{table}\n", encoding="utf-8")
    (RESULTS_DIR / "compare.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    plot_metrics(rows, RESULTS_DIR / "compare.png")
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(table)
        print(f"Wrote {RESULTS_DIR / 'compare.md'} and {RESULTS_DIR / 'compare.png'}.")
    return 0
