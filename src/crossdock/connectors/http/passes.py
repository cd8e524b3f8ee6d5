"""Incremental reads in passes, for listings that records move in while they are read.

A listing paged by number, offset or token shifts when records change during the read, and a
record changed behind the reader is not seen by that read. A run therefore reads in passes:

1. the main pass: every record changed since the checkpoint (all of them on the first run);
2. catch-up passes: what changed since the previous pass began, which is every record changed
   during it, each emitted again only in a newer version than the one already emitted
   (``Versions``). Passes repeat until one emits nothing, or comes whole in one answer, at
   most ``catch_up_passes`` times.

The checkpoint after the last page is when the last pass began, on the vendor's clock less a
skew. Mid-run pages carry a ``resume`` position (``pass``, ``since``, ``began``, the pass's
position under a key the stream names, and any state of its own) so that an interrupted run
continues where it stopped. ``read_in_passes`` runs the passes; the stream reads one pass.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from crossdock.connectors.http.streams import Checkpoint, Page, Record
from crossdock.errors import CrossdockError

P = TypeVar("P")
V = TypeVar("V", str, float)


@dataclass
class Pass(Generic[P]):
    """One pass: its number (0 is the main pass), the ``since`` filter it reads with, when it
    began (records changed at or after ``began`` are "recent") and where it starts (``at``:
    a page number, an offset, a cursor...).

    ``began`` is None until settled: a main pass learns the vendor's clock from its own first
    answer (``settle``), and ``started_at`` keeps the local moment it started.
    """

    number: int
    since: str | None
    began: str | None
    started_at: float
    at: P

    @property
    def main(self) -> bool:
        return self.number == 0

    def settle(self, began: Callable[[float], str]) -> str:
        """``began``, settled now from ``started_at`` if it was not already."""
        if self.began is None:
            self.began = began(self.started_at)
        return self.began


@dataclass(frozen=True)
class PassPage(Generic[P]):
    """One page of a pass: the records to emit, where to resume after it (None after the
    pass's last page), problems noticed, and whether the whole pass came in this one answer
    (a consistent snapshot, which needs no catch-up)."""

    records: list[Record]
    next: P | None
    problems: tuple[CrossdockError, ...] = ()
    snapshot: bool = False


ReadPass = Callable[[Pass[P]], AsyncIterator[PassPage[P]]]


async def read_in_passes(
    since: Checkpoint | None,
    read: ReadPass[P],
    *,
    at: str,
    start: P,
    parse: Callable[[Any], P],
    clock: Callable[[], float],
    catch_up_passes: int,
    began: Callable[[float], str | None] = lambda local: None,
    state: Callable[[Pass[P]], Mapping[str, Any]] = lambda current: {},
) -> AsyncGenerator[Page, None]:
    """Every record changed since ``since``, pass after pass, as pages with checkpoints.

    ``read`` reads one pass. ``at`` is the resume key of a pass's position, ``start`` where a
    new pass starts and ``parse`` the position as stored in a resume position. ``began`` is when
    a catch-up pass starting at a local moment began, on the vendor's clock less the skew (None
    leaves it to ``read`` to settle from its first answer). ``state`` is more of the stream's
    own to keep in a resume position.
    """
    since = since or Checkpoint()
    resume = since.resume
    if resume:
        current = Pass(
            number=int(resume["pass"]),
            since=resume.get("since"),
            began=resume.get("began"),
            started_at=clock(),
            at=parse(resume.get(at)),
        )
    else:
        current = Pass(
            number=0, since=since.updated_since, began=None, started_at=clock(), at=start
        )

    def position(current: Pass[P], where: P) -> Checkpoint:
        resume: dict[str, Any] = {
            "pass": current.number,
            "since": current.since,
            "began": current.began,
            at: where,
            **state(current),
        }
        return Checkpoint(updated_since=since.updated_since, resume=resume)

    while True:
        emitted = 0
        async for page in read(current):
            emitted += len(page.records)
            if page.next is not None:
                yield Page(page.records, position(current, page.next), page.problems)
                continue
            # The pass's last page: either another pass follows, or the run is done.
            done = current.number > 0 and emitted == 0
            done = done or current.number >= catch_up_passes or page.snapshot
            if done:
                yield Page(page.records, Checkpoint(updated_since=current.began), page.problems)
                return
            now = clock()
            following = Pass(current.number + 1, current.began, began(now), now, start)
            yield Page(page.records, position(following, start), page.problems)
            current = following


@dataclass
class Versions(Generic[V]):
    """The version emitted of each record changed during the run (its ``updatedAt`` or the
    like), so that a catch-up pass emits a record again only in a newer version."""

    emitted: dict[object, V] = field(default_factory=dict)

    def admit(self, record_id: object, version: V, *, main: bool, began: V) -> bool:
        """Whether to emit a record: in the main pass yes (remembering the version if it
        changed since the pass began: a catch-up will meet it again), in a catch-up pass only
        in a newer version."""
        if main:
            if version >= began:
                self.emitted[record_id] = version
            return True
        return self.newer(record_id, version)

    def newer(self, record_id: object, version: V) -> bool:
        """Whether ``version`` is not the one emitted; remembered as emitted if so."""
        if self.emitted.get(record_id) == version:
            return False
        self.emitted[record_id] = version
        return True
