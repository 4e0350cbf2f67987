"""The facts table: figures with metric, year, normalised value and span; comparisons like for like."""
from __future__ import annotations

import json

import pytest

from assistant.ingest import read_document
from assistant.ingest.facts import extract_facts

REPORTS = {
    "alpha.md": "# Global Solar Inverter Market Report 2024-2030\n\nNorthwind Analytics, a leading market research "
                "company, estimates the solar inverter market at USD 12.5 billion in 2024 and expects it to reach "
                "USD 25.1 billion by 2030, a CAGR of 12.3% during 2024-2030.\n",
    "beta.md": "# Solar Inverter Market Outlook 2024-2030\n\nContoso Research values the solar inverter market at "
               "US$ 14.2 Billion in 2024, growing at a CAGR of 11.0%.\n\n| Market Size 2030 | USD 27.9 Billion |\n",
    "gamma.md": "# 太阳能逆变器市场预测 2024-2030 Solar Inverter Market Forecast 2024-2030\n\n预计到 2024 年,太阳能逆变器市场规模将达到 "
                "131.0 亿美元,复合年增长率为 12.8%。\n",
    "delta.md": "# Global Wind Turbine Market Report 2024-2030\n\nThe wind turbine market was valued at USD 60.0 billion "
                "in 2024, a CAGR of 5.5%.\n",
}


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    from assistant.indexer import build_index
    from assistant.pipeline import Assistant

    folder = tmp_path_factory.mktemp("facts-docs")
    for name, text in REPORTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("facts-index")
    build_index([folder], index_dir)
    return folder, index_dir, Assistant(index_dir)


def test_figures_are_normalised_with_their_year_and_span(tmp_path):
    path = tmp_path / "gamma.md"
    path.write_text(REPORTS["gamma.md"], encoding="utf-8")
    document = read_document(path)
    facts = extract_facts(document, "Solar Inverter")
    size = next(fact for fact in facts if fact.metric == "market size")
    assert (size.period, size.value, size.unit) == ("2024", 13.1, "USD billion")  # 131.0 亿美元 = USD 13.1 billion
    assert document.raw_text[size.raw_start:size.raw_end] == size.text
    assert any(fact.metric == "cagr" and fact.value == 12.8 for fact in facts)
    english = extract_facts(read_document(_write(tmp_path, "alpha.md")), "Solar Inverter")
    years = {(fact.metric, fact.period, fact.value) for fact in english}
    assert ("market size", "2024", 12.5) in years and ("market size", "2030", 25.1) in years
    assert ("cagr", "2024-2030", 12.3) in years


def _write(folder, name):
    path = folder / name
    path.write_text(REPORTS[name], encoding="utf-8")
    return path


def test_money_of_something_else_is_not_a_market_size(tmp_path):
    path = tmp_path / "other.md"
    path.write_text("# Widget Market\n\nThe consumer electronics industry will generate $537 billion in 2025.\n",
                    encoding="utf-8")
    assert [fact for fact in extract_facts(read_document(path), "Widget") if fact.metric == "market size"] == []


def test_a_comparison_sets_the_same_market_metric_and_year_side_by_side(library):
    _, _, assistant = library
    answer = assistant.ask("Do the reports agree on the size of the solar inverter market in 2024?")
    rows = {row["doc_id"]: row for row in answer.comparison}
    assert set(rows) == {"alpha.md", "beta.md", "gamma.md"}  # the wind turbine report is another market
    assert {doc: row["value"] for doc, row in rows.items()} == {"alpha.md": 12.5, "beta.md": 14.2, "gamma.md": 13.1}
    assert all(row["period"] == "2024" and not row["nearest"] for row in rows.values())
    later = assistant.ask("Do the reports agree on the solar inverter market size in 2031?")
    assert all(row["nearest"] for row in later.comparison)  # no report gives 2031: the nearest year, labelled
    for conflict in answer.conflicts:
        assert "delta.md" not in {value["doc_id"] for value in conflict["values"]}


def test_conflicts_are_only_drawn_within_one_market():
    from assistant.answer import Citation, Quote, find_conflicts

    def quote(n, doc_id, text):
        return Quote(text, Citation(n, doc_id, 0, len(text), None, f"c{n}", 1.0, 0, len(text)))

    quotes = [quote(1, "a", "The market was USD 10 billion in 2024."), quote(2, "b", "The market was USD 60 billion in 2024.")]
    assert find_conflicts(quotes, {"a": "Solar Inverter", "b": "Wind Turbine"}) == []
    assert len(find_conflicts(quotes, {"a": "Solar Inverter", "b": "solar inverter"})) == 1


def test_the_facts_command_lists_and_filters(library, capsys):
    from assistant.cli import main

    _, index_dir, _ = library
    assert main(["facts", "--index", str(index_dir), "--json", "--market", "wind", "--metric", "cagr"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(row["doc_id"], row["value"]) for row in rows] == [("delta.md", 5.5)]
