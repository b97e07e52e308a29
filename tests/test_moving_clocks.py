"""Dates on clocks that move: the date grammar, recurring tasks, reminders and cadences on
seven consecutive days (not the tests' usual Sunday of 2026) across the leap day 2028-02-29,
the year end 2027/28 and the year end 2032/33 inside an ISO week 53. Each expected day is
either written by hand or found by walking the calendar one day at a time (or by Python's
own date arithmetic), never by crm's."""

import json
from datetime import date, timedelta

import pytest

from crmcli.core import dates
from tests.conftest import ok

LEAP_WEEK = [date(2028, 2, 26) + timedelta(days=n) for n in range(7)]  # Sat 26 Feb to Fri 3 Mar
YEAR_END = [date(2027, 12, 28) + timedelta(days=n) for n in range(7)]  # Tue 28 Dec to Mon 3 Jan
# A year end inside an ISO week 53 (2032 begins on a Thursday): Mon 27 Dec to Sun 2 Jan 2033
WEEK_53 = [date(2032, 12, 27) + timedelta(days=n) for n in range(7)]
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ZH = "一二三四五六日"


def walk(start: date, step: int, weekday: int) -> date:
    """The first day from `start` (included), going `step` days at a time, on `weekday`."""
    day = start
    while day.weekday() != weekday:
        day += timedelta(days=step)
    return day


def in_week(today: date, weeks: int, weekday: int) -> date:
    """`weekday` of the ISO week (Monday to Sunday) `weeks` after today's."""
    year, week, _ = (today + timedelta(weeks=weeks)).isocalendar()
    return date.fromisocalendar(year, week, weekday + 1)


