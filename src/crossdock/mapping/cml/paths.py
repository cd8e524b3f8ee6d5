"""Paths into the input: ``$.variants[0].price``, ``$record.title``, ``$variables.markup``,
``$group[*].sku``, compiled into getters specialised for the common short shapes.

Grammar: ``$`` then a root (``.`` for the current item, or a name: ``record``, ``variables``,
``group``, ``index``, ``computed``, or a loop's ``as`` name), then segments: ``.key``,
``["any key"]``, ``[2]``, ``[-1]`` (from the end) and ``[*]`` (every element, or every value of
an object). A path to an absent key, out of a list's range, through a non-object, or to a null,
is MISSING.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crossdock.mapping.cml.runtime import MISSING, Env, key_segment

KEY, INDEX, ALL, AUTO = 0, 1, 2, 3
"""Segments: a key, an index ([2]), every element ([*] or .*), and .2 (AUTO): an index into a
list, or the key "2" of an object. The dotted forms need no quotes inside YAML's {...}."""
ROOTS = ("record", "variables", "group", "index", "computed")

_IDENT = r"[\w-]+"
_SEGMENT = re.compile(
    rf"\.(?P<key>{_IDENT})"
    r"|\.(?P<star>\*)"
    r"|\[(?P<index>-?\d{1,9})\]"
    r"|\[(?P<all>\*)\]"
    r"|\[\"(?P<dq>(?:[^\"\\]|\\.)*)\"\]"
    r"|\['(?P<sq>(?:[^'\\]|\\.)*)'\]"
)
_ROOT = re.compile(rf"\$(?:(?P<name>{_IDENT})|\.(?P<first>{_IDENT}|\*)?)")
_NUMBER = re.compile(r"-?\d{1,9}")

Segment = tuple[int, Any]
Getter = Callable[[Env], Any]


@dataclass(frozen=True, slots=True)
class Path:
    text: str
    root: str
    """``.`` (the current item), ``record``, ``variables``, ``group``, ``index`` or a loop name."""
    segments: tuple[Segment, ...]
    up: int = 0
    """For a loop name: how many loops out its scope is."""

    def simple(self) -> tuple[str, str] | None:
        """("item", key) for ``$.key``, and ("record" | "computed" | "variables", key) for
        ``$record.key``, ``$computed.key``, ``$variables.key``: the paths objects read inline."""
        if len(self.segments) == 1 and self.segments[0][0] == KEY:
            if self.root == "." and self.up == 0:
                return "item", self.segments[0][1]
            if self.root == "record":
                return "record", self.segments[0][1]
            if self.root == "computed":
                return "computed", self.segments[0][1]
            if self.root == "variables":
                return "variables", self.segments[0][1]
        return None

    def describe(self, env: Env) -> str | None:
        """Where this path points in the request, for error messages; None if computed."""
        if self.root in (".", "index", "computed") or self.root not in ROOTS:
            if self.root in ("index", "computed"):
                return None
            scope = env.up(self.up)
            base = scope.where()
            segments = self.segments
            if (
                scope.parent is not None
                and type(scope.index) is str
                and segments
                and segments[0] in ((KEY, "value"), (KEY, "key"))
            ):
                segments = segments[1:]  # an object's entry: its path is the object's key
        else:
            base = {"record": "record", "variables": "variables", "group": "groupSources"}[
                self.root
            ]
            segments = self.segments
        if base is None:
            return None
        for kind, arg in segments:
            if kind == ALL:
                base += "[*]"
            else:
                base += key_segment(arg[1] if kind == AUTO else arg)
        return base


def _dotted(name: str) -> Segment:
    if name == "*":
        return (ALL, None)
    if _NUMBER.fullmatch(name):
        return (AUTO, (name, int(name)))
    return (KEY, name)


def parse_path(text: str) -> Path:
    """Parse a path as written; raises ValueError with the reason it is not one."""
    match = _ROOT.match(text)
    if match is None:
        raise ValueError("a path starts with $ and a name or a dot, e.g. $.title or $record.sku")
    segments: list[Segment] = []
    if match.group("name") is not None:
        root = match.group("name")
    else:
        root = "."
        if match.group("first") is not None:
            segments.append(_dotted(match.group("first")))
    pos = match.end()
    while pos < len(text):
        seg = _SEGMENT.match(text, pos)
        if seg is None:
            raise ValueError(
                f"cannot read the path from {text[pos : pos + 20]!r}; segments are .key, "
                '.2 or [2], .-1 or [-1], .* or [*], and ["any key"]'
            )
        if seg.group("key") is not None:
            segments.append(_dotted(seg.group("key")))
        elif seg.group("index") is not None:
            segments.append((INDEX, int(seg.group("index"))))
        elif seg.group("all") is not None or seg.group("star") is not None:
            segments.append((ALL, None))
        else:
            quoted = seg.group("dq") if seg.group("dq") is not None else seg.group("sq")
            segments.append((KEY, re.sub(r"\\(.)", r"\1", quoted)))
        pos = seg.end()
    return Path(text, root, tuple(segments))


