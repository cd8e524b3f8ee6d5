"""Channel taxonomies: their tables and listings, loading one atomically, and checking a
mapped record against it (mandatory attributes, allowed options, constraints, leaf groups).

A taxonomy belongs to everyone (no agency), to an agency, or to one company of an agency;
its groups, attributes and options carry the same owner. Attributes also keep their options
as JSON (the API answers them inline and queries ``options.name`` there); the option rows
serve the options endpoint. See docs/taxonomies.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    delete,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from crossdock.auth.roles import AGENCY_SCOPED, Principal
from crossdock.store.base import JSONType, UTCDateTime, utcnow
from crossdock.store.query import Field, JsonField, Listing
from crossdock.store.tables import Base, Company

RULE_TYPES = ("equals", "starts_with", "ends_with", "contains")
ATTRIBUTE_TYPES = ("text", "singleSelect", "multiSelect", "html", "number", "boolean")
ID_LENGTH = 255

# -- tables ----------------------------------------------------------------------------------


class TaxonomyRow(Base):
    """One taxonomy: its owner and version (groups, attributes and options hang off it)."""

    __tablename__ = "taxonomies"

    taxonomy_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(500))
    agency_id: Mapped[str | None] = mapped_column(String(64), index=True)
    company_id: Mapped[str | None] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class _Owned:
    """Columns every row of a taxonomy repeats, so each listing filters and scopes alone."""

    taxonomy_id: Mapped[str] = mapped_column(
        ForeignKey("taxonomies.taxonomy_id", ondelete="CASCADE")
    )
    agency_id: Mapped[str | None] = mapped_column(String(64))
    company_id: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer)


class TaxonomyGroup(_Owned, Base):
    __tablename__ = "taxonomy_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    name: Mapped[str] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(Text)
    parent_group_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    is_leaf: Mapped[bool] = mapped_column(Boolean)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    __table_args__ = (
        Index("ix_taxonomy_groups_key", "taxonomy_id", "group_id", unique=True),
        Index("ix_taxonomy_groups_listing", "taxonomy_id", "position", "id"),
    )


class TaxonomyAttribute(_Owned, Base):
    __tablename__ = "taxonomy_attributes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_pk: Mapped[int] = mapped_column(ForeignKey("taxonomy_groups.id", ondelete="CASCADE"))
    group_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    attribute_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(16))
    mandatory: Mapped[bool] = mapped_column(Boolean)
    reserved: Mapped[bool | None] = mapped_column(Boolean)
    has_options: Mapped[bool] = mapped_column(Boolean)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    constraints: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)

    __table_args__ = (
        Index("ix_taxonomy_attributes_key", "group_pk", "attribute_id", unique=True),
        Index("ix_taxonomy_attributes_listing", "group_pk", "position", "id"),
        Index("ix_taxonomy_attributes_taxonomy", "taxonomy_id"),
    )


class TaxonomyOption(_Owned, Base):
    __tablename__ = "taxonomy_options"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attribute_pk: Mapped[int] = mapped_column(
        ForeignKey("taxonomy_attributes.id", ondelete="CASCADE")
    )
    group_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    attribute_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    option_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    name: Mapped[str | None] = mapped_column(Text)
    constraints: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)

    __table_args__ = (
        Index("ix_taxonomy_options_key", "attribute_pk", "option_id", unique=True),
        Index("ix_taxonomy_options_listing", "attribute_pk", "position", "id"),
        Index("ix_taxonomy_options_taxonomy", "taxonomy_id"),
    )


# -- listings --------------------------------------------------------------------------------


def _owned_fields(table: Any) -> dict[str, Field]:
    return {
        "taxonomyId": Field(table.taxonomy_id),
        "agencyId": Field(table.agency_id),
        "companyId": Field(table.company_id),
        "version": Field(table.version),
        "position": Field(table.position),
    }


def taxonomies_listing() -> Listing:
    return Listing(
        name="taxonomies",
        fields={
            "taxonomyId": Field(TaxonomyRow.taxonomy_id),
            "name": Field(TaxonomyRow.name),
            "agencyId": Field(TaxonomyRow.agency_id),
            "companyId": Field(TaxonomyRow.company_id),
            "version": Field(TaxonomyRow.version),
            "createdAt": Field(TaxonomyRow.created_at),
            "updatedAt": Field(TaxonomyRow.updated_at),
        },
        key=TaxonomyRow.taxonomy_id,
        default_sort="taxonomyId:asc",
    )


def groups_listing() -> Listing:
    return Listing(
        name="taxonomy_groups",
        fields={
            **_owned_fields(TaxonomyGroup),
            "groupId": Field(TaxonomyGroup.group_id),
            "name": Field(TaxonomyGroup.name, kind="string"),
            "label": Field(TaxonomyGroup.label, kind="string"),
            "parentGroupId": Field(TaxonomyGroup.parent_group_id),
            "isLeaf": Field(TaxonomyGroup.is_leaf),
        },
        json_fields={"data": JsonField(TaxonomyGroup.data)},
        key=TaxonomyGroup.id,
        default_sort="position:asc",
    )


def attributes_listing() -> Listing:
    return Listing(
        name="taxonomy_attributes",
        fields={
            **_owned_fields(TaxonomyAttribute),
            "groupId": Field(TaxonomyAttribute.group_id),
            "attributeId": Field(TaxonomyAttribute.attribute_id),
            "name": Field(TaxonomyAttribute.name, kind="string"),
            "description": Field(TaxonomyAttribute.description, kind="string"),
            "type": Field(TaxonomyAttribute.type),
            "mandatory": Field(TaxonomyAttribute.mandatory),
            "reserved": Field(TaxonomyAttribute.reserved),
            "hasOptions": Field(TaxonomyAttribute.has_options),
        },
        json_fields={
            "data": JsonField(TaxonomyAttribute.data),
            "constraints": JsonField(TaxonomyAttribute.constraints, sortable=False),
            "options": JsonField(TaxonomyAttribute.options, sortable=False),
        },
        key=TaxonomyAttribute.id,
        default_sort="position:asc",
    )


def options_listing() -> Listing:
    return Listing(
        name="taxonomy_options",
        fields={
            **_owned_fields(TaxonomyOption),
            "groupId": Field(TaxonomyOption.group_id),
            "attributeId": Field(TaxonomyOption.attribute_id),
            "optionId": Field(TaxonomyOption.option_id),
            "name": Field(TaxonomyOption.name, kind="string"),
        },
        json_fields={"constraints": JsonField(TaxonomyOption.constraints, sortable=False)},
        key=TaxonomyOption.id,
        default_sort="position:asc",
    )


# -- who sees what ---------------------------------------------------------------------------


def visible(
    session: Session, principal: Principal, agency_col: Any, company_col: Any
) -> list[ColumnElement[bool]]:
    """Public rows for everyone; an agency's rows for its agency and manager users (its
    companies' rows included); a company user sees public rows, its agency's agency-level
    rows and its own company's rows. Operators see everything."""
    public = and_(agency_col.is_(None), company_col.is_(None))
    if principal.is_operator:
        return []
    if principal.role in AGENCY_SCOPED:
        if not principal.agency_id:
            return [public]
        return [or_(public, agency_col == principal.agency_id)]
    company = session.get(Company, principal.company_id) if principal.company_id else None
    if company is None:
        return [public]
    return [
        or_(
            public,
            and_(agency_col == company.agency_id, company_col.is_(None)),
            company_col == company.company_id,
        )
    ]


