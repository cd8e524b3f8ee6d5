"""CRO Software for one token and tenant: the configured client, the location new customers
are created at, and the connection test that integration activation runs.

Requests carry ``Authorization: bearer <token>``, ``x-tenant-id`` and a pinned
``x-api-version`` (2023/04/19: list rows carry ``id``, renamed from ``customer_id`` in
2021/04/07), so a change of CRO's default version cannot change what Crossdock reads.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx

from crossdock.connectors.catalog import CroSettings
from crossdock.connectors.cro.errors import VENDOR, cro_error
from crossdock.connectors.http import (
    BearerAuth,
    ConnectorClient,
    HttpOptions,
    PageNumberPaginator,
    RetryPolicy,
    validate_settings,
)
from crossdock.errors import FixRequest

API_VERSION = "2023/04/19"
MAX_PAGE_INDEX = 10_000  # CRO's page_index goes from 1 to 10000
MAX_PAGE_LIMIT = 1_000
TOTAL_COUNT_CAP = 100_000  # the most CRO's PagedResultModel declares for total_count

# Activation waits on the test: retry a blip, not an outage.
CONNECTION_TEST_RETRY = RetryPolicy(attempts=2, wait_initial=0.5, deadline=15.0)
CONNECTION_TEST_OPTIONS = HttpOptions(timeout=httpx.Timeout(10.0, connect=5.0))


def cro_time(epoch: float) -> str:
    """A moment as CRO writes them: naive UTC with microseconds (``2020-10-19T04:06:50.733000``)."""
    moment = datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def cro_paginator(
    page_limit: int, *, start_page: int = 1, strict_total: bool = True
) -> PageNumberPaginator:
    """CRO's paged envelope: ``page_index``/``page_limit``, echoed as ``current_page`` and
    ``current_limit``, with ``total_count`` and ``total_pages``.

    CRO's model declares ``total_count`` at most 100000, so at that figure the count (and the
    page count with it) may be capped: the read then goes on until a short page instead.
    """
    return PageNumberPaginator(
        page_param="page_index",
        size_param="page_limit",
        size=page_limit,
        start_page=start_page,
        page_echo="current_page",
        size_echo="current_limit",
        total="total_count",
        total_pages=_uncapped_total_pages,
        max_page=MAX_PAGE_INDEX,
        strict_total=strict_total,
    )


def _uncapped_total_pages(response: httpx.Response, body: Any) -> object:
    total = body.get("total_count") if isinstance(body, dict) else None
    if isinstance(total, int) and total < TOTAL_COUNT_CAP:
        return body.get("total_pages")
    return None


class CroClient(ConnectorClient):
    """One CRO credential (token and tenant). Close it, or use it as an async context manager."""

    def __init__(
        self,
        settings: CroSettings | Mapping[str, Any],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        options: HttpOptions | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            vendor=VENDOR,
            errors=cro_error,
            transport=transport,
            retry=retry,
            options=options,
            sleep=sleep,
            clock=clock,
        )
        self.settings = validate_settings(CroSettings, settings, "CRO settings")
        auth = BearerAuth(
            self.settings.token,
            scheme="bearer",
            headers={"x-tenant-id": str(self.settings.tenantId)},
        )
        self.api = self.connect(
            self.settings.baseUrl.rstrip("/"), auth=auth, headers={"x-api-version": API_VERSION}
        )
        self._location_id = self.settings.locationId

    async def location_id(self) -> int:
        """Where new customers are created: the ``locationId`` setting, else the tenant's
        first active location (the lowest id), looked up once per client."""
        if self._location_id is None:
            active: list[int] = []
            async for page in self.api.pages(
                "/locations", cro_paginator(MAX_PAGE_LIMIT), records="results"
            ):
                active += [
                    int(location["id"])
                    for location in page.records
                    if isinstance(location.get("id"), int) and location.get("is_active", True)
                ]
            if not active:
                raise FixRequest(
                    f"{VENDOR}: the tenant has no active location to create customers at",
                    field="locationId",
                )
            self._location_id = min(active)
        return self._location_id


async def connection_test(settings: Mapping[str, Any]) -> None:
    """Read one customer (token, tenant and read rights), and the configured location if any.

    Raises the Crossdock error for CRO's answer, with CRO's own reason in the message.
    """
    async with CroClient(
        settings, retry=CONNECTION_TEST_RETRY, options=CONNECTION_TEST_OPTIONS
    ) as client:
        await client.api.request("GET", "/customers", params={"page_limit": 1})
        if client.settings.locationId is not None:
            await client.api.request("GET", f"/locations/{client.settings.locationId}")
