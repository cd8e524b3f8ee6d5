"""POST /streams_batch through master records: the semantics of id, merge, null and groupId,
durability, the outcome of every item, and the seed's envelope and queries."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.api.conftest import Api

AGENCY = "11111111-2222-3333-4444-555555555555"

ORDER = {
    "addresses": {
        "billing": {
            "name": "Test Person",
            "zip": "123456",
            "street": "address line 1",
            "city": "Singapore",
            "country": "SG",
        }
    },
    "country": "SG",
    "createdAt": "2022-01-01T00:00:00+00:00",
    "currency": "SGD",
    "customerId": "customer_1",
    "saleChannel": "Amazon",
    "orderTotal": 100,
    "status": "partiallyShipped",
    "systemOrderId": "1",
    "systemOrderNumber": "order-1",
    "publish": True,
    "updatedAt": "2022-01-01T01:00:00+00:00",
    "variants": [
        {
            "systemOrderItemId": "a1",
            "systemOrderItemNumber": "line-a1",
            "sku": "abc",
            "quantity": 2,
            "productName": "My Product",
            "itemPrice": 50,
            "itemStatus": "shipped",
        },
        {
            "systemOrderItemId": "a2",
            "systemOrderItemNumber": "line-a2",
            "sku": "def",
            "quantity": 2,
            "productName": "My Other Product",
            "itemPrice": 50,
            "itemStatus": "pending",
        },
    ],
}


@pytest.fixture
def source(api: Api) -> dict[str, Any]:
    admin = api.admin()
    company = api.make_company(admin, agencyId=AGENCY)
    ids = {}
    for sync in ("orders", "products", "prices", "stock"):
        r = api.client.post(
            "/integrations",
            json={
                "active": True,
                "add": False,
                "delete": False,
                "get": True,
                "update": False,
                "meta": {},
                "syncType": sync,
                "systemId": "api",
                "companyId": company["companyId"],
            },
            headers=admin,
        )
        assert r.status_code == 201, r.text
        ids[sync] = r.json()["integrationId"]
    return {"headers": admin, "company": company["companyId"], **ids}


def send(
    api: Api,
    source: dict[str, Any],
    items: list[dict[str, Any]],
    sync: str = "orders",
    **extra: Any,
) -> str:
    r = api.client.post(
        "/streams_batch",
        json={"integrationId": source[sync], "items": items, **extra},
        headers=source["headers"],
    )
    assert r.status_code == 200, r.text
    request_id: str = r.json()["requestId"]
    return request_id


def outcome(api: Api, source: dict[str, Any], request_id: str) -> dict[str, Any]:
    r = api.client.get(f"/requests/{request_id}", headers=source["headers"])
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def orders(api: Api, source: dict[str, Any], **params: str) -> list[dict[str, Any]]:
    r = api.client.get("/orders", params=params, headers=source["headers"])
    assert r.status_code == 200, r.text
    body: list[dict[str, Any]] = r.json()
    return body


def test_accepted_items_wait_durably_then_merge(api: Api, source: dict[str, Any]) -> None:
    request_id = send(api, source, [{"id": "o1", "record": ORDER}], requestId="client-req-1")
    assert request_id == "client-req-1"
    pending = outcome(api, source, request_id)
    assert pending["done"] is False
    assert pending["items"][0]["status"] == "pending"
    assert api.drain() == 1
    done = outcome(api, source, request_id)
    assert done["done"] is True
    assert done["items"][0]["status"] == "created"
    found = orders(api, source, **{"data.systemOrderNumber": "order-1"})
    assert len(found) == 1
    envelope = found[0]
    assert list(envelope)[:10] == [
        "crescoId",
        "companyId",
        "agencyId",
        "systemId",
        "requestId",
        "objectId",
        "forceRefreshedAt",
        "updatedAt",
        "forceRefreshed",
        "data",
    ]
    assert envelope["objectId"] == "o1"
    assert envelope["requestId"] == "client-req-1"
    assert [row["systemOrderItemId"] for row in envelope["data"]] == ["a1", "a2"]
    assert all(row["systemOrderNumber"] == "order-1" for row in envelope["data"])
    assert done["items"][0]["crescoId"] == envelope["crescoId"]


def test_identical_resend_makes_no_version_and_reused_request_id_is_not_stored_twice(
    api: Api, source: dict[str, Any]
) -> None:
    send(api, source, [{"id": "o1", "record": ORDER}])
    second = send(api, source, [{"id": "o1", "record": ORDER}])
    again = send(api, source, [{"id": "o1", "record": ORDER}], requestId=second)
    assert again == second
    api.drain()
    assert [i["status"] for i in outcome(api, source, second)["items"]] == ["unchanged"]
    crescoId = orders(api, source)[0]["crescoId"]
    history = api.client.get(f"/orders/{crescoId}/history", headers=source["headers"]).json()
    assert [v["version"] for v in history] == [1]


def test_new_id_is_a_new_record_and_same_id_updates(api: Api, source: dict[str, Any]) -> None:
    send(api, source, [{"id": "o1", "record": ORDER}, {"id": "o2", "record": ORDER}])
    changed = copy.deepcopy(ORDER)
    changed["status"] = "shipped"
    send(api, source, [{"id": "o1", "record": changed}])
    api.drain()
    found = {o["objectId"]: o for o in orders(api, source)}
    assert set(found) == {"o1", "o2"}
    assert found["o1"]["version"] == 2
    assert found["o1"]["data"][0]["status"] == "shipped"
    assert found["o2"]["version"] == 1


def test_merge_true_deep_merges_variants_and_shipments(api: Api, source: dict[str, Any]) -> None:
    send(api, source, [{"id": "o1", "record": ORDER}])
    shipment = {
        "systemOrderId": "1",
        "variants": [
            {
                "systemOrderItemId": "a2",
                "itemStatus": "shipped",
                "shipments": [
                    {
                        "shipmentId": "t1",
                        "trackingId": "t1",
                        "shippingProvider": "DHL",
                        "quantity": 1,
                    }
                ],
            }
        ],
    }
    send(api, source, [{"id": "o1", "record": shipment, "merge": True}])
    second = {
        "systemOrderId": "1",
        "variants": [
            {
                "systemOrderItemId": "a2",
                "shipments": [
                    {"shipmentId": "t2", "trackingId": "t2", "quantity": 1},
                    {
                        "shipmentId": "t1",
                        "trackingId": "t1",
                        "shippingProvider": "UPS",
                        "quantity": 1,
                    },
                ],
            }
        ],
    }
    send(api, source, [{"id": "o1", "record": second, "merge": True}])
    api.drain()
    [order] = orders(api, source)
    rows = {row["systemOrderItemId"]: row for row in order["data"]}
    assert rows["a1"]["itemStatus"] == "shipped"
    assert rows["a1"]["productName"] == "My Product"
    assert rows["a2"]["itemStatus"] == "shipped"
    assert rows["a2"]["productName"] == "My Other Product"
    assert [(s["shipmentId"], s.get("shippingProvider")) for s in rows["a2"]["shipments"]] == [
        ("t1", "UPS"),
        ("t2", None),
    ]
    assert order["data"][0]["systemOrderNumber"] == "order-1"


def test_merge_false_replaces(api: Api, source: dict[str, Any]) -> None:
    send(api, source, [{"id": "o1", "record": ORDER}])
    smaller = {
        "systemOrderId": "1",
        "systemOrderNumber": "order-1",
        "status": "pending",
        "publish": True,
        "variants": [
            {
                "systemOrderItemId": "a1",
                "systemOrderItemNumber": "line-a1",
                "sku": "abc",
                "quantity": 1,
            }
        ],
    }
    send(api, source, [{"id": "o1", "record": smaller, "merge": False}])
    api.drain()
    [order] = orders(api, source)
    assert [row["systemOrderItemId"] for row in order["data"]] == ["a1"]
    assert "currency" not in order["data"][0]


def test_null_record_deletes_with_history_kept(api: Api, source: dict[str, Any]) -> None:
    send(api, source, [{"id": "o1", "record": ORDER}])
    send(api, source, [{"id": "o1", "record": None}])
    api.drain()
    assert orders(api, source) == []
    [deleted] = orders(api, source, deleted="true")
    assert deleted["deleted"] is True
    history = api.client.get(
        f"/orders/{deleted['crescoId']}/history", headers=source["headers"]
    ).json()
    assert [(v["version"], v["deleted"]) for v in history] == [(2, True), (1, False)]
    send(api, source, [{"id": "o1", "record": ORDER}])
    api.drain()
    [back] = orders(api, source)
    assert back["crescoId"] == deleted["crescoId"]
    assert back["version"] == 3


def test_rejected_items_carry_field_errors_and_do_not_stop_the_batch(
    api: Api, source: dict[str, Any]
) -> None:
    bad = {**ORDER, "currency": "XXX"}
    request_id = send(api, source, [{"id": "bad", "record": bad}, {"id": "good", "record": ORDER}])
    api.drain()
    items = {i["id"]: i for i in outcome(api, source, request_id)["items"]}
    assert items["bad"]["status"] == "rejected"
    assert items["bad"]["errors"][0]["field"] == "currency"
    assert items["good"]["status"] == "created"
    assert [o["objectId"] for o in orders(api, source)] == ["good"]


def test_group_id_combines_products_from_separate_calls(api: Api, source: dict[str, Any]) -> None:
    common = {
        "available": True,
        "images": ["https://img/1.jpg"],
        "price": 10.0,
        "publish": True,
        "stockQuantity": 3,
    }
    blue = {
        **common,
        "merchantProductId": "p1",
        "title": "Shoe",
        "variants": [{"merchantVariantId": "v-blue", "sku": "s-blue", "color": "Blue"}],
    }
    green = {
        **common,
        "merchantProductId": "p1",
        "title": "Shoe",
        "variants": [{"merchantVariantId": "v-green", "sku": "s-green", "color": "Green"}],
    }
    send(api, source, [{"id": "blue", "record": blue, "groupId": "shoe"}], sync="products")
    send(api, source, [{"id": "green", "record": green, "groupId": "shoe"}], sync="products")
    api.drain()
    [product] = api.client.get("/products", headers=source["headers"]).json()
    assert product["objectId"] == "shoe"
    assert sorted(row["sku"] for row in product["data"]) == ["s-blue", "s-green"]
    teal = {**blue, "variants": [{"merchantVariantId": "v-teal", "sku": "s-teal", "color": "Teal"}]}
    send(api, source, [{"id": "blue", "record": teal, "groupId": "shoe"}], sync="products")
    send(api, source, [{"id": "green", "record": None, "groupId": "shoe"}], sync="products")
    api.drain()
    [product] = api.client.get("/products", headers=source["headers"]).json()
    assert [row["sku"] for row in product["data"]] == ["s-teal"]


def test_indexed_and_json_filters_together(api: Api, source: dict[str, Any]) -> None:
    other = copy.deepcopy(ORDER)
    other["systemOrderNumber"] = "order-2"
    other["variants"][0]["quantity"] = 7
    send(api, source, [{"id": "o1", "record": ORDER}, {"id": "o2", "record": other}])
    api.drain()
    assert [
        o["objectId"] for o in orders(api, source, **{"data.sku": "abc", "data.quantity__gt": "5"})
    ] == ["o2"]
    assert {o["objectId"] for o in orders(api, source, **{"data.sku": "abc"})} == {"o1", "o2"}
    assert orders(api, source, **{"data.sku": "zzz"}) == []


def test_batch_refusals(api: Api, source: dict[str, Any]) -> None:
    h = source["headers"]
    r = api.client.post(
        "/streams_batch",
        json={"integrationId": "nope", "items": [{"id": "1", "record": {}}]},
        headers=h,
    )
    assert r.status_code == 404
    r = api.client.post(
        "/streams_batch", json={"integrationId": source["orders"], "items": []}, headers=h
    )
    assert r.status_code == 400
    assert r.json()["field"] == "StreamsBatchModel.items"
    r = api.client.post(
        "/streams_batch",
        json={"integrationId": source["orders"], "items": [{"id": "1"}]},
        headers=h,
    )
    assert r.status_code == 400
    assert r.json()["field"] == "StreamsBatchModel.items.0.record"
    api.client.patch(f"/integrations/{source['orders']}", json={"active": False}, headers=h)
    r = api.client.post(
        "/streams_batch",
        json={"integrationId": source["orders"], "items": [{"id": "1", "record": {}}]},
        headers=h,
    )
    assert r.status_code == 400
    assert "not active" in r.json()["detail"]


def test_unknown_sync_type_and_other_tenants(api: Api, source: dict[str, Any]) -> None:
    send(api, source, [{"id": "o1", "record": ORDER}])
    api.drain()
    assert api.client.get("/widgets", headers=source["headers"]).status_code == 404
    outsider = api.make_user(
        source["headers"], "other@t", "agency", agencyId="another-agency", syncs=["orders"]
    )
    assert api.client.get("/orders", headers=outsider).json() == []
    cresco_id = orders(api, source)[0]["crescoId"]
    assert api.client.get(f"/orders/{cresco_id}", headers=outsider).status_code == 404
    no_orders = api.make_user(
        source["headers"], "prod@t", "agency", agencyId=AGENCY, syncs=["products"]
    )
    assert api.client.get("/orders", headers=no_orders).status_code == 404


PRODUCT = {
    "merchantProductId": "p1",
    "title": "Mug",
    "available": True,
    "images": ["https://img/mug.jpg"],
    "publish": True,
    "price": 10.0,
    "stockQuantity": 5,
    "variants": [
        {"merchantVariantId": "v1", "sku": "mug-red", "color": "Red"},
        {"merchantVariantId": "v2", "sku": "mug-blue", "color": "Blue"},
    ],
}


def test_prices_and_stock_update_the_products_they_name(api: Api, source: dict[str, Any]) -> None:
    send(api, source, [{"id": "p1", "record": PRODUCT}], sync="products")
    api.drain()
    prices = send(
        api,
        source,
        [
            {
                "id": "price-1",
                "record": {"variants": [{"sku": "mug-red", "price": 12.5, "salePrice": 11.0}]},
            }
        ],
        sync="prices",
    )
    send(
        api,
        source,
        [
            {
                "id": "stock-1",
                "record": {"merchantVariantId": "v2", "stockQuantity": 0, "available": False},
            }
        ],
        sync="stock",
    )
    api.drain()
    [product] = api.client.get("/products", headers=source["headers"]).json()
    rows = {row["sku"]: row for row in product["data"]}
    assert (rows["mug-red"]["price"], rows["mug-red"]["salePrice"]) == (12.5, 11.0)
    assert (
        rows["mug-blue"]["price"],
        rows["mug-blue"]["stockQuantity"],
        rows["mug-blue"]["available"],
    ) == (10.0, 0, False)
    assert product["version"] == 3
    history = api.client.get(
        f"/products/{product['crescoId']}/history", headers=source["headers"]
    ).json()
    assert [v["requestId"] for v in history][1] == prices
    # the prices record is a master record of its own too
    assert len(api.client.get("/prices", headers=source["headers"]).json()) == 1


def test_system_results_report_every_item(api: Api, source: dict[str, Any]) -> None:
    bad = {**ORDER, "currency": "XXX"}
    request_id = send(api, source, [{"id": "o1", "record": ORDER}, {"id": "o2", "record": bad}])
    api.drain()
    results = api.client.get(
        "/system_results", params={"requestId": request_id}, headers=source["headers"]
    ).json()
    by_object = {r["objectId"]: r for r in results}
    assert by_object["o1"]["status"] == "created"
    assert by_object["o1"]["direction"] == "source"
    assert by_object["o2"]["status"] == "rejected"
    assert by_object["o2"]["errors"][0]["field"] == "currency"
    cresco_id = by_object["o1"]["crescoId"]
    send(api, source, [{"id": "o1", "record": ORDER}])
    api.drain()
    history = api.client.get(
        f"/system_results/{cresco_id}/{source['orders']}/history", headers=source["headers"]
    ).json()
    assert [r["status"] for r in history] == ["unchanged", "created"]


def test_the_seeds_own_samples_through_streams_batch(api: Api, source: dict[str, Any]) -> None:
    """The docs' order, shipment, cancel, return and product samples, sent as-is."""
    from tests.records.test_schemas_seed import seed_sample

    order = seed_sample("Create a New Order")
    first = send(api, source, [{"id": "order-1", "record": order}])
    follow_ups = [
        send(api, source, [{"id": "order-123", "record": seed_sample(title), "merge": True}])
        for title in ("Shipment Order", "Cancel Order", "Return Order")
    ]
    product = send(
        api,
        source,
        [{"id": "product-1", "record": seed_sample("Create / Update Product")}],
        sync="products",
    )
    api.drain()
    statuses = [outcome(api, source, r)["items"][0]["status"] for r in (first, *follow_ups)]
    assert statuses == ["created", "created", "updated", "updated"]
    assert [i["status"] for i in outcome(api, source, product)["items"]] == ["created"]
    [found] = orders(
        api,
        source,
        **{"data.systemOrderNumber": "order-1", "_sort": "updatedAt:desc", "limit": "10"},
    )
    assert found["objectId"] == "order-1"
    assert [row["systemOrderItemId"] for row in found["data"]] == ["a1", "a2"]
    assert found["data"][0]["shipments"][0]["shipmentId"] == "tracking-123"
    assert found["data"][0]["addresses"]["billing"]["country"] == "SG"
    [merged] = orders(api, source, **{"data.systemOrderNumber": "order123"})
    assert merged["objectId"] == "order-123"
    assert merged["version"] == 3
    line_a = next(row for row in merged["data"] if row["systemOrderItemId"] == "a")
    assert [s["shipmentId"] for s in line_a["shipments"]] == ["tracking123"]
    assert [c["cancelId"] for c in line_a["cancels"]] == ["cancel001", "cancel002"]
    assert [r["returnId"] for r in line_a["returns"]] == ["return-01", "return-02"]
    assert line_a["itemStatus"] == "partiallyRefunded"
    [products] = api.client.get(
        "/products", params={"data.sku": "a3"}, headers=source["headers"]
    ).json()
    assert len(products["data"]) == 4
    assert products["data"][2]["overwrites"]["system:lazada_sg"]["stockQuantity"] == 888
