"""The CRO sandbox over a real uvicorn: status lines, CRO's own sample scripts, and faults as a
client meets them (a 503 and a 429 in CRO's format, a token expiring mid-paging, customers
inserted between two pages)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from crossdock.sandboxes.cro import CroConfig, ReasonPhraseH11Protocol, create_app

try:
    import requests  # type: ignore[import-untyped]
except ImportError:  # CRO's samples use requests; httpx speaks the same get() for them
    requests = httpx


@contextmanager
def serve(app: FastAPI, http: Any = ReasonPhraseH11Protocol) -> Iterator[str]:
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, http=http, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[str, dict[str, str]]]:
    app = create_app(CroConfig())
    with serve(app) as address:
        yield address, app.state.sandbox.state.credentials()


@pytest.fixture
def cro(sandbox: tuple[str, dict[str, str]]) -> tuple[str, dict[str, str]]:
    """The shared server, reset: seed data back, no faults, no issued tokens."""
    httpx.post(f"http://{sandbox[0]}/_sandbox/reset").raise_for_status()
    return sandbox


def raw_status_line(address: str, request: bytes) -> bytes:
    host, port = address.split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(request)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = conn.recv(4096)
            if not chunk:
                break
            received += chunk
    return received.split(b"\r\n", 1)[0]


def auth(credentials: dict[str, str], token: str | None = None) -> dict[str, str]:
    return {
        "Authorization": f"bearer {token or credentials['token']}",
        "x-tenant-id": credentials["x-tenant-id"],
        "content-type": "application/json",
    }


def test_error_text_is_in_the_status_line(cro: tuple[str, dict[str, str]]) -> None:
    address, credentials = cro
    body = json.dumps({"name": "A", "user_id": 5}).encode()
    request = (
        b"POST /locations/1/customers HTTP/1.1\r\nHost: cro\r\nConnection: close\r\n"
        + f"Authorization: bearer {credentials['token']}\r\n".encode()
        + f"x-tenant-id: {credentials['x-tenant-id']}\r\n".encode()
        + f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    assert raw_status_line(address, request) == (
        b"HTTP/1.1 400 CreateCustomerModel.user_id: Unknown field."
    )
    response = httpx.post(
        f"http://{address}/locations/1/customers", headers=auth(credentials), content=body
    )
    assert response.reason_phrase == "CreateCustomerModel.user_id: Unknown field."
    assert "x-reason-phrase" not in response.headers
    assert response.json()["field"] == "CreateCustomerModel.user_id"
    ok = httpx.get(f"http://{address}/customers", headers=auth(credentials))
    assert (ok.status_code, ok.reason_phrase) == (200, "OK")
    # The next response on a kept-alive connection gets its own reason, not a stale one.
    with httpx.Client(base_url=f"http://{address}", headers=auth(credentials)) as client:
        bad = client.get("/customers", params={"page_limit": 0})
        good = client.get("/customers")
    assert bad.reason_phrase.startswith("CustomerQueryModel.page_limit: Must be")
    assert good.reason_phrase == "OK"


def test_plain_uvicorn_keeps_the_text_in_a_header() -> None:
    app = create_app(CroConfig(records=3))
    credentials = app.state.sandbox.state.credentials()
    with serve(app, http="h11") as address:
        response = httpx.get(f"http://{address}/customers/99", headers=auth(credentials))
    assert response.status_code == 404
    assert response.reason_phrase == "Not Found"
    assert response.headers["x-reason-phrase"] == "customer_id: Customer 99 not found."


def test_cro_sample_script_export_customers(cro: tuple[str, dict[str, str]]) -> None:
    address, credentials = cro
    token, tenant = credentials["token"], credentials["x-tenant-id"]

    # CRO's "Sample Script: Export Customers", adapted only in its base URL.
    url = f"http://{address}/customers"
    headers = {
        "Authorization": f"bearer {token}",
        "x-tenant-id": tenant,
        "content-type": "application/json",
    }
    params: dict[str, Any] = {}
    response = requests.get(url, headers=headers, params=params)

    results = json.loads(response.text)
    assert results["current_page"] == 1
    assert results["current_limit"] == 100
    assert results["total_pages"] == 6
    assert results["total_count"] == 504
    assert len(results["results"]) == 100


def test_cro_sample_loop_reads_every_customer(cro: tuple[str, dict[str, str]]) -> None:
    address, credentials = cro
    token, tenant = credentials["token"], credentials["x-tenant-id"]

    # CRO's paging loop from the same page, adapted only in its base URL.
    def process_customers(cb: Any, **kw: Any) -> None:
        url = f"http://{address}/customers"
        headers = {
            "Authorization": f"bearer {token}",
            "x-tenant-id": tenant,
            "content-type": "application/json",
        }
        next_page = 1
        while True:
            params = {"page_index": next_page}
            response = requests.get(url, headers=headers, params=params)
            results = json.loads(response.text)
            for item in results["results"]:
                cb(item, **kw)
            total_pages = int(results["total_pages"])
            next_page = int(results["current_page"]) + 1
            if next_page > total_pages:
                break

    seen: list[dict[str, Any]] = []
    process_customers(lambda item, into: into.append(item), into=seen)
    assert len(seen) == 504
    assert len({item["customer_id"] for item in seen}) == 504


def test_injected_503_and_429_in_cro_format(cro: tuple[str, dict[str, str]]) -> None:
    address, credentials = cro
    base = f"http://{address}"
    httpx.post(f"{base}/_sandbox/faults", json={"kind": "error", "count": 1, "route": "/customers"})
    unavailable = httpx.get(f"{base}/customers", headers=auth(credentials))
    recovered = httpx.get(f"{base}/customers", headers=auth(credentials))
    limit = {"kind": "rate_limit", "retry_after": 2, "count": 1, "route": "/customers*"}
    httpx.post(f"{base}/_sandbox/faults", json=limit)
    limited = httpx.get(f"{base}/customers/1", headers=auth(credentials))
    assert (unavailable.status_code, unavailable.reason_phrase) == (503, "Service unavailable.")
    assert unavailable.json() == {
        "detail": "Service unavailable.",
        "explanation": "The service could not handle the request; retry later.",
        "field": None,
    }
    assert unavailable.headers["x-api-version"] == "2019/02/08"
    assert recovered.status_code == 200
    assert (limited.status_code, limited.reason_phrase) == (429, "Rate limit exceeded.")
    assert limited.headers["retry-after"] == "2"
    assert limited.json()["detail"] == "Rate limit exceeded."


def test_token_expiring_mid_paging(cro: tuple[str, dict[str, str]]) -> None:
    address, credentials = cro
    base = f"http://{address}"
    fault = {"kind": "expire_tokens", "after": 2, "count": 1, "route": "/customers"}
    httpx.post(f"{base}/_sandbox/faults", json=fault)
    statuses = []
    with httpx.Client(base_url=base, headers=auth(credentials)) as client:
        for page in (1, 2, 3):
            statuses.append(client.get("/customers", params={"page_index": page}))
    assert [r.status_code for r in statuses] == [200, 200, 401]
    assert (
        statuses[2].reason_phrase
        == "StandardRequestHeadersModel.authorization: Access token expired."
    )
    fresh = httpx.post(f"{base}/_sandbox/credentials", json={}).json()
    resumed = httpx.get(
        f"{base}/customers", params={"page_index": 3}, headers=auth(credentials, fresh["token"])
    )
    assert resumed.status_code == 200
    assert resumed.json()["current_page"] == 3


def test_customers_inserted_between_pages_shift_page_numbers(
    cro: tuple[str, dict[str, str]],
) -> None:
    address, credentials = cro
    base = f"http://{address}"
    fault = {"kind": "insert", "records": 60, "count": 1, "route": "/customers", "method": "GET"}
    httpx.post(f"{base}/_sandbox/faults", json=fault)
    with httpx.Client(base_url=base, headers=auth(credentials)) as client:
        first = client.get("/customers", params={"page_index": 1}).json()
        second = client.get("/customers", params={"page_index": 2}).json()
        newest = client.get("/customers", params={"last_updated_gte": "2025-01-01"}).json()
    assert first["total_count"] == 504
    assert second["total_count"] == 564
    first_ids = [row["customer_id"] for row in first["results"]]
    second_ids = [row["customer_id"] for row in second["results"]]
    # New customers sorted in ahead of page 2, so page 1's tail is served again on page 2.
    repeated = [i for i in second_ids if i in first_ids]
    assert repeated
    assert repeated == first_ids[-len(repeated) :]
    assert newest["total_count"] == 60
    assert {row["customer_id"] for row in newest["results"]} <= set(range(505, 565))
