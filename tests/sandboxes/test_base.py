"""The shared sandbox machinery, exercised through a tiny vendor of its own."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from crossdock.sandboxes.base import (
    Clock,
    FaultRule,
    Sandbox,
    SandboxConfig,
    VendorState,
    install_sandbox,
    parse_faults,
)

pytestmark = pytest.mark.anyio


class TinyState(VendorState):
    vendor = "tiny"

    def reset(self, *, seed: int, records: int) -> None:
        self.items = [f"item-{seed}-{i}" for i in range(records)]
        self.tokens = {"good"}

    def issue_credentials(self, params: dict[str, Any]) -> dict[str, Any]:
        token = f"tok{len(self.tokens)}"
        self.tokens.add(token)
        return {"token": token}

    def credentials(self) -> dict[str, str]:
        return {"token": "good"}

    def expire_tokens(self) -> int:
        count = len(self.tokens)
        self.tokens.clear()
        return count

    def insert_records(self, count: int) -> int:
        self.items[:0] = [f"new-{i}" for i in range(count)]
        return count

    def error_body(self, status: int) -> tuple[bytes, dict[str, str]]:
        return json.dumps({"tiny_error": status}).encode(), {"x-tiny": "1"}

    def counts(self) -> dict[str, int]:
        return {"items": len(self.items)}


def make_app(**config: Any) -> FastAPI:
    state = TinyState(SandboxConfig(**config), Clock())
    state.reset(seed=state.config.seed, records=state.config.records)
    app = FastAPI()

    @app.get("/items")
    def items(authorization: str = "") -> JSONResponse:
        if authorization.removeprefix("Bearer ") not in state.tokens:
            return JSONResponse({"tiny_error": 401}, status_code=401)
        return JSONResponse({"items": state.items[:3]})

    @app.post("/items")
    def add_item(name: str) -> JSONResponse:
        with state.lock:
            state.items.append(name)
        return JSONResponse({"item": name}, status_code=201)

    return install_sandbox(app, Sandbox(state))


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox")


async def test_injected_error_uses_vendor_format_and_counts() -> None:
    app = make_app(records=5)
    async with client(app) as c:
        r = await c.post("/_sandbox/faults", json={"kind": "error", "status": 502, "count": 1})
        assert r.status_code == 201
        first = await c.get("/items", params={"authorization": "good"})
        second = await c.get("/items", params={"authorization": "good"})
        assert first.status_code == 502
        assert first.json() == {"tiny_error": 502}
        assert first.headers["x-tiny"] == "1"
        assert second.status_code == 200
        faults = (await c.get("/_sandbox/faults")).json()
        assert faults[0]["fired"] == 1
        assert faults[0]["matched"] == 2


async def test_rate_limit_burst_with_retry_after_after_n_requests() -> None:
    app = make_app()
    async with client(app) as c:
        rule = {"kind": "rate_limit", "after": 1, "burst": 3, "retry_after": 2, "count": 1}
        await c.post("/_sandbox/faults", json=rule)
        statuses = [
            (await c.get("/items", params={"authorization": "good"})).status_code for _ in range(6)
        ]
        assert statuses == [200, 429, 429, 429, 200, 200]
        r = await c.get("/_sandbox/requests")
        assert [item["status"] for item in r.json()] == statuses


async def test_rate_limit_sets_retry_after_header() -> None:
    app = make_app(faults=[FaultRule(kind="rate_limit", retry_after=2.5)])
    async with client(app) as c:
        r = await c.get("/items")
        assert r.status_code == 429
        assert r.headers["retry-after"] == "2.5"


async def test_expire_tokens_and_insert_between_pages() -> None:
    app = make_app(records=5)
    async with client(app) as c:
        await c.post("/_sandbox/faults", json={"kind": "insert", "records": 2, "count": 1})
        first = (await c.get("/items", params={"authorization": "good"})).json()["items"]
        second = (await c.get("/items", params={"authorization": "good"})).json()["items"]
        assert first == ["item-1-0", "item-1-1", "item-1-2"]
        assert second == ["new-0", "new-1", "item-1-0"]
        await c.post("/_sandbox/faults", json={"kind": "expire_tokens", "count": 1})
        assert (await c.get("/items", params={"authorization": "good"})).status_code == 401


async def test_route_and_method_matching() -> None:
    app = make_app(faults=parse_faults("error:status=500@POST /items*"))
    async with client(app) as c:
        assert (await c.get("/items", params={"authorization": "good"})).status_code == 200


async def test_control_api_reset_seed_clock_and_credentials() -> None:
    app = make_app(records=2)
    async with client(app) as c:
        r = await c.post("/_sandbox/seed", json={"seed": 9, "records": 4})
        assert r.json()["counts"] == {"items": 4}
        r = await c.post("/_sandbox/clock/advance", json={"seconds": 3600})
        assert r.json()["offset"] == 3600
        r = await c.post("/_sandbox/credentials", json={})
        assert r.status_code == 201
        token = r.json()["token"]
        assert (await c.get("/items", params={"authorization": token})).status_code == 200
        await c.post("/_sandbox/reset")
        status = (await c.get("/_sandbox/")).json()
        assert status["counts"] == {"items": 2}
        assert status["clock"]["offset"] == 0
        r = await c.post("/_sandbox/clock/advance", json={"seconds": -1})
        assert r.status_code == 422


async def test_dropped_connection_surfaces_as_transport_error() -> None:
    app = make_app(faults=[FaultRule(kind="drop", count=1)])
    async with client(app) as c:
        with pytest.raises(Exception, match="dropped"):
            await c.get("/items", params={"authorization": "good"})
        assert (await c.get("/items", params={"authorization": "good"})).status_code == 200


def test_parse_compact_and_json_faults() -> None:
    rules = parse_faults("error:rate=0.5,status=502@GET /customers*;latency:latency_ms=10")
    assert rules[0] == FaultRule(
        kind="error", rate=0.5, status=502, method="GET", route="/customers*"
    )
    assert rules[1].kind == "latency"
    assert rules[1].latency_ms == 10
    assert parse_faults('[{"kind": "drop"}]') == [FaultRule(kind="drop")]
    with pytest.raises(ValueError, match="invalid fault"):
        parse_faults("explode")
    with pytest.raises(ValueError, match="key=value"):
        parse_faults("error:rate")


async def test_lose_response_applies_the_write_then_cuts_the_connection() -> None:
    app = make_app(records=2)
    async with client(app) as c:
        rule = {"kind": "lose_response", "method": "POST", "route": "/items", "count": 1}
        r = await c.post("/_sandbox/faults", json=rule)
        assert r.json()["rule"]["answer"] == "drop"
        with pytest.raises(Exception, match="dropped"):
            await c.post("/items", params={"name": "landed"})
        assert (await c.post("/items", params={"name": "answered"})).status_code == 201
        listed = (await c.get("/_sandbox/")).json()
        assert listed["counts"] == {"items": 4}  # both writes are there
        lost, answered = (await c.get("/_sandbox/requests")).json()
        assert lost["faults"] == ["lose_response"]
        assert (lost["status"], lost["served_status"]) == (200, 201)
        assert (answered["faults"], answered["status"], answered["served_status"]) == ([], 201, 201)
        assert listed["faults"][0]["fired"] == 1


async def test_lose_response_can_answer_a_gateway_error_in_the_vendor_format() -> None:
    app = make_app(records=0, faults=parse_faults("lose_response:answer=error,status=504@POST /*"))
    async with client(app) as c:
        r = await c.post("/items", params={"name": "landed"})
        assert r.status_code == 504
        assert r.json() == {"tiny_error": 504}  # not the vendor's 201 body
        assert r.headers["x-tiny"] == "1"
        assert (await c.get("/items", params={"authorization": "good"})).json() == {
            "items": ["landed"]
        }
        recorded = (await c.get("/_sandbox/requests")).json()
        assert [(x["method"], x["status"], x["served_status"]) for x in recorded] == [
            ("POST", 504, 201),
            ("GET", 200, 200),
        ]


async def test_faults_answering_before_the_vendor_record_that_it_never_ran() -> None:
    app = make_app(records=0, faults=[FaultRule(kind="error", status=502, count=1)])
    async with client(app) as c:
        assert (await c.post("/items", params={"name": "refused"})).status_code == 502
        assert (await c.get("/_sandbox/")).json()["counts"] == {"items": 0}
        [recorded] = (await c.get("/_sandbox/requests")).json()
        assert (recorded["status"], recorded["served_status"]) == (502, None)


def test_parse_lose_response() -> None:
    [rule] = parse_faults("lose_response@POST /customers")
    assert (rule.kind, rule.answer, rule.method, rule.route) == (
        "lose_response",
        "drop",
        "POST",
        "/customers",
    )
    [rule] = parse_faults('{"kind": "lose_response", "answer": "error", "status": 502}')
    assert (rule.answer, rule.status) == ("error", 502)
    with pytest.raises(ValueError, match="invalid fault"):
        parse_faults("lose_response:answer=silence")
