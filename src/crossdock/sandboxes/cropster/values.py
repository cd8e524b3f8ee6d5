"""Cropster's value types: weights in KG or LBS, prices in ISO 4217 currencies, timestamps.

Timestamps are whole milliseconds since the epoch inside the sandbox and ISO 8601 UTC strings
with a ``Z`` on the wire (``2025-03-04T05:06:07.123Z``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

UNITS = ("KG", "LBS")
KG_PER_LB = 0.45359237

# Active ISO 4217 codes. Fund, precious-metal and testing codes (BOV, XAU, XTS, XXX...) are left
# out on purpose: nobody prices green coffee in troy ounces of gold.
_CURRENCY_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
    GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS
    KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
    MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD
    TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
"""
CURRENCIES = frozenset(_CURRENCY_CODES.split())

MAX_AMOUNT = 1e9
"""Larger weights and prices are rejected: no roastery holds a million tonnes of one lot."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


@dataclass(frozen=True, slots=True)
class Weight:
    amount: float
    unit: str

    def in_unit(self, unit: str) -> float:
        """This weight expressed in ``unit`` (not rounded)."""
        if unit == self.unit:
            return self.amount
        if unit == "KG":
            return self.amount * KG_PER_LB
        return self.amount / KG_PER_LB


@dataclass(frozen=True, slots=True)
class Price:
    amount: float
    currency: str


def round_weight(amount: float) -> float:
    """Weights are kept to the gram (or the thousandth of a pound); dust becomes zero."""
    rounded = round(amount, 3)
    return 0.0 if rounded <= 0 else rounded


def finite_number(value: object) -> float | None:
    """``value`` as a finite float, or None when it is not a JSON number (bools are not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def format_ms(ms: int) -> str:
    seconds, millis = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def parse_ms(text: str) -> int:
    """An ISO 8601 date-time with an offset, as whole milliseconds, rounded up.

    Rounding up keeps both bounds exact on millisecond timestamps: ``t >= x`` and ``t < x``
    hold for an integer ``t`` exactly when they hold for ``ceil(x)``.
    """
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("a date-time needs an offset, e.g. 2025-01-01T00:00:00Z")
    return -((_EPOCH - moment) // _MS)


def now_ms(seconds: float) -> int:
    return int(seconds * 1000)
