"""Reading the schema declarations back: each TypedDict's attributes, their descriptions (the
docstring under each attribute, inherited ones included) and the nested objects. Used to
describe the served JSON Schema and to name attributes in errors; never on the hot path."""

from __future__ import annotations

import ast
import functools
import inspect
import itertools
import textwrap
from typing import Any, get_args

from typing_extensions import get_type_hints, is_typeddict


def lineage(cls: type) -> tuple[type, ...]:
    """``cls`` and the TypedDicts it derives from, nearest first."""
    found: list[type] = []
    pending = [cls]
    while pending:
        current = pending.pop(0)
        if current in found or not is_typeddict(current):
            continue
        found.append(current)
        pending.extend(getattr(current, "__orig_bases__", ()))
    return tuple(found)


@functools.cache
def _own_docs(cls: type) -> dict[str, str]:
    # pydantic's use_attribute_docstrings reads only a class's own body, so TypedDicts that
    # inherit their attributes would lose the descriptions; this reads each ancestor's body.
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body if isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for statement, following in itertools.pairwise(body):
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[statement.target.id] = " ".join(following.value.value.split())
    return docs


@functools.cache
def attribute_docs(cls: type) -> dict[str, str]:
    """Every attribute's description, inherited ones included."""
    docs: dict[str, str] = {}
    for ancestor in reversed(lineage(cls)):
        docs.update(_own_docs(ancestor))
    return docs


@functools.cache
def attributes(cls: type) -> dict[str, Any]:
    """Attribute name -> its annotation (``Annotated`` and ``Required`` kept)."""
    return dict(get_type_hints(cls, include_extras=True))


def nested(annotation: Any) -> list[type]:
    """The TypedDicts an annotation holds: itself, list items, object values."""
    if is_typeddict(annotation):
        return [annotation]
    found: list[type] = []
    for argument in get_args(annotation):
        found.extend(nested(argument))
    return found


@functools.cache
def object_types(root: type) -> dict[str, type]:
    """Every TypedDict reachable from ``root`` (itself included), by class name."""
    found: dict[str, type] = {}
    pending = [root]
    while pending:
        current = pending.pop()
        if current.__name__ in found:
            continue
        found[current.__name__] = current
        for annotation in attributes(current).values():
            pending.extend(nested(annotation))
    return found


@functools.cache
def attribute_names(root: type) -> frozenset[str]:
    """Every attribute name anywhere in ``root``'s objects."""
    return frozenset(name for cls in object_types(root).values() for name in attributes(cls))
