"""The HTTP surface: the emulated operations of both interfaces, under their own prefixes.

Handlers read query strings and bodies themselves (no FastAPI models), so every problem is
reported in CareCloud's ``invalid_params`` form and authentication is checked before the body,
as on the real service. List pages are joined from cached per-record JSON.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from crossdock.sandboxes.carecloud.accounts import DeviceToken
from crossdock.sandboxes.carecloud.errors import (
    CareCloudError,
    InvalidParam,
    invalid,
    language_of,
    not_found,
)
from crossdock.sandboxes.carecloud.listing import (
    boolean,
    customer_query,
    paging,
    source_record_query,
)
from crossdock.sandboxes.carecloud.models import dumps, source_record
from crossdock.sandboxes.carecloud.paths import CUSTOMER, ENTERPRISE, prefix
from crossdock.sandboxes.carecloud.state import CareCloudState
from crossdock.sandboxes.carecloud.validation import Problems, json_object

Handler = Callable[[Request], Awaitable[Response]]


def ok(payload: Any, status: int = 200) -> Response:
    return Response(dumps(payload), status, media_type="application/json")


def no_content() -> Response:
    return Response(status_code=204)


class Routes:
    """The handlers of one interface; the same resource may differ between interfaces."""

    def __init__(self, state: CareCloudState, interface: str) -> None:
        self.state = state
        self.interface = interface

    def authenticate(self, request: Request) -> DeviceToken | None:
        """The caller's customer token (customer interface), or None after a bearer check."""
        authorization = request.headers.get("authorization")
        if self.interface == ENTERPRISE:
            self.state.accounts.session_for(authorization)
            return None
        return self.state.accounts.device_token_for(authorization)

    def logged_in(self, token: DeviceToken | None) -> str:
        assert token is not None
        if token.customer_id is None:
            raise CareCloudError(403, "customer_not_logged_in")
        return token.customer_id

    def own(self, token: DeviceToken | None, customer_id: str) -> None:
        """On the customer interface a customer reaches only their own record."""
        if self.interface == CUSTOMER and self.logged_in(token) != customer_id:
            raise invalid(
                InvalidParam("customer_id", "not_belong_to_logged_in_customer", customer_id)
            )

    # -- customers ---------------------------------------------------------------------------

    async def list_customers(self, request: Request) -> Response:
        state = self.state
        with state.lock:
            token = self.authenticate(request)
            query = customer_query(request.query_params)
            if self.interface == CUSTOMER:
                rows, total = [state.customer(self.logged_in(token))], 1
            else:
                rows, total = state.select(query)
            system = state.catalog.system_consents
            if query.short_salutation:
                docs = [dumps(c.document(system, short_salutation=True)) for c in rows]
            else:
                docs = [c.json(system) for c in rows]
        body = b"".join(
            (b'{"data":{"customers":[', b",".join(docs), b'],"total_items":', b"%d}}" % total)
        )
        return Response(body, media_type="application/json")

    async def get_customer(self, request: Request) -> Response:
        customer_id = request.path_params["customer_id"]
        problems = Problems()
        with self.state.lock:
            token = self.authenticate(request)
            short = boolean(problems, request.query_params, "customer_short_salutation")
            problems.raise_if_any()
            self.own(token, customer_id)
            customer = self.state.customer(customer_id)
            system = self.state.catalog.system_consents
            if short:
                doc = dumps(customer.document(system, short_salutation=True))
            else:
                doc = customer.json(system)
        return Response(b'{"data":' + doc + b"}", media_type="application/json")

    async def create_customer(self, request: Request) -> Response:
        with self.state.lock:
            token = self.authenticate(request)
        body = json_object(await request.body())
        with self.state.lock:
            customer, autologin = self.state.create_customer(body)
            if (
                token is not None
                and autologin
                and token.token_id in self.state.accounts.device_tokens
            ):
                # Registration with autologin logs the new customer in to the caller's token.
                token.customer_id = customer.customer_id
        return ok({"data": {"customer_id": customer.customer_id}}, 201)

    async def replace_customer(self, request: Request) -> Response:
        customer_id = request.path_params["customer_id"]
        with self.state.lock:
            token = self.authenticate(request)
            self.own(token, customer_id)
        body = json_object(await request.body())
        with self.state.lock:
            self.state.replace_customer(customer_id, body)
        return no_content()

    # -- customer source records -------------------------------------------------------------

    async def list_source_records(self, request: Request) -> Response:
        with self.state.lock:
            token = self.authenticate(request)
            query = source_record_query(request.query_params, by_customer=True)
            # The customer interface lists the logged-in customer's records only.
            own = None
            if self.interface == CUSTOMER:
                own = self.state.customer(self.logged_in(token))
            rows, total = self.state.select_source_records(query, own)
            docs = [source_record(c) for c in rows]
        return ok({"data": {"customer_source_records": docs, "total_items": total}})

    async def customer_source_records(self, request: Request) -> Response:
        customer_id = request.path_params["customer_id"]
        with self.state.lock:
            token = self.authenticate(request)
            query = source_record_query(request.query_params, by_customer=False)
            self.own(token, customer_id)
            customer = self.state.customer(customer_id)
            rows, total = self.state.select_source_records(query, customer)
            docs = [source_record(c) for c in rows]
        return ok({"data": {"customer_source_records": docs, "total_items": total}})

    # -- stores and consents -----------------------------------------------------------------

    async def list_stores(self, request: Request) -> Response:
        query = request.query_params
        problems = Problems()
        with self.state.lock:
            self.authenticate(request)
            docs = [s.document() for s in self.state.stores.values()]
        visible = query.get("visible_for_customer")
        if visible is not None:
            if visible not in ("0", "1"):
                problems.add("visible_for_customer", "not_allowed_value", visible)
            docs = [d for d in docs if str(d["visibility_for_customer"]) == visible]
        if "system_id" in query:
            docs = [d for d in docs if d["system_id"] == query["system_id"]]
        if "property_id" in query:
            docs = []  # the sandbox's stores carry no store properties, so none match
        return ok(_page(problems, query, docs, "stores"))

    async def get_store(self, request: Request) -> Response:
        store_id = request.path_params["store_id"]
        with self.state.lock:
            self.authenticate(request)
            store = self.state.stores.get(store_id)
            if store is None:
                raise not_found("stores", store_id)
            return ok({"data": store.document()})

    async def list_agreements(self, request: Request) -> Response:
        query = request.query_params
        language = language_of(request)
        with self.state.lock:
            self.authenticate(request)
            docs = [a.document(language) for a in self.state.agreements.values()]
        for name in ("communication_channel_id", "text_id"):
            if name in query:
                docs = [d for d in docs if d[name] == query[name]]
        return ok(_page(Problems(), query, docs, "agreements"))

    async def get_agreement(self, request: Request) -> Response:
        agreement_id = request.path_params["agreement_id"]
        with self.state.lock:
            self.authenticate(request)
            agreement = self.state.agreements.get(agreement_id)
            if agreement is None:
                raise not_found("agreements", agreement_id)
            return ok({"data": agreement.document(language_of(request))})

    # -- enterprise: users -------------------------------------------------------------------

    async def user_login(self, request: Request) -> Response:
        body = json_object(await request.body())
        with self.state.lock:
            return ok({"data": self.state.accounts.user_login(body)})

    async def user_logout(self, request: Request) -> Response:
        with self.state.lock:
            session = self.state.accounts.session_for(request.headers.get("authorization"))
        body = json_object(await request.body())
        with self.state.lock:
            self.state.accounts.user_logout(session, body)
        return no_content()

    # -- customer interface: tokens ----------------------------------------------------------

    async def create_token(self, request: Request) -> Response:
        body = json_object(await request.body())
        with self.state.lock:
            token = self.state.accounts.create_token(body)
        return ok({"data": {"token_id": token.token_id}}, 201)

    async def token_login(self, request: Request) -> Response:
        with self.state.lock:
            caller = self.state.accounts.device_token_for(request.headers.get("authorization"))
            token = self.state.accounts.path_token(caller, request.path_params["token_id"])
        body = json_object(await request.body())
        with self.state.lock:
            customer_id = self.state.customer_login(token, body)
        return ok({"data": {"customer_id": customer_id}})

    async def token_logout(self, request: Request) -> Response:
        with self.state.lock:
            caller = self.state.accounts.device_token_for(request.headers.get("authorization"))
            token = self.state.accounts.path_token(caller, request.path_params["token_id"])
            token.customer_id = None
        return no_content()


