"""The contract of a resource's business rules, and the helpers the rules share.

A ``Rules`` subclass says what a record looks like (its fields in the vendor's order), what may
be written, how a write is checked and completed (``prepare``, which must not touch other
records, so a refused write changes nothing) and what a write does to other records (``after``).
The resources are in ``work.py`` and ``money.py``, the registry in ``resources.py`` and the
generic create/update/delete/list steps in ``records.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from crossdock.sandboxes.customtrades.company import Company
from crossdock.sandboxes.customtrades.errors import bad_request
from crossdock.sandboxes.customtrades.fields import Schema
from crossdock.sandboxes.customtrades.store import Row

Predicate = Callable[[Row], bool]
STAMPS = ("created_at", "updated_at", "deleted_at")


class Rules:
    kind: ClassVar[str]
    label: ClassVar[str]  # "Customer", as in the vendor's "Customer not found"
    fields: ClassVar[tuple[str, ...]]  # every attribute, in the vendor's order
    schema: ClassVar[Schema]
    defaults: ClassVar[Mapping[str, Any]] = {}
    number_field: ClassVar[str | None] = None  # assigned by the sandbox, never by clients
    filters: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}

    def blank(self) -> dict[str, Any]:
        return dict.fromkeys(self.fields)

    def prepare(
        self,
        co: Company,
        record: dict[str, Any],
        values: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> None:
        """Check ``record`` (the merged result of a write) and fill its derived fields."""

    def after(self, co: Company, row: Row, before: dict[str, Any] | None) -> None:
        """Apply the write's effects on other records."""

    def predicate(self, name: str, value: Any) -> Predicate | None:
        """The test for one list filter (already parsed by ``filters[name]``)."""
        return lambda row: row.data[name] == value


def ref(co: Company, kind: str, label: str, field: str, value: str | None) -> Row | None:
    """The live record a body's ``field`` refers to; 400 when the company has none."""
    if value is None:
        return None
    row = co.collections[kind].get(value)
    if row is None:
        raise bad_request(f"{label} not found for {field} '{value}'")
    return row


def search(term: str, fields: tuple[str, ...]) -> Predicate:
    """The ``search`` filter: a case-insensitive substring of any of ``fields``."""
    needle = term.strip().lower()

    def keep(row: Row) -> bool:
        data = row.data
        return any(needle in str(data[f] or "").lower() for f in fields)

    return keep


def changed(values: dict[str, Any], *names: str) -> bool:
    """Whether a write sent any of ``names`` (references are checked only when sent)."""
    return any(name in values for name in names)
