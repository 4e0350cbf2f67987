"""The chat service behind the page's events: answers, views of citations, the library, uploads (no Gradio here).

Concurrency: one process, one :class:`~assistant.pipeline.Assistant`; builds
run one at a time under a lock and never block answers, which keep coming
from the previous index generation until the build swaps in the new one.
Until the first index is live (``serve`` listens before it indexes), the
assistant is None and questions get a sentence saying how far indexing is.
"""
from __future__ import annotations

import logging
import math
import os
import re
import shutil
import threading
import time
import uuid
from pathlib import Path

from ..config import RETRIEVAL_MODES, Settings
from .library import (
    LibraryEntry,
    is_upload,
    library_entries,
    scope_doc_ids,
    unknown_reports,
)
from .messages import localize
from .owners import UploadLedger
from .render import EMPTY_VIEWER, _find_view, _turn_from_answer, esc, render_view
from .startup import IndexingState
from .uploads import (
    UploadError,
    UploadResult,
    check_upload,
    check_uploads_dir,
    delete_temporary,
    safe_upload_name,
    upload_path,
)

log = logging.getLogger("assistant.web")

MAX_K = 20
# How often (at most) a question first checks whether another process published a newer index.
LIVE_CHECK_SECONDS = 5.0

GENERIC_ERROR = "Something went wrong on the server; the details were written to its log. Please try again."

_SURROGATES = re.compile("[\ud800-\udfff]")


def _whole_number(k, default: int) -> int:
    """``k`` as a passage count in 1..MAX_K; one sentence (QuestionError) for
    anything that is not a finite whole number (Infinity, 1e400, NaN, text)."""
    from ..query import QuestionError

    if k in (None, ""):
        return default
    try:
        number = float(k) if not isinstance(k, int) else k
        if isinstance(number, float) and (not math.isfinite(number) or number != int(number)):
            raise ValueError
        return max(1, min(MAX_K, int(number)))
    except (TypeError, ValueError, OverflowError):
        raise QuestionError(f"The number of passages (k) must be a whole number from 1 to {MAX_K}.") from None


