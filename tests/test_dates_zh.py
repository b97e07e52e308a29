"""Everyday Chinese date words: counts in Chinese numerals (两天后), moments some hours ago
(半小时前, 刚才), a day run into its part (昨晚8点, 今晚), the night past midnight (昨天夜里1点),
the last N days and half years as periods (近7天, 上半年), 下个月, 周末, and 12.25.
Each is checked against an oracle written here from what the words mean, not from the
parser's code."""

import json
import sqlite3
from datetime import date, datetime, time, timedelta, timezone

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.core import dates
from crmcli.core.errors import InvalidInput
from tests.conftest import add, crm, examples, ok

TODAY = date(2026, 12, 6)  # a Sunday
NOW = datetime(2026, 12, 6, 10, 0, tzinfo=timezone(timedelta(hours=8)))  # the tests' zone
DIGITS = "零一二三四五六七八九"


def spelled(n: int) -> list[str]:
    """How people write 1 to 99 in Chinese characters (两 for a two alone)."""
    tens, ones = divmod(n, 10)
    if n < 10:
        return [DIGITS[n]] + (["两"] if n == 2 else [])
    head = "十" if tens == 1 else DIGITS[tens] + "十"
    return [head + (DIGITS[ones] if ones else "")]


counts = st.integers(1, 99).flatmap(lambda n: st.sampled_from([(str(n), n)] + [
    (word, n) for word in spelled(n)
]))  # fmt: skip
days = st.dates(date(2001, 1, 1), date(2098, 12, 31))


@settings(max_examples=examples(300), deadline=None)
@given(
    counts,
    st.sampled_from([("天", "days"), ("周", "weeks"), ("个星期", "weeks"), ("个月", "months"),
                     ("年", "years")]),
    st.sampled_from([("后", 1), ("以后", 1), ("之后", 1), ("前", -1), ("以前", -1),
                     ("之前", -1)]),
    days,
    st.sampled_from(["past", "future"]),
)  # fmt: skip
def test_a_count_in_chinese_numerals_moves_the_day_as_digits_do(count, unit, way, today, direction):
    (word, n), (unit_word, unit_name), (way_word, sign) = count, unit, way
    expected = today + relativedelta(**{unit_name: sign * n})
    text = f"{word}{unit_word}{way_word}"
    assert dates.parse_date(text, today, direction=direction) == expected, text


@settings(max_examples=examples(300), deadline=None)
@given(
    counts,
    st.sampled_from([("小时", 3600), ("个小时", 3600), ("个钟头", 3600), ("分钟", 60)]),
    st.booleans(),
    st.sampled_from([("前", -1), ("以前", -1), ("之前", -1), ("后", 1), ("之后", 1)]),
)
def test_a_moment_some_hours_or_minutes_from_now_is_now_moved_by_them(count, unit, half, way):
    (word, n), (unit_word, seconds), (way_word, sign) = count, unit, way
    if half and seconds == 3600:  # 一个半小时, 1小时半 is a duration's form, not this one
        text = f"{word}个半小时{way_word}" if "个" in unit_word else f"{word}半小时{way_word}"
        moved = timedelta(seconds=n * 3600 + 1800)
    else:
        text, moved = f"{word}{unit_word}{way_word}", timedelta(seconds=n * seconds)
    assert dates.parse_datetime(text, NOW, direction="past") == NOW + sign * moved, text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("半小时前", "Sun 2026-12-06 09:30"),
        ("半个小时前", "Sun 2026-12-06 09:30"),
        ("2小时前", "Sun 2026-12-06 08:00"),
        ("两个小时前", "Sun 2026-12-06 08:00"),
        ("十分钟前", "Sun 2026-12-06 09:50"),
        ("刚才", "Sun 2026-12-06 10:00"),
        ("刚刚", "Sun 2026-12-06 10:00"),
        ("现在", "Sun 2026-12-06 10:00"),
    ],
)
def test_just_now_and_minutes_ago_are_moments(text, shown):
    assert dates.show_moment(dates.parse_datetime(text, NOW, direction="past")) == shown


