"""Parsed conditions and sort attributes to SQLAlchemy Core, for SQLite and PostgreSQL.

Plain columns are compared bare (``col = :v``, ``col IN (...)``, ``col > :v``) so their indexes
serve. JSON paths become an ``EXISTS`` over ``json_each`` on SQLite and ``jsonb_path_exists`` on
PostgreSQL. Every user value, and every JSON path, travels as a bound parameter.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Text,
    and_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, JSONPATH
from sqlalchemy.sql.selectable import TableValuedAlias

from crossdock.store.query.parse import Condition, JsonValue, Target

DIALECTS = ("sqlite", "postgresql")

Compare = Callable[[Any, Any], Any]
_COMPARE: dict[str, Compare] = {
    "eq": operator.eq,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}
_JSONPATH_COMPARE = {"eq": "==", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


def check_dialect(dialect: str) -> None:
    if dialect not in DIALECTS:
        raise NotImplementedError(f"the query compiler supports {DIALECTS}, not {dialect!r}")


def condition_clause(condition: Condition, dialect: str) -> ColumnElement[bool]:
    check_dialect(dialect)
    if condition.target.field is not None:
        return _plain(condition)
    if dialect == "postgresql":
        return _postgres_json(condition)
    return _sqlite_json(condition)


def sort_expression(target: Target, dialect: str) -> ColumnElement[Any]:
    """A scalar to ORDER BY; JSON values compare with their JSON types, missing ones are NULL."""
    check_dialect(dialect)
    if target.field is not None:
        return target.field.column
    assert target.json is not None
    column = target.json.column
    prefix = ("0",) if target.json.each else ()
    if dialect == "postgresql":
        path = bindparam(None, [*prefix, *target.path], type_=ARRAY(Text))
        value = type_coerce(column, JSONB).op("#>", return_type=JSONB)(path)
        # A JSON null sorts with the missing values, as it does on SQLite.
        return func.nullif(value, cast(literal("null"), JSONB), type_=JSONB)
    sqlite_path = "$" + ("[0]" if prefix else "") + "".join(f'."{s}"' for s in target.path)
    return func.json_extract(column, literal(sqlite_path))


def json_sort_bind(value: Any, dialect: str) -> ColumnElement[Any]:
    """A JSON sort value as the right-hand side of a comparison with ``sort_expression``."""
    if dialect == "postgresql":
        return bindparam(None, value, type_=JSONB)
    return literal(value)


def _plain(condition: Condition) -> ColumnElement[bool]:
    declared = condition.target.field
    assert declared is not None
    column, values = declared.column, condition.values
    if condition.op == "exists":
        return column.is_not(None) if values[0] else column.is_(None)
    if condition.op == "eq":
        return column == values[0] if len(values) == 1 else column.in_(values)
    if condition.op == "not":
        differs = column != values[0] if len(values) == 1 else column.not_in(values)
        # A record without the attribute does not match the value, so ``__not`` returns it.
        return or_(differs, column.is_(None)) if declared.nullable else differs
    compare: ColumnElement[bool] = _COMPARE[condition.op](column, values[0])
    return compare


# --- PostgreSQL: one jsonb_path_exists per condition; lax mode looks through lists ---------


def _postgres_json(condition: Condition) -> ColumnElement[bool]:
    target = condition.target
    assert target.json is not None
    path = "$" + "".join(f'."{segment}"' for segment in target.path)
    if condition.op == "exists":
        found = _jsonb_path_exists(target.json.column, path + ' ? (@.type() != "null")', {})
        return found if condition.values[0] else not_(found)
    symbol = _JSONPATH_COMPARE["eq" if condition.op == "not" else condition.op]
    alternatives: list[str] = []
    variables: dict[str, Any] = {}
    for index, value in enumerate(condition.values):
        assert isinstance(value, JsonValue)
        variables[f"s{index}"] = value.text
        alternatives.append(f"@ {symbol} $s{index}")
        if value.number is not None:
            variables[f"n{index}"] = value.number
            alternatives.append(f"@ {symbol} $n{index}")
        if value.boolean is not None and symbol == "==":
            variables[f"b{index}"] = value.boolean
            alternatives.append(f"@ == $b{index}")
    found = _jsonb_path_exists(
        target.json.column, f"{path} ? ({' || '.join(alternatives)})", variables
    )
    return not_(found) if condition.op == "not" else found


def _jsonb_path_exists(
    column: ColumnElement[Any], path: str, variables: dict[str, Any]
) -> ColumnElement[bool]:
    found = func.jsonb_path_exists(
        column,
        cast(literal(path), JSONPATH),
        bindparam(None, variables, type_=JSONB),
        true(),  # silent: a type mismatch inside the document is "no match", never an error
    )
    # A NULL column gives NULL, and NOT NULL would drop the row from a ``__not`` query.
    return func.coalesce(found, false())


# --- SQLite: json_each chained one level per attribute, each level looking through a list ---


def _sqlite_json(condition: Condition) -> ColumnElement[bool]:
    target = condition.target
    assert target.json is not None
    levels = _sqlite_levels(target.json.column, target.path)
    leaf = levels[-1]
    if condition.op == "exists":
        predicate: ColumnElement[bool] = leaf.c.type != "null"
    else:
        compare = _COMPARE["eq" if condition.op == "not" else condition.op]
        predicate = or_(
            *(
                _sqlite_match(leaf, value, compare, condition.op in ("eq", "not"))
                for value in condition.values
            )
        )
    query = select(literal(1)).select_from(levels[0])
    for level in levels[1:]:
        query = query.join(level, true())
    found = exists(query.where(predicate))
    negate = condition.op == "not" or (condition.op == "exists" and not condition.values[0])
    return not_(found) if negate else found


def _sqlite_levels(column: ColumnElement[Any], path: tuple[str, ...]) -> list[TableValuedAlias]:
    """One ``json_each`` per level; each yields the elements found there.

    A list yields its elements, any other value yields itself, a missing attribute nothing.
    ``json_each`` alone would iterate an object's members, so an object is wrapped in a
    one-element array first.
    """
    text = type_coerce(column, Text)
    root = func.json_each(
        case((func.json_type(text) == "object", "[" + text + "]"), else_=text)
    ).table_valued("value", "type")
    levels = [root]
    for segment in path:
        parent = levels[-1]
        here = f'$."{segment}"'
        is_object = parent.c.type == "object"
        holds_object = func.json_type(parent.c.value, literal(here)) == "object"
        source = case(
            (~is_object, "[]"),
            (
                holds_object,
                "[" + type_coerce(func.json_extract(parent.c.value, literal(here)), Text) + "]",
            ),
            else_=parent.c.value,
        )
        at = case((~is_object, "$"), (holds_object, "$"), else_=literal(here))
        levels.append(func.json_each(source, at).table_valued("value", "type"))
    return levels


def _sqlite_match(
    leaf: TableValuedAlias, value: Any, compare: Compare, equality: bool
) -> ColumnElement[bool]:
    assert isinstance(value, JsonValue)
    matches = [and_(leaf.c.type == "text", compare(leaf.c.value, value.text))]
    if value.number is not None:
        matches.append(
            and_(leaf.c.type.in_(("integer", "real")), compare(leaf.c.value, value.number))
        )
    if value.boolean is not None and equality:
        matches.append(leaf.c.type == ("true" if value.boolean else "false"))
    return or_(*matches)
