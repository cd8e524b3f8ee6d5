"""CML's steps: what can be done to a value after its source, in the order the keys are written.

Each entry of ``STEPS`` compiles one ``step: argument`` pair into a function ``(value, env) ->
value``. Steps pass MISSING through untouched, except those about missing values (``default``,
``required``, ``exists``) and comparisons (which answer false). Steps that need text accept
numbers and booleans (as ``to: text`` would write them); steps that need numbers accept numeric
text (as ``to: number`` would read it).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from crossdock.mapping.cml.compiled import DYNAMIC, Compiler, StepFn
from crossdock.mapping.cml.dates import compile_date
from crossdock.mapping.cml.errors import StepFailure
from crossdock.mapping.cml.runtime import MISSING, Env
from crossdock.mapping.cml.source import Node
from crossdock.mapping.cml.units import factor, minor_units, round_half_up
from crossdock.mapping.cml.values import (
    equal,
    finite,
    lookup_key,
    show,
    to_boolean,
    to_integer,
    to_number,
    to_text,
)

StepCompiler = Callable[[Node, Compiler, int], StepFn]

MAX_DIGITS = 10


def _scalar(arg: Node, kinds: tuple[type, ...], what: str, key: str) -> Any:
    if arg.is_map or arg.is_seq or type(arg.value) not in kinds:
        raise arg.error(f"{key}: expected {what}")
    return arg.value


def _flag(arg: Node, key: str) -> bool:
    return bool(_scalar(arg, (bool,), "true", key))


def _text_of(value: Any, source: str, line: int) -> str:
    if type(value) is str:
        return value
    try:
        return to_text(value)
    except ValueError as exc:
        raise StepFailure(str(exc), source, line) from None


def _number_of(value: Any, source: str, line: int, what: str = "") -> int | float:
    kind = type(value)
    if kind is int or kind is float:
        return value  # type: ignore[no-any-return]
    try:
        return to_number(value)
    except ValueError as exc:
        raise StepFailure(what + str(exc), source, line) from None


# -- missing values -------------------------------------------------------------------------


def _default(arg: Node, c: Compiler, line: int) -> StepFn:
    alternative = c.expr(arg)
    if alternative.const is not DYNAMIC:
        constant = alternative.const

        def default_constant(value: Any, env: Env) -> Any:
            if value is MISSING or value is None or value == "":
                return constant
            return value

        return default_constant
    other = alternative.fn

    def default(value: Any, env: Env) -> Any:
        if value is MISSING or value is None or value == "":
            return other(env)
        return value

    return default


def _required(arg: Node, c: Compiler, line: int) -> StepFn:
    message = _scalar(arg, (bool, str), "true or a message", "required")
    reason = message if type(message) is str else "is required but missing"
    source = c.source

    def required(value: Any, env: Env) -> Any:
        if value is MISSING or value is None:
            raise StepFailure(reason, source, line)
        return value

    return required


# -- types ------------------------------------------------------------------------------------


def _to(arg: Node, c: Compiler, line: int) -> StepFn:
    target = _scalar(arg, (str,), "text, number, integer, boolean or list", "to")
    source = c.source
    if target == "list":
        return lambda value, env: value if value is MISSING or type(value) is list else [value]
    convert: Callable[[Any], Any] | None = {
        "text": to_text,
        "number": to_number,
        "integer": to_integer,
        "boolean": to_boolean,
    }.get(target)
    if convert is None:
        raise arg.error(f"to: unknown type {target!r}; use text, number, integer, boolean or list")
    do = convert

    def to(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        try:
            return do(value)
        except ValueError as exc:
            raise StepFailure(str(exc), source, line) from None

    return to


def _lookup(arg: Node, c: Compiler, line: int) -> StepFn:
    table = c.table(arg)
    source = c.source

    def lookup(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        try:
            found = table.get(value if type(value) is str else lookup_key(value))
        except ValueError as exc:
            raise StepFailure(str(exc), source, line) from None
        if found is None:
            return MISSING
        if type(found) is dict or type(found) is list:
            return _fresh(found)
        return found

    return lookup


def _fresh(value: Any) -> Any:
    # Literal objects and lists are copied, so no two outputs share (and can mutate) one.
    if type(value) is dict:
        return {k: _fresh(v) for k, v in value.items()}
    if type(value) is list:
        return [_fresh(v) for v in value]
    return value


# -- text -------------------------------------------------------------------------------------


def _case(arg: Node, c: Compiler, line: int) -> StepFn:
    name = _scalar(arg, (str,), "upper, lower or title", "case")
    change: Callable[[str], str] | None = {
        "upper": str.upper,
        "lower": str.lower,
        "title": str.title,
    }.get(name)
    if change is None:
        raise arg.error(f"case: unknown case {name!r}; use upper, lower or title")
    do, source = change, c.source

    def case(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        return do(_text_of(value, source, line))

    return case


def _trim(arg: Node, c: Compiler, line: int) -> StepFn:
    if not _flag(arg, "trim"):
        return lambda value, env: value
    source = c.source
    return lambda value, env: value if value is MISSING else _text_of(value, source, line).strip()


def _truncate(arg: Node, c: Compiler, line: int) -> StepFn:
    limit = _scalar(arg, (int,), "a number of characters", "truncate")
    if limit < 1:
        raise arg.error("truncate: expected at least 1 character")
    source = c.source

    def truncate(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        return _text_of(value, source, line)[:limit]

    return truncate


_TAG = re.compile(r"<[^<>]*>")
_BREAK = re.compile(r"</?(?:p|div|br|li|ul|ol|tr|h[1-6]|table|section|article)\b[^<>]*>", re.I)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_LINES = re.compile(r"\s*\n\s*")


def _strip_html(arg: Node, c: Compiler, line: int) -> StepFn:
    if not _flag(arg, "strip_html"):
        return lambda value, env: value
    source = c.source

    def strip_html(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        text = _text_of(value, source, line)
        if "<" not in text and "&" not in text:
            return text.strip()
        text = _TAG.sub("", _BREAK.sub("\n", text))
        text = _LINES.sub("\n", _SPACES.sub(" ", html.unescape(text)))
        return text.strip()

    return strip_html


def _replace(arg: Node, c: Compiler, line: int) -> StepFn:
    if not arg.is_map or not arg.items():
        raise arg.error(
            "replace: expected pairs of text to find and text to write, e.g. {'&': 'and'}"
        )
    pairs: list[tuple[str, str]] = []
    for old, new in arg.items().items():
        if old == "":
            raise arg.error("replace: the text to find cannot be empty", old)
        if new.is_map or new.is_seq or type(new.value) is not str:
            raise new.error(f"replace: the replacement of {old!r} must be text (quote it)")
        pairs.append((old, new.value))
    source = c.source

    def replace(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        text = _text_of(value, source, line)
        for old, new in pairs:
            if len(new) > len(old):
                # Charged before the text is built, so a replacement cannot blow up memory.
                env.budget.spend(text.count(old) * (len(new) - len(old)), source, line)
            text = text.replace(old, new)
        return text

    return replace


def _split(arg: Node, c: Compiler, line: int) -> StepFn:
    separator = _scalar(arg, (str,), "the text between parts, e.g. ','", "split")
    if separator == "":
        raise arg.error("split: the separator cannot be empty")
    source = c.source

    def split(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        parts = _text_of(value, source, line).split(separator)
        env.budget.spend(len(parts), source, line)
        return [p for p in (part.strip() for part in parts) if p]

    return split


def _join(arg: Node, c: Compiler, line: int) -> StepFn:
    separator = _scalar(arg, (str,), "the text between parts, e.g. ', '", "join")
    source = c.source

    def join(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        if type(value) is not list:
            return _text_of(value, source, line)
        parts = [
            _text_of(part, source, line)
            for part in value
            if part is not MISSING and part is not None
        ]
        env.budget.spend(sum(map(len, parts)) + len(parts) * len(separator), source, line)
        return separator.join(parts)

    return join


def _flatten(arg: Node, c: Compiler, line: int) -> StepFn:
    if not _flag(arg, "flatten"):
        return lambda value, env: value

    def flatten(value: Any, env: Env) -> Any:
        if type(value) is not list:
            return value
        out: list[Any] = []
        for part in value:
            if type(part) is list:
                out.extend(part)
            else:
                out.append(part)
        return out

    return flatten


# -- numbers ----------------------------------------------------------------------------------


def _round(arg: Node, c: Compiler, line: int) -> StepFn:
    digits = _scalar(arg, (int,), "a number of decimal places", "round")
    if not 0 <= digits <= MAX_DIGITS:
        raise arg.error(f"round: expected 0 to {MAX_DIGITS} decimal places")
    source = c.source

    def round_(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        number = _number_of(value, source, line)
        if type(number) is int:
            return number
        try:
            rounded = round_half_up(number, digits)
        except ValueError as exc:
            raise StepFailure(str(exc), source, line) from None
        return int(rounded) if digits == 0 else float(rounded)

    return round_


def _arithmetic(name: str, op: Callable[[float, float], float]) -> StepCompiler:
    def compile_op(arg: Node, c: Compiler, line: int) -> StepFn:
        operand = c.expr(arg)
        source = c.source
        if operand.const is not DYNAMIC:
            try:
                constant = to_number(operand.const)
            except ValueError as exc:
                raise arg.error(f"{name}: {exc}") from None
            if name == "divide" and constant == 0:
                raise arg.error("divide: cannot divide by zero")
        operand_fn = operand.fn

        def arithmetic(value: Any, env: Env) -> Any:
            if value is MISSING:
                return value
            number = _number_of(value, source, line)
            other = operand_fn(env)
            if other is MISSING:
                raise StepFailure(f"{name}: the operand is missing", source, line)
            other = _number_of(other, source, line, f"{name}: ")
            try:
                return finite(op(number, other))
            except (ValueError, ZeroDivisionError, OverflowError) as exc:
                reason = "cannot divide by zero" if isinstance(exc, ZeroDivisionError) else exc
                raise StepFailure(f"{name}: {reason}", source, line) from None

        return arithmetic

    return compile_op


def _convert(arg: Node, c: Compiler, line: int) -> StepFn:
    if not arg.is_map or set(arg.items()) != {"from", "to"}:
        raise arg.error(
            "convert: expected from: <unit> and to: <unit>, e.g. {from: $.weightUnit, to: lbs}"
        )
    units = arg.items()
    origin, target = c.expr(units["from"]), c.expr(units["to"])
    source = c.source
    for node, part in ((units["from"], origin), (units["to"], target)):
        if part.const is not DYNAMIC:
            try:
                factor(part.const, part.const)
            except ValueError as exc:
                raise node.error(f"convert: {exc}") from None
    if origin.const is not DYNAMIC and target.const is not DYNAMIC:
        try:
            ratio = factor(origin.const, target.const)
        except ValueError as exc:
            raise arg.error(f"convert: {exc}") from None

        def convert_fixed(value: Any, env: Env) -> Any:
            if value is MISSING:
                return value
            return _number_of(value, source, line) * ratio

        return convert_fixed
    origin_fn, target_fn = origin.fn, target.fn

    def convert(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        number = _number_of(value, source, line)
        unit_from, unit_to = origin_fn(env), target_fn(env)
        if unit_from is MISSING or unit_to is MISSING:
            which = "from" if unit_from is MISSING else "to"
            raise StepFailure(f"convert: the unit to convert {which} is missing", source, line)
        try:
            return number * factor(unit_from, unit_to)
        except ValueError as exc:
            raise StepFailure(f"convert: {exc}", source, line) from None

    return convert


def _currency(arg: Node, c: Compiler, line: int) -> StepFn:
    form = "number"
    code_node = arg
    if arg.is_map:
        options = arg.items()
        unknown = set(options) - {"code", "as"}
        if unknown or "code" not in options:
            raise arg.error(
                "currency: expected code: <ISO 4217 code> and optionally as: number, minor or text"
            )
        code_node = options["code"]
        if "as" in options:
            form = _scalar(options["as"], (str,), "number, minor or text", "currency as")
            if form not in ("number", "minor", "text"):
                raise options["as"].error("currency as: use number, minor or text")
    code = c.expr(code_node)
    if code.const is not DYNAMIC:
        try:
            minor_units(code.const)
        except ValueError as exc:
            raise code_node.error(f"currency: {exc}") from None
    code_fn, source = code.fn, c.source

    def currency(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        number = _number_of(value, source, line)
        name = code_fn(env)
        if name is MISSING:
            raise StepFailure("currency: the currency code is missing", source, line)
        try:
            digits = minor_units(name)
            if digits is None:
                if form == "minor":
                    raise ValueError(f"{name} has no minor unit")
                return to_text(number) if form == "text" else number
            rounded = round_half_up(number, digits)
        except ValueError as exc:
            raise StepFailure(f"currency: {exc}", source, line) from None
        if form == "text":
            return str(rounded)
        if form == "minor":
            return int(rounded.scaleb(digits))
        return int(rounded) if digits == 0 else float(rounded)

    return currency


# -- comparisons ------------------------------------------------------------------------------


def _equals(arg: Node, c: Compiler, line: int) -> StepFn:
    other = c.expr(arg)
    if other.const is not DYNAMIC:
        constant = other.const
        return lambda value, env: value is not MISSING and equal(value, constant)
    other_fn = other.fn

    def equals(value: Any, env: Env) -> Any:
        if value is MISSING:
            return False
        compared = other_fn(env)
        return compared is not MISSING and equal(value, compared)

    return equals


def _in(arg: Node, c: Compiler, line: int) -> StepFn:
    if arg.is_seq:
        options = [c.expr(element) for element in arg.elements()]
        if all(option.const is not DYNAMIC for option in options):
            constants = [option.const for option in options]
            return lambda value, env: (
                value is not MISSING and any(equal(value, x) for x in constants)
            )
        fns = [option.fn for option in options]
        return lambda value, env: value is not MISSING and any(equal(value, fn(env)) for fn in fns)
    listed = c.expr(arg).fn
    source = c.source

    def in_(value: Any, env: Env) -> Any:
        if value is MISSING:
            return False
        choices = listed(env)
        if choices is MISSING:
            return False
        if type(choices) is not list:
            raise StepFailure(f"in: expected a list to look in, got {show(choices)}", source, line)
        return any(equal(value, x) for x in choices)

    return in_


def _ordering(name: str, test: Callable[[Any, Any], bool]) -> StepCompiler:
    def compile_ordering(arg: Node, c: Compiler, line: int) -> StepFn:
        other_fn, source = c.expr(arg).fn, c.source

        def ordering(value: Any, env: Env) -> Any:
            other = other_fn(env)
            if value is MISSING or other is MISSING:
                return False
            if type(value) is str and type(other) is str:
                try:
                    return test(to_number(value), to_number(other))
                except ValueError:
                    return test(value, other)  # text, e.g. ISO dates, in alphabetical order
            left = _number_of(value, source, line, f"{name}: ")
            right = _number_of(other, source, line, f"{name}: ")
            return test(left, right)

        return ordering

    return compile_ordering


def _exists(arg: Node, c: Compiler, line: int) -> StepFn:
    wanted = _flag(arg, "exists")
    if wanted:
        return lambda value, env: value is not MISSING
    return lambda value, env: value is MISSING


STEPS: dict[str, StepCompiler] = {
    "default": _default,
    "required": _required,
    "to": _to,
    "lookup": _lookup,
    "case": _case,
    "trim": _trim,
    "truncate": _truncate,
    "strip_html": _strip_html,
    "replace": _replace,
    "split": _split,
    "join": _join,
    "flatten": _flatten,
    "round": _round,
    "multiply": _arithmetic("multiply", lambda a, b: a * b),
    "divide": _arithmetic("divide", lambda a, b: a / b),
    "add": _arithmetic("add", lambda a, b: a + b),
    "convert": _convert,
    "currency": _currency,
    "date": compile_date,
    "equals": _equals,
    "in": _in,
    "gt": _ordering("gt", lambda a, b: a > b),
    "gte": _ordering("gte", lambda a, b: a >= b),
    "lt": _ordering("lt", lambda a, b: a < b),
    "lte": _ordering("lte", lambda a, b: a <= b),
    "exists": _exists,
}