@pytest.mark.parametrize(
    "text", ["0小时前", "零分钟前", "二十两小时前", "1个分钟前", "1个半分钟前", "半天前", "小时前"]
)
def test_what_only_looks_like_a_moment_ago_is_refused_with_past_days(text):
    with pytest.raises(InvalidInput) as caught:
        dates.parse_datetime(text, NOW, direction="past")
    assert "\n" not in str(caught.value)
    assert str(caught.value).endswith(dates.PAST_HELP)


# A day run into its part of the day, and the day and part written out.
JOINED = {"昨晚": ("昨天", "晚上"), "今晚": ("今天", "晚上"), "明晚": ("明天", "晚上"),
          "今早": ("今天", "早上"), "明早": ("明天", "早上"), "今晨": ("今天", "早晨"),
          "昨夜": ("昨天", "夜里"), "今夜": ("今天", "夜里")}  # fmt: skip
EVENING = [18, 19, 20, 21, 22, 23]
MORNING = [4, 5, 6, 7, 8, 9, 10, 11]
NIGHT = [21, 22, 23, 0, 1, 2, 3, 4, 5]  # 夜里 runs past midnight into the next day
OFFSET = {"昨天": -1, "今天": 0, "明天": 1}


def said_hours(hour: int) -> list[str]:
    """An hour as Chinese writes it after a part of the day: on the 12-hour clock, and as
    written on the 24-hour clock when that is another number."""
    return sorted({f"{hour % 12 or 12}点", *([f"{hour}点"] if hour > 12 else [])})


@pytest.mark.parametrize("joined", list(JOINED))
def test_a_day_run_into_its_part_is_that_day_at_that_hour(joined):
    day, part = JOINED[joined]
    hours = {"晚上": EVENING, "早上": MORNING, "早晨": MORNING, "夜里": NIGHT}[part]
    for hour in hours:
        next_day = part == "夜里" and hour < 12  # the night's small hours
        expected = datetime.combine(
            TODAY + timedelta(days=OFFSET[day] + next_day), time(hour)
        ).astimezone()
        for said in said_hours(hour):
            text = f"{joined}{said}"
            assert dates.parse_datetime(text, NOW, direction="past") == expected, text
            assert dates.parse_datetime(f"{day}{part}{said}", NOW, direction="past") == expected


@pytest.mark.parametrize("part", ["夜里", "半夜"])
def test_the_night_takes_only_its_own_hours_and_refuses_the_rest_in_one_line(part):
    night = NIGHT if part == "夜里" else [23, 0, 1, 2, 3, 4, 5]
    for typed in range(24):
        text = f"昨天{part}{typed}点"
        clock = {typed} if typed == 0 or typed > 12 else {typed % 12, typed % 12 + 12}
        meant = [hour for hour in clock if hour in night]
        if meant:
            (hour,) = meant
            moment = datetime.combine(TODAY - timedelta(days=hour >= 12), time(hour))
            assert dates.parse_datetime(text, NOW, direction="past") == moment.astimezone()
            continue
        with pytest.raises(InvalidInput) as caught:
            dates.parse_datetime(text, NOW, direction="past")
        assert str(caught.value).startswith(f"not a time of day: '{part}{typed}点'; {part} runs")


@pytest.mark.parametrize(
    ("text", "day"),
    [("今晚", TODAY), ("明晚", TODAY + timedelta(1)), ("今天下午", TODAY), ("明天上午", TODAY
     + timedelta(1)), ("明早", TODAY + timedelta(1)), ("下周五晚上", date(2026, 12, 11))],
)  # fmt: skip
def test_a_day_with_its_part_and_no_hour_is_that_day_for_an_option_about_the_future(text, day):
    assert dates.parse_date(text, TODAY, direction="future") == day
    with pytest.raises(InvalidInput):  # a moment needs its hour
        dates.parse_datetime(text, NOW, direction="past")
    with pytest.raises(InvalidInput):  # and a day alone (--since) is no part of a day
        dates.parse_date(text, TODAY, direction="past", option="--since")


