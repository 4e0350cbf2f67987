"""Reading a question (``assistant.query.question``) and finding the reports it names
(``assistant.query.reports``), on hand-made cards of invented reports."""
from __future__ import annotations

import json

import pytest

from assistant.ingest.cards import ReportCard, library_cards
from assistant.lexical import fold_script, tokenize
from assistant.query.question import (
    Query,
    QuestionError,
    asks_across_reports,
    asks_for_quantity,
    parse_query,
    question_names,
)
from assistant.query.reports import ReportMatch, match_reports

MAX = 2000

AGRI = ReportCard("agri.html", title="Global Smart Agriculture Sensors Market Report 2024-2030",
                  publisher="Northwind Analytics", market="Smart Agriculture Sensors",
                  aliases=["northwind-analytics"], years=["2024-2030"], languages=["en"])
ROBOTS = ReportCard("robots.pdf", title="Warehouse Robotics Market Outlook 2025-2029", publisher="Contosoresearch",
                    market="Warehouse Robotics", aliases=["contosoresearch"], years=["2025-2029"], languages=["en"])
SSB = ReportCard("ssb.md", title="固态电池市场:2025-2031年全球市场预测 Solid-State Battery Market 2025-2031",
                 publisher="Tailspin Insights", market="Solid-State Battery", market_zh="固态电池", aliases=["SSB"],
                 years=["2025-2031", "base 2024"], languages=["en", "zh"])
LIBRARY = [AGRI, ROBOTS, SSB]


def named(question: str, cards: list[ReportCard]) -> tuple[tuple[str, ...], str]:
    """(doc_ids, by) of the match: the fields this test pins down (ReportMatch may gain more)."""
    match = match_reports(question, cards)
    assert isinstance(match, ReportMatch)
    return match.doc_ids, match.by


NONE = ((), "")


def card(doc_id: str, publisher: str = "", market: str = "", market_zh: str = "", aliases=()) -> ReportCard:
    return ReportCard(doc_id, publisher=publisher, market=market, market_zh=market_zh, aliases=list(aliases))


# --- parse_query ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("question, lang", [
    ("How large is the smart agriculture sensors market?", "en"),
    ("远程教育市场的规模是多少？", "zh"),
    ("遠程教育市場的規模是多少？", "zh"),
    ("Northwind的固态电池报告怎么说？", "zh"),  # a Chinese question naming a Latin-script publisher
])
def test_language_of_a_question(question, lang):
    assert parse_query(question, MAX).lang == lang


@pytest.mark.parametrize("question, expected", [
    ("How much will farms spend on soil sensors in 2030?", True),
    ("What CAGR does the study give for solid-state batteries?", True),
    ("远程教育市场有多少用户？", True),
    ("遠程教育市場規模預計為何？", True),
    ("Who published the solid-state battery study?", False),
    ("哪些公司生产固态电池？", False),
])
def test_asks_for_quantity(question, expected):
    assert asks_for_quantity(question) is expected
    assert parse_query(question, MAX).asks_quantity is expected


@pytest.mark.parametrize("question, expected", [
    ("Do the reports agree on the growth of warehouse robotics?", True),
    ("Compare the battery forecasts.", True),
    ("两份报告对固态电池的预测一致吗？", True),
    ("兩份報告對固態電池的預測一致嗎？", True),
    ("What does the report say about warehouse robotics?", False),
    ("这份报告怎么说固态电池？", False),
])
def test_asks_across_reports(question, expected):
    assert asks_across_reports(question) is expected
    assert parse_query(question, MAX).across_reports is expected


@pytest.mark.parametrize("question, words", [
    (None, "empty"),
    ("", "empty"),
    ("   \n\t ", "empty"),
    ("?!...", "no words"),
    ("？！……", "no words"),  # full-width punctuation
    ("12345", "no words"),  # issue 25: digits alone got quoted answers
    ("2023 2024 ?", "no words"),
    ("\x1b[31m", "no words"),  # an ANSI colour code alone
    ("\x1b[1;31m 42 \x1b[0m", "no words"),
])
def test_questions_that_cannot_be_asked(question, words):
    with pytest.raises(QuestionError) as error:
        parse_query(question, MAX)
    message = str(error.value)
    assert words in message and message.endswith(".") and "\n" not in message


