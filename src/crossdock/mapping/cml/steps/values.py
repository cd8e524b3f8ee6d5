"""Steps about values as such: missing values (``default``, ``required``, ``exists``), types
(``to``), lookup tables (``lookup``) and comparisons (``equals``, ``in``, ``gt``, ``gte``,
``lt``, ``lte``). Comparisons always answer true or false: a missing value compares false.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from crossdock.mapping.cml.compiled import DYNAMIC, Compiler, StepFn
from crossdock.mapping.cml.errors import StepFailure
from crossdock.mapping.cml.runtime import MISSING, Env
from crossdock.mapping.cml.source import Node
from crossdock.mapping.cml.steps.common import (
    StepCompiler,
    flag_arg,
    fresh,
    number_of,
    scalar_arg,
)
from crossdock.mapping.cml.values import (
    equal,
    lookup_key,
    show,
    to_boolean,
    to_integer,
    to_number,
    to_text,
)


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
    message = scalar_arg(arg, (bool, str), "true or a message", "required")
    reason = message if type(message) is str else "is required but missing"
    source = c.source

    def required(value: Any, env: Env) -> Any:
        if value is MISSING or value is None:
            raise StepFailure(reason, source, line)
        return value

    return required


def _to(arg: Node, c: Compiler, line: int) -> StepFn:
    target = scalar_arg(arg, (str,), "text, number, integer, boolean or list", "to")
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
            return fresh(found)
        return found

    return lookup


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

        def compare(value: Any, other: Any) -> bool:
            if type(value) is str and type(other) is str:
                try:
                    return test(to_number(value), to_number(other))
                except ValueError:
                    return test(value, other)  # text, e.g. ISO dates, in alphabetical order
            left = number_of(value, source, line, f"{name}: ")
            right = number_of(other, source, line, f"{name}: ")
            return test(left, right)

        def ordering(value: Any, env: Env) -> Any:
            if value is MISSING:
                return False
            other = other_fn(env)
            if other is MISSING:
                return False
            kind, other_kind = type(value), type(other)
            if (kind is int or kind is float) and (other_kind is int or other_kind is float):
                return test(value, other)
            return compare(value, other)

        return ordering

    return compile_ordering


def _exists(arg: Node, c: Compiler, line: int) -> StepFn:
    wanted = flag_arg(arg, "exists")
    if wanted:
        return lambda value, env: value is not MISSING
    return lambda value, env: value is MISSING


VALUE_STEPS: dict[str, StepCompiler] = {
    "default": _default,
    "required": _required,
    "to": _to,
    "lookup": _lookup,
    "equals": _equals,
    "in": _in,
    "gt": _ordering("gt", operator.gt),
    "gte": _ordering("gte", operator.ge),
    "lt": _ordering("lt", operator.lt),
    "lte": _ordering("lte", operator.le),
    "exists": _exists,
}
