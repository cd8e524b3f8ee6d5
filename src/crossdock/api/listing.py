"""List endpoints' answer: one page from the query compiler, with the pagination headers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import Session

from crossdock.errors import ValidationFailed
from crossdock.store.query import Listing, QueryError, paginate


def list_response(
    session: Session,
    listing: Listing,
    statement: Select[Any],
    request: Request,
    serialize: Callable[[Any], dict[str, Any]],
    extra_where: Sequence[ColumnElement[bool]] = (),
) -> JSONResponse:
    """Run a listing for the request's query string and answer with a JSON array.

    ``x-cresco-page`` carries the next page's token (absent on the last page) and
    ``x-cresco-total`` the number of matching records.
    """
    try:
        page = paginate(
            session,
            listing,
            statement,
            request.query_params.multi_items(),
            serialize=serialize,
            extra_where=list(extra_where),
            clock=request.app.state.hub.clock,
        )
    except QueryError as exc:
        raise ValidationFailed(exc.detail, field=exc.field) from exc
    return JSONResponse(page.items, headers=page.headers())
