"""How CML reads values: as text, numbers, whole numbers, booleans, lookup keys and conditions.

Each conversion returns the converted value or raises ``ValueError`` with the reason that the
step turns into a runtime error (``cannot convert 'abc' to a number``).
"""

from __future__ import annotations

import math
import re
from typing import Any

from crossdock.mapping.cml.runtime import MISSING

_NUMERIC = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")
_WHOLE = re.compile(r"\s*[+-]?\d+\s*")
_TRUE_WORDS = frozenset({"true", "yes", "y", "1", "on"})
_FALSE_WORDS = frozenset({"false", "no", "n", "0", "off"})


def show(value: Any) -> str:
    """A value as an error message quotes it: short, and JSON-like."""
    if value is MISSING:
        return "nothing"
    if type(value) is str:
        text = value if len(value) <= 40 else value[:37] + "..."
        return repr(text)
    if type(value) is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    if type(value) is list:
        return "a list"
    if type(value) is dict:
        return "an object"
    if type(value) is int and not -(10**40) < value < 10**40:
        return "a very large number"
    return repr(value)


def to_text(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is int:
        try:
            return str(value)
        except ValueError:  # over Python's 4,300 digits
            raise ValueError(f"cannot convert {show(value)} to text") from None
    if kind is float:
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if kind is bool:
        return "true" if value else "false"
    raise ValueError(f"cannot convert {show(value)} to text")


def to_number(value: Any) -> int | float:
    kind = type(value)
    if kind is int or kind is float:
        return value  # type: ignore[no-any-return]
    if kind is str and _NUMERIC.fullmatch(value):
        if _WHOLE.fullmatch(value):
            try:
                return int(value)
            except ValueError:  # over Python's digit limit
                pass
        number = float(value)
        if math.isfinite(number):
            return number
    raise ValueError(f"cannot convert {show(value)} to a number")


def to_integer(value: Any) -> int:
    number = to_number(value) if type(value) is not int else value
    if type(number) is int:
        return number
    if float(number).is_integer():
        return int(number)
    raise ValueError(f"cannot convert {show(value)} to a whole number (round it first)")


def to_boolean(value: Any) -> bool:
    kind = type(value)
    if kind is bool:
        return value  # type: ignore[no-any-return]
    if (kind is int or kind is float) and value in (0, 1):
        return bool(value)
    if kind is str:
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    raise ValueError(f"cannot convert {show(value)} to true or false")


def finite(number: float) -> float:
    if math.isfinite(number):
        return number
    raise ValueError("the result is too large to be a number")


def lookup_key(value: Any) -> str:
    """Table keys are text: the number 1 (or 1.0) finds the key ``1``, true finds ``true``."""
    if type(value) is str:
        return value
    try:
        return to_text(value)
    except ValueError:
        raise ValueError(f"cannot look up {show(value)}; only text, numbers and booleans") from None


def truthy(value: Any) -> bool:
    """Conditions: nothing, null, false, 0, empty text, empty lists and objects are false."""
    return value is not MISSING and bool(value)


def equal(left: Any, right: Any) -> bool:
    # true is not 1: JSON's booleans and numbers are different things.
    if type(left) is bool or type(right) is bool:
        return type(left) is type(right) and left == right
    return bool(left == right)
