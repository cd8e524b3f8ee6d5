"""Proactive rate limiting: the token bucket's arithmetic, and a client at its limit meeting
no 429 from the Cropster sandbox, which enforces its own bucket per client."""

from __future__ import annotations

import time
from typing import Any

import anyio
import httpx
import pytest

from crossdock.connectors.http import (
    ClientCredentialsAuth,
    MemoryRateLimitBackend,
    MemoryTokenStore,
    RateLimit,
    RateLimiter,
    build_http_client,
    credential_key,
)
from crossdock.sandboxes.cropster import CropsterConfig, create_app

pytestmark = pytest.mark.anyio

CLIENT_ID = "crossdock-limits"
CLIENT_SECRET = "limits-s3cret"
LIST_GREEN = "/rpc/v1/inventory.green.listGreenLots"
# The vendor allows 40 requests/s in bursts of 4; the connector is configured just under.
VENDOR_RATE, VENDOR_BURST = 40.0, 4
OUR_LIMIT = RateLimit(rate=38.0, burst=3)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_a_bucket_allows_its_burst_then_spaces_requests_at_its_rate() -> None:
    clock = Clock()
    backend = MemoryRateLimitBackend(clock)
    limit = RateLimit(rate=5.0, burst=3)
    waits = [await backend.reserve("cropster:a", limit) for _ in range(6)]
    assert waits == pytest.approx([0, 0, 0, 0.2, 0.4, 0.6])
    assert await backend.reserve("cropster:b", limit) == 0  # another credential, another bucket
    clock.now += 1.0  # refills five tokens, less the three reserved ahead
    waits = [await backend.reserve("cropster:a", limit) for _ in range(3)]
    assert waits == pytest.approx([0, 0, 0.2])


def test_a_rate_limit_needs_a_rate_and_a_burst() -> None:
    with pytest.raises(ValueError, match="positive rate"):
        RateLimit(rate=0)
    with pytest.raises(ValueError, match="burst"):
        RateLimit(rate=1, burst=0)


def cropster() -> Any:
    config = CropsterConfig(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        rate_limit=VENDOR_RATE,
        rate_burst=VENDOR_BURST,
    )
    return create_app(config)


def client(
    app: Any, store: MemoryTokenStore, backend: MemoryRateLimitBackend | None
) -> httpx.AsyncClient:
    key = credential_key("cropster", "http://cropster.test", CLIENT_ID)
    auth = ClientCredentialsAuth(
        key,
        token_url="http://cropster.test/oauth2/token",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        store=store,
    )
    limiter = None if backend is None else RateLimiter(key, OUR_LIMIT, backend)
    return build_http_client(
        "http://cropster.test",
        auth=auth,
        transport=httpx.ASGITransport(app),
        rate_limiter=limiter,
    )


async def fire(clients: list[httpx.AsyncClient], each: int) -> list[int]:
    statuses: list[int] = []

    async def one(http: httpx.AsyncClient) -> None:
        r = await http.post(LIST_GREEN, json={"params": {"pagination": {"limit": 1}}})
        statuses.append(r.status_code)

    async with anyio.create_task_group() as tasks:
        for http in clients:
            for _ in range(each):
                tasks.start_soon(one, http)
    return statuses


async def test_without_a_limiter_the_vendor_answers_429() -> None:
    app = cropster()
    async with client(app, MemoryTokenStore(), None) as http:
        statuses = await fire([http], 20)
    assert statuses.count(429) > 10


async def test_a_client_at_its_limit_meets_no_429() -> None:
    app = cropster()
    started = time.monotonic()
    async with client(app, MemoryTokenStore(), MemoryRateLimitBackend()) as http:
        statuses = await fire([http], 30)
    elapsed = time.monotonic() - started
    assert statuses == [200] * 30
    # 31 requests (the login counts too): a burst of 3, then 28 at 38 per second.
    assert elapsed >= 28 / 38 - 0.05


async def test_clients_sharing_a_credential_share_its_bucket() -> None:
    app = cropster()
    store, backend = MemoryTokenStore(), MemoryRateLimitBackend()
    async with client(app, store, backend) as first, client(app, store, backend) as second:
        statuses = await fire([first, second], 12)
    assert statuses == [200] * 24
