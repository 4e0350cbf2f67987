"""What one asker may see: a private report in the index never answers, names, dates
or compares for an asker who may not see it (store view and Assistant, real index)."""
from __future__ import annotations

import shutil

import pytest
from conftest import SEEDS, point_index_at

PRIVATE = """# Telemedicine Market Outlook 2023-2030

Quillfeather Analytics prepared this confidential outlook for its clients.

The global telemedicine market size was valued at USD 812.4 billion in 2023 and is expected to grow at a CAGR of 31.7% from 2024 to 2030.

The Zentrovia region held a 61.3% share of the telemedicine market in 2023, the largest of any region.

Key companies in the telemedicine market include Brightwell Health, Kestrelcare and Ondoria Systems.
"""
PRIVATE_ID = "private_outlook.md"
#: Only the private report answers these (the shipped ones never name Zentrovia, Kestrelcare, 2029's figure ...).
ONLY_PRIVATE = [
    "What share did the Zentrovia region hold in the telemedicine market?",
    "Which companies does Quillfeather Analytics name in the telemedicine market?",
]
#: The shipped telemedicine report answers these too; the private one competes.
SHARED = [
    "Do the reports agree on the telemedicine market size in 2023?",
    "What was the telemedicine market size in 2023?",
    "Which companies are key players in the telemedicine market?",
]


@pytest.fixture(scope="module")
def private_index(tmp_path_factory, seeds_index):
    """The seeds and one private report in one index (only the private report is newly embedded)."""
    from assistant.indexer import build_index

    root = tmp_path_factory.mktemp("visible")
    docs, private, index_dir = root / "docs", root / "private", root / "index"
    shutil.copytree(SEEDS, docs)
    shutil.copytree(seeds_index, index_dir)
    point_index_at(index_dir, docs)
    private.mkdir()
    (private / PRIVATE_ID).write_text(PRIVATE, encoding="utf-8")
    build_index([docs, private], index_dir)
    return index_dir


@pytest.fixture(scope="module")
def both(private_index):
    from assistant.pipeline import Assistant

    return Assistant(private_index)


@pytest.fixture(scope="module")
def shipped(both) -> frozenset[str]:
    return frozenset(doc_id for doc_id in both.index.manifest.files if doc_id != PRIVATE_ID)


def _cited(answer) -> set[str]:
    """Every report an answer draws on: quotes, passages, comparison rows, conflicts."""
    found = {quote.citation.doc_id for quote in answer.quotes} | {hit.chunk.doc_id for hit in answer.hits}
    found |= {row["doc_id"] for row in answer.comparison}
    found |= {value["doc_id"] for conflict in answer.conflicts for value in conflict["values"]}
    return found


# ------------------------------------------------------------- the store view

def test_the_view_searches_only_the_visible_reports(both, shipped):
    from assistant.store import VisibleIndex

    view = VisibleIndex(both.index, shipped)
    assert view.search_lexical("Zentrovia", 5) == []
    assert both.index.search_lexical("Zentrovia", 5)  # the private report holds it
    vector = both.retriever.encode_query(both.read("Zentrovia telemedicine share"))
    for channel in view.channels:
        rows = [row for row, _ in view.search_dense(channel, vector[channel], 200)]
        assert rows and all(both.index.chunks[row].doc_id in shipped for row in rows)
    # a filter asked for inside the view keeps to the view, never widens it
    assert view.search_lexical("telemedicine", 5, doc_ids={PRIVATE_ID}) == []
    assert view.search_dense(view.channels[0], vector[view.channels[0]], 5, doc_ids={PRIVATE_ID}) == []


def test_the_view_counts_terms_and_reads_chunks_of_visible_reports_only(both, shipped):
    from assistant.lexical import tokenize
    from assistant.store import VisibleIndex

    view = VisibleIndex(both.index, shipped)
    [token] = tokenize("Zentrovia")
    assert both.index.lexical.doc_freq.get(token, 0) > 0 and view.lexical.doc_freq.get(token, 0) == 0
    [shared] = tokenize("telemedicine")
    private_rows = [row for row, chunk in enumerate(both.index.chunks) if chunk.doc_id == PRIVATE_ID]
    assert view.lexical.doc_freq.get(shared, 0) == both.index.lexical.doc_freq[shared] - len(private_rows)
    assert len(view.chunks) == len(both.index.chunks)  # rows keep their numbers
    assert all(view.chunks[row].text == "" for row in private_rows)
    assert not any("Zentrovia" in chunk.text for chunk in view.chunks)
    assert PRIVATE_ID not in view.manifest.files
    with pytest.raises(KeyError):
        view.document(PRIVATE_ID)


# ------------------------------------------------------------- the Assistant

@pytest.mark.parametrize("question", ONLY_PRIVATE)
def test_a_question_only_the_private_report_answers_is_refused_to_others(both, shipped, question):
    mine = both.ask(question)
    assert not mine.abstained and mine.quotes[0].citation.doc_id == PRIVATE_ID  # its owner gets it
    theirs = both.ask(question, visible=shipped)
    assert theirs.abstained, [quote.text for quote in theirs.quotes]
    assert PRIVATE_ID not in _cited(theirs)


@pytest.mark.parametrize("question", SHARED)
def test_answers_comparisons_and_conflicts_never_draw_on_a_hidden_report(both, shipped, question):
    assert PRIVATE_ID in _cited(both.ask(question))  # the private report competes when visible
    theirs = both.ask(question, visible=shipped)
    assert PRIVATE_ID not in _cited(theirs)
    assert not theirs.abstained and theirs.quotes


def test_a_hidden_report_cannot_be_named_or_scoped(both, shipped):
    read = both.read("What does the Telemedicine Market Outlook 2023-2030 say about Zentrovia?", visible=shipped)
    assert PRIVATE_ID not in read.reports.doc_ids
    answer = both.ask("What was the telemedicine market size in 2023?", doc_ids={PRIVATE_ID}, visible=shipped)
    assert answer.abstained and PRIVATE_ID not in _cited(answer)
    hits = both.search("Zentrovia share", k=10, visible=shipped)
    assert hits and PRIVATE_ID not in {hit.chunk.doc_id for hit in hits}


def test_seeing_everything_is_the_unfiltered_answer(both):
    question = "What was the telemedicine market size in 2023?"
    everything = frozenset(both.index.manifest.files)
    assert both.ask(question, visible=everything).to_dict() == both.ask(question).to_dict()
