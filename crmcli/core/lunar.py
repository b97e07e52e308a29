"""Chinese lunisolar (农历) dates: parsing what a user types, conversion, yearly recurrence.

Conversion is done by tyme4py (MIT, pure Python, no dependencies): it knows leap months
(a negative month number there), solar terms and the traditional festivals. It is imported
only inside the functions that need it, and month lookups are cached, so a report over many
lunar birthdays converts each lunar month once.

A lunar date is written `1990-08-15` (year, month, day of the lunar calendar) or
`1990-闰06-15` for the leap sixth month (`L06` and `leap06` are accepted as input too).
User input marks it with a `lunar:` (or `农历`) prefix: `--birthday lunar:1990-08-15`.

Yearly rule: in lunar year Y a lunar date falls on
- the same month: its leap month when the original was in a leap month and year Y has
  that same leap month, else the ordinary month of that number (闰月 birthdays are kept in
  the ordinary month in the years without that leap month, as is the custom);
- the same day, or the month's last day when the month is shorter that year (the 30th in
  a month of 29 days falls on the 29th).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import N_, _, current

if TYPE_CHECKING:
    from crmcli.core.dates import Direction

FIRST_YEAR = 1880  # birthdays are refused before this anyway
LAST_YEAR = 2200
PREFIXES = (
    "lunar:", "农历:", "农历：", "农历", "阴历:", "阴历：", "阴历",  # 阴历 is what many say
    "農曆:", "農曆：", "農曆", "陰曆:", "陰曆：", "陰曆",  # as traditional characters write them
)  # fmt: skip
# Patterns are kept as strings: `re` compiles each on first use (start-up compiles none).
_FORM = r"(?i)(\d{4})\s*[-/.]\s*(闰|l|leap\s*)?(\d{1,2})\s*[-/.]\s*(\d{1,2})"
_ZH_YEAR = r"(\d{4})\s*年\s*(.+)"  # 1990年八月十五: the year, then a month and day (read_chinese)
HELP = N_(
    "write lunar:YYYY-MM-DD, e.g. lunar:1990-08-15 or 农历1990年八月十五, or lunar:1990-闰06-15 "
    "for a leap month"
)


class LunarDate(NamedTuple):
    """A day of the Chinese calendar: lunar year, month 1-12, day 1-30, leap month or not."""

    year: int
    month: int
    day: int
    leap: bool = False

    def __str__(self) -> str:
        return f"{self.year:04d}-{'闰' if self.leap else ''}{self.month:02d}-{self.day:02d}"


def strip_prefix(text: str) -> str | None:
    """The text after a `lunar:` / `农历` prefix, or None when the text has none."""
    raw = text.strip()
    for prefix in PREFIXES:
        if raw[: len(prefix)].casefold() == prefix:
            return raw[len(prefix) :]
    return None


def parse(text: str) -> LunarDate:
    """A lunar date from `1990-08-15` / `1990-闰06-15` / `1990-L06-15`, or as the card shows it,
    `1990年八月十五` / `1990年闰六月初三` / `1990年腊月廿九` (no prefix).

    Raises InvalidInput when it is malformed or does not exist (no such leap month that
    year, a 30th in a month of 29 days).
    """
    raw = unicodedata.normalize("NFKC", text).strip()
    match = re.fullmatch(_FORM, raw)
    year = re.fullmatch(_ZH_YEAR, raw)
    said = read_chinese(year[2]) if year else None
    if match:
        year_number, month, day = int(match[1]), int(match[3]), int(match[4])
        value = LunarDate(year_number, month, day, bool(match[2]))
    elif year and said:
        value = LunarDate(int(year[1]), said.month, said.day, said.leap)
    else:
        raise InvalidInput(
            _("not a lunar date: {value!r}; {HELP}").format(value=text.strip(), HELP=_(HELP))
        )
    check(value)
    return value


def check(value: LunarDate) -> None:
    """Raise InvalidInput unless `value` is a real day of the lunar calendar."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise InvalidInput(
            _("lunar year {year} is outside {FIRST_YEAR}-{LAST_YEAR}").format(
                year=value.year, FIRST_YEAR=FIRST_YEAR, LAST_YEAR=LAST_YEAR
            )
        )
    if not 1 <= value.month <= 12:
        raise InvalidInput(_("lunar month must be 1 to 12 (got {month})").format(month=value.month))
    if value.leap and leap_month(value.year) != value.month:
        has = leap_month(value.year)
        month = _month_said(value.month, leap=True)
        if has:
            said = _("lunar year {year} has no {month}: its leap month is {has}").format(
                year=value.year, month=month, has=_month_said(has, leap=False, alone=False)
            )
        else:
            said = _("lunar year {year} has no {month}: it has no leap month").format(
                year=value.year, month=month
            )
        raise InvalidInput(said)
    days = month_length(value.year, value.month, value.leap)
    if not 1 <= value.day <= days:
        raise InvalidInput(
            _("lunar {year} {name} has {days} days (got day {day})").format(
                year=value.year, name=_month_said(value.month, value.leap), days=days, day=value.day
            )
        )


