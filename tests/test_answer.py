"""Extractive answers: verbatim quotes, exact citations, conflicts, abstention."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, is_subsequence, words

from assistant.answer import Citation, Quote, extract_figures, find_conflicts
from assistant.pipeline import Assistant
from assistant.query import QuestionError, question_names

IOMT_BILINGUAL = "001_dea5ebdc38bdf3ab.txt"
TELEMEDICINE = "004_cc81a9a3a938ae48.txt"
CONNECTED_DEVICES = "003_c2df3797af6a6a40.txt"


def eval_questions(lang: str, count: int) -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    return [row["question"] for row in rows if row["lang"] == lang and row["doc"]][:count]


QUESTIONS = eval_questions("en", 22) + eval_questions("zh", 10)


def test_every_quote_is_verbatim_and_its_citation_exact(assistant):
    assert len(QUESTIONS) >= 30
    quoted = with_header = 0
    for question in QUESTIONS:
        answer = assistant.ask(question)
        for quote in answer.quotes:
            citation = quote.citation
            document = assistant.index.document(citation.doc_id)
            assert document.text[citation.start : citation.end] == quote.text
            assert document.raw_span(citation.start, citation.end) == (citation.page, citation.raw_start, citation.raw_end)
            raw = Path(assistant.index.manifest.files[citation.doc_id]["path"]).read_text(encoding="utf-8")
            raw_words = words(raw[citation.raw_start : citation.raw_end])
            assert is_subsequence(words(quote.text), raw_words) and words(quote.text)[0] == raw_words[0]
            for part in (citation.header, citation.cell):  # a table row's header row and named cell
                if part:
                    assert document.text[part["start"]:part["end"]] == part["text"]
                    assert document.raw_span(part["start"], part["end"]) == (part["page"], part["raw_start"], part["raw_end"])
                    assert raw[part["raw_start"]:part["raw_end"]] == part["text"]
                    with_header += part is citation.header
            quoted += 1
        assert [quote.citation.n for quote in answer.quotes] == list(range(1, len(answer.quotes) + 1))
        assert 0 <= len(answer.quotes) <= 4
    assert quoted >= 30
    assert with_header >= 1  # the set asks about the seeds' tables too


def test_quotes_are_grouped_by_report(assistant):
    for question in QUESTIONS[:12]:
        docs = [quote.citation.doc_id for quote in assistant.ask(question).quotes]
        assert docs == sorted(docs, key=docs.index)  # each report's quotes are contiguous


def test_chinese_question_over_a_bilingual_report_shows_the_parallel_english(assistant):
    answer = assistant.ask("醫療物聯網市場的複合年成長率是多少？")
    assert not answer.abstained
    first = answer.quotes[0]
    assert first.citation.doc_id == IOMT_BILINGUAL and "28.76%" in first.text
    parallel = first.citation.parallel
    assert parallel and parallel["lang"] == "en" and "28.76%" in parallel["text"]
    document = assistant.index.document(IOMT_BILINGUAL)
    assert document.text[parallel["start"] : parallel["end"]] == parallel["text"]


@pytest.mark.parametrize("question", [
    "What was Medtronic's IoMT revenue in 2024?",
    "What market share does Cisco Systems hold in the global telemedicine market?",
])
def test_questions_the_reports_never_answer_abstain(assistant, question):
    answer = assistant.ask(question)
    assert answer.abstained and not answer.quotes
    assert "not" in answer.message.lower() or "no figure" in answer.message
    assert answer.hits, "the closest passages are still listed as possibly related"


def test_answerable_figure_questions_do_not_abstain(assistant):
    for question in ("What was Philips' revenue in 2022?", "What CAGR does IMARC expect for telemedicine?"):
        answer = assistant.ask(question)
        assert not answer.abstained and any(char.isdigit() for quote in answer.quotes for char in quote.text)


@pytest.mark.parametrize("question", ["", "   \n\t", "?!…。？", "x" * 2001])
def test_bad_questions_get_one_clear_sentence(assistant, question):
    with pytest.raises(QuestionError) as raised:
        assistant.ask(question)
    message = str(raised.value)
    assert message.endswith(".") and "\n" not in message


def test_names_are_read_from_questions():
    assert question_names("What was Boston Scientific's revenue?") == ["Boston", "Scientific"]
    assert question_names("报告中提到美敦力（Medtronic）的收入是多少？") == ["Medtronic"]


def test_figures_are_normalised_across_languages():
    english = extract_figures("valued at USD 1.35 billion in 2025, with a CAGR of 28.76%")
    chinese = extract_figures("預計到 2025 年,醫療物聯網市場規模將達到 13.5 億美元,複合年成長率為 28.76%")
    assert {(f["kind"], f["value"]) for f in english} == {(f["kind"], f["value"]) for f in chinese}


def test_find_conflicts_lists_differing_figures_side_by_side():
    def quote(n, doc_id, text):
        return Quote(text, Citation(n, doc_id, 0, len(text), None, f"c{n}", 1.0, 0, len(text)))

    quotes = [quote(1, "a.md", "The IoMT market reached USD 130.1 billion in 2025."),
              quote(2, "b.md", "The IoMT market was valued at USD 1.35 billion in 2025."),
              quote(3, "b.md", "It grows at a CAGR of 28.76%.")]
    conflicts = find_conflicts(quotes)
    assert len(conflicts) == 1
    assert {entry["doc_id"] for entry in conflicts[0]["values"]} == {"a.md", "b.md"}
    assert find_conflicts(quotes[1:]) == []


def test_reports_that_disagree_are_shown_side_by_side(tmp_path):
    from assistant.indexer import build_index

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "alpha.md").write_text("# Widget outlook\n\nThe global smart widget market will grow at a CAGR of 12.5% from 2025 to 2030.\n", encoding="utf-8")
    (docs / "beta.md").write_text("# Widget study\n\nAnalysts expect the smart widget market to expand at a CAGR of 7.1% through 2030.\n", encoding="utf-8")
    (docs / "gamma.md").write_text("# Garden tools\n\nLawn mower sales were flat in Europe last year.\n", encoding="utf-8")
    build_index([docs], tmp_path / "index")
    answer = Assistant(tmp_path / "index").ask("What CAGR do the reports give for the smart widget market?")
    assert {quote.citation.doc_id for quote in answer.quotes} >= {"alpha.md", "beta.md"}
    assert len(answer.conflicts) == 1
    values = {entry["value"] for entry in answer.conflicts[0]["values"]}
    assert values == {12.5, 7.1}


def test_answer_json_has_the_documented_shape(assistant):
    data = assistant.ask("What was the telemedicine market size in 2023?").to_dict()
    assert {"question", "abstained", "answer", "conflicts", "hits"} <= set(data)
    citation = data["answer"][0]["citation"]
    assert {"n", "doc_id", "raw_start", "raw_end", "page", "chunk_id", "score"} <= set(citation)
    assert set(data["hits"][0]) == {"chunk_id", "doc_id", "raw_start", "raw_end", "page", "score", "text"}


def test_question_is_echoed_as_asked_but_searched_normalised(assistant):
    answer = assistant.ask("ｔｅｌｅｍｅｄｉｃｉｎｅ market size in 2023？")
    assert answer.question == "ｔｅｌｅｍｅｄｉｃｉｎｅ market size in 2023？"
    assert any(quote.citation.doc_id == "004_cc81a9a3a938ae48.txt" for quote in answer.quotes)


def test_a_follow_up_inherits_the_market_and_says_how_it_was_read(assistant):
    answer = assistant.ask("And what will it be in 2032?", follow_up_of="What was the telemedicine market size in 2023?")
    assert answer.read_as.startswith("What was the telemedicine market size in 2032?")
    assert answer.to_dict()["read_as"] == answer.read_as
    assert not answer.abstained and all(quote.citation.doc_id == TELEMEDICINE for quote in answer.quotes)
    alone = assistant.ask("And what will it be in 2032?")
    assert alone.read_as == ""


def test_a_chinese_follow_up_inherits_the_market(assistant):
    answer = assistant.ask("那2032年呢？", follow_up_of="互联医疗设备市场2025年的规模是多少？")
    assert answer.read_as.startswith("互联医疗设备市场2032年")
    assert not answer.abstained and answer.quotes[0].citation.doc_id == CONNECTED_DEVICES
    assert any("2032" in quote.text or "2032" in (quote.citation.parallel or {}).get("text", "") for quote in answer.quotes)


def test_a_list_question_quotes_the_whole_list_with_its_lead_in(assistant):
    answer = assistant.ask("What application segments does the Reportprime IoMT report cover?")
    listed = [quote.text for quote in answer.quotes if "\n" in quote.text]
    assert listed, [quote.text for quote in answer.quotes]
    assert any(text.rstrip().count("\n") >= 2 and ":" in text.split("\n")[0] for text in listed)


def test_titles_headings_and_sales_lines_are_never_quoted(assistant):
    from assistant.answer.quotes import is_boilerplate

    assert is_boilerplate("Get a Sample PDF of the Report: https://example.com/sample/1")
    assert is_boilerplate("By Region:") and is_boilerplate("The market is segmented into:")
    assert not is_boilerplate("The market grew 12 percent in 2024, according to https://example.com/data, driven by demand.")
    titles = {card.doc_id: card.title for card in assistant.cards}
    for question in ("What is the telemedicine market?", "醫療物聯網市場報告", "IoT in Healthcare Market report"):
        for quote in assistant.ask(question).quotes:
            assert quote.text.strip(" |") != titles[quote.citation.doc_id]
            assert not is_boilerplate(quote.text)


def test_a_question_about_a_topic_no_report_covers_is_refused_with_its_reason(assistant):
    for question in ("How does photosynthesis convert light into chemical energy?", "光合作用的原理是什么？"):
        answer = assistant.ask(question)
        assert answer.abstained and "covers this topic" in answer.message, (question, answer.message)
    kept = assistant.ask("What was the telemedicine market size in 2023?")
    assert not kept.abstained
    # Market words (size, CAGR, companies) are shared by every report: they do not make a topic covered.
    for question in ("What is the projected size of the global craft beer market in 2030?", "宠物食品市场的主要企业有哪些？"):
        answer = assistant.ask(question)
        assert answer.abstained and "covers this topic" in answer.message, (question, answer.message)
    # A follow-up is judged by its own words: the previous question does not cover a new topic.
    moved_on = assistant.ask("What does it say about pet food brands?", follow_up_of="What was the telemedicine market size in 2023?")
    assert moved_on.read_as and moved_on.abstained


def test_an_acronym_spelled_out_in_a_report_is_mentioned():
    from types import SimpleNamespace

    from assistant.answer.reasons.unmentioned_name import spelled_out

    chunks = [SimpleNamespace(text="Low-power wide-area networks reach rural clinics; software as a medical device rules.")]
    assert spelled_out("LPWA", chunks) and spelled_out("SaMD", chunks)
    assert not spelled_out("NFC", chunks) and not spelled_out("Lpwa", chunks)  # not an acronym


def test_the_publisher_a_question_names_is_not_what_it_asks_about(assistant):
    answer = assistant.ask("TechSci 的医疗保健物联网报告中，2025年市场规模是多少？")
    assert not answer.abstained, answer.message
    assert assistant.ask("What was Teladoc Health's annual revenue in 2023?").abstained


def test_the_ranker_features_mark_enumerations_and_blurbs_restating_the_title():
    from types import SimpleNamespace

    from assistant.answer.features import enumerates, restates_title
    from assistant.answer.model import Candidate

    hit = SimpleNamespace(chunk=SimpleNamespace(doc_id="a.md"))
    listing = Candidate(hit, 0, 0, 1, "Sensors such as soil probes, weather stations, drones, leaf sensors and yield monitors.")
    summary = Candidate(hit, 0, 0, 1, "Sensor adoption differs across farm sizes.")
    assert enumerates(listing) == 1.0 and enumerates(summary) == 0.0
    title = "Smart Agriculture Sensors Market Report 2024-2030"
    assert restates_title("Northwind has released a report titled Smart Agriculture Sensors Market Report 2024-2030.", title)
    assert not restates_title("Soil probes lead the smart sensors market.", title)


def test_the_first_quote_is_the_best_one(assistant):
    answer = assistant.ask("What was the telemedicine market size in 2023?")
    assert "74.7" in answer.quotes[0].text  # the figure asked, first, whatever its place in the report


def test_a_figure_for_a_year_the_reports_never_mention_is_refused(assistant):
    from types import SimpleNamespace

    from assistant.answer.reasons import LibraryStats
    from assistant.answer.reasons.year_not_covered import reason
    from assistant.lexical import LexicalIndex, tokenize

    texts = {"a.md": "Sales reached 4 billion in 2023 and will double by 2030.", "b.md": "The 2027 outlook is flat."}
    lexical = LexicalIndex.build([tokenize(text) for text in texts.values()])
    doc_of = list(texts)

    def search_lexical(query, k, doc_ids=None):
        rows = [(row, score) for row, score in enumerate(lexical.scores(query)) if score > 0
                and (doc_ids is None or doc_of[row] in doc_ids)]
        return sorted(rows, key=lambda item: -item[1])[:k]

    index = SimpleNamespace(search_lexical=search_lexical)
    ask = assistant.read

    def year_not_covered(query, index, named=frozenset()):
        return reason(query, [], LibraryStats(index, frozenset(named)))

    assert "2027" in year_not_covered(ask("How large will the market be in 2027?"), index, {"a.md"})
    assert year_not_covered(ask("How large will the market be in 2027?"), index) is None  # b.md mentions it
    assert year_not_covered(ask("How large will the market be in 2030?"), index, {"a.md"}) is None
    assert year_not_covered(ask("Who led the market in 2027?"), index, {"a.md"}) is None  # not a figure question
    refused = assistant.ask("What will the telemedicine market be worth in 2029 according to IMARC?")
    assert refused.abstained and "2029" in refused.message
    assert not assistant.ask("What will the telemedicine market be worth in 2032 according to IMARC?").abstained


def test_a_sentence_the_passage_edge_cuts_is_quoted_whole():
    from assistant.ingest.candidates import whole_sentences

    text = "Alpha is first. 边缘运算正在加速,它将分析处理能力更靠近设备,从而降低了延迟。\nGamma ends it."
    cut = text.index("更靠近")  # a chunk that ends inside the Chinese sentence
    spans = [text[start:end] for start, end in whole_sentences(text, 0, cut)]
    assert spans == ["Alpha is first.", "边缘运算正在加速,它将分析处理能力更靠近设备,从而降低了延迟。"]
    starts_inside = [text[start:end] for start, end in whole_sentences(text, text.index("它将"), len(text))]
    assert starts_inside[0].startswith("边缘运算") and starts_inside[-1] == "Gamma ends it."


_LINK_RE = re.compile(r"https?://\S+|www\.\S+|\]\([^)]*\)")
_SALES_WORDS_RE = re.compile(r"inquir|enquir|purchas|request (?:a |for )?(?:free )?sample|buy now|download", re.I)


def _sales_or_link_line(text: str) -> bool:
    """A line that sells or only points elsewhere: a link with few words around it, or sales words with a link."""
    words = re.findall(r"[A-Za-z]{2,}|[\u4e00-\u9fff]", _LINK_RE.sub(" ", text))
    return bool(_LINK_RE.search(text)) and (len(words) < 8 or bool(_SALES_WORDS_RE.search(text)))


@pytest.mark.parametrize("question", [
    "Do the reports agree on the IoMT market size?",  # comparison
    "Compare the CAGR of the Internet of Medical Things market across reports",
    "What does each report say about the IoMT market size in 2025?",
    "Which companies are key players in the IoMT market?",  # list
    "What are the segments of the telemedicine market?",
    "What was the telemedicine market size in 2023?",  # figure
    "What is the CAGR of the Internet of Medical Things market?",
])
def test_sales_and_link_lines_are_never_quoted(assistant, question):
    answer = assistant.ask(question)
    shown = [quote.text for quote in answer.quotes] + [row["text"] for row in answer.comparison]
    shown += [value["text"] for conflict in answer.conflicts for value in conflict["values"]]
    assert shown and not [text for text in shown if _sales_or_link_line(text)]


def _fact(doc_id: str, market: str, text: str, value: float, period: str = "2023"):
    from assistant.ingest.facts import Fact

    return Fact(doc_id=doc_id, market=market, metric="market size", period=period, value=value, unit="USD billion",
                figure=f"USD {value} billion", text=text, start=0, end=len(text), page=None, raw_start=0,
                raw_end=len(text))


def test_the_comparison_keeps_every_report_about_the_market_in_the_askers_language():
    from assistant.answer import compare

    facts = [
        _fact("a.md", "Widgets", "The widget market reached USD 5 billion in 2023.", 5.0),
        _fact("b.md", "", "The widget market size was valued at USD 9 billion in 2023.", 9.0),  # card names no market
        _fact("c.md", "", "The gadget market size was valued at USD 7 billion in 2023.", 7.0),  # another market
        _fact("d.md", "Widgets", "小部件市场规模在2023年达到60亿美元。", 6.0),  # a bilingual report, Chinese first
        _fact("d.md", "Widgets", "The widget market reached USD 6 billion in 2023.", 6.0),
    ]
    rows = {row["doc_id"]: row for row in compare(facts, "Widgets", "market size", 2023, "en")}
    assert set(rows) == {"a.md", "b.md", "d.md"}
    assert rows["b.md"]["market_unknown"] and not rows["a.md"]["market_unknown"]
    assert rows["d.md"]["text"].startswith("The widget market")
    rows = {row["doc_id"]: row for row in compare(facts, "Widgets", "market size", 2023, "zh")}
    assert rows["d.md"]["text"].startswith("小部件")
