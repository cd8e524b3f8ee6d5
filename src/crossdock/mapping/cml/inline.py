"""Fast paths for the commonest steps, written into generated object builders instead of a call.

A step whose argument is a literal, or a path read with one lookup (``$.key``, ``$record.key``,
``$computed.key``, ``$variables.key``), can say what it does to the commonest kind of value in a
few lines (``truncate: 80`` on text is ``v[:80]``); the generated builder writes those lines, and
calls the step's closure for every other value, so the closure keeps the last word on what a
step means (its conversions and its errors). Such an argument (an "operand") cannot fail and
costs nothing, so reading it again in the closure changes nothing. Like the rest of the
generated code, the lines are fixed fragments; literals are bound to names, never written in.
The number steps' fast paths are in ``inline_numbers``.
"""

from __future__ import annotations

from typing import Any, Protocol

from crossdock.mapping.cml.compiled import DYNAMIC, Compiled, Compiler, pure_operand
from crossdock.mapping.cml.inline_numbers import NUMBER_GLOBALS, number_hint, write_number
from crossdock.mapping.cml.source import Node
from crossdock.mapping.cml.steps.dates import zones_are_literal
from crossdock.mapping.cml.steps.text import plain_text

Hint = tuple[str, Any, tuple[Compiled, ...]]
"""(fragment, data, operands): which fast path, the literal it needs, and the expressions it
reads (each a literal or a one-lookup path)."""

_COMPARE = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_CASES = {"upper": "upper", "lower": "lower", "title": "title"}
_TYPES = {
    "text": "type({v}) is not str",
    "integer": "type({v}) is not int",
    "number": "type({v}) is not int and type({v}) is not float",
    "boolean": "type({v}) is not bool",
}
GLOBALS: dict[str, Any] = dict(NUMBER_GLOBALS)
"""Names the fragments use besides MISSING, bound in every generated builder's namespace."""


class Writer(Protocol):
    """What a fragment writes with (``objects._Writer``)."""

    def line(self, indent: int, text: str) -> None: ...

    def bind(self, prefix: str, value: Any) -> str: ...

    def temp(self) -> str: ...

    def operand(self, compiled: Compiled, target: str, indent: int, *, raw: bool = False) -> None:
        """Code leaving the value of an operand (possibly MISSING) in ``target``; with ``raw``,
        None for a path that is not there (for code that checks the operand's type)."""


def _literal(arg: Node) -> Any:
    """The argument's value if it is a literal scalar (not a path, not a placeholder text)."""
    if arg.is_map or arg.is_seq:
        return _NOT_LITERAL
    value = arg.value
    if type(value) is str and (value.startswith("$") or "{$" in value):
        return _NOT_LITERAL
    return value


_NOT_LITERAL = object()


def hint(name: str, arg: Node, c: Compiler) -> Hint | None:
    """The fast path of step ``name: arg`` (already compiled, so valid), or None."""
    found = number_hint(name, arg, c)
    if found is not None:
        return found
    value = _literal(arg)
    if name == "required":
        return ("required", None, ())
    if name == "date" and zones_are_literal(arg, c):
        # The step remembers the last text it read and what it gave (the variants of a record
        # mostly share their dates); the builder keeps its own such pair in front of it, so
        # that a repeated date costs no call. Replaced whole, as in the step.
        return ("date", [(None, None)], ())
    if name == "lookup":
        entries = c.table(arg)
        if any(type(v) is dict or type(v) is list for v in entries.values()):
            return None
        return ("lookup", {k: v for k, v in entries.items() if v is not None}, ())
    if value is _NOT_LITERAL:
        return _operand_hint(name, arg, c)
    if name == "default" and value is not None and type(value) in (str, int, float, bool):
        return ("default", value, ())
    if name == "truncate" and type(value) is int and value >= 1:
        return ("truncate", value, ())
    if name == "to" and value in _TYPES:
        return ("to", value, ())
    if name == "case" and value in _CASES:
        return ("case", value, ())
    if name == "trim" and value is True:
        return ("trim", None, ())
    if name == "strip_html" and value is True:
        return ("strip_html", plain_text, ())
    if name == "flatten" and value is True:
        return ("flatten", None, ())
    if name == "join" and type(value) is str:
        return ("join", value, ())
    if name in _COMPARE and type(value) in (int, float):
        return (name, value, ())
    if name == "exists" and type(value) is bool:
        return ("exists", value, ())
    if name == "equals" and type(value) is str:
        return ("equals", value, ())
    return None


