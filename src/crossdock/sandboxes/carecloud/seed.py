"""Deterministic CareCloud seed data: stores, consent types, customer sources and customers.

Everything is drawn from ``random.Random(seed)`` and dated inside a fixed window (2021-01-01
to 2025-09-30, project-local time), so the same seed gives byte-identical records on any
machine and on any day. Only records written later (POST, PUT, inserted by the control API)
carry the sandbox clock's time.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from crossdock.sandboxes.base import seeddata
from crossdock.sandboxes.carecloud.models import Agreement, Consent, Customer, Personal, Store

WINDOW_START = datetime(2021, 1, 1)
WINDOW_SECONDS = int((datetime(2025, 9, 30) - WINDOW_START).total_seconds())
_BIRTH_FIRST = date(1950, 1, 1).toordinal()
_BIRTH_LAST = date(2007, 12, 31).toordinal()
FEMALE = frozenset(
    {
        "Olivia", "Emma", "Ava", "Sophia", "Mia", "Amelia", "Harper", "Evelyn", "Jana",
        "Petra", "Tereza", "Aiko", "Priya", "Fatima", "Ingrid", "Chloe",
    }
)  # fmt: skip
LANGUAGE_OF_COUNTRY = {"CZ": "cs", "AT": "de"}
PHONE_PREFIX = {"CZ": "420", "AT": "43", "GB": "44", "US": "1", "SG": "65"}
LOCAL_STREETS = {
    "CZ": ("Staroměstské náměstí", "Národní", "Vinohradská", "Masarykova", "Husova", "Lidická"),
    "AT": ("Kärntner Straße", "Graben", "Mariahilfer Straße"),
}
CZ_PLACES = tuple(p for p in seeddata.PLACES if p.country == "CZ")


def ident(rng: random.Random) -> str:
    """A 26-hex-digit id shaped like CareCloud's (``8ea6abece4cd0a4ded0a29f093``)."""
    return f"{rng.getrandbits(104):026x}"


def timestamp(moment: datetime) -> str:
    """CareCloud's ``YYYY-MM-DD HH:MM:SS`` (project-local, no offset)."""
    return moment.replace(microsecond=0, tzinfo=None).isoformat(sep=" ")


def hash_password(password: str, salt: str = "carecloud-sandbox") -> str:
    # Not a password KDF: the sandbox only needs to compare, never to protect anything.
    return hashlib.sha256(f"{salt}:{password}".encode()).hexdigest()


@dataclass
class Catalog:
    """The project's configuration records that customers point at."""

    stores: list[Store]
    agreements: list[Agreement]
    system_consents: tuple[str, str, str]  # gtc, marketing communication, profiling
    sources: dict[str, str]  # customer_source_id -> name
    partner_id: str


_CONSENTS = (
    # text_id, channel, English name, Czech name
    ("personal_data_processing", "email", "Personal data processing", "Zpracování osobních údajů"),
    ("marketing_communication", "email", "Marketing communication", "Marketingová komunikace"),
    ("profiling", "email", "Profiling", "Profilování"),
    ("newsletter_partners", "email", "Partner newsletters", "Newslettery partnerů"),
    ("sms_marketing", "sms", "SMS offers", "Nabídky přes SMS"),
    ("loyalty_terms", "email", "Loyalty programme terms", "Podmínky věrnostního programu"),
)
_STORES = (
    # name, city index into PLACES, code
    ("Old Town Flagship", "Prague 1", "PRG01"),
    ("Brno Galerie", "Brno", "BRN01"),
    ("Wien Graben", "Vienna", "VIE01"),
    ("London Clerkenwell", "London", "LON01"),
    ("E-shop", "Prague 1", "WEB01"),
)
_SOURCES = ("E-shop registration", "Point of sale", "Mobile app")


def catalog(rng: random.Random) -> Catalog:
    partner_id = ident(rng)
    channels = {"email": ident(rng), "sms": ident(rng)}
    agreements = []
    for text_id, channel, en_name, cs_name in _CONSENTS:
        agreements.append(
            Agreement(
                agreement_id=ident(rng),
                text_id=text_id,
                communication_channel_id=channels[channel],
                names={"en": en_name, "cs": cs_name},
                texts={
                    "en": f"<h1>{en_name}</h1><p>I agree to: {en_name.lower()}.</p>",
                    "cs": f"<h1>{cs_name}</h1><p>Souhlasím: {cs_name.lower()}.</p>",
                },
                withdrawal_texts={
                    "en": f"<p>I withdraw my consent: {en_name.lower()}.</p>",
                    "cs": f"<p>Odvolávám souhlas: {cs_name.lower()}.</p>",
                },
                last_change=_moment(rng),
            )
        )
    places = {p.city: p for p in seeddata.PLACES}
    stores = []
    for name, city, code in _STORES:
        place = places[city]
        first, last = seeddata.person(rng)
        stores.append(
            Store(
                store_id=ident(rng),
                store_code=code,
                name=name,
                partner_id=partner_id,
                system_id=str(rng.randint(1_000_000_000, 9_999_999_999)),
                address=_address(rng, place),
                latitude=place.latitude,
                longitude=place.longitude,
                email=f"{code.lower()}@stores.example.com",
                phone=_phone(rng, place.country),
                manager_name=f"{first} {last}",
                url_address="www.example.com",
                state=1,
                visibility_for_customer=0 if code == "WEB01" else 1,
                last_change=_moment(rng),
            )
        )
    system = (agreements[0].agreement_id, agreements[1].agreement_id, agreements[2].agreement_id)
    sources = {ident(rng): name for name in _SOURCES}
    return Catalog(stores, agreements, system, sources, partner_id)


