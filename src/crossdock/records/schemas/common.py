"""What every sync type's schema is built from: the attribute types (text, numbers, dates), the
seed's supported-value lists, the address object and the keys of ``overwrites``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
    WithJsonSchema,
    with_config,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema as cs
from typing_extensions import TypedDict

RECORD_CONFIG = ConfigDict(
    # Unknown attributes are refused by name; free-form bags are declared as such.
    extra="forbid",
    # Merchants' ids are often numbers ("systemOrderId": 1); they are kept as text ("1").
    coerce_numbers_to_str=True,
    # Validated records are stored as JSON, which has no NaN or Infinity.
    allow_inf_nan=False,
)

# -- text -------------------------------------------------------------------------------------

TEXT_PATTERN = r"\S"
"""The seed: "Sending null or empty text values will not be accepted". Whitespace-only text is
as empty as "" to the systems records are published to."""

Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN)]

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
Email = Annotated[str, StringConstraints(pattern=EMAIL_PATTERN)]
"""Customers' email addresses (our schema): a light check that catches swapped fields, not
RFC 5322. Order addresses keep the seed's plain text ``email``."""


def _iso_datetime(value: str) -> str:
    # Checked, but kept as sent: the stored record says what the merchant said.
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            "Expected an ISO 8601 date or date-time, e.g. 2022-01-01T00:00:00+00:00"
        ) from None
    return value


def _iso_date(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError("Expected an ISO 8601 date, e.g. 1985-02-12") from None
    return value


Timestamp = Annotated[
    Text,
    AfterValidator(_iso_datetime),
    WithJsonSchema(
        {"type": "string", "pattern": TEXT_PATTERN, "examples": ["2022-01-01T00:00:00+00:00"]}
    ),
]
"""A date or date-time in ISO 8601 (what Python's ``datetime.fromisoformat`` reads)."""

Date = Annotated[
    Text,
    AfterValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["1985-02-12"]}),
]

# -- numbers ----------------------------------------------------------------------------------

NUMERIC_TEXT = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"
"""Numbers sent as text ("99.90") are read as numbers; anything else is not a number."""


def _number_schema(*, integer: bool, minimum: int | None) -> cs.CoreSchema:
    # Everything stays inside pydantic-core (no Python call per value), and unlike pydantic's
    # lax float/int, ``true`` is not the number 1. A whole float (2.0) is a valid integer.
    if integer:
        choices: list[cs.CoreSchema | tuple[cs.CoreSchema, str]] = [
            cs.int_schema(strict=True),
            cs.chain_schema([cs.float_schema(strict=True), cs.int_schema()]),
            cs.chain_schema([cs.str_schema(strict=True, pattern=NUMERIC_TEXT), cs.int_schema()]),
        ]
    else:
        choices = [
            cs.float_schema(strict=True, allow_inf_nan=False),
            cs.chain_schema(
                [
                    cs.str_schema(strict=True, pattern=NUMERIC_TEXT),
                    cs.float_schema(allow_inf_nan=False),
                ]
            ),
        ]
    number = cs.union_schema(
        choices,
        mode="left_to_right",
        custom_error_type="integer_type" if integer else "number_type",
        custom_error_message="Expected a whole number" if integer else "Expected a number",
    )
    if minimum is None:
        return number
    bound = cs.int_schema(ge=minimum, strict=True) if integer else cs.float_schema(ge=minimum)
    return cs.chain_schema([number, bound])