def _root_getter(path: Path) -> Getter:
    root, up = path.root, path.up
    if root == "record":
        return lambda env: env.record
    if root == "variables":
        return lambda env: env.variables
    if root == "group":
        return lambda env: env.group
    if root == "computed":
        return lambda env: env.computed
    if root == "index":
        return lambda env: env.index
    if up == 0:
        return lambda env: env.item
    if up == 1:
        return lambda env: env.parent.item  # type: ignore[union-attr]
    return lambda env: env.up(up).item


def getter(path: Path, source: str = "template", line: int = 0) -> Getter:
    """A function reading this path from a scope (``up`` already resolved by the compiler)."""
    segments = path.segments
    root = _root_getter(path)
    if any(kind == ALL for kind, _ in segments):
        return _wildcard_getter(root, segments, source, line)
    kinds = tuple(kind for kind, _ in segments)
    if path.root == "." and path.up == 0 and kinds == (KEY,):
        ((_, key),) = segments

        def item_key(env: Env) -> Any:
            value = env.item
            if type(value) is dict:
                found = value.get(key)
                return MISSING if found is None else found
            return MISSING

        return item_key

    if path.root == "record" and kinds == (KEY,):
        ((_, key),) = segments

        def record_key(env: Env) -> Any:
            value = env.record
            if type(value) is dict:
                found = value.get(key)
                return MISSING if found is None else found
            return MISSING

        return record_key

    if kinds == (KEY,):
        ((_, key),) = segments

        def one_key(env: Env) -> Any:
            value = root(env)
            if type(value) is dict:
                found = value.get(key)
                return MISSING if found is None else found
            return MISSING

        return one_key

    if kinds == (KEY, KEY):
        (_, first), (_, second) = segments

        def two_keys(env: Env) -> Any:
            value = root(env)
            if type(value) is dict:
                value = value.get(first)
                if type(value) is dict:
                    found = value.get(second)
                    return MISSING if found is None else found
            return MISSING

        return two_keys

    def walk(env: Env) -> Any:
        value = root(env)
        for kind, arg in segments:
            if kind == KEY:
                if type(value) is not dict:
                    return MISSING
                value = value.get(arg)
            else:
                value = _step(value, kind, arg)
            if value is None:
                return MISSING
        return MISSING if value is None else value

    return walk


def _step(value: Any, kind: int, arg: Any) -> Any:
    """One KEY, INDEX or AUTO segment; None when it leads nowhere."""
    if kind == AUTO:
        if type(value) is dict:
            return value.get(arg[0])
        arg = arg[1]
    elif kind == KEY:
        return value.get(arg) if type(value) is dict else None
    if type(value) is list and -len(value) <= arg < len(value):
        return value[arg]
    return None


def _wildcard_getter(root: Getter, segments: tuple[Segment, ...], source: str, line: int) -> Getter:
    def expand(value: Any, start: int, env: Env) -> Any:
        for i in range(start, len(segments)):
            kind, arg = segments[i]
            if kind != ALL:
                value = _step(value, kind, arg)
            else:
                if type(value) is dict:
                    elements = list(value.values())
                elif type(value) is list:
                    elements = value
                else:
                    return MISSING
                env.budget.spend(len(elements), source, line)
                if i + 1 == len(segments):  # the last segment: the elements themselves
                    return [element for element in elements if element is not None]
                nested = any(k == ALL for k, _ in segments[i + 1 :])
                out: list[Any] = []
                for element in elements:
                    found = expand(element, i + 1, env)
                    if found is MISSING:
                        continue
                    if nested:
                        out.extend(found)
                    else:
                        out.append(found)
                return out
            if value is None:
                return MISSING
        return value

    def wildcard(env: Env) -> Any:
        value = root(env)
        return MISSING if value is None else expand(value, 0, env)

    return wildcard
