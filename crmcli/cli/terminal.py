"""What a person at a terminal sees: tables that fit its width, colour that means something,
and the pager. Loaded only when stdout is a terminal or colour is asked for (cli/output.py
decides), so a script pays nothing for it.

A table on a terminal is one line a row, except that in a short table (a screen or two, `crm
today`, `crm remind`, `crm config list`) prose (a reason, a task's text, a summary), a
setting's value and a saved filter wrap onto as many lines as they need rather than being
cut (a short text, `发送合同` in Chinese, is given its whole width), and the short free text
beside them stays whole. Its columns are measured on the first page of rows (a thousand:
`MEASURED`), and the rest stream with those widths, so the first screen of a million
customers appears at once (a
later id, date or amount wider than its column widens it from that row on). Ids (a name's
`(#143)` too), phones, emails, dates and amounts keep their full width; when the row is
wider than the terminal, what the table says twice (a currency beside amounts with their
symbols, a customer's id beside the name) goes first, free text is cut with `…` next, then
whole columns are left out (empty ones, notes, an email, a company, tags, city, a chart
first, then other free text, the narrowest first, then ratios, a currency, counts, then
amounts of money, the smallest first, then dates and phones, from the right; a currency
never shows without its amounts) and a footer names them in the headers' words. A table
may name columns it spares first (`first_out`, the first column too: an overdue task's due
date, which its days overdue say again). One rule says what gives way: a column that says
nothing (empty on every measured row, a currency beside amounts with their symbols) goes
before any text is cut or wrapped; what says less than a name (what the table spares, an
email, a company, tags, a stage, a rank) goes before the name is cut, and the name claims
no more than NAME_SHARE; never what the table keeps (`kept`: a call list's phone, a
birthday's day), which goes only where the table does not fit at all; what the table
spares goes for a name only where the name then shows whole; beside wrapped prose a name
shows more names whole for up to NAME_LINES lines more of the prose each (`_trade`).
Numbers are right-aligned, headers are words (`frequency_tier` is "Frequency tier").
Amounts and phones read as cli/display.py gives them (`¥1,299.50`, `133 7955 3028`).

Colour is SGR escape codes chosen by meaning (`meaning`): overdue and high risk red, what
is due today bold yellow, done dim. `paging` sends a command's output through the pager
(`CRM_PAGER`, then `PAGER`, else `less -FRX`).
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import chain, islice
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from crmcli.cli.cells import HALF_TAIL, Bars, Marked, cell, clusters, escape_control, width
from crmcli.cli.display import shown
from crmcli.core import oserrors
from crmcli.core.i18n import N_, Said, _, current
from crmcli.core.vocabulary import header as words
from crmcli.core.vocabulary import word as worded

if TYPE_CHECKING:  # helpformat is loaded when prose wraps
    from crmcli.cli.helpformat import Parts

# A style is a meaning, drawn as SGR codes; None is no style.
STYLES = {
    "header": "1",
    "title": "1",
    "key": "1;36",
    "alert": "31",  # overdue, high risk
    "warn": "1;33",  # due today, at risk
    "good": "32",
    "muted": "2",  # done, footers
    "mark": "1;7",  # a search hit
    "bar": "36",
}
# The cohort heat map: light to dark, each with a text colour that reads on it (256 colours).
HEAT = ((230, 0), (229, 0), (192, 0), (149, 0), (113, 0), (71, 15), (29, 15), (23, 15))

Style = str | None
Styler = Callable[[Mapping[str, Any], str], Style]


class Screen(NamedTuple):
    """The terminal a table is drawn for: its size, whether to colour, and how amounts and
    phones read there (crmcli.cli.display): CNY in 万 or not, and the user's own region,
    whose phones are in national format."""

    columns: int
    lines: int
    color: bool
    wan: bool = False
    region: str | None = None


def screen(color: bool) -> Screen:
    """The size of the terminal on stdout (COLUMNS and LINES win, as everywhere)."""
    import shutil

    size = shutil.get_terminal_size((80, 24))
    return Screen(max(size.columns, 20), max(size.lines, 5), color)


def paint(text: str, style: Style, color: bool) -> str:
    if not (color and style and text):
        return text
    if style.startswith("heat:"):
        back, fore = HEAT[min(int(float(style[5:]) * len(HEAT)), len(HEAT) - 1)]
        return f"\x1b[38;5;{fore};48;5;{back}m{text}\x1b[0m"
    return f"\x1b[{STYLES[style]}m{text}\x1b[0m"


# The titles of the charts crm draws beside a table (`Bars(title=...)`), in words.
_CHART_TITLES = (N_("Chart"), N_("Cumulative share"))

# Columns whose words carry a state, and what each state means.
_STATE_COLUMNS = frozenset({"status", "state", "stage", "lifecycle", "risk", "level", "severity"})
_STATES = {
    "overdue": "alert",
    "lapsed": "alert",
    "high": "alert",
    "today": "warn",
    "due": "warn",
    "at_risk": "warn",
    "medium": "warn",
    "done": "muted",
}
_HIGH_IS_BAD = frozenset({"risk", "level", "severity"})
# A customer's stage or lifecycle says in a word what a row's numbers say at length, and a
# task's or feedback's status (overdue, open) what to do first: it stays longer than they
# do, and than other free text (a repeat, `every 1 month`).
_STATES_KEPT = ("stage", "lifecycle", "status")
# Ids that the name beside them does not say: `crm dedupe`'s other customer, whose id is
# what `crm merge` takes.
_UNSAID = ("other_id",)


def readable(
    row: Mapping[str, Any], column: str, vocabulary: Mapping[str, str | None] | None = None
) -> Any:
    """A cell's value as a person reads it: crm's own words in the run's language
    (crmcli/core/vocabulary.py: the stage `customer`, the lifecycle `at_risk`), looked up
    in the column's `vocabulary` when it names one (None: as typed), else by its name."""
    return in_words(row.get(column), column, vocabulary)


def in_words(value: Any, column: str, vocabulary: Mapping[str, str | None] | None = None) -> Any:
    """`value` of `column` as `readable` says it."""
    words = vocabulary.get(column, column) if vocabulary else column
    return value if words is None else worded(words, value)


def meaning(row: Mapping[str, Any], column: str) -> Style:
    """The style a cell's meaning asks for: an overdue task or a lapsed customer red, what is
    due today bold yellow, done dim; days overdue red (0, due today, yellow); a churn
    report's low P(alive) red and middling yellow."""
    value = row.get(column)
    if column in _STATE_COLUMNS and isinstance(value, str):
        if value in ("high", "medium") and column not in _HIGH_IS_BAD:
            return None
        return _STATES.get(value)
    if column == "days_overdue" and isinstance(value, int) and not isinstance(value, bool):
        return "alert" if value > 0 else "warn" if value == 0 else None
    value = getattr(value, "chance", value)  # a Chance said as a percentage: its number
    if column == "p_alive" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return "alert" if value < 0.25 else "warn" if value < 0.5 else None
    return None


