"""The ``date`` step: read a date or date-time, move it to a time zone, write it in a format.

Reads ISO 8601 text by default (``2021-01-01``, ``2021-01-01T00:00:00+00:00``, ``...Z``), or
seconds or milliseconds since 1970 (``parse: epoch`` / ``epoch_ms``), or any ``strptime``
pattern. A date-time without an offset is taken in ``parse_timezone`` (UTC unless said). Writes
``iso`` (the default), ``date``, ``epoch``, ``epoch_ms`` or a ``strftime`` pattern, years
before 1000 with four digits in every form.

Both zones may be literal names, resolved once when the template compiles, or expressions
(``$variables.timeZone``), resolved per record: an unknown name from an expression is a runtime
error naming where it came from. Literal zones keep the fast paths.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from crossdock.mapping.cml.compiled import DYNAMIC
from crossdock.mapping.cml.errors import StepFailure
from crossdock.mapping.cml.runtime import MISSING, Env
from crossdock.mapping.cml.values import show

if TYPE_CHECKING:
    from crossdock.mapping.cml.compiled import Compiled, Compiler, StepFn
    from crossdock.mapping.cml.source import Node

MAX_PATTERN = 100
OPTIONS = ("format", "parse", "parse_timezone", "timezone")
_SAMPLE = datetime(2021, 1, 31, 23, 59, 58, tzinfo=UTC)
_YEAR = re.compile(r"(%%|%Y)")
_ZONE_HINT = "use a name such as Asia/Singapore or UTC"

ZoneOf = Callable[[Env], tzinfo]


def _option(node: Node, name: str) -> str:
    if node.is_map or node.is_seq or type(node.value) is not str:
        raise node.error(f"date {name}: expected text")
    text: str = node.value
    if len(text) > MAX_PATTERN:
        raise node.error(f"date {name}: at most {MAX_PATTERN} characters")
    return text


@lru_cache(maxsize=64)
def zone_named(name: str) -> tzinfo:
    """The time zone of an IANA name (``UTC`` in any case); ``ValueError`` if there is none."""
    if name.upper() == "UTC":
        return UTC
    if len(name) > MAX_PATTERN:
        raise ValueError(name)
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # no such zone, not a zone file, a bad name
        raise ValueError(name) from None


def _reader(pattern: str, node: Node) -> Callable[[Any], datetime]:
    if pattern == "iso":

        def iso(value: Any) -> datetime:
            if type(value) is not str:
                raise ValueError(f"cannot read {show(value)} as an ISO 8601 date")
            return datetime.fromisoformat(value.strip())

        return iso
    if pattern in ("epoch", "epoch_ms"):
        scale = 1000.0 if pattern == "epoch_ms" else 1.0

        def epoch(value: Any) -> datetime:
            if type(value) not in (int, float):
                raise ValueError(f"cannot read {show(value)} as {pattern} (a number)")
            return datetime.fromtimestamp(value / scale, UTC)

        return epoch
    if "%" not in pattern:
        raise node.error(
            "date parse: use iso, epoch, epoch_ms or a strptime pattern such as %d/%m/%Y"
        )
    try:
        datetime.strptime(_SAMPLE.strftime(pattern), pattern)
    except re.error as exc:  # e.g. a directive twice: the pattern cannot work at all
        raise node.error(f"date parse: {pattern!r} cannot be read ({exc})") from None
    except ValueError:
        pass  # a pattern strptime accepts but that loses something (%a alone): fine

    def strptime(value: Any) -> datetime:
        if type(value) is not str:
            raise ValueError(f"cannot read {show(value)} with the pattern {pattern!r}")
        return datetime.strptime(value, pattern)

    return strptime


def _writer(pattern: str, node: Node) -> Callable[[datetime], Any]:
    if pattern == "iso":
        return datetime.isoformat
    if pattern == "date":
        return lambda moment: moment.date().isoformat()
    if pattern == "epoch":
        return lambda moment: int(moment.timestamp())
    if pattern == "epoch_ms":
        return lambda moment: round(moment.timestamp() * 1000)
    if "%" not in pattern:
        raise node.error(
            "date format: use iso, date, epoch, epoch_ms or a strftime pattern such as %d/%m/%Y"
        )
    try:
        _SAMPLE.strftime(pattern)
    except ValueError as exc:
        raise node.error(f"date format: {exc}") from None
    if "%Y" not in pattern:
        return lambda moment: moment.strftime(pattern)
    # The C library writes the year 985 as 985 on Linux and 0985 elsewhere; ISO 8601 (and
    # strptime's %Y) want four digits, so early years are written in by hand.
    pieces = _YEAR.split(pattern)

    def four_digit_year(moment: datetime) -> str:
        if moment.year >= 1000:
            return moment.strftime(pattern)
        year = f"{moment.year:04d}"
        return moment.strftime("".join(year if piece == "%Y" else piece for piece in pieces))

    return four_digit_year


def _zone(
    node: Node | None, name: str, c: Compiler, line: int
) -> tuple[tzinfo | None, ZoneOf | None]:
    """A zone option: (the zone, None) when it is literal (or absent: (None, None)), else
    (None, a function reading it from the record's scope)."""
    if node is None:
        return None, None
    compiled = c.expr(node)
    if compiled.const is DYNAMIC:
        return None, _zone_reader(compiled, name, c.source, line)
    if type(compiled.const) is not str:
        raise node.error(
            f"date {name}: expected the name of a time zone (Asia/Singapore, UTC) or an "
            "expression such as $variables.timeZone"
        )
    try:
        return zone_named(compiled.const), None
    except ValueError:
        raise node.error(
            f"date {name}: unknown time zone {compiled.const!r}; {_ZONE_HINT}"
        ) from None


def _zone_reader(compiled: Compiled, name: str, source: str, line: int) -> ZoneOf:
    read, origin = compiled.fn, compiled.origin

    def zone_of(env: Env) -> tzinfo:
        given = read(env)
        if type(given) is str:
            try:
                return zone_named(given)
            except ValueError:
                pass
        where = origin.describe(env) if origin is not None else None
        if given is MISSING:
            reason = f"no time zone in {where}" if where else "the time zone is missing"
        else:
            place = f" in {where}" if where else ""
            reason = f"unknown time zone {show(given)}{place}; {_ZONE_HINT}"
        raise StepFailure(f"date {name}: {reason}", source, line)

    return zone_of


def compile_date(arg: Node, c: Compiler, line: int) -> StepFn:
    options: dict[str, Node] = {}
    if arg.is_map:
        options = arg.items()
        unknown = sorted(set(options) - set(OPTIONS))
        if unknown:
            raise arg.error(
                f"date: unknown option {unknown[0]!r}; options are format, parse, "
                "parse_timezone and timezone",
                unknown[0],
            )
        write = _option(options["format"], "format") if "format" in options else "iso"
        read = _option(options["parse"], "parse") if "parse" in options else "iso"
    else:
        write, read = _option(arg, "format"), "iso"
    reader = _reader(read, options.get("parse", arg))
    writer = _writer(write, options.get("format", arg))
    zone, zone_of = _zone(options.get("timezone"), "timezone", c, line)
    given_zone, given_zone_of = _zone(options.get("parse_timezone"), "parse_timezone", c, line)
    naive = given_zone or UTC
    source = c.source

    if zone_of is not None or given_zone_of is not None:

        def moved(value: Any, zone: tzinfo | None, naive: tzinfo) -> Any:
            try:
                moment = reader(value)
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=naive)
                if zone is not None:
                    moment = moment.astimezone(zone)
                return writer(moment)
            except (ValueError, OverflowError, OSError) as exc:
                raise _unreadable(exc, value, source, line) from None

        return _in_zones(moved, zone, zone_of, naive, given_zone_of)

    # Literal zones (or none): the same steps as ``moved``, with the zones bound once.
    def date(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        try:
            moment = reader(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=naive)
            if zone is not None:
                moment = moment.astimezone(zone)
            return writer(moment)
        except (ValueError, OverflowError, OSError) as exc:
            raise _unreadable(exc, value, source, line) from None

    general: StepFn = date
    if read == "iso" and zone is None and write in ("date", "iso", "epoch"):
        general = _iso_fast_path(date, writer, write == "date", naive)
    # The variants of a record mostly share their dates (a sale's start and end): the last
    # text read and what it gave are kept, as one pair replaced whole, so that threads
    # sharing the program never see one's text with another's result.
    last: list[tuple[str | None, Any]] = [(None, None)]  # no text matches before the first

    def remembered(value: Any, env: Env) -> Any:
        if type(value) is str:
            seen = last[0]
            if value == seen[0]:
                return seen[1]
            result = general(value, env)
            last[0] = (value, result)
            return result
        return general(value, env)

    return remembered


def zones_are_literal(arg: Node, c: Compiler) -> bool:
    """True when step ``date: arg`` (already compiled, so valid) has literal zones, or none:
    what it gives depends on the value alone, and it remembers the last text it read."""
    if not arg.is_map:
        return True
    for name in ("timezone", "parse_timezone"):
        node = arg.items().get(name)
        if node is not None and (node.is_map or node.is_seq or c.expr(node).const is DYNAMIC):
            return False
    return True


def _unreadable(exc: Exception, value: Any, source: str, line: int) -> StepFailure:
    reason = (
        str(exc)
        if str(exc).startswith("cannot")
        else f"cannot read {show(value)} as a date ({exc})"
    )
    return StepFailure(reason, source, line)


def _in_zones(
    moved: Callable[[Any, tzinfo | None, tzinfo], Any],
    zone: tzinfo | None,
    zone_of: ZoneOf | None,
    naive: tzinfo,
    naive_of: ZoneOf | None,
) -> StepFn:
    """The step when a zone comes from the record's scope: the zones are read for each value,
    and the last text is remembered together with the zones it was read in."""
    last: list[tuple[str | None, tzinfo | None, tzinfo, Any]] = [(None, None, naive, None)]

    def date_in_zones(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        to_zone = zone if zone_of is None else zone_of(env)
        from_zone = naive if naive_of is None else naive_of(env)
        if type(value) is not str:
            return moved(value, to_zone, from_zone)
        seen = last[0]
        if value == seen[0] and to_zone is seen[1] and from_zone is seen[2]:
            return seen[3]
        result = moved(value, to_zone, from_zone)
        last[0] = (value, to_zone, from_zone, result)
        return result

    return date_in_zones


def _iso_fast_path(
    date: StepFn, writer: Callable[[datetime], Any], date_only: bool, naive: tzinfo
) -> StepFn:
    """ISO text kept in its own offset, without the general path's calls; a date needs no
    offset at all. Anything unusual goes the general way (and gets its errors)."""
    read_iso = datetime.fromisoformat

    def iso_date(value: Any, env: Env) -> Any:
        if type(value) is str:
            try:
                moment = read_iso(value)
            except ValueError:
                return date(value, env)
            if date_only:
                return moment.date().isoformat()
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=naive)
            return writer(moment)
        return date(value, env)

    return iso_date
