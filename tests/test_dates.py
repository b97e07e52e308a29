"""The date and time grammar (crmcli.core.dates): the documented table, a property test
against an independent oracle, refusals, and the promise that nothing means 1 January by
default."""

import calendar
import contextlib
import re
from contextlib import suppress
from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from crmcli.core import dates, i18n
from crmcli.core.errors import InvalidInput
from tests.conftest import fails, local_zone

DOCS = Path(__file__).parent.parent / "docs" / "conventions.md"
FRIDAY = datetime(2026, 12, 4, 10, 0, tzinfo=timezone(timedelta(hours=8)))  # the tests' zone


def documented_rows() -> list[tuple[str, str, str]]:
    text = DOCS.read_text(encoding="utf-8")
    table = text[text.index("| typed | read for the past") :].split("\n\n")[0]
    rows = []
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows.append((cells[0].strip("`"), cells[1], cells[2]))
    return rows


def past(text: str, now: datetime = FRIDAY) -> str:
    try:
        return dates.show_moment(dates.parse_datetime(text, now, direction="past"))
    except InvalidInput:
        return "refused"


def future(text: str, today: date = FRIDAY.date()) -> str:
    try:
        return dates.show_day(dates.parse_date(text, today, direction="future"))
    except InvalidInput:
        return "refused"


@pytest.mark.parametrize(("text", "as_past", "as_future"), documented_rows())
def test_every_documented_example_reads_as_the_docs_say(text, as_past, as_future):
    assert (past(text), future(text)) == (as_past, as_future)


def test_the_documented_table_covers_every_form_of_the_grammar():
    typed = {row[0] for row in documented_rows()}
    assert len(typed) >= 35
    for form in ("3pm", "noon", "Jan 5", "fri", "next fri", "下周五", "3天后", "1/5", "Dec"):
        assert form in typed


# What the issue reproduced, and more forms, each with what it must mean on Fri 2026-12-04.
EXAMPLES = [
    ("3pm", "past", "Fri 2026-12-04 15:00"),
    ("2026-11-26 3pm", "past", "Thu 2026-11-26 15:00"),
    ("yesterday 3pm", "past", "Thu 2026-12-03 15:00"),
    ("yesterday 15:00", "past", "Thu 2026-12-03 15:00"),
    ("noon", "past", "Fri 2026-12-04 12:00"),
    ("12am", "past", "Fri 2026-12-04 00:00"),
    ("12pm", "past", "Fri 2026-12-04 12:00"),
    ("3 p.m.", "past", "Fri 2026-12-04 15:00"),
    ("9:05:30", "past", "Fri 2026-12-04 09:05"),
    ("Jan 5, 3pm", "future", "Tue 2027-01-05 15:00"),
    ("january 5th 2026", "future", "Mon 2026-01-05 00:00"),
    ("Nov 22, 2026", "future", "Sun 2026-11-22 00:00"),
    ("2026/11/22", "past", "Sun 2026-11-22 00:00"),
    ("22.11.2026", "past", "Sun 2026-11-22 00:00"),
    ("11/22/2026", "past", "Sun 2026-11-22 00:00"),
    ("20261122", "past", "Sun 2026-11-22 00:00"),
    ("２０２６－１１－２２　１５：００", "past", "Sun 2026-11-22 15:00"),
    ("this fri", "future", "Fri 2026-12-04 00:00"),
    ("thursday", "future", "Thu 2026-12-10 00:00"),
    ("thursday", "past", "Thu 2026-12-03 00:00"),
    ("星期天", "future", "Sun 2026-12-06 00:00"),
    ("上周五", "past", "Fri 2026-11-27 00:00"),
    ("本周一", "future", "Mon 2026-11-30 00:00"),
    ("2周前", "past", "Fri 2026-11-20 00:00"),
    ("1个月后", "future", "Mon 2027-01-04 00:00"),
    ("前天", "past", "Wed 2026-12-02 00:00"),
    ("昨天晚上8点", "past", "Thu 2026-12-03 20:00"),
    ("中午1点", "past", "Fri 2026-12-04 13:00"),
    ("凌晨12点", "past", "Fri 2026-12-04 00:00"),
    ("凌晨3点", "past", "Fri 2026-12-04 03:00"),
    ("7点", "past", "Fri 2026-12-04 07:00"),
    ("三点一刻", "past", "refused"),
    ("昨天下午两点半", "past", "Thu 2026-12-03 14:30"),
    ("十二月三十一日", "future", "Thu 2026-12-31 00:00"),
    ("2026年十二月三十一日", "past", "Thu 2026-12-31 00:00"),
    ("2027 年 一 月 五 号", "future", "Tue 2027-01-05 00:00"),
    ("2026年十一月二十二", "future", "Sun 2026-11-22 00:00"),
    ("2026年12月三十日下午3点", "future", "Wed 2026-12-30 15:00"),
    ("2026年十三月一日", "future", "refused"),
    ("2026年二月三十日", "past", "refused"),
    ("2026年十十月一日", "past", "refused"),
    ("15号 上午十点", "past", "Sun 2026-11-15 10:00"),
    ("下月15号", "past", "Fri 2027-01-15 00:00"),
    ("4号", "past", "Fri 2026-12-04 00:00"),
    ("4号", "future", "Fri 2026-12-04 00:00"),
    ("上月4号", "future", "Wed 2026-11-04 00:00"),
    ("15点30分", "past", "Fri 2026-12-04 15:30"),
    ("11月22日 下午3点", "past", "Sun 2026-11-22 15:00"),
    ("2026年11月22日下午3点", "past", "Sun 2026-11-22 15:00"),
    ("now", "past", "Fri 2026-12-04 10:00"),
    ("Dec 31", "past", "Wed 2025-12-31 00:00"),
    ("Dec 31", "future", "Thu 2026-12-31 00:00"),
]


@pytest.mark.parametrize(("text", "direction", "expected"), EXAMPLES)
def test_examples(text, direction, expected):
    if expected == "refused":
        for read in (dates.parse_datetime, dates.parse_date):
            with pytest.raises(InvalidInput):
                read(
                    text,
                    FRIDAY if read is dates.parse_datetime else FRIDAY.date(),
                    direction=direction,
                )
        return
    moment = dates.parse_datetime(text, FRIDAY, direction=direction)
    assert dates.show_moment(moment) == expected
    day = dates.parse_date(text, FRIDAY.date(), direction=direction)
    assert dates.show_day(day) == expected[:14]


REFUSED = [
    ("Dec", "is a month"),
    ("1/5", "ambiguous date '1/5'"),
    ("1/5/2026", "ambiguous date"),
    ("2/30", "no such day"),
    ("Feb 30", "no such day"),
    ("2026-02-30", "no such day"),
    ("1/5/26", "not a date"),
    ("5", "for 5 days ago write -5d"),
    ("+5", "for 5 days ahead write +5d"),
    ("2026", "is a year alone"),
    ("25:00", "not a time of day"),
    ("today 24:00", "not a time of day"),
    ("13pm", "not a time of day"),
    ("0am", "not a time of day"),
    ("上午15点", "not a time of day"),
    ("someday", "not a date: 'someday'; use a day such as 2026-11-22, Jan 5"),
    ("fri fri", "not a date"),
    ("next", "not a date"),
    ("", "empty date"),
    ("   ", "empty date"),
    ("+9999y", "outside the years"),
    ("-9999y", "outside the years"),
]


@pytest.mark.parametrize(("text", "message"), REFUSED)
@pytest.mark.parametrize("direction", ["past", "future"])
def test_what_is_no_date_is_refused_with_the_accepted_forms(text, message, direction):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        dates.parse_datetime(text, FRIDAY, direction=direction)
    with pytest.raises(InvalidInput, match=re.escape(message)):
        dates.parse_date(text, FRIDAY.date(), direction=direction)


NO_YEAR = "has no year; write it with its year, e.g. 2026-{}, or as --{} if the year is not known"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Jan 5", "'Jan 5' " + NO_YEAR.format("01-05", "01-05")),
        ("11月22日", "'11月22日' " + NO_YEAR.format("11-22", "11-22")),
        ("13/5", "'13/5' " + NO_YEAR.format("05-13", "05-13")),
        ("fri", "'fri' does not say which week; write next fri, last fri or the date"),
        ("周五", "'周五' does not say which week; write next 周五, last 周五 or the date"),
        ("周末", "'周末' does not say which week; write next 周末, last 周末 or the date"),
    ],
    ids=["jan-5", "zh-nov-22", "13-5", "fri", "zh-fri", "zh-weekend"],
)
def test_without_a_direction_a_day_that_does_not_say_which_is_refused(text, message):
    with pytest.raises(InvalidInput) as caught:
        dates.parse_date(text, FRIDAY.date(), direction="none")
    assert caught.value.message == message


@pytest.mark.parametrize(("direction", "forms"), [("past", "PAST_HELP"), ("future", "HELP")])
def test_an_empty_date_offers_the_days_of_its_direction(direction, forms):
    """`crm value --backtest ''` (a day in the past) is offered yesterday and 3 days ago,
    `crm task add --due ''` tomorrow and in 3 days."""
    for read, now in ((dates.parse_date, FRIDAY.date()), (dates.parse_datetime, FRIDAY)):
        with pytest.raises(InvalidInput) as caught:
            read(" ", now, direction=direction)
        assert caught.value.message == "empty date; " + getattr(dates, forms)


