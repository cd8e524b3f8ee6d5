"""The records of a Cropster inventory (locations, green, roasted and blended lots) as JSON.

Each lot caches its serialized JSON, because list pages are served far more often than lots
change; ``Lots.touch`` (the only way a write reaches a stored lot) drops the cache.

Beyond the fields of the vendor's samples, every lot carries ``createdAt`` and ``updatedAt``
(ISO 8601 UTC, milliseconds) so that Crossdock can read incrementally; ``updatedAt`` moves
whenever a write changes the lot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from json.encoder import encode_basestring

from crossdock.sandboxes.cropster.values import Price, Weight, format_ms

# Lots are written out with f-strings rather than json.dumps of a dict: a fresh page of 100
# lots serializes in well under half the time. Strings go through the json module's own
# escaping; numbers are finite floats or ints (params.py refuses anything else), whose repr
# is valid JSON.


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _weight(weight: Weight) -> str:
    return f'{{"amount":{weight.amount!r},"unit":"{weight.unit}"}}'


def _price(price: Price | None) -> str:
    if price is None:
        return "null"
    return f'{{"amount":{price.amount!r},"currency":"{price.currency}"}}'


def _parts(parts: list[tuple[str, Weight]]) -> str:
    return "[" + ",".join(f'{{"id":"{i}","weight":{_weight(w)}}}' for i, w in parts) + "]"


def _stamps(created: int, updated: int) -> str:
    return f'"createdAt":"{format_ms(created)}","updatedAt":"{format_ms(updated)}"'


@dataclass(slots=True, eq=False)
class Location:
    id: str
    external_id: str
    name: str
    unit: str
    """The unit lots at this location are weighed in when the seed creates them."""

    def ref(self) -> str:
        return f'{{"id":"{self.id}","externalId":{_text(self.external_id)}}}'


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
            self.cached = (
                f'{{"id":"{self.id}","name":{_text(self.name)},'
                f'"icoNumber":{_text(self.ico_number)},"externalId":{_text(self.external_id)},'
                f'"weight":{_weight(self.weight)},"price":{_price(self.price)},'
                f'"location":{self.location.ref()},{_stamps(self.created, self.updated)}}}'
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
            self.cached = (
                f'{{"id":"{self.id}","name":{_text(self.name)},'
                f'"roastedDate":"{format_ms(self.roasted)}",'
                f'"startWeight":{_weight(self.start_weight)},'
                f'"endWeight":{_weight(self.end_weight)},"location":{self.location.ref()},'
                f'"greenLots":{_parts(self.green_lots)},{_stamps(self.created, self.updated)}}}'
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
            self.cached = (
                f'{{"id":"{self.id}","name":{_text(self.name)},'
                f'"blendedDate":"{format_ms(self.blended)}","weight":{_weight(self.weight)},'
                f'"location":{self.location.ref()},"roastedLots":{_parts(self.roasted_lots)},'
                f"{_stamps(self.created, self.updated)}}}"
            )
        return self.cached
