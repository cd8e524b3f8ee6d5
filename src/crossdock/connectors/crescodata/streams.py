"""Master records of another hub (orders, products or any sync type) read incrementally by
``updatedAt``, paged with the ``x-cresco-page`` header token; and its integrations.

The stream lists newest-updated first (``_sort=updatedAt:desc``, the API's own default). A
Crossdock hub pages by keyset, so every record that existed when a pass began is listed once;
records changed or created during the pass move to the head of the listing, behind the reader.
A run therefore reads in passes, as the other streams do:

1. the main pass: every record updated since the checkpoint (``updatedAt__gte``; all of them
   on the first run);
2. catch-up passes: what was updated since the previous pass began. A record is emitted again
   only in a newer version (a newer ``updatedAt``) than the one already emitted. Passes repeat
   until one emits nothing, at most ``catch_up_passes`` times.

A hub whose token is an offset (the API allows it) repeats records that writes push down across
a page boundary; the stream drops a record it has just emitted in the same version, within a
window of the last ``window`` records. ``x-cresco-total`` is not compared with the records
read: it counts records that moved behind the reader during the read, which the catch-up reads.

The checkpoint after the last page is the moment the last pass began, less ``skew``, on the
other hub's clock; mid-run pages carry a ``resume`` position (pass, filter, page token). With
``scroll`` (the API's server-side cursor, needed past 10,000 records on the original
platform) the token lives only minutes, so a resumed run starts its pass again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

from crossdock.connectors.crescodata.client import CrescodataClient
from crossdock.connectors.http import (
    Checkpoint,
    HeaderTokenPaginator,
    Page,
    PageRequest,
    Pass,
    PassPage,
    Record,
    Versions,
    read_in_passes,
)
from crossdock.errors import FixRequest, GiveUp

SYNC_TYPES = ("orders", "products", "prices", "stock", "customers")
MAX_LIMIT = 9999
PAGE_HEADER = "x-cresco-page"


def hub_time(epoch: float) -> str:
    """A moment as the API writes them: ISO 8601 UTC with an offset."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="microseconds")


def parse_time(text: object) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class CrescoPaginator(HeaderTokenPaginator):
    """``x-cresco-page`` into ``?page=``; with ``scroll`` the same token comes back every page.

    ``start`` resumes a read at a token from an earlier one (the layer's paginator drops
    ``page`` from the first request, as the API asks of a read that starts at the top).
    """

    def __init__(self, *, scroll: bool = False, start: str | None = None) -> None:
        super().__init__(header_name=PAGE_HEADER, param="page", token_repeats=scroll)
        self.start = start

    def first(self, request: PageRequest) -> PageRequest:
        request = super().first(request)
        return request if self.start is None else request.with_params(page=self.start)


