"""Abstention as one module per reason, run in the configured order (``assistant.answer.reasons``),
on a small in-memory library."""
from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import MemoryIndex

from assistant.answer.reasons import REASONS, LibraryStats, abstention_reason
from assistant.config import AnswerConfig
from assistant.ingest.cards import ReportCard
from assistant.query import merge, parse_query
from assistant.retrieval import Hit

LIBRARY = MemoryIndex([
    ("soil.md", "en", "Soil moisture sensors grew to USD 4.2 billion in 2023 and will reach USD 9 billion by 2030."),
    ("soil.md", "en", "Vendors include Fabrikam, Litware and Contoso. Low-power wide-area networks link the fields."),
    ("soil.md", "en", "Northwind Analytics publishes this outlook on smart agriculture sensors."),
    ("robots.md", "en", "Warehouse robotics adoption rose in 2027 as pallet handling was automated."),
])
CARDS = [ReportCard("soil.md", publisher="Northwind Analytics", market="Smart Agriculture Sensors"),
         ReportCard("robots.md", publisher="Contosoresearch", market="Warehouse Robotics")]


def ask(question: str):
    return parse_query(question, 2000, CARDS)


def stats(**changes) -> LibraryStats:
    return LibraryStats(LIBRARY, **changes)


def hits(similarity: float) -> list[Hit]:
    return [Hit(chunk, row, 1.0, similarity, 0.0, similarity) for row, chunk in enumerate(LIBRARY.chunks)]


def test_a_name_no_report_mentions():
    reason = REASONS["unmentioned_name"]
    assert reason(ask("What does Tailwind say about soil sensors?"), [], stats()) == "The reports do not mention Tailwind."
    assert reason(ask("Which vendors does Fabrikam compete with?"), [], stats()) is None
    assert reason(ask("How do LPWA networks link the fields?"), [], stats()) is None  # spelled out in a passage
    assert reason(ask("What does Northwind say about soil sensors?"), [], stats()) is None  # it names the report


def test_a_figure_of_a_rarely_named_thing_no_sentence_gives():
    reason = REASONS["no_figure_for_name"]
    assert reason(ask("How much revenue did Litware make?"), [], stats()) == \
        "The reports name Litware but give no figure for it."
    assert reason(ask("Who competes with Litware?"), [], stats()) is None  # no figure asked
    assert reason(ask("Which of Litware and Contoso is bigger by revenue?"), [], stats()) is None  # "which" picks
    assert reason(ask("How much revenue did Litware make?"), [], stats(config=AnswerConfig(rare_name_max_chunks=0))) is None


def test_a_year_the_reports_never_mention():
    reason = REASONS["year_not_covered"]
    assert "2027" in reason(ask("How large will the soil sensor market be in 2027?"), [], stats(named=frozenset({"soil.md"})))
    assert reason(ask("How large will the soil sensor market be in 2027?"), [], stats()) is None  # robots.md has it
    assert reason(ask("How large will the soil sensor market be in 2030?"), [], stats(named=frozenset({"soil.md"}))) is None
    assert reason(ask("Who led the soil sensor market in 2027?"), [], stats(named=frozenset({"soil.md"}))) is None
    # a follow-up is judged by the years it asks itself
    follow_up = merge(ask("How large will the soil sensor market be in 2027?"), ask("And what about robots?"))
    assert follow_up.alone is not None and reason(follow_up, [], stats(named=frozenset({"soil.md"}))) is None


def test_a_topic_no_report_covers():
    reason = REASONS["off_topic"]
    photosynthesis = ask("How does photosynthesis convert light into chemical energy?")
    assert "covers this topic" in reason(photosynthesis, hits(0.1), stats())
    assert reason(ask("How fast do soil moisture sensors grow?"), hits(0.1), stats()) is None
    # Similar passages do not save a question most of whose topic words occur nowhere.
    assert "covers this topic" in reason(photosynthesis, hits(0.9), stats())
    assert reason(photosynthesis, hits(0.9), stats(config=AnswerConfig(topic_unseen_min=10))) is None


@pytest.mark.parametrize("order, expected", [
    (("unmentioned_name", "year_not_covered"), "The reports do not mention Tailwind."),
    (("year_not_covered", "unmentioned_name"), "No report mentions 2045 at all, so none gives a figure for it."),
    ((), None),
])
def test_the_reasons_run_in_the_configured_order(order, expected):
    question = ask("How large will Tailwind's soil sensor market be in 2045?")
    config = replace(AnswerConfig(), reasons=order)
    assert abstention_reason(question, hits(0.9), stats(config=config)) == expected


def test_every_configured_reason_exists():
    assert set(AnswerConfig().reasons) <= set(REASONS)