@pytest.mark.parametrize("text", ["next fri", "下周五", "2027-01-05", "tomorrow", "+3d"])
def test_without_a_direction_a_day_that_says_which_is_read(text):
    assert dates.parse_date(text, FRIDAY.date(), direction="none") == dates.parse_date(
        text, FRIDAY.date(), direction="future"
    )


@pytest.mark.parametrize(
    "text", ["0001-01-01", "0001-01-01 00:00", "9999-12-31 23:59", "9999-12-31", "Dec 31"]
)
def test_the_ends_of_the_calendar_are_refused_or_read_never_a_crash(text):
    for now in (datetime(1, 1, 2, 12, tzinfo=UTC), datetime(9999, 12, 30, 12, tzinfo=UTC)):
        for direction in ("past", "future", "none"):
            with suppress(InvalidInput):
                dates.parse_datetime(text, now, direction=direction)
            with suppress(InvalidInput):
                dates.parse_date(text, now.date(), direction=direction)


def test_dates_lie_in_the_years_1000_to_2999_and_far_offsets_are_refused():
    assert dates.parse_date("1000-01-01", FRIDAY.date(), direction="past") == date(1000, 1, 1)
    assert dates.parse_date("2999-12-31", FRIDAY.date(), direction="future") == date(2999, 12, 31)
    for text in ("0001-01-01", "9999-12-31", "0999-12-31T23:00+00:00", "3000-01-01"):
        with pytest.raises(InvalidInput, match="outside the years 1000 to 2999"):
            dates.parse_date(text, FRIDAY.date(), direction="past")
        with pytest.raises(InvalidInput, match="outside the years 1000 to 2999"):
            dates.parse_datetime(text, FRIDAY, direction="past")
    with pytest.raises(InvalidInput, match="outside the years"):
        dates.parse_date("Jan 5", date(2999, 12, 31), direction="future")
    with pytest.raises(InvalidInput, match="outside the years"):
        dates.parse_date("Jan 5", date(9999, 12, 31), direction="future")


def test_a_local_time_skipped_by_daylight_saving_is_refused_and_a_repeated_one_is_the_first():
    with local_zone("America/New_York"):
        now = datetime(2026, 3, 8, 12, 0).astimezone()
        with pytest.raises(InvalidInput, match="does not exist in the local time zone"):
            dates.parse_datetime("2:30am", now, direction="past")
        assert dates.parse_datetime("3:30am", now, direction="past").isoformat() == (
            "2026-03-08T03:30:00-04:00"
        )
        fall = dates.parse_datetime("2026-11-01 1:30am", now, direction="past")
        assert fall.isoformat() == "2026-11-01T01:30:00-04:00"


# --- nothing means 1 January unless it says so ------------------------------------------

TOKENS = [
    "jan", "january", "feb", "29", "31", "1", "5", "12", "2026", "0", "01", "3pm", "15:00",
    "noon", "am", "pm", ":", "-", "/", ".", "+", "t", "today", "tomorrow", "next", "last",
    "fri", "in", "days", "d", "w", "m", "y", "ago", "at", ",", "年", "月", "日", "天后", "周五",
    "下", "下午", "点", "半", "1月", "3天后", "明天", "元旦", "年底", "周5",
]  # fmt: skip
JANUARY = re.compile(r"jan|元旦|(?<!\d)0?1\s*月|\d{4}\D?0?1\D?0?1(?!\d)|(?<!\d)0?1\s*/\s*0?1(?!\d)")


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=5), st.sampled_from(" "))
def test_no_text_means_1_january_unless_it_says_january_1(tokens, sep):
    """Read on two days, a text that means 1 January both times must say January 1 (a
    relative text moves with the day it is read on); and no text raises anything but
    InvalidInput."""
    for joined in (sep.join(tokens), "".join(tokens)):
        found = []
        for today in (date(2026, 6, 15), date(2026, 6, 16)):
            for direction in ("past", "future"):
                try:
                    found.append(dates.parse_date(joined, today, direction=direction))
                except InvalidInput:
                    found.append(None)
        if found[:2] == found[2:] and any(d and (d.month, d.day) == (1, 1) for d in found):
            assert JANUARY.search(joined.lower()), joined


@pytest.mark.parametrize("text", ["3pm", "noon", "5", "Dec", "15:00", "下午3点", "2026", "fri"])
def test_the_inputs_that_used_to_become_1_january_do_not(text):
    for direction in ("past", "future"):
        try:
            value = dates.parse_datetime(text, FRIDAY, direction=direction)
        except InvalidInput:
            continue
        assert (value.month, value.day) != (1, 1)


# --- property test against an independent oracle ---------------------------------------
# The oracle builds each expected value from the generated parts with plain datetime and
# zoneinfo arithmetic, walking the calendar a day at a time where the parser computes.

ZONES = ["America/New_York", "Europe/London", "Asia/Shanghai"]
TODAYS = [
    date(2026, 12, 4), date(2026, 1, 31), date(2026, 2, 28), date(2028, 2, 28),
    date(2028, 2, 29), date(2026, 12, 31), date(2027, 1, 1), date(2026, 4, 30),
    date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 28), date(2026, 3, 29),
    date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 31), date(2026, 11, 1),
]  # fmt: skip
DAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
ZH_DAYS = "一二三四五六日"
MONTH_NAMES = [calendar.month_name[m] for m in range(1, 13)]  # C locale: English


def walk(start: date, step: int, until) -> date:
    day = start
    while not until(day):
        day += timedelta(days=step)
    return day


def months_later(today: date, months: int) -> date:
    index = today.year * 12 + today.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(today.day, calendar.monthrange(year, month + 1)[1]))


@st.composite
def day_forms(draw, today: date, direction: str):
    """(text, the day it means, whether it may take a time written after it without space)."""
    kind = draw(
        st.sampled_from(["iso", "word", "offset", "months", "weekday", "yearless", "monthday"])
    )
    if kind == "iso":
        day = draw(st.dates(date(1900, 1, 1), date(2200, 12, 31)))
        text = draw(
            st.sampled_from(
                [
                    day.isoformat(),
                    f"{day.year}/{day.month}/{day.day}",
                    f"{day.year}年{day.month}月{day.day}日",
                    f"{day.year}年{spelled(day.month)}月{spelled(day.day)}日",
                    f"{day.day} {MONTH_NAMES[day.month - 1][:3]} {day.year}",
                    f"{MONTH_NAMES[day.month - 1]} {day.day}, {day.year}",
                ]
            )
        )
        return text, day
    if kind == "word":
        words = {"today": 0, "tomorrow": 1, "yesterday": -1, "今天": 0, "明天": 1, "后天": 2}
        words |= {"昨天": -1, "前天": -2}
        word = draw(st.sampled_from([*sorted(words), "月底", "月底前", "年底", "年末", "元旦"]))
        if word in words:
            return word, today + timedelta(days=words[word])
        if word == "元旦":  # 1 January, the next or the last by direction, as 1月1日
            step = 1 if direction == "future" else -1
            return word, walk(today, step, lambda d: (d.month, d.day) == (1, 1))
        if word.startswith("月"):  # this month's last day: the day before the next first
            return word, walk(today + timedelta(days=1), 1, lambda d: d.day == 1) - timedelta(1)
        return word, date(today.year, 12, 31)
    if kind == "offset":
        n = draw(st.integers(0, 400))
        unit, size = draw(st.sampled_from([("d", 1), ("w", 7)]))
        ahead = draw(st.booleans())
        zh = {"d": "天", "w": "周"}[unit]
        long = {"d": "days", "w": "weeks"}[unit]
        texts = [f"+{n}{unit}", f"{n}{unit}", f"in {n} {long}", f"{n}{zh}后"] if ahead else [
            f"-{n}{unit}", f"{n} {long} ago", f"{n}{zh}前"
        ]  # fmt: skip
        return draw(st.sampled_from(texts)), today + timedelta(days=(n if ahead else -n) * size)
    if kind == "months":
        n = draw(st.integers(0, 30))
        ahead = draw(st.booleans())
        texts = [f"+{n}m", f"in {n} months", f"{n}个月后"] if ahead else [
            f"-{n}m", f"{n} months ago", f"{n}个月前"
        ]  # fmt: skip
        return draw(st.sampled_from(texts)), months_later(today, n if ahead else -n)
    if kind == "weekday":
        target = draw(st.integers(0, 6))
        name = draw(st.sampled_from([DAY_NAMES[target], DAY_NAMES[target][:3]]))
        which = draw(st.sampled_from(["bare", "next", "last", "zh", "zh-next", "zh-last",
                                      "zh-next-next", "zh-last-last"]))  # fmt: skip
        is_target = lambda d: d.weekday() == target  # noqa: E731
        if which == "next":
            return f"next {name}", walk(today + timedelta(days=1), 1, is_target)
        if which == "last":
            return f"last {name}", walk(today - timedelta(days=1), -1, is_target)
        if which == "zh-next":
            monday = walk(today + timedelta(days=1), 1, lambda d: d.weekday() == 0)
            return f"下周{ZH_DAYS[target]}", walk(monday, 1, is_target)
        if which == "zh-next-next":  # the week after next: two Mondays on
            monday = walk(today + timedelta(days=1), 1, lambda d: d.weekday() == 0)
            monday = walk(monday + timedelta(days=1), 1, lambda d: d.weekday() == 0)
            return f"下下周{ZH_DAYS[target]}", walk(monday, 1, is_target)
        if which == "zh-last-last":
            monday = walk(today, -1, lambda d: d.weekday() == 0) - timedelta(days=14)
            return f"上上星期{ZH_DAYS[target]}", walk(monday, 1, is_target)
        if which == "zh-last":
            monday = walk(today, -1, lambda d: d.weekday() == 0) - timedelta(days=7)
            return f"上星期{ZH_DAYS[target]}", walk(monday, 1, is_target)
        zh = draw(st.sampled_from([f"周{ZH_DAYS[target]}", f"周{target + 1}", f"星期{target + 1}"]))
        text = name if which == "bare" else zh
        return text, walk(today, 1 if direction == "future" else -1, is_target)
    if kind == "monthday":  # 15号: the day of this, next or last month, or of the nearest
        day = draw(st.integers(1, 31))
        typed = draw(st.sampled_from([str(day), spelled(day)])) + draw(st.sampled_from("号日"))
        which = draw(st.sampled_from(["", "本月", "这个月", "下月", "下个月", "上月", "上个月"]))
        if which:
            month = today.replace(day=1) + timedelta(days=40 if "下" in which else 0)
            if "上" in which:
                month = today.replace(day=1) - timedelta(days=1)
            assume(day <= calendar.monthrange(month.year, month.month)[1])
            return which + typed, month.replace(day=day)
        return typed, walk(today, 1 if direction == "future" else -1, lambda d: d.day == day)
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, calendar.monthrange(2028, month)[1]))
    forms = [
        f"{MONTH_NAMES[month - 1][:3]} {day}",
        f"{day} {MONTH_NAMES[month - 1]}",
        f"{month}月{day}日",
        f"{spelled(month)}月{spelled(day)}号",
    ]
    if day > 12 or day == month:  # the documented rule: one reading only
        forms += [f"{month}/{day}", f"{day}/{month}"]
    expected = walk(
        today, 1 if direction == "future" else -1, lambda d: (d.month, d.day) == (month, day)
    )
    return draw(st.sampled_from(forms)), expected


