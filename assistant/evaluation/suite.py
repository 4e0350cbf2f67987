"""``assistant eval --all``: every question set, ours beside the two peer baselines, in one table.

The sets:

* ``tuning``: ``eval/questions.jsonl`` over ``seeds/``; every weight and rule
  of the assistant was chosen on it, so its numbers flatter us;
* ``held-out``: ``eval/heldout.jsonl`` over ``seeds/``, written blind from the
  reports alone and never tuned on: the number to trust;
* each external set in ``eval/external/data/<name>/`` (``questions.jsonl`` and
  a ``docs/`` folder; made by ``eval/external/prepare.py``), when present.

Each set's reports are indexed in a cache folder (incrementally: a second run
embeds nothing).  The systems: ours (hybrid, with answers), and the peers of
``--compare``: a recursive character splitter + MiniLM + FAISS, and that plus
BM25 fused by RRF (passages only: no answers, no abstention).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from ..config import CACHE_DIR, PROJECT_ROOT
from .baselines import BaselineSearcher
from .metrics import evaluate
from .questions import load_questions
from .report import plot_metrics
from .runner import run_questions

PEERS = {
    "peer: recursive + MiniLM": False,
    "peer: recursive + MiniLM + BM25": True,
}
#: The columns of the summary table: (label, where to read it in an evaluate() report).
COLUMNS = (
    ("hit@1", ("metrics", "hit@1")),
    ("hit@5", ("metrics", "hit@5")),
    ("hit@10", ("metrics", "hit@10")),
    ("mrr@10", ("metrics", "mrr@10")),
    ("zh hit@5", ("by_lang", "zh", "hit@5")),
    ("table hit@5", ("by_evidence", "table", "hit@5")),
    ("table answer", ("by_evidence", "table", "answer_accuracy")),
    ("text answer", ("by_evidence", "text", "answer_accuracy")),
    ("doc_cov@10", ("metrics", "doc_coverage@10")),
    ("answer_acc", ("metrics", "answer_accuracy")),
    ("top_quote_acc", ("metrics", "top_quote_accuracy")),
    ("gold_in_quotes", ("metrics", "gold_in_quotes")),
    ("line_holds_gold", ("metrics", "answer_line_holds_gold")),
    ("abstain_unans", ("metrics", "abstain_unanswerable")),
    ("false_abstain", ("metrics", "false_abstain")),
)


@dataclass(frozen=True)
class EvalSet:
    name: str
    questions: Path
    docs: Path
    note: str


def find_sets(root: Path = PROJECT_ROOT) -> list[EvalSet]:
    """The sets present under ``root``: tuning, held-out and the tables' held-out set, then each external set."""
    sets = [
        EvalSet("tuning", root / "eval" / "questions.jsonl", root / "seeds", "tuned on"),
        EvalSet("held-out", root / "eval" / "heldout.jsonl", root / "seeds", "blind, never tuned on"),
        EvalSet("tables held-out", root / "eval" / "tables_heldout.jsonl", root / "seeds", "blind, never tuned on"),
    ]
    external = root / "eval" / "external" / "data"
    if external.is_dir():
        for folder in sorted(path for path in external.iterdir() if path.is_dir()):
            if (folder / "questions.jsonl").is_file() and (folder / "docs").is_dir():
                sets.append(EvalSet(folder.name, folder / "questions.jsonl", folder / "docs", "external, never tuned on"))
    return [eval_set for eval_set in sets if eval_set.questions.is_file()]


def _cell(report: dict, path: tuple[str, ...]):
    value = report
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def summary_table(rows: list[dict]) -> str:
    """One Markdown row per (set, system)."""
    header = "| set | system | questions | " + " | ".join(label for label, _ in COLUMNS) + " |"
    lines = [header, "|---|---|---|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = [row["set"], row["system"], str(row["report"]["n"])]
        for _, path in COLUMNS:
            value = _cell(row["report"], path)
            cells.append("-" if value is None else f"{value:.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_all(settings, results_dir: Path, mode: str = "hybrid", index_root: Path | None = None,
            sets: list[EvalSet] | None = None, with_peers: bool = True, show_progress: bool = True) -> list[dict]:
    """Run every set; returns the rows (set, system, report) and writes
    ``all.md``, ``all.json`` and ``all.png`` into ``results_dir``."""
    from tqdm import tqdm

    from ..indexer import build_index
    from ..pipeline import Assistant

    sets = find_sets() if sets is None else sets
    index_root = index_root or CACHE_DIR / "eval-indexes"
    question_sets = {eval_set.name: load_questions(eval_set.questions) for eval_set in sets}
    systems = 1 + (len(PEERS) if with_peers else 0)
    total = sum(len(questions) for questions in question_sets.values()) * systems
    rows: list[dict] = []
    started = time.perf_counter()
    with tqdm(total=total, unit="q", desc="eval --all", disable=not show_progress) as bar:
        assistants: dict[Path, Assistant] = {}
        for eval_set in sets:
            questions = question_sets[eval_set.name]
            docs = eval_set.docs.resolve()
            if docs not in assistants:
                bar.set_postfix_str(f"indexing {eval_set.name}")
                index_dir = index_root / docs.name if docs.name != "docs" else index_root / docs.parent.name
                build_index([docs], index_dir, settings)
                assistants[docs] = Assistant(index_dir, settings)
            assistant = assistants[docs]
            bar.set_postfix_str(eval_set.name)
            report = evaluate(run_questions(assistant, questions, mode, progress=bar.update))
            rows.append({"set": eval_set.name, "system": f"ours ({mode})", "note": eval_set.note, "report": report})
            if not with_peers:
                continue
            for label, with_bm25 in PEERS.items():
                searcher = BaselineSearcher(assistant.index.manifest.files, assistant.embedder, with_bm25)
                results = run_questions(assistant, questions, searcher=searcher, units=searcher.units, progress=bar.update)
                rows.append({"set": eval_set.name, "system": label, "note": eval_set.note, "report": evaluate(results)})
    seconds = time.perf_counter() - started
    write_results(rows, results_dir, sets, seconds)
    return rows


def write_results(rows: list[dict], results_dir: Path, sets: list[EvalSet], seconds: float) -> None:
    results_dir.mkdir(parents=True, exist_ok=True)
    listing = "\n".join(f"- `{eval_set.name}`: {eval_set.questions.relative_to(PROJECT_ROOT) if eval_set.questions.is_relative_to(PROJECT_ROOT) else eval_set.questions} ({eval_set.note})"
                        for eval_set in sets)
    (results_dir / "all.md").write_text(
        f"# Eval: every set\n\n`assistant eval --all`, {seconds:.0f} s.\n\n{listing}\n\n{summary_table(rows)}\n",
        encoding="utf-8")
    (results_dir / "all.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    plot_metrics({f"{row['set']}: {row['system']}": row["report"]["metrics"] for row in rows},
                 results_dir / "all.png", title="Every eval set: ours and the peers",
                 names=("hit@1", "hit@5", "mrr@10", "answer_accuracy", "top_quote_accuracy"))