def _month_said(month: int, leap: bool, alone: bool = True) -> str:
    """A lunar month as the run's language names it: `leap month 2`, `month 12` (`2` when
    not `alone`); in Chinese as the calendar does: `闰二月`, `腊月` (`二月`)."""
    if current() == "zh":
        return ("闰" if leap else "") + _MONTHS[month - 1] + "月"
    if not alone:
        return str(month)
    return f"{'leap ' if leap else ''}month {month}"


@lru_cache(maxsize=512)
def leap_month(year: int) -> int:
    """The leap month of lunar year `year`, or 0 when it has none."""
    from tyme4py.lunar import LunarYear

    return LunarYear.from_year(year).get_leap_month()


@lru_cache(maxsize=4096)
def _month(year: int, month: int, leap: bool) -> tuple[date, int]:
    """(Gregorian first day, number of days) of one lunar month."""
    from tyme4py.lunar import LunarDay, LunarMonth

    signed = -month if leap else month
    first = LunarDay.from_ymd(year, signed, 1).get_solar_day()
    length = LunarMonth.from_ym(year, signed).get_day_count()
    return date(first.get_year(), first.get_month(), first.get_day()), length


def month_length(year: int, month: int, leap: bool = False) -> int:
    return _month(year, month, leap)[1]


def to_gregorian(value: LunarDate) -> date:
    """The Gregorian day of an existing lunar date (see `check`)."""
    first, _ = _month(value.year, value.month, value.leap)
    return first + timedelta(days=value.day - 1)


def from_gregorian(day: date) -> LunarDate:
    """The lunar date of a Gregorian day."""
    from tyme4py.solar import SolarDay

    lunar = SolarDay.from_ymd(day.year, day.month, day.day).get_lunar_day()
    month = lunar.get_lunar_month()
    return LunarDate(lunar.get_year(), month.get_month(), lunar.get_day(), month.is_leap())


def anniversary(original: LunarDate, year: int) -> date:
    """The Gregorian day on which `original` falls in lunar year `year` (module docstring)."""
    leap = original.leap and leap_month(year) == original.month
    day = min(original.day, month_length(year, original.month, leap))
    return to_gregorian(LunarDate(year, original.month, day, leap))


def occurrences(original: LunarDate, start: date, end: date) -> list[tuple[date, int]]:
    """(Gregorian day, years since `original`) for each day in [start, end] it falls on.

    Lunar year Y starts between late January and late February of Gregorian year Y, so the
    lunar years that can touch the window are start.year - 1 to end.year.
    """
    found = []
    # From the original's own year on (there the anniversary is the original day itself).
    for year in range(max(start.year - 1, original.year), min(end.year, LAST_YEAR) + 1):
        day = anniversary(original, year)
        if start <= day <= end:
            found.append((day, year - original.year))
    return found