def spelled(number: int) -> str:
    """0 to 59 as Chinese says it (our own spelling: 零, 十二, 二十, 五十九)."""
    tens, ones = divmod(number, 10)
    head = "" if tens == 0 else "十" if tens == 1 else "一二三四五"[tens - 1] + "十"
    return head + "零一二三四五六七八九"[ones] if ones or not tens else head


@st.composite
def time_forms(draw, hours=st.integers(0, 23)):
    """(text, the time of day it means)."""
    hour, minute = draw(hours), draw(st.sampled_from([0, 5, 15, 30, 45, 59]))
    twelve = hour % 12 or 12
    half = "pm" if hour >= 12 else "am"
    forms = [f"{hour:02}:{minute:02}", f"{hour}:{minute:02}", f"{twelve}:{minute:02} {half}"]
    forms.append(f"{twelve}:{minute:02}{half.upper()}")
    part = "下午" if hour >= 12 else "上午" if hour >= 5 else "凌晨"
    said = twelve if hour > 12 else hour
    forms.append(f"{part}{said}点{minute}分")
    if minute:
        zh_minute = f"零{spelled(minute)}" if minute < 10 else spelled(minute)
        forms.append(f"{part}{spelled(said)}点{zh_minute}分")
    # a bare hour 1 to 6 (3点) may be at night or in the afternoon: refused, so with its part
    bare = "" if hour == 0 or hour > 6 else part
    if minute == 0:
        forms += [f"{twelve}{half}", f"{bare}{hour}点", f"{part}{spelled(said)}点"]
        if hour == 2:
            forms.append(f"{part}两点")
        if hour == 12:
            forms.append("noon")
        if hour == 0:
            forms.append("midnight")
    if minute in (15, 30, 45):
        quarter = {15: "一刻", 30: "半", 45: "三刻"}[minute]
        forms += [f"{bare}{hour}点{quarter}", f"{part}{spelled(said)}点{quarter}"]
    return draw(st.sampled_from(forms)), time(hour, minute)


CHANGES = {
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1), date(2027, 3, 14)],
    "Europe/London": [date(2026, 3, 29), date(2026, 10, 25), date(2027, 3, 28)],
}


@st.composite
def cases(draw):
    zone = draw(st.sampled_from(ZONES))
    today = draw(st.sampled_from(TODAYS) | st.dates(date(2000, 1, 1), date(2100, 12, 31)))
    hours = st.integers(0, 23)
    direction = draw(st.sampled_from(["past", "future"]))
    shape = draw(st.sampled_from(["day", "time", "day time", "time day", "day at time"]))
    if zone in CHANGES and draw(st.integers(0, 3)) == 0:  # a day the clocks change, at night
        today, shape, hours = draw(st.sampled_from(CHANGES[zone])), "time", st.integers(0, 3)
    day_text, day = draw(day_forms(today, direction)) if "day" in shape else ("", today)
    time_text, clock = draw(time_forms(hours)) if "time" in shape else ("", time(0))
    if shape == "time day":
        assume(re.fullmatch(r"[a-z0-9 ]+", day_text) and re.search(r"[:ap]", time_text))
    text = {
        "day": day_text,
        "time": time_text,
        "day time": f"{day_text} {time_text}",
        "time day": f"{time_text} {day_text}",
        "day at time": f"{day_text} at {time_text}",
    }[shape]
    return zone, today, direction, text, day, clock


@settings(max_examples=600, deadline=None, derandomize=True)
@given(cases())
def test_the_parser_agrees_with_an_independent_oracle(case):
    zone, today, direction, text, day, clock = case
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, clock)
    expected = naive.replace(tzinfo=tz)
    skipped = expected.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive
    now = datetime.combine(today, time(12), tzinfo=tz)
    with local_zone(zone):
        assert dates.parse_date(text, today, direction=direction) == day, text
        if skipped:
            with pytest.raises(InvalidInput, match="does not exist"):
                dates.parse_datetime(text, now, direction=direction)
            return
        value = dates.parse_datetime(text, now, direction=direction)
    assert value.replace(tzinfo=None) == naive, text
    assert value.utcoffset() == expected.utcoffset(), text
    # (== between zones is always False for a repeated hour, PEP 495: compare instants)
    assert value.timestamp() == expected.timestamp(), text


def test_the_oracle_sees_daylight_saving_in_both_zones():
    """The zones and days above include both changes of both zones (so the property test
    meets skipped and repeated hours)."""
    for zone, spring, autumn in (
        ("America/New_York", date(2026, 3, 8), date(2026, 11, 1)),
        ("Europe/London", date(2026, 3, 29), date(2026, 10, 25)),
    ):
        tz = ZoneInfo(zone)
        before = datetime.combine(spring - timedelta(days=1), time(12), tzinfo=tz).utcoffset()
        after = datetime.combine(spring + timedelta(days=1), time(12), tzinfo=tz).utcoffset()
        assert before != after and spring in TODAYS and autumn in TODAYS


# --- Chinese parts of the day: every hour with every part ---------------------------------
# Written out by hand from how the words are used (a 12-hour hour names the one hour of the
# part that a clock shows as that number; 24 is 00:00 of the next day; None is refused), and
# the 24-hour hours each part takes as written.
ZH_PARTS = {
    "凌晨": ([1, 2, 3, 4, 5, 6, None, None, None, None, None, 0], {0}),
    "早上": ([None, None, None, 4, 5, 6, 7, 8, 9, 10, 11, None], set()),
    "早晨": ([None, None, None, 4, 5, 6, 7, 8, 9, 10, 11, None], set()),
    "上午": ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, None], set()),
    "中午": ([13, 14, None, None, None, None, None, None, None, None, 11, 12], {13, 14}),
    "下午": ([13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 12], set(range(13, 24))),
    "傍晚": ([None, None, None, 16, 17, 18, 19, None, None, None, None, None], {16, 17, 18, 19}),
    "晚上": ([None, None, None, None, None, 18, 19, 20, 21, 22, 23, 24], set(range(18, 24))),
}


def oracle(part: str, hour: int) -> int | None:
    twelve, twenty_four = ZH_PARTS[part]
    if 1 <= hour <= 12:
        return twelve[hour - 1]
    return hour if hour in twenty_four else None


def part_table() -> list[tuple[str, int, str]]:
    text = DOCS.read_text(encoding="utf-8")
    table = text[text.index("| part | 1 | 2 |") :].split("\n\n")[0]
    rows = []
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        for hour, cell in enumerate(cells[1:13], start=1):
            rows.append((cells[0].strip("`"), hour, cell))
        rows.append((cells[0].strip("`"), 0, "00" if cells[13] == "0" else "–"))
    return rows


def read_zh(text: str, now: datetime = FRIDAY) -> datetime | None:
    try:
        return dates.parse_datetime(text, now, direction="past")
    except InvalidInput:
        return None


@pytest.mark.parametrize(("part", "hour", "cell"), part_table())
def test_every_hour_with_every_part_of_the_day_reads_as_the_docs_table_says(part, hour, cell):
    value = read_zh(f"{part}{hour}点")
    expected = oracle(part, hour)
    if cell == "–":
        assert value is None and expected is None
    elif cell == "00 next day":
        assert value == datetime(2026, 12, 5, 0, 0).astimezone() and expected == 24
    else:
        assert value == datetime(2026, 12, 4, int(cell), 0).astimezone()
        assert int(cell) == expected


