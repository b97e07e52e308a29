"""The festivals a care list is built around, and the day each falls on.

The built-in festivals' dates come from tyme4py's own festival tables, looked up by the
festival's name: the lunar ones (春节, 元宵, 端午, 七夕, 中秋, 重阳, 腊八, 除夕 — the last day
of the lunar year, the 29th or 30th of the twelfth month) and 清明 (a solar term, 节气: 4 or 5
April) from `LunarFestival`, the fixed Gregorian ones (元旦, 劳动节, 国庆) from
`SolarFestival`. Nothing here is a hand-kept table of dates.

A user's own festivals (Christmas, a company anniversary; stored by crmcli.records.care) are
a month and day, Gregorian or lunar, every year: 29 February falls on 28 February in common
years, and a lunar 30th on the 29th in a short month (crmcli.core.lunar's yearly rule). The
functions here take the festivals to look at as an argument (`FESTIVALS`, or those with the
user's own), so this module reads no database.

A lunar festival of lunar year Y can fall in Gregorian year Y + 1 (腊八 and 除夕 in January or
February), and 腊八 can even fall twice in one Gregorian year (30 December and January), so
every function here works on Gregorian windows and asks for the lunar years around them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from crmcli.core import validate
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import _, current

# How a festival's day is found: machine values, as JSON gives them (`calendar`).
GREGORIAN = "gregorian"
LUNAR = "lunar"
SOLAR_TERM = "solar_term"  # 节气: by the sun's position, like the Gregorian calendar
_MONTH_DAY = r"(\d{1,2})-(\d{1,2})"  # a string: `re` compiles it on first use
_LONGEST = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class Festival(NamedTuple):
    key: str  # stable key, used in JSON and care rules (a user's own festival: its name)
    name: str  # the library's name, e.g. 中秋节 (a user's own festival: its name)
    english: str | None  # None for a user's own festival
    calendar: str  # GREGORIAN, LUNAR or SOLAR_TERM
    aliases: tuple[str, ...] = ()
    month_day: tuple[int, int] | None = None  # a user's own festival: its month and day

    @property
    def is_custom(self) -> bool:
        return self.month_day is not None


# In calendar order; `name` must be a name the library knows (a test checks).
FESTIVALS = (
    Festival("new-year", "元旦", "New Year's Day", GREGORIAN),
    Festival("spring-festival", "春节", "Spring Festival", LUNAR, ("chinese-new-year", "过年")),
    Festival("lantern", "元宵节", "Lantern Festival", LUNAR),
    Festival("qingming", "清明节", "Qingming", SOLAR_TERM, ("tomb-sweeping",)),
    Festival("labour-day", "劳动节", "Labour Day", GREGORIAN, ("labor-day", "五一")),
    Festival("dragon-boat", "端午节", "Dragon Boat Festival", LUNAR),
    Festival("qixi", "七夕节", "Qixi", LUNAR),
    Festival("mid-autumn", "中秋节", "Mid-Autumn Festival", LUNAR, ("moon-festival",)),
    Festival("national-day", "国庆节", "National Day", GREGORIAN, ("十一",)),
    Festival("double-ninth", "重阳节", "Double Ninth Festival", LUNAR),
    Festival("laba", "腊八节", "Laba Festival", LUNAR),
    Festival("new-years-eve", "除夕", "Chinese New Year's Eve", LUNAR, ("大年三十",)),
)
BY_KEY = {f.key: f for f in FESTIVALS}


def names(festival: Festival) -> set[str]:
    """Every name `festival` is found by, folded: key, name, name with or without 节,
    English name, aliases."""
    short = festival.name.removesuffix("节")
    given = (festival.key, festival.name, short, short + "节", festival.english or "")
    return {validate.fold(n) for n in (*given, *festival.aliases) if n}


def bracketed(text: str) -> tuple[str, str] | None:
    """(the name, the part in brackets) of `text` written `NAME（PART）` (brackets full- or
    half-width), as crm's own lists write a festival with its key or English name beside it
    (`元宵节（lantern）`, `元宵节 (Lantern Festival)`), folded as `names` folds; None for any
    other text, and for one longer than a name may be (validate.MAX_TEXT). Read with str
    methods, in time linear in its length."""
    if len(text.strip()) > validate.MAX_TEXT:  # no festival's name is longer
        return None
    said = unicodedata.normalize("NFKC", text).strip()
    if not said.endswith(")"):
        return None
    start = said.rfind("(", 0, len(said) - 1)
    name, part = said[:start].rstrip(), said[start + 1 : -1].strip()
    if start < 0 or "\n" in name or ")" in part:
        return None
    folded = validate.fold(name), validate.fold(part)
    return folded if all(folded) else None


def find(text: str, among: Sequence[Festival] = FESTIVALS) -> Festival:
    """A festival of `among` by key, Chinese name (with or without 节) or English name, or
    by two of them as a list writes it (`元宵节（lantern）`); InvalidInput when none is."""
    wanted = validate.fold(text)
    for festival in among:
        if wanted in names(festival):
            return festival
    parts = bracketed(text)
    for festival in among if parts else ():
        if set(parts) <= names(festival):  # type: ignore[arg-type]
            return festival
    known = _(", ").join(label(f) for f in among)  # by name, as one types it: no key
    raise InvalidInput(
        _("unknown festival {text!r}; known: {known}").format(text=text.strip(), known=known)
    )


def custom(name: str, calendar: str, month: int, day: int) -> Festival:
    """A user's own festival, every year on `month`-`day` of its calendar."""
    return Festival(name, name, None, calendar, (), (month, day))


