"""A SQuAD-format train file as a library of report files and labelled questions.

Each article becomes one text file (its title, then its paragraphs separated
by blank lines), so the library looks like a folder of long reports; each
question keeps the character offset of its gold answer in that file.
Unanswerable questions come from two places: the file's own ``is_impossible``
questions (SQuAD 2.0), and questions about articles kept out of the library
("off-topic"), so the model learns what no answer looks like.
"""
from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from ..config import setup_offline_environment

_UNSAFE_NAME = re.compile(r"[^\w.-]+")


@dataclass(frozen=True)
class TrainingQuestion:
    id: str
    question: str
    lang: str
    doc_id: str | None  # the library file holding the answer; None: not answerable from the library
    answer: str | None
    answer_start: int | None  # character offset of the gold answer in the file
    kind: str  # "extractive", "impossible" (the set's own unanswerable) or "off-topic"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Source:
    """One train file and how much of it to take."""

    path: Path
    name: str  # "squad2", "cmrc2018"
    lang: str
    articles: int  # articles in the library (the rest of the file is not read)
    held_out: int  # further articles whose questions are off-topic
    questions: int  # answerable questions at most
    impossible: int = 0  # the file's own unanswerable questions at most
    off_topic: int = 0
    traditional_share: float = 0.0  # of Chinese questions, asked in traditional script
    keep_lines: bool = False  # keep the contexts' line breaks (a Markdown table's rows are lines)


def _file_name(title: str, taken: set[str]) -> str:
    name = _UNSAFE_NAME.sub("_", title).strip("_")[:60] or "article"
    candidate, n = f"{name}.txt", 2
    while candidate in taken:
        candidate, n = f"{name}-{n}.txt", n + 1
    taken.add(candidate)
    return candidate


def _to_traditional(text: str) -> str:
    setup_offline_environment()
    from opencc import OpenCC

    return OpenCC("s2t").convert(text)


def prepare(source: Source, out_dir: Path, seed: int = 0) -> list[TrainingQuestion]:
    """Write ``source``'s library into ``out_dir`` (one .txt per article) and
    return its questions, shuffled (seeded)."""
    data = json.loads(Path(source.path).read_text(encoding="utf-8"))["data"]
    rng = random.Random(seed)
    articles = [article for article in data if any(qa.get("answers") for p in article["paragraphs"] for qa in p["qas"])]
    rng.shuffle(articles)
    library, held_out = articles[:source.articles], articles[source.articles:source.articles + source.held_out]
    out_dir.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    extractive, impossible, off_topic = [], [], []
    for article in library:
        doc_id = _file_name(f"{source.name}-{article['title']}", taken)
        text = article["title"].replace("_", " ")
        for paragraph in article["paragraphs"]:
            context = paragraph["context"] if source.keep_lines else \
                re.sub(r"[\r\n\t\v\f\u2028\u2029]", " ", paragraph["context"])
            offset = len(text) + 2
            text += "\n\n" + context
            for qa in paragraph["qas"]:
                answers = [answer for answer in qa.get("answers", [])
                           if context[answer["answer_start"]:answer["answer_start"] + len(answer["text"])] == answer["text"]]
                if qa.get("is_impossible"):
                    impossible.append(TrainingQuestion(qa["id"], qa["question"], source.lang, None, None, None, "impossible"))
                elif answers:
                    answer = answers[0]
                    extractive.append(TrainingQuestion(qa["id"], qa["question"], source.lang, doc_id, answer["text"],
                                                       offset + answer["answer_start"], "extractive"))
        (out_dir / doc_id).write_text(text + "\n", encoding="utf-8")
    for article in held_out:
        for paragraph in article["paragraphs"]:
            off_topic += [TrainingQuestion(qa["id"], qa["question"], source.lang, None, None, None, "off-topic")
                          for qa in paragraph["qas"] if qa.get("answers")]
    for group in (extractive, impossible, off_topic):
        rng.shuffle(group)
    chosen = extractive[:source.questions] + impossible[:source.impossible] + off_topic[:source.off_topic]
    if source.lang == "zh" and source.traditional_share > 0:
        chosen = [TrainingQuestion(**{**question.to_dict(), "question": _to_traditional(question.question)})
                  if rng.random() < source.traditional_share else question for question in chosen]
    rng.shuffle(chosen)
    return chosen
