"""Tables of publishing: the outbox of publish jobs, the links between master records and
their copies at each destination, and the channel request payloads sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crossdock.store.base import JSONType, UTCDateTime, utcnow
from crossdock.store.tables import Base


class PublishJob(Base):
    """One version of one master record to bring to one destination.

    Written in the same transaction as the record version that caused it (an outbox), so no
    accepted change is lost. ``pending`` jobs wait for ``next_attempt_at``; a worker marks the
    ones it takes ``sending`` (with ``claimed_at``, and ``claimed_by``, the queue job that took
    them, so a worker known to be gone hands them back at once) while it talks to the
    destination, then
    ``done``, ``failed`` (parked with its error until a user retries it), ``skipped`` (nothing
    to do) or ``superseded`` (a newer version of the record took its place).
    """

    __tablename__ = "publish_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    integration_id: Mapped[str] = mapped_column(String(64))
    cresco_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    sync_type: Mapped[str] = mapped_column(String(64))
    company_id: Mapped[str] = mapped_column(String(64))
    agency_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    # The vendor bodies of a create whose answer was lost (it may have landed under the job's
    # idempotency key): sent again as they were, not as today's templates would make them.
    sent_bodies: Mapped[Any] = mapped_column(JSONType, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_publish_jobs_due", "status", "next_attempt_at", "id"),
        Index("ix_publish_jobs_record", "integration_id", "cresco_id", "id"),
    )


class DestinationLink(Base):
    """Which record at a destination a master record became, and the last version sent."""

    __tablename__ = "destination_links"

    integration_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    cresco_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(500))
    sent_version: Mapped[int] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChannelPayload(Base):
    """A request payload Crossdock sent (or stored, for ``api`` destinations) to a channel;
    ``current`` marks the latest one of each record at each destination."""

    __tablename__ = "channel_payloads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    integration_id: Mapped[str] = mapped_column(String(64))
    cresco_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    company_id: Mapped[str] = mapped_column(String(64))
    agency_id: Mapped[str] = mapped_column(String(64))
    sync_type: Mapped[str] = mapped_column(String(64))
    system_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    payload: Mapped[Any] = mapped_column(JSONType, nullable=True)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_channel_payloads_record", "integration_id", "cresco_id", "id"),
        Index("ix_channel_payloads_current", "current", "company_id", "at"),
    )
