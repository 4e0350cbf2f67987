"""Uploaded reports: safe file names, the checks a file must pass, the result
of an upload, and the temporary files an upload leaves in Gradio's folder.

Gradio writes each uploaded file to its temporary folder (``GRADIO_TEMP_DIR``,
else ``<tmp>/gradio``) before any event sees it: a file the page uploads but
never submits, and the half-written file of an upload killed or refused
(413) mid-way, would stay there for Gradio's hour.  An upload that reaches an
event is deleted from there at once (:func:`delete_temporary`);
:class:`CacheCleaner` deletes every other file there once nothing has written
to it for ``UPLOAD_CACHE_SECONDS``.
"""
from __future__ import annotations

import logging
import os
import re
import stat
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..config import SUPPORTED_SUFFIXES

log = logging.getLogger("assistant.web")

#: Seconds a file may sit unchanged in Gradio's temporary folder (uploads never
#: submitted, partial uploads, downloads already served) before it is deleted.
UPLOAD_CACHE_SECONDS = 600
_UNSAFE_NAME_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
MAX_NAME_CHARS = 120


class UploadError(ValueError):
    """An upload that is refused; the message is one sentence for the user."""


def safe_upload_name(name: str) -> str:
    """A file name that stays inside the uploads folder.

    Unicode is NFKC-normalized first (so full-width ``．．／`` cannot sneak
    through), only the last path component is kept (``/`` and ``\\`` both
    count), control and invisible format characters (bidi overrides,
    zero-width) are dropped, characters that are unsafe in file names on
    common systems become ``_``, leading dots are removed (no hidden files),
    and the name is shortened to 120 characters keeping its suffix.
    """
    text = unicodedata.normalize("NFKC", str(name or ""))
    text = text.replace("\\", "/").rstrip("/").split("/")[-1]
    text = "".join(char for char in text if unicodedata.category(char)[0] != "C")
    text = _UNSAFE_NAME_CHARS.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip().lstrip(".").strip()
    stem, suffix = os.path.splitext(text)
    stem = stem.rstrip(" .")
    suffix = suffix.lower()
    if len(stem) + len(suffix) > MAX_NAME_CHARS:
        stem = stem[: MAX_NAME_CHARS - len(suffix)].rstrip(" .")
    if not stem:
        raise UploadError("The file name is empty once unsafe characters are removed; please rename the file.")
    return stem + suffix


def _describe_suffixes() -> str:
    return ", ".join(SUPPORTED_SUFFIXES)


def check_upload(source: Path, name: str, limit: int) -> int:
    """The file's size; refuses (UploadError) a file of an unsupported kind
    or over ``limit`` bytes.  Whether it reads as a report is left to the
    build, so each upload is read once."""
    from ..ingest import format_mb

    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kind = f"{suffix} files are" if suffix else "Files without a suffix are"
        raise UploadError(f"{name}: {kind} not supported; upload one of {_describe_suffixes()}.")
    try:
        size = source.stat().st_size
    except OSError:
        raise UploadError(f"{name}: the uploaded file could not be read; please try again.") from None
    if size > limit:
        raise UploadError(f"{name}: {format_mb(size)} is over the {format_mb(limit)} upload limit.")
    return size


@dataclass
class UploadResult:
    added: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    summary: str = ""

    def to_dict(self, uploads: list[dict]) -> dict:
        return {"added": self.added, "problems": self.problems, "summary": self.summary, "uploads": uploads}


def check_uploads_dir(uploads_dir: Path, docs_dirs: list[Path]) -> None:
    """The uploads folder must be its own folder, never inside the shipped reports."""
    uploads = Path(uploads_dir).resolve()
    for folder in docs_dirs:
        folder = Path(folder).resolve()
        if uploads == folder or folder in uploads.parents or uploads in folder.parents:
            raise ValueError(f"The uploads folder {uploads_dir} must not overlap the reports folder {folder}.")


def gradio_temp_dir() -> Path:
    return Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio").resolve()


def upload_path(item) -> Path:
    """The temporary path of one uploaded file, as an event receives it (a dict, a FileData or a path)."""
    return Path(item["path"]) if isinstance(item, dict) else Path(getattr(item, "path", item))


def delete_temporary(source: Path, uploads_dir: Path) -> None:
    """Gradio keeps uploaded files in its temporary folder for an hour: delete
    ours at once (a file already inside the uploads folder is left alone)."""
    try:
        resolved = Path(source).resolve()
        if Path(uploads_dir).resolve() in resolved.parents:
            return
        gradio_cache = gradio_temp_dir()
        if gradio_cache in resolved.parents:
            resolved.unlink(missing_ok=True)
            if resolved.parent != gradio_cache and not any(resolved.parent.iterdir()):
                resolved.parent.rmdir()  # Gradio's per-upload folder
    except OSError:
        log.warning("could not delete the temporary upload %s", source)


def clean_temp_dir(folder: Path, max_age: float, now: float | None = None) -> int:
    """Delete the files of ``folder`` (and its sub-folders, then the folders
    left empty) that nothing had written to for ``max_age`` seconds when the
    sweep began; how many files."""
    now = time.time() if now is None else now
    removed = 0
    try:
        entries = [(path, path.lstat()) for path in Path(folder).rglob("*")]
    except OSError:
        return 0
    for path, info in sorted(entries, key=lambda entry: -len(entry[0].parts)):  # deepest first
        if now - info.st_mtime <= max_age:
            continue
        try:
            if stat.S_ISDIR(info.st_mode):
                path.rmdir()  # only when empty
            else:
                path.unlink()
                removed += 1
        except OSError:
            continue  # gone already, in use, or not empty
    return removed


#: The hidden partial files an upload or the owner ledger writes before renaming them into place.
PARTIAL_PATTERNS = (".upload-*", ".owners-*")


def remove_partials(uploads_dir: Path) -> int:
    """At a start: delete the partial copies a killed server left in the
    uploads folder (hidden, so never indexed, but never renamed either)."""
    removed = 0
    for pattern in PARTIAL_PATTERNS:
        for path in Path(uploads_dir).glob(pattern):
            try:
                path.unlink()
                removed += 1
            except OSError:
                continue
    return removed


class CacheCleaner:
    """A daemon thread that runs :func:`clean_temp_dir` on Gradio's temporary
    folder every ``every`` seconds (``stop`` ends it)."""

    def __init__(self, folder: Path | None = None, max_age: float = UPLOAD_CACHE_SECONDS,
                 every: float | None = None) -> None:
        self.folder = Path(folder) if folder is not None else gradio_temp_dir()
        self.max_age = max_age
        self.every = every if every is not None else max(max_age / 4, 1.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="upload-cache-cleaner", daemon=True)

    def start(self) -> "CacheCleaner":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            removed = clean_temp_dir(self.folder, self.max_age)
            if removed:
                log.info("deleted %d abandoned temporary upload file(s)", removed)
