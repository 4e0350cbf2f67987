"""Follow-ups as ``merge(previous, current)`` (``assistant.query.followup``), on invented reports' cards."""
from __future__ import annotations

import re

import pytest

from assistant.ingest.cards import ReportCard
from assistant.query import merge, parse_query
from assistant.query.followup import is_elliptical, leans_on_previous

MAX = 2000
LIBRARY = [
    ReportCard("agri.html", title="Smart Agriculture Sensors Market 2024-2030", publisher="Northwind Analytics",
               market="Smart Agriculture Sensors", aliases=["northwind-analytics"], years=["2024-2030"], languages=["en"]),
    ReportCard("robots.pdf", title="Warehouse Robotics Market Outlook 2025-2029", publisher="Contosoresearch",
               market="Warehouse Robotics", aliases=["contosoresearch"], years=["2025-2029"], languages=["en"]),
    ReportCard("ssb.md", title="固态电池市场 Solid-State Battery Market 2025-2031", publisher="Tailspin Insights",
               market="Solid-State Battery", market_zh="固态电池", aliases=["SSB"], years=["2025-2031"],
               languages=["en", "zh"]),
]


def read(question: str):
    return parse_query(question, MAX, LIBRARY)


def chain(*questions: str):
    """Each question merged with the one before it, as a conversation reads them."""
    query = read(questions[0])
    for question in questions[1:]:
        query = merge(query if not query.read_as else read(query.read_as), read(question))
    return query


def well_formed(text: str, lang: str) -> bool:
    """One question: one question mark, at its end; no empty slot ("according to ?"), no doubled space."""
    mark = "？" if lang == "zh" else "?"
    body = text[:-1]
    return (text.endswith(mark) and "?" not in body and "？" not in body and "  " not in text
            and not re.search(r"\b(?:of|per|to|from|the|in|by|as|for|did|does)\s*[?？,，]", text)
            and not re.search(r"\s[,，?？]", text) and len(body.strip()) > 3)


# (previous, follow-up, what the rebuilt question must say, what it must no longer say)
ENGLISH = [
    # only the region changes
    ("What share of the SSB market is North America expected to hold?", "What about Europe?",
     "What share of the SSB market is Europe expected to hold?", "North America"),
    # only the year changes
    ("What was the warehouse robotics market size in 2025 according to Contosoresearch?", "And by 2029?",
     "What was the warehouse robotics market size in 2029 according to Contosoresearch?", "2025"),
    # only the metric changes
    ("What was the warehouse robotics market size in 2025 according to Contosoresearch?", "Which CAGR does that imply?",
     "What was the warehouse robotics market CAGR in 2025 according to Contosoresearch?", "size"),
    # only the company changes
    ("How much revenue did Fabrikam Robotics book in 2024 per the Contosoresearch report?", "And Litware?",
     "How much revenue did Litware book in 2024 per the Contosoresearch report?", "Fabrikam"),
    # only the report changes
    ("What is the SSB market size in 2030 according to Tailspin?", "And according to Contosoresearch?",
     "What is the SSB market size in 2030 according to Contosoresearch?", "Tailspin"),
]
CHINESE = [
    ("固态电池市场2025年的规模是多少？", "那2031年呢？", "固态电池市场2031年的规模是多少？", "2025"),
    ("北美占固态电池市场多少份额？", "那欧洲呢？", "欧洲占固态电池市场多少份额？", "北美"),
    ("固态电池市场2025年的规模是多少？", "对应的复合年增长率是多少？", "固态电池市场2025年的复合年增长率是多少？", "规模"),
    ("依据 Tailspin 的报告，2025年固态电池市场规模是多少？", "那 Northwind 呢？",
     "依据 Northwind 的报告,2025年固态电池市场规模是多少？", "Tailspin"),  # searched NFKC: a plain comma
]


@pytest.mark.parametrize("previous, follow_up, rebuilt, gone", ENGLISH + CHINESE)
def test_a_follow_up_puts_what_it_states_in_place_of_the_previous_ones(previous, follow_up, rebuilt, gone):
    query = merge(read(previous), read(follow_up))
    assert query.read_as == rebuilt
    assert gone not in query.read_as
    assert well_formed(query.read_as, query.lang)
    assert query.shown == follow_up and query.alone is not None and query.alone.text == read(follow_up).text