class WebChat:
    """What the page's events call: answers, views, the library, uploads (no Gradio here).

    Privacy: every call that reads reports takes ``owners``, the owner keys
    the asker speaks for (its browser or API session, and its team when it
    gave the passphrase).  It sees the shipped reports and those owners'
    uploads, nothing else (:meth:`visible_docs`); the Assistant answers from
    that set only, so no route can reach another asker's upload.  An upload
    the ledger does not know (put in the folder by hand) is nobody's on the web.
    """

    def __init__(self, assistant, docs_dirs, uploads_dir, index_dir, settings: Settings | None = None,
                 state: IndexingState | None = None) -> None:
        self.assistant = assistant
        self.docs_dirs = [Path(folder) for folder in docs_dirs]
        self.uploads_dir = Path(uploads_dir).resolve()
        self.index_dir = Path(index_dir)
        self.settings = settings or getattr(assistant, "settings", None) or Settings()
        check_uploads_dir(self.uploads_dir, self.docs_dirs)
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        self.ledger = UploadLedger(self.uploads_dir, self.settings.max_upload_files, self.settings.max_uploads_bytes,
                                   self.settings.max_owner_upload_files, self.settings.max_owner_uploads_bytes)
        self.state = state or IndexingState(ready=assistant is not None, finished=assistant is not None)
        self._build_lock = threading.Lock()
        self.building = threading.Event()
        self._checked_at = 0.0

    def set_assistant(self, assistant) -> None:
        """The first index is live: answer from now on."""
        self.assistant = assistant
        self.state.ready = True

    def _live_assistant(self):
        from ..store import IndexStateError

        if self.assistant is None:
            if self.state.error:
                raise IndexStateError(self.state.error)
            raise IndexStateError(f"The reports are still being indexed ({self.state.describe()}); "
                                  "please ask again in a moment.")
        return self.assistant

    # -------------------------------------------------------------- answers
    def visible_docs(self, owners) -> frozenset[str]:
        """The reports an asker may read: the shipped ones and the uploads of ``owners``."""
        if self.assistant is None:
            return frozenset()
        owned = {name for owner in owners if owner for name in self.ledger.names_of(owner)}
        return frozenset(doc_id for doc_id, info in self.assistant.index.manifest.files.items()
                         if not is_upload(info, self.uploads_dir) or Path(info.get("path", "")).name in owned)

    def answer(self, question, k, mode: str, follow_up_of: str | None = None, docs=None, lang: str = "all", *,
               owners):
        """The Answer, or raises QuestionError / IndexStateError.
        ``follow_up_of``: the session's previous question, for follow-ups;
        ``docs``: the reports to search (none: all), ``lang``: "en"/"zh" to
        search only reports written in that language; ``owners``: whose uploads the asker sees."""
        return self.answer_in_scope(question, k, mode, follow_up_of, docs, lang, owners=owners)[0]

    def answer_in_scope(self, question, k, mode: str, follow_up_of: str | None = None, docs=None,
                        lang: str = "all", *, owners) -> tuple:
        """(Answer, scope) where scope is ``{"n", "total"}`` when the question was limited, else None."""
        from ..query import QuestionError
        from ..store import IndexStateError

        if mode not in RETRIEVAL_MODES:
            raise QuestionError(f"Unknown retrieval mode {mode!r}; use one of {', '.join(RETRIEVAL_MODES)}.")
        k = _whole_number(k, self.settings.top_k)
        if isinstance(question, (int, float)) and not isinstance(question, bool):
            question = str(question)  # JSON clients may send a question of digits as a number
        # Lone surrogates (possible in JSON) break the tokenizers: make them U+FFFD.
        question = _SURROGATES.sub("\ufffd", question) if isinstance(question, str) else ""
        if isinstance(docs, str):
            docs = [docs] if docs else []
        if docs is not None and not isinstance(docs, (list, tuple, set)):
            raise QuestionError("docs must be a list of report file names (see the library).")
        assistant = self._live_assistant()
        self._follow_newer_build()
        visible = self.visible_docs(owners)
        entries = self.library(visible=visible)
        unknown = unknown_reports(entries, docs)
        if unknown:
            raise QuestionError(f"Unknown report {unknown[0]!r}; choose reports by their file names in the library.")
        doc_ids = scope_doc_ids(entries, docs, lang if lang in ("en", "zh") else "all")
        if doc_ids is not None and not doc_ids:
            raise QuestionError("No report matches the chosen reports and language; choose others.")
        scope = None if doc_ids is None else {"n": len(doc_ids), "total": len(entries)}
        try:
            answer = assistant.ask(question, k=k, mode=mode, doc_ids=doc_ids, follow_up_of=follow_up_of,
                                   visible=visible)
        except IndexStateError:
            # Another process (`assistant build`) published a newer generation and
            # pruned the one this server had open: switch to the live one once.
            if not self._reload_if_replaced():
                raise
            answer = assistant.ask(question, k=k, mode=mode, doc_ids=doc_ids, follow_up_of=follow_up_of,
                                   visible=self.visible_docs(owners))
        if doc_ids is not None:  # the comparison reads the asker's whole library's facts
            answer.comparison = [row for row in answer.comparison if row.get("doc_id") in doc_ids]
        return answer, scope

    def _reload_if_replaced(self) -> bool:
        if self.assistant is None or self.assistant.index.is_live():
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

    def ask_json(self, question, k=5, mode: str = "hybrid", docs=None, *, owners) -> dict:
        from ..query import QuestionError
        from ..store import IndexStateError

        try:
            return self.answer(question, k, mode, docs=docs or None, owners=owners).to_dict()
        except (QuestionError, IndexStateError) as error:
            return {"error": str(error)}
        except Exception:
            log.exception("answering %r failed", question[:200] if isinstance(question, str) else question)
            return {"error": GENERIC_ERROR}

    def make_turn(self, answer, turns: list[dict], scope: dict | None = None) -> dict:
        """The next turn of a session (ids count up within the session)."""
        index = self.assistant.index
        shas = {doc_id: info["sha256"] for doc_id, info in index.manifest.files.items()}
        entries = library_entries(self.assistant, self.uploads_dir)  # the answer cites visible reports only
        titles = {entry.doc_id: entry.title for entry in entries}
        uploaded = {entry.doc_id for entry in entries if entry.uploaded}
        return _turn_from_answer(turns[-1]["id"] + 1 if turns else 0, answer, shas, titles, uploaded, scope,
                                 short_titles={entry.doc_id: entry.short for entry in entries})

    def view_html(self, turns: list[dict], key, view: dict | None = None, *, owners, lang: str = "en") -> str:
        from ..store import IndexStateError

        view = view or _find_view(turns or [], key)
        if view is None or self.assistant is None or view.get("doc_id") not in self.visible_docs(owners):
            return EMPTY_VIEWER
        try:
            return render_view(self.assistant.index, view, lang)
        except IndexStateError as error:
            return f'<div class="viewer"><p class="err" role="alert">{esc(localize(str(error), lang))}</p></div>'
        except Exception:
            log.exception("showing %r failed", key)
            return f'<div class="viewer"><p class="err" role="alert">{esc(localize(GENERIC_ERROR, lang))}</p></div>'

    # -------------------------------------------------------------- library
    def library(self, owners=(), visible: frozenset[str] | None = None) -> list[LibraryEntry]:
        """The reports the asker sees (``owners``: whose uploads; ``visible``: the set, when known)."""
        visible = self.visible_docs(owners) if visible is None else visible
        return [entry for entry in library_entries(self.assistant, self.uploads_dir) if entry.doc_id in visible]

    def report_view(self, doc_id, *, owners) -> dict | None:
        """A view of a whole report from the library (its beginning)."""
        entry = next((entry for entry in self.library(owners) if entry.doc_id == doc_id), None)
        if entry is None:
            return None
        sha = self.assistant.index.manifest.files[entry.doc_id]["sha256"]
        return {"doc_id": entry.doc_id, "start": 0, "end": 0, "sha256": sha, "title": entry.label, "question": ""}

    def card_of(self, doc_id, *, owners) -> dict | None:
        """The card fields of one of the asker's uploads, as the edit form shows them."""
        entry = next((entry for entry in self.library(owners) if entry.doc_id == doc_id and entry.uploaded), None)
        if entry is None or doc_id not in self._owned(owners):
            return None
        return {"title": entry.title, "publisher": entry.publisher, "market": entry.market,
                "years": ", ".join(entry.years), "languages": ", ".join(entry.languages)}

    def edit_card(self, doc_id, changes: dict, *, owners) -> str:
        """Correct the card of one of the asker's uploads (saved in its card file, used at once); a shipped
        report's card is corrected from the CLI only (``assistant reports --set``)."""
        from ..ingest.cards import write_sidecar

        if not isinstance(doc_id, str) or doc_id not in self._owned(owners) or self.assistant is None:
            raise UploadError("Choose one of your uploaded reports; a shipped report's card is corrected with "
                              "`assistant reports --set`, and other people's uploads cannot be changed.")
        path = self.uploads_dir / doc_id
        if path.resolve().parent != self.uploads_dir:
            raise UploadError("Choose one of your uploaded reports; this file name is not allowed.")
        try:
            write_sidecar(path, {key: value for key, value in changes.items() if isinstance(value, (str, list))})
        except ValueError as error:
            raise UploadError(str(error)) from None
        self.assistant.refresh_cards()
        return f"Saved the card of {doc_id}; search, answers and comparisons use it now."

    def _owned(self, owners) -> set[str]:
        """The uploads of ``owners`` that the index holds (their doc ids are their file names)."""
        names = {name for owner in owners if owner for name in self.ledger.names_of(owner)}
        files = self.assistant.index.manifest.files if self.assistant is not None else {}
        return {name for name in names if name in files and is_upload(files[name], self.uploads_dir)}

    # -------------------------------------------------------------- uploads
    def list_uploads(self, owner: str | None = None) -> list[dict]:
        """Uploaded files (``owner`` given: that owner's only), with chunk counts once indexed."""
        chunks_by_path: dict[str, int] = {}
        files = self.assistant.index.manifest.files if self.assistant is not None else {}
        for info in files.values():
            try:
                chunks_by_path[str(Path(info["path"]).resolve())] = int(info["n_chunks"])
            except (KeyError, TypeError, ValueError, OSError):
                continue
        names = self.ledger.names_of(owner) if owner is not None else sorted(self.ledger.files())
        sizes = self.ledger.files()
        return [{"file": name, "chunks": chunks_by_path.get(str(self.uploads_dir / name)), "bytes": sizes[name]}
                for name in names if name in sizes]

    def upload_names(self, owner: str | None = None) -> list[str]:
        return [row["file"] for row in self.list_uploads(owner)]

    def _shipped_names(self) -> set[str]:
        from ..ingest import discover_files

        try:
            return set(discover_files(self.docs_dirs))
        except FileNotFoundError:
            return set()

    def add_uploads(self, paths, progress=None, owner: str = "") -> UploadResult:
        """Copy accepted files into the uploads folder, then index them (each
        file is read once, by the build); a file the build refuses is deleted
        at once, as is every uploaded temporary copy."""
        result = UploadResult()
        if self.assistant is None:
            for item in paths or []:
                delete_temporary(upload_path(item), self.uploads_dir)
            result.problems.append("The reports are still being indexed; please upload again in a moment.")
            return result
        accepted: list[str] = []
        shipped = self._shipped_names()
        for item in paths or []:
            source = upload_path(item)
            try:
                original = (item.get("orig_name") if isinstance(item, dict) else getattr(item, "orig_name", None)) or source.name
                name = safe_upload_name(original)
                size = check_upload(source, name, self.settings.max_file_bytes)
                name, note = self.ledger.place(name, owner, size, shipped)
                if note:
                    result.problems.append(note)
                target = (self.uploads_dir / name).resolve()
                if target.parent != self.uploads_dir:
                    raise UploadError(f"{name}: this file name is not allowed; please rename the file.")
                partial = self.uploads_dir / f".upload-{uuid.uuid4().hex}"  # hidden: never indexed
                try:
                    shutil.copyfile(source, partial)
                    os.replace(partial, target)
                finally:
                    partial.unlink(missing_ok=True)
                self.ledger.claim(name, owner)
                if name not in accepted:
                    accepted.append(name)
            except UploadError as error:
                result.problems.append(str(error))
            except OSError as error:
                log.exception("storing upload failed")
                result.problems.append(f"{source.name}: the file could not be stored ({error.strerror or 'disk error'}).")
            finally:
                delete_temporary(source, self.uploads_dir)
        if not accepted:
            if not result.problems:
                result.problems.append("No file was uploaded.")
            return result
        try:
            report = self.rebuild(progress)
        except Exception:  # never keep a file whose indexing failed: it would fail every later upload
            log.exception("indexing uploads failed")
            self._discard(accepted)
            self.rebuild(progress)
            result.problems.extend(f"{name}: could not be indexed; it was removed." for name in accepted)
            return result
        refused = [name for name in accepted if name in self.assistant.index.manifest.skipped
                   or name not in self.assistant.index.manifest.files]
        if refused:
            self._discard(refused)
            self.rebuild(progress)
        result.added = [name for name in accepted if name not in refused]
        result.problems.extend(report.skipped)
        result.problems.extend(report.warnings)
        result.summary = report.summary()
        return result

    def _discard(self, names: list[str]) -> None:
        for name in names:
            (self.uploads_dir / name).unlink(missing_ok=True)
            self.ledger.release(name)

    def remove_upload(self, name, progress=None, owner: str | None = None) -> str:
        """Remove an upload; ``owner`` given, only one of that owner's."""
        if not isinstance(name, str) or name not in self.upload_names(owner):
            raise UploadError("Choose one of your uploaded reports to remove; the shipped reports and other "
                              "people's uploads cannot be removed.")
        from ..ingest.cards import sidecar_path

        (self.uploads_dir / name).unlink(missing_ok=True)
        sidecar_path(self.uploads_dir / name).unlink(missing_ok=True)  # its corrected card goes with it
        self.ledger.release(name)
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
                if self.assistant is not None:
                    self.assistant.reload()
                return report
            finally:
                self.building.clear()

