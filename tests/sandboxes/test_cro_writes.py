"""The CRO sandbox's writes: creating and updating customers, their addresses, contacts and
location records, incremental reads after changes, and input that must never cause a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from crossdock.sandboxes.cro import CroConfig, CroState, create_app

pytestmark = pytest.mark.anyio

SINCE_SEED = "2025-01-01T00:00:00"  # seed data is dated June 2018 to December 2024


def make_app(records: int = 60) -> tuple[FastAPI, CroState]:
    app = create_app(CroConfig(records=records))
    return app, app.state.sandbox.state


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cro")


def headers(state: CroState) -> dict[str, str]:
    return {"authorization": f"bearer {state.token}", "x-tenant-id": str(state.tenant_id)}


def new_customer(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Olympic Peninsula Builders",
        "addresses": [
            {
                "line_1": "345 B Street",
                "locality": "Sequim",
                "region": "WA",
                "postcode": "98368",
                "country": "US",
                "latitude": 48.076273,
                "longitude": -123.117185,
                "is_billing": True,
                "is_shipping": True,
            }
        ],
        "contacts": [
            {"name": "Sarah Jane", "email": "sarah@example.com", "number": "360-555-1212"}
        ],
        "sales_rep": "A Sales Guy",
        "reference_number": "1234",
    }
    body.update(changes)
    return body


def error_of(response: httpx.Response) -> tuple[int, str | None, str]:
    body = response.json()
    assert set(body) == {"detail", "explanation", "field"}
    return response.status_code, body["field"], body["detail"]


async def test_create_customer_lists_it_and_rejects_a_duplicate() -> None:
    app, state = make_app()
    h = headers(state)
    async with client(app) as c:
        created = await c.post("/locations/2/customers", headers=h, json=new_customer())
        listed = (await c.get("/customers", headers=h, params={"page_limit": 1000})).json()
        changed = (
            await c.get("/customers", headers=h, params={"last_updated_gte": SINCE_SEED})
        ).json()
        again = await c.post("/locations/1/customers", headers=h, json=new_customer())
        moved = new_customer(addresses=[{**new_customer()["addresses"][0], "line_1": "1 Elm St."}])
        same_name_elsewhere = await c.post("/locations/1/customers", headers=h, json=moved)
        nowhere = await c.post("/locations/99/customers", headers=h, json=new_customer(name="Z"))
    assert created.status_code == 201
    row = created.json()
    assert row["customer_id"] == 61
    assert row["location_id"] == 2
    assert row["addresses"][0]["id"] > 0
    assert row["addresses"][0]["is_physical"] is True
    assert row["addresses"][0]["line_2"] is None
    assert row["contacts"][0]["notify_on_new_request"] is False
    assert row["created_on"] == row["last_updated_on"]
    assert row["created_on"] >= SINCE_SEED
    assert listed["total_count"] == 61
    assert row in listed["results"]
    assert [r["customer_id"] for r in changed["results"]] == [61]
    assert error_of(again) == (
        409,
        "CreateCustomerModel.name",
        "A customer with this name and address already exists (id 61).",
    )
    assert again.headers["x-reason-phrase"].startswith("CreateCustomerModel.name: A customer")
    assert same_name_elsewhere.status_code == 201
    assert error_of(nowhere) == (404, "location_id", "Location 99 not found.")


async def test_create_customer_validation_speaks_cro() -> None:
    app, state = make_app(records=5)
    h = headers(state)
    billing_only = {**new_customer()["addresses"][0], "is_shipping": False}
    cases: list[tuple[dict[str, Any], str, str]] = [
        (new_customer(user_id=12), "CreateCustomerModel.user_id", "Unknown field."),
        (
            new_customer(name="x" * 65),
            "CreateCustomerModel.name",
            "Length must be between 1 and 64.",
        ),
        (
            {"name": "A", "contacts": []},
            "CreateCustomerModel.addresses",
            "Missing data for required field.",
        ),
        (
            new_customer(contacts=[]),
            "CreateCustomerModel.contacts",
            "Length must be between 1 and 50.",
        ),
        (
            new_customer(addresses=[billing_only]),
            "CreateCustomerModel.addresses",
            "Customer must have a billing and a shipping address.",
        ),
        (
            new_customer(addresses=[{"locality": "Sequim", "region": "WA", "postcode": "1"}]),
            "CreateCustomerModel.addresses.0.line_1",
            "Missing data for required field.",
        ),
        (
            new_customer(contacts=[{"email": "not-an-email"}]),
            "CreateCustomerModel.contacts.0.email",
            "Not a valid email address.",
        ),
        (
            new_customer(parent_id=999),
            "CreateCustomerModel.parent_id",
            "Parent customer 999 not found.",
        ),
        (
            new_customer(is_commercial="maybe"),
            "CreateCustomerModel.is_commercial",
            "Not a valid boolean.",
        ),
        (new_customer(name=None), "CreateCustomerModel.name", "Field may not be null."),
    ]
    async with client(app) as c:
        for body, field, detail in cases:
            response = await c.post("/locations/1/customers", headers=h, json=body)
            assert error_of(response) == (400, field, detail), body
            assert response.headers["x-reason-phrase"] == f"{field}: {detail}"
        documented = await c.post("/locations/1/customers", headers=h, json=new_customer(user_id=1))
        as_text = await c.post(
            "/locations/1/customers",
            headers=h,
            json=new_customer(is_commercial="TRUE", parent_id="2"),
        )
    # The error CRO's own documentation shows, verbatim.
    assert documented.json() == {
        "field": "CreateCustomerModel.user_id",
        "detail": "Unknown field.",
        "explanation": "The resource could not be accessed.",
    }
    assert as_text.status_code == 201
    assert as_text.json()["is_commercial"] is True
    assert as_text.json()["parent_id"] == 2


async def test_patch_customer_and_read_incrementally() -> None:
    app, state = make_app()
    h = headers(state)
    async with client(app) as c:
        nothing_yet = (
            await c.get("/customers", headers=h, params={"last_updated_gte": SINCE_SEED})
        ).json()
        renamed = await c.patch("/customers/5", headers=h, json={"name": "Aardvark Hauling"})
        await c.patch("/customers/9", headers=h, json={"is_active": False, "parent_id": 5})
        changed = (
            await c.get("/customers", headers=h, params={"last_updated_gte": SINCE_SEED})
        ).json()
        first = (await c.get("/customers", headers=h)).json()["results"][0]
        inactive = (
            await c.get("/customers", headers=h, params={"active": 0, "page_limit": 1000})
        ).json()
        children = (await c.get("/customers", headers=h, params={"parent_id": 5})).json()
        since_rename = renamed.json()["last_updated_on"]
        later = (
            await c.get("/customers", headers=h, params={"last_updated_gte": since_rename})
        ).json()
        cycle = await c.patch("/customers/5", headers=h, json={"parent_id": 9})
        itself = await c.patch("/customers/5", headers=h, json={"parent_id": 5})
        unknown = await c.patch("/customers/5", headers=h, json={"sales_rep": "Shane"})
        empty_name = await c.patch("/customers/5", headers=h, json={"name": ""})
        missing = await c.patch("/customers/404", headers=h, json={"name": "Nobody"})
    assert nothing_yet["total_count"] == 0
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Aardvark Hauling"
    assert renamed.json()["last_updated_on"] >= SINCE_SEED
    assert {r["customer_id"] for r in changed["results"]} == {5, 9}
    assert first["customer_id"] == 5  # renamed to sort first
    assert 9 in {r["customer_id"] for r in inactive["results"]}
    assert 9 in {r["customer_id"] for r in children["results"]}
    assert {r["customer_id"] for r in later["results"]} >= {5, 9}
    assert error_of(cycle) == (
        400,
        "UpdateCustomerModel.parent_id",
        "A customer cannot be its own ancestor.",
    )
    assert error_of(itself)[0] == 400
    assert error_of(unknown) == (400, "UpdateCustomerModel.sales_rep", "Unknown field.")
    assert error_of(empty_name) == (
        400,
        "UpdateCustomerModel.name",
        "Length must be between 1 and 64.",
    )
    assert error_of(missing) == (404, "customer_id", "Customer 404 not found.")


async def test_location_record_update_and_deactivation() -> None:
    app, state = make_app(records=20)
    h = headers(state)
    async with client(app) as c:
        model = (await c.get("/customers/4", headers=h)).json()
        location_id = model["locations"][0]["location_id"]
        record = f"/customers/4/locations/{location_id}"
        patched = await c.patch(
            record,
            headers=h,
            json={
                "note": "Gate code 9",
                "sales_rep": "Jane Johnson",
                "renewal_date": "2049-10-31T11:32:38.390000",
            },
        )
        fetched = (await c.get(record, headers=h)).json()
        deactivated = await c.delete(record, headers=h)
        other = await c.get(f"/customers/4/locations/{location_id % 3 + 1}", headers=h)
        bad_date = await c.patch(record, headers=h, json={"renewal_date": "soon"})
    assert patched.status_code == 200
    assert patched.headers["allow"] == "GET,PATCH,DELETE"
    assert fetched["note"] == "Gate code 9"
    assert fetched["sales_rep"] == "Jane Johnson"
    assert fetched["renewal_date"] == "2049-10-31T11:32:38.390000"
    assert deactivated.json()["is_active"] is False
    assert error_of(other)[0] == 404
    assert error_of(bad_date) == (
        400,
        "UpdateDispatchCustomerLocationModel.renewal_date",
        "Not a valid datetime.",
    )


async def test_addresses_and_contacts() -> None:
    app, state = make_app(records=10)
    h = headers(state)
    async with client(app) as c:
        before = (await c.get("/customers/2/addresses", headers=h)).json()
        added = await c.post(
            "/customers/2/addresses",
            headers=h,
            json={
                "line_1": "24 Lee Chatfield Way",
                "locality": "Sequim",
                "region": "WA",
                "postcode": "98382",
            },
        )
        address_id = added.json()["id"]
        one = await c.get(f"/customers/2/addresses/{address_id}", headers=h)
        patched = await c.patch(
            f"/customers/2/addresses/{address_id}", headers=h, json={"line_2": "Unit 4"}
        )
        removed = await c.delete(f"/customers/2/addresses/{address_id}", headers=h)
        after = (await c.get("/customers/2/addresses", headers=h, params={"page_limit": 1})).json()
        contact = await c.post(
            "/customers/2/contacts", headers=h, json={"name": "John J NewContact"}
        )
        contact_id = contact.json()["id"]
        renamed = await c.patch(
            f"/customers/2/contacts/{contact_id}", headers=h, json={"fax": "360-555-0000"}
        )
        contacts = (await c.get("/customers/2/contacts", headers=h)).json()
        dropped = await c.delete(f"/customers/2/contacts/{contact_id}", headers=h)
        gone = await c.get(f"/customers/2/contacts/{contact_id}", headers=h)
        bad_fax = await c.patch("/customers/2/contacts/1", headers=h, json={"fax": "1"})
        changed = (
            await c.get("/customers", headers=h, params={"last_updated_gte": SINCE_SEED})
        ).json()
    assert added.status_code == 201
    assert added.json()["is_active"] is True
    assert one.json() == added.json()
    assert patched.json()["line_2"] == "Unit 4"
    assert removed.json()["is_active"] is False
    assert after["total_count"] == before["total_count"] + 1
    assert len(after["results"]) == 1
    assert contact.status_code == 201
    assert contact.json() == {
        "email": None,
        "fax": None,
        "id": contact_id,
        "name": "John J NewContact",
        "notify_on_acknowledged_request": False,
        "notify_on_completed_request": False,
        "notify_on_dispatched_request": False,
        "notify_on_failed_request": False,
        "notify_on_new_request": False,
        "number": None,
    }
    assert renamed.json()["fax"] == "360-555-0000"
    assert any(item["id"] == contact_id for item in contacts["results"])
    assert dropped.status_code == 200
    assert error_of(gone) == (
        404,
        "customer_contact_id",
        f"Contact {contact_id} not found for customer 2.",
    )
    assert error_of(bad_fax) == (
        400,
        "UpdateCustomerContactModel.fax",
        "Length must be between 7 and 15.",
    )
    assert [r["customer_id"] for r in changed["results"]] == [2]


@pytest.mark.parametrize(
    ("method", "path", "content", "content_type"),
    [
        ("POST", "/locations/1/customers", b"{not json", "application/json"),
        ("POST", "/locations/1/customers", b"[1, 2]", "application/json"),
        ("POST", "/locations/1/customers", b'"text"', "application/json"),
        ("POST", "/locations/1/customers", b"", "application/json"),
        ("POST", "/locations/1/customers", b"\xff\xfe", "application/json"),
        ("POST", "/locations/1/customers", b'{"name": "a"}', "text/plain"),
        ("POST", "/locations/1/customers", b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (
            "POST",
            "/locations/1/customers",
            b'{"parent_id": ' + b"9" * 5000 + b"}",
            "application/json",
        ),
        (
            "POST",
            "/locations/1/customers",
            b'{"parent_id": 1e999, "name": "n"}',
            "application/json",
        ),
        ("POST", "/locations/1/customers", b'{"addresses": [7], "name": "n"}', "application/json"),
        (
            "POST",
            "/locations/1/customers",
            b'{"addresses": {"a": 1}, "name": "n"}',
            "application/json",
        ),
        (
            "POST",
            "/customers/1/addresses",
            b'{"line_1": "x", "locality": "y", "region": "z", "postcode": "1", "latitude": "NaN"}',
            "application/json",
        ),
        (
            "POST",
            "/customers/1/addresses",
            b'{"line_1": "x", "locality": "y", "region": "z", "postcode": "1", "longitude": 1e308}',
            "application/json",
        ),
        ("PATCH", "/customers/1", b'{"name": ["list"]}', "application/json"),
        ("PATCH", "/customers/1", b'{"is_active": 2}', "application/json"),
        ("PATCH", "/customers/1", b'{"\\r\\nX-Injected: 1": true}', "application/json"),
        ("PATCH", "/customers/" + "9" * 400, b"{}", "application/json"),
        ("GET", "/customers?page_index=" + "9" * 5000, b"", ""),
        ("GET", "/customers?name=" + "x" * 65, b"", ""),
        ("GET", "/customers?last_updated_gte=0001-01-01T00:00:00%2B23:59", b"", ""),
    ],
)
async def test_malformed_input_gets_a_cro_error_never_a_500(
    method: str, path: str, content: bytes, content_type: str
) -> None:
    app, state = make_app(records=3)
    h = headers(state)
    if content_type:
        h["content-type"] = content_type
    async with client(app) as c:
        response = await c.request(method, path, headers=h, content=content)
    assert 400 <= response.status_code < 500, response.text
    assert error_of(response)[2]
    reason = response.headers["x-reason-phrase"]
    assert "\r" not in reason
    assert "\n" not in reason
