"""The customers schema: customers of CRO Software, CareCloud and Custom Trades CRM, mapped by
hand from their docs' own samples, validate; each rule fails at its path."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from crossdock.records.schemas import SUBITEM_KEYS, validate_record


def errors(record: dict[str, Any]) -> dict[str, str]:
    validated, found = validate_record("customers", record)
    assert (validated is None) == bool(found)
    return {e.field: e.detail for e in found}


# CRO Software's GET /customers sample (one result), as its docs print it.
CRO = {
    "addresses": [
        {
            "is_active": True,
            "is_billing": True,
            "is_physical": True,
            "is_shipping": True,
            "country": "US",
            "id": 1,
            "latitude": 54,
            "line_1": "123 Some St.",
            "line_2": None,
            "line_3": None,
            "line_4": None,
            "locality": "Sequim",
            "longitude": 128,
            "postcode": "98368",
            "region": "WA",
        }
    ],
    "contacts": [
        {
            "notify_on_acknowledged_request": False,
            "notify_on_completed_request": False,
            "notify_on_dispatched_request": False,
            "notify_on_failed_request": False,
            "notify_on_new_request": False,
            "email": "",
            "fax": None,
            "id": 1,
            "name": "Sarah Jane",
            "number": None,
        }
    ],
    "created_on": "2020-10-19T04:06:50.733000",
    "last_updated_on": "2020-10-19T04:06:50.733000",
    "name": "Customer A",
    "parent_id": None,
    "customer_id": 1,
    "is_active": True,
    "is_commercial": False,
    "location_id": 1,
    "note": None,
    "reference_number": "1234",
    "renewal_date": None,
    "sales_rep": "A Sales Guy",
    "sales_rep_id": None,
    "suspension_id": None,
}

# CareCloud's GET /customers sample (enterprise interface), as its docs print it; the docs'
# email addresses read "[email protected]" (an obfuscated page), so these are stand-ins.
CARECLOUD = {
    "customer_id": "8ea6abece4cd0a4ded0a29f093",
    "personal_information": {
        "gender": 1,
        "first_name": "John",
        "last_name": "Smith",
        "birthdate": "985-02-12",
        "email": "john.smith@example.com",
        "phone": "420523828931",
        "language_id": "en",
        "store_id": "8bed991c68a4",
        "address": {
            "address1": "Old Town Square",
            "address2": "34",
            "address3": "",
            "address4": "",
            "address5": "",
            "address6": "",
            "address7": "",
            "zip": "11000",
            "city": "Prague 1",
            "country_code": "cz",
        },
        "agreement": {
            "agreement_gtc": 1,
            "agreement_profiling": 1,
            "agreement_marketing_communication": 1,
            "custom_agreements": [
                {"agreement_id": "89ce2a1b9b01f5c939fb1e20cd", "agreement_value": 2}
            ],
        },
    },
    "last_change": "2019-06-23 11:47:22",
    "state": 1,
}

# A Custom Trades CRM customer with the fields its API documents (ISO 8601 UTC timestamps).
CUSTOM_TRADES = {
    "uuid": "3f8e2a54-1c2b-4d7e-9a41-2b7c0e9d5f10",
    "first_name": "Dana",
    "last_name": "Reyes",
    "company_name": "Reyes Plumbing LLC",
    "email": "dana@reyesplumbing.example",
    "phone": "(555) 201-3344",
    "customer_type": "Commercial",
    "is_vip": True,
    "physical_address1": "400 Harbor Blvd",
    "physical_address2": "Suite 2",
    "physical_city": "Tampa",
    "physical_state": "FL",
    "physical_zip": "33602",
    "billing_address1": "PO Box 118",
    "billing_address2": None,
    "billing_city": "Tampa",
    "billing_state": "FL",
    "billing_zip": "33601",
    "primary_service_location_uuid": "7d1c0c55-8f3e-4a8b-b2a6-0e6f3c1d9a77",
    "notes": "Gate code 4411",
    "internal_flags": {"late_payer": False},
    "on_my_way_notify_via": "sms",
    "created_at": "2025-02-18T14:30:00.000Z",
    "updated_at": "2025-02-19T09:00:00.000Z",
    "deleted_at": None,
}


def present(values: dict[str, Any]) -> dict[str, Any]:
    """What a connector sends: the seed's rule is to leave out what is null or empty."""
    return {k: v for k, v in values.items() if v is not None and v != ""}


