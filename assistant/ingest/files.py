"""Finding report files, hashing them, decoding their bytes, naming them in messages.
"""
from __future__ import annotations

import codecs
import hashlib
import unicodedata
from pathlib import Path

from ..config import SUPPORTED_SUFFIXES
from .document import DocumentError


def decode_bytes(data: bytes, name: str) -> tuple[str, list[str]]:
    """Decode text bytes: UTF-16 or UTF-32 when a byte-order mark says so, else
    UTF-8, else the common Chinese encodings, with a warning."""
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                          (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding).removeprefix("\ufeff"), []
            except UnicodeDecodeError:
                break  # not that encoding after all: the checks below decide
    if b"\x00" in data[:8192]:
        raise DocumentError(f"{name}: looks like a binary file, not text; convert it to .txt, .md, .html, .pdf or .docx.")
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    # GB18030 decodes almost any bytes, Big5 text included (as nonsense full of
    # private-use and kana characters), so try both and keep the reading with
    # the fewest characters that Chinese report text does not use; a tie
    # (short or ambiguous text) goes to GB18030.
    readings = []
    for rank, encoding in enumerate(("gb18030", "big5")):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        readings.append((_odd_characters(text), rank, encoding, text))
    if readings:
        _, _, encoding, text = min(readings)
        return text, [f"{name}: not UTF-8; read as {encoding}."]
    text = data.decode("utf-8", errors="replace")
    return text, [f"{name}: not valid UTF-8; undecodable bytes were replaced."]


def format_mb(n_bytes: int) -> str:
    """``52.4 MB``, ``0.2 MB``: small limits (tests, a strict setup) do not round to 0 MB."""
    megabytes = n_bytes / 2**20
    return f"{megabytes:.1f} MB" if megabytes < 10 else f"{megabytes:.0f} MB"


def _odd_characters(text: str) -> int:
    """Characters outside ASCII, CJK ideographs, CJK and full-width punctuation."""
    odd = 0
    for char in text:
        code = ord(char)
        if not (code < 0x80 or 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x3000 <= code <= 0x303F
                or 0xFF00 <= code <= 0xFFEF or 0x2000 <= code <= 0x206F):
            odd += 1
    return odd


def printable_name(name: str) -> str:
    """A file name fit for a one-line message: control characters, line breaks
    and bytes that are not UTF-8 (surrogate escapes) are shown as escapes."""
    return "".join(
        char if (char.isprintable() or unicodedata.category(char) == "Zs") and not 0xD800 <= ord(char) <= 0xDFFF
        else ascii(char)[1:-1]
        for char in str(name)
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def list_report_files(folder: Path) -> list[Path]:
    """Supported files below ``folder``, sorted, hidden files skipped."""
    return sorted(
        path
        for path in Path(folder).rglob("*")
        if path.is_file()
        and path.suffix.lower() in SUPPORTED_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def discover_files(docs_dirs: list[Path], problems: list[str] | None = None,
                   follow_links: bool = False) -> dict[str, Path]:
    """doc_id -> path.  The id is the path relative to its folder; when two
    folders hold the same relative path, the later one is prefixed with its
    folder name so both stay distinct.  A file whose name is not valid UTF-8
    cannot be indexed (nor cited): it is left out, with a line in ``problems``;
    so is a file that a symbolic link leads to outside its folder, unless
    ``follow_links`` (a link to a system file would make it searchable)."""
    found: dict[str, Path] = {}
    problems = problems if problems is not None else []
    for folder in docs_dirs:
        folder = Path(folder)
        if not folder.is_dir():
            raise FileNotFoundError(f"The reports folder {folder} does not exist.")
        root = folder.resolve()
        for path in list_report_files(folder):
            relative = path.relative_to(folder).as_posix()
            if any(0xD800 <= ord(char) <= 0xDFFF for char in relative):  # undecodable bytes (surrogate escapes)
                problems.append(f"{printable_name(relative)}: the file name is not valid UTF-8; rename the file.")
                continue
            if not follow_links and root not in path.resolve().parents:
                problems.append(f"{printable_name(relative)}: a link to a file outside the reports folder; skipped "
                                f"(copy the file into the folder, or build with --follow-links).")
                continue
            doc_id = relative
            if doc_id in found:
                doc_id = f"{folder.name}/{relative}"
            copy = 2
            while doc_id in found:  # e.g. two folders both named "reports": never drop a file
                doc_id = f"{folder.name}~{copy}/{relative}"
                copy += 1
            found[doc_id] = path
    return found