@settings(max_examples=examples(200), deadline=None)
@given(days, st.sampled_from(["past", "future"]))
def test_next_month_is_its_first_day_and_the_weekend_its_saturday(today, direction):
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    for text in ("下个月", "下月", "下月初", "下个月初"):
        assert dates.parse_date(text, today, direction=direction) == first
    step = 1 if direction == "future" else -1
    saturday = today
    while saturday.weekday() != 5:
        saturday += timedelta(days=step)
    assert dates.parse_date("周末", today, direction=direction) == saturday
    monday = today - timedelta(days=today.weekday())
    for word, weeks in (("本周末", 0), ("这周末", 0), ("下周末", 1), ("上周末", -1)):
        expected = monday + timedelta(weeks=weeks, days=5)
        assert dates.parse_date(word, today, direction=direction) == expected


@settings(max_examples=examples(300), deadline=None)
@given(st.integers(1, 31), st.integers(1, 31), days, st.sampled_from(["past", "future"]))
def test_a_day_written_with_a_dot_reads_as_with_a_slash(first, second, today, direction):
    def read(text: str) -> date | str:
        try:
            return dates.parse_date(text, today, direction=direction)
        except InvalidInput as error:
            return str(error).replace("/", ".")

    assert read(f"{first}.{second}") == read(f"{first}/{second}")


def test_12_25_is_christmas_and_1_5_is_refused_as_1_5_is():
    assert dates.parse_date("12.25", TODAY, direction="future") == date(2026, 12, 25)
    assert dates.parse_date("12.25", TODAY, direction="past") == date(2025, 12, 25)
    with pytest.raises(InvalidInput, match=r"ambiguous date '1\.5': 5 Jan or 1 May\?"):
        dates.parse_date("1.5", TODAY, direction="future")


@settings(max_examples=examples(200), deadline=None)
@given(counts, st.sampled_from(["近", "最近", "过去"]), days)
def test_the_last_n_days_end_today_and_count_it(count, word, today):
    (number, n) = count
    assert dates.parse_span(f"{word}{number}天", today) == (today - timedelta(n - 1), today)
    months = dates.parse_span(f"{word}{number}个月", today)
    assert months == (today - relativedelta(months=n) + timedelta(1), today)


@settings(max_examples=examples(100), deadline=None)
@given(st.integers(1000, 2999), days)
def test_a_half_year_is_january_to_june_or_july_to_december(year, today):
    assert dates.parse_span(f"{year}年上半年", today) == (date(year, 1, 1), date(year, 6, 30))
    assert dates.parse_span(f"{year}年下半年", today) == (date(year, 7, 1), date(year, 12, 31))
    assert dates.parse_span("上半年", today) == (date(today.year, 1, 1), date(today.year, 6, 30))
    assert dates.parse_span("下半年", today)[1] == date(today.year, 12, 31)


@pytest.mark.parametrize("text", ["近0天", "近天", "最近二十两天", "近7", "中半年", "2026上半年"])
def test_what_is_no_recent_span_is_refused_one_line(text):
    with pytest.raises(InvalidInput) as caught:
        dates.parse_bound(text, TODAY, last=False, option="--since")
    assert "\n" not in str(caught.value) and "not a date" in str(caught.value)


# Through crm: the clock is pinned at Sun 2026-11-22 10:00 +08:00.


