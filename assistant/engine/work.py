"""The work of a build, the same in every engine: one file read and chunked
(its Document, chunks, card and facts), and texts cut into encoder batches.

An engine only decides *where* this runs; what comes out is decided here, so
an in-process and a Ray build of the same library give the same index.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..embedding import ModelIdentity
from ..ingest import Chunk, DocumentError, chunk_document, printable_name, read_document
from ..ingest.reader import reader_failed
from ..ingest.cards import make_card
from ..ingest.facts import extract_facts
from ..ingest.limits import ReadLimits


@dataclass(frozen=True)
class FileJob:
    """One file to read: its name in the index, its path, the sha256 of its bytes."""

    doc_id: str
    path: str
    sha256: str


@dataclass
class ReadOutcome:
    """A file read and chunked, or the one sentence saying why it cannot be."""

    doc_id: str
    error: str | None = None
    remember: bool = False  # refused for its content (not a failed open): the index remembers it by sha256
    sha256: str = ""
    text: str = ""
    raw_starts: array | None = None
    raw_ends: array | None = None
    page_starts: list[int] | None = None
    warnings: list[str] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    card: dict = field(default_factory=dict)
    facts: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class ChannelSpec:
    """What the index records of a dense channel, without its model."""

    identity: ModelIdentity
    dim: int


def channel_specs(encoders: dict) -> dict[str, ChannelSpec]:
    return {name: ChannelSpec(encoder.identity, encoder.dim) for name, encoder in encoders.items()}


def read_and_chunk_file(job: FileJob, settings: Settings, encoders: dict) -> ReadOutcome:
    """Read one file and cut it into chunks that fit every channel's model."""
    def fits_model(text: str) -> bool:
        return all(encoder.fits(text) for encoder in encoders.values())

    try:  # any exception while reading, chunking or describing the file (a library's included) refuses it alone
        document = read_document(Path(job.path), doc_id=job.doc_id, limits=ReadLimits.from_settings(settings))
        chunks = chunk_document(document, settings.chunker, fits_model)
        card = make_card(document).to_dict()
        facts = [fact.to_dict() for fact in extract_facts(document, card["market"])]
    except Exception as error:
        if not isinstance(error, DocumentError):
            error = reader_failed(printable_name(job.doc_id), Path(job.path).suffix.lower(), error)
        # A file that could not be opened may open next time; one refused for its content is remembered.
        return ReadOutcome(job.doc_id, error=str(error), remember=not isinstance(error.__cause__, OSError))
    return ReadOutcome(job.doc_id, sha256=document.sha256, text=document.text, raw_starts=document.raw_starts,
                       raw_ends=document.raw_ends, page_starts=document.page_starts, warnings=list(document.warnings),
                       chunks=chunks, card=card, facts=facts)


def encoder_batches(count: int, settings: Settings) -> list[slice]:
    """The batches texts are encoded in, in order (every engine cuts the same
    ones: a vector depends a little on the batch it was computed in)."""
    step = max(settings.batch_size, 1)
    return [slice(begin, min(begin + step, count)) for begin in range(0, count, step)]
