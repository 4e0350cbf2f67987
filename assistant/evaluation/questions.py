"""A labelled question set: one JSON object a line.

Fields: ``id``, ``question``, ``lang``, ``kind``, ``doc`` (a file name, a list
of them, or null when no report answers), ``evidence`` (strings verbatim from
the raw files), ``answer`` (a short gold answer, or a note), and optionally
``follows`` (the id of the question a follow-up continues), ``script``
(``hans``/``hant`` for Chinese) and ``unanswerable`` (why not: ``entity``,
``topic`` or ``figure``).  Unknown fields are ignored.
"""
from __future__ import annotations

import json
import unicodedata
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
    follows: str | None = None
    script: str | None = None
    unanswerable: str | None = None
    evidence_kind: str | None = None  # "table" or "text" when the set says; else the judge reads it off the report

    @property
    def answerable(self) -> bool:
        return bool(self.docs and self.evidence)

    @property
    def gold(self) -> str | None:
        """The short gold answer, when the set gives one that a quote can hold:
        it must appear (normalised) in one of the evidence strings, so a
        descriptive note ("about 6.6%, though ...") never counts."""
        wanted = squash(self.answer)
        if wanted and any(wanted in squash(evidence) for evidence in self.evidence):
            return self.answer
        return None


def squash(text: str) -> str:
    """Text for containment checks: NFKC, lower case, only letters and digits
    (so "US$ 74.7 Billion" and "us$74.7 billion," compare equal)."""
    return "".join(char for char in unicodedata.normalize("NFKC", text).lower() if char.isalnum())


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
                    answer=str(data.get("answer") or ""),
                    follows=data.get("follows"),
                    script=data.get("script"),
                    unanswerable=data.get("unanswerable"),
                    evidence_kind=data.get("evidence_kind"),
                ))
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"{path}, line {number}: not a question object ({error}).") from error
    if not questions:
        raise ValueError(f"{path} holds no questions.")
    return questions
