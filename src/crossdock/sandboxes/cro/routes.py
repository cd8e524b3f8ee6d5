"""CRO's HTTP surface for customers and locations, at the root as CRO serves it.

Every path answers with and without a trailing slash (CRO's reference writes
``GET /customers/{customer_id}/``, its sample script ``/customers``), without redirects.
Lists are built from per-customer JSON cached on the record, joined into the page envelope.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from crossdock.sandboxes.cro.auth import Caller, authenticate
from crossdock.sandboxes.cro.errors import CroError
from crossdock.sandboxes.cro.inputs import json_body, path_id, query
from crossdock.sandboxes.cro.records import customer_model, dumps, page_body
from crossdock.sandboxes.cro.responses import METHOD_ORDER, json_response
from crossdock.sandboxes.cro.state import CroState
from crossdock.sandboxes.cro.tenant import Tenant
from crossdock.sandboxes.cro.validation import (
    CREATE_CUSTOMER,
    CUSTOMER_QUERY,
    NO_QUERY,
    PAGE_QUERY,
    UPDATE_CUSTOMER,
    LoadContext,
)

Handler = Callable[[Request, str], Awaitable[Response]]


def resource(router: APIRouter, path: str, **handlers: Handler) -> None:
    """Register one resource (with and without a trailing slash) and the methods it allows.

    One route per resource, dispatching on the method, so a wrong method gets a 405 whose
    ``Allow`` names all of the resource's methods.
    """
    allow = ",".join(method for method in METHOD_ORDER if method in handlers)
    methods = [*handlers, "HEAD"] if "GET" in handlers else list(handlers)

    async def endpoint(request: Request) -> Response:
        # HEAD is answered as GET; the server leaves the body out.
        handler = handlers.get(request.method) or handlers["GET"]
        return await handler(request, allow)

    for variant in (path, f"{path}/"):
        router.add_api_route(
            variant,
            endpoint,
            methods=methods,
            include_in_schema=False,
            response_model=None,
        )


def customer_routes(state: CroState) -> APIRouter:
    router = APIRouter()

    def context() -> LoadContext:
        return LoadContext(now_ms=state.now_ms())

    def listing(caller: Caller, params: dict[str, Any], location_id: int | None) -> bytes:
        page = params.pop("page_index", 1)
        limit = params.pop("page_limit", 100)
        full, key = caller.full_view, caller.id_key
        with state.lock:
            tenant = state.tenant(caller.tenant_id)
            if location_id is not None:
                tenant.location(location_id)
            rows = tenant.select(location_id=location_id, **params)
            return page_body(rows, page, limit, lambda chunk: tenant.rows_bytes(chunk, full, key))

    def row(tenant: Tenant, caller: Caller, customer_id: int) -> bytes:
        customer = tenant.customer(customer_id)
        return tenant.row_bytes(customer, caller.full_view, caller.id_key)

    def model(tenant: Tenant, caller: Caller, customer_id: int) -> bytes:
        customer = tenant.customer(customer_id)
        return dumps(customer_model(customer, tenant.detail(customer), full=caller.full_view))

    async def list_customers(request: Request, allow: str) -> Response:
        caller = authenticate(request, state, "read")
        params = CUSTOMER_QUERY.load(query(request), context())
        body = listing(caller, params, None)
        return json_response(body, api_version=caller.api_version, allow=allow)

    async def get_customer(request: Request, allow: str) -> Response:
        caller = authenticate(request, state, "read")
        customer_id = path_id(request, "customer_id")
        NO_QUERY.load(query(request), context())
        with state.lock:
            body = model(state.tenant(caller.tenant_id), caller, customer_id)
        return json_response(body, api_version=caller.api_version, allow=allow)

    async def patch_customer(request: Request, allow: str) -> Response:
        caller = authenticate(request, state, "write")
        customer_id = path_id(request, "customer_id")
        data = UPDATE_CUSTOMER.load(await json_body(request, UPDATE_CUSTOMER.name), context())
        with state.lock:
            tenant = state.tenant(caller.tenant_id)
            tenant.update_customer(tenant.customer(customer_id), data, state.now_ms())
            body = model(tenant, caller, customer_id)
        return json_response(body, api_version=caller.api_version, allow=allow)

    async def list_location_customers(request: Request, allow: str) -> Response:
        caller = authenticate(request, state, "read")
        location_id = path_id(request, "location_id")
        params = CUSTOMER_QUERY.load(query(request), context())
        body = listing(caller, params, location_id)
        return json_response(body, api_version=caller.api_version, allow=allow)

    async def create_customer(request: Request, allow: str) -> Response:
        caller = authenticate(request, state, "write")
        location_id = path_id(request, "location_id")
        data = CREATE_CUSTOMER.load(await json_body(request, CREATE_CUSTOMER.name), context())
        with state.lock:
            tenant = state.tenant(caller.tenant_id)
            customer = tenant.create_customer(location_id, data, state.now_ms())
            body = row(tenant, caller, customer.id)
        return json_response(body, api_version=caller.api_version, status=201, allow=allow)

    async def get_location_customer(request: Request, allow: str) -> Response:
        caller = authenticate(request, state, "read")
        location_id = path_id(request, "location_id")
        customer_id = path_id(request, "customer_id")
        NO_QUERY.load(query(request), context())
        with state.lock:
            tenant = state.tenant(caller.tenant_id)
            tenant.location(location_id)
            if tenant.customer(customer_id).location_id != location_id:
                raise CroError(
                    404,
                    f"Customer {customer_id} not found at location {location_id}.",
                    "customer_id",
                )
            body = row(tenant, caller, customer_id)
        return json_response(body, api_version=caller.api_version, allow=allow)

    async def list_locations(request: Request, allow: str) -> Response:
        caller = authenticate(request, state, "read")
        params = PAGE_QUERY.load(query(request), context())
        with state.lock:
            locations = list(state.tenant(caller.tenant_id).locations.values())
        body = page_body(
            locations,
            params.get("page_index", 1),
            params.get("page_limit", 100),
            lambda chunk: [location.body for location in chunk],
        )
        return json_response(body, api_version=caller.api_version, allow=allow)

    async def get_location(request: Request, allow: str) -> Response:
        caller = authenticate(request, state, "read")
        location_id = path_id(request, "location_id")
        NO_QUERY.load(query(request), context())
        with state.lock:
            body = state.tenant(caller.tenant_id).location(location_id).body
        return json_response(body, api_version=caller.api_version, allow=allow)

    resource(router, "/customers", GET=list_customers)
    resource(router, "/customers/{customer_id}", GET=get_customer, PATCH=patch_customer)
    resource(
        router,
        "/locations/{location_id}/customers",
        GET=list_location_customers,
        POST=create_customer,
    )
    resource(router, "/locations/{location_id}/customers/{customer_id}", GET=get_location_customer)
    resource(router, "/locations", GET=list_locations)
    resource(router, "/locations/{location_id}", GET=get_location)
    return router
