"""The fast paths CML takes for the commonest values give exactly what the general paths give:
``strip_html``'s shortcuts against the regular expressions and ``html.unescape``."""

from __future__ import annotations

import html
import random
import re
import sys

from crossdock.mapping.cml.steps.text import (
    _BLOCK,
    _TAG,
    collapse_spaces,
    collapse_spaces_generally,
    plain_text,
    unescape,
)


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
