"""The festivals a care list is built around, and the day each falls on.

Dates come from tyme4py's own festival tables, looked up by the festival's name: the lunar
ones (春节, 元宵, 端午, 七夕, 中秋, 重阳, 腊八, 除夕 — the last day of the lunar year, the
29th or 30th of the twelfth month) and 清明 (a solar term, 4 or 5 April) from
`LunarFestival`, the fixed Gregorian ones (元旦, 劳动节, 国庆) from `SolarFestival`. Nothing
here is a hand-kept table of dates.

A lunar festival of lunar year Y can fall in Gregorian year Y + 1 (腊八 and 除夕 in January or
February), and 腊八 can even fall twice in one Gregorian year (30 December and January), so
every function here works on Gregorian windows and asks for the lunar years around them.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import NamedTuple

from crmcli.core import validate
from crmcli.core.errors import InvalidInput


class Festival(NamedTuple):
    key: str  # stable English key, used in JSON and care rules
    name: str  # the library's name, e.g. 中秋节
    english: str
    lunar: bool  # from the lunar tables (清明 too: it is listed there as a solar term)
    aliases: tuple[str, ...] = ()


# In calendar order; `name` must be a name the library knows (a test checks).
FESTIVALS = (
    Festival("new-year", "元旦", "New Year's Day", False),
    Festival("spring-festival", "春节", "Spring Festival", True, ("chinese-new-year", "过年")),
    Festival("lantern", "元宵节", "Lantern Festival", True),
    Festival("qingming", "清明节", "Qingming", True, ("tomb-sweeping",)),
    Festival("labour-day", "劳动节", "Labour Day", False, ("labor-day", "五一")),
    Festival("dragon-boat", "端午节", "Dragon Boat Festival", True),
    Festival("qixi", "七夕节", "Qixi", True),
    Festival("mid-autumn", "中秋节", "Mid-Autumn Festival", True, ("moon-festival",)),
    Festival("national-day", "国庆节", "National Day", False, ("十一",)),
    Festival("double-ninth", "重阳节", "Double Ninth Festival", True),
    Festival("laba", "腊八节", "Laba Festival", True),
    Festival("new-years-eve", "除夕", "Chinese New Year's Eve", True, ("大年三十",)),
)
BY_KEY = {f.key: f for f in FESTIVALS}


def _names(festival: Festival) -> set[str]:
    short = festival.name.removesuffix("节")
    return {
        validate.fold(n)
        for n in (festival.key, festival.name, short, short + "节", festival.english,
                  *festival.aliases)
    }  # fmt: skip


def find(text: str) -> Festival:
    """A festival by key, Chinese name (with or without 节) or English name; InvalidInput."""
    wanted = validate.fold(text)
    for festival in FESTIVALS:
        if wanted in _names(festival):
            return festival
    known = ", ".join(f"{f.name} ({f.key})" for f in FESTIVALS)
    raise InvalidInput(f"unknown festival {text.strip()!r}; known: {known}")


@lru_cache(maxsize=1024)
def _library_day(festival: Festival, year: int) -> date | None:
    """The day `festival` falls on in lunar year `year` (Gregorian year for fixed ones)."""
    from tyme4py.festival import LunarFestival, SolarFestival

    table = LunarFestival if festival.lunar else SolarFestival
    found = table.from_index(year, table.NAMES.index(festival.name))
    if found is None:  # before the festival existed (国庆 before 1950)
        return None
    day = found.get_day()
    if festival.lunar:
        day = day.get_solar_day()
    return date(day.get_year(), day.get_month(), day.get_day())


def occurrences(festival: Festival, start: date, end: date) -> list[date]:
    """Every day in [start, end] on which `festival` falls, in order."""
    years = range(start.year - 1 if festival.lunar else start.year, end.year + 1)
    days = (_library_day(festival, year) for year in years)
    return sorted(d for d in days if d is not None and start <= d <= end)


def in_window(start: date, end: date, only: Festival | None = None) -> list[tuple[Festival, date]]:
    """(festival, day) for every festival falling in [start, end], by day."""
    chosen = [only] if only else FESTIVALS
    found = [(f, day) for f in chosen for day in occurrences(f, start, end)]
    order = {f.key: i for i, f in enumerate(FESTIVALS)}
    return sorted(found, key=lambda item: (item[1], order[item[0].key]))


def next_on(festival: Festival, today: date) -> date:
    """The next day (today included) on which `festival` falls."""
    return occurrences(festival, today, date(today.year + 1, 12, 31))[0]


def label(festival: Festival) -> str:
    """`中秋节 Mid-Autumn Festival`."""
    return f"{festival.name} {festival.english}"
