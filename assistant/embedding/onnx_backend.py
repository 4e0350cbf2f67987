"""The ONNX Runtime backend of the dense model: ``tokenizers`` + ``onnxruntime``.

The same weights as the torch backend (exported once, see ``onnx_export``),
the same tokenizer, truncation, pooling and normalisation as the model's
sentence-transformers config says; no torch import once the export exists.
"""
from __future__ import annotations

import json
import threading

import numpy as np

from ..config import encoder_threads
from .identity import ModelIdentity
from .onnx_export import ensure_export


class OnnxEncoder:
    backend = "onnx"

    def __init__(self, identity: ModelIdentity) -> None:
        self.identity = identity
        self.name = identity.name
        folder = ensure_export(self.identity)
        facts = json.loads((folder / "export.json").read_text(encoding="utf-8"))
        from tokenizers import Tokenizer

        self.dim = int(facts["dim"])
        self.max_seq_length = int(facts["max_seq_length"])
        self._pooling, self._normalize = facts["pooling"], bool(facts["normalize"])
        self._lower = bool(facts["do_lower_case"])
        self._inputs = list(facts["inputs"])
        tokenizer_json = (folder / "tokenizer.json").read_text(encoding="utf-8")
        self._counter = Tokenizer.from_str(tokenizer_json)  # whole texts, for fits()
        self._counter.no_truncation()
        self._counter.no_padding()
        self._tokenizer = Tokenizer.from_str(tokenizer_json)  # what the model sees: cut and padded like sentence-transformers
        self._tokenizer.enable_truncation(self.max_seq_length)
        self._tokenizer.enable_padding(pad_id=int(facts["pad_id"]), pad_token=facts["pad_token"])
        self._run = self._open(folder)
        self._lock = threading.Lock()

    def _open(self, folder):
        """The model, as a function of the feeds that returns the last hidden state."""
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = encoder_threads()
        options.inter_op_num_threads = 1
        # Idle threads sleep instead of spinning: the cores are shared with the
        # multilingual model, BM25 and, on a server, other requests.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC  # the file is optimised
        session = onnxruntime.InferenceSession(str(folder / "model.opt.onnx"), options, providers=["CPUExecutionProvider"])
        return lambda feeds: session.run(None, feeds)[0]

    def _prepare(self, texts: list[str]) -> list[str]:
        return [text.lower() for text in texts] if self._lower else list(texts)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(self._prepare(texts))
        ids = np.array([encoding.ids for encoding in encodings], dtype=np.int64)
        mask = np.array([encoding.attention_mask for encoding in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.array([encoding.type_ids for encoding in encodings], dtype=np.int64)
        with self._lock:
            hidden = self._run(feeds)
        return self._pool(hidden, mask)

    def _pool(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        weights = mask[..., None].astype(np.float32)
        if self._pooling == "cls":
            vectors = hidden[:, 0]
        elif self._pooling == "max":
            vectors = np.where(weights > 0, hidden, -1e9).max(axis=1)
        else:
            vectors = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        vectors = vectors.astype(np.float32)
        # Normalised whatever the config says: every index stores unit vectors (inner product = cosine).
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit vectors, in the order given; batches hold texts of about one
        length (longest first), as sentence-transformers does."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda row: -len(texts[row]))
        step = max(int(batch_size), 1)
        for begin in range(0, len(order), step):
            rows = order[begin : begin + step]
            out[rows] = self._encode_batch([texts[row] for row in rows])
        return out

    encode_passages = encode
    encode_queries = encode

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees, special tokens included."""
        return len(self._counter.encode(self._prepare([text])[0]).ids)

    def fits(self, text: str) -> bool:
        return self.count_tokens(text) <= self.max_seq_length