@pytest.mark.parametrize(
    ("text", "expected", "day"),
    [
        ("晚上12点", "Sat 2026-12-05 00:00", "Fri 2026-12-04"),
        ("晚上12:30", "Sat 2026-12-05 00:30", "Fri 2026-12-04"),
        ("今天晚上12点", "Sat 2026-12-05 00:00", "Fri 2026-12-04"),
        ("昨天晚上12点", "Fri 2026-12-04 00:00", "Thu 2026-12-03"),
        ("2026年十二月三十一日晚上12点", "Fri 2027-01-01 00:00", "Thu 2026-12-31"),
        ("2026年12月31日 晚上12点", "Fri 2027-01-01 00:00", "Thu 2026-12-31"),
        ("12月31日夜里1点", "Thu 2026-01-01 01:00", "Thu 2026-12-31"),
        ("晚上11点半", "Fri 2026-12-04 23:30", "Fri 2026-12-04"),
        ("中午12点", "Fri 2026-12-04 12:00", "Fri 2026-12-04"),
        ("中午1点", "Fri 2026-12-04 13:00", "Fri 2026-12-04"),
        ("下午12点", "Fri 2026-12-04 12:00", "Fri 2026-12-04"),
        ("凌晨1点", "Fri 2026-12-04 01:00", "Fri 2026-12-04"),
        ("midnight", "Fri 2026-12-04 00:00", "Fri 2026-12-04"),
    ],
)
def test_evening_never_means_noon_and_its_midnight_ends_the_day(text, expected, day):
    """As a moment, 晚上12点 is the next day's 00:00; where the time is dropped (--due) the
    day is the one written: the midnight that ends it, the night that begins on it."""
    at_ten_to_midnight = datetime(2026, 12, 4, 23, 50).astimezone()
    assert dates.show_moment(dates.parse_datetime(text, at_ten_to_midnight, direction="past")) == (
        expected
    )
    assert dates.show_day(dates.parse_date(text, FRIDAY.date(), direction="future")) == day


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("晚上1点", "write 凌晨1点 (01:00) with the day it falls on"),
        ("晚上5:30", "write 凌晨5点 (05:00)"),
        ("晚上0点", "write 凌晨0点"),
        ("上午12点", "write 中午12点 for noon or 凌晨0点 for midnight"),
        ("中午3点", "中午 runs from 11:00 to 14:59"),
        ("上午15点", "上午 runs from 01:00 to 11:59"),
    ],
)
def test_a_part_of_the_day_without_that_hour_is_refused_with_a_hint(text, hint):
    for direction in ("past", "future"):
        with pytest.raises(InvalidInput, match=re.escape(hint)):
            dates.parse_datetime(f"明天{text}", FRIDAY, direction=direction)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(
    st.sampled_from(sorted(ZH_PARTS)),
    st.integers(0, 23),
    st.sampled_from([0, 5, 30, 59]),
    st.sampled_from(["点", "点半", ":", "点分"]),
    st.sampled_from([("", 0), ("明天", 1), ("昨天", -1), ("2026年12月31日", 27)]),
)
def test_parts_of_the_day_agree_with_the_oracle(part, hour, minute, form, day):
    prefix, days = day
    minute = 30 if form == "点半" else 0 if form == "点" else minute
    clock = {"点": f"{hour}点", "点半": f"{hour}点半", ":": f"{hour}:{minute:02}"}.get(
        form, f"{hour}点{minute}分"
    )
    expected = oracle(part, hour)
    value = read_zh(f"{prefix}{part}{clock}")
    if expected is None:
        assert value is None
        return
    start = datetime(2026, 12, 4) + timedelta(days=days)
    assert value == (start + timedelta(hours=expected, minutes=minute)).astimezone()


# --- what a refusal says ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "direction", "message"),
    [
        ("1/4", "none", "'1/4': 4 Jan or 1 Apr? write it with its year, YYYY-01-04 or YYYY-04-01"),
        ("1/4/1990", "none", "'1/4/1990': 4 Jan or 1 Apr? write 1990-01-04 or 1990-04-01 instead"),
        ("1/5", "future", "'1/5': 5 Jan or 1 May? write 2027-01-05 or 2027-05-01 instead"),
        ("1/5", "past", "'1/5': 5 Jan or 1 May? write 2026-01-05 or 2026-05-01 instead"),
        ("12/4", "future", "'12/4': 4 Dec or 12 Apr? write 2026-12-04 or 2027-04-12 instead"),
        ("03/02", "past", "'03/02': 2 Mar or 3 Feb? write 2026-03-02 or 2026-02-03 instead"),
    ],
)
def test_an_ambiguous_slash_hint_names_the_days_typed_in_forms_the_option_takes(
    text, direction, message
):
    with pytest.raises(InvalidInput, match=re.escape(f"ambiguous date {message}")):
        dates.parse_date(text, FRIDAY.date(), direction=direction)


# --- a file's slashed dates in the order its user said (crm import --day-first) ----------


@settings(max_examples=300)
@given(
    st.dates(date(1900, 1, 1), date(2100, 12, 31)),
    st.sampled_from(["day", "month"]),
    st.sampled_from("/."),
    st.booleans(),
    st.booleans(),
)
def test_a_slashed_date_in_the_order_said_is_the_day_written(day, order, mark, padded, year):
    # the oracle: the day itself, written as a spreadsheet of that order writes it
    width = "02" if padded else ""
    parts = [f"{day.month:{width}}", f"{day.day:{width}}"]
    if order == "day":
        parts.reverse()
    text = mark.join(parts + ([str(day.year)] if year else []))
    with dates.in_order(order):
        read = dates.parse_date(text, FRIDAY.date(), direction="past")
        moment = dates.parse_datetime(text + " 15:00", FRIDAY, direction="past")
    if year:
        assert read == day and moment.date() == day, text
    else:  # the last such day, today included
        today = FRIDAY.date()
        years = (y for y in range(today.year, 1899, -1) if calendar.isleap(y) or day.day < 29
                 or day.month != 2)  # fmt: skip
        last = next(d for y in years if (d := date(y, day.month, day.day)) <= today)
        assert read == last and moment.date() == last, text
    # the other order reads it as the other day, or refuses it naming the option said
    other = "month" if order == "day" else "day"
    with dates.in_order(other):
        try:
            swapped = dates.parse_date(text, FRIDAY.date(), direction="past")
        except InvalidInput as exc:
            assert f"read {other} first, as --{other}-first says (no such day)" in exc.message
            swapped = None
        else:
            assert (swapped.month, swapped.day) == (day.day, day.month), text
    with dates.in_order("either"):  # unsaid: as typed, but an ambiguous refusal names both
        try:
            assert dates.parse_date(text, FRIDAY.date(), direction="past") in (read, swapped)
        except InvalidInput as exc:
            assert "(--month-first) or" in exc.message and "(--day-first)?" in exc.message


@pytest.mark.parametrize(
    ("order", "text", "message"),
    [
        (
            "month",
            "13/5/2026",
            "^not a date: '13/5/2026' read month first, as --month-first says (no such day)$",
        ),
        (
            "day",
            "5/13/2026",
            "^not a date: '5/13/2026' read day first, as --day-first says (no such day)$",
        ),
        ("day", "31.4.2026", "not a date: '31.4.2026' read day first"),  # no 31 April
        ("month", "2/29/2027", "not a date: '2/29/2027' read month first"),  # no leap day
        (
            "either",
            "4/3/2026",
            "ambiguous date '4/3/2026': 3 Apr (--month-first) or 4 Mar "
            "(--day-first)? give the file's order",
        ),
        (None, "4/3/2026", "ambiguous date '4/3/2026': 3 Apr or 4 Mar? write 2026-04-03 or"),
    ],
)
def test_a_slashed_date_the_order_said_does_not_make_real_is_refused(order, text, message):
    with contextlib.ExitStack() as stack:
        if order is not None:
            stack.enter_context(dates.in_order(order))
        whole = message.startswith("^")  # the whole message, not a part of it
        pattern = "^" + re.escape(message.strip("^$")) + "$" if whole else re.escape(message)
        with pytest.raises(InvalidInput, match=pattern):
            dates.parse_date(text, FRIDAY.date(), direction="past")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("5", "not a date: '5'; for 5 days ago write -5d; "),
        ("-120", "not a date: '-120'; for 120 days ago write -120d; "),
        ("+999", "not a date: '+999'; for 999 days ahead write +999d; "),
        ("1733600000", "not a date: '1733600000'; use a day such as "),  # a Unix time
        ("12345", "not a date: '12345'; use a day such as "),
        ("+1234", "not a date: '+1234'; use a day such as "),  # a signed year is no days
    ],
)
def test_a_bare_number_is_offered_as_days_only_where_days_are_counted(text, said):
    with pytest.raises(InvalidInput) as refused:
        dates.parse_date(text, FRIDAY.date(), direction="past")
    assert refused.value.message.startswith(said), refused.value.message