def festival_day(text: str, calendar: str, option: str) -> tuple[str, int, int]:
    """(calendar, month, day) of a festival typed for `option` of `calendar` (GREGORIAN for
    --date, LUNAR for --lunar): `MM-DD`, `12月25日` or `十二月二十五号`, and a lunar day as
    Chinese names it (`八月十五`, `腊月初八`, `农历八月十五`, `lunar:08-15`; see
    crmcli.core.lunar.read_chinese), which is lunar given to --date too. Raises InvalidInput
    naming `option` for a day that no year has (a leap month: a festival is kept in none)."""
    from crmcli.core import lunar

    raw = unicodedata.normalize("NFKC", text).strip()
    unprefixed = lunar.strip_prefix(raw)
    if unprefixed is not None:
        calendar, raw = LUNAR, unprefixed.strip()
    said = lunar.read_chinese(raw)
    calendar = LUNAR if said and said.lunar else calendar
    if said is None or said.leap:
        return calendar, *month_day(raw, calendar, option, typed=text)
    return calendar, *month_day(f"{said.month}-{said.day}", calendar, option, typed=text)


def month_day(
    text: str, calendar: str, option: str, *, typed: str | None = None
) -> tuple[int, int]:
    """(month, day) from `MM-DD` (`12-25`, `8-8`, full-width digits too) of the Gregorian or
    lunar calendar: a day some year has (02-29 yes, 02-30 no; a lunar month has 30 days at
    most). Raises InvalidInput naming `option` and quoting `typed` (by default `text`)."""
    found = re.fullmatch(_MONTH_DAY, unicodedata.normalize("NFKC", text).strip())
    month, day = (int(found[1]), int(found[2])) if found else (0, 0)
    longest = (30,) * 12 if calendar == LUNAR else _LONGEST
    if not (1 <= month <= 12 and 1 <= day <= longest[month - 1]):
        said = (
            _(
                "{option} {value!r} is not a lunar month and day of any year; write MM-DD, "
                "e.g. 08-15"
            )
            if calendar == LUNAR
            else _("{option} {value!r} is not a month and day of any year; write MM-DD, e.g. 12-25")
        )
        raise InvalidInput(said.format(option=option, value=(typed or text).strip()))
    return month, day


def describe(festival: Festival) -> str:
    """When a user's own festival comes back: `every year on 12-25`, `... on lunar 08-15`."""
    month, day = festival.month_day or (0, 0)
    if festival.calendar == LUNAR:
        return _("every year on lunar {day}").format(day=month_day_said(LUNAR, month, day))
    return _("every year on {day}").format(day=month_day_said(GREGORIAN, month, day))


def month_day_said(calendar: str, month: int, day: int) -> str:
    """A yearly day of `calendar` as the run's language says it: `12-08` in English; in
    Chinese a lunar one as the calendar names it (`腊月初八`), a Gregorian one `12月25日`."""
    if current() != "zh":
        return f"{month:02d}-{day:02d}"
    if calendar == LUNAR:
        from crmcli.core.lunar import month_day_chinese

        return month_day_chinese(month, day)
    return f"{month}月{day}日"


@lru_cache(maxsize=1024)
def _day(festival: Festival, year: int) -> date | None:
    """The day `festival` falls on in lunar year `year` (Gregorian year for Gregorian ones
    and 清明)."""
    if festival.month_day is not None:
        month, day = festival.month_day
        if festival.calendar == LUNAR:
            from crmcli.core import lunar

            return lunar.anniversary(lunar.LunarDate(year, month, day), year)
        from crmcli.core import dates

        return dates.anniversary(date(dates.YEARLESS_YEAR, month, day), year)
    from tyme4py.festival import LunarFestival, SolarFestival

    table = SolarFestival if festival.calendar == GREGORIAN else LunarFestival
    found = table.from_index(year, table.NAMES.index(festival.name))
    if found is None:  # before the festival existed (国庆 before 1950)
        return None
    found_day = found.get_day()
    if festival.calendar != GREGORIAN:  # a day of the lunar tables (清明's too)
        found_day = found_day.get_solar_day()
    return date(found_day.get_year(), found_day.get_month(), found_day.get_day())


def occurrences(festival: Festival, start: date, end: date) -> list[date]:
    """Every day in [start, end] on which `festival` falls, in order."""
    years = range(start.year - 1 if festival.calendar == LUNAR else start.year, end.year + 1)
    days = (_day(festival, year) for year in years)
    return sorted(d for d in days if d is not None and start <= d <= end)


def in_window(
    start: date, end: date, among: Sequence[Festival] = FESTIVALS
) -> list[tuple[Festival, date]]:
    """(festival, day) for every festival of `among` falling in [start, end], by day."""
    found = [(f, day) for f in among for day in occurrences(f, start, end)]
    order = {f.key: i for i, f in enumerate(among)}
    return sorted(found, key=lambda item: (item[1], order[item[0].key]))


def next_on(festival: Festival, today: date) -> date:
    """The next day (today included) on which `festival` falls."""
    return occurrences(festival, today, date(today.year + 1, 12, 31))[0]


def label(festival: Festival) -> str:
    """A festival's name for a sentence: in English a built-in one by both its names
    (`中秋节 Mid-Autumn Festival`), in Chinese by its Chinese name alone (`中秋节`); a
    user's own festival by its name alone."""
    if festival.english and current() == "en":
        return f"{festival.name} {festival.english}"
    return festival.name
