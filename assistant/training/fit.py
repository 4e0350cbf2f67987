"""Fitting the answer ranker: gradient-boosted trees or a logistic regression, exported as plain JSON.

scikit-learn is needed only here (the ``train`` extra); the exported file is
evaluated with numpy by :mod:`assistant.answer.ranker`.  Rows are split by
question into a fitting part and a validation part, so the reported metrics
are on questions the model did not see.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..answer.features import FEATURES
from ..answer.ranker import MODEL_FORMAT

#: Model variants offered to the tuning set (which picks one; it fits nothing).
VARIANTS = {
    "trees": {"kind": "trees", "max_iter": 300, "learning_rate": 0.05, "max_leaf_nodes": 15, "min_samples_leaf": 40},
    "trees-small": {"kind": "trees", "max_iter": 100, "learning_rate": 0.1, "max_leaf_nodes": 7, "min_samples_leaf": 80},
    "logistic": {"kind": "logistic", "C": 1.0},
    # The same trees over the features whose meaning does not depend on the library's shape (how many
    # reports, how long, how its lists score): a model trained on Wikipedia articles that must carry to reports.
    "trees-core": {"kind": "trees", "max_iter": 100, "learning_rate": 0.1, "max_leaf_nodes": 7, "min_samples_leaf": 80,
                   "drop": ("hit_dense", "hit_multi", "hit_lexical", "from_sentence_list", "query_terms", "has_name",
                            "table_row", "restates_title", "length", "doc_position", "opens_paragraph")},
    "lambdarank": {"kind": "lambdarank", "n_estimators": 300, "learning_rate": 0.05, "num_leaves": 15,
                   "min_child_samples": 40},
}


@dataclass
class Dataset:
    features: np.ndarray
    labels: np.ndarray
    sizes: np.ndarray  # rows per question, in order
    groups: np.ndarray  # question ids
    kinds: np.ndarray
    langs: np.ndarray

    @classmethod
    def load(cls, *paths) -> "Dataset":
        parts = [np.load(path) for path in paths]
        return cls(*(np.concatenate([part[name] for part in parts])
                     for name in ("features", "labels", "sizes", "groups", "kinds", "langs")))

    def rows(self, questions: np.ndarray) -> np.ndarray:
        """The row mask of the questions in the mask ``questions``."""
        return np.repeat(questions, self.sizes)

    def subset(self, questions: np.ndarray) -> "Dataset":
        """The questions in the mask ``questions``, with their rows."""
        rows = self.rows(questions)
        return Dataset(self.features[rows], self.labels[rows], self.sizes[questions], self.groups[questions],
                       self.kinds[questions], self.langs[questions])

    def split(self, validation_share: float, seed: int = 0) -> tuple["Dataset", "Dataset"]:
        chosen = np.random.default_rng(seed).random(len(self.sizes)) < validation_share
        return self.subset(~chosen), self.subset(chosen)


def _node_values(tree) -> np.ndarray:
    """Leaf values as fitted; each inner node's value the training-count-weighted
    mean of its children's (scikit-learn leaves inner values unshrunk or unset),
    so the path from the root explains a score feature by feature."""
    value = tree["value"].astype(float).copy()
    count = tree["count"].astype(float)
    for node in range(len(value) - 1, -1, -1):  # children come after their parent
        if not tree["is_leaf"][node]:
            left, right = tree["left"][node], tree["right"][node]
            value[node] = (count[left] * value[left] + count[right] * value[right]) / max(count[left] + count[right], 1)
    return value


def _export_trees(model) -> dict:
    nodes = []
    for predictors in model._predictors:  # one binary-classification predictor per iteration
        tree = predictors[0].nodes
        nodes.append({"feature": tree["feature_idx"].tolist(), "threshold": tree["num_threshold"].tolist(),
                      "left": tree["left"].tolist(), "right": tree["right"].tolist(),
                      "value": _node_values(tree).tolist(), "leaf": tree["is_leaf"].astype(bool).tolist()})
    return {"baseline": float(np.ravel(model._baseline_prediction)[0]), "nodes": nodes}


def _export_lightgbm(booster, scale: float, shift: float) -> dict:
    """LightGBM's trees in the same flat form, the Platt calibration folded in
    (every value times ``scale``, ``shift`` as the baseline): P = sigmoid(scale * score + shift)."""
    nodes = []
    for info in booster.dump_model()["tree_info"]:
        arrays = {"feature": [], "threshold": [], "left": [], "right": [], "value": [], "leaf": []}

        def add(node) -> int:
            position = len(arrays["leaf"])
            for name in arrays:
                arrays[name].append(0)
            if "leaf_value" in node:
                arrays["leaf"][position], arrays["value"][position] = True, scale * node["leaf_value"]
                arrays["feature"][position] = arrays["left"][position] = arrays["right"][position] = -1
                return position
            if node["decision_type"] != "<=":
                raise ValueError(f"unsupported split {node['decision_type']}")
            arrays["feature"][position], arrays["threshold"][position] = node["split_feature"], node["threshold"]
            arrays["value"][position] = scale * node.get("internal_value", 0.0)
            arrays["leaf"][position] = False
            arrays["left"][position] = add(node["left_child"])
            arrays["right"][position] = add(node["right_child"])
            return position

        add(info["tree_structure"])
        nodes.append(arrays)
    return {"baseline": shift, "nodes": nodes}


def fit(data: Dataset, variant: str, seed: int = 0, calibration: "Dataset | None" = None) -> dict:
    """The model file's content (without metrics) for one variant.  A ranking
    variant's scores are calibrated to probabilities on ``calibration`` (Platt)."""
    options = dict(VARIANTS[variant])
    kind = options.pop("kind")
    dropped = [FEATURES.index(name) for name in options.pop("drop", ())]
    if dropped:  # a constant column: no tree splits on it, so the model ignores the feature
        data = Dataset(data.features.copy(), data.labels, data.sizes, data.groups, data.kinds, data.langs)
        data.features[:, dropped] = 0.0
    if kind == "lambdarank":
        import lightgbm
        from sklearn.linear_model import LogisticRegression

        model = lightgbm.LGBMRanker(objective="lambdarank", random_state=seed, verbose=-1, **options)
        model.fit(data.features, data.labels.astype(int), group=data.sizes)
        target = calibration if calibration is not None else data
        raw = model.predict(target.features, raw_score=True).reshape(-1, 1)
        platt = LogisticRegression(C=1e6).fit(raw, target.labels.astype(int))
        return {"format": MODEL_FORMAT, "kind": "trees", "variant": variant, "features": list(FEATURES),
                "trees": _export_lightgbm(model.booster_, float(platt.coef_[0][0]), float(platt.intercept_[0]))}
    if kind == "trees":
        from sklearn.ensemble import HistGradientBoostingClassifier

        model = HistGradientBoostingClassifier(early_stopping=False, random_state=seed, **options)
        model.fit(data.features, data.labels.astype(int))
        return {"format": MODEL_FORMAT, "kind": "trees", "variant": variant, "features": list(FEATURES),
                "trees": _export_trees(model)}
    from sklearn.linear_model import LogisticRegression

    mean = data.features.mean(axis=0)
    scale = data.features.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=options["C"], max_iter=2000)
    model.fit((data.features - mean) / scale, data.labels.astype(int))
    return {"format": MODEL_FORMAT, "kind": "logistic", "variant": variant, "features": list(FEATURES),
            "logistic": {"mean": mean.tolist(), "scale": scale.tolist(), "coef": model.coef_[0].tolist(),
                         "intercept": float(model.intercept_[0])}}


