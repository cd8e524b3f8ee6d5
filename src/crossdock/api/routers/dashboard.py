"""``/dashboard/metrics``: saved dashboard metric definitions of an agency or a company.

A metric is what a dashboard shows (which events, state API or billing figures, over which
range, drawn how); Crossdock stores and validates the definition. Computing a metric's value
is not part of this resource.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossdock.api.deps import CurrentUser, HubDep, SessionDep
from crossdock.api.listing import list_response
from crossdock.api.models import NonEmpty, StrictModel
from crossdock.api.routers.companies import visible_company
from crossdock.api.scope import tenancy
from crossdock.auth.roles import AGENCY_SCOPED, OPERATORS, Principal, Role
from crossdock.errors import Forbidden, NotFound, ValidationFailed
from crossdock.store.base import iso
from crossdock.store.dashboard import DashboardMetric, metrics
from crossdock.store.tables import User

router = APIRouter(prefix="/dashboard/metrics", tags=["dashboard"])

# The docs' role notes on a metric's owner ("only applicable to user roles: ..."). They live
# here rather than in auth.roles.SETTABLE_BY only because that table is not this module's.
SETTABLE_BY: dict[str, frozenset[Role]] = {
    "agencyId": OPERATORS,
    "companyId": OPERATORS | AGENCY_SCOPED,
}

UNIT = r"\d{1,4} (?:hour|day|week|month|quarter|year)s?"
RANGE = re.compile(rf"{UNIT}(?::{UNIT})?")


def _range(value: str) -> str:
    if not RANGE.fullmatch(value):
        raise ValueError(
            "Use '<n> <unit>' or '<n> <unit>:<n> <unit>' with unit hour, day, week, month, "
            "quarter or year, e.g. '1 week' or '1 month:1 month'"
        )
    return value


Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Range = Annotated[str, StringConstraints(max_length=100), AfterValidator(_range)]


class MetricModel(StrictModel):
    agencyId: NonEmpty | None = None
    companyId: NonEmpty | None = None
    eventAction: Text200 | None = None
    eventGroup: Text200 | None = None
    eventQueryParams: dict[str, Any] | None = None
    eventTracker: Text200 | None = None
    groupName: Annotated[str, StringConstraints(max_length=500)] | None = None
    metricType: Literal["event", "state", "billing"]
    name: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    range: Range | None = None
    stateApi: Text200 | None = None
    username: Annotated[str, StringConstraints(min_length=1, max_length=320)] | None = None
    viewFormat: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    # read-only attributes a client may echo back from a GET; they are ignored
    metricId: str | None = Field(default=None, description="read-only")
    createdAt: str | None = Field(default=None, description="read-only")
    updatedAt: str | None = Field(default=None, description="read-only")


class CreateMetricModel(MetricModel):
    pass


class UpdateMetricModel(MetricModel):
    pass


COLUMNS = (
    ("name", "name"),
    ("metricType", "metric_type"),
    ("groupName", "group_name"),
    ("eventGroup", "event_group"),
    ("eventAction", "event_action"),
    ("eventTracker", "event_tracker"),
    ("eventQueryParams", "event_query_params"),
    ("range", "range"),
    ("stateApi", "state_api"),
    ("username", "username"),
    ("viewFormat", "view_format"),
)


def describe(metric: DashboardMetric) -> dict[str, Any]:
    body: dict[str, Any] = {
        "metricId": metric.metric_id,
        "agencyId": metric.agency_id,
        "companyId": metric.company_id,
    }
    for attribute, column in COLUMNS:
        body[attribute] = getattr(metric, column)
    body["createdAt"] = iso(metric.created_at)
    body["updatedAt"] = iso(metric.updated_at)
    return body


def visible_metric(session: Session, user: Principal, metric_id: str) -> DashboardMetric:
    metric = session.get(DashboardMetric, metric_id)
    if metric is None or not user.sees(agency_id=metric.agency_id, company_id=metric.company_id):
        raise NotFound(f"Metric {metric_id} not found.", field="metricId")
    return metric


def _may_set(user: Principal, attribute: str) -> bool:
    return user.role in SETTABLE_BY[attribute]


def _owner(
    session: Session,
    user: Principal,
    agency_id: str | None,
    company_id: str | None,
    model: str,
) -> tuple[str, str | None]:
    """The agency and company a metric will belong to, by the docs' rules and role notes."""
    if company_id is None and user.role == Role.COMPANY:
        company_id = user.company_id  # company users' metrics are always their company's
        if company_id is None:
            raise Forbidden("Your user belongs to no company.", field=f"{model}.companyId")
    if company_id is not None:
        if company_id != user.company_id and not _may_set(user, "companyId"):
            raise Forbidden("Your role cannot set companyId.", field=f"{model}.companyId")
        company = visible_company(session, user, company_id)
        if agency_id is not None and agency_id != company.agency_id:
            if not _may_set(user, "agencyId"):
                raise Forbidden("Your role cannot set agencyId.", field=f"{model}.agencyId")
            raise ValidationFailed(
                "agencyId must be the agency of the metric's company.", field=f"{model}.agencyId"
            )
        return company.agency_id, company.company_id
    if _may_set(user, "agencyId"):
        if agency_id is None:
            raise ValidationFailed(
                "Field required when companyId is not given.", field=f"{model}.agencyId"
            )
        return agency_id, None
    if agency_id is not None and agency_id != user.agency_id:
        raise Forbidden("Your role cannot set agencyId.", field=f"{model}.agencyId")
    if user.agency_id is None:
        raise Forbidden("Your user belongs to no agency.", field=f"{model}.agencyId")
    return user.agency_id, None


