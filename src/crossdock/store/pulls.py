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
    pulling one integration at once, and ``runs`` fences them: a run whose lease was taken over
    stores nothing more. ``requested_at`` is an on-demand pull not yet started. ``failures``
    counts runs that failed in a row for a reason that may pass (a 429, a 5xx, a timeout), and
    ``retry_at`` is when such a run is tried again, before its schedule would. ``holder`` names
    the queue job running the pull, so a worker known to be gone gives its lease back at once.
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
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    holder: Mapped[str | None] = mapped_column(String(100))
