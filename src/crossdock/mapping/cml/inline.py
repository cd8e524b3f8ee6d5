"""Fast paths for the cheapest steps, written into generated object builders instead of a call.

A step whose argument is a literal can say what it does to the commonest kind of value in one
line (``truncate: 80`` on text is ``v[:80]``); the generated builder writes that line, and calls
the step's closure for every other value, so the closure keeps the last word on what a step
means (its conversions and its errors). Like the rest of the generated code, the lines are
fixed fragments; the step's literal argument is bound to a name, never written into them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crossdock.mapping.cml.source import Node

Hint = tuple[str, Any]
"""(fragment, data): which fast path, and the literal it needs."""

_COMPARE = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_CASES = {"upper": "upper", "lower": "lower", "title": "title"}
_TYPES = {
    "text": "type({v}) is not str",
    "integer": "type({v}) is not int",
    "number": "type({v}) is not int and type({v}) is not float",
    "boolean": "type({v}) is not bool",
}


def _literal(arg: Node) -> Any:
    """The argument's value if it is a literal scalar (not a path, not a placeholder text)."""
    if arg.is_map or arg.is_seq:
        return _NOT_LITERAL
    value = arg.value
    if type(value) is str and (value.startswith("$") or "{$" in value):
        return _NOT_LITERAL
    return value


_NOT_LITERAL = object()


def hint(name: str, arg: Node, table: Callable[[Node], dict[str, Any]]) -> Hint | None:
    """The fast path of step ``name: arg``, or None when it has none."""
    value = _literal(arg)
    if name == "required":
        return ("required", None)
    if name == "lookup":
        entries = table(arg)
        if any(type(v) is dict or type(v) is list for v in entries.values()):
            return None
        return ("lookup", {k: v for k, v in entries.items() if v is not None})
    if value is _NOT_LITERAL:
        return None
    if name == "default" and value is not None and type(value) in (str, int, float, bool):
        return ("default", value)
    if name == "truncate" and type(value) is int and value >= 1:
        return ("truncate", value)
    if name == "to" and value in _TYPES:
        return ("to", value)
    if name == "case" and value in _CASES:
        return ("case", value)
    if name == "trim" and value is True:
        return ("trim", None)
    if name in _COMPARE and type(value) in (int, float):
        return (name, value)
    if name == "exists" and type(value) is bool:
        return ("exists", value)
    if name == "equals" and type(value) is str:
        return ("equals", value)
    return None


def fragment(found: Hint, v: str, step: str, data: str) -> list[tuple[int, str]]:
    """Lines (indent relative to the step, text) applying the fast path to variable ``v``;
    ``step`` names the step's closure and ``data`` the hint's literal, both bound by the
    caller."""
    kind, literal = found
    call = f"{v} = {step}({v}, env)"
    if kind == "required":
        return [(0, f"if {v} is MISSING or {v} is None:"), (1, call)]
    if kind == "default":
        return [(0, f'if {v} is MISSING or {v} is None or {v} == "":'), (1, f"{v} = {data}")]
    if kind == "lookup":
        return [
            (0, f"if type({v}) is str:"),
            (1, f"{v} = {data}.get({v}, MISSING)"),
            (0, f"elif {v} is not MISSING:"),
            (1, call),
        ]
    if kind in ("truncate", "case", "trim"):
        change = {
            "truncate": f"{v}[:{data}]",
            "trim": f"{v}.strip()",
            "case": f"{v}.{_CASES.get(literal, 'upper')}()",
        }[kind]
        return [
            (0, f"if type({v}) is str:"),
            (1, f"{v} = {change}"),
            (0, f"elif {v} is not MISSING:"),
            (1, call),
        ]
    if kind == "to":
        return [(0, f"if {_TYPES[literal].format(v=v)} and {v} is not MISSING:"), (1, call)]
    if kind in _COMPARE:
        return [
            (0, f"if type({v}) is int or type({v}) is float:"),
            (1, f"{v} = {v} {_COMPARE[kind]} {data}"),
            (0, "else:"),
            (1, call),
        ]
    if kind == "exists":
        return [(0, f"{v} = {v} is {'not ' if literal else ''}MISSING")]
    if kind == "equals":
        return [(0, f"{v} = type({v}) is str and {v} == {data}")]
    raise AssertionError(kind)  # pragma: no cover - hint() makes only the kinds above
