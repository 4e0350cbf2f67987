"""The whole benchmark (``run_bench``) and the ``assistant bench`` command."""
from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

from ..config import DEFAULT_MODEL, PROJECT_ROOT, Settings, setup_offline_environment
from .backends import bench_backends, bench_one_shot
from .build import (
    _append_paragraph,
    _cli_build,
    _copy_docs,
    _largest_report,
    bench_build,
    bench_rebuild_inprocess,
)
from .common import (
    CpuWatch,
    _log,
    _machine,
    _package_version,
    _run_cli,
    _run_worker,
    _settings_to_dict,
)
from .latency import import_times
from .questions import MIN_QUESTIONS, QUESTIONS_PATH, bench_questions
from .readers import bench_readers
from .report import _targets, recommend, result_markdown, save_results
from .web import bench_web_start

DEFAULT_SCALES = (10_000,)
#: Chunks of the real-text build (``--real-chunks``): minutes on two cores; 50000 is the documented target size.
DEFAULT_REAL_CHUNKS = 2_000
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"


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


def run_bench(docs_dirs: list[Path] | None = None, settings: Settings | None = None, scales: list[int] | None = None,
              results_dir: Path | None = RESULTS_DIR, repeats: int = 1, n_questions: int | None = None,
              profile_questions: int = 100, hnsw_m: list[int] | None = None, retriever_budget_s: float = 60.0,
              milvus_n: int = 100_000, backends: bool = True, backend_eval_questions: int | None = None,
              real_chunks: int = DEFAULT_REAL_CHUNKS) -> dict:
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
                               + f" --milvus-scale {milvus_n} --real-chunks {real_chunks}",
                    "machine": _machine(),
                    "settings": {"model": settings.model, "backend": settings.backend, "multilingual": settings.multilingual,
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
        cli = _run_cli(["ask", questions[0], "--index", str(index_fresh), "--json", "--backend", settings.backend]
                       + (["--model", settings.model] if settings.model != DEFAULT_MODEL else []), work, timeout=600)
        result["cold_start"] = {**serving["cold_start"], "cli_ask_wall_s": round(cli["wall_s"], 3),
                                "cli_ask_peak_rss_mb": cli["peak_rss_mb"],
                                "imports": import_times(work, backend=settings.backend)}
        watch = CpuWatch()
        result["one_shot_ask"] = bench_one_shot(index_fresh, questions[0], settings)
        contention["one_shot_ask"] = watch.read()

        if backends:
            watch = CpuWatch()
            result["backends"] = bench_backends(settings, work, questions, eval_limit=backend_eval_questions)
            contention["backends"] = watch.read()
        if real_chunks:
            from ..store import open_index
            from .realtext import bench_real_build

            watch = CpuWatch()
            result["real_text_build"] = bench_real_build(docs_dirs, settings, work, real_chunks,
                                                         open_index(index_fresh, settings))
            contention["real_text_build"] = watch.read()
            if _package_version("ray"):
                from .ray_build import bench_ray_build

                watch = CpuWatch()
                result["ray_build"] = bench_ray_build(docs_dirs, settings, work, real_chunks,
                                                      open_index(index_fresh, settings))
                contention["ray_build"] = watch.read()

        _log("`assistant serve`: seconds to first paint and to first answer, fresh and on a restart")
        result["web_start"] = bench_web_start(docs_dirs, settings, work)

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

        _log("readers on adversarial input (1 MB lines, PDF and DOCX bombs)")
        result["readers"] = bench_readers(work)

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


def run_cli(args, settings: Settings) -> int:
    scales = parse_scales(getattr(args, "scale", ""))
    docs = getattr(args, "docs", None) or [PROJECT_ROOT / "seeds"]
    try:
        hnsw_m = [int(value) for value in str(getattr(args, "hnsw_m", "") or "16,32,48").split(",") if value.strip()]
    except ValueError as error:
        raise ValueError(f"--hnsw-m takes numbers like 16,32,48, not {args.hnsw_m!r}") from error
    result = run_bench(docs_dirs=docs, settings=settings, scales=scales, repeats=3, hnsw_m=hnsw_m,
                       milvus_n=getattr(args, "milvus_scale", 100_000),
                       backend_eval_questions=getattr(args, "backend_eval_questions", 0) or None,
                       real_chunks=getattr(args, "real_chunks", DEFAULT_REAL_CHUNKS))
    if getattr(args, "json", False):
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(result_markdown(result))
        print(f"Saved to {result.get('saved_to')} and {RESULTS_DIR / 'latest.md'}")
    return 0
