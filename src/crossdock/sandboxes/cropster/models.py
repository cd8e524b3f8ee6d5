"""The records of a Cropster inventory (locations, green, roasted and blended lots) as JSON.

Each lot caches its serialized JSON, because list pages are served far more often than lots
change; ``Lots.touch`` (the only way a write reaches a stored lot) drops the cache.

Beyond the fields of the vendor's samples, every lot carries ``createdAt`` and ``updatedAt``
(ISO 8601 UTC, milliseconds) so that Crossdock can read incrementally; ``updatedAt`` moves
whenever a write changes the lot.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from crossdock.sandboxes.cropster.values import Price, Weight, format_ms


def _dumps(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _weight(amount: float, unit: str) -> dict[str, Any]:
    return {"amount": amount, "unit": unit}


@dataclass(slots=True, eq=False)
class Location:
    id: str
    external_id: str
    name: str
    unit: str
    """The unit lots at this location are weighed in when the seed creates them."""

    def ref(self) -> dict[str, str]:
        return {"id": self.id, "externalId": self.external_id}


@dataclass(slots=True, eq=False)
class GreenLot:
    id: str
    name: str
    ico_number: str | None
    external_id: str | None
    weight: Weight
    price: Price | None
    location: Location
    origin_id: str
    """The lot this one was first split from by transfers (itself for imported lots)."""
    created: int
    updated: int
    cached: str | None = field(default=None, repr=False)

    @property
    def consumed(self) -> bool:
        return self.weight.amount == 0

    def to_json(self) -> str:
        if self.cached is None:
            price = self.price
            self.cached = _dumps(
                {
                    "id": self.id,
                    "name": self.name,
                    "icoNumber": self.ico_number,
                    "externalId": self.external_id,
                    "weight": _weight(self.weight.amount, self.weight.unit),
                    "price": None
                    if price is None
                    else {"amount": price.amount, "currency": price.currency},
                    "location": self.location.ref(),
                    "createdAt": format_ms(self.created),
                    "updatedAt": format_ms(self.updated),
                }
            )
        return self.cached


@dataclass(slots=True, eq=False)
class RoastedLot:
    id: str
    name: str
    roasted: int
    start_weight: Weight
    end_weight: Weight
    location: Location
    green_lots: list[tuple[str, Weight]]
    """The green lots that went into the roaster, with how much of each."""
    created: int
    updated: int
    cached: str | None = field(default=None, repr=False)

    def to_json(self) -> str:
        if self.cached is None:
            self.cached = _dumps(
                {
                    "id": self.id,
                    "name": self.name,
                    "roastedDate": format_ms(self.roasted),
                    "startWeight": _weight(self.start_weight.amount, self.start_weight.unit),
                    "endWeight": _weight(self.end_weight.amount, self.end_weight.unit),
                    "location": self.location.ref(),
                    "greenLots": [
                        {"id": lot_id, "weight": _weight(w.amount, w.unit)}
                        for lot_id, w in self.green_lots
                    ],
                    "createdAt": format_ms(self.created),
                    "updatedAt": format_ms(self.updated),
                }
            )
        return self.cached


@dataclass(slots=True, eq=False)
class BlendedLot:
    id: str
    name: str
    blended: int
    weight: Weight
    location: Location
    roasted_lots: list[tuple[str, Weight]]
    """The roasted lots blended together, with how much of each."""
    created: int
    updated: int
    cached: str | None = field(default=None, repr=False)

    def to_json(self) -> str:
        if self.cached is None:
            self.cached = _dumps(
                {
                    "id": self.id,
                    "name": self.name,
                    "blendedDate": format_ms(self.blended),
                    "weight": _weight(self.weight.amount, self.weight.unit),
                    "location": self.location.ref(),
                    "roastedLots": [
                        {"id": lot_id, "weight": _weight(w.amount, w.unit)}
                        for lot_id, w in self.roasted_lots
                    ],
                    "createdAt": format_ms(self.created),
                    "updatedAt": format_ms(self.updated),
                }
            )
        return self.cached
