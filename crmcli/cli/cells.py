"""What a table cell is, shared by plain text (cli/output.py) and the terminal
(cli/terminal.py): a value's text, its width in a terminal, a search hit's highlights, and
a bar chart column. Small on purpose: every command loads it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from crmcli.core.i18n import Said, _

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
HALF_TAIL = re.compile(r" \(#(\d+)\)$")  # `张伟 (#1)`, in Chinese `张伟（#1）`


def escape_control(value: str) -> str:
    """Show control characters visibly so one record stays on one line."""
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], value)


class Marked:
    """Text with highlighted [start, end) character spans (a search snippet): highlighted on
    a terminal in colour, wrapped in plain `[..]` markers everywhere else. A plain class: a
    cell value must not look like a list (a named tuple would), and every command loads this
    module (a dataclass costs about 0.4 ms to define)."""

    __slots__ = ("spans", "text")

    def __init__(self, text: str, spans: tuple[tuple[int, int], ...] = ()) -> None:
        self.text = text
        self.spans = spans

    def marked(self) -> str:
        out, last = [], 0
        for start, end in self.spans:
            out += [self.text[last:start], "[", self.text[start:end], "]"]
            last = end
        return "".join([*out, self.text[last:]])


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Marked):
        return escape_control(value.marked())
    if isinstance(value, Said):  # prose kept in data: in the run's language
        return escape_control(value.said())
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (list, tuple)):
        return _(", ").join(cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={cell(v)}" for k, v in value.items())
    return escape_control(str(value))


class Bars(NamedTuple):
    """A bar chart drawn as the last column of a table (never in json/jsonl/csv/tsv).

    Each row's `value` (a number; None or negative draws no bar) becomes a bar whose length
    is its share of the largest value among the rows with the same `scale` key: amounts of
    different currencies get separate scales, never one. On a terminal the bars are solid
    blocks; elsewhere (pipes, cron mail) they are plain `#` characters.
    """

    value: str
    scale: str | None = None
    title: str = ""
    width: int = 24

    def lengths(self, rows: Sequence[Mapping[str, Any]], width: int | None = None) -> list[int]:
        """Each row's bar length in characters: 0 to `width` (default self.width), rounded
        half up, at least 1 for any positive value (integer arithmetic: values are often
        money in minor units)."""
        width = width or self.width
        largest: dict[Any, Any] = {}
        for row in rows:
            key = row.get(self.scale) if self.scale else None
            value = row.get(self.value)
            if value is not None and value > largest.get(key, 0):
                largest[key] = value
        out = []
        for row in rows:
            value = row.get(self.value)
            top = largest.get(row.get(self.scale) if self.scale else None)
            if value is None or value <= 0 or not top:
                out.append(0)
            else:
                out.append(max(1, int((2 * width * value + top) // (2 * top))))
        return out


def width(text: str) -> int:
    """Columns `text` takes in a terminal: East Asian wide/full-width characters take two,
    combining and format characters none, an emoji sequence (`👨‍👩‍👧`, `👍🏽`) two."""
    if text.isascii():  # most cells: one column a character (control characters are escaped)
        return len(text)
    total, joined = 0, False
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            joined = ch == "\u200d"
            continue
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        # an emoji a zero-width joiner joins to the one before (`👨‍👩‍👧`), and a skin tone
        # (`👍🏽`), are drawn in the two columns of the first: one emoji, not three or two
        if (joined and wide) or "\U0001f3fb" <= ch <= "\U0001f3ff":
            joined = False
            continue
        joined = False
        total += 2 if wide else 1
    return total


# What joins the character before it into one grapheme cluster (what a reader sees as one
# character): a combining mark, a variation selector, a zero-width joiner and the character
# after it (`👨‍👩‍👧`), a skin tone (`👍🏽`), a tag (a flag's subdivision); and regional
# indicators go in pairs (a flag, `🇨🇳`).
_JOINS = (
    "(?:[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f"
    "\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]|\u200d.?)"
)
_FLAG = "[\U0001f1e6-\U0001f1ff]{2}"


def joins() -> re.Pattern[str]:
    """`_JOINS` compiled, the first time text that is not ASCII is cut (start-up pays
    nothing for it)."""
    return re.compile(_JOINS)


def clusters(text: str) -> list[str]:
    """`text` in grapheme clusters, so that a cut never parts a character from its accent
    nor an emoji sequence (`👨‍👩‍👧`, a family) into its people. A small rule rather than the
    full Unicode one: what names and notes hold, at the cost of a regular expression."""
    if text.isascii():
        return list(text)
    found: list[str] = []
    at = 0
    joined_to, flags = joins(), re.compile(_FLAG)
    while at < len(text):
        flag = flags.match(text, at)
        end = flag.end() if flag else at + 1
        while (joined := joined_to.match(text, end)) and joined.end() > end:
            end = joined.end()
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        found.append(text[at:end])
        at = end
    return found


def pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))
