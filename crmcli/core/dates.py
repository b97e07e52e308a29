"""Parse the dates, times and lengths a user types, once, at the edge: one grammar for every
option that takes a date or a date-time (`--at`, `--due`, `--since`, `--until`, `--as-of`,
`crm task snooze`, `--follow-up`, `--birthday`, `--where` dates, import columns).

The grammar (docs/conventions.md shows it with a table of examples, which tests replay):
- a day: ISO (`2026-11-22`, `20261122`, `2026/11/22`, `2026.11.22`), `2026年11月22日`,
  `2026年十一月二十二日`, `22 Nov 2026`, `Nov 22, 2026`, `11/22/2026` (see slashes below);
  `today`, `tomorrow`, `yesterday` (今天, 明天, 后天, 大后天, 昨天, 前天, 大前天); `月底` (this
  month's last day; `月底前` by then, the same day), `年底` (this year's 31 December),
  `元旦` (1 January, as `1月1日` is read),
  `下个月` (`下月初`: next month's first day); offsets `+3d`, `-2w`, `1m`, `1y` (unsigned is
  ahead), `in 3 days`, `3 days ago`, `3天后`, `2周前`, `两天后`, `一个月前`; `周末` (a
  Saturday, as a bare weekday is read; `下周末`); weekdays `fri`, `next fri` (the first
  Friday after today), `last fri` (the last one before today), `周五` (`周5`, `星期5`;
  `周7` Sunday), `下周五` (Friday
  of next week, weeks starting on Monday), `上周五`, `本周五`, `下下周五` (the week after
  next), `上上周五`; a day of the year without its year: `Jan 5`, `5 Jan`, `11月22日`,
  `1/5`, `12.25`, `十二月三十一日`; a day of the month (`15号`, by direction), `下月15号`.
- a time, alone (today at that time) or before or after a day: `15:00`, `15:00:30`, `3pm`,
  `3:30 PM`, `noon`, `midnight`, `下午3点`, `下午三点一刻`, `9点半`, `晚上8:30`; an hour 1-6
  without its part of the day (`3点`) is refused, not guessed. A Chinese part of the day takes
  only its own hours (`_ZH_HOURS`): `晚上12点` is the next day's 00:00, `晚上1点` is refused.
  A day run into its part is read written out (`昨晚8点` is `昨天晚上8点`, `今早` `今天早上`);
  the night (`夜里`, `半夜`) runs past midnight, so `昨天夜里1点` is 01:00 today. A day with
  a part and no hour (`今晚`) is that day where a day is wanted (`--due`); so is a day with
  its time where the time is dropped: `12月31日晚上12点` is 31 December, not 1 January.
  An option that takes a day alone (`--since`) refuses a time rather than drop it.
- a moment from now (parse_datetime only): `now`, `现在`, `刚才` (just now: now), `半小时前`,
  `2小时前`, `十分钟后`.
- slashes: `A/B` (and `A.B`, `A/B/YYYY`, `A.B.YYYY`) are read as month/day or day/month only when
  just one of the two readings is a real date (`13/5` is 13 May, `5/13` 13 May); when both
  are (`1/5`) it is refused as ambiguous, unless they are the same day (`5/5`). Where the
  order is known (`in_order`: `crm import --day-first`, `--month-first`), that reading
  alone is taken, and a text it does not make a real day is refused.
- A form that names a day without saying which one (a day of the year without its year, a
  bare weekday such as `fri` or `周五`) is resolved by the option's direction: the next one,
  today included, for options about the future (`--due`, snooze, `--follow-up`); the last
  one, today included, for options about the past (`--at`, `--since`, `--until`, `--as-of`);
  options with no direction (`--birthday`) refuse it and ask for the year.
- a day of the year kept without its year, the form RFC 6350 (vCard) and ISO 8601 give it:
  `--05-13` (vCard 3.0 phones write `--0513`). Only where a yearly day may have no year
  (`--birthday`, `crm date add`, imports): `parse_yearless` reads it and `stored_day` reads
  it back; it is stored as `--MM-DD`.
Nothing is ever filled in from a default date: a text that is none of these is refused with
the accepted forms. A time that does not exist in the local zone (in the gap of a daylight
saving change) is refused too.

Two kinds of length are parsed here too, and the letter `m` means different things in them:
- a *period* (`parse_period`: `--every 1m`, `--within 7d`, `--due-within 2w`, cadences) counts
  calendar units: d days, w weeks, m months, y years. `1m` is one month.
- a *duration* (`parse_duration`: `--duration 15m`) is elapsed clock time: s seconds,
  m minutes, h hours, d days, combinable (`1h30m`); a bare number is minutes. `15m` is
  fifteen minutes. In Chinese: 分钟 (分), 秒, 小时 (钟头), 天, and half hours (`半小时`,
  `1个半小时`, `1小时半`).
Each parser rejects the other's units with a hint, so `--duration 2mo` or `--every 15min`
never silently mean something else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, NamedTuple, TypeVar

from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import N_, Said, _, current

Direction = Literal["past", "future", "none"]
D = TypeVar("D", date, datetime)

WEEKDAYS = {
    name: index
    for index, names in enumerate(
        [
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        ]
    )
    for name in names
}
_ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_ZH_WEEKDAYS |= {str(number): number - 1 for number in range(1, 8)}  # 周5, 星期7 (Sunday)
MONTHS = {
    name: index + 1
    for index, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for name in names
}
DAY_NAMES = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))

# What a day counted in hours or minutes (`2小时前` where a day is wanted) is told to write.
IN_DAYS = N_("count in days (in 3 days, 2 days ago, +3d) or name the day (today, tomorrow, fri)")
HELP = N_(
    "use a day such as 2026-11-22, Jan 5, 11月22日, today, tomorrow, fri, next fri, in 3 days, "
    "+3d or -2w, optionally with a time such as 15:00, 3pm or 下午3点 (see docs/conventions.md)"
)

# The same for an option about what happened (`--at`): days in the past.
PAST_HELP = N_(
    "use a day such as 2026-11-22, Jan 5, 11月22日, today, yesterday, last fri, 3 days ago or "
    "-2w, optionally with a time such as 15:00, 3pm or 下午3点 (see docs/conventions.md)"
)

# What a day or a period (`--since`, `--until`, `--as-of`) may be written as.
BOUND_HELP = N_(
    "use a day such as 2026-11-22, Jan 5, 11月22日, yesterday, last fri or -2w, or a week, "
    "month, quarter or year such as last month, 2026-11, 2026Q4, 2026年第4季度 or 上个月 "
    "(see docs/conventions.md)"
)

# The patterns are strings, not compiled: `re` compiles each on its first use and keeps it, so
# a command that reads no date does not compile them all at start-up.
_UNIT = r"(d|days?|w|wks?|weeks?|m|mos?|months?|y|yrs?|years?)"
_OFFSET = r"([+-]?)\s*(\d{1,4})\s*" + _UNIT
_IN_OFFSET = r"in\s+(\d{1,4})\s*" + _UNIT
_AGO_OFFSET = r"(\d{1,4})\s*" + _UNIT + r"\s+ago"
_ZH_OFFSET = (
    r"(\d{1,4}|[零一二两三四五六七八九十百千]{1,7})\s*(天|日|周|个?星期|个?礼拜|个月|年)"
    r"\s*(以?后|之后|以?前|之前)"
)
# A moment some hours or minutes from now, for `--at`: 2小时前, 两个小时前, 半小时前,
# 一个半小时前, 30分钟前, 十分钟后.
_ZH_MOMENT = (
    r"(?:(\d{1,4}|[零一二两三四五六七八九十百千]{1,7})\s*(个)?\s*(半)?|(半)\s*个?)\s*"
    r"(小时|钟头|分钟)\s*(以?后|之后|以?前|之前)"
)
# Words for the present moment: 刚才 and 刚刚 (just now) are read as now.
_ZH_NOW = ("现在", "此刻", "刚才", "刚刚")
# A day and its part run together: 昨晚 is 昨天晚上, 今早 今天早上, 昨夜 昨天夜里.
_ZH_DAY_PARTS = {
    "昨晚": "昨天晚上", "今晚": "今天晚上", "明晚": "明天晚上",
    "昨早": "昨天早上", "今早": "今天早上", "明早": "明天早上",
    "今晨": "今天早晨", "明晨": "明天早晨",
    "昨夜": "昨天夜里", "今夜": "今天夜里", "明夜": "明天夜里",
}  # fmt: skip
_ZH_UNITS = {"天": "d", "日": "d", "周": "w", "个月": "m", "年": "y"}
_ISO = (
    r"(?i)\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?:z|[+-]\d{2}:?\d{2})?"
)
_YEAR_FIRST = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
_ZH_MONTH_DAY = (
    r"(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*[日号]"
)
# A day of a year with its month and day in Chinese numerals (`2026年十二月三十一日`).
_ZH_YEAR_DAY = (
    r"(\d{4})\s*年\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月"
    r"\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*[日号]?"
)
# A day of the month without its month (`15号`, `十五日`), or of this, next or last month
# (`下月15号`, `上个月三十日`).
_ZH_MONTH_DATE = r"(本|这个?|下个?|上个?)?(?(1)月)\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*[日号]"
_SLASH = r"(\d{1,2})/(\d{1,2})(?:/(\d{4}))?|(\d{1,2})\.(\d{1,2})(?:\.(\d{4}))?"
_ORD = r"(?:st|nd|rd|th)?"
_MONTH_FIRST = r"([a-z]{3,9})\.?\s*(\d{1,2})" + _ORD + r"(?:,?\s+(\d{4}))?"
_DAY_FIRST = r"(\d{1,2})" + _ORD + r"\s*([a-z]{3,9})\.?(?:,?\s+(\d{4}))?"
_WEEKDAY = r"(?:(next|last|this)\s+)?([a-z]+)"
_ZH_WEEKDAY = r"(下下|上上|下|上|这|本)?\s*(?:周|星期|礼拜)([一二三四五六日天1-7])"
_ZH_WORDS = {
    "今天": 0,
    "现在": 0,
    "今日": 0,
    "明天": 1,
    "明日": 1,
    "后天": 2,
    "大后天": 3,
    "昨天": -1,
    "昨日": -1,
    "前天": -2,
    "大前天": -3,
}
_EN_WORDS = {"today": 0, "now": 0, "tomorrow": 1, "yesterday": -1}

_CLOCK = r"(\d{1,2}):(\d{2})(?::(\d{2}))?"
# An ISO date and time with its UTC offset after a space (`2026-11-02 14:05:33 +0800`, as
# Shopify's exports write it): the offset joined to the time, as ISO writes it.
_SPACED_OFFSET = (
    r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)\s+([+-]\d{2}:?\d{2})$"
)
_AM_PM = r"(\d{1,2})(?::(\d{2})(?::(\d{2}))?)?\s*([ap])\.?m\.?"
_ZH_PARTS = "上午|早上|早晨|凌晨|中午|下午|傍晚|晚上|夜里|半夜"
# The night runs past midnight: its hours are counted from the start of the day it begins on
# (24 and later are the next day's), so 昨天夜里1点 is 01:00 today, as 晚上12点 is 00:00.
_ZH_NIGHT = {"夜里": range(21, 30), "半夜": range(23, 30)}
# An hour each part of the day has, to show how a moment is written with its part.
_PART_EXAMPLES = {
    "上午": "10点", "早上": "8点", "早晨": "7点", "凌晨": "2点", "中午": "12点", "下午": "3点",
    "傍晚": "6点", "晚上": "8点", "夜里": "11点", "半夜": "1点",
}  # fmt: skip
# An hour and its minutes in digits or in Chinese numerals (`三点`, `两点半`, `十点十五分`,
# `3点一刻`: a quarter, 三刻 three).
_ZH_NUMERAL = r"\d{1,2}|[零一二两三四五六七八九十]{1,3}"
_ZH_CLOCK = (
    rf"({_ZH_PARTS})?\s*"
    rf"(?:({_ZH_NUMERAL})\s*[点點时時]\s*(?:(半)|([一三])刻|({_ZH_NUMERAL})\s*分?)?"
    r"|(\d{1,2}):(\d{2})(?::(\d{2}))?)"  # 下午 02:05:33, as Chinese Excel and WPS write it
)
# The hours of the day each Chinese period word covers. An hour written with it on the 12-hour
# clock (1-12) is the one hour of the period that shows it (下午3点 15:00, 凌晨12点 00:00); an
# hour on the 24-hour clock (0, 13-23) must lie in the period (下午15点). Anything else is
# refused, not guessed: 晚上1点 is after midnight (凌晨1点), 上午12点 could be noon or
# midnight. 晚上12点 is the midnight that ends that evening: 00:00 of the next day.
_ZH_HOURS = {
    "凌晨": range(0, 7),
    "早上": range(4, 12),
    "早晨": range(4, 12),
    "上午": range(1, 12),
    "中午": range(11, 15),
    "下午": range(12, 24),
    "傍晚": range(16, 20),
    "晚上": range(18, 24),
}


def show_day(day: date) -> str:
    """A day as confirmations echo it, weekday first: `Mon 2027-01-05`."""
    return _("{weekday} {day}").format(weekday=_(DAY_NAMES[day.weekday()]), day=day.isoformat())


def show_quarter(label: str) -> str:
    """A quarter as a table shows it to a person: `2026-Q4` is the key json/csv keep, and
    in Chinese `2026年第4季度`."""
    year, quarter = label.split("-Q")
    return _("{year}-Q{quarter}").format(year=year, quarter=quarter)


def show_week(label: str) -> str:
    """An ISO week as a table shows it to a person: `2026-W48` is the key json/csv keep, and
    English shows it so; in Chinese `2026年第48周`, the week's number as it is said (第2周)."""
    if current() == "en":
        return label
    year, week = label.split("-W")
    return _("week {week} of {year}").format(year=year, week=int(week))