def test_over_long_question_is_refused_with_its_length():
    with pytest.raises(QuestionError) as error:
        parse_query("soil sensors " * 200, MAX)  # 2,600 characters
    message = str(error.value)
    assert "2,600" in message and "2,000" in message and message.endswith(".")
    assert parse_query("a" * MAX, MAX).text == "a" * MAX  # exactly the limit is fine


def test_query_fields_and_normalisation():
    query = parse_query("How big is the ＳＳＢ market per Tailspin?", MAX, LIBRARY)
    assert isinstance(query, Query)
    assert query.shown == "How big is the ＳＳＢ market per Tailspin?"  # as asked
    assert query.text == "How big is the SSB market per Tailspin?"  # NFKC: full-width letters become plain
    assert query.names == ("SSB", "Tailspin")
    assert (query.reports.doc_ids, query.reports.by) == (("ssb.md",), "publisher+market")
    assert query.to_dict()["reports"] == {"doc_ids": ["ssb.md"], "by": "publisher+market"}
    assert parse_query("How big is the SSB market?", MAX).reports.doc_ids == ()  # no cards: no match


@pytest.mark.parametrize("question, names", [
    ("According to Northwind, how big is the SSB market?", ["Northwind", "SSB"]),
    ("What does Contoso Research expect for 2029?", ["Contoso"]),  # "Research" is a generic word
    ("Northwind expects what growth?", []),  # the first word is capitalised anyway
    ("Does the eVTOL report cite FabrikamData?", ["FabrikamData"]),
    ("Northwind的固态电池报告和SSB", ["Northwind", "SSB"]),  # Chinese question: its Latin-script words
    ("what does the market report say?", []),
])
def test_question_names(question, names):
    assert question_names(question) == names


# --- match_reports --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "According to Northwind, how fast do soil sensors grow?",
    "What does Northwind's study expect for 2030?",
    "northwind forecast",
])
def test_match_by_publisher_word(question):
    assert named(question, LIBRARY) == (("agri.html",), "publisher")


def test_match_by_publisher_web_domain():
    # the card's publisher is the bare domain "Contosoresearch"; the question says "Contoso"
    assert named("What does Contoso expect for picking robots?", LIBRARY) == \
        (("robots.pdf",), "publisher")
    # a generic word or a too short prefix of a domain names nobody
    domain_only = [card("a.md", publisher="Researchnester", aliases=["researchnester"]), AGRI]
    assert named("Which research covers soil probes?", domain_only) == NONE
    assert named("What are the pros and cons?", [card("c.md", aliases=["consofts"]), AGRI]) == NONE


@pytest.mark.parametrize("question", [
    "What is the smart agriculture sensors market worth?",
    "How big is the market for sensors for smart agriculture?",  # any word order
    "Agriculture sensors (smart ones): the forecast?",
])
def test_match_by_english_market_in_any_order(question):
    assert named(question, LIBRARY) == (("agri.html",), "market")


def test_market_needs_every_content_word():
    assert named("How big is the agriculture sensors market?", LIBRARY) == NONE
    assert named("What do smart sensors cost?", LIBRARY) == NONE


@pytest.mark.parametrize("question", [
    "固态电池市场有多大？",  # simplified, as on the card
    "固態電池市場有多大？",  # traditional: folded to the card's simplified script
    "How big are solid state batteries?",  # hyphen and plural do not matter
])
def test_match_by_market_in_chinese_scripts_and_english(question):
    assert named(question, LIBRARY) == (("ssb.md",), "market")


def test_match_by_traditional_card_and_simplified_question():
    cards = [card("edu.md", market_zh="遠程教育"), AGRI]
    assert named("远程教育市场的规模", cards) == (("edu.md",), "market")


