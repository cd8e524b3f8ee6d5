"""CareCloud's records as the sandbox keeps them, and their JSON as the spec's schemas shape it.

Customers are kept in compact slotted objects (a million of them must fit in memory) and
serialized on first read; the bytes are cached until the record changes, so list pages are
served by joining cached bytes. A customer's one customer source record (the source and
external id it was created with) lives on the customer too: its id is derived from the
customer's, so it costs no memory of its own.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

ADDRESS_KEYS = (
    "address1",
    "address2",
    "address3",
    "address4",
    "address5",
    "address6",
    "address7",
    "zip",
    "city",
    "country_code",
)
EMPTY_ADDRESS = ("",) * len(ADDRESS_KEYS)
# personal_information fields that are omitted from the JSON when not set.
OPTIONAL_PERSONAL = ("pre_nominals", "post_nominals", "birthdate", "email", "phone")

# A consent as stored: (agreement_id, value 0/1/2, last_change); a last_change of None means
# "the customer's own last_change" (seed data, where consents were given with the record).
Consent = tuple[str, int, str | None]


def dumps(payload: Any) -> bytes:
    """Compact UTF-8 JSON, the form every response body of the sandbox takes."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class Personal:
    """``personal_information`` of a customer."""

    __slots__ = (
        "address",
        "birthdate",
        "consents",
        "email",
        "first_name",
        "gender",
        "language_id",
        "last_name",
        "phone",
        "post_nominals",
        "pre_nominals",
        "salutation",
        "store_id",
    )

    def __init__(
        self,
        *,
        language_id: str,
        salutation: str | None = None,
        gender: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        pre_nominals: str | None = None,
        post_nominals: str | None = None,
        birthdate: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        store_id: str | None = None,
        address: tuple[str, ...] = EMPTY_ADDRESS,
        consents: tuple[Consent, ...] = (),
    ) -> None:
        self.language_id = language_id
        self.salutation = salutation
        self.gender = gender
        self.first_name = first_name
        self.last_name = last_name
        self.pre_nominals = pre_nominals
        self.post_nominals = post_nominals
        self.birthdate = birthdate
        self.email = email
        self.phone = phone
        self.store_id = store_id
        self.address = address
        self.consents = consents


class Customer:
    """One customer account; ``seq`` is its creation order (the default list order)."""

    __slots__ = (
        "_json",
        "customer_id",
        "doi_email",
        "doi_phone",
        "external_id",
        "last_change",
        "password_hash",
        "personal",
        "seq",
        "source_changed",
        "source_id",
        "state",
    )

    def __init__(
        self,
        *,
        seq: int,
        customer_id: str,
        personal: Personal,
        source_id: str,
        external_id: str | None,
        password_hash: str | None,
        state: int,
        last_change: str,
        doi_email: str | None = None,
        doi_phone: str | None = None,
        source_changed: str | None = None,
    ) -> None:
        self.seq = seq
        self.customer_id = customer_id
        self.personal = personal
        self.source_id = source_id
        self.external_id = external_id
        self.password_hash = password_hash
        self.state = state
        self.last_change = last_change
        self.doi_email = doi_email
        self.doi_phone = doi_phone
        # When the source record was written: at creation (the API never changes it), so the
        # same string as the new customer's last_change unless given.
        self.source_changed = last_change if source_changed is None else source_changed
        self._json: bytes | None = None

    def changed(self) -> None:
        self._json = None

    def json(self, system_consents: tuple[str, str, str]) -> bytes:
        """The Customer schema's JSON, cached until ``changed()``."""
        cached = self._json
        if cached is None:
            doc = self.document(system_consents, short_salutation=False)
            cached = self._json = dumps(doc)
        return cached

    def document(
        self, system_consents: tuple[str, str, str], *, short_salutation: bool
    ) -> dict[str, Any]:
        p = self.personal
        salutation = salutation_for(p, short=True) if short_salutation else p.salutation
        info: dict[str, Any] = {
            "salutation": salutation or salutation_for(p, short=False),
            "gender": p.gender,
        }
        if p.first_name is not None:
            info["first_name"] = p.first_name
        if p.last_name is not None:
            info["last_name"] = p.last_name
        for name in OPTIONAL_PERSONAL:
            value = getattr(p, name)
            if value is not None:
                info[name] = value
        info["language_id"] = p.language_id
        if p.store_id is not None:
            info["store_id"] = p.store_id
        info["address"] = dict(zip(ADDRESS_KEYS, p.address, strict=True))
        info["agreement"] = agreement_of(p.consents, system_consents)
        info["consents"] = [
            {"consent_id": cid, "consent_value": value, "last_change": changed or self.last_change}
            for cid, value, changed in p.consents
        ]
        doc: dict[str, Any] = {"customer_id": self.customer_id, "personal_information": info}
        if self.doi_email is not None:
            doc["doi_email"] = self.doi_email
        if self.doi_phone is not None:
            doc["doi_phone"] = self.doi_phone
        doc["last_change"] = self.last_change
        doc["state"] = self.state
        return doc


