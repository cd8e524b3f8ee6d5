"""The CareCloud client: the connection test as activation runs it (through the systems
catalog, over a real uvicorn, failing with CareCloud's own reason), the enterprise login (one
login however many requests need it, shared through the token store, ``valid_to`` read in the
project's time zone), the customer-interface flow, and secrets kept out of logs."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

from crossdock.connectors.carecloud import CareCloudClient
from crossdock.connectors.carecloud.client import project_url
from crossdock.connectors.catalog import default_catalog
from crossdock.connectors.http import (
    ConnectionFailed,
    FernetTokenCipher,
    MemoryTokenStore,
    TokenRecord,
)
from crossdock.errors import FixCredentials, FixRequest
from tests.connectors.servers import serve
from tests.connectors.test_carecloud_support import (
    APPLICATION_ID,
    CUSTOMER,
    CUSTOMER_PASSWORD,
    LOGIN_PATH,
    PASSWORD,
    carecloud_app,
    carecloud_settings,
    fault,
    recorded,
)

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[Any, str]]:
    app = carecloud_app(records=20)
    with serve(app) as url:
        yield app, url


async def run_test(settings: dict[str, Any]) -> None:
    system = default_catalog().get("carecloud")
    assert system is not None
    assert system.connection_test is not None
    await system.connection_test(settings)


async def test_working_settings_pass(live: tuple[Any, str]) -> None:
    _, url = live
    await run_test(carecloud_settings(url))
    await run_test(carecloud_settings(f"{url}/webservice/rest-api/enterprise-interface/v1.0/"))


async def test_a_wrong_password_fails_with_carecloud_reason(live: tuple[Any, str]) -> None:
    _, url = live
    with pytest.raises(FixCredentials) as failed:
        await run_test(carecloud_settings(url, password="Wrong-pass-1"))
    assert failed.value.detail == (
        "CareCloud: 400 Invalid input parameters: login+password. "
        "(invalid_parameters_exception; login+password: not_allowed_value)"
    )
    assert failed.value.field == "login+password"


async def test_a_wrong_application_id_fails_with_carecloud_reason(live: tuple[Any, str]) -> None:
    _, url = live
    with pytest.raises(FixCredentials) as failed:
        await run_test(carecloud_settings(url, applicationId="0" * 24))
    assert "user_external_application_id: not_found" in failed.value.detail


async def test_bad_settings_are_a_request_to_fix() -> None:
    with pytest.raises(FixRequest) as failed:
        await run_test({"baseUrl": "http://127.0.0.1:1", "login": "x", "password": "y"})
    assert failed.value.field == "applicationId"
    with pytest.raises(FixRequest) as zone:
        await run_test(carecloud_settings(timezone="Europe/Atlantis"))
    assert zone.value.field == "timezone"


async def test_an_unreachable_server_fails_quickly() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(ConnectionFailed) as failed:
        await run_test(carecloud_settings(f"http://127.0.0.1:{port}"))
    assert time.monotonic() - started < 5
    assert failed.value.detail.startswith("CareCloud: ConnectError")


def test_the_project_url_is_what_the_interfaces_hang_from() -> None:
    assert project_url("sandbox.crmcarecloud.com") == "https://sandbox.crmcarecloud.com"
    assert project_url("https://x.crmcarecloud.com/") == "https://x.crmcarecloud.com"
    pasted = "https://x.crmcarecloud.com/webservice/rest-api/customer-interface/v1.0"
    assert project_url(pasted) == "https://x.crmcarecloud.com"
    with pytest.raises(FixRequest):
        project_url("https://")


def in_process(app: Any, settings: dict[str, Any] | None = None, **options: Any) -> CareCloudClient:
    transport = httpx.ASGITransport(app)
    return CareCloudClient(settings or carecloud_settings(), transport=transport, **options)


async def stored_token(client: CareCloudClient) -> TokenRecord:
    sealed = await client.auth.store.get(client.auth.key)
    assert sealed is not None
    return TokenRecord.from_bytes(client.auth.cipher.open(sealed))


async def concurrently(client: CareCloudClient, count: int) -> None:
    async def one() -> None:
        await client.api.request("GET", "/customers", params={"count": 1})

    async with anyio.create_task_group() as tasks:
        for _ in range(count):
            tasks.start_soon(one)


async def test_twenty_concurrent_requests_log_in_once() -> None:
    app = carecloud_app(records=5)
    fault(app, kind="latency", latency_ms=30, route=LOGIN_PATH)
    async with in_process(app) as client:
        await concurrently(client, 20)
        assert client.auth.logins == 1
    assert len(recorded(app, LOGIN_PATH)) == 1


async def test_workers_sharing_a_sealed_store_share_one_login() -> None:
    app = carecloud_app(records=5)
    fault(app, kind="latency", latency_ms=30, route=LOGIN_PATH)
    store = MemoryTokenStore()
    cipher = FernetTokenCipher("crossdock secret key")
    async with (
        in_process(app, token_store=store, token_cipher=cipher) as first,
        in_process(app, token_store=store, token_cipher=cipher) as second,
    ):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(concurrently, first, 10)
            tasks.start_soon(concurrently, second, 10)
        assert (first.auth.logins, second.auth.logins) in ((1, 0), (0, 1))
        sealed = await store.get(first.auth.key)
    assert len(recorded(app, LOGIN_PATH)) == 1
    assert sealed is not None
    token = TokenRecord.from_bytes(cipher.open(sealed)).access_token
    assert token.encode() not in sealed


async def test_valid_to_is_read_in_the_projects_time_zone() -> None:
    app = carecloud_app(records=5, timezone="America/New_York")
    settings = carecloud_settings(timezone="America/New_York")
    async with in_process(app, settings=settings) as client:
        await client.api.request("GET", "/customers", params={"count": 1})
        record = await stored_token(client)
    assert record.expires_at is not None
    assert abs(record.expires_at - (time.time() + 7 * 3600)) < 5


async def test_a_valid_to_that_fits_no_sensible_lifetime_leaves_renewal_to_401s() -> None:
    # The project keeps time 25 hours behind what the settings say: valid_to reads as past.
    app = carecloud_app(records=5, timezone="Pacific/Pago_Pago")
    settings = carecloud_settings(timezone="Pacific/Kiritimati")
    async with in_process(app, settings=settings) as client:
        await client.api.request("GET", "/customers", params={"count": 1})
        await client.api.request("GET", "/customers", params={"count": 1})
        assert (await stored_token(client)).expires_at is None
        app.state.sandbox.state.expire_tokens()
        await client.api.request("GET", "/customers", params={"count": 1})
    assert len(recorded(app, LOGIN_PATH)) == 2  # once, and once more after the 401


async def test_a_customer_reads_their_own_record_through_the_customer_interface() -> None:
    app = carecloud_app(records=20)
    state = app.state.sandbox.state
    email = state.credentials()["customer_email"]
    expected = state.by_email[email].customer_id
    async with in_process(app) as client:
        customer = await client.read_as_customer(email, CUSTOMER_PASSWORD)
    assert customer["customer_id"] == expected
    assert customer["personal_information"]["email"] == email
    paths = [r.path.removeprefix(CUSTOMER) for r in app.state.sandbox.recorder.items()]
    assert paths[0] == "/tokens"
    assert paths[2:] == ["/customers", paths[1].replace("/login", "/logout")]
    assert paths[1].endswith("/actions/login")
    tokens = list(state.accounts.device_tokens.values())
    assert [t.customer_id for t in tokens] == [None]  # logged out again
    assert recorded(app, LOGIN_PATH) == []  # no enterprise login needed


async def test_a_wrong_customer_password_is_fix_credentials_with_carecloud_reason() -> None:
    app = carecloud_app(records=20)
    email = app.state.sandbox.state.credentials()["customer_email"]
    async with in_process(app) as client:
        with pytest.raises(FixCredentials) as refused:
            await client.read_as_customer(email, "Not-the-passw0rd")
    assert refused.value.detail == (
        "CareCloud: 401 The login or the password of the customer is not valid. "
        "(invalid_credentials_exception)"
    )


async def test_passwords_and_tokens_never_reach_logs_or_errors(
    live: tuple[Any, str],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    app, url = live
    shown: list[str] = []
    store = MemoryTokenStore()
    async with CareCloudClient(carecloud_settings(url), token_store=store) as client:
        await client.api.request("GET", "/customers", params={"count": 1})
        app.state.sandbox.state.expire_tokens()
        await client.api.request("GET", "/customers", params={"count": 1})
        shown.append(repr(client.auth))
        stored = await store.get(client.auth.key)
    try:
        await run_test(carecloud_settings(url, password="Wr0ng-but-secret"))
    except FixCredentials as exc:
        shown.append(str(exc))
    assert stored is not None
    token = TokenRecord.from_bytes(stored)
    captured = capsys.readouterr()
    text = "\n".join([caplog.text, captured.out, captured.err, *shown, repr(token)])
    assert "token obtained" in text  # the flows did log, and were captured
    for secret in (PASSWORD, "Wr0ng-but-secret", token.access_token, APPLICATION_ID):
        assert secret not in text
