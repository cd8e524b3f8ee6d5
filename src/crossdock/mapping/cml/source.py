"""Reading a CML document (YAML, or JSON, which YAML reads too) into nodes that keep their line.

The reader is deliberately narrower than YAML: scalars follow the YAML 1.2 core schema (``NO``,
``yes`` and ``2021-01-01`` stay text; only ``true``/``false`` are booleans), anchors, aliases,
tags and multiple documents are refused, duplicate keys are errors, and size, nesting and node
count are bounded before anything is built, so a hostile document costs at most one linear pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from crossdock.mapping.cml.errors import CmlCompileError

MAX_TEMPLATE_CHARS = 128 * 1024
MAX_DEPTH = 32
MAX_NODES = 10_000

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_INT = re.compile(r"[-+]?[0-9]+")
_OCT = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_SPECIAL_FLOAT = re.compile(r"[-+]?\.(inf|Inf|INF)|\.nan|\.NaN|\.NAN")
_STR_TAG = "tag:yaml.org,2002:str"


@dataclass(slots=True, eq=False)
class Node:
    """One value of a template: a mapping, a sequence or a scalar, with where it was written."""

    value: Any
    """``dict[str, Node]``, ``list[Node]``, or a JSON scalar."""
    line: int
    source: str
    key_lines: dict[str, int] = field(default_factory=dict)

    @property
    def is_map(self) -> bool:
        return type(self.value) is dict

    @property
    def is_seq(self) -> bool:
        return type(self.value) is list

    def items(self) -> dict[str, Node]:
        assert type(self.value) is dict
        return self.value

    def elements(self) -> list[Node]:
        assert type(self.value) is list
        return self.value

    def error(self, detail: str, key: str | None = None) -> CmlCompileError:
        line = self.key_lines.get(key, self.line) if key is not None else self.line
        return CmlCompileError(detail, source=self.source, line=line)

    def plain(self) -> Any:
        """The JSON value this node spells (for literals: ``value``, variables, tables)."""
        stack: list[tuple[Node, Any, Any]] = [(self, None, None)]
        root: Any = None
        while stack:
            node, parent, slot = stack.pop()
            if node.is_map:
                out: Any = {}
                # Pushed in reverse so keys are inserted in the order they were written.
                stack.extend((child, out, key) for key, child in reversed(node.items().items()))
            elif node.is_seq:
                children = node.elements()
                out = [None] * len(children)
                stack.extend((child, out, i) for i, child in enumerate(children))
            else:
                out = node.value
            if parent is None:
                root = out
            else:
                parent[slot] = out
        return root


def _scalar(event: Any, source: str) -> Any:
    line = event.start_mark.line + 1
    text: str = event.value
    tag = event.tag
    if tag not in (None, "!") and tag != _STR_TAG:
        raise CmlCompileError(
            f"YAML tags ({tag}) are not part of CML; quote text instead", source=source, line=line
        )
    if not event.implicit[0] or tag == _STR_TAG:
        return text  # quoted, block and !!str scalars are always text
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    try:
        if _INT.fullmatch(text):
            return int(text)
        if _OCT.fullmatch(text):
            return int(text[2:], 8)
        if _HEX.fullmatch(text):
            return int(text[2:], 16)
    except ValueError:
        raise CmlCompileError(
            f"the number {text[:20]}... is too long", source=source, line=line
        ) from None
    if _FLOAT.fullmatch(text):
        return float(text)
    if _SPECIAL_FLOAT.fullmatch(text):
        raise CmlCompileError(
            f"{text} is not a JSON number; CML values must be JSON", source=source, line=line
        )
    return text


def parse(text: str, source: str = "template") -> Node:
    """Read one document into nodes; every problem is a ``CmlCompileError`` with a line."""
    if len(text) > MAX_TEMPLATE_CHARS:
        raise CmlCompileError(
            f"the template is {len(text):,} characters; at most {MAX_TEMPLATE_CHARS:,} are allowed",
            source=source,
        )
    try:
        return _compose(text, source)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        if problem == "exceeded maximum nesting depth":
            # libyaml's own bound (0.2.5 and newer), met while it scans ahead of our count
            problem = f"the template nests deeper than {MAX_DEPTH} levels"
            raise CmlCompileError(problem, source=source, line=line) from None
        raise CmlCompileError(f"invalid YAML: {problem}", source=source, line=line) from None
    except yaml.YAMLError as exc:
        raise CmlCompileError(f"invalid YAML: {exc}", source=source) from None


def _compose(text: str, source: str) -> Node:
    # Built from parser events with an explicit stack: no recursion, bounded depth and size.
    stack: list[tuple[Node, str | None]] = []
    pending_key: list[tuple[str, int] | None] = []
    root: Node | None = None
    count = 0
    documents = 0
    events: Iterator[Any] = yaml.parse(text, Loader=_Loader)
    for event in events:
        kind = type(event)
        if kind in (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent):
            continue
        line = event.start_mark.line + 1
        if kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise CmlCompileError(
                    "a template is one YAML document; remove the second '---'",
                    source=source,
                    line=line,
                )
            continue
        if kind is yaml.AliasEvent or getattr(event, "anchor", None) is not None:
            raise CmlCompileError(
                "YAML anchors and aliases (&name, *name) are not part of CML; write the value "
                "out, or use a variable",
                source=source,
                line=line,
            )
        if kind in (yaml.MappingEndEvent, yaml.SequenceEndEvent):
            node, _ = stack.pop()
            pending_key.pop()
            if not stack:
                root = node
            continue
        count += 1
        if count > MAX_NODES:
            raise CmlCompileError(
                f"the template has more than {MAX_NODES:,} values", source=source, line=line
            )
        if kind is yaml.ScalarEvent:
            value = _scalar(event, source)
            if stack and stack[-1][0].is_map and pending_key[-1] is None:
                # Keys are text as written: `1: male` is the key "1", `NO: Norway` is "NO".
                parent = stack[-1][0]
                key: str = event.value
                if key in parent.key_lines:
                    raise CmlCompileError(
                        f"duplicate key '{key}' (first written at line {parent.key_lines[key]})",
                        source=source,
                        line=line,
                    )
                pending_key[-1] = (key, line)
                continue
            node = Node(value, line, source)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            tag = event.tag
            if tag not in (None, "!") and not (
                tag.endswith((":map", ":seq")) and tag.startswith("tag:yaml.org")
            ):
                raise CmlCompileError(
                    f"YAML tags ({tag}) are not part of CML", source=source, line=line
                )
            if stack and stack[-1][0].is_map and pending_key[-1] is None:
                raise CmlCompileError(
                    "a key must be text, not a mapping or a list", source=source, line=line
                )
            if len(stack) >= MAX_DEPTH:
                raise CmlCompileError(
                    f"the template nests deeper than {MAX_DEPTH} levels", source=source, line=line
                )
            node = Node({} if kind is yaml.MappingStartEvent else [], line, source)
        else:  # pragma: no cover - the parser emits no other events
            continue
        if stack:
            _attach(stack[-1][0], node, pending_key)
        if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            stack.append((node, None))
            pending_key.append(None)
        elif not stack:
            root = node
    if root is None:
        raise CmlCompileError("the template is empty", source=source, line=1)
    return root


def _attach(parent: Node, node: Node, pending_key: list[tuple[str, int] | None]) -> None:
    if parent.is_map:
        slot = pending_key[-1]
        assert slot is not None
        key, key_line = slot
        parent.items()[key] = node
        parent.key_lines[key] = key_line
        pending_key[-1] = None
    else:
        parent.elements().append(node)
