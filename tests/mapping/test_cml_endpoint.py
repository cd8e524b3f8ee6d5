"""``POST /mapping/cml`` on a real hub (SQLite and PostgreSQL): the seed's body, the mapped
record in its envelope, compile and runtime errors in the hub's error schema, and who may call.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from crossdock.api.routers.mapping_cml import router
from tests.api import conftest as api_conftest
from tests.api.conftest import Api
from tests.mapping.cml_helpers import seed_product

api = api_conftest.api  # the real-hub fixture (SQLite and PostgreSQL), for ``cml`` below

AGENCY = "11111111-2222-3333-4444-555555555555"

TEMPLATE = """cml: 1
variables:
  channel: web
tables:
  colors: {Blue: BLU, Green: GRN}
output:
  productId: $.merchantProductId
  channel: $variables.channel
  bundle: $group[*].merchantProductId
  listings:
    each: $.variants
    output:
      object:
        sku: $.sku
        color: {from: $.color, lookup: colors}
        price: {from: $.price, currency: {code: $record.currency, as: text}}
        weight: {from: $record.weight, convert: {from: $record.weightUnit, to: g}}
"""


@pytest.fixture
def cml(api: Api) -> Api:
    """The hub with POST /mapping/cml (included here until the app includes the router)."""
    app: Any = api.client.app
    if not any(getattr(route, "path", None) == "/mapping/cml" for route in app.routes):
        app.include_router(router)
    return api


def post(hub: Api, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return hub.client.post("/mapping/cml", json=body, headers=headers or hub.admin())


def test_maps_the_seed_product_with_overwrites_group_sources_and_variables(cml: Api) -> None:
    body = {
        "template": TEMPLATE,
        "record": seed_product(),
        "overwrites": [
            "output:\n  listings:\n    each: $.variants\n    output:\n      object:\n"
            "        color: {from: $.color, case: lower}\n",
            "tables:\n  colors: {Green: VERT}\n",
        ],
        "groupSources": [{"merchantProductId": "2"}, {"merchantProductId": "3"}],
        "variables": {"channel": "lazada_sg"},
    }
    r = post(cml, body)
    assert r.status_code == 200, r.text
    mapped = r.json()["record"]
    assert mapped["productId"] == "1"
    assert mapped["channel"] == "lazada_sg"
    assert mapped["bundle"] == ["2", "3"]
    assert mapped["listings"][0] == {"sku": "a1", "color": "blue", "price": "99.90", "weight": 50}
    assert [x["sku"] for x in mapped["listings"]] == ["a1", "a2", "a3", "a4"]


def test_only_template_and_record_are_required(cml: Api) -> None:
    r = post(cml, {"template": "output:\n  sku: $.variants[0].sku\n", "record": seed_product()})
    assert r.status_code == 200, r.text
    assert r.json() == {"record": {"sku": "a1"}}


def test_a_template_error_names_the_template_and_line(cml: Api) -> None:
    r = post(cml, {"template": "output:\n  a: $.x\n  b:\n    frm: $.y\n", "record": {}})
    assert r.status_code == 400
    body = r.json()
    assert body["field"] == "template:4"
    assert body["detail"].startswith("unknown key 'frm' (did you mean from?)")
    assert "CML template is not valid" in body["explanation"]
    assert r.headers["x-cresco-error"].startswith("template:4: unknown key 'frm'")
    r = post(cml, {"template": "output: {}\n", "record": {}, "overwrites": ["x: 1\n"]})
    assert r.status_code == 400
    assert r.json()["field"] == "overwrites.0:1"


def test_a_runtime_error_names_the_value_in_the_record(cml: Api) -> None:
    product = seed_product()
    product["variants"][1]["price"] = "abc"
    r = post(cml, {"template": TEMPLATE, "record": product})
    assert r.status_code == 400
    body = r.json()
    assert body["field"] == "record.variants[1].price"
    assert body["detail"] == (
        "cannot convert 'abc' to a number (output listings[1].price, template:16)"
    )
    assert "could not be mapped" in body["explanation"]
    r = post(
        cml,
        {
            "template": "output:\n  n: {each: $group, output: {from: $.n, to: integer}}\n",
            "record": {},
            "groupSources": [{"n": 1}, {"n": "one"}],
        },
    )
    assert r.status_code == 400
    assert r.json()["field"] == "groupSources[1].n"


def test_the_body_is_checked_as_the_seed_describes_it(cml: Api) -> None:
    r = post(cml, {"template": "output: {}\n"})
    assert r.status_code == 400
    assert r.json()["field"] == "CmlMappingModel.record"
    r = post(cml, {"template": "output: {}\n", "record": [{}]})
    assert r.status_code == 400
    assert r.json()["field"] == "CmlMappingModel.record"
    r = post(cml, {"template": "output: {}\n", "record": {}, "overwrites": "x"})
    assert r.status_code == 400
    r = post(cml, {"template": "output: {}\n", "record": {}, "stylesheet": "x"})
    assert r.status_code == 400
    assert r.json()["detail"] == "Unknown field."


def test_any_authenticated_user_may_map_and_nobody_else(cml: Api) -> None:
    admin = cml.admin()
    company = cml.make_company(admin, agencyId=AGENCY)["companyId"]
    user = cml.make_user(admin, "clerk@acme.test", "company", companyId=company)
    body = {"template": "output:\n  t: $.title\n", "record": {"title": "x"}}
    r = post(cml, body, user)
    assert r.status_code == 200, r.text
    assert r.json() == {"record": {"t": "x"}}
    r = cml.client.post("/mapping/cml", json=body)
    assert r.status_code == 401


def test_a_hostile_template_is_refused_quickly(cml: Api) -> None:
    template = (
        "output:\n  x:\n    each: $.items\n    output:\n      each: $record.items\n"
        "      output: {each: $record.items}\n"
    )
    started = time.perf_counter()
    r = post(cml, {"template": template, "record": {"items": list(range(2000))}})
    assert r.status_code == 400
    assert "units of work" in r.json()["detail"]
    assert time.perf_counter() - started < 5
    r = post(cml, {"template": "output:\n  a: '" + "x" * 300_000 + "'\n", "record": {}})
    assert r.status_code == 400
    assert r.json()["field"] == "template"
