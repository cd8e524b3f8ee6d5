"""Building an object field by field, as one generated function per ``object:`` (and per
``output:``).

Mapping time is mostly spent here, so instead of a loop that calls one closure per field and
one per sub-expression, each object gets a straight-line function: literals are stored
directly, ``$.key``, ``$record.key``, ``$computed.key`` and ``$variables.key`` are read inline,
steps are called one after the other (the cheapest written out, see ``inline``), and ``list``,
``first``, ``if``, ``all``, ``any`` and ``not`` are written out in place. Everything else
(``each``, nested objects, text with placeholders, deep nesting) calls the expression's
closure, which is the reference for what every construct means; the generated code only
strings the same pieces together with fewer calls.

The generated source is assembled only from the fixed fragments here and in ``inline``, and
generated names (``k3``, ``s4``, ``t7``); every value that comes from the template (field
names, keys, literals, the step functions) is bound to those names in the function's
namespace, never written into the source. What a template says can choose which of our
fragments run and in what order, never what code exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crossdock.mapping.cml.compiled import DYNAMIC, Compiled, Fn
from crossdock.mapping.cml.errors import CmlRuntimeError, StepFailure
from crossdock.mapping.cml.inline import GLOBALS, write
from crossdock.mapping.cml.paths import Path
from crossdock.mapping.cml.runtime import MISSING, Env, key_segment

MAX_INLINE_DEPTH = 5
MAX_INLINE_PARTS = 16
"""Sub-expressions nested deeper, and list, first, all or any of more parts, are called, not
written out: keeps each generated function small (it is compiled, and its source parsed, as a
whole) and well within Python's limits on nested blocks and indentation."""


def step_error(failure: StepFailure, origin: Path | None, env: Env) -> CmlRuntimeError:
    """The runtime error for a step that failed on a value read from ``origin``."""
    path = origin.describe(env) if origin is not None else None
    return CmlRuntimeError(failure.reason, path=path, source=failure.source, line=failure.line)


_EMPTY: dict[str, Any] = {}
_SCOPES = {"item": "item", "record": "record", "computed": "computed", "variables": "variables"}
"""Where a one-key path is read from: the generated functions' local names (fixed text)."""
_HEAD = """\
def build(env):
    out = {}
    w = 0
    item = env.item
    if type(item) is not dict:
        item = EMPTY
    record = env.record
    if type(record) is not dict:
        record = EMPTY
    computed = env.computed
    variables = env.variables
"""
# Output is charged one unit per field (len(out), once), plus the characters of text, plus
# the size of any object or list copied from the input (built ones were charged already);
# what fits is taken from the room left without a call, what does not is refused by grow.
_STORE = """\
        out[{n}] = v
        if type(v) is str:
            w += len(v)
"""
_STORE_SCALAR = """\
        out[{n}] = v
"""
_STORE_COPY = """\
        out[{n}] = v
        t = type(v)
        if t is str:
            w += len(v)
        elif t is dict or t is list:
            env.budget.copy(v, source, line)
"""
_TAIL = """\
    w += len(out) + constant_weight
    budget = env.budget
    if w <= budget.room:
        budget.room -= w
    else:
        budget.grow(w, source, line)
    return out
"""