@pytest.mark.parametrize("question", ["How big is the SSB market?", "ssb shipments in 2030", "SSB 市场规模"])
def test_match_by_acronym_alias(question):
    assert named(question, LIBRARY) == (("ssb.md",), "market")


def test_publisher_and_market_intersect():
    cards = [
        card("nw-agri.html", "Northwind Analytics", "Smart Agriculture Sensors"),
        card("nw-robots.pdf", "Northwind Analytics", "Warehouse Robotics"),
        card("co-agri.md", "Contoso Research", "Smart Agriculture Sensors"),
    ]
    assert named("Northwind's smart agriculture sensors forecast", cards) == \
        (("nw-agri.html",), "publisher+market")
    assert named("What does Northwind say?", cards) == (("nw-agri.html", "nw-robots.pdf"), "publisher")
    assert named("smart agriculture sensors growth", cards) == (("nw-agri.html", "co-agri.md"), "market")


def test_most_specific_market_wins():
    cards = [card("broad.md", market="Agriculture Sensors"), card("narrow.md", market="Smart Agriculture Sensors"),
             card("other.md", market="Warehouse Robotics")]
    assert named("smart agriculture sensors market size", cards) == (("narrow.md",), "market")
    assert named("agriculture sensors market size", cards) == (("broad.md",), "market")


def test_no_match_for_an_unrelated_question():
    assert named("What drives demand for residential heat pumps?", LIBRARY) == NONE
    assert named("anything", []) == NONE
    assert ReportMatch().to_dict() == {"doc_ids": [], "by": ""}


def test_no_match_when_every_report_is_named_alike():
    cards = [card("a.md", "Northwind Analytics", "Smart Agriculture Sensors"),
             card("b.md", "Northwind Analytics", "Warehouse Robotics")]
    assert named("According to Northwind, what grows fastest?", cards) == NONE
    # ...but a library of one report is named by its publisher
    assert named("According to Northwind, what grows fastest?", cards[:1]) == (("a.md",), "publisher")


def test_matches_follow_the_library_order():
    cards = [card("z.md", "Northwind Analytics"), card("a.md", "Contoso Research"), card("m.md", "Northwind Group")]
    assert match_reports("Northwind", cards).doc_ids == ("z.md", "m.md")


@pytest.mark.parametrize("publisher, question", [
    ("Northwind Analytics", "Which analytics methods do the reports use?"),
    ("Fabrikam Consulting", "Do consulting firms expect soil sensors to grow?"),
])
def test_generic_publisher_words_name_nobody(publisher, question):
    cards = [card("a.md", publisher, "Smart Agriculture Sensors"), card("b.md", "Contoso Research", "Warehouse Robotics")]
    assert named(question, cards) == NONE


def test_sidecar_with_a_null_field_does_not_break_questions(tmp_path):
    report = tmp_path / "agri.html"
    (tmp_path / "agri.html.card.json").write_text(json.dumps({"publisher": None}), encoding="utf-8")
    cards = library_cards({"agri.html": {"path": str(report), "card": AGRI.to_dict()},
                           "robots.pdf": {"path": str(tmp_path / "robots.pdf"), "card": ROBOTS.to_dict()}})
    reports = parse_query("What does Contoso expect?", MAX, cards).reports
    assert (reports.doc_ids, reports.by) == (("robots.pdf",), "publisher")


# --- script folding -------------------------------------------------------------------------------------------


def test_traditional_and_simplified_fold_to_the_same_tokens():
    assert fold_script("遠程教育與智慧農業") == "远程教育与智慧农业"
    assert tokenize("遠程教育") == tokenize("远程教育") == ["远程", "程教", "教育"]
    assert tokenize("智慧農業感測器") == tokenize("智慧农业感测器")
    assert tokenize("電") == ["电"]  # a one-character run keeps the character
    assert tokenize("固態電池 SSB 2,025.5%") == ["固态", "态电", "电池", "ssb", "2025.5"]
    assert fold_script("Solid-State Battery 2025") == "Solid-State Battery 2025"  # Latin text untouched


