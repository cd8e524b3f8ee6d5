"""The Custom Trades sandbox over a real uvicorn server: concurrent idempotent requests, the
vendor reference's own curl examples, and the configuration the CLI passes."""

from __future__ import annotations

import asyncio
import json
import shlex
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from crossdock.sandboxes.base import parse_faults
from crossdock.sandboxes.customtrades import CustomTradesConfig, create_app
from tests.sandboxes.test_customtrades import API_KEY, make_app, state_of

pytestmark = pytest.mark.anyio


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Run ``app`` under uvicorn on a free loopback port in a thread; yield its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def server() -> Iterator[tuple[FastAPI, str]]:
    app = make_app(records=30)
    with serving(app) as base:
        yield app, base


async def test_ten_concurrent_repeats_of_one_key_create_one_record(
    server: tuple[FastAPI, str],
) -> None:
    app, base = server
    headers = {"Authorization": f"Bearer {API_KEY}", "Idempotency-Key": "burst-1"}
    limits = httpx.Limits(max_connections=10)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits) as c:
        before = len(state_of(app).primary.collections["customers"])
        body = {"first_name": "Katherine", "last_name": "Johnson"}
        responses = await asyncio.gather(
            *(c.post("/api/v1/customers", json=body) for _ in range(10))
        )
        assert {r.status_code for r in responses} == {201}
        assert len({r.json()["data"]["uuid"] for r in responses}) == 1
        cached = [r.headers["x-idempotency-cached"] for r in responses]
        assert sorted(cached) == ["false"] + ["true"] * 9
        assert len(state_of(app).primary.collections["customers"]) == before + 1
        # Distinct keys are distinct requests: ten of them create ten records.
        distinct = await asyncio.gather(
            *(
                c.post("/api/v1/customers", json=body, headers={"Idempotency-Key": f"k{i}"})
                for i in range(10)
            )
        )
        assert len({r.json()["data"]["uuid"] for r in distinct}) == 10
        assert len(state_of(app).primary.collections["customers"]) == before + 11


async def test_paging_over_http_with_faults_and_keep_alive(server: tuple[FastAPI, str]) -> None:
    app, base = server
    headers = {"X-API-Key": API_KEY}
    async with httpx.AsyncClient(base_url=base, headers=headers) as c:
        await c.post("/_sandbox/faults", json={"kind": "drop", "count": 1})
        with pytest.raises(httpx.TransportError):
            await c.get("/api/v1/customers")
        seen: list[str] = []
        page = 1
        while True:
            response = await c.get("/api/v1/customers", params={"page": page, "limit": 7})
            assert response.status_code == 200
            body = response.json()["data"]
            seen += [x["uuid"] for x in body["customers"]]
            if page >= body["pagination"]["total_pages"]:
                break
            page += 1
        live = {row.uuid for row in state_of(app).primary.collections["customers"].live}
        assert len(seen) == len(set(seen)) == len(live)
        assert set(seen) == live


# The vendor reference's curl examples, verbatim apart from the base URL and key placeholder.
DOC_EXAMPLES = [
    'curl https://customtradescrm.com/api/v1/companies/me -H "Authorization: Bearer ctc_live_..."',
    'curl https://customtradescrm.com/api/v1/companies/me -H "X-API-Key: ctc_live_..."',
    "curl -G https://customtradescrm.com/api/v1/companies/me "
    '-H "Authorization: Bearer ctc_live_..."',
    "curl https://customtradescrm.com/api/v1/companies/me "
    '-H "Authorization: Bearer ctc_live_..." '
    '-H "Idempotency-Key: 550e8400-e29b-41d4-a716-446655440000"',
    'curl -G https://customtradescrm.com/api/v1/numbering -H "Authorization: Bearer ctc_live_..."',
    'curl -G https://customtradescrm.com/api/v1/locations -H "Authorization: Bearer ctc_live_..."',
    "curl -G https://customtradescrm.com/api/v1/payments?invoice_uuid=123e4567-e89b-12d3-a456-"
    '426614174000 -H "Authorization: Bearer ctc_live_..."',
    "curl -G https://customtradescrm.com/api/v1/jobs/123e4567-e89b-12d3-a456-426614174000/photos "
    '-H "Authorization: Bearer ctc_live_..."',
]  # fmt: skip


def run_curl(example: str, base: str) -> tuple[int, dict[str, object]]:
    command = example.replace("https://customtradescrm.com", base).replace("ctc_live_...", API_KEY)
    args = [*shlex.split(command), "-sS", "-o", "-", "-w", "\n%{http_code}"]
    completed = subprocess.run(args, capture_output=True, text=True, timeout=30, check=True)
    body, _, status = completed.stdout.rpartition("\n")
    return int(status), json.loads(body)


@pytest.mark.skipif(shutil.which("curl") is None, reason="the examples need curl")
def test_the_vendor_curl_examples_get_what_the_docs_show() -> None:
    app = make_app(records=30)
    co = state_of(app).primary
    with serving(app) as base:
        results = [run_curl(example, base) for example in DOC_EXAMPLES]
    me, by_header, by_get, idempotent, numbering, locations, payments, photos = results
    assert me == by_header == by_get == idempotent
    assert me[0] == 200
    assert me[1] == {"success": True, "data": co.profile}
    assert numbering[0] == 200
    assert set(numbering[1]["data"]) == {"invoice", "estimate"}  # type: ignore[arg-type]
    assert numbering[1]["data"]["invoice"]["next_number_formatted"].startswith("INV-")  # type: ignore[index]
    assert locations[0] == 200
    listed = locations[1]["data"]
    assert listed["pagination"] == {  # type: ignore[index]
        "page": 1, "limit": 50, "total": len(co.collections["locations"]), "total_pages": 1,
    }  # fmt: skip
    # The examples' UUID names no record of this company: an empty filter, a missing job.
    assert payments == (200, {"success": True, "data": {"payments": [], "pagination": {
        "page": 1, "limit": 50, "total": 0, "total_pages": 0}}})  # fmt: skip
    assert photos == (404, {"success": False, "error": "Job not found"})


def test_config_as_the_cli_builds_it() -> None:
    faults = parse_faults("error:rate=0.5,status=502@/api/v1/customers*")
    config = CustomTradesConfig(seed=7, records=25, faults=faults, api_key=None)
    assert (CustomTradesConfig().records, CustomTradesConfig().usage_limit) == (120, 50_000)
    app = create_app(config)
    credentials = state_of(app).credentials()
    assert credentials["api_key"].startswith("ctc_live_")
    assert credentials["other_api_key"].startswith("ctc_live_")
    assert credentials["api_key"] != credentials["other_api_key"]
    assert app.state.sandbox.faults.rules()[0].rule == faults[0]
    assert state_of(app).counts()["customers"] == 25 + 3
