"""``/publish``: channel request payloads (what Crossdock sent to each destination), and, our
additions, the publish jobs behind them and a retry for parked ones."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse
from sqlalchemy import ColumnElement, select

from crossdock.api.deps import CurrentUser, HubDep, SessionDep
from crossdock.api.listing import list_response
from crossdock.api.scope import tenancy
from crossdock.auth.roles import Principal
from crossdock.errors import NotFound
from crossdock.store.base import iso
from crossdock.store.publish import ChannelPayload, PublishJob
from crossdock.store.query import Field, JsonField, Listing

router = APIRouter(prefix="/publish", tags=["publishing"])


def describe(payload: ChannelPayload) -> dict[str, Any]:
    return {
        "integrationId": payload.integration_id,
        "crescoId": payload.cresco_id,
        "companyId": payload.company_id,
        "agencyId": payload.agency_id,
        "syncType": payload.sync_type,
        "systemId": payload.system_id,
        "version": payload.version,
        "action": payload.action,
        "payload": payload.payload,
        "updatedAt": iso(payload.at),
    }


def payload_listing() -> Listing:
    return Listing(
        name="publish",
        fields={
            "integrationId": Field(ChannelPayload.integration_id),
            "crescoId": Field(ChannelPayload.cresco_id),
            "companyId": Field(ChannelPayload.company_id),
            "agencyId": Field(ChannelPayload.agency_id),
            "syncType": Field(ChannelPayload.sync_type),
            "systemId": Field(ChannelPayload.system_id),
            "version": Field(ChannelPayload.version),
            "action": Field(ChannelPayload.action),
            "updatedAt": Field(ChannelPayload.at),
        },
        json_fields={"payload": JsonField(ChannelPayload.payload)},
        key=ChannelPayload.id,
        default_sort="updatedAt:desc",
    )


def describe_job(job: PublishJob) -> dict[str, Any]:
    return {
        "jobId": job.id,
        "integrationId": job.integration_id,
        "crescoId": job.cresco_id,
        "version": job.version,
        "syncType": job.sync_type,
        "companyId": job.company_id,
        "status": job.status,
        "attempts": job.attempts,
        "nextAttemptAt": iso(job.next_attempt_at),
        "lastError": job.last_error,
        "createdAt": iso(job.created_at),
        "updatedAt": iso(job.updated_at),
    }


def job_listing() -> Listing:
    return Listing(
        name="publish-jobs",
        fields={
            "jobId": Field(PublishJob.id),
            "integrationId": Field(PublishJob.integration_id),
            "crescoId": Field(PublishJob.cresco_id),
            "version": Field(PublishJob.version),
            "syncType": Field(PublishJob.sync_type),
            "companyId": Field(PublishJob.company_id),
            "status": Field(PublishJob.status),
            "attempts": Field(PublishJob.attempts),
            "nextAttemptAt": Field(PublishJob.next_attempt_at),
            "createdAt": Field(PublishJob.created_at),
            "updatedAt": Field(PublishJob.updated_at),
        },
        key=PublishJob.id,
        default_sort="jobId:desc",
    )


def _scope(
    user: Principal, model: type[ChannelPayload] | type[PublishJob]
) -> list[ColumnElement[bool]]:
    return tenancy(user, model.agency_id, model.company_id, model.sync_type)


@router.get("", summary="List channel request payloads")
def list_payloads(request: Request, session: SessionDep, user: CurrentUser) -> JSONResponse:
    return list_response(
        session,
        payload_listing(),
        select(ChannelPayload),
        request,
        describe,
        [ChannelPayload.current.is_(True), *_scope(user, ChannelPayload)],
    )


@router.get("/jobs", summary="List publish jobs (our addition)")
def list_jobs(request: Request, session: SessionDep, user: CurrentUser) -> JSONResponse:
    return list_response(
        session, job_listing(), select(PublishJob), request, describe_job, _scope(user, PublishJob)
    )


@router.get("/{integrationId}/{crescoId}", summary="Get a channel request payload")
def get_payload(
    integrationId: str, crescoId: str, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    payload = session.scalar(
        select(ChannelPayload).where(
            ChannelPayload.integration_id == integrationId,
            ChannelPayload.cresco_id == crescoId,
            ChannelPayload.current.is_(True),
            *_scope(user, ChannelPayload),
        )
    )
    if payload is None:
        raise NotFound(
            "Nothing was published for this record to this integration.", field="crescoId"
        )
    return describe(payload)


@router.get(
    "/{integrationId}/{crescoId}/history",
    summary="Get the change history of a channel request payload",
)
def payload_history(
    integrationId: str, crescoId: str, request: Request, session: SessionDep, user: CurrentUser
) -> JSONResponse:
    return list_response(
        session,
        payload_listing(),
        select(ChannelPayload),
        request,
        describe,
        [
            ChannelPayload.integration_id == integrationId,
            ChannelPayload.cresco_id == crescoId,
            *_scope(user, ChannelPayload),
        ],
    )


@router.post(
    "/{integrationId}/{crescoId}/retry", summary="Retry a parked publish job (our addition)"
)
def retry(
    integrationId: str,
    crescoId: str,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    hub: HubDep,
    user: CurrentUser,
) -> dict[str, Any]:
    job = session.scalar(
        select(PublishJob)
        .where(
            PublishJob.integration_id == integrationId,
            PublishJob.cresco_id == crescoId,
            PublishJob.status == "failed",
            *_scope(user, PublishJob),
        )
        .order_by(PublishJob.id.desc())
        .limit(1)
    )
    if job is None:
        raise NotFound("No failed publish job for this record and integration.", field="crescoId")
    now = hub.clock()
    job.status, job.attempts, job.next_attempt_at, job.updated_at = "pending", 0, now, now
    job.last_error = None
    queue = getattr(request.app.state, "queue", None)
    if queue is not None:
        background.add_task(queue.announce, "publish")
    return describe_job(job)
