"""CRO customers, read incrementally by ``last_updated_gte``, with none lost and none repeated
while customers are added or changed during the read.

CRO pages by number over a list ordered by name, so a customer added or renamed between two
page requests shifts the pages after it: records repeat across a page boundary, and a record
that moves to a page already read is missed. A run therefore reads in passes:

1. the main pass: every customer changed since the checkpoint (all of them on the first
   run), page by page, emitting each id once (``SeenIds``, a bit per id);
2. catch-up passes: what changed since the previous pass began (``last_updated_gte``), which
   is every customer added or moved during it. A customer is emitted again only in a newer
   version than the one already emitted. Passes repeat until one emits nothing, at most
   ``catch_up_passes`` times.

The checkpoint after the last page is the moment the last pass began (less ``skew``, on the
vendor's clock as its ``Date`` headers show it): whatever changed after that is read next run.
Mid-run pages carry a ``resume`` position (pass, filter, next page) so an interrupted run
continues where it stopped; records around the interruption may then be read twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from crossdock.connectors.cro.client import MAX_PAGE_LIMIT, CroClient, cro_paginator, cro_time
from crossdock.connectors.http import Checkpoint, Page, Record, SeenIds
from crossdock.errors import CrossdockError, FixRequest


@dataclass
class _Pass:
    """One pass over ``GET /customers``: its number (0 is the main pass), what it filters on,
    when it began (records changed at or after ``began`` are "recent") and where it is.

    A pass's ``began`` is local time when it started, moved back by however far the vendor's
    clock is behind ours, less the skew. The main pass of a run learns the vendor's clock from
    its own first answer, so its ``began`` is settled then (``started_at`` keeps the moment).
    """

    number: int
    since: str | None
    began: str | None
    started_at: float
    page: int = 1

    def resume(self, page: int) -> dict[str, Any]:
        return {"pass": self.number, "since": self.since, "began": self.began, "page": page}


class CustomersStream:
    """CRO customers (list rows, ``DispatchCustomerLocationModel``), oldest checkpoint first.

    ``page_limit`` is the rows per request (CRO allows up to 1000). ``skew`` is subtracted
    from every "since" moment so records stamped by a vendor clock slightly behind ours are
    read again rather than missed.
    """

    name = "customers"

    def __init__(
        self,
        client: CroClient,
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
        return cro_time(local - self.client.server_clock.behind - self.skew)

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
                page=int(resume["page"]),
            )
        else:
            current = _Pass(number=0, since=since.updated_since, began=None, started_at=clock())
        seen = SeenIds()
        recent: dict[object, str] = {}  # id -> last_updated_on, for rows changed in this run
        while True:
            emitted = 0
            async for records, page, problems in self._read(current, seen, recent):
                emitted += len(records)
                if page is not None:
                    checkpoint = Checkpoint(
                        updated_since=since.updated_since, resume=current.resume(page)
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
                    updated_since=since.updated_since, resume=following.resume(1)
                )
                yield Page(records, checkpoint, problems)
                current = following

    async def _read(
        self, current: _Pass, seen: SeenIds, recent: dict[object, str]
    ) -> AsyncIterator[tuple[list[Record], int | None, tuple[CrossdockError, ...]]]:
        """Each page's records to emit, the page to resume at (None after the last) and the
        problems noticed (on the last page)."""
        params = {} if current.since is None else {"last_updated_gte": current.since}
        paginator = cro_paginator(self.page_limit, start_page=current.page, strict_total=False)
        async for raw in self.client.api.pages(
            "/customers", paginator, records="results", params=params
        ):
            if current.began is None:  # the vendor's clock is known from this first answer
                current.began = self._began(current.started_at)
            began = current.began
            fresh: list[Record] = []
            main = current.number == 0
            first_time = seen.add  # bound once: this loop runs for every record read
            for row in raw.records:
                record_id = row.get("id")
                updated = row.get("last_updated_on") or ""
                if main:
                    if not first_time(record_id):
                        continue
                    # Changed since the run began: the catch-up will meet this version again.
                    if updated >= began:
                        recent[record_id] = updated
                else:  # a catch-up: new ids, and newer versions of ids already emitted
                    if recent.get(record_id) == updated:
                        continue
                    recent[record_id] = updated
                fresh.append(row)
            following = raw.following
            next_page = None if following is None else int(following.params["page_index"])
            yield fresh, next_page, raw.problems
