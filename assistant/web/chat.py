"""The chat service behind the page's events: answers, views of citations, uploads (no Gradio here).

Concurrency: one process, one :class:`~assistant.pipeline.Assistant`; builds
run one at a time under a lock and never block answers, which keep coming
from the previous index generation until the build swaps in the new one.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import time
import uuid
from pathlib import Path

from ..config import RETRIEVAL_MODES, SUPPORTED_SUFFIXES, Settings
from .render import EMPTY_VIEWER, _find_view, _turn_from_answer, esc, render_view
from .uploads import (
    UploadError,
    UploadResult,
    check_upload,
    check_uploads_dir,
    safe_upload_name,
)

log = logging.getLogger("assistant.web")

MAX_K = 20
# How often (at most) a question first checks whether another process published a newer index.
LIVE_CHECK_SECONDS = 5.0

GENERIC_ERROR = "Something went wrong on the server; the details were written to its log. Please try again."

_SURROGATES = re.compile("[\ud800-\udfff]")


class WebChat:
    """What the page's events call: answers, views, uploads (no Gradio here)."""

    def __init__(self, assistant, docs_dirs, uploads_dir, index_dir, settings: Settings | None = None) -> None:
        self.assistant = assistant
        self.docs_dirs = [Path(folder) for folder in docs_dirs]
        self.uploads_dir = Path(uploads_dir)
        self.index_dir = Path(index_dir)
        self.settings = settings or getattr(assistant, "settings", None) or Settings()
        check_uploads_dir(self.uploads_dir, self.docs_dirs)
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        self._build_lock = threading.Lock()
        self.building = threading.Event()
        self._checked_at = 0.0

    # -------------------------------------------------------------- answers
    def answer(self, question: str, k, mode: str, follow_up_of: str | None = None):
        """The Answer, or raises QuestionError / IndexStateError / ValueError.
        ``follow_up_of``: the session's previous question, for follow-ups."""
        from ..query import QuestionError
        from ..store import IndexStateError

        if mode not in RETRIEVAL_MODES:
            raise QuestionError(f"Unknown retrieval mode {mode!r}; use one of {', '.join(RETRIEVAL_MODES)}.")
        try:
            k = int(k) if k not in (None, "") else self.settings.top_k
        except (TypeError, ValueError):
            raise QuestionError("The number of passages must be a whole number.") from None
        k = max(1, min(MAX_K, k))
        # Lone surrogates (possible in JSON) break the tokenizers: make them U+FFFD.
        question = _SURROGATES.sub("\ufffd", question) if isinstance(question, str) else ""
        self._follow_newer_build()
        try:
            return self.assistant.ask(question, k=k, mode=mode, follow_up_of=follow_up_of)
        except IndexStateError:
            # Another process (`assistant build`) published a newer generation and
            # pruned the one this server had open: switch to the live one once.
            if not self._reload_if_replaced():
                raise
            return self.assistant.ask(question, k=k, mode=mode, follow_up_of=follow_up_of)

    def _reload_if_replaced(self) -> bool:
        if self.assistant.index.is_live():
            return False
        log.warning("the index in %s was replaced by another process; reloading", self.assistant.index.location)
        self.assistant.reload()
        return True

    def _follow_newer_build(self) -> None:
        """At most every few seconds, switch to a build another process
        published (a Milvus build deletes the rows it replaced at once)."""
        now = time.monotonic()
        if now - self._checked_at < LIVE_CHECK_SECONDS or self.building.is_set():
            return
        self._checked_at = now
        self._reload_if_replaced()

    def ask_json(self, question: str, k: int = 5, mode: str = "hybrid") -> dict:
        from ..query import QuestionError
        from ..store import IndexStateError

        try:
            return self.answer(question, k, mode).to_dict()
        except (QuestionError, IndexStateError) as error:
            return {"error": str(error)}
        except Exception:
            log.exception("answering %r failed", question[:200] if isinstance(question, str) else question)
            return {"error": GENERIC_ERROR}

    def make_turn(self, answer, turns: list[dict]) -> dict:
        """The next turn of a session (ids count up within the session)."""
        index = self.assistant.index
        shas = {doc_id: info["sha256"] for doc_id, info in index.manifest.files.items()}
        return _turn_from_answer(turns[-1]["id"] + 1 if turns else 0, answer, shas)

    def view_html(self, turns: list[dict], key) -> str:
        from ..store import IndexStateError

        view = _find_view(turns or [], key)
        if view is None:
            return EMPTY_VIEWER
        try:
            return render_view(self.assistant.index, view)
        except IndexStateError as error:
            return f'<div class="viewer"><p class="err" role="alert">{esc(error)}</p></div>'
        except Exception:
            log.exception("showing %r failed", key)
            return f'<div class="viewer"><p class="err" role="alert">{esc(GENERIC_ERROR)}</p></div>'

    # -------------------------------------------------------------- uploads
    def list_uploads(self) -> list[dict]:
        chunks_by_path: dict[str, int] = {}
        try:
            files = self.assistant.index.manifest.files
        except AttributeError:
            files = {}
        for info in files.values():
            try:
                chunks_by_path[str(Path(info["path"]).resolve())] = int(info["n_chunks"])
            except (KeyError, TypeError, ValueError, OSError):
                continue
        rows = []
        if self.uploads_dir.is_dir():
            for path in sorted(self.uploads_dir.iterdir()):
                if path.is_file() and not path.name.startswith(".") and path.suffix.lower() in SUPPORTED_SUFFIXES:
                    rows.append({"file": path.name, "chunks": chunks_by_path.get(str(path.resolve())),
                                 "bytes": path.stat().st_size})
        return rows

    def upload_names(self) -> list[str]:
        return [row["file"] for row in self.list_uploads()]

    def add_uploads(self, paths, progress=None) -> UploadResult:
        """Copy accepted files into the uploads folder, then index them."""
        result = UploadResult()
        accepted: list[str] = []
        for item in paths or []:
            source = Path(item["path"]) if isinstance(item, dict) else Path(getattr(item, "path", item))
            try:
                original = (item.get("orig_name") if isinstance(item, dict) else getattr(item, "orig_name", None)) or source.name
                name = safe_upload_name(original)
                check_upload(source, name, self.settings.max_file_bytes)
                target = (self.uploads_dir / name).resolve()
                if target.parent != self.uploads_dir.resolve():
                    raise UploadError(f"{name}: this file name is not allowed; please rename the file.")
                partial = self.uploads_dir / f".upload-{uuid.uuid4().hex}"  # hidden: never indexed
                try:
                    shutil.copyfile(source, partial)
                    os.replace(partial, target)
                finally:
                    partial.unlink(missing_ok=True)
                if name not in accepted:
                    accepted.append(name)
            except UploadError as error:
                result.problems.append(str(error))
            except OSError as error:
                log.exception("storing upload failed")
                result.problems.append(f"{source.name}: the file could not be stored ({error.strerror or 'disk error'}).")
        if not accepted:
            if not result.problems:
                result.problems.append("No file was uploaded.")
            return result
        report = self.rebuild(progress)
        skipped = {line.split(":", 1)[0] for line in report.skipped}
        result.added = [name for name in accepted if name not in skipped]
        result.problems.extend(report.skipped)
        result.problems.extend(report.warnings)
        result.summary = report.summary()
        return result

    def remove_upload(self, name, progress=None) -> str:
        if not isinstance(name, str) or name not in self.upload_names():
            raise UploadError("Choose one of your uploaded reports to remove; the shipped reports cannot be removed.")
        (self.uploads_dir / name).unlink(missing_ok=True)
        self.rebuild(progress)
        return f"Removed {name}; it is no longer searched."

    def rebuild(self, progress=None):
        """Incremental build of reports + uploads, then switch readers over.
        Answers keep coming from the previous generation meanwhile."""
        from ..indexer import build_index

        with self._build_lock:
            self.building.set()
            try:
                report = build_index(self.docs_dirs + [self.uploads_dir], self.index_dir, self.settings, progress)
                self.assistant.reload()
                return report
            finally:
                self.building.clear()

