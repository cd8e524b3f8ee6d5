"""A channel's taxonomy in memory, and the check of a mapped record against it: mandatory
attributes present, option values allowed, constraints (``equals``, ``starts_with``,
``ends_with``, ``contains``) evaluated, leaf groups only. Stored and served by
``crossdock.store.taxonomies``; see docs/taxonomies.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any, Literal

RULE_TYPES = ("equals", "starts_with", "ends_with", "contains")
ATTRIBUTE_TYPES = ("text", "singleSelect", "multiSelect", "html", "number", "boolean")


@dataclass(frozen=True)
class Constraint:
    """Holds when the record's value of ``attribute_id`` matches any of ``rule_values``."""

    attribute_id: str
    rule_type: str
    rule_values: tuple[str, ...]

    def holds(self, record: Mapping[str, Any]) -> bool:
        values = texts(record.get(self.attribute_id))
        test = _RULES[self.rule_type]
        return any(test(value, rule) for value in values for rule in self.rule_values)

    def describe(self) -> dict[str, Any]:
        return {
            "attributeId": self.attribute_id,
            "ruleType": self.rule_type,
            "ruleValues": list(self.rule_values),
        }

    def explain(self) -> str:
        values = " | ".join(self.rule_values)
        return f"{self.attribute_id} {self.rule_type.replace('_', ' ')} {values}"


_RULES: dict[str, Callable[[str, str], bool]] = {
    "equals": str.__eq__,
    "starts_with": str.startswith,
    "ends_with": str.endswith,
    "contains": lambda value, rule: rule in value,
}


def texts(value: Any) -> list[str]:
    """A record value as the texts constraints compare: lists give each item; booleans are
    ``true``/``false``; whole numbers lose their ``.0``; missing and null give nothing."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [text for item in value for text in texts(item)]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, float) and value.is_integer():
        return [str(int(value))]
    if isinstance(value, int | float | str):
        return [str(value)]
    return [json.dumps(value, sort_keys=True)]


@dataclass(frozen=True)
class Option:
    option_id: str
    name: str | None = None
    constraints: tuple[Constraint, ...] = ()

    def describe(self) -> dict[str, Any]:
        body: dict[str, Any] = {"optionId": self.option_id}
        if self.name is not None:
            body["name"] = self.name
        body["constraints"] = [c.describe() for c in self.constraints]
        return body


@dataclass(frozen=True)
class Attribute:
    attribute_id: str
    group_id: str
    name: str
    type: str
    mandatory: bool = False
    description: str | None = None
    reserved: bool | None = None
    data: dict[str, Any] | None = None
    constraints: tuple[Constraint, ...] = ()
    options: tuple[Option, ...] = ()
    has_options: bool | None = None  # None: whether ``options`` has any

    @property
    def with_options(self) -> bool:
        return bool(self.options) if self.has_options is None else self.has_options


@dataclass(frozen=True)
class Group:
    group_id: str
    name: str
    label: str | None = None
    parent_group_id: str | None = None
    data: dict[str, Any] | None = None
    is_leaf: bool | None = None  # None: computed from the tree


@dataclass(frozen=True)
class Taxonomy:
    """A taxonomy, or the slice of one a check needs (a group, its ancestors, their
    attributes)."""

    taxonomy_id: str
    groups: tuple[Group, ...]
    attributes: tuple[Attribute, ...]
    version: int = 0
    name: str | None = None
    agency_id: str | None = None
    company_id: str | None = None

    @cached_property
    def _groups(self) -> dict[str, Group]:
        return {group.group_id: group for group in self.groups}

    @cached_property
    def _attributes(self) -> dict[str, list[Attribute]]:
        by_group: dict[str, list[Attribute]] = {}
        for attribute in self.attributes:
            by_group.setdefault(attribute.group_id, []).append(attribute)
        return by_group

    def group(self, group_id: str) -> Group | None:
        return self._groups.get(group_id)

    def chain(self, group_id: str) -> list[Group]:
        """The group and its ancestors, root first."""
        chain: list[Group] = []
        current = self._groups.get(group_id)
        while current is not None and current not in chain:
            chain.append(current)
            parent = current.parent_group_id
            current = self._groups.get(parent) if parent else None
        return chain[::-1]

    def attributes_of(self, group_id: str) -> list[Attribute]:
        return list(self._attributes.get(group_id, ()))


class InvalidTaxonomy(ValueError):
    """A taxonomy document that cannot be loaded: every problem, each naming its place."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(errors[0]["detail"])
        self.errors = errors