class _Writer:
    """Writes the body of one generated builder: lines of code and the names they use."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {}
        self.count = 0

    def bind(self, prefix: str, value: Any) -> str:
        self.count += 1
        name = f"{prefix}{self.count}"
        self.namespace[name] = value
        return name

    def temp(self) -> str:
        self.count += 1
        return f"t{self.count}"

    def line(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text + "\n")

    def simple(self, compiled: Compiled) -> str | None:
        """For a path read with one lookup, the code reading it (None when the key is not
        there, or holds null); else None."""
        origin = compiled.origin
        simple = origin.simple() if compiled.kind == "path" and origin is not None else None
        if simple is None:
            return None
        return f"{_SCOPES[simple[0]]}.get({self.bind('k', simple[1])})"

    def operand(self, compiled: Compiled, target: str, indent: int, *, raw: bool = False) -> None:
        """A step's operand, for ``inline``: a literal or a one-lookup path. ``raw``: a path
        not there may be left as None rather than MISSING (for code that checks types)."""
        simple = self.simple(compiled) if raw else None
        if simple is None:
            self.expression(compiled, target, indent, 0)
        else:
            self.line(indent, f"{target} = {simple}")

    def expression(self, compiled: Compiled, target: str, indent: int, depth: int) -> None:
        """Code that leaves the value of ``compiled`` (possibly MISSING) in ``target``."""
        kind = compiled.kind
        if depth > MAX_INLINE_DEPTH or len(compiled.parts) > MAX_INLINE_PARTS:
            kind = "call"
        if kind == "const":
            constant = "MISSING" if compiled.const is MISSING else self.bind("c", compiled.const)
            self.line(indent, f"{target} = {constant}")
        elif kind == "path":
            simple = self.simple(compiled)
            if simple is None:
                self.line(indent, f"{target} = {self.bind('f', compiled.fn)}(env)")
            else:
                self.line(indent, f"{target} = {simple}")
                self.line(indent, f"if {target} is None:")
                self.line(indent + 1, f"{target} = MISSING")
        elif kind == "steps":
            assert compiled.base is not None
            self.expression(compiled.base, target, indent, depth + 1)
            origin = self.bind("o", compiled.origin)
            self.line(indent, "try:")
            hints = compiled.hints or (None,) * len(compiled.steps)
            for step, found in zip(compiled.steps, hints, strict=True):
                name = self.bind("s", step)
                if found is None:
                    self.line(indent + 1, f"{target} = {name}({target}, env)")
                else:
                    write(self, found, target, name, indent + 1)
            self.line(indent, "except StepFailure as failure:")
            self.line(indent + 1, f"raise failed(failure, {origin}, env) from None")
        elif kind == "list":
            self._list(compiled, target, indent, depth)
        elif kind == "first":
            self.line(indent, f"{target} = MISSING")
            for part in compiled.parts:
                self.line(indent, f"if {target} is MISSING:")
                self.expression(part, target, indent + 1, depth + 1)
        elif kind in ("all", "any"):
            self._all_any(compiled, target, indent, depth)
        elif kind == "not":
            value = self.temp()
            self.expression(compiled.parts[0], value, indent, depth + 1)
            self.line(indent, f"{target} = {value} is MISSING or not {value}")
        elif kind == "if":
            condition, then, otherwise = compiled.parts
            value = self.temp()
            self.expression(condition, value, indent, depth + 1)
            self.line(indent, f"if {value} is not MISSING and {value}:")
            self.expression(then, target, indent + 1, depth + 1)
            self.line(indent, "else:")
            self.expression(otherwise, target, indent + 1, depth + 1)
        else:
            self.line(indent, f"{target} = {self.bind('f', compiled.fn)}(env)")

    def _list(self, compiled: Compiled, target: str, indent: int, depth: int) -> None:
        value = self.temp()
        self.line(indent, f"{target} = []")
        for index, part in enumerate(compiled.parts):
            simple = self.simple(part)
            if simple is not None:  # reading one key cannot fail, and None is not there
                self.line(indent, f"{value} = {simple}")
                self.line(indent, f"if {value} is not None:")
                self.line(indent + 1, f"{target}.append({value})")
                continue
            self.line(indent, "try:")
            self.expression(part, value, indent + 1, depth + 1)
            self.line(indent, "except CmlRuntimeError as error:")
            self.line(indent + 1, f"raise error.within({self.bind('g', f'[{index}]')}) from None")
            self.line(indent, f"if {value} is not MISSING:")
            self.line(indent + 1, f"{target}.append({value})")

    def _all_any(self, compiled: Compiled, target: str, indent: int, depth: int) -> None:
        # all: true until a part is false; any: false until a part is true. Parts after the
        # deciding one are not evaluated, as in the closure.
        value = self.temp()
        is_all = compiled.kind == "all"
        self.line(indent, f"{target} = {'True' if is_all else 'False'}")
        for part in compiled.parts:
            self.line(indent, f"if {'' if is_all else 'not '}{target}:")
            self.expression(part, value, indent + 1, depth + 1)
            self.line(indent + 1, f"{target} = {value} is not MISSING and bool({value})")


_PART_HEAD = """\
def part{k}(env, out, item, record, computed, variables):
    w = 0
