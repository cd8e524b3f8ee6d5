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
from functools import partial

from crossdock.connectors.cro.client import MAX_PAGE_LIMIT, CroClient, cro_paginator, cro_time
from crossdock.connectors.http import (
    Checkpoint,
    Page,
    Pass,
    PassPage,
    Record,
    SeenIds,
    Versions,
    read_in_passes,
)
from crossdock.errors import FixRequest


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

    def pages(self, since: Checkpoint | None) -> AsyncIterator[Page]:
        versions: Versions[str] = Versions()  # last_updated_on of rows changed in the run
        return read_in_passes(
            since,
            partial(self._read, versions=versions),
            at="page",
            start=1,
            parse=int,
            clock=self.client.server_clock.clock,
            catch_up_passes=self.catch_up_passes,
            began=self._began,
        )

    async def _read(
        self, current: Pass[int], *, versions: Versions[str]
    ) -> AsyncIterator[PassPage[int]]:
        """Each page's records to emit and the page to resume at (None after the last)."""
        params = {} if current.since is None else {"last_updated_gte": current.since}
        paginator = cro_paginator(self.page_limit, start_page=current.at, strict_total=False)
        seen = SeenIds()  # the main pass's: a run has one
        async for raw in self.client.api.pages(
            "/customers", paginator, records="results", params=params
        ):
            began = current.settle(self._began)  # the vendor's clock is known from this answer
            fresh: list[Record] = []
            main = current.main
            first_time = seen.add  # bound once: this loop runs for every record read
            admit = versions.admit
            for row in raw.records:
                record_id = row.get("id")
                if main and not first_time(record_id):
                    continue
                if admit(record_id, row.get("last_updated_on") or "", main=main, began=began):
                    fresh.append(row)
            following = raw.following
            next_page = None if following is None else int(following.params["page_index"])
            yield PassPage(fresh, next_page, raw.problems)