def occurred(db_path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        return [row[0] for row in conn.execute("SELECT occurred_at FROM interactions")]


@pytest.mark.parametrize(
    ("at", "stored"),
    [
        ("半小时前", "2026-11-22T09:30:00+08:00"),
        ("两小时前", "2026-11-22T08:00:00+08:00"),
        ("刚才", "2026-11-22T10:00:00+08:00"),
        ("昨晚8点", "2026-11-21T20:00:00+08:00"),
        ("今早8点", "2026-11-22T08:00:00+08:00"),
        ("昨天夜里1点", "2026-11-22T01:00:00+08:00"),
        ("三天前", "2026-11-19T00:00:00+08:00"),
        ("11.20 15:00", "2026-11-20T15:00:00+08:00"),
    ],
)
def test_log_at_takes_everyday_chinese_moments(db_path, at, stored):
    add("Anna")
    ok("log", "call", "Anna", "x", "--at", at)
    assert occurred(db_path) == [stored]


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("一天后", "is in the future"),
        ("今晚", "'今晚' names no hour; write it with one, e.g. 今晚8点"),
        ("昨天下午", "'昨天下午' names no hour; write it with one, e.g. 昨天下午3点"),
        ("someday", "use a day such as 2026-11-22, Jan 5, 11月22日, today, yesterday, last fri"),
    ],
)
def test_log_at_refuses_a_moment_to_come_or_no_moment_and_writes_nothing(db_path, at, message):
    add("Anna")
    result = crm("log", "call", "Anna", "x", "--at", at)
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert "tomorrow" not in result.stderr
    assert occurred(db_path) == []


def test_log_at_refused_in_chinese_offers_past_days(db_path):
    add("Anna")
    result = crm("--lang", "zh", "log", "call", "Anna", "x", "--at", "某天")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "昨天" in result.stderr and "明天" not in result.stderr and "后天" not in result.stderr
    assert occurred(db_path) == []
    result = crm("--lang", "zh", "log", "call", "Anna", "x", "--at", "昨晚")
    assert (result.exit_code, result.stderr) == (
        2,
        "crm: “昨晚”没有说几点；请写上钟点，如昨晚8点\n",
    )
    assert occurred(db_path) == []


@pytest.mark.parametrize(
    ("due", "due_on"),
    [("今晚", "2026-11-22"), ("两天后", "2026-11-24"), ("下个月", "2026-12-01"),
     ("下月初", "2026-12-01"), ("周末", "2026-11-28"), ("12.25", "2026-12-25")],
)  # fmt: skip
def test_task_due_takes_everyday_chinese_days(db_path, due, due_on):
    add("Anna")
    ok("task", "add", "Anna", "x", "--due", due)
    assert [t["due_on"] for t in json.loads(ok("task", "list", "--format", "json"))] == [due_on]


def test_since_the_last_seven_days_counts_today(db_path):
    add("Anna")
    for at in ("2026-11-15 12:00", "2026-11-16 12:00", "2026-11-22 09:00"):
        ok("log", "call", "Anna", "x", "--at", at)
    for since in ("近7天", "最近7天", "过去七天"):
        rows = json.loads(ok("interactions", "--since", since, "--format", "json"))
        assert sorted(r["occurred_at"][:10] for r in rows) == ["2026-11-16", "2026-11-22"]
    rows = json.loads(ok("interactions", "--since", "下半年", "--format", "json"))
    assert len(rows) == 3


@pytest.mark.parametrize(
    ("chinese", "name"),
    [("日期", "dates"), ("筛选", "filters"), ("格式", "formats"), ("退出码", "exit-codes"),
     ("隐私", "privacy")],
)  # fmt: skip
def test_a_help_topic_opens_by_its_chinese_name_in_either_language(chinese, name):
    for lang in ("zh", "en"):
        assert ok("--lang", lang, "help", chinese) == ok("--lang", lang, "help", name)


def test_the_dates_topic_lists_the_chinese_forms_in_both_languages():
    for lang, periods in (("en", "half or year"), ("zh", "半年或整年")):
        shown = ok("--lang", lang, "help", "日期")
        for form in ("两天后", "周末", "12.25", "昨晚8点", "半小时前", "刚才", "近7天", "上半年",
                     "两周", "每两周", periods):  # fmt: skip
            assert form in shown, (lang, form)
    assert crm("help", "日子").exit_code == 2


