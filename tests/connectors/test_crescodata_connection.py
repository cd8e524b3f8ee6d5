"""The Commerce Connect client as a whole, against a running Crossdock: the connection test as
integration activation runs it (through the systems catalog, over a real uvicorn, failing with
the other hub's own reason), and its IdToken kept, refreshed ahead of expiry and shared."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from crossdock.connectors.catalog import default_catalog
from crossdock.connectors.crescodata import CrescodataClient, crescodata_error
from crossdock.connectors.http import ConnectionFailed, MemoryTokenStore
from crossdock.errors import FixCredentials, FixRequest, Throttled
from tests.connectors.test_crescodata_support import (
    ADMIN,
    PASSWORD,
    RunningHub,
    hub_in_process,
    hub_served,
)

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    with hub_served(tmp_path_factory.mktemp("hub")) as running:
        yield running


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    async with hub_in_process(tmp_path) as running:
        yield running


async def run_test(settings: dict[str, Any]) -> None:
    system = default_catalog().get("crescodata")
    assert system is not None
    assert system.connection_test is not None
    await system.connection_test(settings)


async def test_working_settings_pass(served: RunningHub) -> None:
    await run_test(served.settings())


async def test_a_wrong_password_fails_with_the_hubs_reason(served: RunningHub) -> None:
    with pytest.raises(FixCredentials) as failed:
        await run_test(served.settings(username="nobody@crossdock.test", password="Wr0ng-pass!"))
    assert failed.value.detail == (
        "Commerce Connect: 401 password: Incorrect username or password. "
        "(Authenticate again: the credentials were missing, invalid or expired.)"
    )


async def test_an_unknown_client_id_is_named(served: RunningHub) -> None:
    with pytest.raises(FixRequest) as failed:
        await run_test(served.settings(clientId="not-a-client"))
    assert failed.value.field == "clientId"
    assert "400 clientId: Unknown or disabled app client." in failed.value.detail


async def test_a_password_still_to_be_chosen_is_said_so(hub: RunningHub) -> None:
    async with hub.operator() as http:
        body = {
            "username": "fresh@crossdock.test",
            "email": "fresh@crossdock.test",
            "name": "Fresh",
            "role": "staff",
            "sendEmail": False,
            "temporaryPassword": "temp-123",
        }
        assert (await http.post("/users", json=body)).status_code == 201
    settings = hub.settings(username="fresh@crossdock.test", password="temp-123")
    async with CrescodataClient(settings, transport=hub.transport) as client:
        with pytest.raises(FixCredentials) as failed:
            await client.api.request("GET", "/integrations")
    assert failed.value.detail.startswith(
        "Commerce Connect: fresh@crossdock.test must choose a new password before logging in "
        "(NEW_PASSWORD_REQUIRED)"
    )


async def test_bad_settings_are_a_request_to_fix() -> None:
    with pytest.raises(FixRequest) as failed:
        await run_test({"baseUrl": "http://127.0.0.1:1", "clientId": "x", "username": "u"})
    assert failed.value.field == "password"


async def test_an_unreachable_server_fails_quickly() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    settings = {"baseUrl": f"http://127.0.0.1:{port}", "clientId": "c", "username": ADMIN}
    with pytest.raises(ConnectionFailed) as failed:
        await run_test({**settings, "password": PASSWORD})
    assert time.monotonic() - started < 5
    assert failed.value.detail.startswith("Commerce Connect: ConnectError")


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def test_the_id_token_is_kept_then_refreshed_ahead_of_expiry(hub: RunningHub) -> None:
    clock = Clock()
    async with CrescodataClient(hub.settings(), transport=hub.transport, clock=clock) as client:
        for _ in range(3):
            await client.api.request("GET", "/integrations")
        clock.now += 3600 - 59  # within the minute before the hour is out
        await client.api.request("GET", "/integrations")
    assert len(hub.app.statuses("/auth/login")) == 1
    assert hub.app.statuses("/auth/token/refresh") == [200]
    assert hub.app.statuses("/integrations") == [200] * 4  # no 401: renewed before it


async def test_clients_sharing_a_store_log_in_once(hub: RunningHub) -> None:
    store = MemoryTokenStore()
    settings = hub.settings()

    async def calls(client: CrescodataClient) -> None:
        for _ in range(3):
            await client.api.request("GET", "/integrations")

    async with (
        CrescodataClient(settings, transport=hub.transport, tokens=store) as one,
        CrescodataClient(settings, transport=hub.transport, tokens=store) as two,
        anyio.create_task_group() as group,
    ):
        for client in (one, two, one, two):
            group.start_soon(calls, client)
    assert len(hub.app.statuses("/auth/login")) == 1
    assert hub.app.statuses("/integrations") == [200] * 12


def test_error_bodies_become_crossdock_errors() -> None:
    def answer(status: int, body: Any, **headers: str) -> httpx.Response:
        request = httpx.Request("GET", "http://hub.test/orders")
        return httpx.Response(status, json=body, headers=headers, request=request)

    locked = crescodata_error(
        answer(
            429,
            {"field": "username", "detail": "Too many failed logins.", "explanation": "Wait."},
            **{"Retry-After": "900"},
        )
    )
    assert isinstance(locked, Throttled)
    assert locked.detail == "Commerce Connect: 429 username: Too many failed logins. (Wait.)"
    assert locked.headers == {"Retry-After": "900"}
    # The original platform's bodies, as its documentation does not show them.
    plain = crescodata_error(answer(401, {"message": "Unauthorized"}))
    assert isinstance(plain, FixCredentials)
    assert plain.detail == "Commerce Connect: 401 Unauthorized"
    bare = crescodata_error(answer(502, "<html>bad gateway</html>"))
    assert bare.detail == "Commerce Connect: 502 Bad Gateway"