@pytest.mark.parametrize(
    ("text", "alone"),
    [
        ("10:30", True), ("3pm", True), ("3:05 PM", True), ("下午3点", True), ("noon", True),
        ("23:59:59", True), ("  10:30 ", True),
        ("2026-11-01", False), ("2026-11-01 10:30", False), ("today 10:30", False),
        ("yesterday", False), ("10:70", False), ("", False), ("now", False), ("Nov 1", False),
    ],
)  # fmt: skip
def test_with_day_refuses_a_time_of_day_alone_and_keeps_anything_else(text, alone):
    if not alone:
        assert dates.with_day(text) == text
        return
    with pytest.raises(InvalidInput) as refused:
        dates.with_day(text)
    assert refused.value.message == (
        f"no day: {text.strip()!r} is a time of day alone; give each row its day"
    )


def test_the_order_said_holds_in_its_block_alone():
    with dates.in_order("day"):
        assert dates.parse_date("4/3/2026", FRIDAY.date(), direction="past") == date(2026, 3, 4)
        assert dates.parse_date("2026-04-03", FRIDAY.date(), direction="past") == date(2026, 4, 3)
        with dates.in_order("month"):
            assert dates.parse_date("4/3/2026", FRIDAY.date(), direction="none") == date(2026, 4, 3)
        assert dates.parse_date("4/3/2026", FRIDAY.date(), direction="past") == date(2026, 3, 4)
    with pytest.raises(InvalidInput, match="ambiguous date '4/3/2026': 3 Apr or 4 Mar"):
        dates.parse_date("4/3/2026", FRIDAY.date(), direction="past")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("JAN 2026", "not a date: 'JAN 2026'"),
        ("Someday", "not a date: 'Someday'"),
        ("DEC", "not a date: 'DEC' is a month; name the day too, e.g. DEC 5"),
        ("Feb 30", "not a date: 'Feb 30' (there is no such day)"),
        ("Tomorrow 0AM", "not a time of day: '0AM'"),
        ("2026-11-26 13PM", "not a time of day: '13PM'"),
    ],
)
def test_a_refusal_quotes_the_text_as_it_was_typed(text, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        dates.parse_datetime(text, FRIDAY, direction="past")


# --- lengths, days without a year, anniversaries: every form by hand ---------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("15m", 15),
        ("45", 45),
        (" 90 ", 90),
        ("1h30m", 90),
        ("1 h 30 m", 90),
        ("2H", 120),
        ("2 hours", 120),
        ("1hr", 60),
        ("3 mins", 3),
        ("1minute", 1),
        ("1d", 1440),
        ("2days", 2880),
        ("120s", 2),
        ("60 secs", 1),
        ("1h1m60s", 62),
        ("99999", 99999),
    ],
)
def test_a_duration_is_clock_time(text, minutes):
    assert dates.parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2mo", "--duration '2mo' is not a duration (a duration is clock time; here m means "),
        ("1w", "--duration '1w' is not a duration (a duration is clock time;"),
        ("3 years", "--duration '3 years' is not a duration (a duration is clock time;"),
        ("soon", "--duration 'soon' is not a duration; use e.g. 15m (minutes), 1h30m"),
        ("", "--duration '' is not a duration; use"),
        ("1h30", "--duration '1h30' is not a duration; use"),
        ("m15", "--duration 'm15' is not a duration; use"),
        ("100000", "--duration '100000' is not a duration; use"),
        ("1.5h", "--duration '1.5h' is not a duration; use"),
    ],
)
def test_what_is_no_duration_is_refused_naming_the_option(text, message):
    with pytest.raises(InvalidInput, match="^" + re.escape(message)):  # the whole message
        dates.parse_duration(text, option="--duration")


def test_a_duration_refusal_names_a_duration_by_default():
    with pytest.raises(InvalidInput, match=re.escape("duration 'x' is not a duration")):
        dates.parse_duration("x")


@pytest.mark.parametrize(
    ("text", "shown", "words", "days", "after"),
    [
        ("7d", "7d", "7 days", 7, date(2028, 3, 7)),
        ("1 day", "1d", "1 day", 1, date(2028, 3, 1)),
        ("+2w", "2w", "2 weeks", 14, date(2028, 3, 14)),
        ("1m", "1m", "1 month", 30, date(2028, 3, 29)),
        ("3 Months", "3m", "3 months", 90, date(2028, 5, 29)),
        ("1Y", "1y", "1 year", 365, date(2029, 2, 28)),
        ("2yrs", "2y", "2 years", 730, date(2030, 2, 28)),
    ],
)
def test_a_period_counts_calendar_units(text, shown, words, days, after):
    period = dates.parse_period(text)
    assert (str(period), period.describe(), period.approx_days()) == (shown, words, days)
    assert period.after(date(2028, 2, 29)) == after


PERIOD_HELP = "use a number and d, w, m or y: 7d, 2w, 1m (one month), 1y"
TOO_LONG = "is too long a period: at most 9999 days, weeks, months or years"
NOT_HOURS = " (minutes and hours are not calendar periods; here m means months); "


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2", "--every '2' is not a period; " + PERIOD_HELP),
        ("15min", "--every '15min' is not a period" + NOT_HOURS + PERIOD_HELP),
        ("2 Hours", "--every '2 Hours' is not a period" + NOT_HOURS + PERIOD_HELP),
        ("30s", "--every '30s' is not a period" + NOT_HOURS + PERIOD_HELP),
        ("-1d", "--every '-1d' is not a period; " + PERIOD_HELP),
        ("0d", "--every must be at least 1 (got '0d')"),
        ("99999d", "--every '99999d' " + TOO_LONG),
        ("+10000 Weeks", "--every '+10000 Weeks' " + TOO_LONG),
        ("每 10000 天", "--every '每 10000 天' " + TOO_LONG),
        ("100000个月", "--every '100000个月' " + TOO_LONG),
        ("10000 months x", "--every '10000 months x' is not a period; " + PERIOD_HELP),
        ("12345", "--every '12345' is not a period; " + PERIOD_HELP),
    ],
)
def test_what_is_no_period_is_refused_naming_the_option(text, message):
    with pytest.raises(InvalidInput) as caught:
        dates.parse_period(text, option="--every")
    assert caught.value.message == message


def test_the_longest_period_is_four_digits_of_its_unit(db_path):
    assert dates.parse_period("9999d") == dates.Period(9999, "d")
    assert dates.parse_period("每 9999 天", repeat=True) == dates.Period(9999, "d")
    said = fails(2, "--lang", "zh", "remind", "--within", "99999d", db=db_path)
    assert said == "crm: --within “99999d”时间段太长：最多 9999 天、周、月或年\n", said


def test_a_zero_period_is_read_only_where_it_is_allowed():
    assert dates.parse_period("0d", allow_zero=True) == dates.Period(0, "d")
    with pytest.raises(InvalidInput, match=re.escape("period 'x' is not a period")):
        dates.parse_period("x")


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("--05-13", "--05-13"),
        ("--0513", "--05-13"),
        (" --12-31 ", "--12-31"),
        ("--02-29", "--02-29"),
        ("--01-01", "--01-01"),
        ("－－０５－１３", "--05-13"),
    ],
)
def test_a_day_without_its_year_is_kept_as_month_and_day(text, stored):
    assert dates.parse_yearless(text) == stored


@pytest.mark.parametrize("text", ["05-13", "1990-05-13", "--5-13", "--05-133", "-05-13", ""])
def test_what_is_not_of_the_yearless_form_is_left_to_the_other_forms(text):
    assert dates.parse_yearless(text) is None


@pytest.mark.parametrize("text", ["--13-01", "--00-10", "--02-30", "--04-31", "--05-00", "--12-32"])
def test_a_day_without_a_year_that_no_year_has_is_refused(text):
    with pytest.raises(InvalidInput) as refused:
        dates.parse_yearless(f" {text}")
    assert str(refused.value) == (
        f"not a date: '{text}' (there is no such day); a day without its year is --MM-DD, "
        "e.g. --05-13"
    )


@pytest.mark.parametrize(
    ("text", "day", "known"),
    [
        ("1990-05-13", date(1990, 5, 13), True),
        ("2026-11-22T10:00:00+08:00", date(2026, 11, 22), True),
        ("--05-13", date(4, 5, 13), False),
        ("--02-29", date(4, 2, 29), False),
        ("--12-31", date(4, 12, 31), False),
    ],
)
def test_a_stored_day_is_read_back_with_whether_its_year_is_known(text, day, known):
    assert dates.stored_day(text) == (day, known)


