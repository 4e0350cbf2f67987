"""Hybrid search: modes, fusion, filters, cross-lingual recall."""
from __future__ import annotations

import pytest

from assistant.query import asks_across_reports
from assistant.retrieval import diversify, reciprocal_rank_fusion

IOMT_BILINGUAL = "001_dea5ebdc38bdf3ab.txt"
IOMT_ENGLISH = "000_3e72e74fd57db5f9.txt"
TELEMEDICINE = "004_cc81a9a3a938ae48.txt"


def test_rrf_rewards_agreement_and_respects_weights():
    fused = reciprocal_rank_fusion([[1, 2, 3], [2, 1, 4]], rrf_k=60)
    assert fused[1] == fused[2] > fused[3] == fused[4]
    weighted = reciprocal_rank_fusion([[1, 2], [2, 1]], rrf_k=60, weights=[2.0, 1.0])
    assert weighted[1] > weighted[2]


def test_diversify_keeps_the_top_and_then_mixes_reports(assistant):
    chunks = assistant.index.chunks
    rows_a = [i for i, c in enumerate(chunks) if c.doc_id == IOMT_ENGLISH][:6]
    rows_b = [i for i, c in enumerate(chunks) if c.doc_id == TELEMEDICINE][:2]
    scored = {row: 1.0 - 0.01 * n for n, row in enumerate(rows_a)}
    scored.update({row: 0.9 - 0.01 * n for n, row in enumerate(rows_b)})
    plain = [row for row, _ in diversify(scored, chunks, 6, 1.0, 5)]
    mixed = [row for row, _ in diversify(scored, chunks, 6, 0.8, 2)]
    assert plain == rows_a[:6]
    assert mixed[:2] == rows_a[:2] and rows_b[0] in mixed
    assert asks_across_reports("How do the reports compare on CAGR?")
    assert asks_across_reports("两份报告给出的增长率分别是多少？")
    assert not asks_across_reports("What is the telemedicine market size?")


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_every_mode_finds_the_telemedicine_market_size(assistant, mode):
    hits = assistant.search("How large was the global telemedicine market in 2023?", k=5, mode=mode)
    assert len(hits) == 5
    assert any(hit.chunk.doc_id == TELEMEDICINE and "74.7" in hit.chunk.text for hit in hits)
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)


def test_filter_by_document(assistant):
    hits = assistant.search("market size and CAGR", k=8, doc_ids={TELEMEDICINE})
    assert hits and {hit.chunk.doc_id for hit in hits} == {TELEMEDICINE}


def test_chinese_question_finds_chinese_text_of_a_bilingual_report(assistant):
    hits = assistant.search("醫療物聯網市場到2032年的規模和複合年成長率是多少？", k=3)
    assert hits[0].chunk.doc_id == IOMT_BILINGUAL
    assert any(hit.chunk.lang == "zh" and "28.76%" in hit.chunk.text for hit in hits)


def test_chinese_question_finds_an_english_only_report(assistant):
    # The English model cannot read the question and BM25 shares no word with
    # the passage; only the multilingual channel can bring 000 up.
    hits = assistant.search("中国预计在全球 IoMT 市场中占多大份额？原因是什么？", k=5)
    assert hits[0].chunk.doc_id == IOMT_ENGLISH
    assert any("15%" in hit.chunk.text for hit in hits)


def test_unknown_mode_is_refused(assistant):
    with pytest.raises(ValueError, match="Unknown retrieval mode"):
        assistant.search("anything", mode="magic")


def test_the_sentence_list_ranks_passages_by_their_best_sentence(assistant):
    from assistant.retrieval import Probe, Ranking, SentenceList

    retriever = assistant.retriever
    chunks = assistant.index.chunks
    sentence = next(pair.ranked for pair in retriever.lists_for("en") if isinstance(pair.ranked, SentenceList))
    everything = Probe(earlier=[Ranking(list(range(len(chunks))))])
    # The passage whose one sentence lists the connectivity technologies beats
    # passages that only scatter "connectivity" and "technology" over many lines.
    ranked = sentence.rank(assistant.read("Which connectivity technologies are considered: Bluetooth, Zigbee?"), 100, None,
                           everything).rows
    best = chunks[ranked[0]].text
    line = next(s for s in best.split("\n") if "Zigbee" in s)
    assert "Bluetooth" in line and "Zigbee" in line
    # A report with no text in the question's language is matched through the translation.
    foreign = sentence.rank(assistant.read("远程医疗平台"), 100, None, everything).rows
    assert chunks[foreign[0]].doc_id in sentence.languages.foreign("zh")


def test_a_comparison_naming_two_reports_retrieves_both(assistant):
    hits = assistant.search("Which grows faster: the telemedicine market or the connected medical devices market?", k=10)
    assert {TELEMEDICINE, "003_c2df3797af6a6a40.txt"} <= {hit.chunk.doc_id for hit in hits[:6]}
