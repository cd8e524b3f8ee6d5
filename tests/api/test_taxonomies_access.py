"""Who sees and who loads which taxonomy: public ones for everyone, an agency's for its users
(its companies' users included), a company's for that company and its agency."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api

# ``api``: the hub with the taxonomies router, as the endpoint tests use it.
from tests.api.test_taxonomies import DOCUMENT, load
from tests.api.test_taxonomies import api as api


@pytest.fixture
def world(api: Api) -> dict[str, Any]:
    """Agencies a and b; companies a1 and a2 in a, b1 in b; a user of each kind; and three
    taxonomies loaded by an admin: public, agency a's, and company a1's."""
    admin = api.admin()
    a1 = api.make_company(admin, agencyId="agency-a", name="A1")
    a2 = api.make_company(admin, agencyId="agency-a", name="A2")
    b1 = api.make_company(admin, agencyId="agency-b", name="B1")
    people = {
        "admin": admin,
        "agency a": api.make_user(admin, "a@agency.test", "agency", agencyId="agency-a"),
        "manager b": api.make_user(admin, "b@agency.test", "manager", agencyId="agency-b"),
        "company a1": api.make_user(admin, "a1@co.test", "company", companyId=a1["companyId"]),
        "company a2": api.make_user(admin, "a2@co.test", "company", companyId=a2["companyId"]),
    }
    load(api, admin, taxonomy="public", status=201)
    r = load(api, admin, {**DOCUMENT, "agencyId": "agency-a"}, taxonomy="agency", status=201)
    assert (r.json()["agencyId"], r.json().get("companyId")) == ("agency-a", None)
    r = load(api, admin, {**DOCUMENT, "companyId": a1["companyId"]}, taxonomy="company", status=201)
    assert (r.json()["agencyId"], r.json()["companyId"]) == ("agency-a", a1["companyId"])
    return {"people": people, "a1": a1, "b1": b1}


def listed(api: Api, headers: dict[str, str]) -> list[str]:
    r = api.client.get("/taxonomies", headers=headers)
    assert r.status_code == 200, r.text
    return [t["taxonomyId"] for t in r.json()]


def test_each_role_sees_its_taxonomies(api: Api, world: dict[str, Any]) -> None:
    expected = {
        "admin": ["agency", "company", "public"],
        "agency a": ["agency", "company", "public"],
        "manager b": ["public"],
        "company a1": ["agency", "company", "public"],
        "company a2": ["agency", "public"],
    }
    for who, headers in world["people"].items():
        assert listed(api, headers) == expected[who], who
        for taxonomy in ("public", "agency", "company"):
            groups = api.client.get(f"/taxonomies/{taxonomy}/groups", headers=headers)
            attrs = api.client.get(
                f"/taxonomies/{taxonomy}/groups/shoes/attributes", headers=headers
            )
            options = api.client.get(
                f"/taxonomies/{taxonomy}/groups/shoes/attributes/size/options", headers=headers
            )
            status = 200 if taxonomy in expected[who] else 404
            assert (groups.status_code, attrs.status_code, options.status_code) == (
                status,
                status,
                status,
            ), (who, taxonomy)


def test_rows_carry_their_owner_for_filters(api: Api, world: dict[str, Any]) -> None:
    admin = world["people"]["admin"]
    company = world["a1"]["companyId"]
    r = api.client.get("/taxonomies/company/groups?agencyId=agency-a&limit=1", headers=admin)
    assert r.json()[0]["agencyId"] == "agency-a"
    assert r.json()[0]["companyId"] == company
    assert (
        api.client.get(f"/taxonomies?companyId={company}", headers=admin).json()[0]["taxonomyId"]
        == "company"
    )
    assert [
        t["taxonomyId"]
        for t in api.client.get("/taxonomies?agencyId__exists=false", headers=admin).json()
    ] == ["public"]


def test_company_users_cannot_load(api: Api, world: dict[str, Any]) -> None:
    r = load(api, world["people"]["company a1"], taxonomy="mine")
    assert r.status_code == 403


def test_agency_users_load_for_their_agency_only(api: Api, world: dict[str, Any]) -> None:
    agency = world["people"]["agency a"]
    r = load(api, agency, taxonomy="mine", status=201)
    assert r.json()["agencyId"] == "agency-a"
    r = load(
        api,
        agency,
        {**DOCUMENT, "companyId": world["a1"]["companyId"]},
        taxonomy="mine2",
        status=201,
    )
    assert r.json()["companyId"] == world["a1"]["companyId"]
    # Not another agency's, not a company outside the agency, not a public taxonomy.
    assert load(api, agency, {**DOCUMENT, "agencyId": "agency-b"}, taxonomy="x").status_code == 403
    r = load(api, agency, {**DOCUMENT, "companyId": world["b1"]["companyId"]}, taxonomy="x")
    assert (r.status_code, r.json()["field"]) == (404, "TaxonomyModel.companyId")
    assert load(api, agency, taxonomy="public").status_code == 403
    assert load(api, world["people"]["manager b"], taxonomy="agency").status_code == 403
    assert api.client.delete("/taxonomies/public", headers=agency).status_code == 403
    assert api.client.delete("/taxonomies/mine", headers=agency).status_code == 204


def test_admins_place_a_taxonomy_in_a_company_of_its_agency(
    api: Api,
    world: dict[str, Any],
) -> None:
    admin = world["people"]["admin"]
    mismatch = {**DOCUMENT, "agencyId": "agency-b", "companyId": world["a1"]["companyId"]}
    r = load(api, admin, mismatch, taxonomy="x", status=400)
    assert r.json()["field"] == "TaxonomyModel.agencyId"
    r = load(api, admin, {**DOCUMENT, "companyId": "no-such-company"}, taxonomy="x", status=404)
    assert r.json()["field"] == "TaxonomyModel.companyId"