def next_occurrence(original: LunarDate, today: date) -> date:
    """The next day (today included) on which `original` falls."""
    year = max(today.year - 1, original.year)
    while True:  # at most three turns: a lunar year ends before February of the next year
        day = anniversary(original, year)
        if day >= today:
            return day
        year += 1


def parse_day(
    text: str, today: date, *, direction: Direction, lunar: bool = False
) -> tuple[date, LunarDate | None]:
    """A date typed by a user: `lunar:...` (or any date with `lunar`, as `--lunar` says)
    gives (its Gregorian day, the lunar date); any other form is parsed by
    crmcli.core.dates (with its `direction`) and gives (the day, None).

    With a direction, a lunar month and day without a year (`农历腊月初八`, `腊月初八` as the
    lunar calendar names a day, `12-08` with `lunar`) is its next (or last) time from today.
    """
    from crmcli.core.dates import parse_date

    rest = strip_prefix(text)
    if rest is None and not lunar:
        said = read_chinese(text)
        if direction == "none" or said is None or not said.lunar:
            return parse_date(text, today, direction=direction), None
        rest = text
    rest = text if rest is None else rest
    if direction != "none" and (yearless := _month_day(rest)) is not None:
        value = _nearest(yearless, today, direction)
    else:
        value = parse(rest)
    return to_gregorian(value), value


_MONTH_DAY = r"(?i)(闰|l|leap\s*)?(\d{1,2})\s*[-/.]\s*(\d{1,2})"


def _month_day(text: str) -> ChineseDay | None:
    """A lunar month and day without a year: `腊月初八`, `闰六月初三`, `12-08`, `闰06-15`."""
    raw = unicodedata.normalize("NFKC", text).strip()
    found = re.fullmatch(_MONTH_DAY, raw)
    if found:
        return ChineseDay(int(found[2]), int(found[3]), bool(found[1]), True)
    return read_chinese(raw)


def _nearest(said: ChineseDay, today: date, direction: Direction) -> LunarDate:
    """The lunar date of month and day `said` next from today (`future`: today or later),
    or last (`past`: today or before). A leap month comes the next (last) year that has it,
    and a 30th the next (last) year whose month has 30 days."""
    step = -1 if direction == "past" else 1
    year = from_gregorian(today).year - step
    for _turn in range(40):  # a leap month comes back within 40 years, but for the rarest
        value = LunarDate(year, said.month, said.day, said.leap)
        year += step
        if said.leap and leap_month(value.year) != said.month:
            continue
        if 1 <= said.month <= 12 and FIRST_YEAR <= value.year <= LAST_YEAR:
            first = to_gregorian(value._replace(day=1))
            last = first + timedelta(days=month_length(value.year, said.month, said.leap) - 1)
            if (last < today) if step == 1 else (first > today):
                continue  # the month is gone (not come): its days need not exist
            if said.day == 30 and month_length(value.year, said.month, said.leap) < 30:
                continue  # a short month this year (腊月三十): the next (last) with a 30th
        check(value)
        day = to_gregorian(value)
        if (day >= today) if step == 1 else (day <= today):
            return value
    raise InvalidInput(  # a rare leap month (闰正月): give its year
        _(
            "{month} does not come in the next {years} years; give the lunar date with its year, "
            "e.g. lunar:YYYY-{example}"
        ).format(
            month=_month_said(said.month, said.leap),
            years=40,
            example=f"{'闰' if said.leap else ''}{said.month:02d}-{said.day:02d}",
        )
    )


