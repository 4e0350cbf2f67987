"""Chunks: exact spans, full coverage, token budget, model fit, table headers."""
from __future__ import annotations

import pytest
from conftest import SEED_FILES, is_subsequence, words
from test_ingest_readers import make_docx, make_pdf

from assistant.config import ChunkerSettings
from assistant.ingest import chunk_document, count_tokens, read_document


def check_chunk_invariants(doc, chunks, budget: int) -> None:
    covered = [False] * len(doc.text)
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        raw = doc.raw_slice(chunk.page, chunk.raw_start, chunk.raw_end)
        chunk_words, raw_words = words(chunk.text), words(raw)
        assert chunk_words[0] == raw_words[0] and chunk_words[-1] == raw_words[-1], chunk.chunk_id
        assert is_subsequence(chunk_words, raw_words), chunk.chunk_id
        assert chunk.n_tokens == count_tokens(chunk.text) <= budget
        for i in range(chunk.start, chunk.end):
            covered[i] = True
    visible = [i for i, char in enumerate(doc.text) if not char.isspace()]
    share = sum(covered[i] for i in visible) / len(visible)
    assert share >= 0.99, share


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_seed_chunks_have_exact_spans_and_cover_the_text(path):
    doc = read_document(path)
    settings = ChunkerSettings()
    chunks = chunk_document(doc, settings)
    assert chunks
    check_chunk_invariants(doc, chunks, settings.max_tokens)


@pytest.mark.parametrize("budget", [48, 96, 256])
def test_other_budgets_keep_the_invariants(budget):
    doc = read_document(SEED_FILES[3])
    check_chunk_invariants(doc, chunk_document(doc, ChunkerSettings(max_tokens=budget)), budget)


def test_pdf_and_docx_fixtures_keep_the_invariants(tmp_path):
    pdf, docx_path = tmp_path / "r.pdf", tmp_path / "r.docx"
    make_pdf(pdf, ["Line one of page one about telehealth.\nMore text here.", "Second page text about wearables."] * 3)
    make_docx(docx_path)
    for path in (pdf, docx_path):
        doc = read_document(path)
        chunks = chunk_document(doc, ChunkerSettings(max_tokens=24))
        check_chunk_invariants(doc, chunks, 24)
    pages = {chunk.page for chunk in chunk_document(read_document(pdf), ChunkerSettings(max_tokens=24))}
    assert pages == {1, 2, 3, 4, 5, 6}


def test_bilingual_seed_chunks_are_tagged_by_language():
    doc = read_document(SEED_FILES[1])
    chunks = chunk_document(doc)
    by_lang = {chunk.lang for chunk in chunks}
    assert by_lang == {"en", "zh"}
    english = next(chunk for chunk in chunks if "valued at USD 1.35 billion" in chunk.text)
    chinese = next(chunk for chunk in chunks if "13.5 億美元" in chunk.text)
    assert (english.lang, chinese.lang) == ("en", "zh")


def test_table_header_travels_with_every_group_of_rows(tmp_path):
    rows = "\n".join(f"| Region {i} | {i}.5% |" for i in range(60))
    path = tmp_path / "t.md"
    path.write_text(f"Intro paragraph about regional shares.\n\n| Region | Share |\n|---|---|\n{rows}\n", encoding="utf-8")
    chunks = chunk_document(read_document(path), ChunkerSettings(max_tokens=64))
    table_chunks = [chunk for chunk in chunks if chunk.text.startswith("|")]
    assert len(table_chunks) > 2
    assert table_chunks[0].text.startswith("| Region | Share |") and table_chunks[0].context == ""
    for chunk in table_chunks[1:]:
        assert chunk.context == "| Region | Share |"
        assert chunk.embed_text().index("| Region | Share |") < chunk.embed_text().index(chunk.text)


def test_chunk_ids_are_stable():
    doc = read_document(SEED_FILES[0])
    assert [c.chunk_id for c in chunk_document(doc)] == [c.chunk_id for c in chunk_document(read_document(SEED_FILES[0]))]


def test_no_chunk_is_truncated_by_the_model():
    from assistant.embedding import get_embedder

    embedder = get_embedder()
    for path in SEED_FILES:
        doc = read_document(path)
        for chunk in chunk_document(doc, ChunkerSettings(max_tokens=256), embedder.fits):
            assert embedder.count_tokens(chunk.embed_text()) <= embedder.max_seq_length


def test_model_check_splits_a_chunk_the_model_would_cut(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("医疗物联网市场规模持续扩大" * 60, encoding="utf-8")
    doc = read_document(path)
    limit = 200
    chunks = chunk_document(doc, ChunkerSettings(max_tokens=400), lambda text: len(text) <= limit)
    assert len(chunks) > 1 and all(len(chunk.text) <= limit for chunk in chunks)
    check_chunk_invariants(doc, chunks, 400)


# ------------------------------------------------ linear windows (issue 25, item 3)

def old_split_to_budget(text: str, start: int, end: int, budget: int) -> list[tuple[int, int]]:
    """The window search before issue 25: it counted the whole rest of the sentence for every window."""
    windows: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        if count_tokens(text[pos:end]) <= budget:
            windows.append((pos, end))
            break
        low, high = pos + 1, end
        while low < high:
            middle = (low + high + 1) // 2
            if count_tokens(text[pos:middle]) <= budget:
                low = middle
            else:
                high = middle - 1
        cut = low
        for back in range(cut, pos + (cut - pos) // 2, -1):
            if text[back - 1].isspace() or text[back - 1] in ",;:，、；：。":
                cut = back
                break
        windows.append((pos, cut))
        pos = cut
        while pos < end and text[pos].isspace():
            pos += 1
    return windows


WINDOW_PIECES = ["market ", "grew", " ", "12%", "，", "市场", "规模", "增长", "x", "ab", "zzzzzzzz", ",", "\u00e9", "2031"]


def test_windows_are_the_old_windows_on_random_sentences():
    import random

    from assistant.ingest.chunking import _split_to_budget

    generator = random.Random(25)
    for _ in range(300):
        text = "".join(generator.choice(WINDOW_PIECES) for _ in range(generator.randint(1, 600)))
        start = generator.randint(0, len(text) // 4)
        budget = generator.randint(4, 64)
        assert _split_to_budget(text, start, len(text), budget) == \
            old_split_to_budget(text, start, len(text), budget), (text, start, budget)


@pytest.mark.parametrize("unit", ["x", "ab", "市场", "gizmo"])
def test_a_long_unbroken_line_is_counted_a_bounded_number_of_times(tmp_path, monkeypatch, unit):
    """A 400,000-character line without spaces took 53 s (800,000: 428 s): the
    rest of the line was counted again for every window.  Now the characters
    counted are a bounded multiple of the line's length."""
    from assistant.ingest import chunking

    counted = []
    real = chunking.count_tokens
    monkeypatch.setattr(chunking, "count_tokens", lambda text: counted.append(len(text)) or real(text))
    path = tmp_path / "line.md"
    path.write_text(unit * (200_000 // len(unit)) + "\n", encoding="utf-8")
    chunks = chunk_document(read_document(path), ChunkerSettings())
    assert "".join(chunk.text for chunk in chunks) == unit * (200_000 // len(unit))
    assert sum(counted) < 60 * 200_000, sum(counted) / 200_000