def customers(
    rng: random.Random, cat: Catalog, count: int, password_hash: str, start_seq: int = 0
) -> list[Customer]:
    """``count`` customers, dated inside the seed window."""
    shared = Shared(cat)
    return [
        make_customer(rng, shared, start_seq + i, password_hash, _moment(rng)) for i in range(count)
    ]


class Shared:
    """Per-run lookup tables, so a million customers share their repeated strings."""

    def __init__(self, cat: Catalog) -> None:
        self.cat = cat
        self.store_ids = [s.store_id for s in cat.stores]
        self.source_ids = list(cat.sources)
        self.custom_ids = [a.agreement_id for a in cat.agreements[3:]]
        self.numbers = [str(n) for n in range(200)]
        self.consents: dict[tuple[tuple[str, int], ...], tuple[Consent, ...]] = {}


def make_customer(
    rng: random.Random, shared: Shared, seq: int, password_hash: str | None, last_change: str
) -> Customer:
    first, last = seeddata.person(rng)
    roll = rng.random()
    gender = (2 if first in FEMALE else 1) if roll < 0.95 else (None if roll < 0.98 else 5)
    place = rng.choice(CZ_PLACES) if rng.random() < 0.55 else seeddata.place(rng)
    language = LANGUAGE_OF_COUNTRY.get(place.country, "en")
    if rng.random() < 0.1:
        language = "en"
    gtc, marketing, profiling = shared.cat.system_consents
    picks = [(gtc, 1 if rng.random() < 0.95 else 0)]
    picks.append((marketing, rng.choice((0, 1, 1, 2))))
    picks.append((profiling, rng.choice((0, 1, 2))))
    for custom_id in shared.custom_ids:
        if rng.random() < 0.3:
            picks.append((custom_id, rng.choice((0, 1))))
    state_roll = rng.random()
    state = 1 if state_roll < 0.9 else (2 if state_roll < 0.96 else 0)
    email = seeddata.email(first, last, seq) if rng.random() < 0.95 else None
    phone = _phone(rng, place.country) if rng.random() < 0.9 else None
    birth = rng.randint(_BIRTH_FIRST, _BIRTH_LAST)
    source_index = rng.randrange(len(shared.source_ids))
    doi_email = None
    if email is not None and rng.random() < 0.7:
        doi_email = _moment(rng, before=last_change)
    personal = Personal(
        language_id=language,
        gender=gender,
        first_name=first,
        last_name=last,
        birthdate=date.fromordinal(birth).isoformat() if rng.random() < 0.92 else None,
        email=email,
        phone=phone,
        store_id=rng.choice(shared.store_ids),
        address=_address(rng, place, shared.numbers),
        consents=_consents(shared, picks),
    )
    return Customer(
        seq=seq,
        customer_id=ident(rng),
        personal=personal,
        source_id=shared.source_ids[source_index],
        external_id=f"EXT{seq:08d}" if source_index < 2 else None,
        password_hash=password_hash,
        state=state,
        last_change=last_change,
        doi_email=doi_email,
    )


def _consents(shared: Shared, picks: list[tuple[str, int]]) -> tuple[Consent, ...]:
    # Seed consents were given at the customer's last change (None says so), which lets the
    # few distinct combinations be shared by every customer that has them.
    key = tuple(picks)
    found = shared.consents.get(key)
    if found is None:
        found = shared.consents[key] = tuple((cid, value, None) for cid, value in picks)
    return found


def _moment(rng: random.Random, before: str | None = None) -> str:
    if before is None:
        return timestamp(WINDOW_START + timedelta(seconds=rng.randrange(WINDOW_SECONDS)))
    end = datetime.fromisoformat(before)
    return timestamp(end - timedelta(seconds=rng.randrange(1, 400 * 86400)))


def _phone(rng: random.Random, country: str) -> str:
    return f"{PHONE_PREFIX.get(country, '420')}{rng.randint(600_000_000, 799_999_999)}"


def _address(
    rng: random.Random, place: seeddata.Place, numbers: list[str] | None = None
) -> tuple[str, ...]:
    streets = LOCAL_STREETS.get(place.country, seeddata.STREETS)
    number = rng.randint(1, 199)
    text = numbers[number] if numbers else str(number)
    return (
        rng.choice(streets),
        text,
        "",
        "",
        "",
        "",
        "",
        place.postcode,
        place.city,
        place.country.lower(),
    )
