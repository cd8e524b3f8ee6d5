"""How an endpoint declares what its listing can be filtered and sorted on, and the one error
every malformed query raises."""

from __future__ import annotations

import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Boolean, ColumnElement, DateTime, Float, Integer, Numeric, String
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.types import TypeDecorator, TypeEngine, Uuid

Kind = Literal["string", "bool", "int", "number", "datetime"]
KINDS: tuple[Kind, ...] = ("string", "bool", "int", "number", "datetime")

#: A JSON attribute name the compiler will put into a path: letters, digits, ``_`` and ``-``.
#: Paths travel as bound parameters anyway; this keeps JSON-path syntax out of clients' reach.
SEGMENT = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_DEPTH = 8

ColumnLike = ColumnElement[Any] | QueryableAttribute[Any]


class QueryError(ValueError):
    """A list request the client must fix: names the offending parameter; the API answers 400."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = detail


def as_column(column: ColumnLike) -> ColumnElement[Any]:
    """The SQL expression behind a Core column or an ORM mapped attribute."""
    if isinstance(column, QueryableAttribute):
        return column.__clause_element__()
    return column


def infer_kind(type_: TypeEngine[Any]) -> Kind:
    """The query kind of a column type; declarations may say it explicitly instead."""
    if isinstance(type_, TypeDecorator):
        return infer_kind(type_.impl_instance)
    if isinstance(type_, Boolean):
        return "bool"
    if isinstance(type_, Integer):
        return "int"
    if isinstance(type_, Numeric | Float):
        return "number"
    if isinstance(type_, DateTime):
        return "datetime"
    if isinstance(type_, String | Uuid):
        return "string"
    raise ValueError(f"cannot infer a query kind for column type {type_!r}; pass kind=")


def is_decimal(type_: TypeEngine[Any]) -> bool:
    """Whether a number column hands out ``Decimal`` (so values must be bound as ``Decimal``)."""
    if isinstance(type_, TypeDecorator):
        return is_decimal(type_.impl_instance)
    return isinstance(type_, Numeric | Float) and bool(type_.asdecimal)


@dataclass(frozen=True, init=False)
class Field:
    """A plain column a client may filter and sort on, compared with its declared kind."""

    column: ColumnElement[Any]
    kind: Kind
    sortable: bool
    filterable: bool
    nullable: bool

    def __init__(
        self,
        column: ColumnLike,
        kind: Kind | None = None,
        *,
        sortable: bool = True,
        filterable: bool = True,
        nullable: bool | None = None,
    ) -> None:
        expr = as_column(column)
        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown field kind {kind!r}; one of {KINDS}")
        object.__setattr__(self, "column", expr)
        object.__setattr__(self, "kind", kind or infer_kind(expr.type))
        object.__setattr__(self, "sortable", sortable)
        object.__setattr__(self, "filterable", filterable)
        # NULL-aware comparisons and NULLS FIRST/LAST are only emitted for nullable columns,
        # so a NOT NULL column keeps plain, index-friendly SQL.
        object.__setattr__(
            self,
            "nullable",
            bool(getattr(expr, "nullable", True)) if nullable is None else nullable,
        )


@dataclass(frozen=True, init=False)
class JsonField:
    """A JSON column (``JSONType``) whose nested attributes are queried by dotted paths.

    Filters look through lists at any depth on their own. ``each=True`` says the column holds
    a list of objects (a master record's variant rows); sorting then uses the first element.
    """

    column: ColumnElement[Any]
    each: bool
    sortable: bool
    filterable: bool

    def __init__(
        self,
        column: ColumnLike,
        *,
        each: bool = False,
        sortable: bool = True,
        filterable: bool = True,
    ) -> None:
        object.__setattr__(self, "column", as_column(column))
        object.__setattr__(self, "each", each)
        object.__setattr__(self, "sortable", sortable)
        object.__setattr__(self, "filterable", filterable)


#: Parameters the paginator itself reads; never filters.
RESERVED = frozenset({"page", "limit", "_sort", "scroll"})


@dataclass(frozen=True)
class Listing:
    """What one list endpoint accepts.

    ``fields`` and ``json_fields`` are keyed by the public attribute name clients use;
    ``key`` is a unique, non-null column appended to every sort so the order is total;
    ``ignore`` names parameters the endpoint handles itself (they still count towards the page
    token's fingerprint); ``name`` keeps one endpoint's tokens from being replayed on another.
    """

    fields: Mapping[str, Field]
    key: ColumnLike
    default_sort: str
    json_fields: Mapping[str, JsonField] = field(default_factory=dict)
    ignore: AbstractSet[str] = frozenset()
    name: str = ""
    default_limit: int = 100

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", as_column(self.key))
        object.__setattr__(self, "ignore", frozenset(self.ignore))
        clash = set(self.fields) & set(self.json_fields)
        if clash:
            raise ValueError(f"declared both as a field and a JSON field: {sorted(clash)}")
        for name in self.json_fields:
            if not SEGMENT.fullmatch(name) or "__" in name:
                raise ValueError(f"JSON field name {name!r} is not a plain identifier")
        reserved = (set(self.fields) | set(self.json_fields) | set(self.ignore)) & RESERVED
        if reserved:
            raise ValueError(f"reserved parameter names declared: {sorted(reserved)}")
        if not 1 <= self.default_limit <= 9999:
            raise ValueError("default_limit must be between 1 and 9999")
        # Fail at declaration, not on the first request, when the default sort is wrong.
        from crossdock.store.query.parse import parse_sort

        try:
            parse_sort(self, self.default_sort)
        except QueryError as exc:
            raise ValueError(f"default_sort {self.default_sort!r}: {exc.detail}") from exc

    @property
    def key_column(self) -> ColumnElement[Any]:
        return as_column(self.key)

    @property
    def key_kind(self) -> Kind:
        return infer_kind(self.key_column.type)