# A currency symbol before an amount (crmcli.cli.display): `¥`, `US$`, `HK$`, `€`, `R$`.
_SYMBOL = r"(?:[A-Za-z]{0,3}[$¢£¤¥֏؋৲৳৻૱௹฿៛₠-⃀﷼＄￠￡￥￦])"
# Cells kept whole (never cut): numbers and amounts (`¥1,299.50`, `¥12.35万`), dates and
# times (a day with its lunar date too: `1975-09-20（农历 1975-08-15）`), emails, phones
# (`+86 133 7955 3028`, `(415) 555-0100`), #ids.
_ATOMIC = (
    rf"[-+]?{_SYMBOL}?[\d,]*\d(\.\d+)?[万亿]?%?( [A-Z]{{3}})?"
    r"|\d{4}-\d\d-\d\d([T ][\d:.]+([+-]\d\d:?\d\d|Z)?)?"
    r"( ?[(（][^()（）]{0,12}\d{4}-[^()（）]+[)）])?"
    r"|[^\s@]+@[^\s@]+"
    r"|[+(]?\d[\d ()-]{5,}\d"
    r"|#\d+"
    r"|[A-Z]{3}"  # a currency
)
_ID_TAIL = re.compile(r"(?: \(#\d+\)|（#\d+）)$")  # a customer named with its id: never cut
# A stored timestamp (`2026-12-06T00:40:20+00:00`): on a terminal `2026-12-06 08:40`, local.
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:[+-]\d\d:\d\d|Z)")
_QUOTED_OR_STAMP = re.compile(rf"'[^'\n]*'|“[^”\n]*”|({_STAMP.pattern})")
_NAME_MIN = 6  # a name before its (#id) keeps this many cells (三个字, `Xavier`) and `…`
_NUMBER = rf"-?{_SYMBOL}?[\d,]*\d(\.\d+)?[万亿]?%?( [A-Z]{{3}})?"  # not +8613...: a phone
_FREE_MIN = 8  # free text is cut no narrower than this (or its full width, if less)
_SEPARATOR = 3  # " │ "
# Left out first when a table does not fit, then columns from the right; cut first, too.
# An email and a company go before a customer's tags and city: at a narrow terminal one
# calls or messages (the phone stays), and where a customer is and how they are tagged
# says whom (`crm list`: name, phone, stage, city, tags).
LOW_PRIORITY = (
    "notes", "email", "company", "tags", "last_contact", "city", "region", "country", "source",
    "title",
)  # fmt: skip
# The point of the table, where there is one: why to call (`crm today`, the dashboard's
# `reasons`), why a customer is at risk, what a task says, what a change was, what an
# interaction or feedback says, what a setting does, what care a festival calls for (`crm
# care`). Left out last (after the first column) and cut last, and while it shows it keeps
# at least a third of the width (or all it needs).
ESSENTIAL = (
    "why", "reason", "reasons", "text", "changes", "summary", "description", "care", "what",
)  # fmt: skip
# What the point of the table gives up its third for, rather than see it left out: a
# number one types next (`crm done 3`) or dials (a phone: `crm remind` at 60 columns),
# how late a task is (`crm remind`), and a stage or lifecycle (`crm report churn`).
NEEDED = (
    "id", "task_id", "interaction_id", "customer_id", "feedback_id", "purchase_id", "phone",
    "days_overdue",
)  # fmt: skip
# The figure a report is read for, kept after the counts behind it (`crm report
# satisfaction`: CSAT and NPS, not how many answered).
HEADLINE = ("nps", "csat")
# What a person types back, never cut: a festival's key (`--holiday spring-festival`), a
# setting's key (`crm config set feedback.response_target_hours`), a command's name.
TYPED = ("festival", "key", "command")
# What a row of a report by period is about (`2026年第45周`, `2026年11月`, a cohort): never
# cut, or every row reads `2026年第4…`; other columns give up their room first.
PERIODS = ("day", "week", "month", "quarter", "year", "cohort")
# Prose: the point of the table. In a short table (at
# most WRAP_ROWS rows) prose wraps onto as many lines as it needs rather than being cut
# (its column is measured for PROSE_LINES), and the shorter free text beside it (a last
# contact `2026-11-17（5 天前）`, a cadence) stays whole while the prose can give up width.
# A Chinese text of at most PROSE_WHOLE cells asks for its whole width: `发送合同` is not
# broken into `发送合` and `同` while the table has room for it (English breaks at spaces).
PROSE = ESSENTIAL
PROSE_LINES = 2
PROSE_WHOLE = 20
# Wrapped prose keeps a third of the width up to this many cells: on a wide terminal it
# reads line by line as well in 30 cells as in 40, and the columns beside it (`crm
# today`'s rank at 120 columns, an interaction's direction and outcome) say more.
PROSE_READ = 30
WRAP_ROWS = 60
# The rows a table is measured on before its first line: a screen's worth would leave a
# longer name or care further down cut beside room to spare (`Stark Industries…` in `crm
# list` at 60 columns, the care of 春节 in `crm care --year 2027` at 120); a thousand
# rows take a few milliseconds, and a million customers still start at once.
MEASURED = 1000
# The share of the width (per cent) a name may claim from the columns that say less
# (`_make_way`: a city, a stage) and from those that would come back (`_back`): one name
# of 300 characters at 200 columns hid every row's city, stage and tags; beyond this share
# the name is cut (`crm list` at 60 columns still shows `Stark Industries 北京` whole).
NAME_SHARE = 40
# Beside wrapped prose a name shows whole for up to this many more lines of it (`_trade`):
# `crm care` at 60 columns keeps 34 names whole on two lines each, as main did, and `crm
# today` at 80 cuts `Stark Industr… (#244)` rather than take thirteen lines more.
NAME_LINES = 3
# Wrapped like prose in a short table, but not the point of it: a setting's value
# (`call,email,meeting,...`), which a person reads whole, broken after its commas, a
# saved filter (`crm segment list`, `crm rule list`, `crm care rule list`), broken between
# its options, never inside one with its value (`--where '12个月收入 >= 20000'`), and a
# care rule's action (`月饼礼盒 mooncake gift box`).
WRAPPED = (*PROSE, "value", "filter", "selection", "action")
# Free text cut, then left out, before a name is cut (`crm list --classes` at 120 columns
# cut `腾讯科技南京分…` beside 18 cells of tags): a customer's tags say something about
# them, the name says who they are.
CUT_FIRST = ("tags",)
# What says less than a name, and than a city, a phone and a stage: left out, in this
# order, before text is cut (tags last of them, `CUT_FIRST`) and before a name is cut
# (docs/conventions.md: a narrow `crm list` keeps name, city, phone and stage).
SAY_LESS = ("notes", "email", "company", "tags")
# Short text a row is read for, shown whole or left out, never cut or wrapped: a date's
# occasion (`生日（满 40 岁）`, `crm remind`), which wrapped reads `生日` / `（满 40 岁）`, and
# a last contact with how long ago (`2026-09-21（62 天前）`), which cut reads `2026-09-21（…`.
# The columns a table spares (`first_out`) and other free text go before it does, but not
# a number one types or a phone (`NEEDED`): then, and when longer than half the room, it
# is cut or wrapped as other text is.
WHOLE_OR_OUT = ("what", "last_contact")


class Column:
    """One column of a terminal table, measured on the first page of rows."""

    __slots__ = (
        "amount",
        "bare",
        "claim",
        "compact",
        "counted",
        "filled",
        "floor",
        "header",
        "keep",
        "key",
        "lines",
        "longest",
        "money",
        "named",
        "natural",
        "number",
        "piece",
        "point",
        "same",
        "served",
        "sizes",
        "texts",
        "whole",
        "width",
    )

    def __init__(self, key: str, header: str) -> None:
        self.key = key
        self.header = header
        self.natural = width(header)
        # The narrowest it may be: no whole id, date or amount is cut, nor a header's word
        # (a header wraps at its spaces).
        self.floor = max((width(w) for _gap, w in _head_words(header, key)), default=0)
        self.compact = self.floor  # the widest cell, or the header's longest word
        self.number: bool | None = None  # every cell a number: right-aligned
        self.whole = False  # a cell kept whole: not free text
        self.filled = False  # a cell not empty
        self.amount = False  # a number with decimals: kept longer than a count
        self.money = False  # an amount with its currency's symbol: kept longest
        self.bare = False  # a number with no symbol (CHF has none): the currency column says it
        self.keep = 0  # in free text, what stays whole: a leading date, a trailing (#id)
        self.point: int | None = None  # an essential column's least width, when not a third
        self.lines = 1  # prose in a short table: measured for PROSE_LINES
        self.longest = ""  # prose: its widest text
        self.piece = 0  # in prose, its widest unbreakable part (`（满 40 岁）；`)
        self.served = False  # a name that a column gave way to (`_make_way`)
        self.named = False  # a name with its (#id): cut before the id rather than left out
        # the width a name may claim from the columns that give way to it (`_make_way`):
        # None, all it needs; else capped, so one long name does not cost every row its city
        self.claim: int | None = None
        # one cell on every row of several (`春节`: `crm care --holiday`); a festival's
        # name, one for each date (`crm care --year`)
        self.same = False
        self.sizes: list[int] = []  # each measured cell's width (a name's: is it whole?)
        # prose: each measured text, parted once (how many lines it takes at a width)
        self.texts: list[tuple[str, Parts]] = []
        self.counted: dict[int, int] = {}  # prose: its lines at a width (`_count`)
        self.width = 0

    def measure(self, text: str) -> None:
        if not text:
            return
        wide = width(text)
        self.filled = True
        self.natural = max(self.natural, wide)
        self.sizes.append(wide)
        if self.lines > 1:  # prose on PROSE_LINES lines; short Chinese prose whole
            parted = _parts(text)
            self.texts.append((text, parted))
            if wide > width(self.longest):
                self.longest = text
            self.piece = max(self.piece, _widest(text))
            least = _folded(text, self.lines, parted)
            if wide > len(text):  # Chinese breaks between any characters, words at spaces
                least = min(wide, max(least, PROSE_WHOLE))
            self.compact = max(self.compact, least)
        if self.lines == 1 or self.key in WHOLE_OR_OUT:
            self.compact = max(self.compact, wide)
        # the point of the table is text, even one that reads as an email (`crm history`'s
        # `邮箱：bartholomew…@…`, kept whole, left the time alone at 80 columns)
        atomic = self.key not in ESSENTIAL and re.fullmatch(_ATOMIC, text)
        if self.key in TYPED or self.key in PERIODS or atomic:
            self.floor = max(self.floor, wide)
            self.whole = True
        else:
            # `2026-11-17 (5 days ago)`, `2026-11-17（5 天前）`: the date stays whole
            first = re.split(r"[\s（]", text, maxsplit=1)[0]
            # not in the point of the table: a change that starts as an email
            # (`email=very.long…@…com.cn; …`) kept `crm history` to its time at 60 columns
            if first != text and re.fullmatch(_ATOMIC, first) and self.key not in ESSENTIAL:
                self.keep = max(self.keep, width(first) + 1)
            tail = _ID_TAIL.search(text)
            if tail:  # "Ben Tanaka (#143)": the id stays, after at least `Ben Ta…` or `欧阳娜…`
                self.named = True
                name = width(text[: tail.start()])
                self.keep = max(self.keep, width(tail.group()) + min(name, _NAME_MIN + 1))
            self.floor = max(self.floor, self.keep)
        number = bool(re.fullmatch(_NUMBER, text))
        self.amount = self.amount or (number and "." in text)
        symbol = number and bool(re.match(rf"-?{_SYMBOL}", text))
        self.money, self.bare = self.money or symbol, self.bare or (number and not symbol)
        self.number = number if self.number is None else self.number and number


