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
from functools import partial
from typing import Any

from crossdock.connectors.cropster.client import (
    MAX_PAGE_LIMIT,
    CropsterClient,
    cropster_time,
    parse_time,
)
from crossdock.connectors.http import (
    BodyCursorPaginator,
    Checkpoint,
    Page,
    Pass,
    PassPage,
    Record,
    Versions,
    read_in_passes,
)
from crossdock.errors import FixRequest


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

    def pages(self, since: Checkpoint | None) -> AsyncIterator[Page]:
        versions: Versions[float] = Versions()  # updatedAt of lots changed in the run
        return read_in_passes(
            since,
            partial(self._read, versions=versions),
            at="after",
            start=None,
            parse=lambda after: after,
            clock=self.client.server_clock.clock,
            catch_up_passes=self.catch_up_passes,
            began=self._began,
        )

    async def _read(
        self, current: Pass[str | None], *, versions: Versions[float]
    ) -> AsyncIterator[PassPage[str | None]]:
        """Each page's lots to emit and the cursor to resume at (None after the last page)."""
        query: dict[str, Any] = {"pagination": {"limit": self.page_limit}}
        if current.since is not None:
            query["filter"] = {"updatedAt": {"from": current.since}}
        if current.at is not None:
            query["pagination"]["after"] = current.at
        paginator = BodyCursorPaginator(
            cursor="meta.pagination.endCursor", json_path="params.pagination.after"
        )
        async for raw in self.client.api.pages(
            self.method, paginator, records=self.records, method="POST", json={"params": query}
        ):
            # The vendor's clock is known from this first answer.
            began = parse_time(current.settle(self._began)) or 0.0
            main = current.main
            fresh: list[Record] = []
            for lot in raw.records:
                updated = parse_time(str(lot.get("updatedAt") or "")) or 0.0
                if versions.admit(lot.get("id"), updated, main=main, began=began):
                    fresh.append(lot)
            following = raw.following
            after = None if following is None else following.json["params"]["pagination"]["after"]
            yield PassPage(fresh, after, raw.problems)


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