def settle(taxonomy: Taxonomy) -> Taxonomy:
    """Check a loaded document and fill in ``isLeaf`` and ``hasOptions``; raises
    ``InvalidTaxonomy`` listing every problem."""
    errors: list[dict[str, str]] = []

    def problem(where: str, detail: str) -> None:
        errors.append({"field": where, "detail": detail})

    seen: dict[str, int] = {}
    for index, group in enumerate(taxonomy.groups):
        if group.group_id in seen:
            problem(f"groups[{index}].groupId", f"Duplicate group {group.group_id!r}.")
        seen.setdefault(group.group_id, index)
    parents = {g.parent_group_id for g in taxonomy.groups if g.parent_group_id}
    settled_groups = []
    for index, group in enumerate(taxonomy.groups):
        parent = group.parent_group_id
        if parent is not None and parent not in seen:
            problem(f"groups[{index}].parentGroupId", f"No group {parent!r} in this taxonomy.")
        leaf = group.group_id not in parents
        if group.is_leaf is not None and group.is_leaf != leaf:
            problem(
                f"groups[{index}].isLeaf",
                f"Group {group.group_id!r} {'has no' if leaf else 'has'} child groups.",
            )
        settled_groups.append(replace(group, is_leaf=leaf))
    for index, group in enumerate(taxonomy.groups):
        if _cyclic(taxonomy, group):
            problem(f"groups[{index}].parentGroupId", f"Group {group.group_id!r} is in a cycle.")
    attribute_keys: set[tuple[str, str]] = set()
    settled_attributes = []
    for index, attribute in enumerate(taxonomy.attributes):
        where = f"attributes[{index}]"
        key = (attribute.group_id, attribute.attribute_id)
        if key in attribute_keys:
            problem(
                f"{where}.attributeId",
                f"Duplicate attribute {attribute.attribute_id!r} in group {attribute.group_id!r}.",
            )
        attribute_keys.add(key)
        if attribute.group_id not in seen:
            problem(f"{where}.groupId", f"No group {attribute.group_id!r} in this taxonomy.")
        if attribute.has_options is not None and attribute.has_options != bool(attribute.options):
            problem(
                f"{where}.hasOptions",
                "hasOptions must match the options given: Crossdock serves the options it "
                "was loaded with.",
            )
        option_ids: set[str] = set()
        for number, option in enumerate(attribute.options):
            if option.option_id in option_ids:
                problem(
                    f"{where}.options[{number}].optionId",
                    f"Duplicate option {option.option_id!r}.",
                )
            option_ids.add(option.option_id)
        settled_attributes.append(replace(attribute, has_options=bool(attribute.options)))
    if errors:
        raise InvalidTaxonomy(errors)
    return replace(taxonomy, groups=tuple(settled_groups), attributes=tuple(settled_attributes))


def _cyclic(taxonomy: Taxonomy, group: Group) -> bool:
    seen = {group.group_id}
    parent = group.parent_group_id
    while parent:
        if parent in seen:
            return True
        seen.add(parent)
        found = taxonomy.group(parent)
        parent = found.parent_group_id if found else None
    return False


def constraints_from(values: Iterable[Mapping[str, Any]] | None) -> tuple[Constraint, ...]:
    return tuple(
        Constraint(
            attribute_id=str(c["attributeId"]),
            rule_type=str(c["ruleType"]),
            rule_values=tuple(str(v) for v in c.get("ruleValues") or ()),
        )
        for c in values or ()
    )


