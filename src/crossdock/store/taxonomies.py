"""Channel taxonomies in the database: their tables and listings, who sees them, and loading
one atomically. The taxonomy in memory and the check of a record against it are
``crossdock.mapping.taxonomy``.

A taxonomy belongs to everyone (no agency), to an agency, or to one company of an agency;
its groups, attributes and options carry the same owner. Attributes also keep their options
as JSON (the API answers them inline and queries ``options.name`` there); the option rows
serve the options endpoint. See docs/taxonomies.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
from crossdock.mapping.taxonomy import (
    Attribute,
    Group,
    Option,
    Taxonomy,
    constraints_from,
)
from crossdock.store.base import JSONType, UTCDateTime, utcnow
from crossdock.store.query import Field, JsonField, Listing
from crossdock.store.tables import Base, Company

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
