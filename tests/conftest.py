"""Shared fixtures: the real seeds, one real index of them per test session."""
from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest

from assistant.config import setup_offline_environment

setup_offline_environment()

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))


def words(text: str) -> list[str]:
    """Word tokens of a text or of a raw span (entities decoded)."""
    return re.findall(r"\w+", html.unescape(text))


def is_subsequence(needle: list[str], haystack: list[str]) -> bool:
    position = iter(haystack)
    return all(any(word == candidate for candidate in position) for word in needle)


def assert_table_spans_read_back(doc, visible=lambda raw: raw) -> list:
    """Every table of ``doc`` (found by ``find_tables`` in its clean text): each non-empty
    cell's raw span, read back from the raw text (through ``visible``: tags dropped,
    for HTML), is the cell's text; the cells' raw spans lie in order inside their
    row's, with nothing but empty cells after the last one.  Returns the tables."""
    from assistant.ingest.tables import find_tables

    tables = find_tables(doc.text)
    for table in tables:
        for row in table.rows:
            page, row_start, row_end = doc.raw_span(row.start, row.end)
            position = row_start
            cells = [(start, end) for start, end in row.cells if end > start]
            for start, end in cells:
                cell_page, raw_start, raw_end = doc.raw_span(start, end)
                assert visible(doc.raw_slice(cell_page, raw_start, raw_end)) == doc.text[start:end]
                assert cell_page == page and position <= raw_start < raw_end <= row_end
                position = raw_end
            assert not re.search(r"\w", visible(doc.raw_slice(page, position, row_end)))  # empty cells at most
    return tables


class MemoryIndex:
    """The calls retrieval lists and abstention reasons make of an index, over a few passages
    ``(report, language, text)`` and hand-set vectors per channel: fast unit tests without files or models."""

    def __init__(self, passages, vectors=None) -> None:
        import numpy as np

        from assistant.ingest import Chunk
        from assistant.lexical import LexicalIndex, tokenize

        self.chunks = [Chunk(f"c{row}", doc, text, 0, len(text), 0, len(text), 1, None, "", lang)
                       for row, (doc, lang, text) in enumerate(passages)]
        self.lexical = LexicalIndex.build([tokenize(chunk.text) for chunk in self.chunks])
        self._vectors = vectors or {}
        self.channels = list(self._vectors)
        self._np = np

    def _allowed(self, row: int, doc_ids, exclude_lang=None) -> bool:
        chunk = self.chunks[row]
        return (doc_ids is None or chunk.doc_id in doc_ids) and chunk.lang != exclude_lang

    def search_dense(self, channel, vector, k, exclude_lang=None, doc_ids=None):
        scores = self._vectors[channel] @ vector
        rows = [row for row in self._np.argsort(-scores, kind="stable") if self._allowed(row, doc_ids, exclude_lang)]
        return [(int(row), float(scores[row])) for row in rows[:k]]

    def search_lexical(self, query, k, doc_ids=None):
        scores = self.lexical.scores(query)
        rows = [row for row in self._np.argsort(-scores, kind="stable") if scores[row] > 0 and self._allowed(row, doc_ids)]
        return [(int(row), float(scores[row])) for row in rows[:k]]


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory) -> Path:
    """An index of the shipped seeds, built once (read-only for tests)."""
    from assistant.indexer import build_index

    index_dir = tmp_path_factory.mktemp("seeds-index")
    build_index([SEEDS], index_dir)
    return index_dir


@pytest.fixture
def seeds_copy(tmp_path, seeds_index) -> tuple[Path, Path]:
    """A private copy of the seeds and of their index, for tests that change them."""
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    index_dir = tmp_path / "index"
    shutil.copytree(seeds_index, index_dir)
    point_index_at(index_dir, docs)
    return docs, index_dir


def point_index_at(index_dir: Path, docs: Path) -> None:
    """Make a copied index cover the copied reports folder (the manifest records
    absolute folders), as if it had been built from it."""
    from assistant.store import current_generation

    manifest_file = current_generation(index_dir) / "manifest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    manifest["docs_dirs"] = [str(docs.resolve())]
    for doc_id, info in manifest["files"].items():
        info["path"] = str(docs.resolve() / doc_id)
    manifest_file.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")


@pytest.fixture(scope="session")
def assistant(seeds_index):
    from assistant.pipeline import Assistant

    return Assistant(seeds_index)


def visible(folder: Path) -> list[Path]:
    """The files of a folder that are not hidden (the uploads folder keeps its
    owner ledger and partial copies as hidden files, never indexed)."""
    return sorted(path for path in Path(folder).iterdir() if not path.name.startswith("."))
