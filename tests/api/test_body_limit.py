"""Request bodies past the hub's limit are answered 413 in the error schema, whether declared
by Content-Length or streamed without one; bodies within it reach their endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from crossdock.api.app import create_app
from crossdock.settings import load_settings
from tests.api.conftest import ADMIN, CLIENT_ID

LIMIT = 2048


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    settings = load_settings(
        {},
        database_url=sqlite_url,
        secret_key="body-limit-tests",
        bootstrap_admin=f"{ADMIN[0]}:{ADMIN[1]}",
        client_id=CLIENT_ID,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        embedded_worker=False,
        max_body_bytes=LIMIT,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def login(client: TestClient) -> dict[str, str]:
    body = {"clientId": CLIENT_ID, "username": ADMIN[0], "password": ADMIN[1]}
    r = client.post("/auth/login", json=body)
    assert r.status_code == 200, r.text
    return {"Authorization": r.json()["Tokens"]["IdToken"]}


def assert_too_large(r: httpx.Response) -> None:
    assert r.status_code == 413, r.text
    body = r.json()
    assert body["field"] == "body"
    assert body["detail"] == f"The body may be at most {LIMIT} bytes."
    assert body["requestId"]
    assert r.headers["x-cresco-error"] == f"body: The body may be at most {LIMIT} bytes."


def test_a_declared_body_over_the_limit_is_refused_before_it_is_read(client: TestClient) -> None:
    headers = login(client)
    big = b'{"records": [' + b" " * LIMIT + b"]}"
    r = client.post(
        "/streams_batch", content=big, headers={**headers, "Content-Type": "application/json"}
    )
    assert_too_large(r)


def test_a_streamed_body_is_cut_off_at_the_limit(client: TestClient) -> None:
    headers = login(client)

    def chunks() -> Iterator[bytes]:
        yield b'{"records": ['
        for _ in range(10):
            yield b" " * 512

    r = client.post(
        "/streams_batch", content=chunks(), headers={**headers, "Content-Type": "application/json"}
    )
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert_too_large(r)


def test_a_body_within_the_limit_reaches_its_endpoint(client: TestClient) -> None:
    r = client.post("/auth/login", json={"clientId": CLIENT_ID, "username": "x", "password": "y"})
    assert r.status_code == 401, r.text
