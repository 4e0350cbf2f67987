"""The Ray build engine (issue 28): the same index as in process, incremental,
and atomic when a worker or the driver is killed.  Every test runs on a local
Ray started here (2 CPUs, no dashboard), never a remote address."""
from __future__ import annotations

import html
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import ray
from conftest import ROOT, SEEDS, point_index_at

from assistant.bench.realtext import _SENTENCE_END, _vary, source_paragraphs
from assistant.config import Settings
from assistant.indexer import build_index
from assistant.store import Index, current_generation

pytestmark = pytest.mark.slow  # builds of ~450 chunks, in process and on Ray
RAY = Settings(engine="ray")
GENERATED = 200


@pytest.fixture(scope="module")
def ray_cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def _write_library(folder: Path) -> None:
    """The seeds and GENERATED small reports of recombined seed paragraphs, in the three text formats
    (each titled with its number: two files of the same bytes would share chunk ids)."""
    shutil.copytree(SEEDS, folder)
    rng, paragraphs = random.Random(28), source_paragraphs([SEEDS])
    for number in range(GENERATED):
        # one or two paragraphs of at most three sentences: about a chunk a file, so the test stays short
        parts = [" ".join(_SENTENCE_END.split(_vary(rng.choice(paragraphs), rng))[:3]) for _ in range(rng.randint(1, 2))]
        if number % 3 == 0:
            (folder / f"gen-{number:03d}.txt").write_text(f"Note {number}\n\n" + "\n\n".join(parts), encoding="utf-8")
        elif number % 3 == 1:
            (folder / f"gen-{number:03d}.md").write_text(f"# Note {number}\n\n" + "\n\n".join(parts), encoding="utf-8")
        else:
            body = "".join(f"<p>{html.escape(part)}</p>" for part in parts)
            (folder / f"gen-{number:03d}.html").write_text(f"<html><body><h1>Note {number}</h1>{body}</body></html>",
                                                           encoding="utf-8")


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ray-library") / "docs"
    _write_library(folder)
    return folder


@pytest.fixture(scope="module")
def in_process_index(library, tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("in-process") / "index"
    build_index([library], index_dir)
    return index_dir


def _same_index(a_dir: Path, b_dir: Path) -> None:
    """Same chunks (ids, spans, text), cards, facts, documents, BM25 and FAISS kind; vectors within 1e-5."""
    a, b = Index.load(a_dir), Index.load(b_dir)
    assert len(a.chunks) == len(b.chunks) and a.chunks == b.chunks
    assert len({chunk.chunk_id for chunk in b.chunks}) == len(b.chunks)  # nothing doubled
    strip = lambda files: {doc_id: {k: v for k, v in info.items() if k != "path"} for doc_id, info in files.items()}  # noqa: E731
    assert strip(a.manifest.files) == strip(b.manifest.files)  # sha256, n_chunks, card, facts
    assert a.manifest.channels == b.manifest.channels and a.manifest.chunker == b.manifest.chunker
    for channel in a.channels:
        assert np.abs(a.cached_vectors(channel) - b.cached_vectors(channel)).max() <= 1e-5, channel
    for name in sorted(path.name for path in (a.gen_dir / "bm25").iterdir()):
        assert (a.gen_dir / "bm25" / name).read_bytes() == (b.gen_dir / "bm25" / name).read_bytes(), name
    for doc_id in a.manifest.files:
        left, right = a.document(doc_id), b.document(doc_id)
        assert left.text == right.text and list(left.raw_starts) == list(right.raw_starts)
    for query in ("market size 2030", "telehealth growth rate", "医疗 市场"):
        assert a.search_lexical(query, 10) == b.search_lexical(query, 10)


def _plain_files(docs: Path) -> list[Path]:
    """Generated text and Markdown reports (text appended to them is read as a new paragraph)."""
    return sorted(path for path in docs.glob("gen-*") if path.suffix != ".html")


def _descendants() -> dict[int, str]:
    """Pid -> command line of every live process started (through Ray) by this one, from /proc."""
    parents, commands = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except (OSError, ValueError, IndexError):
            continue
    ours, grew = {os.getpid()}, True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in ours} - ours
        ours |= found
        grew = bool(found)
    return {pid: commands[pid] for pid in ours if pid != os.getpid() and commands.get(pid)}


