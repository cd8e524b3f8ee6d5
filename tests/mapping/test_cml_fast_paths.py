"""The fast paths CML takes for the commonest values give exactly what the general paths give:
generated builders' inline number steps and path operands against the steps' closures, and
``strip_html``'s shortcuts against the regular expressions and ``html.unescape``."""

from __future__ import annotations

import html
import itertools
import math
import random
import re
import sys
from typing import Any

import pytest

from crossdock.mapping.cml import CmlRuntimeError
from crossdock.mapping.cml.compiler import ExpressionCompiler
from crossdock.mapping.cml.runtime import MISSING, Budget, Env
from crossdock.mapping.cml.source import parse
from crossdock.mapping.cml.steps.text import (
    _BLOCK,
    _TAG,
    collapse_spaces,
    collapse_spaces_generally,
    plain_text,
    unescape,
)
from tests.mapping.cml_helpers import program

# Values a step may meet: ties and near-ties for rounding, floats too large for the fast
# arithmetic, whole numbers past 64 bits, numeric text, and everything that is not a number.
VALUES: list[Any] = [2.675, -2.675, 1.005, 0.125, 0.5, 46.27, 37.016, 739.16, -0.0, 1e-7]
VALUES += [123456789.125, 1e12, 1e300, -1e300, math.inf, math.nan, 0, 7, -3, 2**63, 10**30]
VALUES += ["12.5", "7", "abc", "", True, False, None, [1, 2], {"a": 1}]
OPERANDS: list[Any] = [2, 0, 0.0, 2.5, -1, 1e308, 10**30, "3", True, None, "x", math.inf]
UNITS: list[Any] = ["kg", "KG", "lbs", "g", "cm", "in", "bogus", None, 5]
CODES: list[Any] = ["SGD", "JPY", "KWD", "BTC", "XAU", "sgd", "ZZZ", None, 3]
LISTS: list[Any] = [["a", "bc"], [], ["a", 1, 2.5, True], ["a", None], ["a", ["b"]], [{}]]
# Dates in the order a record's variants might give them: repeated, then not, then again.
DATES: list[Any] = ["", "2021-01-01T00:00:00+00:00", "2021-01-01T00:00:00+00:00", ""]
DATES += ["2022-06-30T20:00:00", "2022-06-30T20:00:00", "bad", "bad", 1625083200, None, ""]
DATES += ["2021-01-01", "2022-06-30T20:00:00"]

# Each step with its operands: ``o`` an operand, ``u`` and ``t`` units, ``c`` a currency code
# (and ``v``, the values, when not VALUES).
STEPS: list[tuple[str, dict[str, list[Any]]]] = [
    ("round: 2", {}),
    ("round: 0", {}),
    ("round: 10", {}),
    ("multiply: 3", {}),
    ("multiply: $.o", {"o": OPERANDS}),
    ("multiply: $variables.markup", {}),
    ("divide: $.o", {"o": OPERANDS}),
    ("add: $.o", {"o": OPERANDS}),
    ("convert: {from: kg, to: lbs}", {}),
    ("convert: {from: $.u, to: lbs}", {"u": UNITS}),
    ("convert: {from: $.u, to: $.t}", {"u": UNITS[:4], "t": ["lbs", "in", [1], None]}),
    ("currency: $.c", {"c": CODES}),
    ("currency: {code: $.c, as: minor}", {"c": CODES}),
    ("currency: JPY", {}),
    ("currency: {code: KWD, as: minor}", {}),
    ("default: $.o", {"o": OPERANDS}),
    ("default: $record.o", {"o": OPERANDS}),
    ("gt: $.o", {"o": OPERANDS}),
    ("lte: $.o", {"o": OPERANDS}),
    ("strip_html: true", {}),
    ("flatten: true", {"v": [[[1, [2]], 3, [], None, "a"], [], "a", None, {"a": [1]}]}),
    ("join: ', '", {"v": [*LISTS, *VALUES]}),
    ("date: date", {"v": DATES}),
    ("date: epoch", {"v": DATES}),
    ("date: {format: '%d/%m/%Y %H:%M', timezone: Asia/Singapore}", {"v": DATES}),
]


