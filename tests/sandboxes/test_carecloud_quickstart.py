"""The CareCloud quickstart's own requests, sent to the sandbox over a real uvicorn server.

Every request is the quickstart's (method, path, headers, body), sent with ``requests`` as a
client would, with only the base URL changed. One more change is forced on us:
the quickstart's customer email reached us scrubbed ("[email protected]"), so the customer
login uses a seed customer's address, whose password the sandbox is configured to be the
quickstart's ``password_example``.
"""

from __future__ import annotations

import re
from typing import Any

import requests

from tests.sandboxes.test_carecloud_support import make_app, serve

HEADERS = {"Content-Type": "application/json", "Accept-Language": "cs, en-gb;q=0.8"}
CUSTOMER_KEYS = {"customer_id", "personal_information", "last_change", "state"}
ADDRESS_KEYS = {f"address{i}" for i in range(1, 8)} | {"zip", "city", "country_code"}
AGREEMENT_KEYS = {
    "agreement_gtc",
    "agreement_profiling",
    "agreement_marketing_communication",
    "custom_agreements",
}


def quickstart_app() -> Any:
    return make_app(
        application_id="89d1a6111b3fb6e74665d948",
        customer_application_id="81eaeea13b8984a169c490a325",
        login="fabulous_user",
        password="password_example",
        customer_password="password_example",
    )


def check_customer(customer: dict[str, Any]) -> None:
    """The shape the quickstart shows for a customer."""
    assert set(customer) >= CUSTOMER_KEYS
    info = customer["personal_information"]
    assert {"gender", "first_name", "last_name", "language_id", "address", "agreement"} <= set(info)
    assert set(info["address"]) == ADDRESS_KEYS
    assert set(info["agreement"]) == AGREEMENT_KEYS
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", customer["last_change"])
    assert customer["state"] in (0, 1, 2)


def test_enterprise_quickstart() -> None:
    with serve(quickstart_app()) as base:
        root = f"{base}/webservice/rest-api/enterprise-interface/v1.0"
        # Step 1: Get a Bearer token
        r = requests.post(
            f"{root}/users/actions/login",
            headers=HEADERS,
            json={
                "user_external_application_id": "89d1a6111b3fb6e74665d948",
                "login": "fabulous_user",
                "password": "password_example",
            },
        )
        assert r.status_code == 200
        data = r.json()["data"]
        assert re.fullmatch(r"[0-9a-f]{40}", data["bearer_token"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", data["valid_to"])
        user = data["user"]
        assert user["login"] == "fabulous_user"
        assert {"user_id", "first_name", "last_name", "email", "phone", "store_id"} <= set(user)
        # Step 2: Make your first API call
        r = requests.get(
            f"{root}/customers",
            headers={**HEADERS, "Authorization": f"Bearer {data['bearer_token']}"},
        )
        assert r.status_code == 200
        listing = r.json()["data"]
        assert listing["total_items"] == 250
        assert len(listing["customers"]) == 100
        for customer in listing["customers"]:
            check_customer(customer)


def test_customer_interface_quickstart() -> None:
    app = quickstart_app()
    with serve(app) as base:
        state = app.state.sandbox.state
        email = state.credentials()["customer_email"]
        root = f"{base}/webservice/rest-api/customer-interface/v1.0"
        # Step 1: Create a device token
        r = requests.post(
            f"{root}/tokens",
            headers=HEADERS,
            json={
                "device": {
                    "device_id": "123456",
                    "device_system": "OSX",
                    "device_name": "Test device",
                    "device_type": "iPhone",
                },
                "setup": {"language_id": "en", "allowed_gps": True, "allowed_notifications": False},
                "external_application_id": "81eaeea13b8984a169c490a325",
            },
        )
        assert r.status_code == 201
        token_id = r.json()["data"]["token_id"]
        assert re.fullmatch(r"[0-9a-f]{72}", token_id)
        # Step 2: Log in as a customer
        r = requests.post(
            f"{root}/tokens/{token_id}/actions/login",
            headers={**HEADERS, "Authorization": f"Bearer {token_id}"},
            json={"login_type": "email", "login_value": email, "password": "password_example"},
        )
        assert r.status_code == 200
        customer_id = r.json()["data"]["customer_id"]
        # Step 3: Make your first API call
        r = requests.get(
            f"{root}/customers", headers={**HEADERS, "Authorization": f"Bearer {token_id}"}
        )
        assert r.status_code == 200
        data = r.json()["data"]
        assert data["total_items"] == 1
        assert [c["customer_id"] for c in data["customers"]] == [customer_id]
        check_customer(data["customers"][0])
        assert data["customers"][0]["personal_information"]["email"] == email
