"""Taxonomies on a real hub (SQLite and PostgreSQL): loading one atomically, the three
documented list endpoints with every query family (paths into lists included) and
pagination, tenancy, and checking a mapped record."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest

from crossdock.api.routers import records, taxonomies
from tests.api.conftest import Api

TAXONOMY = "11111111-2222-3333-4444-555555555555"

#: A small channel taxonomy shaped like the docs' samples: a tree of groups, attributes on a
#: parent and a leaf, options with constraints (sizes depend on the size system).
DOCUMENT: dict[str, Any] = {
    "name": "Zalora",
    "groups": [
        {"groupId": "shoes", "name": "shoes", "label": "Shoes", "data": {"market": "SG"}},
        {"groupId": "shoes > women", "name": "shoes > women", "parentGroupId": "shoes"},
        {
            "groupId": "shoes > women > heels",
            "name": "shoes > women > heels",
            "label": "Heels",
            "parentGroupId": "shoes > women",
        },
        {
            "groupId": "shoes > men/boys",
            "name": "shoes > men/boys",
            "label": "Men",
            "parentGroupId": "shoes",
        },
        {"groupId": "bags", "name": "bags", "label": "Bags", "data": {"market": "MY"}},
    ],
    "attributes": [
        {
            "attributeId": "color",
            "groupId": "shoes",
            "name": "Color",
            "description": "Main color",
            "type": "singleSelect",
            "mandatory": True,
            "options": [
                {"optionId": "red", "name": "Red"},
                {"optionId": "blue", "name": "Blue"},
                {"optionId": "black"},
            ],
        },
        {
            "attributeId": "size_system",
            "groupId": "shoes",
            "name": "Size system",
            "type": "singleSelect",
            "mandatory": True,
            "reserved": False,
            "options": [{"optionId": "UK"}, {"optionId": "US"}, {"optionId": "AUD"}],
        },
        {
            "attributeId": "size",
            "groupId": "shoes",
            "name": "Size",
            "type": "singleSelect",
            "mandatory": True,
            "options": [
                {
                    "optionId": "5",
                    "name": "5",
                    "constraints": [
                        {
                            "attributeId": "size_system",
                            "ruleType": "equals",
                            "ruleValues": ["UK", "AUD"],
                        }
                    ],
                },
                {
                    "optionId": "7",
                    "name": "7",
                    "constraints": [
                        {"attributeId": "size_system", "ruleType": "equals", "ruleValues": ["US"]}
                    ],
                },
            ],
        },
        {
            "attributeId": "heel_height",
            "groupId": "shoes > women > heels",
            "name": "Heel height (cm)",
            "type": "number",
            "mandatory": True,
        },
        {
            "attributeId": "battery-size",
            "groupId": "shoes > women > heels",
            "name": "Battery size",
            "type": "text",
            "mandatory": True,
            "data": {"internal": 1},
            "constraints": [
                {"attributeId": "zalora_system_system", "ruleType": "equals", "ruleValues": ["US"]}
            ],
        },
        {
            "attributeId": "sku",
            "groupId": "shoes > women > heels",
            "name": "SKU",
            "type": "text",
            "mandatory": True,
            "reserved": True,
        },
        {
            "attributeId": "tags",
            "groupId": "shoes > women > heels",
            "name": "Tags",
            "type": "multiSelect",
            "options": [{"optionId": "party"}, {"optionId": "office"}, {"optionId": "beach"}],
        },
        {
            "attributeId": "vegan",
            "groupId": "shoes > women > heels",
            "name": "Vegan",
            "type": "boolean",
        },
    ],
}

HEELS = "shoes > women > heels"
ALL_GROUPS = [g["groupId"] for g in DOCUMENT["groups"]]


@pytest.fixture
def api(api: Api) -> Api:
    """The hub with the taxonomies router, where the lead wires it in ``create_app``: before
    the records router, whose ``/{syncType}`` catch-alls would shadow ``GET /taxonomies``."""
    app = api.client.app
    routes = app.router.routes
    if not any(getattr(r, "original_router", None) is taxonomies.router for r in routes):
        app.include_router(taxonomies.router)
        added = routes.pop()
        at = next(
            i for i, r in enumerate(routes) if getattr(r, "original_router", None) is records.router
        )
        routes.insert(at, added)
    return api


def load(
    api: Api,
    headers: dict[str, str],
    document: dict[str, Any] | None = None,
    *,
    taxonomy: str = TAXONOMY,
    status: int | None = None,
) -> Any:
    r = api.client.put(f"/taxonomies/{taxonomy}", json=document or DOCUMENT, headers=headers)
    if status is not None:
        assert r.status_code == status, r.text
    return r


def get(api: Api, headers: dict[str, str], path: str, **params: Any) -> Any:
    r = api.client.get(f"/taxonomies/{TAXONOMY}{path}", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r


def ids(r: Any, key: str) -> list[str]:
    return [item[key] for item in r.json()]


def attributes_path(group: str = "shoes") -> str:
    return f"/groups/{quote(group, safe='')}/attributes"


# -- loading ---------------------------------------------------------------------------------


def test_loading_creates_then_replaces_atomically(api: Api) -> None:
    admin = api.admin()
    r = load(api, admin, status=201)
    body = r.json()
    assert body["taxonomyId"] == TAXONOMY
    assert body["name"] == "Zalora"
    assert "agencyId" not in body  # public
    assert body["counts"] == {"groups": 5, "attributes": 8, "options": 11}
    first = body["version"]
    assert first == int(api.clock.now.timestamp())

    smaller = copy.deepcopy(DOCUMENT)
    smaller["groups"] = smaller["groups"][:1]
    smaller["attributes"] = smaller["attributes"][:1]
    api.clock.advance(1)
    r = load(api, admin, smaller, status=200)
    assert r.json()["counts"] == {"groups": 1, "attributes": 1, "options": 3}
    assert r.json()["version"] == first + 1
    assert ids(get(api, admin, "/groups"), "groupId") == ["shoes"]
    assert api.client.get(f"/taxonomies/{TAXONOMY}", headers=admin).json()["counts"]["groups"] == 1


def test_a_failed_load_leaves_the_previous_taxonomy_whole(api: Api) -> None:
    admin = api.admin()
    load(api, admin, status=201)
    broken = copy.deepcopy(DOCUMENT)
    broken["groups"].append({"groupId": "bags", "name": "again"})
    r = load(api, admin, broken, status=400)
    assert r.json()["field"] == "TaxonomyModel.groups[5].groupId"
    assert len(get(api, admin, "/groups").json()) == 5


def test_explicit_versions_must_grow(api: Api) -> None:
    admin = api.admin()
    load(api, admin, {**DOCUMENT, "version": 1583221646}, status=201)
    r = load(api, admin, {**DOCUMENT, "version": 1583221646}, status=409)
    assert r.json()["field"] == "TaxonomyModel.version"
    load(api, admin, {**DOCUMENT, "version": 1583221647}, status=200)
    assert {g["version"] for g in get(api, admin, "/groups").json()} == {1583221647}


INVALID: list[tuple[Callable[[dict[str, Any]], Any], str, str]] = [
    (
        lambda d: d["groups"].append({"groupId": "x", "name": "x", "parentGroupId": "nope"}),
        "groups[5].parentGroupId",
        "No group 'nope'",
    ),
    (
        lambda d: d["groups"][0].update(parentGroupId="shoes > women"),
        "groups[0].parentGroupId",
        "cycle",
    ),
    (lambda d: d["groups"][0].update(isLeaf=True), "groups[0].isLeaf", "has child groups"),
    (lambda d: d["attributes"][0].update(groupId="hats"), "attributes[0].groupId", "No group"),
    (
        lambda d: d["attributes"].append(copy.deepcopy(d["attributes"][0])),
        "attributes[8].attributeId",
        "Duplicate attribute",
    ),
    (
        lambda d: d["attributes"][0]["options"].append({"optionId": "red"}),
        "attributes[0].options[3].optionId",
        "Duplicate option",
    ),
    (
        lambda d: d["attributes"][3].update(hasOptions=True),
        "attributes[3].hasOptions",
        "hasOptions must match",
    ),
]


def test_invalid_documents_are_refused_naming_the_place(api: Api) -> None:
    admin = api.admin()
    for change, field, words in INVALID:
        document = copy.deepcopy(DOCUMENT)
        change(document)
        r = load(api, admin, document, status=400)
        assert r.json()["field"] == f"TaxonomyModel.{field}"
        assert words in r.json()["detail"]
    assert api.client.get(f"/taxonomies/{TAXONOMY}", headers=admin).status_code == 404


def test_the_model_refuses_unknown_types_and_rules(api: Api) -> None:
    admin = api.admin()
    document = copy.deepcopy(DOCUMENT)
    document["attributes"][0]["type"] = "color"
    assert load(api, admin, document, status=400).json()["field"].endswith(".type")
    document = copy.deepcopy(DOCUMENT)
    document["attributes"][2]["options"][0]["constraints"][0]["ruleType"] = "regex"
    assert load(api, admin, document, status=400).json()["field"].endswith(".ruleType")


def test_what_a_get_answers_can_be_loaded_back(api: Api) -> None:
    admin = api.admin()
    load(api, admin, status=201)
    groups = get(api, admin, "/groups").json()
    attributes = [a for g in groups for a in get(api, admin, attributes_path(g["groupId"])).json()]
    api.clock.advance(5)
    again = load(
        api, admin, {"name": "Zalora", "groups": groups, "attributes": attributes}, status=200
    )
    assert again.json()["counts"] == {"groups": 5, "attributes": 8, "options": 11}
    assert get(api, admin, "/groups").json() == [
        g | {"version": again.json()["version"]} for g in groups
    ]


# -- the documented list endpoints -----------------------------------------------------------


def test_groups_answer_the_documented_object(api: Api) -> None:
    admin = api.admin()
    load(api, admin, {**DOCUMENT, "version": 1583221646}, status=201)
    r = get(api, admin, "/groups")
    assert r.headers["x-cresco-total"] == "5"
    heels = r.json()[2]
    assert heels == {
        "groupId": HEELS,
        "taxonomyId": TAXONOMY,
        "label": "Heels",
        "name": HEELS,
        "isLeaf": True,
        "parentGroupId": "shoes > women",
        "version": 1583221646,
        "position": 2,
    }
    assert [g["isLeaf"] for g in r.json()] == [False, False, True, True, True]


GROUP_QUERIES: list[tuple[dict[str, str], list[str]]] = [
    ({"isLeaf": "true"}, [HEELS, "shoes > men/boys", "bags"]),
    ({"isLeaf__not": "true"}, ["shoes", "shoes > women"]),
    ({"parentGroupId": "shoes"}, ["shoes > women", "shoes > men/boys"]),
    ({"parentGroupId__not": "shoes"}, ["shoes", HEELS, "bags"]),
    ({"parentGroupId__exists": "false"}, ["shoes", "bags"]),
    ({"label__exists": "false"}, ["shoes > women"]),
    ({"label": "Heels"}, [HEELS]),
    ({"label__not": "Heels"}, ["shoes", "shoes > women", "shoes > men/boys", "bags"]),
    ({"groupId": "bags"}, ["bags"]),
    ({"groupId__not": "bags", "isLeaf": "true"}, [HEELS, "shoes > men/boys"]),
    ({"name": "shoes"}, ["shoes"]),
    ({"name__not": "shoes", "isLeaf": "false"}, ["shoes > women"]),
    ({"taxonomyId": TAXONOMY, "isLeaf": "false"}, ["shoes", "shoes > women"]),
    ({"taxonomyId__not": TAXONOMY}, []),
    ({"version": "7"}, ALL_GROUPS),
    ({"version__lt": "7"}, []),
    ({"version__gte": "7", "isLeaf": "false"}, ["shoes", "shoes > women"]),
    ({"version__lte": "6"}, []),
    ({"version__gt": "6", "groupId": "bags"}, ["bags"]),
    ({"version__not": "7"}, []),
    ({"version__exists": "true", "groupId": "bags"}, ["bags"]),
    ({"agencyId__exists": "false", "groupId": "bags"}, ["bags"]),
    ({"companyId__exists": "true"}, []),
    ({"agencyId": "agency-1"}, []),
    ({"agencyId__not": "agency-1", "groupId": "bags"}, ["bags"]),
    ({"companyId__not": "c", "groupId": "bags"}, ["bags"]),
    ({"data.market": "MY"}, ["bags"]),
    (
        {"_sort": "name:desc", "isLeaf": "true"},
        ["shoes > women > heels", "shoes > men/boys", "bags"],
    ),
    ({"_sort": "groupId:asc", "parentGroupId": "shoes"}, ["shoes > men/boys", "shoes > women"]),
]


def test_groups_every_query(api: Api) -> None:
    admin = api.admin()
    load(api, admin, {**DOCUMENT, "version": 7}, status=201)
    for params, expected in GROUP_QUERIES:
        assert ids(get(api, admin, "/groups", **params), "groupId") == expected, params


def test_groups_page_with_tokens(api: Api) -> None:
    admin = api.admin()
    load(api, admin, status=201)
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    pages = 0
    while True:
        r = get(api, admin, "/groups", **params)
        assert r.headers["x-cresco-total"] == "5"
        seen += ids(r, "groupId")
        pages += 1
        if "x-cresco-page" not in r.headers:
            break
        params["page"] = r.headers["x-cresco-page"]
    assert pages == 3
    assert seen == ALL_GROUPS
    # With scroll, every page answers the same token until the last, which has none.
    r = get(api, admin, "/groups", limit=2, scroll=1)
    token = r.headers["x-cresco-page"]
    seen = ids(r, "groupId")
    while "x-cresco-page" in r.headers:
        assert r.headers["x-cresco-page"] == token
        r = get(api, admin, "/groups", limit=2, scroll=1, page=token)
        seen += ids(r, "groupId")
    assert seen == ALL_GROUPS


def test_attributes_answer_the_documented_object(api: Api) -> None:
    admin = api.admin()
    load(api, admin, {**DOCUMENT, "version": 1583221646}, status=201)
    battery = get(api, admin, attributes_path(HEELS), attributeId="battery-size").json()
    assert battery == [
        {
            "attributeId": "battery-size",
            "groupId": HEELS,
            "taxonomyId": TAXONOMY,
            "name": "Battery size",
            "type": "text",
            "mandatory": True,
            "data": {"internal": 1},
            "hasOptions": False,
            "constraints": [
                {"attributeId": "zalora_system_system", "ruleType": "equals", "ruleValues": ["US"]}
            ],
            "options": [],
            "version": 1583221646,
            "position": 1,
        }
    ]
    color = get(api, admin, attributes_path(), attributeId="color").json()[0]
    assert color["options"] == [
        {"optionId": "red", "name": "Red", "constraints": []},
        {"optionId": "blue", "name": "Blue", "constraints": []},
        {"optionId": "black", "constraints": []},
    ]
    assert color["description"] == "Main color"
    assert color["hasOptions"] is True


ATTRIBUTE_QUERIES: list[tuple[dict[str, str], list[str]]] = [
    ({}, ["color", "size_system", "size"]),
    ({"options.name": "Red"}, ["color"]),
    ({"options.name__not": "Red"}, ["size_system", "size"]),
    ({"options.name__exists": "true"}, ["color", "size"]),
    ({"options.optionId": "AUD"}, ["size_system"]),
    ({"options.optionId__not": "AUD"}, ["color", "size"]),
    ({"options__constraints.attributeId": "size_system"}, ["size"]),
    ({"options.constraints.attributeId": "size_system"}, ["size"]),
    ({"options__constraints.attributeId__not": "size_system"}, ["color", "size_system"]),
    ({"options__constraints.ruleType": "equals"}, ["size"]),
    ({"options__constraints.ruleType__not": "equals"}, ["color", "size_system"]),
    ({"options__constraints.ruleValues": "AUD"}, ["size"]),
    ({"options__constraints.ruleValues__not": "AUD"}, ["color", "size_system"]),
    ({"mandatory": "true", "attributeId__not": "size"}, ["color", "size_system"]),
    ({"mandatory__not": "true"}, []),
    ({"reserved__exists": "true"}, ["size_system"]),
    ({"reserved": "false"}, ["size_system"]),
    ({"reserved__not": "false"}, ["color", "size"]),
    ({"description__exists": "false"}, ["size_system", "size"]),
    ({"description": "Main color"}, ["color"]),
    ({"description__not": "Main color"}, ["size_system", "size"]),
    ({"hasOptions": "true", "type": "singleSelect"}, ["color", "size_system", "size"]),
    ({"hasOptions__not": "true"}, []),
    ({"type__not": "singleSelect"}, []),
    ({"name": "Size"}, ["size"]),
    ({"name__not": "Size"}, ["color", "size_system"]),
    (
        {"groupId": "shoes", "taxonomyId": TAXONOMY, "version__gte": "1"},
        ["color", "size_system", "size"],
    ),
    ({"groupId__not": "shoes"}, []),
    (
        {"companyId__exists": "false", "agencyId__exists": "false"},
        ["color", "size_system", "size"],
    ),
    ({"_sort": "name:asc"}, ["color", "size", "size_system"]),
    ({"_sort": "attributeId:desc"}, ["size_system", "size", "color"]),
]


def test_attributes_every_query(api: Api) -> None:
    admin = api.admin()
    load(api, admin, status=201)
    for params, expected in ATTRIBUTE_QUERIES:
        found = ids(get(api, admin, attributes_path(), **params), "attributeId")
        assert found == expected, params


def test_attribute_constraints_and_data_are_queryable(api: Api) -> None:
    admin = api.admin()
    load(api, admin, status=201)
    path = attributes_path(HEELS)
    assert ids(
        get(api, admin, path, **{"constraints.attributeId": "zalora_system_system"}), "attributeId"
    ) == ["battery-size"]
    assert ids(get(api, admin, path, **{"constraints.ruleValues": "US"}), "attributeId") == [
        "battery-size"
    ]
    assert ids(get(api, admin, path, **{"data.internal": "1"}), "attributeId") == ["battery-size"]
    assert ids(get(api, admin, path, type="boolean"), "attributeId") == ["vegan"]


OPTION_QUERIES: list[tuple[dict[str, str], list[str]]] = [
    ({}, ["5", "7"]),
    ({"optionId": "7"}, ["7"]),
    ({"optionId__not": "7"}, ["5"]),
    ({"name": "5"}, ["5"]),
    ({"name__not": "5"}, ["7"]),
    ({"name__exists": "true"}, ["5", "7"]),
    ({"constraints.attributeId": "size_system"}, ["5", "7"]),
    ({"constraints.attributeId__not": "size_system"}, []),
    ({"constraints.ruleType": "equals"}, ["5", "7"]),
    ({"constraints.ruleType__not": "contains"}, ["5", "7"]),
    ({"constraints.ruleValues": "UK"}, ["5"]),
    ({"constraints.ruleValues__not": "UK"}, ["7"]),
    ({"attributeId": "size", "groupId": "shoes", "taxonomyId": TAXONOMY}, ["5", "7"]),
    ({"attributeId__not": "size"}, []),
    ({"groupId__not": "shoes"}, []),
    ({"taxonomyId__not": TAXONOMY}, []),
    (
        {"version__gt": "0", "agencyId__exists": "false", "companyId__exists": "false"},
        ["5", "7"],
    ),
    ({"_sort": "optionId:desc"}, ["7", "5"]),
]


def test_options_every_query(api: Api) -> None:
    admin = api.admin()
    load(api, admin, status=201)
    for params, expected in OPTION_QUERIES:
        found = ids(get(api, admin, attributes_path() + "/size/options", **params), "optionId")
        assert found == expected, params


def test_options_answer_the_documented_object_and_page(api: Api) -> None:
    admin = api.admin()
    load(api, admin, {**DOCUMENT, "version": 1583221646}, status=201)
    r = get(api, admin, attributes_path() + "/size/options", limit=1)
    assert r.headers["x-cresco-total"] == "2"
    assert r.json() == [
        {
            "attributeId": "size",
            "taxonomyId": TAXONOMY,
            "groupId": "shoes",
            "optionId": "5",
            "name": "5",
            "constraints": [
                {"attributeId": "size_system", "ruleType": "equals", "ruleValues": ["UK", "AUD"]}
            ],
            "version": 1583221646,
            "position": 0,
        }
    ]
    r = get(
        api, admin, attributes_path() + "/size/options", limit=1, page=r.headers["x-cresco-page"]
    )
    assert ids(r, "optionId") == ["7"]
    assert "x-cresco-page" not in r.headers


def test_a_group_id_with_a_slash_is_reachable(api: Api) -> None:
    admin = api.admin()
    load(api, admin, status=201)
    assert get(api, admin, attributes_path("shoes > men/boys")).json() == []
    raw = api.client.get(
        f"/taxonomies/{TAXONOMY}/groups/shoes > men/boys/attributes", headers=admin
    )
    assert raw.status_code == 200


def test_unknown_things_are_404_and_bad_queries_400(api: Api) -> None:
    admin = api.admin()
    load(api, admin, status=201)
    r = api.client.get("/taxonomies/nope/groups", headers=admin)
    assert (r.status_code, r.json()["field"]) == (404, "taxonomyId")
    r = api.client.get(f"/taxonomies/{TAXONOMY}{attributes_path('hats')}", headers=admin)
    assert (r.status_code, r.json()["field"]) == (404, "groupId")
    r = api.client.get(f"/taxonomies/{TAXONOMY}{attributes_path()}/nope/options", headers=admin)
    assert (r.status_code, r.json()["field"]) == (404, "attributeId")
    r = api.client.get(f"/taxonomies/{TAXONOMY}/groups?colour=red", headers=admin)
    assert (r.status_code, r.json()["field"]) == (400, "colour")
    r = api.client.get(f"/taxonomies/{TAXONOMY}/groups?isLeaf=maybe", headers=admin)
    assert (r.status_code, r.json()["field"]) == (400, "isLeaf")


def test_list_describe_and_delete(api: Api) -> None:
    admin = api.admin()
    load(api, admin, status=201)
    load(api, admin, {**DOCUMENT, "name": "Other"}, taxonomy="other", status=201)
    r = api.client.get("/taxonomies", headers=admin)
    assert r.status_code == 200
    assert [t["taxonomyId"] for t in r.json()] == [TAXONOMY, "other"]
    assert (
        api.client.get("/taxonomies?name=Other", headers=admin).json()[0]["taxonomyId"] == "other"
    )
    assert api.client.delete("/taxonomies/other", headers=admin).status_code == 204
    assert api.client.get("/taxonomies/other", headers=admin).status_code == 404
    assert api.client.get("/taxonomies/other/groups", headers=admin).status_code == 404
    assert [t["taxonomyId"] for t in api.client.get("/taxonomies", headers=admin).json()] == [
        TAXONOMY
    ]
