"""The benchmark's questions: the eval set plus rule-made paraphrases."""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..config import PROJECT_ROOT

MIN_QUESTIONS = 200
QUESTIONS_PATH = PROJECT_ROOT / "eval" / "questions.jsonl"


# ------------------------------------------------------------------ questions

_LEADING_CLAUSE_RE = re.compile(r"^(according to|in|per|based on)\b[^,，]{3,80}[,，]\s*", re.I)
_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.%$'’-]*")
_QUERY_STOPWORDS = frozenset(
    "a an and are as at be by did do does for from has have how in is it its of on or that the this to was were "
    "what when where which who why will with according report reports".split()
)


def _keyword_query(question: str) -> str:
    words = [word for word in _WORD_RE.findall(question) if word.lower() not in _QUERY_STOPWORDS]
    return " ".join(words) or question


def _paraphrases(question: str, lang: str, round_no: int) -> str:
    question = question.strip()
    if lang == "zh":
        variants = ("请问：" + question, question.rstrip("？?。") + "（根据这些报告）", "报告中提到：" + question)
    else:
        bare = _LEADING_CLAUSE_RE.sub("", question)
        bare = bare[:1].lower() + bare[1:] if bare else question
        variants = (_keyword_query(question), "Could you tell me " + bare.rstrip("?") + "?",
                    "In the reports, " + bare)
    return variants[round_no % len(variants)]


def bench_questions(path: Path = QUESTIONS_PATH, minimum: int = MIN_QUESTIONS, fallback_texts: list[str] | None = None) -> list[str]:
    """The eval questions, then rule-made variants (a keyword query, "Could you
    tell me ...", a prefixed form; for Chinese ones 请问/根据这些报告 forms) until
    there are at least ``minimum``.  No model is involved."""
    base: list[tuple[str, str]] = []
    if Path(path).exists():
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    data = json.loads(line)
                    text = data["question"]
                    lang = data.get("lang") or ("zh" if re.search(r"[\u4e00-\u9fff]", text) else "en")
                    base.append((text, lang))
    if not base:  # no eval set: first sentences of the reports stand in for questions
        for text in fallback_texts or ["market size forecast"]:
            base.append((text[:200], "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"))
    questions = [text for text, _ in base]
    seen = set(questions)
    round_no = 0
    while len(questions) < minimum and round_no < 50:
        for text, lang in base:
            variant = _paraphrases(text, lang, round_no)
            if variant not in seen:
                seen.add(variant)
                questions.append(variant)
        round_no += 1
    while len(questions) < minimum:  # tiny eval sets: repeat
        questions.append(questions[len(questions) % len(base)])
    return questions
