"""Cropster sandbox: the green lot commands, request validation and the HTTP surface."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.sandboxes.test_cropster_support import error_of, open_api

pytestmark = pytest.mark.anyio

LIST_GREEN = "inventory.green.listGreenLots"
GET_GREEN = "inventory.green.getGreenLotDetailsByIds"
IMPORT = "inventory.green.importGreenLot"
SET_WEIGHT = "inventory.green.setGreenLotWeight"
TRANSFER = "inventory.green.transferGreenLotToLocation"
DOC_LOT = "550e8400-e29b-41d4-a716-446655440000"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def lot_import(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Kenya Nyeri AA",
        "icoNumber": "025/0001/0042",
        "externalId": "erp-lot-1",
        "weight": {"amount": 690, "unit": "KG"},
        "price": {"amount": 7.25, "currency": "EUR"},
        "location": {"externalId": "location-1234"},
    }
    data.update(overrides)
    return {"data": {k: v for k, v in data.items() if v is not ...}}


async def get_lot(api: Any, lot_id: str) -> dict[str, Any]:
    got = await api.ok(GET_GREEN, {"params": {"greenLotIds": [lot_id]}})
    lot: dict[str, Any] = got["result"]["greenLots"][0]
    return lot


async def test_import_creates_a_lot_at_the_head_then_updates_it_by_external_id() -> None:
    async with open_api() as api:
        created = (await api.ok(IMPORT, lot_import()))["result"]["greenLot"]
        assert created["externalId"] == "erp-lot-1"
        assert created["weight"] == {"amount": 690, "unit": "KG"}
        assert created["price"] == {"amount": 7.25, "currency": "EUR"}
        assert created["location"]["externalId"] == "location-1234"
        head = (await api.ok(LIST_GREEN, {"params": {"pagination": {"limit": 1}}}))["result"]
        assert head["greenLots"] == [created]

        await api.control("clock/advance", {"seconds": 60})
        again = lot_import(weight={"amount": 500, "unit": "KG"}, price=None)
        updated = (await api.ok(IMPORT, again))["result"]["greenLot"]
        assert updated["id"] == created["id"]
        assert updated["weight"]["amount"] == 500
        assert updated["price"] is None
        assert updated["createdAt"] == created["createdAt"]
        assert updated["updatedAt"] > created["updatedAt"]
        status = (await api.http.get("/_sandbox/")).json()
        assert status["counts"]["greenLots"] == 151

        # Importing the same thing again changes nothing, so updatedAt stays put.
        await api.control("clock/advance", {"seconds": 60})
        same = (await api.ok(IMPORT, again))["result"]["greenLot"]
        assert same["updatedAt"] == updated["updatedAt"]


async def test_import_may_name_the_location_by_id_and_move_a_lot() -> None:
    async with open_api() as api:
        created = (await api.ok(IMPORT, lot_import()))["result"]["greenLot"]
        other = next(loc for loc in await locations(api) if loc["externalId"] != "location-1234")
        moved = (await api.ok(IMPORT, lot_import(location={"id": other["id"]})))["result"]
        assert moved["greenLot"]["id"] == created["id"]
        assert moved["greenLot"]["location"] == other
        both = lot_import(location={"id": other["id"], "externalId": other["externalId"]})
        assert (await api.call(IMPORT, both)).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"name": ...}, 422, "missing_parameter"),
        ({"name": "   "}, 422, "missing_parameter"),
        ({"externalId": ...}, 422, "missing_parameter"),
        ({"weight": ...}, 422, "missing_parameter"),
        ({"location": ...}, 422, "missing_parameter"),
        ({"location": {}}, 422, "missing_parameter"),
        ({"weight": {"amount": 5}}, 422, "missing_parameter"),
        ({"price": {"amount": 5}}, 422, "missing_parameter"),
        ({"weight": {"amount": -1, "unit": "KG"}}, 422, "invalid_weight"),
        ({"weight": {"amount": "12", "unit": "KG"}}, 422, "invalid_weight"),
        ({"weight": {"amount": True, "unit": "KG"}}, 422, "invalid_weight"),
        ({"weight": {"amount": 10**400, "unit": "KG"}}, 422, "invalid_weight"),
        ({"weight": {"amount": 1e12, "unit": "KG"}}, 422, "invalid_weight"),
        ({"weight": 12.5}, 422, "invalid_weight"),
        ({"weight": {"amount": 1, "unit": "G"}}, 422, "unsupported_unit"),
        ({"weight": {"amount": 1, "unit": ["KG"]}}, 422, "unsupported_unit"),
        ({"price": {"amount": -0.5, "currency": "USD"}}, 422, "invalid_price"),
        ({"price": {"amount": "cheap", "currency": "USD"}}, 422, "invalid_price"),
        ({"price": {"amount": 1, "currency": "usd"}}, 422, "unsupported_currency"),
        ({"price": {"amount": 1, "currency": "XYZ"}}, 422, "unsupported_currency"),
        ({"price": {"amount": 1, "currency": {"code": "USD"}}}, 422, "unsupported_currency"),
        ({"name": "x" * 256}, 422, "invalid_parameter"),
        ({"name": 42}, 400, "invalid_parameter"),
        ({"warehouse": "north"}, 400, "invalid_parameter"),
        ({"location": {"externalId": "location-0000"}}, 404, "resource_not_found"),
        ({"location": {"id": UNKNOWN}}, 404, "resource_not_found"),
        ({"location": {"id": "12"}}, 400, "invalid_parameter"),
        ({"location": "location-1234"}, 400, "invalid_parameter"),
    ],
)
async def test_import_validation(overrides: dict[str, Any], status: int, code: str) -> None:
    async with open_api() as api:
        r = await api.call(IMPORT, lot_import(**overrides))
        assert error_of(r) == (status, code)
        status_after = (await api.http.get("/_sandbox/")).json()
        assert status_after["counts"]["greenLots"] == 150


async def test_text_with_quotes_and_unicode_round_trips() -> None:
    async with open_api() as api:
        name = 'Caf\u00e9 "\u00d1u\u00f1oa" back\\slash\ttab \u2615'
        body = lot_import(name=name, icoNumber="</script>", externalId="erp-\u00e9")
        created = (await api.ok(IMPORT, body))["result"]["greenLot"]
        assert (created["name"], created["icoNumber"]) == (name, "</script>")
        assert (await get_lot(api, created["id"]))["externalId"] == "erp-\u00e9"


async def test_lone_surrogates_are_refused_not_crashed_on() -> None:
    async with open_api() as api:
        text = json.dumps(lot_import(name="Kenya \ud800"))  # escaped, so it can be sent
        r = await api.http.post(
            f"/rpc/v1/{IMPORT}",
            content=text,
            headers={"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"},
        )
        assert error_of(r) == (400, "invalid_parameter")


async def test_location_id_and_external_id_must_agree() -> None:
    async with open_api() as api:
        lot = await get_lot(api, DOC_LOT)
        body = lot_import(location={"id": lot["location"]["id"], "externalId": "location-9"})
        assert error_of(await api.call(IMPORT, body)) == (404, "resource_not_found")


async def test_set_weight_answers_ok_and_zero_marks_the_lot_consumed() -> None:
    async with open_api() as api:
        data = {"greenLotId": DOC_LOT, "weight": {"amount": 40, "unit": "LBS"}}
        r = await api.call(SET_WEIGHT, {"data": data})
        assert r.status_code == 200
        assert r.json() == {"ok": True}
        assert (await get_lot(api, DOC_LOT))["weight"] == {"amount": 40, "unit": "LBS"}
        data["weight"] = {"amount": 0, "unit": "KG"}
        await api.ok(SET_WEIGHT, {"data": data})
        assert (await get_lot(api, DOC_LOT))["weight"]["amount"] == 0
        # A consumed lot can no longer be moved.
        move = {"greenLotId": DOC_LOT, "weight": {"amount": 1, "unit": "KG"}}
        move["location"] = {"externalId": "location-1234"}
        assert error_of(await api.call(TRANSFER, {"data": move})) == (422, "invalid_parameter")


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        ({"greenLotId": UNKNOWN, "weight": {"amount": 1, "unit": "KG"}}, 404, None),
        ({"greenLotId": "lot-1", "weight": {"amount": 1, "unit": "KG"}}, 400, None),
        ({"weight": {"amount": 1, "unit": "KG"}}, 422, "missing_parameter"),
        ({"greenLotId": DOC_LOT}, 422, "missing_parameter"),
        ({"greenLotId": DOC_LOT, "weight": {"amount": -3, "unit": "KG"}}, 422, "invalid_weight"),
        ({"greenLotId": DOC_LOT, "weight": {"amount": 3, "unit": "T"}}, 422, "unsupported_unit"),
    ],
)
async def test_set_weight_errors(data: dict[str, Any], status: int, code: str | None) -> None:
    async with open_api() as api:
        got = error_of(await api.call(SET_WEIGHT, {"data": data}))
        default = {400: "invalid_parameter", 404: "resource_not_found"}
        assert got == (status, code or default[status])
        assert (await get_lot(api, DOC_LOT))["weight"] == {"amount": 12.5, "unit": "KG"}


async def locations(api: Any) -> list[dict[str, str]]:
    lots = await api.list_all(LIST_GREEN, "greenLots")
    unique = {lot["location"]["externalId"]: lot["location"] for lot in lots}
    return sorted(unique.values(), key=lambda location: location["externalId"])


async def test_transfer_creates_then_grows_the_lot_at_the_destination() -> None:
    async with open_api() as api:
        destination = next(
            loc for loc in await locations(api) if loc["externalId"] != "location-1234"
        )
        move = {
            "greenLotId": DOC_LOT,
            "weight": {"amount": 2.5, "unit": "KG"},
            "location": {"externalId": destination["externalId"]},
        }
        before = await get_lot(api, DOC_LOT)
        result = (await api.ok(TRANSFER, {"data": move}))["result"]
        source, target = result["sourceGreenLot"], result["targetGreenLot"]
        assert source["id"] == DOC_LOT
        assert source["updatedAt"] > before["updatedAt"]
        assert source["weight"] == {"amount": 10, "unit": "KG"}
        assert target["id"] != DOC_LOT
        assert target["location"] == destination
        assert target["weight"] == {"amount": 2.5, "unit": "KG"}
        assert (target["name"], target["icoNumber"]) == ("Ethiopia Natural", "5412")
        assert target["externalId"] is None

        # Pounds convert; the second transfer grows the same destination lot.
        move["weight"] = {"amount": 11.0231, "unit": "LBS"}
        result = (await api.ok(TRANSFER, {"data": move}))["result"]
        assert result["targetGreenLot"]["id"] == target["id"]
        assert result["targetGreenLot"]["weight"]["amount"] == pytest.approx(7.5, abs=0.001)
        assert result["sourceGreenLot"]["weight"]["amount"] == pytest.approx(5.0, abs=0.001)
        head = (await api.ok(LIST_GREEN, {"params": {"pagination": {"limit": 1}}}))["result"]
        assert head["greenLots"][0]["id"] == target["id"]

        # Moving it back goes into the original lot; moving all of it consumes the source.
        back = {
            "greenLotId": target["id"],
            "weight": {"amount": result["targetGreenLot"]["weight"]["amount"], "unit": "KG"},
            "location": {"externalId": "location-1234"},
        }
        result = (await api.ok(TRANSFER, {"data": back}))["result"]
        assert result["targetGreenLot"]["id"] == DOC_LOT
        assert result["targetGreenLot"]["weight"]["amount"] == pytest.approx(12.5, abs=0.001)
        assert result["sourceGreenLot"]["weight"]["amount"] == 0
        assert error_of(await api.call(TRANSFER, {"data": back})) == (422, "invalid_parameter")


@pytest.mark.parametrize(
    ("weight", "location", "status", "code"),
    [
        ({"amount": 12.6, "unit": "KG"}, "other", 422, "invalid_weight"),
        ({"amount": 28, "unit": "LBS"}, "other", 422, "invalid_weight"),
        ({"amount": 0, "unit": "KG"}, "other", 422, "invalid_weight"),
        ({"amount": 0.0001, "unit": "KG"}, "other", 422, "invalid_weight"),
        ({"amount": 1, "unit": "KG"}, "same", 422, "invalid_parameter"),
        ({"amount": 1, "unit": "KG"}, "nowhere", 404, "resource_not_found"),
        ({"amount": 1, "unit": "OZ"}, "other", 422, "unsupported_unit"),
    ],
)
async def test_transfer_rules(
    weight: dict[str, Any], location: str, status: int, code: str
) -> None:
    async with open_api() as api:
        others = [loc for loc in await locations(api) if loc["externalId"] != "location-1234"]
        external_id = {
            "other": others[0]["externalId"],
            "same": "location-1234",
            "nowhere": "location-0000",
        }[location]
        move = {
            "greenLotId": DOC_LOT,
            "weight": weight,
            "location": {"externalId": external_id},
        }
        assert error_of(await api.call(TRANSFER, {"data": move})) == (status, code)
        assert (await get_lot(api, DOC_LOT))["weight"] == {"amount": 12.5, "unit": "KG"}


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b'{"params": {}}', "text/plain", 400),
        (b'{"params": {}}', None, 400),
        (b"{not json", "application/json", 400),
        (b"", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'"params"', "application/json", 400),
        (b'{"params": NaN}', "application/json", 400),
        (b'{"params": {"pagination": {"limit": Infinity}}}', "application/json", 400),
        (b"\xff\xfe{}", "application/json", 400),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
        (b'{"params": {"pagination": {"limit": 1' + b"0" * 5000 + b"}}}", "application/json", 400),
        (b'{"params": [], "extra": 1}', "application/json", 400),
        (b'{"params": {}}', "application/json; charset=utf-8", 200),
    ],
)
async def test_malformed_requests_get_cropster_errors(
    content: bytes, content_type: str | None, status: int
) -> None:
    async with open_api() as api:
        headers = {"Authorization": f"Bearer {api.token}"}
        if content_type:
            headers["Content-Type"] = content_type
        r = await api.http.post(f"/rpc/v1/{LIST_GREEN}", content=content, headers=headers)
        if status == 200:
            assert r.status_code == 200
        else:
            assert error_of(r) == (status, "invalid_parameter")


async def test_routing_errors_are_in_cropster_format() -> None:
    async with open_api() as api:
        for verb in ("GET", "PUT", "PATCH", "DELETE"):
            r = await api.http.request(verb, f"/rpc/v1/{LIST_GREEN}")
            assert error_of(r) == (405, "invalid_parameter")
            assert r.headers["allow"] == "POST"
        assert error_of(await api.call("inventory.green.deleteGreenLot")) == (
            404,
            "resource_not_found",
        )
        assert error_of(await api.call("listGreenLots")) == (400, "invalid_parameter")
        r = await api.http.post("/rpc/v2/inventory.green.listGreenLots", json={})
        assert error_of(r) == (404, "resource_not_found")
        assert error_of(await api.http.get("/docs")) == (404, "resource_not_found")
        assert error_of(await api.http.get("/openapi.json")) == (404, "resource_not_found")


JUNK: list[Any] = [
    None,
    1,
    "x",
    [],
    {},
    {"data": None},
    {"data": []},
    {"data": {"greenLotId": None, "weight": None, "location": None}},
    {"data": {"greenLotId": DOC_LOT, "weight": {"amount": 1e308, "unit": "KG"}}},
    {"data": {"greenLotId": DOC_LOT, "weight": {"amount": [], "unit": {}}}},
    {"data": {"name": {}, "externalId": [], "weight": "heavy", "location": 5}},
    {"params": None},
    {"params": {"filter": []}},
    {"params": {"filter": {"createdAt": {"from": "9999-12-31T23:59:59+14:00"}}}},
    {"params": {"filter": {"updatedAt": {"from": "0001-01-01T00:00:00-14:00"}}}},
    {"params": {"filter": {"createdAt": None}, "pagination": None}},
    {"params": {"pagination": {"limit": None, "after": None}}},
    {"params": {"pagination": {"after": ""}}},
    {"params": {"pagination": {"after": "Z3JlZW46eDp5"}}},
    {"params": {"greenLotIds": [None, 1, {}]}},
    {"params": {"roastedLotIds": [DOC_LOT] * 3}},
]


async def test_no_junk_body_makes_any_method_answer_500() -> None:
    async with open_api() as api:
        methods = [
            LIST_GREEN,
            GET_GREEN,
            IMPORT,
            SET_WEIGHT,
            TRANSFER,
            "inventory.roast.listRoastedLots",
            "inventory.roast.getRoastedLotsByIds",
            "inventory.blend.listBlendedLots",
        ]
        headers = {"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"}
        for method in methods:
            for body in JUNK:
                r = await api.http.post(
                    f"/rpc/v1/{method}", content=json.dumps(body), headers=headers
                )
                assert r.status_code in (200, 400, 404, 422), (method, body, r.text)
                assert r.json()["ok"] is (r.status_code == 200), (method, body)
