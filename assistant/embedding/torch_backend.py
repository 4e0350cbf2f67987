"""The sentence-transformers (torch) backend of the dense model."""
from __future__ import annotations

import threading

import numpy as np

from ..config import setup_offline_environment
from .identity import ModelIdentity


class SentenceTransformerEncoder:
    """A sentence-transformers model: normalized vectors, batched encodes."""

    backend = "torch"

    def __init__(self, identity: ModelIdentity) -> None:
        setup_offline_environment()
        self.identity = identity
        model_name = self.name = identity.name
        from sentence_transformers import SentenceTransformer

        try:
            self.model = SentenceTransformer(self.identity.path, device="cpu")
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