def test_a_day_moved_outside_the_years_crm_keeps_is_refused_whole():
    """add_offset refuses a day it moves past 1000 to 2999 (a year out of Python's range,
    a count of days too large for it) in one message that names the day, the way and the
    period; the first and last days crm keeps are reached."""
    cases = [
        (date(2026, 11, 22), 1, 9999, "y", "2026-11-22 + 9999y"),
        (date(2026, 11, 22), -1, 9999, "y", "2026-11-22 - 9999y"),
        (date(2999, 12, 31), 1, 1, "d", "2999-12-31 + 1d"),
        (date(1000, 1, 1), -1, 1, "d", "1000-01-01 - 1d"),
        (date(2026, 1, 1), 1, 10**9, "d", "2026-01-01 + 1000000000d"),
    ]
    for day, sign, amount, unit, said in cases:
        with pytest.raises(InvalidInput) as refused:
            dates.add_offset(day, sign, amount, unit)
        assert refused.value.message == f"{said} is outside the years 1000 to 2999"
    assert dates.add_offset(date(2999, 12, 30), 1, 1, "d") == date(2999, 12, 31)
    assert dates.add_offset(date(1000, 1, 2), -1, 1, "d") == date(1000, 1, 1)


@pytest.mark.parametrize(
    ("text", "part", "first"),
    [
        ("夜里8点", "夜里", 21),
        ("半夜10点", "半夜", 23),
        ("夜里24点", "夜里", 21),
        ("半夜25点", "半夜", 23),
    ],
    ids=["night-8", "midnight-10", "night-24", "midnight-25"],
)
def test_an_hour_outside_the_night_is_refused_whole(text, part, first):
    """An hour the night does not hold, of the day or past 23, is refused with the night's
    hours, from its first to 05:59 of the next day."""
    with pytest.raises(InvalidInput) as refused:
        dates.parse_datetime(text, NOW, direction="past")
    assert refused.value.message == (
        f"not a time of day: {text!r}; {part} runs from {first}:00 to 05:59 of the next day"
    )


def test_the_last_weeks_said_with_xingqi_or_libai_are_spans():
    """近2个星期 and 过去3个礼拜 are weeks as 近2周 is: today and the days before it."""
    assert dates.parse_span("近2个星期", TODAY) == (date(2026, 11, 23), TODAY)
    assert dates.parse_span("过去3个礼拜", TODAY) == (date(2026, 11, 16), TODAY)
    assert dates.parse_span("最近1星期", TODAY) == (date(2026, 11, 30), TODAY)


@pytest.mark.parametrize(
    ("text", "length"),
    [("每一个半月", "一个半月"), ("每1年半", "1年半"), ("每半年", "半年"), ("每半个月", "半个月")],
    ids=["month-and-a-half", "year-and-a-half", "half-year", "half-month"],
)
def test_a_repeat_with_a_half_where_a_length_is_asked_for_names_the_length(text, length):
    with pytest.raises(InvalidInput) as refused:
        dates.parse_period(text, option="--within")
    assert refused.value.message == (
        f"--within {text!r} says how often, not how long; write {length}"
    )


@pytest.mark.parametrize(
    "text",
    ["0小时前", "0分钟后", "二十两个半小时前"],
    ids=["zero-hours", "zero-minutes", "no-number"],
)
def test_a_moment_of_no_time_or_no_number_from_now_is_refused(text):
    """No hours, or a count that is no number even with a half, names no moment."""
    with pytest.raises(InvalidInput) as refused:
        dates.parse_datetime(text, NOW, direction="past")
    assert refused.value.message.startswith(f"not a date: {text!r}; use a day such as")


def test_two_before_qian_or_bai_is_liang_or_er():
    assert [dates.chinese_number(t) for t in ("两千零八", "二千零八", "两百", "二百")] == [
        2008, 2008, 200, 200,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "today"),
    [
        ("近7天", date(1000, 1, 3)),
        ("近半个月", date(1000, 1, 10)),
        ("上个月", date(1000, 1, 15)),
        ("明年", date(2999, 6, 1)),
        ("下季度", date(2999, 11, 1)),
    ],
    ids=["last-7-days", "last-half-month", "last-month", "next-year", "next-quarter"],
)
def test_a_span_a_clock_near_the_first_or_last_year_moves_outside_them_is_refused(text, today):
    """Near the years 1000 and 2999 a span that begins or ends outside them is refused by
    its text, as `crm report sales --since 近7天` says it."""
    with pytest.raises(InvalidInput) as refused:
        dates.parse_span(text, today)
    assert refused.value.message == f"date {text!r} is outside the years 1000 to 2999"


