"""Custom Trades records read incrementally (``updated_since``), soft deletes included as
tombstones (``include_deleted=true``), with none lost and none repeated while the company's
records change during the read.

Every list is ordered newest-updated first and every write moves its record to the top, so a
record written between two page requests pushes the records after it down one place: the next
page repeats one, and the record written is above the read position, not read. Nothing ever
moves up (deletes are writes too, with ``include_deleted``), so nothing is skipped. A run reads
in passes, like the CRO stream:

1. the main pass: every record changed since the checkpoint (all of them on the first run);
2. catch-up passes: what changed since the previous pass began, which is every record written
   during it. Passes repeat until one emits nothing, or was read in a single answer (a
   consistent snapshot), at most ``catch_up_passes`` times. A run whose main pass is a single
   page (an incremental run with little to read) costs one request.

Repeats are dropped without an id set, so memory stays flat however many records there are.
Records stamped before the run began ("settled") cannot move during it, so in the main pass
they come in a fixed order, newest first: one already emitted is recognised by its
``updated_at`` being newer than the last one emitted (or equal, and among those emitted at that
instant). Records written since the run began are remembered by uuid and version, which costs
only as much as the writes during the run. A page whose records are not in that order stops
the read (``PagingError``) rather than risk dropping records on a wrong assumption.

The checkpoint after the last page is the moment the last pass began, on the vendor's clock
less ``skew``; mid-run pages carry a ``resume`` position so an interrupted run continues where
it stopped (records around the interruption may then be read twice).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from crossdock.connectors.customtrades.client import (
    MAX_LIMIT,
    CustomTradesClient,
    ctc_paginator,
    ctc_time,
)
from crossdock.connectors.customtrades.errors import VENDOR
from crossdock.connectors.customtrades.resources import JOB_PHOTOS, listed
from crossdock.connectors.http import (
    Checkpoint,
    Page,
    PagingError,
    Pass,
    PassPage,
    Record,
    Stream,
    Versions,
    read_in_passes,
)
from crossdock.errors import FixRequest, GiveUp, NotFound

MAX_RESUMED_TIES = 100  # records stamped in the same millisecond kept in a resume position
PHOTO_BATCH = 500  # photos gathered from several jobs before a page is handed over


def stamp_of(value: object) -> int | None:
    """``updated_at`` as epoch milliseconds (None when missing or unreadable)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return int(moment.timestamp() * 1000) if moment.tzinfo else None