def show_moment(moment: datetime | str) -> str:
    """A date-time (or a stored ISO timestamp) as confirmations echo it: `Wed 2026-11-26 15:00`,
    in local time (`2026-11-20T09:30+05:00` typed in Shanghai is `Fri 2026-11-20 12:30`), the
    clock the reader lives by."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    local = value.astimezone() if value.tzinfo else value
    return _("{weekday} {day} {time}").format(
        weekday=_(DAY_NAMES[local.weekday()]), day=local.date().isoformat(), time=f"{local:%H:%M}"
    )


class OutsideYears(InvalidInput):
    """A period applied to a day gave a day outside FIRST_YEAR to LAST_YEAR (a date typed
    as an offset says so in the words of a date typed outside them)."""


def add_offset(base: date, sign: int, amount: int, unit: str) -> date:
    """`base` moved by `amount` days/weeks/months/years (months clamp to the month's end).
    Every period crm applies to a day passes here (a repeat, a reminder horizon, a window):
    raises InvalidInput when the day it gives is outside the years crm keeps."""
    from dateutil.relativedelta import relativedelta

    unit = unit[0]
    step = {"d": "days", "w": "weeks", "m": "months", "y": "years"}[unit]
    moved = None
    with suppress(OverflowError, ValueError):
        moved = base + relativedelta(**{step: sign * amount})
    if moved is None or not FIRST_YEAR <= moved.year <= LAST_YEAR:
        raise OutsideYears(
            _("{day} {sign} {period} is outside the years {FIRST_YEAR} to {LAST_YEAR}").format(
                day=base.isoformat(),
                sign="-" if sign < 0 else "+",
                period=f"{amount}{unit}",
                FIRST_YEAR=FIRST_YEAR,
                LAST_YEAR=LAST_YEAR,
            )
        )
    return moved


def parse_date(text: str, today: date, *, direction: Direction, option: str | None = None) -> date:
    """A calendar day from user text. A time in it is left out, or, when `option` names an
    option that takes a day alone (`--since`), refused rather than dropped.

    `direction` says which day a text without a year or a bare weekday means: "future" the
    next one, "past" the last one (today included either way), "none" refuses it. Raises
    InvalidInput with the accepted forms.
    """
    raw = re.sub(_SPACED_OFFSET, r"\1\2", _normal(text))  # as parse_datetime reads it
    if re.fullmatch(_ISO, raw):
        with suppress(ValueError):  # the grammar below says what is wrong
            iso = datetime.fromisoformat(raw.upper()).date()
            if option and len(raw) > 10:
                raise _no_time(option, text, iso.isoformat())
            return _in_range(text, lambda: iso)
    day_text, clock = _split(_spaced(raw, direction))
    if option and clock is not None:
        raise _no_time(option, text, day_text or _("today"))  # the word the language types
    if re.fullmatch(_ZH_MOMENT, day_text) or re.fullmatch(_CLOCK_OFFSET, day_text.lower()):
        raise InvalidInput(  # 2小时前 where a day is wanted: no day at all
            _(
                "not a date: {text!r} counts hours or minutes, but a day is wanted here; {forms}"
            ).format(text=text.strip(), forms=_(IN_DAYS))
        )
    part = re.fullmatch(rf"(.+?)\s*(?:{_ZH_PARTS})", _day_parts(day_text))
    if part and not option:  # --due 今晚, 明天下午: that day
        day_text = part[1]
    # The time is dropped, so the day is the one written: `12月31日晚上12点` (the midnight
    # that ends the evening) and `明天夜里1点` (the night, past midnight) are that day's, as
    # a person files them, not the next day's that parse_datetime gives their moment.
    return _in_range(text, lambda: _day(day_text, today, direction) if day_text else today)


def with_day(text: str) -> str:
    """`text`, a moment read from a file, unless it is a time of day alone (`10:30`, `3pm`,
    `下午3点`: what follows a day), which parse_datetime reads as today at that time: a line
    of a file would be dated the day the file was imported (InvalidInput)."""
    try:
        parse_datetime(f"2000-01-03 {text}", _A_MONDAY, direction="past")
    except InvalidInput:
        return text
    if not text.strip():
        return text
    raise InvalidInput(
        _("no day: {text!r} is a time of day alone; give each row its day").format(
            text=text.strip()
        )
    )


_A_MONDAY = datetime(2000, 1, 3, 12, tzinfo=UTC)  # any moment: with_day reads no `now`


def names_time(text: str) -> bool:
    """Whether `text`, a date parse_date reads, names a time of day too (`明天下午3点`,
    `fri 3pm`, `2026-12-01T15:00`): parse_date keeps its day and leaves the time out, and
    the command says so, since a task or a date is kept by day."""
    raw = re.sub(_SPACED_OFFSET, r"\1\2", _normal(text))  # as parse_date reads it
    if re.fullmatch(_ISO, raw):
        return len(raw) > 10 and raw[10] in "Tt "
    try:
        return _split(_spaced(raw, "future"))[1] is not None
    except InvalidInput:
        return False


def time_not_kept(option: str, text: str | None) -> str | None:
    """The line a command prints on stderr when the day `option` took from `text` came with
    a time of day, which is not kept (None when it came with none)."""
    if text is None or not names_time(text):
        return None
    return _("{option} keeps the day only: the time of day in {text!r} is not kept").format(
        option=option, text=text.strip()
    )


# A whole week, month, quarter or year, for --since (its first day) and --until (its last):
# a quarter `2026Q4`, `2026-Q4`, `2026年第4季度`, `2026年4季度`, `2026年第四季度`; a month
# `2026-11`, `2026年11月`, or this year's `11月`, `十一月`; a year `2026年`; and these words,
# relative to today (a week runs from Monday to Sunday, as 上周五 counts it).
_SPAN_QUARTER = r"(\d{4})(?:-?q([1-4])|年(?:第?([1-4一二三四])季度?|q([1-4])))"
# an ISO week as a report shows it: `2026-W48`, `2026W48`, `2026年第48周`
_SPAN_WEEK = r"(\d{4})(?:-?w(\d{1,2})|年第?(\d{1,2})周)"
_SPAN_MONTH = r"(\d{4})(?:年(\d{1,2})月份?|-(\d{1,2}))"
# 正月 and 腊月 are months of the lunar calendar, and 两月 is no month's name: not read here.
_SPAN_BARE_MONTH = r"(\d{1,2}|[一二三四五六七八九十]{1,3})月份?"
_SPAN_YEAR = r"(\d{4})年度?"
# Half a year: this year's 上半年 (January to June) or 下半年, or a year's: 2026年上半年.
_SPAN_HALF = r"(?:(\d{4})年)?([上下])半年"
# The last days up to today, today one of them: 近7天 is today and the six before it;
# 最近30天, 过去两周, 近3个月 (the day after the same day three months ago, to today),
# 近半个月 (15 days), 近半年; any length _length reads.
_SPAN_RECENT = r"(?:最?近|过去)(.+)"
_SPAN_WORDS = {
    "本周": ("week", 0), "这周": ("week", 0), "这个星期": ("week", 0), "这星期": ("week", 0),
    "本星期": ("week", 0), "这个礼拜": ("week", 0), "这礼拜": ("week", 0),
    "上周": ("week", -1), "上个星期": ("week", -1), "上星期": ("week", -1),
    "上个礼拜": ("week", -1), "上礼拜": ("week", -1),
    "下周": ("week", 1), "下个星期": ("week", 1), "下星期": ("week", 1),
    "下个礼拜": ("week", 1), "下礼拜": ("week", 1),
    "本月": ("month", 0), "这个月": ("month", 0), "这月": ("month", 0), "当月": ("month", 0),
    "上个月": ("month", -1), "上月": ("month", -1),
    "下个月": ("month", 1), "下月": ("month", 1),
    "本季度": ("quarter", 0), "本季": ("quarter", 0), "这个季度": ("quarter", 0),
    "上季度": ("quarter", -1), "上个季度": ("quarter", -1), "上季": ("quarter", -1),
    "下季度": ("quarter", 1), "下个季度": ("quarter", 1),
    "今年": ("year", 0), "本年": ("year", 0), "去年": ("year", -1), "前年": ("year", -2),
    "明年": ("year", 1),
    "thisweek": ("week", 0), "lastweek": ("week", -1), "nextweek": ("week", 1),
    "thismonth": ("month", 0), "lastmonth": ("month", -1), "nextmonth": ("month", 1),
    "thisquarter": ("quarter", 0), "lastquarter": ("quarter", -1),
    "nextquarter": ("quarter", 1),
    "thisyear": ("year", 0), "lastyear": ("year", -1), "nextyear": ("year", 1),
}  # fmt: skip


def parse_span(text: str, today: date) -> tuple[date, date] | None:
    """The first and last day of the week, month, quarter or year that `text` names
    (`2026-W48`, `2026年第48周`, `2026Q4`, `2026年第4季度`, `2026年11月`, `2026-11`, this
    year's `11月`, `2026年`,
    `上周`, `上个月`, `本季度`, `last month`), or None when it names none (a day, or anything
    else, is for parse_date). Raises InvalidInput for a month or a year crm does not keep
    (`2026年13月`, `十三月`, `0999年`)."""
    from dateutil.relativedelta import relativedelta

    raw = "".join(_normal(text).split()).casefold()
    if _SPAN_WORDS.get(raw, ("",))[0] == "week":  # Monday to Sunday
        monday = today - timedelta(days=today.weekday(), weeks=-_SPAN_WORDS[raw][1])
        return _in_range(text, lambda: monday), _in_range(text, lambda: monday + timedelta(6))
    if raw in _SPAN_WORDS:
        unit, step = _SPAN_WORDS[raw]
        months = {"month": 1, "quarter": 3, "year": 12}[unit]
        start = date(
            today.year, 1 if unit == "year" else today.month - (today.month - 1) % months, 1
        )
        first = _in_range(text, lambda: start + relativedelta(months=step * months))
    elif match := re.fullmatch(_SPAN_WEEK, raw):
        monday = _week_start(text, int(match[1]), int(match[2] or match[3]))
        return monday, _in_range(text, lambda: monday + timedelta(6))
    elif match := re.fullmatch(_SPAN_QUARTER, raw):
        quarter = match[2] or match[3] or match[4]
        number = int(quarter) if quarter.isdigit() else "一二三四".index(quarter) + 1
        first, months = _span_start(text, int(match[1]), number * 3 - 2), 3
    elif match := re.fullmatch(_SPAN_MONTH, raw):
        first, months = _span_start(text, int(match[1]), int(match[2] or match[3])), 1
    elif match := re.fullmatch(_SPAN_YEAR, raw):
        first, months = _span_start(text, int(match[1]), 1), 12
    elif match := re.fullmatch(_SPAN_BARE_MONTH, raw):
        month = int(match[1]) if match[1].isdigit() else chinese_number(match[1]) or 0
        first, months = _span_start(text, today.year, month), 1
    elif match := re.fullmatch(_SPAN_HALF, raw):
        year = int(match[1]) if match[1] else today.year
        first, months = _span_start(text, year, 1 if match[2] == "上" else 7), 6
    elif (match := re.fullmatch(_SPAN_RECENT, raw)) and (length := _length(match[1])):
        return _in_range(text, lambda: add_offset(today, -1, *length) + timedelta(1)), today
    else:
        return None
    return first, _in_range(text, lambda: first + relativedelta(months=months, days=-1))


def parse_bound(text: str, today: date, *, last: bool, option: str) -> date:
    """A day that starts (`last` False: `--since`) or ends (`last` True: `--until`) a range:
    a day as parse_date reads it for the past, or the first or last day of the month,
    quarter or year `text` names (parse_span). Raises InvalidInput, whose forms to use name
    the periods too."""
    no_span = False  # parse_span read no period in `text` (and refused none)
    try:
        span = parse_span(text, today)
        if span is not None:
            return span[1] if last else span[0]
        no_span = True
        return parse_date(text, today, direction="past", option=option)
    except InvalidInput as error:  # the forms a day takes, and the periods beside them
        length = "".join(_normal(text).split())
        if no_span and _length(length):  # --since 半个月: the last 半个月, or its start?
            raise InvalidInput(
                _(
                    "{option} {text!r} is a length, not a day; write 近{length} for the days "
                    "up to today, or {length}前 for the day it began"
                ).format(option=option, text=text.strip(), length=length)
            ) from None
        message = error.message.replace(_(PAST_HELP), _(BOUND_HELP))
        raise InvalidInput(message.replace(_(HELP), _(BOUND_HELP))) from None


def _span_start(text: str, year: int, month: int) -> date:
    if not 1 <= month <= 12:
        raise InvalidInput(
            _("not a date: {text!r} (there is no such month); {HELP}").format(
                text=text.strip(), HELP=_(HELP)
            )
        )
    return _in_range(text, lambda: date(year, month, 1))


def _week_start(text: str, year: int, week: int) -> date:
    """The Monday of ISO week `week` of `year`; InvalidInput for a year crm does not keep
    and for a week the year has not (0, 54, the 53rd of a year of 52 weeks)."""
    last = _in_range(text, lambda: date(year, 12, 28)).isocalendar()[1]  # in the last week
    if not 1 <= week <= last:
        raise InvalidInput(
            _("not a date: {text!r} (there is no such week); {HELP}").format(
                text=text.strip(), HELP=_(HELP)
            )
        )
    return _in_range(text, lambda: date.fromisocalendar(year, week, 1))


def _no_time(option: str, text: str, day: str) -> InvalidInput:
    return InvalidInput(
        _(
            "{option} takes a day, not a time of day: {text!r}; write the day alone, e.g. {day}"
        ).format(option=option, text=text.strip(), day=day)
    )


def parse_datetime(text: str, now: datetime, *, direction: Direction) -> datetime:
    """A time-zone-aware date-time from user text: `now`, ISO, or a day and/or a time of day
    (a day alone is at 00:00, a time alone is today). `direction` is as for parse_date.

    A value without an offset is local wall-clock time; its offset comes from the local
    zone's rules on that date (so `2026-03-07 15:00` is -05:00 in New York even when `now`
    is already in daylight-saving time). Raises InvalidInput, also for a local time that
    does not exist (skipped by a daylight-saving change).
    """
    raw = re.sub(_SPACED_OFFSET, r"\1\2", _normal(text))  # 14:05:33 +0800: Shopify's
    value: datetime | None = None
    if re.fullmatch(_ISO, raw):
        with suppress(ValueError):  # the grammar below says what is wrong
            value = datetime.fromisoformat(raw.upper())
    if value is not None and value.tzinfo is not None:
        aware = value
        return _in_range(text, lambda: aware)
    if value is None:
        spaced = _spaced(raw, direction)
        if spaced.lower() == "now" or spaced in _ZH_NOW:
            return now
        if (match := re.fullmatch(_ZH_MOMENT, spaced)) and (ago := _zh_moment(match)):
            return _in_range(text, lambda: now + ago)
        day_text, clock = _split(spaced)
        part = re.fullmatch(rf"(.*?)\s*({_ZH_PARTS})", _day_parts(day_text))
        if part and clock is None:  # --at 昨晚: a moment needs its hour
            raise InvalidInput(
                _("{text!r} names no hour; write it with one, e.g. {example}").format(
                    text=text.strip(), example=f"{day_text}{_PART_EXAMPLES[part[2]]}"
                )
            )

        def day() -> date:
            return _day(day_text, now.date(), direction) if day_text else now.date()

        value = datetime.combine(_in_range(text, day), time(0)) + (clock or timedelta(0))
    return _in_range(text, lambda: _local(value))


def _zh_moment(match: re.Match[str]) -> timedelta | None:
    """How far from now a _ZH_MOMENT (`2小时前`, `半小时前`, `十分钟后`) is, negative for a
    moment before it; None when its count is no number (`二十两分钟前`) or it says none."""
    count, ge, half, half_alone, unit, way = match.groups()
    if (ge or half) and unit == "分钟":  # 一分半钟, not 1个半分钟
        return None
    amount = _count(count) if count else 0
    seconds = {"小时": 3600, "钟头": 3600, "分钟": 60}[unit]
    if amount is None or not (amount or half or half_alone):
        return None
    total = timedelta(seconds=amount * seconds + (seconds // 2 if half or half_alone else 0))
    return total if "后" in way else -total


def _normal(text: str) -> str:
    """`text` with full-width forms made plain (`３点`, `１５：００`) and spaces trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def _spaced(raw: str, direction: Direction) -> str:
    """`raw` with single spaces (its case kept, for the messages); refuses an empty text."""
    spaced = " ".join(raw.split())
    if not spaced:
        raise InvalidInput(_("empty date; {HELP}").format(HELP=_help(direction)))
    return spaced


