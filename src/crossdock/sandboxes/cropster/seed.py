"""Deterministic seed data: a roastery's locations, green lots, roasts and blends.

The same seed gives the same inventory on every machine. ``records`` green lots are created
between 2024-01-01 and 2025-12-01, as many roasts, and a blend for every five green lots. The
oldest green lot is the one in the vendor's samples (``Ethiopia Natural``, externalId
``green-lot-9876``, id ``550e8400-...``) and the first location is ``location-1234``, so the
documentation's requests run unchanged against the sandbox.
"""

from __future__ import annotations

import gc
import random
from bisect import bisect_right
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from crossdock.sandboxes.cropster.models import BlendedLot, GreenLot, Location, RoastedLot
from crossdock.sandboxes.cropster.values import Price, Weight, round_weight

START = 1_704_067_200_000  # 2024-01-01T00:00:00Z
END = 1_764_547_200_000  # 2025-12-01T00:00:00Z

DOC_LOT_ID = "550e8400-e29b-41d4-a716-446655440000"
DOC_LOCATION_EXTERNAL_ID = "location-1234"

LOCATIONS = (
    ("Vienna Roastery", "KG"),
    ("Portland Roastery", "LBS"),
    ("Hamburg Warehouse", "KG"),
    ("Austin Warehouse", "LBS"),
    ("Melbourne Roastery", "KG"),
)
ORIGINS = (
    ("Ethiopia", ("Yirgacheffe", "Guji", "Sidamo", "Limu"), 71),
    ("Colombia", ("Huila", "Narino", "Cauca", "Tolima"), 3),
    ("Brazil", ("Cerrado", "Sul de Minas", "Mogiana"), 2),
    ("Kenya", ("Nyeri", "Kirinyaga", "Kiambu"), 25),
    ("Guatemala", ("Huehuetenango", "Antigua", "Atitlan"), 13),
    ("Costa Rica", ("Tarrazu", "West Valley"), 5),
    ("Rwanda", ("Nyamasheke", "Huye"), 87),
    ("Peru", ("Cajamarca", "Cusco"), 16),
    ("Honduras", ("Marcala", "Copan"), 15),
    ("Indonesia", ("Aceh", "Flores"), 17),
)
PROCESSES = ("Washed", "Natural", "Honey", "Anaerobic Natural", "Wet-hulled")
PROFILES = ("Filter", "Espresso", "Omni")
BLENDS = ("House Espresso", "Morning Blend", "Seasonal Filter", "Dark Roast", "Breakfast Blend")
CURRENCIES = ("USD", "USD", "EUR", "GBP")

MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR


@dataclass
class World:
    locations: list[Location]
    green: list[GreenLot]
    roasted: list[RoastedLot]
    blended: list[BlendedLot]


