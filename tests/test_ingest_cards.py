"""Report cards guessed from a report's own text (``assistant.ingest.cards``).

Every fixture is a small invented report written here into a temporary folder:
the cards must come from the general rules (first heading / long line as the
title, the capitalised phrase before "Market", "X, a leading market research
company", "Published by X", the linked web domain ...), never from the seeds.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.ingest.cards import (
    ReportCard,
    chinese_market,
    english_market,
    library_cards,
    make_card,
    sidecar_path,
    with_sidecar,
)
from assistant.ingest.reader import read_document

AGRI_HTML = """<!DOCTYPE html>
<html><head><title>Northwind | agri sensors</title><style>h1 {color: green}</style></head>
<body>
<h1>Global Smart Agriculture Sensors Market Report 2024-2030</h1>
<p>Northwind Analytics, a leading market research company, estimates that shipments of smart agriculture
sensors will keep growing through 2030 as farms adopt soil moisture probes.</p>
<p>Weather stations and canopy cameras make up the rest of the installed base.
Read <a href="https://www.northwind-analytics.com/reports/agri-sensors">the full study</a> or
<a href="https://www.northwind-analytics.com/contact">contact our analysts</a>.</p>
</body></html>
"""

ROBOT_PDF_LINES = [
    "Warehouse Robotics Market Outlook 2025-2029",
    "Published by Contoso Research",
    "",
    "Autonomous mobile robots lead warehouse automation spending in 2025.",
    "Contoso Research expects picking robots to double their installed base by 2029.",
]

SSB_MD = """固态电池市场:2025-2031年全球市场预测(按类型划分)Solid-State Battery Market by Type - Global Forecast 2025-2031 |

固态电池市场预计将在预测期内快速增长，覆盖氧化物、硫化物和聚合物电解质。基准年 2024。

The Solid-State Battery (SSB) market is expected to grow quickly over the forecast period,
with base year 2024. Oxide, sulfide and polymer electrolytes are covered in this study.
"""


def make_pdf(path: Path, lines: list[str]) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    y = 800
    for line in lines:
        pdf.drawString(50, y, line)
        y -= 16
    pdf.showPage()
    pdf.save()


def write_reports(folder: Path) -> dict[str, Path]:
    """The three invented reports: doc_id -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"agri.html": folder / "agri.html", "robots.pdf": folder / "robots.pdf", "ssb.md": folder / "ssb.md"}
    paths["agri.html"].write_text(AGRI_HTML, encoding="utf-8")
    make_pdf(paths["robots.pdf"], ROBOT_PDF_LINES)
    paths["ssb.md"].write_text(SSB_MD, encoding="utf-8")
    return paths


def card_of(path: Path) -> ReportCard:
    return make_card(read_document(path))


# --- one card per format -------------------------------------------------------------------------------------


def test_html_report_card(tmp_path):
    card = card_of(write_reports(tmp_path)["agri.html"])
    assert card.doc_id == "agri.html"
    assert card.title == "Global Smart Agriculture Sensors Market Report 2024-2030"  # the <h1>, not <title>
    assert card.publisher == "Northwind Analytics"
    assert card.market == "Smart Agriculture Sensors"  # "Global" dropped
    assert card.market_zh == ""
    assert "2024-2030" in card.years
    assert card.languages == ["en"]
    assert "northwind-analytics" in card.aliases  # the domain its links point to
    assert card.edited is False


def test_pdf_report_card(tmp_path):
    card = card_of(write_reports(tmp_path)["robots.pdf"])
    assert card.title == "Warehouse Robotics Market Outlook 2025-2029"
    assert card.publisher == "Contoso Research"
    assert card.market == "Warehouse Robotics"
    assert card.years == ["2025-2029"]
    assert card.languages == ["en"]


def test_bilingual_markdown_report_card(tmp_path):
    card = card_of(write_reports(tmp_path)["ssb.md"])
    assert card.title.startswith("固态电池市场") and card.title.endswith("Global Forecast 2025-2031")
    assert card.market == "Solid-State Battery"
    assert card.market_zh == "固态电池"
    assert "SSB" in card.aliases  # "Solid-State Battery (SSB)" defines the acronym
    assert card.languages == ["en", "zh"]
    assert card.years[0] == "2025-2031" and card.years.count("2025-2031") == 1  # named twice in the title, kept once
    assert "base 2024" in card.years


