"""Tables of the record pipeline: accepted batches and their items, master records, their
versions, and the lookup keys that make ``data.<key>=value`` queries index-served."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crossdock.store.base import JSONType, UTCDateTime, utcnow
from crossdock.store.tables import Base


class IngestRequest(Base):
    """One ``POST /streams_batch`` call, committed before the answer is sent."""

    __tablename__ = "ingest_requests"

    request_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    integration_id: Mapped[str] = mapped_column(String(64), index=True)
    company_id: Mapped[str] = mapped_column(String(64))
    agency_id: Mapped[str] = mapped_column(String(64))
    sync_type: Mapped[str] = mapped_column(String(64))
    system_id: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str | None] = mapped_column(String(320))
    item_count: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IngestItem(Base):
    """One item of a batch: waits as ``pending`` until the worker validates and merges it.

    Outcomes: ``created``, ``updated``, ``deleted``, ``unchanged`` (an identical re-send), or
    ``rejected`` with field-level ``errors``.
    """

    __tablename__ = "ingest_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("ingest_requests.request_id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    integration_id: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(500))
    group_id: Mapped[str | None] = mapped_column(String(500))
    merge: Mapped[bool] = mapped_column(Boolean, default=False)
    record: Mapped[Any] = mapped_column(JSONType, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    errors: Mapped[list[dict[str, str]] | None] = mapped_column(JSONType)
    cresco_id: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int | None] = mapped_column(Integer)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_ingest_items_request", "request_id", "position"),
        Index("ix_ingest_items_status", "status", "id"),
    )


class MasterRecord(Base):
    """The current state of one record: a merchant's order, product, customer, ...

    ``record`` is the merged record as sent (nested, with ``variants``); ``data`` is the
    flattened form the API answers, one row per variant. ``parts`` keeps, for records combined
    by ``groupId``, each item's own contribution so a re-send replaces only its part.
    """

    __tablename__ = "master_records"

    cresco_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sync_type: Mapped[str] = mapped_column(String(64))
    company_id: Mapped[str] = mapped_column(String(64))
    agency_id: Mapped[str] = mapped_column(String(64))
    integration_id: Mapped[str] = mapped_column(String(64))
    system_id: Mapped[str] = mapped_column(String(64))
    object_key: Mapped[str] = mapped_column(String(520))
    object_id: Mapped[str] = mapped_column(String(500))
    request_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    record: Mapped[Any] = mapped_column(JSONType, nullable=True)
    parts: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    data: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    force_refreshed: Mapped[bool] = mapped_column(Boolean, default=False)
    force_refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_master_records_object", "integration_id", "object_key", unique=True),
        Index("ix_master_records_listing", "sync_type", "company_id", "updated_at", "cresco_id"),
        Index("ix_master_records_sync_updated", "sync_type", "updated_at", "cresco_id"),
    )


class MasterVersion(Base):
    """Every version of a master record, with the request that produced it."""

    __tablename__ = "master_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cresco_id: Mapped[str] = mapped_column(
        ForeignKey("master_records.cresco_id", ondelete="CASCADE")
    )
    version: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[str] = mapped_column(String(200))
    object_id: Mapped[str] = mapped_column(String(500))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_master_versions_record", "cresco_id", "version", unique=True),)


class RecordKey(Base):
    """Identifying values of a master record (``sku``, ``systemOrderNumber``, ...), so that
    equality filters on them are answered from an index instead of a scan of the JSON."""

    __tablename__ = "record_keys"

    cresco_id: Mapped[str] = mapped_column(
        ForeignKey("master_records.cresco_id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, primary_key=True)

    __table_args__ = (Index("ix_record_keys_lookup", "name", "value"),)


class SystemResult(Base):
    """What a system answered about a record: the hub's own verdict on each item a source sent
    (``direction = "source"``), and, with publishing, each destination's response."""

    __tablename__ = "system_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cresco_id: Mapped[str | None] = mapped_column(String(64))
    integration_id: Mapped[str] = mapped_column(String(64))
    company_id: Mapped[str] = mapped_column(String(64))
    agency_id: Mapped[str] = mapped_column(String(64))
    sync_type: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(200))
    object_id: Mapped[str] = mapped_column(String(500))
    direction: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    errors: Mapped[list[dict[str, str]] | None] = mapped_column(JSONType)
    response: Mapped[Any] = mapped_column(JSONType, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_system_results_record", "cresco_id", "integration_id", "id"),
        Index("ix_system_results_company", "company_id", "at"),
    )
