"""The Cropster client as a whole: the connection test as integration activation runs it
(through the systems catalog, over a real uvicorn, failing with Cropster's own reason), where
its endpoints are, its token cached and shared, and its rate limit keeping it clear of 429s."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

from crossdock.connectors.catalog import CropsterSettings, default_catalog
from crossdock.connectors.cropster import CropsterClient, cropster_error, endpoints
from crossdock.connectors.http import (
    ConnectionFailed,
    MemoryRateLimitBackend,
    MemoryTokenStore,
)
from crossdock.errors import FixCredentials, FixRequest, Forbidden, GiveUp, Throttled
from tests.connectors.reads import asgi
from tests.connectors.servers import serve
from tests.connectors.test_cropster_support import (
    CLIENT_SECRET,
    LIST_GREEN,
    TOKEN_PATH,
    cropster_app,
    cropster_settings,
)

pytestmark = pytest.mark.anyio

PAGE = {"params": {"pagination": {"limit": 1}}}


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[Any, str]]:
    app = cropster_app(records=20, rate_limit=5.0)
    with serve(app) as url:
        yield app, url


async def run_test(settings: dict[str, Any]) -> None:
    system = default_catalog().get("cropster")
    assert system is not None
    assert system.connection_test is not None
    await system.connection_test(settings)


def narrow_account(app: Any, client_id: str, scopes: list[str]) -> dict[str, Any]:
    state = app.state.sandbox.state
    with state.lock:
        if client_id not in state.auth.accounts:
            state.issue_credentials({"scopes": scopes, "client_id": client_id})
        account = state.auth.accounts[client_id]
    return {"clientId": account.client_id, "clientSecret": account.client_secret}


async def test_working_settings_pass(live: tuple[Any, str]) -> None:
    app, url = live
    await run_test(cropster_settings(url))
    # As Cropster's reference writes the base URL, with the token endpoint given separately.
    await run_test(cropster_settings(url + "/rpc/v1/", tokenUrl=url + TOKEN_PATH))
    listed = [r for r in app.state.sandbox.recorder.items() if r.path.startswith("/rpc/v1/")]
    assert {r.path.rsplit(".", 1)[-1] for r in listed} >= {
        "listGreenLots",
        "listRoastedLots",
        "listBlendedLots",
    }


async def test_a_wrong_secret_fails_with_cropsters_reason(live: tuple[Any, str]) -> None:
    _, url = live
    settings = cropster_settings(url, clientSecret="not-" + CLIENT_SECRET)
    with pytest.raises(FixCredentials) as failed:
        await run_test(settings)
    assert failed.value.detail == "Cropster: 401 invalid_client: client authentication failed"


async def test_a_scope_not_granted_fails_with_cropsters_reason(live: tuple[Any, str]) -> None:
    app, url = live
    account = narrow_account(app, "green-only", ["inventory.green"])
    with pytest.raises(FixCredentials) as failed:
        await run_test({"baseUrl": url, **account})
    assert failed.value.detail == (
        "Cropster: 400 invalid_scope: scope not granted to this service account: "
        "inventory.roast inventory.blend"
    )
    await run_test({"baseUrl": url, **account, "scopes": ["inventory.green"]})


async def test_a_method_outside_the_tokens_scopes_is_forbidden(live: tuple[Any, str]) -> None:
    app, url = live
    account = narrow_account(app, "green-only", ["inventory.green"])
    settings = {"baseUrl": url, **account, "scopes": ["inventory.green"]}
    async with CropsterClient(settings) as client:
        with pytest.raises(Forbidden) as refused:
            await client.call("inventory.roast.listRoastedLots", PAGE, idempotent=True)
    assert refused.value.detail == (
        "Cropster: 403 access_denied: this method needs the inventory.roast scope"
    )


async def test_bad_settings_are_a_request_to_fix() -> None:
    with pytest.raises(FixRequest) as failed:
        await run_test({"baseUrl": "http://127.0.0.1:1", "clientId": "x"})
    assert failed.value.field == "clientSecret"


async def test_an_unreachable_server_fails_quickly() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(ConnectionFailed) as failed:
        await run_test(cropster_settings(f"http://127.0.0.1:{port}"))
    assert time.monotonic() - started < 5
    assert failed.value.detail.startswith("Cropster: ConnectError")


def test_endpoints_follow_the_base_url_unless_a_token_url_is_given() -> None:
    def of(**settings: Any) -> tuple[str, str]:
        return endpoints(CropsterSettings(clientId="a", clientSecret="b", **settings))

    assert of(baseUrl="http://127.0.0.1:8104") == (
        "http://127.0.0.1:8104/rpc/v1",
        "http://127.0.0.1:8104/oauth2/token",
    )
    assert of(baseUrl="http://127.0.0.1:8104/rpc/v1/") == (
        "http://127.0.0.1:8104/rpc/v1",
        "http://127.0.0.1:8104/oauth2/token",
    )
    assert of(baseUrl="https://api.cropster.com/rpc/v1") == (
        "https://api.cropster.com/rpc/v1",
        "https://auth.cropster.com/oauth2/token",
    )
    assert of(baseUrl="https://proxy.example.com", tokenUrl="https://sso.example.com/t") == (
        "https://proxy.example.com/rpc/v1",
        "https://sso.example.com/t",
    )


def test_error_bodies_become_crossdock_errors() -> None:
    def answer(status: int, body: Any, **headers: str) -> httpx.Response:
        request = httpx.Request("POST", "http://cropster.test/rpc/v1/inventory.green.x")
        return httpx.Response(status, json=body, headers=headers, request=request)

    throttled = cropster_error(
        answer(
            429,
            {"ok": False, "error": {"code": "too_many_requests", "message": "slow"}},
            **{"Retry-After": "2"},
        )
    )
    assert isinstance(throttled, Throttled)
    assert throttled.headers == {"Retry-After": "2"}
    # A code that says more than its status wins: credentials, whatever a proxy made of it.
    proxied = cropster_error(
        answer(400, {"ok": False, "error": {"code": "invalid_authentication", "message": "x"}})
    )
    assert isinstance(proxied, FixCredentials)
    assert proxied.detail == "Cropster: 400 invalid_authentication: x"
    odd = cropster_error(answer(200, {"ok": False, "error": {"code": "server_error"}}))
    assert isinstance(odd, GiveUp)
    bare = cropster_error(answer(502, "<html>bad gateway</html>"))
    assert bare.detail == "Cropster: 502 Bad Gateway"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def test_the_token_is_kept_until_shortly_before_it_expires() -> None:
    app = cropster_app(records=5)
    clock = Clock()
    settings = cropster_settings("http://cropster.test")
    async with CropsterClient(
        settings, transport=asgi(app), rate_limit=None, clock=clock
    ) as client:
        for _ in range(3):
            await client.call("inventory.green.listGreenLots", PAGE, idempotent=True)
        clock.now += 28799 - 61  # Cropster's expires_in, less the minute kept in hand
        await client.call("inventory.green.listGreenLots", PAGE, idempotent=True)
        clock.now += 2
        await client.call("inventory.green.listGreenLots", PAGE, idempotent=True)
    tokens = [r for r in app.state.sandbox.recorder.items() if r.path == TOKEN_PATH]
    assert len(tokens) == 2
    assert client.auth.logins == 2


async def test_clients_sharing_a_credential_log_in_once_and_meet_no_429() -> None:
    # The sandbox at Cropster's own limits (5/s, bursts of 10), the clients at the defaults.
    app = cropster_app(records=5, rate_limit=5.0, burst=10)
    tokens, buckets = MemoryTokenStore(), MemoryRateLimitBackend()
    settings = cropster_settings("http://cropster.test")
    started = time.monotonic()

    async def calls(client: CropsterClient, count: int) -> None:
        for _ in range(count):
            await client.call("inventory.green.listGreenLots", PAGE, idempotent=True)

    async with (
        CropsterClient(settings, transport=asgi(app), tokens=tokens, rate_limits=buckets) as one,
        CropsterClient(settings, transport=asgi(app), tokens=tokens, rate_limits=buckets) as two,
        anyio.create_task_group() as group,
    ):
        for client in (one, two, one, two):
            group.start_soon(calls, client, 4)
    elapsed = time.monotonic() - started
    recorded = app.state.sandbox.recorder.items()
    assert [r.status for r in recorded if r.path == LIST_GREEN] == [200] * 16
    assert len([r for r in recorded if r.path == TOKEN_PATH]) == 1
    # 17 requests through one bucket of 9 at 4.9/s: the last 8 waited their turn.
    assert elapsed >= 8 / 4.9 - 0.05
