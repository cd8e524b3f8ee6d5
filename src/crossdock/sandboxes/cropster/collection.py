"""One kind of lot in creation order, with its cursor paging and date-range indexes.

Listings are reverse-chronological on the key ``(createdAt, id)``, and a cursor is that key of
the last lot on a page. New lots always get a creation time after every existing one, so they
land at the head: a client paging forwards never sees an existing lot twice, nor misses one,
however many lots are created between its requests.
"""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable
from typing import Generic, Protocol, TypeVar

Key = tuple[int, str]
Range = tuple[int | None, int | None]
"""A half-open interval of millisecond timestamps: ``from`` inclusive, ``to`` exclusive."""

OPEN: Range = (None, None)

# An updatedAt filter is served from the change index when it selects fewer than one lot in
# this many of the creation range; otherwise walking the creation order fills a page sooner.
_SPARSE = 8


class Record(Protocol):
    id: str
    created: int
    updated: int
    cached: str | None


R = TypeVar("R", bound=Record)


class Lots(Generic[R]):
    def __init__(self, tag: str, records: Iterable[R]) -> None:
        self.tag = tag
        self._order: list[R] = sorted(records, key=lambda r: (r.created, r.id))
        self._keys: list[Key] = [(r.created, r.id) for r in self._order]
        self._changes: list[Key] = sorted((r.updated, r.id) for r in self._order)
        self.by_id: dict[str, R] = {r.id: r for r in self._order}

    def __len__(self) -> int:
        return len(self._order)

    def newest_created(self) -> int | None:
        return self._keys[-1][0] if self._keys else None

    def add(self, record: R) -> None:
        key = (record.created, record.id)
        index = bisect_left(self._keys, key)
        self._keys.insert(index, key)
        self._order.insert(index, record)
        insort(self._changes, (record.updated, record.id))
        self.by_id[record.id] = record

    def touch(self, record: R, now: int) -> None:
        """Record that ``record`` was just changed: move its ``updatedAt``, drop its JSON."""
        del self._changes[bisect_left(self._changes, (record.updated, record.id))]
        # updatedAt never goes backwards nor before createdAt (a lot created in a burst can
        # be stamped a few milliseconds ahead of the clock); listing relies on both.
        record.updated = max(now, record.created, record.updated)
        insort(self._changes, (record.updated, record.id))
        record.cached = None

    def encode_cursor(self, key: Key) -> str:
        text = f"{self.tag}:{key[0]}:{key[1]}"
        return base64.urlsafe_b64encode(text.encode()).decode()

    def decode_cursor(self, cursor: str) -> Key:
        try:
            text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode()
            tag, created, record_id = text.split(":")
            key = (int(created), record_id)
        except (ValueError, UnicodeError, binascii.Error) as exc:
            raise ValueError("not a cursor this API returned") from exc
        if tag != self.tag:
            raise ValueError("a cursor of another listing")
        return key

    def page(
        self,
        *,
        after: Key | None,
        limit: int,
        created: Range = OPEN,
        updated: Range = OPEN,
        keep: Callable[[R], bool] | None = None,
    ) -> tuple[list[R], Key | None]:
        """Up to ``limit`` records before ``after``, newest first, and the next cursor."""
        keys = self._keys
        low = 0 if created[0] is None else bisect_left(keys, (created[0], ""))
        high = len(keys) if created[1] is None else bisect_left(keys, (created[1], ""))
        if after is not None:
            high = min(high, bisect_left(keys, after))
        if low >= high:
            return [], None
        want = limit + 1
        if updated != OPEN:
            first = 0 if updated[0] is None else bisect_left(self._changes, (updated[0], ""))
            last = (
                len(self._changes)
                if updated[1] is None
                else bisect_left(self._changes, (updated[1], ""))
            )
            if (last - first) * _SPARSE < high - low:
                found = self._from_changes(first, last, low, high, keep)[:want]
                return self._cut(found, limit)
        found = []
        order = self._order
        for index in range(high - 1, low - 1, -1):
            record = order[index]
            if updated != OPEN and not _within(record.updated, updated):
                continue
            if keep is None or keep(record):
                found.append(record)
                if len(found) == want:
                    break
        return self._cut(found, limit)

    def _from_changes(
        self, first: int, last: int, low: int, high: int, keep: Callable[[R], bool] | None
    ) -> list[R]:
        """The records changed in a date range that also fall in positions [low, high)."""
        lowest = self._keys[low] if low < len(self._keys) else None
        highest = self._keys[high] if high < len(self._keys) else None
        found = []
        for _, record_id in self._changes[first:last]:
            record = self.by_id[record_id]
            key = (record.created, record.id)
            if lowest is not None and key < lowest:
                continue
            if highest is not None and key >= highest:
                continue
            if keep is None or keep(record):
                found.append(record)
        found.sort(key=lambda r: (r.created, r.id), reverse=True)
        return found

    @staticmethod
    def _cut(found: list[R], limit: int) -> tuple[list[R], Key | None]:
        if len(found) > limit:
            last = found[limit - 1]
            return found[:limit], (last.created, last.id)
        return found, None


def _within(moment: int, bounds: Range) -> bool:
    return (bounds[0] is None or moment >= bounds[0]) and (bounds[1] is None or moment < bounds[1])
