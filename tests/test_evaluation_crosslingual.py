"""The cross-lingual eval's libraries: each bilingual seed split into its English and its Chinese text."""
from __future__ import annotations

from conftest import ROOT, SEEDS

from assistant.evaluation.crosslingual import questions_over, split_library
from assistant.evaluation.questions import load_questions
from assistant.ingest import detect_lang


def test_each_bilingual_seed_splits_into_one_language_per_library(tmp_path):
    reports = split_library(SEEDS, tmp_path)
    assert len(reports) >= 2
    for name in reports:
        original = (SEEDS / name).read_text(encoding="utf-8").split("\n")
        english = (tmp_path / "en" / name).read_text(encoding="utf-8").split("\n")
        chinese = (tmp_path / "zh" / name).read_text(encoding="utf-8").split("\n")
        assert not any(detect_lang(line) == "zh" for line in english)
        assert not any(detect_lang(line) == "en" and any(c.isalpha() for c in line) for line in chinese)
        assert sorted(set(english) | set(chinese)) == sorted(set(original))  # nothing lost


def test_questions_keep_only_the_evidence_the_other_library_holds(tmp_path):
    reports = split_library(SEEDS, tmp_path)
    asked = questions_over(load_questions(ROOT / "eval" / "heldout.jsonl"), reports, tmp_path / "zh", "zh")
    english_questions = [question for question in asked if question.lang == "en"]
    assert english_questions
    for question in asked:
        assert question.evidence and all(detect_lang(text) == "zh" for text in question.evidence)
        assert all(any(text in (tmp_path / "zh" / doc).read_text(encoding="utf-8") for doc in question.docs)
                   for text in question.evidence)