@pytest.mark.parametrize(
    ("text", "now"),
    [
        ("2小时前", datetime(1000, 1, 1, 1, 0, tzinfo=NOW.tzinfo)),
        ("3小时后", datetime(2999, 12, 31, 22, 0, tzinfo=NOW.tzinfo)),
        ("昨天下午3点", datetime(1000, 1, 1, 10, 0, tzinfo=NOW.tzinfo)),
        ("半年前", datetime(1000, 3, 1, 10, 0, tzinfo=NOW.tzinfo)),
    ],
    ids=["hours-ago", "hours-to-come", "yesterday-3pm", "half-year-ago"],
)
def test_a_moment_a_clock_near_the_first_or_last_year_moves_outside_them_is_refused(text, now):
    with pytest.raises(InvalidInput) as refused:
        dates.parse_datetime(text, now, direction="past")
    assert refused.value.message == f"date {text!r} is outside the years 1000 to 2999"
    if not text.endswith(("小时前", "小时后")):  # a day: parse_date says the same
        with pytest.raises(InvalidInput) as refused:
            dates.parse_date(text, now.date(), direction="past")
        assert refused.value.message == f"date {text!r} is outside the years 1000 to 2999"


def test_a_time_typed_with_a_day_is_said_not_kept_whatever_its_case():
    """`crm task add --due 2026-12-01t15:00` keeps the day and says the time is not kept, as
    for a capital T; a day alone, or nothing, says nothing."""
    for text in ("2026-12-01T15:00", "2026-12-01t15:00", "2026-12-01 15:00", "明天下午3点",
                 "fri 3pm"):  # fmt: skip
        assert dates.time_not_kept("--due", text) == (
            f"--due keeps the day only: the time of day in {text!r} is not kept"
        )
    for text in ("2026-12-01", "2026-12-01z", "明天", " ", None):
        assert dates.time_not_kept("--due", text) is None


def test_a_length_with_a_space_in_it_given_as_a_bound_is_named_without_it():
    with pytest.raises(InvalidInput) as refused:
        dates.parse_bound("半 个月", TODAY, last=False, option="--since")
    assert refused.value.message == (
        "--since '半 个月' is a length, not a day; write 近半个月 for the days up to today, or "
        "半个月前 for the day it began"
    )


@pytest.mark.parametrize(
    "text", ["3000年上半年", "0999年下半年"], ids=["3000-first-half", "999-second-half"]
)
def test_a_half_year_outside_the_years_crm_keeps_is_refused_by_its_text(text):
    with pytest.raises(InvalidInput) as refused:
        dates.parse_bound(text, TODAY, last=False, option="--since")
    assert refused.value.message == f"date {text!r} is outside the years 1000 to 2999"


def test_a_week_is_said_as_a_chinese_table_says_it_and_scripts_keep_its_key(db_path):
    add("张伟")
    ok("buy", "张伟", "茶", "100", "--at", "2025-01-08")  # ISO week 2 of 2025
    ok("buy", "张伟", "茶", "50", "--at", "2026-11-18")
    ok("buy", "张伟", "茶", "30", "--at", "2021-01-01")  # a Friday: week 53 of 2020
    firsts = {
        lang: [line.split()[0] for line in ok(*lang, "report", "sales", "--by", by).splitlines()]
        for lang, by in (((), "week"), (("--lang", "en"), "week"), (("--lang", "zh"), "周"))
    }
    assert firsts[()] == firsts[("--lang", "en")] == [
        "week", "--------", "2020-W53", "2025-W02", "2026-W47", "total"]  # fmt: skip
    assert firsts[("--lang", "zh")] == [
        "周", "------------", "2020年第53周", "2025年第2周", "2026年第47周", "合计"]  # fmt: skip
    for lang in ((), ("--lang", "zh")):
        keys = ok(*lang, "report", "sales", "--by", "week", "-f", "csv").splitlines()
        assert [line.split(",")[0] for line in keys] == ["week", "2020-W53", "2025-W02", "2026-W47"]
        listed = json.loads(ok(*lang, "report", "sales", "--by", "week", "-f", "json"))
        assert [row["week"] for row in listed] == ["2020-W53", "2025-W02", "2026-W47"]