def _page(problems: Problems, query: Any, docs: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """Sort and page a small in-memory list of documents by any scalar first-level field."""
    fields = (
        tuple(k for k, v in docs[0].items() if isinstance(v, str | int | float)) if docs else ()
    )
    page = paging(problems, query, fields or ("",))
    problems.raise_if_any()
    if page.sort_field:
        field = page.sort_field
        docs = sorted(docs, key=lambda d: d[field], reverse=page.descending)
    elif page.descending:
        docs = docs[::-1]
    return {"data": {key: docs[page.offset : page.offset + page.count], "total_items": len(docs)}}


# (method, path, handler name, interfaces) for every emulated operation.
TABLE: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("POST", "/users/actions/login", "user_login", (ENTERPRISE,)),
    ("POST", "/users/actions/logout", "user_logout", (ENTERPRISE,)),
    ("GET", "/customers", "list_customers", (ENTERPRISE, CUSTOMER)),
    ("POST", "/customers", "create_customer", (ENTERPRISE, CUSTOMER)),
    ("GET", "/customers/{customer_id}", "get_customer", (ENTERPRISE, CUSTOMER)),
    ("PUT", "/customers/{customer_id}", "replace_customer", (ENTERPRISE, CUSTOMER)),
    (
        "GET",
        "/customers/{customer_id}/customer-source-records",
        "customer_source_records",
        (ENTERPRISE, CUSTOMER),
    ),
    ("GET", "/customer-source-records", "list_source_records", (ENTERPRISE, CUSTOMER)),
    ("GET", "/stores", "list_stores", (ENTERPRISE, CUSTOMER)),
    ("GET", "/stores/{store_id}", "get_store", (ENTERPRISE, CUSTOMER)),
    ("GET", "/agreements", "list_agreements", (ENTERPRISE, CUSTOMER)),
    ("GET", "/agreements/{agreement_id}", "get_agreement", (ENTERPRISE, CUSTOMER)),
    ("POST", "/tokens", "create_token", (CUSTOMER,)),
    ("POST", "/tokens/{token_id}/actions/login", "token_login", (CUSTOMER,)),
    ("POST", "/tokens/{token_id}/actions/logout", "token_logout", (CUSTOMER,)),
)


