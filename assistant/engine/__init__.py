"""Build engines: where a build reads and chunks files and encodes texts.

Every engine has the same four calls, and the indexer uses nothing else:
``channels()`` (name -> identity and dimension of each dense channel),
``read_and_chunk(jobs)`` (one :class:`ReadOutcome` per :class:`FileJob`, in
order), ``encode(channel, texts, progress)`` (unit vectors, in order) and
``close()``.  ``in-process`` (default) runs them here; ``ray`` on Ray actors
(``Settings.engine``; the ``ray`` extra).
"""
from __future__ import annotations

from ..config import BUILD_ENGINES, Settings
from .in_process import InProcessEngine
from .work import (
    ChannelSpec,
    FileJob,
    ReadOutcome,
    encoder_batches,
    read_and_chunk_file,
)


def new_engine(settings: Settings):
    """The engine ``settings.engine`` names (Ray is imported only for ``ray``)."""
    if settings.engine == "in-process":
        return InProcessEngine(settings)
    if settings.engine == "ray":
        from .ray_engine import RayEngine

        return RayEngine(settings)
    raise ValueError(f"Unknown build engine {settings.engine!r}; use one of {', '.join(BUILD_ENGINES)}.")


__all__ = ["ChannelSpec", "FileJob", "InProcessEngine", "ReadOutcome", "encoder_batches", "new_engine",
           "read_and_chunk_file"]
