"""CareCloud sandbox: injected faults as they show in CareCloud's format, and paging drift."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from crossdock.sandboxes.base import FaultRule
from tests.sandboxes.test_carecloud_support import (
    APP_ID,
    EN,
    LOGIN,
    PASSWORD,
    E,
    assert_spec,
    client,
    login,
    make_app,
    serve,
)

pytestmark = pytest.mark.anyio
LIST = "GET /customers"
ROUTE = "/webservice/rest-api/*/customers*"


async def page(c: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> httpx.Response:
    return await c.get(f"{E}/customers", headers=headers, params=params)


async def test_injected_503_is_a_carecloud_error_body() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        rule = {"kind": "error", "status": 503, "count": 1, "route": ROUTE}
        assert (await c.post("/_sandbox/faults", json=rule)).status_code == 201
        r = await page(c, headers)
        error = assert_spec(LIST, r)["error"]
        assert r.status_code == 503
        assert error["type"] == "service_unavailable_exception"
        assert error["title"] == "Service unavailable"
        assert (await page(c, headers)).status_code == 200


async def test_injected_500_matches_the_spec_schema() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        await c.post("/_sandbox/faults", json={"kind": "error", "status": 500, "count": 1})
        r = await page(c, headers)
        assert assert_spec(LIST, r)["error"]["type"] == "internal_server_error_exception"


async def test_429_burst_carries_retry_after() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        rule = {"kind": "rate_limit", "burst": 2, "retry_after": 3, "count": 1, "route": ROUTE}
        await c.post("/_sandbox/faults", json=rule)
        first, second, third = [await page(c, headers) for _ in range(3)]
        for r in (first, second):
            assert r.status_code == 429
            assert r.headers["retry-after"] == "3"
            assert assert_spec(LIST, r)["error"]["type"] == "too_many_requests_exception"
        assert third.status_code == 200


async def test_token_expiring_mid_paging_then_resuming() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        rule = {"kind": "expire_tokens", "after": 1, "count": 1, "route": ROUTE}
        await c.post("/_sandbox/faults", json=rule)
        seen: list[str] = []
        offset, relogins = 0, 0
        while True:
            r = await page(c, headers, count=100, offset=offset)
            if r.status_code == 401:
                assert assert_spec(LIST, r)["error"]["type"] == "token_expired_exception"
                relogins += 1
                headers = await login(c)
                continue
            rows = r.json()["data"]["customers"]
            seen += [x["customer_id"] for x in rows]
            offset += len(rows)
            if len(rows) < 100:
                break
        assert relogins == 1
        assert len(seen) == len(set(seen)) == 250


async def test_insert_between_pages_shifts_a_newest_first_listing() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        params = {"sort_field": "last_change", "sort_direction": "DESC", "count": 10}
        first = (await page(c, headers, **params)).json()["data"]
        r = await c.post("/_sandbox/records/insert", params={"count": 3})
        assert r.json() == {"inserted": 3}
        second = (await page(c, headers, offset=10, **params)).json()["data"]
        assert second["total_items"] == first["total_items"] + 3
        # The three new records went on top, so the old 8th-10th come round again.
        assert second["customers"][:3] == first["customers"][7:]
        newest = (await page(c, headers, **params)).json()["data"]["customers"][:3]
        assert all(x["last_change"] > first["customers"][0]["last_change"] for x in newest)


async def test_insert_fault_appends_to_the_default_order() -> None:
    async with client(make_app()) as c:
        headers = await login(c)
        rule = {"kind": "insert", "records": 5, "count": 1, "route": ROUTE}
        await c.post("/_sandbox/faults", json=rule)
        first = (await page(c, headers, count=100)).json()["data"]
        rest = (await page(c, headers, count=200, offset=100)).json()["data"]
        assert rest["total_items"] == 255
        ids = [x["customer_id"] for x in first["customers"] + rest["customers"]]
        assert len(ids) == len(set(ids)) == 255  # creation order: new records at the end
        assert all(x["state"] == 1 for x in rest["customers"][-5:])


async def test_latency_fault() -> None:
    app = make_app(faults=[FaultRule(kind="latency", latency_ms=150, route=ROUTE, count=1)])
    async with client(app) as c:
        headers = await login(c)
        started = time.perf_counter()
        assert (await page(c, headers)).status_code == 200
        assert time.perf_counter() - started >= 0.15


def test_dropped_connection_on_a_real_server() -> None:
    app = make_app(faults=[FaultRule(kind="drop", route=ROUTE, count=1)])
    with serve(app) as base, httpx.Client(base_url=base, headers=EN) as c:
        body = {"user_external_application_id": APP_ID, "login": LOGIN, "password": PASSWORD}
        token = c.post(f"{E}/users/actions/login", json=body).json()["data"]["bearer_token"]
        headers = {"Authorization": f"Bearer {token}"}
        with pytest.raises(httpx.RemoteProtocolError):
            c.get(f"{E}/customers", headers=headers)
        assert c.get(f"{E}/customers", headers=headers).status_code == 200
