"""Publishing to another Commerce Connect hub over real HTTP: records sent to this hub reach
the other hub's api source integration through POST /streams_batch, as they are, then their
changes and their deletion. (That a batch sent again lands once is the connector's, tested in
tests/connectors/test_crescodata_actions.py.)"""

from __future__ import annotations

import copy
from typing import Any

from tests.api.conftest import Api
from tests.api.test_publish_vendors import flow
from tests.api.test_pull import OTHER_ADMIN, OtherHub
from tests.api.test_records import ORDER
from tests.api.test_seed_samples import base_url  # noqa: F401 - the other hub, on uvicorn


def order(number: str, **changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(ORDER)
    record.update(systemOrderId=number, systemOrderNumber=f"down-{number}", **changes)
    return record


def settings(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "baseUrl": url,
        "clientId": OTHER_ADMIN["clientId"],
        "username": OTHER_ADMIN["username"],
        "password": OTHER_ADMIN["password"],
        **extra,
    }


def downstream_orders(other: OtherHub, **params: str) -> list[dict[str, Any]]:
    query = "&".join(f"{k}={v}" for k, v in {"limit": "100", **params}.items())
    found: list[dict[str, Any]] = other.call("get", f"/orders?{query}")
    return [o for o in found if o["data"][0]["systemOrderNumber"].startswith("down-")]


def test_records_reach_the_other_hub_then_their_changes_and_deletion(
    api: Api,
    base_url: str,  # noqa: F811
) -> None:
    other = OtherHub(base_url)
    hub = flow(
        api, "orders", "crescodata", settings(base_url, remoteIntegrationId=other.integration)
    )

    created = hub.send("o1", order("1"))
    assert created["status"] == "created", created["errors"]
    [there] = downstream_orders(other)
    assert there["integrationId"] == other.integration
    assert there["objectId"] == created["crescoId"]  # keyed by this hub's crescoId
    assert there["data"][0]["status"] == ORDER["status"]
    assert there["data"][0]["orderTotal"] == ORDER["orderTotal"]

    updated = hub.send("o1", order("1", status="shipped"))
    assert updated["status"] == "updated", updated["errors"]
    [there] = downstream_orders(other)
    assert (there["version"], there["data"][0]["status"]) == (2, "shipped")

    deleted = hub.send("o1", None)
    assert deleted["status"] == "deleted", deleted["errors"]
    assert downstream_orders(other) == []
    [gone] = downstream_orders(other, deleted="true")
    assert gone["crescoId"] == there["crescoId"]

    # What was sent is kept here, as for any destination.
    history = hub.history(f"/publish/{hub.destination}/{created['crescoId']}/history")
    assert [p["action"] for p in history][:3] == ["delete", "update", "create"]


def test_a_destination_without_the_other_hubs_integration_parks_with_the_reason(
    api: Api,
    base_url: str,  # noqa: F811
) -> None:
    hub = flow(api, "orders", "crescodata", settings(base_url))
    result = hub.send("o1", order("2"))
    assert result["status"] == "failed", result
    assert "remoteIntegrationId" in str(result["errors"])


TEMPLATE = """
cml: 1
output:
  systemOrderId: $.systemOrderId
  systemOrderNumber: $.systemOrderNumber
  country: $.country
  currency: $.currency
  customerId: $.customerId
  saleChannel: {value: Crossdock}
  orderTotal: $.orderTotal
  status: {value: shipped}
  publish: $.publish
  createdAt: $.createdAt
  updatedAt: $.updatedAt
  addresses: $.addresses
  variants: $.variants
"""


def test_a_publish_template_maps_the_whole_record_on_its_way(
    api: Api,
    base_url: str,  # noqa: F811
) -> None:
    other = OtherHub(base_url)
    hub = flow(
        api,
        "orders",
        "crescodata",
        settings(base_url, remoteIntegrationId=other.integration, publishTemplate=TEMPLATE),
    )
    assert hub.send("o3", order("3"))["status"] == "created"
    [there] = downstream_orders(other)
    assert {row["saleChannel"] for row in there["data"]} == {"Crossdock"}
    assert {row["status"] for row in there["data"]} == {"shipped"}
    assert sorted(row["sku"] for row in there["data"]) == ["abc", "def"]  # every variant
