"""Shared helpers of the benchmark: timing and stats, memory, settings in and
out of JSON, child processes (workers and CLI runs), cProfile summaries,
the machine's facts and package versions."""
from __future__ import annotations

import cProfile
import gc
import json
import os
import platform
import pstats
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..config import (
    PROJECT_ROOT,
    AnswerConfig,
    ChunkerSettings,
    RetrievalConfig,
    Settings,
    setup_offline_environment,
)


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
    if "retrieval" in data:
        data["retrieval"] = RetrievalConfig(**data["retrieval"])
    if "answer" in data:
        data["answer"] = AnswerConfig(**{**data["answer"], "reasons": tuple(data["answer"]["reasons"])})
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


def _package_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


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