def _worker_pids() -> list[int]:
    """This test's Ray worker actors of a build."""
    return sorted(pid for pid, command in _descendants().items() if "BuildWorker" in command)


def test_a_ray_build_gives_the_in_process_index(ray_cluster, library, in_process_index, tmp_path):
    report = build_index([library], tmp_path / "index", RAY)
    assert report.files == GENERATED + 5 and report.chunks > 300 and report.embedded == report.chunks
    _same_index(in_process_index, tmp_path / "index")
    deadline = time.monotonic() + 20
    while _worker_pids() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _worker_pids() == []  # the build's workers are gone with it


def test_a_killed_worker_is_retried_and_an_edit_re_embeds_only_its_chunks(ray_cluster, library, in_process_index,
                                                                           tmp_path):
    """A worker killed (SIGKILL) while the edited files are embedded: Ray restarts it and
    retries its calls; the index is the in-process one, nothing lost or doubled."""
    docs = tmp_path / "docs"
    shutil.copytree(library, docs)
    for path in _plain_files(docs)[:80]:  # about 90 chunks: three batches a channel, all in flight at once
        path.write_text(path.read_text(encoding="utf-8") + "\n\nRevised outlook: demand for remote monitoring "
                        f"rose by {len(path.name)} percent.\n", encoding="utf-8")
    ray_dir, local_dir = tmp_path / "ray-index", tmp_path / "local-index"
    for index_dir in (ray_dir, local_dir):  # the previous generation, covering the edited copy of the library
        shutil.copytree(in_process_index, index_dir)
        point_index_at(index_dir, docs)

    killed: list[int] = []
    later: list[int] = []

    def kill_one_worker(stage: str, done: int, total: int) -> None:
        # the first batch is back: each worker has a batch in flight, so the killed one's is retried
        if stage == "embedding (dense)" and done > 0 and not killed:
            before = _worker_pids()
            assert len(before) == 2
            os.kill(before[0], signal.SIGKILL)
            killed.extend(before)
        if stage == "embedding (multilingual)" and not later:
            later.extend(_worker_pids())

    report = build_index([docs], ray_dir, RAY, progress=kill_one_worker)
    assert killed and killed[0] not in _descendants()
    assert len(later) == 2 and killed[0] not in later and killed[1] in later  # Ray restarted the killed worker
    expected = build_index([docs], local_dir)
    assert (report.embedded, report.reused, report.chunks) == (expected.embedded, expected.reused, expected.chunks)
    assert 0 < report.embedded < report.chunks / 3  # unchanged files are not re-embedded
    _same_index(local_dir, ray_dir)
    again = build_index([docs], ray_dir, RAY)
    assert again.changed is False and again.embedded == 0


def test_a_killed_driver_leaves_the_previous_generation_current(ray_cluster, library, in_process_index, tmp_path):
    """``assistant build --engine ray`` (joining this test's cluster) killed while it
    reads and embeds: the index is the previous generation, and the next build completes."""
    docs = tmp_path / "docs"
    shutil.copytree(library, docs)
    index_dir = tmp_path / "index"
    shutil.copytree(in_process_index, index_dir)
    point_index_at(index_dir, docs)
    live = current_generation(index_dir)
    before = Index.load(index_dir).chunks
    for path in _plain_files(docs)[:60]:
        path.write_text(path.read_text(encoding="utf-8") + "\n\nAn added closing line on pricing.\n", encoding="utf-8")
    command = [sys.executable, "-m", "assistant.cli", "build", "--docs", str(docs), "--index", str(index_dir),
               "--engine", "ray", "--ray-address", ray_cluster]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    started = time.monotonic()
    while process.poll() is None and time.monotonic() - started < 120:
        documents = [path for tmp in index_dir.glob(".tmp-gen-*") for path in (tmp / "docs").glob("*.npz")]
        if len(documents) > len(before) // 10:  # the new generation is being written: reading is under way
            break
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    stderr = process.stderr.read().decode("utf-8", "replace")
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL, stderr
    assert current_generation(index_dir) == live and Index.load(index_dir).chunks == before

    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert current_generation(index_dir) != live and not list(index_dir.glob(".tmp-gen-*"))
    after = Index.load(index_dir)
    assert sum("An added closing line on pricing." in chunk.text for chunk in after.chunks) == 60