def _check(session: Session, user: Principal, fields: dict[str, Any], model: str) -> None:
    """The docs' conditional requirements, and that ``username`` names a user the caller sees."""
    errors: list[dict[str, str]] = []
    kind = fields["metricType"]
    for attribute, needed_by in (
        ("eventGroup", ("event",)),
        ("range", ("event", "billing")),
        ("stateApi", ("state",)),
    ):
        if kind in needed_by and not fields.get(attribute):
            errors.append(
                {"field": f"{model}.{attribute}", "detail": f"Field required for {kind} metrics."}
            )
    username = fields.get("username")
    if username is not None:
        owner = session.get(User, username)
        if owner is None or not (
            username == user.username
            or user.sees(agency_id=owner.agency_id, company_id=owner.company_id)
        ):
            errors.append({"field": f"{model}.username", "detail": "No such user."})
    if errors:
        raise ValidationFailed(errors[0]["detail"], field=errors[0]["field"], errors=errors)


def _fields(body: MetricModel) -> dict[str, Any]:
    return body.model_dump(exclude={"metricId", "createdAt", "updatedAt"})


@router.get("", summary="List metrics")
def list_metrics(request: Request, session: SessionDep, user: CurrentUser) -> JSONResponse:
    return list_response(
        session,
        metrics(),
        select(DashboardMetric),
        request,
        describe,
        tenancy(user, DashboardMetric.agency_id, DashboardMetric.company_id),
    )


@router.post("", status_code=201, summary="Add a metric")
def create_metric(
    body: CreateMetricModel, session: SessionDep, hub: HubDep, user: CurrentUser
) -> dict[str, Any]:
    model = "CreateMetricModel"
    fields = _fields(body)
    agency_id, company_id = _owner(session, user, body.agencyId, body.companyId, model)
    _check(session, user, fields, model)
    now = hub.clock()
    metric = DashboardMetric(
        metric_id=str(uuid.uuid4()),
        agency_id=agency_id,
        company_id=company_id,
        created_at=now,
        updated_at=now,
    )
    for attribute, column in COLUMNS:
        setattr(metric, column, fields[attribute])
    session.add(metric)
    session.flush()
    return describe(metric)


@router.get("/{metricId}", summary="Get a metric")
def get_metric(metricId: str, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return describe(visible_metric(session, user, metricId))


@router.put("/{metricId}", summary="Update a metric")
def update_metric(
    metricId: str, body: UpdateMetricModel, session: SessionDep, hub: HubDep, user: CurrentUser
) -> dict[str, Any]:
    model = "UpdateMetricModel"
    metric = visible_metric(session, user, metricId)
    fields = _fields(body)
    # The owner not sent stays as it is; every other attribute is replaced, as the docs'
    # sample sends the whole metric.
    company_id = body.companyId if body.companyId is not None else metric.company_id
    agency_id = body.agencyId
    if agency_id is None and company_id is None:
        agency_id = metric.agency_id
    metric.agency_id, metric.company_id = _owner(session, user, agency_id, company_id, model)
    _check(session, user, fields, model)
    for attribute, column in COLUMNS:
        setattr(metric, column, fields[attribute])
    metric.updated_at = hub.clock()
    session.flush()
    return describe(metric)


@router.delete("/{metricId}", status_code=204, summary="Delete a metric")
def delete_metric(metricId: str, session: SessionDep, user: CurrentUser) -> Response:
    session.delete(visible_metric(session, user, metricId))
    return Response(status_code=204)