def from_cro(c: dict[str, Any]) -> dict[str, Any]:
    return present(
        {
            "merchantCustomerId": str(c["customer_id"]),
            "externalIds": {"cro": str(c["customer_id"])},
            "name": c["name"],
            "isCommercial": c["is_commercial"],
            "addresses": {
                str(a["id"]): present(
                    {
                        "street": a["line_1"],
                        "extra1": a["line_2"],
                        "extra2": a["line_3"],
                        "extra3": a["line_4"],
                        "city": a["locality"],
                        "state": a["region"],
                        "zip": a["postcode"],
                        "country": a["country"],
                        "latitude": a["latitude"],
                        "longitude": a["longitude"],
                        "isBilling": a["is_billing"],
                        "isShipping": a["is_shipping"],
                        "isPhysical": a["is_physical"],
                        "active": a["is_active"],
                    }
                )
                for a in c["addresses"]
            },
            "contacts": {
                str(p["id"]): present(
                    {
                        "name": p["name"],
                        "email": p["email"],
                        "phone": p["number"],
                        "fax": p["fax"],
                        "notifyOn": {
                            event: p[f"notify_on_{snake}_request"]
                            for event, snake in (
                                ("acknowledgedRequest", "acknowledged"),
                                ("completedRequest", "completed"),
                                ("dispatchedRequest", "dispatched"),
                                ("failedRequest", "failed"),
                                ("newRequest", "new"),
                            )
                        },
                    }
                )
                for p in c["contacts"]
            },
            "parentCustomerId": c["parent_id"] and str(c["parent_id"]),
            "salesRep": c["sales_rep"],
            "salesRepId": c["sales_rep_id"],
            "referenceNumber": c["reference_number"],
            "storeId": str(c["location_id"]),
            "active": c["is_active"],
            "notes": c["note"],
            "createdAt": c["created_on"],
            "updatedAt": c["last_updated_on"],
            "metaFields": present(
                {"renewalDate": c["renewal_date"], "suspensionId": c["suspension_id"]}
            ),
        }
    )


CARECLOUD_GENDERS = {1: "male", 2: "female", 3: "female", 4: "other", 5: "unknown"}
CARECLOUD_ANSWERS = {0: "denied", 1: "granted", 2: "unknown"}


def from_carecloud(c: dict[str, Any]) -> dict[str, Any]:
    p = c["personal_information"]
    lines = [p["address"][f"address{n}"] for n in range(1, 8)]
    slots = ["street", "extra1", "extra2", "extra3", "extra4", "extra5", "extra6"]
    agreement = p["agreement"]
    return present(
        {
            "merchantCustomerId": c["customer_id"],
            "externalIds": {"carecloud": c["customer_id"]},
            "firstName": p["first_name"],
            "lastName": p["last_name"],
            "gender": CARECLOUD_GENDERS.get(p["gender"]),
            # CareCloud writes years before 1000 with three digits; ISO 8601 wants four.
            "birthDate": p["birthdate"].zfill(10),
            "email": p["email"],
            "phone": p["phone"],
            "language": p["language_id"],
            "storeId": p["store_id"],
            "addresses": {
                "main": present(
                    {
                        **dict(zip(slots, lines, strict=True)),
                        "zip": p["address"]["zip"],
                        "city": p["address"]["city"],
                        "country": p["address"]["country_code"].upper(),
                    }
                )
            },
            "consents": {
                "gtc": {"status": CARECLOUD_ANSWERS[agreement["agreement_gtc"]]},
                "profiling": {"status": CARECLOUD_ANSWERS[agreement["agreement_profiling"]]},
                "marketingCommunication": {
                    "status": CARECLOUD_ANSWERS[agreement["agreement_marketing_communication"]]
                },
                **{
                    a["agreement_id"]: {"status": CARECLOUD_ANSWERS[a["agreement_value"]]}
                    for a in agreement["custom_agreements"]
                },
            },
            # state: 0 deleted, 1 active, 2 inactive (not deleted)
            "active": c["state"] == 1,
            "deleted": c["state"] == 0,
            "updatedAt": c["last_change"],
        }
    )


