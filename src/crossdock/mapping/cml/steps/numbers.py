"""Steps on numbers: ``round``, ``multiply``, ``divide``, ``add``, ``convert`` (units) and
``currency`` (ISO 4217 minor units). They accept numeric text, as ``to: number`` reads it.

Rounding is half away from zero on the number as written (2.675 rounds to 2.68), which is what
prices expect and what float arithmetic alone gets wrong; the hot paths decide the common cases
in float arithmetic and leave cases near a tie to ``units.scaled``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from crossdock.mapping.cml.compiled import DYNAMIC, Compiler, StepFn
from crossdock.mapping.cml.errors import StepFailure
from crossdock.mapping.cml.runtime import MISSING, Env
from crossdock.mapping.cml.source import Node
from crossdock.mapping.cml.steps.common import StepCompiler, number_of, scalar_arg
from crossdock.mapping.cml.units import (
    CURRENCY_DIGITS,
    FAST_LIMIT,
    POWERS,
    RATIOS,
    TIE_MARGIN,
    cached_factor,
    factor,
    fixed,
    minor_units,
    rounded,
    scaled,
)
from crossdock.mapping.cml.values import finite, to_number, to_text

MAX_DIGITS = 10
MAX_INTEGER = 2**63 - 1
"""Whole numbers beyond 64 bits are refused, as most JSON readers would mangle them."""
ROUND_ABOVE, ROUND_BELOW = 0.5 + TIE_MARGIN, 0.5 - TIE_MARGIN
"""``round`` decides in float arithmetic a fraction of a unit above the first or below the
second; closer to a tie, Decimal does."""


def _round(arg: Node, c: Compiler, line: int) -> StepFn:
    digits = scalar_arg(arg, (int,), "a number of decimal places", "round")
    if not 0 <= digits <= MAX_DIGITS:
        raise arg.error(f"round: expected 0 to {MAX_DIGITS} decimal places")
    power, whole, source, floor = POWERS[digits], digits == 0, c.source, math.floor

    def round_(value: Any, env: Env) -> Any:
        kind = type(value)
        if kind is float:
            units = value * power
            if -FAST_LIMIT < units < FAST_LIMIT:
                below = floor(units)
                fraction = units - below
                if fraction > ROUND_ABOVE:
                    return below + 1 if whole else (below + 1) / power
                if fraction < ROUND_BELOW:
                    return below if whole else below / power
        elif kind is int or value is MISSING:
            return value
        try:
            return rounded(number_of(value, source, line), digits)
        except ValueError as exc:
            raise StepFailure(str(exc), source, line) from None

    return round_


def _arithmetic(name: str, op: Callable[[Any, Any], Any]) -> StepCompiler:
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
            number = number_of(value, source, line)
            other = operand_fn(env)
            if other is MISSING:
                raise StepFailure(f"{name}: the operand is missing", source, line)
            other = number_of(other, source, line, f"{name}: ")
            try:
                result = op(number, other)
                if type(result) is int and not -MAX_INTEGER <= result <= MAX_INTEGER:
                    raise ValueError("the result is too large to be a number")
                return finite(result) if type(result) is float else result
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
            times, divide = factor(origin.const, target.const)
        except ValueError as exc:
            raise arg.error(f"convert: {exc}") from None

        def convert_fixed(value: Any, env: Env) -> Any:
            if value is MISSING:
                return value
            return number_of(value, source, line) * times / divide

        return convert_fixed
    origin_fn, target_fn = origin.fn, target.fn

    def convert(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        kind = type(value)
        number = value if kind is float or kind is int else number_of(value, source, line)
        unit_from, unit_to = origin_fn(env), target_fn(env)
        if unit_from is MISSING or unit_to is MISSING:
            which = "from" if unit_from is MISSING else "to"
            raise StepFailure(f"convert: the unit to convert {which} is missing", source, line)
        ratio = (
            RATIOS.get((unit_from, unit_to))
            if type(unit_from) is str and type(unit_to) is str
            else None
        )
        try:
            times, divide = ratio if ratio is not None else cached_factor(unit_from, unit_to)
            return number * times / divide
        except ValueError as exc:
            raise StepFailure(f"convert: {exc}", source, line) from None

    return convert


def currency_options(arg: Node) -> tuple[Node, str]:
    """The argument of ``currency``: its code, and the form it writes (number, minor, text)."""
    form = "number"
    code_node = arg
    if arg.is_map:
        options = arg.items()
        if set(options) - {"code", "as"} or "code" not in options:
            raise arg.error(
                "currency: expected code: <ISO 4217 code> and optionally as: number, minor or text"
            )
        code_node = options["code"]
        if "as" in options:
            form = scalar_arg(options["as"], (str,), "number, minor or text", "currency as")
            if form not in ("number", "minor", "text"):
                raise options["as"].error("currency as: use number, minor or text")
    return code_node, form


def _currency(arg: Node, c: Compiler, line: int) -> StepFn:
    code_node, form = currency_options(arg)
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
        kind = type(value)
        number = value if kind is float or kind is int else number_of(value, source, line)
        name = code_fn(env)
        try:
            digits = (
                CURRENCY_DIGITS[name]
                if type(name) is str and name in CURRENCY_DIGITS
                else _digits(name)
            )
            if digits is None:
                if form == "minor":
                    raise ValueError(f"{name} has no minor unit")
                return to_text(number) if form == "text" else number
            units = scaled(number, digits)
        except ValueError as exc:
            raise StepFailure(f"currency: {exc}", source, line) from None
        if form == "number":
            return units if digits == 0 else units / POWERS[digits]
        return units if form == "minor" else fixed(units, digits)

    return currency


def _digits(name: Any) -> int | None:
    if name is MISSING:
        raise ValueError("the currency code is missing")
    return minor_units(name)


NUMBER_STEPS: dict[str, StepCompiler] = {
    "round": _round,
    "multiply": _arithmetic("multiply", lambda a, b: a * b),
    "divide": _arithmetic("divide", lambda a, b: a / b),
    "add": _arithmetic("add", lambda a, b: a + b),
    "convert": _convert,
    "currency": _currency,
}
