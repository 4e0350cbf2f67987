"""Each ranked list of a search, on a small in-memory index (no files, no model): ``assistant.retrieval.lists``."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import MemoryIndex

from assistant.query import ReportMatch, parse_query
from assistant.retrieval import (
    CrossLingualList,
    DenseList,
    LexicalList,
    Probe,
    Ranking,
    ReportLanguages,
    SentenceList,
    TranslatedList,
    retrieval_lists,
)

PASSAGES = [  # (report, language, text)
    ("soil.md", "en", "Soil moisture sensors lead the market. Farms buy them for irrigation."),
    ("soil.md", "en", "The connectivity section covers many options.\nTechnologies are listed later.\nBluetooth is common."),
    ("soil.md", "en", "Connectivity technologies considered: Bluetooth, Zigbee and LoRa."),
    ("robots.md", "zh", "仓储机器人市场规模增长迅速。"),
    ("robots.md", "en", "Warehouse robots move pallets."),
    ("drones.md", "zh", "无人机用于农业喷洒。"),
]


def one_hot(size: int, order: list[int]) -> np.ndarray:
    """Vectors whose similarity to the query vector e0 falls in ``order``."""
    vectors = np.zeros((size, 2), dtype=np.float32)
    for rank, row in enumerate(order):
        vectors[row] = [1.0 - 0.1 * rank, 0.1 * rank]
    return vectors


@pytest.fixture(scope="module")
def index():
    size = len(PASSAGES)
    return MemoryIndex(PASSAGES, {"dense": one_hot(size, [4, 0, 1, 2, 3, 5]),
                                  "multilingual": one_hot(size, [3, 5, 4, 0, 1, 2])})


QUERY_VECTOR = np.array([1.0, 0.0], dtype=np.float32)


def ask(text: str):
    return parse_query(text, 2000)


def test_a_dense_list_ranks_by_its_channel_and_keeps_the_cosines(index):
    probe = Probe({"dense": QUERY_VECTOR, "multilingual": QUERY_VECTOR})
    ranking = DenseList(index, "dense").rank(ask("robots"), 3, None, probe)
    assert ranking.rows == [4, 0, 1] and ranking.scores[4] == pytest.approx(1.0)
    assert DenseList(index, "multilingual").rank(ask("robots"), 2, {"soil.md"}, probe).rows == [0, 1]  # within reports


def test_the_cross_lingual_list_ranks_only_the_other_language(index):
    probe = Probe({"multilingual": QUERY_VECTOR})
    assert CrossLingualList(index).rank(ask("仓储机器人"), 10, None, probe).rows == [4, 0, 1, 2]
    assert CrossLingualList(index).rank(ask("warehouse robots"), 10, None, probe).rows == [3, 5]


def test_the_lexical_list_is_bm25_over_the_question(index):
    ranking = LexicalList(index).rank(ask("Which soil moisture sensors?"), 5, None, Probe())
    assert ranking.rows[0] == 0 and ranking.scores[0] > 0
    assert LexicalList(index).rank(ask("pallets"), 5, {"soil.md"}, Probe()).rows == []


def test_the_translated_list_reaches_reports_without_the_question_language(index):
    languages = ReportLanguages(index.chunks)
    assert languages.foreign("en") == {"drones.md"} and languages.foreign("zh") == {"soil.md"}
    translated = TranslatedList(index, languages)
    chinese = ask("土壤湿度传感器")  # its translation holds soil, moisture, sensor
    assert translated.rank(chinese, 5, None, Probe()).rows[0] == 0
    assert translated.rank(chinese, 5, {"robots.md"}, Probe()).rows == []  # robots.md has Chinese text itself
    assert translated.rank(ask("agricultural drones spraying"), 5, None, Probe()).rows == [5]


def test_the_sentence_list_ranks_the_other_lists_candidates_by_their_best_sentence(index):
    sentence = SentenceList(index, ReportLanguages(index.chunks), per_list=2)
    question = ask("Which connectivity technologies are considered: Bluetooth, Zigbee?")
    probe = Probe(earlier=[Ranking([1, 2]), Ranking([0, 4, 2])])
    ranking = sentence.rank(question, 10, None, probe)
    # row 2 holds every term in one sentence; row 1 scatters them over three lines
    assert ranking.rows[:2] == [2, 1] and ranking.scores[2] > ranking.scores[1]
    assert 3 not in ranking.rows  # only the candidates of the lists before it (two deep each)
    assert sentence.rank(question, 10, None, Probe()).rows == []
    # The words that only name a report do not count.
    named = replace(ask("zigbee bluetooth"), reports=ReportMatch(("soil.md",), "publisher", ("bluetooth", "zigbee")))
    assert sentence.rank(named, 10, None, probe).rows == []


def test_the_retriever_lists_are_typed_pairs_per_language(index):
    chosen = retrieval_lists(index, {"en": {"dense": 1.0, "lexical": 2.0, "cross": 0.0, "translated": 0.5},
                                     "zh": {"dense": 0.0, "multilingual": 2.0, "sentence": 3.0}}, 60)
    en = [(pair.ranked.name, pair.weight) for pair in chosen["en"]]
    zh = [(pair.ranked.name, pair.weight) for pair in chosen["zh"]]
    # dense channels and BM25 always run (their scores are read beside the fusion); the others only when weighed
    assert en == [("dense", 1.0), ("multilingual", 1.0), ("lexical", 2.0), ("translated", 0.5)]
    assert zh == [("dense", 0.0), ("multilingual", 2.0), ("cross", 1.0), ("lexical", 1.0), ("sentence", 3.0)]


def test_the_rows_list_ranks_passages_by_their_table_row_nearest_the_question(seeds_index):
    from assistant.config import Settings
    from assistant.embedding import load_encoders
    from assistant.retrieval import Probe, RowList
    from assistant.store import Index

    index = Index.load(seeds_index)
    query = parse_query("How big is the IoT in healthcare market projected to be at the end of the forecast, in 2031?", 500)
    vectors = {channel: encoder.encode_queries([query.text])[0] for channel, encoder in load_encoders(Settings()).items()}
    ranking = RowList(index).rank(query, 10, None, Probe(vectors))
    first = index.chunks[ranking.rows[0]]
    assert "| Market Size 2031 | USD 126.23 Billion |" in first.text
    assert all(index.chunks[row].text.lstrip().startswith("|") for row in ranking.rows)
    assert list(ranking.scores) == ranking.rows and ranking.scores[ranking.rows[0]] >= max(ranking.scores.values())
