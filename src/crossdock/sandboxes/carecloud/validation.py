"""Checking what clients send: JSON bodies of customer writes, login bodies, list parameters.

Every problem becomes an ``invalid_params`` entry with one of the spec's generic reasons, named
by its dotted path in the body (``customer.personal_information.email``); all problems of a
request are reported together in one 400.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from crossdock.sandboxes.carecloud.errors import InvalidParam, invalid
from crossdock.sandboxes.carecloud.models import ADDRESS_KEYS

# The spec's patterns for personal_information.email and .phone.
EMAIL = re.compile(
    r"^[-a-z0-9!#$%&'*+\\/=?^_`{|}~]+(\.[-a-z0-9!#$%&'*+\\/=?^_`{|}~]+)*@"
    r"([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])$"
)
PHONE = re.compile(r"^[1-9][0-9]*$")
LANGUAGES = frozenset({"cs", "en", "sk", "de", "pl", "hu", "uk", "fr", "es", "it"})
COMMON_PASSWORDS = frozenset({"password", "password1", "password123", "abc123", "12345678"})
MAX_ARRAY = 1000


def parse_json(raw: bytes) -> Any:
    """The request body as JSON, or a 400 naming the body."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError too
        raise invalid(
            InvalidParam("body", "invalid_value_format", raw[:200].decode("utf-8", "replace"))
        ) from exc


def json_object(raw: bytes) -> dict[str, Any]:
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise invalid(InvalidParam("body", "invalid_value_format", body))
    return body


class Problems:
    """Collects invalid parameters; ``raise_if_any`` turns them into one 400."""

    def __init__(self) -> None:
        self.items: list[InvalidParam] = []

    def add(self, name: str | list[str], reason: str, value: Any = "") -> None:
        self.items.append(InvalidParam(name, reason, value))

    def raise_if_any(self) -> None:
        if self.items:
            raise invalid(*self.items)


def string(problems: Problems, body: Mapping[str, Any], key: str, path: str) -> str | None:
    """An optional string field; ``null`` and ``""`` both mean "not set"."""
    value = body.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        problems.add(path, "invalid_value_format", value)
        return None
    return value


def required_string(problems: Problems, body: Mapping[str, Any], key: str, path: str) -> str:
    if key not in body or body[key] is None:
        problems.add(path, "required")
        return ""
    value = body[key]
    if not isinstance(value, str):
        problems.add(path, "invalid_value_format", value)
        return ""
    if not value:
        problems.add(path, "empty")
    return value


def choice(problems: Problems, value: Any, allowed: tuple[int, ...], path: str) -> int | None:
    if not isinstance(value, int) or isinstance(value, bool):
        problems.add(path, "invalid_value_format", value)
        return None
    if value not in allowed:
        problems.add(path, "not_allowed_value", value)
        return None
    return value


def section(problems: Problems, body: Mapping[str, Any], key: str, path: str) -> dict[str, Any]:
    value = body.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.add(path, "invalid_value_format", value)
        return {}
    return value


@dataclass
class Refs:
    """What a customer record may point at, and who owns an email already."""

    store_ids: frozenset[str]
    agreement_ids: frozenset[str]
    system_consents: tuple[str, str, str]
    email_owner: Callable[[str], str | None]


@dataclass
class CustomerInput:
    """A validated ``customer`` object (readOnly fields dropped), ready to store."""

    personal: dict[str, Any]
    address: tuple[str, ...]
    consents: dict[str, int] = field(default_factory=dict)


def customer_input(
    problems: Problems, body: Mapping[str, Any], refs: Refs, customer_id: str | None
) -> CustomerInput:
    if "customer" not in body or body["customer"] is None:
        problems.add("customer", "required")
        return CustomerInput({}, ("",) * len(ADDRESS_KEYS))
    customer = section(problems, body, "customer", "customer")
    pi_path = "customer.personal_information"
    if "personal_information" not in customer and isinstance(body.get("customer"), dict):
        problems.add(pi_path, "required")
    info = section(problems, customer, "personal_information", pi_path)
    personal: dict[str, Any] = {}
    language = required_string(problems, info, "language_id", f"{pi_path}.language_id")
    if language and language not in LANGUAGES:
        problems.add(f"{pi_path}.language_id", "not_found", language)
    personal["language_id"] = language
    for key in ("salutation", "first_name", "last_name", "pre_nominals", "post_nominals"):
        personal[key] = string(problems, info, key, f"{pi_path}.{key}")
    gender = info.get("gender")
    personal["gender"] = (
        None if gender is None else choice(problems, gender, (1, 2, 3, 4, 5), f"{pi_path}.gender")
    )
    birthdate = string(problems, info, "birthdate", f"{pi_path}.birthdate")
    if birthdate is not None and iso_date(birthdate) is None:
        problems.add(f"{pi_path}.birthdate", "invalid_value_format", birthdate)
        birthdate = None
    personal["birthdate"] = birthdate
    email = string(problems, info, "email", f"{pi_path}.email")
    if email is not None:
        # CareCloud stores addresses in lower case; the spec's pattern is lower case only.
        email = email.strip().lower()
        if not EMAIL.match(email):
            problems.add(f"{pi_path}.email", "invalid_value_format", email)
        elif refs.email_owner(email) not in (None, customer_id):
            problems.add(f"{pi_path}.email", "already_exists", email)
    personal["email"] = email
    phone = string(problems, info, "phone", f"{pi_path}.phone")
    if phone is not None and not PHONE.match(phone):
        problems.add(f"{pi_path}.phone", "invalid_value_format", phone)
    personal["phone"] = phone
    store_id = string(problems, info, "store_id", f"{pi_path}.store_id")
    if store_id is not None and store_id not in refs.store_ids:
        problems.add(f"{pi_path}.store_id", "not_found", store_id)
    personal["store_id"] = store_id
    address = section(problems, info, "address", f"{pi_path}.address")
    values = []
    for key in ADDRESS_KEYS:
        values.append(string(problems, address, key, f"{pi_path}.address.{key}") or "")
    consents = _consents(problems, info, refs, pi_path)
    return CustomerInput(personal, tuple(values), consents)


