"""Units and currencies CML converts: the Commerce Connect weights (kg g lbs oz ton mg) and
lengths (cm m km mm ft in), and the minor units of its currencies (ISO 4217; no exchange rates).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Per unit: its dimension and its size in the dimension's base unit (grams, millimetres).
# Exact factors: the international pound is 453.59237 g, the inch 25.4 mm; "ton" is the metric
# tonne, as the seed lists it beside kg and mg.
UNITS: dict[str, tuple[str, float]] = {
    "mg": ("weight", 0.001),
    "g": ("weight", 1.0),
    "kg": ("weight", 1000.0),
    "ton": ("weight", 1_000_000.0),
    "oz": ("weight", 28.349523125),
    "lbs": ("weight", 453.59237),
    "lb": ("weight", 453.59237),
    "mm": ("length", 1.0),
    "cm": ("length", 10.0),
    "m": ("length", 1000.0),
    "km": ("length", 1_000_000.0),
    "in": ("length", 25.4),
    "ft": ("length", 304.8),
}
UNIT_NAMES = "kg, g, mg, ton, lbs (or lb), oz; mm, cm, m, km, in, ft"


def unit(name: object) -> tuple[str, float]:
    """A unit by name, in any case (Cropster writes KG and LBS)."""
    found = UNITS.get(name.lower()) if isinstance(name, str) else None
    if found is None:
        shown = repr(name) if isinstance(name, str) else "a non-text value"
        raise ValueError(f"unknown unit {shown}; CML converts {UNIT_NAMES}")
    return found


def factor(source: object, target: object) -> float:
    """What a value in ``source`` units is multiplied by to be in ``target`` units."""
    (kind, size), (target_kind, target_size) = unit(source), unit(target)
    if kind != target_kind:
        raise ValueError(f"cannot convert {kind} ({source}) to {target_kind} ({target})")
    return size / target_size


# ISO 4217 minor units of the seed's 168 currency codes; every code not listed has 2.
# BTC is not ISO 4217: its satoshi is 8 decimals. XAG, XAU and XDR have no minor unit
# ("N.A." in ISO 4217): their amounts are kept as they are and have no minor-unit form.
_ZERO = "BIF BYR CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_MINOR_EXCEPTIONS: dict[str, int | None] = {
    **dict.fromkeys(_ZERO.split(), 0),
    **dict.fromkeys(_THREE.split(), 3),
    "CLF": 4,
    "BTC": 8,
    **dict.fromkeys(("XAG", "XAU", "XDR"), None),
}
CURRENCY_CODES = frozenset(
    (  # noqa: SIM905 - the seed's list as it reads
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTC "
        "BTN BWP BYN BYR BZD CAD CDF CHF CLF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP "
        "ERN ETB EUR FJD FKP GBP GEL GGP GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS IMP "
        "INR IQD IRR ISK JEP JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL "
        "LTL LVL LYD MAD MDL MGA MKD MMK MNT MOP MRO MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR "
        "NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLL "
        "SOS SRD STD SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VEF VND "
        "VUV WST XAF XAG XAU XCD XDR XOF XPF YER ZAR ZMK ZMW ZWL"
    ).split()
)
_QUANTUM = {digits: Decimal(1).scaleb(-digits) for digits in range(9)}


def minor_units(code: object) -> int | None:
    """Decimal places of a currency (JPY 0, SGD 2, KWD 3), or None for XAG, XAU and XDR."""
    if not isinstance(code, str) or code.upper() not in CURRENCY_CODES:
        shown = repr(code) if isinstance(code, str) else "a non-text value"
        raise ValueError(f"unknown currency {shown}; use an ISO 4217 code such as SGD or USD")
    return _MINOR_EXCEPTIONS.get(code.upper(), 2)


def round_half_up(number: float, digits: int) -> Decimal:
    """Commercial rounding of the number as written: 2.675 is 2.68, not float's 2.67."""
    try:
        return Decimal(repr(number)).quantize(_QUANTUM[digits], rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than Decimal's context holds
        raise ValueError(f"{number!r} is too large to round") from None