def generate(seed: int, records: int) -> World:
    rng = random.Random(seed)
    locations = make_locations(rng)
    green = [
        green_lot(rng, number + 1, locations[int(rng.random() * len(locations))], created)
        for number, created in enumerate(_spread(rng, records, START, END))
    ]
    if green:
        green[0] = _doc_lot(locations[0], green[0].created)
    roasted = _roasts(rng, green, records)
    blended = _blends(rng, roasted, records // 5)
    return World(locations, green, roasted, blended)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold the cycle collector while a world is built.

    A million lots are millions of new objects, which would set the collector off over and
    over; none of them form cycles, so reference counting frees them all the same.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def make_locations(rng: random.Random) -> list[Location]:
    external_ids = [DOC_LOCATION_EXTERNAL_ID]
    while len(external_ids) < len(LOCATIONS):
        candidate = f"location-{rng.randint(1000, 9999)}"
        if candidate not in external_ids:
            external_ids.append(candidate)
    return [
        Location(_uuid(rng), external_id, name, unit)
        for (name, unit), external_id in zip(LOCATIONS, external_ids, strict=True)
    ]


def green_lot(rng: random.Random, number: int, location: Location, created: int) -> GreenLot:
    """A plausible green lot; ``number`` makes its externalId (``green-lot-000042``)."""
    rand = rng.random
    origin, regions, ico_country = ORIGINS[int(rand() * len(ORIGINS))]
    lot_id = _uuid(rng)
    # About one lot in seven has been roasted away entirely: a consumed lot weighs nothing.
    amount = 0.0 if rand() < 0.15 else round(10 + rand() * 5990, 1)
    price = None
    if rand() < 0.9:
        price = Price(round(4 + rand() * 26, 2), CURRENCIES[int(rand() * len(CURRENCIES))])
    region = regions[int(rand() * len(regions))]
    process = PROCESSES[int(rand() * len(PROCESSES))]
    return GreenLot(
        id=lot_id,
        name=f"{origin} {region} {process}",
        ico_number=f"{ico_country:03d}/{1 + int(rand() * 9999):04d}/{1 + int(rand() * 999):04d}",
        external_id=f"green-lot-{number:06d}",
        weight=Weight(amount, location.unit),
        price=price,
        location=location,
        origin_id=lot_id,
        created=created,
        updated=_updated(rand, created),
    )


def _doc_lot(location: Location, created: int) -> GreenLot:
    return GreenLot(
        id=DOC_LOT_ID,
        name="Ethiopia Natural",
        ico_number="5412",
        external_id="green-lot-9876",
        weight=Weight(12.5, "KG"),
        price=Price(25.5, "USD"),
        location=location,
        origin_id=DOC_LOT_ID,
        created=created,
        updated=created,
    )


def _roasts(rng: random.Random, green: list[GreenLot], count: int) -> list[RoastedLot]:
    if not green:
        return []
    rand = rng.random
    green_created = [lot.created for lot in green]
    roasts = []
    for created in _spread(rng, count, START + 3 * DAY, END):
        # Roast what had arrived by then, mostly recent arrivals.
        available = max(bisect_right(green_created, created), 1)
        first = max(available - 200, 0)
        span = available - first
        used = [green[first + int(rand() * span)] for _ in range(1 if rand() < 0.7 else 2)]
        unit = used[0].location.unit
        start = round(5 + rand() * 115, 1)
        share = Weight(round_weight(start / len(used)), unit)
        roasts.append(
            RoastedLot(
                id=_uuid(rng),
                name=f"{used[0].name} {PROFILES[int(rand() * len(PROFILES))]}",
                roasted=created - MINUTE - int(rand() * 3 * HOUR),
                start_weight=Weight(start, unit),
                end_weight=Weight(round(start * (0.8 + rand() * 0.08), 1), unit),
                location=used[0].location,
                green_lots=[(lot.id, share) for lot in used],
                created=created,
                updated=_updated(rand, created),
            )
        )
    return roasts


def _blends(rng: random.Random, roasted: list[RoastedLot], count: int) -> list[BlendedLot]:
    if not roasted:
        return []
    rand = rng.random
    roasted_created = [lot.created for lot in roasted]
    blends = []
    for created in _spread(rng, count, START + 10 * DAY, END):
        available = max(bisect_right(roasted_created, created), 1)
        first = max(available - 50, 0)
        span = available - first
        parts = [roasted[first + int(rand() * span)] for _ in range(2 if rand() < 0.6 else 3)]
        location = parts[0].location
        unit = location.unit
        components = [
            (part.id, Weight(round_weight(part.end_weight.in_unit(unit) * 0.5), unit))
            for part in parts
        ]
        blends.append(
            BlendedLot(
                id=_uuid(rng),
                name=BLENDS[int(rand() * len(BLENDS))],
                blended=created - MINUTE - int(rand() * 2 * HOUR),
                weight=Weight(round_weight(sum(w.amount for _, w in components)), unit),
                location=location,
                roasted_lots=components,
                created=created,
                updated=_updated(rand, created),
            )
        )
    return blends


def _spread(rng: random.Random, count: int, start: int, end: int) -> list[int]:
    """``count`` strictly increasing timestamps in [start, end), evenly spread with jitter."""
    if count <= 0:
        return []
    step = max((end - start) // count, 1)
    rand = rng.random
    return [start + i * step + int(rand() * step) for i in range(count)]


def _updated(rand: Callable[[], float], created: int) -> int:
    """A quarter of the records were edited some time after they were created."""
    if created >= END or rand() >= 0.25:
        return created
    return created + int(rand() * (END - created))


def _uuid(rng: random.Random) -> str:
    """The id ``seeddata.uuid_from`` would draw, formatted without building a ``uuid.UUID``.

    Same bits, same string; a third of the time, which counts at a million lots.
    """
    bits = rng.getrandbits(128)
    bits = (bits & ~(0xF000 << 64) | (4 << 76)) & ~(0xC000 << 48) | (0x8000 << 48)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