def _consents(
    problems: Problems, info: Mapping[str, Any], refs: Refs, pi_path: str
) -> dict[str, int]:
    """Consent values by id; ``consents`` takes effect over the deprecated ``agreement``."""
    out: dict[str, int] = {}
    if info.get("consents") is not None:
        items = info["consents"]
        if not isinstance(items, list) or len(items) > MAX_ARRAY:
            problems.add(f"{pi_path}.consents", "invalid_value_format", items)
            return out
        for i, item in enumerate(items):
            path = f"{pi_path}.consents.{i}"
            if not isinstance(item, dict):
                problems.add(path, "invalid_value_format", item)
                continue
            _consent(problems, refs, item, "consent_id", "consent_value", path, out)
        return out
    agreement = section(problems, info, "agreement", f"{pi_path}.agreement")
    gtc, marketing, profiling = refs.system_consents
    for key, cid in (
        ("agreement_gtc", gtc),
        ("agreement_marketing_communication", marketing),
        ("agreement_profiling", profiling),
    ):
        if agreement.get(key) is not None:
            value = choice(problems, agreement[key], (0, 1, 2), f"{pi_path}.agreement.{key}")
            if value is not None:
                out[cid] = value
    customs = agreement.get("custom_agreements")
    if customs is None:
        return out
    if not isinstance(customs, list) or len(customs) > MAX_ARRAY:
        problems.add(f"{pi_path}.agreement.custom_agreements", "invalid_value_format", customs)
        return out
    for i, item in enumerate(customs):
        path = f"{pi_path}.agreement.custom_agreements.{i}"
        if not isinstance(item, dict):
            problems.add(path, "invalid_value_format", item)
            continue
        _consent(problems, refs, item, "agreement_id", "agreement_value", path, out)
    return out


def _consent(
    problems: Problems,
    refs: Refs,
    item: Mapping[str, Any],
    id_key: str,
    value_key: str,
    path: str,
    out: dict[str, int],
) -> None:
    cid = required_string(problems, item, id_key, f"{path}.{id_key}")
    if value_key not in item:
        problems.add(f"{path}.{value_key}", "required")
        return
    value = choice(problems, item[value_key], (0, 1, 2), f"{path}.{value_key}")
    if cid and cid not in refs.agreement_ids:
        problems.add(f"{path}.{id_key}", "not_found", cid)
    elif cid and value is not None:
        out[cid] = value


def password(problems: Problems, body: Mapping[str, Any], *, required: bool) -> str | None:
    if required and body.get("password") in (None, ""):
        problems.add("password", "required")
        return None
    value = string(problems, body, "password", "password")
    if value is not None and not strong(value):
        problems.add("password", "not_allowed_value", "***")
        return None
    return value


def strong(value: str) -> bool:
    """CareCloud's rule: 8+ characters, a digit, an uppercase letter, not a common password."""
    return (
        len(value) >= 8
        and any(c.isdigit() for c in value)
        and any(c.isupper() for c in value)
        and value.lower() not in COMMON_PASSWORDS
    )


def iso_date(text: str) -> str | None:
    try:
        return date.fromisoformat(text).isoformat() if len(text) == 10 else None
    except ValueError:
        return None


def filter_date(text: str) -> str | None:
    """The ``birthdate`` filter takes ``YYYY-MM-DD`` or ``DD.MM.YYYY``."""
    found = iso_date(text)
    if found is not None:
        return found
    try:
        return datetime.strptime(text, "%d.%m.%Y").date().isoformat()
    except ValueError:
        return None