def may_replace(principal: Principal, agency_id: str | None) -> bool:
    """Operators load any taxonomy; agency and manager users their own agency's."""
    if principal.is_operator:
        return True
    return principal.role in AGENCY_SCOPED and bool(agency_id) and agency_id == principal.agency_id


# -- the taxonomy in memory ------------------------------------------------------------------


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


# -- storing and loading ---------------------------------------------------------------------


def next_version(current: int | None, requested: int | None, now: datetime) -> int:
    """The version a load gets: the one asked for, else the load time in epoch seconds (as
    the docs' samples are), kept above the current version."""
    if requested is not None:
        return requested
    stamp = int(now.timestamp())
    return stamp if current is None or stamp > current else current + 1


def replace_taxonomy(session: Session, taxonomy: Taxonomy, now: datetime) -> TaxonomyRow:
    """Replace a taxonomy and everything in it, in the caller's transaction. ``taxonomy``
    must come from ``settle``."""
    row = session.get(TaxonomyRow, taxonomy.taxonomy_id, with_for_update=True)
    if row is None:
        row = TaxonomyRow(taxonomy_id=taxonomy.taxonomy_id, created_at=now)
        session.add(row)
    else:
        delete_contents(session, taxonomy.taxonomy_id)
    row.name = taxonomy.name
    row.agency_id = taxonomy.agency_id
    row.company_id = taxonomy.company_id
    row.version = taxonomy.version
    row.updated_at = now
    session.flush()
    owned = {
        "taxonomy_id": taxonomy.taxonomy_id,
        "agency_id": taxonomy.agency_id,
        "company_id": taxonomy.company_id,
        "version": taxonomy.version,
    }
    group_pks = _insert(
        session,
        TaxonomyGroup,
        [
            {
                **owned,
                "position": position,
                "group_id": group.group_id,
                "name": group.name,
                "label": group.label,
                "parent_group_id": group.parent_group_id,
                "is_leaf": bool(group.is_leaf),
                "data": group.data,
            }
            for position, group in enumerate(taxonomy.groups)
        ],
    )
    pk_of_group = {g.group_id: pk for g, pk in zip(taxonomy.groups, group_pks, strict=True)}
    positions: dict[str, int] = {}
    attribute_rows = []
    for attribute in taxonomy.attributes:
        position = positions[attribute.group_id] = positions.get(attribute.group_id, -1) + 1
        attribute_rows.append(
            {
                **owned,
                "position": position,
                "group_pk": pk_of_group[attribute.group_id],
                "group_id": attribute.group_id,
                "attribute_id": attribute.attribute_id,
                "name": attribute.name,
                "description": attribute.description,
                "type": attribute.type,
                "mandatory": attribute.mandatory,
                "reserved": attribute.reserved,
                "has_options": attribute.with_options,
                "data": attribute.data,
                "constraints": [c.describe() for c in attribute.constraints],
                "options": [o.describe() for o in attribute.options],
            }
        )
    attribute_pks = _insert(session, TaxonomyAttribute, attribute_rows)
    _insert(
        session,
        TaxonomyOption,
        [
            {
                **owned,
                "position": position,
                "attribute_pk": pk,
                "group_id": attribute.group_id,
                "attribute_id": attribute.attribute_id,
                "option_id": option.option_id,
                "name": option.name,
                "constraints": [c.describe() for c in option.constraints],
            }
            for attribute, pk in zip(taxonomy.attributes, attribute_pks, strict=True)
            for position, option in enumerate(attribute.options)
        ],
        returning=False,
    )
    return row


