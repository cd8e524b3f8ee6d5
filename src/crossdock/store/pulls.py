"""Where each source integration's pulls stand: checkpoint, schedule, lease and last outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crossdock.store.base import JSONType, UTCDateTime
from crossdock.store.tables import Base


class PullState(Base):
    """One row per source integration that has been pulled or asked to be.

    ``checkpoint`` is the connector's own JSON, committed with the records of each page, so a
    pull that dies resumes after the last page it stored. ``lease_until`` keeps two workers from
    pulling one integration at once; ``requested_at`` is an on-demand pull not yet started.
    """

    __tablename__ = "pull_states"

    integration_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    checkpoint: Mapped[Any] = mapped_column(JSONType, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="idle")
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    runs: Mapped[int] = mapped_column(Integer, default=0)
    records_last_run: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