def test_what_the_follow_up_leaves_out_comes_from_the_previous_question():
    query = merge(read("What share of the SSB market will North America hold in 2030 according to Tailspin?"),
                  read("What about Europe?"))
    assert query.regions == ("Europe",)  # stated: wins
    assert query.metric == "share" and query.years == ("2030",)  # left out: inherited
    assert query.reports.doc_ids == ("ssb.md",) and query.intent == "figure" and query.lang == "en"
    year = merge(read("What share of the SSB market will North America hold in 2030?"), read("And in 2031?"))
    assert year.years == ("2031",) and year.regions == ("North America",)


def test_a_chain_inherits_through_the_second_turn():
    query = chain("What was the warehouse robotics market size in 2025 according to Contosoresearch?",
                  "And in 2029?", "At what CAGR?")
    assert query.read_as == "What was the warehouse robotics market CAGR in 2029 according to Contosoresearch?"
    assert query.reports.doc_ids == ("robots.pdf",) and query.metric == "cagr" and query.years == ("2029",)
    zh = chain("固态电池市场2025年的规模是多少？", "那2031年呢？", "对应的复合年增长率是多少？")
    assert zh.read_as == "固态电池市场2031年的复合年增长率是多少？" and zh.metric == "cagr"


def test_a_follow_up_that_asks_its_own_question_keeps_its_words_and_the_report():
    own = merge(read("What was the smart agriculture sensors market size in 2024 according to Northwind?"),
                read("And which vendors lead it?"))
    assert own.read_as == "Which vendors lead it, according to Northwind?"
    assert own.intent == "list" and own.reports.doc_ids == ("agri.html",)
    why = merge(read("Which component leads the warehouse robotics market?"), read("Why is that?"))
    assert why.read_as == "Why is that, regarding which component leads the warehouse robotics market?"
    assert why.intent == "reason"
    zh = merge(read("固态电池市场2025年的规模是多少？"), read("为什么？"))
    assert zh.read_as == "关于固态电池市场2025年的规模是多少，为什么？" and zh.intent == "reason"
    for query in (own, why, zh):
        assert well_formed(query.read_as, query.lang), query.read_as


def test_a_question_that_changes_the_topic_starts_afresh():
    previous = read("What was the warehouse robotics market size in 2025?")
    for question in ("Which companies make solid-state batteries for cars?", "What CAGR does Tailspin give for the SSB market?",
                     "固态电池的主要厂商有哪些？"):
        current = read(question)
        assert merge(previous, current) is current and current.read_as == "" and current.alone is None


def test_what_leans_on_the_previous_question():
    assert is_elliptical("In 2032?") and is_elliptical("還有日本呢？") and not is_elliptical("What is the SSB market size?")
    assert leans_on_previous(read("What growth rate does that imply?"))  # points back
    assert leans_on_previous(read("为什么？"))  # too short to name its subject
    assert not leans_on_previous(read("What CAGR does this report give for the SSB market?"))  # names its report
    assert leans_on_previous(read("And for the SSB market?"))  # ... unless elliptical


def test_every_follow_up_of_the_eval_sets_reads_as_one_well_formed_question(assistant):
    """Every follow-up of the tuning and held-out sets, read in its chain as the chat and the eval pass it
    (the previous turn as it was read): one question, in the asker's language, no two questions glued."""
    import json

    from conftest import ROOT

    read_in_context = 0
    for name in ("questions.jsonl", "heldout.jsonl"):
        rows = [json.loads(line) for line in (ROOT / "eval" / name).read_text(encoding="utf-8").splitlines() if line.strip()]
        asked = {row["id"]: row["question"] for row in rows}
        for row in rows:
            if not row.get("follows"):
                continue
            previous, current = assistant.read(asked[row["follows"]]), assistant.read(row["question"])
            query = merge(previous, current)
            if not query.read_as:
                assert query is current  # it names its own subject: read on its own
                continue
            read_in_context += 1
            asked[row["id"]] = query.read_as
            assert well_formed(query.read_as, row["lang"]), (row["id"], query.read_as)
            assert query.lang == row["lang"], (row["id"], query.read_as)
            assert previous.text not in query.read_as, (row["id"], query.read_as)  # never the two questions glued
    assert read_in_context >= 40
