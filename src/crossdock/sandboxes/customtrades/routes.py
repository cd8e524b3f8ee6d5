"""The ``/api/v1`` surface: every endpoint of the vendor's reference, and the gateway in front of
them (API key, monthly usage, ``Idempotency-Key``) that every request passes through.

Handlers are plain functions of a ``Call`` that return the ``data`` member as JSON bytes; the
gateway wraps it in ``{"success": true, "data": ...}``, adds the usage headers and stores or
replays idempotent responses. Handlers run under the state lock without awaiting anything, so
a request's check-and-act is atomic: ten concurrent repeats of one key act exactly once.

Where the vendor's reference is silent, the gateway chooses: 401s carry no usage headers (no
company is known yet); only 2xx responses are stored for replay; a key reused with another
query or body answers 422, as Stripe does; keys apply to every method, reads included, as the
vendor's own example (a key on ``GET /companies/me``) suggests.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crossdock.sandboxes.customtrades import records
from crossdock.sandboxes.customtrades.company import Company
from crossdock.sandboxes.customtrades.errors import (
    SERVER_ERROR,
    USAGE_LIMIT_REACHED,
    ApiError,
    bad_request,
    error_bytes,
    not_found,
)
from crossdock.sandboxes.customtrades.fields import clean
from crossdock.sandboxes.customtrades.idempotency import MAX_KEY_LENGTH, Stored, fingerprint
from crossdock.sandboxes.customtrades.money import EstimateRules, InvoiceRules
from crossdock.sandboxes.customtrades.resources import RULES
from crossdock.sandboxes.customtrades.rules import Rules
from crossdock.sandboxes.customtrades.schemas import SEQUENCE
from crossdock.sandboxes.customtrades.state import CustomTradesState
from crossdock.sandboxes.customtrades.store import dumps

log = logging.getLogger(__name__)
PREFIX = "/api/v1"


@dataclass
class Call:
    """One authenticated request, as a handler sees it."""

    company: Company
    params: Mapping[str, str]
    query: Mapping[str, str]
    raw_body: bytes

    def body(self) -> Any:
        if not self.raw_body.strip():
            raise bad_request("Request body must be a JSON object")
        try:
            return json.loads(self.raw_body, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise bad_request("Invalid JSON in request body") from exc


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


Handler = Callable[[Call], tuple[int, bytes]]


def _ok(data: bytes, status: int = 200) -> tuple[int, bytes]:
    return status, b'{"success":true,"data":' + data + b"}"


class Gateway:
    """Authentication, usage and idempotency around every handler."""

    def __init__(self, state: CustomTradesState) -> None:
        self.state = state

    def endpoint(self, handlers: Mapping[str, Handler]) -> Callable[[Request], Awaitable[Response]]:
        """One endpoint per path; the router has already refused methods not in ``handlers``."""

        async def serve(request: Request) -> Response:
            raw = await request.body()
            method = "GET" if request.method == "HEAD" else request.method
            return self.dispatch(request, raw, handlers[method])

        return serve

    def dispatch(self, request: Request, raw: bytes, handler: Handler) -> Response:
        state = self.state
        with state.lock:
            company = state.authenticate(request.headers)
            now = state.now_ms()
            allowed, headers = state.usage.charge(company.uuid, now)
            if not allowed:
                return _respond(403, error_bytes(USAGE_LIMIT_REACHED), headers)
            call = Call(company, request.path_params, request.query_params, raw)
            key = request.headers.get("idempotency-key")
            if key is None:
                return _respond(*self._run(handler, call), headers)
            headers["X-Idempotency-Key"] = key
            if not key.strip():
                return _respond(400, error_bytes("Idempotency-Key cannot be empty"), headers)
            if len(key) > MAX_KEY_LENGTH:
                message = f"Idempotency-Key must be at most {MAX_KEY_LENGTH} characters"
                return _respond(400, error_bytes(message), headers)
            scope = (company.uuid, request.method, request.url.path, key)
            signature = fingerprint(request.url.query, raw)
            stored = state.idempotency.lookup(scope, now)
            if stored is not None:
                if stored.fingerprint != signature:
                    message = (
                        "Idempotency-Key has already been used with a different request; "
                        "use a new key for a new request"
                    )
                    return _respond(422, error_bytes(message), headers)
                headers["X-Idempotency-Cached"] = "true"
                return _respond(stored.status, stored.body, headers)
            status, body = self._run(handler, call)
            if 200 <= status < 300:
                state.idempotency.store(scope, Stored(signature, status, body, now))
            headers["X-Idempotency-Cached"] = "false"
            return _respond(status, body, headers)

    @staticmethod
    def _run(handler: Handler, call: Call) -> tuple[int, bytes]:
        try:
            return handler(call)
        except ApiError as exc:
            return exc.status, error_bytes(exc.message)
        except Exception:  # a sandbox bug must still answer in the vendor's format
            log.exception("custom trades sandbox: handler failed")
            return 500, error_bytes(SERVER_ERROR)


def _respond(status: int, body: bytes, headers: dict[str, str]) -> Response:
    return Response(body, status_code=status, media_type="application/json", headers=headers)


# -- handlers -------------------------------------------------------------------------------


def company_me(call: Call) -> tuple[int, bytes]:
    return _ok(dumps(call.company.profile))


def numbering_get(call: Call) -> tuple[int, bytes]:
    numbering = call.company.numbering
    return _ok(dumps({kind: sequence.describe() for kind, sequence in numbering.items()}))


def numbering_put(call: Call) -> tuple[int, bytes]:
    """Only the settings sent change: ``{"invoice": {prefix, padding, next_number}, "estimate":
    {...}}``; ``next_number`` is a one-time override used by the next document."""
    body = records.as_object(call.body())
    numbering = call.company.numbering
    changes: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for kind in numbering:
        if kind not in body or body[kind] is None:
            continue
        if not isinstance(body[kind], dict):
            problems.append(f"{kind} must be an object")
            continue
        values, found = clean(SEQUENCE, body[kind], partial=True)
        problems.extend(f"{kind}.{problem}" for problem in found)
        changes[kind] = values
    for kind, values in changes.items():
        sequence = numbering[kind]
        if values.get("next_number") is not None:
            prefix = values.get("prefix", sequence.prefix) or ""
            padding = values.get("padding", sequence.padding)
            padding = sequence.padding if padding is None else padding
            formatted = f"{prefix}{values['next_number']:0{padding}d}"
            if formatted in sequence.used:
                problems.append(f"{kind}.next_number {formatted} is already in use")
    if problems:
        raise bad_request("; ".join(problems))
    for kind, values in changes.items():
        sequence = numbering[kind]
        if "prefix" in values:
            sequence.prefix = values["prefix"] or ""
        if values.get("padding") is not None:
            sequence.padding = values["padding"]
        if values.get("next_number") is not None:
            sequence.override = values["next_number"]
    return _ok(dumps({"message": "Numbering settings updated successfully"}))


def list_handler(rules: Rules) -> Handler:
    def handle(call: Call) -> tuple[int, bytes]:
        listing = records.parse_listing(rules, call.query)
        rows, total = records.list_rows(call.company, rules, listing)
        return _ok(records.render_page(call.company, rules.kind, rows, total, listing))

    return handle


def create_handler(rules: Rules) -> Handler:
    def handle(call: Call) -> tuple[int, bytes]:
        row = records.create(call.company, rules, call.body())
        return _ok(call.company.render(rules.kind, row), 201)

    return handle


def get_handler(rules: Rules) -> Handler:
    def handle(call: Call) -> tuple[int, bytes]:
        row = records.fetch(call.company, rules, call.params["uuid"])
        return _ok(call.company.render(rules.kind, row))

    return handle


def update_handler(rules: Rules) -> Handler:
    def handle(call: Call) -> tuple[int, bytes]:
        row = records.fetch(call.company, rules, call.params["uuid"])
        row = records.update(call.company, rules, row, call.body())
        return _ok(call.company.render(rules.kind, row))

    return handle


def delete_handler(rules: Rules) -> Handler:
    def handle(call: Call) -> tuple[int, bytes]:
        row = records.fetch(call.company, rules, call.params["uuid"])
        row = records.delete(call.company, rules, row)
        return _ok(call.company.render(rules.kind, row))

    return handle


def estimate_preview(call: Call) -> tuple[int, bytes]:
    """What creating this estimate would produce, without saving it or using a number."""
    rules = RULES["estimates"]
    assert isinstance(rules, EstimateRules)
    values = records.cleaned(rules, call.body(), None)
    record = records.draft(rules, values)
    price = rules.price(call.company, record, values, None)
    assert price is not None
    sequence = call.company.numbering["estimate"]
    preview = {
        "estimate_number": sequence.format(sequence.peek()),
        **{k: record[k] for k in ("customer_uuid", "job_uuid", "template_uuid", "selected_tier")},
        **{k: record[k] for k in ("quantity", "selected_addons", "adjustments")},
        **price,
    }
    return _ok(dumps(preview))


def invoice_preview(call: Call) -> tuple[int, bytes]:
    """What creating this invoice would produce, without saving it or using a number."""
    rules = RULES["invoices"]
    assert isinstance(rules, InvoiceRules)
    values = records.cleaned(rules, call.body(), None)
    record = records.draft(rules, values)
    totals = rules.price(call.company, record, values, None)
    sequence = call.company.numbering["invoice"]
    preview = {
        "invoice_number": sequence.format(sequence.peek()),
        **{k: record[k] for k in ("customer_uuid", "job_uuid", "invoice_type", "issue_date")},
        "due_date": record["due_date"],
        **totals,
    }
    return _ok(dumps(preview))


def _job(call: Call) -> str:
    jobs = RULES["jobs"]
    return records.fetch(call.company, jobs, call.params["job_uuid"]).uuid


def _photo(call: Call, job: str) -> Any:
    photos = RULES["photos"]
    row = records.fetch(call.company, photos, call.params["photo_uuid"])
    if row.data["job_uuid"] != job:
        raise not_found("Photo")
    return row


def photos_list(call: Call) -> tuple[int, bytes]:
    job = _job(call)
    rules = RULES["photos"]
    listing = records.parse_listing(rules, call.query)
    collection = call.company.collections["photos"].rows
    mine = [collection[key] for key in call.company.photos_by_job.get(job, ())]
    rows, total = records.list_subset(mine, listing)
    return _ok(records.render_page(call.company, "photos", rows, total, listing))


def photos_create(call: Call) -> tuple[int, bytes]:
    job = _job(call)
    row = records.create(call.company, RULES["photos"], call.body(), job_uuid=job)
    return _ok(call.company.render("photos", row), 201)


def photos_get(call: Call) -> tuple[int, bytes]:
    row = _photo(call, _job(call))
    return _ok(call.company.render("photos", row))


def photos_delete(call: Call) -> tuple[int, bytes]:
    row = _photo(call, _job(call))
    row = records.delete(call.company, RULES["photos"], row)
    return _ok(call.company.render("photos", row))


def build_routes(state: CustomTradesState) -> list[Route]:
    gateway = Gateway(state)
    paths: dict[str, dict[str, Handler]] = {
        "/companies/me": {"GET": company_me},
        "/numbering": {"GET": numbering_get, "PUT": numbering_put},
        "/estimates/preview": {"POST": estimate_preview},
        "/invoices/preview": {"POST": invoice_preview},
        "/jobs/{job_uuid}/photos": {"GET": photos_list, "POST": photos_create},
        "/jobs/{job_uuid}/photos/{photo_uuid}": {"GET": photos_get, "DELETE": photos_delete},
    }
    for kind in ("customers", "locations", "jobs", "estimates", "invoices", "payments"):
        rules = RULES[kind]
        paths[f"/{kind}"] = {"GET": list_handler(rules), "POST": create_handler(rules)}
        paths[f"/{kind}/{{uuid}}"] = {
            "GET": get_handler(rules),
            "PUT": update_handler(rules),
            "DELETE": delete_handler(rules),
        }
    return [
        Route(PREFIX + path, gateway.endpoint(handlers), methods=list(handlers))
        for path, handlers in paths.items()
    ]
