"""What a compiled template runs with: the scope of one evaluation (``Env``), its work budget,
and the ``MISSING`` marker for values that are not there."""

from __future__ import annotations

from typing import Any, Final

from crossdock.mapping.cml.errors import CmlRuntimeError

MAX_WORK = 5_000_000
"""Work units one record may cost: items iterated times the size of the loop's body, plus the
output written (one per value, one per character of text). A seed-sized product costs a few
hundred; the budget exists so that a hostile template fails fast instead of running for
minutes or filling memory."""


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final[Any] = _Missing()
"""Not there: an absent key, a null in the input, a lookup without a match. An output field
whose value is MISSING is left out."""


_NOTHING_COMPUTED: dict[str, Any] = {}


class Budget:
    __slots__ = ("left", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def spend(self, units: int, source: str, line: int) -> None:
        self.left -= units
        if self.left < 0:
            raise CmlRuntimeError(
                f"mapping this record needs more than {self.limit:,} units of work (loops times "
                "their size, plus output); the template does too much for one record",
                source=source,
                line=line,
            )


class Env:
    """The scope of an evaluation: the current item (``$.``), the roots, and, inside ``each``,
    the enclosing scope and how the item was reached (for error paths)."""

    __slots__ = (
        "budget",
        "computed",
        "group",
        "index",
        "item",
        "parent",
        "record",
        "variables",
        "via",
    )

    def __init__(
        self,
        item: Any,
        record: Any,
        variables: Any,
        group: Any,
        budget: Budget,
        parent: Env | None = None,
        index: Any = MISSING,
        via: Any = None,
    ) -> None:
        self.item = item
        self.record = record
        self.variables = variables
        self.group = group
        self.budget = budget
        self.parent = parent
        self.index = index
        self.computed: dict[str, Any] = _NOTHING_COMPUTED
        """``computed:`` values of this record, by name, once the program has computed them."""
        self.via = via
        """For a loop item: the path (``paths.Path``) the loop iterated, or None when it
        iterated a computed value."""

    def child(self, item: Any, index: Any, via: Any) -> Env:
        env = Env(item, self.record, self.variables, self.group, self.budget, self, index, via)
        env.computed = self.computed
        return env

    def up(self, levels: int) -> Env:
        env = self
        for _ in range(levels):
            assert env.parent is not None
            env = env.parent
        return env

    def where(self) -> str | None:
        """Where the current item is in the request (``record.variants[1]``), if known."""
        if self.parent is None:
            return "record"
        if self.via is None:
            return None
        base: str | None = self.via.describe(self.parent)
        if base is None:
            return None
        return base + key_segment(self.index)


def key_segment(key: Any) -> str:
    if type(key) is int:
        return f"[{key}]"
    text = str(key)
    if text and all(c.isalnum() or c in "_-" for c in text):
        return f".{text}"
    return '["' + text.replace("\\", "\\\\").replace('"', '\\"') + '"]'
