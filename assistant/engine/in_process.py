"""The default build engine: everything in this process, one file and one batch at a time."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cached_property

import numpy as np

from ..config import Settings
from ..embedding import load_encoders
from .work import (
    ChannelSpec,
    FileJob,
    ReadOutcome,
    channel_specs,
    encoder_batches,
    read_and_chunk_file,
)

#: ``progress(done, total)``: called as batches of an :meth:`encode` are done.
BatchProgress = Callable[[int, int], None]


class InProcessEngine:
    name = "in-process"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def _loaded(self) -> dict:
        """The channels' encoders, loaded on first use (once per process or actor)."""
        return load_encoders(self.settings)

    def channels(self) -> dict[str, ChannelSpec]:
        """Channel name -> its model's identity and dimension (``dense`` first)."""
        return channel_specs(self._loaded)

    def read_and_chunk(self, jobs: Iterable[FileJob]) -> Iterator[ReadOutcome]:
        """One outcome per job, in the jobs' order."""
        encoders = self._loaded
        for job in jobs:
            yield read_and_chunk_file(job, self.settings, encoders)

    def encode(self, channel: str, texts: list[str], progress: BatchProgress | None = None) -> np.ndarray:
        """Unit vectors of ``texts`` by one channel's model, in the order given."""
        encoder = self._loaded[channel]
        vectors = np.zeros((len(texts), encoder.dim), dtype=np.float32)
        # Small steps: on a server, questions can take the model between them.
        for batch in encoder_batches(len(texts), self.settings):
            if progress:
                progress(batch.start, len(texts))
            vectors[batch] = encoder.encode_passages(texts[batch], self.settings.batch_size)
        if progress:
            progress(len(texts), len(texts))
        return vectors

    def close(self) -> None:
        """Nothing to stop: the models stay loaded for the process's next use."""

    def __enter__(self) -> InProcessEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
