"""The RPC methods: each one's scope, how it reads its body, and the JSON it answers.

Queries read ``params`` and commands read ``data``. Lists answer
``{"ok": true, "result": {<plural>: [...]}, "meta": {"pagination": {"endCursor": ...}}}``,
built from each lot's cached JSON so a page costs a join, not a serialization.
Result keys follow the vendor's samples: ``greenLots``, and ``roasts`` for roasted lots (as in
the pagination example); blended lots, which no sample shows, answer under ``blends``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from crossdock.sandboxes.cropster import params
from crossdock.sandboxes.cropster.models import BlendedLot, RoastedLot
from crossdock.sandboxes.cropster.state import CropsterState


class _Serializable(Protocol):
    def to_json(self) -> str: ...


Body = dict[str, Any]


@dataclass(frozen=True)
class Method:
    scope: str
    run: Callable[[CropsterState, Body], str]


def _items(records: Iterable[_Serializable]) -> str:
    return "[" + ",".join(record.to_json() for record in records) + "]"


def _listing(key: str, records: Iterable[_Serializable], cursor: str | None) -> str:
    return (
        f'{{"ok":true,"result":{{"{key}":{_items(records)}}},'
        f'"meta":{{"pagination":{{"endCursor":{json.dumps(cursor)}}}}}}}'
    )


def _result(key: str, value: str) -> str:
    return f'{{"ok":true,"result":{{"{key}":{value}}}}}'


def _query(body: Body, *filters: str) -> params.Query:
    section = params.section(body, "params", required=False)
    return params.query(section, ("createdAt", "updatedAt", *filters))


def list_green_lots(state: CropsterState, body: Body) -> str:
    lots, cursor = state.page(state.green, _query(body))
    return _listing("greenLots", lots, cursor)


def get_green_lot_details_by_ids(state: CropsterState, body: Body) -> str:
    ids = params.ids(params.section(body, "params", required=True), "greenLotIds")
    return _result("greenLots", _items(state.get(state.green, ids, "green lot")))


def import_green_lot(state: CropsterState, body: Body) -> str:
    spec = params.green_lot_import(params.section(body, "data", required=True))
    return _result("greenLot", state.import_green_lot(spec).to_json())


def set_green_lot_weight(state: CropsterState, body: Body) -> str:
    data = params.section(body, "data", required=True)
    params.only(data, {"greenLotId", "weight"}, "data")
    lot_id = params.uuid_text(data.get("greenLotId"), "data.greenLotId")
    state.set_green_lot_weight(lot_id, params.weight(data.get("weight"), "data.weight"))
    return '{"ok":true}'


def transfer_green_lot_to_location(state: CropsterState, body: Body) -> str:
    data = params.section(body, "data", required=True)
    params.only(data, {"greenLotId", "weight", "location"}, "data")
    lot_id = params.uuid_text(data.get("greenLotId"), "data.greenLotId")
    weight = params.weight(data.get("weight"), "data.weight", positive=True)
    destination = params.location(data.get("location"), "data.location")
    source, target = state.transfer_green_lot(lot_id, weight, destination)
    return (
        f'{{"ok":true,"result":{{"sourceGreenLot":{source.to_json()},'
        f'"targetGreenLot":{target.to_json()}}}}}'
    )


def _roasted_date(lot: RoastedLot) -> int:
    return lot.roasted


def _blended_date(lot: BlendedLot) -> int:
    return lot.blended


def list_roasted_lots(state: CropsterState, body: Body) -> str:
    query = _query(body, "roastedDate")
    lots, cursor = state.page(state.roasted, query, ("roastedDate", _roasted_date))
    return _listing("roasts", lots, cursor)


def get_roasted_lots_by_ids(state: CropsterState, body: Body) -> str:
    ids = params.ids(params.section(body, "params", required=True), "roastedLotIds")
    return _result("roasts", _items(state.get(state.roasted, ids, "roasted lot")))


def list_blended_lots(state: CropsterState, body: Body) -> str:
    query = _query(body, "blendedDate")
    lots, cursor = state.page(state.blended, query, ("blendedDate", _blended_date))
    return _listing("blends", lots, cursor)


METHODS: dict[str, Method] = {
    "inventory.green.listGreenLots": Method("inventory.green", list_green_lots),
    "inventory.green.getGreenLotDetailsByIds": Method(
        "inventory.green", get_green_lot_details_by_ids
    ),
    "inventory.green.importGreenLot": Method("inventory.green", import_green_lot),
    "inventory.green.setGreenLotWeight": Method("inventory.green", set_green_lot_weight),
    "inventory.green.transferGreenLotToLocation": Method(
        "inventory.green", transfer_green_lot_to_location
    ),
    "inventory.roast.listRoastedLots": Method("inventory.roast", list_roasted_lots),
    "inventory.roast.getRoastedLotsByIds": Method("inventory.roast", get_roasted_lots_by_ids),
    "inventory.blend.listBlendedLots": Method("inventory.blend", list_blended_lots),
}
