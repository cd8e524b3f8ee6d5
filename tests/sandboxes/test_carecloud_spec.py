"""The CareCloud sandbox against CareCloud's OpenAPI spec and against its own docs.

Every emulated operation answers one success and at least one error here, each validated
against the spec's schema for that status; the shipped spec extract is checked against the
full spec when the full spec is present (it lives in the shared folder beside the checkout).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from crossdock.sandboxes.carecloud import CareCloudConfig
from crossdock.sandboxes.carecloud.routes import TABLE
from crossdock.sandboxes.carecloud.specdata import EMULATED, extract_from_file, load_extract
from tests.sandboxes.test_carecloud_support import (
    APP_ID,
    CUSTOMER_PASSWORD,
    EN,
    LOGIN,
    PASSWORD,
    C,
    E,
    assert_spec,
    client,
    customer_login,
    first_active,
    login,
    make_app,
    new_customer,
    source_id,
)

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]
SPEC = Path(
    os.environ.get(
        "CROSSDOCK_CARECLOUD_SPEC", ROOT.parent / "shared/vendor-specs/carecloud-openapi.yaml"
    )
)
DOC = ROOT / "docs/sandboxes/carecloud.md"


def test_routes_are_exactly_the_emulated_operations() -> None:
    assert {f"{method} {path}" for method, path, _, _ in TABLE} == set(EMULATED)


@pytest.mark.skipif(not SPEC.exists(), reason="the full CareCloud spec is not beside the checkout")
def test_shipped_extract_matches_the_full_spec() -> None:
    assert extract_from_file(SPEC) == load_extract()


def test_config_takes_what_the_cli_passes() -> None:
    config = CareCloudConfig(
        seed=1, records=250, faults=[], application_id=None, login=None, password=None
    )
    assert CareCloudConfig().records == 250
    assert {f.name for f in dataclasses.fields(config)} >= {"application_id", "login", "password"}


def test_docs_cover_every_operation_and_setting() -> None:
    text = DOC.read_text("utf-8")
    for method, path, _, _ in TABLE:
        assert f"{method} {path}" in text, f"{method} {path} missing from {DOC.name}"
    for field in dataclasses.fields(CareCloudConfig):
        assert field.name in text, f"setting {field.name} missing from {DOC.name}"
    for option in ("--application-id", "--login", "--password", "--records", "--seed", "--faults"):
        assert option in text
    assert "/_sandbox/carecloud/customers/" in text


Call = Callable[[httpx.AsyncClient, dict[str, Any]], Awaitable[httpx.Response]]


async def _enterprise(c: httpx.AsyncClient) -> dict[str, Any]:
    headers = await login(c)
    someone = await first_active(c, headers)
    token, customer_headers = await customer_login(c, someone["personal_information"]["email"])
    agreements = await c.get(f"{E}/agreements", headers=headers)
    stores = await c.get(f"{E}/stores", headers=headers)
    return {
        "e": headers,
        "c": customer_headers,
        "token": token,
        "customer": someone,
        "agreement": agreements.json()["data"]["agreements"][0]["agreement_id"],
        "store": stores.json()["data"]["stores"][0]["store_id"],
        "source": await source_id(c),
    }


def _put_body(x: dict[str, Any]) -> dict[str, Any]:
    return {"customer": {"personal_information": x["customer"]["personal_information"]}}


# operation -> (success call, expected status, error call, expected status)
CASES: dict[str, tuple[Call, int, Call, int]] = {
    "POST /users/actions/login": (
        lambda c, x: c.post(
            f"{E}/users/actions/login",
            json={"user_external_application_id": APP_ID, "login": LOGIN, "password": PASSWORD},
        ),
        200,
        lambda c, x: c.post(f"{E}/users/actions/login", headers=EN, json={}),
        400,
    ),
    "POST /users/actions/logout": (
        lambda c, x: c.post(
            f"{E}/users/actions/logout",
            headers=x["e"],
            json={"user_external_application_id": APP_ID,
                  "bearer_token": x["e"]["Authorization"][7:]},
        ),
        204,
        lambda c, x: c.post(f"{E}/users/actions/logout", headers=EN, json={}),
        401,
    ),
    "GET /customers": (
        lambda c, x: c.get(f"{E}/customers", headers=x["e"], params={"count": 5}),
        200,
        lambda c, x: c.get(f"{E}/customers", headers=x["e"], params={"count": -5}),
        400,
    ),
    "POST /customers": (
        lambda c, x: c.post(f"{E}/customers", headers=x["e"], json=new_customer(x["source"])),
        201,
        lambda c, x: c.post(f"{E}/customers", headers=x["e"], content=b"{"),
        400,
    ),
    "GET /customers/{customer_id}": (
        lambda c, x: c.get(f"{C}/customers/{x['customer']['customer_id']}", headers=x["c"]),
        200,
        lambda c, x: c.get(f"{E}/customers/unknown", headers=x["e"]),
        404,
    ),
    "PUT /customers/{customer_id}": (
        lambda c, x: c.put(
            f"{E}/customers/{x['customer']['customer_id']}", headers=x["e"], json=_put_body(x)
        ),
        204,
        lambda c, x: c.put(f"{C}/customers/whoever", headers=x["c"], json=_put_body(x)),
        400,
    ),
    "GET /customers/{customer_id}/customer-source-records": (
        lambda c, x: c.get(
            f"{C}/customers/{x['customer']['customer_id']}/customer-source-records",
            headers=x["c"],
        ),
        200,
        lambda c, x: c.get(f"{E}/customers/unknown/customer-source-records", headers=x["e"]),
        404,
    ),
    "GET /customer-source-records": (
        lambda c, x: c.get(
            f"{E}/customer-source-records",
            headers=x["e"],
            params={"customer_source_id": x["source"], "count": 5},
        ),
        200,
        lambda c, x: c.get(
            f"{E}/customer-source-records", headers=x["e"], params={"external_ids": "a"}
        ),
        400,
    ),
    "GET /stores": (
        lambda c, x: c.get(f"{C}/stores", headers=x["c"]),
        200,
        lambda c, x: c.get(f"{E}/stores", headers=x["e"], params={"sort_direction": "UP"}),
        400,
    ),
    "GET /stores/{store_id}": (
        lambda c, x: c.get(f"{E}/stores/{x['store']}", headers=x["e"]),
        200,
        lambda c, x: c.get(f"{E}/stores/{x['store']}", headers=EN),
        401,
    ),
    "GET /agreements": (
        lambda c, x: c.get(f"{E}/agreements", headers=x["e"], params={"count": 2}),
        200,
        lambda c, x: c.delete(f"{E}/agreements", headers=x["e"]),
        405,
    ),
    "GET /agreements/{agreement_id}": (
        lambda c, x: c.get(f"{C}/agreements/{x['agreement']}", headers=x["c"]),
        200,
        lambda c, x: c.get(f"{E}/agreements/nope", headers=x["e"]),
        404,
    ),
    "POST /tokens": (
        lambda c, x: c.post(
            f"{C}/tokens",
            json={
                "device": {"device_id": "d", "device_system": "Android", "device_name": "Pixel",
                           "device_type": "phone"},
                "setup": {"language_id": "cs", "allowed_gps": False,
                          "allowed_notifications": True},
                "external_application_id": APP_ID,
                "push_token": "abc",
            },
        ),
        201,
        lambda c, x: c.post(f"{E}/tokens", headers=EN, json={}),
        403,
    ),
    "POST /tokens/{token_id}/actions/login": (
        lambda c, x: c.post(
            f"{C}/tokens/{x['token']}/actions/login",
            headers=x["c"],
            json={"login_type": "email", "password": CUSTOMER_PASSWORD,
                  "login_value": x["customer"]["personal_information"]["email"]},
        ),
        200,
        lambda c, x: c.post(f"{C}/tokens/{x['token']}/actions/login", headers=EN, json={}),
        401,
    ),
    "POST /tokens/{token_id}/actions/logout": (
        lambda c, x: c.post(f"{C}/tokens/{x['token']}/actions/logout", headers=x["c"]),
        204,
        lambda c, x: c.post(f"{C}/tokens/missing/actions/logout", headers=x["c"]),
        404,
    ),
}  # fmt: skip


def test_every_operation_has_a_case() -> None:
    assert set(CASES) == set(EMULATED)


@pytest.mark.parametrize("operation", sorted(CASES))
async def test_success_and_error_bodies_match_the_spec(operation: str) -> None:
    succeed, ok_status, fail, error_status = CASES[operation]
    async with client(make_app()) as c:
        context = await _enterprise(c)
        r = await fail(c, context)
        assert r.status_code == error_status, r.text
        assert_spec(operation, r)
        r = await succeed(c, context)
        assert r.status_code == ok_status, r.text
        assert_spec(operation, r)
