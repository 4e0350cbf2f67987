"""The `assistant` command end to end, in a subprocess, as a user runs it."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS
from test_indexer import index_with_uploads


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

    # --doc scopes the search and the answer to the named reports, as the web chat's checkboxes do
    iomt = "000_3e72e74fd57db5f9.txt"
    scoped = json.loads(run("search", "telemedicine market size in 2023", "--index", str(index_dir), "--doc", iomt,
                            "--json").stdout)
    assert scoped["hits"] and {hit["doc_id"] for hit in scoped["hits"]} == {iomt}
    answer = json.loads(run("ask", "What is the market size?", "--index", str(index_dir), "--doc", iomt, "--json").stdout)
    assert {quote["citation"]["doc_id"] for quote in answer["answer"]} <= {iomt}
    unknown = run("ask", "What is the market size?", "--index", str(index_dir), "--doc", "nope.txt", check=False)
    assert unknown.returncode == 2 and "nope.txt" in unknown.stderr and "Traceback" not in unknown.stderr


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


# ------------------------------------------------ one sentence, not a traceback (issue 18.8)

def one_sentence(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    message = result.stderr.strip()
    assert "Traceback" not in message and len(message.splitlines()) == 1, message
    return message


def test_missing_index_says_which_folder_and_what_to_run(tmp_path):
    message = one_sentence(run("search", "anything", "--index", str(tmp_path / "none"), check=False))
    assert message == (f"error: No index found in the folder `{tmp_path / 'none'}/`; run `assistant build --docs seeds "
                       f"--index {tmp_path / 'none'}` to build one (with your own reports folder for seeds).")


def test_current_as_a_folder_or_binary_is_one_sentence(seeds_copy):
    _, index_dir = seeds_copy
    pointer = index_dir / "CURRENT"
    pointer.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    message = one_sentence(run("search", "gizmo", "--index", str(index_dir), check=False))
    assert "CURRENT is damaged" in message and "assistant build" in message
    pointer.unlink()
    pointer.mkdir()
    message = one_sentence(run("build", "--docs", str(SEEDS), "--index", str(index_dir), check=False))
    assert "CURRENT is a folder, not the index's pointer file; remove it" in message


def mount_namespace_works(folder: Path) -> bool:
    """A private mount namespace (root in a container that allows it)."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {folder}"],
                           capture_output=True)
    return probe.returncode == 0


def in_namespace(script: str) -> subprocess.CompletedProcess:
    return subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"})


def test_read_only_index_folder_is_one_sentence(seeds_copy):
    """Really read-only: a read-only bind mount when running as root (chmod
    does not stop root), the folder's mode otherwise."""
    docs, index_dir = seeds_copy
    (docs / "new.md").write_text("# New\n\nGizmo kiosks reached 4,000 pharmacies.\n", encoding="utf-8")
    before = (index_dir / "CURRENT").read_text(encoding="utf-8")
    build = f"{sys.executable} -m assistant.cli build --docs {docs} --index {index_dir}"
    if os.geteuid() == 0:
        probe = docs.parent / "probe-mount"
        probe.mkdir()
        if not mount_namespace_works(probe):
            pytest.skip("running as root without mount namespaces: chmod does not stop root, and no read-only "
                        "mount can be made")
        result = in_namespace(f"mount --bind {index_dir} {index_dir} && mount -o remount,bind,ro {index_dir} && "
                              f"exec {build}")
    else:
        index_dir.chmod(0o555)
        try:
            result = run("build", "--docs", str(docs), "--index", str(index_dir), check=False)
        finally:
            index_dir.chmod(0o755)
    message = one_sentence(result)
    assert message == (f"error: Cannot write to the index folder {index_dir} (it is read-only or not yours); make it "
                       f"writable or build into another folder with --index (the previous index is unchanged).")
    assert (index_dir / "CURRENT").read_text(encoding="utf-8") == before


@pytest.mark.slow
def test_disk_full_is_one_sentence_and_the_index_survives(seeds_copy, tmp_path):
    """A real full disk: a tmpfs just big enough for the current index, in a
    private mount namespace (test_indexer also fills /dev/full through FAISS)."""
    docs, index_dir = seeds_copy
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if not mount_namespace_works(mount):
        pytest.skip("no mount namespace to make a small tmpfs in (not root, or the container forbids it); "
                    "test_indexer.py::test_a_disk_full_while_writing_vectors_is_one_sentence covers FAISS")
    (docs / "new.md").write_text("# New\n\nGizmo kiosks reached 4,000 pharmacies.\n", encoding="utf-8")
    used_kb = sum(path.stat().st_size for path in index_dir.rglob("*") if path.is_file()) // 1024
    cli = f"{sys.executable} -m assistant.cli"
    result = in_namespace(
        f"mount -t tmpfs -o size={used_kb + 300}k tmpfs {mount} && cp -a {index_dir}/. {mount}/ && "
        f"{cli} build --docs {docs} --index {mount}; echo \"build exit $?\" >&2; "
        f"{cli} chunks --index {mount} --json > {tmp_path}/after.jsonl; ls -a {mount} >&2")
    lines = result.stderr.strip().splitlines()
    assert lines[0] == (f"error: The disk holding the index folder {mount} is full; free some space and build again "
                        f"(the previous index is unchanged).")
    assert lines[1] == "build exit 2"
    assert not [line for line in lines[2:] if line.startswith(".tmp-")]  # the half-written generation is gone
    # the previous index still loads whole (the changed reports make `search` say it is out of date)
    after = (tmp_path / "after.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(after) == len((index_dir / (index_dir / "CURRENT").read_text().strip() / "chunks.jsonl")
                             .read_text(encoding="utf-8").splitlines()) > 0


