"""A labelled question set: one JSON object a line (id, question, lang, kind, doc, evidence, answer).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Question:
    id: str
    question: str
    docs: list[str]
    evidence: list[str]
    lang: str | None = None
    kind: str | None = None
    answer: str = ""

    @property
    def answerable(self) -> bool:
        return bool(self.docs and self.evidence)


def load_questions(path: Path) -> list[Question]:
    questions = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                docs = data.get("doc")
                questions.append(Question(
                    id=str(data.get("id", f"line{number}")),
                    question=data["question"],
                    docs=[] if docs is None else ([docs] if isinstance(docs, str) else list(docs)),
                    evidence=list(data.get("evidence") or []),
                    lang=data.get("lang"),
                    kind=data.get("kind"),
                    answer=str(data.get("answer", "")),
                ))
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"{path}, line {number}: not a question object ({error}).") from error
    if not questions:
        raise ValueError(f"{path} holds no questions.")
    return questions
