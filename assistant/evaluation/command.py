"""``assistant eval``: run a question set against the index and print or save the metrics.
"""
from __future__ import annotations

import json
import sys
import time

from .compare import RESULTS_DIR
from .metrics import evaluate
from .questions import load_questions
from .report import markdown_report, metrics_table
from .runner import run_questions


def question_bar(total: int, off: bool = False):
    """A progress bar of questions on stderr; silent when stderr is not a
    terminal (tqdm's ``disable=None``) or when ``off`` (``--json``)."""
    from tqdm import tqdm

    return tqdm(total=total, desc="questions", unit="q", file=sys.stderr, leave=False, disable=True if off else None)


def run_cli(args, settings) -> int:
    from ..pipeline import Assistant

    if getattr(args, "crosslingual", False):
        from .crosslingual import crosslingual_table, run_crosslingual

        rows = run_crosslingual(settings, RESULTS_DIR)
        print(json.dumps(rows, ensure_ascii=False, indent=1) if args.json else crosslingual_table(rows))
        return 0
    if args.all:
        from .suite import run_all, summary_table

        rows = run_all(settings, RESULTS_DIR, args.mode)
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=1))
        else:
            print(summary_table(rows))
            print(f"Wrote {RESULTS_DIR / 'all.md'}, all.json and all.png.")
        return 0
    questions = load_questions(args.questions)
    if args.compare:
        from .compare import run_comparison

        return run_comparison(args, settings, questions)
    assistant = Assistant(args.index, settings)
    started = time.perf_counter()
    bar = question_bar(len(questions), off=args.json)
    results = run_questions(assistant, questions, args.mode, progress=bar.update)
    bar.close()
    report = evaluate(results)
    report["mode"] = args.mode
    report["seconds"] = round(time.perf_counter() - started, 2)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(markdown_report(report, results, f"Retrieval eval ({args.mode})"), encoding="utf-8")
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        rows = {"all": report["metrics"]}
        rows.update({f"lang={key}": value for key, value in report["by_lang"].items()})
        rows.update({f"evidence={key}": value for key, value in report["by_evidence"].items()})
        rows.update({f"turn={key}": value for key, value in report["by_turn"].items()})
        print(metrics_table(rows))
        print(f"{report['n']} questions, mode {args.mode}, {report['seconds']} s")
    return 0
