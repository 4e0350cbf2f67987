"""Serving before the index is ready: the page is up at once, indexing runs in the background.

``serve`` listens first.  A background thread then opens the existing index
(when there is one, answers are live within seconds: the models load, nothing
is read), brings it up to date with an incremental build of the reports and
the uploads (reading only new or changed files), and switches answers over.
On a fresh clone it builds the index while the page shows "Indexing: file 3
of 5", and answers as soon as the build is published.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from .i18n import text

log = logging.getLogger("assistant.web")


@dataclass
class IndexingState:
    """How far the background indexing is (read by the page's timer)."""

    stage: str = "starting"
    done: int = 0
    total: int = 0
    ready: bool = False  # answers are live
    finished: bool = False  # the background build is over (ready or failed)
    error: str = ""
    started: float = field(default_factory=time.monotonic)
    first_ready_seconds: float | None = None

    def progress(self, stage: str, done: int, total: int) -> None:
        """A build's progress callback."""
        self.stage, self.done, self.total = stage, done, total

    def describe(self, lang: str = "en") -> str:
        if self.error:
            return text("index_failed", lang, error=self.error)
        if self.stage == "starting":
            return text("indexing_start", lang)
        if self.stage == "reading":
            return text("indexing_file", lang, done=self.done, total=self.total)
        return text("indexing", lang, stage=self.stage, done=self.done, total=self.total)


def index_in_background(chat, open_assistant, state: IndexingState) -> threading.Thread:
    """Start the thread that makes ``chat`` answer: open the index if there is
    one, build (incrementally) and reload.  ``open_assistant()`` returns an
    :class:`~assistant.pipeline.Assistant` or raises IndexStateError when
    there is no usable index yet."""
    from ..store import IndexStateError

    def run() -> None:
        try:
            try:
                chat.set_assistant(open_assistant())
                state.first_ready_seconds = time.monotonic() - state.started
            except IndexStateError:
                pass  # no index yet (or another model's): the build makes one
            report = chat.rebuild(state.progress)
            log.info(report.summary())
            if chat.assistant is None:
                chat.set_assistant(open_assistant())
                state.first_ready_seconds = time.monotonic() - state.started
        except Exception as error:  # the page shows it; the log has the details
            log.exception("indexing failed")
            state.error = str(error).splitlines()[0] if str(error) else type(error).__name__
        finally:
            state.finished = True

    thread = threading.Thread(target=run, name="assistant-indexing", daemon=True)
    thread.start()
    return thread
