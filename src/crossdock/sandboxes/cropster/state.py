"""The Cropster sandbox's world: its inventory, its service accounts and its business rules.

Rules where the vendor's docs are silent (each recorded in docs/sandboxes/cropster.md):

- ``importGreenLot`` is keyed by ``externalId``: a known one updates that lot in place, and
  the import replaces every imported field (an omitted ``price`` or ``icoNumber`` is cleared).
- A lot weighing 0 is consumed. ``setGreenLotWeight`` may set any weight, 0 included, and a
  later weight brings the lot back.
- ``transferGreenLotToLocation`` moves weight from a lot to the lot of the same coffee at the
  destination, creating that lot (same name, icoNumber and price, no externalId, the source's
  unit) on the first transfer there. The amount may be given in either unit.
- ``updatedAt`` moves only when a write actually changes a lot.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from crossdock.sandboxes.base import Clock, VendorState
from crossdock.sandboxes.base.seeddata import uuid_from
from crossdock.sandboxes.cropster.auth import (
    SCOPES,
    Credentials,
    ServiceAccount,
    new_client_id,
    new_client_secret,
    parse_scopes,
)
from crossdock.sandboxes.cropster.collection import Lots, Range
from crossdock.sandboxes.cropster.config import CropsterConfig
from crossdock.sandboxes.cropster.errors import (
    TOKEN_PATH,
    CropsterError,
    code_for_status,
    error_json,
    invalid,
    not_found,
)
from crossdock.sandboxes.cropster.models import BlendedLot, GreenLot, Location, RoastedLot
from crossdock.sandboxes.cropster.params import GreenLotImport, LocationRef, Query
from crossdock.sandboxes.cropster.seed import collector_paused, generate, green_lot
from crossdock.sandboxes.cropster.values import Weight, now_ms, round_weight

RPC_BASE = "/rpc/v1"

R = TypeVar("R", GreenLot, RoastedLot, BlendedLot)


class CropsterState(VendorState):
    vendor = "cropster"

    def __init__(self, config: CropsterConfig, clock: Clock) -> None:
        super().__init__(config, clock)
        main = ServiceAccount(
            config.client_id or new_client_id(),
            config.client_secret or new_client_secret(),
            SCOPES,
        )
        self.auth = Credentials(clock, main, config.rate_limit, config.rate_burst)
        self.reset(seed=config.seed, records=config.records)

    # -- the VendorState contract -------------------------------------------------------------

    def reset(self, *, seed: int, records: int) -> None:
        with collector_paused():
            world = generate(seed, records)
            self.locations: list[Location] = world.locations
            self.green: Lots[GreenLot] = Lots("green", world.green)
            self.roasted: Lots[RoastedLot] = Lots("roast", world.roasted)
            self.blended: Lots[BlendedLot] = Lots("blend", world.blended)
        self._by_external_id = {lot.external_id: lot for lot in world.green if lot.external_id}
        # The lots of one coffee across locations, keyed by the id of the lot they came from;
        # only coffees that have been transferred have an entry.
        self._families: dict[str, list[GreenLot]] = {}
        self._rng = random.Random(f"cropster-writes-{seed}")
        self._next_number = records + 1
        self.auth.reset()

    def issue_credentials(self, params: dict[str, Any]) -> dict[str, Any]:
        """A new service account: ``{"scopes": [...], "client_id"?, "client_secret"?}``."""
        unknown = set(params) - {"scopes", "client_id", "client_secret"}
        if unknown:
            raise ValueError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
        scopes = params.get("scopes", list(SCOPES))
        if not isinstance(scopes, list):
            raise ValueError("scopes must be a list of scope names")
        client_id, client_secret = params.get("client_id"), params.get("client_secret")
        for value in (client_id, client_secret):
            if value is not None and (not isinstance(value, str) or not value):
                raise ValueError("client_id and client_secret must be non-empty strings")
        account = self.auth.add_account(parse_scopes(scopes), client_id, client_secret)
        return {
            "client_id": account.client_id,
            "client_secret": account.client_secret,
            "scopes": list(account.scopes),
        }

    def credentials(self) -> dict[str, str]:
        return {
            "client_id": self.auth.main.client_id,
            "client_secret": self.auth.main.client_secret,
            "scopes": " ".join(self.auth.main.scopes),
            "token_url": TOKEN_PATH,
            "rpc_base": RPC_BASE,
        }

    def expire_tokens(self) -> int:
        return self.auth.expire_all()

    def insert_records(self, count: int) -> int:
        """New green lots, at the head of ``listGreenLots`` as real imports would be."""
        now = self._now()
        for _ in range(count):
            while f"green-lot-{self._next_number:06d}" in self._by_external_id:
                self._next_number += 1
            created = self._next_created(now)
            lot = green_lot(self._rng, self._next_number, self._rng.choice(self.locations), created)
            lot.updated = created
            self._add_green(lot)
        return count

    def error_body(self, status: int) -> tuple[bytes, dict[str, str]]:
        try:
            message = HTTPStatus(status).phrase
        except ValueError:
            message = f"HTTP {status}"
        headers = {"retry-after": "1"} if status == 429 else {}
        return error_json(code_for_status(status), message), headers

    def counts(self) -> dict[str, int]:
        return {
            "locations": len(self.locations),
            "greenLots": len(self.green),
            "roastedLots": len(self.roasted),
            "blendedLots": len(self.blended),
            "serviceAccounts": len(self.auth.accounts),
        }

    # -- reads --------------------------------------------------------------------------------

    def page(
        self,
        lots: Lots[R],
        query: Query,
        event: tuple[str, Callable[[R], int]] | None = None,
    ) -> tuple[list[R], str | None]:
        """One page of a listing, filtered on createdAt, updatedAt and an event date.

        Every lot has ``event <= createdAt <= updatedAt`` (a roast is recorded after it
        happened), so an event ``from`` and an updatedAt ``to`` narrow the creation range too.
        """
        try:
            after = None if query.after is None else lots.decode_cursor(query.after)
        except ValueError as exc:
            raise invalid(f"params.pagination.after: {exc}") from None
        created = query.range("createdAt")
        updated = query.range("updatedAt")
        keep = None
        low, high = created
        if event is not None:
            name, moment = event
            bounds = query.range(name)
            if bounds[0] is not None:
                low = bounds[0] if low is None else max(low, bounds[0])
            keep = _keep_within(moment, bounds)
        if updated[1] is not None:
            high = updated[1] if high is None else min(high, updated[1])
        found, last = lots.page(
            after=after, limit=query.limit, created=(low, high), updated=updated, keep=keep
        )
        return found, None if last is None else lots.encode_cursor(last)

    def get(self, lots: Lots[R], ids: list[str], what: str) -> list[R]:
        unknown = [lot_id for lot_id in ids if lot_id not in lots.by_id]
        if unknown:
            raise not_found(f"no {what} with id(s) {', '.join(unknown)}")
        return [lots.by_id[lot_id] for lot_id in ids]

    # -- writes -------------------------------------------------------------------------------

    def import_green_lot(self, spec: GreenLotImport) -> GreenLot:
        location = self._location(spec.location)
        weight = Weight(round_weight(spec.weight.amount), spec.weight.unit)
        lot = self._by_external_id.get(spec.external_id)
        if lot is None:
            created = self._next_created(self._now())
            lot_id = uuid_from(self._rng)
            lot = GreenLot(
                id=lot_id,
                name=spec.name,
                ico_number=spec.ico_number,
                external_id=spec.external_id,
                weight=weight,
                price=spec.price,
                location=location,
                origin_id=lot_id,
                created=created,
                updated=created,
            )
            self._add_green(lot)
            return lot
        imported = (spec.name, spec.ico_number, weight, spec.price, location)
        if (lot.name, lot.ico_number, lot.weight, lot.price, lot.location) != imported:
            lot.name, lot.ico_number, lot.weight, lot.price, lot.location = imported
            self.green.touch(lot, self._now())
        return lot

    def set_green_lot_weight(self, lot_id: str, weight: Weight) -> GreenLot:
        lot = self._green_lot(lot_id)
        weight = Weight(round_weight(weight.amount), weight.unit)
        if lot.weight != weight:
            lot.weight = weight
            self.green.touch(lot, self._now())
        return lot

    def transfer_green_lot(
        self, lot_id: str, weight: Weight, destination: LocationRef
    ) -> tuple[GreenLot, GreenLot]:
        """Move ``weight`` of a lot to another location; returns (source, target)."""
        source = self._green_lot(lot_id)
        location = self._location(destination)
        if source.consumed:
            raise invalid(f"green lot {source.id} is consumed and cannot be transferred", 422)
        if location is source.location:
            raise invalid(f"green lot {source.id} is already at location {location.id}", 422)
        unit = source.weight.unit
        moved = weight.in_unit(unit)
        if round_weight(moved) == 0:
            raise CropsterError(422, "invalid_weight", "data.weight is too small to transfer")
        if moved > source.weight.amount + 1e-9:
            raise CropsterError(
                422,
                "invalid_weight",
                f"cannot transfer {weight.amount:g} {weight.unit}: green lot {source.id} holds "
                f"{source.weight.amount:g} {unit}",
            )
        now = self._now()
        source.weight = Weight(round_weight(source.weight.amount - moved), unit)
        self.green.touch(source, now)
        family = self._families.setdefault(source.origin_id, [source])
        target = next((lot for lot in family if lot.location is location), None)
        if target is not None:
            grown = target.weight.amount + weight.in_unit(target.weight.unit)
            target.weight = Weight(round_weight(grown), target.weight.unit)
            self.green.touch(target, now)
            return source, target
        created = self._next_created(now)
        target = GreenLot(
            id=uuid_from(self._rng),
            name=source.name,
            ico_number=source.ico_number,
            external_id=None,
            weight=Weight(round_weight(moved), unit),
            price=source.price,
            location=location,
            origin_id=source.origin_id,
            created=created,
            updated=created,
        )
        self.green.add(target)
        family.append(target)
        return source, target

    # -- helpers ------------------------------------------------------------------------------

    def _now(self) -> int:
        return now_ms(self.clock.time())

    def _next_created(self, now: int) -> int:
        """A creation time after every existing lot's, so new lots land at the head."""
        newest = self.green.newest_created()
        return now if newest is None or now > newest else newest + 1

    def _add_green(self, lot: GreenLot) -> None:
        self.green.add(lot)
        if lot.external_id:
            self._by_external_id[lot.external_id] = lot

    def _green_lot(self, lot_id: str) -> GreenLot:
        lot = self.green.by_id.get(lot_id)
        if lot is None:
            raise not_found(f"no green lot with id {lot_id}")
        return lot

    def _location(self, ref: LocationRef) -> Location:
        for location in self.locations:
            if ref.id in (None, location.id) and ref.external_id in (None, location.external_id):
                return location
        described = " and ".join(
            f"{key} {value}"
            for key, value in (("id", ref.id), ("externalId", ref.external_id))
            if value is not None
        )
        raise not_found(f"no location with {described}")


def _keep_within(moment: Callable[[R], int], bounds: Range) -> Callable[[R], bool] | None:
    low, high = bounds
    if low is None and high is None:
        return None

    def keep(record: R) -> bool:
        at = moment(record)
        return (low is None or at >= low) and (high is None or at < high)

    return keep