@pytest.mark.parametrize(
    ("original", "year", "expected"),
    [
        (date(2024, 2, 29), 2025, date(2025, 2, 28)),
        (date(2024, 2, 29), 2028, date(2028, 2, 29)),
        (date(2024, 2, 29), 2100, date(2100, 2, 28)),
        (date(2023, 2, 28), 2024, date(2024, 2, 28)),
        (date(2024, 3, 1), 2025, date(2025, 3, 1)),
        (date(1990, 5, 13), 2026, date(2026, 5, 13)),
        (date(4, 12, 29), 2027, date(2027, 12, 29)),
    ],
)
def test_an_anniversary_of_29_february_falls_on_28_february_in_common_years(
    original, year, expected
):
    assert dates.anniversary(original, year) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tomorrow 3pm", "--since takes a day, not a time of day: 'tomorrow 3pm'; write the "
         "day alone, e.g. tomorrow"),
        ("3pm", "--since takes a day, not a time of day: '3pm'; write the day alone, e.g. today"),
        (" 2026-11-22T10:00 ", "--since takes a day, not a time of day: '2026-11-22T10:00'; "
         "write the day alone, e.g. 2026-11-22"),
        ("2026-11-22 00:00", "e.g. 2026-11-22"),
    ],
)  # fmt: skip
def test_an_option_that_takes_a_day_refuses_a_time_rather_than_drop_it(text, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        dates.parse_date(text, FRIDAY.date(), direction="past", option="--since")


def test_an_option_that_takes_a_day_reads_the_day_alone():
    today = FRIDAY.date()
    assert dates.parse_date("2026-11-22", today, direction="past", option="--since") == date(
        2026, 11, 22
    )
    assert dates.parse_date("fri", today, direction="past", option="--since") == today


def test_a_moment_is_shown_on_the_local_clock_and_one_without_an_offset_as_written():
    assert dates.show_moment("2026-11-20T09:30+05:00") == "Fri 2026-11-20 12:30"
    assert dates.show_moment(datetime(2026, 11, 20, 4, 30, tzinfo=UTC)) == "Fri 2026-11-20 12:30"
    with local_zone("America/New_York"):
        assert dates.show_moment("2026-11-20T09:30+05:00") == "Thu 2026-11-19 23:30"
        # no offset: the wall clock as written, even one a daylight-saving change skips
        assert dates.show_moment("2026-03-08T02:30") == "Sun 2026-03-08 02:30"


@pytest.mark.parametrize(
    ("text", "direction", "day"),
    [
        ("1/31", "past", date(2026, 1, 31)),
        ("31/1", "future", date(2027, 1, 31)),
        ("3/31", "past", date(2026, 3, 31)),
        ("12/31", "future", date(2026, 12, 31)),
        ("2/29", "future", date(2028, 2, 29)),
        ("29/2", "past", date(2024, 2, 29)),
        ("4/30", "past", date(2026, 4, 30)),
        ("12/31/2026", "past", date(2026, 12, 31)),
        ("31.12.2026", "past", date(2026, 12, 31)),
    ],
)
def test_a_slashed_day_may_be_the_last_of_its_month(text, direction, day):
    assert dates.parse_date(text, FRIDAY.date(), direction=direction) == day


@pytest.mark.parametrize(
    ("text", "direction", "message"),
    [
        ("13/5", "none", "'13/5' has no year; write it with its year, e.g. 2026-05-13, or as "
         "--05-13 if the year is not known"),
        ("Jan 5", "none", "'Jan 5' has no year; write it with its year, e.g. 2026-01-05, or as "
         "--01-05 if the year is not known"),
        ("4/31", "past", "not a date: '4/31' (there is no such day)"),
        ("13月5日", "past", "not a date: '13月5日' (there is no such day)"),
        ("0月5日", "future", "not a date: '0月5日' (there is no such day)"),
        ("2月30日", "future", "not a date: '2月30日' (there is no such day)"),
        ("Feb 30, 2026", "past", "not a date: 'Feb 30, 2026' (there is no such day)"),
        ("30 Feb 2027", "future", "not a date: '30 Feb 2027' (there is no such day)"),
        ("上午12点", "past", "not a time of day: '上午12点'; write 中午12点 for noon or 凌晨0点 "
         "for midnight"),
        ("晚上3点", "past", "not a time of day: '晚上3点'; after midnight is 凌晨: write 凌晨3点 "
         "(03:00) with the day it falls on"),
        ("傍晚9点", "past", "not a time of day: '傍晚9点'; 傍晚 runs from 16:00 to 19:59; write "
         "the time on the 24-hour clock"),
    ],
)  # fmt: skip
def test_a_refusal_says_the_whole_reason(text, direction, message):
    with pytest.raises(InvalidInput) as refused:
        dates.parse_date(text, FRIDAY.date(), direction=direction)
    assert str(refused.value).split("; use a day such as")[0] == message


@pytest.mark.parametrize(
    ("text", "shown", "offset"),
    [
        ("2026-11-26T15:00Z", "Thu 2026-11-26 23:00", "+00:00"),
        ("2026-11-26t15:00z", "Thu 2026-11-26 23:00", "+00:00"),
        ("2026-11-20T09:30+05:00", "Fri 2026-11-20 12:30", "+05:00"),
        ("2026-11-20 09:30-0300", "Fri 2026-11-20 20:30", "-03:00"),
    ],
)
def test_a_moment_with_an_offset_keeps_it(text, shown, offset):
    moment = dates.parse_datetime(text, FRIDAY, direction="past")
    assert (dates.show_moment(moment), moment.isoformat()[-6:]) == (shown, offset)


def test_this_weeks_day_is_in_the_week_of_today_whichever_the_direction():
    # Friday 2026-12-04: this week runs from Monday 30 November to Sunday 6 December
    for text in ("这周一", "本周一", "这星期一"):
        for direction in ("past", "future", "none"):
            assert dates.parse_date(text, FRIDAY.date(), direction=direction) == date(2026, 11, 30)
    assert dates.parse_date("这周日", FRIDAY.date(), direction="past") == date(2026, 12, 6)


def test_a_time_skipped_by_daylight_saving_is_refused_with_the_whole_reason():
    with local_zone("America/New_York"):
        now = datetime(2026, 3, 8, 12, 0).astimezone()
        with pytest.raises(InvalidInput) as refused:
            dates.parse_datetime("2026-03-08 2:30am", now, direction="past")
    assert str(refused.value) == (
        "2026-03-08 02:30 does not exist in the local time zone (the clocks skip it for "
        "daylight saving); give a time outside the gap"
    )


@pytest.mark.parametrize(
    ("text", "direction", "shown"),
    [
        ("中午", "past", "Fri 2026-12-04 12:00"),
        ("正午", "past", "Fri 2026-12-04 12:00"),
        ("午夜", "past", "Fri 2026-12-04 00:00"),
        ("明天中午", "future", "Sat 2026-12-05 12:00"),
        ("2星期后", "future", "Fri 2026-12-18 00:00"),
        ("2个星期后", "future", "Fri 2026-12-18 00:00"),
        ("1礼拜前", "past", "Fri 2026-11-27 00:00"),
        ("1个礼拜以前", "past", "Fri 2026-11-27 00:00"),
        ("3日后", "future", "Mon 2026-12-07 00:00"),
        ("1年前", "past", "Thu 2025-12-04 00:00"),
    ],
)
def test_chinese_words_for_noon_midnight_and_weeks(text, direction, shown):
    moment = dates.parse_datetime(text, FRIDAY, direction=direction)
    assert dates.show_moment(moment) == shown


def test_seconds_are_kept_and_checked():
    assert dates.parse_datetime("9:05:30", FRIDAY, direction="past").second == 30
    assert dates.parse_datetime("3:30:59 pm", FRIDAY, direction="past").time() == time(15, 30, 59)
    for text in ("15:00:60", "9:05:99", "3:30:60pm", "15:60", "9:75"):
        with pytest.raises(InvalidInput, match=re.escape(f"not a time of day: '{text}'")):
            dates.parse_datetime(text, FRIDAY, direction="past")


@pytest.mark.parametrize("text", ["2026-02-30", "20260230", "2026年2月30日", "2026/2/30"])
def test_a_day_no_calendar_has_is_refused_quoting_it(text):
    with pytest.raises(InvalidInput) as refused:
        dates.parse_date(text, FRIDAY.date(), direction="past")
    assert str(refused.value).startswith(f"not a date: '{text}' (there is no such day); use ")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2026/11/26T3pm", "Thu 2026-11-26 15:00"),
        ("2026/11/26t15:00", "Thu 2026-11-26 15:00"),
        ("20261126T15:30", "Thu 2026-11-26 15:30"),
        ("2026/11/6T15:00", "Fri 2026-11-06 15:00"),
        ("11月26日15:00", "Thu 2026-11-26 15:00"),
    ],
)
def test_a_time_joined_to_its_day_by_t_or_after_chinese_is_read(text, shown):
    assert dates.show_moment(dates.parse_datetime(text, FRIDAY, direction="past")) == shown


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("fri3pm", "fri3pm"),
        ("2026-11-2615:00", "2026-11-2615:00"),
        ("2026-11-26X15:00", "2026-11-26X15:00"),
        ("某下午3点", "某"),  # the time is read; the day part is what is no day
    ],
)
def test_a_time_run_into_its_day_is_refused(text, quoted):
    with pytest.raises(InvalidInput, match=re.escape(f"not a date: '{quoted}';")):
        dates.parse_datetime(text, FRIDAY, direction="past")


@pytest.mark.parametrize(
    "text", ["2026-11-26T15:00Z", "2026-11-26t15:00z", "2026-11-26 15:00+05:00"]
)
def test_the_day_of_an_iso_moment_is_the_day_it_names(text):
    assert dates.parse_date(text, FRIDAY.date(), direction="past") == date(2026, 11, 26)


# --- durations in Chinese, against an oracle that writes them ----------------------------

# One part of a Chinese duration as people write it: (its text, its seconds).
_ZH_HOURS = ("小时", "个小时", "钟头", "个钟头")
_ZH_UNITS = (("分钟", 60), ("分", 60), ("秒", 1), ("秒钟", 1), ("天", 86400))


