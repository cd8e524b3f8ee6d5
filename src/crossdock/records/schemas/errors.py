"""``RecordError`` and the translation of pydantic's errors into it: a dotted path into the
record and a reason a merchant can act on, without dumping a list of 247 country codes."""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from crossdock.records.schemas.common import EMAIL_PATTERN, OVERWRITE_KEY_PATTERN, TEXT_PATTERN


@dataclass(frozen=True)
class RecordError:
    field: str
    """Dotted path into the record, e.g. ``variants.1.currency``; ``record`` for the whole."""
    detail: str
    """Why, in words a merchant can act on."""


NULL = "null is not accepted; leave the attribute out instead."
EMPTY = "Empty text is not accepted; leave the attribute out instead."
SHORT_LIST = 120  # supported-value lists up to this many characters are spelled out


def show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _number(value: Any) -> str:
    # Bounds are checked after conversion, so -1 arrives here as -1.0; show it as sent.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return show(value)


def path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc if part != "[key]") or "record"


def translate(
    exc: ValidationError,
    *,
    sync_type: str,
    top_level_only: Collection[str],
    known: Collection[str],
) -> list[RecordError]:
    """One ``RecordError`` per pydantic error, in pydantic's order."""
    context = _Context(sync_type, top_level_only, known)
    return [RecordError(path(error["loc"]), context.detail(error)) for error in exc.errors()]


@dataclass(frozen=True)
class _Context:
    sync_type: str
    top_level_only: Collection[str]
    known: Collection[str]

    def detail(self, error: ErrorDetails) -> str:
        kind, loc, value = error["type"], error["loc"], error.get("input")
        ctx = error.get("ctx") or {}
        if kind == "missing":
            return "Required."
        if kind == "extra_forbidden":
            return self.unknown(str(loc[-1]), loc)
        if value is None:
            return NULL
        if isinstance(value, str) and not value.strip() and loc[-1:] != ("[key]",):
            return EMPTY
        if loc and loc[-1] == "[key]":
            return self.bad_key(value, ctx.get("pattern"))
        if kind == "string_pattern_mismatch":
            pattern = ctx.get("pattern")
            if pattern == TEXT_PATTERN:
                return EMPTY
            if pattern == EMAIL_PATTERN:
                return f"Expected an email address such as name@example.com, got {show(value)}."
            return f"{show(value)} does not have the expected form ({pattern})."
        if kind == "literal_error":
            expected = str(ctx.get("expected", ""))
            if len(expected) <= SHORT_LIST:
                return f"Unsupported value {show(value)}; supported values: {expected}."
            return f"Unsupported value {show(value)}; see the supported values."
        if kind == "number_type":
            return f"Expected a number, got {show(value)}."
        if kind == "integer_type":
            return f"Expected a whole number, got {show(value)}."
        if kind == "greater_than_equal":
            return f"Must be at least {_number(ctx.get('ge'))}, got {_number(value)}."
        if kind in ("bool_type", "bool_parsing"):
            return f"Expected true or false, got {show(value)}."
        if kind == "string_type":
            return f"Expected text, got {show(value)}."
        if kind == "list_type":
            return f"Expected a list, got {show(value)}."
        if kind in ("dict_type", "model_type"):
            return f"Expected an object, got {show(value)}."
        if kind == "value_error":
            return str(error["msg"]).removeprefix("Value error, ") + f", got {show(value)}."
        return str(error["msg"]) + "."

    def unknown(self, name: str, loc: tuple[int | str, ...]) -> str:
        inside = loc[:-1]
        if name == "groupId" and not inside:
            return "groupId belongs on the batch item (items[].groupId), not in the record."
        if name in self.top_level_only:
            if "overwrites" in inside:
                return f"{name} cannot be overwritten per system or integration."
            if "variants" in inside:
                return f"{name} belongs at the top level of the record, not in a variant."
        if name in ("variants", "overwrites") and name in self.known:
            return f"{name} cannot be nested here."
        hint = difflib.get_close_matches(name, self.known, n=1)
        suggestion = f" Did you mean {hint[0]!r}?" if hint else ""
        return (
            f"Unknown attribute {show(name)}; see GET /schemas/{self.sync_type} for the "
            f"{self.sync_type} attributes.{suggestion}"
        )

    @staticmethod
    def bad_key(value: Any, pattern: Any) -> str:
        if pattern == OVERWRITE_KEY_PATTERN:
            return (
                "Overwrite keys are 'system:<id>[,<id>...]' or 'integration:<integration id>', "
                f"got {show(value)}."
            )
        if pattern == TEXT_PATTERN:
            return "Empty keys are not accepted."
        return f"Unexpected key {show(value)}."
