"""Periods, durations, yearly dates, recurrence and ranking: the pure parts of follow-ups."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.core.dates import Period, anniversary, parse_duration, parse_period
from crmcli.core.errors import InvalidInput
from crmcli.records import important_dates
from crmcli.records.tasks import next_due
from crmcli.reports.models import agenda

# In a period (--every, --within, --due-within, cadence) m is months; in a duration
# (--duration) m is minutes. These tables are the documented meaning of each form.
PERIODS = {
    "7d": (7, "d"),
    "2w": (2, "w"),
    "1m": (1, "m"),
    "3 months": (3, "m"),
    "1mo": (1, "m"),
    "1y": (1, "y"),
    "+10d": (10, "d"),
    "2W": (2, "w"),
}
DURATIONS = {
    "15m": timedelta(minutes=15),
    "1m": timedelta(minutes=1),
    "45": timedelta(minutes=45),
    "1h30m": timedelta(hours=1, minutes=30),
    "2h": timedelta(hours=2),
    "90 minutes": timedelta(minutes=90),
    "30s": timedelta(seconds=30),
    "1d": timedelta(days=1),
}


@pytest.mark.parametrize(("text", "expected"), PERIODS.items())
def test_periods_count_calendar_units_and_m_is_months(text, expected):
    period = parse_period(text)
    assert (period.amount, period.unit) == expected


@pytest.mark.parametrize(("text", "expected"), DURATIONS.items())
def test_durations_are_clock_time_and_m_is_minutes(text, expected):
    assert parse_duration(text) == expected


def test_the_same_text_means_a_month_or_a_minute_by_where_it_is_used():
    assert parse_period("1m").after(date(2026, 1, 15)) == date(2026, 2, 15)
    assert parse_duration("1m") == timedelta(minutes=1)


@pytest.mark.parametrize(
    ("text", "hint"),
    [("15min", "here m means months"), ("2h", "here m means months"), ("2", ""), ("x", "")],
)
def test_bad_periods_say_what_m_means(text, hint):
    with pytest.raises(InvalidInput) as error:
        parse_period(text, option="--every")
    assert "is not a period" in error.value.message and hint in error.value.message


@pytest.mark.parametrize(("text", "hint"), [("2mo", "m means minutes"), ("1w", "m means minutes")])
def test_bad_durations_say_what_m_means(text, hint):
    with pytest.raises(InvalidInput) as error:
        parse_duration(text, option="--duration")
    assert hint in error.value.message


def test_zero_periods_only_where_allowed():
    assert parse_period("0d", allow_zero=True) == Period(0, "d")
    with pytest.raises(InvalidInput):
        parse_period("0d")


def test_months_clamp_to_the_end_of_the_month():
    assert Period(1, "m").after(date(2026, 1, 31)) == date(2026, 2, 28)
    assert Period(1, "m").after(date(2028, 1, 31)) == date(2028, 2, 29)
    assert Period(1, "y").after(date(2024, 2, 29)) == date(2025, 2, 28)
    assert Period(1, "m").approx_days() == 30 and Period(2, "w").approx_days() == 14


def test_29_february_falls_on_28_february_in_other_years():
    born = date(2000, 2, 29)
    assert anniversary(born, 2027) == date(2027, 2, 28)
    assert anniversary(born, 2028) == date(2028, 2, 29)
    assert important_dates.occurrences(born, True, date(2027, 2, 27), date(2027, 3, 1)) == [
        date(2027, 2, 28)
    ]
    assert important_dates.occurrences(born, True, date(2028, 2, 28), date(2028, 2, 28)) == []
    assert important_dates.next_occurrence(born, True, date(2027, 3, 1)) == date(2028, 2, 29)


def test_yearly_dates_start_at_their_first_date_and_one_off_dates_end():
    first = date(2026, 12, 1)
    assert important_dates.occurrences(first, True, date(2025, 1, 1), date(2027, 12, 31)) == [
        date(2026, 12, 1),
        date(2027, 12, 1),
    ]
    assert important_dates.next_occurrence(first, False, date(2026, 12, 2)) is None
    assert important_dates.next_occurrence(first, False, date(2026, 12, 1)) == first


def test_monthly_series_keep_their_day_instead_of_drifting():
    anchor, monthly = date(2026, 1, 31), Period(1, "m")
    due = [anchor]
    for _ in range(3):
        due.append(next_due(anchor, monthly, due[-1]))
    assert due == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]


def test_a_late_weekly_task_skips_the_missed_weeks():
    assert next_due(date(2026, 11, 2), Period(1, "w"), date(2026, 11, 22)) == date(2026, 11, 23)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    anchor=st.dates(date(2000, 1, 1), date(2040, 12, 31)),
    amount=st.integers(1, 6),
    unit=st.sampled_from("dwmy"),
    offset=st.integers(-60, 4000),
)
def test_next_due_is_the_first_date_of_the_series_after_the_given_day(anchor, amount, unit, offset):
    every, after = Period(amount, unit), anchor + timedelta(days=offset)
    times = 0
    while every.after(anchor, times) <= after:
        times += 1
    assert next_due(anchor, every, after) == every.after(anchor, times)


def test_most_specific_cadence_wins():
    rules = agenda.CadenceRules(default=60, by_tag={"vip": 14, "key": 7}, by_stage={"lead": 30})
    assert agenda.effective_cadence(3, ["vip"], "lead", rules) == (3, "customer")
    assert agenda.effective_cadence(None, ["vip", "key"], "lead", rules) == (7, "tag key")
    assert agenda.effective_cadence(None, ["other"], "lead", rules) == (30, "stage lead")
    assert agenda.effective_cadence(None, [], "loyal", rules) == (60, "default")
    assert agenda.effective_cadence(None, [], None, agenda.CadenceRules()) is None


def test_contact_is_due_a_cadence_after_the_last_contact_or_after_being_added():
    assert agenda.contact_due_on(date(2026, 11, 1), date(2025, 1, 1), 14) == date(2026, 11, 15)
    assert agenda.contact_due_on(None, date(2026, 11, 1), 30) == date(2026, 12, 1)


def test_rank_puts_the_most_urgent_reason_first():
    reasons = [
        agenda.Reason(1, agenda.CONTACT_DUE, 5.0, "quiet"),
        agenda.Reason(2, agenda.OVERDUE_TASK, 1, "task late 1 day"),
        agenda.Reason(3, agenda.OVERDUE_TASK, 4, "task late 4 days"),
        agenda.Reason(4, agenda.DATE_TODAY, 0, "birthday"),
        agenda.Reason(2, agenda.CONTACT_DUE, 1.0, "quiet too"),
    ]
    ranked = agenda.rank(reasons)
    assert [customer for customer, _ in ranked] == [3, 2, 4, 1]
    assert [r.text for r in ranked[1][1]] == ["task late 1 day", "quiet too"]
    # the first N alone (what a terminal shows) are the first N of the whole ranking
    assert agenda.rank(reasons, 2) == ranked[:2]
    assert agenda.rank(reasons, 0) == []


def test_the_services_do_not_import_the_command_line():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import crmcli.reports.models.agenda, crmcli.reports.reminders, crmcli.records.tasks, crmcli.records.interactions\n"
        "import crmcli.records.important_dates, crmcli.transfer.ics, crmcli.records.config\n"
        "assert 'typer' not in sys.modules and 'crmcli.cli' not in sys.modules\n"
        "assert 'icalendar' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