def abstain_threshold(data: Dataset, scores: np.ndarray, false_abstain: float) -> float:
    """The highest probability threshold that refuses at most ``false_abstain``
    of the questions whose right answer is among their candidates."""
    best_right = []
    start = 0
    for size, kind in zip(data.sizes, data.kinds):
        labels, block = data.labels[start:start + size], scores[start:start + size]
        start += size
        if kind == "extractive" and labels.any():
            best_right.append(block.max())
    return float(np.quantile(best_right, false_abstain)) if best_right else 0.0


def question_metrics(data: Dataset, scores: np.ndarray, threshold: float) -> dict:
    """Per question: is the best-scored candidate a right one (answerable questions
    with a right candidate among them), and is the question refused at ``threshold``."""
    top_right, reachable, answerable, abstained_unanswerable, unanswerable, false_abstain = 0, 0, 0, 0, 0, 0
    start = 0
    for size, kind in zip(data.sizes, data.kinds):
        labels, block = data.labels[start:start + size], scores[start:start + size]
        start += size
        best = int(np.argmax(block)) if size else -1
        refused = size == 0 or block[best] < threshold
        if kind == "extractive":
            answerable += 1
            if labels.any():
                reachable += 1
                top_right += int(labels[best] == 1)
                false_abstain += int(refused)
        else:
            unanswerable += 1
            abstained_unanswerable += int(refused)
    return {"questions": int(len(data.sizes)), "answerable": answerable, "answer_in_candidates": reachable,
            "top_right_given_reachable": round(top_right / max(reachable, 1), 4),
            "abstain_unanswerable": round(abstained_unanswerable / max(unanswerable, 1), 4),
            "false_abstain_reachable": round(false_abstain / max(reachable, 1), 4)}


def feature_weights(model_file: dict, data: Dataset, top: int = 12) -> list[tuple[str, float]]:
    """Which features carry the weight: mean absolute contribution to the log-odds over ``data``'s rows."""
    from ..answer.ranker import AnswerRanker

    model = AnswerRanker._model(model_file)
    rows = data.features[: min(len(data.features), 3000)]
    total = np.zeros(len(FEATURES))
    for row in rows:
        total += np.abs(model.contributions(row))
    total /= max(len(rows), 1)
    order = np.argsort(-total)[:top]
    return [(FEATURES[i], round(float(total[i]), 4)) for i in order]
