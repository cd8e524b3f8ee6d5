"""Custom Trades CRM for one API key: the configured client (auth, the vendor's clock, the
monthly usage it reports), its paging, and the connection test integration activation runs."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx

from crossdock.connectors.catalog import CustomTradesSettings
from crossdock.connectors.customtrades.errors import VENDOR, customtrades_error
from crossdock.connectors.customtrades.usage import Usage, UsageReport
from crossdock.connectors.http import (
    ApiKeyAuth,
    ConnectorClient,
    HttpOptions,
    PageNumberPaginator,
    RetryPolicy,
    validate_settings,
)
from crossdock.errors import GiveUp

API_PATH = "/api/v1"
MAX_LIMIT = 100  # the vendor serves larger limits as 100

# Activation waits on the test: retry a blip, not an outage.
CONNECTION_TEST_RETRY = RetryPolicy(attempts=2, wait_initial=0.5, deadline=15.0)
CONNECTION_TEST_OPTIONS = HttpOptions(timeout=httpx.Timeout(10.0, connect=5.0))


def ctc_time(epoch: float) -> str:
    """A moment as Custom Trades writes them: UTC with milliseconds and ``Z``."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def ctc_paginator(limit: int = MAX_LIMIT, *, start_page: int = 1) -> PageNumberPaginator:
    """``page``/``limit``, echoed in ``data.pagination`` with ``total`` and ``total_pages``.

    Totals move while a list is read (every write moves a record to the top, and inserts add
    to it), so a difference is recorded as a problem of the read rather than stopping it.
    """
    return PageNumberPaginator(
        page_param="page",
        size_param="limit",
        size=limit,
        start_page=start_page,
        page_echo="data.pagination.page",
        size_echo="data.pagination.limit",
        total_pages="data.pagination.total_pages",
        total="data.pagination.total",
        strict_total=False,
    )


def api_base(base_url: str) -> str:
    """The vendor documents ``https://customtradescrm.com/api/v1``; a bare host gets the path."""
    base = base_url.strip().rstrip("/")
    if urlsplit(base).path in ("", "/"):
        base += API_PATH
    return base


class CustomTradesClient(ConnectorClient):
    """One Custom Trades API key (one company). Close it, or use it as an async context manager.

    ``usage`` is the monthly allowance as the vendor last reported it (None before the first
    authenticated answer).
    """

    def __init__(
        self,
        settings: CustomTradesSettings | Mapping[str, Any],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        options: HttpOptions | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            vendor=VENDOR,
            errors=customtrades_error,
            transport=transport,
            retry=retry,
            options=options,
            sleep=sleep,
            clock=clock,
        )
        self.settings = validate_settings(CustomTradesSettings, settings, f"{VENDOR} settings")
        self.usage_report = UsageReport(VENDOR)
        self.api = self.connect(
            api_base(self.settings.baseUrl),
            auth=ApiKeyAuth(self.settings.apiKey),
            response_hooks=[self.usage_report.observe],
        )

    @property
    def usage(self) -> Usage | None:
        return self.usage_report.latest

    async def company(self) -> dict[str, Any]:
        """``GET /companies/me``: the company the key belongs to."""
        response = await self.api.request("GET", "/companies/me")
        return data_of(self.api.decode(response), "/companies/me")


def data_of(body: Any, what: str) -> dict[str, Any]:
    """The ``data`` member of a successful answer, which must be an object."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise GiveUp(f"{VENDOR}: the answer to {what} has no data object")
    return data


async def connection_test(settings: Mapping[str, Any]) -> None:
    """Read the key's company (``GET /companies/me``): the key, and the Developer API add-on.

    Raises the Crossdock error for the vendor's answer, with its own reason in the message
    (``Custom Trades CRM: 401 Invalid API key.``); a spent monthly allowance is ``QuotaSpent``.
    """
    async with CustomTradesClient(
        settings, retry=CONNECTION_TEST_RETRY, options=CONNECTION_TEST_OPTIONS
    ) as client:
        await client.company()
