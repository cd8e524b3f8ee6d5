"""A compiled template (``Program``) and how one is built from a template and its overwrites,
cached by the content hash of their texts."""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crossdock.mapping.cml.compiled import Fn
from crossdock.mapping.cml.compiler import ExpressionCompiler, table_from
from crossdock.mapping.cml.errors import CmlCompileError
from crossdock.mapping.cml.layers import merge_entries, merge_fields
from crossdock.mapping.cml.objects import build_computed
from crossdock.mapping.cml.runtime import MAX_OUTPUT, MAX_WORK, Budget, Env
from crossdock.mapping.cml.source import Node, parse

VERSION = 1
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
TOP_KEYS = ("cml", "description", "variables", "tables", "computed", "output")
MAX_OVERWRITES = 16
CACHE_SIZE = 256
CACHE_CHARS = 2 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Source:
    """A template's text and the name its errors use (``template``, ``overwrites.0``)."""

    name: str
    text: str


class Program:
    """A template, validated and compiled: ``apply`` maps one record."""

    __slots__ = ("_build", "_computed", "digest", "variables")

    def __init__(
        self,
        build: Fn,
        variables: dict[str, Any],
        digest: str,
        computed: Fn | None = None,
    ) -> None:
        self._build = build
        self._computed = computed
        self.variables = variables
        """The declared variables with their defaults (nulls are declared without one)."""
        self.digest = digest

    def apply(
        self,
        record: Mapping[str, Any],
        *,
        group: Sequence[Mapping[str, Any]] = (),
        variables: Mapping[str, Any] | None = None,
        max_work: int = MAX_WORK,
        max_output: int = MAX_OUTPUT,
    ) -> dict[str, Any]:
        """Map ``record``; ``group`` is what ``$group`` reads, ``variables`` override the
        template's. Raises ``CmlRuntimeError`` naming the value that could not be mapped."""
        scope = {**self.variables, **variables} if variables else self.variables
        env = Env(record, record, scope, list(group), Budget(max_work, max_output))
        if self._computed is not None:
            self._computed(env)
        out: dict[str, Any] = self._build(env)
        return out


def _layer(node: Node, *, base: bool) -> dict[str, Node]:
    if not node.is_map:
        raise node.error(
            "a template is a mapping with output: (and optionally variables: and tables:)"
        )
    parts = node.items()
    for key in parts:
        if key not in TOP_KEYS:
            hint = "; output fields go under output:" if base else ""
            raise node.error(
                f"unknown top-level key {key!r}: a template has {', '.join(TOP_KEYS)}{hint}", key
            )
    if "cml" in parts and parts["cml"].value != VERSION:
        raise parts["cml"].error(f"cml: this is CML version {VERSION}; write cml: {VERSION}")
    if base and "output" not in parts:
        raise node.error("the template has no output: (the fields of the mapped record)")
    if "output" in parts and not parts["output"].is_map:
        raise parts["output"].error(
            "output: expected the fields of the mapped record, each with its expression"
        )
    for key in ("variables", "tables", "computed"):
        if key in parts and not parts[key].is_map:
            raise parts[key].error(f"{key}: expected a mapping of names to values")
    for key in ("variables", "computed"):
        for name in parts[key].items() if key in parts else ():
            if not _NAME.fullmatch(name):
                raise parts[key].error(
                    f"{key}: {name!r} is not a name; use letters, digits and _", name
                )
    return parts


def build(sources: Sequence[Source], digest: str | None = None) -> Program:
    """Compile a template and its overwrites (the first source is the base)."""
    if len(sources) > MAX_OVERWRITES + 1:
        raise CmlCompileError(
            f"at most {MAX_OVERWRITES} overwrites are allowed", source=sources[-1].name
        )
    layers = [
        _layer(parse(source.text, source.name), base=index == 0)
        for index, source in enumerate(sources)
    ]
    variables_node: Node | None = None
    computed_node: Node | None = None
    tables_nodes: dict[str, Node] = {}
    for layer in layers:
        if "variables" in layer:
            given = layer["variables"]
            variables_node = (
                given if variables_node is None else merge_entries(variables_node, given)
            )
        if "computed" in layer:
            given = layer["computed"]
            computed_node = given if computed_node is None else merge_entries(computed_node, given)
        for name, table in layer["tables"].items().items() if "tables" in layer else ():
            table_from(table)  # validates its shape, with its own line
            previous = tables_nodes.get(name)
            tables_nodes[name] = table if previous is None else merge_entries(previous, table)
    variables = variables_node.plain() if variables_node is not None else {}
    tables = {name: table_from(node) for name, node in tables_nodes.items()}
    declared = set(variables)
    # Computed values, in order: each may read those written before it. Every layer must
    # compile on its own (with every layer's variables, tables and computed values), so a
    # mistake in an overwrite is reported even where a later one replaces it.
    merged = computed_node.items() if computed_node is not None else {}
    written: set[str] = set()
    compiler = ExpressionCompiler(declared, tables, written)
    computed_fields = []
    for name, node in merged.items():
        for layer in layers if len(layers) > 1 else ():
            if "computed" in layer and name in layer["computed"].items():
                compiler.expr(layer["computed"].items()[name])
        computed_fields.append((name, compiler.expr(node)))
        written.add(name)
    computed = build_computed(computed_fields) if computed_fields else None
    names = set(merged)
    output: Node | None = None
    for layer in layers:
        if "output" not in layer:
            continue
        if len(layers) > 1:
            ExpressionCompiler(declared, tables, names).fields(layer["output"])
        output = layer["output"] if output is None else merge_fields(output, layer["output"])
    assert output is not None
    compiled = ExpressionCompiler(declared, tables, names).fields(output)
    digest = digest or _digest(sources)
    defaults = {k: v for k, v in variables.items() if v is not None}
    return Program(compiled.fn, defaults, digest, computed)


def _digest(sources: Sequence[Source]) -> str:
    sha = hashlib.sha256()
    for source in sources:
        for part in (source.name, source.text):
            data = part.encode("utf-8", "surrogatepass")
            sha.update(len(data).to_bytes(8, "big"))
            sha.update(data)
    return sha.hexdigest()


class ProgramCache:
    """Compiled programs by the content hash of their sources, least recently used evicted
    beyond ``size`` programs or ``chars`` characters of template text in all (a compiled
    program keeps up to about a hundred bytes per character of its text)."""

    def __init__(self, size: int = CACHE_SIZE, chars: int = CACHE_CHARS) -> None:
        self.size = size
        self.chars = chars
        self.hits = 0
        self.misses = 0
        self._programs: OrderedDict[str, tuple[Program, int]] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._programs)

    def get(self, sources: Sequence[Source]) -> Program:
        digest = _digest(sources)
        with self._lock:
            found = self._programs.get(digest)
            if found is not None:
                self._programs.move_to_end(digest)
                self.hits += 1
                return found[0]
            self.misses += 1
        # Compiled outside the lock: two threads may compile the same template once each.
        program = build(sources, digest)
        weight = sum(len(source.text) for source in sources)
        with self._lock:
            if digest not in self._programs:
                self._programs[digest] = (program, weight)
                self._held += weight
            while self._programs and (len(self._programs) > self.size or self._held > self.chars):
                _, (_, dropped) = self._programs.popitem(last=False)
                self._held -= dropped
        return program

    def clear(self) -> None:
        with self._lock:
            self._programs.clear()
            self._held = 0
            self.hits = self.misses = 0