@dataclass
class _Order:
    """Which settled records the main pass has emitted, by their place in the order: the
    ``updated_at`` of the last one (ms) and the uuids emitted at exactly that instant."""

    after: int | None = None
    ties: set[str] = field(default_factory=set)

    def fresh(self, uuid: str, stamp: int) -> bool:
        if self.after is None or stamp < self.after:
            self.after = stamp
            self.ties = {uuid}
            return True
        if stamp == self.after and uuid not in self.ties:
            self.ties.add(uuid)
            return True
        return False  # newer than the last one emitted: emitted already, shifted down since

    def to_json(self) -> dict[str, Any]:
        if self.after is None or len(self.ties) > MAX_RESUMED_TIES:
            return {}  # a resumed read then repeats some records rather than lose any
        return {"after": self.after, "ties": sorted(self.ties)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Order:
        after = data.get("after")
        ties: Iterable[str] = data.get("ties") or ()
        return cls(after if isinstance(after, int) else None, set(ties))


@dataclass
class _Run:
    """What a run remembers across its passes."""

    first_began: str | None  # the main pass's began: records stamped since are "recent"
    order: _Order
    recent: Versions[float] = field(default_factory=Versions)  # uuid -> updated_at (ms) emitted

    @property
    def recent_from(self) -> int | None:
        return stamp_of(self.first_began)

    @classmethod
    def resumed(cls, resume: dict[str, Any]) -> _Run:
        if not resume:
            return cls(None, _Order())
        return cls(str(resume.get("first_began") or resume["began"]), _Order.from_json(resume))

    def state(self, current: Pass[int]) -> dict[str, Any]:
        """What a resume position keeps of the run, besides the pass's own position."""
        state: dict[str, Any] = {"first_began": self.first_began}
        if current.main:
            state.update(self.order.to_json())
        return state


class ResourceStream:
    """One listed resource (customers, locations, jobs, estimates, invoices, payments).

    ``page_size`` is the records per request (the vendor serves at most 100). ``skew`` is
    subtracted from every "since" moment so records stamped by a vendor clock slightly behind
    ours are read again rather than missed.

    The stream takes no list filters (``status``, ``search``...) and always asks for deleted
    records: a record leaving a filtered list, or a live-only one, during the read would move
    the records after it up a place, and one of them would be skipped.
    """

    def __init__(
        self,
        client: CustomTradesClient,
        resource: str,
        *,
        page_size: int = MAX_LIMIT,
        skew: float = 5.0,
        catch_up_passes: int = 3,
    ) -> None:
        if not 1 <= page_size <= MAX_LIMIT:
            raise FixRequest(f"page_size must be between 1 and {MAX_LIMIT}")
        self.resource = listed(resource)
        self.name = self.resource.name
        self.client = client
        self.page_size = page_size
        self.skew = skew
        self.catch_up_passes = catch_up_passes

    def _began(self, local: float) -> str:
        return ctc_time(local - self.client.server_clock.behind - self.skew)

    def pages(self, since: Checkpoint | None) -> AsyncIterator[Page]:
        run = _Run.resumed(dict(since.resume) if since else {})
        return read_in_passes(
            since,
            partial(self._read, run=run),
            at="page",
            start=1,
            parse=int,
            clock=self.client.server_clock.clock,
            catch_up_passes=self.catch_up_passes,
            began=self._began,
            state=run.state,
        )

    async def _read(self, current: Pass[int], *, run: _Run) -> AsyncIterator[PassPage[int]]:
        """Each page's records to emit and the page to resume at (None after the last)."""
        params = {"include_deleted": "true"}
        if current.since is not None:
            params["updated_since"] = current.since
        paginator = ctc_paginator(self.page_size, start_page=current.at)
        path = self.resource.path
        async for raw in self.client.api.pages(
            path, paginator, records=f"data.{self.resource.records}", params=params
        ):
            # The vendor's clock is known from this first answer.
            began = current.settle(self._began)
            if run.first_began is None:
                run.first_began = began
            recent_from = run.recent_from
            fresh: list[Record] = []
            newest: int | None = None
            for row in raw.records:
                uuid, stamp = _identify(row, path)
                if stamp is not None:
                    if newest is not None and stamp > newest:
                        raise PagingError(
                            f"{VENDOR}: {path} page {raw.number} is not ordered newest-updated "
                            "first; the stream's de-duplication relies on that order"
                        )
                    newest = stamp
                if stamp is None or recent_from is None or stamp >= recent_from:
                    # Written since the run began (or unstamped): remembered by version.
                    if not run.recent.newer(uuid, -1 if stamp is None else stamp):
                        continue
                elif not run.order.fresh(uuid, stamp):
                    continue
                fresh.append(row)
            following = raw.following
            next_page = None if following is None else int(following.params["page"])
            # A pass read in one answer from its first page is a consistent snapshot.
            snapshot = raw.number == 1 and current.at == 1
            yield PassPage(fresh, next_page, raw.problems, snapshot=snapshot)


def _identify(row: Any, path: str) -> tuple[str, int | None]:
    if not isinstance(row, dict) or not isinstance(row.get("uuid"), str):
        raise GiveUp(f"{VENDOR}: a record of {path} has no uuid")
    return row["uuid"], stamp_of(row.get("updated_at"))


class JobPhotosStream:
    """Every job's photos: Custom Trades lists photos per job only (``/jobs/{uuid}/photos``).

    A run walks every live job (the jobs stream, in full: photos do not change their job's
    ``updated_at``) and reads each one's photos changed since the checkpoint, tombstones
    included. That is one request per job, at least, whatever changed: against the monthly
    allowance (50,000 requests by default) read photos less often than other resources.
    Photos of deleted jobs are not listed by the vendor, so they are not read.

    The checkpoint is the moment the run began: a photo added during the run to a job already
    walked is read by the next run. Pages carry the photos of one jobs page (or of
    ``PHOTO_BATCH`` photos, whichever comes first).
    """

    name = JOB_PHOTOS.name

    def __init__(
        self,
        client: CustomTradesClient,
        *,
        page_size: int = MAX_LIMIT,
        skew: float = 5.0,
    ) -> None:
        if not 1 <= page_size <= MAX_LIMIT:
            raise FixRequest(f"page_size must be between 1 and {MAX_LIMIT}")
        self.client = client
        self.page_size = page_size
        self.skew = skew

    async def pages(self, since: Checkpoint | None) -> AsyncIterator[Page]:
        since = since or Checkpoint()
        server_clock = self.client.server_clock
        resume = dict(since.resume)
        began: str | None = resume.get("began")
        at = Checkpoint.from_json(resume.get("jobs"))  # where the current jobs page started
        started_at = server_clock.clock()
        jobs = ResourceStream(self.client, "jobs", page_size=self.page_size, skew=self.skew)
        walked: set[str] = set()  # jobs whose photos were read: jobs come again when updated
        batch: list[Record] = []

        def position(jobs_at: Checkpoint | None) -> Checkpoint:
            assert began is not None
            state = {"began": began, "jobs": None if jobs_at is None else jobs_at.to_json()}
            return Checkpoint(since.updated_since, resume=state)

        async for jobs_page in jobs.pages(at):
            if began is None:  # the vendor's clock is known from the first answer
                began = ctc_time(started_at - server_clock.behind - self.skew)
            for job in jobs_page.records:
                uuid = str(job["uuid"])
                if job.get("deleted_at") is not None or uuid in walked:
                    continue
                walked.add(uuid)
                async for photos in self._photos(uuid, since.updated_since):
                    batch += photos
                    if len(batch) >= PHOTO_BATCH:
                        yield Page(batch, position(at))
                        batch = []
            if jobs_page.checkpoint.resume:
                at = jobs_page.checkpoint
                yield Page(batch, position(at), jobs_page.problems)
            else:
                yield Page(batch, Checkpoint(updated_since=began), jobs_page.problems)
            batch = []

    async def _photos(self, job_uuid: str, since: str | None) -> AsyncIterator[list[Record]]:
        """One job's photos changed since ``since``, a page at a time, each photo once."""
        params = {"include_deleted": "true"}
        if since is not None:
            params["updated_since"] = since
        path = JOB_PHOTOS.path.format(job_uuid=job_uuid)
        seen: set[str] = set()
        try:
            async for raw in self.client.api.pages(
                path, ctc_paginator(self.page_size), records="data.photos", params=params
            ):
                fresh = []
                for photo in raw.records:
                    uuid, _ = _identify(photo, path)
                    if uuid not in seen:
                        seen.add(uuid)
                        fresh.append(photo)
                yield fresh
        except NotFound as missing:
            if "job not found" not in missing.detail.casefold():
                raise
            # The job was deleted while the run walked the jobs: its photos are not listed.


class CompanyStream:
    """``GET /companies/me``: the key's company, one record, read whole every run."""

    name = "companies"

    def __init__(self, client: CustomTradesClient) -> None:
        self.client = client

    async def pages(self, since: Checkpoint | None) -> AsyncIterator[Page]:
        yield Page([await self.client.company()], Checkpoint())


def stream(client: CustomTradesClient, name: str, **options: Any) -> Stream:
    """The stream of one resource by name (``customers``, ``job_photos``, ``companies``...)."""
    if name == JOB_PHOTOS.name:
        return JobPhotosStream(client, **options)
    if name == CompanyStream.name:
        return CompanyStream(client, **options)
    return ResourceStream(client, name, **options)
