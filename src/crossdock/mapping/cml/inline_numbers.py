"""Fast paths for the number steps in generated object builders (see ``inline``): ``round``,
``multiply``, ``divide``, ``add``, ``convert`` and ``currency`` on floats (and whole numbers,
where that is as simple), with literal or one-lookup operands.

Each writes the arithmetic of its step's own fast path (``steps.numbers``, ``units.scaled``)
expression for expression, so the results are the same floats; whatever it does not decide (a
value near a rounding tie, text, an unknown unit or currency, a result that is not finite) goes
to the step's closure.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from crossdock.mapping.cml.compiled import DYNAMIC, Compiler, pure_operand
from crossdock.mapping.cml.source import Node
from crossdock.mapping.cml.steps.numbers import (
    MAX_INTEGER,
    ROUND_ABOVE,
    ROUND_BELOW,
    currency_options,
)
from crossdock.mapping.cml.units import (
    CURRENCY_POWERS,
    FAST_LIMIT,
    POWERS,
    RATIOS,
    TIE_MARGIN,
    factor,
)

if TYPE_CHECKING:
    from crossdock.mapping.cml.inline import Hint, Writer

NUMBER_GLOBALS: dict[str, Any] = {
    "floor": math.floor,
    "FAST_LIMIT": FAST_LIMIT,
    "TIE_MARGIN": TIE_MARGIN,
    "TIE_BELOW": -TIE_MARGIN,
    "ROUND_ABOVE": ROUND_ABOVE,
    "ROUND_BELOW": ROUND_BELOW,
    "CURRENCY_POWERS": CURRENCY_POWERS,
    "RATIOS": RATIOS,
    "INFINITY": math.inf,
    "MAX_INTEGER": MAX_INTEGER,
}
_OPERATORS = {"multiply": "*", "divide": "/", "add": "+"}
# A whole number whose arithmetic with the factors and operands here cannot overflow a float.
_SMALL_INT = "(type({v}) is int and -MAX_INTEGER <= {v} <= MAX_INTEGER)"


def number_hint(name: str, arg: Node, c: Compiler) -> Hint | None:
    """The fast path of number step ``name: arg`` (already compiled, so valid), or None."""
    if name == "round":
        digits: int = arg.value
        return ("round", (POWERS[digits], digits == 0), ())
    if name in _OPERATORS:
        operand = pure_operand(c, arg)
        return (name, _OPERATORS[name], (operand,)) if operand is not None else None
    if name == "convert":
        units = arg.items()
        source, target = pure_operand(c, units["from"]), pure_operand(c, units["to"])
        if source is None or target is None:
            return None
        if source.const is not DYNAMIC and target.const is not DYNAMIC:
            return ("convert_fixed", factor(source.const, target.const), ())
        return ("convert", None, (source, target))
    if name == "currency":
        code_node, form = currency_options(arg)
        code = pure_operand(c, code_node)
        if form == "text" or code is None:
            return None
        return ("currency", form, (code,))
    return None


def write_number(out: Writer, found: Hint, v: str, step: str, indent: int) -> bool:
    """Write the fast path ``found`` if it is a number step's; False if it is not."""
    kind, data, operands = found
    call = f"{v} = {step}({v}, env)"
    line = out.line
    if kind == "round":
        power, whole = data
        p, units, below = out.bind("h", power), out.temp(), out.temp()
        line(indent, f"if type({v}) is float:")
        line(indent + 1, f"{units} = {v} * {p}")
        line(indent + 1, f"if -FAST_LIMIT < {units} < FAST_LIMIT:")
        line(indent + 2, f"{below} = floor({units})")
        line(indent + 2, f"{units} = {units} - {below}")
        line(indent + 2, f"if {units} > ROUND_ABOVE:")
        line(indent + 3, f"{v} = {below} + 1" if whole else f"{v} = ({below} + 1) / {p}")
        line(indent + 2, f"elif {units} < ROUND_BELOW:")
        line(indent + 3, f"{v} = {below}" if whole else f"{v} = {below} / {p}")
        line(indent + 2, "else:")
        line(indent + 3, call)
        line(indent + 1, "else:")
        line(indent + 2, call)
        line(indent, f"elif type({v}) is not int and {v} is not MISSING:")
        line(indent + 1, call)
        return True
    if kind in _OPERATORS:
        other = out.temp()
        line(indent, f"if type({v}) is float:")
        out.operand(operands[0], other, indent + 1, raw=True)
        small = _SMALL_INT.format(v=other)
        nonzero = f" and {other}" if kind == "divide" else ""
        line(indent + 1, f"if (type({other}) is float or {small}){nonzero}:")
        line(indent + 2, f"{other} = {v} {data} {other}")
        line(indent + 2, f"if -INFINITY < {other} < INFINITY:")
        line(indent + 3, f"{v} = {other}")
        line(indent + 2, "else:")
        line(indent + 3, call)
        line(indent + 1, "else:")
        line(indent + 2, call)
        line(indent, f"elif {v} is not MISSING:")
        line(indent + 1, call)
        return True
    if kind == "convert_fixed":
        times, divide = out.bind("h", data[0]), out.bind("h", data[1])
        line(indent, f"if type({v}) is float or {_SMALL_INT.format(v=v)}:")
        line(indent + 1, f"{v} = {v} * {times} / {divide}")
        line(indent, f"elif {v} is not MISSING:")
        line(indent + 1, call)
        return True
    if kind == "convert":
        source, target = out.temp(), out.temp()
        line(indent, f"if type({v}) is float or {_SMALL_INT.format(v=v)}:")
        out.operand(operands[0], source, indent + 1, raw=True)
        out.operand(operands[1], target, indent + 1, raw=True)
        line(indent + 1, f"if type({source}) is str and type({target}) is str:")
        line(indent + 2, f"{source} = RATIOS.get(({source}, {target}))")
        line(indent + 1, "else:")
        line(indent + 2, f"{source} = None")
        line(indent + 1, f"if {source} is not None:")
        line(indent + 2, f"{v} = {v} * {source}[0] / {source}[1]")
        line(indent + 1, "else:")
        line(indent + 2, call)
        line(indent, f"elif {v} is not MISSING:")
        line(indent + 1, call)
        return True
    if kind == "currency":
        _currency(out, data == "minor", operands[0], v, call, indent)
        return True
    return False


