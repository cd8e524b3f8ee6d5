"""Field parsers for request bodies: each turns a JSON value into a stored value or says why not.

A parser raises ``Invalid`` with a phrase that completes "<field> ..." (``"must be a number"``),
so every message the sandbox returns names the field it is about, as the vendor's do.
``clean`` applies a schema to a body and gathers every problem into one 400 message.
"""

from __future__ import annotations

import math
import re
import uuid
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from crossdock.sandboxes.customtrades.timefmt import iso_ms, parse_day, parse_instant

MAX_MONEY = Decimal("999999999.99")
_CENT = Decimal("0.01")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_ZIP = re.compile(r"^\d{5}(-?\d{4})?$")
_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR"
)
US_STATES = frozenset(_STATE_CODES.split(" "))


class Invalid(ValueError):
    """A value was refused; the message completes the sentence "<field> ...".

    ``nested`` carries problems inside an array of objects, each completing "<field>..."
    without a space (``[0].description is required``).
    """

    def __init__(self, message: str, *, nested: list[str] | None = None) -> None:
        super().__init__(message)
        self.nested = nested or []


Parser = Callable[[Any], Any]


@dataclass(frozen=True)
class Field:
    parse: Parser
    required: bool = False
    nullable: bool = True


Schema = Mapping[str, Field]


def clean(
    schema: Schema, body: Mapping[str, Any], *, partial: bool
) -> tuple[dict[str, Any], list[str]]:
    """Parse the fields of ``schema`` present in ``body``; unknown keys are ignored.

    ``partial`` (updates) skips the check for missing required fields, but a required field
    can never be set to null or blank. Returns the cleaned values and the problems found.
    """
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, field in schema.items():
        if name not in body:
            if field.required and not partial:
                problems.append(f"{name} is required")
            continue
        raw = body[name]
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if field.required or not field.nullable:
                problems.append(
                    f"{name} is required" if field.required else f"{name} cannot be empty"
                )
            else:
                values[name] = None
            continue
        try:
            values[name] = field.parse(raw)
        except Invalid as exc:
            if exc.nested:
                problems.extend(f"{name}{problem}" for problem in exc.nested)
            else:
                problems.append(f"{name} {exc}")
    return values, problems