def _outcome(run: Any) -> Any:
    """A value or an error, comparable (NaN included) and with its type."""
    try:
        value = run()
    except CmlRuntimeError as error:
        return ("error", error.reason, error.path, error.line)
    except Exception as error:  # whatever one raises, the other must raise too
        return ("raised", type(error).__name__, str(error))
    value = None if value is MISSING else value
    return (type(value).__name__, repr(value))


@pytest.mark.parametrize(("step", "operands"), STEPS, ids=[step for step, _ in STEPS])
def test_inline_steps_agree_with_their_closures(step: str, operands: dict[str, list[Any]]) -> None:
    # The generated builder writes this step's fast path (floats, path operands) and calls the
    # closure for everything else; value by value, both give the same value or the same error.
    template = f"variables: {{markup: 2}}\noutput:\n  x: {{from: $.v, {step}}}\n"
    node = parse(template).items()["output"].items()["x"]
    compiled = ExpressionCompiler({"markup"}, {}).expr(node)
    assert compiled.hints[-1] is not None
    closure, generated = compiled.fn, program(template)
    names = [name for name in operands if name != "v"]
    values = operands.get("v", VALUES)
    for value, *chosen in itertools.product(values, *(operands[name] for name in names)):
        record = {"v": value, **dict(zip(names, chosen, strict=True))}
        env = Env(record, record, {"markup": 2}, [], Budget(10**6))
        expected = _outcome(lambda: closure(env))  # noqa: B023 - called at once
        got = _outcome(lambda: generated.apply(record).get("x"))  # noqa: B023
        assert got == expected, (step, record)


def test_joined_text_is_charged_before_it_is_built() -> None:
    # The inline join refuses, as the step does, a text that would not fit the output left.
    template = "output:\n  x: {from: $.parts, join: ','}\n"
    record = {"parts": ["x" * 1000] * 100}
    assert len(program(template).apply(record, max_output=300_000)["x"]) == 100_099
    with pytest.raises(CmlRuntimeError, match="writes more than 50,000 units") as raised:
        program(template).apply(record, max_output=50_000)
    assert raised.value.line == 2
    # What it was charged counts: with the field's own 100,100 units, 150,000 are too few.
    with pytest.raises(CmlRuntimeError, match="writes more than 150,000 units"):
        program(template).apply(record, max_output=150_000)


def test_every_other_whitespace_character_is_unprintable() -> None:
    # collapse_spaces's shortcut rests on this: text whose only whitespace is spaces and line
    # breaks is exactly the text that is printable once its line breaks are taken out.
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    spaces = re.findall(r"\s", every)
    assert spaces == [c for c in every if c.isspace()]
    assert [c for c in spaces if c.isprintable()] == [" "]


PIECES = [*"ab <>/p&;#x3", " ", " ", "  ", "\n", "\n \n", "\t", "\r", "\xa0", "\u2028", "\x1c"]
PIECES += ["\x85", "é", "<p>", "</li>", "<br/>", "<P >", "<pre>", "<b>", "&amp;", "&amp"]
PIECES += ["&nbsp;", "&#10;", "&#9;", "&lt;", "&amp;lt;", "<\u017fection>"]


def test_strip_html_shortcuts_agree_with_the_general_path() -> None:
    rng = random.Random(20261207)
    for _ in range(20_000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 24)))
        assert unescape(text) == html.unescape(text), text
        assert collapse_spaces(text) == collapse_spaces_generally(text), text
        general = _TAG.sub("", _BLOCK.sub("\n", text)) if "<" in text else text
        general = collapse_spaces_generally(html.unescape(general))
        assert plain_text(text) == general, text