class _Window:
    """The last ``size`` (id, version) pairs emitted: repeats from offset paging are near."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._seen: OrderedDict[tuple[object, object], None] = OrderedDict()

    def add(self, key: tuple[object, object]) -> bool:
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True


class RecordsStream:
    """The master records of one sync type (``GET /{syncType}``), as envelopes: ``crescoId``,
    ``objectId``, ``updatedAt``, ``data`` (one row per variant) and the rest.

    ``filters`` are further query parameters in the API's query language (``companyId``,
    ``data.sku``...). ``limit`` is records per page (the hub may send fewer: it keeps pages
    under about 400 KB). ``scroll`` asks for the server-side cursor, in minutes (1 to 10).
    ``tombstones`` lists deleted records too (``deleted: true``, a Crossdock hub's
    ``deleted__exists=true``), so that a deletion reaches the next run.
    """

    def __init__(
        self,
        client: CrescodataClient,
        sync_type: str,
        *,
        filters: Mapping[str, str] | None = None,
        limit: int = 500,
        scroll: int | None = None,
        skew: float = 5.0,
        catch_up_passes: int = 3,
        window: int = 10_000,
        tombstones: bool = True,
    ) -> None:
        if sync_type not in SYNC_TYPES:
            raise FixRequest(f"{sync_type!r} is not a sync type ({', '.join(SYNC_TYPES)})")
        if not 1 <= limit <= MAX_LIMIT:
            raise FixRequest(f"limit must be between 1 and {MAX_LIMIT}")
        if scroll is not None and not 1 <= scroll <= 10:
            raise FixRequest("scroll must be between 1 and 10 minutes")
        self.client = client
        self.name = sync_type
        self.filters = dict(filters or {})
        self.limit = limit
        self.scroll = scroll
        self.skew = skew
        self.catch_up_passes = catch_up_passes
        self.window = window
        self.tombstones = tombstones

    def _began(self, local: float) -> str:
        return hub_time(local - self.client.server_clock.behind - self.skew)

    def pages(self, since: Checkpoint | None) -> AsyncIterator[Page]:
        versions: Versions[float] = Versions()  # updatedAt of records changed in the run
        return read_in_passes(
            since,
            partial(self._read, versions=versions),
            at="page",
            start=None,
            parse=lambda page: page,
            clock=self.client.server_clock.clock,
            catch_up_passes=self.catch_up_passes,
            began=self._began,
        )

    async def _read(
        self, current: Pass[str | None], *, versions: Versions[float]
    ) -> AsyncIterator[PassPage[str | None]]:
        """Each page's records to emit and the token to resume at (None after the last page;
        the pass's start when the token is a scroll's)."""
        params: dict[str, Any] = {**self.filters, "_sort": "updatedAt:desc", "limit": self.limit}
        if self.tombstones:
            params.setdefault("deleted__exists", "true")  # live and deleted records alike
        if current.since is not None:
            params["updatedAt__gte"] = current.since
        if self.scroll is not None:
            params["scroll"] = self.scroll
        # A scroll's token outlives neither its minutes nor its walk: a resumed scroll starts
        # its pass again.
        start = current.at if self.scroll is None and current.at else None
        window = _Window(self.window)
        main = current.main
        async for raw in self.client.api.pages(
            f"/{self.name}",
            CrescoPaginator(scroll=self.scroll is not None, start=start),
            records=lambda body: body,
            params=params,
        ):
            # The other hub's clock is known from this first answer.
            began = parse_time(current.settle(self._began)) or 0.0
            fresh: list[Record] = []
            for record in raw.records:
                if not isinstance(record, dict):
                    raise GiveUp(f"Commerce Connect: a page of /{self.name} lists a non-object")
                cresco_id = record.get("crescoId")
                updated = parse_time(record.get("updatedAt")) or 0.0
                if not window.add((cresco_id, updated)):
                    continue  # an offset token repeating a record across a page boundary
                if versions.admit(cresco_id, updated, main=main, began=began):
                    fresh.append(record)
            following = raw.following
            page = None
            if following is not None:
                page = "" if self.scroll is not None else str(following.params["page"])
            yield PassPage(fresh, page, raw.problems)


async def list_integrations(
    client: CrescodataClient, filters: Mapping[str, str] | None = None, *, limit: int = 100
) -> list[Record]:
    """Every integration the user sees (``GET /integrations``), all pages; ``filters`` in the
    API's query language (``syncType``, ``companyId``, ``active``...)."""
    params = {**(filters or {}), "limit": limit}
    found: list[Record] = []
    async for raw in client.api.pages(
        "/integrations", CrescoPaginator(), records=lambda body: body, params=params
    ):
        found += [dict(item) for item in raw.records]
    return found


async def get_integration(client: CrescodataClient, integration_id: str) -> Record:
    """``GET /integrations/{integrationId}``; ``NotFound`` with the hub's reason if unknown."""
    response = await client.api.request("GET", f"/integrations/{integration_id}")
    body = client.api.decode(response)
    if not isinstance(body, dict):
        raise GiveUp(f"Commerce Connect: the answer for integration {integration_id} is not one")
    return body