def fit(columns: Sequence[Column], room: int, squeeze: bool = False) -> bool:
    """Set each column's width so that the row fits `room` cells: headers wrap at their
    spaces first, then free text is cut evenly from the widest down; False when even the
    narrowest widths do not fit. `squeeze` lets free text and headers be cut to a
    character and `…`, for an id or email too wide for its column after the first page,
    when no column can be left out any more."""
    whole_room = room
    room -= _SEPARATOR * (len(columns) - 1)
    # What a row is (a name, a segment): it is cut, never left out.
    first = _what(columns)
    floors = _floors(columns, whole_room, squeeze)
    if sum(floors) > room:
        return False
    if sum(c.natural for c in columns) <= room:
        for c in columns:
            c.width = c.natural
        return True
    # The essential column (a reason, a task's text) is widened first, to half the room,
    # then the rest, then low-priority free text (notes, tags, a last contact), and what is
    # left widens the essential column further: each rank is cut to its floor before a
    # higher one is cut at all.
    # When prose wraps, the other free text comes first (rank 3): it is short beside it;
    # the name a row is about then trades with the prose (`_trade`): it shows more names
    # whole for up to NAME_LINES lines more of the prose each.
    folding = any(c.lines > 1 for c in columns)
    # In a long table, where the point of it is cut rather than wrapped, a name is cut no
    # sooner than it (`crm care --holiday`: `Hiroshi…（#56）` beside 30 cells of care).
    # Where the point fits whole in its half, it is not cut to widen a name (`crm care
    # --holiday 春节` at 120 columns: `节日问候 festival greeti…`).
    point = not folding and any(c.key in ESSENTIAL and c.compact > room // 2 for c in columns)
    ranks = [
        2 if c.key in ESSENTIAL or (point and c is first and _is_name(c))
        else 3 if folding and c.lines == 1 and not c.whole
        and c.compact <= whole_room // 4
        else 0 if c.key in LOW_PRIORITY else 1
        for c in columns
    ]  # fmt: skip
    widths = list(floors)
    for rank, cap in ((3, None), (2, room // 2), (1, None), (0, None), (2, None)):
        mine = [i for i, r in enumerate(ranks) if r == rank]
        rest = room - sum(w for i, w in enumerate(widths) if ranks[i] != rank)
        # a name no wider than its claim while other text is cut (`_claimed`)
        caps = [_claimed(columns[i]) for i in mine]
        caps = caps if cap is None else [min(c, cap) for c in caps]
        levelled = _level(caps, [max(floors[i], widths[i]) for i in mine], rest)
        for i, w in zip(mine, levelled, strict=True):
            widths[i] = w
    for c, w in zip(columns, widths, strict=True):
        c.width = w
    spare = room - sum(c.width for c in columns)
    # the point of the table on fewer lines first (its longest text), then headers
    for c in columns:
        if c.key in ESSENTIAL and c.lines > 1 and spare > 0 and c.longest:
            wider = min(c.width + spare, c.natural)
            if len(_lines(c.longest, wider)) < len(_lines(c.longest, c.width)):
                spare -= wider - c.width
                c.width = wider
    for c in sorted(columns, key=lambda c: c.natural - c.width):  # fewest header lines
        extra = min(spare, c.natural - c.width)
        if extra > 0:
            c.width += extra
            spare -= extra
    if folding and not squeeze:
        _trade(columns, whole_room, floors)
    return True


def _floors(columns: Sequence[Column], room: int, squeeze: bool = False) -> list[int]:
    """The narrowest each of `columns` may be in `room` (see `fit`)."""
    essential = max(_FREE_MIN, room // 3)
    first = _what(columns)
    shared = sum(c.lines > 1 for c in columns) > 1  # two wrapped texts share the room
    floors = [
        max(c.keep, min(c.compact, 3)) if squeeze and not c.whole
        else max(c.floor, c.compact) if c is not first and _short(c, room)
        else max(c.floor, min(c.compact, _least(c, essential, shared)))
        for c in columns
    ]  # fmt: skip
    # Beside a name that columns gave way to (`_make_way`), wrapped prose still keeps its
    # third (the dashboard's reasons read 13 cells at 60 columns beside a long name): the
    # name takes what is left.
    if any(c.served for c in columns):
        raised = [
            max(f, min(c.compact, essential, max(PROSE_READ, essential * 2 // 3)))
            if c.key in ESSENTIAL and c.lines > 1 and c.point is None else f
            for c, f in zip(columns, floors, strict=True)
        ]  # fmt: skip
        if sum(raised) <= room - _SEPARATOR * (len(columns) - 1):
            return raised
    return floors


def _trade(columns: Sequence[Column], room: int, floors: Sequence[int]) -> None:
    """Beside wrapped prose (the point of a short table), the name a row is about as wide
    as shows more names whole for up to NAME_LINES lines more of the prose each, no wider:
    `crm remind` at 80 columns shows `Ursula Müller (#246)` whole for one more line of a
    task's text (it cut five names to save it), and `crm today` at 80 keeps its reasons
    on no more lines than main gave them rather than show one more name whole for thirteen
    more lines. A name within a quarter of the width is whole first; prose that needs
    less than a third of the width (on two lines) wraps onto more for names, down to two
    thirds of its third or its widest unbreakable part (as when it gives its third up for
    a number one types, `_give_up_point`); longer prose keeps its third."""
    pair = _paired(columns)
    if pair is None:
        return
    name, point = pair
    floor = floors[list(columns).index(name)]
    essential = max(_FREE_MIN, room // 3)
    third = min(essential, max(PROSE_READ, essential * 2 // 3))
    least = max(point.floor, max(_FREE_MIN, third * 2 // 3), min(point.piece, third))
    least = least if point.compact < third else third
    both = name.width + point.width
    low = min(name.width, max(floor, min(name.compact, room // 4)))
    high = max(name.width, min(_claimed(name), both - min(point.width, least)))
    if high > low:
        name.width = max(range(low, high + 1), key=lambda w: (_score(name, point, w), w))
        point.width = both - name.width


def _paired(columns: Sequence[Column]) -> tuple[Column, Column] | None:
    """The name a row is about and the wrapped prose beside it that trade room (`_trade`)."""
    name = _what(columns)
    points = [c for c in columns if c.key in ESSENTIAL and c.lines > 1 and c.texts]
    if name is None or not _is_name(name) or len(points) != 1 or not name.sizes:
        return None
    return name, points[0]


def _score(name: Column, point: Column, wide: int | None = None) -> int:
    """The names shown whole (NAME_LINES lines each) less the lines the prose takes, the
    name `wide` cells (as it is, by default) and the prose the rest of their room."""
    both = name.width + point.width
    wide = name.width if wide is None else wide
    whole = sum(size <= wide for size in name.sizes)
    return NAME_LINES * whole - _count(point, both - wide)


def _folded(text: str, lines: int, parted: Parts | None = None) -> int:
    """The narrowest width at which `text` wraps onto at most `lines` lines."""
    low, high = max(1, math.ceil(width(text) / lines)), width(text)
    while low < high:
        mid = (low + high) // 2
        if _height(text, mid, parted) <= lines:
            high = mid
        else:
            low = mid + 1
    return low


def _lines(text: str, room: int) -> list[str]:
    """Prose in lines of `room` cells, broken at spaces, beside Chinese characters and
    after a comma, semicolon or `=` (`call,email,meeting`, `champions=5/45;`: a setting's
    value), never inside a command or an option with its value, nor inside a phrase
    that fits a line (`任务 #9` / `已逾期 5 天：` / `发送合同`, not `任务 #9 已` / `逾期 5
    天：发送`); as many lines as it needs, never cut (a short table's prose is what it is
    read for)."""
    from crmcli.cli.helpformat import whole
    from crmcli.cli.helpformat import wrap as fill

    return fill(whole(text), room, breaks=",;=", phrases=True).split("\n")


def _parts(text: str) -> Parts:
    """Prose parted as `_lines` parts it, to count its lines at any width (`_height`)."""
    from crmcli.cli.helpformat import parts, whole

    return parts(whole(text), ",;=")


def _height(text: str, room: int, parted: Parts | None = None) -> int:
    """How many lines `_lines` gives `text` in `room` cells (counted on its `parted`
    pieces where given: a table measures its prose at many widths)."""
    from crmcli.cli.helpformat import lines

    if width(text) <= room:
        return 1
    counted = lines(parted, room) if parted is not None else None
    return counted if counted is not None else len(_lines(text, room))


def _count(c: Column, room: int) -> int:
    """The lines prose `c` takes on every measured row at `room` cells."""
    if room not in c.counted:
        c.counted[room] = sum(_height(text, room, parted) for text, parted in c.texts)
    return c.counted[room]


def _widest(text: str) -> int:
    """The widest part of prose that `_lines` keeps on one line where it can."""
    from crmcli.cli.helpformat import whole, widest_piece

    return widest_piece(whole(text), ",;=")


def _short(c: Column, room: int) -> bool:
    """Short free text (a cadence `90 天（默认）`, at most a third of the room, and
    WHOLE_OR_OUT at any width): shown whole or left out, never cut. Not prose, and not a
    name, which is cut (before its id, if it has one) rather than left out: a customer's,
    a product's, what was bought (`crm purchases`: `祁门红茶…`)."""
    if c.key in WHOLE_OR_OUT:  # unless it gave that up (`_give_up_point`) or is long
        return c.point is None and c.compact <= room // 2
    if c.key in CUT_FIRST:
        return False
    name = c.named or c.key in ("name", "item") or c.key.endswith("_name")
    return (
        not c.whole and not name and c.lines == 1 and c.key not in PROSE
        and c.compact <= room // 3
    )  # fmt: skip


def _least(c: Column, essential: int, shared: bool = False) -> int:
    """The width free text is cut no narrower than: a third of the room for the point of
    the table, cut or wrapped, unless it gave that up for a number one types (`point`,
    `_give_up_point`: Chinese churn at 60 columns gave its reason 14 cells beside a whole
    name, `crm today` at 80 to show a last contact); two thirds of a third for other
    wrapped text (a setting's value), and for the point beside it (`crm config list`'s
    description beside a value); else _FREE_MIN."""
    folded = max(_FREE_MIN, essential * 2 // 3)
    if c.lines > 1:  # wrapped, a third up to PROSE_READ: more adds no line it reads by
        essential = min(essential, max(PROSE_READ, folded))
    if c.key not in ESSENTIAL:
        return folded if c.lines > 1 else _FREE_MIN
    if shared and c.lines > 1 and c.point is None:
        return max(folded, min(c.piece, essential))
    if c.point is not None:
        return c.point
    return essential


def _what(columns: Sequence[Column]) -> Column | None:
    """The column that says what a row is, cut rather than left out: a customer (named with
    an id, or a customer's or a record's name: not a task's state before it, `crm task
    list`, nor a festival before whom to greet, `crm care`), else the first free text (a
    segment, an item)."""
    free = [c for c in columns if not c.whole]
    names = ("customer", "customer_name", "name")
    return next(
        chain((c for c in free if c.named), (c for c in free if c.key in names), free), None
    )


def _needed(c: Column) -> bool:
    """Whether the point of the table gives up its third rather than see `c` left out: an
    id one types next, a customer's stage or lifecycle (not a status, which a feedback's
    summary or a task's text says at more length)."""
    return c.key in NEEDED or (c.key in _STATES_KEPT and c.key != "status")


def _level(caps: list[int], floors: list[int], room: int) -> list[int]:
    """Widths between each floor and cap, cut evenly from the widest down to fit `room`."""
    low, high = 0, max(caps, default=0)
    while low < high:  # the highest level every column may reach
        level = (low + high + 1) // 2
        if sum(max(f, min(c, level)) for c, f in zip(caps, floors, strict=True)) <= room:
            low = level
        else:
            high = level - 1
    return [max(f, min(c, low)) for c, f in zip(caps, floors, strict=True)]


def layout(
    columns: list[Column],
    room: int,
    first_out: Sequence[str] = (),
    asked: bool = False,
    kept: Sequence[str] = (),
) -> tuple[list[Column], list[Column]]:
    """The columns shown (fitted to `room`) and those left out, in the order they went:
    `first_out` (keys) go first, after empty columns and what the table says twice, the
    first column too (see `draw`). Columns `asked` for by --fields, and those the table
    keeps (`kept`: what it is for, a call list's phone, a birthday's date), are left out
    only where they do not fit at all: none gives way to a name, which is cut instead."""
    shown, hidden = list(columns), []
    free = [c for c in columns if not c.whole]
    key = _what(columns)  # a name, say
    if key is not None and _is_name(key):  # one long name does not cost every row a column
        key.claim = max(_NAME_MIN + 1, room * NAME_SHARE // 100)
    order = [c for c in columns if not c.filled]  # empty on the first page
    # What the table says twice: a currency when each amount shows its own symbol
    # (`US$35.99`), a customer's id beside the customer's name (`crm date list`), an
    # overdue task's due date beside how late it is (`crm remind`), and a festival's name
    # the same on every row beside its date (`crm care --holiday 春节`). They go before any
    # text is cut, too.
    symbols = any(c.money for c in columns) and not any(c.money and c.bare for c in columns)
    keys = {c.key for c in columns}
    twice = [
        c for c in columns[1:]
        if (c.key == "currency" and symbols)
        or (c.key.endswith("_id") and f"{c.key[:-3]}_name" in keys and c.key not in _UNSAID)
        or (c.key == "festival_name" and c.same and "falls_on" in keys)
    ] + [c for c in columns if c.key == "due_on" and "days_overdue" in keys]  # fmt: skip
    order += twice
    order += [c for name in first_out for c in columns if c.key == name]
    # A last contact is low priority beside a reason that says it (`no contact for 74
    # days`); in a list of whom to contact (`crm remind`) it is why they are there.
    point = any(c.key in ESSENTIAL for c in columns)
    low = [n for n in LOW_PRIORITY if point or n != "last_contact"]
    order += [c for name in low for c in columns if c.key == name]
    order += [c for c in columns if c.key == "\0bars"]  # a chart
    # More free text, the narrowest first (a code like in/out says less than a summary),
    # what the table keeps last, the first it names last of all (`crm interactions`: the
    # outcome goes before the kind)
    order += sorted(
        (c for c in reversed(free) if c is not key and c.key not in (*ESSENTIAL, *_STATES_KEPT)),
        key=lambda c: (1, -kept.index(c.key)) if c.key in kept else (0, c.natural),
    )
    # Then the measures, the table's main one last: shares, scores and other ratios, a
    # currency (when each amount shows its symbol), counts, then amounts of money, the
    # smallest first (averages and refunds before totals).
    order += [
        c for c in reversed(columns)
        if c.number and c.amount and not c.money and c.key not in HEADLINE
    ]  # fmt: skip
    if not any(c.money and c.bare for c in columns):  # else it says whose `9.90` it is
        order += [c for c in columns if c.key == "currency"]
    # Counts; an id (`task_id`) is what one types next (`crm task done 3`): kept with dates.
    ids = [c for c in columns if c.key == "id" or c.key.endswith("_id")]
    order += [c for c in reversed(columns) if c.number and not c.amount and c not in ids]
    order += [c for c in reversed(columns) if c.key in HEADLINE]  # after the counts behind it
    order += [c for c in columns if c.key in _STATES_KEPT]  # a stage or status: in a word
    order += sorted((c for c in reversed(columns) if c.money), key=lambda c: c.compact)
    # dates, ids, phones, emails, then the name
    order += [c for c in reversed(columns) if c.key not in ESSENTIAL and c is not key]
    order += [key] if key is not None and key.key not in ESSENTIAL else []
    order += [c for c in columns if c.key in ESSENTIAL]  # then the point of the table
    order = list(dict.fromkeys(c for c in order if c is not columns[0] or c.key in first_out))
    ranked = list(order)  # `order` is used up below
    natural = sum(c.natural for c in columns) + _SEPARATOR * (len(columns) - 1)
    # A column that says nothing on any row goes before any text is cut or wrapped: an
    # empty one (`crm report churn --rhythm`'s P alive), a currency beside amounts that
    # each show its symbol.
    if natural > room and not asked:
        for c in [c for c in order if not c.filled or (c.key == "currency" and symbols)]:
            if len(shown) > 1:
                shown.remove(c)
                hidden.append(c)
                order.remove(c)
    while not fit(shown, room) and len(shown) > 1:
        spared = order[0] in twice or order[0].key in first_out  # the table let it go
        # a phone the table spares still keeps its place while the point can give up its
        # third, as long as it goes before a number one types or how late (`crm remind`)
        spared = spared and not (
            _needed(order[0])
            and any(_needed(c) and c.key not in first_out for c in shown if c is not order[0])
        )
        # and, wrapped (a short table), for what the table keeps (`kept`: a task's status,
        # an interaction's kind and outcome); cut, it keeps its third (`crm interactions`
        # at 80 columns in a long list: the summary is what it is read for)
        wraps = any(c.key in ESSENTIAL and c.lines > 1 for c in shown)
        needed = _needed(order[0]) or (order[0].key in kept and wraps)
        if needed and not spared and _give_up_point(shown, room):
            break  # the point takes what is left: nothing left out comes back
        gone = order.pop(0)
        shown.remove(gone)
        hidden.append(gone)
    else:
        if asked:  # what --fields asked for shows; a name is cut instead
            return _fitted(shown, hidden, room)
        # tags go (in their turn: notes, an email, a company before them) before a name or
        # other text is cut
        while _cuts(shown) and (spare := [c for c in order if c in shown and _spare(c)]):
            shown.remove(spare[0])
            hidden.append(spare[0])
            fit(shown, room)
        if key is not None and any(_gives_way(c, first_out, kept) and c.filled for c in hidden):
            key.served = True  # what says less than a name went: the name shows first
            fit(shown, room)
        gave = _make_way(shown, hidden, ranked, key, room, first_out, kept)
        # nor does one left out before what gave way come back in its room
        late = max((ranked.index(c) for c in gave), default=0)
        early = [c for c in hidden if c in ranked[:late]]
        rest = [c for c in hidden if c not in early]
        shown = _back(columns, shown, rest, room, gave, twice, kept, first_out)
        hidden[:] = [c for c in hidden if c in early or c in rest]
        _swap(columns, shown, hidden, room)
        if any(not c.whole and c.width < c.compact for c in shown):  # text is cut
            for c in [c for c in twice if c in shown]:
                shown.remove(c)
                hidden.append(c)
            fit(shown, room)
    return _fitted(shown, hidden, room)


def _fitted(
    shown: list[Column], hidden: list[Column], room: int
) -> tuple[list[Column], list[Column]]:
    """`shown` fitted to `room`, a currency left out with its amounts."""
    if any(c.money for c in hidden) and not any(c.money for c in shown):
        for c in [c for c in shown[1:] if c.key == "currency"]:  # it said whose amounts
            shown.remove(c)
            hidden.append(c)
    fit(shown, room)
    if len(shown) == 1 and shown[0].width > room:
        shown[0].width = room
    return shown, hidden


def _swap(columns: Sequence[Column], shown: list[Column], hidden: list[Column], room: int) -> None:
    """Tags shown cut give their place to what goes before them (`SAY_LESS`: a company, an
    email) where that is cut on fewer rows in it, no other text cut further: `crm list` in
    Chinese at 80 columns shows `海尔智家` rather than `高消费、vip、批…`, and beside long
    names at 100 a company whole on most rows rather than tags cut on most; the English
    demo at 120 an email whole rather than tags cut on twelve rows. Of two, the one cut on
    fewer rows, a company where they tie."""
    fit(shown, room)
    for tags in [c for c in shown if c.key in CUT_FIRST and not c.whole and c.width < c.compact]:
        cut, rows = _cuts(shown), _rows_cut(tags)
        best: tuple[int, int, list[Column], Column] | None = None
        before = SAY_LESS[: SAY_LESS.index(tags.key)]
        for other in [c for c in hidden if c.key in before and c.filled]:
            trial = [c for c in columns if (c in shown and c is not tags) or c is other]
            if not fit(trial, room) or _cuts(trial) - _cut(other) > cut or _rows_cut(other) >= rows:
                continue
            rank = (_rows_cut(other), -SAY_LESS.index(other.key))
            if best is None or rank < best[:2]:
                best = (*rank, trial, other)
        if best is not None:
            shown[:] = best[2]
            hidden.remove(best[3])
            hidden.append(tags)
        fit(shown, room)


def _rows_cut(c: Column) -> int:
    """On how many measured rows `c`'s text is cut as fitted."""
    return 0 if c.whole else sum(1 for size in c.sizes if size > c.width)


def _is_name(c: Column | None) -> bool:
    """Whether `c` says whom or what a row is by name: a customer's, a product's."""
    return c is not None and (
        c.named or c.key in ("name", "customer", "item") or c.key.endswith("_name")
    )


def _spare(c: Column) -> bool:
    """Whether `c` goes before text is cut: tags, and what goes before them (`SAY_LESS`),
    in that order, the text cut too: a company cut to `Acme Hold…` went after the tags it
    kept out (`crm list` at 120 columns); it comes back cut where it fits (`_back`)."""
    return c.key in SAY_LESS


def _gives_way(c: Column, first_out: Sequence[str] = (), kept: Sequence[str] = ()) -> bool:
    """Whether `c` says less than a name and is left out before a name is cut: a stage or
    lifecycle (in a word; `crm list` at 60 columns), a class or tier (`高`, `A`), a
    festival's name beside its date (`crm care`), a rank (the rows' order says it), what
    says less than a city (`SAY_LESS`: an email, a company, tags), an empty column, and
    what the table spares (`first_out`: `crm report churn`'s last purchase). Not a city:
    `crm list` at 60 columns left out a city filled on every row and kept a company one
    row had (docs/conventions.md: a narrow `crm list` keeps name, city, phone, stage).
    Never what the table keeps (`kept`: the phone of `crm care`, a birthday's date, what
    `crm purchases` says was bought and how many): a name beside it is cut."""
    key = c.key
    if key in kept:
        return False
    says = key in ("stage", "lifecycle", "abc", "festival", "festival_name", *SAY_LESS)
    return says or key.endswith("_tier") or key == "rank" or key in first_out or not c.filled


def _make_way(
    shown: list[Column],
    hidden: list[Column],
    order: list[Column],
    name: Column | None,
    room: int,
    first_out: Sequence[str],
    kept: Sequence[str] = (),
) -> list[Column]:
    """While `name` is cut, the columns that say less (`_gives_way`) are left out in
    `order`, each only if the name then shows more of itself (`crm list` at 60 columns:
    the stage goes before `Stark Industries 广…` is cut; the dashboard's contact
    list and `crm today` their rank), what the table spares first (`first_out`) among
    them: `crm report churn` at 80 columns its last purchase, then its lifecycle, rather
    than cut `James…`. Returns those left out."""
    gone: list[Column] = []
    if not _is_name(name) or name not in shown:
        return gone
    assert name is not None
    # an empty column first: it says nothing on any row (`crm list` at 120 columns showed
    # an empty company beside a cut name)
    for c in [c for c in shown if not c.filled and c is not name and c.key not in kept]:
        if name.width >= _claimed(name):
            break
        shown.remove(c)
        hidden.append(c)
        gone.append(c)
        fit(shown, room)
    for c in [c for c in order if c in shown and c is not name and _gives_way(c, first_out, kept)]:
        if name.width >= _claimed(name):
            break
        # what the table spares, and says no less than a name, goes for a name that then
        # shows whole (`crm report churn` at 80 columns: `James…`), or has less than half
        # its claim even first in line (`crm history` at 60 columns), not to cut one longer
        # than its claim less (`crm interactions` at 120 columns hid the direction and the
        # outcome for 48 cells of a name of 62)
        if not _gives_way(c, kept=kept) and _claimed(name) < name.compact:
            # first in line: as wide as what the others need least leaves it
            served, name.served = name.served, True
            least = _floors(shown, room)
            name.served = served
            others = sum(f for s, f in zip(shown, least, strict=True) if s is not name)
            wide = min(_claimed(name), room - _SEPARATOR * (len(shown) - 1) - others)
            if wide >= _claimed(name) // 2:
                continue
        before, pair = name.width, _paired(shown)
        scored = _score(*pair) if pair is not None else None
        trial = [s for s in shown if s is not c]
        name.served = True  # what gave way was for the name: wrapped prose yields it too
        # or, beside wrapped prose, for as many names whole less lines (`_trade`)
        fits = fit(trial, room)
        better = scored is not None and pair is not None and _score(*pair) > scored
        # the name shows whole, or takes at least half the room the column leaves (`crm
        # list` in Chinese at 80 columns hid 阶段 for one cell of a name of 62)
        gain = min(name.width, _claimed(name)) - before
        enough = name.width >= name.compact or 2 * gain >= c.width + _SEPARATOR
        if not fits or ((name.width <= before or not enough) and not better):
            name.served = bool(gone)
            fit(shown, room)
            continue
        shown.remove(c)
        hidden.append(c)
        gone.append(c)
    fit(shown, room)
    return gone


def _give_up_point(shown: list[Column], room: int) -> bool:
    """Whether `shown` fits once the point of the table (an essential column) gives up its
    third of the room, and text kept whole (WHOLE_OR_OUT) its whole width, which they then
    do; a needed column stays rather than go first."""
    points = [c for c in shown if c.key in ESSENTIAL or c.key in WHOLE_OR_OUT]
    # wrapped prose keeps a third even so (or all it needs: `约产品演示`, not `约产品演` /
    # `示`); the phone beside it goes instead
    third = max(_FREE_MIN, room // 3)
    # wrapped, two thirds of that, no narrower than its widest unbreakable part (up to a
    # third): `（满 40` / `岁）；` read as a broken number
    folded = max(_FREE_MIN, third * 2 // 3)
    for c in points:
        least = max(folded, min(c.piece, third))
        c.point = min(c.compact, least) if c.lines > 1 and c.key in ESSENTIAL else _FREE_MIN
    if points and fit(shown, room):
        return True
    for c in points:
        c.point = None
    return False


def _back(
    columns: list[Column],
    shown: list[Column],
    hidden: list[Column],
    room: int,
    gave: Sequence[Column] = (),
    twice: Sequence[Column] = (),
    kept: Sequence[str] = (),
    first_out: Sequence[str] = (),
) -> list[Column]:
    """`shown` with the columns left out late that fit again (each taken out of `hidden`),
    the last left out first: one that does not fit leaves its room to one left out before
    it (`crm remind` at 60 columns: the preferred channel where the last contact has no
    room, rather than nothing); a chart only for itself. A currency
    does not come back while every amount shows its own symbol: it says nothing more; tags
    and what gave way to a name (`gave`, `_make_way`) only if no text is cut further; and
    none at the cost of the name a row is about (`crm list` at 80 columns: not a company
    beside `James Lefèv…`). What the table says twice (`twice`: an overdue task's due date)
    comes back only once nothing else left out is still out (`crm remind` at 60 columns:
    not the due date in the room the phone left)."""
    symbols = not any(c.money and c.bare for c in columns) and any(c.money for c in columns)
    name = _what(columns)
    # (Each once: the first left out may be both the last data column and the chart's turn.)
    turns = [c for c in reversed(hidden) if c.key != "\0bars"] + hidden[:1]
    fit(shown, room)
    points = [(c, c.width) for c in shown if c.key in ESSENTIAL and c.point is None]
    cuts = _cuts(shown)
    for back in dict.fromkeys(turns):
        if not back.filled or (back.key == "\0bars" and len(hidden) > 1):
            continue  # empty, or a chart while data is left out
        if back.key == "currency" and symbols:
            continue
        if back in twice and any(c.filled and c is not back for c in hidden):
            continue
        trial = [c for c in columns if c in shown or c is back]
        # tags (and what gave way to a name) do not come back at the cost of text cut further
        quiet = back.key in CUT_FIRST or back in gave
        # what goes before tags (`SAY_LESS`: a company) comes back at the cost of no text
        # cut further, tags too (`crm list` at 120 columns: `Acme Hold…` beside `vip、批…`)
        spare = _spare(back) and back.key not in CUT_FIRST
        cut_before = _cuts(shown, every=True)
        before = name.width if _is_name(name) and name in shown else None
        pair = _paired(shown)
        scored = _score(*pair) if pair is not None else None
        name_wide = pair[0].width if pair is not None else 0
        fits = fit(trial, room)
        given = [] if fits or quiet or spare else _wrap_for(trial, points, room)
        fits = fits or bool(given)
        # nor at the cost of names shown whole less the lines of the prose (`_trade`)
        fits = fits and (
            scored is None
            or pair is None
            or _score(*pair) >= scored
            # prose given (`_wrap_for`) costs its lines, never a name shown whole
            or (bool(given) and pair[0].width >= name_wide)
        )
        fits = fits and not (spare and _cuts(trial, every=True) - _cut(back) > cut_before)
        # what the table keeps comes back at the cost of the name (`kept`), not beyond it
        if before is not None and name is not None and back is not name:
            least = min(before, _claimed(name)) if back.key not in kept else 0
            fits = fits and name.width >= least
        # nor at the cost of the point of the table's third (`crm today` at 80 columns: not
        # a last contact beside a reason of 17 cells)
        fits = fits and all(
            c.width >= min(c.compact, room // 3, width_before)
            for c, width_before in points
            if c in trial and c not in given  # (given: as `_wrap_for` allows)
        )
        if fits and (not quiet or _cuts(trial) <= cuts):
            shown = trial
            hidden.remove(back)
        else:
            for c in given:
                c.point = None
        fit(shown, room)
        cuts = _cuts(shown)
    return shown


def _wrap_for(trial: list[Column], points: list[tuple[Column, int]], room: int) -> list[Column]:
    """Wrapped prose, the point of the table, gives up its third down to two thirds of it
    (its widest unbreakable part kept) for a column to come back, where that costs it at
    most NAME_LINES lines more in all: `crm remind` in Chinese at 70 columns kept a task's
    text 20 cells wide and left out its repeat (main wrapped one text more for it). The
    prose columns given (their `point` set), or none where the trial still does not fit."""
    essential = max(_FREE_MIN, room // 3)
    given = []
    for c, before in points:
        if c in trial and c.lines > 1 and c.texts:
            c.point = max(_FREE_MIN, essential * 2 // 3, min(c.piece, essential))
            given.append(c)
    if (
        given
        and fit(trial, room)
        and all(_count(c, c.width) <= _count(c, w) + NAME_LINES for c, w in points if c in given)
    ):
        return given
    for c in given:
        c.point = None
    return []


def _cuts(columns: Sequence[Column], every: bool = False) -> int:
    """The cells of text cut (or wrapped) short in `columns` as fitted, beyond their own;
    tags (`CUT_FIRST`) only with `every`."""
    return sum(_cut(c) for c in columns if every or c.key not in CUT_FIRST)


def _cut(c: Column) -> int:
    """The cells of `c`'s text cut (or wrapped) short as fitted."""
    return 0 if c.whole else max(0, _claimed(c) - c.width)


def _claimed(c: Column) -> int:
    """The width `c` asks for before other columns give way to it: a name no more than
    its claim (`NAME_SHARE`), else all it needs."""
    return c.compact if c.claim is None else min(c.compact, c.claim)


_TRAILING = re.compile(r"[\s\u200d]+$")  # what a cut text does not end in
# A number cut short: its digits before the cut, and what goes on after it (`11` / `2`)
_NUMBER_ENDS = re.compile(r"(?<!\w)#?[\d,.]*\d$")
_NUMBER_GOES_ON = re.compile(r"[,.]?\d")


def cut(text: str, room: int) -> str:
    """`text` in at most `room` cells, ending in `…` when cut; a name's ` (#id)` is kept
    whole and the name before it cut (`Ben Ta… (#143)`)."""
    if width(text) <= room:
        return text
    tail = _ID_TAIL.search(text)
    if tail and width(tail.group()) + 2 <= room:
        return cut(text[: tail.start()], room - width(tail.group())) + tail.group()
    out, used = [], 0
    for ch in clusters(text):  # never inside an emoji sequence (`👨‍👩‍👧`) or an accent
        wide = width(ch)
        if used + wide > room - 1:
            break
        out.append(ch)
        used += wide
    kept = "".join(out)
    # never inside a number: `silent for…`, not `silent for 11…` (of 112 days)
    if _NUMBER_GOES_ON.match(text, len(kept)) and _NUMBER_ENDS.search(kept):
        kept = _NUMBER_ENDS.sub("", kept)
    # `Grace…`, not `Grace …`; nor a joiner left with nothing to join (`\u200d…`)
    return _TRAILING.sub("", kept) + "…"


def text_of(value: Any, color: bool = False, at: Screen | None = None) -> str:
    """A value as one line of a terminal table: a line break shows as `⏎`, a tab as a
    space, other control characters escaped; lists joined by commas; amounts and phones as
    `display.shown` gives them for `at`. A search hit's matches are marked `[..]` without
    colour (with colour they are highlighted)."""
    if at is not None:
        value = shown(value, at.wan, at.region)
    if isinstance(value, Said):  # prose kept in data: in the run's language
        value = value.said()
    if isinstance(value, str):
        value = on_screen(value)
        return escape_control(value.replace("\r\n", "⏎").replace("\n", "⏎").replace("\t", " "))
    if isinstance(value, Marked):
        return text_of(value.text if color and _plain_hit(value) else value.marked())
    return cell(value)


def on_screen(value: Any) -> Any:
    """A value as a terminal says it, a list item by item: a stored timestamp in local time
    to the minute (`local_minute`), and in Chinese a name's id full-width, `张伟（#1）`, as
    the prose says it. Anything else as it is."""
    if isinstance(value, list):
        return [on_screen(v) for v in value]
    if not isinstance(value, str):
        return value
    if _STAMP.fullmatch(value):
        try:
            return local_minute(value)
        except ValueError:  # a text someone typed in that shape, with no such day
            return value
    return HALF_TAIL.sub(r"（#\1）", value) if current() == "zh" else value


def moments(text: str) -> str:
    """A sentence with each stored timestamp in it as every screen says one (`local_minute`):
    `undo crm edit of 2026-12-06 10:40`, not its seconds and offset. What a message quotes
    ('…', “…”) is what the user typed, said back as typed, whether a date or not."""

    def said(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group()
        try:
            return local_minute(match.group(1))
        except ValueError:  # the shape of a moment but no such day: not one crm stored
            return match.group()

    return _QUOTED_OR_STAMP.sub(said, text)


def local_minute(stamp: str) -> str:
    """A stored timestamp as confirmations say it, without the weekday: `2026-12-06 15:00`
    in the local time of the reader (seconds and offset are for scripts)."""
    from datetime import datetime

    return f"{datetime.fromisoformat(stamp).astimezone():%Y-%m-%d %H:%M}"


def _plain_hit(value: Marked) -> bool:
    """Whether a search hit's text shows as it is, so its spans index what is shown."""
    return text_of(value.text) == value.text


def _painted_cell(value: Any, text: str, room: int, style: Style, color: bool) -> str:
    """A cell's text cut to `room`, with its style (or a search hit's highlights)."""
    shown = cut(text, room)
    if not color:
        return shown
    if isinstance(value, Marked) and style is None and _plain_hit(value):
        limit = len(shown) - (1 if shown != text else 0)  # the text before the `…`
        out, last = [], 0
        for start, end in value.spans:
            if start >= limit:
                break
            out += [shown[last:start], paint(shown[start : min(end, limit)], "mark", True)]
            last = min(end, limit)
        return "".join([*out, shown[last:]])
    return paint(shown, style, color)


def draw(
    rows: Iterable[Mapping[str, Any]],
    keys: Sequence[str],
    out: TextIO,
    at: Screen,
    *,
    title: str | None = None,
    bars: Bars | None = None,
    styles: Styler | None = None,
    vocabulary: Mapping[str, str | None] | None = None,
    raw: bool = False,
    headers: Mapping[str, str] | None = None,
    first_out: Sequence[str] = (),
    asked: bool = False,
    kept: Sequence[str] = (),
) -> int:
    """Draw `rows` as a table that fits `at`; returns how many rows. The first page of rows
    is measured; the rest stream with its widths (bars need every row: a chart's rows are
    few). `vocabulary`, `raw`, `headers`, `first_out` and `kept` as
    `crmcli.cli.output.emit` takes them."""
    stream = iter(rows)
    page = list(stream if bars else islice(stream, max(2 * at.lines, MEASURED)))
    if not page:
        return 0
    more = next(stream, None)
    short = more is None and len(page) <= WRAP_ROWS
    if more is not None:
        stream = chain([more], stream)
    if raw:
        vocabulary = dict.fromkeys(keys)
    named = headers or {}
    columns = [
        Column(k, k if raw else _(named[k]).split("|", 1)[-1] if k in named else words(k))
        for k in keys
    ]
    for c in columns:
        c.lines = PROSE_LINES if short and c.key in WRAPPED else 1
    places = {k: _places(row.get(k) for row in page) for k in keys}
    texts = [_texts(row, keys, at, places, vocabulary) for row in page]
    for line in texts:
        for c, text in zip(columns, line, strict=True):
            c.measure(text)
    for n, c in enumerate(columns):
        c.same = len(texts) > 1 and len({line[n] for line in texts}) == 1
    if "falls_on" in keys:  # a festival's name, one a day: its date says it (`--year`)
        day = keys.index("falls_on")
        for n, c in enumerate(columns):
            if c.key == "festival_name" and len(texts) > 1:
                c.same = len({(line[day], line[n]) for line in texts}) == len(
                    {line[day] for line in texts}
                )
    for c in columns:
        if c.number and c.key not in PROSE:  # values that are numbers (a model's parameters)
            c.lines = 1
    chart = Column("\0bars", words(bars.title) if bars else "") if bars else None
    if chart is not None:
        assert bars is not None
        chart.natural, chart.floor, chart.filled = max(bars.width, chart.natural), 6, True
        columns.append(chart)
    shown, hidden = layout(columns, at.columns, first_out, asked, kept)
    lengths = bars.lengths(page, chart.width) if bars and chart in shown else None
    for line in wrap(title, at.columns) if title else ():
        out.write(paint(line, "title", at.color) + "\n")
    heads = [_head_lines(c.header, c.width, c.key) for c in shown]
    for n in range(max(len(h) for h in heads)):
        cells = [
            cut(h[n], c.width) if n < len(h) else "" for h, c in zip(heads, shown, strict=True)
        ]
        out.write(_line(cells, shown, " ┃ ", at, "header"))
    out.write("━╇━".join("━" * c.width for c in shown) + "\n")
    index = [columns.index(c) for c in shown]
    unseen = [c for c in hidden if not c.filled and c is not chart]
    style = styles or meaning
    count = 0
    for count, (row, line) in enumerate(
        _rows(page, texts, stream, keys, at, places, vocabulary), 1
    ):
        if count > len(page):
            _widen(shown, index, line, at.columns)
            for c in unseen:  # a hidden column empty on the first page may hold data later
                c.filled = c.filled or bool(line[columns.index(c)].strip())
        cells: list[list[str]] = []
        for c, i in zip(shown, index, strict=True):
            if c is chart:
                assert lengths is not None
                cells.append([paint("█" * lengths[count - 1], "bar", at.color)])
                continue
            value, text, mood = row.get(c.key), line[i], style(row, c.key)
            if c.lines > 1 and width(text) > c.width:
                parts = _lines(text, c.width)
                cells.append([paint(p, mood, at.color) + " " * (c.width - width(p)) for p in parts])
                continue
            shown_text = cut(text, c.width)
            pad = " " * (c.width - width(shown_text))
            painted = _painted_cell(value, text, c.width, mood, at.color)
            cells.append([pad + painted if c.number else painted + pad])
        for n in range(max(len(parts) for parts in cells)):
            out.write(
                " │ ".join(
                    parts[n] if n < len(parts) else " " * c.width
                    for parts, c in zip(cells, shown, strict=True)
                ).rstrip()
                + "\n"
            )
    # a column that says nothing is not announced: empty on every row drawn, or a
    # currency beside amounts that each show its symbol (`CN¥20,864.35`)
    symbols = any(c.money for c in shown) and not any(c.money and c.bare for c in columns)
    if not asked:
        hidden = [c for c in hidden if c.filled and not (c.key == "currency" and symbols)]
    if hidden:
        names = _(", ").join(
            _("the chart") if c is chart else c.header for c in hidden
        )  # in the headers' words
        note = (
            _("the terminal is too narrow for {names}, which --fields asked for; use --format "
              "csv or a wider terminal")
            if asked
            else _("1 column hidden: {names}; use --format csv or a wider terminal")
            if len(hidden) == 1
            else _("{count} columns hidden: {names}; use --format csv or a wider terminal")
        ).format(count=len(hidden), names=names)  # fmt: skip
        for line in phrased(note, at.columns):
            out.write(paint(line, "muted", at.color) + "\n")
    return count


# Where a footer's sentence breaks first: after its punctuation (`：`, `、`, `；`, `, `).
_PHRASE_END = re.compile(r"(?<=[：、；，])|(?<=[:;,] )")


def phrased(text: str, room: int) -> list[str]:
    """A footer's sentence in lines of at most `room` cells, broken after its punctuation
    where the phrases fit, so that none is parted (`隐藏了 3 列：状态、联系周期；` / `请用
    --format csv 或更宽的终端查看`, not `更宽的终` / `端查看`); a phrase wider than a line
    breaks as helpformat's `wrap` breaks it (no `隐藏了 6` / `列` either)."""
    from crmcli.cli.helpformat import wrap as fill

    lines, line = [], ""
    for phrase in _PHRASE_END.split(text):
        if width(line + phrase.rstrip()) <= room:
            line += phrase
            continue
        if line.strip():
            lines.append(line.rstrip())
        *full, line = fill(phrase, room).split("\n")
        lines += full
        line += " " if phrase.endswith(" ") else ""
    return [*lines, line.rstrip()]


def _widen(shown: list[Column], index: list[int], line: list[str], room: int) -> None:
    """A row after the first page with an id, date or amount wider than its column: the
    columns are fitted again to keep it whole (from this row on), free text cut further if
    the terminal has no more room."""
    for c, i in zip(shown, index, strict=True):
        if c.key != "\0bars" and width(line[i]) > c.width and re.fullmatch(_ATOMIC, line[i]):
            c.measure(line[i])
            if not fit(shown, room):
                fit(shown, room, squeeze=True)


def _rows(
    page: list[Mapping[str, Any]],
    texts: list[list[str]],
    rest: Iterator[Mapping[str, Any]],
    keys: Sequence[str],
    at: Screen,
    places: Mapping[str, int | None],
    vocabulary: Mapping[str, str | None] | None,
) -> Iterator[tuple[Mapping[str, Any], list[str]]]:
    yield from zip(page, texts, strict=True)
    for row in rest:
        yield row, _texts(row, keys, at, places, vocabulary)


def _places(values: Iterable[Any]) -> int | None:
    """The decimals a column of numbers shows on a terminal: the most any float among
    `values` has, at most 4 (`67.9` beside `93.22` reads `67.90`); None when a value is not
    a number, or none is a float (counts and text show as they are)."""
    found = None
    for value in values:
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        if isinstance(value, float) and math.isfinite(value):
            digits = repr(value).partition(".")[2]
            found = min(max(found or 0, 4 if "e" in digits else len(digits)), 4)
    return found


def _texts(
    row: Mapping[str, Any],
    keys: Sequence[str],
    at: Screen,
    places: Mapping[str, int | None],
    vocabulary: Mapping[str, str | None] | None = None,
) -> list[str]:
    """A row's cells as a terminal shows them, a column of floats with one precision."""
    texts = []
    for k in keys:
        value, decimals = row.get(k), places[k]
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if decimals is not None and number and math.isfinite(value):
            texts.append(f"{value:.{decimals}f}")
        else:
            # amounts and phones first: a change of the history says its phones so too
            value = shown(value, at.wan, at.region)
            texts.append(text_of(in_words(value, k, vocabulary), at.color))
    return texts


def _line(cells: list[str], shown: list[Column], separator: str, at: Screen, style: str) -> str:
    padded = [
        " " * (c.width - width(text)) + text if c.number else text + " " * (c.width - width(text))
        for text, c in zip(cells, shown, strict=True)
    ]
    return separator.join(paint(p, style, at.color) for p in padded).rstrip() + "\n"


def wrap(text: str, room: int) -> list[str]:
    """`text` in lines of at most `room` cells, broken at spaces where it can be, inside a
    word (or between CJK characters) where it cannot; its own line breaks kept."""
    lines: list[str] = []
    for part in text.split("\n"):
        line = ""
        for word in re.split(r"(?<= )", part):
            if width(line + word) <= room:
                line += word
                continue
            if line.strip():
                lines.append(line.rstrip())
                line = ""
            while width(word) > room:
                # at least one character a line: a column narrower than one (0 cells, or 1
                # for a CJK character) otherwise never shortened the word (crm hung)
                head = cut(word, room + 1)[:-1] or word[0]
                lines.append(head)
                word = word[len(head) :]
            line = word
        lines.append(line.rstrip())
    return lines


# A header of four Chinese characters is two words (`任务编号`, `频次分层`, `逾期天数`): above
# a narrow column the table would rather give up than cut a name or a task's text for (an
# id, a tier `高`, how many days late) it wraps between them, as `Task ID` wraps at its
# space, rather than take eight cells.
_HEAD_PAIR = re.compile(r"[\u3400-\u9fff]{4}")


def _pairs(key: str) -> bool:
    """Whether the Chinese header of column `key` may wrap between its two words."""
    pairs = ("abc", "days_overdue", "p_alive")
    return key == "id" or key.endswith(("_id", "_tier")) or key in pairs


def _head_words(header: str, key: str = "") -> list[tuple[str, str]]:
    """A header's words, each with what joins it to the one before (a space, or nothing
    inside a Chinese header, `_pairs`)."""
    found: list[tuple[str, str]] = []
    for word in header.split():
        if not _pairs(key):
            found.append((" ", word))
            continue
        parts = re.split(r"(?=（)", word) if "（" in word[1:] else [word]
        for n, part in enumerate(p for p in parts if p):
            gap = " " if n == 0 else ""
            if _HEAD_PAIR.fullmatch(part):
                found += [(gap, part[:2]), ("", part[2:])]
            else:
                found.append((gap, part))
    return found


def _head_lines(header: str, room: int, key: str = "") -> list[str]:
    """A header in lines of at most `room` cells, broken between its words
    (`_head_words`), inside one only where it is wider than a line."""
    lines: list[str] = []
    line = ""
    for gap, word in _head_words(header, key):
        if not line or width(line + gap + word) <= room:
            line += (gap if line else "") + word
            continue
        lines.append(line)
        line = word
    lines.append(line)
    return [part for line in lines for part in wrap(line, room)]


def card(title: str, pairs: Sequence[tuple[str, str]], out: TextIO, at: Screen) -> None:
    """A key/value card: keys in colour, each value wrapped beside its key (notes keep their
    line breaks)."""
    for line in wrap(escape_control(title), at.columns):
        out.write(paint(line, "title", at.color) + "\n")
    key_width = max((width(k) for k, _ in pairs), default=0)
    room = at.columns - key_width - 4
    for key, value in pairs:
        if room < 10:  # too narrow beside the keys: each value under its key
            out.write(f"  {paint(key, 'key', at.color)}\n")
            for line in wrap(value, at.columns - 4):
                out.write(f"    {line}".rstrip() + "\n")
            continue
        for n, line in enumerate(wrap(value, room)):
            head = key + " " * (key_width - width(key)) if n == 0 else " " * key_width
            out.write(f"  {paint(head, 'key', at.color)}  {line}".rstrip() + "\n")


def pager_command(no_pager: bool) -> list[str] | None:
    """The pager to run, split into words, or None: `--no-pager`, an empty CRM_PAGER or
    PAGER, or `cat` mean none. CRM_PAGER wins over PAGER; the default is `less -FRX`."""
    if no_pager:
        return None
    command = os.environ.get("CRM_PAGER")
    if command is None:
        command = os.environ.get("PAGER", "less -FRX")
    import shlex

    try:
        words = shlex.split(command)
    except ValueError:
        return None
    return None if not words or words == ["cat"] else words


@contextmanager
def paging(command: list[str]) -> Iterator[None]:
    """Everything written to stdout inside the block goes through the pager (its input is
    put on file descriptor 1); the block ends when the pager has quit. A pager that cannot
    be found or started is said on stderr and the output is printed as it is."""
    import shutil
    import subprocess

    if shutil.which(command[0]) is None:
        sys.stderr.write(
            "crm: "
            + _("warning: pager '{pager}' not found; printing directly").format(pager=command[0])
            + "\n"
        )
        yield
        return
    env = {**os.environ}
    env.setdefault("LESS", "FRX")  # as git does: quit on one screen, keep colour
    env.setdefault("LESSCHARSET", "utf-8")  # crm writes UTF-8 whatever the locale says
    env.setdefault("LV", "-c")
    sys.stdout.flush()
    try:
        pager = subprocess.Popen(command, stdin=subprocess.PIPE, env=env)
    except OSError as error:  # found but cannot start (a bad #! line, no permission)
        reason = oserrors.reason(error)
        sys.stderr.write(
            "crm: "
            + _("warning: pager '{pager}' cannot start ({reason}); printing directly").format(
                pager=command[0], reason=reason
            )
            + "\n"
        )
        yield
        return
    assert pager.stdin is not None
    saved = os.dup(1)
    os.dup2(pager.stdin.fileno(), 1)
    pager.stdin.close()
    try:
        yield
        sys.stdout.flush()
    finally:
        os.dup2(saved, 1)  # the pager sees the end of its input: it shows the rest
        os.close(saved)
        import signal

        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the pager's
        try:
            status = pager.wait()
        finally:
            signal.signal(signal.SIGINT, previous)
        if status > 0:  # `CRM_PAGER=false`: what it was given may never have been shown
            sys.stderr.write(
                "crm: "
                + _("warning: pager '{pager}' exited with status {status}").format(
                    pager=command[0], status=status
                )
                + "\n"
            )
