"""Master records: ``GET /orders``, ``/products``, ``/{syncType}``, one record, its history,
and ``GET /schemas/{syncType}`` (our addition)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import ColumnElement, select

from crossdock.api.deps import CurrentUser, SessionDep
from crossdock.api.listing import list_response
from crossdock.api.scope import tenancy
from crossdock.auth.roles import Principal
from crossdock.errors import NotFound
from crossdock.records.keys import INDEXED_KEYS
from crossdock.records.merge import key_text
from crossdock.records.schemas import SYNC_TYPES, json_schema
from crossdock.store.base import iso
from crossdock.store.query import Field, JsonField, Listing
from crossdock.store.records import MasterRecord, MasterVersion, RecordKey

router = APIRouter(tags=["records"])


def describe(record: MasterRecord) -> dict[str, Any]:
    """The envelope of the docs' ``GET /orders`` sample, plus our own attributes at the end."""
    return {
        "crescoId": record.cresco_id,
        "companyId": record.company_id,
        "agencyId": record.agency_id,
        "systemId": record.system_id,
        "requestId": record.request_id,
        "objectId": record.object_id,
        "forceRefreshedAt": iso(record.force_refreshed_at),
        "updatedAt": iso(record.updated_at),
        "forceRefreshed": record.force_refreshed,
        "data": record.data,
        "integrationId": record.integration_id,
        "syncType": record.sync_type,
        "version": record.version,
        "createdAt": iso(record.created_at),
        "deleted": record.deleted,
    }


def record_listing(ignore: frozenset[str] = frozenset()) -> Listing:
    return Listing(
        name="records",
        fields={
            "crescoId": Field(MasterRecord.cresco_id),
            "companyId": Field(MasterRecord.company_id),
            "agencyId": Field(MasterRecord.agency_id),
            "systemId": Field(MasterRecord.system_id),
            "requestId": Field(MasterRecord.request_id),
            "objectId": Field(MasterRecord.object_id),
            "integrationId": Field(MasterRecord.integration_id),
            "version": Field(MasterRecord.version),
            "deleted": Field(MasterRecord.deleted),
            "forceRefreshed": Field(MasterRecord.force_refreshed),
            "forceRefreshedAt": Field(MasterRecord.force_refreshed_at),
            "createdAt": Field(MasterRecord.created_at),
            "updatedAt": Field(MasterRecord.updated_at),
        },
        json_fields={"data": JsonField(MasterRecord.data, each=True)},
        key=MasterRecord.cresco_id,
        default_sort="updatedAt:desc",
        ignore=ignore,
    )


def indexed_lookups(
    sync_type: str, params: list[tuple[str, str]]
) -> tuple[frozenset[str], list[ColumnElement[bool]]]:
    """Equality filters on identifying attributes (``data.sku=...``), answered from the
    ``record_keys`` index; the query compiler scans the JSON for every other filter."""
    wanted: dict[str, list[str]] = {}
    for name, value in params:
        attribute = name.removeprefix("data.")
        if name.startswith("data.") and attribute in INDEXED_KEYS.get(sync_type, ()):
            wanted.setdefault(attribute, []).append(key_text(value))
    conditions: list[ColumnElement[bool]] = [
        MasterRecord.cresco_id.in_(
            select(RecordKey.cresco_id).where(
                RecordKey.name == attribute, RecordKey.value.in_(values)
            )
        )
        for attribute, values in wanted.items()
    ]
    return frozenset(f"data.{a}" for a in wanted), conditions


def _sync_type(user: Principal, sync_type: str) -> str:
    if sync_type not in SYNC_TYPES:
        raise NotFound(f"No route /{sync_type}.", field="path")
    if not user.reaches_sync(sync_type):
        raise NotFound(f"Your user has no access to {sync_type}.", field="syncType")
    return sync_type


def visible_record(
    session: SessionDep, user: Principal, sync_type: str, cresco_id: str
) -> MasterRecord:
    record = session.get(MasterRecord, cresco_id)
    if (
        record is None
        or record.sync_type != sync_type
        or not user.sees(agency_id=record.agency_id, company_id=record.company_id)
    ):
        raise NotFound(f"No {sync_type} record {cresco_id}.", field="crescoId")
    return record


@router.get("/schemas/{syncType}", summary="The JSON Schema of a sync type's records")
def get_schema(syncType: str, user: CurrentUser) -> dict[str, Any]:
    return json_schema(_sync_type(user, syncType))


def _list(sync_type: str, request: Request, session: SessionDep, user: Principal) -> JSONResponse:
    sync_type = _sync_type(user, sync_type)
    params = request.query_params.multi_items()
    ignore, lookups = indexed_lookups(sync_type, params)
    where = [
        MasterRecord.sync_type == sync_type,
        *lookups,
        *tenancy(user, MasterRecord.agency_id, MasterRecord.company_id),
    ]
    if not any(name == "deleted" or name.startswith("deleted__") for name, _ in params):
        where.append(MasterRecord.deleted.is_(False))
    return list_response(
        session, record_listing(ignore), select(MasterRecord), request, describe, where
    )


@router.get("/orders", summary="List Cresco orders")
def list_orders(request: Request, session: SessionDep, user: CurrentUser) -> JSONResponse:
    return _list("orders", request, session, user)


@router.get("/products", summary="List Cresco products")
def list_products(request: Request, session: SessionDep, user: CurrentUser) -> JSONResponse:
    return _list("products", request, session, user)


@router.get("/{syncType}", summary="List cresco master sync records")
def list_records(
    syncType: str, request: Request, session: SessionDep, user: CurrentUser
) -> JSONResponse:
    return _list(syncType, request, session, user)


@router.get("/{syncType}/{crescoId}", summary="Get a cresco master sync record")
def get_record(
    syncType: str, crescoId: str, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    return describe(visible_record(session, user, _sync_type(user, syncType), crescoId))


def describe_version(version: MasterVersion) -> dict[str, Any]:
    return {
        "crescoId": version.cresco_id,
        "version": version.version,
        "requestId": version.request_id,
        "objectId": version.object_id,
        "updatedAt": iso(version.at),
        "deleted": version.deleted,
        "data": version.data,
    }


@router.get(
    "/{syncType}/{crescoId}/history",
    summary="Get the change history of a cresco master sync record",
)
def record_history(
    syncType: str, crescoId: str, request: Request, session: SessionDep, user: CurrentUser
) -> JSONResponse:
    record = visible_record(session, user, _sync_type(user, syncType), crescoId)
    listing = Listing(
        name="record-history",
        fields={
            "version": Field(MasterVersion.version),
            "requestId": Field(MasterVersion.request_id),
            "objectId": Field(MasterVersion.object_id),
            "deleted": Field(MasterVersion.deleted),
            "updatedAt": Field(MasterVersion.at),
        },
        json_fields={"data": JsonField(MasterVersion.data, each=True)},
        key=MasterVersion.id,
        default_sort="version:desc",
    )
    return list_response(
        session,
        listing,
        select(MasterVersion),
        request,
        describe_version,
        [MasterVersion.cresco_id == record.cresco_id],
    )
