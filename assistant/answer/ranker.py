"""The answer ranker: a model trained on public QA data that scores each candidate sentence.

The model file (JSON, shipped in ``assistant/models/``; written by
``assistant train-ranker``) holds the feature names it was trained on, the
model (gradient-boosted trees or a logistic regression) and the probability
below which the best candidate is no answer.  Evaluating it needs only numpy.
A missing, damaged or mismatched file is one sentence (:class:`RankerError`),
never a fallback to some other order.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .features import FEATURES

MODEL_FORMAT = 1


class RankerError(RuntimeError):
    """The answer ranker's file cannot be used; the message says what to do."""


def _problem(path: Path, what: str) -> RankerError:
    return RankerError(f"The answer ranker {path} {what}; restore the shipped file (git checkout -- {path}) or train "
                       f"one with `assistant train-ranker` (see docs/ranker.md).")


@dataclass(frozen=True)
class Trees:
    """Gradient-boosted trees as flat arrays (one row per node, per tree)."""

    baseline: float
    feature: list[np.ndarray]
    threshold: list[np.ndarray]
    left: list[np.ndarray]
    right: list[np.ndarray]
    value: list[np.ndarray]
    leaf: list[np.ndarray]

    def raw(self, rows: np.ndarray) -> np.ndarray:
        total = np.full(len(rows), self.baseline)
        index = np.arange(len(rows))
        for feature, threshold, left, right, value, leaf in zip(self.feature, self.threshold, self.left, self.right,
                                                                self.value, self.leaf):
            node = np.zeros(len(rows), dtype=np.int64)
            while True:
                inner = ~leaf[node]
                if not inner.any():
                    break
                go_left = rows[index, feature[node]] <= threshold[node]
                node = np.where(inner, np.where(go_left, left[node], right[node]), node)
            total += value[node]
        return total

    def contributions(self, row: np.ndarray) -> np.ndarray:
        """Per feature, how much it moved the raw score of one row: along each
        tree's path, each split's change in node value goes to its feature."""
        result = np.zeros(len(FEATURES))
        for feature, threshold, left, right, value, leaf in zip(self.feature, self.threshold, self.left, self.right,
                                                                self.value, self.leaf):
            node = 0
            while not leaf[node]:
                child = left[node] if row[feature[node]] <= threshold[node] else right[node]
                result[feature[node]] += value[child] - value[node]
                node = child
        return result


@dataclass(frozen=True)
class Logistic:
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def raw(self, rows: np.ndarray) -> np.ndarray:
        return ((rows - self.mean) / self.scale) @ self.coef + self.intercept

    def contributions(self, row: np.ndarray) -> np.ndarray:
        return (row - self.mean) / self.scale * self.coef


class AnswerRanker:
    """A loaded model: probabilities that candidates answer the question."""

    def __init__(self, model, abstain_below: float, path: Path, meta: dict) -> None:
        self.model = model
        self.abstain_below = abstain_below
        self.path = path
        self.meta = meta

    @classmethod
    def load(cls, path: Path | str) -> "AnswerRanker":
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise _problem(path, "is missing") from None
        except (OSError, ValueError) as error:
            raise _problem(path, f"cannot be read ({type(error).__name__})") from error
        if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
            raise _problem(path, "is not an answer ranker of this version")
        if data.get("features") != list(FEATURES):
            raise _problem(path, "was trained on other features than this program computes")
        try:
            model = cls._model(data)
            abstain_below = float(data["abstain_below"])
        except (KeyError, TypeError, ValueError) as error:
            raise _problem(path, f"is damaged ({type(error).__name__})") from error
        return cls(model, abstain_below, path, {key: data.get(key) for key in ("kind", "trained_on", "metrics")})

    @staticmethod
    def _model(data: dict):
        width = len(FEATURES)
        if data["kind"] == "logistic":
            part = data["logistic"]
            model = Logistic(np.asarray(part["mean"], float), np.asarray(part["scale"], float),
                             np.asarray(part["coef"], float), float(part["intercept"]))
            if not (len(model.mean) == len(model.scale) == len(model.coef) == width) or not np.all(model.scale > 0):
                raise ValueError("logistic arrays do not match the features")
            return model
        if data["kind"] != "trees":
            raise ValueError(f"unknown kind {data['kind']!r}")
        part = data["trees"]
        arrays = {name: [np.asarray(tree[name], dtype) for tree in part["nodes"]]
                  for name, dtype in (("feature", np.int64), ("threshold", float), ("left", np.int64),
                                      ("right", np.int64), ("value", float), ("leaf", bool))}
        for tree in zip(*arrays.values()):
            size = len(tree[0])
            feature, _, left, right, _, leaf = tree
            if any(len(column) != size for column in tree) or size == 0:
                raise ValueError("tree arrays differ in length")
            inner = ~leaf
            if np.any(feature[inner] < 0) or np.any(feature[inner] >= width) or \
                    np.any(left[inner] <= np.flatnonzero(inner)) or np.any(right[inner] >= size) or \
                    np.any(right[inner] <= np.flatnonzero(inner)):
                raise ValueError("a tree's node links are out of range")
        return Trees(float(part["baseline"]), **arrays)

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        if not len(rows):
            return np.zeros(0)
        return 1.0 / (1.0 + np.exp(-self.model.raw(np.asarray(rows, dtype=float))))

    def explain(self, row: np.ndarray, top: int = 5) -> list[tuple[str, float, float]]:
        """The features that moved one candidate's score most: (name, value, contribution to the log-odds)."""
        contributions = self.model.contributions(np.asarray(row, dtype=float))
        order = np.argsort(-np.abs(contributions))[:top]
        return [(FEATURES[i], float(row[i]), float(contributions[i])) for i in order if contributions[i] != 0]


_loaded: dict[Path, AnswerRanker] = {}
_lock = threading.Lock()


def get_ranker(path: Path | str) -> AnswerRanker:
    """The process's ranker for ``path``, loaded once."""
    path = Path(path)
    with _lock:
        if path not in _loaded:
            _loaded[path] = AnswerRanker.load(path)
        return _loaded[path]
