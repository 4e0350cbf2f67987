"""``assistant eval --crosslingual``: questions asked over a library written only in the other language.

Built from the bilingual seeds themselves: each report that holds a
translation and its original is split, line by line, into its Chinese and its
English text, two libraries.  A question of the tuning or held-out set whose
evidence is given in both languages is asked over the library of the other
language (English over Chinese, Chinese over English), with its evidence in
that language, and over the library of its own language, for comparison.
Lines without letters (markup, figures, blank lines) go to both libraries, so
a citation's raw span stays exact in each file.  Follow-ups are left out.
"""
from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

from ..config import CACHE_DIR, PROJECT_ROOT, Settings
from ..ingest import detect_lang
from .metrics import evaluate
from .questions import Question, load_questions
from .runner import run_questions

SETS = {"tuning": PROJECT_ROOT / "eval" / "questions.jsonl", "held-out": PROJECT_ROOT / "eval" / "heldout.jsonl"}
METRICS = ("hit@5", "answer_accuracy", "top_quote_accuracy", "false_abstain")


def split_library(seeds: Path, out: Path) -> list[str]:
    """Write ``out/en/`` and ``out/zh/`` from the seeds that hold both
    languages; the names of those reports."""
    bilingual = []
    for path in sorted(seeds.iterdir()):
        if not path.is_file():
            continue
        lines = path.read_text(encoding="utf-8").split("\n")
        langs = [detect_lang(line) if any(char.isalpha() for char in line) else "" for line in lines]
        if {"en", "zh"} - set(langs):
            continue
        bilingual.append(path.name)
        for lang in ("en", "zh"):
            (out / lang).mkdir(parents=True, exist_ok=True)
            kept = [line for line, line_lang in zip(lines, langs) if line_lang in ("", lang)]
            (out / lang / path.name).write_text("\n".join(kept), encoding="utf-8")
    return bilingual


def questions_over(questions: list[Question], reports: list[str], library: Path, library_lang: str) -> list[Question]:
    """The answerable questions about ``reports`` whose evidence includes text in
    ``library_lang`` that the library's file holds verbatim; that evidence only."""
    chosen = []
    for question in questions:
        if question.follows or not question.answerable or not set(question.docs) <= set(reports):
            continue
        texts = {doc: (library / doc).read_text(encoding="utf-8") for doc in question.docs}
        evidence = [text for text in question.evidence
                    if detect_lang(text) == library_lang and any(text in body for body in texts.values())]
        if evidence:
            chosen.append(replace(question, evidence=evidence))
    return chosen


def run_crosslingual(settings: Settings, results_dir: Path, seeds: Path = PROJECT_ROOT / "seeds") -> list[dict]:
    from ..indexer import build_index
    from ..pipeline import Assistant

    work = CACHE_DIR / "eval-crosslingual"
    reports = split_library(seeds, work / "docs")
    rows = []
    for lang in ("en", "zh"):
        library = work / "docs" / lang
        build_index([library], work / f"index-{lang}", settings)
        assistant = Assistant(work / f"index-{lang}", settings)
        for set_name, path in SETS.items():
            candidates = questions_over(load_questions(path), reports, library, lang)
            for asked in ("en", "zh"):
                questions = [question for question in candidates if question.lang == asked]
                if not questions:
                    continue
                started = time.perf_counter()
                report = evaluate(run_questions(assistant, questions))
                rows.append({"set": set_name, "library": lang, "questions_in": asked, "n": len(questions),
                             "seconds": round(time.perf_counter() - started, 1),
                             **{name: report["metrics"].get(name) for name in METRICS}})
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "crosslingual.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    (results_dir / "crosslingual.md").write_text(crosslingual_table(rows) + "\n", encoding="utf-8")
    return rows


def crosslingual_table(rows: list[dict]) -> str:
    lines = ["# Eval across languages: each bilingual seed split into an English and a Chinese library", "",
             "`assistant eval --crosslingual`. Questions of the tuning and held-out sets whose evidence is given in "
             "both languages; asked over each library, with the evidence in that library's language.", "",
             "| set | questions | library | n | " + " | ".join(METRICS) + " |",
             "|---|---|---|---|" + "---|" * len(METRICS)]
    for row in rows:
        kind = "same language" if row["library"] == row["questions_in"] else "other language"
        values = " | ".join("-" if row[name] is None else f"{row[name]:.3f}" for name in METRICS)
        lines.append(f"| {row['set']} | {row['questions_in']} ({kind}) | {row['library']} | {row['n']} | {values} |")
    return "\n".join(lines)
