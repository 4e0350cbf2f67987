"""The answer ranker: its model file, what it learns, and how a bad file is refused."""
from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.answer.features import FEATURES
from assistant.answer.ranker import AnswerRanker, RankerError
from assistant.training.fit import Dataset, fit

SIGNAL = FEATURES.index("cos_multi")
GAP = FEATURES.index("cos_multi_gap")


def planted(n_questions: int, seed: int) -> Dataset:
    """Questions of 10 candidates each; exactly the candidate with the highest
    ``cos_multi`` is right (its ``cos_multi_gap`` to the best is 0, as
    answer.features computes it); every other feature is noise."""
    rng = np.random.default_rng(seed)
    rows = rng.normal(size=(n_questions * 10, len(FEATURES)))
    labels = np.zeros(len(rows))
    for question in range(n_questions):
        block = slice(question * 10, question * 10 + 10)
        labels[question * 10 + int(np.argmax(rows[block, SIGNAL]))] = 1
        rows[block, GAP] = rows[block, SIGNAL] - rows[block, SIGNAL].max()
    sizes = np.full(n_questions, 10)
    ids = np.array([f"q{i}" for i in range(n_questions)])
    return Dataset(rows, labels, sizes, ids, np.full(n_questions, "extractive"), np.full(n_questions, "en"))


def top_right(ranker: AnswerRanker, data: Dataset) -> float:
    scores = ranker.probabilities(data.features).reshape(-1, 10)
    return float(np.mean(data.labels.reshape(-1, 10)[np.arange(len(scores)), scores.argmax(axis=1)]))


@pytest.mark.parametrize("variant", ["trees", "logistic"])
def test_a_tiny_ranker_learns_the_planted_signal(tmp_path, variant):
    model_file = {**fit(planted(300, seed=1), variant), "abstain_below": 0.1}
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps(model_file), encoding="utf-8")
    ranker = AnswerRanker.load(path)
    fresh = planted(200, seed=2)
    assert top_right(ranker, fresh) >= 0.85  # chance is 0.1
    positive = fresh.features[fresh.labels == 1][0]
    assert ranker.explain(positive)[0][0] in ("cos_multi", "cos_multi_gap")


def test_exported_trees_score_exactly_as_scikit_learn_does():
    from sklearn.ensemble import HistGradientBoostingClassifier

    from assistant.training.fit import _export_trees

    data = planted(200, seed=3)
    model = HistGradientBoostingClassifier(max_iter=30, max_leaf_nodes=7, early_stopping=False, random_state=0)
    model.fit(data.features, data.labels.astype(int))
    ranker = AnswerRanker(AnswerRanker._model({"kind": "trees", "trees": _export_trees(model)}), 0.0, None, {})
    np.testing.assert_allclose(ranker.probabilities(data.features), model.predict_proba(data.features)[:, 1], atol=1e-9)


def test_the_shipped_ranker_loads_and_names_its_training_data():
    from assistant.config import DEFAULT_RANKER

    data = json.loads(DEFAULT_RANKER.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES)
    assert {source["name"] for source in data["trained_on"]} <= {"squad2", "cmrc2018"}
    assert 0 < AnswerRanker.load(DEFAULT_RANKER).abstain_below < 1
    card = DEFAULT_RANKER.with_suffix(".md").read_text(encoding="utf-8")
    assert "train split" in card and "CC BY-SA 4.0" in card


def _good_file() -> dict:
    return {**fit(planted(50, seed=4), "trees-small"), "abstain_below": 0.2}


@pytest.mark.parametrize("damage, says", [
    (None, "is missing"),
    ("{not json", "cannot be read"),
    (json.dumps({**_good_file(), "features": list(FEATURES[:-1])}), "other features"),
    (json.dumps({**_good_file(), "format": 99}), "not an answer ranker of this version"),
    (json.dumps({**_good_file(), "abstain_below": "high"}), "is damaged"),
])
def test_a_missing_damaged_or_mismatched_ranker_is_one_sentence(tmp_path, damage, says):
    path = tmp_path / "ranker.json"
    if damage is not None:
        path.write_text(damage, encoding="utf-8")
    with pytest.raises(RankerError) as raised:
        AnswerRanker.load(path)
    message = str(raised.value)
    assert says in message and "train-ranker" in message and "\n" not in message


def test_a_tree_whose_links_loop_is_refused(tmp_path):
    broken = _good_file()
    broken["trees"]["nodes"][0]["left"][0] = 0  # the root would point at itself
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(RankerError, match="is damaged"):
        AnswerRanker.load(path)


def test_the_assistant_refuses_to_start_with_a_bad_ranker(seeds_index, tmp_path):
    from assistant.config import AnswerConfig, Settings
    from assistant.pipeline import Assistant

    with pytest.raises(RankerError, match="is missing"):
        Assistant(seeds_index, Settings(answer=AnswerConfig(ranker=str(tmp_path / "nowhere.json"))))
