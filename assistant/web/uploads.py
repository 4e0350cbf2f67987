"""Uploaded reports: safe file names, the checks a file must pass, the result of an upload."""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..config import SUPPORTED_SUFFIXES

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
