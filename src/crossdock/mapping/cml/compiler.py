"""Compiling CML expressions into closures: literals, paths, text with placeholders, and the
expression mappings (one source, its parameters, then steps in the order written).

Everything the template can get wrong is found here, with its line; what is left for run time
is what depends on the record (a value that is not a number, a list that is too long).
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from crossdock.mapping.cml.compiled import Compiled, Fn, StepFn
from crossdock.mapping.cml.errors import CmlRuntimeError, StepFailure
from crossdock.mapping.cml.inline import Hint, hint
from crossdock.mapping.cml.objects import build_object, step_error
from crossdock.mapping.cml.paths import KEY, ROOTS, Path, getter, parse_path
from crossdock.mapping.cml.runtime import MISSING, Env, key_segment, weigh
from crossdock.mapping.cml.source import Node
from crossdock.mapping.cml.steps import STEPS, fresh, scalar_step
from crossdock.mapping.cml.values import lookup_key, show, to_text, truthy

SOURCES = ("value", "from", "object", "list", "each", "if", "first", "all", "any", "not", "omit")
PARAMS: dict[str, tuple[str, ...]] = {
    "each": ("as", "where", "output", "key"),
    "if": ("then", "else"),
}
_PARAM_OWNER = {param: source for source, params in PARAMS.items() for param in params}
_PLACEHOLDER = re.compile(r"\{(\$[^{}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _pipeline(source: Fn, steps: list[StepFn], origin: Path | None) -> Fn:
    # Unrolled for the common lengths: one call per step, no loop.
    if len(steps) == 1:
        (first,) = steps

        def one(env: Env) -> Any:
            try:
                return first(source(env), env)
            except StepFailure as failure:
                raise step_error(failure, origin, env) from None

        return one
    if len(steps) == 2:
        first, second = steps

        def two(env: Env) -> Any:
            try:
                return second(first(source(env), env), env)
            except StepFailure as failure:
                raise step_error(failure, origin, env) from None

        return two
    chain = tuple(steps)

    def many(env: Env) -> Any:
        try:
            value = source(env)
            for step in chain:
                value = step(value, env)
            return value
        except StepFailure as failure:
            raise step_error(failure, origin, env) from None

    return many


def _constant(value: Any) -> Compiled:
    if type(value) is dict or type(value) is list:
        # Not builds: a literal object or list is weighed where it lands in the output.
        return Compiled(lambda env: fresh(value), weigh(value, 1_000_000))
    return Compiled(lambda env: value, 1, const=value, kind="const")


class ExpressionCompiler:
    """Compiles the expressions of one template (all its layers), given the declared variables
    and lookup tables."""

    def __init__(
        self,
        variables: set[str],
        tables: dict[str, dict[str, Any]],
        computed: set[str] | None = None,
    ) -> None:
        self.variables = variables
        self.tables = tables
        self.computed = computed if computed is not None else set()
        """The ``computed:`` names an expression may read (those written before it)."""
        self.loops: list[str | None] = []
        self.source = "template"

    # -- expressions --------------------------------------------------------------------------

    def expr(self, node: Node) -> Compiled:
        self.source = node.source
        if node.is_map:
            return self._construct(node)
        if node.is_seq:
            raise node.error(
                "a bare list is ambiguous here: write list: [...] to build a list from "
                "expressions, or value: [...] for a literal list"
            )
        value = node.value
        if type(value) is str:
            if value.startswith("$"):
                return self._path(value, node)
            if "{$" in value:
                return self._text(value, node)
        return _constant(value)

    def _path(self, text: str, node: Node) -> Compiled:
        try:
            path = parse_path(text)
        except ValueError as exc:
            raise node.error(
                f"{text[:40]!r} is not a path: {exc}. To write text that starts with $, use "
                f"value: '{text[:20]}'"
            ) from None
        root = path.root
        up = 0
        if root == "index":
            if not self.loops:
                raise node.error("$index is only defined inside each")
        elif root == "variables":
            if path.segments and path.segments[0][0] == KEY:
                name = path.segments[0][1]
                if name not in self.variables:
                    declared = ", ".join(sorted(self.variables)) or "none"
                    raise node.error(
                        f"unknown variable {name!r}: declare it under variables (with a default, "
                        f"or null) before using it; declared: {declared}"
                    )
        elif root == "computed":
            if not path.segments or path.segments[0][0] != KEY:
                raise node.error("$computed needs a name: $computed.<name>")
            name = path.segments[0][1]
            if name not in self.computed:
                known = ", ".join(sorted(self.computed)) or "none"
                raise node.error(
                    f"unknown computed value {name!r}: a computed value is defined under "
                    f"computed:, before the expressions that read it; defined here: {known}"
                )
        elif root not in ROOTS and root != ".":
            if root not in self.loops:
                loops = [name for name in self.loops if name]
                named = f"; loop names here: {', '.join(loops)}" if loops else ""
                raise node.error(
                    f"unknown name ${root}: paths start with $. (the current item), $record, "
                    f"$variables, $group, $computed, $index, or the 'as' name of an enclosing "
                    f"each{named}"
                )
            up = len(self.loops) - 1 - max(i for i, n in enumerate(self.loops) if n == root)
        path = Path(path.text, root, path.segments, up)
        fn = getter(path, node.source, node.line)
        return Compiled(fn, 1, origin=path, origin_fn=fn, kind="path")

    def _text(self, text: str, node: Node) -> Compiled:
        pieces: list[Any] = []
        position = 0
        for match in _PLACEHOLDER.finditer(text):
            if match.start() > position:
                pieces.append(text[position : match.start()])
            pieces.append(self._path(match.group(1), node).fn)
            position = match.end()
        if position < len(text):
            pieces.append(text[position:])
        parts = tuple(pieces)
        source, line = node.source, node.line

        def template(env: Env) -> Any:
            out: list[str] = []
            for part in parts:
                if type(part) is str:
                    out.append(part)
                    continue
                value = part(env)
                if value is MISSING:
                    return MISSING
                if type(value) is not str:
                    try:
                        value = to_text(value)
                    except ValueError:
                        raise CmlRuntimeError(
                            f"cannot put {show(value)} into text; pick one value or join a list",
                            source=source,
                            line=line,
                        ) from None
                out.append(value)
            # Charged before the text is built: placeholders can repeat a long value.
            env.budget.grow(sum(map(len, out)), source, line)
            return "".join(out)

        return Compiled(template, len(parts))

    # -- expression mappings ------------------------------------------------------------------

    def _construct(self, node: Node) -> Compiled:
        keys = node.items()
        heads = [key for key in keys if key in SOURCES]
        if len(heads) > 1:
            raise node.error(
                f"{heads[0]} and {heads[1]} cannot be used together: an expression has one source",
                heads[1],
            )
        if not heads:
            self._no_source(node)
        head = heads[0]
        params = PARAMS.get(head, ())
        for key in keys:
            if key in _PARAM_OWNER and key not in params:
                raise node.error(f"{key} belongs to {_PARAM_OWNER[key]}, not to {head}", key)
            if key not in SOURCES and key not in params and key not in STEPS:
                raise node.error(self._unknown(key), key)
        compiled: Compiled = getattr(self, "_source_" + head)(node)
        steps: list[StepFn] = []
        hints: list[Hint | None] = []
        scalar = False
        for key, arg in keys.items():
            if key in STEPS:
                self.source = arg.source
                steps.append(STEPS[key](arg, self, node.key_lines[key]))
                hints.append(hint(key, arg, self))
                scalar = scalar_step(key, arg)
        if not steps:
            return compiled
        return Compiled(
            _pipeline(compiled.fn, steps, compiled.origin),
            compiled.cost + len(steps),
            origin=compiled.origin,
            builds=compiled.builds,
            base=compiled,
            steps=tuple(steps),
            hints=tuple(hints),
            kind="steps",
            scalar=scalar,
        )

    def _no_source(self, node: Node) -> None:
        keys = list(node.items())
        steps = [key for key in keys if key in STEPS]
        if steps:
            raise node.error(
                f"{steps[0]} needs a value to work on: add from: <path or expression>", steps[0]
            )
        first = keys[0] if keys else None
        if first is not None and first in _PARAM_OWNER:
            raise node.error(f"{first} belongs to {_PARAM_OWNER[first]}", first)
        if first is not None:
            raise node.error(
                f"{self._unknown(first)}. To build a nested object, write object: with its "
                "fields under it",
                first,
            )
        raise node.error("an empty mapping is not an expression; use value: {} for an empty object")

    @staticmethod
    def _unknown(key: str) -> str:
        known = [*SOURCES, *_PARAM_OWNER, *STEPS]
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return f"unknown key {key!r}{hint}"

    def _list_of(self, node: Node, key: str) -> list[Compiled]:
        items = node.items()[key]
        if not items.is_seq:
            raise items.error(f"{key}: expected a list of expressions, e.g. [$.a, $.b]")
        return [self.expr(element) for element in items.elements()]

    # -- sources ------------------------------------------------------------------------------

    def _source_value(self, node: Node) -> Compiled:
        return _constant(node.items()["value"].plain())

    def _source_from(self, node: Node) -> Compiled:
        return self.expr(node.items()["from"])

    def _source_omit(self, node: Node) -> Compiled:
        flag = node.items()["omit"]
        if flag.value is not True:
            raise flag.error("omit: expected true")
        return Compiled(lambda env: MISSING, 1, const=MISSING, kind="const")

    def _source_object(self, node: Node) -> Compiled:
        fields = node.items()["object"]
        if not fields.is_map:
            raise fields.error(
                "object: expected the fields of the object, each with its expression"
            )
        return self.fields(fields)

    def fields(self, node: Node) -> Compiled:
        """An object built field by field; fields whose value is MISSING are left out."""
        fields = [(name, self.expr(child)) for name, child in node.items().items()]
        cost = 1 + sum(compiled.cost for _, compiled in fields)
        return Compiled(build_object(fields, node.source, node.line), cost, builds=True)

    def _source_list(self, node: Node) -> Compiled:
        elements = self._list_of(node, "list")
        fns = tuple(e.fn for e in elements)

        # Not charged here: a list often only feeds join or flatten. Where it lands in the
        # output, it is weighed whole (builds=False), like a list copied from the input.
        def build(env: Env) -> Any:
            out: list[Any] = []
            for index, fn in enumerate(fns):
                try:
                    value = fn(env)
                except CmlRuntimeError as error:
                    raise error.within(f"[{index}]") from None
                if value is not MISSING:
                    out.append(value)
            return out

        return Compiled(
            build, 1 + sum(e.cost for e in elements), kind="list", parts=tuple(elements)
        )

    def _source_first(self, node: Node) -> Compiled:
        elements = self._list_of(node, "first")
        fns = tuple(e.fn for e in elements)

        def first(env: Env) -> Any:
            for fn in fns:
                value = fn(env)
                if value is not MISSING:
                    return value
            return MISSING

        cost = 1 + sum(e.cost for e in elements)
        return Compiled(first, cost, kind="first", parts=tuple(elements))

    def _source_all(self, node: Node) -> Compiled:
        elements = self._list_of(node, "all")
        fns = tuple(e.fn for e in elements)

        def all_(env: Env) -> bool:
            for fn in fns:
                value = fn(env)
                if value is MISSING or not value:
                    return False
            return True

        cost = 1 + sum(e.cost for e in elements)
        return Compiled(all_, cost, kind="all", parts=tuple(elements), scalar=True)

    def _source_any(self, node: Node) -> Compiled:
        elements = self._list_of(node, "any")
        fns = tuple(e.fn for e in elements)

        def any_(env: Env) -> bool:
            for fn in fns:
                value = fn(env)
                if value is not MISSING and value:
                    return True
            return False

        cost = 1 + sum(e.cost for e in elements)
        return Compiled(any_, cost, kind="any", parts=tuple(elements), scalar=True)

    def _source_not(self, node: Node) -> Compiled:
        inner = self.expr(node.items()["not"])
        inner_fn = inner.fn
        return Compiled(
            lambda env: not truthy(inner_fn(env)),
            1 + inner.cost,
            kind="not",
            parts=(inner,),
            scalar=True,
        )

    def _source_if(self, node: Node) -> Compiled:
        keys = node.items()
        if "then" not in keys:
            raise node.error("if needs then: (and optionally else:)", "if")
        condition = self.expr(keys["if"])
        then = self.expr(keys["then"])
        otherwise = self.expr(keys["else"]) if "else" in keys else _constant(MISSING)
        condition_fn, then_fn, else_fn = condition.fn, then.fn, otherwise.fn

        def choose(env: Env) -> Any:
            return then_fn(env) if truthy(condition_fn(env)) else else_fn(env)

        cost = 1 + condition.cost + then.cost + otherwise.cost
        return Compiled(choose, cost, kind="if", parts=(condition, then, otherwise))

    def _source_each(self, node: Node) -> Compiled:
        keys = node.items()
        over = self.expr(keys["each"])
        name: str | None = None
        if "as" in keys:
            name_node = keys["as"]
            name = name_node.value if type(name_node.value) is str else None
            if name is None or not _NAME.fullmatch(name):
                raise name_node.error("as: expected a name of letters, digits and _, e.g. variant")
            if name in ROOTS:
                raise name_node.error(
                    f"as: {name} is a reserved name ($record, $variables, $group, $index, "
                    "$computed)"
                )
        self.loops.append(name)
        try:
            where = self.expr(keys["where"]) if "where" in keys else None
            body = self.expr(keys["output"]) if "output" in keys else None
            key = self.expr(keys["key"]) if "key" in keys else None
        finally:
            self.loops.pop()
        cost = 1 + sum(part.cost for part in (where, body, key) if part is not None)
        return Compiled(self._loop(node, over, where, body, key, cost), cost, builds=True)

    @staticmethod
    def _loop(
        node: Node,
        over: Compiled,
        where: Compiled | None,
        body: Compiled | None,
        key: Compiled | None,
        cost: int,
    ) -> Fn:
        over_fn, via = over.fn, over.origin
        where_fn = where.fn if where is not None else None
        # `where: $.key`, the common filter, is read from the item without a call.
        simple = where.origin.simple() if where and where.kind == "path" and where.origin else None
        where_key = simple[1] if simple is not None and simple[0] == "item" else None
        body_fn = body.fn if body is not None else None
        key_fn = key.fn if key is not None else None
        copied = body is None or not body.builds
        source, line = node.source, node.line

        def each(env: Env) -> Any:
            items = over_fn(env)
            if items is MISSING:
                return MISSING
            if type(items) is list:
                pairs: Any = enumerate(items)
            elif type(items) is dict:
                pairs = ((k, {"key": k, "value": v}) for k, v in items.items())
            else:
                where_text = via.describe(env) if via is not None else None
                raise CmlRuntimeError(
                    f"each: expected a list or an object, got {show(items)}",
                    path=where_text,
                    source=source,
                    line=line,
                )
            budget = env.budget
            work = len(items) * cost  # taken without a call when it fits; spend refuses it
            if work <= budget.work:
                budget.work -= work
            else:
                budget.spend(work, source, line)
            keyed: dict[str, Any] | None = {} if key_fn is not None else None
            out: list[Any] = []
            weight = 0
            # One scope for the whole loop, moved from item to item: nothing keeps a scope
            # beyond its item's evaluation (error messages read it at once).
            scope = Env(MISSING, env.record, env.variables, env.group, budget, env, None, via)
            scope.computed = env.computed
            for index, item in pairs:
                scope.item = item
                scope.index = index
                try:
                    if where_key is not None:
                        if type(item) is not dict or not item.get(where_key):
                            continue
                    elif where_fn is not None:
                        keep = where_fn(scope)
                        if keep is MISSING or not keep:
                            continue
                    value = item if body_fn is None else body_fn(scope)
                    if value is MISSING:
                        continue
                    if keyed is not None:
                        keyed[_key_of(key_fn, scope, source, line)] = value
                    else:
                        out.append(value)
                except CmlRuntimeError as error:
                    # Where it would be in the output: its place in the list built so far, or
                    # (building an object by key) its place in the input.
                    segment = f"[{len(out)}]" if keyed is None else key_segment(index)
                    raise error.within(segment) from None
                if copied and (type(value) is dict or type(value) is list):
                    budget.copy(value, source, line)
                elif type(value) is str:
                    weight += len(value) + 1
                else:
                    weight += 1
            if weight <= budget.room:
                budget.room -= weight
            else:
                budget.grow(weight, source, line)
            return out if keyed is None else keyed

        return each

    # -- tables -------------------------------------------------------------------------------

    def table(self, node: Node) -> dict[str, Any]:
        if node.is_map:
            return table_from(node)
        name = node.value
        if type(name) is not str or node.is_seq:
            raise node.error("lookup: expected the name of a table, or the table itself")
        if name not in self.tables:
            declared = ", ".join(sorted(self.tables)) or "none"
            raise node.error(f"lookup: unknown table {name!r}; tables: {declared}")
        return self.tables[name]


def _key_of(key_fn: Fn | None, scope: Env, source: str, line: int) -> str:
    assert key_fn is not None
    name = key_fn(scope)
    try:
        if name is MISSING:
            raise ValueError("the key is missing for this item")
        return lookup_key(name)
    except ValueError as exc:
        raise CmlRuntimeError(
            f"each key: {exc}", path=scope.where(), source=source, line=line
        ) from None


def table_from(node: Node) -> dict[str, Any]:
    """A lookup table: text keys (as written) to literal values."""
    if not node.is_map:
        raise node.error("a lookup table maps keys to values, e.g. {Blue: BLU, Green: GRN}")
    table: dict[str, Any] = {}
    for key, child in node.items().items():
        table[key] = child.plain()
    return table
