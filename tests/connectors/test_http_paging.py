"""Paginators, one mechanism each, against small in-test vendors over a real transport: where
they stop, how they refuse to spin, and how they check the vendor's stated totals."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crossdock.connectors.http import (
    BodyCursorPaginator,
    HeaderTokenPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    Paginator,
    PagingCycle,
    PagingError,
    RawPage,
    RetryPolicy,
    TotalMismatch,
    VendorClient,
    build_http_client,
    header,
    http_error,
)

pytestmark = pytest.mark.anyio


class Vendor:
    """One listing endpoint at ``/items`` answering from ``handler``; requests are kept."""

    def __init__(self, handler: Callable[[Request, dict[str, Any]], Response]) -> None:
        self.seen: list[dict[str, Any]] = []

        async def items(request: Request) -> Response:
            body = json.loads(await request.body() or b"null")
            sent = {"query": dict(request.query_params), "json": body}
            self.seen.append(sent)
            return handler(request, sent)

        self.app = Starlette(routes=[Route("/items", items, methods=["GET", "POST"])])

    async def read(self, paginator: Paginator, records: str, **options: Any) -> list[RawPage]:
        http = build_http_client("http://vendor.test", transport=httpx.ASGITransport(self.app))
        vendor = VendorClient(
            http,
            vendor="Vendor",
            errors=lambda r: http_error("Vendor", r, "refused"),
            retry=RetryPolicy(attempts=1),
        )
        async with vendor:
            return [
                page async for page in vendor.pages("/items", paginator, records=records, **options)
            ]


def numbered(
    count: int, *, cap: int | None = None, echo: Callable[[int], int] = lambda page: page
) -> Vendor:
    """Page-number paging over ``count`` items; ``cap`` silently limits the page size."""

    def handler(request: Request, sent: dict[str, Any]) -> Response:
        page = int(sent["query"].get("page", 1))
        size = min(int(sent["query"]["limit"]), cap or 10**9)
        rows = [{"id": i} for i in range((page - 1) * size, min(page * size, count))]
        body = {"page": echo(page), "limit": size, "items": rows, "total": count}
        body["total_pages"] = -(-count // size)
        return JSONResponse(body)

    return Vendor(handler)


def ids(pages: list[RawPage]) -> list[int]:
    return [r["id"] for page in pages for r in page.records]


async def test_page_numbers_stop_at_a_short_page() -> None:
    vendor = numbered(25)
    pages = await vendor.read(PageNumberPaginator(size=10, total="total"), "items")
    assert ids(pages) == list(range(25))
    assert [p.sent.params["page"] for p in pages] == [1, 2, 3]
    assert pages[-1].following is None
    assert pages[0].following is not None


async def test_page_numbers_on_a_full_last_page_ask_once_more_unless_told_the_pages() -> None:
    vendor = numbered(20)
    assert len(await vendor.read(PageNumberPaginator(size=10), "items")) == 3
    told = PageNumberPaginator(size=10, total_pages="total_pages")
    assert len(await vendor.read(told, "items")) == 2


async def test_page_numbers_follow_the_size_the_vendor_serves() -> None:
    vendor = numbered(23, cap=5)
    pages = await vendor.read(PageNumberPaginator(size=10, size_echo="limit"), "items")
    assert ids(pages) == list(range(23))


async def test_page_numbers_refuse_a_vendor_that_answers_another_page() -> None:
    vendor = numbered(100, echo=lambda page: min(page, 2))  # clamps to its "last" page
    with pytest.raises(PagingCycle, match="asked for page 3 but the vendor answered page 2"):
        await vendor.read(PageNumberPaginator(size=10, page_echo="page"), "items")


async def test_a_vendor_ignoring_the_page_parameter_is_a_cycle() -> None:
    vendor = numbered(100)
    with pytest.raises(PagingCycle, match="repeats an earlier page"):
        await vendor.read(PageNumberPaginator(page_param="p", size=10), "items")


async def test_page_numbers_stop_at_the_last_page_the_vendor_serves() -> None:
    vendor = numbered(100)
    with pytest.raises(PagingError, match="serves pages up to 3"):
        await vendor.read(PageNumberPaginator(size=10, max_page=3), "items")


async def test_a_read_resumed_part_way_still_checks_the_total() -> None:
    vendor = numbered(25)
    pages = await vendor.read(PageNumberPaginator(size=10, start_page=2, total="total"), "items")
    assert ids(pages) == list(range(10, 25))


def miscounted(handler_total: int) -> Vendor:
    def handler(request: Request, sent: dict[str, Any]) -> Response:
        offset = int(sent["query"]["offset"])
        rows = [{"id": i} for i in range(offset, min(offset + 10, 15))]
        return JSONResponse({"data": {"rows": rows, "total_items": handler_total}})

    return Vendor(handler)


async def test_a_stated_total_that_disagrees_raises_or_is_reported() -> None:
    strict = OffsetPaginator(limit=10, total="data.total_items")
    with pytest.raises(TotalMismatch) as mismatch:
        await miscounted(16).read(strict, "data.rows")
    assert (mismatch.value.expected, mismatch.value.received) == (16, 15)
    lenient = OffsetPaginator(limit=10, total="data.total_items", strict_total=False)
    pages = await miscounted(16).read(lenient, "data.rows")
    assert ids(pages) == list(range(15))
    assert [type(p) for p in pages[-1].problems] == [TotalMismatch]
    assert pages[0].problems == ()


async def test_offsets_move_by_the_records_received_and_stop_at_the_total() -> None:
    def handler(request: Request, sent: dict[str, Any]) -> Response:
        offset, count = int(sent["query"]["offset"]), int(sent["query"]["count"])
        rows = [{"id": i} for i in range(offset, min(offset + count, 30))]
        return JSONResponse({"data": {"rows": rows, "total_items": 30}})

    vendor = Vendor(handler)
    paginator = OffsetPaginator(limit_param="count", limit=10, total="data.total_items")
    pages = await vendor.read(paginator, "data.rows")
    assert ids(pages) == list(range(30))
    assert [s["query"]["offset"] for s in vendor.seen] == ["0", "10", "20"]


def tokened(tokens: list[str | None], rows_per_page: int = 2, same_rows: bool = False) -> Vendor:
    """Pages answered in order; each carries the next token in ``x-next`` (None: no header)."""
    served = {"pages": 0}

    def handler(request: Request, sent: dict[str, Any]) -> Response:
        page = served["pages"]
        served["pages"] += 1
        start = 0 if same_rows else page * rows_per_page
        rows = [{"id": i} for i in range(start, start + rows_per_page)]
        token = tokens[page] if page < len(tokens) else None
        headers = {"x-next": token, "x-total": "6"} if token else {"x-total": "6"}
        return JSONResponse({"rows": rows}, headers=headers)

    return Vendor(handler)


async def test_header_tokens_are_followed_until_the_header_is_gone() -> None:
    vendor = tokened(["t1", "t2", None])
    paginator = HeaderTokenPaginator(header_name="x-next", param="page", total=header("x-total"))
    pages = await vendor.read(paginator, "rows", params={"limit": 2, "page": "stale"})
    assert ids(pages) == list(range(6))
    assert [s["query"].get("page") for s in vendor.seen] == [None, "t1", "t2"]
    assert all(s["query"]["limit"] == "2" for s in vendor.seen)


async def test_a_header_token_seen_before_is_a_cycle() -> None:
    vendor = tokened(["t1", "t2", "t1", "t2"])
    with pytest.raises(PagingCycle, match="already sent"):
        await vendor.read(HeaderTokenPaginator(header_name="x-next", param="page"), "rows")


async def test_a_scroll_token_may_repeat_but_a_repeated_page_may_not() -> None:
    scroll = HeaderTokenPaginator(header_name="x-next", param="page", token_repeats=True)
    pages = await tokened(["s", "s", None]).read(scroll, "rows")
    assert ids(pages) == list(range(6))
    stuck = HeaderTokenPaginator(header_name="x-next", param="page", token_repeats=True)
    with pytest.raises(PagingCycle, match="repeats an earlier page"):
        await tokened(["s"] * 5, same_rows=True).read(stuck, "rows")


def cursored(cursors: list[str | None], where: str) -> Vendor:
    def handler(request: Request, sent: dict[str, Any]) -> Response:
        if where == "json":
            after = (sent["json"] or {}).get("params", {}).get("pagination", {}).get("after")
        else:
            after = sent["query"].get("after")
        page = 0 if after is None else int(after.removeprefix("c")) + 1
        rows = [{"id": page * 3 + i} for i in range(3)]
        cursor = cursors[page] if page < len(cursors) else None
        return JSONResponse(
            {"result": {"rows": rows}, "meta": {"pagination": {"endCursor": cursor}}}
        )

    return Vendor(handler)


async def test_a_body_cursor_goes_into_the_next_json_body() -> None:
    vendor = cursored(["c0", "c1", None], "json")
    paginator = BodyCursorPaginator(
        cursor="meta.pagination.endCursor", json_path="params.pagination.after"
    )
    body = {"params": {"filter": {}, "pagination": {"limit": 3}}}
    pages = await vendor.read(paginator, "result.rows", method="POST", json=body)
    assert ids(pages) == list(range(9))
    assert [s["json"]["params"]["pagination"] for s in vendor.seen] == [
        {"limit": 3},
        {"limit": 3, "after": "c0"},
        {"limit": 3, "after": "c1"},
    ]
    assert body == {"params": {"filter": {}, "pagination": {"limit": 3}}}  # not mutated


async def test_a_body_cursor_in_the_query_and_its_cycle() -> None:
    vendor = cursored(["c0", "c1", "c0"], "query")
    paginator = BodyCursorPaginator(cursor="meta.pagination.endCursor", query_param="after")
    with pytest.raises(PagingCycle):
        await vendor.read(paginator, "result.rows")
    assert len(vendor.seen) == 3


async def test_paging_stops_after_max_pages() -> None:
    vendor = cursored([f"c{i}" for i in range(100)], "query")
    paginator = BodyCursorPaginator(
        cursor="meta.pagination.endCursor", query_param="after", max_pages=4
    )
    with pytest.raises(PagingError, match="after 4 pages"):
        await vendor.read(paginator, "result.rows")


def test_a_cursor_needs_one_destination() -> None:
    with pytest.raises(ValueError, match="json_path or query_param"):
        BodyCursorPaginator(cursor="c")