# Every date lies in these years: one outside them (`0001-01-01`, a typo of the year) is
# refused, so no later step (local time, anniversaries, offsets) runs off the calendar.
FIRST_YEAR, LAST_YEAR = 1000, 2999


def _in_range(text: str, make: Callable[[], D]) -> D:
    """`make()`, a date or date-time in the years FIRST_YEAR to LAST_YEAR; InvalidInput
    when it is outside them or off the calendar altogether."""
    try:
        value = make()
    except (OverflowError, OSError, ValueError, OutsideYears):
        value = None
    if value is None or not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise InvalidInput(
            _("date {value!r} is outside the years {FIRST_YEAR} to {LAST_YEAR}").format(
                value=text.strip(), FIRST_YEAR=FIRST_YEAR, LAST_YEAR=LAST_YEAR
            )
        ) from None
    return value


def _local(naive: datetime) -> datetime:
    """Local wall-clock `naive` with the local zone's offset on that date; refuses a time
    that the zone skips (clocks put forward)."""
    aware = naive.astimezone()
    if aware.astimezone().replace(tzinfo=None) != naive:
        raise InvalidInput(
            _(
                "{naive:%Y-%m-%d %H:%M} does not exist in the local time zone (the "
                "clocks skip it for daylight saving); give a time outside the gap"
            ).format(naive=naive)
        )
    return aware


