"""Tables, Markdown reports and plots of eval results.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..ingest import span_label
from .metrics import METRIC_NAMES
from .runner import Result


def _format(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def metrics_table(rows: dict[str, dict]) -> str:
    names = METRIC_NAMES
    lines = ["| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for label, metrics in rows.items():
        lines.append(f"| {label} | " + " | ".join(_format(metrics.get(name)) for name in names) + " |")
    return "\n".join(lines)


def markdown_report(report: dict, results: list[Result], title: str) -> str:
    rows = {"all": report["metrics"]}
    rows.update({f"lang={key}": value for key, value in report.get("by_lang", {}).items()})
    rows.update({f"kind={key}": value for key, value in report.get("by_kind", {}).items()})
    rows.update({f"evidence={key}": value for key, value in report.get("by_evidence", {}).items()})
    rows.update({f"turn={key}": value for key, value in report.get("by_turn", {}).items()})
    parts = [f"# {title}", "", f"{report['n']} questions ({report['n_answerable']} answerable).", "",
             metrics_table(rows), "", "## Misses (no relevant passage in the top 5)", ""]
    for result in results:
        question = result.question
        missed = question.answerable and not any(hit["relevant"] for hit in result.ranked[:5])
        wrong_abstain = question.answerable == result.abstained
        if not (missed or wrong_abstain):
            continue
        reason = "missed" if missed else ("abstained on an answerable question" if question.answerable
                                         else "answered an unanswerable question")
        parts.append(f"### {question.id} ({question.lang}, {question.kind}): {reason}")
        parts.append(f"**Q:** {question.question}  ")
        parts.append(f"**Expected:** {', '.join(question.docs) or 'abstain'}: " +
                     " / ".join(f"`{evidence}`" for evidence in question.evidence[:2]))
        for rank, hit in enumerate(result.ranked[:3], start=1):
            text = hit["text"][:160].replace("\n", " ")
            parts.append(f"{rank}. {hit['doc_id']}, {span_label(hit['raw_start'], hit['raw_end'], hit.get('page'))} "
                         f"score {hit['score']:.4f}"
                         f"{' (relevant)' if hit['relevant'] else ''}: {text}")
        parts.append("")
    return "\n".join(parts) + "\n"


def plot_metrics(rows: dict[str, dict], path: Path, title: str = "Retrieval on eval/questions.jsonl",
                 names: tuple[str, ...] = ("hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10")) -> None:
    """Grouped bars: one group per metric, one bar per row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(rows)
    width = 0.8 / len(labels)
    figure, axes = plt.subplots(figsize=(13, 4.5 + 0.12 * len(rows)))
    for i, label in enumerate(labels):
        values = [rows[label].get(name) or 0.0 for name in names]
        axes.bar(np.arange(len(names)) + i * width, values, width, label=label, color=plt.cm.tab20(i % 20))
    axes.set_xticks(np.arange(len(names)) + 0.4 - width / 2, names)
    axes.set_ylim(0, 1)
    axes.set_ylabel("score")
    axes.set_title(title)
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
