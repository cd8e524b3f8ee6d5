"""``/taxonomies``: a channel's groups, their attributes and options, as the docs list them;
and our additions to load (``PUT``), list, describe and delete taxonomies, and to check a
mapped record against one (``POST .../check``). See docs/taxonomies.md."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field, StringConstraints
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from crossdock.api.deps import CurrentUser, HubDep, SessionDep
from crossdock.api.listing import list_response
from crossdock.api.models import NonEmpty, StrictModel
from crossdock.auth.roles import AGENCY_SCOPED, Principal
from crossdock.errors import Conflict, Forbidden, NotFound, ValidationFailed
from crossdock.mapping.taxonomy import (
    Attribute,
    Constraint,
    Group,
    InvalidTaxonomy,
    Option,
    Taxonomy,
    check_record,
    settle,
)
from crossdock.store.base import iso
from crossdock.store.tables import Company
from crossdock.store.taxonomies import (
    ID_LENGTH,
    TaxonomyAttribute,
    TaxonomyGroup,
    TaxonomyOption,
    TaxonomyRow,
    attributes_listing,
    delete_taxonomy,
    groups_listing,
    load_slice,
    may_replace,
    next_version,
    options_listing,
    replace_taxonomy,
    taxonomies_listing,
    visible,
)

router = APIRouter(prefix="/taxonomies", tags=["taxonomies"])

Id = Annotated[str, StringConstraints(min_length=1, max_length=ID_LENGTH)]
RuleType = Literal["equals", "starts_with", "ends_with", "contains"]
AttributeType = Literal["text", "singleSelect", "multiSelect", "html", "number", "boolean"]
ReadOnly = Field(default=None, description="read-only; ignored")


class ConstraintModel(StrictModel):
    attributeId: Id
    ruleType: RuleType
    ruleValues: list[str] = Field(min_length=1)


class OptionModel(StrictModel):
    optionId: Id
    name: str | None = None
    constraints: list[ConstraintModel] = Field(default_factory=list)


class _Echoed(StrictModel):
    """Attributes a GET answers that a client may send back unchanged; they are ignored."""

    taxonomyId: str | None = ReadOnly
    agencyId: str | None = ReadOnly
    companyId: str | None = ReadOnly
    version: int | None = ReadOnly
    position: int | None = ReadOnly


class GroupModel(_Echoed):
    groupId: Id
    name: NonEmpty
    label: str | None = None
    parentGroupId: Id | None = None
    isLeaf: bool | None = Field(default=None, description="computed; must agree if sent")
    data: dict[str, Any] | None = None


class AttributeModel(_Echoed):
    attributeId: Id
    groupId: Id
    name: NonEmpty
    type: AttributeType
    mandatory: bool = False
    description: str | None = None
    reserved: bool | None = None
    hasOptions: bool | None = Field(default=None, description="computed; must agree if sent")
    data: dict[str, Any] | None = None
    constraints: list[ConstraintModel] = Field(default_factory=list)
    options: list[OptionModel] = Field(default_factory=list)


class TaxonomyModel(StrictModel):
    name: str | None = Field(default=None, max_length=500)
    agencyId: NonEmpty | None = None
    companyId: NonEmpty | None = None
    version: int | None = Field(default=None, ge=0, le=2**62)
    groups: list[GroupModel]
    attributes: list[AttributeModel] = Field(default_factory=list)


class CheckModel(StrictModel):
    groupId: Id
    record: dict[str, Any] = Field(description="attribute values keyed by attributeId")


# -- answers ---------------------------------------------------------------------------------


def _owned(row: TaxonomyGroup | TaxonomyAttribute | TaxonomyOption) -> dict[str, Any]:
    body: dict[str, Any] = {"version": row.version}
    if row.agency_id is not None:
        body["agencyId"] = row.agency_id
    if row.company_id is not None:
        body["companyId"] = row.company_id
    body["position"] = row.position
    return body


def describe_group(group: TaxonomyGroup) -> dict[str, Any]:
    body: dict[str, Any] = {"groupId": group.group_id, "taxonomyId": group.taxonomy_id}
    if group.label is not None:
        body["label"] = group.label
    body["name"] = group.name
    body["isLeaf"] = group.is_leaf
    if group.parent_group_id is not None:
        body["parentGroupId"] = group.parent_group_id
    if group.data is not None:
        body["data"] = group.data
    return body | _owned(group)


def describe_attribute(attribute: TaxonomyAttribute) -> dict[str, Any]:
    body: dict[str, Any] = {
        "attributeId": attribute.attribute_id,
        "groupId": attribute.group_id,
        "taxonomyId": attribute.taxonomy_id,
        "name": attribute.name,
    }
    if attribute.description is not None:
        body["description"] = attribute.description
    body["type"] = attribute.type
    body["mandatory"] = attribute.mandatory
    if attribute.data is not None:
        body["data"] = attribute.data
    if attribute.reserved is not None:
        body["reserved"] = attribute.reserved
    body["hasOptions"] = attribute.has_options
    body["constraints"] = attribute.constraints
    body["options"] = attribute.options
    return body | _owned(attribute)


def describe_option(option: TaxonomyOption) -> dict[str, Any]:
    body: dict[str, Any] = {
        "attributeId": option.attribute_id,
        "taxonomyId": option.taxonomy_id,
        "groupId": option.group_id,
        "optionId": option.option_id,
    }
    if option.name is not None:
        body["name"] = option.name
    body["constraints"] = option.constraints
    return body | _owned(option)


def describe_taxonomy(row: TaxonomyRow) -> dict[str, Any]:
    body: dict[str, Any] = {"taxonomyId": row.taxonomy_id}
    for key, value in (("name", row.name), ("agencyId", row.agency_id)):
        if value is not None:
            body[key] = value
    if row.company_id is not None:
        body["companyId"] = row.company_id
    body.update(version=row.version, createdAt=iso(row.created_at), updatedAt=iso(row.updated_at))
    return body


def _with_counts(session: SessionDep, row: TaxonomyRow) -> dict[str, Any]:
    counts = {}
    for name, table in (
        ("groups", TaxonomyGroup),
        ("attributes", TaxonomyAttribute),
        ("options", TaxonomyOption),
    ):
        counts[name] = session.scalar(
            select(func.count()).select_from(table).where(table.taxonomy_id == row.taxonomy_id)
        )
    return describe_taxonomy(row) | {"counts": counts}


# -- lookups ---------------------------------------------------------------------------------


def visible_taxonomy(session: SessionDep, user: Principal, taxonomy_id: str) -> TaxonomyRow:
    row = session.scalar(
        select(TaxonomyRow).where(
            TaxonomyRow.taxonomy_id == taxonomy_id,
            *visible(session, user, TaxonomyRow.agency_id, TaxonomyRow.company_id),
        )
    )
    if row is None:
        raise NotFound(f"Taxonomy {taxonomy_id} not found.", field="taxonomyId")
    return row


def _group(session: SessionDep, row: TaxonomyRow, group_id: str) -> TaxonomyGroup:
    group = session.scalar(
        select(TaxonomyGroup).where(
            TaxonomyGroup.taxonomy_id == row.taxonomy_id, TaxonomyGroup.group_id == group_id
        )
    )
    if group is None:
        raise NotFound(
            f"Group {group_id} not found in taxonomy {row.taxonomy_id}.", field="groupId"
        )
    return group


# -- the documented endpoints ----------------------------------------------------------------


@router.get("/{taxonomyId}/groups", summary="Get groups")
def list_groups(
    taxonomyId: str, request: Request, session: SessionDep, user: CurrentUser
) -> JSONResponse:
    row = visible_taxonomy(session, user, taxonomyId)
    return list_response(
        session,
        groups_listing(),
        select(TaxonomyGroup),
        request,
        describe_group,
        [
            TaxonomyGroup.taxonomy_id == row.taxonomy_id,
            *visible(session, user, TaxonomyGroup.agency_id, TaxonomyGroup.company_id),
        ],
    )


@router.get("/{taxonomyId}/groups/{groupId:path}/attributes", summary="Get group attributes")
def list_attributes(
    taxonomyId: str, groupId: str, request: Request, session: SessionDep, user: CurrentUser
) -> JSONResponse:
    group = _group(session, visible_taxonomy(session, user, taxonomyId), groupId)
    return list_response(
        session,
        attributes_listing(),
        select(TaxonomyAttribute),
        request,
        describe_attribute,
        [
            TaxonomyAttribute.group_pk == group.id,
            *visible(session, user, TaxonomyAttribute.agency_id, TaxonomyAttribute.company_id),
        ],
    )


@router.get(
    "/{taxonomyId}/groups/{groupId:path}/attributes/{attributeId}/options",
    summary="Get group attribute options",
)
def list_options(
    taxonomyId: str,
    groupId: str,
    attributeId: str,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
) -> JSONResponse:
    group = _group(session, visible_taxonomy(session, user, taxonomyId), groupId)
    attribute = session.scalar(
        select(TaxonomyAttribute).where(
            TaxonomyAttribute.group_pk == group.id, TaxonomyAttribute.attribute_id == attributeId
        )
    )
    if attribute is None:
        raise NotFound(
            f"Attribute {attributeId} not found in group {groupId}.", field="attributeId"
        )
    return list_response(
        session,
        options_listing(),
        select(TaxonomyOption),
        request,
        describe_option,
        [
            TaxonomyOption.attribute_pk == attribute.id,
            *visible(session, user, TaxonomyOption.agency_id, TaxonomyOption.company_id),
        ],
    )


# -- our additions ---------------------------------------------------------------------------


@router.get("", summary="List taxonomies")
def list_taxonomies(request: Request, session: SessionDep, user: CurrentUser) -> JSONResponse:
    return list_response(
        session,
        taxonomies_listing(),
        select(TaxonomyRow),
        request,
        describe_taxonomy,
        visible(session, user, TaxonomyRow.agency_id, TaxonomyRow.company_id),
    )


@router.get("/{taxonomyId}", summary="Get a taxonomy")
def get_taxonomy(taxonomyId: str, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return _with_counts(session, visible_taxonomy(session, user, taxonomyId))


@router.put("/{taxonomyId}", summary="Load (replace) a taxonomy")
def put_taxonomy(
    taxonomyId: Annotated[str, StringConstraints(max_length=ID_LENGTH)],
    body: TaxonomyModel,
    session: SessionDep,
    hub: HubDep,
    user: CurrentUser,
    response: Response,
) -> dict[str, Any]:
    if not (user.is_operator or user.role in AGENCY_SCOPED):
        raise Forbidden("Only admin, staff, agency and manager users may load taxonomies.")
    agency_id, company_id = _owner(session, user, body)
    # Locked: of two loads of one taxonomy, the second sees the first's version.
    existing = session.get(TaxonomyRow, taxonomyId, with_for_update=True)
    if existing is not None and not may_replace(user, existing.agency_id):
        raise Forbidden(f"Your user may not replace taxonomy {taxonomyId}.", field="taxonomyId")
    if existing is not None and body.version is not None and body.version <= existing.version:
        raise Conflict(
            f"Version {body.version} is not above the current version {existing.version}.",
            field="TaxonomyModel.version",
        )
    now = hub.clock()
    try:
        taxonomy = settle(
            Taxonomy(
                taxonomy_id=taxonomyId,
                name=body.name,
                agency_id=agency_id,
                company_id=company_id,
                version=next_version(existing.version if existing else None, body.version, now),
                groups=tuple(_group_from(g) for g in body.groups),
                attributes=tuple(_attribute_from(a) for a in body.attributes),
            )
        )
    except InvalidTaxonomy as exc:
        errors = [{**e, "field": f"TaxonomyModel.{e['field']}"} for e in exc.errors]
        raise ValidationFailed(
            errors[0]["detail"], field=errors[0]["field"], errors=errors
        ) from None
    created = existing is None
    try:
        row = replace_taxonomy(session, taxonomy, now)
    except IntegrityError:
        raise Conflict(
            f"Taxonomy {taxonomyId} was created by another request meanwhile; retry.",
            field="taxonomyId",
        ) from None
    response.status_code = 201 if created else 200
    return _with_counts(session, row)


@router.delete("/{taxonomyId}", status_code=204, summary="Delete a taxonomy")
def remove_taxonomy(taxonomyId: str, session: SessionDep, user: CurrentUser) -> Response:
    row = visible_taxonomy(session, user, taxonomyId)
    if not may_replace(user, row.agency_id):
        raise Forbidden(f"Your user may not delete taxonomy {taxonomyId}.", field="taxonomyId")
    delete_taxonomy(session, row)
    return Response(status_code=204)


@router.post("/{taxonomyId}/check", summary="Check a mapped record against a taxonomy")
def check(
    taxonomyId: str, body: CheckModel, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    row = visible_taxonomy(session, user, taxonomyId)
    return check_record(
        load_slice(session, row, body.groupId), body.groupId, body.record
    ).describe()


def _owner(
    session: SessionDep, user: Principal, body: TaxonomyModel
) -> tuple[str | None, str | None]:
    """Who the loaded taxonomy belongs to: public (neither), an agency, or a company (whose
    agency it then also names)."""
    agency_id = body.agencyId
    if not user.is_operator:
        if agency_id is not None and agency_id != user.agency_id:
            raise Forbidden(
                "Your role cannot load another agency's taxonomy.", field="TaxonomyModel.agencyId"
            )
        agency_id = user.agency_id
        if not agency_id:
            raise Forbidden("Your user belongs to no agency.", field="TaxonomyModel.agencyId")
    if body.companyId is None:
        return agency_id, None
    company = session.get(Company, body.companyId)
    if company is None or not user.sees(agency_id=company.agency_id, company_id=company.company_id):
        raise NotFound(f"Company {body.companyId} not found.", field="TaxonomyModel.companyId")
    if agency_id is not None and agency_id != company.agency_id:
        raise ValidationFailed(
            "The company belongs to another agency.", field="TaxonomyModel.agencyId"
        )
    return company.agency_id, company.company_id


def _constraints(models: list[ConstraintModel]) -> tuple[Constraint, ...]:
    return tuple(Constraint(c.attributeId, c.ruleType, tuple(c.ruleValues)) for c in models)


def _group_from(model: GroupModel) -> Group:
    return Group(
        group_id=model.groupId,
        name=model.name,
        label=model.label,
        parent_group_id=model.parentGroupId,
        data=model.data,
        is_leaf=model.isLeaf,
    )


def _attribute_from(model: AttributeModel) -> Attribute:
    return Attribute(
        attribute_id=model.attributeId,
        group_id=model.groupId,
        name=model.name,
        type=model.type,
        mandatory=model.mandatory,
        description=model.description,
        reserved=model.reserved,
        data=model.data,
        constraints=_constraints(model.constraints),
        options=tuple(
            Option(o.optionId, o.name, _constraints(o.constraints)) for o in model.options
        ),
        has_options=model.hasOptions,
    )
