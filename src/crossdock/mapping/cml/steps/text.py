"""Steps on text: ``case``, ``trim``, ``truncate``, ``pad``, ``strip_html``, ``replace``,
``split``, ``join`` and ``flatten`` (lists). Text steps accept numbers and booleans, written as
``to: text`` writes them; steps that can make text much longer (``replace``, ``join``) charge
the record's output budget first (``pad`` adds at most ``MAX_PAD`` characters).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from crossdock.mapping.cml.compiled import Compiler, StepFn
from crossdock.mapping.cml.runtime import MISSING, Env
from crossdock.mapping.cml.source import Node
from crossdock.mapping.cml.steps.common import StepCompiler, flag_arg, scalar_arg, text_of


def _case(arg: Node, c: Compiler, line: int) -> StepFn:
    name = scalar_arg(arg, (str,), "upper, lower or title", "case")
    change: Callable[[str], str] | None = {
        "upper": str.upper,
        "lower": str.lower,
        "title": str.title,
    }.get(name)
    if change is None:
        raise arg.error(f"case: unknown case {name!r}; use upper, lower or title")
    do, source = change, c.source

    def case(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        return do(text_of(value, source, line))

    return case


def _trim(arg: Node, c: Compiler, line: int) -> StepFn:
    if not flag_arg(arg, "trim"):
        return lambda value, env: value
    source = c.source
    return lambda value, env: value if value is MISSING else text_of(value, source, line).strip()


def _truncate(arg: Node, c: Compiler, line: int) -> StepFn:
    limit = scalar_arg(arg, (int,), "a number of characters", "truncate")
    if limit < 1:
        raise arg.error("truncate: expected at least 1 character")
    source = c.source

    def truncate(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        return text_of(value, source, line)[:limit]

    return truncate


MAX_PAD = 100
"""The widest ``pad``: account numbers and codes, not layout (a wider one is a mistake)."""


def _pad(arg: Node, c: Compiler, line: int) -> StepFn:
    width_node, fill = arg, "0"
    if arg.is_map:
        options = arg.items()
        if "width" not in options or set(options) - {"width", "fill"}:
            raise arg.error("pad: expected a width, or {width: <characters>, fill: <character>}")
        width_node = options["width"]
        if "fill" in options:
            fill = _fill(options["fill"])
    width = scalar_arg(width_node, (int,), "a width in characters", "pad")
    if not 1 <= width <= MAX_PAD:
        raise width_node.error(f"pad: expected a width of 1 to {MAX_PAD} characters")
    source = c.source
    if fill == "0":
        # zfill keeps a sign in front: -42 is -00042, as printf's %06d writes it.
        def zero_pad(value: Any, env: Env) -> Any:
            if value is MISSING:
                return value
            text = value if type(value) is str else text_of(value, source, line)
            return text.zfill(width)

        return zero_pad

    def pad(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        text = value if type(value) is str else text_of(value, source, line)
        return text.rjust(width, fill)

    return pad


def _fill(node: Node) -> str:
    """One character; a digit may be written as a number (``fill: 0``)."""
    value = node.value
    if not node.is_map and not node.is_seq:
        if type(value) is int and 0 <= value <= 9:
            return str(value)
        if type(value) is str and len(value) == 1:
            return value
    raise node.error("pad fill: expected one character, e.g. '0' or ' '")


_TAG = re.compile(r"<[^<>]*>")
_BLOCK = re.compile(r"</?(?:p|div|br|li|ul|ol|tr|h[1-6]|table|section|article)\b[^<>]*>", re.I)
_RUNS = re.compile(r"[^\S\n]*\n\s*|[^\S\n]{2,}|[\t\r\f\v]")
_SPACES = re.compile(" {2,}")


def _collapse(match: re.Match[str]) -> str:
    return "\n" if "\n" in match.group() else " "


def plain_text(text: str) -> str:
    """HTML as plain text: block elements end lines, other tags go, entities are decoded,
    runs of spaces become one and blank lines go."""
    if "<" in text:
        text = _TAG.sub("", _BLOCK.sub("\n", text))
    if "&" in text:
        text = unescape(text)
    return collapse_spaces(text)


def unescape(text: str) -> str:
    """``html.unescape``, with a shortcut for text whose every & starts ``&amp;`` (the usual
    case), which decodes the same at a fraction of the cost."""
    if text.count("&") == text.count("&amp;"):
        return text.replace("&amp;", "&")
    return html.unescape(text)


def collapse_spaces(text: str) -> str:
    """Each run of whitespace with a line break in it becomes one line break, every other run
    of two or more whitespace characters (or a tab, CR, form feed or vertical tab alone) one
    space; then the ends are trimmed, as ``collapse_spaces_generally`` does.

    When the only whitespace is spaces and line breaks (every other whitespace character is
    unprintable), as in most text, splitting lines gives the same several times faster."""
    if not text.replace("\n", "").isprintable():
        return collapse_spaces_generally(text)
    if "\n" in text:  # (str.strip takes off spaces alone here: there is no other whitespace)
        text = "\n".join(filter(None, map(str.strip, text.split("\n"))))
    if "  " in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


def collapse_spaces_generally(text: str) -> str:
    """What ``collapse_spaces`` means, for any text."""
    return _RUNS.sub(_collapse, text).strip()


def _strip_html(arg: Node, c: Compiler, line: int) -> StepFn:
    if not flag_arg(arg, "strip_html"):
        return lambda value, env: value
    source = c.source

    def strip_html(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        return plain_text(text_of(value, source, line))

    return strip_html


def _replace(arg: Node, c: Compiler, line: int) -> StepFn:
    if not arg.is_map or not arg.items():
        raise arg.error(
            "replace: expected pairs of text to find and text to write, e.g. {'&': 'and'}"
        )
    pairs: list[tuple[str, str]] = []
    for old, new in arg.items().items():
        if old == "":
            raise arg.error("replace: the text to find cannot be empty", old)
        if new.is_map or new.is_seq or type(new.value) is not str:
            raise new.error(f"replace: the replacement of {old!r} must be text (quote it)")
        pairs.append((old, new.value))
    source = c.source

    def replace(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        text = text_of(value, source, line)
        for old, new in pairs:
            if len(new) > len(old):
                # Charged before the text is built, so a replacement cannot blow up memory.
                env.budget.grow(text.count(old) * (len(new) - len(old)), source, line)
            text = text.replace(old, new)
        return text

    return replace


def _split(arg: Node, c: Compiler, line: int) -> StepFn:
    separator = scalar_arg(arg, (str,), "the text between parts, e.g. ','", "split")
    if separator == "":
        raise arg.error("split: the separator cannot be empty")
    source = c.source

    def split(value: Any, env: Env) -> Any:
        if value is MISSING:
            return value
        text = text_of(value, source, line)
        env.budget.spend(text.count(separator) + 1, source, line)  # before the list is made
        parts = text.split(separator)
        return [p for p in (part.strip() for part in parts) if p]

    return split


def _join(arg: Node, c: Compiler, line: int) -> StepFn:
    separator: str = scalar_arg(arg, (str,), "the text between parts, e.g. ', '", "join")
    source = c.source

    def join_slowly(value: list[Any], env: Env) -> str:
        parts = [
            text_of(part, source, line)
            for part in value
            if part is not MISSING and part is not None
        ]
        env.budget.grow(sum(map(len, parts)) + len(parts) * len(separator), source, line)
        return separator.join(parts)

    def join(value: Any, env: Env) -> Any:
        if type(value) is not list:
            return value if value is MISSING else text_of(value, source, line)
        try:
            # Charged before the text is built: a list can repeat a long text many times.
            size = sum(map(len, value)) + len(separator) * len(value)
        except TypeError:  # numbers or nulls among the parts
            return join_slowly(value, env)
        env.budget.grow(size, source, line)
        try:
            text: str = separator.join(value)
        except TypeError:  # a list or an object among the parts: refused by join_slowly
            return join_slowly(value, env)
        return text

    return join


def _flatten(arg: Node, c: Compiler, line: int) -> StepFn:
    if not flag_arg(arg, "flatten"):
        return lambda value, env: value

    def flatten(value: Any, env: Env) -> Any:
        if type(value) is not list:
            return value
        out: list[Any] = []
        for part in value:
            if type(part) is list:
                out.extend(part)
            else:
                out.append(part)
        return out

    return flatten


TEXT_STEPS: dict[str, StepCompiler] = {
    "case": _case,
    "trim": _trim,
    "truncate": _truncate,
    "pad": _pad,
    "strip_html": _strip_html,
    "replace": _replace,
    "split": _split,
    "join": _join,
    "flatten": _flatten,
}