@dataclass(frozen=True)
class Numeric:
    """Marks a number attribute: ``Annotated[float, Numeric(minimum=0)]``."""

    integer: bool = False
    minimum: int | None = None

    def __get_pydantic_core_schema__(
        self, _source: Any, _handler: GetCoreSchemaHandler
    ) -> cs.CoreSchema:
        return _number_schema(integer=self.integer, minimum=self.minimum)

    def __get_pydantic_json_schema__(
        self, _schema: cs.CoreSchema, _handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # The contract is a JSON number; numeric text is a courtesy, not advertised.
        json: dict[str, Any] = {"type": "integer" if self.integer else "number"}
        if self.minimum is not None:
            json["minimum"] = self.minimum
        return json


Number = Annotated[float, Numeric()]
NonNegativeNumber = Annotated[float, Numeric(minimum=0)]
Integer = Annotated[int, Numeric(integer=True)]
NonNegativeInteger = Annotated[int, Numeric(integer=True, minimum=0)]
PositiveInteger = Annotated[int, Numeric(integer=True, minimum=1)]

FreeForm = dict[str, Any]
"""A free-form JSON object: the seed's ``metaFields`` and ``_addition_``. Its contents are not
checked (nulls and empty text included)."""

# -- supported values -------------------------------------------------------------------------
# The seed's lists, verbatim. Literal types of a few hundred values are checked by a hash
# lookup inside pydantic-core; mypy sees the long ones as plain text.

COUNTRIES: tuple[str, ...] = tuple(
    (  # noqa: SIM905 (the seed's list as it reads, to compare by eye)
        "AD AE AF AG AI AL AM AN AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN "
        "BO BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CX CY CZ DE DJ DK "
        "DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ "
        "GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH "
        "KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM "
        "MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF "
        "PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM "
        "SN SO SR SS ST SV SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY "
        "UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
    ).split()
)

CURRENCIES: tuple[str, ...] = tuple(
    (  # noqa: SIM905
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

if TYPE_CHECKING:
    Country = str
    Currency = str
else:
    Country = Literal[COUNTRIES]
    Currency = Literal[CURRENCIES]

ItemStatus = Literal[
    "readyToShip",
    "paid",
    "cancelled",
    "cancelPending",
    "cancelRejected",
    "cancelAccepted",
    "shipped",
    "pending",
    "picked",
    "completed",
    "returned",
    "awaitingPayment",
    "pendingAvailability",
    "awaitingPickup",
    "partiallyRefunded",
    "partiallyCancelled",
    "undelivered",
    "returnRejected",
    "returnCompleted",
    "returnReverted",
    "refunded",
    # Not in the seed's list, but its own shipment sample sends it; samples must validate.
    "partiallyShipped",
]
OrderWeightUnit = Literal["kg", "g", "lbs", "oz", "ton", "mg"]
WeightUnit = Literal["kg", "g", "lbs", "oz"]
LengthUnit = Literal["cm", "m", "km", "mm", "ft", "in"]
AgeGroup = Literal["newborn", "infant", "toddler", "kids", "adult", "all"]
Condition = Literal["new", "used", "refurbished"]
WarrantyPeriod = Literal["day", "week", "month", "year"]

# -- overwrites -------------------------------------------------------------------------------

SYSTEM_ID = r"[A-Za-z0-9_.-]+"
UUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
OVERWRITE_KEY_PATTERN = rf"^(system:{SYSTEM_ID}(,{SYSTEM_ID})*|integration:{UUID})$"
OverwriteKey = Annotated[str, StringConstraints(pattern=OVERWRITE_KEY_PATTERN)]
"""``system:lazada_sg,amazon`` (one or more system ids) or ``integration:<integration id>``."""

# -- the address object -----------------------------------------------------------------------


@with_config(RECORD_CONFIG)
class Address(TypedDict, total=False):
    """An address: an order's billing and shipping addresses, a return's pick-up address."""

    city: Text
    """The city"""
    company: Text
    """The customer's company"""
    country: Country
    """The country code"""
    email: Text
    """The email of the customer"""
    extra1: Text
    """Any extra details for of the address"""
    extra2: Text
    """A second extra detail for of the address"""
    latitude: Number
    """The latitude of the location"""
    locationId: Text
    """A location ID for the address"""
    longitude: Number
    """The longitude of the location"""
    name: Text
    """The customer's name"""
    phone1: Text
    """The phone number of the customer"""
    phone2: Text
    """An extra phone number of the customer"""
    state: Text
    """The name of the state, example "California\""""
    stateCode: Text
    """The code state, example "CA\""""
    street: Text
    """The street address"""
    zip: Text
    """The zip / postal code for the address"""