# How a Chinese calendar names the months and days: 正月 to 腊月, 初一 to 三十.
_MONTHS = ("正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "冬", "腊")
_DIGITS = "一二三四五六七八九十"
# A month and day written in Chinese: `八月十五`, `正月初八`, `冬月廿三`, `闰六月初三` as the
# lunar calendar names its days, and `12月25日`, `十二月二十五号` as a Gregorian day is written.
_ZH_MONTH_DAY = (
    r"(闰)?\s*(\d{1,2}|[一二三四五六七八九十]{1,2}|正|冬|腊)\s*月\s*"
    r"(\d{1,2}|初[一二三四五六七八九十]|廿[一二三四五六七八九]?|卅|[一二三四五六七八九十]{1,3})"
    r"\s*([日号]?)"
)
_ZH_LUNAR_MONTHS = {"正": 1, "冬": 11, "腊": 12}


class ChineseDay(NamedTuple):
    """A month and day read from Chinese (`read_chinese`); a number not said right is 0."""

    month: int
    day: int
    leap: bool  # 闰: a leap month
    lunar: bool  # named as the lunar calendar names a day


def read_chinese(text: str) -> ChineseDay | None:
    """A month and day written in Chinese, or None when `text` is not one.

    It is named as a lunar day (`lunar`) with 正/冬/腊 for a month, 初/廿/卅 for a day, 闰, or a
    month and day both in Chinese numerals without 日/号 (`八月十五`, `五月初五`): that is how
    the lunar calendar's days are called. Arabic digits or 日/号 (`8月15日`, `十二月二十五号`)
    are how a Gregorian day is written.
    """
    found = re.fullmatch(_ZH_MONTH_DAY, unicodedata.normalize("NFKC", text).strip())
    if found is None:
        return None
    leap, month_text, day_text, suffix = found.groups()
    lunar = (
        bool(leap)
        or month_text in _ZH_LUNAR_MONTHS
        or day_text[0] in "初廿卅"
        or not (suffix or month_text.isdigit() or day_text.isdigit())
    )
    month = _ZH_LUNAR_MONTHS.get(month_text) or _number(month_text)
    return ChineseDay(month, _day_number(day_text), bool(leap), lunar)


def _number(text: str) -> int:
    """A number in digits or in Chinese (一 to 九十九); 0 for anything else."""
    from crmcli.core.dates import chinese_number

    return int(text) if text.isdigit() else chinese_number(text) or 0


def _day_number(text: str) -> int:
    """A day of the month: digits, 一 to 三十一, 初一 to 初十, 廿 (20) to 廿九, 卅 (30)."""
    if text[0] == "初":
        return _number(text[1:])
    if text[0] == "廿":
        return 20 + (_number(text[1:]) if text[1:] else 0)
    return 30 if text == "卅" else _number(text)


def chinese(value: LunarDate) -> str:
    """`value` as a Chinese calendar says it: `农历1990年八月十五`, `农历1990年闰六月初三`,
    `农历1988年腊月廿九`."""
    return f"农历{value.year}年{month_day_chinese(value.month, value.day, value.leap)}"


def month_day_chinese(month: int, day: int, leap: bool = False) -> str:
    """A lunar month and day as the Chinese calendar says them: `腊月初八`, `八月十五`,
    `闰六月初三`, `正月廿九`."""
    said = ("闰" if leap else "") + _MONTHS[month - 1] + "月"
    tens, ones = divmod(day, 10)
    if day <= 10:
        return said + "初" + _DIGITS[day - 1]
    if ones == 0:
        return said + _DIGITS[tens - 1] + "十"  # 二十, 三十
    return said + ("十", "廿")[tens - 1] + _DIGITS[ones - 1]


def stored(text: str | None) -> LunarDate | None:
    """A lunar date as stored in the database (`1990-08-15`, `1990-闰06-15`), or None.

    Not checked again (it was when written): checking costs a month lookup per birth year.
    """
    if not text:
        return None
    match = re.fullmatch(_FORM, text)
    if not match:
        raise ValueError(f"not a stored lunar date: {text!r}")
    return LunarDate(int(match[1]), int(match[3]), int(match[4]), bool(match[2]))