def _currency(out: Writer, minor: bool, code: Any, v: str, call: str, indent: int) -> None:
    # units.scaled on a float, then the number (units / power, whole for 0 decimals) or the
    # minor units themselves.
    line = out.line
    power, units, below = out.temp(), out.temp(), out.temp()
    line(indent, f"if type({v}) is float:")
    out.operand(code, power, indent + 1, raw=True)
    line(indent + 1, f"{power} = CURRENCY_POWERS.get({power}) if type({power}) is str else None")
    scaled = f"({units} := {v} * {power})"
    line(indent + 1, f"if {power} is not None and -FAST_LIMIT < {scaled} < FAST_LIMIT:")
    line(indent + 2, f"{below} = floor({units})")
    line(indent + 2, f"{units} = {units} - {below} - 0.5")
    line(indent + 2, f"if {units} > TIE_MARGIN:")
    line(indent + 3, f"{below} = {below} + 1")
    line(indent + 2, f"elif {units} >= TIE_BELOW:")
    line(indent + 3, f"{below} = None")
    line(indent + 2, f"if {below} is None:")
    line(indent + 3, call)
    if minor:
        line(indent + 2, "else:")
        line(indent + 3, f"{v} = {below}")
    else:
        line(indent + 2, f"elif {power} == 1:")
        line(indent + 3, f"{v} = {below}")
        line(indent + 2, "else:")
        line(indent + 3, f"{v} = {below} / {power}")
    line(indent + 1, "else:")
    line(indent + 2, call)
    line(indent, f"elif {v} is not MISSING:")
    line(indent + 1, call)