# ------------------------------------------------------------- polish (issue 17.9)

def test_every_option_of_every_command_has_help():
    import argparse

    from assistant.cli import build_parser

    commands = next(action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction))
    missing = [f"{name} {action.option_strings or action.dest}" for name, sub in commands.choices.items()
               for action in sub._actions if not isinstance(action, argparse._HelpAction) and not action.help]
    assert missing == []


def test_search_shows_rank_and_explains_its_score_and_spans_are_written_one_way(seeds_copy):
    _, index_dir = seeds_copy
    lines = run("search", "telemedicine market size in 2023", "--index", str(index_dir), "--k", "3").stdout.splitlines()
    assert lines[0].split() == ["rank", "score", "cosine", "bm25", "report,", "span"]
    ranks = [line.split()[0] for line in lines[1:] if re.match(r"\s+\d+\s+\d", line)]
    assert ranks == ["1", "2", "3"]
    assert lines[-1].startswith("score: reciprocal rank fusion")
    assert re.search(r"\.txt, characters \d+–\d+$", lines[1])
    chunks = run("chunks", "--index", str(index_dir)).stdout
    assert not re.search(r"\[\d+:\d+\]", chunks) and re.search(r", characters \d+–\d+ ", chunks)


def test_answers_write_spans_one_way(assistant):
    from assistant.cli import format_answer

    for question in ("What was the telemedicine market size in 2023?", "What is the price of gold on Mars?"):
        text = format_answer(assistant.ask(question))
        assert not re.search(r"\[\d+:\d+\]|characters \d+-\d+", text), text
        assert re.search(r"characters \d+–\d+", text)


def test_eval_progress_bar_goes_to_a_terminal_only(monkeypatch):
    import io

    from assistant.evaluation.command import question_bar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for stream, off, shown in ((Terminal(), False, True), (Terminal(), True, False), (io.StringIO(), False, False)):
        monkeypatch.setattr(sys, "stderr", stream)
        bar = question_bar(4, off=off)
        for _ in range(4):
            bar.update()
        bar.close()
        assert ("questions:" in stream.getvalue() and "/4 " in stream.getvalue()) == shown


def test_cli_build_keeps_the_uploads_folder_unless_dropped(seeds_copy, tmp_path):
    docs, index_dir, uploads = index_with_uploads(seeds_copy, tmp_path)
    kept = run("build", "--docs", str(docs), "--index", str(index_dir))
    assert f"warning: The index also covers the folder {uploads} (not given with --docs): kept" in kept.stderr
    assert "is current" in kept.stdout
    dropped = run("build", "--docs", str(docs), "--index", str(index_dir), "--drop-folder", str(uploads), "--json")
    assert json.loads(dropped.stdout)["files"] == 5


def test_names_with_line_breaks_and_bidi_overrides_are_printed_escaped(tmp_path):
    """Issue 25: file names with a newline or an RTL override were printed raw."""
    docs, index = tmp_path / "docs", tmp_path / "index"
    docs.mkdir()
    names = ["evil\u202egpj.md", "two\nlines.md", "colour\x1b[31m.md"]
    for number, name in enumerate(names):
        (docs / name).write_text(f"# Sprocket {number}\n\nThe sprocket market in Zorbland grew {number + 3} percent "
                                 f"in 2031.\n", encoding="utf-8")
    run("build", "--docs", str(docs), "--index", str(index))
    for command in (["reports"], ["search", "sprocket market Zorbland"], ["ask", "How much did the sprocket market grow?"]):
        output = run(*command, "--index", str(index)).stdout
        assert not set(output) & {"\u202e", "\x1b", "\r"}, output
        assert "evil\\u202egpj.md" in output or "evil\\u202egpj" in output
    listing = run("reports", "--index", str(index)).stdout
    assert "two\\nlines.md  (" in listing and "colour\\x1b[31m.md  (" in listing, listing
    as_json = json.loads(run("reports", "--json", "--index", str(index)).stdout)
    assert sorted(row["doc_id"] for row in as_json) == sorted(names)  # JSON keeps the names exact


def test_reports_set_corrects_a_card_in_its_card_file(seeds_copy):
    docs, index_dir = seeds_copy
    doc = "001_dea5ebdc38bdf3ab.txt"  # a shipped card with no publisher
    result = run("reports", "--index", str(index_dir), "--doc", doc, "--set", "publisher=Acme Research",
                 "--set", "years=2026-2032, base 2025", "--json")
    card = next(row for row in json.loads(result.stdout[result.stdout.index("["):]) if row["doc_id"] == doc)
    assert card["publisher"] == "Acme Research" and card["years"] == ["2026-2032", "base 2025"] and card["edited"]
    assert json.loads((docs / f"{doc}.card.json").read_text(encoding="utf-8"))["publisher"] == "Acme Research"
    refused = run("reports", "--index", str(index_dir), "--doc", doc, "--set", "colour=blue", check=False)
    assert refused.returncode != 0 and "A card has no field 'colour'" in refused.stderr
    assert refused.stderr.count("\n") <= 1
