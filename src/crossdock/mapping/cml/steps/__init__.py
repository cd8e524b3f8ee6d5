"""CML's steps: what can be done to a value after its source, in the order the keys are written.

Each entry of ``STEPS`` compiles one ``step: argument`` pair into a function ``(value, env) ->
value``. Steps pass MISSING through untouched, except those about missing values (``default``,
``required``, ``exists``) and comparisons (which answer false).
"""

from __future__ import annotations

from crossdock.mapping.cml.source import Node
from crossdock.mapping.cml.steps.common import StepCompiler, fresh
from crossdock.mapping.cml.steps.dates import compile_date
from crossdock.mapping.cml.steps.numbers import NUMBER_STEPS, currency_options
from crossdock.mapping.cml.steps.text import TEXT_STEPS
from crossdock.mapping.cml.steps.values import VALUE_STEPS

SCALAR_STEPS = frozenset(
    {"round", "multiply", "divide", "add", "convert"}
    | {"equals", "in", "gt", "gte", "lt", "lte", "exists"}
)
"""Steps whose result is always a number or a boolean (or MISSING)."""


def scalar_step(name: str, arg: Node) -> bool:
    """True when step ``name: arg`` always gives a number, a boolean or MISSING."""
    return name in SCALAR_STEPS or (name == "currency" and currency_options(arg)[1] != "text")


STEPS: dict[str, StepCompiler] = {
    **VALUE_STEPS,
    **TEXT_STEPS,
    **NUMBER_STEPS,
    "date": compile_date,
}

__all__ = ["SCALAR_STEPS", "STEPS", "StepCompiler", "fresh", "scalar_step"]
