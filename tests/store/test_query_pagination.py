"""Keyset pagination on SQLite and PostgreSQL: complete walks in every order, concurrent
inserts, the byte budget, page-token fingerprints, scroll cursors and their expiry."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, registry

from crossdock.store.base import JSONType, UTCDateTime
from crossdock.store.engine import create_engine
from crossdock.store.query import (
    Field,
    JsonField,
    Listing,
    Page,
    QueryError,
    paginate,
    scroll_cursors,
)

meta = sa.MetaData()
items = sa.Table(
    "items",
    meta,
    sa.Column("pk", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("tenant", sa.String(10), nullable=False),
    sa.Column("grp", sa.Integer),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("blob", sa.Text, nullable=False),
    sa.Column("data", JSONType),
)

LISTING = Listing(
    name="items",
    fields={
        "id": Field(items.c.pk),
        "group": Field(items.c.grp),
        "updatedAt": Field(items.c.updated_at),
        "tenant": Field(items.c.tenant),
    },
    json_fields={"data": JsonField(items.c.data, each=True)},
    key=items.c.pk,
    default_sort="updatedAt:desc",
)
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def make_row(pk: int, rng: random.Random, blob: str = "") -> dict[str, Any]:
    """Few distinct groups and times, so sorts are full of ties; some NULLs and odd JSON."""
    rank: Any = rng.choice([1, 2, 2.5, 3, "b", "a", None, True])
    data: Any = [{"rank": rank}, {"rank": 99}] if rank is not None else rng.choice([[], None])
    return {
        "pk": pk,
        "tenant": "t1" if pk % 5 else "t2",
        "grp": rng.choice([1, 2, 3, None]),
        "updated_at": T0 + timedelta(minutes=rng.randrange(4)),
        "blob": blob,
        "data": data,
    }


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = create_engine(db_url)
    meta.create_all(engine)
    scroll_cursors.create(engine)
    yield engine
    engine.dispose()


def fill(engine: sa.Engine, count: int, *, start: int = 1, seed: int = 7, blob: str = "") -> None:
    rng = random.Random(seed)
    with engine.begin() as conn:
        conn.execute(
            items.insert(), [make_row(pk, rng, blob) for pk in range(start, start + count)]
        )


def fetch(
    engine: sa.Engine,
    params: list[tuple[str, str]],
    *,
    max_bytes: int = 400_000,
    clock: Callable[[], datetime] = lambda: T0,
    tenant: str | None = None,
) -> Page:
    with engine.begin() as conn:
        return paginate(
            conn,
            LISTING,
            sa.select(items.c.pk, items.c.blob),
            params,
            serialize=lambda row: {"id": row.pk, "blob": row.blob},
            extra_where=[items.c.tenant == tenant] if tenant else [],
            max_bytes=max_bytes,
            clock=clock,
        )


def walk(
    engine: sa.Engine,
    params: list[tuple[str, str]],
    between: Callable[[int], None] = lambda _: None,
    **options: Any,
) -> tuple[list[int], list[Page]]:
    """Follow x-cresco-page to the end; ``between(n)`` runs after the n-th page."""
    pages = [fetch(engine, params, **options)]
    while pages[-1].next_page is not None:
        between(len(pages))
        pages.append(fetch(engine, [*params, ("page", pages[-1].next_page)], **options))
        assert len(pages) < 1000, "pagination does not end"
    return [item["id"] for page in pages for item in page.items], pages


SORTS = [
    "updatedAt:desc",
    "updatedAt:asc",
    "group:asc",
    "group:desc",
    "id:desc",
    "data.rank:asc",
    "data.rank:desc",
]


@pytest.mark.parametrize("sort", SORTS)
def test_pages_follow_the_single_query_order(engine: sa.Engine, sort: str) -> None:
    fill(engine, 40)
    everything = fetch(engine, [("_sort", sort), ("limit", "9999")])
    assert everything.next_page is None
    expected = [item["id"] for item in everything.items]
    assert sorted(expected) == list(range(1, 41))

    walked, pages = walk(engine, [("_sort", sort), ("limit", "3")])
    assert walked == expected
    assert [len(page.items) for page in pages] == [3] * 13 + [1]
    assert {page.total for page in pages} == {40}
    assert pages[0].headers()["x-cresco-total"] == "40"
    assert "x-cresco-page" in pages[0].headers()
    assert "x-cresco-page" not in pages[-1].headers()


def test_plain_sorts_order_as_python_would(engine: sa.Engine) -> None:
    fill(engine, 30)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(items.c.pk, items.c.grp)).all()
    # NULLs last ascending, the key breaking ties in the sort's direction
    expected = [pk for pk, grp in sorted(rows, key=lambda r: (r.grp is None, r.grp or 0, r.pk))]
    walked, _ = walk(engine, [("_sort", "group:asc"), ("limit", "4")])
    assert walked == expected
    walked, _ = walk(engine, [("_sort", "group:desc"), ("limit", "4")])
    assert walked == expected[::-1]


def test_filters_and_endpoint_conditions_apply_to_pages_and_total(engine: sa.Engine) -> None:
    fill(engine, 40)
    walked, pages = walk(engine, [("group", "2"), ("limit", "2")], tenant="t1")
    with engine.connect() as conn:
        expected = conn.execute(
            sa.select(items.c.pk).where(items.c.grp == 2, items.c.tenant == "t1")
        ).scalars()
        assert sorted(walked) == sorted(expected)
    assert pages[0].total == len(walked) > 2


@pytest.mark.parametrize("sort", ["updatedAt:desc", "group:asc", "data.rank:desc", "id:asc"])
def test_walk_survives_concurrent_inserts(engine: sa.Engine, sort: str) -> None:
    fill(engine, 30)
    rng = random.Random(sort)
    new_keys = iter(range(1000, 2000))

    def insert_some(_: int) -> None:
        with engine.begin() as conn:
            conn.execute(items.insert(), [make_row(next(new_keys), rng) for _ in range(3)])

    walked, _ = walk(engine, [("_sort", sort), ("limit", "4")], between=insert_some)
    assert len(walked) == len(set(walked)), "a row was returned twice"
    assert set(range(1, 31)) <= set(walked), "a row that existed at the start was skipped"


def test_byte_budget_cuts_pages_and_continues_after_the_last_row(engine: sa.Engine) -> None:
    fill(engine, 10, blob="x" * 1000)
    size = len(json.dumps({"id": 10, "blob": "x" * 1000}, separators=(",", ":")))
    walked, pages = walk(engine, [("limit", "50")], max_bytes=3 * size + 4)
    assert sorted(walked) == list(range(1, 11))
    assert [len(page.items) for page in pages] == [3, 3, 3, 1]
    for page in pages:
        body = json.dumps(page.items, separators=(",", ":")).encode()
        assert len(body) <= 3 * size + 4
    # one row larger than the budget still comes, one per page
    walked, pages = walk(engine, [("limit", "50")], max_bytes=100)
    assert sorted(walked) == list(range(1, 11))
    assert [len(page.items) for page in pages] == [1] * 10


def test_tokens_belong_to_their_filters_and_sort(engine: sa.Engine) -> None:
    fill(engine, 10)
    first = fetch(engine, [("group__exists", "true"), ("_sort", "group:asc"), ("limit", "2")])
    token = first.next_page
    assert token is not None
    # the limit may change between pages; parameter order does not matter
    page = fetch(engine, [("limit", "5"), ("_sort", "group:asc"), ("group__exists", "true"),
                          ("page", token)])  # fmt: skip
    assert page.items
    assert page.items[0]["id"] not in [item["id"] for item in first.items]
    for params in (
        [("group__exists", "false"), ("_sort", "group:asc")],
        [("group__exists", "true"), ("_sort", "group:desc")],
        [("group__exists", "true")],
        [("group__exists", "true"), ("_sort", "group:asc"), ("id__gt", "1")],
    ):
        with pytest.raises(QueryError) as caught:
            fetch(engine, [*params, ("page", token)])
        assert caught.value.field == "page"
        assert "different filters or sort" in caught.value.detail


def tamper(token: str, values: list[Any]) -> str:
    payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    payload["v"] = values
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def test_tampered_tokens_are_rejected(engine: sa.Engine) -> None:
    fill(engine, 10)
    token = fetch(engine, [("limit", "2")]).next_page
    assert token is not None
    good = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))["v"]
    assert fetch(engine, [("limit", "2"), ("page", tamper(token, good))]).items
    for values in ([good[0]], [good[0], "x"], ["yesterday", good[1]], [good[0], None],
                   ["2024-01-01T00:00:00", good[1]], [good[0], True], [3, good[1]]):  # fmt: skip
        with pytest.raises(QueryError) as caught:
            fetch(engine, [("limit", "2"), ("page", tamper(token, values))])
        assert caught.value.field == "page"


def test_scroll_returns_the_same_token_until_the_end(engine: sa.Engine) -> None:
    fill(engine, 10)
    walked, pages = walk(engine, [("scroll", "2"), ("limit", "3")])
    assert sorted(walked) == list(range(1, 11))
    tokens = {page.next_page for page in pages[:-1]}
    assert len(tokens) == 1
    assert pages[-1].next_page is None
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(scroll_cursors)).scalar() == 0
    # a finished scroll is gone
    with pytest.raises(QueryError, match="expired or is unknown"):
        fetch(engine, [("scroll", "2"), ("limit", "3"), ("page", tokens.pop() or "")])


def test_scroll_expires_after_its_minutes_without_use(engine: sa.Engine) -> None:
    fill(engine, 10)
    now = [T0]
    params = [("scroll", "2"), ("limit", "3")]
    token = fetch(engine, params, clock=lambda: now[0]).next_page
    assert token is not None
    now[0] = T0 + timedelta(minutes=1, seconds=59)
    assert fetch(engine, [*params, ("page", token)], clock=lambda: now[0]).next_page == token
    now[0] += timedelta(minutes=1, seconds=59)  # each use keeps it alive another 2 minutes
    assert fetch(engine, [*params, ("page", token)], clock=lambda: now[0]).next_page == token
    now[0] += timedelta(minutes=2)
    with pytest.raises(QueryError) as caught:
        fetch(engine, [*params, ("page", token)], clock=lambda: now[0])
    assert caught.value.field == "page"
    assert "expired" in caught.value.detail
    # opening another scroll sweeps the expired cursor away
    fetch(engine, params, clock=lambda: now[0])
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(scroll_cursors)).scalar() == 1


def test_scroll_tokens_belong_to_their_query(engine: sa.Engine) -> None:
    fill(engine, 10)
    token = fetch(engine, [("scroll", "1"), ("limit", "3")]).next_page
    assert token is not None
    with pytest.raises(QueryError, match="different filters or sort"):
        fetch(engine, [("scroll", "1"), ("limit", "3"), ("group", "1"), ("page", token)])
    # a single page never leaves a cursor behind
    page = fetch(engine, [("scroll", "1"), ("limit", "50")])
    assert page.next_page is None
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(scroll_cursors)).scalar() == 1


def test_more_than_ten_thousand_records_page_without_scroll(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            items.insert(),
            [{"pk": pk, "tenant": "t", "updated_at": T0, "blob": ""} for pk in range(1, 10_006)],
        )
    walked, pages = walk(engine, [("limit", "9999"), ("_sort", "id:asc")])
    assert [len(page.items) for page in pages] == [9999, 6]
    assert walked == list(range(1, 10_006))


def test_one_count_and_one_select_per_page(engine: sa.Engine) -> None:
    fill(engine, 10)
    params = [("limit", "3"), ("group__gte", "1"), ("data.rank__exists", "true")]
    token = fetch(engine, params).next_page
    assert token is not None
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(engine, "before_cursor_execute", record)
    fetch(engine, [*params, ("page", token)])
    sa.event.remove(engine, "before_cursor_execute", record)
    queries = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(queries) == 2
    assert sum("count(*)" in q for q in queries) == 1


class Item:
    pk: int
    blob: str


def test_orm_entities_reach_the_serializer(engine: sa.Engine) -> None:
    mapper = registry()
    mapper.map_imperatively(Item, items)
    try:
        listing = Listing(
            name="orm",
            fields={"id": Field(Item.pk), "group": Field(Item.grp)},  # type: ignore[attr-defined]
            key=Item.pk,
            default_sort="id:desc",
        )
        fill(engine, 5)
        seen: list[Any] = []
        with Session(engine) as session:
            page = paginate(
                session,
                listing,
                sa.select(Item),
                [("limit", "2")],
                serialize=lambda item: seen.append(item) or {"id": item.pk},
            )
        assert [item["id"] for item in page.items] == [5, 4]
        assert all(isinstance(item, Item) for item in seen)
    finally:
        mapper.dispose()


def test_total_is_absent_past_the_count_limit(db_url: str) -> None:
    """Counting stops at the limit: a huge listing's page costs what a small one's does."""
    engine, listing, table = _setup_for_count(db_url)
    with engine.begin() as conn:
        small = paginate(
            conn, listing, sa.select(table), [], serialize=lambda v: {"id": v}, count_limit=30
        )
        capped = paginate(
            conn, listing, sa.select(table), [], serialize=lambda v: {"id": v}, count_limit=10
        )
    engine.dispose()
    assert small.total == 25
    assert small.headers()["x-cresco-total"] == "25"
    assert capped.total is None
    assert "x-cresco-total" not in capped.headers()


def _setup_for_count(db_url: str) -> tuple[sa.Engine, Listing, sa.Table]:
    engine = create_engine(db_url)
    meta = sa.MetaData()
    table = sa.Table("counted", meta, sa.Column("id", sa.Integer, primary_key=True))
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"id": i} for i in range(25)])
    listing = Listing(fields={"id": Field(table.c.id)}, key=table.c.id, default_sort="id:asc")
    return engine, listing, table
