"""Cropster's lot listings read incrementally (green, roasted and blended lots), none lost and
none repeated while lots are imported, weighed or transferred during the read.

Cropster lists newest first by ``(createdAt, id)`` and pages with a cursor into that order
(``meta.pagination.endCursor`` into ``params.pagination.after``). The cursor is a position,
not a count, so lots created during a read go to the head of the listing, behind the reader,
and nothing already listed moves: a pass repeats no lot and skips none that existed when it
began. What a pass cannot see is what changed behind it, so a run reads in passes as the CRO
stream does:

1. the main pass: every lot updated since the checkpoint (``filter.updatedAt.from``; all of
   them on the first run);
2. catch-up passes: what was updated since the previous pass began, which is every lot
   created or changed during it. A lot is emitted again only in a newer version (a newer
   ``updatedAt``) than the one already emitted. Passes repeat until one emits nothing, at
   most ``catch_up_passes`` times; the usual cost is one request.

The checkpoint after the last page is the moment the last pass began (less ``skew``, on the
vendor's clock as its ``Date`` headers show it). Mid-run pages carry a ``resume`` position
(pass, filter, cursor) so an interrupted run continues where it stopped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from crossdock.connectors.cropster.client import (
    MAX_PAGE_LIMIT,
    CropsterClient,
    cropster_time,
    parse_time,
)
from crossdock.connectors.http import BodyCursorPaginator, Checkpoint, Page, Record
from crossdock.errors import CrossdockError, FixRequest


@dataclass
class _Pass:
    """One pass over a listing: its number (0 is the main pass), its ``updatedAt`` filter,
    when it began (lots updated at or after ``began`` are "recent") and its cursor.

    ``began`` is local time at the start, moved back by however far the vendor's clock is
    behind ours, less the skew; the main pass learns the vendor's clock from its first
    answer, so its ``began`` is settled then (``started_at`` keeps the moment).
    """

    number: int
    since: str | None
    began: str | None
    started_at: float
    after: str | None = None

    def resume(self, after: str | None) -> dict[str, Any]:
        return {"pass": self.number, "since": self.since, "began": self.began, "after": after}


class LotsStream:
    """One of Cropster's lot listings. ``page_limit`` is lots per request (at most 100);
    ``skew`` is subtracted from every "since" moment, so lots stamped by a vendor clock a
    little behind ours are read again rather than missed."""

    name: str = "lots"
    method: str = ""
    records: str = ""

    def __init__(
        self,
        client: CropsterClient,
        *,
        page_limit: int = MAX_PAGE_LIMIT,
        skew: float = 5.0,
        catch_up_passes: int = 3,
    ) -> None:
        if not 1 <= page_limit <= MAX_PAGE_LIMIT:
            raise FixRequest(f"page_limit must be between 1 and {MAX_PAGE_LIMIT}")
        self.client = client
        self.page_limit = page_limit
        self.skew = skew
        self.catch_up_passes = catch_up_passes

    def _began(self, local: float) -> str:
        return cropster_time(local - self.client.server_clock.behind - self.skew)

    async def pages(self, since: Checkpoint | None) -> AsyncIterator[Page]:
        since = since or Checkpoint()
        clock = self.client.server_clock.clock
        resume = since.resume
        if resume:
            current = _Pass(
                number=int(resume["pass"]),
                since=resume.get("since"),
                began=str(resume["began"]),
                started_at=clock(),
                after=resume.get("after"),
            )
        else:
            current = _Pass(number=0, since=since.updated_since, began=None, started_at=clock())
        recent: dict[object, float] = {}  # id -> updatedAt, for lots changed in this run
        while True:
            emitted = 0
            async for records, after, problems in self._read(current, recent):
                emitted += len(records)
                if after is not None:
                    checkpoint = Checkpoint(
                        updated_since=since.updated_since, resume=current.resume(after)
                    )
                    yield Page(records, checkpoint, problems)
                    continue
                # The pass's last page: either another pass follows, or the run is done.
                done = current.number > 0 and emitted == 0
                done = done or current.number >= self.catch_up_passes
                if done:
                    yield Page(records, Checkpoint(updated_since=current.began), problems)
                    return
                now = clock()
                following = _Pass(current.number + 1, current.began, self._began(now), now)
                checkpoint = Checkpoint(
                    updated_since=since.updated_since, resume=following.resume(None)
                )
                yield Page(records, checkpoint, problems)
                current = following

    async def _read(
        self, current: _Pass, recent: dict[object, float]
    ) -> AsyncIterator[tuple[list[Record], str | None, tuple[CrossdockError, ...]]]:
        """Each page's lots to emit, the cursor to resume at (None after the last page) and
        the problems noticed (on the last page)."""
        query: dict[str, Any] = {"pagination": {"limit": self.page_limit}}
        if current.since is not None:
            query["filter"] = {"updatedAt": {"from": current.since}}
        if current.after is not None:
            query["pagination"]["after"] = current.after
        paginator = BodyCursorPaginator(
            cursor="meta.pagination.endCursor", json_path="params.pagination.after"
        )
        async for raw in self.client.api.pages(
            self.method, paginator, records=self.records, method="POST", json={"params": query}
        ):
            if current.began is None:  # the vendor's clock is known from this first answer
                current.began = self._began(current.started_at)
            began = parse_time(current.began) or 0.0
            main = current.number == 0
            fresh: list[Record] = []
            for lot in raw.records:
                lot_id = lot.get("id")
                updated = parse_time(str(lot.get("updatedAt") or "")) or 0.0
                if main:
                    # Changed since the run began: the catch-up will meet this version again.
                    if updated >= began:
                        recent[lot_id] = updated
                else:  # a catch-up: new lots, and newer versions of lots already emitted
                    if recent.get(lot_id) == updated:
                        continue
                    recent[lot_id] = updated
                fresh.append(lot)
            following = raw.following
            after = None if following is None else following.json["params"]["pagination"]["after"]
            yield fresh, after, raw.problems


class GreenLotsStream(LotsStream):
    """Green lots (``inventory.green.listGreenLots``): the coffee in stock, by location."""

    name = "green_lots"
    method = "inventory.green.listGreenLots"
    records = "result.greenLots"


class RoastedLotsStream(LotsStream):
    """Roasted lots (``inventory.roast.listRoastedLots``, answered under ``roasts``)."""

    name = "roasted_lots"
    method = "inventory.roast.listRoastedLots"
    records = "result.roasts"


class BlendedLotsStream(LotsStream):
    """Blended lots (``inventory.blend.listBlendedLots``, answered under ``blends``)."""

    name = "blended_lots"
    method = "inventory.blend.listBlendedLots"
    records = "result.blends"
