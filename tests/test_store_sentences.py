"""Sentence vectors: every span an answer can quote is embedded at build time, kept, re-used and checked."""
from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.indexer import build_index
from assistant.ingest.candidates import passage_spans
from assistant.store import Index, IndexStateError, current_generation


def test_every_quotable_span_of_every_chunk_has_its_vectors(seeds_index):
    from assistant.config import Settings
    from assistant.embedding import load_encoders

    index = Index.load(seeds_index)
    table = index.sentences
    assert len(table) == index.manifest.sentences["count"] > len(index.chunks)
    for row, chunk in enumerate(index.chunks[:40]):
        text = index.document(chunk.doc_id).text
        for span in passage_spans(text, chunk.start, chunk.end):
            assert table.row(chunk.doc_id, span.start, span.end) is not None
    encoders = load_encoders(Settings())
    prose = np.flatnonzero(~table.is_row)
    rows = [int(prose[0]), int(prose[len(prose) // 2]), int(prose[-1])]
    texts = [index.document(table.doc_id(row)).text[table.starts[row]:table.ends[row]] for row in rows]
    for channel, encoder in encoders.items():
        np.testing.assert_allclose(index.sentence_vectors(channel, rows), encoder.encode_passages(texts, 8), atol=1e-5)


def test_the_sentence_search_finds_a_sentence_by_its_meaning_and_respects_the_scope(seeds_index):
    from assistant.config import Settings
    from assistant.embedding import load_encoders

    index = Index.load(seeds_index)
    table = index.sentences
    target = len(table) // 3
    doc_id = table.doc_id(target)
    text = index.document(doc_id).text[table.starts[target]:table.ends[target]]
    vector = load_encoders(Settings())["dense"].encode_queries([text])[0]
    assert index.search_sentences("dense", vector, 1)[0][0] == target
    others = set(table.doc_ids) - {doc_id}
    assert all(table.doc_id(row) in others for row, _ in index.search_sentences("dense", vector, 10, others))


def test_changing_one_file_embeds_only_its_new_sentences(seeds_copy):
    docs, index_dir = seeds_copy
    target = docs / "004_cc81a9a3a938ae48.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\n\nA closing paragraph about rural clinics. It is new.\n",
                      encoding="utf-8")
    report = build_index([docs], index_dir)
    new = Index.load(index_dir)
    of_target = sum(1 for row in range(len(new.sentences)) if new.sentences.doc_id(row) == target.name)
    assert 0 < report.sentences_embedded <= of_target < report.sentences


def test_an_index_without_sentence_vectors_is_stale_and_build_adds_them_without_reembedding(seeds_copy):
    from assistant.pipeline import Assistant

    docs, index_dir = seeds_copy
    manifest_file = current_generation(index_dir) / "manifest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    manifest.pop("sentences")
    manifest_file.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexStateError, match="sentence vectors"):
        Assistant(index_dir)
    report = build_index([docs], index_dir)
    assert report.changed and report.embedded == 0 and report.sentences_embedded == report.sentences > 0
    assert Assistant(index_dir).ask("What was the telemedicine market size in 2023?").quotes


def test_damaged_sentence_vectors_are_one_sentence_and_a_build_repairs_them(seeds_copy):
    docs, index_dir = seeds_copy
    (current_generation(index_dir) / "sentences-dense.faiss").write_bytes(b"not faiss")
    with pytest.raises(IndexStateError, match="sentence vectors .* damaged"):
        Index.load(index_dir)
    build_index([docs], index_dir)
    assert len(Index.load(index_dir).sentences) > 0


def test_table_rows_are_stored_embedded_through_their_header_and_searchable_alone(seeds_index):
    from assistant.config import Settings
    from assistant.embedding import load_encoders
    from assistant.ingest.tables import row_sentence, tables_around

    index = Index.load(seeds_index)
    table = index.sentences
    rows = np.flatnonzero(table.is_row)
    assert len(rows) >= 28  # every body row of the seeds' six tables
    row = int(rows[len(rows) // 2])
    text = index.document(table.doc_id(row)).text
    start, end = int(table.starts[row]), int(table.ends[row])
    [found] = tables_around(text, start, end)
    [body_row] = [body_row for body_row in found.body if (body_row.start, body_row.end) == (start, end)]
    sentence = row_sentence(text, found, body_row)
    encoder = load_encoders(Settings())["dense"]
    np.testing.assert_allclose(index.sentence_vectors("dense", [row])[0], encoder.encode_passages([sentence], 8)[0],
                               atol=1e-5)
    hits = index.search_sentences("dense", encoder.encode_queries([sentence])[0], 10, rows_only=True)
    assert hits[0][0] == row and all(table.is_row[hit] for hit, _ in hits)
