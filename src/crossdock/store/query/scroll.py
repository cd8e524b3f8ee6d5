"""Scroll cursors: a server-side position behind one token that stays the same on every page.

Keyset tokens already walk any depth; a scroll is kept because the API promises that with
``scroll`` the ``x-cresco-page`` value never changes, and that it expires after ``scroll``
minutes without use.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Connection, String, Table, delete, insert, select, update
from sqlalchemy.orm import Session

from crossdock.store.base import JSONType, UTCDateTime, metadata
from crossdock.store.query.declare import QueryError

scroll_cursors = Table(
    "scroll_cursors",
    metadata,
    Column("id", String(64), primary_key=True),
    # The filters and sort the scroll was opened for (see parse._fingerprint).
    Column("fingerprint", String(64), nullable=False),
    # {"after": [sort value, key] | null, "minutes": N}
    Column("position", JSONType, nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False, index=True),
)

Executor = Connection | Session


@dataclass(frozen=True)
class ScrollCursor:
    id: str
    after: list[Any] | None
    minutes: int


def open_cursor(
    conn: Executor, fingerprint: str, minutes: int, after: list[Any], now: datetime
) -> ScrollCursor:
    # Sweep expired scrolls whenever a new one opens, so the table stays small without a job.
    conn.execute(delete(scroll_cursors).where(scroll_cursors.c.expires_at <= now))
    cursor = ScrollCursor(id=secrets.token_urlsafe(24), after=after, minutes=minutes)
    conn.execute(
        insert(scroll_cursors).values(
            id=cursor.id,
            fingerprint=fingerprint,
            position={"after": after, "minutes": minutes},
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    return cursor


def load_cursor(conn: Executor, cursor_id: Any, fingerprint: str, now: datetime) -> ScrollCursor:
    """The live cursor ``cursor_id``, locked until the caller's transaction ends."""
    if not isinstance(cursor_id, str):
        raise QueryError("page", "is not a scroll token")
    row = conn.execute(
        select(scroll_cursors).where(scroll_cursors.c.id == cursor_id).with_for_update()
    ).first()
    if row is None or row.expires_at <= now:
        raise QueryError("page", "the scroll has expired or is unknown; start again without page")
    if row.fingerprint != fingerprint:
        raise QueryError(
            "page", "was issued for different filters or sort; keep them the same while paging"
        )
    position = row.position
    return ScrollCursor(id=row.id, after=position.get("after"), minutes=int(position["minutes"]))


def advance(
    conn: Executor, cursor: ScrollCursor, after: list[Any], minutes: int, now: datetime
) -> None:
    """Move the cursor past this page and keep it alive ``minutes`` more."""
    conn.execute(
        update(scroll_cursors)
        .where(scroll_cursors.c.id == cursor.id)
        .values(
            position={"after": after, "minutes": minutes},
            expires_at=now + timedelta(minutes=minutes),
        )
    )


def close_cursor(conn: Executor, cursor: ScrollCursor) -> None:
    conn.execute(delete(scroll_cursors).where(scroll_cursors.c.id == cursor.id))
