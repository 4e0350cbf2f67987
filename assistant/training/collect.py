"""Features and labels: every question asked through the real pipeline, every candidate labelled.

A candidate is positive when it is in the gold file and its span holds the
gold answer at the gold position.  A candidate elsewhere that also holds the
answer's words is left out (neither right nor wrong: the same words may answer
from another sentence); every candidate of an unanswerable question is negative.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..config import Settings
from ..indexer import build_index
from ..pipeline import Assistant
from .library import TrainingQuestion


@dataclass
class TrainingRows:
    """Feature rows with their labels and the question each belongs to."""

    features: list[np.ndarray] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # question id per block of rows
    kinds: list[str] = field(default_factory=list)  # question kind per block
    langs: list[str] = field(default_factory=list)

    def add(self, question: TrainingQuestion, features: np.ndarray, labels: np.ndarray) -> None:
        self.features.append(features)
        self.labels.append(labels)
        self.groups.append(question.id)
        self.kinds.append(question.kind)
        self.langs.append(question.lang)

    def save(self, path: Path) -> None:
        sizes = np.array([len(block) for block in self.labels], dtype=np.int64)
        np.savez_compressed(path, features=np.vstack(self.features) if self.features else np.zeros((0, 0)),
                            labels=np.concatenate(self.labels) if self.labels else np.zeros(0), sizes=sizes,
                            groups=np.array(self.groups), kinds=np.array(self.kinds), langs=np.array(self.langs))


def label_candidates(question: TrainingQuestion, ranked, documents) -> np.ndarray:
    """1 (holds the gold answer at its place), 0 (does not), -1 (holds its words elsewhere: left out)."""
    labels = np.zeros(len(ranked.candidates))
    if question.doc_id is None:
        return labels
    answer_end = question.answer_start + len(question.answer)
    for i, candidate in enumerate(ranked.candidates):
        doc_id = candidate.hit.chunk.doc_id
        if doc_id == question.doc_id:
            _, raw_start, raw_end = documents(doc_id).raw_span(candidate.start, candidate.end)
            if raw_start <= question.answer_start and answer_end <= raw_end:
                labels[i] = 1
                continue
        if question.answer in candidate.text:
            labels[i] = -1
    return labels


def collect(docs_dir: Path, index_dir: Path, questions: list[TrainingQuestion], settings: Settings,
            progress: Callable[[int, int], None] | None = None) -> TrainingRows:
    """Index ``docs_dir`` and ask every question; the candidates' features and labels."""
    build_index([docs_dir], index_dir, settings)
    assistant = Assistant(index_dir, settings, load_ranker=False)
    rows = TrainingRows()
    for done, question in enumerate(questions, start=1):
        try:
            ranked = assistant.rank_candidates(question.question)
        except ValueError:  # a question the assistant refuses to read (no words in it)
            continue
        labels = label_candidates(question, ranked, assistant.retriever.index.document)
        keep = labels >= 0
        if keep.any():
            rows.add(question, ranked.features[keep], labels[keep])
        if progress is not None:
            progress(done, len(questions))
    return rows
