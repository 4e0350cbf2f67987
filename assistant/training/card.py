"""The model card written beside the ranker's model file: its data, licences, features and metrics."""
from __future__ import annotations

from pathlib import Path

from ..answer.features import FEATURES

LICENCES = {
    "squad2": ("SQuAD 2.0, train split (Rajpurkar, Jia, Liang 2018; English Wikipedia)", "CC BY-SA 4.0"),
    "cmrc2018": ("CMRC 2018, train split (Cui et al. 2019; Chinese Wikipedia), a quarter of its questions "
                 "converted to traditional script with OpenCC", "CC BY-SA 4.0"),
}


def write_card(path: Path, model_file: dict, variants: dict) -> None:
    lines = [
        "# Model card: the answer ranker",
        "",
        f"`{path.with_suffix('.json').name}`: {model_file['kind']} (variant `{model_file['variant']}`), written by "
        "`assistant train-ranker` (docs/ranker.md). It scores each candidate sentence of an answer with the probability "
        "that it holds the answer; the best is quoted first, and when the best is below "
        f"{model_file['abstain_below']:.3f} (the held-back train questions' threshold) the assistant abstains, unless "
        "`AnswerConfig.ranker_abstain_below` overrides it (see `assistant/config.py`: chosen on the tuning set, because "
        "report sentences score lower than Wikipedia's).",
        "",
        "## Training data (train splits only; no dev or test split, no seed report, no project eval set)",
        "",
        "| source | file sha256 | licence | sampled |",
        "| --- | --- | --- | --- |",
    ]
    for source in model_file["trained_on"]:
        name, licence = LICENCES.get(source["name"], (source["name"], "see source"))
        options = ", ".join(f"{key} {value}" for key, value in source["options"].items())
        lines.append(f"| {name} | `{source['sha256'][:16]}…` | {licence} | {options} |")
    rows = model_file["rows"]
    lines += [
        "",
        "Each train article is one report file of a library indexed by the real indexer; each question is asked "
        "through the real pipeline (retrieval, candidates, features). A candidate is positive when its span holds the "
        "gold answer at its gold position; a candidate holding the answer's words elsewhere is left out; every "
        "candidate of an unanswerable question (SQuAD 2.0's own, or one about an article kept out of the library) is "
        f"negative. Fit on {rows['fit_questions']} questions ({rows['fit']} candidate rows); validated on "
        f"{rows['validation_questions']} other questions of the same train files.",
        "",
        "The model file is derived from CC BY-SA 4.0 data; it holds no text of it (only tree thresholds or weights "
        "over the features below).",
        "",
        "## Features",
        "",
        ", ".join(f"`{name}`" for name in FEATURES),
        "",
        "Defined in `assistant/answer/features.py`. Which carry the weight (mean |contribution to the log-odds| on "
        "the validation rows):",
        "",
        "| feature | weight |",
        "| --- | --- |",
        *(f"| `{name}` | {weight} |" for name, weight in model_file["feature_weights"]),
        "",
        "## Validation metrics (per question; on the held-back train questions)",
        "",
        "| variant | set | questions | answer in candidates | top candidate right (of those) | abstain unanswerable | false abstain |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for variant, metrics in variants.items():
        for part, values in metrics.items():
            lines.append(f"| {variant} | {part} | {values['questions']} | {values['answer_in_candidates']} | "
                         f"{values['top_right_given_reachable']} | {values['abstain_unanswerable']} | "
                         f"{values['false_abstain_reachable']} |")
    lines += ["", "The variant shipped was chosen on the project's tuning set (eval/questions.jsonl), which fits no "
              "weight; the held-out and external sets were never used.", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
