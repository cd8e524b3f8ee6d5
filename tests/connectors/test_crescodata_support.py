"""What the Commerce Connect connector tests share: a running Crossdock hub (the other hub the
connector talks to) on a temporary SQLite database, in process or under a real uvicorn, with
faults injected in front of it, and the hub's own view of its records.

It holds no tests; the test_crescodata_* modules import from it.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crossdock.api import create_app
from crossdock.connectors.crescodata import CrescodataClient
from crossdock.connectors.http import HttpOptions, RetryPolicy
from crossdock.connectors.http.streams import Record
from crossdock.hub import Hub
from crossdock.sandboxes.base.faults import FaultRule, Faults
from crossdock.serving import ReasonPhraseH11Protocol
from crossdock.settings import load_settings
from tests.connectors.reads import assert_once

ADMIN = "root@crossdock.test"
PASSWORD = "Root-Password-1"
CLIENT_ID = "connectorclient0000000001"
AGENCY = "11111111-2222-3333-4444-555555555555"
OPERATOR_HEADER = b"x-test-operator"


class HubClock:
    """The hub's clock: real time, pushed forward by tests (tokens expire on demand)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset)


class CutShort(Exception):
    """Raised after half an answer, so the server drops the connection mid-body."""


class FaultyHub:
    """The hub's ASGI app behind the sandboxes' fault rules, answering in the hub's format.

    ``error`` and ``rate_limit`` answer without reaching the hub. ``drop`` is the harder case
    for a write: the hub carries the request out, then its answer is cut short, as when a
    connection breaks on the way back. Every request is recorded: (method, path, status).
    Requests of the tests' own operator client (``OPERATOR_HEADER``) pass untouched and
    unrecorded: the faults and the figures are the connector's.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.faults = Faults()
        self.requests: list[tuple[str, str, int]] = []

    def add(self, **rule: Any) -> None:
        self.faults.add(FaultRule.model_validate(rule))

    def statuses(self, path: str, method: str | None = None) -> list[int]:
        return [s for m, p, s in self.requests if p == path and method in (None, m)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (OPERATOR_HEADER, b"1") in scope["headers"]:
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        rules = self.faults.fire(method, path)
        for rule in rules:
            if rule.kind in ("error", "rate_limit"):
                status = 429 if rule.kind == "rate_limit" else rule.status
                self.requests.append((method, path, status))
                await _answer_error(send, status, rule.retry_after)
                return
        if any(rule.kind == "drop" for rule in rules):
            messages: list[Message] = []

            async def keep(message: Message) -> None:
                messages.append(message)

            await self.app(scope, receive, keep)
            start, body = messages[0], b"".join(m.get("body", b"") for m in messages[1:])
            self.requests.append((method, path, start["status"]))
            await send(start)
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
            raise CutShort("the answer was cut short by an injected fault")

        async def recording(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.requests.append((method, path, message["status"]))
            await send(message)

        await self.app(scope, receive, recording)


async def _answer_error(send: Send, status: int, retry_after: float) -> None:
    detail = "Too many requests." if status == 429 else "The hub is unavailable."
    body = json.dumps(
        {"field": None, "detail": detail, "explanation": "Injected.", "requestId": "fault"}
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-cresco-error", detail.encode()),
    ]
    if status == 429:
        headers.append((b"retry-after", f"{retry_after:g}".encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def build_hub(path: Path, clock: HubClock) -> tuple[Hub, Any]:
    settings = load_settings(
        {},
        database_url=f"sqlite:///{path / 'hub.db'}",
        secret_key="crescodata-connector-tests-secret",
        bootstrap_admin=f"{ADMIN}:{PASSWORD}",
        client_id=CLIENT_ID,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
    )
    hub = Hub.from_settings(settings, clock=clock)
    return hub, create_app(hub=hub)


@dataclass
class RunningHub:
    """A Crossdock hub, where it is reached, and an operator's plain client of it."""

    hub: Hub
    app: FaultyHub
    clock: HubClock
    base_url: str
    transport: httpx.AsyncBaseTransport | None
    waits: list[float] = field(default_factory=list)
    _token: str | None = None

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {
            "baseUrl": self.base_url,
            "clientId": CLIENT_ID,
            "username": ADMIN,
            "password": PASSWORD,
            **extra,
        }

    async def _sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    def client(
        self,
        *,
        options: HttpOptions | None = None,
        sleep: bool = False,
        login: tuple[str, str] = (ADMIN, PASSWORD),
        **retry: Any,
    ) -> CrescodataClient:
        """A connector client whose retry waits are recorded, not slept (unless ``sleep``)."""
        policy = RetryPolicy(**{"attempts": 10, "wait_jitter": 0.0, **retry})
        extra: dict[str, Any] = {} if sleep else {"sleep": self._sleep}
        settings = self.settings(username=login[0], password=login[1])
        return CrescodataClient(
            settings, transport=self.transport, retry=policy, options=options, **extra
        )

    async def make_user(self, username: str, password: str, role: str = "staff") -> None:
        """A user who has set their password (answered the first-login challenge) now, by
        the hub's clock."""
        async with self.operator() as http:
            body = {
                "username": username,
                "email": username,
                "name": username,
                "role": role,
                "sendEmail": False,
                "temporaryPassword": "temp-123",
            }
            created = await http.post("/users", json=body)
            assert created.status_code == 201, created.text
            login = {"clientId": CLIENT_ID, "username": username, "password": "temp-123"}
            challenge = (await http.post("/auth/login", json=login)).json()
            answer = {
                "clientId": CLIENT_ID,
                "username": username,
                "session": challenge["Session"],
                "newPassword": password,
            }
            done = await http.post("/auth/challenge", json=answer)
            assert done.status_code == 200, done.text

    @asynccontextmanager
    async def operator(self) -> AsyncIterator[httpx.AsyncClient]:
        """A plain client of the hub as its admin, out of the fault rules' reach."""
        async with httpx.AsyncClient(
            base_url=self.base_url,
            transport=self.transport,
            timeout=30,
            headers={OPERATOR_HEADER.decode(): "1"},
        ) as http:
            if self._token is None:
                login = {"clientId": CLIENT_ID, "username": ADMIN, "password": PASSWORD}
                answer = await http.post("/auth/login", json=login)
                assert answer.status_code == 200, answer.text
                self._token = answer.json()["Tokens"]["IdToken"]
            http.headers["Authorization"] = self._token
            yield http

    async def make_source(self, sync_type: str = "orders") -> tuple[str, str]:
        """A new company with an active ``api`` source of ``sync_type``: (companyId,
        integrationId). Each test's records live in their own company."""
        async with self.operator() as http:
            company = await http.post(
                "/companies", json={"name": "Acme", "country": "SG", "agencyId": AGENCY}
            )
            assert company.status_code == 201, company.text
            company_id = company.json()["companyId"]
            body = {
                "active": True,
                "add": False,
                "delete": False,
                "get": True,
                "update": False,
                "meta": {},
                "syncType": sync_type,
                "systemId": "api",
                "companyId": company_id,
            }
            integration = await http.post("/integrations", json=body)
            assert integration.status_code == 201, integration.text
            return company_id, integration.json()["integrationId"]

    async def send(self, integration_id: str, items: list[dict[str, Any]]) -> str:
        """Send a batch as an operator and wait until the hub has processed it."""
        async with self.operator() as http:
            body = {"integrationId": integration_id, "items": items}
            answer = await http.post("/streams_batch", json=body)
            assert answer.status_code == 200, answer.text
            request_id: str = answer.json()["requestId"]
        await self.processed(request_id)
        return request_id

    async def processed(self, request_id: str) -> Record:
        """The batch's outcome once no item is pending (the hub's worker runs in a thread)."""
        async with self.operator() as client:
            deadline = time.monotonic() + 20
            while True:
                answer = await client.get(f"/requests/{request_id}")
                assert answer.status_code == 200, answer.text
                outcome: Record = answer.json()
                if outcome["done"]:
                    return outcome
                assert time.monotonic() < deadline, f"batch {request_id} still pending"
                await asyncio.sleep(0.02)

    async def listed(self, sync_type: str, company_id: str) -> dict[str, str]:
        """The hub's own records of a company: crescoId -> updatedAt, read by a plain loop."""
        found: dict[str, str] = {}
        async with self.operator() as http:
            params: dict[str, Any] = {"companyId": company_id, "limit": 1000}
            while True:
                answer = await http.get(f"/{sync_type}", params=params)
                assert answer.status_code == 200, answer.text
                found.update({r["crescoId"]: r["updatedAt"] for r in answer.json()})
                token = answer.headers.get("x-cresco-page")
                if not token:
                    return found
                params["page"] = token


