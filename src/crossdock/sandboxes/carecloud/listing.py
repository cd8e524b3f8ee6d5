"""List parameters as CareCloud reads them: paging, sorting, filters and PHP-style arrays.

``count`` (default 100, at least 1) and ``offset`` (default 0) page every list;
``sort_field`` names a first-level field of the listed records and ``sort_direction`` is
``ASC`` (default) or ``DESC``. Array filters use the bracket syntax ``email_list[]=a``;
a bare ``email_list=a`` is a string, not an array, and is refused as CareCloud's PHP backend
would. Parameters the spec does not define are ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import QueryParams

from crossdock.sandboxes.carecloud.models import Customer
from crossdock.sandboxes.carecloud.validation import MAX_ARRAY, Problems, filter_date

DEFAULT_COUNT = 100
# First-level Customer fields that order a list (personal_information is an object).
CUSTOMER_SORT_FIELDS = ("customer_id", "last_change", "state", "doi_email", "doi_phone")
# The fields of the spec's CustomerSourceRecord, every one a string.
SOURCE_RECORD_SORT_FIELDS = (
    "customer_source_record_id",
    "customer_source_id",
    "customer_id",
    "external_id",
    "last_change",
)


@dataclass(frozen=True)
class Paging:
    count: int
    offset: int
    sort_field: str | None
    descending: bool


def paging(problems: Problems, query: QueryParams, sort_fields: tuple[str, ...]) -> Paging:
    count = integer(problems, query, "count", DEFAULT_COUNT, minimum=1)
    offset = integer(problems, query, "offset", 0, minimum=0)
    sort_field = query.get("sort_field")
    if sort_field is not None and sort_field not in sort_fields:
        problems.add("sort_field", "not_allowed_value", sort_field)
        sort_field = None
    direction = query.get("sort_direction", "ASC")
    if direction not in ("ASC", "DESC"):
        problems.add("sort_direction", "not_allowed_value", direction)
    return Paging(count, offset, sort_field, direction == "DESC")


def integer(problems: Problems, query: QueryParams, name: str, default: int, minimum: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())  # ValueError too past Python's 4300-digit limit
    except ValueError:
        problems.add(name, "invalid_value_format", raw)
        return default
    if value < minimum:
        problems.add(name, "not_allowed_value", raw)
        return default
    return value


def boolean(problems: Problems, query: QueryParams, name: str) -> bool | None:
    raw = query.get(name)
    if raw is None:
        return None
    lowered = raw.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0", ""):
        return False
    problems.add(name, "invalid_value_format", raw)
    return None


def array(problems: Problems, query: QueryParams, name: str) -> list[str] | None:
    """``name[]=a&name[]=b`` (or indexed ``name[0]=a``) as a list; None when absent."""
    if name in query:
        problems.add(name, "invalid_value_format", query[name])
        return None
    values = [v for k, v in query.multi_items() if k == f"{name}[]" or _indexed(k, name)]
    if not values:
        return None
    if len(values) > MAX_ARRAY:
        problems.add(name, "not_allowed_value", f"{len(values)} items")
        return None
    return values


def _indexed(key: str, name: str) -> bool:
    return key.startswith(f"{name}[") and key.endswith("]") and key[len(name) + 1 : -1].isdigit()


CustomerFilter = Callable[[Customer], bool]


@dataclass
class CustomerQuery:
    paging: Paging
    short_salutation: bool
    filters: list[CustomerFilter]
    ids: list[str] | None  # customer_ids[]: served from the index, not by scanning
    emails: list[str] | None  # email / email_list[]: likewise


def customer_query(query: QueryParams) -> CustomerQuery:
    """Parse GET /customers parameters; raises one 400 listing every bad parameter."""
    problems = Problems()
    page = paging(problems, query, CUSTOMER_SORT_FIELDS)
    short = boolean(problems, query, "customer_short_salutation") or False
    filters: list[CustomerFilter] = []
    emails: list[str] | None = None
    email = query.get("email")
    if email is not None:
        emails = [email.strip().lower()]
    email_list = array(problems, query, "email_list")
    if email_list is not None:
        listed = {e.strip().lower() for e in email_list}
        emails = [e for e in emails if e in listed] if emails is not None else sorted(listed)
    ids = array(problems, query, "customer_ids")
    phone = query.get("phone")
    if phone is not None:
        filters.append(lambda c: c.personal.phone == phone)
    source = query.get("customer_source_id")
    if source is not None:
        filters.append(lambda c: c.source_id == source)
    first = query.get("first_name")
    if first is not None:
        wanted_first = first.casefold()
        filters.append(lambda c: (c.personal.first_name or "").casefold() == wanted_first)
    last = query.get("last_name")
    if last is not None:
        wanted_last = last.casefold()
        filters.append(lambda c: (c.personal.last_name or "").casefold() == wanted_last)
    birthdate = query.get("birthdate")
    if birthdate is not None:
        day = filter_date(birthdate)
        if day is None:
            problems.add("birthdate", "invalid_value_format", birthdate)
        else:
            filters.append(lambda c: c.personal.birthdate == day)
    problems.raise_if_any()
    return CustomerQuery(page, short, filters, ids, emails)


@dataclass
class SourceRecordQuery:
    paging: Paging
    external_ids: frozenset[str] | None  # external_ids[], else the deprecated external_id
    source_id: str | None
    customer_id: str | None


def source_record_query(query: QueryParams, *, by_customer: bool) -> SourceRecordQuery:
    """Parse the parameters of ``GET /customer-source-records`` (``by_customer``: the filter
    ``customer_id``, which ``GET /customers/{customer_id}/customer-source-records`` does not
    define); raises one 400 listing every bad parameter. ``external_ids[]`` wins over the
    deprecated ``external_id`` when both are given, as the spec says."""
    problems = Problems()
    page = paging(problems, query, SOURCE_RECORD_SORT_FIELDS)
    listed = array(problems, query, "external_ids")
    single = query.get("external_id")
    if listed is not None:
        external_ids: frozenset[str] | None = frozenset(listed)
    else:
        external_ids = None if single is None else frozenset((single,))
    customer_id = query.get("customer_id") if by_customer else None
    problems.raise_if_any()
    return SourceRecordQuery(page, external_ids, query.get("customer_source_id"), customer_id)