def test_metric_years_regions_and_entities_of_a_question():
    query = parse_query("What share of the SSB market will North America and Europe hold in 2030 per Tailspin?", MAX, LIBRARY)
    assert query.metric == "share" and query.years == ("2030",) and query.asked_year == 2030
    assert query.regions == ("North America", "Europe")
    assert query.entities == ()  # SSB and Tailspin name the report, the places are regions
    company = parse_query("How much revenue did Contoso Robotics book in 2022?", MAX)
    assert company.metric == "revenue" and company.entities == ("Contoso", "Robotics")
    zh = parse_query("固態電池市場2025至2031年的年複合成長率是多少？歐洲呢？", MAX, LIBRARY)
    assert zh.metric == "cagr" and zh.periods == ("2025-2031",) and zh.years == ("2025", "2031") and zh.regions == ("歐洲",)
    assert parse_query("Do the reports agree on the CAGR?", MAX).metric == "cagr"
    assert parse_query("各报告的复合年增长率分别是多少？", MAX).metric == "cagr"
    assert parse_query("What market share does Europe hold?", MAX).metric == "share"
    assert parse_query("Do the reports agree on the market size in 2030?", MAX).metric == "market size"
    assert parse_query("Who makes solid-state batteries?", MAX).metric == ""


def test_the_year_pattern_is_one_for_reports_and_questions():
    from assistant.ingest.years import periods_in, years_in

    assert years_in("from 1999 to 2032, not 12024 or 20321") == ["1999", "2032"]
    assert periods_in("2024-2032, 2026 至 2032 and 2025~2031") == ["2024-2032", "2026-2032", "2025-2031"]
    assert parse_query("How big in 2099?", MAX).years == ("2099",)


def test_two_markets_named_both_count_and_a_period_picks_among_alike_reports():
    cards = [card("agri.md", market="Smart Agriculture Sensors"), card("robots.md", market="Warehouse Robotics"),
             card("broad.md", market="Agriculture Sensors")]
    assert named("Which grows faster, smart agriculture sensors or warehouse robotics?", cards) == \
        (("agri.md", "robots.md"), "market")
    alike = [ReportCard("old.md", market="Warehouse Robotics", years=["2020-2025"]),
             ReportCard("new.md", market="Warehouse Robotics", years=["2026-2032", "base 2025"]), AGRI]
    assert named("What does the 2026-2032 warehouse robotics forecast expect?", alike) == (("new.md",), "market")
    assert named("What does the warehouse robotics forecast expect?", alike) == (("old.md", "new.md"), "market")


def test_publisher_and_another_market_name_two_reports():
    cards = [card("nw.md", "Northwind Analytics", "Smart Agriculture Sensors"),
             card("co.md", "Contoso Research", "Warehouse Robotics"), card("x.md", "Fabrikam", "Heat Pumps")]
    assert named("Does Northwind's smart agriculture sensors market grow faster than the warehouse robotics market?",
                 cards) == (("nw.md", "co.md"), "publisher+market")
    # ...but a market named only in words the publisher's card lacks describes the publisher's report.
    chinese = [card("nw.md", "Northwind Analytics", "Warehouse Robotics"), card("co.md", "Contoso", "", "仓储机器人"), cards[2]]
    assert named("Northwind 的仓储机器人报告怎么说？", chinese) == (("nw.md",), "publisher")
    # Comparing a publisher's report with the market's other reports.
    same = [card("nw.md", "Northwind Analytics", "Warehouse Robotics"), card("co.md", "", "Warehouse Robotics"), cards[2]]
    assert match_reports("Northwind's warehouse robotics outlook", same).doc_ids == ("nw.md",)
    assert match_reports("Northwind's warehouse robotics outlook vs other reports", same, across=True).doc_ids == \
        ("nw.md", "co.md")
