"""Units and currencies CML converts: the Commerce Connect weights (kg g lbs oz ton mg) and
lengths (cm m km mm ft in), and the minor units of its currencies (ISO 4217; no exchange rates).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

# Per unit: its dimension and its exact size in the dimension's base unit (grams,
# millimetres): the international pound is 453.59237 g, the inch 25.4 mm; "ton" is the metric
# tonne, as the seed lists it beside kg and mg.
UNITS: dict[str, tuple[str, Fraction]] = {
    name: (kind, Fraction(size))
    for name, kind, size in (
        ("mg", "weight", "0.001"),
        ("g", "weight", "1"),
        ("kg", "weight", "1000"),
        ("ton", "weight", "1000000"),
        ("oz", "weight", "28.349523125"),
        ("lbs", "weight", "453.59237"),
        ("lb", "weight", "453.59237"),
        ("mm", "length", "1"),
        ("cm", "length", "10"),
        ("m", "length", "1000"),
        ("km", "length", "1000000"),
        ("in", "length", "25.4"),
        ("ft", "length", "304.8"),
    )
}
UNIT_NAMES = "kg, g, mg, ton, lbs (or lb), oz; mm, cm, m, km, in, ft"


def unit(name: object) -> tuple[str, Fraction]:
    """A unit by name, in any case (Cropster writes KG and LBS)."""
    found = UNITS.get(name.lower()) if isinstance(name, str) else None
    if found is None:
        shown = repr(name) if isinstance(name, str) else "a non-text value"
        raise ValueError(f"unknown unit {shown}; CML converts {UNIT_NAMES}")
    return found


def factor(source: object, target: object) -> tuple[int, int]:
    """A value in ``source`` units, times the first and divided by the second, is in ``target``
    units: the exact ratio in lowest terms, so 12 in are exactly 1 ft and 25.4 mm exactly 1 in.
    """
    (kind, size), (target_kind, target_size) = unit(source), unit(target)
    if kind != target_kind:
        raise ValueError(f"cannot convert {kind} ({source}) to {target_kind} ({target})")
    ratio = size / target_size
    return ratio.numerator, ratio.denominator


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
_ONE = Decimal(1)
POWERS: tuple[int, ...] = tuple(10**digits for digits in range(19))
CURRENCY_DIGITS: dict[str, int | None] = {
    code: _MINOR_EXCEPTIONS.get(code, 2) for code in CURRENCY_CODES
}
CURRENCY_POWERS: dict[str, int] = {
    code: POWERS[digits] for code, digits in CURRENCY_DIGITS.items() if digits is not None
}
"""10 to the power of each currency's decimal places, for generated code (``inline_numbers``)."""
RATIOS: dict[tuple[object, object], tuple[int, int]] = {}
FAST_LIMIT = 1e9
TIE_MARGIN = 1e-6
"""Below FAST_LIMIT units, float arithmetic errs by less than 1e-7 of a unit, so it decides
every rounding further than TIE_MARGIN from a tie exactly; closer cases (and larger amounts)
are decided by Decimal on the number as written."""


def minor_units(code: object) -> int | None:
    """Decimal places of a currency (JPY 0, SGD 2, KWD 3), or None for XAG, XAU and XDR."""
    if type(code) is str:
        if code in CURRENCY_DIGITS:
            return CURRENCY_DIGITS[code]
        if code.upper() in CURRENCY_DIGITS:
            return CURRENCY_DIGITS[code.upper()]
    shown = repr(code) if isinstance(code, str) else "a non-text value"
    raise ValueError(f"unknown currency {shown}; use an ISO 4217 code such as SGD or USD")


def scaled(number: float, digits: int) -> int:
    """``number`` in units of 10**-digits, rounded half away from zero as the number is
    written: 2.675 to 2 places is 268 (float arithmetic alone says 267)."""
    power = POWERS[digits]
    if type(number) is int:
        return int(number) * power
    value: float = number * power
    if -FAST_LIMIT < value < FAST_LIMIT:
        floor: int = math.floor(value)
        fraction = value - floor
        if abs(fraction - 0.5) > TIE_MARGIN:
            return floor + 1 if fraction > 0.5 else floor
    try:
        exact = Decimal(repr(number)).scaleb(digits).quantize(_ONE, rounding=ROUND_HALF_UP)
        return int(exact)
    except (InvalidOperation, ValueError, OverflowError):
        raise ValueError(f"{number!r} is too large to round") from None


def rounded(number: float, digits: int) -> int | float:
    """Rounded to ``digits`` places: a whole number for 0 places, else the nearest float."""
    units = scaled(number, digits)
    return units if digits == 0 else units / POWERS[digits]


def fixed(units: int, digits: int) -> str:
    """Minor units as text with exactly ``digits`` decimals: 9990, 2 -> "99.90"."""
    if digits == 0:
        return str(units)
    whole, part = divmod(abs(units), POWERS[digits])
    return f"{'-' if units < 0 else ''}{whole}.{part:0{digits}d}"


def cached_factor(source: object, target: object) -> tuple[int, int]:
    """``factor`` remembered per pair of unit names (only valid pairs are remembered)."""
    if type(source) is not str or type(target) is not str:
        return factor(source, target)  # a list or an object is no unit: factor says so
    key = (source, target)
    ratio = RATIOS.get(key)
    if ratio is None:
        ratio = factor(source, target)
        if len(RATIOS) < 4096:
            RATIOS[key] = ratio
    return ratio
