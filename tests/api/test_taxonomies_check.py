"""Constraints and the record check: ``check_record`` on a taxonomy in memory, each rule and
each problem it reports; then ``POST /taxonomies/{id}/check`` on a real hub."""

from __future__ import annotations

from typing import Any

import pytest

from crossdock.mapping.taxonomy import (
    Attribute,
    Constraint,
    Group,
    Option,
    Taxonomy,
    check_record,
    settle,
    texts,
)
from tests.api.conftest import Api
from tests.api.test_taxonomies import DOCUMENT, HEELS, TAXONOMY, load
from tests.api.test_taxonomies import api as api


def size_system(*values: str) -> tuple[Constraint, ...]:
    return (Constraint("size_system", "equals", values),)


TAXONOMY_IN_MEMORY = settle(
    Taxonomy(
        taxonomy_id="t",
        version=3,
        groups=(
            Group("shoes", "shoes"),
            Group("heels", "shoes > heels", parent_group_id="shoes"),
            Group("flats", "shoes > flats", parent_group_id="shoes"),
        ),
        attributes=(
            Attribute(
                "color",
                "shoes",
                "Color",
                "singleSelect",
                mandatory=True,
                options=(Option("red", "Red"), Option("blue", "Blue")),
            ),
            Attribute(
                "size_system",
                "shoes",
                "Size system",
                "singleSelect",
                mandatory=True,
                options=(Option("UK"), Option("US"), Option("AUD")),
            ),
            Attribute(
                "size",
                "shoes",
                "Size",
                "singleSelect",
                mandatory=True,
                options=(
                    Option("5", "5", size_system("UK", "AUD")),
                    Option("7", "7", size_system("US")),
                ),
            ),
            Attribute("heel_height", "heels", "Heel height", "number", mandatory=True),
            Attribute("sku", "heels", "SKU", "text", mandatory=True, reserved=True),
            Attribute("vegan", "heels", "Vegan", "boolean"),
            Attribute(
                "tags",
                "heels",
                "Tags",
                "multiSelect",
                options=(Option("party"), Option("office")),
            ),
            Attribute(
                "us_width",
                "heels",
                "US width",
                "text",
                mandatory=True,
                constraints=size_system("US"),
            ),
            # A leaf may redefine an inherited attribute: the closer group's definition wins.
            Attribute("color", "heels", "Color", "text"),
        ),
    )
)

GOOD = {"color": "red", "size_system": "UK", "size": "5", "heel_height": 7.5}


def codes(record: dict[str, Any], group: str = "heels") -> list[tuple[str | None, str]]:
    report = check_record(TAXONOMY_IN_MEMORY, group, record)
    return [(p.attribute_id, p.code) for p in report.problems]


# -- constraints -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "values", "record_value", "holds"),
    [
        ("equals", ("US",), "US", True),
        ("equals", ("US",), "us", False),
        ("equals", ("UK", "AUD"), "AUD", True),
        ("starts_with", ("EU",), "EU-42", True),
        ("starts_with", ("EU",), "XEU", False),
        ("ends_with", ("-W",), "8-W", True),
        ("ends_with", ("-W",), "8-WX", False),
        ("contains", ("wide",), "extra wide fit", True),
        ("contains", ("wide",), "narrow", False),
        ("equals", ("US",), ["UK", "US"], True),  # any value of a multiSelect
        ("equals", ("US",), [], False),
        ("equals", ("US",), None, False),
        ("equals", ("5",), 5, True),  # numbers compare as their text
        ("equals", ("5",), 5.0, True),
        ("equals", ("5.5",), 5.5, True),
        ("equals", ("true",), True, True),
        ("equals", ("false",), False, True),
    ],
)
def test_each_rule(rule: str, values: tuple[str, ...], record_value: Any, holds: bool) -> None:
    constraint = Constraint("system", rule, values)
    assert constraint.holds({"system": record_value}) is holds


def test_a_missing_attribute_meets_no_constraint() -> None:
    assert not Constraint("system", "contains", ("",)).holds({})


def test_texts() -> None:
    assert texts([1, [True, None], "a", 2.50, {"b": 1}]) == ["1", "true", "a", "2.5", '{"b": 1}']


# -- the record check ------------------------------------------------------------------------


def test_a_complete_record_passes() -> None:
    report = check_record(TAXONOMY_IN_MEMORY, "heels", GOOD | {"tags": ["party"], "extra": 1})
    assert report.ok
    assert report.problems == ()
    assert report.checked == (
        "color",
        "size_system",
        "size",
        "heel_height",
        "sku",
        "vegan",
        "tags",
        "us_width",
    )
    assert report.unknown == ("extra",)
    assert report.describe() == {
        "ok": True,
        "taxonomyId": "t",
        "groupId": "heels",
        "version": 3,
        "problems": [],
        "checked": list(report.checked),
        "unknown": ["extra"],
    }


