"""Shared pieces of the API's request models: strict by default, the seed's enumerations."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, WithJsonSchema

COUNTRY_CODES = (  # noqa: SIM905 - the seed's list, kept verbatim
    "AD AE AF AG AI AL AM AN AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BR "
    "BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CX CY CZ DE DJ DK DM DO DZ EC "
    "EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY "
    "HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ "
    "LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW "
    "MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA "
    "RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SY SZ TC TD TF TG TH TJ "
    "TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
).split()

_COUNTRIES = frozenset(COUNTRY_CODES)


def _supported_country(value: str) -> str:
    if value not in _COUNTRIES:
        raise ValueError("Unsupported country code; use one of the supported ISO 3166 codes")
    return value


Country = Annotated[
    str,
    AfterValidator(_supported_country),
    WithJsonSchema({"type": "string", "enum": COUNTRY_CODES}),
]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=2000)]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=320)]


class StrictModel(BaseModel):
    """Request bodies: unknown attributes are refused, naming the model and the field."""

    model_config = ConfigDict(extra="forbid")