def test_publisher_falls_back_to_the_linked_domain(tmp_path):
    path = tmp_path / "drones.html"
    path.write_text(
        "<h1>Agricultural Drone Spraying Market Forecast 2026-2032</h1>"
        "<p>Spraying drones cover more hectares every season.</p>"
        '<p><a href="https://www.fabrikamdata.io/drones">Details</a> '
        '<a href="https://fabrikamdata.io/about">About</a> '
        '<a href="https://www.linkedin.com/company/x">Follow</a></p>',
        encoding="utf-8",
    )
    card = card_of(path)
    assert card.market == "Agricultural Drone Spraying"
    assert card.publisher == "Fabrikamdata"  # no name introduced: the domain most links point to
    assert card.aliases == ["fabrikamdata"]  # linkedin is a common host, not the publisher
    assert card.years == ["2026-2032"]


def test_market_phrase_rules():
    assert english_market("eVTOL Aircraft Market Size, Share & Trends Report 2025-2032") == "eVTOL Aircraft"
    assert english_market("Worldwide Insights into the Vertical Farming Lighting Market") == "Vertical Farming Lighting"
    assert english_market("IoT in Greenhouse Farming Market Outlook") == "IoT in Greenhouse Farming"
    assert english_market("no capitalised phrase before the market word") == ""
    assert chinese_market("全球远程教育市场报告") == "远程教育"
    assert chinese_market("中國遠程教育市場研究") == "遠程教育"
    assert chinese_market("Remote Education Market") == ""


def test_chinese_market_after_a_year_range():
    assert chinese_market("2024-2030年全球远程教育市场规模预测报告") == "远程教育"


@pytest.mark.parametrize("footer, publisher", [
    ("© 2024 Northwind Analytics. All rights reserved.", "Northwind Analytics"),
    ("Seed breeders rely on copyright protection for new varieties. "
     "More at https://www.northwind-analytics.com/seeds and https://www.northwind-analytics.com/about", "Northwind-analytics"),
])
def test_copyright_line_gives_the_publisher_name_only(tmp_path, footer, publisher):
    path = tmp_path / "lidar.md"
    path.write_text(
        "# Automotive Lidar Sensors Market Report 2025-2030\n\n"
        "Solid-state lidar units are getting cheaper every year.\n\n"
        f"{footer}\n",
        encoding="utf-8",
    )
    assert card_of(path).publisher == publisher


# --- sidecars -------------------------------------------------------------------------------------------------


def test_sidecar_overrides_fields_and_marks_the_card_edited(tmp_path):
    report = write_reports(tmp_path)["robots.pdf"]
    card = card_of(report)
    assert sidecar_path(report) == tmp_path / "robots.pdf.card.json"
    assert with_sidecar(card, report) == card  # no sidecar: the guess stands

    sidecar_path(report).write_text(json.dumps({"publisher": "Contoso Robotics Research", "doc_id": "other.pdf",
                                                "unknown_field": 1}), encoding="utf-8")
    edited = with_sidecar(card, report)
    assert edited.publisher == "Contoso Robotics Research"
    assert edited.edited is True
    assert edited.doc_id == "robots.pdf"  # a sidecar cannot rename the report
    assert edited.market == card.market and edited.years == card.years  # other fields kept
    assert card.publisher == "Contoso Research"  # the guessed card is not changed in place


@pytest.mark.parametrize("content", ["{not json", "[\"publisher\", \"X\"]", "\"Contoso\"", ""])
def test_malformed_sidecar_is_ignored(tmp_path, content):
    report = write_reports(tmp_path)["agri.html"]
    card = card_of(report)
    sidecar_path(report).write_text(content, encoding="utf-8")
    assert with_sidecar(card, report) == card


def test_library_cards_apply_sidecars(tmp_path):
    paths = write_reports(tmp_path)
    files = {doc_id: {"path": str(path), "sha256": "0" * 64, "n_chunks": 1, "card": card_of(path).to_dict()}
             for doc_id, path in paths.items()}
    files["old.txt"] = {"path": str(tmp_path / "old.txt"), "n_chunks": 1}  # an entry without a card
    sidecar_path(paths["ssb.md"]).write_text(json.dumps({"publisher": "Tailspin Energy Insights",
                                                          "aliases": ["SSB", "ASSB"]}), encoding="utf-8")
    cards = {card.doc_id: card for card in library_cards(files)}
    assert list(cards) == ["agri.html", "robots.pdf", "ssb.md", "old.txt"]
    assert cards["ssb.md"].publisher == "Tailspin Energy Insights" and cards["ssb.md"].edited
    assert cards["ssb.md"].aliases == ["SSB", "ASSB"] and cards["ssb.md"].market_zh == "固态电池"
    assert cards["agri.html"].publisher == "Northwind Analytics" and not cards["agri.html"].edited
    assert cards["old.txt"] == ReportCard(doc_id="old.txt")