def at(day: date, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", f"{day.isoformat()}T10:00:00+08:00")


@pytest.mark.parametrize("today", LEAP_WEEK + YEAR_END + WEEK_53, ids=str)
def test_weekday_words_on_every_day_of_the_week(today):
    """`fri` is today or the nearest Friday in the option's direction; `next fri` is never
    today, nor is `last fri`; 下周五 / 上周五 / 本周五 name a day of next, last, this week."""
    wrong = []
    for target, name in enumerate(WEEKDAYS):
        want = {
            (name, "past"): walk(today, -1, target),
            (name, "future"): walk(today, 1, target),
            (f"next {name}", "past"): walk(today + timedelta(days=1), 1, target),
            (f"last {name}", "future"): walk(today - timedelta(days=1), -1, target),
            (f"下周{ZH[target]}", "past"): in_week(today, 1, target),
            (f"上周{ZH[target]}", "future"): in_week(today, -1, target),
            (f"本周{ZH[target]}", "future"): in_week(today, 0, target),
            (f"周{ZH[target]}", "past"): walk(today, -1, target),
        }
        for (text, direction), day in want.items():
            got = dates.parse_date(text, today, direction=direction)
            if got != day:
                wrong.append(f"{text!r} ({direction}) on {today}: {got}, not {day}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("today", LEAP_WEEK + YEAR_END + WEEK_53, ids=str)
def test_last_and_next_friday_through_crm_on_seven_days(today, db_path, monkeypatch):
    at(today, monkeypatch)
    ok("add", "Anna")
    out = ok("buy", "Anna", "Tea", "10", "--at", "last fri 3pm")
    last = walk(today - timedelta(days=1), -1, 4)
    assert out.endswith(f"at Fri {last.isoformat()} 15:00\n")
    assert last != today
    out = ok("task", "add", "Anna", "Call", "--due", "next fri")
    nxt = walk(today + timedelta(days=1), 1, 4)
    assert out == f"Added task 1 for Anna (#1), due Fri {nxt.isoformat()}: Call\n"
    assert 1 <= (nxt - today).days <= 7


# Offsets and days without a year, written by hand: (today, text, direction, day).
BY_HAND = [
    (date(2027, 3, 1), "1y", "future", date(2028, 3, 1)),  # 365 days would be 29 Feb
    (date(2027, 3, 1), "+1y", "future", date(2028, 3, 1)),
    (date(2028, 2, 29), "1y", "future", date(2029, 2, 28)),
    (date(2028, 2, 29), "-1y", "past", date(2027, 2, 28)),
    (date(2028, 2, 28), "-1y", "past", date(2027, 2, 28)),
    (date(2029, 3, 1), "-1y", "past", date(2028, 3, 1)),  # 365 days back would be 29 Feb
    (date(2028, 2, 29), "in 4 years", "future", date(2032, 2, 29)),
    (date(2028, 1, 31), "1m", "future", date(2028, 2, 29)),
    (date(2028, 3, 31), "-1m", "past", date(2028, 2, 29)),
    (date(2028, 2, 28), "+1d", "future", date(2028, 2, 29)),
    (date(2028, 3, 1), "yesterday", "past", date(2028, 2, 29)),
    (date(2028, 3, 1), "1 day ago", "past", date(2028, 2, 29)),
    (date(2027, 12, 30), "+3d", "future", date(2028, 1, 2)),
    (date(2028, 1, 1), "yesterday", "past", date(2027, 12, 31)),
    (date(2028, 1, 2), "-1w", "past", date(2027, 12, 26)),
    (date(2027, 12, 31), "tomorrow", "future", date(2028, 1, 1)),
    (date(2027, 12, 31), "Jan 1", "future", date(2028, 1, 1)),
    (date(2028, 1, 1), "Dec 31", "past", date(2027, 12, 31)),
    (date(2028, 1, 1), "Jan 1", "past", date(2028, 1, 1)),
    (date(2028, 3, 1), "Feb 29", "past", date(2028, 2, 29)),
    (date(2028, 3, 1), "Feb 29", "future", date(2032, 2, 29)),
    (date(2027, 6, 1), "2月29日", "future", date(2028, 2, 29)),
    (date(2028, 2, 29), "29 Feb", "future", date(2028, 2, 29)),
    (date(2028, 2, 29), "3天后", "future", date(2028, 3, 3)),
    (date(2028, 3, 3), "1周前", "past", date(2028, 2, 25)),
]


# ASCII ids (punycode for 3天后): pytest keeps the ids it was given and escapes them again in
# a second run in one process, as mutmut makes, which then found no such test.
@pytest.mark.parametrize(
    ("today", "text", "direction", "day"),
    BY_HAND,
    ids=[
        f"{t}-{x if x.isascii() else x.encode('punycode').decode()}-{w}-{d}"
        for t, x, w, d in BY_HAND
    ],
)
def test_offsets_and_yearless_days_across_leap_days_and_year_ends(today, text, direction, day):
    assert dates.parse_date(text, today, direction=direction) == day


def test_a_period_of_a_year_is_a_calendar_year():
    year = dates.parse_period("1y")
    assert year.after(date(2027, 3, 1)) == date(2028, 3, 1)
    assert year.after(date(2028, 2, 29)) == date(2029, 2, 28)
    assert year.after(date(2028, 2, 29), 4) == date(2032, 2, 29)
    assert dates.parse_period("12m").after(date(2027, 3, 1)) == date(2028, 3, 1)


def task_list() -> list[dict]:
    return json.loads(ok("task", "list", "--format", "json"))


@pytest.mark.parametrize(
    ("first", "every", "nexts"),
    [
        ("2028-01-31", "1m", ["2028-02-29", "2028-03-31", "2028-04-30"]),
        ("2028-02-29", "1y", ["2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29"]),
        ("2027-03-01", "1y", ["2028-03-01", "2029-03-01"]),
        ("2027-12-29", "1w", ["2028-01-05", "2028-01-12"]),
        ("2027-12-31", "2d", ["2028-01-02", "2028-01-04"]),
    ],
)
def test_recurring_tasks_done_on_their_day_keep_the_calendar(
    db_path, monkeypatch, first, every, nexts
):
    """Each task of the series is done on its own due day; the next one is due on the
    series' next calendar date (a month keeps the 31st where it can, a year is not 365 days)."""
    at(date.fromisoformat(first), monkeypatch)
    ok("add", "Anna")
    ok("task", "add", "Anna", "Check", "--due", first, "--every", every)
    task_id = 1
    for due in nexts:
        out = ok("task", "done", str(task_id))
        assert out.endswith(f"(next: task {task_id + 1} due {due})\n"), out
        task_id += 1
        at(date.fromisoformat(due), monkeypatch)
    assert [t["due_on"] for t in task_list()] == [nexts[-1]]


SPANS = {"leap-week": LEAP_WEEK, "year-end": YEAR_END, "week-53": WEEK_53}


@pytest.mark.parametrize("span", SPANS.values(), ids=SPANS.keys())
def test_a_daily_task_on_seven_days(db_path, monkeypatch, span):
    """Every day the task due that day is 'today', yesterday's left undone is 'overdue', and
    crm remind puts each in its list; done, the next one is due tomorrow (across the leap
    day, a year end, and a year end inside an ISO week 53)."""
    at(span[0], monkeypatch)
    ok("add", "Anna")
    ok("task", "add", "Anna", "Daily", "--due", "today", "--every", "1d")
    ok("task", "add", "Anna", "Once", "--due", span[0].isoformat())
    for n, today in enumerate(span):
        at(today, monkeypatch)
        shown = {t["text"]: (t["due_on"], t["status"]) for t in task_list()}
        assert shown["Daily"] == (today.isoformat(), "today")
        assert shown["Once"] == (span[0].isoformat(), "today" if n == 0 else "overdue")
        remind = json.loads(ok("remind", "--format", "json"))
        assert [t["text"] for t in remind["due_tasks"]] == ["Daily"] + (["Once"] if n == 0 else [])
        assert [(t["text"], t["days_overdue"]) for t in remind["overdue_tasks"]] == (
            [("Once", n)] if n else []
        )
        daily = next(t["id"] for t in task_list() if t["text"] == "Daily")
        nxt = (today + timedelta(days=1)).isoformat()
        assert ok("task", "done", str(daily)).endswith(f"due {nxt})\n")


@pytest.mark.parametrize("span", SPANS.values(), ids=SPANS.keys())
def test_a_cadence_falls_due_on_its_day(db_path, monkeypatch, span):
    """Contact every 7 days, last contact the day before the span: not due on its first six
    days, due on the seventh (walked one day at a time, so the leap day and the year end are
    counted as days), and the days since contact counted across them."""
    last = span[0] - timedelta(days=1)
    at(last, monkeypatch)
    ok("add", "Anna", "--cadence", "7d")
    ok("log", "call", "Anna", "Hello", "--at", f"{last.isoformat()} 09:00")
    for n, today in enumerate(span, 1):  # today is n days after the last contact
        at(today, monkeypatch)
        due = json.loads(ok("remind", "--format", "json", "--within", "0d"))["due_for_contact"]
        if n < 7:
            assert due == [], today
        else:
            (row,) = due
            assert row["due_on"] == span[6].isoformat()
            assert row["days_since_contact"] == n
            assert row["days_overdue"] == 0
