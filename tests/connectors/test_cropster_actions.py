"""Cropster writes against the sandbox: imports keyed by externalId (a lost answer retried
lands once), weights, and transfers, which Cropster cannot deduplicate: a transfer whose answer
is lost is checked against the lot before it is ever sent again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from crossdock.connectors.cropster import (
    get_green_lots,
    import_green_lot,
    set_green_lot_weight,
    transfer_green_lot,
)
from crossdock.connectors.http import HttpOptions
from crossdock.errors import FixRequest, GiveUp, NotFound
from tests.connectors.reads import asgi
from tests.connectors.servers import serve
from tests.connectors.test_cropster_support import RPC, Cropster, cropster_app

pytestmark = pytest.mark.anyio

IMPORT = RPC + "inventory.green.importGreenLot"
TRANSFER = RPC + "inventory.green.transferGreenLotToLocation"
DOC_LOT = "550e8400-e29b-41d4-a716-446655440000"  # 12.5 KG of Ethiopia Natural


def new_lot(external_id: str = "erp-lot-0042", amount: float = 60.0) -> dict[str, Any]:
    return {
        "name": "Kenya Nyeri Washed",
        "icoNumber": "025/0042/0007",
        "externalId": external_id,
        "weight": {"amount": amount, "unit": "KG"},
        "price": {"amount": 7.8, "currency": "EUR"},
        "location": {"externalId": "location-1234"},
    }


@pytest.fixture
def cropster() -> Cropster:
    app = cropster_app(records=30)
    return Cropster(app, "http://cropster.test", asgi(app))


@pytest.fixture
def live() -> Iterator[Cropster]:
    app = cropster_app(records=30)
    with serve(app) as url:
        yield Cropster(app, url, None)


def with_external_id(cropster: Cropster, external_id: str) -> list[Any]:
    state = cropster.app.state.sandbox.state
    with state.lock:
        return [lot for lot in state.green.by_id.values() if lot.external_id == external_id]


def sandbox_lot(cropster: Cropster, lot_id: str) -> Any:
    state = cropster.app.state.sandbox.state
    with state.lock:
        return state.green.by_id[lot_id]


def second_location(cropster: Cropster) -> dict[str, str]:
    state = cropster.app.state.sandbox.state
    return {"externalId": state.locations[1].external_id}


def statuses(cropster: Cropster, path: str) -> list[int | None]:
    return [r.status for r in cropster.requests(path)]


async def test_import_creates_then_updates_the_lot_with_that_external_id(
    cropster: Cropster,
) -> None:
    async with cropster.client() as client:
        created = await import_green_lot(client, new_lot())
        again = await import_green_lot(client, new_lot(amount=55.5))
    assert created["externalId"] == "erp-lot-0042"
    assert created["location"]["externalId"] == "location-1234"
    assert again["id"] == created["id"]
    assert again["weight"] == {"amount": 55.5, "unit": "KG"}
    assert len(with_external_id(cropster, "erp-lot-0042")) == 1


async def test_an_import_without_external_id_is_refused_before_sending(
    cropster: Cropster,
) -> None:
    lot = new_lot()
    del lot["externalId"]
    async with cropster.client() as client:
        with pytest.raises(FixRequest) as refused:
            await import_green_lot(client, lot)
    assert refused.value.field == "data.externalId"
    assert cropster.requests(IMPORT) == []


async def test_an_invalid_import_is_refused_once_with_cropsters_reason(cropster: Cropster) -> None:
    async with cropster.client() as client:
        with pytest.raises(FixRequest) as refused:
            await import_green_lot(client, new_lot(amount=-3))
    assert refused.value.detail == (
        "Cropster: 422 invalid_weight: data.weight.amount must be zero or more"
    )
    assert refused.value.field == "data.weight.amount"
    assert statuses(cropster, IMPORT) == [422]


async def test_an_import_after_a_503_is_retried_and_lands_once(cropster: Cropster) -> None:
    cropster.fault(kind="error", status=503, count=2, route=IMPORT)
    async with cropster.client() as client:
        lot = await import_green_lot(client, new_lot())
    assert statuses(cropster, IMPORT) == [503, 503, 200]
    assert [found.id for found in with_external_id(cropster, "erp-lot-0042")] == [lot["id"]]


async def test_an_import_whose_connection_drops_is_retried_and_creates_exactly_one(
    cropster: Cropster,
) -> None:
    cropster.fault(kind="drop", count=1, route=IMPORT)
    async with cropster.client() as client:
        lot = await import_green_lot(client, new_lot())
    assert statuses(cropster, IMPORT) == [200, 200]  # the first answer was cut short
    assert len(cropster.waits) == 1
    assert [found.id for found in with_external_id(cropster, "erp-lot-0042")] == [lot["id"]]


async def test_an_import_whose_answer_is_lost_after_it_landed_creates_exactly_one(
    live: Cropster,
) -> None:
    # Over a real socket: the first import is held past the client's timeout, then carried
    # out, unanswered; the retry finds the lot by its externalId and updates it in place.
    live.fault(kind="latency", latency_ms=500, count=1, route=IMPORT)
    options = HttpOptions(timeout=httpx.Timeout(0.25))
    async with live.client(options=options, wait_initial=0.5, sleep=True) as client:
        lot = await import_green_lot(client, new_lot())
    assert len(live.requests(IMPORT)) == 2
    assert [found.id for found in with_external_id(live, "erp-lot-0042")] == [lot["id"]]


async def test_set_weight_is_retried_and_unknown_lots_are_named(cropster: Cropster) -> None:
    cropster.fault(
        kind="error", status=502, count=1, route=RPC + "inventory.green.setGreenLotWeight"
    )
    async with cropster.client() as client:
        await set_green_lot_weight(client, DOC_LOT, {"amount": 20, "unit": "LBS"})
        [lot] = await get_green_lots(client, [DOC_LOT])
        unknown = "00000000-0000-4000-8000-000000000000"
        with pytest.raises(NotFound) as missing:
            await set_green_lot_weight(client, unknown, {"amount": 1, "unit": "KG"})
    assert lot["weight"] == {"amount": 20, "unit": "LBS"}
    assert missing.value.detail == (
        f"Cropster: 404 resource_not_found: no green lot with id {unknown}"
    )


async def test_a_transfer_answers_both_lots(cropster: Cropster) -> None:
    destination = second_location(cropster)
    async with cropster.client() as client:
        moved = await transfer_green_lot(
            client, DOC_LOT, {"amount": 2.5, "unit": "KG"}, destination
        )
    assert moved.source["weight"] == {"amount": 10.0, "unit": "KG"}
    assert moved.target is not None
    assert moved.target["location"]["externalId"] == destination["externalId"]
    assert moved.target["weight"] == {"amount": 2.5, "unit": "KG"}
    assert not moved.recovered


async def test_a_transfer_refused_by_a_rule_is_not_retried(cropster: Cropster) -> None:
    async with cropster.client() as client:
        with pytest.raises(FixRequest) as refused:
            await transfer_green_lot(
                client, DOC_LOT, {"amount": 13, "unit": "KG"}, second_location(cropster)
            )
    assert refused.value.detail.startswith("Cropster: 422 invalid_weight: cannot transfer 13 KG")
    assert statuses(cropster, TRANSFER) == [422]


async def test_a_transfer_refused_with_429_is_sent_again_without_a_check(
    cropster: Cropster,
) -> None:
    cropster.fault(kind="rate_limit", retry_after=1, count=1, route=TRANSFER)
    async with cropster.client() as client:
        moved = await transfer_green_lot(
            client, DOC_LOT, {"amount": 1, "unit": "KG"}, second_location(cropster)
        )
    assert statuses(cropster, TRANSFER) == [429, 200]
    assert cropster.waits == [1.0]
    assert moved.source["weight"]["amount"] == 11.5
    assert len(cropster.requests(RPC + "inventory.green.getGreenLotDetailsByIds")) == 1


async def test_a_transfer_answered_503_is_checked_then_sent_again_once(
    cropster: Cropster,
) -> None:
    cropster.fault(kind="error", status=503, count=1, route=TRANSFER)
    async with cropster.client(wait_initial=0.25) as client:
        moved = await transfer_green_lot(
            client, DOC_LOT, {"amount": 1, "unit": "KG"}, second_location(cropster)
        )
    assert statuses(cropster, TRANSFER) == [503, 200]
    assert cropster.waits == [0.25]
    assert sandbox_lot(cropster, DOC_LOT).weight.amount == 11.5
    assert moved.source["weight"]["amount"] == 11.5
    # Before, then the check after the 503: the lot was untouched, so it was sent again.
    assert len(cropster.requests(RPC + "inventory.green.getGreenLotDetailsByIds")) == 2


async def test_a_transfer_whose_connection_drops_is_checked_after_settling(
    cropster: Cropster,
) -> None:
    cropster.fault(kind="drop", count=1, route=TRANSFER)
    async with cropster.client() as client:
        await transfer_green_lot(
            client, DOC_LOT, {"amount": 2, "unit": "LBS"}, second_location(cropster), settle=3
        )
    assert statuses(cropster, TRANSFER) == [200, 200]
    assert cropster.waits == [3]
    assert sandbox_lot(cropster, DOC_LOT).weight.amount == pytest.approx(
        12.5 - 2 * 0.45359237, abs=1e-3
    )


async def test_a_transfer_that_landed_unanswered_is_never_sent_twice(live: Cropster) -> None:
    # Over a real socket: the transfer is held past the client's timeout, then carried out.
    live.fault(kind="latency", latency_ms=400, count=1, route=TRANSFER)
    destination = second_location(live)
    options = HttpOptions(timeout=httpx.Timeout(0.2))
    async with live.client(options=options, sleep=True) as client:
        moved = await transfer_green_lot(
            client, DOC_LOT, {"amount": 4, "unit": "KG"}, destination, settle=0.6
        )
    assert len(live.requests(TRANSFER)) == 1
    assert moved.recovered
    assert moved.source["weight"] == {"amount": 8.5, "unit": "KG"}
    assert sandbox_lot(live, DOC_LOT).weight.amount == 8.5
    assert moved.target is not None
    assert moved.target["weight"] == {"amount": 4.0, "unit": "KG"}
    assert moved.target["location"]["externalId"] == destination["externalId"]


async def test_a_lot_changed_by_someone_else_meanwhile_is_left_to_an_operator(
    cropster: Cropster,
) -> None:
    cropster.fault(kind="error", status=500, count=1, route=TRANSFER)
    state = cropster.app.state.sandbox.state

    async def someone_weighs_it(seconds: float) -> None:
        lot = sandbox_lot(cropster, DOC_LOT)
        with state.lock:
            state.set_green_lot_weight(DOC_LOT, type(lot.weight)(9.0, "KG"))

    async with cropster.client() as client:
        client.sleep = someone_weighs_it
        with pytest.raises(GiveUp) as unsure:
            await transfer_green_lot(
                client, DOC_LOT, {"amount": 1, "unit": "KG"}, second_location(cropster)
            )
    assert "check in Cropster whether the transfer happened" in unsure.value.detail
    assert statuses(cropster, TRANSFER) == [500]
    assert sandbox_lot(cropster, DOC_LOT).weight.amount == 9.0
