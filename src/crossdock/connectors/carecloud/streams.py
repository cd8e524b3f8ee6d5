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
from typing import Any, cast

import httpx

from crossdock.connectors.carecloud.client import CareCloudClient
from crossdock.connectors.carecloud.times import earlier, fold_safe, local_text, parse
from crossdock.connectors.http import (
    Checkpoint,
    OffsetPaginator,
    Page,
    PageRequest,
    RawPage,
    Record,
)
from crossdock.errors import CrossdockError, FixRequest

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
class _Pass:
    """One pass over the list: its number (0 is the main pass), the oldest change it reads
    (``since``, None for all), when it began, and where it is: the offset of its next page and,
    in the main pass, the oldest ``last_change`` emitted (``last``) with the ids emitted at it."""

    number: int
    since: str | None
    began: str | None = None
    offset: int = 0
    last: str | None = None
    ties: set[object] = field(default_factory=set)

    def resume(self, offset: int) -> dict[str, Any]:
        return {
            "pass": self.number,
            "since": self.since,
            "began": self.began,
            "offset": offset,
            "last": self.last,
        }


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

    async def pages(self, since: Checkpoint | None) -> AsyncGenerator[Page, None]:
        since = since or Checkpoint()
        resume = since.resume
        if resume:
            current = _Pass(
                number=int(resume["pass"]),
                since=resume.get("since"),
                began=resume.get("began"),
                offset=int(resume.get("offset") or 0),
                last=resume.get("last"),
            )
        else:
            current = _Pass(number=0, since=since.updated_since)
        recent: dict[object, str] = {}  # id -> last_change emitted, for changes during the run
        while True:
            emitted = 0
            async for records, offset, problems in self._read(current, recent):
                emitted += len(records)
                if offset is not None:
                    checkpoint = Checkpoint(
                        updated_since=since.updated_since, resume=current.resume(offset)
                    )
                    yield Page(records, checkpoint, problems)
                    continue
                # The pass's last page: either another pass follows, or the run is done.
                done = current.number > 0 and emitted == 0
                if done or current.number >= self.catch_up_passes:
                    yield Page(records, Checkpoint(updated_since=current.began), problems)
                    return
                following = _Pass(number=current.number + 1, since=current.began)
                checkpoint = Checkpoint(
                    updated_since=since.updated_since, resume=following.resume(0)
                )
                yield Page(records, checkpoint, problems)
                current = following

    async def _read(
        self, current: _Pass, recent: dict[object, str]
    ) -> AsyncIterator[tuple[list[Record], int | None, tuple[CrossdockError, ...]]]:
        """Each page's customers to emit, the offset to resume at (None after the pass's last
        page) and the problems noticed (on the last page)."""
        paginator = NewestFirstPaginator(count=self.count, start_offset=current.offset)
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
                    top = raw.records[0] if raw.records and current.offset == 0 else None
                    current.began = self._began(top)
                if current.number == 0:
                    fresh, ended = self._main(raw.records, current, recent)
                else:
                    fresh, ended = self._catch_up(raw.records, current, recent)
                following = None if ended else raw.following
                if following is None:
                    yield fresh, None, () if ended else raw.problems
                    return
                yield fresh, int(following.params["offset"]), ()

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
        rows: Sequence[Record], current: _Pass, recent: dict[object, str]
    ) -> tuple[list[Record], bool]:
        """The main pass's customers to emit from one page, and whether the pass has reached
        its checkpoint."""
        since, began, ties = current.since, current.began or "", current.ties
        last = current.last
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
            if changed >= began:
                recent[customer_id] = changed
            fresh.append(row)
        current.last = last
        return fresh, ended

    @staticmethod
    def _catch_up(
        rows: Sequence[Record], current: _Pass, recent: dict[object, str]
    ) -> tuple[list[Record], bool]:
        since = current.since or ""
        fresh: list[Record] = []
        for row in rows:
            changed = row.get("last_change") or ""
            if changed < since:
                return fresh, True
            customer_id = row.get("customer_id")
            if recent.get(customer_id) == changed:
                continue
            recent[customer_id] = changed
            fresh.append(row)
        return fresh, False