def text(max_length: int = 255) -> Parser:
    def parse(value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid("must be a string")
        stripped: str = value.strip()
        if len(stripped) > max_length:
            raise Invalid(f"must be at most {max_length} characters")
        return stripped

    return parse


def email(value: Any) -> str:
    value = text(254)(value).lower()
    if not _EMAIL.match(value):
        raise Invalid("must be a valid email address")
    return str(value)


def us_phone(value: Any) -> str:
    """Ten US digits in any punctuation, stored as the vendor shows them: ``206-555-1234``."""
    digits = re.sub(r"[\s().+\-]", "", text(32)(value))
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or not digits.isdigit():
        raise Invalid("must be a 10-digit US phone number (xxx-xxx-xxxx)")
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def choice(*options: str) -> Parser:
    """One of ``options``, matched without regard to case and stored in the vendor's spelling."""
    folded = {option.lower(): option for option in options}
    listed = ", ".join(f"'{option}'" for option in options)

    def parse(value: Any) -> str:
        if isinstance(value, str) and value.strip().lower() in folded:
            return folded[value.strip().lower()]
        raise Invalid(f"must be one of {listed}")

    return parse


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("must be true or false")
    return value


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid("must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise Invalid("must be a finite number")
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:  # pragma: no cover - str() of a number
        raise Invalid("must be a number") from exc


def money(*, minimum: Decimal = Decimal(0), positive: bool = False) -> Parser:
    """An amount in dollars, rounded half-up to cents, between ``minimum`` and 999,999,999.99."""

    def parse(value: Any) -> float | int:
        amount = _decimal(value)
        if abs(amount) > MAX_MONEY:
            raise Invalid(f"must be at most {MAX_MONEY}")
        amount = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
        if positive and amount <= 0:
            raise Invalid("must be greater than 0")
        if amount < minimum:
            raise Invalid(f"must be at least {minimum}")
        # Whole amounts stay integers, as the vendor shows them ("total_amount": 500).
        return int(amount) if amount == amount.to_integral_value() else float(amount)

    return parse


def number(minimum: float, maximum: float, *, exclusive_minimum: bool = False) -> Parser:
    def parse(value: Any) -> float | int:
        amount = _decimal(value)
        if amount > Decimal(str(maximum)) or amount < Decimal(str(minimum)):
            raise Invalid(f"must be between {minimum:g} and {maximum:g}")
        if exclusive_minimum and amount == Decimal(str(minimum)):
            raise Invalid(f"must be greater than {minimum:g}")
        as_float = float(amount)
        return int(as_float) if as_float.is_integer() else as_float

    return parse


def integer(minimum: int, maximum: int) -> Parser:
    def parse(value: Any) -> int:
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid("must be a whole number")
        whole: int = value
        if not minimum <= whole <= maximum:
            raise Invalid(f"must be between {minimum} and {maximum}")
        return whole

    return parse


def day(value: Any) -> str:
    try:
        return parse_day(text(40)(value))
    except ValueError as exc:
        raise Invalid("must be a date (YYYY-MM-DD)") from exc


def instant(value: Any) -> str:
    """An ISO 8601 date-time, stored in UTC with milliseconds and ``Z``."""
    try:
        return iso_ms(parse_instant(text(40)(value)))
    except ValueError as exc:
        raise Invalid("must be an ISO 8601 date-time (e.g. 2025-02-18T14:30:00.000Z)") from exc


def hhmm(value: Any) -> str:
    value = text(40)(value)
    if not _HHMM.match(value):
        raise Invalid("must be a time of day (HH:MM, 24-hour)")
    return str(value)


def uuid_text(value: Any) -> str:
    try:
        return str(uuid.UUID(text(36)(value)))
    except ValueError as exc:
        raise Invalid("must be a UUID") from exc


def url(value: Any) -> str:
    value = text(2048)(value)
    if not re.match(r"^https?://[^\s/]+\S*$", value):
        raise Invalid("must be an http(s) URL")
    return str(value)


def us_state(value: Any) -> str:
    value = text(40)(value).upper()
    if value not in US_STATES:
        raise Invalid("must be a 2-letter US state code")
    return str(value)


def us_zip(value: Any) -> str:
    value = text(40)(value)
    if not _ZIP.match(value):
        raise Invalid("must be a 5 or 9 digit ZIP code")
    return str(value)


def timezone(value: Any) -> str:
    value = text(64)(value)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise Invalid("must be an IANA time zone such as 'America/New_York'") from exc
    return str(value)


MAX_NESTING = 32


def json_value(value: Any) -> Any:
    """Free-form JSON (the vendor's JSONB columns): an object or an array, at most 32 levels
    deep (deeper values would strain the encoder's recursion limit on the way out)."""
    if not isinstance(value, dict | list):
        raise Invalid("must be a JSON object or array")
    level: list[Any] = [value]
    for _ in range(MAX_NESTING):
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
        if not level:
            return value
    raise Invalid(f"is nested too deeply (at most {MAX_NESTING} levels)")


def string_list(max_items: int = 50) -> Parser:
    def parse(value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Invalid("must be an array of strings")
        if len(value) > max_items:
            raise Invalid(f"must have at most {max_items} items")
        return list(dict.fromkeys(value))

    return parse


def objects(schema: Schema, *, max_items: int) -> Parser:
    """An array of objects, each cleaned by ``schema``; problems name the item's index."""

    def parse(value: Any) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            raise Invalid("must be an array")
        if len(value) > max_items:
            raise Invalid(f"must have at most {max_items} items")
        items: list[dict[str, Any]] = []
        problems: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                problems.append(f"[{index}] must be an object")
                continue
            cleaned, found = clean(schema, item, partial=False)
            problems.extend(f"[{index}].{problem}" for problem in found)
            items.append(cleaned)
        if problems:
            raise Invalid("has invalid items", nested=problems)
        return items

    return parse