def from_custom_trades(c: dict[str, Any]) -> dict[str, Any]:
    def address(slot: str, **flags: bool) -> dict[str, Any]:
        return present(
            {
                "street": c[f"{slot}_address1"],
                "extra1": c[f"{slot}_address2"],
                "city": c[f"{slot}_city"],
                "stateCode": c[f"{slot}_state"],
                "zip": c[f"{slot}_zip"],
                "country": "US",
                **flags,
            }
        )

    return present(
        {
            "merchantCustomerId": c["uuid"],
            "externalIds": {"customtrades": c["uuid"]},
            "firstName": c["first_name"],
            "lastName": c["last_name"],
            "companyName": c["company_name"],
            "isCommercial": c["customer_type"] == "Commercial",
            "isVip": c["is_vip"],
            "email": c["email"],
            "phone": c["phone"],
            "addresses": {
                "physical": address("physical", isPhysical=True),
                "billing": address("billing", isBilling=True),
            },
            "storeId": c["primary_service_location_uuid"],
            "notes": c["notes"],
            "active": c["deleted_at"] is None,
            "deleted": c["deleted_at"] is not None,
            "deletedAt": c["deleted_at"],
            "createdAt": c["created_at"],
            "updatedAt": c["updated_at"],
            "metaFields": {
                "internalFlags": c["internal_flags"],
                "onMyWayNotifyVia": c["on_my_way_notify_via"],
            },
        }
    )


@pytest.mark.parametrize(
    ("mapping", "source"),
    [(from_cro, CRO), (from_carecloud, CARECLOUD), (from_custom_trades, CUSTOM_TRADES)],
)
def test_each_vendors_customer_maps_into_the_schema(mapping: Any, source: dict[str, Any]) -> None:
    record = mapping(copy.deepcopy(source))
    validated, found = validate_record("customers", record)
    assert found == []
    assert validated == record


def test_the_mapped_customers_carry_what_the_vendors_do() -> None:
    cro = from_cro(CRO)
    assert cro["addresses"]["1"]["isBilling"] is True
    assert cro["addresses"]["1"]["isShipping"] is True
    assert cro["contacts"]["1"] == {
        "name": "Sarah Jane",
        "notifyOn": {
            "acknowledgedRequest": False,
            "completedRequest": False,
            "dispatchedRequest": False,
            "failedRequest": False,
            "newRequest": False,
        },
    }
    carecloud = from_carecloud(CARECLOUD)
    assert carecloud["addresses"]["main"] == {
        "street": "Old Town Square",
        "extra1": "34",
        "zip": "11000",
        "city": "Prague 1",
        "country": "CZ",
    }
    assert carecloud["consents"]["89ce2a1b9b01f5c939fb1e20cd"] == {"status": "unknown"}
    assert carecloud["birthDate"] == "0985-02-12"
    trades = from_custom_trades(CUSTOM_TRADES)
    assert set(trades["addresses"]) == {"physical", "billing"}
    assert trades["isCommercial"] is True
    assert trades["active"] is True
    assert "deletedAt" not in trades


