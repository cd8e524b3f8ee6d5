"""What every step's compiler uses: reading its argument, and reading values as text or numbers
(raising ``StepFailure`` with the reason when a value cannot be read)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crossdock.mapping.cml.compiled import Compiler, StepFn
from crossdock.mapping.cml.errors import StepFailure
from crossdock.mapping.cml.source import Node
from crossdock.mapping.cml.values import to_number, to_text

StepCompiler = Callable[[Node, Compiler, int], StepFn]


def scalar_arg(arg: Node, kinds: tuple[type, ...], what: str, key: str) -> Any:
    """The step's argument, which must be a scalar of one of ``kinds``."""
    if arg.is_map or arg.is_seq or type(arg.value) not in kinds:
        raise arg.error(f"{key}: expected {what}")
    return arg.value


def flag_arg(arg: Node, key: str) -> bool:
    """``trim: true``; ``false`` leaves the step out."""
    return bool(scalar_arg(arg, (bool,), "true", key))


def text_of(value: Any, source: str, line: int) -> str:
    if type(value) is str:
        return value
    try:
        return to_text(value)
    except ValueError as exc:
        raise StepFailure(str(exc), source, line) from None


def number_of(value: Any, source: str, line: int, what: str = "") -> int | float:
    kind = type(value)
    if kind is int or kind is float:
        return value  # type: ignore[no-any-return]
    try:
        return to_number(value)
    except ValueError as exc:
        raise StepFailure(what + str(exc), source, line) from None


def fresh(value: Any) -> Any:
    """A copy of a literal object or list, so no two outputs share (and can mutate) one."""
    if type(value) is dict:
        return {k: fresh(v) for k, v in value.items()}
    if type(value) is list:
        return [fresh(v) for v in value]
    return value
