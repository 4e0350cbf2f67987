"""Seconds to first paint and to first answer of ``assistant serve`` (issue: no blank wait at start).

A real ``assistant serve`` process on a fresh index folder (what ``make run``
does on a fresh clone), then again on the index it built (a restart): from
the spawn to the page's HTML answering 200 ("first paint": the page with its
indexing state) and to the first ``/ask`` that returns an answer.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from ..config import DEFAULT_MODEL, Settings

QUESTION = "What is the market size?"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _one_start(docs_dirs: list[Path], index_dir: Path, settings: Settings, timeout: float) -> dict:
    import httpx
    from gradio_client import Client

    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "assistant.cli", "serve", "--index", str(index_dir), "--port", str(port)]
    for folder in docs_dirs:
        command += ["--docs", str(folder)]
    if settings.model != DEFAULT_MODEL:
        command += ["--model", settings.model]
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    facts: dict = {}
    try:
        deadline = started + timeout
        while "first_paint_s" not in facts and time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    facts["first_paint_s"] = round(time.monotonic() - started, 2)
            except httpx.HTTPError:
                time.sleep(0.05)
        client = Client(url, verbose=False) if "first_paint_s" in facts else None
        while client is not None and time.monotonic() < deadline:
            result = client.predict(QUESTION, 5, "hybrid", api_name="/ask")
            if "error" not in result:
                facts["first_answer_s"] = round(time.monotonic() - started, 2)
                break
            time.sleep(0.25)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    return facts


def bench_web_start(docs_dirs: list[Path], settings: Settings, work: Path, timeout: float = 900) -> dict:
    """First paint and first answer on a fresh index folder, then on a restart."""
    index_dir = Path(work) / "index-web"
    return {"fresh": _one_start(docs_dirs, index_dir, settings, timeout),
            "restart": _one_start(docs_dirs, index_dir, settings, timeout)}


if __name__ == "__main__":  # python -m assistant.bench.web [DOCS...]: this measurement alone
    import json
    import shutil
    import tempfile

    from ..config import PROJECT_ROOT, setup_offline_environment

    setup_offline_environment()
    folders = [Path(arg) for arg in sys.argv[1:]] or [PROJECT_ROOT / "seeds"]
    scratch = Path(tempfile.mkdtemp(prefix="assistant-bench-web-"))
    try:
        print(json.dumps(bench_web_start(folders, Settings(), scratch), indent=1))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