@asynccontextmanager
async def hub_in_process(path: Path) -> AsyncIterator[RunningHub]:
    clock = HubClock()
    hub, app = build_hub(path, clock)
    faulty = FaultyHub(app)
    try:
        async with app.router.lifespan_context(app):
            # A cut-short answer must reach the client as a real connection delivers it.
            transport = httpx.ASGITransport(faulty, raise_app_exceptions=False)
            yield RunningHub(hub, faulty, clock, "http://hub.test", transport)
    finally:
        hub.close()


@contextmanager
def hub_served(path: Path) -> Iterator[RunningHub]:
    """The hub under a real uvicorn on a free port (lifespan on: migrations, the worker)."""
    clock = HubClock()
    hub, app = build_hub(path, clock)
    faulty = FaultyHub(app)
    config = uvicorn.Config(
        faulty,
        host="127.0.0.1",
        port=0,
        http=ReasonPhraseH11Protocol,
        log_level="critical",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        assert thread.is_alive(), "uvicorn stopped"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield RunningHub(hub, faulty, clock, f"http://127.0.0.1:{port}", None)
    finally:
        server.should_exit = True
        thread.join(10)
        hub.close()


def order(number: int, **changes: Any) -> dict[str, Any]:
    """A valid order record (one line item) as a source sends it."""
    return {
        "systemOrderId": f"so-{number}",
        "systemOrderNumber": f"order-{number}",
        "status": "readyToShip",
        "publish": True,
        "currency": "SGD",
        "country": "SG",
        "orderTotal": 10 + number,
        "variants": [
            {
                "systemOrderItemId": f"line-{number}",
                "systemOrderItemNumber": f"{number}-1",
                "sku": f"sku-{number % 7}",
                "quantity": 1,
                "itemPrice": 10 + number,
            }
        ],
        **changes,
    }


def orders(first: int, count: int) -> list[dict[str, Any]]:
    return [{"id": f"o{n}", "record": order(n)} for n in range(first, first + count)]


def assert_exactly(records: list[Record], expected: set[str]) -> None:
    assert_once(records, expected, key="crescoId", what="records", where="the hub")
