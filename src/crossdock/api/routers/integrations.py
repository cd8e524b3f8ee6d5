"""``/integrations``: a merchant's source and destination services, one per sync type.

Credentials in ``systemSettings`` are encrypted at rest and answered as ``********``; sending
``********`` back for a secret keeps the stored value, so a GET-then-PUT round trip is safe.
Settings are checked for unknown keys and types on every write, and completely (required keys
included) when the integration is active, right before the connection test activation runs.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import anyio.from_thread
from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field, ValidationError
from sqlalchemy import select

from crossdock.api.deps import CurrentUser, HubDep, SessionDep
from crossdock.api.history import history_response, record_change
from crossdock.api.listing import list_response
from crossdock.api.models import NonEmpty, StrictModel
from crossdock.api.routers.companies import visible_company
from crossdock.api.scope import tenancy
from crossdock.auth.roles import Principal
from crossdock.connectors.catalog import ALL_SYNC_TYPES, System
from crossdock.crypto import REDACTED, redact
from crossdock.errors import CrossdockError, Forbidden, NotFound, ValidationFailed
from crossdock.hub import Hub
from crossdock.store import listings
from crossdock.store.base import iso
from crossdock.store.pulls import PullState
from crossdock.store.tables import Integration
from crossdock.sync.pull import describe as describe_pull
from crossdock.sync.pull import request_pull

router = APIRouter(prefix="/integrations", tags=["integrations"])

DEPRECATED = "This field is deprecated and should always be set to false."


class IntegrationFields(StrictModel):
    minFromDate: datetime | None = None
    systemSettings: dict[str, Any] | None = None
    integrationId: str | None = Field(default=None, description="read-only")
    createdAt: str | None = Field(default=None, description="read-only")
    updatedAt: str | None = Field(default=None, description="read-only")


class CreateIntegrationModel(IntegrationFields):
    active: bool
    add: bool
    agencyId: NonEmpty | None = None
    companyId: NonEmpty | None = None
    delete: bool
    get: bool
    meta: dict[str, Any]
    syncType: NonEmpty
    systemId: NonEmpty
    update: bool


class ReplaceIntegrationModel(CreateIntegrationModel):
    pass


class UpdateIntegrationModel(IntegrationFields):
    active: bool | None = None
    add: bool | None = None
    agencyId: NonEmpty | None = None
    companyId: NonEmpty | None = None
    delete: bool | None = None
    get: bool | None = None
    meta: dict[str, Any] | None = None
    syncType: NonEmpty | None = None
    systemId: NonEmpty | None = None
    update: bool | None = None


def describe(hub: Hub, integration: Integration) -> dict[str, Any]:
    system = hub.catalog.get(integration.system_id)
    secrets = system.secret_fields if system else frozenset()
    return {
        "integrationId": integration.integration_id,
        "agencyId": integration.agency_id,
        "companyId": integration.company_id,
        "syncType": integration.sync_type,
        "systemId": integration.system_id,
        "active": integration.active,
        "get": integration.get,
        "update": integration.update,
        "add": integration.add,
        "delete": integration.delete,
        "meta": integration.meta,
        "minFromDate": iso(integration.min_from_date),
        "systemSettings": redact(integration.system_settings or {}, secrets),
        "createdAt": iso(integration.created_at),
        "updatedAt": iso(integration.updated_at),
    }


def visible_integration(session: SessionDep, user: Principal, integration_id: str) -> Integration:
    integration = session.get(Integration, integration_id)
    if (
        integration is None
        or not user.sees(agency_id=integration.agency_id, company_id=integration.company_id)
        or not user.reaches_sync(integration.sync_type)
    ):
        raise NotFound(f"Integration {integration_id} not found.", field="integrationId")
    return integration


def _system(hub: Hub, system_id: str, model: str) -> System:
    system = hub.catalog.get(system_id)
    if system is None:
        known = ", ".join(s.system_id for s in hub.catalog)
        raise ValidationFailed(f"Unknown system; one of: {known}.", field=f"{model}.systemId")
    return system


def _settings_errors(
    system: System, settings: dict[str, Any], *, complete: bool
) -> list[dict[str, str]]:
    plain = {k: v for k, v in settings.items()}
    try:
        system.settings_model.model_validate(plain)
    except ValidationError as exc:
        return [
            {
                "field": ".".join(["systemSettings", *(str(p) for p in err["loc"])]),
                "detail": "Unknown field."
                if err["type"] == "extra_forbidden"
                else "Field required."
                if err["type"] == "missing"
                else err["msg"].rstrip(".") + ".",
            }
            for err in exc.errors()
            if complete or err["type"] != "missing"
        ]
    return []


def run_connection_test(hub: Hub, system: System, integration: Integration) -> str | None:
    """None when the connection works, else the reason it does not."""
    if not system.needs_connection_test:
        return None
    if system.connection_test is None:
        return f"The {system.name} connector is not built yet, so its connection cannot be tested."
    settings = hub.secrets.open(integration.system_settings or {})
    try:
        anyio.from_thread.run(system.connection_test, settings)
    except CrossdockError as exc:
        return exc.detail
    return None


def _apply(
    hub: Hub,
    session: SessionDep,
    user: Principal,
    integration: Integration,
    fields: dict[str, Any],
    model: str,
) -> None:
    for flag in ("add", "delete"):
        if fields.get(flag):
            raise ValidationFailed(DEPRECATED, field=f"{model}.{flag}")
    if "meta" in fields and fields["meta"] not in ({}, None):
        raise ValidationFailed(
            "This field is deprecated and should always be set to {}.", field=f"{model}.meta"
        )
    if (
        "companyId" in fields
        and fields["companyId"]
        and fields["companyId"] != integration.company_id
    ):
        if not user.may_set("integration", "companyId"):
            raise Forbidden("Your role cannot set companyId.", field=f"{model}.companyId")
        company = visible_company(session, user, fields["companyId"])
        integration.company_id = company.company_id
        integration.agency_id = company.agency_id
    if fields.get("agencyId") and fields["agencyId"] != integration.agency_id:
        if not user.may_set("integration", "agencyId"):
            raise Forbidden("Your role cannot set agencyId.", field=f"{model}.agencyId")
        raise ValidationFailed(
            "agencyId must be the agency of the integration's company.", field=f"{model}.agencyId"
        )
    for attribute, column in (
        ("syncType", "sync_type"),
        ("systemId", "system_id"),
        ("get", "get"),
        ("update", "update"),
        ("minFromDate", "min_from_date"),
    ):
        if attribute in fields:
            setattr(integration, column, fields[attribute])
    system = _system(hub, integration.system_id, model)
    if integration.sync_type not in ALL_SYNC_TYPES:
        raise ValidationFailed(
            f"Unsupported sync type; one of: {', '.join(ALL_SYNC_TYPES)}.",
            field=f"{model}.syncType",
        )
    if integration.sync_type not in system.sync_types:
        raise ValidationFailed(
            f"{system.name} does not serve {integration.sync_type}; it serves "
            f"{', '.join(system.sync_types)}.",
            field=f"{model}.syncType",
        )
    user.require_sync(integration.sync_type)
    if integration.get and not system.source:
        raise ValidationFailed(f"{system.name} cannot be a source.", field=f"{model}.get")
    if integration.update and not system.destination:
        raise ValidationFailed(f"{system.name} cannot be a destination.", field=f"{model}.update")
    if "systemSettings" in fields:
        incoming = dict(fields["systemSettings"] or {})
        stored = integration.system_settings or {}
        for key, value in list(incoming.items()):
            if value == REDACTED and key in stored:
                incoming[key] = stored[key]
        opened = hub.secrets.open(incoming)
        errors = _settings_errors(system, opened, complete=False)
        if errors:
            raise ValidationFailed(
                errors[0]["detail"], field=f"{model}.{errors[0]['field']}", errors=errors
            )
        integration.system_settings = hub.secrets.seal(opened, system.secret_fields)
    if "active" in fields:
        integration.active = bool(fields["active"])
    if integration.active:
        opened = hub.secrets.open(integration.system_settings or {})
        errors = _settings_errors(system, opened, complete=True)
        if errors:
            raise ValidationFailed(
                f"Cannot activate: {errors[0]['detail']}",
                field=f"{model}.{errors[0]['field']}",
                errors=errors,
            )
        if fields.get("active"):
            reason = run_connection_test(hub, system, integration)
            if reason is not None:
                raise ValidationFailed(f"Cannot activate: {reason}", field=f"{model}.active")


def _version(
    session: SessionDep, hub: HubDep, user: Principal, integration: Integration, action: str
) -> None:
    record_change(
        session,
        hub,
        user,
        "integration",
        integration.integration_id,
        action,
        lambda: describe(hub, integration),
        agency_id=integration.agency_id,
        company_id=integration.company_id,
    )


@router.post("", status_code=201, summary="Add an integration")
def create_integration(
    body: CreateIntegrationModel, session: SessionDep, hub: HubDep, user: CurrentUser
) -> dict[str, Any]:
    model = "CreateIntegrationModel"
    company_id = body.companyId
    if not company_id or not user.may_set("integration", "companyId"):
        if body.companyId and body.companyId != user.company_id:
            raise Forbidden("Your role cannot set companyId.", field=f"{model}.companyId")
        company_id = user.company_id
    if not company_id:
        raise ValidationFailed("Field required.", field=f"{model}.companyId")
    company = visible_company(session, user, company_id)
    now = hub.clock()
    integration = Integration(
        integration_id=str(uuid.uuid4()),
        agency_id=company.agency_id,
        company_id=company.company_id,
        active=False,
        add=False,
        delete=False,
        meta={},
        system_settings={},
        created_at=now,
        updated_at=now,
    )
    fields = body.model_dump(exclude={"integrationId", "createdAt", "updatedAt", "companyId"})
    fields.setdefault("systemSettings", {})
    if fields["systemSettings"] is None:
        fields["systemSettings"] = {}
    _apply(hub, session, user, integration, fields, model)
    session.add(integration)
    session.flush()
    _version(session, hub, user, integration, "create")
    return describe(hub, integration)


@router.get("", summary="List integrations")
def list_integrations(
    request: Request, session: SessionDep, hub: HubDep, user: CurrentUser
) -> JSONResponse:
    return list_response(
        session,
        listings.integrations(),
        select(Integration),
        request,
        lambda row: describe(hub, row),
        tenancy(user, Integration.agency_id, Integration.company_id, Integration.sync_type),
    )


@router.get("/{integrationId}", summary="Get an integration")
def get_integration(
    integrationId: str, session: SessionDep, hub: HubDep, user: CurrentUser
) -> dict[str, Any]:
    return describe(hub, visible_integration(session, user, integrationId))


def _update(
    integrationId: str,
    fields: dict[str, Any],
    model: str,
    session: SessionDep,
    hub: HubDep,
    user: CurrentUser,
) -> dict[str, Any]:
    integration = visible_integration(session, user, integrationId)
    fields = {
        k: v for k, v in fields.items() if k not in ("integrationId", "createdAt", "updatedAt")
    }
    for required in ("active", "get", "update", "syncType", "systemId"):
        if required in fields and fields[required] is None:
            raise ValidationFailed("Field cannot be null.", field=f"{model}.{required}")
    _apply(hub, session, user, integration, fields, model)
    integration.updated_at = hub.clock()
    session.flush()
    _version(session, hub, user, integration, "update")
    return describe(hub, integration)


@router.put("/{integrationId}", summary="Replace an integration")
def replace_integration(
    integrationId: str,
    body: ReplaceIntegrationModel,
    session: SessionDep,
    hub: HubDep,
    user: CurrentUser,
) -> dict[str, Any]:
    fields = body.model_dump()
    if fields["systemSettings"] is None:
        fields["systemSettings"] = {}
    return _update(integrationId, fields, "ReplaceIntegrationModel", session, hub, user)


@router.patch("/{integrationId}", summary="Update an integration")
def update_integration(
    integrationId: str,
    body: UpdateIntegrationModel,
    session: SessionDep,
    hub: HubDep,
    user: CurrentUser,
) -> dict[str, Any]:
    fields = body.model_dump(exclude_unset=True)
    if "systemSettings" in fields and fields["systemSettings"] is not None:
        integration = visible_integration(session, user, integrationId)
        fields["systemSettings"] = {
            **(integration.system_settings or {}),
            **fields["systemSettings"],
        }
    return _update(integrationId, fields, "UpdateIntegrationModel", session, hub, user)


@router.delete("/{integrationId}", status_code=204, summary="Delete an integration")
def delete_integration(
    integrationId: str, session: SessionDep, hub: HubDep, user: CurrentUser
) -> Response:
    integration = visible_integration(session, user, integrationId)
    _version(session, hub, user, integration, "delete")
    session.delete(integration)
    return Response(status_code=204)


@router.get("/{integrationId}/history", summary="Get the change history of an integration")
def integration_history(
    integrationId: str, request: Request, session: SessionDep, user: CurrentUser
) -> JSONResponse:
    return history_response(session, request, user, "integration", integrationId)


@router.get("/{integrationId}/auth", summary="Get auth information of an integration")
def integration_auth(
    integrationId: str, session: SessionDep, hub: HubDep, user: CurrentUser
) -> dict[str, Any]:
    integration = visible_integration(session, user, integrationId)
    system = _system(hub, integration.system_id, "integration")
    return {
        "integrationId": integration.integration_id,
        "systemId": system.system_id,
        "authType": system.auth_type,
        "authUrl": None,
        "configured": not _settings_errors(
            system, hub.secrets.open(integration.system_settings or {}), complete=True
        ),
    }


@router.get("/{integrationId}/test", summary="Test the connection of an integration")
def integration_test(
    integrationId: str, session: SessionDep, hub: HubDep, user: CurrentUser
) -> dict[str, Any]:
    integration = visible_integration(session, user, integrationId)
    system = _system(hub, integration.system_id, "integration")
    errors = _settings_errors(
        system, hub.secrets.open(integration.system_settings or {}), complete=True
    )
    if errors:
        return {"success": False, "detail": f"{errors[0]['field']}: {errors[0]['detail']}"}
    reason = run_connection_test(hub, system, integration)
    return {"success": reason is None, "detail": reason or "Connection succeeded."}


@router.post(
    "/{integrationId}/sync", status_code=202, summary="Pull a source integration now (our addition)"
)
def request_sync(
    integrationId: str,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    hub: HubDep,
    user: CurrentUser,
) -> dict[str, Any]:
    integration = visible_integration(session, user, integrationId)
    if not integration.get or integration.system_id == "api":
        raise ValidationFailed(
            "Only sources that Crossdock pulls from (get=true, not the api system) can sync.",
            field="integrationId",
        )
    if not integration.active:
        raise ValidationFailed("The integration is not active.", field="integrationId")
    state = request_pull(session, integration, hub.clock())
    queue = getattr(request.app.state, "queue", None)
    if queue is not None:
        background.add_task(queue.announce, "pull")
    return state


@router.get("/{integrationId}/sync", summary="Where the integration's pulls stand (our addition)")
def sync_status(integrationId: str, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    integration = visible_integration(session, user, integrationId)
    state = session.get(PullState, integration.integration_id)
    if state is None:
        # Every field, as after a run: a client reads one shape.
        state = PullState(integration_id=integration.integration_id, status="never", runs=0)
    return describe_pull(state, integration)
