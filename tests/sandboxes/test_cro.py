"""The CRO sandbox's read API: auth and tenancy, paging, filters, roles and its error format."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from crossdock.sandboxes.cro import CroConfig, CroState, create_app
from crossdock.sandboxes.cro.routes import customer_routes
from crossdock.sandboxes.cro.subresources import subresource_routes

pytestmark = pytest.mark.anyio

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")
ROW_KEYS = {
    "account_number_1",
    "account_number_2",
    "addresses",
    "contacts",
    "created_on",
    "customer_id",
    "is_active",
    "is_commercial",
    "last_updated_on",
    "location_id",
    "name",
    "note",
    "parent_id",
    "reference_number",
    "renewal_date",
    "sales_rep",
    "sales_rep_id",
    "suspension_id",
}
ADDRESS_KEYS = {
    "country",
    "id",
    "is_active",
    "is_billing",
    "is_physical",
    "is_shipping",
    "latitude",
    "line_1",
    "line_2",
    "line_3",
    "line_4",
    "locality",
    "longitude",
    "postcode",
    "region",
}


def make_app(**config: Any) -> tuple[FastAPI, CroState]:
    app = create_app(CroConfig(**config))
    return app, app.state.sandbox.state


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cro")


def headers(state: CroState, tenant: int | None = None, token: str | None = None) -> dict[str, str]:
    return {
        "authorization": f"bearer {token or state.token}",
        "x-tenant-id": str(tenant or state.tenant_id),
    }


def assert_error(response: httpx.Response, status: int, field: str | None, detail: str) -> None:
    assert response.status_code == status, response.text
    assert response.json() == {
        "detail": detail,
        "explanation": response.json()["explanation"],
        "field": field,
    }
    assert response.json()["explanation"]
    reason = f"{field}: {detail}" if field else detail
    assert response.headers["x-reason-phrase"] == reason


async def all_rows(c: httpx.AsyncClient, h: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        body = (await c.get("/customers", headers=h, params={**params, "page_index": page})).json()
        rows.extend(body["results"])
        if page >= body["total_pages"]:
            return rows
        page += 1


async def test_customers_page_matches_the_documented_sample() -> None:
    app, state = make_app()
    async with client(app) as c:
        r = await c.get("/customers", headers=headers(state))
    assert r.status_code == 200
    body = r.json()
    assert {
        k: body[k] for k in ("current_page", "current_limit", "total_pages", "total_count")
    } == {
        "current_page": 1,
        "current_limit": 100,
        "total_pages": 6,
        "total_count": 504,
    }
    assert len(body["results"]) == 100
    # CRO encodes with json.dumps(sort_keys=True); byte-for-byte the same here.
    assert r.content == json.dumps(body, sort_keys=True).encode()
    assert r.headers["x-api-version"] == "2019/02/08"
    uuid.UUID(r.headers["x-request-id"])
    assert r.headers["allow"] == "GET"
    row = body["results"][0]
    assert set(row) == ROW_KEYS
    assert TIMESTAMP.match(row["created_on"])
    assert TIMESTAMP.match(row["last_updated_on"])
    assert row["created_on"] <= row["last_updated_on"]
    for row in body["results"]:
        assert 1 <= len(row["addresses"]) <= 3
        assert 1 <= len(row["contacts"]) <= 3
        assert set(row["addresses"][0]) == ADDRESS_KEYS
        assert any(a["is_billing"] for a in row["addresses"])
        assert any(a["is_shipping"] for a in row["addresses"])
    names = [row["name"].casefold() for row in body["results"]]
    assert names == sorted(names)


async def test_paging_limits_and_past_the_end() -> None:
    app, state = make_app()
    h = headers(state)
    async with client(app) as c:
        everything = (await c.get("/customers", headers=h, params={"page_limit": 1000})).json()
        last = (await c.get("/customers", headers=h, params={"page_index": 6})).json()
        beyond = (await c.get("/customers", headers=h, params={"page_index": 7})).json()
        pages = await all_rows(c, h)
        too_big = await c.get("/customers", headers=h, params={"page_limit": 1001})
        zero = await c.get("/customers", headers=h, params={"page_index": 0})
        words = await c.get("/customers", headers=h, params={"page_index": "two"})
        unknown = await c.get("/customers", headers=h, params={"limit": 10})
    assert everything["total_pages"] == 1
    assert len(everything["results"]) == 504
    assert len(last["results"]) == 4
    assert beyond["results"] == []
    assert beyond["current_page"] == 7
    assert [r["customer_id"] for r in pages] == [r["customer_id"] for r in everything["results"]]
    assert len({r["customer_id"] for r in pages}) == 504
    assert_error(
        too_big,
        400,
        "CustomerQueryModel.page_limit",
        "Must be greater than or equal to 1 and less than or equal to 1000.",
    )
    assert_error(
        zero,
        400,
        "CustomerQueryModel.page_index",
        "Must be greater than or equal to 1 and less than or equal to 10000.",
    )
    assert_error(words, 400, "CustomerQueryModel.page_index", "Not a valid integer.")
    assert_error(unknown, 400, "CustomerQueryModel.limit", "Unknown field.")


async def test_authentication_and_tenant_headers() -> None:
    app, state = make_app(records=20)
    auth_field = "StandardRequestHeadersModel.authorization"
    tenant_field = "StandardRequestHeadersModel.x-tenant-id"
    plausible = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJub2JvZHkifQ.c2lnbmF0dXJl"
    async with client(app) as c:
        missing = await c.get("/customers", headers={"x-tenant-id": str(state.tenant_id)})
        basic = await c.get("/customers", headers={**headers(state), "authorization": "Basic eA=="})
        unknown = await c.get("/customers", headers=headers(state, token=plausible))
        no_tenant = await c.get("/customers", headers={"authorization": f"bearer {state.token}"})
        bad_tenant = await c.get("/customers", headers={**headers(state), "x-tenant-id": "acme"})
        foreign = await c.get("/customers", headers=headers(state, tenant=state.tenant_ids[2]))
        upper = await c.get(
            "/customers", headers={**headers(state), "authorization": f"Bearer {state.token}"}
        )
    assert_error(missing, 401, auth_field, "Missing data for required field.")
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert_error(basic, 401, auth_field, "Expected 'bearer <access token>'.")
    assert_error(unknown, 401, auth_field, "Invalid access token.")
    assert_error(no_tenant, 400, tenant_field, "Missing data for required field.")
    assert_error(bad_tenant, 400, tenant_field, "Not a valid integer.")
    assert_error(
        foreign,
        403,
        tenant_field,
        f"Access to tenant {state.tenant_ids[2]} is not granted to this access token.",
    )
    assert upper.status_code == 200


async def test_tenants_are_isolated() -> None:
    app, state = make_app(records=300)
    primary, second, third = state.tenant_ids
    async with client(app) as c:
        mine = (await c.get("/customers", headers=headers(state, primary))).json()
        theirs = (await c.get("/customers", headers=headers(state, second))).json()
        one_here = (await c.get("/customers/1", headers=headers(state, primary))).json()
        one_there = (await c.get("/customers/1", headers=headers(state, second))).json()
        missing_there = await c.get("/customers/300", headers=headers(state, second))
        issued = (await c.post("/_sandbox/credentials", json={"tenants": [third]})).json()
        third_only = headers(state, third, token=issued["token"])
        third_ok = await c.get("/customers", headers=third_only)
        third_on_primary = await c.get(
            "/customers", headers={**third_only, "x-tenant-id": str(primary)}
        )
    assert mine["total_count"] == 300
    assert theirs["total_count"] == 35
    assert one_here["id"] == one_there["id"] == 1
    assert one_here["name"] != one_there["name"] or one_here["addresses"] != one_there["addresses"]
    assert_error(missing_there, 404, "customer_id", "Customer 300 not found.")
    assert third_ok.status_code == 200
    assert third_on_primary.status_code == 403


async def test_api_version_is_validated_echoed_and_renames_customer_id() -> None:
    app, state = make_app(records=10)
    async with client(app) as c:
        new = await c.get("/customers", headers={**headers(state), "x-api-version": "2021/04/07"})
        bad = await c.get("/customers", headers={**headers(state), "x-api-version": "2020/01/01"})
    assert new.headers["x-api-version"] == "2021/04/07"
    row = new.json()["results"][0]
    assert "id" in row
    assert "customer_id" not in row
    assert bad.status_code == 400
    assert bad.json()["field"] == "StandardRequestHeadersModel.x-api-version"
    assert bad.headers["x-api-version"] == "2019/02/08"


async def test_list_filters() -> None:
    app, state = make_app(records=400)
    h = headers(state)
    async with client(app) as c:
        everyone = await all_rows(c, h, page_limit=1000)
        active = await all_rows(c, h, active="True", page_limit=1000)
        inactive = await all_rows(c, h, active="0", page_limit=1000)
        parents = await all_rows(c, h, is_parent="true", page_limit=1000)
        children = await all_rows(c, h, is_parent="FALSE", page_limit=1000)
        named = await all_rows(c, h, name="ROOFING", page_limit=1000)
        some_parent = children[0]["parent_id"]
        of_parent = await all_rows(c, h, parent_id=some_parent)
        cutoff = sorted(r["created_on"] for r in everyone)[300]
        recent = await all_rows(c, h, created_on_gte=cutoff, page_limit=1000)
        updated_cutoff = sorted(r["last_updated_on"] for r in everyone)[200]
        updated = await all_rows(c, h, last_updated_gte=updated_cutoff + "+00:00")
        at_location = (await c.get("/locations/1/customers", headers=h)).json()
        future = await c.get("/customers", headers=h, params={"last_updated_gte": "2999-01-01"})
        garbage = await c.get("/customers", headers=h, params={"created_on_gte": "yesterday"})
        bad_bool = await c.get("/customers", headers=h, params={"active": "yes"})
    assert len(active) + len(inactive) == 400
    assert inactive
    assert all(r["is_active"] for r in active)
    assert len(parents) + len(children) == 400
    assert all(r["parent_id"] is None for r in parents)
    assert children
    assert named
    assert all("roofing" in r["name"].lower() for r in named)
    assert of_parent
    assert {r["parent_id"] for r in of_parent} == {some_parent}
    assert len(recent) == 100
    assert all(r["created_on"] >= cutoff for r in recent)
    assert len(updated) == sum(r["last_updated_on"] >= updated_cutoff for r in everyone)
    assert at_location["total_count"] == sum(r["location_id"] == 1 for r in everyone)
    assert_error(future, 400, "CustomerQueryModel.last_updated_gte", "Date must be in the past.")
    assert_error(garbage, 400, "CustomerQueryModel.created_on_gte", "Not a valid datetime.")
    assert_error(bad_bool, 400, "CustomerQueryModel.active", "Not a valid boolean.")


async def test_get_customer_and_locations() -> None:
    app, state = make_app(records=50)
    h = headers(state)
    async with client(app) as c:
        model = await c.get("/customers/7/", headers=h)
        row = (
            await c.get(
                f"/locations/{model.json()['locations'][0]['location_id']}/customers/7", headers=h
            )
        ).json()
        missing = await c.get("/customers/999", headers=h)
        not_int = await c.get("/customers/seven", headers=h)
        locations = (await c.get("/locations", headers=h)).json()
        location = await c.get("/locations/1", headers=h)
        no_location = await c.get("/locations/42", headers=h)
    assert model.status_code == 200
    assert model.headers["allow"] == "GET,PATCH"
    body = model.json()
    assert set(body) == {
        "addresses",
        "contacts",
        "created_on",
        "id",
        "last_updated_on",
        "locations",
        "name",
        "parent_id",
    }
    assert body["created_on"] < body["locations"][0]["created_on"]
    assert row["customer_id"] == 7
    assert row["addresses"] == body["addresses"]
    assert row["created_on"] == body["locations"][0]["created_on"]
    assert_error(missing, 404, "customer_id", "Customer 999 not found.")
    assert_error(not_int, 400, "customer_id", "Not a valid integer.")
    assert 3 <= locations["total_count"] <= 5
    assert locations["results"][0]["address"]["locality"] == "Sequim"
    assert location.json() == locations["results"][0]
    assert_error(no_location, 404, "location_id", "Location 42 not found.")


async def test_roles_decide_endpoints_and_fields() -> None:
    app, state = make_app(records=30)
    async with client(app) as c:
        driver = (await c.post("/_sandbox/credentials", json={"role": "Driver"})).json()
        public = (await c.post("/_sandbox/credentials", json={"roles": ["Public"]})).json()
        crm = (await c.post("/_sandbox/credentials", json={"role": "CrmUser"})).json()
        bad_role = await c.post("/_sandbox/credentials", json={"role": "Root"})
        as_driver = headers(state, token=driver["token"])
        driver_rows = (await c.get("/customers", headers=as_driver)).json()["results"]
        driver_model = (await c.get("/customers/3", headers=as_driver)).json()
        driver_patch = await c.patch("/customers/3", headers=as_driver, json={"name": "X"})
        public_get = await c.get("/customers", headers=headers(state, token=public["token"]))
        as_crm = headers(state, token=crm["token"])
        crm_rows = (await c.get("/customers", headers=as_crm)).json()["results"]
        crm_patch = await c.patch("/customers/3", headers=as_crm, json={"name": "X"})
    assert driver["roles"] == ["Driver"]
    assert bad_role.status_code == 400
    hidden = {"account_number_1", "account_number_2", "note", "sales_rep", "sales_rep_id"}
    assert set(driver_rows[0]) == ROW_KEYS - hidden
    assert not hidden & set(driver_model["locations"][0])
    assert driver_patch.status_code == 403
    assert driver_patch.json()["detail"] == "Role(s) Driver may not PATCH /customers/{customer_id}."
    assert public_get.status_code == 403
    assert set(crm_rows[0]) == ROW_KEYS
    assert crm_patch.status_code == 403


async def test_issued_tokens_expire_with_the_sandbox_clock() -> None:
    app, state = make_app(records=5)
    async with client(app) as c:
        issued = (await c.post("/_sandbox/credentials", json={"expires_in": 60})).json()
        forever = (await c.post("/_sandbox/credentials", json={"expires_in": None})).json()
        h = headers(state, token=issued["token"])
        before = await c.get("/customers", headers=h)
        await c.post("/_sandbox/clock/advance", json={"seconds": 61})
        after = await c.get("/customers", headers=h)
        still = await c.get("/customers", headers=headers(state, token=forever["token"]))
        bad = await c.post("/_sandbox/credentials", json={"tenants": [1]})
        status = (await c.get("/_sandbox/")).json()
    assert before.status_code == 200
    assert_error(after, 401, "StandardRequestHeadersModel.authorization", "Access token expired.")
    assert still.status_code == 200
    assert bad.status_code == 400
    assert status["credentials"]["token"] == state.token
    assert status["counts"][f"tenant {state.tenant_id} customers"] == 5


async def test_unknown_routes_and_methods_answer_in_cro_format() -> None:
    app, state = make_app(records=5)
    async with client(app) as c:
        nowhere = await c.get("/customers/1/invoices", headers=headers(state))
        docs = await c.get("/docs")
        wrong = await c.delete("/customers/1", headers=headers(state))
        head = await c.head("/customers/1", headers=headers(state))
    assert_error(nowhere, 404, "url", "The requested URL was not found on the server.")
    assert docs.status_code == 404
    assert_error(wrong, 405, "method", "The method is not allowed for the requested URL.")
    assert wrong.headers["allow"] == "GET,PATCH"
    assert head.status_code == 200
    assert head.headers["allow"] == "GET,PATCH"


async def test_same_seed_same_data_and_scaling() -> None:
    first, state = make_app(records=2500, seed=7)
    again, _ = make_app(records=2500, seed=7)
    other, _ = make_app(records=2500, seed=8)
    h = headers(state)
    async with client(first) as a, client(again) as b, client(other) as o:
        pages = [
            (await x.get("/customers", headers=h, params={"page_index": 20})) for x in (a, b, o)
        ]
        second_tenant = (
            await a.get("/customers", headers=headers(state, state.tenant_ids[1]))
        ).json()
    assert pages[0].json() == pages[1].json()
    assert pages[0].json() != pages[2].json()
    assert pages[0].json()["total_count"] == 2500
    assert pages[0].json()["total_pages"] == 25
    assert second_tenant["total_count"] == 255


def test_configured_credentials_are_checked() -> None:
    _app, state = make_app(records=1, token="aaa.bbb.ccc", tenant_id=77)
    assert state.credentials()["token"] == "aaa.bbb.ccc"
    assert state.tenant_ids == (77, 78, 79)
    with pytest.raises(ValueError, match="JWT-shaped"):
        create_app(CroConfig(token="not a jwt"))
    with pytest.raises(ValueError, match="tenant id"):
        create_app(CroConfig(tenant_id=0))
    generated = make_app(records=1)[1].token
    assert len(generated.split(".")) == 3
    assert make_app(records=1)[1].token == generated


def test_docs_cover_every_endpoint_and_option() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "sandboxes" / "cro.md").read_text()
    _app, state = make_app(records=1)
    routes = [*customer_routes(state).routes, *subresource_routes(state).routes]
    documented = 0
    for route in routes:
        if isinstance(route, APIRoute) and not route.path.endswith("/"):
            for method in route.methods - {"HEAD"}:
                assert f"`{method} {route.path}`" in docs, f"{method} {route.path} is undocumented"
                documented += 1
    assert documented == 21
    assert "crossdock sandbox cro" in docs
    for option in ("--host", "--port", "--seed", "--records", "--faults", "--token", "--tenant"):
        assert f"`{option}`" in docs, option