def test_card_round_trip_ignores_unknown_keys():
    card = ReportCard(doc_id="a.md", title="Remote Education Platforms Market 2025-2030", publisher="Northwind Analytics",
                      market="Remote Education Platforms", market_zh="远程教育", aliases=["REP", "northwind"],
                      years=["2025-2030", "base 2024"], languages=["en", "zh"], edited=True)
    data = card.to_dict()
    assert data["aliases"] == ["REP", "northwind"] and data["edited"] is True
    assert ReportCard.from_dict(data) == card
    assert ReportCard.from_dict({**data, "pages": 12, "confidence": 0.4}) == card
    assert ReportCard.from_dict({"doc_id": "b.md"}) == ReportCard(doc_id="b.md")


# --- cards in a real index and in the CLI ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """(reports folder, index folder): the three invented reports, indexed once."""
    from assistant.indexer import build_index

    folder = tmp_path_factory.mktemp("card-reports")
    write_reports(folder)
    index_dir = tmp_path_factory.mktemp("card-index")
    report = build_index([folder], index_dir)
    assert report.files == 3
    return folder, index_dir


def test_index_records_a_card_per_file(built):
    from assistant.store import open_index

    _, index_dir = built
    files = open_index(index_dir).manifest.files
    assert set(files) == {"agri.html", "robots.pdf", "ssb.md"}
    cards = {doc_id: ReportCard.from_dict(info["card"]) for doc_id, info in files.items()}
    assert all(card.doc_id == doc_id for doc_id, card in cards.items())
    assert cards["agri.html"].publisher == "Northwind Analytics"
    assert cards["agri.html"].market == "Smart Agriculture Sensors"
    assert cards["robots.pdf"].publisher == "Contoso Research"
    assert cards["ssb.md"].market_zh == "固态电池" and "SSB" in cards["ssb.md"].aliases


def test_cli_reports_lists_the_cards_and_reads_sidecars_without_rebuild(built, capsys):
    from assistant.cli import main

    folder, index_dir = built
    assert main(["reports", "--index", str(index_dir), "--json"]) == 0
    rows = {row["doc_id"]: row for row in json.loads(capsys.readouterr().out)}
    assert set(rows) == {"agri.html", "robots.pdf", "ssb.md"}
    assert rows["agri.html"]["publisher"] == "Northwind Analytics"
    assert rows["agri.html"]["market"] == "Smart Agriculture Sensors"
    assert "2024-2030" in rows["agri.html"]["years"]
    assert rows["robots.pdf"]["market"] == "Warehouse Robotics"
    assert rows["ssb.md"]["languages"] == ["en", "zh"] and "base 2024" in rows["ssb.md"]["years"]
    assert all(row["n_chunks"] >= 1 and row["edited"] is False for row in rows.values())
    assert Path(rows["robots.pdf"]["path"]) == folder / "robots.pdf"

    sidecar = sidecar_path(folder / "robots.pdf")
    sidecar.write_text(json.dumps({"publisher": "Contoso Logistics Research"}), encoding="utf-8")
    try:
        assert main(["reports", "--index", str(index_dir), "--json"]) == 0
        rows = {row["doc_id"]: row for row in json.loads(capsys.readouterr().out)}
        assert rows["robots.pdf"]["publisher"] == "Contoso Logistics Research" and rows["robots.pdf"]["edited"]
        assert rows["agri.html"]["edited"] is False

        assert main(["reports", "--index", str(index_dir)]) == 0  # the text listing too
        out = capsys.readouterr().out
        assert "Contoso Logistics Research" in out and "edited" in out and "3 reports." in out
    finally:
        sidecar.unlink()


@pytest.mark.parametrize("lead, publisher", [
    ("Zorblax Research publishes this outlook every year.", "Zorblax Research"),
    ("Northwind Analytics has released its annual widget study.", "Northwind Analytics"),
    ("Quillfeather Analytics prepared this confidential outlook for its clients.", "Quillfeather Analytics"),
])
def test_the_first_lines_name_the_publisher(tmp_path, lead, publisher):
    path = tmp_path / "lead.md"
    path.write_text(f"# Widget Market Outlook 2030\n\n{lead}\n\nThe widget market grew 7% in 2024.\n", encoding="utf-8")
    assert card_of(path).publisher == publisher


def test_a_firm_named_late_in_the_report_is_not_its_publisher(tmp_path):
    path = tmp_path / "late.md"
    filler = "\n\n".join(f"Paragraph {i} says the widget market grew in region {i}." for i in range(40))
    path.write_text(f"# Widget Market Outlook 2030\n\n{filler}\n\nAcme Widgets has released a new widget.\n",
                    encoding="utf-8")
    assert card_of(path).publisher == ""
