"""The pure record algebra: merge, parts of a group, flattening, keys."""

from __future__ import annotations

from crossdock.records.merge import canonical, combine_parts, deep_merge, flatten, key_values

ORDER_KEYS = {
    "variant_keys": ("systemOrderItemId",),
    "subitem_keys": {"shipments": "shipmentId", "cancels": "cancelId", "returns": "returnId"},
}


def test_deep_merge_matches_variants_and_subitems_by_id() -> None:
    stored = {
        "status": "pending",
        "addresses": {"billing": {"city": "A", "zip": "1"}},
        "variants": [
            {
                "systemOrderItemId": "a",
                "quantity": 2,
                "shipments": [{"shipmentId": "s1", "quantity": 1}],
            },
            {"systemOrderItemId": "b", "quantity": 1},
        ],
        "tags": ["x", "y"],
    }
    incoming = {
        "status": "shipped",
        "addresses": {"billing": {"city": "B"}},
        "variants": [
            {
                "systemOrderItemId": "a",
                "shipments": [
                    {"shipmentId": "s2", "quantity": 1},
                    {"shipmentId": "s1", "quantity": 2},
                ],
            },
            {"systemOrderItemId": "c", "quantity": 5},
        ],
        "tags": ["z"],
    }
    merged = deep_merge(stored, incoming, **ORDER_KEYS)
    assert merged["status"] == "shipped"
    assert merged["addresses"] == {"billing": {"city": "B", "zip": "1"}}
    assert [v["systemOrderItemId"] for v in merged["variants"]] == ["a", "b", "c"]
    assert merged["variants"][0]["quantity"] == 2
    assert merged["variants"][0]["shipments"] == [
        {"shipmentId": "s1", "quantity": 2},
        {"shipmentId": "s2", "quantity": 1},
    ]
    assert merged["tags"] == ["z"]  # other lists are replaced
    assert stored["status"] == "pending"  # inputs are not mutated


def test_variants_match_on_any_key() -> None:
    stored = {"variants": [{"merchantVariantId": "1", "sku": "a1", "price": 1}]}
    merged = deep_merge(
        stored,
        {"variants": [{"sku": "a1", "price": 2}]},
        variant_keys=("merchantVariantId", "sku"),
        subitem_keys={},
    )
    assert merged["variants"] == [{"merchantVariantId": "1", "sku": "a1", "price": 2}]


def test_combine_parts_keeps_arrival_order() -> None:
    parts = [
        ("blue", {"title": "Shoe", "variants": [{"sku": "b"}]}),
        ("green", {"title": "Shoe v2", "variants": [{"sku": "g"}]}),
    ]
    combined = combine_parts(parts, variant_keys=("sku",), subitem_keys={})
    assert combined == {"title": "Shoe v2", "variants": [{"sku": "b"}, {"sku": "g"}]}


def test_flatten_applies_top_level_to_every_variant_unless_set() -> None:
    record = {
        "currency": "SGD",
        "publish": True,
        "overwrites": {"system:amazon": {"publish": False, "title": "T"}},
        "variants": [
            {"sku": "a"},
            {
                "sku": "b",
                "publish": False,
                "overwrites": {"system:amazon": {"publish": True}, "system:ebay": {"x": 1}},
            },
        ],
    }
    rows = flatten(record)
    assert rows[0] == {
        "currency": "SGD",
        "publish": True,
        "sku": "a",
        "overwrites": {"system:amazon": {"publish": False, "title": "T"}},
    }
    assert rows[1]["publish"] is False
    assert rows[1]["overwrites"] == {
        "system:amazon": {"publish": True, "title": "T"},
        "system:ebay": {"x": 1},
    }
    assert flatten({"name": "no variants"}) == [{"name": "no variants"}]


def test_key_values_and_canonical() -> None:
    rows = [{"sku": "a", "quantity": 1, "systemOrderId": 12, "flag": True, "price": 2.0}]
    assert key_values(rows, ("sku", "systemOrderId", "flag", "price", "missing")) == {
        ("sku", "a"),
        ("systemOrderId", "12"),
        ("price", "2"),
    }
    assert canonical({"b": 1, "a": [1, {"y": 2, "x": 1}]}) == canonical(
        {"a": [1, {"x": 1, "y": 2}], "b": 1}
    )


def test_variants_with_a_shared_id_but_different_skus_stay_apart() -> None:
    # the docs' product sample gives all four variants merchantVariantId "1"
    keys = {"variant_keys": ("merchantVariantId", "sku"), "subitem_keys": {}}
    stored = {
        "variants": [
            {"merchantVariantId": "1", "sku": "a1"},
            {"merchantVariantId": "1", "sku": "a2"},
        ]
    }
    merged = deep_merge(
        stored, {"variants": [{"merchantVariantId": "1", "sku": "a2", "price": 5}]}, **keys
    )
    assert merged["variants"] == [
        {"merchantVariantId": "1", "sku": "a1"},
        {"merchantVariantId": "1", "sku": "a2", "price": 5},
    ]


def test_overwrites_apply_per_destination_system_then_integration() -> None:
    from crossdock.records.merge import apply_overwrites

    row = {
        "title": "T",
        "publish": True,
        "price": 1,
        "overwrites": {
            "system:amazon": {"price": 2, "publish": False},
            "system:ebay,cro": {"price": 3},
            "integration:i-1": {"price": 4},
        },
    }
    assert apply_overwrites(row, "amazon", "i-9") == {"title": "T", "publish": False, "price": 2}
    assert apply_overwrites(row, "cro", "i-9") == {"title": "T", "publish": True, "price": 3}
    assert apply_overwrites(row, "cro", "i-1") == {"title": "T", "publish": True, "price": 4}
    assert apply_overwrites(row, "api", "i-2") == {"title": "T", "publish": True, "price": 1}
