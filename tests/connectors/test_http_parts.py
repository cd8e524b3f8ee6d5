"""The layer's small parts: fixed-credential auth against a sandbox, the vendor's clock,
checkpoints as JSON, and the id set streams de-duplicate with."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from crossdock.connectors.http import (
    ApiKeyAuth,
    BearerAuth,
    Checkpoint,
    SeenIds,
    ServerClock,
    build_http_client,
)
from crossdock.sandboxes.customtrades import CustomTradesConfig, create_app

pytestmark = pytest.mark.anyio

API_KEY = "ctc_live_connector-tests-key"


@pytest.mark.parametrize(
    "auth",
    [ApiKeyAuth(API_KEY), ApiKeyAuth(API_KEY, header="X-API-Key", scheme=None)],
    ids=["bearer", "x-api-key"],
)
async def test_an_api_key_reaches_custom_trades(auth: ApiKeyAuth) -> None:
    app = create_app(CustomTradesConfig(records=5, api_key=API_KEY))
    base = "http://customtrades.test/api/v1"
    async with build_http_client(base, auth=auth, transport=httpx.ASGITransport(app)) as http:
        response = await http.get(f"{base}/companies/me")
    assert response.status_code == 200, response.text
    assert response.json()["success"] is True
    sent = app.state.sandbox.recorder.items()[-1].headers
    assert (sent.get("authorization"), sent.get("x-api-key")) in {
        (f"Bearer {API_KEY}", None),
        (None, API_KEY),
    }


async def test_a_static_bearer_sends_its_headers_and_hides_them() -> None:
    seen: list[httpx.Headers] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200)

    auth = BearerAuth("t0ken", scheme="bearer", headers={"x-tenant-id": "5212"})
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer), auth=auth) as http:
        await http.get("http://vendor.test/")
    assert seen[0]["authorization"] == "bearer t0ken"
    assert seen[0]["x-tenant-id"] == "5212"
    assert "t0ken" not in repr(auth)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_the_vendor_clock_moves_since_back_never_forward() -> None:
    local = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC).timestamp()
    clock = ServerClock(Clock(local))

    def dated(seconds: float) -> httpx.Response:
        moment = datetime.fromtimestamp(local + seconds, UTC)
        return httpx.Response(200, headers={"Date": format_datetime(moment, usegmt=True)})

    await clock.observe(httpx.Response(200))
    assert clock.now() == local
    await clock.observe(dated(-90))  # the vendor's clock is 90 s behind ours
    assert clock.now() == local - 90
    await clock.observe(dated(+30))  # ahead: an earlier "since" only re-reads, so keep ours
    assert clock.now() == local
    await clock.observe(httpx.Response(200, headers={"Date": "yesterday"}))
    assert clock.now() == local


def test_checkpoints_round_trip_as_json() -> None:
    checkpoint = Checkpoint(updated_since="2025-01-02T03:04:05.000000", resume={"page": 3})
    assert Checkpoint.from_json(checkpoint.to_json()) == checkpoint
    assert Checkpoint(cursor="abc").to_json() == {"cursor": "abc"}
    assert Checkpoint.from_json(None) is None
    assert Checkpoint.from_json({}) is None


def test_seen_ids_remember_numbers_in_a_bitmap_and_anything_else_in_a_set() -> None:
    seen = SeenIds()
    assert [seen.add(i) for i in (5, 1_000_000, 5, 0)] == [True, True, False, True]
    assert [seen.add(i) for i in ("a", -3, 1 << 40, "a", True)] == [True, True, True, False, True]
    assert 1_000_000 in seen
    assert 6 not in seen
    assert "b" not in seen
    assert seen.count == 7
    assert len(seen._bits) < 200_000  # about a bit per id, not a set entry
