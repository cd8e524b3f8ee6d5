"""What every Custom Trades request passes through: monthly usage, ``Idempotency-Key`` replays,
injected faults in the vendor's format, and the control API's credentials and clock."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from tests.sandboxes.test_customtrades import (
    API_KEY,
    client,
    data,
    error,
    make_app,
    new_customer,
    state_of,
)

pytestmark = pytest.mark.anyio


async def seconds_until(c: httpx.AsyncClient, stamp: str) -> float:
    """How far the sandbox clock must move to reach ``stamp`` (plus a second)."""
    now = datetime.fromisoformat((await c.get("/_sandbox/clock")).json()["now"])
    return (datetime.fromisoformat(stamp) - now).total_seconds() + 1


async def total(c: httpx.AsyncClient, kind: str = "customers") -> int:
    count: int = data(await c.get(f"/api/v1/{kind}", params={"limit": 1}))["pagination"]["total"]
    return count


# -- usage ------------------------------------------------------------------------------------


async def test_every_authenticated_response_reports_usage() -> None:
    app = make_app(records=10)
    async with client(app) as c:
        first = await c.get("/api/v1/companies/me")
        refused = await c.post("/api/v1/customers", json={})
        missing = await c.get("/api/v1/jobs/7d6f2f3a-1b7c-4d1e-9c55-0f6a3e8b9c10")
        assert [r.status_code for r in (first, refused, missing)] == [200, 400, 404]
        assert [r.headers["x-usage-count"] for r in (first, refused, missing)] == ["1", "2", "3"]
        assert {r.headers["x-usage-limit"] for r in (first, refused, missing)} == {"50000"}
        resets = datetime.fromisoformat(first.headers["x-usage-resets"])
        now = datetime.fromisoformat((await c.get("/_sandbox/clock")).json()["now"])
        assert first.headers["x-usage-resets"].endswith(".000Z")
        assert (resets.day, resets.hour, resets.minute) == (1, 0, 0)
        assert 0 < (resets - now).days <= 31


async def test_monthly_limit_answers_403_until_the_clock_reaches_next_month() -> None:
    app = make_app(records=10, usage_limit=3)
    state = state_of(app)
    async with client(app) as c, client(app, state.secondary_key) as other:
        for _ in range(3):
            data(await c.get("/api/v1/companies/me"))
        refused = await c.get("/api/v1/companies/me")
        assert error(refused, 403) == (
            "Monthly usage limit reached. Usage resets on the first of next month."
        )
        assert refused.headers["x-usage-count"] == "3"
        assert error(await c.post("/api/v1/customers", json={"first_name": "A"}), 403)
        # Another company has its own allowance; a second key of the same company shares it.
        assert data(await other.get("/api/v1/companies/me"))
        second_key = (await c.post("/_sandbox/credentials", json={})).json()["api_key"]
        async with client(app, second_key) as same_company:
            assert error(await same_company.get("/api/v1/companies/me"), 403)
        wait = await seconds_until(c, refused.headers["x-usage-resets"])
        await c.post("/_sandbox/clock/advance", json={"seconds": wait})
        fresh = await c.get("/api/v1/companies/me")
        assert data(fresh)
        assert fresh.headers["x-usage-count"] == "1"
        assert fresh.headers["x-usage-resets"] > refused.headers["x-usage-resets"]


# -- idempotency --------------------------------------------------------------------------------


async def test_a_repeated_key_replays_the_stored_response_without_acting_again() -> None:
    app = make_app(records=10)
    async with client(app) as c:
        before = await total(c)
        body = {"first_name": "Grace", "last_name": "Hopper"}
        headers = {"Idempotency-Key": "550e8400-e29b-41d4-a716-446655440000"}
        first = await c.post("/api/v1/customers", json=body, headers=headers)
        again = await c.post("/api/v1/customers", json=body, headers=headers)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.content == first.content
        assert first.headers["x-idempotency-cached"] == "false"
        assert again.headers["x-idempotency-cached"] == "true"
        assert again.headers["x-idempotency-key"] == headers["Idempotency-Key"]
        assert int(again.headers["x-usage-count"]) == int(first.headers["x-usage-count"]) + 1
        assert await total(c) == before + 1
        # The same JSON with other spacing or key order is the same request.
        reordered = b'{ "last_name": "Hopper",  "first_name": "Grace" }'
        same = await c.post(
            "/api/v1/customers", content=reordered, headers={**headers, "Content-Type": "x"}
        )
        assert same.headers["x-idempotency-cached"] == "true"
        # A different body under the same key is refused rather than answered wrongly.
        other = await c.post("/api/v1/customers", json={**body, "is_vip": True}, headers=headers)
        assert error(other, 422).startswith("Idempotency-Key has already been used")
        assert await total(c) == before + 1


async def test_keys_are_scoped_per_company_and_endpoint_and_kept_24_hours() -> None:
    app = make_app(records=10)
    state = state_of(app)
    key = {"Idempotency-Key": "retry-1"}
    async with client(app) as c, client(app, state.secondary_key) as other:
        mine = data(await c.post("/api/v1/customers", json={"first_name": "A", "last_name": "B"},
                                 headers=key), 201)  # fmt: skip
        theirs = data(await other.post("/api/v1/customers",
                                       json={"first_name": "A", "last_name": "B"}, headers=key),
                      201)  # fmt: skip
        assert theirs["uuid"] != mine["uuid"]
        location = {"name": "Yard", "address1": "1 Main St", "city": "Austin", "state": "TX",
                    "zip": "78701"}  # fmt: skip
        elsewhere = await c.post("/api/v1/locations", json=location, headers=key)
        assert elsewhere.status_code == 201
        assert elsewhere.headers["x-idempotency-cached"] == "false"
        await c.post("/_sandbox/clock/advance", json={"seconds": 23 * 3600})
        kept = await c.post("/api/v1/customers", json={"first_name": "A", "last_name": "B"},
                            headers=key)  # fmt: skip
        assert kept.headers["x-idempotency-cached"] == "true"
        await c.post("/_sandbox/clock/advance", json={"seconds": 3600})
        expired = await c.post("/api/v1/customers", json={"first_name": "A", "last_name": "B"},
                               headers=key)  # fmt: skip
        assert expired.headers["x-idempotency-cached"] == "false"
        assert data(expired, 201)["uuid"] != mine["uuid"]


async def test_refusals_are_not_stored_and_key_length_is_checked() -> None:
    app = make_app(records=10)
    async with client(app) as c:
        key = {"Idempotency-Key": "fix-and-retry"}
        refused = await c.post("/api/v1/customers", json={"first_name": "A"}, headers=key)
        assert error(refused, 400) == "last_name is required"
        assert refused.headers["x-idempotency-key"] == "fix-and-retry"
        fixed = await c.post(
            "/api/v1/customers", json={"first_name": "A", "last_name": "B"}, headers=key
        )
        assert data(fixed, 201)
        long_key = {"Idempotency-Key": "k" * 256}
        message = error(await c.get("/api/v1/companies/me", headers=long_key), 400)
        assert message == "Idempotency-Key must be at most 255 characters"
        assert data(await c.get("/api/v1/companies/me", headers={"Idempotency-Key": "k" * 255}))
        message = error(await c.get("/api/v1/companies/me", headers={"Idempotency-Key": " "}), 400)
        assert message == "Idempotency-Key cannot be empty"


async def test_deletes_and_reads_replay_too() -> None:
    app = make_app(records=10)
    async with client(app) as c:
        customer = await new_customer(c)
        key = {"Idempotency-Key": "delete-once"}
        url = f"/api/v1/customers/{customer['uuid']}"
        first = await c.delete(url, headers=key)
        again = await c.delete(url, headers=key)
        assert (first.status_code, again.status_code) == (200, 200)
        assert again.headers["x-idempotency-cached"] == "true"
        assert error(await c.delete(url), 404) == "Customer not found"
        # The vendor's own example puts a key on GET /companies/me: it replays like any other.
        read = {"Idempotency-Key": "read-1"}
        shown = await c.get("/api/v1/companies/me", headers=read)
        assert (await c.get("/api/v1/companies/me", headers=read)).content == shown.content
        changed = await c.get("/api/v1/companies/me", headers=read, params={"x": "1"})
        assert error(changed, 422)


# -- faults, in the vendor's format ---------------------------------------------------------------


async def test_injected_errors_use_the_vendor_body() -> None:
    app = make_app(records=10)
    async with client(app) as c:
        await c.post("/_sandbox/faults", json={"kind": "error", "status": 503, "count": 1})
        unavailable = await c.get("/api/v1/customers")
        assert error(unavailable, 503) == "Service temporarily unavailable. Please retry later."
        assert data(await c.get("/api/v1/customers"))
        await c.post("/_sandbox/faults", json={"kind": "error", "status": 500, "count": 1})
        assert error(await c.get("/api/v1/customers"), 500) == "An error occurred"
        rule = {"kind": "rate_limit", "retry_after": 7, "burst": 2, "route": "/api/v1/jobs*"}
        await c.post("/_sandbox/faults", json=rule)
        limited = [await c.get("/api/v1/jobs") for _ in range(2)]
        for response in limited:
            assert error(response, 429) == "Too many requests. Please retry later."
            assert response.headers["retry-after"] == "7"
        assert data(await c.get("/api/v1/customers"))


async def test_key_disabled_mid_paging_then_a_new_key_continues() -> None:
    app = make_app(records=30)
    async with client(app) as c:
        first = data(await c.get("/api/v1/customers", params={"limit": 10}))
        await c.post("/_sandbox/faults", json={"kind": "expire_tokens", "count": 1})
        refused = await c.get("/api/v1/customers", params={"limit": 10, "page": 2})
        assert error(refused, 401) == "Invalid API key."
        assert error(await c.get("/api/v1/customers"), 401)
        issued = (await c.post("/_sandbox/credentials", json={})).json()
        async with client(app, issued["api_key"]) as fresh:
            second = data(await fresh.get("/api/v1/customers", params={"limit": 10, "page": 2}))
        assert {x["uuid"] for x in first["customers"]}.isdisjoint(
            x["uuid"] for x in second["customers"]
        )


async def test_records_inserted_between_pages_shift_page_number_paging() -> None:
    app = make_app(records=30)
    async with client(app) as c:
        await c.post(
            "/_sandbox/faults",
            json={"kind": "insert", "records": 3, "count": 1, "route": "/api/v1/customers"},
        )
        first = data(await c.get("/api/v1/customers", params={"limit": 10}))["customers"]
        second = data(await c.get("/api/v1/customers", params={"limit": 10, "page": 2}))
        # Three newer customers pushed everything down: page 2 starts with page 1's last three.
        assert [x["uuid"] for x in second["customers"][:3]] == [x["uuid"] for x in first[-3:]]
        top = data(await c.get("/api/v1/customers", params={"limit": 3}))["customers"]
        assert all(x["updated_at"] > first[0]["updated_at"] for x in top)
        # Incremental reads see exactly the inserted records.
        since = data(
            await c.get("/api/v1/customers", params={"updated_since": top[-1]["updated_at"]})
        )
        assert since["pagination"]["total"] == 3


# -- control API and clock ----------------------------------------------------------------------


async def test_credentials_for_existing_and_new_companies() -> None:
    app = make_app(records=20)
    state = state_of(app)
    async with client(app, key=None) as c:
        by_name = await c.post("/_sandbox/credentials", json={"company": state.secondary.name})
        assert by_name.status_code == 201
        issued = by_name.json()
        assert issued["company"]["uuid"] == state.secondary.uuid
        assert issued["api_key"].startswith("ctc_live_")
        assert len(issued["api_key"]) == len("ctc_live_") + 43  # base64url of 32 bytes
        async with client(app, issued["api_key"]) as other:
            assert data(await other.get("/api/v1/companies/me"))["uuid"] == state.secondary.uuid
        fresh = await c.post("/_sandbox/credentials", json={"new_company": "Blank Slate HVAC"})
        async with client(app, fresh.json()["api_key"]) as blank:
            me = data(await blank.get("/api/v1/companies/me"))
            assert me["name"] == "Blank Slate HVAC"
            assert data(await blank.get("/api/v1/customers"))["pagination"]["total"] == 0
            numbering = data(await blank.get("/api/v1/numbering"))
            assert numbering["invoice"]["next_number_formatted"] == "INV-0001"
        unknown = await c.post("/_sandbox/credentials", json={"company": "Nobody Inc"})
        assert unknown.status_code == 400
        assert "no company 'Nobody Inc'" in unknown.json()["detail"]
        for _ in range(4):  # the primary company holds one key; the vendor allows five
            assert (await c.post("/_sandbox/credentials", json={})).status_code == 201
        sixth = await c.post("/_sandbox/credentials", json={})
        assert sixth.status_code == 400
        assert "already has 5 API keys" in sixth.json()["detail"]
        status = (await c.get("/_sandbox/")).json()
        assert status["credentials"]["api_key"] == API_KEY
        assert status["counts"]["companies"] == 3
        await c.post("/_sandbox/reset")
        assert (await c.get("/_sandbox/")).json()["counts"]["companies"] == 2


async def test_reset_restores_the_configured_key_after_expiry() -> None:
    app = make_app(records=5)
    async with client(app) as c:
        expired = (await c.post("/_sandbox/tokens/expire")).json()
        assert expired == {"expired": 2}
        assert error(await c.get("/api/v1/companies/me"), 401)
        await c.post("/_sandbox/reset")
        assert data(await c.get("/api/v1/companies/me"))


async def test_moving_the_clock_moves_timestamps() -> None:
    app = make_app(records=5)
    async with client(app) as c:
        today = await new_customer(c)
        await c.post("/_sandbox/clock/advance", json={"seconds": 86_400 * 3})
        later = data(await c.put(f"/api/v1/customers/{today['uuid']}", json={"notes": "later"}))
        delta = datetime.fromisoformat(later["updated_at"]) - datetime.fromisoformat(
            today["updated_at"]
        )
        assert 3 <= delta.total_seconds() / 86_400 < 3.01
