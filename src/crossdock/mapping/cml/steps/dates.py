"""The ``date`` step: read a date or date-time, move it to a time zone, write it in a format.

Reads ISO 8601 text by default (``2021-01-01``, ``2021-01-01T00:00:00+00:00``, ``...Z``), or
seconds or milliseconds since 1970 (``parse: epoch`` / ``epoch_ms``), or any ``strptime``
pattern. A date-time without an offset is taken as UTC. Writes ``iso`` (the default), ``date``,
``epoch``, ``epoch_ms`` or a ``strftime`` pattern.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from crossdock.mapping.cml.errors import StepFailure
from crossdock.mapping.cml.runtime import MISSING, Env
from crossdock.mapping.cml.values import show

if TYPE_CHECKING:
    from crossdock.mapping.cml.compiled import Compiler, StepFn
    from crossdock.mapping.cml.source import Node

MAX_PATTERN = 100
_SAMPLE = datetime(2021, 1, 31, 23, 59, 58, tzinfo=UTC)


def _option(node: Node, name: str) -> str:
    if node.is_map or node.is_seq or type(node.value) is not str:
        raise node.error(f"date {name}: expected text")
    text: str = node.value
    if len(text) > MAX_PATTERN:
        raise node.error(f"date {name}: at most {MAX_PATTERN} characters")
    return text


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
    return lambda moment: moment.strftime(pattern)


def compile_date(arg: Node, c: Compiler, line: int) -> StepFn:
    if arg.is_map:
        options = arg.items()
        unknown = sorted(set(options) - {"format", "parse", "timezone"})
        if unknown:
            raise arg.error(
                f"date: unknown option {unknown[0]!r}; options are format, parse and timezone",
                unknown[0],
            )
        write = _option(options["format"], "format") if "format" in options else "iso"
        read = _option(options["parse"], "parse") if "parse" in options else "iso"
        zone_name = _option(options["timezone"], "timezone") if "timezone" in options else None
    else:
        write, read, zone_name = _option(arg, "format"), "iso", None
    reader = _reader(read, options["parse"] if arg.is_map and "parse" in options else arg)
    writer = _writer(write, options["format"] if arg.is_map and "format" in options else arg)
    zone: tzinfo | None = None
    if zone_name is not None:
        try:
            zone = UTC if zone_name.upper() == "UTC" else ZoneInfo(zone_name)
        except (ValueError, KeyError, OSError):
            raise options["timezone"].error(
                f"date timezone: unknown time zone {zone_name!r}; use a name such as "
                "Asia/Singapore or UTC"
            ) from None
    source = c.source

    def date(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        try:
            moment = reader(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            if zone is not None:
                moment = moment.astimezone(zone)
            return writer(moment)
        except (ValueError, OverflowError, OSError) as exc:
            reason = (
                str(exc)
                if str(exc).startswith("cannot")
                else f"cannot read {show(value)} as a date ({exc})"
            )
            raise StepFailure(reason, source, line) from None

    general: StepFn = date
    if read == "iso" and zone is None and write in ("date", "iso", "epoch"):
        general = _iso_fast_path(date, writer, write == "date")
    # The variants of a record mostly share their dates (a sale's start and end): the last
    # text read and what it gave are kept, as one pair replaced whole, so that threads
    # sharing the program never see one's text with another's result.
    last: list[tuple[str, Any]] = [("", None)]

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


def _iso_fast_path(date: StepFn, writer: Callable[[datetime], Any], date_only: bool) -> StepFn:
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
                moment = moment.replace(tzinfo=UTC)
            return writer(moment)
        return date(value, env)

    return iso_date