def _clock(text: str) -> timedelta | None:
    """The time of day that all of `text` says, as the time since the start of
    its day (a day and more for 晚上12点, the midnight that ends it), or None when it is no time.

    Raises InvalidInput for what is shaped like a time but is none (`25:00`, `13pm`).
    """
    typed, text = text, text.lower()
    if text in ("noon", "中午", "正午"):
        return timedelta(hours=12)
    if text in ("midnight", "午夜"):
        return timedelta(0)
    days = 0
    if match := re.fullmatch(_CLOCK, text):
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    elif match := re.fullmatch(_AM_PM, text):
        hour, minute, second = int(match[1]), int(match[2] or 0), int(match[3] or 0)
        valid = 1 <= hour <= 12  # 13pm and 0am are refused below
        hour = hour % 12 + (12 if match[4] == "p" else 0) if valid else 99
    elif match := re.fullmatch(_ZH_CLOCK, text):
        part, second = match[1], 0
        if match[2]:
            quarters = {"半": 2, "一": 1, "三": 3}.get(match[3] or match[4], 0)
            hour, minute = _zh_numeral(match[2]), _zh_numeral(match[5] or "0") + quarters * 15
            if not part and 1 <= hour <= 6:  # 3点: at night or in the afternoon? not guessed
                raise InvalidInput(  # its minutes kept: 下午两点半 (14:30), not 下午2点
                    _(
                        "{typed!r} could be at night or in the afternoon; write 下午{said} "
                        "({clock}) or 凌晨{said}"
                    ).format(typed=typed, said=typed.strip(), clock=f"{hour + 12}:{minute:02}")
                )
        else:
            hour, minute, second = int(match[6]), int(match[7]), int(match[8] or 0)
            if part == "上午" and hour == 12 and match[8] is not None:
                part, hour = "", 0  # a spreadsheet's 12-hour clock: 上午 12:30:00 is 00:30
        if part in _ZH_NIGHT:
            days, hour = divmod(_night_hour(part, hour, typed), 24)
        elif part:
            days, hour = divmod(_zh_hour(part, hour, typed), 24)
    else:
        return None
    try:
        time(hour, minute, second)
    except ValueError:
        raise InvalidInput(
            _(
                "not a time of day: {typed!r}; use e.g. 15:00, 3pm, 3:30 PM, noon, "
                "midnight or 下午3点"
            ).format(typed=typed)
        ) from None
    return timedelta(days=days, hours=hour, minutes=minute, seconds=second)


