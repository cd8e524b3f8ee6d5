"""Input validation with CRO's model names and messages.

CRO's documented error ``CreateCustomerModel.user_id: Unknown field.`` uses marshmallow's
wording, so the sandbox checks input the same way and reports the first problem as
``<Model>.<field>`` (nested fields joined with dots, list items by index, e.g.
``CreateCustomerModel.addresses.0.line_1``) with marshmallow-style details. Unknown fields are
reported before anything else, then fields in the model's documented (alphabetical) order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crossdock.sandboxes.cro.errors import CroError
from crossdock.sandboxes.cro.records import format_ms, to_ms

MAX_ID = 2_147_483_647
EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
TRUE_TEXT = {"1", "true"}
FALSE_TEXT = {"0", "false"}


class Invalid(Exception):
    """One input problem, with the path of the offending field inside the model."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


@dataclass(frozen=True)
class LoadContext:
    """What some checks need besides the value: the sandbox clock, for "in the past"."""

    now_ms: int


class Field:
    def __init__(self, *, required: bool = False, nullable: bool = True) -> None:
        self.required = required
        self.nullable = nullable

    def load(self, value: object, ctx: LoadContext) -> Any:
        raise NotImplementedError


class String(Field):
    def __init__(self, min_len: int = 0, max_len: int = 256, **kw: bool) -> None:
        super().__init__(**kw)
        self.min_len = min_len
        self.max_len = max_len

    def load(self, value: object, ctx: LoadContext) -> Any:
        if not isinstance(value, str):
            raise Invalid("Not a valid string.")
        if not self.min_len <= len(value) <= self.max_len:
            raise Invalid(f"Length must be between {self.min_len} and {self.max_len}.")
        return value


class EmailList(String):
    """A comma-separated list of e-mail addresses (an empty string is allowed)."""

    def load(self, value: object, ctx: LoadContext) -> Any:
        text = super().load(value, ctx)
        if text.strip() and not all(EMAIL.match(part.strip()) for part in text.split(",")):
            raise Invalid("Not a valid email address.")
        return text


class Integer(Field):
    def __init__(self, minimum: int = 1, maximum: int = MAX_ID, **kw: bool) -> None:
        super().__init__(**kw)
        self.minimum = minimum
        self.maximum = maximum

    def load(self, value: object, ctx: LoadContext) -> Any:
        number: int
        if isinstance(value, bool):
            raise Invalid("Not a valid integer.")
        if isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str):
            try:
                number = int(value.strip())
            except ValueError:
                raise Invalid("Not a valid integer.") from None
        else:
            raise Invalid("Not a valid integer.")
        if not self.minimum <= number <= self.maximum:
            raise Invalid(
                f"Must be greater than or equal to {self.minimum} "
                f"and less than or equal to {self.maximum}."
            )
        return number


class Number(Field):
    def __init__(self, minimum: float, maximum: float, **kw: bool) -> None:
        super().__init__(**kw)
        self.minimum = minimum
        self.maximum = maximum

    def load(self, value: object, ctx: LoadContext) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise Invalid("Not a valid number.")
        try:
            number = float(value)
        except (ValueError, OverflowError):
            raise Invalid("Not a valid number.") from None
        if not math.isfinite(number):
            raise Invalid("Not a valid number.")
        if not self.minimum <= number <= self.maximum:
            raise Invalid(
                f"Must be greater than or equal to {self.minimum:g} "
                f"and less than or equal to {self.maximum:g}."
            )
        return int(value) if isinstance(value, int) else number


class Boolean(Field):
    """CRO accepts "One of 0, 1, True, False (case insensitive)"."""

    def load(self, value: object, ctx: LoadContext) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            text = value.strip().lower()
            if text in TRUE_TEXT:
                return True
            if text in FALSE_TEXT:
                return False
        raise Invalid("Not a valid boolean.")


class DateTime(Field):
    """An ISO 8601 date or datetime; naive values are UTC. Loads as epoch milliseconds."""

    def __init__(self, *, past: bool = False, **kw: bool) -> None:
        super().__init__(**kw)
        self.past = past

    def load(self, value: object, ctx: LoadContext) -> Any:
        if not isinstance(value, str) or len(value) > 64:
            raise Invalid("Not a valid datetime.")
        try:
            ms = to_ms(datetime.fromisoformat(value.strip()))
        except (ValueError, OverflowError):
            raise Invalid("Not a valid datetime.") from None
        if self.past and ms > ctx.now_ms:
            raise Invalid("Date must be in the past.")
        return ms


class IsoDate(DateTime):
    """A datetime stored and returned as CRO formats it (``renewal_date``)."""

    def load(self, value: object, ctx: LoadContext) -> Any:
        try:
            return format_ms(super().load(value, ctx))
        except OverflowError:
            raise Invalid("Not a valid datetime.") from None