"""
_CALL_PART = "    w += part{k}(env, out, item, record, computed, variables)\n"
CHUNK = 100
"""Fields per generated function: CPython compiles one huge function far more slowly than
many small ones (6,600 fields took 3 s and 270 MB in one function)."""
PART_LINES = 1000
"""Lines per generated function, near enough (a field's fast paths can take dozens): a part
that reaches this many is closed before the next field."""

_COMPUTED_HEAD = """\
def build(env):
    out = env.computed = {}
    w = 0
    item = record = env.record
    if type(item) is not dict:
        item = record = EMPTY
    computed = out
    variables = env.variables
"""
_COMPUTED_STORE = """\
    if v is not MISSING:
        out[{n}] = v
"""
_IF_SET = "    if v is not MISSING:\n"
_IF_FOUND = "    if v is not None:\n"


def _in_parts(
    writer: _Writer, fields: list[tuple[str, Compiled]], parts: list[list[str]]
) -> Iterator[tuple[str, Compiled]]:
    """The fields, each to be written into ``writer.lines``, which are added to ``parts`` as
    a new part begins: after CHUNK fields or PART_LINES lines, and at the end."""
    writer.lines = []
    count = 0
    for field in fields:
        if count >= CHUNK or len(writer.lines) >= PART_LINES:
            parts.append(writer.lines)
            writer.lines = []
            count = 0
        yield field
        count += 1
    parts.append(writer.lines)


def _assemble(writer: _Writer, head: str, tail: str, parts: list[list[str]]) -> Fn:
    """One function when the fields fit in one, else a function per part called in order.
    Each function is compiled on its own: CPython parses a whole text before compiling it, so
    compiling parts apart keeps memory proportional to one part, not to the template."""
    if len(parts) == 1:
        return _define(writer, [head, *parts[0], tail], "build")
    calls: list[str] = []
    for k, body in enumerate(parts):
        name = f"part{k}"
        lines = [_PART_HEAD.format(k=k), *body, "    return w\n"]
        writer.namespace[name] = _define(writer, lines, name)
        calls.append(_CALL_PART.format(k=k))
    return _define(writer, [head, *calls, tail], "build")


def build_computed(fields: list[tuple[str, Compiled]]) -> Fn:
    """A function computing a record's ``computed:`` values, in order, into ``env.computed``
    (each one can read those before it). Computed values are not output, so not charged."""
    writer = _Writer()
    writer.namespace.update(
        EMPTY=_EMPTY, MISSING=MISSING, StepFailure=StepFailure, CmlRuntimeError=CmlRuntimeError
    )
    writer.namespace.update(GLOBALS)
    writer.namespace["failed"] = step_error
    parts: list[list[str]] = []
    for name, compiled in _in_parts(writer, fields, parts):
        field = writer.bind("n", name)
        writer.line(1, "try:")
        writer.expression(compiled, "v", 2, 0)
        writer.line(1, "except CmlRuntimeError as error:")
        segment = writer.bind("g", key_segment(name))
        writer.line(2, f"raise error.within({segment}).within('computed') from None")
        writer.lines.append(_COMPUTED_STORE.format(n=field))
    return _assemble(writer, _COMPUTED_HEAD, "    return out\n", parts)


def _define(writer: _Writer, lines: list[str], name: str) -> Fn:
    exec(compile("".join(lines), "<cml object>", "exec"), writer.namespace)  # noqa: S102 - see the docstring
    built: Fn = writer.namespace[name]
    return built


def _store_for(compiled: Compiled) -> str:
    if compiled.scalar:
        return _STORE_SCALAR  # a number or a boolean: one unit, counted by len(out)
    return _STORE if compiled.builds else _STORE_COPY


def build_object(fields: list[tuple[str, Compiled]], source: str, line: int) -> Fn:
    """A function building the object whose fields are ``fields``, charging its output."""
    writer = _Writer()
    writer.namespace.update(
        EMPTY=_EMPTY,
        MISSING=MISSING,
        StepFailure=StepFailure,
        CmlRuntimeError=CmlRuntimeError,
        failed=step_error,
        source=source,
        line=line,
    )
    writer.namespace.update(GLOBALS)
    constant_weight = 0
    parts: list[list[str]] = []
    kept = [(name, c) for name, c in fields if c.const is not MISSING]  # omit: true left out
    for name, compiled in _in_parts(writer, kept, parts):
        field = writer.bind("n", name)
        if compiled.const is not DYNAMIC:
            writer.line(1, f"out[{field}] = {writer.bind('c', compiled.const)}")
            value = compiled.const
            constant_weight += len(value) if type(value) is str else 0
            continue
        store = _store_for(compiled)
        simple = writer.simple(compiled)
        if simple is not None:  # reading one key cannot fail, and None is not there
            writer.line(1, f"v = {simple}")
            writer.lines.append(_IF_FOUND)
            writer.lines.append(store.format(n=field))
            continue
        writer.line(1, "try:")
        writer.expression(compiled, "v", 2, 0)
        writer.line(1, "except CmlRuntimeError as error:")
        writer.line(2, f"raise error.within({writer.bind('g', key_segment(name))}) from None")
        writer.lines.append(_IF_SET)
        writer.lines.append(store.format(n=field))
    writer.namespace["constant_weight"] = constant_weight
    return _assemble(writer, _HEAD, _TAIL, parts)
