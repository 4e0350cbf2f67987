"""The `assistant` command end to end, in a subprocess, as a user runs it."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import ROOT, SEEDS


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "assistant.cli", *args], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_build_chunks_search_json(tmp_path, seeds_index):
    index_dir = tmp_path / "index"
    import shutil

    shutil.copytree(seeds_index, index_dir)
    built = json.loads(run("build", "--docs", str(SEEDS), "--index", str(index_dir), "--json").stdout)
    assert built["changed"] is False and built["files"] == 5 and built["embedded"] == 0

    lines = run("chunks", "--index", str(index_dir), "--json").stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == built["chunks"]
    assert set(rows[0]) == {"chunk_id", "doc_id", "start", "end", "raw_start", "raw_end", "page", "lang", "n_tokens", "text"}

    result = json.loads(run("search", "telemedicine market size in 2023", "--index", str(index_dir), "--k", "3", "--json").stdout)
    assert result["query"] == "telemedicine market size in 2023" and len(result["hits"]) == 3
    assert set(result["hits"][0]) == {"chunk_id", "doc_id", "raw_start", "raw_end", "page", "score", "text"}
    assert result["hits"][0]["doc_id"] == "004_cc81a9a3a938ae48.txt"


def test_errors_are_one_line_without_traceback(tmp_path):
    result = run("search", "anything", "--index", str(tmp_path / "none"), check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "assistant build" in result.stderr
    result = run("build", "--docs", str(tmp_path / "missing"), "--index", str(tmp_path / "i"), check=False)
    assert result.returncode == 2 and "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_help_for_every_command():
    for command in ("build", "chunks", "search", "ask", "eval", "serve", "bench"):
        assert "--index" in run(command, "--help").stdout
