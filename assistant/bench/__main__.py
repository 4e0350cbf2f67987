"""``python -m assistant.bench``: the benchmark's child processes.

``_worker KIND CONFIG OUT`` runs a measuring worker (serve, scale, milvus);
``_cli OUT ARGS`` runs ``assistant ARGS`` and then records this process's
peak RSS (VmHWM, read here: a fork's rusage would also count the parent's
memory).  The CLI is run the way ``python -m assistant.cli`` runs it, with
``runpy``, not imported: ``assistant.cli`` imports this package.
"""
from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

from .common import _proc_mb
from .latency import _serve_worker
from .milvus import _milvus_worker
from .scale import _scale_worker


def _run_cli_here(args: list[str]) -> int:
    """``assistant ARGS`` in this process; its exit status leaves as ``SystemExit``."""
    sys.argv = [sys.argv[0], *args]
    runpy.run_module("assistant.cli", run_name="__main__", alter_sys=True)
    return 0


def _worker_main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "_cli":
        try:
            code = _run_cli_here(argv[2:])
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
