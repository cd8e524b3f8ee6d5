"""Reading RPC request bodies into typed values, with the vendor's error codes.

Where Cropster's table offers a specific code it wins (``invalid_weight``, ``invalid_price``,
``unsupported_unit``, ``unsupported_currency``, ``missing_parameter``, all 422); a body that is
not JSON, has the wrong shape or wrong types, or pages wrongly is ``invalid_parameter`` (400).
Unknown fields are rejected rather than ignored, so a misspelt filter cannot pass unnoticed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, NoReturn

from crossdock.sandboxes.cropster.collection import OPEN, Range
from crossdock.sandboxes.cropster.errors import CropsterError, invalid, missing
from crossdock.sandboxes.cropster.values import (
    CURRENCIES,
    MAX_AMOUNT,
    UNITS,
    Price,
    Weight,
    finite_number,
    parse_ms,
)

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
MAX_IDS = 100
MAX_TEXT = 255

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@dataclass(frozen=True)
class Query:
    after: str | None = None
    limit: int = DEFAULT_LIMIT
    ranges: dict[str, Range] = field(default_factory=dict)

    def range(self, name: str) -> Range:
        return self.ranges.get(name, OPEN)


@dataclass(frozen=True)
class LocationRef:
    id: str | None
    external_id: str | None


@dataclass(frozen=True)
class GreenLotImport:
    name: str
    external_id: str
    ico_number: str | None
    weight: Weight
    price: Price | None
    location: LocationRef


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def parse_body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        # ValueError covers bad syntax, bad UTF-8 and integers too long to convert.
        raise invalid("the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise invalid("the request body must be a JSON object")
    return body


def section(body: dict[str, Any], name: str, *, required: bool) -> dict[str, Any]:
    """``body[name]`` (``params`` or ``data``), the only member the body may have."""
    only(body, {name}, "the request body")
    value = body.get(name)
    if value is None:
        if required:
            raise missing(f"{name} is required")
        return {}
    return _object(value, name)


def query(params: dict[str, Any], filters: Collection[str]) -> Query:
    """``params: {filter, pagination: {limit, after}}`` of a listing."""
    only(params, {"filter", "pagination"}, "params")
    ranges: dict[str, Range] = {}
    raw_filter = params.get("filter")
    if raw_filter is not None:
        only(_object(raw_filter, "params.filter"), set(filters), "params.filter")
        for name, bounds in raw_filter.items():
            if bounds is not None:
                ranges[name] = _range(bounds, f"params.filter.{name}")
    pagination = params.get("pagination")
    if pagination is None:
        return Query(ranges=ranges)
    only(_object(pagination, "params.pagination"), {"limit", "after"}, "params.pagination")
    limit = pagination.get("limit")
    if limit is None:
        limit = DEFAULT_LIMIT
    elif isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise invalid(f"params.pagination.limit must be an integer from 1 to {MAX_LIMIT}")
    after = pagination.get("after")
    if after is not None and (not isinstance(after, str) or not after):
        raise invalid("params.pagination.after must be a cursor string or null")
    return Query(after=after, limit=limit, ranges=ranges)


def ids(params: dict[str, Any], name: str) -> list[str]:
    """A list of 1 to 100 UUIDs under ``params[name]``, without repeats, in order."""
    only(params, {name}, "params")
    value = params.get(name)
    if value is None:
        raise missing(f"params.{name} is required")
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_IDS:
        raise invalid(f"params.{name} must be a list of 1 to {MAX_IDS} ids")
    found = [uuid_text(item, f"params.{name}[{i}]") for i, item in enumerate(value)]
    return list(dict.fromkeys(found))


def uuid_text(value: object, path: str) -> str:
    if value is None:
        raise missing(f"{path} is required")
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise invalid(f"{path} must be a UUID")
    return value.lower()


def text(value: object, path: str, *, required: bool) -> str | None:
    if value is None:
        if required:
            raise missing(f"{path} is required")
        return None
    if not isinstance(value, str):
        raise invalid(f"{path} must be a string")
    try:
        value.encode()
    except UnicodeEncodeError:
        # A lone surrogate ("\ud800") parses as JSON but can never be written back out.
        raise invalid(f"{path} is not valid Unicode text") from None
    value = value.strip()
    if not value:
        if required:
            raise missing(f"{path} must not be empty")
        return None
    if len(value) > MAX_TEXT:
        raise invalid(f"{path} must be at most {MAX_TEXT} characters", 422)
    return value


def weight(value: object, path: str, *, positive: bool = False) -> Weight:
    if value is None:
        raise missing(f"{path} is required")
    if not isinstance(value, dict):
        raise _bad_weight(f"{path} must be an object with amount and unit")
    only(value, {"amount", "unit"}, path)
    if value.get("amount") is None:
        raise missing(f"{path}.amount is required")
    if value.get("unit") is None:
        raise missing(f"{path}.unit is required")
    amount = finite_number(value["amount"])
    if amount is None:
        raise _bad_weight(f"{path}.amount must be a number")
    if amount < 0 or (positive and amount == 0):
        raise _bad_weight(f"{path}.amount must be {'positive' if positive else 'zero or more'}")
    if amount > MAX_AMOUNT:
        raise _bad_weight(f"{path}.amount must be at most {MAX_AMOUNT:.0f}")
    unit = value["unit"]
    if not isinstance(unit, str) or unit not in UNITS:
        raise CropsterError(422, "unsupported_unit", f"{path}.unit must be KG or LBS")
    return Weight(amount, unit)


def price(value: object, path: str) -> Price | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _bad_price(f"{path} must be an object with amount and currency")
    only(value, {"amount", "currency"}, path)
    if value.get("amount") is None:
        raise missing(f"{path}.amount is required")
    if value.get("currency") is None:
        raise missing(f"{path}.currency is required")
    amount = finite_number(value["amount"])
    if amount is None:
        raise _bad_price(f"{path}.amount must be a number")
    if amount < 0 or amount > MAX_AMOUNT:
        raise _bad_price(f"{path}.amount must be from 0 to {MAX_AMOUNT:.0f}")
    currency = value["currency"]
    if not isinstance(currency, str) or currency not in CURRENCIES:
        raise CropsterError(
            422, "unsupported_currency", f"{path}.currency must be an ISO 4217 code, e.g. USD"
        )
    return Price(amount, currency)


def location(value: object, path: str) -> LocationRef:
    """A location by ``id`` or ``externalId`` (both allowed when they agree)."""
    if value is None:
        raise missing(f"{path} is required")
    only(_object(value, path), {"id", "externalId"}, path)
    assert isinstance(value, dict)
    location_id = None if value.get("id") is None else uuid_text(value["id"], f"{path}.id")
    external_id = text(value.get("externalId"), f"{path}.externalId", required=False)
    if location_id is None and external_id is None:
        raise missing(f"{path} needs an id or an externalId")
    return LocationRef(location_id, external_id)


def green_lot_import(data: dict[str, Any]) -> GreenLotImport:
    only(data, {"name", "icoNumber", "externalId", "weight", "price", "location"}, "data")
    name = text(data.get("name"), "data.name", required=True)
    external_id = text(data.get("externalId"), "data.externalId", required=True)
    assert name is not None
    assert external_id is not None
    return GreenLotImport(
        name=name,
        external_id=external_id,
        ico_number=text(data.get("icoNumber"), "data.icoNumber", required=False),
        weight=weight(data.get("weight"), "data.weight"),
        price=price(data.get("price"), "data.price"),
        location=location(data.get("location"), "data.location"),
    )


def _range(value: object, path: str) -> Range:
    only(_object(value, path), {"from", "to"}, path)
    assert isinstance(value, dict)
    return (_moment(value.get("from"), f"{path}.from"), _moment(value.get("to"), f"{path}.to"))


def _moment(value: object, path: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(f"{path} must be an ISO 8601 date-time string")
    try:
        return parse_ms(value)
    except (ValueError, OverflowError) as exc:
        raise invalid(f"{path} is not an ISO 8601 date-time with an offset: {exc}") from None


def _object(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(f"{path} must be a JSON object")
    return value


def only(value: dict[str, Any], allowed: Collection[str], path: str) -> None:
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        known = ", ".join(sorted(allowed)) or "nothing"
        raise invalid(f"{path} has unknown field(s) {', '.join(unknown)}; it takes {known}")


def _bad_weight(message: str) -> CropsterError:
    return CropsterError(422, "invalid_weight", message)


def _bad_price(message: str) -> CropsterError:
    return CropsterError(422, "invalid_price", message)
