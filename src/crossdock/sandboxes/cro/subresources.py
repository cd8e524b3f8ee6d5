"""A customer's sub-resources: addresses, contacts and its location record.

Every change here counts as a change to the customer: its ``last_updated_on`` moves, so a
client syncing with ``last_updated_gte`` sees edited addresses and contacts too.

Deviations (CRO's reference does not say): deleting an address deactivates it (it stays
listed with ``is_active`` false, as CRO keeps addresses), deleting a contact removes it and
answers with the removed contact, and creates answer 201. A customer's location record is
addressed by its location id (``customer_location_id`` is the location's id).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from crossdock.sandboxes.cro.auth import Access, Caller, authenticate
from crossdock.sandboxes.cro.errors import CroError
from crossdock.sandboxes.cro.inputs import json_body, path_id, query
from crossdock.sandboxes.cro.records import (
    Customer,
    dumps,
    location_row,
    page_body,
    render_each,
)
from crossdock.sandboxes.cro.responses import json_response
from crossdock.sandboxes.cro.routes import resource
from crossdock.sandboxes.cro.state import CroState
from crossdock.sandboxes.cro.tenant import Tenant
from crossdock.sandboxes.cro.validation import (
    CREATE_ADDRESS,
    CREATE_CONTACT,
    NO_QUERY,
    PAGE_QUERY,
    UPDATE_ADDRESS,
    UPDATE_CONTACT,
    UPDATE_CUSTOMER_LOCATION,
    LoadContext,
)


def subresource_routes(state: CroState) -> APIRouter:
    router = APIRouter()

    def context() -> LoadContext:
        return LoadContext(now_ms=state.now_ms())

    def reply(caller: Caller, body: Any, allow: str, status: int = 200) -> Response:
        encoded = body if isinstance(body, bytes) else dumps(body)
        return json_response(encoded, api_version=caller.api_version, status=status, allow=allow)

    def begin(request: Request, access: Access) -> tuple[Caller, int]:
        caller = authenticate(request, state, access)
        return caller, path_id(request, "customer_id")

    def customer_of(caller: Caller, customer_id: int) -> tuple[Tenant, Customer]:
        tenant = state.tenant(caller.tenant_id)
        return tenant, tenant.customer(customer_id)

    # -- addresses -----------------------------------------------------------------------

    async def list_addresses(request: Request, allow: str) -> Response:
        caller, customer_id = begin(request, "read")
        params = PAGE_QUERY.load(query(request), context())
        with state.lock:
            tenant, customer = customer_of(caller, customer_id)
            body = page_body(
                tenant.detail(customer).addresses,
                params.get("page_index", 1),
                params.get("page_limit", 100),
                render_each,
            )
        return reply(caller, body, allow)

    async def add_address(request: Request, allow: str) -> Response:
        caller, customer_id = begin(request, "write")
        data = CREATE_ADDRESS.load(await json_body(request, CREATE_ADDRESS.name), context())
        with state.lock:
            tenant, customer = customer_of(caller, customer_id)
            address = tenant.add_address(customer, data, state.now_ms())
            body = dumps(address)
        return reply(caller, body, allow, status=201)

    async def get_address(request: Request, allow: str) -> Response:
        caller, customer_id = begin(request, "read")
        address_id = path_id(request, "customer_address_id")
        NO_QUERY.load(query(request), context())
        with state.lock:
            tenant, customer = customer_of(caller, customer_id)
            body = dumps(tenant.address(customer, address_id))
        return reply(caller, body, allow)

    async def patch_address(request: Request, allow: str) -> Response:
        caller, customer_id = begin(request, "write")
        address_id = path_id(request, "customer_address_id")
        data = UPDATE_ADDRESS.load(await json_body(request, UPDATE_ADDRESS.name), context())
        with state.lock:
            tenant, customer = customer_of(caller, customer_id)
            address = tenant.address(customer, address_id)
            address.update(data)
            if data:
                customer.touch(state.now_ms())
            body = dumps(address)
        return reply(caller, body, allow)

    async def delete_address(request: Request, allow: str) -> Response:
        caller, customer_id = begin(request, "write")
        address_id = path_id(request, "customer_address_id")
        with state.lock:
            tenant, customer = customer_of(caller, customer_id)
            address = tenant.address(customer, address_id)
            address["is_active"] = False
            customer.touch(state.now_ms())
            body = dumps(address)
        return reply(caller, body, allow)

    # -- contacts ------------------------------------------------------------------------

    async def list_contacts(request: Request, allow: str) -> Response:
        caller, customer_id = begin(request, "read")
        params = PAGE_QUERY.load(query(request), context())
        with state.lock:
            tenant, customer = customer_of(caller, customer_id)
            body = page_body(
                tenant.detail(customer).contacts,
                params.get("page_index", 1),
                params.get("page_limit", 100),
                render_each,
            )
        return reply(caller, body, allow)

    async def add_contact(request: Request, allow: str) -> Response:
        caller, customer_id = begin(request, "write")
        data = CREATE_CONTACT.load(await json_body(request, CREATE_CONTACT.name), context())
        with state.lock:
            tenant, customer = customer_of(caller, customer_id)
            body = dumps(tenant.add_contact(customer, data, state.now_ms()))
        return reply(caller, body, allow, status=201)

    async def get_contact(request: Request, allow: str) -> Response:
        caller, customer_id = begin(request, "read")
        contact_id = path_id(request, "customer_contact_id")
        NO_QUERY.load(query(request), context())
        with state.lock:
            tenant, customer = customer_of(caller, customer_id)
            body = dumps(tenant.contact(customer, contact_id))
        return reply(caller, body, allow)

    async def patch_contact(request: Request, allow: str) -> Response:
        caller, customer_id = begin(request, "write")
        contact_id = path_id(request, "customer_contact_id")
        data = UPDATE_CONTACT.load(await json_body(request, UPDATE_CONTACT.name), context())
        with state.lock:
            tenant, customer = customer_of(caller, customer_id)
            contact = tenant.contact(customer, contact_id)
            contact.update(data)
            if data:
                customer.touch(state.now_ms())
            body = dumps(contact)
        return reply(caller, body, allow)

    async def delete_contact(request: Request, allow: str) -> Response:
        caller, customer_id = begin(request, "write")
        contact_id = path_id(request, "customer_contact_id")
        with state.lock:
            tenant, customer = customer_of(caller, customer_id)
            body = dumps(tenant.remove_contact(customer, contact_id, state.now_ms()))
        return reply(caller, body, allow)

    # -- the customer's location record --------------------------------------------------

    def location_record(
        caller: Caller, customer_id: int, location_id: int
    ) -> tuple[Tenant, Customer]:
        tenant, customer = customer_of(caller, customer_id)
        if customer.location_id != location_id:
            raise CroError(
                404,
                f"Customer {customer_id} has no location record {location_id}.",
                "customer_location_id",
            )
        return tenant, customer

    def record_body(tenant: Tenant, customer: Customer, caller: Caller) -> bytes:
        return dumps(
            location_row(
                customer, tenant.detail(customer), full=caller.full_view, key=caller.id_key
            )
        )

    async def get_location_record(request: Request, allow: str) -> Response:
        caller, customer_id = begin(request, "read")
        location_id = path_id(request, "customer_location_id")
        NO_QUERY.load(query(request), context())
        with state.lock:
            tenant, customer = location_record(caller, customer_id, location_id)
            body = record_body(tenant, customer, caller)
        return reply(caller, body, allow)

    async def patch_location_record(request: Request, allow: str) -> Response:
        caller, customer_id = begin(request, "write")
        location_id = path_id(request, "customer_location_id")
        model = UPDATE_CUSTOMER_LOCATION
        data = model.load(await json_body(request, model.name), context())
        with state.lock:
            tenant, customer = location_record(caller, customer_id, location_id)
            tenant.update_location_record(customer, data, state.now_ms())
            body = record_body(tenant, customer, caller)
        return reply(caller, body, allow)

    async def deactivate(request: Request, allow: str) -> Response:
        caller, customer_id = begin(request, "write")
        location_id = path_id(request, "customer_location_id")
        with state.lock:
            tenant, customer = location_record(caller, customer_id, location_id)
            tenant.update_location_record(customer, {"is_active": False}, state.now_ms())
            body = record_body(tenant, customer, caller)
        return reply(caller, body, allow)

    base = "/customers/{customer_id}"
    resource(router, f"{base}/addresses", GET=list_addresses, POST=add_address)
    resource(
        router,
        f"{base}/addresses/{{customer_address_id}}",
        GET=get_address,
        PATCH=patch_address,
        DELETE=delete_address,
    )
    resource(router, f"{base}/contacts", GET=list_contacts, POST=add_contact)
    resource(
        router,
        f"{base}/contacts/{{customer_contact_id}}",
        GET=get_contact,
        PATCH=patch_contact,
        DELETE=delete_contact,
    )
    resource(
        router,
        f"{base}/locations/{{customer_location_id}}",
        GET=get_location_record,
        PATCH=patch_location_record,
        DELETE=deactivate,
    )
    return router
