"""Shared fixtures: the real seeds, one real index of them per test session."""
from __future__ import annotations

import html
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
    return docs, index_dir


@pytest.fixture(scope="session")
def assistant(seeds_index):
    from assistant.pipeline import Assistant

    return Assistant(seeds_index)


def visible(folder: Path) -> list[Path]:
    """The files of a folder that are not hidden (the uploads folder keeps its
    owner ledger and partial copies as hidden files, never indexed)."""
    return sorted(path for path in Path(folder).iterdir() if not path.name.startswith("."))
