"""The answer line: a span of the first quote that fits the question's intent, or none."""
from __future__ import annotations

import pytest

from assistant.answer import Citation, Quote, answer_line
from assistant.query import parse_query


def _quote(text: str) -> Quote:
    return Quote(text, Citation(1, "a.md", 0, len(text), None, "c", 1.0, 0, len(text)))


def _line(question: str, text: str):
    line = answer_line(_quote(text), parse_query(question, 2000))
    if line is not None:
        assert text[line.start:line.end] == line.text  # extractive: a span of the quote, verbatim
    return line


@pytest.mark.parametrize("question, text, expected", [
    ("What was the widget market size in 2023?",
     "The global widget market size reached US$ 74.7 Billion in 2023, and analysts expect more.",
     "US$ 74.7 Billion in 2023"),
    ("What CAGR is the widget market expected to grow at?",
     "The market will reach US$ 465.3 Billion by 2032, exhibiting a growth rate (CAGR) of 22.9% during 2024-2032.",
     "22.9% during 2024-2032"),
    ("How big will the widget market be in 2032?",
     "It was worth USD 1.35 billion in 2025 and is expected to reach USD 7.95 billion by 2032.",
     "USD 7.95 billion by 2032"),
    ("What share of the widget market does Europe hold?",
     "Europe accounted for 31.5% of the market in 2024, up from USD 2 billion of sales.",
     "31.5%"),
    ("小部件市场2025年的规模是多少？", "小部件市场规模预计到2025年将达到13.5亿美元。", "2025年将达到13.5亿美元"),
    ("How many virtual ward beds were open in 2025?",
     "In 2025 the statistics showed 12,825 virtual ward beds across the country.", "12,825 virtual ward beds"),
    ("截至2025年3月共有多少张床位？", "数据显示共有12,825张虚拟病房床位。", "12,825张"),
])
def test_a_quantity_question_gets_the_figure_with_unit_and_year(question, text, expected):
    line = _line(question, text)
    assert line is not None and line.kind == "figure" and line.text == expected


@pytest.mark.parametrize("question, text, expected", [
    ("Which companies are key players in the widget market?",
     "Key companies in the widget market include Brightwell Health, Kestrelcare and Ondoria Systems.",
     "Brightwell Health, Kestrelcare and Ondoria Systems"),
    ("What are the drivers of the widget market?",
     "The core drivers include an aging population and rising chronic disease, each requiring continuous care.",
     "an aging population and rising chronic disease"),
    ("Which types is the widget market segmented into?",
     "The widget market by type is segmented into:\n\n- Software\n\n- Devices", "Software\n\n- Devices"),
    ("新关税影响了哪些进口零组件？", "关税政策正在影响连接模组和专用感测器等进口组件的成本。", "连接模组和专用感测器"),
])
def test_a_list_question_gets_the_items(question, text, expected):
    line = _line(question, text)
    assert line is not None and line.kind == "items" and line.text == expected


@pytest.mark.parametrize("question, text, expected", [
    ("Which segment is growing fastest in the widget market?",
     "The wearables segment is expected to register the fastest growth over the period.", "wearables"),
    ("Which region holds the largest share of the widget market?",
     "Among all regions, North America held the largest share of the widget market in 2024.", "North America"),
    ("Which research firm published the widget market report?",
     "Global Widget Market report with the given market data, Zorblax Research offers customizations.",
     "Zorblax Research"),
])
def test_a_which_question_gets_the_name(question, text, expected):
    line = _line(question, text)
    assert line is not None and line.kind == "name" and line.text == expected


@pytest.mark.parametrize("question, text", [
    ("Why is the widget market growing?", "Rising demand for widgets drives growth of 12% a year."),
    ("Is the widget market growing?", "The widget market grew 12% in 2024."),
    ("What was the widget market size in 2023?", "The widget market is large and growing in every region."),
    ("Which companies lead the widget market?", "The market is led by a few firms that invest heavily."),
])
def test_no_line_when_no_span_fits(question, text):
    assert _line(question, text) is None


def test_ask_json_carries_the_answer_line_with_its_span(assistant):
    result = assistant.ask("What was the telemedicine market size in 2023?").to_dict()
    line = result["answer_line"]
    assert line["kind"] == "figure" and "74.7" in line["text"] and "2023" in line["text"]
    assert result["answer"][0]["text"][line["start"]:line["end"]] == line["text"]
    assert assistant.ask("Why is the telemedicine market growing?").to_dict()["answer_line"] is None
