"""Dashboard metrics (saved definitions, not values) and uploaded images: their tables and the
metrics' listing.

A metric belongs to an agency, or to one company of an agency (``company_id`` set); an image
always belongs to one company. Neither references ``companies`` by a foreign key, so deleting a
company is never blocked by its dashboards or images.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from crossdock.store.base import JSONType, UTCDateTime, utcnow
from crossdock.store.query import Field, JsonField, Listing
from crossdock.store.tables import Base

METRIC_TYPES = ("event", "state", "billing")


class DashboardMetric(Base):
    """A saved dashboard metric: what to query (event, state or billing) and how to show it."""

    __tablename__ = "dashboard_metrics"

    metric_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    company_id: Mapped[str | None] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(500))
    metric_type: Mapped[str] = mapped_column(String(16))
    group_name: Mapped[str | None] = mapped_column(String(500))
    event_group: Mapped[str | None] = mapped_column(String(200))
    event_action: Mapped[str | None] = mapped_column(String(200))
    event_tracker: Mapped[str | None] = mapped_column(String(200))
    event_query_params: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    range: Mapped[str | None] = mapped_column(String(100))
    state_api: Mapped[str | None] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(320), index=True)
    view_format: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Image(Base):
    """An uploaded image's bytes, with the type sniffed from them and its owner."""

    __tablename__ = "images"

    image_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    company_id: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_by: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def metrics() -> Listing:
    return Listing(
        name="metrics",
        fields={
            "metricId": Field(DashboardMetric.metric_id),
            "agencyId": Field(DashboardMetric.agency_id),
            "companyId": Field(DashboardMetric.company_id),
            "name": Field(DashboardMetric.name),
            "metricType": Field(DashboardMetric.metric_type),
            "groupName": Field(DashboardMetric.group_name),
            "eventGroup": Field(DashboardMetric.event_group),
            "eventAction": Field(DashboardMetric.event_action),
            "eventTracker": Field(DashboardMetric.event_tracker),
            "range": Field(DashboardMetric.range),
            "stateApi": Field(DashboardMetric.state_api),
            "username": Field(DashboardMetric.username),
            "viewFormat": Field(DashboardMetric.view_format),
            "createdAt": Field(DashboardMetric.created_at),
            "updatedAt": Field(DashboardMetric.updated_at),
        },
        json_fields={"eventQueryParams": JsonField(DashboardMetric.event_query_params)},
        key=DashboardMetric.metric_id,
        default_sort="createdAt:asc",
    )
