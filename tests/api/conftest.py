"""A real hub on a real database (SQLite and PostgreSQL), driven through its ASGI app."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from crossdock.api import create_app
from crossdock.hub import Hub
from crossdock.settings import load_settings

ADMIN = ("root@crossdock.test", "Root-Password-1")
CLIENT_ID = "testclient0000000000000001"


class Clock:
    """The hub's clock, moved by tests instead of sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Api:
    """A test client with helpers to log in and call the API as someone."""

    client: TestClient
    hub: Hub
    clock: Clock

    def login(self, username: str, password: str) -> dict[str, Any]:
        r = self.client.post(
            "/auth/login", json={"clientId": CLIENT_ID, "username": username, "password": password}
        )
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def token(self, username: str, password: str) -> str:
        token: str = self.login(username, password)["Tokens"]["IdToken"]
        return token

    def as_user(self, username: str, password: str) -> dict[str, str]:
        return {"Authorization": self.token(username, password)}

    def admin(self) -> dict[str, str]:
        return self.as_user(*ADMIN)

    def make_user(
        self,
        headers: dict[str, str],
        username: str,
        role: str,
        password: str = "Passw0rd!x",
        **fields: Any,
    ) -> dict[str, str]:
        """Create a user through the API, answer its first-login challenge, return its headers."""
        body = {
            "username": username,
            "email": username,
            "name": username,
            "role": role,
            "sendEmail": False,
            "temporaryPassword": "temp-123",
            **fields,
        }
        if role in ("agency", "manager", "company"):
            body.setdefault("syncs", ["orders", "products", "customers"])
        r = self.client.post("/users", json=body, headers=headers)
        assert r.status_code == 201, r.text
        challenge = self.login(username, "temp-123")
        r = self.client.post(
            "/auth/challenge",
            json={
                "clientId": CLIENT_ID,
                "username": username,
                "session": challenge["Session"],
                "newPassword": password,
            },
        )
        assert r.status_code == 200, r.text
        return {"Authorization": r.json()["Tokens"]["IdToken"]}

    def drain(self) -> int:
        """Process every accepted record now (the tests' stand-in for the embedded worker)."""
        from crossdock.sync.jobs import drain

        return drain(self.hub)

    def make_company(self, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
        body = {"name": "Acme", "country": "SG", **fields}
        r = self.client.post("/companies", json=body, headers=headers)
        assert r.status_code == 201, r.text
        company: dict[str, Any] = r.json()
        return company


@pytest.fixture
def api(db_url: str, tmp_path: Any) -> Iterator[Api]:
    clock = Clock()
    settings = load_settings(
        {},
        database_url=db_url,
        secret_key="test-secret-key-for-crossdock-tests",
        bootstrap_admin=f"{ADMIN[0]}:{ADMIN[1]}",
        client_id=CLIENT_ID,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        embedded_worker=False,
    )
    hub = Hub.from_settings(settings, clock=clock)
    with TestClient(create_app(hub=hub), raise_server_exceptions=False) as client:
        yield Api(client=client, hub=hub, clock=clock)
    hub.close()
