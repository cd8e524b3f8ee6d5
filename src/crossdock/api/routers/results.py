"""``GET /system_results`` and ``.../history``: what each system answered about each record.

Today these are the hub's own verdicts on records its sources sent (``direction: "source"``:
created, updated, deleted, unchanged, or rejected with field-level errors); destinations'
responses join them with publishing.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import ColumnElement, select

from crossdock.api.deps import CurrentUser, SessionDep
from crossdock.api.listing import list_response
from crossdock.api.scope import tenancy
from crossdock.auth.roles import Principal
from crossdock.store.base import iso
from crossdock.store.query import Field, JsonField, Listing
from crossdock.store.records import SystemResult

router = APIRouter(prefix="/system_results", tags=["records"])


def describe(result: SystemResult) -> dict[str, Any]:
    return {
        "crescoId": result.cresco_id,
        "integrationId": result.integration_id,
        "companyId": result.company_id,
        "agencyId": result.agency_id,
        "syncType": result.sync_type,
        "requestId": result.request_id,
        "objectId": result.object_id,
        "direction": result.direction,
        "status": result.status,
        "errors": result.errors,
        "response": result.response,
        "updatedAt": iso(result.at),
    }


def listing() -> Listing:
    return Listing(
        name="system_results",
        fields={
            "crescoId": Field(SystemResult.cresco_id),
            "integrationId": Field(SystemResult.integration_id),
            "companyId": Field(SystemResult.company_id),
            "agencyId": Field(SystemResult.agency_id),
            "syncType": Field(SystemResult.sync_type),
            "requestId": Field(SystemResult.request_id),
            "objectId": Field(SystemResult.object_id),
            "direction": Field(SystemResult.direction),
            "status": Field(SystemResult.status),
            "updatedAt": Field(SystemResult.at),
        },
        json_fields={
            "errors": JsonField(SystemResult.errors),
            "response": JsonField(SystemResult.response),
        },
        key=SystemResult.id,
        default_sort="updatedAt:desc",
    )


def scope(user: Principal) -> list[ColumnElement[bool]]:
    return tenancy(user, SystemResult.agency_id, SystemResult.company_id, SystemResult.sync_type)


@router.get("", summary="List system responses")
def list_results(request: Request, session: SessionDep, user: CurrentUser) -> JSONResponse:
    return list_response(session, listing(), select(SystemResult), request, describe, scope(user))


@router.get("/{crescoId}/{integrationId}/history", summary="Get response history for a record")
def result_history(
    crescoId: str, integrationId: str, request: Request, session: SessionDep, user: CurrentUser
) -> JSONResponse:
    return list_response(
        session,
        listing(),
        select(SystemResult),
        request,
        describe,
        [
            *scope(user),
            SystemResult.cresco_id == crescoId,
            SystemResult.integration_id == integrationId,
        ],
    )