def _insert(
    session: Session, table: Any, rows: list[dict[str, Any]], *, returning: bool = True
) -> list[int]:
    """Insert rows in bulk; their new ids in the same order."""
    if not rows:
        return []
    if not returning:
        session.execute(insert(table), rows)
        return []
    statement = insert(table).returning(table.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


def delete_contents(session: Session, taxonomy_id: str) -> None:
    # Children first: SQLite enforces the foreign keys but its bulk deletes do not cascade
    # through the ORM, and PostgreSQL would otherwise cascade row by row.
    for table in (TaxonomyOption, TaxonomyAttribute, TaxonomyGroup):
        session.execute(delete(table).where(table.taxonomy_id == taxonomy_id))


def delete_taxonomy(session: Session, row: TaxonomyRow) -> None:
    delete_contents(session, row.taxonomy_id)
    session.delete(row)


def load_slice(session: Session, row: TaxonomyRow, group_id: str) -> Taxonomy:
    """The group, its ancestors and their attributes: what checking a record needs."""
    groups: list[TaxonomyGroup] = []
    wanted: str | None = group_id
    while wanted is not None and len(groups) < 64:
        found = session.scalar(
            select(TaxonomyGroup).where(
                TaxonomyGroup.taxonomy_id == row.taxonomy_id, TaxonomyGroup.group_id == wanted
            )
        )
        if found is None or any(g.id == found.id for g in groups):
            break
        groups.append(found)
        wanted = found.parent_group_id
    attributes = session.scalars(
        select(TaxonomyAttribute)
        .where(TaxonomyAttribute.group_pk.in_([g.id for g in groups]))
        .order_by(TaxonomyAttribute.group_pk, TaxonomyAttribute.position)
    )
    return Taxonomy(
        taxonomy_id=row.taxonomy_id,
        version=row.version,
        name=row.name,
        agency_id=row.agency_id,
        company_id=row.company_id,
        groups=tuple(
            Group(
                group_id=g.group_id,
                name=g.name,
                label=g.label,
                parent_group_id=g.parent_group_id,
                data=g.data,
                is_leaf=g.is_leaf,
            )
            for g in reversed(groups)
        ),
        attributes=tuple(_attribute_from_row(a) for a in attributes),
    )


def constraints_from(values: Iterable[Mapping[str, Any]] | None) -> tuple[Constraint, ...]:
    return tuple(
        Constraint(
            attribute_id=str(c["attributeId"]),
            rule_type=str(c["ruleType"]),
            rule_values=tuple(str(v) for v in c.get("ruleValues") or ()),
        )
        for c in values or ()
    )


def _attribute_from_row(row: TaxonomyAttribute) -> Attribute:
    return Attribute(
        attribute_id=row.attribute_id,
        group_id=row.group_id,
        name=row.name,
        type=row.type,
        mandatory=row.mandatory,
        description=row.description,
        reserved=row.reserved,
        data=row.data,
        constraints=constraints_from(row.constraints),
        options=tuple(
            Option(
                option_id=str(o["optionId"]),
                name=o.get("name"),
                constraints=constraints_from(o.get("constraints")),
            )
            for o in row.options or ()
        ),
        has_options=row.has_options,
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


__all__ = [
    "ATTRIBUTE_TYPES",
    "RULE_TYPES",
    "Attribute",
    "Constraint",
    "Group",
    "InvalidTaxonomy",
    "Option",
    "Problem",
    "Report",
    "Taxonomy",
    "TaxonomyAttribute",
    "TaxonomyGroup",
    "TaxonomyOption",
    "TaxonomyRow",
    "check_record",
]
