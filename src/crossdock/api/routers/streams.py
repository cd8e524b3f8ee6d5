"""``POST /streams_batch`` (send records) and ``GET /requests/{requestId}`` (our addition:
the outcome of every item of a batch)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Request
from pydantic import Field
from sqlalchemy import select

from crossdock.api.deps import CurrentUser, HubDep, SessionDep
from crossdock.api.models import StrictModel
from crossdock.api.routers.integrations import visible_integration
from crossdock.errors import NotFound, ValidationFailed
from crossdock.store.base import iso
from crossdock.store.records import IngestItem, IngestRequest
from crossdock.sync.ingest import BatchItem, accept_batch

router = APIRouter(tags=["records"])

MAX_ITEMS = 10_000
Text = Annotated[str, Field(min_length=1, max_length=500)]


class StreamItemModel(StrictModel):
    id: Text
    record: dict[str, Any] | None
    merge: bool = False
    groupId: Text | None = None


class StreamsBatchModel(StrictModel):
    integrationId: Text
    items: list[StreamItemModel] = Field(min_length=1, max_length=MAX_ITEMS)
    requestId: Annotated[str, Field(min_length=1, max_length=200)] | None = None


@router.post("/streams_batch", summary="Send records")
def streams_batch(
    body: StreamsBatchModel,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    hub: HubDep,
    user: CurrentUser,
) -> dict[str, str]:
    """Accept a batch durably: when this answers, every item is stored and will be processed."""
    model = "StreamsBatchModel"
    integration = visible_integration(session, user, body.integrationId)
    if not integration.get:
        raise ValidationFailed(
            "The integration is not a source (get=false); records can only be sent to sources.",
            field=f"{model}.integrationId",
        )
    if not integration.active:
        raise ValidationFailed("The integration is not active.", field=f"{model}.integrationId")
    if integration.system_id != "api":
        raise ValidationFailed(
            f"The integration pulls from {integration.system_id}; records can only be sent to "
            "integrations of the api system.",
            field=f"{model}.integrationId",
        )
    existing = session.get(IngestRequest, body.requestId) if body.requestId else None
    if existing is not None and existing.integration_id != integration.integration_id:
        raise ValidationFailed(
            "This requestId was already used for another integration.", field=f"{model}.requestId"
        )
    request_id, _ = accept_batch(
        session,
        integration=integration,
        items=[BatchItem(i.id, i.record, i.merge, i.groupId) for i in body.items],
        request_id=body.requestId,
        actor=user.username,
        now=hub.clock(),
    )
    # The request's transaction commits before the answer is sent; the queue is told after.
    queue = getattr(request.app.state, "queue", None)
    if queue is not None:
        background.add_task(queue.announce, "ingest")
    return {"requestId": request_id}


@router.get("/requests/{requestId}", summary="Get the outcome of every item of a batch")
def get_request(requestId: str, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    batch = session.get(IngestRequest, requestId)
    if (
        batch is None
        or not user.sees(agency_id=batch.agency_id, company_id=batch.company_id)
        or not user.reaches_sync(batch.sync_type)
    ):
        raise NotFound(f"Request {requestId} not found.", field="requestId")
    items = session.scalars(
        select(IngestItem).where(IngestItem.request_id == requestId).order_by(IngestItem.position)
    ).all()
    counts: dict[str, int] = {}
    for item in items:
        counts[item.status] = counts.get(item.status, 0) + 1
    return {
        "requestId": batch.request_id,
        "integrationId": batch.integration_id,
        "syncType": batch.sync_type,
        "receivedAt": iso(batch.received_at),
        "itemCount": batch.item_count,
        "done": counts.get("pending", 0) == 0,
        "counts": counts,
        "items": [
            {
                "id": item.object_id,
                "status": item.status,
                "crescoId": item.cresco_id,
                "version": item.version,
                "errors": item.errors,
                "processedAt": iso(item.processed_at),
            }
            for item in items
        ],
    }