def test_mandatory_attributes_of_the_group_and_its_ancestors() -> None:
    assert codes({"color": "red"}) == [
        ("size_system", "missing"),
        ("size", "missing"),
        ("heel_height", "missing"),
    ]
    # Empty values count as missing; a reserved attribute (the hub fills it) does not.
    assert codes(GOOD | {"heel_height": ""}) == [("heel_height", "missing")]
    assert ("sku", "missing") not in codes({})


def test_options_must_be_known_and_their_constraints_hold() -> None:
    assert codes(GOOD | {"size_system": "EU"})[0] == ("size_system", "not_an_option")
    report = check_record(TAXONOMY_IN_MEMORY, "heels", GOOD | {"size": "7"})
    assert [(p.code, p.detail) for p in report.problems] == [
        ("option_not_allowed", "Option '7' requires size_system equals US.")
    ]
    # The option's name works as well as its id.
    assert codes({**GOOD, "color": "Red"}, "flats") == []
    assert codes({**GOOD, "color": "green"}, "flats") == [("color", "not_an_option")]
    assert (
        "'green' is not an option (red, blue)."
        in check_record(TAXONOMY_IN_MEMORY, "flats", {**GOOD, "color": "green"}).problems[0].detail
    )


def test_a_leaf_redefinition_wins_over_the_inherited_attribute() -> None:
    # On heels, color is free text: any colour passes; on flats, it is the parent's select.
    assert codes(GOOD | {"color": "green"}) == []


def test_multi_select_values_are_each_checked() -> None:
    assert codes(GOOD | {"tags": ["party", "beach"]}) == [("tags", "not_an_option")]
    assert codes(GOOD | {"tags": "office"}) == []


@pytest.mark.parametrize(
    ("attribute", "value", "ok"),
    [
        ("heel_height", 7, True),
        ("heel_height", "7.5", True),
        ("heel_height", "tall", False),
        ("heel_height", True, False),
        ("heel_height", [7], False),
        ("vegan", True, True),
        ("vegan", "FALSE", True),
        ("vegan", "yes", False),
        ("color", {"r": 1}, False),
        ("color", 12, True),
        ("tags", [{"a": 1}], False),
    ],
)
def test_values_must_have_the_attribute_type(attribute: str, value: Any, ok: bool) -> None:
    found = codes(GOOD | {attribute: value})
    assert (found == []) is ok, found
    if not ok:
        assert found == [(attribute, "wrong_type")]


def test_attributes_whose_constraints_fail_do_not_apply() -> None:
    # us_width is mandatory only when the size system is US.
    assert ("us_width", "missing") in codes(GOOD | {"size_system": "US", "size": "7"})
    assert codes(GOOD) == []
    report = check_record(TAXONOMY_IN_MEMORY, "heels", GOOD | {"us_width": "wide"})
    assert report.ok
    assert [(p.code, p.severity) for p in report.problems] == [("not_applicable", "warning")]
    assert report.problems[0].detail == (
        "Applies only when size_system equals US; the channel may ignore it."
    )


def test_only_leaf_groups_and_known_groups() -> None:
    assert codes(GOOD, "shoes")[0] == (None, "not_leaf")
    report = check_record(TAXONOMY_IN_MEMORY, "hats", GOOD)
    assert not report.ok
    assert [p.code for p in report.problems] == ["unknown_group"]


# -- the endpoint ----------------------------------------------------------------------------


def check(api: Api, headers: dict[str, str], group: str, record: dict[str, Any]) -> Any:
    r = api.client.post(
        f"/taxonomies/{TAXONOMY}/check", json={"groupId": group, "record": record}, headers=headers
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_the_check_endpoint_reports(api: Api) -> None:
    admin = api.admin()
    load(api, admin, {**DOCUMENT, "version": 9}, status=201)
    good = {"color": "red", "size_system": "AUD", "size": "5", "heel_height": 8, "sku": "A1"}
    report = check(api, admin, HEELS, good)
    assert report["ok"] is True
    assert report["version"] == 9
    assert report["unknown"] == []
    report = check(
        api,
        admin,
        HEELS,
        {"color": "pink", "size_system": "US", "size": "5", "zalora_system_system": "US"},
    )
    assert report["ok"] is False
    assert [(p["attributeId"], p["code"]) for p in report["problems"]] == [
        ("color", "not_an_option"),
        ("size", "option_not_allowed"),
        ("heel_height", "missing"),
        ("battery-size", "missing"),
    ]
    assert report["unknown"] == ["zalora_system_system"]
    assert check(api, admin, "shoes", good)["problems"][0]["code"] == "not_leaf"
    assert check(api, admin, "hats", good)["problems"][0]["code"] == "unknown_group"


def test_the_check_endpoint_needs_a_visible_taxonomy_and_a_valid_body(api: Api) -> None:
    admin = api.admin()
    r = api.client.post(
        "/taxonomies/nope/check", json={"groupId": "x", "record": {}}, headers=admin
    )
    assert r.status_code == 404
    load(api, admin, status=201)
    r = api.client.post(f"/taxonomies/{TAXONOMY}/check", json={"record": {}}, headers=admin)
    assert (r.status_code, r.json()["field"]) == (400, "CheckModel.groupId")