# -- checking a record -----------------------------------------------------------------------

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    code: str
    detail: str
    attribute_id: str | None = None
    severity: Severity = "error"

    def describe(self) -> dict[str, Any]:
        return {
            "attributeId": self.attribute_id,
            "code": self.code,
            "severity": self.severity,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Report:
    """What a check found: ``ok`` when no problem is an error."""

    taxonomy_id: str
    group_id: str
    version: int
    problems: tuple[Problem, ...] = ()
    checked: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def describe(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "taxonomyId": self.taxonomy_id,
            "groupId": self.group_id,
            "version": self.version,
            "problems": [p.describe() for p in self.problems],
            "checked": list(self.checked),
            "unknown": list(self.unknown),
        }


def check_record(taxonomy: Taxonomy, group_id: str, record: Mapping[str, Any]) -> Report:
    """Check a mapped record (attribute values keyed by ``attributeId``) against ``group_id``
    of ``taxonomy``: a leaf group; every mandatory attribute that applies present (reserved
    ones excepted); values of the attribute's type; option values among its options, and
    options whose constraints hold. Attributes of the group's ancestors apply too."""
    problems: list[Problem] = []
    group = taxonomy.group(group_id)
    if group is None:
        problems.append(Problem("unknown_group", f"No group {group_id!r} in this taxonomy."))
        return Report(taxonomy.taxonomy_id, group_id, taxonomy.version, tuple(problems))
    if not group.is_leaf:
        problems.append(
            Problem("not_leaf", f"Group {group_id!r} has child groups; map to a leaf group.")
        )
    attributes: dict[str, Attribute] = {}
    for member in taxonomy.chain(group_id):  # root first: a closer group's attribute wins
        for attribute in taxonomy.attributes_of(member.group_id):
            attributes[attribute.attribute_id] = attribute
    for attribute in attributes.values():
        problems.extend(_check_attribute(attribute, record))
    return Report(
        taxonomy.taxonomy_id,
        group_id,
        taxonomy.version,
        problems=tuple(problems),
        checked=tuple(attributes),
        unknown=tuple(key for key in record if key not in attributes),
    )


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _check_attribute(attribute: Attribute, record: Mapping[str, Any]) -> list[Problem]:
    name = attribute.attribute_id
    value = record.get(name)
    failed = [c for c in attribute.constraints if not c.holds(record)]
    if failed:
        if _present(value):
            return [
                Problem(
                    "not_applicable",
                    f"Applies only when {failed[0].explain()}; the channel may ignore it.",
                    name,
                    "warning",
                )
            ]
        return []
    if not _present(value):
        if attribute.mandatory and not attribute.reserved:
            return [Problem("missing", f"Mandatory attribute {attribute.name!r} is missing.", name)]
        return []
    wrong = _type_problem(attribute, value)
    if wrong:
        return [Problem("wrong_type", wrong, name)]
    if not attribute.with_options or not attribute.options:
        return []
    problems = []
    for item in value if isinstance(value, list) else [value]:
        text = texts(item)[0]
        option = next(
            (o for o in attribute.options if o.option_id == text),
            next((o for o in attribute.options if o.name == text), None),
        )
        if option is None:
            allowed = ", ".join(o.option_id for o in attribute.options[:10])
            more = ", ..." if len(attribute.options) > 10 else ""
            problems.append(
                Problem("not_an_option", f"{text!r} is not an option ({allowed}{more}).", name)
            )
            continue
        broken = [c for c in option.constraints if not c.holds(record)]
        if broken:
            problems.append(
                Problem(
                    "option_not_allowed",
                    f"Option {option.option_id!r} requires {broken[0].explain()}.",
                    name,
                )
            )
    return problems


def _type_problem(attribute: Attribute, value: Any) -> str | None:
    kind = attribute.type
    scalar = isinstance(value, str | int | float) and not isinstance(value, bool)
    if kind in ("text", "html") and not scalar:
        return f"A {kind} attribute takes text, not {_json_type(value)}."
    if kind == "number" and not (scalar and _is_number(value)):
        return f"A number attribute takes a number, not {_json_type(value)} {value!r}."
    if kind == "boolean" and not (
        isinstance(value, bool) or (isinstance(value, str) and value.lower() in ("true", "false"))
    ):
        return f"A boolean attribute takes true or false, not {value!r}."
    if kind == "singleSelect" and not (scalar or isinstance(value, bool)):
        return f"A singleSelect attribute takes one value, not {_json_type(value)}."
    if kind == "multiSelect":
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(i, str | int | float) for i in items):
            return "A multiSelect attribute takes a list of values."
    return None


def _is_number(value: Any) -> bool:
    if isinstance(value, int | float):
        return value == value and value not in (float("inf"), float("-inf"))
    try:
        return Decimal(str(value).strip()).is_finite()
    except InvalidOperation:
        return False


def _json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    return "a number" if isinstance(value, int | float) else "a string"
