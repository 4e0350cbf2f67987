"""The Ray build engine: files are read and chunked, and texts encoded, by
worker actors on this machine or a cluster; the driver (the ``assistant
build`` process) keeps the order and writes the index, as in process.

Each worker is an actor with one CPU that loads the channels' models once
and runs them on one thread.  A worker killed mid-call is restarted by Ray
and the call is retried (``Settings.ray_retries``); every call is a pure
function of its arguments and results are placed by their position, so a
retry can neither lose nor double a chunk.  Plain actors, not Ray Data: the
work is already cut into ordered batches, and ordered calls with a bounded
number in flight need nothing more (docs/large-libraries.md).
"""
from __future__ import annotations

import os
import socket
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from ..config import Settings, setup_offline_environment
from .in_process import InProcessEngine
from .work import ChannelSpec, FileJob, ReadOutcome, encoder_batches

#: Files per read call: enough to hide a call's overhead, few enough to spread a small library.
FILES_PER_CALL = 8
#: Calls in flight per worker: one running, one queued, so a worker never waits for the driver.
CALLS_PER_WORKER = 2


class BuildWorker:
    """One Ray actor of a build (see the module's docstring): the in-process
    engine, in a worker process, its models loaded on first use."""

    def __init__(self, settings: Settings) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", "1")  # one CPU per actor: one thread per model
        setup_offline_environment()
        self._engine = InProcessEngine(settings)

    def pid(self) -> int:
        return os.getpid()

    def channels(self) -> dict[str, ChannelSpec]:
        return self._engine.channels()

    def read_and_chunk(self, jobs: list[FileJob]) -> list[ReadOutcome]:
        for job in jobs:
            folder = Path(job.path).parent
            if not folder.is_dir():
                raise RuntimeError(f"The Ray worker on {socket.gethostname()} cannot see the folder {folder}; every "
                                   "node of the cluster must see the library at the same path (a shared mount).")
        return list(self._engine.read_and_chunk(jobs))

    def encode(self, channel: str, texts: list[str]) -> np.ndarray:
        return self._engine.encode(channel, texts)  # one batch of the driver's: encoded as one batch


def _runtime_env() -> dict:
    """For a cluster: the driver's own code travels to the workers (so both
    chunk and embed alike); the packages it needs must be installed on each node."""
    return {"py_modules": [str(Path(__file__).resolve().parents[1])]}


class RayEngine:
    name = "ray"

    def __init__(self, settings: Settings) -> None:
        try:
            import ray
        except ImportError as error:
            raise RuntimeError("--engine ray needs Ray; install the ray extra (pip install -e '.[ray]'; "
                               "make install does).") from error
        self.settings = settings
        self._ray = ray
        self._started = False
        if not ray.is_initialized():  # a caller (a test, a notebook) may have connected already
            ray.init(address=settings.ray_address or None, include_dashboard=False, log_to_driver=False,
                     configure_logging=False, runtime_env=_runtime_env() if settings.ray_address else None)
            self._started = True
        count = settings.ray_workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        actor = ray.remote(num_cpus=1, max_restarts=settings.ray_retries,
                           max_task_retries=settings.ray_retries)(BuildWorker)
        self._workers = [actor.remote(settings) for _ in range(count)]
        self._specs: dict[str, ChannelSpec] | None = None

    def _get(self, ref):
        ray = self._ray
        try:
            return ray.get(ref)
        except ray.exceptions.RayTaskError as error:  # the worker's own error, in its own words
            cause = error.cause if isinstance(error.cause, BaseException) else None
            raise RuntimeError(str(cause) if cause else str(error)) from error
        except ray.exceptions.RayActorError as error:
            raise RuntimeError(f"A Ray worker of the build died more than {self.settings.ray_retries} times "
                               f"({type(error).__name__}); the index was not changed.") from error

    def _ordered(self, method: str, calls: Iterable[tuple]) -> Iterator:
        """Results of ``worker.method(*args)`` for each of ``calls``, in order,
        with at most CALLS_PER_WORKER calls in flight per worker."""
        pending: deque = deque()
        busy = [0] * len(self._workers)

        def oldest():
            ref, worker = pending.popleft()
            busy[worker] -= 1
            return self._get(ref)

        for args in calls:
            worker = busy.index(min(busy))
            pending.append((getattr(self._workers[worker], method).remote(*args), worker))
            busy[worker] += 1
            if len(pending) >= CALLS_PER_WORKER * len(self._workers):
                yield oldest()
        while pending:
            yield oldest()

    def worker_pids(self) -> list[int]:
        return [self._get(worker.pid.remote()) for worker in self._workers]

    def channels(self) -> dict[str, ChannelSpec]:
        if self._specs is None:
            self._specs = self._get(self._workers[0].channels.remote())
        return self._specs

    def read_and_chunk(self, jobs: Iterable[FileJob]) -> Iterator[ReadOutcome]:
        jobs = list(jobs)
        groups = [(jobs[begin : begin + FILES_PER_CALL],) for begin in range(0, len(jobs), FILES_PER_CALL)]
        for outcomes in self._ordered("read_and_chunk", groups):
            yield from outcomes

    def encode(self, channel: str, texts: list[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        dim = self.channels()[channel].dim
        vectors = np.zeros((len(texts), dim), dtype=np.float32)
        batches = encoder_batches(len(texts), self.settings)
        results = self._ordered("encode", ((channel, texts[batch]) for batch in batches))
        for batch, batch_vectors in zip(batches, results):
            vectors[batch] = batch_vectors
            if progress:
                progress(batch.stop, len(texts))
        return vectors

    def close(self) -> None:
        for worker in self._workers:
            self._ray.kill(worker)
        self._workers = []
        if self._started:
            self._ray.shutdown()

    def __enter__(self) -> RayEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