def _zh_numeral(text: str) -> int:
    """An hour or a minute in digits or in Chinese (`3`, `十二`, `零`, `零五`); 99, no hour
    or minute, for Chinese that makes no number (`十十`, `零零`)."""
    if text.isdigit():
        return int(text)
    if text == "零":
        return 0
    found = chinese_number(text[1:] if text[0] == "零" else text)  # 零五分
    return 99 if found is None else found


def _zh_hour(part: str, hour: int, text: str) -> int:
    """The hour of the day that `hour` with the period word `part` names (24 for 晚上12点,
    the midnight that ends the evening); InvalidInput when the period has no such hour."""
    hours = _ZH_HOURS[part]
    if part == "晚上" and hour == 12:
        return 24
    if 1 <= hour <= 12:
        found = [h for h in (hour % 12, hour % 12 + 12) if h in hours]
        if found:
            return found[0]
    elif hour in hours:
        return hour
    if part == "晚上" and 0 <= hour < 6:
        said = _(
            "not a time of day: {text!r}; after midnight is 凌晨: write 凌晨{hour}点 ({clock}) "
            "with the day it falls on"
        ).format(text=text, hour=hour, clock=f"{hour:02}:00")
    elif part == "上午" and hour == 12:
        said = _(
            "not a time of day: {text!r}; write 中午12点 for noon or 凌晨0点 for midnight"
        ).format(text=text)
    else:
        said = _(
            "not a time of day: {text!r}; {part} runs from {first} to {last}; write the time "
            "on the 24-hour clock"
        ).format(text=text, part=part, first=f"{hours[0]:02}:00", last=f"{hours[-1]:02}:59")
    raise InvalidInput(said)


def _night_hour(part: str, hour: int, text: str) -> int:
    """The hour, from the start of the day the night begins on, that `hour` with 夜里 or
    半夜 names (25 for 夜里1点: 01:00 of the next day); InvalidInput for an hour of the day."""
    hours = _ZH_NIGHT[part]
    if 1 <= hour <= 12:  # 9 is 21, 1 is 25 (01:00 of the next day), 12 is 24
        said = (hour % 12 + 12, hour % 12 + 24)
    else:  # on the 24-hour clock: 0 is the next day's 00:00
        said = (24,) if hour == 0 else (hour,) if hour <= 23 else ()
    found = [h for h in said if h in hours]
    if not found:
        raise InvalidInput(
            _(
                "not a time of day: {text!r}; {part} runs from {first:02}:00 to {last:02}:59 "
                "of the next day"
            ).format(text=text, part=part, first=hours[0], last=hours[-1] - 24)
        )
    return found[0]


def _split(text: str) -> tuple[str, timedelta | None]:
    """`text` as (its day part, its time of day or None). The time may follow
    the day (`fri 3pm`, `明天下午3点`, `2026-11-26t15:00`, `tomorrow at noon`) or lead it
    (`3pm fri`); a time alone leaves the day part empty. A day run into its part (`昨晚`,
    `今早`) is read as both written out (`昨天晚上`); without a time it is kept as typed."""
    typed, text = text, _day_parts(text)
    clock = _clock(text)
    if clock is not None:
        return "", clock
    for i in range(1, len(text)):
        before = text[i - 1]
        if (
            before == " "
            or not before.isascii()
            or (before in "tT" and text[i - 2 : i - 1].isdigit())
            or re.match(_ZH_PARTS, text[i:])  # 周5下午3点, 2026-12-04下午3点
        ):
            clock = _clock(text[i:].strip())
            if clock is not None:
                day = re.sub(r"(?i)(?<=\d)t$|,$|(?:^|\s)at$", "", text[:i].strip()).strip()
                return day, clock
    for i in range(len(text) - 1, 0, -1):  # the longest time first: `12:00 am fri`
        if text[i] == " ":
            clock = _clock(text[:i])
            if clock is not None:
                return text[i + 1 :], clock
    return typed, None


def _day_parts(text: str) -> str:
    """`text` with a day run into its part written out: `昨晚8点` is `昨天晚上8点`."""
    return _ZH_DAY_PARTS.get(text[:2], text[:2]) + text[2:]


