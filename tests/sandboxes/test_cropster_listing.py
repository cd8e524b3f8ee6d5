"""Cropster sandbox: listings, cursor paging, date filters, reads by id and the seed data."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.sandboxes.test_cropster_support import error_of, open_api

pytestmark = pytest.mark.anyio

LIST_GREEN = "inventory.green.listGreenLots"
GET_GREEN = "inventory.green.getGreenLotDetailsByIds"
LIST_ROASTED = "inventory.roast.listRoastedLots"
GET_ROASTED = "inventory.roast.getRoastedLotsByIds"
LIST_BLENDED = "inventory.blend.listBlendedLots"
SET_WEIGHT = "inventory.green.setGreenLotWeight"


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def newest_first(records: list[dict[str, Any]]) -> bool:
    keys = [(r["createdAt"], r["id"]) for r in records]
    return keys == sorted(keys, reverse=True)


def params(limit: int | None = None, after: str | None = None, **filters: Any) -> dict[str, Any]:
    pagination: dict[str, Any] = {"after": after}
    if limit is not None:
        pagination["limit"] = limit
    return {"params": {"filter": filters, "pagination": pagination}}


async def test_first_page_is_the_50_newest_green_lots() -> None:
    async with open_api() as api:
        page = await api.ok(LIST_GREEN, {"params": {"filter": {}}})
        lots = page["result"]["greenLots"]
        assert len(lots) == 50
        assert newest_first(lots)
        assert isinstance(page["meta"]["pagination"]["endCursor"], str)
        lot = lots[0]
        assert set(lot) == {
            "id",
            "name",
            "icoNumber",
            "externalId",
            "weight",
            "price",
            "location",
            "createdAt",
            "updatedAt",
        }
        assert lot["weight"]["unit"] in ("KG", "LBS")
        assert set(lot["location"]) == {"id", "externalId"}


@pytest.mark.parametrize("limit", [1, 7, 100])
async def test_paging_visits_every_lot_once_newest_first(limit: int) -> None:
    async with open_api() as api:
        lots = await api.list_all(LIST_GREEN, "greenLots", limit=limit)
        ids = [lot["id"] for lot in lots]
        assert len(ids) == len(set(ids)) == 150
        assert newest_first(lots)


@pytest.mark.parametrize("limit", [0, 101, -1, "10", 10.5, True, 10**40])
async def test_limit_outside_1_to_100_is_rejected(limit: object) -> None:
    async with open_api() as api:
        r = await api.call(LIST_GREEN, {"params": {"pagination": {"limit": limit}}})
        assert error_of(r) == (400, "invalid_parameter")


async def test_foreign_or_forged_cursors_are_rejected() -> None:
    async with open_api() as api:
        roasts = await api.ok(LIST_ROASTED, params(limit=1))
        roast_cursor = roasts["meta"]["pagination"]["endCursor"]
        for after in ["aBc=", "!!!", roast_cursor, 5]:
            r = await api.call(LIST_GREEN, params(after=after))
            assert error_of(r) == (400, "invalid_parameter"), after


async def test_lots_created_between_pages_are_neither_skipped_nor_repeated() -> None:
    async with open_api() as api:
        before = {lot["id"] for lot in await api.list_all(LIST_GREEN, "greenLots")}
        seen: list[str] = []
        after = None
        pages = 0
        while True:
            page = await api.ok(LIST_GREEN, params(limit=20, after=after))
            seen.extend(lot["id"] for lot in page["result"]["greenLots"])
            after = page["meta"]["pagination"]["endCursor"]
            if after is None:
                break
            pages += 1
            assert pages < 50, "paging does not come to an end"
            # New lots arrive between every two pages, both ways the sandbox offers.
            if pages % 2:
                await api.control("records/insert?count=3")
            else:
                await api.control("faults", {"kind": "insert", "records": 2, "count": 1})
        assert len(seen) == len(set(seen))
        assert set(seen) == before
        fresh = await api.list_all(LIST_GREEN, "greenLots")
        new = [lot for lot in fresh if lot["id"] not in before]
        assert len(new) >= 10
        # The new lots sit at the head of the listing, where a new page-1 read finds them.
        assert {lot["id"] for lot in fresh[: len(new)]} == {lot["id"] for lot in new}


async def test_created_filter_from_is_inclusive_and_to_exclusive() -> None:
    async with open_api() as api:
        lots = await api.list_all(LIST_GREEN, "greenLots")
        low, high = lots[100]["createdAt"], lots[20]["createdAt"]
        window = await api.list_all(
            LIST_GREEN, "greenLots", {"createdAt": {"from": low, "to": high}}, limit=9
        )
        assert [lot["id"] for lot in window] == [lot["id"] for lot in lots[21:101]]
        since = await api.list_all(LIST_GREEN, "greenLots", {"createdAt": {"from": high}})
        assert [lot["id"] for lot in since] == [lot["id"] for lot in lots[:21]]


async def test_updated_filter_returns_what_changed_since_a_time() -> None:
    async with open_api() as api:
        lots = await api.list_all(LIST_GREEN, "greenLots")
        mark = (await api.http.get("/_sandbox/clock")).json()["now"]
        await api.control("clock/advance", {"seconds": 1})
        changed = [lots[149], lots[75], lots[3]]
        for index, lot in enumerate(changed):
            data = {"greenLotId": lot["id"], "weight": {"amount": 100 + index, "unit": "KG"}}
            await api.ok(SET_WEIGHT, {"data": data})
        since = await api.list_all(LIST_GREEN, "greenLots", {"updatedAt": {"from": mark}}, limit=2)
        # Reverse-chronological by creation, like every listing.
        assert [lot["id"] for lot in since] == [lots[3]["id"], lots[75]["id"], lots[149]["id"]]
        assert all(parse(lot["updatedAt"]) > parse(mark) for lot in since)
        untouched = await api.list_all(LIST_GREEN, "greenLots", {"updatedAt": {"to": mark}})
        assert len(untouched) == 147


async def test_every_filter_combination_matches_a_full_scan_on_a_larger_inventory() -> None:
    """Both ways the sandbox answers date filters (walking creation order, or the index of
    changes when few lots match) must agree with filtering the whole listing by hand."""
    async with open_api(records=3000) as api:
        lots = await api.list_all(LIST_GREEN, "greenLots")
        assert len(lots) == 3000
        stamps = sorted({lot["updatedAt"] for lot in lots})
        created = sorted({lot["createdAt"] for lot in lots})
        probes = [
            {"updatedAt": {"from": stamps[-5]}},
            {"updatedAt": {"from": stamps[-40], "to": stamps[-3]}},
            {"updatedAt": {"from": stamps[100]}},
            {"updatedAt": {"to": stamps[50]}},
            {"createdAt": {"from": created[1000]}, "updatedAt": {"from": stamps[-300]}},
            {"createdAt": {"from": created[10], "to": created[2000]}},
        ]
        for probe in probes:
            expected = [lot["id"] for lot in lots if _matches(lot, probe)]
            got = await api.list_all(LIST_GREEN, "greenLots", probe, limit=37)
            assert [lot["id"] for lot in got] == expected, probe


def _matches(lot: dict[str, Any], probe: dict[str, dict[str, str]]) -> bool:
    for field, bounds in probe.items():
        moment = parse(lot[field])
        if "from" in bounds and moment < parse(bounds["from"]):
            return False
        if "to" in bounds and moment >= parse(bounds["to"]):
            return False
    return True


@pytest.mark.parametrize(
    "filters",
    [
        {"createdAt": {"from": "2025-01-01"}},
        {"createdAt": {"from": "2025-01-01T00:00:00"}},
        {"createdAt": {"from": "yesterday"}},
        {"createdAt": {"from": 1735689600}},
        {"createdAt": {"since": "2025-01-01T00:00:00Z"}},
        {"createdAt": "2025-01-01T00:00:00Z"},
        {"lastModified": {"from": "2025-01-01T00:00:00Z"}},
        {"roastedDate": {"from": "2025-01-01T00:00:00Z"}},
    ],
)
async def test_bad_filters_are_rejected(filters: dict[str, Any]) -> None:
    async with open_api() as api:
        assert error_of(await api.call(LIST_GREEN, params(**filters))) == (
            400,
            "invalid_parameter",
        )


async def test_roasted_lots_filter_on_roasted_date_as_in_the_docs() -> None:
    async with open_api() as api:
        start = "2025-01-01T00:00:00Z"
        roasts = await api.list_all(LIST_ROASTED, "roasts", {"roastedDate": {"from": start}})
        every = await api.list_all(LIST_ROASTED, "roasts")
        assert 0 < len(roasts) < len(every) == 150
        assert all(parse(r["roastedDate"]) >= parse(start) for r in roasts)
        assert [r["id"] for r in roasts] == [
            r["id"] for r in every if parse(r["roastedDate"]) >= parse(start)
        ]
        roast = roasts[0]
        assert set(roast) >= {"id", "roastedDate", "startWeight", "endWeight", "greenLots"}
        assert roast["endWeight"]["amount"] < roast["startWeight"]["amount"]
        assert parse(roast["roastedDate"]) <= parse(roast["createdAt"])
        # The green lots a roast used are real green lots.
        green_ids = [lot["id"] for lot in roast["greenLots"]]
        got = await api.ok(GET_GREEN, {"params": {"greenLotIds": green_ids}})
        assert [lot["id"] for lot in got["result"]["greenLots"]] == green_ids


async def test_get_roasted_lots_by_ids() -> None:
    async with open_api() as api:
        roasts = (await api.ok(LIST_ROASTED, params(limit=3)))["result"]["roasts"]
        ids = [roasts[2]["id"], roasts[0]["id"]]
        got = await api.ok(GET_ROASTED, {"params": {"roastedLotIds": ids}})
        assert got["result"]["roasts"] == [roasts[2], roasts[0]]
        assert "meta" not in got
        unknown = "00000000-0000-4000-8000-000000000000"
        r = await api.call(GET_ROASTED, {"params": {"roastedLotIds": [ids[0], unknown]}})
        assert error_of(r) == (404, "resource_not_found")
        assert unknown in r.json()["error"]["message"]


async def test_get_green_lot_details_by_ids_keeps_order_and_drops_repeats() -> None:
    async with open_api() as api:
        lots = (await api.ok(LIST_GREEN, params(limit=3)))["result"]["greenLots"]
        ids = [lots[1]["id"], lots[0]["id"], lots[1]["id"].upper()]
        got = await api.ok(GET_GREEN, {"params": {"greenLotIds": ids}})
        assert got["result"]["greenLots"] == [lots[1], lots[0]]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 422, "missing_parameter"),
        ({"params": {}}, 422, "missing_parameter"),
        ({"params": {"greenLotIds": []}}, 400, "invalid_parameter"),
        ({"params": {"greenLotIds": ["not-a-uuid"]}}, 400, "invalid_parameter"),
        ({"params": {"greenLotIds": ["550e8400-e29b-41d4-a716-446655440000\n"]}}, 400, None),
        ({"params": {"greenLotIds": "550e8400-e29b-41d4-a716-446655440000"}}, 400, None),
        ({"params": {"greenLotIds": ["550e8400-e29b-41d4-a716-446655440000"] * 101}}, 400, None),
        ({"params": {"ids": ["550e8400-e29b-41d4-a716-446655440000"]}}, 400, None),
        ({"params": {"greenLotIds": ["00000000-0000-4000-8000-000000000000"]}}, 404, None),
    ],
)
async def test_get_green_lot_details_errors(
    body: dict[str, Any], status: int, code: str | None
) -> None:
    async with open_api() as api:
        got_status, got_code = error_of(await api.call(GET_GREEN, body))
        assert got_status == status
        expected = code or {400: "invalid_parameter", 404: "resource_not_found"}[status]
        assert got_code == expected


async def test_blended_lots_list_with_blended_date_filter() -> None:
    async with open_api() as api:
        blends = await api.list_all(LIST_BLENDED, "blends", limit=10)
        assert len(blends) == 30
        assert newest_first(blends)
        blend = blends[0]
        assert set(blend) >= {"id", "name", "blendedDate", "weight", "roastedLots", "location"}
        total = sum(part["weight"]["amount"] for part in blend["roastedLots"])
        assert blend["weight"]["amount"] == pytest.approx(total, abs=0.01)
        middle = blends[15]["blendedDate"]
        later = await api.list_all(LIST_BLENDED, "blends", {"blendedDate": {"from": middle}})
        assert later
        assert [b["id"] for b in later] == [
            b["id"] for b in blends if parse(b["blendedDate"]) >= parse(middle)
        ]


async def test_same_seed_same_inventory_and_the_seed_can_be_changed() -> None:
    async with open_api(seed=7) as one, open_api(seed=7) as two, open_api(seed=8) as other:
        first = await one.list_all(LIST_GREEN, "greenLots")
        assert first == await two.list_all(LIST_GREEN, "greenLots")
        assert first != await other.list_all(LIST_GREEN, "greenLots")
        assert await one.list_all(LIST_ROASTED, "roasts") == await two.list_all(
            LIST_ROASTED, "roasts"
        )
        reseeded = await other.control("seed", {"seed": 7})
        assert reseeded["counts"]["greenLots"] == 150
        # Regenerating the world revokes every token, as a reset does.
        assert (await other.call(LIST_GREEN)).status_code == 401
        other.token = await other.fetch_token()
        assert await other.list_all(LIST_GREEN, "greenLots") == first


async def test_seed_scales_to_thousands_quickly_and_holds_the_docs_lot() -> None:
    async with open_api(records=10) as api:
        started = time.perf_counter()
        counts = (await api.control("seed", {"records": 5000}))["counts"]
        assert time.perf_counter() - started < 5
        assert counts == {
            "locations": 5,
            "greenLots": 5000,
            "roastedLots": 5000,
            "blendedLots": 1000,
            "serviceAccounts": 1,
        }
        api.token = await api.fetch_token()
        oldest = (await api.list_all(LIST_GREEN, "greenLots", {"createdAt": {"to": _later()}}))[-1]
        assert oldest["id"] == "550e8400-e29b-41d4-a716-446655440000"
        assert oldest["externalId"] == "green-lot-9876"
        assert oldest["location"]["externalId"] == "location-1234"
        roasts = await api.ok(LIST_ROASTED, params(limit=100))
        assert len(roasts["result"]["roasts"]) == 100


def _later() -> str:
    return (datetime.now(UTC) + timedelta(days=1)).isoformat()


async def test_no_records_means_empty_listings() -> None:
    async with open_api(records=0) as api:
        for method, key in [
            (LIST_GREEN, "greenLots"),
            (LIST_ROASTED, "roasts"),
            (LIST_BLENDED, "blends"),
        ]:
            page = await api.ok(method)
            assert page["result"][key] == []
            assert page["meta"]["pagination"]["endCursor"] is None
