"""Important dates of a customer besides the birthday: a contract anniversary, a renewal.

A date is one-off, or yearly (`is_yearly`): then it comes back on the same month and day
every year from its first date on, and 29 February falls on 28 February in other years
(see `dates.anniversary`). A yearly date may have no year (`date_on` is then `--MM-DD`,
see `dates.stored_day`): it comes back every year and counts no years. A date may be
lunar (`date_lunar`, see crmcli.core.lunar): then `date_on` is its Gregorian first day and
it comes back on the same lunar month and day.
Birthdays stay on the customer (`customers.birthday`, `birthday_lunar`); the reminders read
both.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import TypedDict, cast

from crmcli.core import clock, dates, lunar, validate
from crmcli.core.errors import NotFound
from crmcli.core.i18n import _

COLUMNS = (
    "id",
    "customer_id",
    "customer_name",
    "label",
    "date_on",
    "is_yearly",
    "next_on",
    "date_lunar",
)


def next_occurrence(
    first: date, yearly: bool, today: date, lunar_date: lunar.LunarDate | None = None
) -> date | None:
    """The next time (today included) a date falls, or None for a one-off date now past.

    A yearly date with `lunar_date` recurs on the lunar calendar (crmcli.core.lunar).
    """
    if not yearly:
        return first if first >= today else None
    if lunar_date is not None:
        return lunar.next_occurrence(lunar_date, today)
    if first >= today:
        return first
    this_year = dates.anniversary(first, today.year)
    return this_year if this_year >= today else dates.anniversary(first, today.year + 1)


def occurrences(
    first: date,
    yearly: bool,
    start: date,
    end: date,
    lunar_date: lunar.LunarDate | None = None,
) -> list[date]:
    """Every day in [start, end] on which the date falls."""
    if not yearly:
        return [first] if start <= first <= end else []
    if lunar_date is not None:
        return [day for day, _ in lunar.occurrences(lunar_date, start, end)]
    found = []
    for year in range(max(start.year, first.year), end.year + 1):
        day = dates.anniversary(first, year)
        if start <= day <= end and day >= first:
            found.append(day)
    return found


def add_date(
    conn: sqlite3.Connection,
    customer_id: int,
    label: str,
    first: date | str,
    *,
    yearly: bool,
    lunar_date: lunar.LunarDate | None = None,
) -> int:
    """Insert an important date; returns its id. `first` is a date, or `--MM-DD` (from
    dates.parse_yearless) for a yearly date without a year. With `lunar_date`, `first` must
    be its Gregorian day (lunar.to_gregorian)."""
    if isinstance(first, str) and not yearly:
        raise ValueError("a date without a year is yearly")
    cursor = conn.execute(
        "INSERT INTO important_dates (customer_id, label, date_on, is_yearly, created_at, "
        "date_lunar) VALUES (?, ?, ?, ?, ?, ?)",
        (
            customer_id,
            validate.text("label", label),
            first if isinstance(first, str) else first.isoformat(),
            int(yearly),
            clock.timestamp(),
            str(lunar_date) if lunar_date else None,
        ),
    )
    return int(cursor.lastrowid or 0)


class ImportantDate(TypedDict):
    """One important date of a customer as services hand it to the command line."""

    id: int
    customer_id: int
    customer: str  # the customer's name
    label: str
    date_on: str  # ISO date (the Gregorian day of a lunar date's first occurrence), or
    # `--MM-DD` for a yearly date without a year
    is_yearly: bool
    date_lunar: str | None  # the stored lunar month and day, when it recurs by the lunar calendar
    next_on: str | None  # ISO date of the next occurrence from today; None for a past one-off


_SELECT = (
    "SELECT d.id, d.customer_id, c.name AS customer_name, d.label, d.date_on, d.is_yearly, "
    "d.date_lunar "
    "FROM important_dates d JOIN customers c ON c.id = d.customer_id"
)


def _record(row: sqlite3.Row, today: date) -> ImportantDate:
    record = dict(row)
    record["is_yearly"] = bool(record["is_yearly"])
    upcoming = next_occurrence(
        dates.stored_day(record["date_on"])[0],
        record["is_yearly"],
        today,
        lunar.stored(record["date_lunar"]),
    )
    record["next_on"] = upcoming.isoformat() if upcoming else None
    return cast(ImportantDate, record)


def get_date(conn: sqlite3.Connection, date_id: int, *, today: date) -> ImportantDate:
    row = conn.execute(f"{_SELECT} WHERE d.id = ?", (date_id,)).fetchone()
    if row is None:
        raise NotFound(_("no date with id {date_id}").format(date_id=date_id))
    return _record(row, today)


def delete_date(conn: sqlite3.Connection, date_id: int, *, today: date) -> ImportantDate:
    """Delete an important date; returns it. Raises NotFound."""
    record = get_date(conn, date_id, today=today)
    conn.execute("DELETE FROM important_dates WHERE id = ?", (date_id,))
    return record


def list_dates(
    conn: sqlite3.Connection,
    *,
    today: date,
    customer_id: int | None = None,
    until: date | None = None,
) -> list[ImportantDate]:
    """Important dates, soonest next occurrence first (past one-off dates last).

    With `until`, only those falling between today and `until`. Dates of archived
    customers are listed only when `customer_id` names one.
    """
    if customer_id is not None:
        rows = conn.execute(f"{_SELECT} WHERE d.customer_id = ?", (customer_id,))
    else:
        rows = conn.execute(f"{_SELECT} WHERE c.archived_at IS NULL")
    records = [_record(row, today) for row in rows]
    if until is not None:
        records = [r for r in records if r["next_on"] and r["next_on"] <= until.isoformat()]
    return sorted(records, key=lambda r: (r["next_on"] is None, r["next_on"] or "", r["id"]))
