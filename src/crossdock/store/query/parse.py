"""Query-string parameters to a typed ``Query``: attributes, operators, values, sort, limit."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from crossdock.store.query.declare import (
    MAX_DEPTH,
    RESERVED,
    SEGMENT,
    Field,
    JsonField,
    Listing,
    QueryError,
    is_decimal,
)

Operator = Literal["eq", "not", "exists", "lt", "lte", "gt", "gte"]
SUFFIXES: tuple[Operator, ...] = ("not", "exists", "lt", "lte", "gt", "gte")
RANGE: frozenset[Operator] = frozenset({"lt", "lte", "gt", "gte"})
MAX_LIMIT = 9999
MAX_SCROLL_MINUTES = 10

_INT = re.compile(r"[+-]?\d{1,19}")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_JSON_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?")
_INT64 = 2**63


@dataclass(frozen=True)
class Target:
    """A resolved attribute: a plain field, or a path inside a JSON field."""

    name: str
    field: Field | None = None
    json: JsonField | None = None
    path: tuple[str, ...] = ()


@dataclass(frozen=True)
class JsonValue:
    """A query value as every JSON type it can match: always a string, maybe a number or bool."""

    text: str
    number: int | float | None = None
    boolean: bool | None = None


@dataclass(frozen=True)
class Condition:
    param: str
    target: Target
    op: Operator
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Sort:
    target: Target
    descending: bool

    @property
    def text(self) -> str:
        return f"{self.target.name}:{'desc' if self.descending else 'asc'}"


@dataclass(frozen=True)
class Query:
    conditions: tuple[Condition, ...]
    sort: Sort
    limit: int
    page: str | None
    scroll: int | None
    fingerprint: str


def parse_query(listing: Listing, params: Iterable[tuple[str, str]]) -> Query:
    """Validate every parameter; the first problem raises ``QueryError`` naming it."""
    grouped: dict[str, list[str]] = {}
    for key, value in params:
        if "\x00" in key or "\x00" in value:
            raise QueryError(key.replace("\x00", ""), "must not contain NUL characters")
        grouped.setdefault(key, []).append(value)

    def single(name: str) -> str | None:
        values = grouped.get(name)
        if values is None:
            return None
        if len(values) > 1:
            raise QueryError(name, "must be given at most once")
        return values[0]

    limit = _parse_bounded(single("limit"), "limit", MAX_LIMIT, listing.default_limit)
    scroll_text = single("scroll")
    scroll = None if scroll_text is None else _parse_bounded(scroll_text, "scroll", 10, 0)
    sort_text = single("_sort")
    sort = parse_sort(listing, sort_text if sort_text is not None else listing.default_sort)
    page = single("page") or None

    conditions = [
        _condition(listing, key, values)
        for key, values in grouped.items()
        if key not in RESERVED and key not in listing.ignore
    ]
    return Query(
        conditions=tuple(conditions),
        sort=sort,
        limit=limit,
        page=page,
        scroll=scroll,
        fingerprint=_fingerprint(listing, grouped, sort),
    )


def parse_sort(listing: Listing, text: str) -> Sort:
    name, sep, direction = text.rpartition(":")
    if not sep or direction.lower() not in ("asc", "desc"):
        raise QueryError("_sort", "must be in the format {field}:{asc|desc}, e.g. updatedAt:desc")
    target = resolve(listing, name, "_sort")
    if target.field is not None and not target.field.sortable:
        raise QueryError("_sort", f"cannot sort on '{name}'")
    if target.json is not None:
        if not target.json.sortable:
            raise QueryError("_sort", f"cannot sort on '{name}'")
        if not target.path:
            raise QueryError("_sort", f"sort on an attribute inside '{name}', e.g. {name}.id")
    return Sort(target=target, descending=direction.lower() == "desc")


def resolve(listing: Listing, name: str, param: str) -> Target:
    """The attribute ``name`` designates: a declared field, or ``jsonField.a.b``.

    Segments after a JSON field may be joined by ``.`` or ``__``: the API writes paths that
    cross a list of objects as ``options__constraints.attributeId``; both mean the same here.
    """
    declared = listing.fields.get(name)
    if declared is not None:
        return Target(name=name, field=declared)
    segments = re.split(r"\.|__", name)
    json_field = listing.json_fields.get(segments[0])
    if json_field is None:
        raise QueryError(param, f"unknown attribute '{name}'")
    path = tuple(segments[1:])
    if len(path) > MAX_DEPTH:
        raise QueryError(param, f"paths may be at most {MAX_DEPTH} attributes deep")
    for segment in path:
        if not SEGMENT.fullmatch(segment):
            raise QueryError(
                param,
                "attribute names in a path may only contain letters, digits, '_' and '-'",
            )
    return Target(name=".".join(segments), json=json_field, path=path)


def split_operator(listing: Listing, key: str) -> tuple[str, Operator]:
    """``createdAt__gte`` -> (``createdAt``, ``gte``); a bare attribute is equality.

    A trailing ``__word`` with no dot after it is always read as an operator (a path that
    continues across a list always goes on with ``.attribute``), so ``name__foo`` is an
    unknown operator rather than a silent search for a nested attribute ``foo``.
    """
    if key in listing.fields:
        return key, "eq"
    head, sep, tail = key.rpartition("__")
    if not sep or "." in tail:
        return key, "eq"
    for op in SUFFIXES:
        if tail == op:
            return head, op
    supported = ", ".join(f"__{op}" for op in SUFFIXES)
    raise QueryError(key, f"unknown operator '__{tail}'; supported: {supported}")


def _condition(listing: Listing, key: str, values: list[str]) -> Condition:
    name, op = split_operator(listing, key)
    target = resolve(listing, name, key)
    declared = target.field or target.json
    assert declared is not None
    if not declared.filterable:
        raise QueryError(key, f"cannot filter on '{name}'")
    if len(values) > 1 and op not in ("eq", "not"):
        raise QueryError(key, "must be given at most once")
    if op == "exists":
        return Condition(key, target, op, (_parse_bool(values[0], key),))
    if target.field is not None:
        if op in RANGE and target.field.kind == "bool":
            raise QueryError(key, "range operators do not apply to true/false attributes")
        parsed = tuple(_parse_plain(target.field, value, key) for value in values)
    else:
        parsed = tuple(_parse_json(value) for value in values)
    return Condition(key, target, op, tuple(dict.fromkeys(parsed)))


def _parse_bounded(text: str | None, name: str, high: int, default: int) -> int:
    if text is None:
        return default
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= high:
        raise QueryError(name, f"must be an integer between 1 and {high}")
    return int(text)


def _parse_bool(text: str, param: str) -> bool:
    lowered = text.lower()
    if lowered not in ("true", "false"):
        raise QueryError(param, "must be true or false")
    return lowered == "true"


def _parse_plain(declared: Field, text: str, param: str) -> Any:
    kind = declared.kind
    if kind == "string":
        return text
    if kind == "bool":
        return _parse_bool(text, param)
    if kind == "int":
        if not _INT.fullmatch(text) or not -_INT64 <= int(text) < _INT64:
            raise QueryError(param, "must be an integer")
        return int(text)
    if kind == "number":
        return parse_number(declared, text, param)
    return parse_datetime(text, param)


def parse_number(declared: Field, text: str, param: str) -> Decimal | float:
    if not _NUMBER.fullmatch(text):
        raise QueryError(param, "must be a number")
    if is_decimal(declared.column.type):
        try:
            return Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - the pattern already rules it out
            raise QueryError(param, "must be a number") from exc
    number = float(text)
    if not math.isfinite(number):
        raise QueryError(param, "must be a finite number")
    return number


def parse_datetime(text: str, param: str) -> datetime:
    """ISO 8601; a value without an offset is taken as UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise QueryError(
            param, "must be an ISO 8601 date-time, e.g. 2018-03-07T08:52:17+00:00"
        ) from exc
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _parse_json(text: str) -> JsonValue:
    number: int | float | None = None
    if _JSON_NUMBER.fullmatch(text):
        whole = int(text) if text.lstrip("-").isdigit() else None
        if whole is not None and -_INT64 <= whole < _INT64:
            number = whole
        else:
            as_float = float(text)
            number = as_float if math.isfinite(as_float) else None
    lowered = text.lower()
    boolean = (lowered == "true") if lowered in ("true", "false") else None
    return JsonValue(text=text, number=number, boolean=boolean)


def _fingerprint(listing: Listing, grouped: dict[str, list[str]], sort: Sort) -> str:
    """What a page token must have been issued for: the endpoint, its filters and its sort.

    ``limit`` and ``scroll`` may change between pages; parameter order does not matter.
    """
    filters = sorted(
        (key, value) for key, values in grouped.items() if key not in RESERVED for value in values
    )
    canonical = json.dumps([listing.name, filters, sort.text], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]
