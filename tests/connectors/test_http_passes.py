"""Reads in passes (``read_in_passes``) over a listing in memory, and the newer-version rule
(``Versions``); the vendors' streams test the same over their sandboxes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import partial
from typing import Any

import pytest

from crossdock.connectors.http import (
    Checkpoint,
    Page,
    Pass,
    PassPage,
    Record,
    Versions,
    read_in_passes,
)

pytestmark = pytest.mark.anyio


class Listing:
    """Pages of records per pass number, read from a page number; the clock ticks per call."""

    def __init__(self, passes: list[list[list[Record]]], *, snapshot: bool = False) -> None:
        self.passes = passes
        self.snapshot = snapshot
        self.read: list[tuple[int, str | None, str | None, int]] = []
        self.ticks: Iterator[float] = iter(range(100, 200))

    def clock(self) -> float:
        return float(next(self.ticks))

    async def pass_pages(self, current: Pass[int]) -> AsyncIterator[PassPage[int]]:
        current.settle(lambda local: f"began@{local:.0f}")
        self.read.append((current.number, current.since, current.began, current.at))
        pages = self.passes[min(current.number, len(self.passes) - 1)]
        for number in range(current.at, len(pages) + 1):
            following = number + 1 if number < len(pages) else None
            yield PassPage(pages[number - 1], following, snapshot=self.snapshot)


def run(listing: Listing, since: Checkpoint | None, **options: Any) -> AsyncIterator[Page]:
    return read_in_passes(
        since,
        listing.pass_pages,
        at="page",
        start=1,
        parse=int,
        clock=listing.clock,
        catch_up_passes=options.pop("catch_up_passes", 3),
        began=lambda local: f"began@{local:.0f}",
        **options,
    )


async def test_catch_up_passes_follow_until_one_emits_nothing() -> None:
    listing = Listing([[[{"id": 1}], [{"id": 2}]], [[{"id": 2}]], [[]]])
    pages = [page async for page in run(listing, Checkpoint(updated_since="t0"))]
    assert [[r["id"] for r in page.records] for page in pages] == [[1], [2], [2], []]
    assert listing.read == [
        (0, "t0", "began@100", 1),
        (1, "began@100", "began@101", 1),
        (2, "began@101", "began@102", 1),
    ]
    assert pages[0].checkpoint == Checkpoint(
        updated_since="t0", resume={"pass": 0, "since": "t0", "began": "began@100", "page": 2}
    )
    assert pages[1].checkpoint == Checkpoint(
        updated_since="t0",
        resume={"pass": 1, "since": "began@100", "began": "began@101", "page": 1},
    )
    assert pages[-1].checkpoint == Checkpoint(updated_since="began@102")


async def test_at_most_catch_up_passes_and_a_snapshot_needs_none() -> None:
    listing = Listing([[[{"id": 1}]]])
    pages = [page async for page in run(listing, None, catch_up_passes=2)]
    assert [current for current, *_ in listing.read] == [0, 1, 2]
    assert pages[-1].checkpoint == Checkpoint(updated_since="began@102")

    listing = Listing([[[{"id": 1}]]], snapshot=True)
    pages = [page async for page in run(listing, None)]
    assert [current for current, *_ in listing.read] == [0]
    assert pages[-1].checkpoint == Checkpoint(updated_since="began@100")


async def test_a_resumed_run_continues_its_pass_with_the_streams_state() -> None:
    listing = Listing([[[{"id": 1}], [{"id": 2}], [{"id": 3}]], [[]]])
    resume = {"pass": 0, "since": None, "began": "began@50", "page": 3, "extra": "x"}
    pages = run(listing, Checkpoint(resume=resume), state=lambda current: {"extra": "y"})
    records = [[r["id"] for r in page.records] async for page in pages]
    assert records == [[3], []]
    assert listing.read[0] == (0, None, "began@50", 3)
    assert listing.read[1][:2] == (1, "began@50")


def test_a_catch_up_emits_a_record_again_only_in_a_newer_version() -> None:
    versions: Versions[str] = Versions()
    admit = partial(versions.admit, began="2024-05")
    assert admit("a", "2024-04", main=True)  # settled before the run: not remembered
    assert admit("b", "2024-05", main=True)
    assert admit("a", "2024-04", main=False)
    assert not admit("b", "2024-05", main=False)
    assert admit("b", "2024-06", main=False)
    assert not versions.newer("b", "2024-06")
    assert versions.newer("c", "2024-06")
