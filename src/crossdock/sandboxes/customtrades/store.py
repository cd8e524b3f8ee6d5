"""Records in the order lists serve them: most recently updated first.

Every write stamps ``updated_at`` from one non-decreasing clock and moves the record to the
newest end of its collection's timeline, so write order *is* ``updated_at`` order. That makes
an unfiltered page a slice, ``updated_since`` a binary search, and page-number paging drift
exactly as it does against the real service when records change between pages.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Callable, Iterator
from typing import Any


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


class Row:
    """One record: its public fields, its place in the timeline and its cached JSON."""

    __slots__ = ("blob", "data", "rendered", "seq", "summary", "updated_ms")

    def __init__(self, data: dict[str, Any], updated_ms: int) -> None:
        self.data = data
        self.updated_ms = updated_ms
        self.seq = 0
        self.blob: bytes | None = None  # the record's JSON
        self.rendered: tuple[bytes, bytes] | None = None  # (embedded summary, JSON with it)
        self.summary: bytes | None = None  # what other records embed of this one

    @property
    def uuid(self) -> str:
        return str(self.data["uuid"])

    @property
    def deleted(self) -> bool:
        return self.data["deleted_at"] is not None

    def json(self) -> bytes:
        if self.blob is None:
            self.blob = dumps(self.data)
        return self.blob


class Timeline:
    """Rows oldest-written first. Moving a row leaves a hole that the next read compacts.

    The index from UUID to position is built on the first move, not while seeding: a million
    seeded rows cost two fewer dict entries each that way.
    """

    def __init__(self) -> None:
        self._rows: list[Row | None] = []
        self._where: dict[str, int] | None = None
        self._holes = 0

    def __len__(self) -> int:
        return len(self._rows) - self._holes

    def append(self, row: Row) -> None:
        """Place a row that is not in the timeline yet at the newest end."""
        if self._where is not None:
            self._where[row.uuid] = len(self._rows)
        self._rows.append(row)

    def extend(self, rows: list[Row]) -> None:
        """Place rows that are not in the timeline yet at the newest end, oldest first."""
        if self._where is not None:
            self._where.update((row.uuid, len(self._rows) + i) for i, row in enumerate(rows))
        self._rows.extend(rows)

    def put(self, row: Row) -> None:
        """Place ``row`` at the newest end, removing it from where it was."""
        self.discard(row.uuid)
        self.append(row)

    def discard(self, key: str) -> None:
        if self._where is None:
            self._where = {row.uuid: i for i, row in enumerate(self._rows) if row is not None}
        at = self._where.pop(key, None)
        if at is not None:
            self._rows[at] = None
            self._holes += 1

    def _compact(self) -> list[Row]:
        if self._holes:
            rows = [row for row in self._rows if row is not None]
            self._rows = list(rows)
            self._where = {row.uuid: i for i, row in enumerate(rows)}
            self._holes = 0
        return self._rows  # type: ignore[return-value]  # no holes after compaction

    def newest(self, since_ms: int | None = None) -> tuple[list[Row], int]:
        """All rows, oldest first, and the index of the first one updated at or after
        ``since_ms``."""
        rows = self._compact()
        start = 0 if since_ms is None else bisect_left(rows, since_ms, key=_updated_ms)
        return rows, start

    def __iter__(self) -> Iterator[Row]:
        return (row for row in self._rows if row is not None)


def _updated_ms(row: Row) -> int:
    return row.updated_ms


def page_of(
    timeline: Timeline,
    *,
    offset: int,
    limit: int,
    since_ms: int | None = None,
    keep: Callable[[Row], bool] | None = None,
) -> tuple[list[Row], int]:
    """One page, newest first, and the total number of rows that match.

    Without ``keep`` this is a slice; with it, the rows updated since ``since_ms`` are scanned
    (a filtered listing costs time proportional to what it scans, as a database without the
    right index would).
    """
    rows, start = timeline.newest(since_ms)
    end = len(rows)
    if keep is None:
        total = end - start
        hi = max(end - offset, start)
        lo = max(hi - limit, start)
        return rows[lo:hi][::-1], total
    matched: list[Row] = []
    total = 0
    for i in range(end - 1, start - 1, -1):
        row = rows[i]
        if keep(row):
            if offset <= total < offset + limit:
                matched.append(row)
            total += 1
    return matched, total


class Collection:
    """One resource of one company: rows by UUID, and timelines with and without deletions."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.everything = Timeline()
        self.live = Timeline()

    def __len__(self) -> int:
        return len(self.live)

    def get(self, key: str, *, deleted: bool = False) -> Row | None:
        row = self.rows.get(key)
        if row is None or (row.deleted and not deleted):
            return None
        return row

    def write(self, row: Row, updated_ms: int, seq: int) -> None:
        """Record a write: stamp, invalidate caches and move to the newest end."""
        row.updated_ms = updated_ms
        row.seq = seq
        row.blob = None
        row.rendered = None
        row.summary = None
        self.rows[row.uuid] = row
        self.everything.put(row)
        if row.deleted:
            self.live.discard(row.uuid)
        else:
            self.live.put(row)

    def load(self, rows: list[Row], first_seq: int) -> None:
        """Add seed records, oldest first, all newer than the records already here."""
        for seq, row in enumerate(rows, first_seq):
            row.seq = seq
        self.rows.update({row.data["uuid"]: row for row in rows})
        self.everything.extend(rows)
        self.live.extend([row for row in rows if row.data["deleted_at"] is None])

    def timeline(self, *, include_deleted: bool) -> Timeline:
        return self.everything if include_deleted else self.live
