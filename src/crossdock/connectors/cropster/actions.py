"""Writes to Cropster's green inventory: import a lot, set its weight, transfer some of it to
another location; and reading lots by id, which the transfer's safety check relies on.

Which writes are retried, and why:

- ``importGreenLot`` is keyed by ``externalId`` (a known one updates that lot in place), so
  sending it twice lands once: it is retried like a read, and refused before sending when it
  has no ``externalId``.
- ``setGreenLotWeight`` sets an absolute weight: retried like a read.
- ``transferGreenLotToLocation`` moves weight, and Cropster takes no idempotency key: sent
  twice, it moves twice. It is sent again without a check only when it certainly never
  arrived (no connection was made) or was refused with 429. When its answer is lost in any
  other way, the connector reads the lot again and compares it with the lot as it was just
  before the transfer: the weight less the amount moved means the transfer landed (the answer
  is rebuilt from the lots); unchanged means it did not, and it is sent again; anything else
  (someone else changed the lot meanwhile) is ``GiveUp`` for an operator, rather than a
  guess that could move the coffee twice. After a broken connection or a timeout, where the
  first attempt may still be on its way, the check waits ``settle`` seconds first.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crossdock.connectors.cropster.client import CropsterClient, cropster_time
from crossdock.connectors.http import BodyCursorPaginator, ConnectionFailed, Record
from crossdock.errors import FixRequest, GiveUp, RetryLater, Throttled

IMPORT = "inventory.green.importGreenLot"
SET_WEIGHT = "inventory.green.setGreenLotWeight"
TRANSFER = "inventory.green.transferGreenLotToLocation"
DETAILS = "inventory.green.getGreenLotDetailsByIds"
LIST = "inventory.green.listGreenLots"

MAX_IDS = 100  # getGreenLotDetailsByIds takes 1 to 100 ids
KG_PER_LB = 0.45359237
# Cropster keeps weights to three decimals; a landed transfer may differ from our arithmetic
# by the rounding of the amount moved and of the remainder.
WEIGHT_TOLERANCE = 0.0015
# How far before the transfer a lot's updatedAt may be and still be its doing: the vendor
# stamps it from its own clock, which ServerClock keeps us from running ahead of.
UPDATED_SKEW = 5.0
TARGET_SEARCH_PAGES = 5


@dataclass(frozen=True)
class Transfer:
    """The two sides of a transfer: the source lot after it, and the lot at the destination.

    ``recovered`` is set when the answer was lost and the result was read back from the lots;
    ``target`` is then None if the destination lot could not be told apart from others of
    the same coffee there.
    """

    source: Record
    target: Record | None
    recovered: bool = False


async def import_green_lot(client: CropsterClient, lot: Mapping[str, Any]) -> Record:
    """``importGreenLot`` with ``{name, externalId, weight, location, icoNumber?, price?}``:
    the new lot, or the lot with that ``externalId`` updated in place (every imported field
    replaced, so an omitted ``price`` or ``icoNumber`` is cleared)."""
    external_id = lot.get("externalId")
    if not isinstance(external_id, str) or not external_id.strip():
        raise FixRequest(
            "Cropster: a green lot import needs an externalId (it is what makes a retried "
            "import land once)",
            field="data.externalId",
        )
    result = await client.call(IMPORT, {"data": dict(lot)}, idempotent=True)
    return _lot(result.get("greenLot"), IMPORT)


async def set_green_lot_weight(
    client: CropsterClient, green_lot_id: str, weight: Mapping[str, Any]
) -> None:
    """``setGreenLotWeight``: the lot now weighs ``weight`` (``{"amount", "unit"}``, KG or
    LBS); 0 consumes it. Cropster answers only ``ok``."""
    data = {"greenLotId": green_lot_id, "weight": dict(weight)}
    await client.call(SET_WEIGHT, {"data": data}, idempotent=True)


async def get_green_lots(client: CropsterClient, green_lot_ids: Sequence[str]) -> list[Record]:
    """``getGreenLotDetailsByIds``, in the order asked, 100 ids a request. An unknown id is
    ``NotFound`` naming it (Cropster answers all or nothing)."""
    lots: list[Record] = []
    for start in range(0, len(green_lot_ids), MAX_IDS):
        chunk = list(green_lot_ids[start : start + MAX_IDS])
        result = await client.call(DETAILS, {"params": {"greenLotIds": chunk}}, idempotent=True)
        found = result.get("greenLots")
        if not isinstance(found, list):
            raise GiveUp(f"Cropster: the answer to {DETAILS} has no greenLots")
        lots += [_lot(lot, DETAILS) for lot in found]
    return lots


async def transfer_green_lot(
    client: CropsterClient,
    green_lot_id: str,
    weight: Mapping[str, Any],
    location: Mapping[str, Any],
    *,
    settle: float = 5.0,
) -> Transfer:
    """``transferGreenLotToLocation``: move ``weight`` of a lot to ``location``
    (``{"id"}`` and/or ``{"externalId"}``); never moved twice (see the module's docstring).

    Costs one read more than the transfer itself: the lot as it was just before.
    """
    [before] = await get_green_lots(client, [green_lot_id])
    since = cropster_time(client.server_clock.now() - UPDATED_SKEW)
    body = {
        "data": {"greenLotId": green_lot_id, "weight": dict(weight), "location": dict(location)}
    }
    policy = client.api.retry
    rng = random.Random()
    attempt = 0
    while True:
        attempt += 1
        try:
            # Not idempotent: the client resends it only if it certainly never arrived.
            result = await client.call(TRANSFER, body, idempotent=False)
        except RetryLater as error:
            if not _may_have_landed(error):
                raise
            wait = (
                settle if isinstance(error, ConnectionFailed) else policy.wait(attempt, error, rng)
            )
            if wait > 0:
                await client.sleep(wait)
            [after] = await get_green_lots(client, [green_lot_id])
            outcome = _outcome(before, after, weight)
            if outcome == "landed":
                target = await _find_target(client, before, location, since)
                return Transfer(after, target, recovered=True)
            if outcome == "changed":
                raise GiveUp(
                    f"Cropster: the answer to a transfer of green lot {green_lot_id} was lost "
                    f"({error.detail}) and the lot has changed in another way since; check in "
                    "Cropster whether the transfer happened before sending it again"
                ) from error
            if attempt >= policy.attempts:
                raise
            continue  # untouched: the transfer did not happen, so sending it again is safe
        source = _lot(result.get("sourceGreenLot"), TRANSFER)
        target = result.get("targetGreenLot")
        return Transfer(source, _lot(target, TRANSFER) if target is not None else None)


def _may_have_landed(error: RetryLater) -> bool:
    """Whether a failed write may have been carried out: not when refused with 429, nor when
    no connection was made (the client resends those itself)."""
    if isinstance(error, Throttled):
        return False
    return not (isinstance(error, ConnectionFailed) and not error.may_have_landed)


def _outcome(before: Record, after: Record, moved: Mapping[str, Any]) -> str:
    """``untouched``, ``landed`` (less exactly the amount moved) or ``changed``."""
    if after.get("updatedAt") == before.get("updatedAt") and after.get("weight") == before.get(
        "weight"
    ):
        return "untouched"
    held, unit = _amount(before.get("weight"))
    now, now_unit = _amount(after.get("weight"))
    amount, moved_unit = _amount(moved)
    if held is None or now is None or amount is None or now_unit != unit:
        return "changed"
    expected = round(held - _convert(amount, moved_unit, unit), 3)
    return "landed" if abs(now - max(expected, 0.0)) <= WEIGHT_TOLERANCE else "changed"


async def _find_target(
    client: CropsterClient, source: Record, location: Mapping[str, Any], since: str
) -> Record | None:
    """The lot at the destination that a landed transfer filled: the same coffee (name and
    icoNumber) there, updated since the transfer was sent; None unless exactly one."""
    query = {"filter": {"updatedAt": {"from": since}}, "pagination": {"limit": 100}}
    paginator = BodyCursorPaginator(
        cursor="meta.pagination.endCursor", json_path="params.pagination.after"
    )
    coffee = (source.get("name"), source.get("icoNumber"))
    candidates: list[Record] = []
    async for page in client.api.pages(
        LIST, paginator, records="result.greenLots", method="POST", json={"params": query}
    ):
        candidates += [
            lot
            for lot in page.records
            if (lot.get("name"), lot.get("icoNumber")) == coffee
            and lot.get("id") != source.get("id")
            and _at(lot, location)
        ]
        if page.number >= TARGET_SEARCH_PAGES:
            break  # a busy inventory: better no target than a long search
    return dict(candidates[0]) if len(candidates) == 1 else None


def _at(lot: Record, location: Mapping[str, Any]) -> bool:
    where = lot.get("location")
    if not isinstance(where, dict):
        return False
    wanted = [(key, location.get(key)) for key in ("id", "externalId") if location.get(key)]
    return bool(wanted) and all(where.get(key) == value for key, value in wanted)


def _amount(weight: object) -> tuple[float | None, str | None]:
    if not isinstance(weight, Mapping):
        return None, None
    amount, unit = weight.get("amount"), weight.get("unit")
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        return None, None
    return float(amount), str(unit)


def _convert(amount: float, unit: str | None, into: str | None) -> float:
    if unit == into:
        return amount
    return amount * KG_PER_LB if into == "KG" else amount / KG_PER_LB


def _lot(value: object, method: str) -> Record:
    if not isinstance(value, dict):
        raise GiveUp(f"Cropster: the answer to {method} has no lot")
    return dict(value)
