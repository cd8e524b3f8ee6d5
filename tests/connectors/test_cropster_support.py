"""What the Cropster connector tests share: the sandbox, where it is reached, a client on it
and the sandbox's own view of its lots.

It holds no tests; the test_cropster_* modules import from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from crossdock.connectors.cropster import CropsterClient
from crossdock.connectors.http import HttpOptions, RateLimit, RetryPolicy
from crossdock.connectors.http.streams import Record
from crossdock.sandboxes.base.faults import FaultRule
from crossdock.sandboxes.cropster import CropsterConfig, create_app
from tests.connectors.reads import assert_once

CLIENT_ID = "crossdock-cropster"
CLIENT_SECRET = "cr0pster-s3cret"
TOKEN_PATH = "/oauth2/token"
RPC = "/rpc/v1/"
LIST_GREEN = RPC + "inventory.green.listGreenLots"


def cropster_app(records: int = 150, rate_limit: float | None = None, burst: int = 10) -> Any:
    """The sandbox; its rate limit is off unless a test is about it."""
    config = CropsterConfig(
        records=records,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        rate_limit=rate_limit,
        rate_burst=burst,
    )
    return create_app(config)


def cropster_settings(base_url: str, **extra: Any) -> dict[str, Any]:
    return {"baseUrl": base_url, "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, **extra}


@dataclass
class Cropster:
    """A Cropster sandbox and how to reach it; ``waits`` records every retry wait asked for."""

    app: Any
    base_url: str
    transport: httpx.AsyncBaseTransport | None
    waits: list[float] = field(default_factory=list)

    def fault(self, **rule: Any) -> None:
        self.app.state.sandbox.faults.add(FaultRule.model_validate(rule))

    async def _sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    def client(
        self,
        *,
        rate_limit: RateLimit | None = None,
        options: HttpOptions | None = None,
        sleep: bool = False,
        **retry: Any,
    ) -> CropsterClient:
        """A client whose retry waits are recorded, not slept (unless ``sleep``)."""
        policy = RetryPolicy(**{"attempts": 10, "wait_jitter": 0.0, **retry})
        extra: dict[str, Any] = {} if sleep else {"sleep": self._sleep}
        return CropsterClient(
            cropster_settings(self.base_url),
            transport=self.transport,
            retry=policy,
            rate_limit=rate_limit,
            options=options,
            **extra,
        )

    def requests(self, path: str | None = None) -> list[Any]:
        items = self.app.state.sandbox.recorder.items()
        return [r for r in items if path is None or r.path == path]

    def green_lots(self) -> dict[str, str]:
        """The sandbox's own green lots: id -> updatedAt."""
        return lots_of(self.app, "green")

    def insert(self, count: int) -> None:
        state = self.app.state.sandbox.state
        with state.lock:
            state.insert_records(count)


def lots_of(app: Any, kind: str) -> dict[str, str]:
    state = app.state.sandbox.state
    with state.lock:
        collection = {"green": state.green, "roast": state.roasted, "blend": state.blended}[kind]
        return {lot.id: str(lot.updated) for lot in collection.by_id.values()}


def assert_exactly(records: list[Record], expected: set[str]) -> None:
    assert_once(records, expected, key="id", what="lots")
