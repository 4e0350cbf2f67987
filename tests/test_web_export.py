"""A turn and a conversation as Markdown (numbered citations: title, file, page,
characters) and JSON (every citation span); the scope of a question."""
from __future__ import annotations

import json

from assistant.web import (
    LibraryEntry,
    conversation_json,
    conversation_markdown,
    scope_doc_ids,
    turn_markdown,
)


def _turn(turn_id: int = 0) -> dict:
    citation = {"n": 1, "doc_id": "a.md", "raw_start": 10, "raw_end": 52, "page": 3, "chunk_id": "c", "score": 1.0,
                "start": 5, "end": 47, "parallel": None}
    second = {**citation, "n": 2, "doc_id": "up.md", "page": None, "raw_start": 0, "raw_end": 20}
    result = {"question": "What size?", "abstained": False, "message": "", "read_as": "What size in 2030?",
              "answer": [{"text": "The market was 5 | 6 billion.", "citation": citation},
                         {"text": "It grew.", "citation": second}],
              "conflicts": [], "hits": [], "relevance": 1.0,
              "comparison": [{"doc_id": "a.md", "figure": "US$ 5 billion", "period": "2030", "nearest": False,
                              "page": 3, "raw_start": 10, "raw_end": 52}]}
    return {"id": turn_id, "question": "What size?", "result": result, "views": {},
            "titles": {"a.md": "Widget Market Report"}, "uploaded": ["up.md"], "scope": {"n": 2, "total": 5}}


def test_turn_markdown_has_numbered_citations_title_first():
    text = turn_markdown(_turn(), 1)
    assert text.startswith("## Q1. What size?\n")
    assert "Read as: What size in 2030?" in text and "Searched: 2 of 5 reports" in text
    assert "> The market was 5 | 6 billion. [1]" in text
    assert "[1] Widget Market Report — a.md, page 3, characters 10–52" in text
    assert "[2] up.md, characters 0–20 (uploaded)" in text
    assert "| Widget Market Report — a.md | US$ 5 billion | 2030 | Widget Market Report — a.md, page 3, characters 10–52 |" \
        not in text  # the source column names no title twice
    assert "| Widget Market Report — a.md | US$ 5 billion | 2030 | a.md, page 3, characters 10–52 |" in text


def test_conversation_exports_keep_every_span():
    turns = [_turn(0), _turn(1)]
    markdown = conversation_markdown(turns)
    assert markdown.count("## Q") == 2 and "## Q2. What size?" in markdown
    data = json.loads(conversation_json(turns))
    spans = [(quote["citation"]["doc_id"], quote["citation"]["raw_start"], quote["citation"]["raw_end"])
             for turn in data["turns"] for quote in turn["answer"]["answer"]]
    assert spans == [("a.md", 10, 52), ("up.md", 0, 20)] * 2
    assert data["turns"][0]["titles"] == {"a.md": "Widget Market Report"} and data["turns"][0]["uploaded"] == ["up.md"]


def test_scope_by_reports_and_language():
    entries = [LibraryEntry("en.md", languages=["en"]), LibraryEntry("zh.md", languages=["zh"]),
               LibraryEntry("both.md", languages=["en", "zh"])]
    assert scope_doc_ids(entries, [], "all") is None  # everything: no filter
    assert scope_doc_ids(entries, ["en.md", "both.md", "gone.md"]) == {"en.md", "both.md"}
    assert scope_doc_ids(entries, [], "zh") == {"zh.md", "both.md"}
    assert scope_doc_ids(entries, ["en.md"], "zh") == set()


def test_markdown_shows_report_html_as_text():
    """Issue 25: the Markdown export held a report's raw HTML (a Markdown viewer renders it)."""
    turn = _turn()
    turn["question"] = "What <b>size</b>?"
    turn["titles"] = {"a.md": "<img src=x onerror=alert(1)> Widgets"}
    turn["result"]["answer"][0]["text"] = 'It was <script>alert("x")</script> 5 & 6 billion.'
    turn["result"]["comparison"][0]["figure"] = "<svg onload=alert(2)>"
    markdown = conversation_markdown([turn])
    assert "<" not in markdown.replace("<!--", "") and ">" not in markdown.replace("\n> ", "\n").replace("\n>\n", "\n")
    assert '> It was &lt;script&gt;alert("x")&lt;/script&gt; 5 &amp; 6 billion. [1]' in markdown
    assert "## Q1. What &lt;b&gt;size&lt;/b&gt;?" in markdown
    assert "&lt;img src=x onerror=alert(1)&gt; Widgets — a.md" in markdown
    assert json.loads(conversation_json([turn]))["turns"][0]["answer"]["answer"][0]["text"].startswith("It was <script>")
