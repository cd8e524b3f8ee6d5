"""CareCloud customers, read incrementally newest change first, with none lost and none
repeated while customers are added or changed during the read.

CareCloud's ``GET /customers`` has no filter on the change time, only sorting by a first-level
field and offset paging. A run therefore lists ``sort_field=last_change&sort_direction=DESC``
and stops at the first customer changed before its checkpoint. In that order a write moves the
customer to the top, so the pages after shift down: customers already read come round again
(never one unread skipped), and a customer changed during the read goes above the read
position. A run reads in passes:

1. the main pass, from the top down to the checkpoint (every customer on the first run). The
   list is newest first, so a customer newer than the oldest one emitted so far was emitted
   already or changed during the run; only customers as old as that one (changed in the same
   second) need their ids remembered. Memory stays flat however many customers there are.
2. catch-up passes, from the top down to when the previous pass began: every customer changed
   during it, emitted again only in a version newer than the one emitted. Passes repeat until
   one emits nothing, at most ``catch_up_passes`` times.

When a pass begins is the newest ``last_change`` at the top of its first page, and no later
than the vendor's clock in the project's time zone, less ``skew``, moved before the repeated
hour when clocks go back (``times.fold_safe``). The checkpoint after the last page is when the
last pass began; mid-run pages carry a ``resume`` position (pass, bounds, offset) so an
interrupted run continues where it stopped, reading customers around the interruption twice.

Deleted customers stay in the list with ``state`` 0 and a new ``last_change``, so they come
through like any change, for the sync engine to tombstone.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

import httpx

from crossdock.connectors.carecloud.client import CareCloudClient
from crossdock.connectors.carecloud.times import earlier, fold_safe, local_text, parse
from crossdock.connectors.http import (
    Checkpoint,
    OffsetPaginator,
    Page,
    PageRequest,
    Pass,
    PassPage,
    RawPage,
    Record,
    Versions,
    read_in_passes,
)
from crossdock.errors import FixRequest

NEWEST_FIRST = {"sort_field": "last_change", "sort_direction": "DESC"}
DEFAULT_COUNT = 100  # CareCloud's default page size; its spec states no maximum


class NewestFirstPaginator(OffsetPaginator):
    """CareCloud's ``offset``/``count`` paging over ``last_change DESC``, re-reading ties.

    Customers changed in the same second tie, and nothing promises that CareCloud orders them
    alike in two answers, so a run of ties split by a page boundary could lose one customer to
    the next page and show another twice. Each page therefore starts at the run of equal
    ``last_change`` the page before ended with (at least its last customer): every run shorter
    than a page comes whole from one answer, and the stream drops those it emitted already.
    That costs one customer per page read twice; a run as long as a page relies on a stable
    order.
    """

    def __init__(self, *, count: int, start_offset: int = 0) -> None:
        super().__init__(
            offset_param="offset",
            limit_param="count",
            limit=count,
            start_offset=start_offset,
            total="data.total_items",
            strict_total=False,
        )

    def advance(
        self,
        sent: PageRequest,
        response: httpx.Response,
        body: Any,
        records: Sequence[Any],
    ) -> PageRequest | None:
        following = super().advance(sent, response, body, records)
        tail = _tie_run(records)
        if following is None or not 0 < tail < len(records):
            return following
        self.received -= tail  # they are received again on the next page
        offset = int(following.params[self.offset_param]) - tail
        return following.with_params(**{self.offset_param: offset})


def _tie_run(records: Sequence[Any]) -> int:
    """How many records at the end of a page share the last one's ``last_change``."""
    if not records or not isinstance(records[-1], dict):
        return 0
    last = records[-1].get("last_change")
    run = 0
    for record in reversed(records):
        if not isinstance(record, dict) or record.get("last_change") != last:
            break
        run += 1
    return run


@dataclass
class _Emitted:
    """Where the main pass is in the newest-first list: the oldest ``last_change`` emitted
    (``last``) and the ids emitted at it."""

    last: str | None = None
    ties: set[object] = field(default_factory=set)


