"""Deterministic, realistic-looking people, companies and places for sandbox seed data.

Everything draws from a ``random.Random`` the caller owns, so the same seed gives the same
records in every sandbox and on every machine.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

FIRST_NAMES = (
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Elijah",
    "Sophia",
    "Lucas",
    "Mia",
    "Mateo",
    "Amelia",
    "Levi",
    "Harper",
    "Ezra",
    "Evelyn",
    "Jana",
    "Tomas",
    "Petra",
    "Jakub",
    "Tereza",
    "Aiko",
    "Kenji",
    "Priya",
    "Arjun",
    "Fatima",
    "Omar",
    "Ingrid",
    "Sven",
    "Chloe",
    "Hugo",
)
LAST_NAMES = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Novak",
    "Svoboda",
    "Dvorak",
    "Tanaka",
    "Sato",
    "Patel",
    "Khan",
    "Larsen",
    "Berg",
    "Martin",
    "Dubois",
    "Rossi",
    "Silva",
    "Nguyen",
    "Kowalski",
    "Murphy",
    "O'Brien",
    "Fischer",
)
COMPANY_WORDS = (
    "Acme",
    "Summit",
    "Harbor",
    "Cedar",
    "Granite",
    "Bluebird",
    "Northwind",
    "Ironwood",
    "Riverside",
    "Pioneer",
    "Evergreen",
    "Lighthouse",
    "Keystone",
    "Redwood",
    "Silverline",
)
COMPANY_SUFFIXES = (
    "Roofing",
    "Plumbing",
    "Electric",
    "Builders",
    "HVAC",
    "Landscaping",
    "Coffee Co.",
    "Supply",
    "Renovations",
    "Painting",
)
STREETS = (
    "Main St.",
    "Oak Ave.",
    "Maple Dr.",
    "Cedar Ln.",
    "Pine St.",
    "Elm St.",
    "Lakeview Rd.",
    "Hillcrest Blvd.",
    "Sunset Way",
    "River Rd.",
)


@dataclass(frozen=True)
class Place:
    city: str
    region: str
    postcode: str
    country: str
    latitude: float
    longitude: float


PLACES = (
    Place("Sequim", "WA", "98368", "US", 48.08, -123.10),
    Place("Portland", "OR", "97205", "US", 45.52, -122.68),
    Place("Austin", "TX", "78701", "US", 30.27, -97.74),
    Place("Denver", "CO", "80202", "US", 39.74, -104.99),
    Place("Boston", "MA", "02108", "US", 42.36, -71.06),
    Place("Prague 1", "Praha", "11000", "CZ", 50.09, 14.42),
    Place("Brno", "Jihomoravsky", "60200", "CZ", 49.19, 16.61),
    Place("London", "England", "EC1A 1BB", "GB", 51.51, -0.10),
    Place("Vienna", "Wien", "1010", "AT", 48.21, 16.37),
    Place("Singapore", "Singapore", "089543", "SG", 1.28, 103.84),
)


def person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def company_name(rng: random.Random) -> str:
    return f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)}"


def email(first: str, last: str, n: int, domain: str = "example.com") -> str:
    local = f"{first}.{last}".lower().replace("'", "")
    return f"{local}{n}@{domain}"


def phone(rng: random.Random, country: str = "US") -> str:
    if country == "CZ":
        return f"+420{rng.randint(600_000_000, 799_999_999)}"
    return f"+1{rng.randint(200, 999)}{rng.randint(200, 999)}{rng.randint(1000, 9999)}"


def street(rng: random.Random) -> str:
    return f"{rng.randint(1, 9999)} {rng.choice(STREETS)}"


def place(rng: random.Random) -> Place:
    return rng.choice(PLACES)


def uuid_from(rng: random.Random) -> str:
    """A UUID4-shaped id drawn from ``rng`` (deterministic, unlike ``uuid.uuid4``)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def hex_id(rng: random.Random, length: int = 26) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))
