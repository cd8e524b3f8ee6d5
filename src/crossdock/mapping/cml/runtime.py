"""What a compiled template runs with: the scope of one evaluation (``Env``), its work budget,
and the ``MISSING`` marker for values that are not there."""

from __future__ import annotations

from typing import Any, Final

from crossdock.mapping.cml.errors import CmlRuntimeError

MAX_WORK = 1_000_000
"""Work units one record may cost: each loop's items times the size of its body (in template
values), plus the elements [*] and split produce. A seed-sized product costs about a hundred;
a million is about half a second of CPU in the worst case."""

MAX_OUTPUT = 2_000_000
"""Output units one record may write: one per value, one per character of text (and text
built on the way, by replace, join or placeholders): about two megabytes of JSON, and at most
about a hundred megabytes of Python objects if all of it is tiny values."""


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
    """What one record may still cost: ``work`` (time) and ``room`` (memory and output), so a
    hostile template fails fast instead of running for minutes or filling memory."""

    __slots__ = ("known", "max_output", "max_work", "room", "work")

    def __init__(self, max_work: int = MAX_WORK, max_output: int = MAX_OUTPUT) -> None:
        self.max_work = self.work = max_work
        self.max_output = self.room = max_output
        self.known: dict[int, tuple[Any, int]] | None = None
        """Weights of the objects and lists copied so far, by id (with the value itself, so
        that no id is reused while this record is mapped)."""

    def copy(self, value: Any, source: str, line: int) -> None:
        """Charge an object or list copied into the output whole (from the input, say): its
        size counts every time it is copied, but is walked only once."""
        known = self.known
        if known is None:
            known = self.known = {}
        seen = known.get(id(value))
        if seen is not None and seen[0] is value:
            weight = seen[1]
        else:
            weight = weigh(value, self.room)
            known[id(value)] = (value, weight)
        self.grow(weight, source, line)

    def spend(self, units: int, source: str, line: int) -> None:
        self.work -= units
        if self.work < 0:
            raise CmlRuntimeError(
                f"mapping this record takes more than {self.max_work:,} units of work (items "
                "looped over times the size of the loop); the template does too much for one "
                "record",
                source=source,
                line=line,
            )

    def grow(self, units: int, source: str, line: int) -> None:
        self.room -= units
        if self.room < 0:
            raise CmlRuntimeError(
                f"mapping this record writes more than {self.max_output:,} units of output "
                "(values and characters of text); the template makes too much for one record",
                source=source,
                line=line,
            )


def weigh(value: Any, limit: int) -> int:
    """The output size of a value: values plus characters of text. Stops counting past
    ``limit``, so weighing a huge value costs no more than the budget it exceeds."""
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            total += len(item) + 1
        elif kind is dict:
            total += len(item) + 1
            stack.extend(item.values())
        elif kind is list:
            total += len(item) + 1
            stack.extend(item)
        else:
            total += 1
    return total


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