def _day(text: str, today: date, direction: Direction) -> date:
    """The calendar day that all of `text` (no time in it) names; messages quote it as typed."""
    typed, text = text, text.lower()
    if text in _EN_WORDS:
        return today + timedelta(days=_EN_WORDS[text])
    if text in _ZH_WORDS:
        return today + timedelta(days=_ZH_WORDS[text])
    if text in ("月底", "月末", "月底前", "月末前"):  # the last day of this month (by it)
        return (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if text in ("年底", "年末", "年底前", "年末前"):  # the last day of this year, as 月底
        return today.replace(month=12, day=31)
    if text == "元旦":  # New Year's Day: the next or the last, as 1月1日
        return _yearless(1, 1, today, direction, typed)
    if text in ("下个月", "下月", "下月初", "下个月初"):  # the first day of next month
        return (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    if match := re.fullmatch(r"(下下|上上|下|上|这|本)?\s*周末", text):  # its Saturday
        return _weekday(match[1], 5, today, direction, typed)
    if match := re.fullmatch(_YEAR_FIRST, text):
        return _real(int(match[1]), int(match[2]), int(match[3]), typed)
    if re.fullmatch(r"\d{8}", text):
        return _real(int(text[:4]), int(text[4:6]), int(text[6:]), typed)
    if match := re.fullmatch(_ZH_YEAR_DAY, text):
        return _real(int(match[1]), _count(match[2]) or 0, _count(match[3]) or 0, typed)
    if match := re.fullmatch(_ZH_MONTH_DAY, text):
        month, day = _count(match[1]) or 0, _count(match[2]) or 0
        return _yearless(month, day, today, direction, typed)
    if match := re.fullmatch(_ZH_MONTH_DATE, text):
        return _day_of_month(match[1], _count(match[2]) or 0, today, direction, typed)
    if match := re.fullmatch(_OFFSET, text):
        return add_offset(today, -1 if match[1] == "-" else 1, int(match[2]), match[3])
    if match := re.fullmatch(_IN_OFFSET, text):
        return add_offset(today, 1, int(match[1]), match[2])
    if match := re.fullmatch(_AGO_OFFSET, text):
        return add_offset(today, -1, int(match[1]), match[2])
    if match := re.fullmatch(_ZH_OFFSET, text):
        unit, amount = _ZH_UNITS.get(match[2], "w"), _count(match[1])
        if amount is not None:
            return add_offset(today, 1 if "后" in match[3] else -1, amount, unit)
    if (match := re.fullmatch(_ZH_LENGTH_OFFSET, text)) and (length := _length(match[1])):
        return add_offset(today, 1 if "后" in match[2] else -1, *length)  # 半个月后, 半年前
    if match := re.fullmatch(_ZH_WEEKDAY, text):
        return _weekday(match[1], _ZH_WEEKDAYS[match[2]], today, direction, typed)
    if match := re.fullmatch(_SLASH, text):
        first, second, year = (match[1], match[2], match[3]) if match[1] else match.groups()[3:]
        return _slashed(
            int(first), int(second), int(year) if year else None, today, direction, typed
        )
    if (match := re.fullmatch(_MONTH_FIRST, text)) and match[1] in MONTHS:
        return _named(MONTHS[match[1]], int(match[2]), match[3], today, direction, typed)
    if (match := re.fullmatch(_DAY_FIRST, text)) and match[2] in MONTHS:
        return _named(MONTHS[match[2]], int(match[1]), match[3], today, direction, typed)
    if (match := re.fullmatch(_WEEKDAY, text)) and match[2] in WEEKDAYS:
        return _weekday(match[1], WEEKDAYS[match[2]], today, direction, typed)
    raise InvalidInput(_refusal(typed, _help(direction)))


# An offset written with a Chinese period that _ZH_OFFSET does not take: 半个月后 (15 days),
# 半年前, 一个半月后 (45 days), 一年半后, 2个季度后.
_ZH_LENGTH_OFFSET = r"(.+?)\s*(以?后|之后|以?前|之前)"
# Hours or minutes from now, which name a moment, not a day: 2 hours ago, in 30 minutes, -2h.
_CLOCK_OFFSET = r"(?:in\s+|[+-]\s*)?\d{1,4}\s*(?:h|hrs?|hours?|mins?|minutes?)(?:\s+ago)?"


def _length(text: str) -> tuple[int, str] | None:
    """(amount, unit) of a length in Chinese (`半个月`, `两个季度`, `7天`), not a repeat
    (`每周`), of at least one unit; None for anything else."""
    try:
        found = _chinese_period(text, repeat=False, option="", text=text)
    except InvalidInput:  # 每周后: a repeat is no length
        return None
    return found if found and found[0] > 0 else None


def _help(direction: Direction) -> str:
    """The forms of a date to offer: days in the past for an option about what happened."""
    return _(PAST_HELP) if direction == "past" else _(HELP)


def _refusal(text: str, forms: str) -> str:
    """Why `text` is no date, with the accepted forms (`forms`, for the option's direction)."""
    if text.lower() in MONTHS:
        said = _("not a date: {text!r} is a month; name the day too, e.g. {text} 5; {HELP}")
        return said.format(text=text, HELP=forms)
    bare = re.fullmatch(r"([+-]?)(\d+)", text)
    if bare and not bare[1] and len(bare[2]) == 4:
        said = _("not a date: {text!r} is a year alone; write the day, e.g. {text}-01-31; {HELP}")
        return said.format(text=text, HELP=forms)
    if bare and len(bare[2]) <= 3:  # `5` and `-5`: say what was probably meant (not of a
        # number no one counts days in: a Unix time's 1733600000)
        said = (
            _("not a date: {text!r}; for {days} days ahead write +{days}d; {HELP}")
            if bare[1] == "+"
            else _("not a date: {text!r}; for {days} days ago write -{days}d; {HELP}")
        )
        return said.format(text=text, days=bare[2], HELP=forms)
    return _("not a date: {text!r}; {HELP}").format(text=text, HELP=forms)


def _real(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidInput(
            _("not a date: {text!r} (there is no such day); {HELP}").format(text=text, HELP=_(HELP))
        ) from None


def _named(
    month: int, day: int, year: str | None, today: date, direction: Direction, text: str
) -> date:
    if year:
        return _real(int(year), month, day, text)
    return _yearless(month, day, today, direction, text)


def _yearless(month: int, day: int, today: date, direction: Direction, text: str) -> date:
    """The next (future) or last (past) `month`-`day`, today included."""
    if not (1 <= month <= 12 and 1 <= day <= _LONGEST[month - 1]):
        raise InvalidInput(
            _("not a date: {text!r} (there is no such day); {HELP}").format(text=text, HELP=_(HELP))
        )
    if direction == "none":
        raise InvalidInput(
            _(
                "{text!r} has no year; write it with its year, e.g. "
                "{year}-{month:02}-{day:02}, or as --{month:02}-{day:02} if the year is "
                "not known"
            ).format(text=text, year=today.year, month=month, day=day)
        )
    step = 1 if direction == "future" else -1
    for years in range(9):  # 29 February comes back within eight years
        try:
            found = date(today.year + step * years, month, day)
        except ValueError:
            continue
        if (found >= today) if direction == "future" else (found <= today):
            return found
    raise OverflowError


_LONGEST = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _day_of_month(
    which: str | None, day: int, today: date, direction: Direction, text: str
) -> date:
    """Day `day` of this (本, 这), next (下) or last (上) month, or, with no month said
    (`15号`), of the next (future) or last (past) month that has it, today included."""
    if which is None and direction == "none":
        raise InvalidInput(
            _("{text!r} has no month; write it with its year and month, e.g. {example}").format(
                text=text, example=f"YYYY-MM-{day:02}"
            )
        )
    ahead = direction == "future"
    steps = [{"下": 1, "上": -1}.get(which[0], 0)] if which else [0, 1, 2] if ahead else [0, -1, -2]
    for step in steps:  # a 31st comes back within two months
        index = today.year * 12 + today.month - 1 + step
        with suppress(ValueError):
            found = date(index // 12, index % 12 + 1, day)
            if which or (found >= today if ahead else found <= today):
                return found
    raise InvalidInput(
        _("not a date: {text!r} (there is no such day); {HELP}").format(text=text, HELP=_(HELP))
    )


Order = Literal["day", "month", "either"]
# The order of a slashed date's numbers in what is being read: "day" (day/month) or "month"
# (month/day) where its user said it; "either" a file whose order was not said, and None
# what is typed, both taking whichever reading alone is a real day (a file's refusal of
# one that reads two ways names the options that say the order).
_ORDER: ContextVar[Order | None] = ContextVar("slashed_order", default=None)


@contextmanager
def in_order(order: Order) -> Iterator[None]:
    """Read slashed dates in the block with their numbers in `order`."""
    token = _ORDER.set(order)
    try:
        yield
    finally:
        _ORDER.reset(token)


def _slashed(
    first: int, second: int, year: int | None, today: date, direction: Direction, text: str
) -> date:
    """`first/second[/year]`: month/day or day/month, whichever alone is a real date, or
    the one the order said (`in_order`)."""

    def real(month: int, day: int) -> bool:
        if year is None:
            return 1 <= month <= 12 and 1 <= day <= _LONGEST[month - 1]
        try:
            date(year, month, day)
        except ValueError:
            return False
        return True

    order = _ORDER.get()
    both = [(first, second), (second, first)]
    typed = both if order in (None, "either") else [both[0] if order == "month" else both[1]]
    readings = [(m, d) for m, d in dict.fromkeys(typed) if real(m, d)]
    if len(readings) > 1:
        raise InvalidInput(
            _("ambiguous date {text!r}: {value}").format(
                text=text, value=_either(readings, year, today, direction, order)
            )
        )
    if not readings and order in ("day", "month"):
        said = (
            _("not a date: {text!r} read month first, as --month-first says (no such day)")
            if order == "month"
            else _("not a date: {text!r} read day first, as --day-first says (no such day)")
        )
        raise InvalidInput(said.format(text=text))
    if not readings:
        raise InvalidInput(
            _("not a date: {text!r} (there is no such day); {HELP}").format(text=text, HELP=_(HELP))
        )
    ((month, day),) = readings
    if year is not None:
        return date(year, month, day)
    return _yearless(month, day, today, direction, text)


def _either(
    readings: list[tuple[int, int]],
    year: int | None,
    today: date,
    direction: Direction,
    order: Order | None,
) -> str:
    """The two readings of an ambiguous slashed date and how to write each in a form the
    option takes: with the year typed, as the day each names (the next or last one), or,
    for an option that needs a year (`--birthday`), with the year still to write; in a
    file (`order` "either"), the options that say its order."""
    one, other = (
        _("{day} {month_name}").format(day=day, month_name=_(_MONTHS_SAID[month - 1]))
        for month, day in readings
    )
    if order == "either":  # the first reading is month first: `first/second` as typed
        return _("{one} (--month-first) or {other} (--day-first)? give the file's order").format(
            one=one, other=other
        )
    if year is not None:
        forms = [f"{year}-{month:02}-{day:02}" for month, day in readings]
    elif direction == "none":
        forms = [f"YYYY-{month:02}-{day:02}" for month, day in readings]
        return _("{one} or {other}? write it with its year, {first} or {second}").format(
            one=one, other=other, first=forms[0], second=forms[1]
        )
    else:
        forms = [_yearless(month, day, today, direction, "").isoformat() for month, day in readings]
    return _("{one} or {other}? write {first} or {second} instead").format(
        one=one, other=other, first=forms[0], second=forms[1]
    )


# The months' names in an ambiguous date's readings, in the run's language (`1月`).
_MONTHS_SAID = (
    N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"),
    N_("Jul"), N_("Aug"), N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"),
)  # fmt: skip


def _weekday(which: str | None, target: int, today: date, direction: Direction, text: str) -> date:
    """A weekday: `next` the first after today, `last` the last before today, 下/上/本 in the
    week (Monday to Sunday) after, before or of today, 下下/上上 two weeks after or before;
    bare by `direction`."""
    ahead = (target - today.weekday()) % 7
    back = (today.weekday() - target) % 7
    if which == "next":
        return today + timedelta(days=ahead or 7)
    if which == "last":
        return today - timedelta(days=back or 7)
    monday = today - timedelta(days=today.weekday())
    weeks = {"下下": 2, "上上": -2, "下": 1, "上": -1, "这": 0, "本": 0}.get(which or "")
    if weeks is not None:
        return monday + timedelta(weeks=weeks, days=target)
    if direction == "future":
        return today + timedelta(days=ahead)
    if direction == "past":
        return today - timedelta(days=back)
    raise InvalidInput(
        _("{text!r} does not say which week; write next {value}, last {value} or the date").format(
            text=text, value=text.split()[-1]
        )
    )


# A period named as a report groups by it (`--by 月`): 日/天, 周/星期/礼拜, 月/月份, 季/季度,
# 年/年份/年度, each optionally after 按 or 每 (`按月`, `每周`, `每个月`).
_ZH_SPAN_WORD = (
    r"(?:按|每)?\s*(?:(天|日)|(周|个?星期|个?礼拜)|(个?月|月份)|(个?季度|季)|(年|年份|年度))"
)
SPAN_UNITS = ("day", "week", "month", "quarter", "year")


def period_word(text: str) -> str | None:
    """The length of period (`day`, `week`, `month`, `quarter`, `year`) that a Chinese word
    names for grouping (`月`, `按季度`, `每周`, full-width and spaces ignored), or None."""
    compact = "".join(unicodedata.normalize("NFKC", text).split())
    match = re.fullmatch(_ZH_SPAN_WORD, compact)
    if match is None:
        return None
    return SPAN_UNITS[next(i for i, found in enumerate(match.groups()) if found)]


UNITS = {"d": "day", "w": "week", "m": "month", "y": "year"}
_PERIOD = r"(?i)\+?\s*(\d{1,4})\s*(d|days?|w|wks?|weeks?|m|mos?|months?|y|yrs?|years?)"
PERIOD_HELP = N_("use a number and d, w, m or y: 7d, 2w, 1m (one month), 1y")
# A period of a count past _PERIOD's four digits, in English or Chinese units (`99999d`, `每
# 10000 天`): refused as too long rather than as no period at all.
_LONG_PERIOD = (r"(?i)(每)?\s*\+?\s*\d{5,}\s*(d|days?|w|wks?|weeks?|m|mos?|months?|y|yrs?|years?"
                r"|个?(天|日|周|星期|礼拜|月|季度|年))")  # fmt: skip


class Period(NamedTuple):
    """A calendar period: `amount` days, weeks, months or years (`unit` is d, w, m or y)."""

    amount: int
    unit: str

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    def after(self, base: date, times: int = 1) -> date:
        """`base` moved forward `times` periods; months and years clamp to the month's end."""
        return add_offset(base, 1, self.amount * times, self.unit)

    def approx_days(self) -> int:
        """The period in days, counting a month as 30 days and a year as 365 (for cadences)."""
        return self.amount * {"d": 1, "w": 7, "m": 30, "y": 365}[self.unit]

    def describe(self) -> Said:
        """`2 weeks`, `1 month` (a Said: `2 周`, `1 个月` for people reading Chinese)."""
        from crmcli.core.text import plural

        return plural(self.amount, UNITS[self.unit])


class StoredPeriod(Said):
    """A period as stored (`2w`, a task's repeat): the same in data and in English, said in
    words for people reading another language (`每两周`; `bare`: `2 周`, for a sentence
    that says how it repeats). A value that is not a period is said as it is."""

    bare: bool

    def __new__(cls, text: str, *, bare: bool = False) -> StoredPeriod:
        said = str.__new__(cls, text)
        said.template, said.params, said.bare = text, {}, bare
        return said

    def said(self) -> str:
        if current() == "en":
            return str(self)
        from crmcli.core.text import every

        try:
            period = parse_period(self)
        except InvalidInput:
            return str(self)
        return (period.describe() if self.bare else every(*period)).said()


def parse_period(
    text: str, *, option: str = "period", allow_zero: bool = False, repeat: bool = False
) -> Period:
    """A calendar period such as `7d`, `2w`, `1m` (month) or `1y`; raises InvalidInput.

    A bare number is not accepted: `--every 2` could mean anything. `每` (`每周`, `每两周`)
    says how often something repeats: it is read only where the period is a `repeat`
    (`--every`, `--after`, a contact cadence); elsewhere (`--within 每周`) it is refused
    with the same length written without it.
    """
    raw = text.strip()
    match = re.fullmatch(_PERIOD, raw)
    chinese = None if match else _chinese_period(raw, repeat=repeat, option=option, text=text)
    if chinese is not None:
        amount, unit = chinese
    elif not match:
        if re.fullmatch(_LONG_PERIOD, raw):
            too_long = _(
                "{option} {text!r} is too long a period: at most 9999 days, weeks, months or years"
            )
            raise InvalidInput(too_long.format(option=option, text=text))
        hint = ""
        if re.fullmatch(r"\+?\d+\s*(min|mins|minutes?|h|hrs?|hours?|s|secs?|seconds?)", raw, re.I):
            hint = " (minutes and hours are not calendar periods; here m means months)"
        raise InvalidInput(
            _("{option} {text!r} is not a period{hint}; {PERIOD_HELP}").format(
                option=option, text=text, hint=hint, PERIOD_HELP=_(PERIOD_HELP)
            )
        )
    else:
        amount, unit = int(match.group(1)), match.group(2)[0].lower()
    if amount == 0 and not allow_zero:
        raise InvalidInput(
            _("{option} must be at least 1 (got {text!r})").format(option=option, text=text)
        )
    return Period(amount, unit)


# A period in Chinese, as `3天后` and `2周前` say it in a date: 7天, 2周, 两个星期, 1个月,
# 一年, 一周, 2个季度 (a count up to 9999 in digits or 一 to 九千九百九十九, `十二`, `一百`); and as
# a repeat says it: 每周, 每个月, 每年, 每两周, 每3天, 每一百天, 每季度, 每 2 周 (what a Chinese
# task list shows), where 每 alone counts one. A month or a quarter after a count takes 个
# (`3月` is March, `一季度` the first quarter), except after 两, which names no month
# (`每两月`). Halves: 半个月 (半月) is 15 days, 一个半月 45, 半年 six months, 一年半 18.
_ZH_COUNT = r"\d{1,4}|[零一二两三四五六七八九十百千]{1,7}"
_ZH_PERIOD = rf"(每)?\s*({_ZH_COUNT})?\s*(个)?(天|日|周|星期|礼拜|月|季度|年)"
_ZH_HALF = rf"(每)?\s*(?:({_ZH_COUNT})\s*(?:(个半月)|(年半))|(半个?月|半年))"
_ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}  # fmt: skip
# Each unit word: the unit and how many of it one is, and whether 个 comes before it after a
# count (False: never; True: always; None: either).
_ZH_PERIOD_UNITS = {
    "天": ("d", 1, False), "日": ("d", 1, False), "周": ("w", 1, False), "年": ("y", 1, False),
    "星期": ("w", 1, None), "礼拜": ("w", 1, None), "月": ("m", 1, True),
    "季度": ("m", 3, True),
}  # fmt: skip


def _chinese_period(raw: str, *, repeat: bool, option: str, text: str) -> tuple[int, str] | None:
    """(amount, unit) of a period written in Chinese (`7天`, `两周`, `1个月`, `半个月`, and
    with `repeat`, `每周`), or None. Raises InvalidInput for a valid `每` form without
    `repeat`."""
    normal = unicodedata.normalize("NFKC", raw)
    match = re.fullmatch(_ZH_PERIOD, normal)
    if not match:
        return _chinese_half(normal, repeat=repeat, option=option, text=text)
    every, count, ge, word = match.groups()
    unit, size, takes_ge = _ZH_PERIOD_UNITS[word]
    if count is None:  # 每周, 每个月: one
        if not every or (ge and takes_ge is False):
            return None
        found: tuple[int, str] | None = (size, unit)
    elif takes_ge is not None and bool(ge) != takes_ge and not (takes_ge and count == "两"):
        return None
    else:
        amount = _count(count)
        found = None if amount is None else (amount * size, unit)
    if found is not None and every and not repeat:  # `--within 每周` would read as a week
        length = f"{count}{ge or ''}{word}" if count else f"1{'个' if takes_ge else ''}{word}"
        raise _not_a_repeat(option, text, length)
    return found


def _chinese_half(normal: str, *, repeat: bool, option: str, text: str) -> tuple[int, str] | None:
    """(amount, unit) of a period with a half in it (`半个月` 15 days, `一个半月` 45, `半年` six
    months, `一年半` 18, and with `repeat`, `每半月`), or None."""
    match = re.fullmatch(_ZH_HALF, normal)
    if not match:
        return None
    every, count, months, years, half = match.groups()
    amount = 0 if half else _count(count)
    if amount is None:
        return None
    if half:
        found = (6, "m") if half == "半年" else (15, "d")
    else:
        found = (amount * 12 + 6, "m") if years else (amount * 30 + 15, "d")
    if every and not repeat:
        length = {"半年": "半年", None: f"{count}{months or years}"}.get(half, "半个月")
        raise _not_a_repeat(option, text, length)
    return found


def _not_a_repeat(option: str, text: str, length: str) -> InvalidInput:
    return InvalidInput(
        _("{option} {text!r} says how often, not how long; write {length}").format(
            option=option, text=text, length=length
        )
    )


def _count(text: str) -> int | None:
    """A count in digits or in Chinese (`12`, `十二`, `一百`), or None."""
    return int(text) if text.isdigit() else chinese_number(text)


_ZH_PLACES = {"千": 1000, "百": 100, "十": 10}


def chinese_number(text: str) -> int | None:
    """一 to 九千九百九十九 as Chinese writes a number (`十`, `十二`, `二十五`, `一百`,
    `一百零五`, `一百一十`, `两千零八`; 两 alone or before 百 and 千), or None for anything
    else (`十十`, `二十两`, `一百五`, which says 150 only in speech)."""
    if not 0 < len(text) <= 7:
        return None
    value, digit = 0, None
    for char in text:
        if char in _ZH_DIGITS and digit is None:
            digit = _ZH_DIGITS[char]
        elif char in _ZH_PLACES:
            value += (1 if digit is None else digit) * _ZH_PLACES[char]
            digit = None
        elif char != "零" or digit is not None:
            return None
    value += digit or 0
    return value if 0 < value < 10_000 and text in _chinese_spellings(value) else None


def _chinese_spellings(number: int) -> set[str]:
    """How Chinese writes `number` (1 to 9999): its digits with their places, one 零 for a
    gap before a lower digit, `十` alone at the head (`十二`, but `一百一十`), and 两 or 二 for
    a two before 百 or 千 (or alone)."""
    parts: list[tuple[str, ...]] = []
    gap = False
    for place, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // place % 10
        if not digit:
            gap = bool(parts)
            continue
        said = "一二三四五六七八九"[digit - 1]
        if gap:
            parts.append(("零",))
        gap = False
        if unit == "十" and digit == 1 and not parts:
            parts.append(("十",))
        elif digit == 2 and (unit in ("千", "百") or number == 2):
            parts.append(("二" + unit, "两" + unit))
        else:
            parts.append((said + unit,))
    spellings = {""}
    for choices in parts:
        spellings = {s + c for s in spellings for c in choices}
    return spellings


_DURATION_PART = r"(\d{1,5})(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)"
# The same in Chinese: 30分钟, 1小时30分, 2 小时, 1个小时; and half hours: 半小时, 1个半小时,
# 1小时半.
_ZH_DURATION_PART = (
    r"(\d{1,5})个?(?:小时|钟头)(半)?"  # 2小时, 1个小时, 1小时半
    r"|(?:(\d{1,5})个)?半个?(?:小时|钟头)"  # 半小时, 1个半小时
    r"|(\d{1,5})(分钟|分|秒钟|秒|天)"  # 30分钟, 90秒, 1天
)
_ZH_SECONDS = {"分": 60, "分钟": 60, "秒": 1, "秒钟": 1, "天": 86400}
DURATION_HELP = N_("use e.g. 15m (minutes), 1h30m, 45 (minutes) or 2h")


def parse_duration(text: str, *, option: str = "duration") -> timedelta:
    """Elapsed time such as `15m` (minutes), `1h30m`, `2h` or a bare `45` (minutes), or in
    Chinese `30分钟`, `1小时30分`, `半小时`, `1个半小时`.

    Raises InvalidInput; months and weeks are refused (m means minutes here).
    """
    raw = unicodedata.normalize("NFKC", text).strip().lower()
    if re.fullmatch(r"\d{1,5}", raw):
        return timedelta(minutes=int(raw))
    compact = re.sub(r"\s+", "", raw)
    parts = re.findall(_DURATION_PART, compact)
    if parts and "".join(a + u for a, u in parts) == compact:
        seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}
        return timedelta(seconds=sum(int(a) * seconds[u[0]] for a, u in parts))
    chinese = _chinese_duration(compact)
    if chinese is not None:
        return chinese
    hint = ""
    if re.fullmatch(
        r"\d+(mo|mos|months?|w|wks?|weeks?|y|yrs?|years?|个?月|周|个?星期|年)", compact
    ):
        hint = _(" (a duration is clock time; here m means minutes)")
    raise InvalidInput(
        _("{option} {text!r} is not a duration{hint}; {DURATION_HELP}").format(
            option=option, text=text, hint=hint, DURATION_HELP=_(DURATION_HELP)
        )
    )


def _chinese_duration(compact: str) -> timedelta | None:
    """A duration written in Chinese (`1小时30分`, `1个半小时`), or None when `compact` is
    not one."""
    seconds, at = 0, 0
    for match in re.finditer(_ZH_DURATION_PART, compact):
        if match.start() != at:
            return None
        if match[4]:
            seconds += int(match[4]) * _ZH_SECONDS[match[5]]
        elif match[1]:
            seconds += int(match[1]) * 3600 + (1800 if match[2] else 0)
        else:
            seconds += int(match[3] or 0) * 3600 + 1800
        at = match.end()
    return timedelta(seconds=seconds) if at and at == len(compact) else None


def anniversary(original: date, year: int) -> date:
    """`original`'s month and day in `year`; 29 February falls on 28 February in other years."""
    import calendar  # only here: importing it (and locale) costs ~3 ms a run

    if original.month == 2 and original.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return original.replace(year=year)


# A day without its year: `--05-13`, or vCard 3.0's `--0513`.
_YEARLESS = r"--(\d\d)-?(\d\d)"
# The year a day without a year is given when it is read back: a leap year before any other
# date, so its 29 February exists and it has come back every year since (`anniversary`).
YEARLESS_YEAR = 4


def parse_yearless(text: str) -> str | None:
    """`--MM-DD` for a day of the year typed without its year (`--05-13`, `--0513`), or None
    when `text` is not of that form. Raises InvalidInput for a day no year has (`--13-01`,
    `--02-30`); `--02-29` is a day (it falls on 28 February in common years)."""
    match = re.fullmatch(_YEARLESS, unicodedata.normalize("NFKC", text).strip())  # --０５-１３
    if match is None:
        return None
    month, day = int(match[1]), int(match[2])
    if not (1 <= month <= 12 and 1 <= day <= _LONGEST[month - 1]):
        raise InvalidInput(
            _(
                "not a date: {value!r} (there is no such day); a day without its year is "
                "--MM-DD, e.g. --05-13"
            ).format(value=text.strip())
        )
    return f"--{match[1]}-{match[2]}"


def stored_day(text: str) -> tuple[date, bool]:
    """A stored day (`1990-05-13`, or `--05-13` without its year) as (the day, whether its
    year is known). A day without a year comes back in YEARLESS_YEAR: its count of years
    means nothing, so callers show none."""
    if text.startswith("--"):
        return date(YEARLESS_YEAR, int(text[2:4]), int(text[5:7])), False
    return date.fromisoformat(text[:10]), True
