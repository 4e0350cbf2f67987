"""Serving the chat: listen at once, index the reports (and uploads) in the background.

The page is up before the first build ends (it shows "Indexing: file 3 of 5"
and answers as soon as an index is live); with an index already built, answers
are live once the models are loaded, and only new or changed files are read.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from ..config import Settings, setup_offline_environment
from .app import create_app
from .startup import IndexingState, index_in_background
from .uploads import CacheCleaner, check_uploads_dir, remove_partials

#: The uploads folder inside the index folder when ``--uploads`` is not given.
UPLOADS_SUBFOLDER = "uploads"


def default_uploads_dir(index_dir: Path | str) -> Path:
    return Path(index_dir) / UPLOADS_SUBFOLDER


def serve(docs, index_dir, host: str = "127.0.0.1", port: int = 7860, settings: Settings | None = None,
          uploads_dir: Path | str | None = None, open_browser: bool = False, block: bool = True):
    """Serve the chat until Ctrl-C (``block=False``: return the running app)."""
    setup_offline_environment()
    started = time.perf_counter()
    settings = settings or Settings()
    # Absolute, resolved folders: the index records them, and the out-of-date
    # check must find them from any working directory.
    docs_dirs = [Path(folder).resolve() for folder in (docs or [Path("seeds")])]
    index_dir = Path(index_dir)
    uploads_dir = Path(uploads_dir if uploads_dir is not None else default_uploads_dir(index_dir)).resolve()
    check_uploads_dir(uploads_dir, docs_dirs)
    uploads_dir.mkdir(parents=True, exist_ok=True)
    remove_partials(uploads_dir)  # of a server killed while it stored an upload
    state = IndexingState()
    app = create_app(None, docs_dirs, uploads_dir, index_dir, settings, state=state)

    def open_assistant():
        from ..pipeline import Assistant

        return Assistant(index_dir, settings, check_fresh=False)  # the background build brings it up to date

    app.launch(server_name=host, server_port=port, inbrowser=open_browser, show_error=False,
               max_file_size=4 * settings.max_file_bytes, quiet=False, prevent_thread_lock=True)
    print(f"Serving http://{host}:{port} after {time.perf_counter() - started:.1f} s; indexing in the background "
          f"(uploads folder {uploads_dir})", file=sys.stderr, flush=True)
    index_in_background(app.web_chat, open_assistant, state)
    app.cache_cleaner = CacheCleaner().start()  # uploads never submitted or killed half-way
    if not block:
        return app
    try:
        app.block_thread()
    except KeyboardInterrupt:
        pass
    return app
