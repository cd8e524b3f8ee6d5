"""The Custom Trades sandbox's resources: auth, isolation, CRUD, listing, rules and validation.

Requests go through ``httpx.ASGITransport`` into the real app; the gateway, usage, idempotency
and fault behaviour are in ``test_customtrades_gateway.py`` and the real-server checks in
``test_customtrades_server.py``. Helpers here are shared with those files.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from crossdock.sandboxes.customtrades import CustomTradesConfig, create_app
from crossdock.sandboxes.customtrades.resources import RULES
from crossdock.sandboxes.customtrades.state import CustomTradesState

pytestmark = pytest.mark.anyio

API_KEY = "ctc_live_primary-test-key"


def make_app(**config: Any) -> FastAPI:
    config.setdefault("api_key", API_KEY)
    return create_app(CustomTradesConfig(**config))


def state_of(app: FastAPI) -> CustomTradesState:
    state = app.state.sandbox.state
    assert isinstance(state, CustomTradesState)
    return state


def client(app: FastAPI, key: str | None = API_KEY) -> httpx.AsyncClient:
    headers = {} if key is None else {"Authorization": f"Bearer {key}"}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox", headers=headers
    )


def data(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is True
    return body["data"]


def error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert set(body) == {"success", "error"}
    message: str = body["error"]
    return message


async def new_customer(c: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"first_name": "Ada", "last_name": "Lovelace", **fields}
    created: dict[str, Any] = data(await c.post("/api/v1/customers", json=body), 201)
    return created


async def templates(c: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    issued = (await c.post("/_sandbox/credentials", json={})).json()
    return {t["name"]: t for t in issued["estimate_templates"]}


@pytest.fixture
def app() -> FastAPI:
    return make_app()


# -- authentication and companies ---------------------------------------------------------


async def test_bearer_and_x_api_key_both_authenticate(app: FastAPI) -> None:
    async with client(app, key=None) as c:
        by_bearer = data(
            await c.get("/api/v1/companies/me", headers={"Authorization": f"Bearer {API_KEY}"})
        )
        by_header = data(await c.get("/api/v1/companies/me", headers={"X-API-Key": API_KEY}))
    assert by_bearer == by_header
    assert set(by_bearer) == {
        "uuid", "name", "email", "phone", "address_line_1", "address_line_2", "city", "state",
        "postal_code", "country",
    }  # fmt: skip
    assert by_bearer["name"] == state_of(app).primary.name


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer ctc_live_not-a-key"},
        {"Authorization": "Basic " + API_KEY},
        {"Authorization": "Bearer " + API_KEY.removeprefix("ctc_live_")},
        {"X-API-Key": "nope"},
    ],
)
async def test_bad_keys_answer_401_invalid_api_key(app: FastAPI, headers: dict[str, str]) -> None:
    async with client(app, key=None) as c:
        response = await c.get("/api/v1/customers", headers=headers)
    assert error(response, 401) == "Invalid API key."
    assert "x-usage-count" not in response.headers


async def test_each_key_sees_only_its_company(app: FastAPI) -> None:
    state = state_of(app)
    async with client(app) as mine, client(app, state.secondary_key) as theirs:
        ours = await new_customer(mine, email="ours@example.com")
        other = data(await theirs.get("/api/v1/companies/me"))
        assert other["uuid"] == state.secondary.uuid != state.primary.uuid
        assert error(await theirs.get(f"/api/v1/customers/{ours['uuid']}"), 404) == (
            "Customer not found"
        )
        assert error(await theirs.put(f"/api/v1/customers/{ours['uuid']}", json={}), 404)
        assert error(await theirs.delete(f"/api/v1/customers/{ours['uuid']}"), 404)
        listed = data(await theirs.get("/api/v1/customers", params={"limit": 100}))
        assert ours["uuid"] not in {c["uuid"] for c in listed["customers"]}
        assert listed["pagination"]["total"] == len(state.secondary.collections["customers"])
        # Referring to another company's record in a body is refused too.
        body = {"customer_uuid": ours["uuid"], "title": "Not yours"}
        assert "Customer not found" in error(await theirs.post("/api/v1/jobs", json=body), 400)


# -- listing ------------------------------------------------------------------------------


async def test_list_shape_defaults_and_limits(app: FastAPI) -> None:
    async with client(app) as c:
        first = data(await c.get("/api/v1/customers"))
        assert set(first) == {"customers", "pagination"}
        total = first["pagination"]["total"]
        assert first["pagination"] == {
            "page": 1,
            "limit": 50,
            "total": total,
            "total_pages": -(-total // 50),
        }
        assert len(first["customers"]) == 50
        capped = data(await c.get("/api/v1/customers", params={"limit": 1000}))
        assert capped["pagination"]["limit"] == 100
        assert len(capped["customers"]) == 100
        last = data(await c.get("/api/v1/customers", params={"page": 3}))
        assert len(last["customers"]) == total - 100
        beyond = data(await c.get("/api/v1/customers", params={"page": 99}))
        assert beyond["customers"] == []
        for params in ({"page": 0}, {"limit": "ten"}, {"page": "1.5"}, {"limit": -1}):
            message = error(await c.get("/api/v1/customers", params=params), 400)
            assert "must be a positive integer" in message
        message = error(await c.get("/api/v1/customers", params={"include_deleted": "y"}), 400)
        assert message == "include_deleted must be true or false"


async def test_lists_are_newest_updated_first_and_writes_bump_updated_at(app: FastAPI) -> None:
    async with client(app) as c:
        before = data(await c.get("/api/v1/jobs", params={"limit": 100}))["jobs"]
        stamps = [job["updated_at"] for job in before]
        assert stamps == sorted(stamps, reverse=True)
        oldest = before[-1]
        updated = data(await c.put(f"/api/v1/jobs/{oldest['uuid']}", json={"priority": "High"}))
        assert updated["updated_at"] > before[0]["updated_at"]
        assert updated["created_at"] == oldest["created_at"]
        after = data(await c.get("/api/v1/jobs", params={"limit": 1}))["jobs"]
        assert after[0]["uuid"] == oldest["uuid"]


async def test_updated_since_returns_exactly_what_changed(app: FastAPI) -> None:
    async with client(app) as c:
        newest = data(await c.get("/api/v1/customers", params={"limit": 1}))["customers"][0]
        since = newest["updated_at"]
        nothing_new = data(await c.get("/api/v1/customers", params={"updated_since": since}))
        assert [x["uuid"] for x in nothing_new["customers"]] == [newest["uuid"]]  # inclusive
        created = await new_customer(c)
        old = data(await c.get("/api/v1/customers", params={"page": 2, "limit": 5}))["customers"]
        edited = data(await c.put(f"/api/v1/customers/{old[0]['uuid']}", json={"is_vip": True}))
        gone = data(await c.delete(f"/api/v1/customers/{old[1]['uuid']}"))
        params = {"updated_since": created["updated_at"]}
        live = data(await c.get("/api/v1/customers", params=params))["customers"]
        assert [x["uuid"] for x in live] == [edited["uuid"], created["uuid"]]
        params["include_deleted"] = "true"
        every = data(await c.get("/api/v1/customers", params=params))["customers"]
        assert [x["uuid"] for x in every] == [gone["uuid"], edited["uuid"], created["uuid"]]
        # Any ISO 8601 form is accepted; offsets are converted to UTC.
        day = data(await c.get("/api/v1/customers", params={"updated_since": "2000-01-01"}))
        assert day["pagination"]["total"] == len(state_of(app).primary.collections["customers"])
        message = error(await c.get("/api/v1/customers", params={"updated_since": "soon"}), 400)
        assert message.startswith("updated_since must be an ISO 8601 date-time")


async def test_soft_delete_hides_records_until_include_deleted(app: FastAPI) -> None:
    async with client(app) as c:
        customer = await new_customer(c)
        deleted = data(await c.delete(f"/api/v1/customers/{customer['uuid']}"))
        assert deleted["deleted_at"] is not None
        assert deleted["deleted_at"] == deleted["updated_at"]
        assert error(await c.get(f"/api/v1/customers/{customer['uuid']}"), 404)
        assert error(await c.delete(f"/api/v1/customers/{customer['uuid']}"), 404)
        assert error(await c.put(f"/api/v1/customers/{customer['uuid']}", json={}), 404)
        live = data(await c.get("/api/v1/customers", params={"limit": 100}))
        everything = data(
            await c.get("/api/v1/customers", params={"limit": 100, "include_deleted": "true"})
        )
        assert customer["uuid"] not in {x["uuid"] for x in live["customers"]}
        assert everything["customers"][0]["uuid"] == customer["uuid"]
        # The seed data holds soft-deleted customers too.
        assert everything["pagination"]["total"] > live["pagination"]["total"] + 1


async def test_filters_per_resource(app: FastAPI) -> None:
    async with client(app) as c:
        vip = data(await c.get("/api/v1/customers", params={"filter": "vip", "limit": 100}))
        assert vip["customers"]
        assert all(x["is_vip"] for x in vip["customers"])
        firms = data(await c.get("/api/v1/customers", params={"filter": "commercial"}))
        assert all(x["customer_type"] == "Commercial" for x in firms["customers"])
        someone = vip["customers"][0]
        found = data(await c.get("/api/v1/customers", params={"search": someone["last_name"]}))
        assert someone["uuid"] in {x["uuid"] for x in found["customers"]}
        paid = data(await c.get("/api/v1/invoices", params={"status": "paid", "limit": 100}))
        assert paid["invoices"]
        assert {x["status"] for x in paid["invoices"]} == {"Paid"}
        every = data(await c.get("/api/v1/invoices", params={"status": "All"}))
        assert every["pagination"]["total"] > paid["pagination"]["total"]
        invoice = paid["invoices"][0]
        payments = data(await c.get("/api/v1/payments", params={"invoice_uuid": invoice["uuid"]}))[
            "payments"
        ]
        assert payments
        assert {p["invoice_uuid"] for p in payments} == {invoice["uuid"]}
        assert sum(p["amount"] for p in payments) == pytest.approx(invoice["total_amount"])
        jobs = data(await c.get("/api/v1/jobs", params={"customer_uuid": invoice["customer_uuid"]}))
        assert all(j["customer_uuid"] == invoice["customer_uuid"] for j in jobs["jobs"])
        message = error(await c.get("/api/v1/jobs", params={"status": "Done"}), 400)
        assert message.startswith("status must be one of 'New', 'Contacted'")
        message = error(await c.get("/api/v1/payments", params={"invoice_uuid": "x"}), 400)
        assert message == "invoice_uuid must be a UUID"


# -- customers, locations and jobs ----------------------------------------------------------


async def test_customer_create_normalises_and_validates(app: FastAPI) -> None:
    async with client(app) as c:
        created = await new_customer(
            c, phone="(206) 555-1234", email="ADA@Example.com", customer_type="commercial",
            company_name="Engines Ltd", internal_flags={"source": "web"},
        )  # fmt: skip
        assert created["phone"] == "206-555-1234"
        assert created["email"] == "ada@example.com"
        assert created["customer_type"] == "Commercial"
        assert created["is_vip"] is False
        assert created["created_at"] == created["updated_at"]
        assert created["created_at"].endswith("Z")
        assert len(created["created_at"]) == len("2025-02-18T14:30:00.000Z")
        body = {"first_name": " ", "email": "nope", "is_vip": "yes", "phone": "555"}
        message = error(await c.post("/api/v1/customers", json=body), 400)
        assert message == (
            "first_name is required; last_name is required; email must be a valid email "
            "address; phone must be a 10-digit US phone number (xxx-xxx-xxxx); is_vip must be "
            "true or false"
        )
        body = {"first_name": "A", "last_name": "B", "customer_type": "Commercial"}
        message = error(await c.post("/api/v1/customers", json=body), 400)
        assert message == "company_name is required for Commercial customers"
        body = {"first_name": "A", "last_name": "B", "first_name_typo": 1, "uuid": "mine"}
        ignored = data(await c.post("/api/v1/customers", json=body), 201)
        assert "first_name_typo" not in ignored
        assert ignored["uuid"] != "mine"


async def test_put_updates_only_fields_sent(app: FastAPI) -> None:
    async with client(app) as c:
        created = await new_customer(c, email="a@example.com", notes="Gate code 1")
        updated = data(
            await c.put(
                f"/api/v1/customers/{created['uuid']}", json={"notes": None, "is_vip": True}
            )
        )
        assert updated["email"] == "a@example.com"
        assert updated["notes"] is None
        assert updated["is_vip"] is True
        # A record sent back whole (GET, edit, PUT) is accepted.
        round_trip = dict(updated, physical_city="Austin")
        again = data(await c.put(f"/api/v1/customers/{created['uuid']}", json=round_trip))
        assert again["physical_city"] == "Austin"
        message = error(
            await c.put(f"/api/v1/customers/{created['uuid']}", json={"last_name": None}), 400
        )
        assert message == "last_name is required"
        assert error(await c.put(f"/api/v1/customers/{created['uuid']}", json=[1]), 400) == (
            "Request body must be a JSON object"
        )


async def test_locations_have_one_primary(app: FastAPI) -> None:
    async with client(app) as c:
        body = {"name": "Depot", "address1": "1 Main St", "city": "Austin", "state": "tx",
                "zip": "78701", "is_primary": True}  # fmt: skip
        depot = data(await c.post("/api/v1/locations", json=body), 201)
        assert depot["state"] == "TX"
        assert depot["timezone"] == "America/New_York"
        assert depot["is_active"] is True
        listed = data(await c.get("/api/v1/locations", params={"limit": 100}))["locations"]
        assert [x["uuid"] for x in listed if x["is_primary"]] == [depot["uuid"]]
        bad = {"name": "X", "address1": "1", "city": "Y", "state": "Texas", "zip": "7870",
               "timezone": "Mars/Base"}  # fmt: skip
        message = error(await c.post("/api/v1/locations", json=bad), 400)
        assert message == (
            "state must be a 2-letter US state code; zip must be a 5 or 9 digit ZIP code; "
            "timezone must be an IANA time zone such as 'America/New_York'"
        )


async def test_job_rules_numbering_schedule_and_status_stamps(app: FastAPI) -> None:
    async with client(app) as c:
        customer = await new_customer(
            c, physical_address1="9 Elm St", physical_city="Denver", physical_state="CO",
            physical_zip="80202",
        )  # fmt: skip
        body = {"customer_uuid": customer["uuid"], "title": "Leaky faucet",
                "scheduled_start_at": "2025-03-01T09:30:00-02:00"}  # fmt: skip
        job = data(await c.post("/api/v1/jobs", json=body), 201)
        assert job["job_number"].startswith("JOB-")
        assert job["status"] == "New"
        assert job["scheduled_start_at"] == "2025-03-01T11:30:00.000Z"
        assert job["scheduled_time_start"] == "11:30"
        assert job["service_address1"] == "9 Elm St"
        assert job["service_city"] == "Denver"
        assert job["customer"] == {
            "uuid": customer["uuid"],
            "first_name": "Ada",
            "last_name": "Lovelace",
            "company_name": None,
        }
        done = data(await c.put(f"/api/v1/jobs/{job['uuid']}", json={"status": "Complete"}))
        assert done["started_at"] is not None
        assert done["completed_at"] == done["updated_at"]
        moved = data(
            await c.put(
                f"/api/v1/jobs/{job['uuid']}",
                json={"scheduled_date": "2025-04-02", "scheduled_time_start": "08:00"},
            )
        )
        assert moved["scheduled_start_at"] == "2025-04-02T08:00:00.000Z"
        for change, message in [
            ({"job_number": "JOB-9"}, "job_number is assigned automatically and cannot be set"),
            ({"scheduled_time_end": "07:00"}, "scheduled_time_end cannot be before"),
            ({"scheduled_time_start": "25:00"}, "scheduled_time_start must be a time of day"),
            ({"assigned_to_user_id": customer["uuid"]}, "User not found for assigned_to_user_id"),
            ({"scheduled_start_at": "2025-01-01T00:00:00Z", "scheduled_date": "2025-01-01"},
             "Send either scheduled_start_at or scheduled_date"),
        ]:  # fmt: skip
            assert message in error(await c.put(f"/api/v1/jobs/{job['uuid']}", json=change), 400)
        missing = error(await c.post("/api/v1/jobs", json={}), 400)
        assert missing == "customer_uuid is required; title is required"


async def test_embedded_customer_follows_its_record(app: FastAPI) -> None:
    async with client(app) as c:
        job = data(await c.get("/api/v1/jobs", params={"limit": 1}))["jobs"][0]
        url = f"/api/v1/customers/{job['customer_uuid']}"
        renamed = data(await c.put(url, json={"first_name": "Renamed"}))
        listed = data(await c.get("/api/v1/jobs", params={"limit": 1}))["jobs"][0]
        again = data(await c.get(f"/api/v1/jobs/{job['uuid']}"))
        for shown in (listed, again):
            assert shown["customer"]["first_name"] == "Renamed"
            assert shown["updated_at"] == job["updated_at"]  # embedding is not a write
        assert renamed["updated_at"] > job["updated_at"]


# -- job photos -------------------------------------------------------------------


async def test_job_photos(app: FastAPI) -> None:
    async with client(app) as c:
        job = data(await c.get("/api/v1/jobs"))["jobs"][0]
        url = f"/api/v1/jobs/{job['uuid']}/photos"
        body = {"photo_url": "https://files.example.com/a.jpg", "photo_type": "after",
                "file_size": 1024, "mime_type": "image/jpeg"}  # fmt: skip
        photo = data(await c.post(url, json=body), 201)
        assert photo["job_uuid"] == job["uuid"]
        owner = state_of(app).primary.users[photo["user_id"]]
        assert photo["user"] == {k: owner[k] for k in ("id", "first_name", "last_name")}
        listed = data(await c.get(url))
        assert listed["photos"][0]["uuid"] == photo["uuid"]
        assert listed["pagination"]["total"] == len(listed["photos"])
        after = data(await c.get(url, params={"photo_type": "after"}))["photos"]
        assert {p["photo_type"] for p in after} == {"after"}
        assert data(await c.get(f"{url}/{photo['uuid']}")) == photo
        other_job = data(await c.get("/api/v1/jobs"))["jobs"][1]
        elsewhere = f"/api/v1/jobs/{other_job['uuid']}/photos/{photo['uuid']}"
        assert error(await c.get(elsewhere), 404) == "Photo not found"
        data(await c.delete(f"{url}/{photo['uuid']}"))
        assert photo["uuid"] not in {p["uuid"] for p in data(await c.get(url))["photos"]}
        kept = data(await c.get(url, params={"include_deleted": "true"}))["photos"]
        assert photo["uuid"] in {p["uuid"] for p in kept}
        message = error(await c.post(url, json={"photo_url": "ftp://x"}), 400)
        assert message == "photo_url must be an http(s) URL"
        assert error(await c.put(f"{url}/{photo['uuid']}", json={}), 405)
        data(await c.delete(f"/api/v1/jobs/{job['uuid']}"))
        assert error(await c.get(url), 404) == "Job not found"


# -- the vendor's format everywhere ---------------------------------------------------------------


async def test_unknown_routes_wrong_methods_and_bad_bodies_keep_the_vendor_format(
    app: FastAPI,
) -> None:
    async with client(app) as c:
        assert error(await c.get("/api/v1/widgets"), 404) == "Not found"
        assert error(await c.get("/docs"), 404) == "Not found"
        assert error(await c.get("/openapi.json"), 404) == "Not found"
        wrong = await c.patch("/api/v1/customers")
        assert error(wrong, 405) == "Method not allowed"
        assert set(wrong.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
        assert error(await c.get("/api/v1/customers/123"), 400) == "Invalid customer UUID"
        for raw in (b"", b"{bad", b'{"first_name": NaN}', b"[" * 100_000, b"1" * 5000):
            message = error(await c.post("/api/v1/customers", content=raw), 400)
            assert message in ("Request body must be a JSON object", "Invalid JSON in request body")
        huge = {"invoice_uuid": "5d8f2f3a-1b7c-4d1e-9c55-0f6a3e8b9c10", "amount": 10**40}
        assert error(await c.post("/api/v1/payments", json=huge), 400) == (
            "amount must be at most 999999999.99"
        )
        weird = {"first_name": ["A"], "last_name": {"b": 1}, "phone": 2065551234, "is_vip": None}
        message = error(await c.post("/api/v1/customers", json=weird), 400)
        assert message == (
            "first_name must be a string; last_name must be a string; phone must be a string; "
            "is_vip cannot be empty"
        )


def test_records_carry_every_documented_attribute_in_order() -> None:
    app = make_app(records=40)
    co = state_of(app).primary
    for kind, rules in RULES.items():
        rows = list(co.collections[kind].everything)
        assert rows, kind
        for row in rows:
            assert tuple(row.data) == rules.fields, kind