class CustomersStream:
    """CareCloud customers (the spec's ``Customer``), as ``GET /customers`` lists them.

    ``count`` is the customers per request. ``skew`` is subtracted from when a pass began, so
    changes stamped by a vendor clock slightly behind are read again rather than missed.
    """

    name = "customers"

    def __init__(
        self,
        client: CareCloudClient,
        *,
        count: int = DEFAULT_COUNT,
        skew: float = 5.0,
        catch_up_passes: int = 3,
    ) -> None:
        if count < 1:
            raise FixRequest("count must be at least 1")
        self.client = client
        self.count = count
        self.skew = skew
        self.catch_up_passes = catch_up_passes

    def pages(self, since: Checkpoint | None) -> AsyncGenerator[Page, None]:
        emitted = _Emitted(last=since.resume.get("last") if since else None)
        versions: Versions[str] = Versions()  # last_change emitted, for changes during the run
        return read_in_passes(
            since,
            partial(self._read, emitted=emitted, versions=versions),
            at="offset",
            start=0,
            parse=lambda offset: int(offset or 0),
            clock=self.client.server_clock.clock,
            catch_up_passes=self.catch_up_passes,
            state=lambda current: {"last": emitted.last if current.main else None},
        )

    async def _read(
        self, current: Pass[int], *, emitted: _Emitted, versions: Versions[str]
    ) -> AsyncIterator[PassPage[int]]:
        """Each page's customers to emit and the offset to resume at (None after the pass's
        last page)."""
        paginator = NewestFirstPaginator(count=self.count, start_offset=current.at)
        # An async generator: closed when a pass stops at its checkpoint, before the last page.
        raw_pages = cast(
            "AsyncGenerator[RawPage, None]",
            self.client.api.pages(
                "/customers", paginator, records="data.customers", params=NEWEST_FIRST
            ),
        )
        async with aclosing(raw_pages):
            async for raw in raw_pages:
                if current.began is None:
                    top = raw.records[0] if raw.records and current.at == 0 else None
                    current.began = self._began(top)
                if current.main:
                    fresh, ended = self._main(raw.records, current, emitted, versions)
                else:
                    fresh, ended = self._catch_up(raw.records, current, versions)
                following = None if ended else raw.following
                if following is None:
                    yield PassPage(fresh, None, () if ended else raw.problems)
                    return
                yield PassPage(fresh, int(following.params["offset"]))

    def _began(self, top: Any) -> str:
        """When a pass began: the newest change listed and the vendor's clock, whichever is
        earlier, less the skew; both are project time (``times``)."""
        client = self.client
        began = local_text(client.server_clock.now() - self.skew, client.zone)
        newest = top.get("last_change") if isinstance(top, dict) else None
        if isinstance(newest, str) and parse(newest) is not None:
            began = min(began, earlier(newest, self.skew))
        return fold_safe(began, client.zone)

    @staticmethod
    def _main(
        rows: Sequence[Record], current: Pass[int], emitted: _Emitted, versions: Versions[str]
    ) -> tuple[list[Record], bool]:
        """The main pass's customers to emit from one page, and whether the pass has reached
        its checkpoint."""
        since, began, ties = current.since, current.began or "", emitted.ties
        last = emitted.last
        fresh: list[Record] = []
        ended = False
        for row in rows:
            changed = row.get("last_change") or ""
            if since is not None and changed < since:
                ended = True
                break
            customer_id = row.get("customer_id")
            if last is not None and changed >= last:
                if changed > last:
                    continue  # emitted already, or changed during the run: a catch-up reads it
                if customer_id in ties:
                    continue
            else:
                last = changed
                ties.clear()
            ties.add(customer_id)
            versions.admit(customer_id, changed, main=True, began=began)
            fresh.append(row)
        emitted.last = last
        return fresh, ended

    @staticmethod
    def _catch_up(
        rows: Sequence[Record], current: Pass[int], versions: Versions[str]
    ) -> tuple[list[Record], bool]:
        since = current.since or ""
        fresh: list[Record] = []
        for row in rows:
            changed = row.get("last_change") or ""
            if changed < since:
                return fresh, True
            if versions.newer(row.get("customer_id"), changed):
                fresh.append(row)
        return fresh, False