def test_what_the_vendors_send_unmapped_is_refused_with_their_faults_named() -> None:
    record = from_carecloud(CARECLOUD)
    record["birthDate"] = CARECLOUD["personal_information"]["birthdate"]  # "985-02-12"
    record["addresses"]["main"]["country"] = "cz"
    record["addresses"]["main"]["extra2"] = ""  # CareCloud's empty address3
    record["contacts"] = {"1": {"name": "Sarah Jane", "email": ""}}  # CRO's empty email
    assert errors(record) == {
        "birthDate": "Expected an ISO 8601 date, e.g. 1985-02-12, got '985-02-12'.",
        "addresses.main.country": "Unsupported value 'cz'; see the supported values.",
        "addresses.main.extra2": "Empty text is not accepted; leave the attribute out instead.",
        "contacts.1.email": "Empty text is not accepted; leave the attribute out instead.",
    }


# -- rules ------------------------------------------------------------------------------------


def test_merchant_customer_id_is_the_one_required_attribute() -> None:
    assert errors({"merchantCustomerId": "c-1"}) == {}
    assert errors({"firstName": "Ann"}) == {"merchantCustomerId": "Required."}
    assert errors({"merchantCustomerId": 7}) == {}  # kept as "7"


def test_emails_and_phones() -> None:
    record = {
        "merchantCustomerId": "c-1",
        "email": "ann@example.com",
        "emails": [{"email": "ann@work.example", "type": "work", "verified": True}],
        "phone": "+6531630046",
        "phones": [{"number": "+6590000000", "type": "mobile"}],
    }
    assert errors(record) == {}
    record["email"] = "ann at example.com"
    record["emails"].append({"email": "ann@work.example"})
    record["phones"].append({"type": "fax"})
    assert errors(record) == {
        "email": "Expected an email address such as name@example.com, got 'ann at example.com'.",
        "phones.1.number": "Required.",
        "emails.1.email": "Duplicate email 'ann@work.example': emails.0 has it too.",
    }
    assert SUBITEM_KEYS["emails"] == "email"
    assert SUBITEM_KEYS["phones"] == "number"


@pytest.mark.parametrize(
    ("gender", "ok"),
    [
        ("male", True),
        ("female", True),
        ("other", True),
        ("unknown", True),
        ("m", False),
        (1, False),
    ],
)
def test_gender_supported_values(gender: Any, ok: bool) -> None:
    found = errors({"merchantCustomerId": "c", "gender": gender})
    assert list(found) == ([] if ok else ["gender"])


@pytest.mark.parametrize(
    ("status", "ok"), [("granted", True), ("denied", True), ("unknown", True), ("yes", False)]
)
def test_consent_statuses(status: str, ok: bool) -> None:
    record = {"merchantCustomerId": "c", "consents": {"gtc": {"status": status}}}
    expected = f"Unsupported value {status!r}; supported values: 'granted', 'denied' or 'unknown'."
    assert errors(record) == ({} if ok else {"consents.gtc.status": expected})


def test_a_consent_needs_its_status() -> None:
    record = {"merchantCustomerId": "c", "consents": {"gtc": {"updatedAt": "2024-01-01"}}}
    assert errors(record) == {"consents.gtc.status": "Required."}


def test_keyed_objects_refuse_empty_keys_and_unknown_attributes() -> None:
    record = {
        "merchantCustomerId": "c",
        "addresses": {"": {"city": "Tampa"}, "home": {"city": "Tampa", "floor": 2}},
        "externalIds": {"cro": ""},
    }
    found = errors(record)
    assert found["addresses."] == "Empty keys are not accepted."
    assert found["addresses.home.floor"].startswith("Unknown attribute 'floor'")
    assert found["externalIds.cro"] == (
        "Empty text is not accepted; leave the attribute out instead."
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("birthDate", "12/02/1985"),
        ("createdAt", "last year"),
        ("active", "maybe"),
        ("tags", "vip"),
        ("notes", None),
        ("companyName", " "),
        ("addresses", []),
    ],
)
def test_types_null_and_empty(name: str, value: Any) -> None:
    assert list(errors({"merchantCustomerId": "c", name: value})) == [name]


def test_customers_have_no_variants_or_overwrites() -> None:
    found = errors({"merchantCustomerId": "c", "variants": [], "overwrites": {}})
    assert set(found) == {"variants", "overwrites"}
