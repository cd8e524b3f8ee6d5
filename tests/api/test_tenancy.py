"""Tenancy: every role against every resource, its own and another tenant's."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.api.conftest import Api

AGENCY_A = "aaaaaaaa-0000-0000-0000-000000000000"
AGENCY_B = "bbbbbbbb-0000-0000-0000-000000000000"


@dataclass
class World:
    headers: dict[str, dict[str, str]]
    company: dict[str, str]
    integration: dict[str, str]


def integration(api: Api, admin: dict[str, str], company_id: str, sync: str) -> str:
    r = api.client.post(
        "/integrations",
        json={
            "active": False,
            "add": False,
            "delete": False,
            "get": True,
            "update": False,
            "meta": {},
            "syncType": sync,
            "systemId": "api",
            "companyId": company_id,
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    iid: str = r.json()["integrationId"]
    return iid


@pytest.fixture
def world(api: Api) -> World:
    admin = api.admin()
    a1 = api.make_company(admin, agencyId=AGENCY_A, name="A1")["companyId"]
    a2 = api.make_company(admin, agencyId=AGENCY_A, name="A2")["companyId"]
    b1 = api.make_company(admin, agencyId=AGENCY_B, name="B1")["companyId"]
    syncs = {"syncs": ["orders", "customers"]}
    headers = {
        "admin": admin,
        "staff": api.make_user(admin, "staff@t", "staff"),
        "agency": api.make_user(admin, "agency@t", "agency", agencyId=AGENCY_A, **syncs),
        "manager": api.make_user(admin, "manager@t", "manager", agencyId=AGENCY_A, **syncs),
        "company": api.make_user(admin, "company@t", "company", companyId=a1, **syncs),
    }
    api.make_user(admin, "agency-b@t", "agency", agencyId=AGENCY_B, **syncs)
    api.make_user(admin, "company-a2@t", "company", companyId=a2, **syncs)
    return World(
        headers=headers,
        company={"a1": a1, "a2": a2, "b1": b1},
        integration={
            "a1": integration(api, admin, a1, "orders"),
            "a2": integration(api, admin, a2, "orders"),
            "b1": integration(api, admin, b1, "orders"),
            "a1-stock": integration(api, admin, a1, "stock"),
        },
    )


# which company-owned things each role may see: company key -> visible
VISIBLE = {
    "admin": {"a1", "a2", "b1"},
    "staff": {"a1", "a2", "b1"},
    "agency": {"a1", "a2"},
    "manager": {"a1", "a2"},
    "company": {"a1"},
}
ROLES = list(VISIBLE)


@pytest.mark.parametrize("role", ROLES)
def test_companies_by_role(api: Api, world: World, role: str) -> None:
    h = world.headers[role]
    listed = {c["name"].lower() for c in api.client.get("/companies", headers=h).json()}
    assert listed == VISIBLE[role]
    for key, cid in world.company.items():
        expected = 200 if key in VISIBLE[role] else 404
        assert api.client.get(f"/companies/{cid}", headers=h).status_code == expected
        assert (
            api.client.patch(f"/companies/{cid}", json={"logo": "l"}, headers=h).status_code
            == expected
        )
        assert api.client.get(f"/companies/{cid}/history", headers=h).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_integrations_by_role(api: Api, world: World, role: str) -> None:
    h = world.headers[role]
    limited = role in ("agency", "manager", "company")
    listed = {i["integrationId"] for i in api.client.get("/integrations", headers=h).json()}
    visible = {world.integration[k] for k in VISIBLE[role]}
    if not limited:
        visible.add(world.integration["a1-stock"])
    assert listed == visible
    for key, iid in world.integration.items():
        seen = key.split("-")[0] in VISIBLE[role] and not (limited and key == "a1-stock")
        expected = 200 if seen else 404
        assert api.client.get(f"/integrations/{iid}", headers=h).status_code == expected
        assert api.client.get(f"/integrations/{iid}/history", headers=h).status_code == expected
        r = api.client.patch(
            f"/integrations/{iid}", json={"minFromDate": "2022-01-01T00:00:00+00:00"}, headers=h
        )
        assert r.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_creating_in_another_tenant_is_refused(api: Api, world: World, role: str) -> None:
    h = world.headers[role]
    body = {
        "active": False,
        "add": False,
        "delete": False,
        "get": True,
        "update": False,
        "meta": {},
        "syncType": "orders",
        "systemId": "api",
        "companyId": world.company["b1"],
    }
    r = api.client.post("/integrations", json=body, headers=h)
    assert r.status_code == (
        201 if role in ("admin", "staff") else 404 if role != "company" else 403
    )
    r = api.client.post(
        "/companies", json={"name": "X", "country": "SG", "agencyId": AGENCY_B}, headers=h
    )
    assert (
        r.status_code
        == {"admin": 201, "staff": 201, "agency": 403, "manager": 403, "company": 403}[role]
    )


def test_agency_user_creates_companies_in_its_own_agency(api: Api, world: World) -> None:
    r = api.client.post(
        "/companies", json={"name": "Mine", "country": "SG"}, headers=world.headers["agency"]
    )
    assert r.status_code == 201
    assert r.json()["agencyId"] == AGENCY_A


@pytest.mark.parametrize("role", ROLES)
def test_users_by_role(api: Api, world: World, role: str) -> None:
    h = world.headers[role]
    listed = {u["username"] for u in api.client.get("/users", headers=h).json()}
    everyone = {
        "root@crossdock.test",
        "staff@t",
        "agency@t",
        "manager@t",
        "company@t",
        "agency-b@t",
        "company-a2@t",
    }
    expected = {
        "admin": everyone,
        "staff": everyone,
        "agency": {"agency@t", "manager@t", "company@t", "company-a2@t"},
        "manager": {"agency@t", "manager@t", "company@t", "company-a2@t"},
        "company": {"company@t"},
    }[role]
    assert listed == expected
    other = "agency-b@t"
    assert api.client.get(f"/users/{other}", headers=h).status_code == (
        200 if role in ("admin", "staff") else 404
    )


@pytest.mark.parametrize(
    ("creator", "role", "allowed"),
    [
        ("admin", "admin", True),
        ("staff", "admin", False),
        ("staff", "staff", True),
        ("agency", "agency", True),
        ("agency", "company", True),
        ("agency", "manager", False),
        ("agency", "staff", False),
        ("manager", "agency", True),
        ("company", "company", True),
        ("company", "agency", False),
    ],
)
def test_who_may_create_which_role(
    api: Api, world: World, creator: str, role: str, allowed: bool
) -> None:
    body = {
        "username": f"{creator}-{role}@new",
        "email": "e@x",
        "name": "n",
        "role": role,
        "sendEmail": False,
        "temporaryPassword": "temp-123",
        "syncs": ["orders"],
    }
    if role == "company":
        body["companyId"] = world.company["a1"]
    if role in ("agency", "manager") and creator in ("admin", "staff"):
        body["agencyId"] = AGENCY_A
    r = api.client.post("/users", json=body, headers=world.headers[creator])
    assert (r.status_code == 201) is allowed, r.text
    if not allowed:
        assert r.status_code == 403


def test_syncs_are_required_and_cannot_exceed_the_creator(api: Api, world: World) -> None:
    body = {
        "username": "s@new",
        "email": "e@x",
        "name": "n",
        "role": "company",
        "sendEmail": False,
        "temporaryPassword": "temp-123",
        "companyId": world.company["a1"],
    }
    r = api.client.post("/users", json=body, headers=world.headers["agency"])
    assert r.status_code == 400
    assert r.json()["field"] == "CreateUserModel.syncs"
    r = api.client.post(
        "/users", json={**body, "syncs": ["stock"]}, headers=world.headers["agency"]
    )
    assert r.status_code == 403
    r = api.client.post(
        "/users",
        json={**body, "agencyId": AGENCY_B, "syncs": ["orders"]},
        headers=world.headers["agency"],
    )
    assert r.status_code == 403
    assert r.json()["field"] == "CreateUserModel.agencyId"