@st.composite
def _zh_part(draw: st.DrawFn) -> tuple[str, int]:
    n = draw(st.integers(0, 99999))
    kind = draw(st.sampled_from(("hours", "hours-half", "half", "n-half", "unit")))
    hours = draw(st.sampled_from(_ZH_HOURS))
    if kind == "hours":  # 2小时, 1个小时
        return f"{n}{hours}", n * 3600
    if kind == "hours-half":  # 1小时半
        return f"{n}{hours}半", n * 3600 + 1800
    if kind == "half":  # 半小时, 半个小时
        return f"半{hours}", 1800
    if kind == "n-half":  # 1个半小时, 1个半钟头
        return f"{n}个半{hours.removeprefix('个')}", n * 3600 + 1800
    unit, seconds = draw(st.sampled_from(_ZH_UNITS))
    return f"{n}{unit}", n * seconds


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(_zh_part(), min_size=1, max_size=3), st.sampled_from(("", " ")))
def test_a_chinese_duration_is_the_sum_of_its_parts(parts, space):
    # `1小时` then `半小时` reads as 1小时半 then 小时, which no one writes
    texts = [t for t, _ in parts]
    assume(not any(a.endswith(("时", "头")) and b[0] == "半" for a, b in pairwise(texts)))
    text = space.join(t for t, _ in parts)
    assert dates.parse_duration(text) == timedelta(seconds=sum(s for _, s in parts))


@pytest.mark.parametrize(
    "text",
    ["半", "小时", "个小时", "1半小时", "1个半小时半", "30分钟x", "半天", "一小时", "1.5小时",
     "1小时半半", "分钟30", "3个月", "2周", "1年"],
)  # fmt: skip
def test_what_is_no_chinese_duration_is_refused(text):
    with pytest.raises(InvalidInput, match=re.escape(f"--duration {text!r} is not a duration")):
        dates.parse_duration(text, option="--duration")


@pytest.mark.parametrize(("text", "shift"), [("大后天", 3), ("大前天", -3)])
def test_the_day_after_the_day_after_tomorrow(text, shift):
    assert dates.parse_date(text, FRIDAY.date(), direction="none") == FRIDAY.date() + timedelta(
        days=shift
    )


@pytest.mark.parametrize(
    ("today", "end"),
    [(date(2026, 2, 10), date(2026, 2, 28)), (date(2028, 2, 29), date(2028, 2, 29)),
     (date(2026, 12, 31), date(2026, 12, 31)), (date(2026, 4, 1), date(2026, 4, 30))],
)  # fmt: skip
def test_yue_di_is_the_last_day_of_this_month(today, end):
    for direction in ("past", "future", "none"):
        for said in ("月底", "月末"):
            assert dates.parse_date(said, today, direction=direction) == end


@pytest.mark.parametrize(
    ("text", "past", "future"),
    [("年底", date(2026, 12, 31), date(2026, 12, 31)),  # this year's, as 月底 is this month's
     ("年末前", date(2026, 12, 31), date(2026, 12, 31)),
     ("年底前", date(2026, 12, 31), date(2026, 12, 31)),
     ("年末", date(2026, 12, 31), date(2026, 12, 31)),
     ("月底前", date(2026, 12, 31), date(2026, 12, 31)),
     ("月末前", date(2026, 12, 31), date(2026, 12, 31)),
     ("元旦", date(2026, 1, 1), date(2027, 1, 1)),
     ("周5", date(2026, 12, 4), date(2026, 12, 4)),
     ("星期7", date(2026, 11, 29), date(2026, 12, 6)),
     ("下周1", date(2026, 12, 7), date(2026, 12, 7)),
     ("上星期6", date(2026, 11, 28), date(2026, 11, 28))],
)  # fmt: skip
def test_chinese_days_of_the_year_and_weekdays_in_digits(text, past, future):
    today = date(2026, 12, 4)  # a Friday
    assert dates.parse_date(text, today, direction="past") == past
    assert dates.parse_date(text, today, direction="future") == future


@pytest.mark.parametrize(
    ("text", "message"),
    [("元旦", "'元旦' has no year; write it with its year, e.g. 2026-01-01, or as --01-01 if the "
              "year is not known"),
     ("周5", "'周5' does not say which week; write next 周5, last 周5 or the date"),
     ("周8", "not a date: '周8'; "), ("星期0", "not a date: '星期0'; "),
     ("周五5", "not a date: '周五5'; "), ("年底后", "not a date: '年底后'; ")],
)  # fmt: skip
def test_a_chinese_day_that_says_no_one_day_is_refused(text, message):
    with pytest.raises(InvalidInput) as caught:
        dates.parse_date(text, date(2026, 12, 4), direction="none")
    assert caught.value.message.startswith(message)


def test_a_chinese_part_of_the_day_after_digits_starts_its_time():
    """`周5下午3点` and `2026-12-04下午3点` as `周五下午3点` is read: the part of the day
    begins the time even after a digit (it was once cut after 下, leaving 3点, refused)."""
    now = datetime(2026, 12, 4, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    for text, day, hour in [("周5下午3点", 4, 15), ("2026-12-01下午3点", 1, 15),
                            ("星期3上午10点", 2, 10), ("11/13晚上8点", 13, 20)]:  # fmt: skip
        with local_zone("CST-8"):
            read = dates.parse_datetime(text, now, direction="past")
        assert (read.day, read.hour, read.minute) == (day, hour, 0), text


_NUMERALS = dict(enumerate("零一二三四五六七八九"))


def _said(n: int) -> str:
    """`n` (1 to 99) as Chinese numerals, as people write them: 十, 十二, 二十, 二十五."""
    if n < 10:
        return _NUMERALS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _NUMERALS[tens]) + "十" + (_NUMERALS[ones] if ones else "")


@given(
    st.integers(1, 99),
    st.sampled_from(
        [
            ("天", "d"),
            ("日", "d"),
            ("周", "w"),
            ("星期", "w"),
            ("个星期", "w"),
            ("礼拜", "w"),
            ("个月", "m"),
            ("年", "y"),
        ]
    ),
    st.booleans(),
    st.sampled_from(["", " "]),
)
def test_a_period_in_chinese_is_the_period_in_units(n, word, digits, space):
    """`--within 7天`, `一周`, `两个星期`: the Chinese a date's `3天后` takes, as a period."""
    unit_word, unit = word
    count = str(n) if digits else _said(n)
    assert dates.parse_period(f"{count}{space}{unit_word}") == dates.Period(n, unit)
    if n == 2 and not digits:
        assert dates.parse_period(f"两{unit_word}") == dates.Period(2, unit)


@pytest.mark.parametrize(
    ("text", "days"),
    [("十天", 10), ("十二天", 12), ("二十天", 20), ("二十五天", 25), ("九十九天", 99)],
    ids=["10", "12", "20", "25", "99"],
)
def test_chinese_numerals_of_ten_and_more_are_read_by_their_tens(text, days):
    """Each case as well as the property above, whose few examples may miss 十 alone."""
    assert dates.parse_period(text) == dates.Period(days, "d")


@pytest.mark.parametrize(
    "text", ["十十天", "两十天", "零天", "7天后", "周", "一百五天", "2 个 月", "三"]
)
def test_what_is_no_period_in_chinese_is_refused(text):
    with pytest.raises(InvalidInput, match="is not a period"):
        dates.parse_period(text, option="--within")


def test_a_quarter_is_shown_as_its_key_in_english_and_in_words_in_chinese():
    assert dates.show_quarter("2026-Q4") == "2026-Q4"
    token = i18n.use("zh")
    try:
        assert dates.show_quarter("2026-Q4") == "2026年第4季度"
        assert dates.show_quarter("1999-Q1") == "1999年第1季度"
    finally:
        i18n.reset(token)


@pytest.mark.parametrize(
    ("stored", "bare", "chinese"),
    [
        ("2w", False, "每两周"),
        ("1m", False, "每月"),
        ("1w", False, "每周"),
        ("3d", False, "每 3 天"),
        ("2m", False, "每两个月"),
        ("12m", False, "每 12 个月"),
        ("3d", True, "3 天"),
        ("1y", True, "1 年"),
        ("fortnightly", False, "fortnightly"),  # no period: said as stored
        ("2x", True, "2x"),
    ],
)
def test_a_stored_period_is_said_in_words_in_chinese_and_as_stored_in_english(
    stored, bare, chinese
):
    period = dates.StoredPeriod(stored, bare=bare)
    assert (period.said(), str(period)) == (stored, stored)
    token = i18n.use("zh")
    try:
        assert (period.said(), str(period)) == (chinese, stored)
    finally:
        i18n.reset(token)


FORMS = (
    "use a day such as 2026-11-22, Jan 5, 11月22日, today, tomorrow, fri, next fri, in 3 days, "
    "+3d or -2w, optionally with a time such as 15:00, 3pm or 下午3点 (see docs/conventions.md)"
)
PAST_FORMS = (
    "use a day such as 2026-11-22, Jan 5, 11月22日, today, yesterday, last fri, 3 days ago or "
    "-2w, optionally with a time such as 15:00, 3pm or 下午3点 (see docs/conventions.md)"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("march", f"not a date: 'march' is a month; name the day too, e.g. march 5; {FORMS}"),
        ("2026", f"not a date: '2026' is a year alone; write the day, e.g. 2026-01-31; {FORMS}"),
        ("+5", f"not a date: '+5'; for 5 days ahead write +5d; {FORMS}"),
        ("-5", f"not a date: '-5'; for 5 days ago write -5d; {FORMS}"),
        ("someday", f"not a date: 'someday'; {FORMS}"),
        ("4/5", "ambiguous date '4/5': 5 Apr or 4 May? write 2026-04-05 or 2026-05-04 instead"),
        ("", f"empty date; {FORMS}"),
        ("+9999y", "date '+9999y' is outside the years 1000 to 2999"),
        (
            "25:00",
            "not a time of day: '25:00'; use e.g. 15:00, 3pm, 3:30 PM, noon, midnight or 下午3点",
        ),
    ],
    ids=["month", "year", "plus-5", "minus-5", "someday", "slashed", "empty", "far", "hour-25"],
)
def test_a_refused_day_is_said_whole(text, message):
    with pytest.raises(InvalidInput) as caught:  # an option about the past offers past days
        dates.parse_datetime(text, FRIDAY, direction="past")
    assert str(caught.value) == message.replace(FORMS, PAST_FORMS)
    if FORMS in message:  # and one about the future, days to come
        with pytest.raises(InvalidInput) as caught:
            dates.parse_datetime(text, FRIDAY, direction="future")
        assert str(caught.value) == message


