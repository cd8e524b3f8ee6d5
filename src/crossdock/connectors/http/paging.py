"""Paginators: small strategy objects, one per paging mechanism, that turn each response into
the next page's request or say the read is complete.

Every paginator, whatever its mechanism:

- stops with ``PagingCycle`` instead of spinning when a next-page token comes back that it
  has seen before, or when a non-empty page repeats one seen before byte for byte (a vendor
  ignoring the page parameter);
- stops with ``PagingError`` past ``max_pages`` or past the last page a vendor serves;
- compares the records received with the total the vendor states, when it states one, and
  on a difference raises ``TotalMismatch`` (``strict_total``) or records it in ``problems``
  for the stream to pass on.

A paginator holds the state of one read: make a new one for every read.

What none of them can do alone is keep page-number or offset paging from drifting when
records are added between two requests: a record added before the read position pushes
the rest back, so the next page repeats records and a later one may be missed. Streams over
such vendors de-duplicate by id (``SeenIds``) and read what changed since the run began
once more at the end; docs/connectors.md describes the guarantee per mechanism.
"""

from __future__ import annotations

import abc
import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import structlog

from crossdock.connectors.http.errors import PagingCycle, PagingError, TotalMismatch

log = structlog.get_logger("crossdock.connectors.paging")

Locator = str | Callable[[httpx.Response, Any], object]
"""Where a value is: a dotted path into the JSON body (``"data.total_items"``), or a function."""


def dig(body: Any, path: str) -> Any:
    """``body["a"]["b"]`` for ``"a.b"``; None when any step is missing."""
    value = body
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def header(name: str) -> Callable[[httpx.Response, Any], object]:
    """A locator for a response header (``header("x-cresco-total")``)."""
    return lambda response, body: response.headers.get(name)


def locate(locator: Locator | None, response: httpx.Response, body: Any) -> object:
    if locator is None:
        return None
    if isinstance(locator, str):
        return dig(body, locator)
    return locator(response, body)


def _as_int(value: object) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


@dataclass(frozen=True)
class PageRequest:
    """The parts of a request that change from page to page."""

    params: Mapping[str, Any] = field(default_factory=dict)
    json: Any = None

    def with_params(self, **changes: Any) -> PageRequest:
        return replace(self, params={**self.params, **changes})

    def without_param(self, name: str) -> PageRequest:
        return replace(self, params={k: v for k, v in self.params.items() if k != name})


class Paginator(abc.ABC):
    """The checks every mechanism shares; subclasses say where the next page is."""

    def __init__(
        self,
        *,
        total: Locator | None = None,
        strict_total: bool = True,
        max_pages: int | None = None,
    ) -> None:
        self.total = total
        self.strict_total = strict_total
        self.max_pages = max_pages
        self.pages = 0
        self.received = 0
        self.stated_total: int | None = None
        self.problems: list[TotalMismatch] = []
        self._fingerprints: set[tuple[int, int]] = set()

    def first(self, request: PageRequest) -> PageRequest:
        """The first page's request, from the caller's parameters and body."""
        return request

    def next(
        self,
        sent: PageRequest,
        response: httpx.Response,
        body: Any,
        records: Sequence[Any],
    ) -> PageRequest | None:
        """The request for the page after this one, or None when this one was the last."""
        self.pages += 1
        self.received += len(records)
        stated = _as_int(locate(self.total, response, body))
        if stated is not None:
            self.stated_total = stated
        if records:
            fingerprint = (len(response.content), hash(response.content))
            if fingerprint in self._fingerprints:
                raise PagingCycle(
                    f"page {self.pages} repeats an earlier page exactly; the vendor is not "
                    "moving through its records (is the paging parameter ignored?)"
                )
            self._fingerprints.add(fingerprint)
        following = self.advance(sent, response, body, records)
        if following is None:
            self._check_total()
        elif self.max_pages is not None and self.pages >= self.max_pages:
            raise PagingError(f"stopped after {self.pages} pages, the most this read may take")
        return following

    @abc.abstractmethod
    def advance(
        self,
        sent: PageRequest,
        response: httpx.Response,
        body: Any,
        records: Sequence[Any],
    ) -> PageRequest | None:
        """Mechanism-specific: the next request, or None at the end."""

    def _check_total(self) -> None:
        stated = self.stated_total
        if stated is None or stated == self.received:
            return
        mismatch = TotalMismatch(
            f"the vendor stated {stated} records but {self.received} were received "
            f"in {self.pages} pages",
            expected=stated,
            received=self.received,
        )
        if self.strict_total:
            raise mismatch
        log.warning("total mismatch", expected=stated, received=self.received, pages=self.pages)
        self.problems.append(mismatch)


