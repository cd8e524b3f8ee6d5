"""What a stream hands the sync engine: pages of records, each with the checkpoint to store
after it, and the ``Stream`` protocol every vendor's reads implement.

A stream is an async iterator of pages, so memory stays flat however large the source. The
checkpoint is the stream's own JSON: the engine stores it after processing a page and hands
the latest one back to the next run, never reading inside it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from crossdock.errors import CrossdockError

Record = dict[str, Any]


@dataclass(frozen=True)
class Checkpoint:
    """Where an incremental read stands.

    ``updated_since`` (the vendor's timestamp format) or ``cursor`` is the position the next
    run starts from. ``resume`` is set only on pages in the middle of a run: enough for a run
    interrupted there to continue rather than start over.
    """

    updated_since: str | None = None
    cursor: str | None = None
    resume: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.updated_since is not None:
            data["updated_since"] = self.updated_since
        if self.cursor is not None:
            data["cursor"] = self.cursor
        if self.resume:
            data["resume"] = dict(self.resume)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Checkpoint | None:
        if not data:
            return None
        return cls(
            updated_since=data.get("updated_since"),
            cursor=data.get("cursor"),
            resume=dict(data.get("resume") or {}),
        )


@dataclass(frozen=True)
class Page:
    """Records to process, then ``checkpoint`` to store.

    ``problems`` are conditions the stream noticed but did not stop for, such as a
    ``TotalMismatch``: the engine records them with the run.
    """

    records: Sequence[Record]
    checkpoint: Checkpoint
    problems: tuple[CrossdockError, ...] = ()


class Stream(Protocol):
    """One kind of record read from one vendor credential."""

    name: str

    def pages(self, since: Checkpoint | None) -> AsyncIterator[Page]:
        """Every record changed since ``since`` (all of them when None), a page at a time."""
        ...


class SeenIds:
    """Which record ids a run has emitted, in about one bit per id for integer ids.

    Vendors such as CRO number records from 1 upwards, so a bitmap indexed by id costs
    125 KB per million records where a set would cost tens of megabytes; other ids (strings,
    negative or very large numbers) fall back to a set.
    """

    BITMAP_LIMIT = 1 << 27  # ids up to 134 million: a bitmap of at most 16 MB

    def __init__(self) -> None:
        self._bits = bytearray()
        self._others: set[object] = set()
        self.count = 0

    def add(self, record_id: object) -> bool:
        """Remember ``record_id``; True when it was not seen before."""
        if type(record_id) is int and 0 <= record_id < self.BITMAP_LIMIT:
            index, bit = record_id >> 3, 1 << (record_id & 7)
            bits = self._bits
            if index >= len(bits):
                bits.extend(bytes(max(index + 1 - len(bits), len(bits) // 2)))
            if bits[index] & bit:
                return False
            bits[index] |= bit
        else:
            if record_id in self._others:
                return False
            self._others.add(record_id)
        self.count += 1
        return True

    def __contains__(self, record_id: object) -> bool:
        if type(record_id) is int and 0 <= record_id < self.BITMAP_LIMIT:
            index = record_id >> 3
            return index < len(self._bits) and bool(self._bits[index] & (1 << (record_id & 7)))
        return record_id in self._others