def test_a_month_no_calendar_has_is_refused_whole_and_december_is_one():
    """`2026年13月` names no month (the forms are listed); `2026年12月` is all of December."""
    with pytest.raises(InvalidInput) as caught:
        dates.parse_span("2026年13月", FRIDAY.date())
    assert str(caught.value) == f"not a date: '2026年13月' (there is no such month); {FORMS}"
    december = (date(2026, 12, 1), date(2026, 12, 31))
    assert dates.parse_span("2026年12月", FRIDAY.date()) == december
    assert dates.parse_span("2026-12", FRIDAY.date()) == december


def test_a_bare_month_of_chinese_digits_that_make_no_number_is_no_month():
    """`十十月` and `一二月` are written like a month of this year but name none: refused
    as no such month, never read as January."""
    for text in ("十十月", "一二月", "九九九月份"):
        with pytest.raises(InvalidInput) as caught:
            dates.parse_span(text, FRIDAY.date())
        assert str(caught.value) == f"not a date: {text!r} (there is no such month); {FORMS}"


def test_a_year_and_a_quarter_after_the_year_are_spans():
    """`2026年` (and `2026年度`) is the whole year, `2026年Q4` the fourth quarter."""
    year = (date(2026, 1, 1), date(2026, 12, 31))
    assert dates.parse_span("2026年", FRIDAY.date()) == year
    assert dates.parse_span("2026年度", FRIDAY.date()) == year
    assert dates.parse_span("2026年Q4", FRIDAY.date()) == (date(2026, 10, 1), date(2026, 12, 31))


def test_a_span_outside_the_years_crm_keeps_is_refused_whole():
    """A quarter of the year 999, last year said in the year 1000, and a week that begins
    in 999 or ends in 3000 name no day crm keeps."""
    for text, today in (
        ("0999Q4", FRIDAY.date()),
        ("去年", date(1000, 6, 1)),
        ("本周", date(1000, 1, 1)),  # a Wednesday: its Monday is 999-12-30
        ("下周", date(2999, 12, 25)),  # next week: Monday 2999-12-30 to Sunday 3000-01-05
    ):
        with pytest.raises(InvalidInput) as caught:
            dates.parse_span(text, today)
        assert str(caught.value) == f"date {text!r} is outside the years 1000 to 2999"


def test_a_bound_that_names_a_day_is_that_day_in_the_past():
    """`fri` on Sunday 2026-11-22 is the 20th whichever end of a range it bounds; a time of
    day is refused naming the option."""
    sunday = date(2026, 11, 22)
    assert dates.parse_bound("fri", sunday, last=False, option="--since") == date(2026, 11, 20)
    assert dates.parse_bound("fri", sunday, last=True, option="--until") == date(2026, 11, 20)
    with pytest.raises(InvalidInput) as caught:
        dates.parse_bound("2026-11-20 10:00", sunday, last=False, option="--since")
    assert str(caught.value) == (
        "--since takes a day, not a time of day: '2026-11-20 10:00'; write the day alone, "
        "e.g. 2026-11-20"
    )


def test_a_time_of_day_where_a_day_is_asked_for_is_said_whole():
    with pytest.raises(InvalidInput) as caught:
        dates.parse_date("2026-11-22 10:00", FRIDAY.date(), direction="past", option="--due")
    assert str(caught.value) == (
        "--due takes a day, not a time of day: '2026-11-22 10:00'; write the day alone, "
        "e.g. 2026-11-22"
    )


# --- a day of the month without its month (15号) ---------------------------------------


@pytest.mark.parametrize(
    ("text", "today", "direction", "day"),
    [("30号", date(2026, 1, 31), "future", date(2026, 3, 30)),  # February has no 30th
     ("30号", date(2026, 3, 29), "past", date(2026, 1, 30)),
     ("31号", date(2026, 11, 22), "future", date(2026, 12, 31)),
     ("31号", date(2026, 4, 30), "past", date(2026, 3, 31)),
     ("三十一日", date(2026, 12, 31), "past", date(2026, 12, 31)),
     ("一号", date(2026, 12, 31), "future", date(2027, 1, 1)),
     ("下个月二十九号", date(2028, 1, 31), "past", date(2028, 2, 29)),
     ("上个月31号", date(2026, 1, 5), "future", date(2025, 12, 31)),
     ("这个月1日", date(2026, 1, 5), "none", date(2026, 1, 1))],
)  # fmt: skip
def test_a_day_of_the_month_is_the_nearest_month_that_has_it(text, today, direction, day):
    assert dates.parse_date(text, today, direction=direction) == day


NO_SUCH_DAY = "not a date: {!r} (there is no such day); " + dates.HELP
NO_TIME = "not a time of day: {!r}; use e.g. 15:00, 3pm, 3:30 PM, noon, midnight or 下午3点"


@pytest.mark.parametrize(
    ("text", "direction", "message"),
    [("15号", "none", "'15号' has no month; write it with its year and month, e.g. YYYY-MM-15"),
     ("1点", "past", "'1点' could be at night or in the afternoon; write 下午1点 (13:00) or 凌晨1点"),
     ("明天6点半", "future",
      "'6点半' could be at night or in the afternoon; write 下午6点半 (18:30) or 凌晨6点半"),
     ("十十月一日", "past", NO_SUCH_DAY.format("十十月一日")),
     ("一月十十日", "past", NO_SUCH_DAY.format("一月十十日")),
     ("十十号", "future", NO_SUCH_DAY.format("十十号")),
     ("本月0号", "future", NO_SUCH_DAY.format("本月0号")),
     ("上月31号", "past", NO_SUCH_DAY.format("上月31号")),
     ("下午十十点", "past", "not a time of day: '下午十十点'; 下午 runs from 12:00 to 23:59; "
      "write the time on the 24-hour clock"),
     ("十点零零分", "past", NO_TIME.format("十点零零分"))],
)  # fmt: skip
def test_a_chinese_day_or_hour_that_says_no_one_is_refused_whole(text, direction, message):
    with pytest.raises(InvalidInput) as refused:
        dates.parse_date(text, FRIDAY.date(), direction=direction)
    assert refused.value.message == message


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    moment=st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2099, 12, 31)),
    minutes=st.integers(-14 * 60, 14 * 60).map(lambda m: m - m % 15),
    colon=st.booleans(),
    spaces=st.sampled_from([" ", "  ", "\t"]),
)
def test_a_moment_with_its_offset_after_a_space_is_that_moment(moment, minutes, colon, spaces):
    """Shopify writes `2026-11-02 14:05:33 +0800`: refused as not a date, where the same
    moment with the offset run into the time was read."""
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    offset = f"{sign}{hours:02}{':' if colon else ''}{rest:02}"
    given_at = moment.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=minutes)))
    typed = f"{moment:%Y-%m-%d %H:%M:%S}{spaces}{offset}"
    assert dates.parse_datetime(typed, FRIDAY, direction="past") == given_at


@pytest.mark.parametrize(
    ("typed", "clock"),
    [("2026/1/5 下午 02:05:33", "14:05:33"), ("2026/1/5 上午 11:59:59", "11:59:59"),
     ("2026/1/5 下午 12:05:33", "12:05:33"), ("2026/1/5 凌晨 12:00:01", "00:00:01"),
     ("2026/1/5 下午02:05", "14:05:00"), ("2026/1/5 上午 12:30:00", "00:30:00"),
     ("2026/1/5 下午 12:30:00", "12:30:00")],
)  # fmt: skip
def test_a_chinese_spreadsheet_s_moment_with_seconds_is_read(typed, clock):
    """Chinese Excel and WPS write `2026/1/5 下午 02:05:33`: refused, quoting it cut short."""
    moment = dates.parse_datetime(typed, FRIDAY, direction="past")
    assert (moment.date(), moment.strftime("%H:%M:%S")) == (date(2026, 1, 5), clock)


def test_a_due_day_with_its_offset_after_a_space_says_its_time_is_not_kept():
    """`--due "2026-12-02 15:00:00 +0800"` kept the day without the warning the ISO form
    (`2026-12-02T15:00:00+08:00`) gives."""
    for typed in ("2026-12-02 15:00:00 +0800", "2026-12-02T15:00:00+08:00"):
        assert dates.names_time(typed), typed
    assert not dates.names_time("2026-12-02")
    assert past("2026/3/2 上午12点") == "refused"  # a person's 上午12点 is still asked
