"""The seam between the API and whatever runs background jobs."""

from __future__ import annotations

from typing import Literal, Protocol

JobKind = Literal["ingest", "publish", "pull"]


class JobQueue(Protocol):
    """Told, after a commit, that work of a kind is waiting; it need not run it at once."""

    async def announce(self, kind: JobKind) -> None: ...