def source_record_id(customer_id: str) -> str:
    """The stable id of a customer's source record, 26 hex digits like every CareCloud id."""
    return hashlib.blake2b(f"source-record:{customer_id}".encode(), digest_size=13).hexdigest()


def source_record(customer: Customer) -> dict[str, Any]:
    """The spec's ``CustomerSourceRecord`` of ``customer``; no ``external_id`` when none was
    given (optional fields that are not set are left out, as in customers)."""
    doc: dict[str, Any] = {
        "customer_source_record_id": source_record_id(customer.customer_id),
        "customer_source_id": customer.source_id,
        "customer_id": customer.customer_id,
    }
    if customer.external_id is not None:
        doc["external_id"] = customer.external_id
    doc["last_change"] = customer.source_changed
    return doc


def agreement_of(consents: tuple[Consent, ...], system: tuple[str, str, str]) -> dict[str, Any]:
    """The deprecated ``agreement`` view of the consents (2 means "consent not set")."""
    values = {cid: value for cid, value, _ in consents}
    gtc, marketing, profiling = system
    return {
        "agreement_gtc": values.get(gtc, 2),
        "agreement_profiling": values.get(profiling, 2),
        "agreement_marketing_communication": values.get(marketing, 2),
        "custom_agreements": [
            {"agreement_id": cid, "agreement_value": value}
            for cid, value, _ in consents
            if cid not in system
        ],
    }


# Greetings by language: (male, female, miss, neutral, short).
_GREETINGS = {
    "en": (
        "Dear Mr. {last}",
        "Dear Mrs. {last}",
        "Dear Miss {last}",
        "Dear {full}",
        "Dear {first}",
    ),
    "cs": (
        "Vážený pane {last}",
        "Vážená paní {last}",
        "Vážená slečno {last}",
        "Dobrý den, {full}",
        "Dobrý den, {first}",
    ),
    "sk": (
        "Vážený pán {last}",
        "Vážená pani {last}",
        "Vážená slečna {last}",
        "Dobrý deň, {full}",
        "Dobrý deň, {first}",
    ),
    "de": (
        "Sehr geehrter Herr {last}",
        "Sehr geehrte Frau {last}",
        "Sehr geehrte Frau {last}",
        "Guten Tag {full}",
        "Hallo {first}",
    ),
}
_ANONYMOUS = {"en": "Dear customer", "cs": "Vážený zákazníku", "sk": "Vážený zákazník"}


def salutation_for(p: Personal, *, short: bool) -> str:
    """The salutation CareCloud generates when none was set, in the customer's language."""
    forms = _GREETINGS.get(p.language_id, _GREETINGS["en"])
    first, last = p.first_name or "", p.last_name or ""
    if short:
        return forms[4].format(first=first) if first else _ANONYMOUS.get(p.language_id, "Hallo")
    if not last:
        return forms[3].format(full=first) if first else _ANONYMOUS.get(p.language_id, "Hallo")
    form = {1: forms[0], 2: forms[1], 3: forms[2]}.get(p.gender or 0, forms[3])
    return form.format(last=last, full=f"{first} {last}".strip())


@dataclass
class Store:
    store_id: str
    store_code: str
    name: str
    partner_id: str
    system_id: str
    address: tuple[str, ...]
    latitude: float
    longitude: float
    email: str
    phone: str
    manager_name: str
    url_address: str
    state: int
    visibility_for_customer: int
    last_change: str

    def document(self) -> dict[str, Any]:
        weekdays = ("MON", "TUE", "WED", "THU", "FRI")
        return {
            "store_id": self.store_id,
            "store_code": self.store_code,
            "name": self.name,
            "short_description": f"{self.name} store",
            "description": f"{self.name}: loyalty programme partner store",
            "partner_id": self.partner_id,
            "system_id": self.system_id,
            "store_address": dict(zip(ADDRESS_KEYS, self.address, strict=True)),
            "gps_coordinates": {"gps_latitude": self.latitude, "gps_longitude": self.longitude},
            "contact_email": self.email,
            "phone_number": self.phone,
            "manager_name": self.manager_name,
            "url_address": self.url_address,
            "registration_id": self.system_id[:12],
            "opening": [
                {"day_id": day, "time_intervals": [{"from": "09:00:00", "to": "18:00:00"}]}
                for day in weekdays
            ],
            "image_urls": [],
            "state": self.state,
            "visibility_for_customer": self.visibility_for_customer,
            "last_change": self.last_change,
        }


@dataclass
class Agreement:
    """A consent type (the spec's ``AgreementList``), with its texts per language."""

    agreement_id: str
    text_id: str
    communication_channel_id: str
    names: dict[str, str]
    texts: dict[str, str]
    withdrawal_texts: dict[str, str] = field(default_factory=dict)
    last_change: str = ""

    def document(self, language: str) -> dict[str, Any]:
        return {
            "agreement_id": self.agreement_id,
            "communication_channel_id": self.communication_channel_id,
            "name": self.names.get(language, self.names["en"]),
            "text_id": self.text_id,
            "text": self.texts.get(language, self.texts["en"]),
            "withdrawal_text": self.withdrawal_texts.get(
                language, self.withdrawal_texts.get("en", "")
            ),
            "last_change": self.last_change,
        }