class Schema:
    """A named model: a mapping of field names to fields, loaded into a plain dict."""

    def __init__(self, name: str, fields: Mapping[str, Field]) -> None:
        self.name = name
        self.fields = dict(sorted(fields.items()))

    def load(self, data: object, ctx: LoadContext) -> dict[str, Any]:
        """Validate ``data``; the first problem becomes a 400 in CRO's format."""
        try:
            return self.load_fields(data, ctx)
        except Invalid as problem:
            path = ".".join(str(part) for part in problem.path)
            field = f"{self.name}.{path}" if path else self.name
            raise CroError(400, problem.message, field) from None

    def load_fields(self, data: object, ctx: LoadContext) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise Invalid("Invalid input type.")
        for key in data:
            if key not in self.fields:
                raise Invalid("Unknown field.", (key,))
        loaded: dict[str, Any] = {}
        for key, field in self.fields.items():
            if key not in data:
                if field.required:
                    raise Invalid("Missing data for required field.", (key,))
                continue
            value = data[key]
            if value is None:
                if not field.nullable:
                    raise Invalid("Field may not be null.", (key,))
                loaded[key] = None
                continue
            try:
                loaded[key] = field.load(value, ctx)
            except Invalid as problem:
                raise Invalid(problem.message, (key, *problem.path)) from None
        return loaded


class NestedList(Field):
    def __init__(self, schema: Schema, *, min_items: int = 0, max_items: int = 50, **kw: bool):
        super().__init__(**kw)
        self.schema = schema
        self.min_items = min_items
        self.max_items = max_items

    def load(self, value: object, ctx: LoadContext) -> Any:
        if not isinstance(value, list):
            raise Invalid("Not a valid list.")
        if not self.min_items <= len(value) <= self.max_items:
            raise Invalid(f"Length must be between {self.min_items} and {self.max_items}.")
        loaded = []
        for index, item in enumerate(value):
            try:
                loaded.append(self.schema.load_fields(item, ctx))
            except Invalid as problem:
                raise Invalid(problem.message, (index, *problem.path)) from None
        return loaded


def _address_fields(required: bool) -> dict[str, Field]:
    return {
        "country": String(0, 64),
        "is_active": Boolean(nullable=False),
        "is_billing": Boolean(nullable=False),
        "is_physical": Boolean(nullable=False),
        "is_shipping": Boolean(nullable=False),
        "latitude": Number(-90, 90),
        "line_1": String(1, 256, required=required, nullable=False),
        "line_2": String(0, 256),
        "line_3": String(0, 256),
        "line_4": String(0, 256),
        "locality": String(1, 128, required=required, nullable=False),
        "longitude": Number(-180, 180),
        "postcode": String(1, 32, required=required, nullable=False),
        "region": String(1, 64, required=required, nullable=False),
    }


def _contact_fields() -> dict[str, Field]:
    return {
        "email": EmailList(0, 256),
        "fax": String(7, 15),
        "name": String(1, 128),
        "notify_on_acknowledged_request": Boolean(nullable=False),
        "notify_on_completed_request": Boolean(nullable=False),
        "notify_on_dispatched_request": Boolean(nullable=False),
        "notify_on_failed_request": Boolean(nullable=False),
        "notify_on_new_request": Boolean(nullable=False),
        "number": String(1, 90),
    }


def _location_record_fields() -> dict[str, Field]:
    return {
        "account_number_1": String(0, 128),
        "account_number_2": String(0, 128),
        "is_commercial": Boolean(nullable=False),
        "note": String(0, 2048),
        "reference_number": String(1, 256),
        "renewal_date": IsoDate(),
        "sales_rep": String(1, 128),
        "sales_rep_id": String(1, 64),
        "suspension_id": Integer(),
    }


def _page_fields() -> dict[str, Field]:
    return {"page_index": Integer(1, 10_000), "page_limit": Integer(1, 1000)}


CREATE_ADDRESS = Schema("CreateCustomerAddressModel", _address_fields(required=True))
UPDATE_ADDRESS = Schema("UpdateCustomerAddressModel", _address_fields(required=False))
CREATE_CONTACT = Schema("CreateCustomerContactModel", _contact_fields())
UPDATE_CONTACT = Schema("UpdateCustomerContactModel", _contact_fields())
CREATE_CUSTOMER = Schema(
    "CreateCustomerModel",
    {
        **_location_record_fields(),
        "addresses": NestedList(CREATE_ADDRESS, min_items=1, required=True, nullable=False),
        "contacts": NestedList(CREATE_CONTACT, min_items=1, required=True, nullable=False),
        "name": String(1, 64, required=True, nullable=False),
        "parent_id": Integer(),
    },
)
# CRO documents name and parent_id; is_active is accepted too (see docs/sandboxes/cro.md).
UPDATE_CUSTOMER = Schema(
    "UpdateCustomerModel",
    {
        "is_active": Boolean(nullable=False),
        "name": String(1, 64, nullable=False),
        "parent_id": Integer(),
    },
)
UPDATE_CUSTOMER_LOCATION = Schema(
    "UpdateDispatchCustomerLocationModel",
    {**_location_record_fields(), "is_active": Boolean(nullable=False)},
)
PAGE_QUERY = Schema("PagedQueryModel", _page_fields())
NO_QUERY = Schema("QueryParametersModel", {})
CUSTOMER_QUERY = Schema(
    "CustomerQueryModel",
    {
        **_page_fields(),
        "active": Boolean(),
        "created_on_gte": DateTime(past=True),
        "is_parent": Boolean(),
        "last_updated_gte": DateTime(past=True),
        "name": String(1, 64),
        "parent_id": Integer(),
    },
)