@pytest.mark.parametrize(
    ("lang", "said"), [((), "total of all"), (("--lang", "zh"), "全部合计")], ids=["en", "zh"]
)
def test_a_total_under_a_limit_says_it_adds_up_every_period(db_path, lang, said):
    add("张伟")
    ok("buy", "张伟", "茶", "100", "--at", "2025-01-08")
    ok("buy", "张伟", "茶", "50", "--at", "2026-11-18")
    limited = ok(*lang, "report", "sales", "--by", "week", "--limit", "1").splitlines()
    assert [line.split("  ")[0] for line in limited[2:]] == [limited[2].split()[0], said]
    assert limited[3].split()[-6:-4] == ["150.00", "0.00"]  # both periods, the one shown 50.00
    whole = ok(*lang, "report", "sales", "--by", "week").splitlines()
    assert whole[-1].split()[0] == ("total" if not lang else "合计")


@settings(max_examples=examples(100), deadline=None)
@given(st.dates(date(1000, 1, 6), date(2999, 12, 29)))  # the weeks inside the years kept
def test_a_week_as_a_report_shows_it_is_its_monday_to_its_sunday(day):
    year, week, weekday = day.isocalendar()
    monday = day - timedelta(weekday - 1)
    for text in (
        f"{year}-W{week:02d}",
        f"{year}w{week}",
        f"{year}年第{week}周",
        f"{year}年{week}周",
    ):
        assert dates.parse_span(text, TODAY) == (monday, monday + timedelta(6)), text


@pytest.mark.parametrize(
    ("text", "said"),
    [("2025-W53", "there is no such week"), ("2026年第0周", "there is no such week"),
     ("2026-W54", "there is no such week"), ("2020-W54", "there is no such week"),
     ("0999-W10", "outside the years"), ("1000-W01", "outside the years"),
     ("2999-W53", "there is no such week"), ("0000-W01", "outside the years")],
    ids=["53rd-of-52", "week-0", "week-54", "week-54-of-53", "year-999", "monday-in-999",
         "53rd-of-2999", "year-0"],
)  # fmt: skip
def test_a_week_a_year_has_not_is_refused_in_one_line(text, said):
    with pytest.raises(InvalidInput) as refused:
        dates.parse_bound(text, TODAY, last=False, option="--since")
    with pytest.raises(InvalidInput) as month:  # the forms of a day and of a period follow
        dates.parse_bound("2026年13月", TODAY, last=False, option="--since")
    forms = month.value.message.split("); ", 1)[1]
    assert refused.value.message in (
        f"not a date: {text!r} ({said}); {forms}",
        f"date {text!r} is {said} 1000 to 2999",
    )


def test_a_week_is_typed_back_as_a_chinese_table_shows_it(db_path):
    add("张伟")
    ok("buy", "张伟", "茶", "100", "--at", "2026-11-15")  # a Sunday: week 46
    ok("buy", "张伟", "茶", "50", "--at", "2026-11-16")
    for typed in ("2026年第47周", "2026-W47"):
        got = json.loads(ok("report", "sales", "--by", "周", "--since", typed, "-f", "json"))
        assert [(row["week"], row["net"]) for row in got] == [("2026-W47", "50.00")]
        got = json.loads(ok("report", "sales", "--by", "day", "--until", typed, "-f", "json"))
        assert [row["day"] for row in got] == ["2026-11-15", "2026-11-16"]
