"""The query compiler's filters and sorts on SQLite and PostgreSQL: every operator and kind,
paths into JSON objects and lists, injection attempts, and every error it reports."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from crossdock.store.base import JSONType, UTCDateTime
from crossdock.store.engine import create_engine
from crossdock.store.query import (
    MAX_PAGE_BYTES,
    Field,
    JsonField,
    Listing,
    QueryError,
    filter_clauses,
    paginate,
    scroll_cursors,
)
from crossdock.store.query.declare import RESERVED
from crossdock.store.query.parse import SUFFIXES

meta = sa.MetaData()
companies = sa.Table(
    "companies",
    meta,
    sa.Column("pk", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("country", sa.String(2), nullable=False, index=True),
    sa.Column("agency_level", sa.Boolean),
    sa.Column("version", sa.Integer),
    sa.Column("score", sa.Numeric(10, 2)),
    sa.Column("ratio", sa.Float),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime),
    sa.Column("logo", sa.Text),
    sa.Column("secret", sa.String(20)),
    sa.Column("agency_data", JSONType),
)
records = sa.Table(
    "records",
    meta,
    sa.Column("pk", sa.Integer, primary_key=True),
    sa.Column("data", JSONType),
)
attributes = sa.Table(
    "attributes",
    meta,
    sa.Column("pk", sa.String(40), primary_key=True),
    sa.Column("options", JSONType),
)


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


COMPANIES: list[dict[str, Any]] = [
    {
        "pk": "c1", "name": "Acme", "country": "SG", "agency_level": True, "version": 3,
        "score": Decimal("10.50"), "ratio": 0.5, "created_at": day("2019-01-01"),
        "updated_at": day("2019-02-01"), "logo": "l1", "secret": "s",
        "agency_data": {
            "anything": 123, "tier": "gold", "flags": {"vip": True}, "tags": ["a", "b"],
        },
    },
    {
        "pk": "c2", "name": "Beta", "country": "US", "agency_level": False, "version": 1,
        "score": Decimal("2.25"), "ratio": 1.5, "created_at": day("2019-06-01"),
        "updated_at": None, "logo": None, "secret": None,
        "agency_data": {"anything": "123", "tier": "silver", "flags": {"vip": False}},
    },
    {
        "pk": "c3", "name": "Gamma", "country": "SG", "agency_level": None, "version": None,
        "score": None, "ratio": None, "created_at": day("2020-01-01"),
        "updated_at": day("2020-01-02"), "logo": "l3", "secret": None, "agency_data": None,
    },
    {
        "pk": "c4", "name": "Delta", "country": "DE", "agency_level": True, "version": 10,
        "score": Decimal("100"), "ratio": 2.0, "created_at": day("2021-01-01"),
        "updated_at": day("2021-01-01"), "logo": "l4", "secret": None,
        "agency_data": {
            "anything": 124, "since": "2018-05-01T00:00:00+00:00", "note": "x' OR '1'='1",
            "odd": 'say "$x"', "flags": {"vip": "true"}, "tags": [],
        },
    },
]  # fmt: skip
RECORDS: list[dict[str, Any]] = [
    {"pk": 1, "data": [
        {"quantity": 1, "systemOrderNumber": "test-123", "sku": "A", "publish": True},
        {"quantity": 5, "sku": "B", "publish": False},
    ]},
    {"pk": 2, "data": [{"quantity": 0, "systemOrderNumber": 123, "sku": "C"}]},
    {"pk": 3, "data": [
        {"quantity": 2.5, "title": "Test", "sku": None,
         "addresses": {"billing": {"country": "SG"}}},
    ]},
    {"pk": 4, "data": []},
    {"pk": 5, "data": None},
]  # fmt: skip
ATTRIBUTES: list[dict[str, Any]] = [
    {"pk": "a1", "options": [
        {"optionId": "1", "name": "Red", "constraints": [
            {"attributeId": "size_system", "ruleType": "equals", "ruleValues": ["UK", "AUD"]},
        ]},
        {"optionId": "2", "name": "Blue", "constraints": []},
    ]},
    {"pk": "a2", "options": [
        {"optionId": "3", "constraints": [
            {"attributeId": "color", "ruleType": "contains", "ruleValues": ["US"]},
        ]},
    ]},
    {"pk": "a3", "options": []},
]  # fmt: skip

COMPANY_LISTING = Listing(
    name="companies",
    fields={
        "companyId": Field(companies.c.pk),
        "name": Field(companies.c.name),
        "country": Field(companies.c.country),
        "agencyLevel": Field(companies.c.agency_level),
        "version": Field(companies.c.version),
        "score": Field(companies.c.score),
        "ratio": Field(companies.c.ratio),
        "createdAt": Field(companies.c.created_at),
        "updatedAt": Field(companies.c.updated_at),
        "logo": Field(companies.c.logo, "string", sortable=False),
        "secret": Field(companies.c.secret, filterable=False),
    },
    json_fields={"agencyData": JsonField(companies.c.agency_data)},
    key=companies.c.pk,
    default_sort="createdAt:asc",
    ignore=frozenset({"crescoId"}),
)
RECORD_LISTING = Listing(
    name="records",
    fields={"id": Field(records.c.pk)},
    json_fields={"data": JsonField(records.c.data, each=True)},
    key=records.c.pk,
    default_sort="id:asc",
)
ATTRIBUTE_LISTING = Listing(
    name="attributes",
    fields={"attributeId": Field(attributes.c.pk)},
    json_fields={"options": JsonField(attributes.c.options, sortable=False)},
    key=attributes.c.pk,
    default_sort="attributeId:asc",
)
LISTINGS = {
    "companies": COMPANY_LISTING,
    "records": RECORD_LISTING,
    "attributes": ATTRIBUTE_LISTING,
}
TABLES = {"companies": companies, "records": records, "attributes": attributes}


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = create_engine(db_url)
    meta.create_all(engine)
    scroll_cursors.create(engine)
    with engine.begin() as conn:
        conn.execute(companies.insert(), COMPANIES)
        conn.execute(records.insert(), RECORDS)
        conn.execute(attributes.insert(), ATTRIBUTES)
    yield engine
    engine.dispose()


def keys(engine: sa.Engine, what: str, params: list[tuple[str, str]]) -> list[Any]:
    """The keys a listing returns for ``params``, in order."""
    table = TABLES[what]
    with engine.begin() as conn:
        page = paginate(
            conn,
            LISTINGS[what],
            sa.select(table.c.pk),
            params if any(key == "limit" for key, _ in params) else [*params, ("limit", "9999")],
            serialize=lambda pk: {"pk": pk},
        )
    assert page.next_page is None
    assert page.total == len(page.items)
    return [item["pk"] for item in page.items]


def check(engine: sa.Engine, what: str, cases: list[tuple[str, set[Any]]]) -> None:
    """Each query string (``a=1&b=2``) returns exactly the expected keys."""
    wrong = []
    for query, expected in cases:
        params = [tuple(part.split("=", 1)) for part in query.split("&")] if query else []
        got = set(keys(engine, what, params))  # type: ignore[arg-type]
        if got != expected:
            wrong.append(f"{query}: got {sorted(got)}, expected {sorted(expected)}")
    assert not wrong, "\n".join(wrong)


ALL_COMPANIES = {"c1", "c2", "c3", "c4"}


def test_plain_equality_not_and_exists_for_every_kind(engine: sa.Engine) -> None:
    check(
        engine,
        "companies",
        [
            ("", ALL_COMPANIES),
            ("country=SG", {"c1", "c3"}),
            ("country=SG&country=US", {"c1", "c2", "c3"}),
            ("country__not=SG", {"c2", "c4"}),
            ("country__not=SG&country__not=US", {"c4"}),
            ("country=SG&name=Gamma", {"c3"}),
            ("name=acme", set()),
            ("agencyLevel=true", {"c1", "c4"}),
            ("agencyLevel=FALSE", {"c2"}),
            ("agencyLevel__not=true", {"c2", "c3"}),
            ("agencyLevel__exists=false", {"c3"}),
            ("version=3", {"c1"}),
            ("version__not=3", {"c2", "c3", "c4"}),
            ("score=10.5", {"c1"}),
            ("score=100.00", {"c4"}),
            ("ratio=1.5", {"c2"}),
            ("createdAt=2019-01-01T00:00:00Z", {"c1"}),
            ("createdAt=2019-01-01T08:00:00+08:00", {"c1"}),
            ("updatedAt__exists=true", {"c1", "c3", "c4"}),
            ("updatedAt__exists=false", {"c2"}),
            ("logo__exists=FALSE", {"c2"}),
            ("logo__not=l1", {"c2", "c3", "c4"}),
            ("companyId=c4", {"c4"}),
            ("crescoId=ignored-by-the-listing", ALL_COMPANIES),
        ],
    )


def test_plain_ranges_compare_with_the_declared_kind(engine: sa.Engine) -> None:
    check(
        engine,
        "companies",
        [
            ("version__gt=3", {"c4"}),
            ("version__gte=3", {"c1", "c4"}),
            ("version__lt=3", {"c2"}),
            ("version__lte=3", {"c1", "c2"}),
            ("version__gt=2&version__lt=10", {"c1"}),
            ("score__gt=9.99", {"c1", "c4"}),
            ("score__lte=10.5", {"c1", "c2"}),
            ("ratio__gte=1.5", {"c2", "c4"}),
            ("createdAt__gte=2019-06-01", {"c2", "c3", "c4"}),
            ("createdAt__lt=2019-06-01T00:00:00+00:00", {"c1"}),
            ("createdAt__gt=2019-12-31T23:00:00-02:00", {"c4"}),
            ("updatedAt__lte=2020-01-02T00:00:00Z", {"c1", "c3"}),
            ("name__gt=C", {"c3", "c4"}),
            ("name__lt=B", {"c1"}),
        ],
    )


def test_json_values_match_their_json_types(engine: sa.Engine) -> None:
    check(
        engine,
        "companies",
        [
            # a number matches the JSON number and the same string
            ("agencyData.anything=123", {"c1", "c2"}),
            ("agencyData.anything=123.0", {"c1"}),
            ("agencyData.anything=124", {"c4"}),
            ("agencyData.anything=123&agencyData.anything=124", {"c1", "c2", "c4"}),
            ("agencyData.tier=gold", {"c1"}),
            ("agencyData.flags.vip=true", {"c1", "c4"}),  # true, and the string "true"
            ("agencyData.flags.vip=false", {"c2"}),
            ("agencyData.flags.vip__not=true", {"c2", "c3"}),
            ("agencyData.flags__exists=true", {"c1", "c2", "c4"}),
            ("agencyData.tags=b", {"c1"}),
            ("agencyData.tags__exists=true", {"c1"}),  # an empty list holds nothing
            ("agencyData.tags__exists=false", {"c2", "c3", "c4"}),
            ("agencyData.missing__exists=false", ALL_COMPANIES),
            ("agencyData__exists=false", {"c3"}),
            ("agencyData.anything__not=123", {"c3", "c4"}),
            ("agencyData.anything__gt=123", {"c4"}),  # numbers numerically...
            ("agencyData.anything__gte=123", {"c1", "c2", "c4"}),  # ...and strings lexically
            ("agencyData.since__gt=2018-01-01", {"c4"}),
            ("agencyData.since__lt=2018-01-01", set()),
            ("agencyData.tier__gt=h", {"c2"}),
        ],
    )


def test_paths_through_lists_match_when_any_element_matches(engine: sa.Engine) -> None:
    check(
        engine,
        "records",
        [
            ("data.quantity__gt=1", {1, 3}),
            # each condition is met by any row on its own: 5 > 1 and 1 <= 2.5
            ("data.quantity__gt=1&data.quantity__lte=2.5", {1, 3}),
            ("data.quantity__gt=1&data.quantity__lt=2", {1}),
            ("data.quantity=5", {1}),
            ("data.quantity__lt=1", {2}),
            ("data.systemOrderNumber=test-123", {1}),
            ("data.systemOrderNumber=123", {2}),
            ("data.sku=B", {1}),
            ("data.sku__not=B", {2, 3, 4, 5}),  # no row has sku B
            ("data.sku__exists=true", {1, 2}),  # null is not a value
            ("data.sku__exists=false", {3, 4, 5}),
            ("data.publish=false", {1}),
            ("data.title=Test", {3}),
            ("data.addresses.billing.country=SG", {3}),
            ("data.addresses__billing.country=SG", {3}),
            ("data.addresses.billing__exists=true", {3}),
            ("data__exists=true", {1, 2, 3}),
        ],
    )
    check(
        engine,
        "attributes",
        [
            ("options.name=Red", {"a1"}),
            ("options.name__exists=false", {"a2", "a3"}),
            ("options.optionId=3", {"a2"}),
            ("options__constraints.attributeId=size_system", {"a1"}),
            ("options__constraints.attributeId__not=size_system", {"a2", "a3"}),
            ("options__constraints.ruleType=contains", {"a2"}),
            ("options__constraints.ruleValues=AUD", {"a1"}),
            ("options__constraints.ruleValues=US&options__constraints.ruleValues=UK", {"a1", "a2"}),
            ("options__constraints.ruleValues__not=US", {"a1", "a3"}),
            ("options.constraints.attributeId__exists=true", {"a1", "a2"}),
        ],
    )


def test_sorting_both_ways_with_ties_broken_by_the_key(engine: sa.Engine) -> None:
    assert keys(engine, "companies", [("_sort", "country:asc")]) == ["c4", "c1", "c3", "c2"]
    assert keys(engine, "companies", [("_sort", "country:desc")]) == ["c2", "c3", "c1", "c4"]
    assert keys(engine, "companies", []) == ["c1", "c2", "c3", "c4"]  # default createdAt:asc
    assert keys(engine, "companies", [("_sort", "createdAt:DESC")]) == ["c4", "c3", "c2", "c1"]
    # absent values last ascending, first descending, on both databases
    assert keys(engine, "companies", [("_sort", "version:asc")]) == ["c2", "c1", "c4", "c3"]
    assert keys(engine, "companies", [("_sort", "version:desc")]) == ["c3", "c4", "c1", "c2"]
    assert keys(engine, "companies", [("_sort", "score:desc")]) == ["c3", "c4", "c1", "c2"]
    assert keys(engine, "companies", [("_sort", "agencyLevel:asc")]) == ["c2", "c1", "c4", "c3"]
    assert keys(engine, "companies", [("_sort", "agencyData.tier:asc")]) == [
        "c1", "c2", "c3", "c4",
    ]  # fmt: skip
    assert keys(engine, "companies", [("_sort", "agencyData.tier:desc")]) == [
        "c4", "c3", "c2", "c1",
    ]  # fmt: skip
    # each=True: master records sort by their first variant row
    assert keys(engine, "records", [("_sort", "data.quantity:asc")]) == [2, 1, 3, 4, 5]
    assert keys(engine, "records", [("_sort", "data.quantity:desc")]) == [5, 4, 3, 1, 2]
    assert keys(engine, "records", [("_sort", "data.sku:asc"), ("data__exists", "true")]) == [
        1, 2, 3,
    ]  # fmt: skip


def test_injection_attempts_stay_values(engine: sa.Engine) -> None:
    check(
        engine,
        "companies",
        [
            ("name=x' OR '1'='1", set()),
            ("name=Acme' --", set()),
            ("country=SG'); DROP TABLE companies; --", set()),
            ("agencyData.note=x' OR '1'='1", {"c4"}),
            ('agencyData.odd=say "$x"', {"c4"}),
            ('agencyData.tier=gold" || @ != "', set()),
            ("agencyData.tier=$", set()),
        ],
    )
    bad_paths = ['agencyData.a"b', "agencyData.$x", "agencyData.a'b", "agencyData.a b"]
    bad_paths += ["agencyData.a[0]", "agencyData.*", "agencyData..tier", "agencyData.a)"]
    for attribute in bad_paths:
        with pytest.raises(QueryError) as caught:
            keys(engine, "companies", [(attribute, "1")])
        assert caught.value.field == attribute
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(companies)).scalar_one() == 4


@pytest.mark.parametrize(
    "value", ["x' OR '1'='1", "$.a ? (@ == 1)", '" || true || "', "1; select 1"]
)
@pytest.mark.parametrize("dialect", [postgresql.dialect(), sqlite.dialect()])
def test_user_values_never_reach_the_sql_text(value: str, dialect: sa.Dialect) -> None:
    params = [("name", value), ("agencyData.tier", value), ("agencyData.tier__gt", value)]
    clauses = filter_clauses(COMPANY_LISTING, params, dialect.name)
    sql = str(sa.select(companies.c.pk).where(*clauses).compile(dialect=dialect))
    assert value not in sql
    assert "tier" not in sql  # even the validated path travels as a parameter


@pytest.mark.parametrize("dialect", [postgresql.dialect(), sqlite.dialect()])
def test_plain_columns_are_compared_bare(dialect: sa.Dialect) -> None:
    params = [
        ("country", "SG"),
        ("createdAt__gte", "2019-01-01"),
        ("version__lt", "5"),
        ("name", "a"),
        ("name", "b"),
        ("agencyLevel__exists", "true"),
    ]
    clauses = filter_clauses(COMPANY_LISTING, params, dialect.name)
    sql = [str(clause.compile(dialect=dialect)) for clause in clauses]
    assert re.fullmatch(r"companies\.country = \S+", sql[0])
    assert re.fullmatch(
        r"companies\.created_at >= (\?|%\(\w+\)s::TIMESTAMP WITH TIME ZONE)", sql[1]
    )
    assert re.fullmatch(r"companies\.version < \S+", sql[2])
    assert re.fullmatch(r"companies\.name IN \(.+\)", sql[3])
    assert sql[4] == "companies.agency_level IS NOT NULL"


def test_sqlite_filters_and_sorts_use_a_plain_index(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    meta.create_all(engine)
    clauses = filter_clauses(COMPANY_LISTING, [("country", "SG")], "sqlite")
    statement = sa.select(companies.c.pk).where(*clauses).order_by(companies.c.country)
    compiled = statement.compile(engine)
    with engine.connect() as conn:
        plan = conn.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params.values())
        ).all()
    engine.dispose()
    assert any("USING INDEX ix_companies_country" in str(step) for step in plan), plan


ERRORS = [
    ("nope=1", "nope", "unknown attribute 'nope'"),
    ("name.first=1", "name.first", "unknown attribute"),
    ("name__like=a", "name__like", "unknown operator '__like'"),
    ("agencyData.tier__foo=a", "agencyData.tier__foo", "unknown operator '__foo'"),
    ("__not=a", "__not", "unknown attribute ''"),
    ("agencyLevel=yes", "agencyLevel", "true or false"),
    ("agencyLevel__gt=true", "agencyLevel__gt", "range operators"),
    ("logo__exists=1", "logo__exists", "true or false"),
    ("logo__exists=true&logo__exists=true", "logo__exists", "at most once"),
    ("version__gt=1&version__gt=2", "version__gt", "at most once"),
    ("version=three", "version", "must be an integer"),
    ("version=1.5", "version", "must be an integer"),
    ("version=99999999999999999999", "version", "must be an integer"),
    ("score=ten", "score", "must be a number"),
    ("ratio=1e999", "ratio", "finite"),
    ("ratio=nan", "ratio", "must be a number"),
    ("createdAt=yesterday", "createdAt", "ISO 8601"),
    ("createdAt__lt=2019-13-01", "createdAt__lt", "ISO 8601"),
    ("secret=s", "secret", "cannot filter"),
    ("_sort=name", "_sort", "{field}:{asc|desc}"),
    ("_sort=name:up", "_sort", "{field}:{asc|desc}"),
    ("_sort=nope:asc", "_sort", "unknown attribute 'nope'"),
    ("_sort=logo:asc", "_sort", "cannot sort on 'logo'"),
    ("_sort=agencyData:asc", "_sort", "inside 'agencyData'"),
    ("_sort=name:asc&_sort=name:desc", "_sort", "at most once"),
    ("limit=0", "limit", "between 1 and 9999"),
    ("limit=10000", "limit", "between 1 and 9999"),
    ("limit=ten", "limit", "between 1 and 9999"),
    ("limit=-1", "limit", "between 1 and 9999"),
    ("limit=1&limit=2", "limit", "at most once"),
    ("scroll=0", "scroll", "between 1 and 10"),
    ("scroll=11", "scroll", "between 1 and 10"),
    ("page=%%%", "page", "not a page token"),
    ("page=bm90IGpzb24", "page", "not a page token"),  # base64url of "not json"
    ("page=WzFd", "page", "not a page token"),  # [1]
    ("page=eyJ2IjpbMV19", "page", "not a page token"),  # {"v":[1]}
    ("page=eyJmIjoiMCIsInYiOlsxXX0", "page", "different filters or sort"),
    ("page=eyJzIjoibm9wZSJ9", "page", "expired or is unknown"),  # {"s":"nope"}
    ("page=eyJzIjoxfQ", "page", "not a scroll token"),  # {"s":1}
    ("name=a\x00b", "name", "NUL"),
    (f"agencyData.{'a.' * 8}b=1", f"agencyData.{'a.' * 8}b", "at most 8"),
]


def test_every_error_names_its_parameter(engine: sa.Engine) -> None:
    wrong = []
    for query, field, detail in ERRORS:
        params = [tuple(part.split("=", 1)) for part in query.split("&")]
        try:
            keys(engine, "companies", params)  # type: ignore[arg-type]
        except QueryError as exc:
            if exc.field != field or detail not in exc.detail:
                wrong.append(f"{query}: {exc.field!r} {exc.detail!r}")
        else:
            wrong.append(f"{query}: no error")
    assert not wrong, "\n".join(wrong)


def test_listing_declarations_fail_early() -> None:
    with pytest.raises(ValueError, match="default_sort"):
        Listing(fields={"name": Field(companies.c.name)}, key=companies.c.pk, default_sort="x:asc")
    with pytest.raises(ValueError, match="reserved"):
        Listing(fields={"limit": Field(companies.c.version)}, key=companies.c.pk,
                default_sort="limit:asc")  # fmt: skip
    with pytest.raises(ValueError, match="both"):
        Listing(
            fields={"data": Field(companies.c.name)},
            json_fields={"data": JsonField(companies.c.agency_data)},
            key=companies.c.pk,
            default_sort="data:asc",
        )
    with pytest.raises(ValueError, match="infer"):
        Field(companies.c.agency_data)
    with pytest.raises(ValueError, match="kind"):
        Field(companies.c.name, "text")  # type: ignore[arg-type]
    assert Field(companies.c.created_at).kind == "datetime"
    assert Field(companies.c.score).kind == "number"
    assert Field(companies.c.name).nullable is False
    assert Field(companies.c.logo).nullable is True


def test_the_docs_describe_every_operator_and_paging_parameter() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "query.md").read_text()
    for suffix in SUFFIXES:
        assert f"`version__{suffix}=" in docs or f"__{suffix}=" in docs, suffix
    for parameter in RESERVED:
        assert f"`{parameter}`" in docs or f"`{parameter}=" in docs, parameter
    assert f"{COMPANY_LISTING.default_limit} when absent" in docs
    assert f"{MAX_PAGE_BYTES // 1000} KB" in docs
