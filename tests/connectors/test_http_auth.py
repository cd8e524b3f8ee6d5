"""Token auth flows: single-flight refresh (counted in the sandboxes' recorded requests),
refresh ahead of expiry, once on 401, rotated refresh tokens shared through the store, sealed
records, and credentials that never reach a log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crossdock.connectors.http import (
    BearerAuth,
    ClientCredentialsAuth,
    FernetTokenCipher,
    LoginTokenAuth,
    MemoryTokenStore,
    RefreshTokenAuth,
    RetryPolicy,
    TokenRecord,
    VendorClient,
    build_http_client,
    credential_key,
    http_error,
)
from crossdock.errors import FixCredentials, GiveUp
from crossdock.sandboxes.base.faults import FaultRule
from crossdock.sandboxes.carecloud import CareCloudConfig
from crossdock.sandboxes.carecloud import create_app as carecloud_app
from crossdock.sandboxes.cropster import CropsterConfig
from crossdock.sandboxes.cropster import create_app as cropster_app
from tests.connectors.servers import serve

pytestmark = pytest.mark.anyio

CLIENT_ID = "crossdock-connectors"
CLIENT_SECRET = "cl13nt-s3cret-never-logged"
CROPSTER = "http://cropster.test"
LIST_GREEN = "/rpc/v1/inventory.green.listGreenLots"


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def cropster() -> Any:
    """The Cropster sandbox, its token endpoint slowed so that concurrent requests overlap a
    login in progress (in process, an app that never waits would serve them one by one)."""
    config = CropsterConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, rate_limit=None)
    app = cropster_app(config)
    slow(app, "/oauth2/token")
    return app


def slow(app: Any, route: str, ms: int = 30) -> None:
    app.state.sandbox.faults.add(FaultRule(kind="latency", latency_ms=ms, route=route))


def oauth(
    base_url: str = CROPSTER, secret: str = CLIENT_SECRET, **options: Any
) -> ClientCredentialsAuth:
    return ClientCredentialsAuth(
        credential_key("cropster", base_url, CLIENT_ID),
        token_url=f"{base_url}/oauth2/token",
        client_id=CLIENT_ID,
        client_secret=secret,
        scopes=("inventory.green",),
        vendor="Cropster",
        **options,
    )


def recorded(app: Any, path: str, status: int | None = None) -> int:
    items = app.state.sandbox.recorder.items()
    return sum(1 for r in items if r.path == path and (status is None or r.status == status))


async def concurrently(http: httpx.AsyncClient, count: int) -> list[int]:
    statuses: list[int] = []

    async def one() -> None:
        r = await http.post(LIST_GREEN, json={"params": {"pagination": {"limit": 1}}})
        statuses.append(r.status_code)

    async with anyio.create_task_group() as tasks:
        for _ in range(count):
            tasks.start_soon(one)
    return statuses


def cropster_client(app: Any, auth: httpx.Auth) -> httpx.AsyncClient:
    return build_http_client(CROPSTER, auth=auth, transport=httpx.ASGITransport(app))


async def test_twenty_concurrent_requests_log_in_once() -> None:
    app = cropster()
    auth = oauth()
    async with cropster_client(app, auth) as http:
        assert await concurrently(http, 20) == [200] * 20
    assert recorded(app, "/oauth2/token") == 1
    assert auth.logins == 1


async def test_twenty_requests_meeting_an_expired_token_renew_it_once() -> None:
    app = cropster()
    async with cropster_client(app, oauth()) as http:
        assert await concurrently(http, 1) == [200]
        with app.state.sandbox.state.lock:
            app.state.sandbox.state.expire_tokens()
        slow(app, LIST_GREEN)  # all twenty are under way before the first 401 comes back
        assert await concurrently(http, 20) == [200] * 20
    assert recorded(app, "/oauth2/token") == 2
    assert recorded(app, LIST_GREEN, 401) == 20


async def test_tokens_are_renewed_ahead_of_expiry_in_a_single_flight() -> None:
    app = cropster()
    clock = Clock()
    async with cropster_client(app, oauth(clock=clock, refresh_ahead=60)) as http:
        await concurrently(http, 1)
        clock.now += 28799 - 59  # less than a minute of the 8 hours left
        assert await concurrently(http, 20) == [200] * 20
    assert recorded(app, "/oauth2/token") == 2
    assert recorded(app, LIST_GREEN, 401) == 0


async def test_workers_sharing_a_store_share_one_login() -> None:
    app = cropster()
    store = MemoryTokenStore()
    first, second = oauth(store=store), oauth(store=store)
    async with cropster_client(app, first) as a, cropster_client(app, second) as b:
        statuses: list[int] = []

        async def run(http: httpx.AsyncClient) -> None:
            statuses.extend(await concurrently(http, 10))

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(run, a)
            tasks.start_soon(run, b)
    assert statuses == [200] * 20
    assert recorded(app, "/oauth2/token") == 1
    assert (first.logins, second.logins) == (1, 0)


async def test_a_refused_client_secret_is_fix_credentials_with_the_vendors_reason() -> None:
    app = cropster()
    async with cropster_client(app, oauth(secret="wrong")) as http:
        with pytest.raises(FixCredentials) as refused:
            await http.post(LIST_GREEN, json={})
    assert refused.value.detail == "Cropster: 401 invalid_client: client authentication failed"


class Hub:
    """A Commerce-Connect-like login: an ID token (sent bare) and a rotating refresh token."""

    def __init__(self) -> None:
        self.issued = 0
        self.id_token = ""
        self.refresh_token = ""
        self.calls = {"login": 0, "refresh": 0, "data": 0}
        self.app = Starlette(
            routes=[
                Route("/auth/login", self.login, methods=["POST"]),
                Route("/auth/token/refresh", self.refresh, methods=["POST"]),
                Route("/data", self.data),
            ]
        )

    def _tokens(self) -> Response:
        self.issued += 1
        self.id_token, self.refresh_token = f"id-{self.issued}", f"refresh-{self.issued}"
        body = {"IdToken": self.id_token, "RefreshToken": self.refresh_token, "ExpiresIn": 3600}
        return JSONResponse({"Tokens": body})

    async def login(self, request: Request) -> Response:
        self.calls["login"] += 1
        body = await request.json()
        if body.get("password") != "hub-p4ssword":
            return JSONResponse({"message": "Incorrect username or password."}, status_code=401)
        return self._tokens()

    async def refresh(self, request: Request) -> Response:
        self.calls["refresh"] += 1
        if (await request.json()).get("refreshToken") != self.refresh_token:
            return JSONResponse({"message": "Invalid refresh token."}, status_code=400)
        return self._tokens()

    async def data(self, request: Request) -> Response:
        self.calls["data"] += 1
        if request.headers.get("authorization") != self.id_token:
            return JSONResponse({"message": "Unauthorized"}, status_code=401)
        return JSONResponse({"ok": True})

    def expire(self) -> None:
        self.id_token = "expired"


def hub_auth(
    store: MemoryTokenStore | None = None, password: str = "hub-p4ssword"
) -> RefreshTokenAuth:
    base = "http://hub.test"

    def read(response: httpx.Response) -> TokenRecord:
        if not response.is_success:
            raise http_error("Hub", response, response.json().get("message", ""))
        tokens = response.json()["Tokens"]
        return TokenRecord(access_token=tokens["IdToken"], refresh_token=tokens["RefreshToken"])

    return RefreshTokenAuth(
        credential_key("crescodata", base, "app", "user"),
        login_request=lambda: httpx.Request(
            "POST",
            f"{base}/auth/login",
            json={"clientId": "app", "username": "user", "password": password},
        ),
        refresh_request=lambda token: httpx.Request(
            "POST", f"{base}/auth/token/refresh", json={"clientId": "app", "refreshToken": token}
        ),
        read_token=read,
        scheme=None,
        store=store,
    )


def hub_client(hub: Hub, auth: httpx.Auth) -> httpx.AsyncClient:
    return build_http_client("http://hub.test", auth=auth, transport=httpx.ASGITransport(hub.app))


async def test_an_expired_id_token_is_refreshed_and_the_rotated_refresh_token_kept() -> None:
    hub = Hub()
    store = MemoryTokenStore()
    auth = hub_auth(store)
    async with hub_client(hub, auth) as http:
        assert (await http.get("/data")).status_code == 200
        hub.expire()
        assert (await http.get("/data")).status_code == 200
    assert hub.calls == {"login": 1, "refresh": 1, "data": 3}
    stored = await store.get(auth.key)
    assert stored is not None
    assert TokenRecord.from_bytes(stored).refresh_token == "refresh-2"


async def test_a_worker_uses_the_token_another_worker_refreshed() -> None:
    hub = Hub()
    store = MemoryTokenStore()
    a, b = hub_auth(store), hub_auth(store)
    async with hub_client(hub, a) as first, hub_client(hub, b) as second:
        await first.get("/data")
        await second.get("/data")  # b takes a's token from the store
        hub.expire()
        assert (await first.get("/data")).status_code == 200  # a refreshes: refresh-1 is spent
        assert (await second.get("/data")).status_code == 200  # b must not use refresh-1
    assert hub.calls["login"] == 1
    assert hub.calls["refresh"] == 1


async def test_a_refused_refresh_token_means_logging_in_again() -> None:
    hub = Hub()
    async with hub_client(hub, hub_auth()) as http:
        await http.get("/data")
        hub.expire()
        hub.refresh_token = "revoked"
        assert (await http.get("/data")).status_code == 200
    assert hub.calls["login"] == 2
    assert hub.calls["refresh"] == 1


async def test_a_fresh_token_refused_again_is_the_answer_not_a_loop() -> None:
    hub = Hub()

    async def never(request: Request) -> Response:
        hub.calls["data"] += 1
        return JSONResponse({"message": "Unauthorized"}, status_code=401)

    hub.app.router.routes[-1] = Route("/data", never)
    async with hub_client(hub, hub_auth()) as http:
        assert (await http.get("/data")).status_code == 401
    assert hub.calls == {"login": 1, "refresh": 1, "data": 2}


async def test_a_wrong_password_fails_the_login_with_the_vendors_reason() -> None:
    hub = Hub()
    async with hub_client(hub, hub_auth(password="nope")) as http:
        with pytest.raises(FixCredentials, match=r"Hub: 401 Incorrect username or password\."):
            await http.get("/data")


async def test_sealed_records_hide_the_token_and_another_key_logs_in_again() -> None:
    hub = Hub()
    store = MemoryTokenStore()
    sealed = hub_auth(store)
    sealed.cipher = FernetTokenCipher("key one")
    async with hub_client(hub, sealed) as http:
        await http.get("/data")
    stored = await store.get(sealed.key)
    assert stored is not None
    assert b"id-1" not in stored
    assert b"refresh-1" not in stored
    other = hub_auth(store)
    other.cipher = FernetTokenCipher("key two")
    async with hub_client(hub, other) as http:
        assert (await http.get("/data")).status_code == 200
    assert hub.calls["login"] == 2


async def test_login_token_auth_against_carecloud() -> None:
    config = CareCloudConfig(
        records=5, application_id="app-1", login="api_user", password="care-p4ss-never-logged"
    )
    app = carecloud_app(config)
    slow(app, "*/users/actions/login")
    slow(app, "*/customers")
    base = "http://carecloud.test/webservice/rest-api/enterprise-interface/v1.0"
    zone = ZoneInfo("Europe/Prague")

    def read(response: httpx.Response) -> TokenRecord:
        data = response.json()["data"]
        valid_to = datetime.strptime(data["valid_to"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone)
        return TokenRecord(access_token=data["bearer_token"], expires_at=valid_to.timestamp())

    auth = LoginTokenAuth(
        credential_key("carecloud", base, "app-1", "api_user"),
        login_request=lambda: httpx.Request(
            "POST",
            f"{base}/users/actions/login",
            json={
                "user_external_application_id": "app-1",
                "login": "api_user",
                "password": "care-p4ss-never-logged",
            },
        ),
        read_token=read,
    )
    async with build_http_client(base, auth=auth, transport=httpx.ASGITransport(app)) as http:
        assert (await http.get(f"{base}/customers")).status_code == 200
        app.state.sandbox.clock.advance(7 * 3600 + 1)  # the vendor's clock: our token expired

        async def one() -> None:
            assert (await http.get(f"{base}/customers")).status_code == 200

        async with anyio.create_task_group() as tasks:
            for _ in range(20):
                tasks.start_soon(one)
    path = "/webservice/rest-api/enterprise-interface/v1.0/users/actions/login"
    assert recorded(app, path) == 2


async def test_token_flows_need_an_async_client() -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(200))
    with httpx.Client(transport=transport) as http, pytest.raises(GiveUp):
        http.get("http://vendor.test/", auth=oauth())


@pytest.fixture
def live_cropster() -> Iterator[tuple[Any, str]]:
    app = cropster()
    with serve(app) as url:
        yield app, url


async def test_credentials_never_reach_logs_errors_or_reprs(
    live_cropster: tuple[Any, str],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    app, url = live_cropster
    store = MemoryTokenStore()
    auth = oauth(url, store=store)
    http = build_http_client(url, auth=auth)
    errors: list[str] = []
    policy = RetryPolicy(attempts=3).without_waiting()
    vendor = VendorClient(
        http, vendor="Cropster", errors=lambda r: http_error("Cropster", r, r.text), retry=policy
    )
    async with vendor:
        await vendor.request("POST", LIST_GREEN, json={}, idempotent=True)
        with app.state.sandbox.state.lock:
            app.state.sandbox.state.expire_tokens()
        await vendor.request("POST", LIST_GREEN, json={}, idempotent=True)
    bad = oauth(url, secret="wr0ng-s3cret-also-secret")
    async with build_http_client(url, auth=bad) as failing:
        try:
            await failing.post(LIST_GREEN, json={})
        except FixCredentials as exc:
            errors.append(str(exc))
    static = BearerAuth("st4tic-t0ken-secret", headers={"x-tenant-id": "1"})
    stored = await store.get(auth.key)
    assert stored is not None
    token = TokenRecord.from_bytes(stored)
    secrets = [CLIENT_SECRET, "wr0ng-s3cret-also-secret", token.access_token, "st4tic-t0ken-secret"]
    captured = capsys.readouterr()
    shown = "\n".join(
        [caplog.text, captured.out, captured.err, *errors, repr(auth), repr(token), repr(static)]
    )
    assert "token obtained" in shown  # the flows did log, and were captured
    assert errors
    for secret in secrets:
        assert secret not in shown
