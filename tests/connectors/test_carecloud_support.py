"""Helpers for the CareCloud connector tests: the sandbox with known credentials, settings that
reach it in process or over a real uvicorn, faults, and the sandbox's own view of its
customers (what every read must end with). No tests here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from crossdock.connectors.carecloud import CareCloudClient
from crossdock.connectors.http import RetryPolicy
from crossdock.sandboxes.base.faults import FaultRule
from crossdock.sandboxes.carecloud import CareCloudConfig, create_app
from tests.connectors.reads import assert_once

APPLICATION_ID = "89d1a6111b3fb6e74665d948"
LOGIN = "crossdock_api"
PASSWORD = "Care-p4ss-n3ver-logged"
CUSTOMER_PASSWORD = "Customer-S3cret-pw"
ENTERPRISE = "/webservice/rest-api/enterprise-interface/v1.0"
CUSTOMER = "/webservice/rest-api/customer-interface/v1.0"
LOGIN_PATH = f"{ENTERPRISE}/users/actions/login"
CUSTOMERS_PATH = f"{ENTERPRISE}/customers"


def carecloud_app(records: int = 250, **config: Any) -> Any:
    return create_app(
        CareCloudConfig(
            records=records,
            application_id=APPLICATION_ID,
            login=LOGIN,
            password=PASSWORD,
            customer_password=CUSTOMER_PASSWORD,
            **config,
        )
    )


def carecloud_settings(base_url: str = "http://carecloud.test", **extra: Any) -> dict[str, Any]:
    return {
        "baseUrl": base_url,
        "applicationId": APPLICATION_ID,
        "login": LOGIN,
        "password": PASSWORD,
        **extra,
    }


def sandbox_customers(app: Any) -> dict[str, str]:
    """The sandbox's own customers: customer_id -> last_change."""
    state = app.state.sandbox.state
    with state.lock:
        return {c.customer_id: c.last_change for c in state.customer_list}


def fault(app: Any, **rule: Any) -> None:
    app.state.sandbox.faults.add(FaultRule.model_validate(rule))


def recorded(app: Any, path: str, method: str | None = None) -> list[Any]:
    return [
        r
        for r in app.state.sandbox.recorder.items()
        if r.path == path and (method is None or r.method == method)
    ]


def assert_exactly(records: Iterable[dict[str, Any]], expected: Iterable[str]) -> None:
    assert_once(records, expected, key="customer_id", what="customers")


@dataclass
class CareCloud:
    """A CareCloud sandbox and how to reach it; ``waits`` records every retry wait asked for."""

    app: Any
    base_url: str
    transport: httpx.AsyncBaseTransport | None
    waits: list[float] = field(default_factory=list)

    def fault(self, **rule: Any) -> None:
        fault(self.app, **rule)

    async def _sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    def client(self, **retry: Any) -> CareCloudClient:
        policy = RetryPolicy(**{"attempts": 10, "wait_jitter": 0.0, **retry})
        return CareCloudClient(
            carecloud_settings(self.base_url),
            transport=self.transport,
            retry=policy,
            sleep=self._sleep,
        )

    def listings(self) -> list[Any]:
        return recorded(self.app, CUSTOMERS_PATH, "GET")

    def logins(self) -> int:
        return len(recorded(self.app, LOGIN_PATH))
