"""The CRO connection test as integration activation runs it: through the systems catalog,
over a real uvicorn, failing with CRO's own reason."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from crossdock.connectors.catalog import default_catalog
from crossdock.connectors.http import ConnectionFailed
from crossdock.errors import FixCredentials, FixRequest, Forbidden, NotFound
from tests.connectors.servers import cro_app, cro_serve, cro_settings

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[Any, str]]:
    app = cro_app(records=20)
    with cro_serve(app) as url:
        yield app, url


async def run_test(settings: dict[str, Any]) -> None:
    system = default_catalog().get("cro")
    assert system is not None
    assert system.connection_test is not None
    await system.connection_test(settings)


async def test_working_settings_pass(live: tuple[Any, str]) -> None:
    app, url = live
    await run_test(cro_settings(app, url))
    await run_test(cro_settings(app, url, locationId=1))


async def test_a_wrong_token_fails_with_cros_reason(live: tuple[Any, str]) -> None:
    app, url = live
    settings = cro_settings(app, url, token="eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJub2JvZHkifQ.bm9wZQ")
    with pytest.raises(FixCredentials) as failed:
        await run_test(settings)
    assert failed.value.detail == (
        "CRO Software: 401 StandardRequestHeadersModel.authorization: Invalid access token. "
        "(The access token is missing, malformed, unknown or expired.)"
    )


async def test_a_tenant_the_token_may_not_use_is_forbidden(live: tuple[Any, str]) -> None:
    app, url = live
    settings = cro_settings(app, url)
    settings["tenantId"] += 2
    with pytest.raises(Forbidden) as failed:
        await run_test(settings)
    assert "403 StandardRequestHeadersModel.x-tenant-id: Access to tenant" in failed.value.detail


async def test_an_unknown_location_is_named(live: tuple[Any, str]) -> None:
    app, url = live
    with pytest.raises(NotFound) as failed:
        await run_test(cro_settings(app, url, locationId=99))
    assert "404 location_id: Location 99 not found." in failed.value.detail


async def test_bad_settings_are_a_request_to_fix() -> None:
    with pytest.raises(FixRequest) as failed:
        await run_test({"baseUrl": "http://127.0.0.1:1", "token": "x"})
    assert failed.value.field == "tenantId"


async def test_an_unreachable_server_fails_quickly() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(ConnectionFailed) as failed:
        await run_test({"baseUrl": f"http://127.0.0.1:{port}", "token": "a.b.c", "tenantId": 1})
    assert time.monotonic() - started < 5
    assert failed.value.detail.startswith("CRO Software: ConnectError")
    assert not failed.value.may_have_landed
