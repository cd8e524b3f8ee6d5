"""The compiled form of an expression, shared by the compiler and the steps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

from crossdock.mapping.cml.runtime import Env

if TYPE_CHECKING:
    from crossdock.mapping.cml.paths import Path
    from crossdock.mapping.cml.source import Node

Fn = Callable[[Env], Any]
StepFn = Callable[[Any, Env], Any]


class _Dynamic:
    __slots__ = ()

    def __repr__(self) -> str:
        return "DYNAMIC"


DYNAMIC: Final[Any] = _Dynamic()
"""The ``const`` of an expression whose value depends on the record."""


@dataclass(frozen=True, slots=True)
class Compiled:
    fn: Fn
    cost: int
    """Template values it spans: what one evaluation is charged inside a loop."""
    const: Any = DYNAMIC
    """Its value when it is the same for every record (a literal), else DYNAMIC."""
    origin: Path | None = None
    """The input path its value comes from, for runtime error messages."""
    builds: bool = False
    """True when any object or list it yields was built (and charged) by the template."""
    origin_fn: Fn | None = None
    """For a bare path: its getter (``fn`` is then the path itself, with no steps)."""
    base: Compiled | None = None
    """For an expression with steps: its source, before the steps."""
    steps: tuple[StepFn, ...] = ()
    hints: tuple[Any, ...] = ()
    """Per step, the fast path generated builders may write instead of calling it
    (``inline.hint``), or None."""
    kind: str = "call"
    """How generated object builders may inline it: const, path, steps, list, first, if,
    all, any, not; or call (``fn``, for everything else)."""
    parts: tuple[Compiled, ...] = ()
    """The sub-expressions of list, first, all, any, not, and if (condition, then, else)."""
    scalar: bool = False
    """True when it always gives a number, a boolean or MISSING (never text, an object or a
    list), so an object stores it without weighing it."""


class Compiler(Protocol):
    """What a step's compiler may ask of the template compiler."""

    source: str

    def expr(self, node: Node) -> Compiled: ...

    def table(self, node: Node) -> dict[str, Any]: ...


def pure_operand(c: Compiler, node: Node) -> Compiled | None:
    """The step argument at ``node`` compiled again, if it is a literal or a path read with one
    lookup (``$.key``, ``$record.key``...): evaluating it cannot fail and is not charged, so
    a generated fast path may evaluate it and the step's closure again. None otherwise; only
    a scalar is compiled (so nested arguments are never compiled twice over)."""
    if node.is_map or node.is_seq:
        return None
    compiled = c.expr(node)
    if compiled.kind == "const":
        return compiled
    origin = compiled.origin
    simple = compiled.kind == "path" and origin is not None and origin.simple() is not None
    return compiled if simple else None
