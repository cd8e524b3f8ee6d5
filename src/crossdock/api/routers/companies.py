"""``/companies``: merchants, with their change history."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy import exists, select

from crossdock.api.deps import CurrentUser, HubDep, SessionDep
from crossdock.api.history import history_response, record_change
from crossdock.api.listing import list_response
from crossdock.api.models import Country, NonEmpty, StrictModel
from crossdock.api.scope import tenancy
from crossdock.auth.roles import Principal, Role
from crossdock.errors import Conflict, Forbidden, NotFound, ValidationFailed
from crossdock.store import listings
from crossdock.store.base import iso
from crossdock.store.tables import Company, Integration

router = APIRouter(prefix="/companies", tags=["companies"])


class CompanyFields(StrictModel):
    agencyData: dict[str, Any] | None = None
    agencyLevel: bool | None = None
    logo: str | None = None
    # read-only attributes a client may echo back from a GET; they are ignored
    companyId: str | None = Field(default=None, description="read-only")
    createdAt: str | None = Field(default=None, description="read-only")
    updatedAt: str | None = Field(default=None, description="read-only")


class CreateCompanyModel(CompanyFields):
    agencyId: NonEmpty | None = None
    country: Country
    name: NonEmpty


class ReplaceCompanyModel(CreateCompanyModel):
    pass


class UpdateCompanyModel(CompanyFields):
    agencyId: NonEmpty | None = None
    country: Country | None = None
    name: NonEmpty | None = None


def describe(company: Company) -> dict[str, Any]:
    body: dict[str, Any] = {
        "companyId": company.company_id,
        "name": company.name,
        "country": company.country,
        "agencyId": company.agency_id,
        "createdAt": iso(company.created_at),
        "updatedAt": iso(company.updated_at),
    }
    if company.agency_level is not None:
        body["agencyLevel"] = company.agency_level
    if company.logo is not None:
        body["logo"] = company.logo
    if company.agency_data is not None:
        body["agencyData"] = company.agency_data
    return body


def visible_company(session: SessionDep, user: Principal, company_id: str) -> Company:
    company = session.get(Company, company_id)
    if company is None or not user.sees(agency_id=company.agency_id, company_id=company.company_id):
        raise NotFound(f"Company {company_id} not found.", field="companyId")
    return company


def _agency_for(user: Principal, requested: str | None, model: str) -> str:
    if user.may_set("company", "agencyId") and user.is_operator:
        if not requested:
            raise ValidationFailed("Field required.", field=f"{model}.agencyId")
        return requested
    if requested and requested != user.agency_id:
        raise Forbidden(
            "Your role cannot place a company in another agency.", field=f"{model}.agencyId"
        )
    if not user.agency_id:
        raise Forbidden("Your user belongs to no agency.", field=f"{model}.agencyId")
    return user.agency_id


def _check_agency_level(
    user: Principal, value: bool | None, current: bool | None, model: str
) -> None:
    if value is not None and value != current and not user.may_set("company", "agencyLevel"):
        raise Forbidden("Your role cannot set agencyLevel.", field=f"{model}.agencyLevel")


def _version(
    session: SessionDep, hub: HubDep, user: Principal, company: Company, action: str
) -> None:
    record_change(
        session,
        hub,
        user,
        "company",
        company.company_id,
        action,
        lambda: describe(company),
        agency_id=company.agency_id,
        company_id=company.company_id,
    )


@router.post("", status_code=201, summary="Add a company")
def create_company(
    body: CreateCompanyModel, session: SessionDep, hub: HubDep, user: CurrentUser
) -> dict[str, Any]:
    if user.role == Role.COMPANY:
        raise Forbidden("Company users cannot create companies.")
    _check_agency_level(user, body.agencyLevel, None, "CreateCompanyModel")
    now = hub.clock()
    company = Company(
        company_id=str(uuid.uuid4()),
        agency_id=_agency_for(user, body.agencyId, "CreateCompanyModel"),
        name=body.name,
        country=body.country,
        logo=body.logo,
        agency_level=body.agencyLevel,
        agency_data=body.agencyData,
        created_at=now,
        updated_at=now,
    )
    session.add(company)
    session.flush()
    _version(session, hub, user, company, "create")
    return describe(company)


@router.get("", summary="List companies")
def list_companies(request: Request, session: SessionDep, user: CurrentUser) -> JSONResponse:
    return list_response(
        session,
        listings.companies(),
        select(Company),
        request,
        describe,
        tenancy(user, Company.agency_id, Company.company_id),
    )


@router.get("/{companyId}", summary="Get a company")
def get_company(companyId: str, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return describe(visible_company(session, user, companyId))


def _apply(company: Company, user: Principal, fields: dict[str, Any], model: str) -> None:
    _check_agency_level(user, fields.get("agencyLevel"), company.agency_level, model)
    if "agencyId" in fields and fields["agencyId"] != company.agency_id:
        if not user.may_set("company", "agencyId") or not user.is_operator:
            raise Forbidden(
                "Your role cannot move a company to another agency.", field=f"{model}.agencyId"
            )
        company.agency_id = fields["agencyId"]
    for attribute, column in (
        ("name", "name"),
        ("country", "country"),
        ("logo", "logo"),
        ("agencyLevel", "agency_level"),
        ("agencyData", "agency_data"),
    ):
        if attribute in fields:
            setattr(company, column, fields[attribute])


@router.patch("/{companyId}", summary="Update a company")
def update_company(
    companyId: str, body: UpdateCompanyModel, session: SessionDep, hub: HubDep, user: CurrentUser
) -> dict[str, Any]:
    company = visible_company(session, user, companyId)
    fields = body.model_dump(exclude_unset=True, exclude={"companyId", "createdAt", "updatedAt"})
    for required in ("name", "country"):
        if required in fields and fields[required] is None:
            raise ValidationFailed("Field cannot be null.", field=f"UpdateCompanyModel.{required}")
    _apply(company, user, fields, "UpdateCompanyModel")
    company.updated_at = hub.clock()
    session.flush()
    _version(session, hub, user, company, "update")
    return describe(company)


@router.put("/{companyId}", summary="Replace a company")
def replace_company(
    companyId: str, body: ReplaceCompanyModel, session: SessionDep, hub: HubDep, user: CurrentUser
) -> dict[str, Any]:
    company = visible_company(session, user, companyId)
    fields = body.model_dump(exclude={"companyId", "createdAt", "updatedAt"})
    if fields["agencyId"] is None:
        fields["agencyId"] = company.agency_id
    _apply(company, user, fields, "ReplaceCompanyModel")
    company.updated_at = hub.clock()
    session.flush()
    _version(session, hub, user, company, "update")
    return describe(company)


@router.delete("/{companyId}", status_code=204, summary="Delete a company")
def delete_company(companyId: str, session: SessionDep, hub: HubDep, user: CurrentUser) -> Response:
    company = visible_company(session, user, companyId)
    if user.role == Role.COMPANY:
        raise Forbidden("Company users cannot delete companies.")
    if session.scalar(select(exists().where(Integration.company_id == company.company_id))):
        raise Conflict("Delete the company's integrations first.", field="companyId")
    _version(session, hub, user, company, "delete")
    session.delete(company)
    return Response(status_code=204)


@router.get("/{companyId}/history", summary="Get the history of a company")
def company_history(
    companyId: str, request: Request, session: SessionDep, user: CurrentUser
) -> JSONResponse:
    return history_response(session, request, user, "company", companyId)