def add_routes(app: FastAPI, state: CareCloudState) -> None:
    for interface in (ENTERPRISE, CUSTOMER):
        routes = Routes(state, interface)
        for method, path, name, interfaces in TABLE:
            if interface in interfaces:
                handler: Handler = getattr(routes, name)
                # Plain Starlette routes: handlers take the Request themselves, so FastAPI's
                # dependency machinery would only add time to every request.
                app.add_route(
                    prefix(interface) + path, handler, methods=[method], include_in_schema=False
                )
    _add_control_routes(app, state)


def _add_control_routes(app: FastAPI, state: CareCloudState) -> None:
    """CareCloud-specific additions to the shared ``/_sandbox/`` control API."""

    async def set_customer_state(request: Request) -> Response:
        # Deleting or deactivating a customer is done in CareCloud's back office, not its API;
        # tests of incremental sync need it, so the control API offers it.
        try:
            body = json.loads(await request.body() or b"{}")
            new_state = body["state"]
        except (ValueError, KeyError, TypeError, RecursionError):
            return JSONResponse({"detail": 'send {"state": 0, 1 or 2}'}, 400)
        if new_state not in (0, 1, 2) or isinstance(new_state, bool):
            return JSONResponse({"detail": "state must be 0 (deleted), 1 or 2"}, 400)
        with state.lock:
            customer_id = request.path_params["customer_id"]
            if customer_id not in state.customers:
                return JSONResponse({"detail": f"no customer {customer_id}"}, 404)
            customer = state.set_state(customer_id, new_state)
            return JSONResponse(
                {
                    "customer_id": customer_id,
                    "state": customer.state,
                    "last_change": customer.last_change,
                }
            )

    app.add_api_route(
        "/_sandbox/carecloud/customers/{customer_id}/state",
        set_customer_state,
        methods=["POST"],
        include_in_schema=False,
    )
