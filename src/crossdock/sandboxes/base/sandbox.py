"""The sandbox seam: a vendor's state object, and how it is wired into its ASGI app.

A vendor package provides a ``VendorState`` subclass (its data, credentials and error format)
and a FastAPI app with its routes; ``install_sandbox`` adds what every sandbox shares: the
``/_sandbox/`` control API, request recording and fault injection, in front of the vendor's
routes and never mixed with them.
"""

from __future__ import annotations

import abc
import asyncio
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crossdock.sandboxes.base.clock import Clock
from crossdock.sandboxes.base.faults import FaultRule, Faults

CONTROL_PREFIX = "/_sandbox"


@dataclass
class SandboxConfig:
    """What every sandbox is started with; vendors subclass it to add their credentials."""

    seed: int = 1
    records: int = 100
    faults: list[FaultRule] = field(default_factory=list)
    record_requests: int = 1000


class VendorState(abc.ABC):
    """A vendor's whole mutable world. Subclasses own data, credentials and error rendering."""

    vendor: str = ""

    def __init__(self, config: SandboxConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.lock = threading.RLock()

    @abc.abstractmethod
    def reset(self, *, seed: int, records: int) -> None:
        """Drop everything and generate ``records`` deterministic records from ``seed``."""

    @abc.abstractmethod
    def issue_credentials(self, params: dict[str, Any]) -> dict[str, Any]:
        """Create a new credential (token, API key, client...) from control-API parameters."""

    @abc.abstractmethod
    def credentials(self) -> dict[str, str]:
        """The credentials a user needs to call this sandbox, printed at start."""

    @abc.abstractmethod
    def expire_tokens(self) -> int:
        """Expire every access token issued so far; returns how many."""

    @abc.abstractmethod
    def insert_records(self, count: int) -> int:
        """Insert ``count`` new records into the main listing (drift between pages)."""

    @abc.abstractmethod
    def error_body(self, status: int) -> tuple[bytes, dict[str, str]]:
        """The vendor's own error body (and headers) for an injected ``status``."""

    def counts(self) -> dict[str, int]:
        """Record counts per collection, for the control API's status."""
        return {}


@dataclass
class RecordedRequest:
    id: int
    at: float
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: str
    status: int | None = None  # what the client was sent
    faults: list[str] = field(default_factory=list)
    served_status: int | None = None  # what the vendor's routes answered; None if they never ran


class Recorder:
    """The most recent requests a sandbox received, for tests and for users debugging clients."""

    def __init__(self, size: int) -> None:
        self._items: deque[RecordedRequest] = deque(maxlen=max(size, 1))
        self._next = 1
        self._lock = threading.Lock()
        self.enabled = size > 0

    def add(self, item: RecordedRequest) -> None:
        with self._lock:
            item.id = self._next
            self._next += 1
            self._items.append(item)

    def items(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class Sandbox:
    """One running sandbox: its vendor state plus the shared clock, faults and recorder."""

    def __init__(self, state: VendorState) -> None:
        self.state = state
        self.clock = state.clock
        self.config = state.config
        self.faults = Faults(seed=state.config.seed)
        for rule in state.config.faults:
            self.faults.add(rule)
        self.recorder = Recorder(state.config.record_requests)

    def reset(self, *, seed: int | None = None, records: int | None = None) -> None:
        seed = self.config.seed if seed is None else seed
        records = self.config.records if records is None else records
        with self.state.lock:
            self.state.reset(seed=seed, records=records)
        self.recorder.clear()
        self.faults.clear()
        self.clock.reset()


class DroppedConnection(Exception):
    """Raised after a partial response so the server closes the connection mid-body."""


class SandboxMiddleware:
    """Records vendor requests and applies fault rules; control routes pass straight through."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        sandbox = self.sandbox
        method: str = scope["method"]
        path: str = scope["path"]
        rules = sandbox.faults.fire(method, path) if sandbox.faults else []
        recorded: RecordedRequest | None = None
        if sandbox.recorder.enabled:
            receive, body = await _buffer_body(receive)
            recorded = RecordedRequest(
                id=0,
                at=sandbox.clock.time(),
                method=method,
                path=path,
                query=scope.get("query_string", b"").decode("latin-1"),
                headers={k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]},
                body=body.decode("utf-8", "replace"),
                faults=[r.kind for r in rules],
            )
            sandbox.recorder.add(recorded)

        inserts = 0
        for rule in rules:
            if rule.kind == "latency":
                await asyncio.sleep(rule.latency_ms / 1000)
            elif rule.kind == "expire_tokens":
                with sandbox.state.lock:
                    sandbox.state.expire_tokens()
            elif rule.kind == "insert":
                inserts += rule.records
        for rule in rules:
            if rule.kind in ("error", "rate_limit", "drop"):
                if recorded is not None:
                    recorded.status = _fault_status(rule)
                await _send_fault(sandbox, rule, send)
                return
        lost = next((rule for rule in rules if rule.kind == "lose_response"), None)

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start" and recorded is not None:
                recorded.served_status = message["status"]
                recorded.status = message["status"]
            if lost is None:
                await send(message)
            # else the vendor's answer is thrown away, message by message

        await self.app(scope, receive, recording_send)
        if inserts:
            with sandbox.state.lock:
                sandbox.state.insert_records(inserts)
        if lost is not None:
            if recorded is not None:
                recorded.status = _fault_status(lost)
            await _send_fault(sandbox, lost, send)


async def _buffer_body(receive: Receive) -> tuple[Receive, bytes]:
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay, body


def _cuts(rule: FaultRule) -> bool:
    return rule.kind == "drop" or (rule.kind == "lose_response" and rule.answer == "drop")


def _fault_status(rule: FaultRule) -> int:
    """The status line a fault sends: a cut connection starts a 200 before it is cut."""
    if _cuts(rule):
        return 200
    return 429 if rule.kind == "rate_limit" else rule.status


async def _send_fault(sandbox: Sandbox, rule: FaultRule, send: Send) -> None:
    """Answer in the vendor's place: a cut connection, a 429 or an error status."""
    status = _fault_status(rule)
    if _cuts(rule):
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"partial": ', "more_body": True})
        raise DroppedConnection("connection dropped by an injected fault")
    body, extra = sandbox.state.error_body(status)
    headers = {"content-type": "application/json", "content-length": str(len(body)), **extra}
    if rule.kind == "rate_limit":
        headers["retry-after"] = _format_retry_after(rule.retry_after)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _format_retry_after(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


def install_sandbox(app: FastAPI, sandbox: Sandbox) -> FastAPI:
    """Add the control API, recording and fault injection to a vendor's app."""
    from crossdock.sandboxes.base.control import create_control_app

    app.state.sandbox = sandbox
    app.mount(CONTROL_PREFIX, create_control_app(sandbox))
    app.add_middleware(SandboxMiddleware, sandbox=sandbox)
    return app
