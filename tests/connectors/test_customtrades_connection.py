"""Custom Trades' connection test as integration activation runs it (through the systems
catalog, over a real uvicorn, failing with the vendor's own reason), and its monthly usage
allowance: reported from every answer, and once spent a clear error, not a retry loop."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from crossdock.connectors.catalog import default_catalog
from crossdock.connectors.customtrades import (
    CustomTradesClient,
    QuotaSpent,
    ResourceStream,
    Usage,
)
from crossdock.connectors.http import ConnectionFailed, Page, RetryPolicy
from crossdock.errors import FixCredentials, FixRequest, RetryLater
from tests.connectors.reads import read_all
from tests.connectors.servers import serve
from tests.connectors.test_customtrades_stream import API_KEY, Ctc, ctc_app

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[Any, str]]:
    app = ctc_app(records=20)
    with serve(app) as url:
        yield app, url


async def run_test(settings: dict[str, Any]) -> None:
    system = default_catalog().get("customtrades")
    assert system is not None
    assert system.connection_test is not None
    await system.connection_test(settings)


async def test_working_settings_pass_with_or_without_the_api_path(live: tuple[Any, str]) -> None:
    app, url = live
    await run_test({"baseUrl": f"{url}/api/v1", "apiKey": API_KEY})
    await run_test({"baseUrl": f"{url}/", "apiKey": API_KEY})
    paths = {r.path for r in app.state.sandbox.recorder.items()}
    assert paths == {"/api/v1/companies/me"}


async def test_a_wrong_key_fails_with_the_vendors_reason(live: tuple[Any, str]) -> None:
    _, url = live
    with pytest.raises(FixCredentials) as failed:
        await run_test({"baseUrl": f"{url}/api/v1", "apiKey": "ctc_live_revoked-or-mistyped"})
    assert failed.value.detail == "Custom Trades CRM: 401 Invalid API key."


async def test_bad_settings_are_a_request_to_fix() -> None:
    with pytest.raises(FixRequest) as failed:
        await run_test({"baseUrl": "http://127.0.0.1:1"})
    assert failed.value.field == "apiKey"


async def test_an_unreachable_server_fails_quickly() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(ConnectionFailed) as failed:
        await run_test({"baseUrl": f"http://127.0.0.1:{port}/api/v1", "apiKey": API_KEY})
    assert time.monotonic() - started < 5
    assert failed.value.detail.startswith("Custom Trades CRM: ConnectError")


def first_of_next_month(app: Any) -> datetime:
    now = app.state.sandbox.clock.now()
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)


async def test_usage_is_read_from_every_answer_and_reported_as_it_runs_out() -> None:
    app = ctc_app(records=20, usage_limit=10)
    ctc = Ctc(app, "http://customtrades.test", httpx.ASGITransport(app))
    async with ctc.client() as client:
        assert client.usage is None
        with capture_logs() as logs:
            for _ in range(7):
                await client.company()
            assert client.usage == Usage(7, 10, first_of_next_month(app))
            assert client.usage.remaining == 3
            for _ in range(3):
                await client.company()
    warnings = [e for e in logs if e["event"] == "monthly usage"]
    assert [(e["percent"], e["used"]) for e in warnings] == [(80, 8), (90, 9), (100, 10)]
    assert all(e["log_level"] == "warning" for e in warnings)


async def test_a_spent_allowance_is_a_clear_error_until_the_reset_not_a_retry_loop() -> None:
    app = ctc_app(records=300, usage_limit=4)
    ctc = Ctc(app, "http://customtrades.test", httpx.ASGITransport(app))
    reset = first_of_next_month(app)
    pages: list[Page] = []
    async with ctc.client() as client:
        with pytest.raises(QuotaSpent) as spent:
            await read_all(ResourceStream(client, "customers", page_size=50), pages=pages)
        assert client.usage is not None
        assert client.usage.spent
    error = spent.value
    assert isinstance(error, RetryLater)
    assert error.detail == (
        "Custom Trades CRM: 403 Monthly usage limit reached. Usage resets on the first of next "
        f"month. (quota spent until {reset:%Y-%m-%dT%H:%M:%S}.000Z; 4 of 4 requests used)"
    )
    assert error.resets_at == reset
    assert (error.used, error.limit) == (4, 4)
    retry_after = int(error.headers["Retry-After"])
    assert abs(retry_after - (reset - datetime.now(UTC)).total_seconds()) < 5
    # Handed back at once: no waits, one refused request, and the pages read keep their place.
    assert ctc.waits == []
    assert [r.status for r in ctc.requests()] == [200, 200, 200, 200, 403]
    assert len(pages) == 4
    assert pages[-1].checkpoint.resume["page"] == 5


def on_sandbox_time(app: Any) -> Any:
    """The sandbox with a ``Date`` header from its own (movable) clock, as a vendor sends."""

    async def dated(scope: Any, receive: Any, send: Any) -> None:
        async def send_dated(message: Any) -> None:
            if message["type"] == "http.response.start":
                moment = app.state.sandbox.clock.now()
                date = (b"date", format_datetime(moment, usegmt=True).encode())
                message = {**message, "headers": [*message.get("headers", []), date]}
            await send(message)

        await app(scope, receive, send_dated)

    return dated


async def test_a_reset_within_the_policys_limit_is_waited_out() -> None:
    app = ctc_app(records=20, usage_limit=1)
    clock = app.state.sandbox.clock
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)
        clock.advance(seconds)

    settings = {"baseUrl": "http://customtrades.test/api/v1", "apiKey": API_KEY}
    transport = httpx.ASGITransport(on_sandbox_time(app))
    policy = RetryPolicy(wait_jitter=0.0)  # the default limit: Retry-After up to 600 s
    async with CustomTradesClient(
        settings, transport=transport, retry=policy, sleep=sleep
    ) as client:
        await client.company()
        # 30 s before the sandbox's month ends, the spent allowance is waited out.
        reset = first_of_next_month(app)
        clock.advance((reset - clock.now()).total_seconds() - 30)
        company = await client.company()
    assert company["name"] == "Harbor Roofing"
    assert len(waited) == 1
    assert 29 <= waited[0] <= 31
    statuses = [r.status for r in app.state.sandbox.recorder.items()]
    assert statuses == [200, 403, 200]


async def test_the_connection_test_names_a_spent_allowance() -> None:
    app = ctc_app(records=20, usage_limit=1)
    with serve(app) as url:
        settings = {"baseUrl": f"{url}/api/v1", "apiKey": API_KEY}
        await run_test(settings)
        with pytest.raises(QuotaSpent) as spent:
            await run_test(settings)
    assert "quota spent until" in spent.value.detail
    assert len(app.state.sandbox.recorder.items()) == 2


async def test_usage_headers_are_not_required() -> None:
    app = ctc_app(records=20)
    ctc = Ctc(app, "http://customtrades.test", httpx.ASGITransport(app))
    settings = {"baseUrl": "http://customtrades.test/api/v1", "apiKey": "ctc_live_unknown"}
    async with CustomTradesClient(
        settings, transport=ctc.transport, retry=RetryPolicy(attempts=1)
    ) as client:
        with pytest.raises(FixCredentials):
            await client.company()
        assert client.usage is None  # a 401 carries no usage: no company is known
