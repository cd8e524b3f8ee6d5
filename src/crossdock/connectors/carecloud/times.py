"""Project time: CareCloud writes every timestamp as wall-clock time of the project's time zone,
``YYYY-MM-DD HH:MM:SS`` without an offset (``valid_to``, ``last_change``).

Such strings sort as CareCloud sorts them, which is what incremental reads compare, but they
are not instants: when clocks go back in autumn an hour of wall times repeats, and a change
made in the second pass of that hour is stamped earlier than one made in the first. A position
taken in the repeated hour is therefore moved back before it (``fold_safe``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crossdock.errors import FixRequest

DEFAULT_ZONE = "Europe/Prague"
FORMAT = "%Y-%m-%d %H:%M:%S"


def project_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FixRequest(
            f"CareCloud settings: timezone: {name!r} is not an IANA time zone (e.g. Europe/Prague)",
            field="timezone",
        ) from None


def parse(text: str) -> datetime | None:
    """A project timestamp as a naive datetime; None when it is not one."""
    try:
        return datetime.strptime(text, FORMAT)
    except (TypeError, ValueError):
        return None


def to_epoch(text: str, zone: ZoneInfo) -> float | None:
    """The instant of a project timestamp. Of a repeated wall time, the earlier instant."""
    moment = parse(text)
    if moment is None:
        return None
    return moment.replace(tzinfo=zone, fold=0).timestamp()


def local_text(epoch: float, zone: ZoneInfo) -> str:
    """An instant as CareCloud writes it (seconds truncated, which only errs earlier)."""
    return datetime.fromtimestamp(epoch, zone).strftime(FORMAT)


def earlier(text: str, seconds: float) -> str:
    """``seconds`` before a project timestamp, in wall-clock arithmetic."""
    moment = parse(text)
    if moment is None:
        return text
    return (moment - timedelta(seconds=seconds)).strftime(FORMAT)


def fold_safe(text: str, zone: ZoneInfo) -> str:
    """A position no later than every wall time the project's clock shows from ``text`` on.

    Wall time only goes backwards when clocks fall back, and then only into the hour that
    repeats; a position inside that hour moves back by the shift (an hour in Europe), to
    before the repeated hour, so changes stamped in its second pass are not passed over.
    """
    moment = parse(text)
    if moment is None:
        return text
    first = moment.replace(tzinfo=zone, fold=0).utcoffset()
    second = moment.replace(tzinfo=zone, fold=1).utcoffset()
    if first is None or second is None or first <= second:
        return text  # unambiguous (a gap in spring has first < second: no record is there)
    return (moment - (first - second)).strftime(FORMAT)