def _operand_hint(name: str, arg: Node, c: Compiler) -> Hint | None:
    """``default`` and the comparisons with a path for their argument."""
    if name != "default" and name not in _COMPARE:
        return None
    operand = pure_operand(c, arg)
    if operand is None or operand.const is not DYNAMIC:
        return None
    return (f"{name}_path", None, (operand,))


def write(out: Writer, found: Hint, v: str, step: str, indent: int) -> None:
    """Code applying the fast path ``found`` to variable ``v`` (calling ``step``, the step's
    closure bound under that name, for every value the fast path leaves to it)."""
    kind, literal, operands = found
    if write_number(out, found, v, step, indent):
        return
    call = f"{v} = {step}({v}, env)"
    if kind == "date":
        last, seen = out.bind("h", literal), out.temp()
        out.line(indent, f"if type({v}) is str:")
        out.line(indent + 1, f"{seen} = {last}[0]")
        out.line(indent + 1, f"if {v} == {seen}[0]:")
        out.line(indent + 2, f"{v} = {seen}[1]")
        out.line(indent + 1, "else:")
        out.line(indent + 2, f"{seen} = {v}")
        out.line(indent + 2, call)
        out.line(indent + 2, f"{last}[0] = ({seen}, {v})")
        out.line(indent, f"elif {v} is not MISSING:")
        out.line(indent + 1, call)
        return
    if kind == "flatten":
        flat, part = out.temp(), out.temp()
        out.line(indent, f"if type({v}) is list:")
        out.line(indent + 1, f"{flat} = []")
        out.line(indent + 1, f"for {part} in {v}:")
        out.line(indent + 2, f"if type({part}) is list:")
        out.line(indent + 3, f"{flat}.extend({part})")
        out.line(indent + 2, "else:")
        out.line(indent + 3, f"{flat}.append({part})")
        out.line(indent + 1, f"{v} = {flat}")
        return
    if kind == "join":
        _join(out, literal, v, call, indent)
        return
    if kind == "default_path":
        out.line(indent, f'if {v} is MISSING or {v} is None or {v} == "":')
        out.operand(operands[0], v, indent + 1)
        return
    if kind.endswith("_path"):
        other = out.temp()
        out.operand(operands[0], other, indent, raw=True)
        number = f"(type({v}) is int or type({v}) is float)"
        other_number = f"(type({other}) is int or type({other}) is float)"
        out.line(indent, f"if {number} and {other_number}:")
        out.line(indent + 1, f"{v} = {v} {_COMPARE[kind[: -len('_path')]]} {other}")
        out.line(indent, "else:")
        out.line(indent + 1, call)
        return
    data = out.bind("h", literal)
    for offset, text in _fragment(kind, literal, v, call, data):
        out.line(indent + offset, text)


def _join(out: Writer, separator: str, v: str, call: str, indent: int) -> None:
    # A list of text joined as the step joins it, charged the same (before the text is built,
    # since a list can repeat a long text); anything else (numbers among the parts, too little
    # room left, which the closure reports) goes to the closure, which then charges it all.
    line, glue, width = out.line, out.bind("h", separator), out.bind("h", len(separator))
    size, budget, text = out.temp(), out.temp(), out.temp()
    line(indent, f"if type({v}) is list:")
    line(indent + 1, "try:")
    line(indent + 2, f"{size} = sum(map(len, {v})) + {width} * len({v})")
    line(indent + 1, "except TypeError:")
    line(indent + 2, f"{size} = None")
    line(indent + 1, f"{budget} = env.budget")
    line(indent + 1, f"if {size} is not None and {size} <= {budget}.room:")
    line(indent + 2, "try:")
    line(indent + 3, f"{text} = {glue}.join({v})")
    line(indent + 2, "except TypeError:")
    line(indent + 3, f"{text} = None")
    line(indent + 2, f"if {text} is None:")
    line(indent + 3, call)
    line(indent + 2, "else:")
    line(indent + 3, f"{budget}.room -= {size}")
    line(indent + 3, f"{v} = {text}")
    line(indent + 1, "else:")
    line(indent + 2, call)
    line(indent, f"elif type({v}) is not str and {v} is not MISSING:")
    line(indent + 1, call)


def _fragment(kind: str, literal: Any, v: str, call: str, data: str) -> list[tuple[int, str]]:
    """Lines (indent relative to the step, text) of the fast paths with a literal argument."""
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
    if kind in ("truncate", "case", "trim", "strip_html"):
        change = {
            "truncate": f"{v}[:{data}]",
            "trim": f"{v}.strip()",
            "case": f"{v}.{_CASES.get(literal, 'upper')}()",
            "strip_html": f"{data}({v})",
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