class PageNumberPaginator(Paginator):
    """``?page=N&limit=L`` (CRO ``page_index``/``page_limit``, Custom Trades ``page``/``limit``).

    Stops at an empty page or one shorter than the page size (the size the vendor echoes in
    ``size_echo``, which may be smaller than asked for), and after page ``total_pages`` when a
    locator for it is given; leave it out where the vendor may cap its totals. ``page_echo``
    checks that the vendor answered the page asked for, so one that clamps page numbers
    cannot loop on its last page. ``max_page`` is the highest page the vendor serves.
    """

    def __init__(
        self,
        *,
        page_param: str = "page",
        size_param: str = "limit",
        size: int = 100,
        first_page: int = 1,
        start_page: int | None = None,
        page_echo: Locator | None = None,
        size_echo: Locator | None = None,
        total_pages: Locator | None = None,
        max_page: int | None = None,
        **checks: Any,
    ) -> None:
        super().__init__(**checks)
        self.page_param = page_param
        self.size_param = size_param
        self.size = size
        self.first_page = first_page
        self.start_page = first_page if start_page is None else start_page
        self.page_echo = page_echo
        self.size_echo = size_echo
        self.total_pages = total_pages
        self.max_page = max_page

    def first(self, request: PageRequest) -> PageRequest:
        # A read resumed part-way counts the pages before it as read, for the total check.
        self.received = (self.start_page - self.first_page) * self.size
        return request.with_params(**{self.page_param: self.start_page, self.size_param: self.size})

    def advance(
        self,
        sent: PageRequest,
        response: httpx.Response,
        body: Any,
        records: Sequence[Any],
    ) -> PageRequest | None:
        page = int(sent.params[self.page_param])
        echoed = _as_int(locate(self.page_echo, response, body))
        if self.page_echo is not None and echoed != page:
            raise PagingCycle(f"asked for page {page} but the vendor answered page {echoed}")
        size = _as_int(locate(self.size_echo, response, body)) or self.size
        if not records or len(records) < size:
            return None
        total_pages = _as_int(locate(self.total_pages, response, body))
        if total_pages is not None and page >= total_pages:
            return None
        if self.max_page is not None and page + 1 > self.max_page:
            raise PagingError(
                f"the vendor serves pages up to {self.max_page} and there are more records; "
                "read with larger pages or a narrower filter"
            )
        return sent.with_params(**{self.page_param: page + 1})


class OffsetPaginator(Paginator):
    """``?offset=N&count=L`` with a stated total (CareCloud ``offset``/``count``/``total_items``).

    The next offset is this one plus the records received; the read ends at an empty or short
    page, or when the offset reaches the stated total.
    """

    def __init__(
        self,
        *,
        offset_param: str = "offset",
        limit_param: str = "limit",
        limit: int = 100,
        start_offset: int = 0,
        **checks: Any,
    ) -> None:
        super().__init__(**checks)
        self.offset_param = offset_param
        self.limit_param = limit_param
        self.limit = limit
        self.start_offset = start_offset

    def first(self, request: PageRequest) -> PageRequest:
        self.received = self.start_offset
        return request.with_params(
            **{self.offset_param: self.start_offset, self.limit_param: self.limit}
        )

    def advance(
        self,
        sent: PageRequest,
        response: httpx.Response,
        body: Any,
        records: Sequence[Any],
    ) -> PageRequest | None:
        if not records or len(records) < self.limit:
            return None
        offset = int(sent.params[self.offset_param]) + len(records)
        if self.stated_total is not None and offset >= self.stated_total:
            return None
        return sent.with_params(**{self.offset_param: offset})


class _TokenPaginator(Paginator):
    """Opaque next-page tokens: a token seen before is a cycle, unless the vendor says so."""

    def __init__(self, *, token_repeats: bool = False, **checks: Any) -> None:
        super().__init__(**checks)
        self.token_repeats = token_repeats
        self._tokens: set[str] = set()

    def _new_token(self, token: str) -> str:
        if not self.token_repeats:
            if token in self._tokens:
                raise PagingCycle(
                    f"the vendor sent a next-page token it had already sent (page {self.pages})"
                )
            self._tokens.add(token)
        return token


class HeaderTokenPaginator(_TokenPaginator):
    """Next-page token in a response header, sent back as a query parameter; no header, no
    more pages (Commerce Connect ``x-cresco-page`` as ``?page=``).

    ``token_repeats`` is for scroll-style reads where the vendor sends the same token every
    time (Commerce Connect with a page-token TTL); cycles are then caught by repeated pages.
    """

    def __init__(self, *, header_name: str, param: str, **options: Any) -> None:
        super().__init__(**options)
        self.header_name = header_name
        self.param = param

    def first(self, request: PageRequest) -> PageRequest:
        return request.without_param(self.param)

    def advance(
        self,
        sent: PageRequest,
        response: httpx.Response,
        body: Any,
        records: Sequence[Any],
    ) -> PageRequest | None:
        token = response.headers.get(self.header_name)
        if not token:
            return None
        return sent.with_params(**{self.param: self._new_token(token)})


class BodyCursorPaginator(_TokenPaginator):
    """A cursor in the response body, sent back in the next request's JSON body or query
    (Cropster: ``meta.pagination.endCursor`` into ``params.pagination.after``). A missing,
    null or empty cursor ends the read.
    """

    def __init__(
        self,
        *,
        cursor: Locator,
        json_path: str | None = None,
        query_param: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        if (json_path is None) == (query_param is None):
            raise ValueError("say where the cursor goes: json_path or query_param")
        self.cursor = cursor
        self.json_path = json_path
        self.query_param = query_param

    def advance(
        self,
        sent: PageRequest,
        response: httpx.Response,
        body: Any,
        records: Sequence[Any],
    ) -> PageRequest | None:
        value = locate(self.cursor, response, body)
        if value is None or value == "":
            return None
        token = self._new_token(str(value))
        if self.query_param is not None:
            return sent.with_params(**{self.query_param: token})
        assert self.json_path is not None
        return replace(sent, json=_with_path(sent.json, self.json_path, token))


def _with_path(document: Any, path: str, value: Any) -> dict[str, Any]:
    """A copy of ``document`` with ``value`` at the dotted ``path``, creating objects on the way."""
    result: dict[str, Any] = copy.deepcopy(document) if isinstance(document, dict) else {}
    node = result
    *parents, last = path.split(".")
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[last] = value
    return result
