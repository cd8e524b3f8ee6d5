"""Layering templates: a base template and its overwrites, merged into one before compiling.

Precedence, later layers winning:

- ``output``: field by field. When both layers give a field as ``object:``, their fields merge
  the same way; when both give it as ``each:``, the later layer's keys replace the earlier's
  (``each``, ``as``, ``where``, ``key``, steps) and their ``output`` expressions merge. Any
  other expression replaces the earlier one whole; ``omit: true`` removes the field.
- ``variables``: name by name; then the variables of the call win over every layer.
- ``tables``: entry by entry, within tables of the same name.
"""

from __future__ import annotations

from crossdock.mapping.cml.source import Node

_MERGED_SOURCES = ("object", "each")


def _source_of(node: Node) -> str | None:
    if not node.is_map:
        return None
    for key in _MERGED_SOURCES:
        if key in node.items():
            return key
    return None


def merge_expression(earlier: Node, later: Node) -> Node:
    kind = _source_of(earlier)
    if kind is None or kind != _source_of(later):
        return later
    merged = Node({}, later.line, later.source)
    for key, child in earlier.items().items():
        merged.items()[key] = child
        merged.key_lines[key] = earlier.key_lines[key]
    inner = "object" if kind == "object" else "output"
    for key, child in later.items().items():
        previous = merged.items().get(key)
        if key == inner and previous is not None:
            if kind == "object" and previous.is_map and child.is_map:
                child = merge_fields(previous, child)
            elif kind == "each":
                child = merge_expression(previous, child)
        merged.items()[key] = child
        merged.key_lines[key] = later.key_lines[key]
    return merged


def merge_fields(earlier: Node, later: Node) -> Node:
    """Fields of ``later`` over those of ``earlier``; new fields come after the earlier ones."""
    merged = Node({}, later.line, later.source)
    for key, child in earlier.items().items():
        merged.items()[key] = child
        merged.key_lines[key] = earlier.key_lines[key]
    for key, child in later.items().items():
        previous = merged.items().get(key)
        merged.items()[key] = child if previous is None else merge_expression(previous, child)
        merged.key_lines[key] = later.key_lines[key]
    return merged


def merge_entries(earlier: Node, later: Node) -> Node:
    """Two mappings whose entries are literal (variables, a table): later wins per key."""
    merged = Node(dict(earlier.items()), later.line, later.source, dict(earlier.key_lines))
    merged.items().update(later.items())
    merged.key_lines.update(later.key_lines)
    return merged
