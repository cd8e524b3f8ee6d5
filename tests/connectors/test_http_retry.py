"""Retries: what is retried (named error classes, safe requests only), how long it waits
(exponential backoff with jitter, Retry-After capped), and zero waits for tests."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crossdock.connectors.http import (
    ConnectionFailed,
    RetryPolicy,
    VendorClient,
    build_http_client,
    http_error,
    parse_retry_after,
)
from crossdock.errors import (
    Conflict,
    CrossdockError,
    FixCredentials,
    FixRequest,
    Forbidden,
    GiveUp,
    NotFound,
    RetryLater,
    Throttled,
)

pytestmark = pytest.mark.anyio


class Script:
    """A vendor that answers each path with a scripted list of statuses, then 200."""

    def __init__(self, **plans: list[int]) -> None:
        self.plans = {f"/{name}": list(statuses) for name, statuses in plans.items()}
        self.calls: Counter[str] = Counter()
        self.app = Starlette(
            routes=[Route("/{name}", self.answer, methods=["GET", "POST", "PUT", "DELETE"])]
        )

    async def answer(self, request: Request) -> Response:
        path = request.url.path
        self.calls[path] += 1
        plan = self.plans.get(path, [])
        status = plan.pop(0) if plan else 200
        headers = {"Retry-After": "3"} if status == 429 else {}
        return JSONResponse({"status": status}, status_code=status, headers=headers)


def vendor_error(response: httpx.Response) -> CrossdockError:
    return http_error("Vendor", response, f"status {response.status_code}")


class Waits(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(
    script: Script,
    policy: RetryPolicy | None = None,
    waits: Waits | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> VendorClient:
    http = build_http_client(
        "http://vendor.test", transport=transport or httpx.ASGITransport(script.app)
    )
    return VendorClient(
        http,
        vendor="Vendor",
        errors=vendor_error,
        retry=policy or RetryPolicy(wait_jitter=0.0),
        sleep=waits if waits is not None else Waits(),
        rng=random.Random(1),
    )


def test_backoff_grows_exponentially_up_to_the_maximum_with_jitter() -> None:
    policy = RetryPolicy(wait_initial=0.5, wait_exp_base=2, wait_max=3.0, wait_jitter=0.25)
    rng = random.Random(7)
    error = RetryLater("x")
    waits = [policy.wait(n, error, rng) for n in range(1, 6)]
    for wait, base in zip(waits, [0.5, 1.0, 2.0, 4.0, 8.0], strict=True):
        assert min(base, 3.0) <= wait <= min(base + 0.25, 3.0)
    assert waits[-1] == 3.0


def test_retry_after_is_honoured_with_a_cap_and_zeroed_for_tests() -> None:
    policy = RetryPolicy(retry_after_cap=10.0)
    rng = random.Random(1)
    assert policy.wait(1, Throttled("x", headers={"Retry-After": "4"}), rng) == 4.0
    assert policy.wait(1, Throttled("x", headers={"Retry-After": "120"}), rng) == 10.0
    assert policy.without_waiting().wait(1, Throttled("x", headers={"Retry-After": "4"}), rng) == 0
    assert policy.without_waiting().wait(5, RetryLater("x"), rng) == 0


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0
    assert parse_retry_after("soon") is None


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, FixRequest),
        (401, FixCredentials),
        (403, Forbidden),
        (404, NotFound),
        (405, GiveUp),
        (409, Conflict),
        (422, FixRequest),
        (408, RetryLater),
        (429, Throttled),
        (500, RetryLater),
        (501, GiveUp),
        (503, RetryLater),
    ],
)
def test_statuses_map_onto_what_the_caller_should_do(
    status: int, error: type[CrossdockError]
) -> None:
    response = httpx.Response(status, headers={"Retry-After": "2"})
    mapped = http_error("Vendor", response, "because")
    assert type(mapped) is error
    assert mapped.detail == f"Vendor: {status} because"
    assert mapped.headers == {"Retry-After": "2"}


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
async def test_transient_statuses_are_retried(status: int) -> None:
    script = Script(page=[status, status])
    async with client(script) as vendor:
        response = await vendor.request("GET", "/page")
    assert response.status_code == 200
    assert script.calls["/page"] == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
async def test_other_4xx_are_not_retried(status: int) -> None:
    script = Script(page=[status])
    async with client(script) as vendor:
        with pytest.raises(CrossdockError):
            await vendor.request("GET", "/page")
    assert script.calls["/page"] == 1


async def test_waits_follow_the_policy_and_retry_after() -> None:
    script = Script(page=[503, 503, 429, 503])
    waits = Waits()
    policy = RetryPolicy(wait_initial=1.0, wait_jitter=0.0, retry_after_cap=2.0)
    async with client(script, policy, waits) as vendor:
        await vendor.request("GET", "/page")
    assert waits == [1.0, 2.0, 2.0, 8.0]  # the 429's Retry-After: 3 is capped at 2


async def test_a_retry_after_beyond_the_limit_goes_back_to_the_caller() -> None:
    policy = RetryPolicy(retry_after_limit=600.0).without_waiting()
    assert policy.retries(Throttled("x", headers={"Retry-After": "600"}))
    assert not policy.retries(Throttled("x", headers={"Retry-After": "86400"}))
    script = Script()

    async def tomorrow(request: Request) -> Response:
        script.calls["/page"] += 1
        return JSONResponse({}, status_code=429, headers={"Retry-After": "86400"})

    script.app.router.routes.insert(0, Route("/page", tomorrow))
    async with client(script, policy) as vendor:
        with pytest.raises(Throttled) as refused:
            await vendor.request("GET", "/page")
    assert refused.value.headers["Retry-After"] == "86400"
    assert script.calls["/page"] == 1


async def test_attempts_run_out_with_the_last_error() -> None:
    script = Script(page=[503] * 10)
    async with client(script, RetryPolicy(attempts=3).without_waiting()) as vendor:
        with pytest.raises(RetryLater) as failed:
            await vendor.request("GET", "/page")
    assert failed.value.detail == "Vendor: 503 status 503"
    assert script.calls["/page"] == 3


async def test_no_retry_that_would_pass_the_deadline() -> None:
    script = Script(page=[503, 503])
    policy = RetryPolicy(wait_initial=5.0, wait_jitter=0.0, deadline=6.0)
    waits = Waits()
    async with client(script, policy, waits) as vendor:
        with pytest.raises(RetryLater):
            await vendor.request("GET", "/page")
    assert waits == [5.0]
    assert script.calls["/page"] == 2


async def test_the_policy_names_what_it_retries() -> None:
    script = Script(limited=[429], broken=[503])
    async with client(script, RetryPolicy(on=(Throttled,)).without_waiting()) as vendor:
        await vendor.request("GET", "/limited")
        with pytest.raises(RetryLater):
            await vendor.request("GET", "/broken")
    assert script.calls == {"/limited": 2, "/broken": 1}


async def test_writes_are_retried_only_when_safe() -> None:
    script = Script(create=[503], limited=[429], keyed=[503], replace=[503])
    async with client(script, RetryPolicy().without_waiting()) as vendor:
        with pytest.raises(RetryLater):
            await vendor.request("POST", "/create", json={})
        await vendor.request("POST", "/limited", json={})  # a 429 was refused, not processed
        await vendor.request("POST", "/keyed", json={}, idempotent=True)
        await vendor.request("PUT", "/replace", json={})
    assert script.calls == {"/create": 1, "/limited": 2, "/keyed": 2, "/replace": 2}


class RefusingFirst(httpx.AsyncBaseTransport):
    """A connection that cannot be made the first ``times`` times, then the vendor answers."""

    def __init__(self, inner: httpx.AsyncBaseTransport, times: int, error: type[Exception]):
        self.inner = inner
        self.times = times
        self.error = error

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.times:
            self.times -= 1
            raise self.error("no route to the vendor", request=request)
        return await self.inner.handle_async_request(request)


async def test_an_unsent_write_is_retried_but_a_timed_out_one_is_not() -> None:
    script = Script()
    refused = RefusingFirst(httpx.ASGITransport(script.app), 1, httpx.ConnectError)
    async with client(script, RetryPolicy().without_waiting(), transport=refused) as vendor:
        await vendor.request("POST", "/create", json={})
    assert script.calls["/create"] == 1
    timed_out = RefusingFirst(httpx.ASGITransport(script.app), 1, httpx.ReadTimeout)
    async with client(script, RetryPolicy().without_waiting(), transport=timed_out) as vendor:
        with pytest.raises(ConnectionFailed) as failed:
            await vendor.request("POST", "/create", json={})
    assert failed.value.may_have_landed
    assert failed.value.detail == "Vendor: ReadTimeout: no route to the vendor"


async def test_a_landed_check_turns_a_failed_retry_into_the_record_that_landed() -> None:
    script = Script(create=[503, 409], other=[503, 409])
    checked: list[CrossdockError] = []

    async def landed(error: CrossdockError) -> httpx.Response | None:
        checked.append(error)
        if isinstance(error, Conflict):
            return httpx.Response(200, json={"id": 7})
        return None

    async with client(script, RetryPolicy().without_waiting()) as vendor:
        response = await vendor.request("POST", "/create", json={}, landed=landed)
        assert response.json() == {"id": 7}

        async def not_found(error: CrossdockError) -> httpx.Response | None:
            return None

        with pytest.raises(Conflict):
            await vendor.request("POST", "/other", json={}, landed=not_found)
    assert [type(e) for e in checked] == [Conflict]
    assert script.calls == {"/create": 2, "/other": 2}


async def test_a_body_cut_short_is_a_broken_connection() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"100")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"partial": '})

    http = build_http_client("http://vendor.test", transport=httpx.ASGITransport(app))
    policy = RetryPolicy(attempts=2).without_waiting()
    async with VendorClient(http, vendor="Vendor", errors=vendor_error, retry=policy) as vendor:
        with pytest.raises(ConnectionFailed) as failed:
            await vendor.request("GET", "/page")
    assert failed.value.detail == "Vendor: the response was cut short (12 of 100 bytes)"
