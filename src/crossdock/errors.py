"""Crossdock's error tree, grouped by what the caller should do about it.

- ``FixRequest``: the request or record is wrong; sending it again unchanged will fail again.
- ``FixCredentials``: authenticate again, or with other credentials or rights.
- ``RetryLater``: a transient condition; the same request may succeed later.
- ``GiveUp``: nothing the caller can do; an operator must look.

Every error carries the ``field`` it concerns (``CreateCompanyModel.country``), a ``detail``
(why it was refused) and an ``explanation`` (what it means for the caller). The HTTP status of
each class is declared on it, and ``status_for`` is the one place that maps errors to statuses.
"""

from __future__ import annotations

from typing import ClassVar


class CrossdockError(Exception):
    status: ClassVar[int] = 500
    explanation: ClassVar[str] = "The request could not be completed."

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        explanation: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.headers = headers or {}
        if explanation is not None:
            self.explanation = explanation  # type: ignore[misc]


class FixRequest(CrossdockError):
    status = 400
    explanation = "The request was not valid; correct it before sending it again."


class ValidationFailed(FixRequest):
    explanation = "The request body or parameters did not match the model."

    def __init__(
        self, detail: str, *, field: str | None = None, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(detail, field=field)
        self.errors = errors or []


class NotFound(FixRequest):
    status = 404
    explanation = "The resource could not be accessed."


class Conflict(FixRequest):
    status = 409
    explanation = "The request conflicts with the current state of the resource."


class PayloadTooLarge(FixRequest):
    status = 413
    explanation = "The request body is larger than this endpoint accepts."


class MethodNotAllowed(FixRequest):
    status = 405
    explanation = "This method is not supported on this resource."


class FixCredentials(CrossdockError):
    status = 401
    explanation = "Authenticate again: the credentials were missing, invalid or expired."


class Forbidden(FixCredentials):
    status = 403
    explanation = "The authenticated user may not perform this action on this resource."


class RetryLater(CrossdockError):
    status = 503
    explanation = "A temporary condition; retry the request later."


class Throttled(RetryLater):
    status = 429
    explanation = "Too many attempts; wait before trying again."


class GiveUp(CrossdockError):
    status = 500
    explanation = "Crossdock could not complete the request; an operator has been told."


def status_for(error: CrossdockError) -> int:
    return error.status
