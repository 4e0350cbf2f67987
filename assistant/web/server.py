"""Serving the chat: index the reports (and uploads) if needed, then launch the app."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from ..config import Settings, setup_offline_environment
from .app import create_app
from .uploads import check_uploads_dir


def _print_progress(stage: str, done: int, total: int, _last: dict = {}) -> None:
    now = time.monotonic()
    if done >= total or now - _last.get(stage, 0.0) > 1.0:
        _last[stage] = now
        print(f"  {stage}: {done}/{total}", file=sys.stderr, flush=True)


def serve(docs, index_dir, host: str = "127.0.0.1", port: int = 7860, settings: Settings | None = None,
          uploads_dir: Path | str = Path("data/uploads"), open_browser: bool = False) -> None:
    """Index the reports (and uploads) if needed, then serve the chat until Ctrl-C."""
    setup_offline_environment()
    from ..indexer import build_index
    from ..pipeline import Assistant

    settings = settings or Settings()
    docs_dirs = [Path(folder) for folder in (docs or [Path("seeds")])]
    uploads_dir = Path(uploads_dir)
    index_dir = Path(index_dir)
    check_uploads_dir(uploads_dir, docs_dirs)
    uploads_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    report = build_index(docs_dirs + [uploads_dir], index_dir, settings, _print_progress)
    print(report.summary(), file=sys.stderr)
    assistant = Assistant(index_dir, settings, check_fresh=False)  # just built from these very folders
    app = create_app(assistant, docs_dirs, uploads_dir, index_dir, settings)
    print(f"Ready in {time.perf_counter() - started:.1f} s; serving http://{host}:{port}", file=sys.stderr)
    app.launch(server_name=host, server_port=port, inbrowser=open_browser, show_error=False,
               max_file_size=4 * settings.max_file_bytes, quiet=False)
