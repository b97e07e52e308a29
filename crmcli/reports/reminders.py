"""What is due: the sections of `crm remind`, the ranked list of `crm today`, cadence status.

A reminder report is a list of `Section`s, each reading its rows for a window of local
calendar dates (today up to `until`, both included):
- overdue_tasks: open tasks due before today;
- due_tasks: open tasks due in the window;
- due_for_contact: customers whose last contact is older than their cadence;
- dates: birthdays and important dates falling in the window;
- churn: the customers most at stake who have gone quiet for longer than their own purchase
  rhythm (crmcli.reports.churn.top_risks: rhythm only, no numpy/scipy; `churn.remind` per currency).
A section also says how one of its rows becomes a reason to contact someone today
(`reason`) and a calendar event (`event`). `crm today` is the same sections over a window
of one day, grouped by customer and ranked (crmcli.reports.models.agenda.rank). Later features add a
section by appending to SECTIONS. Archived customers never appear.
"""

from __future__ import annotations

import heapq
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict, cast

from crmcli.core import clock, dates, lunar
from crmcli.core.i18n import N_, Joined, Said, _
from crmcli.core.text import every as repeat_every
from crmcli.core.text import plural
from crmcli.core.vocabulary import Word
from crmcli.records import important_dates
from crmcli.records.contact import from_utc, last_at, last_contact
from crmcli.reports.models import agenda
from crmcli.reports.models.agenda import CadenceRules, Reason

if TYPE_CHECKING:  # loaded by the sections that need them
    from crmcli.records.feedback import LateFeedback


class Person(TypedDict):
    """What every section shows of a customer."""

    id: int
    name: str
    preferred_channel: str | None
    preferred_time: str | None
    phone: str | None  # the primary one
    last_contact_at: str | None
    days_since_contact: int | None


class Named(TypedDict):
    """A row's customer, as every section shows them."""

    customer_name: str
    phone: str | None
    customer: str  # `Name (#id)`


class TaskDue(Named):
    """An open task, overdue or due in the window."""

    task_id: int
    due_on: str
    customer_id: int
    text: str
    every: str | None
    repeat_after: str | None
    days_overdue: int
    days_until: int
    repeats: str | None  # `every`, or `N after done`


class ContactStatus(TypedDict):
    """How a customer stands against their cadence (see contact_status)."""

    cadence_days: int | None
    cadence_source: str | None  # customer, `tag NAME`, `stage NAME` or default
    last_contact_at: str | None
    days_since_contact: int | None
    due_on: str | None
    days_overdue: int | None
    is_due: bool
    cadence_max_days: int | None
    overdue_after: str | None
    state: str | None  # ok, due or overdue


class ContactDue(ContactStatus, Named):
    """A customer due for contact."""

    customer_id: int
    preferred_channel: str | None
    preferred_time: str | None
    last_contact: str  # `2026-10-01 (52 days ago)` or `never`
    cadence: str  # described (describe_cadence)


class DateDue(Named):
    """A birthday or important date falling in the window."""

    falls_on: str
    kind: str  # birthday or date
    label: str
    years: int | None
    date_id: int | None  # None for a birthday
    customer_id: int
    what: str


class ChurnDue(Named):
    """A churn risk as `crm remind` shows it (reports.churn.ChurnRisk, the stake as text)."""

    customer_id: int
    currency: str
    method: str
    stage: str
    purchase_days: int
    first_purchase_on: str
    last_purchase_on: str
    silent_days: int
    usual_gap_days: int | float
    p_alive: float | None
    reason: str
    at_stake: str  # decimal, in `currency`
    stake: str  # `12,345.00 CNY`


class Greeting(TypedDict):
    customer_id: int
    customer_name: str
    actions: list[str]


class FestivalDue(TypedDict):
    """A festival in the window that a care rule covers, and whom to greet."""

    falls_on: str
    festival: str
    festival_name: str
    days_until: int
    customers: int
    care: str  # each action and how many customers get it, said for people (a table cell)
    greet: list[Greeting]
    name: str  # the festival as a sentence of the run's language names it (festivals.label)


class FeedbackDue(Named):
    """High-severity feedback past its response target (records.feedback.LateFeedback)."""

    feedback_id: int
    received_at: str
    customer_id: int
    kind: str
    severity: str
    text: str
    hours_open: int
    hours_past_target: int
    summary: str | None  # the text, clipped


# A row of any section of `crm remind`.
ReminderRow = TaskDue | ContactDue | DateDue | ChurnDue | FestivalDue | FeedbackDue


# Window is a plain class, Event and Section named tuples, not dataclasses: defining a
# dataclass costs about 0.4 ms (a named tuple 0.15), and every `crm show` and `crm today`
# loads this module.


# The archived customers' ids, from their own index (customers_archived): a query over a
# customer's rows keeps the live ones by leaving these out.
ARCHIVED = "SELECT id FROM customers WHERE archived_at IS NOT NULL"

# A customer's name and primary phone, as columns of a query over `customers c`.
NAMED_SQL = (
    "c.name, (SELECT phone FROM customer_phones p WHERE p.customer_id = c.id "
    "ORDER BY p.is_primary DESC, p.id LIMIT 1) AS phone"
)


def _named(customer_id: int, name: str, phone: str | None) -> Named:
    return {"customer_name": name, "phone": phone, "customer": f"{name} (#{customer_id})"}


def _last_contact_sql(conn: sqlite3.Connection) -> str:
    """A column: the last contact (SQLite's UTC `datetime()`) of customer `c`, read by key
    from the last contacts the write path keeps, so only the customers asked for cost."""
    return f"datetime({last_at(conn, 'c.id')})"


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class Window:
    """The window a report covers, with what its sections share, loaded once."""

    def __init__(self, conn: sqlite3.Connection, today: date, until: date) -> None:
        self.conn = conn
        self.today = today
        self.until = until
        # The customers a second reading is for (`crm today`'s shown ones), None: all. The
        # sections with `weights` read only their rows when set.
        self.only: list[int] | None = None
        self._people: dict[int, Person] = {}
        # name, primary phone, preferred channel and time: what a shown row names
        self._names: dict[int, tuple[str, str | None, str | None, str | None]] = {}

    @cached_property
    def cadence_rules(self) -> CadenceRules:
        return cadence_rules(self.conn)

    def only_sql(self, column: str) -> tuple[str, list[str]]:
        """An SQL condition keeping the rows of `column` (a customer id column, from the
        caller's code) of the customers `only` names, and its parameter: one JSON list, so
        any number of customers binds one parameter."""
        import json

        if self.only is None:
            return "", []
        ids = json.dumps(self.only)
        return f" AND {column} IN (SELECT value FROM json_each(?))", [ids]  # noqa: S608

    def _read(self, customer_ids: Sequence[int], *, last: bool) -> None:
        """Read the customers of `customer_ids` not read yet, with their last contact (a
        Person) when `last`: a few queries for them all, never one per customer."""
        read = self._people if last else self._names
        wanted = [i for i in dict.fromkeys(customer_ids) if i not in read]
        moment = f", {_last_contact_sql(self.conn)}" if last else ""
        for start in range(0, len(wanted), 500):  # SQLite binds at most 999 parameters
            batch = wanted[start : start + 500]
            rows = self.conn.execute(
                f"SELECT c.id, {NAMED_SQL}, c.preferred_channel, c.preferred_time{moment} "  # noqa: S608 - fixed SQL
                f"FROM customers c WHERE c.id IN ({','.join('?' * len(batch))})",
                batch,
            )
            for customer_id, name, phone, channel, time, *utc in rows:
                self._names[customer_id] = (name, phone, channel, time)
                if not last:
                    continue
                moment_at = from_utc(utc[0]) if utc[0] else None
                self._people[customer_id] = {
                    "id": customer_id,
                    "name": name,
                    "preferred_channel": channel,
                    "preferred_time": time,
                    "phone": phone,
                    "last_contact_at": moment_at.isoformat() if moment_at else None,
                    "days_since_contact": (
                        (self.today - moment_at.date()).days if moment_at else None
                    ),
                }

    def people(self, customer_ids: Sequence[int]) -> None:
        """Read the Person of each of `customer_ids` not read yet."""
        self._read(customer_ids, last=True)

    def person(self, customer_id: int) -> Person:
        """Name, primary phone, preferred channel and time, and last contact of a customer."""
        if customer_id not in self._people:
            self.people([customer_id])
        return self._people[customer_id]

    def forget_names(self) -> None:
        """Let go of every name read (`named`): read again when asked for."""
        self._names.clear()

    def forget(self, customer_id: int) -> None:
        """Let go of what was read of a customer (read again when asked for)."""
        self._people.pop(customer_id, None)
        self._names.pop(customer_id, None)

    def preferred(self, customer_id: int) -> tuple[str | None, str | None]:
        """The customer's preferred channel and time."""
        if customer_id not in self._names:
            self._read([customer_id], last=False)
        return self._names[customer_id][2:]

    def named(self, customer_id: int) -> Named:
        """The customer's name and phone, and `customer` as `Name (#id)`."""
        if customer_id not in self._names:
            self._read([customer_id], last=False)
        name, phone, _, _ = self._names[customer_id]
        return _named(customer_id, name, phone)

    def name(self, rows: Sequence[Any]) -> list[Any]:
        """`rows` (each with a `customer_id`) with their customer's name and phone
        (`named`): read for the rows shown only (no last contact), a few queries for them
        all."""
        self._read([row["customer_id"] for row in rows], last=False)
        return [{**row, **self.named(row["customer_id"])} for row in rows]


class Event(NamedTuple):
    """One all-day calendar entry for the iCalendar feed."""

    uid: str  # stable across runs, so a subscribed calendar updates instead of duplicating
    day: date
    summary: str
    description: str = ""
    category: str = ""


class Section(NamedTuple):
    """One part of the reminder report.

    `columns` are shown in text, `fields` are the JSON keys; `rows` reads the rows for a
    Window, with the figures `reason` needs but not what only a reader needs (names,
    phones): `shown` adds that to the rows printed (by default `Window.name`), so a large
    day costs in proportion to the rows shown; `reason` and `event` turn a row into a reason
    for `crm today` and (once shown) a calendar event (None: the row is not one).
    `weights`, for a section of many rows, yields `(customer_id, urgency, weight)` of each
    of its reasons without making a row (no text, nothing held): `crm today` with a limit
    ranks every customer by them, then reads the rows of the customers it shows only, with
    `Window.only` naming them (which `rows` and `weights` then honour). Each section's
    functions take its own kind of row (a ReminderRow).

    `ordered`: its `weights` come most urgent first (by class, then weight), so that the
    first customers of a limit are found before the rest is read (`_Day`); `least`: the
    most urgent class any of its reasons can be in (0: any), which tells that the ordered
    section's first customers rank before any of this one's who has no other reason: a
    section with a `least` is then read for those customers only (`Window.only`).
    """

    key: str
    title: Callable[[date, date], str]  # (today, until) -> heading
    columns: tuple[str, ...]
    fields: tuple[str, ...]
    rows: Callable[[Window], Sequence[Any]]
    reason: Callable[[Any, Window], Reason | None]
    event: Callable[[Any, Window], Event | None]
    shown: Callable[[Window, Sequence[Any]], Sequence[Any]] = Window.name
    weights: Callable[[Window], Iterable[tuple[int, int, float]]] | None = None
    ordered: bool = False
    least: int = 0


def _tag_list(joined: str | None) -> list[str]:
    return [t.casefold() for t in joined.split(",")] if joined else []


def cadence_rules(conn: sqlite3.Connection) -> CadenceRules:
    """The cadence settings (`cadence.default`, `cadence.tag.NAME`, `cadence.stage.NAME`)."""
    from crmcli.records.config import get_setting, settings_under
    from crmcli.records.customers import cadence_range

    maximums: dict[str, int] = {}

    def gaps(family: str, by: str) -> dict[str, int]:
        found = {}
        for name, value in settings_under(conn, f"cadence.{family}.").items():
            ideal, maximum = cadence_range(value)
            found[name.casefold()] = ideal
            if maximum:
                maximums[f"{by} {name.casefold()}"] = maximum
        return found

    default = get_setting(conn, "cadence.default")
    ideal, maximum = cadence_range(default) if default else (None, None)
    if maximum:
        maximums["default"] = maximum
    return CadenceRules(
        default=ideal,
        by_tag=gaps("tag", "tag"),
        by_stage=gaps("stage", "stage"),
        maximums=maximums,
    )


def _maximum(
    cadence: tuple[int, str] | None, own_max: int | None, rules: CadenceRules
) -> int | None:
    """The maximum gap of the cadence `effective_cadence` chose, None when it is no range."""
    if cadence is None:
        return None
    return own_max if cadence[1] == "customer" else rules.maximums.get(cadence[1])


# A Said never changes once made, so rows share one per value: `crm today` and `crm remind`
# in a pipe hold a reason (and a last contact) for every customer they weigh, and one Said
# apiece was a third of `crm today`'s memory at 100,000 customers.
@lru_cache(maxsize=4096)
def _days(n: int) -> str:
    return plural(n, "day")


def _said(text: str) -> str:
    """A Said in the run's language (plain text as it is): for calendar entries."""
    return text.said() if isinstance(text, Said) else text


def ago(moment: datetime | None, today: date) -> str:
    """`2026-10-01 (52 days ago)`, `2026-11-22 (today)`, or `never` (a Said)."""
    if moment is None:
        return Said("never")
    return _ago(moment.date(), today)


@lru_cache(maxsize=4096)
def _ago(on: date, today: date) -> str:
    days, day = (today - on).days, on.isoformat()
    if days == 0:
        return Said("{day} (today)", day=day)
    if days == 1:
        return Said("{day} (yesterday)", day=day)
    return Said("{day} ({days} ago)", day=day, days=_days(days))


# --- tasks -------------------------------------------------------------------------------

_TASK_FIELDS = (
    "task_id", "due_on", "customer_id", "customer_name", "phone", "text", "every", "repeat_after"
)  # fmt: skip


def _tasks(window: Window, low: date | None, high: date) -> list[TaskDue]:
    """Open tasks due from `low` (None: any time before) to `high`, both included."""
    only, chosen = window.only_sql("t.customer_id")
    rows = _task_rows(
        window,
        "t.id, t.due_on, t.customer_id, t.text, t.every, t.repeat_after, "
        "CAST(julianday(t.due_on) - julianday(?) AS INTEGER)",
        f"{only} ORDER BY t.due_on, t.id",
        low,
        high,
        chosen,
    )
    return [
        {
            "task_id": task_id,
            "due_on": due_on,
            "customer_id": customer_id,
            "text": text,
            "every": every,
            "repeat_after": after,
            "days_overdue": -offset,
            "days_until": offset,
            # the table's one column for both kinds of repeat, as `crm task list` shows
            "repeats": (
                Said("{period} after done", period=dates.StoredPeriod(after, bare=True))
                if after
                else every and dates.StoredPeriod(every)
            ),
        }
        for task_id, due_on, customer_id, text, every, after, offset in rows
    ]  # type: ignore[typeddict-item]  # named when shown (Section.shown)


def _task_rows(
    window: Window, columns: str, then: str, low: date | None, high: date, more: list[str]
) -> Iterator[tuple[Any, ...]]:
    """The `columns` (the first `?` in them today's date) of open tasks due from `low`
    (None: any time before) to `high`, `then` added after the condition with the
    parameters `more`: plain tuples, a day's tasks of a large database are many."""
    cursor = window.conn.cursor()
    cursor.row_factory = None
    return cursor.execute(
        # The few archived customers' tasks left out (customers_archived): a join with
        # every task's customer read the widest table ten thousand times for one column.
        f"SELECT {columns} FROM tasks t "  # noqa: S608 - fixed SQL
        f"WHERE t.done_at IS NULL AND t.customer_id NOT IN ({ARCHIVED}) "
        f"AND t.due_on BETWEEN ? AND ?{then}",
        (window.today.isoformat(), low.isoformat() if low else "", high.isoformat(), *more),
    )


def _overdue_tasks(window: Window) -> list[TaskDue]:
    return _tasks(window, None, window.today - timedelta(days=1))


def _overdue_weights(window: Window) -> Iterator[tuple[int, int, float]]:
    """Each overdue task's (customer_id, urgency, weight), as _overdue_weight gives them,
    the latest first (the index of open tasks by day gives that order)."""
    yesterday = window.today - timedelta(days=1)
    columns = "t.customer_id, -CAST(julianday(t.due_on) - julianday(?) AS INTEGER)"
    only, chosen = window.only_sql("t.customer_id")
    then = f"{only} ORDER BY t.due_on"
    for customer_id, late in _task_rows(window, columns, then, None, yesterday, chosen):
        yield customer_id, agenda.OVERDUE_TASK, late


def _due_tasks(window: Window) -> list[TaskDue]:
    return _tasks(window, window.today, window.until)


def _overdue_weight(row: TaskDue, window: Window) -> tuple[int, float]:
    return agenda.OVERDUE_TASK, row["days_overdue"]


def _overdue_reason(row: TaskDue, window: Window) -> Reason:
    urgency, late = _overdue_weight(row, window)
    return Reason(
        row["customer_id"],
        urgency,
        late,
        Said(
            "task #{id} overdue {days}: {text}",
            id=row["task_id"],
            days=_days(row["days_overdue"]),
            text=row["text"],
        ),
    )


def _due_reason(row: TaskDue, window: Window) -> Reason | None:
    if row["days_until"] != 0:
        return None
    return Reason(
        row["customer_id"],
        agenda.DUE_TODAY,
        0,
        Said("task #{id} due today: {text}", id=row["task_id"], text=row["text"]),
    )


def _task_event(row: TaskDue, window: Window) -> Event:
    late = row["days_overdue"] > 0
    details = [
        _("Customer: {name} (#{id})").format(name=row["customer_name"], id=row["customer_id"])
    ]
    if row["phone"]:
        details.append(_("Phone: {phone}").format(phone=row["phone"]))
    if late:
        details.append(_("Overdue since {day}").format(day=row["due_on"]))
    if row["every"]:
        every = repeat_every(*dates.parse_period(row["every"]))
        details.append(_("Repeats {every}").format(every=every))
    if row["repeat_after"]:
        later = dates.parse_period(row["repeat_after"]).describe()
        details.append(_("Repeats {period} after it is done").format(period=later))
    details.append(_("Done: crm task done {id}").format(id=row["task_id"]))
    return Event(
        uid=f"task-{row['task_id']}@crmcli",
        # An overdue task is still to do: show it today, not in the past where nobody looks.
        day=window.today if late else date.fromisoformat(row["due_on"]),
        summary=(_("Overdue: {text} ({customer})") if late else _("{text} ({customer})")).format(
            text=row["text"], customer=row["customer_name"]
        ),
        description="\n".join(details),
        category="task",
    )


# --- cadence -----------------------------------------------------------------------------


def _due_for_contact(window: Window) -> list[ContactDue]:
    due = sorted(_contacts_due(window), key=lambda d: d[:2])
    return [figures for _, _, figures in due]  # type: ignore[misc]  # completed when shown


def _contact_weights(window: Window) -> Iterator[tuple[int, int, float]]:
    """Each customer due for contact's (customer_id, urgency, weight) (_contact_weight)."""
    for _due_on, customer_id, figures in _contacts_due(window):
        yield (customer_id, *_contact_weight(figures, window))  # type: ignore[arg-type]


def _contacts_due(window: Window) -> Iterator[tuple[date, int, dict[str, Any]]]:
    """(due_on, customer_id, figures) of each customer due for contact, in no order: the
    figures _contact_reason reads, the rest of the status for the rows shown."""
    rules = window.cadence_rules
    # Only customers a cadence can apply to are read, each with their last contact from the
    # indexes: with no rule by tag, stage or default, those with a cadence of their own.
    could = ["c.cadence_days IS NOT NULL"]
    if rules.by_tag:
        could.append("EXISTS (SELECT 1 FROM customer_tags ct WHERE ct.customer_id = c.id)")
    if rules.by_stage:
        could.append("c.stage IS NOT NULL")
    if rules.default:
        could = ["1"]
    # Tags comma-joined (tag names hold no commas), read only when a cadence rule names one.
    tags_sql = (
        "(SELECT group_concat(t.name, ',') FROM customer_tags ct "
        "JOIN tags t ON t.id = ct.tag_id WHERE ct.customer_id = c.id)"
        if rules.by_tag
        else "NULL"
    )
    only, chosen = window.only_sql("c.id")
    # The last contact in whole seconds since 1970 (as SQLite's datetime() drops a
    # fraction): its local date is date.fromtimestamp's, what from_utc(...).date() gives,
    # without a date-time made for each customer.
    last = last_at(window.conn, "c.id")
    rows = window.conn.execute(
        f"SELECT id, cadence_days, created_at, stage, {tags_sql}, "  # noqa: S608 - fixed SQL
        f"cadence_max_days, unixepoch({last}) FROM customers c "
        f"WHERE archived_at IS NULL AND ({' OR '.join(could)}){only}",
        chosen,
    )
    today = window.today
    # A customer is due once their cadence has passed since the local day of their last
    # contact, which is at most a day before its UTC day (no zone is more than 14 hours
    # behind): so one whose last contact is on or after the UTC midnight starting `today -
    # cadence + 2` is not due, and is passed over before anything else. Without a cadence
    # of their own, their cadence is at least the shortest a rule gives.
    rule_days = [*rules.by_tag.values(), *rules.by_stage.values(), rules.default]
    shortest = min([d for d in rule_days if d], default=0)
    cutoffs: dict[int, int] = {}
    epoch = date(1970, 1, 1)
    local_day = date.fromtimestamp
    for customer_id, own, created_at, stage, tags, own_max, seconds in rows:
        if seconds is not None and (own or shortest):
            days = own or shortest
            cutoff = cutoffs.get(days)
            if cutoff is None:
                cutoff = cutoffs[days] = (today - timedelta(days=days - 2) - epoch).days * 86400
            if seconds >= cutoff:
                continue
        cadence = agenda.effective_cadence(own, _tag_list(tags), stage, rules)
        if cadence is None:
            continue
        # The rule of contact_status, which builds the whole status for the rows shown.
        since = local_day(seconds) if seconds is not None else clock.local_date(created_at)
        due_on = agenda.contact_due_on(since, since, cadence[0])
        if due_on > today:
            continue
        maximum = _maximum(cadence, own_max, rules)
        figures = {  # what _contact_reason reads
            "customer_id": customer_id,
            "cadence_days": cadence[0],
            "cadence_source": cadence[1],
            "cadence_max_days": maximum,
            "days_since_contact": (today - since).days if seconds is not None else None,
            "days_overdue": (today - due_on).days,
            "state": agenda.contact_state(
                today, due_on, agenda.contact_due_on(since, since, maximum or cadence[0])
            ),
            "_status": (cadence, seconds, created_at, maximum),
        }
        yield due_on, customer_id, figures


def _contacts_shown(window: Window, rows: Sequence[ContactDue]) -> list[ContactDue]:
    """The rows shown of due_for_contact, completed: the whole status (contact_status), the
    last contact in words, name, phone and preferred channel and time."""
    shown: list[ContactDue] = []
    for row in window.name(rows):
        cadence, seconds, created_at, maximum = row.pop("_status")  # type: ignore[misc]
        last = None if seconds is None else datetime.fromtimestamp(seconds, UTC).astimezone()
        status = contact_status(cadence, last, created_at, window.today, maximum=maximum)
        channel, time = window.preferred(row["customer_id"])
        shown.append(
            {
                **row,
                **status,
                "last_contact": ago(last, window.today),
                "cadence": describe_cadence(status),
                "preferred_channel": channel,
                "preferred_time": time,
            }
        )
    return shown


def contact_status(
    cadence: tuple[int, str] | None,
    last: datetime | None,
    created_at: str,
    today: date,
    *,
    maximum: int | None = None,
) -> ContactStatus:
    """How a customer stands against their cadence (None: no cadence applies).

    Keys: cadence_days, cadence_source, last_contact_at, days_since_contact, due_on,
    days_overdue, is_due, and for ranges (`maximum`, the longest gap in days)
    cadence_max_days, overdue_after and state (ok, due or overdue, see
    agenda.contact_state); the cadence ones and the due ones are None without a cadence.
    """
    status: ContactStatus = {
        "cadence_days": None,
        "cadence_source": None,
        "last_contact_at": last.isoformat() if last else None,
        "days_since_contact": (today - last.date()).days if last else None,
        "due_on": None,
        "days_overdue": None,
        "is_due": False,
        "cadence_max_days": None,
        "overdue_after": None,
        "state": None,
    }
    if cadence is None:
        return status
    days, source = cadence
    last_day = last.date() if last else None
    # the day added counts only for a customer never contacted (contact_due_on)
    added = last_day if last_day is not None else clock.local_date(created_at)
    due_on = agenda.contact_due_on(last_day, added, days)
    overdue_after = agenda.contact_due_on(last_day, added, maximum or days)
    status["cadence_days"] = days
    status["cadence_source"] = source
    status["due_on"] = due_on.isoformat()
    status["days_overdue"] = (today - due_on).days
    status["is_due"] = due_on <= today
    status["cadence_max_days"] = maximum
    status["overdue_after"] = overdue_after.isoformat()
    status["state"] = agenda.contact_state(today, due_on, overdue_after)
    return status


def describe_cadence(status: ContactStatus) -> str:
    """`14 days (customer)`, `14..30 days (tag vip)`, or `none`."""
    if status["cadence_days"] is None:
        return Said("none")
    return Said("{gap} ({source})", gap=_gap(status), source=_source(status["cadence_source"]))


def _source(source: str | None) -> str | None:
    """Where a cadence comes from in words: `customer`, `tag vip`, `stage lead`, `default`
    (crmcli.reports.models.agenda `effective_cadence`)."""
    kind, _sep, name = (source or "").partition(" ")
    if kind == "tag" and name:
        return Said("tag {name}", name=name)
    if kind == "stage" and name:
        from crmcli.core.vocabulary import Word

        return Said("stage {name}", name=Word("stage", name))  # 阶段线索, as a card says it
    if source == "customer":
        return Said("customer")
    if source == "default":
        return Said("default")
    return source


def _gap(status: ContactStatus) -> str:
    """`14 days`, or `14..30 days` for a range."""
    return _gap_of(status["cadence_days"], status.get("cadence_max_days"))


def _gap_of(days: int | None, maximum: int | None) -> str:
    if maximum:
        return Said("{low}..{high} days", low=days, high=maximum)
    return _days(days or 0)


def customer_contact(conn: sqlite3.Connection, customer_id: int, today: date) -> ContactStatus:
    """One customer's cadence (own or inherited), last contact and next contact date."""
    own, created_at, stage, tags, own_max = conn.execute(
        "SELECT cadence_days, created_at, stage, (SELECT group_concat(t.name, ',') "
        "FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.customer_id = c.id), "
        "cadence_max_days FROM customers c WHERE id = ?",
        (customer_id,),
    ).fetchone()
    rules = cadence_rules(conn)
    cadence = agenda.effective_cadence(own, _tag_list(tags), stage, rules)
    return contact_status(
        cadence,
        last_contact(conn, customer_id),
        created_at,
        today,
        maximum=_maximum(cadence, own_max, rules),
    )


def _contact_weight(row: ContactDue, window: Window) -> tuple[int, float]:
    # Weight: how far past the cadence, relative to it (a weekly customer 7 days late is
    # more pressing than a yearly one 7 days late).
    overdue, cadence = row["days_overdue"], row["cadence_days"]
    assert overdue is not None and cadence is not None  # a customer due has a cadence
    # Past the longest gap allowed: a class of its own, before every customer only due.
    urgency = agenda.CONTACT_OVERDUE if row["state"] == "overdue" else agenda.CONTACT_DUE
    return urgency, (overdue + 1) / cadence


def _contact_reason(row: ContactDue, window: Window) -> Reason:
    urgency, weight = _contact_weight(row, window)
    why = _contact_why(
        row["days_since_contact"], row["state"], row["cadence_days"], row["cadence_max_days"],
        row["cadence_source"],
    )  # fmt: skip
    return Reason(row["customer_id"], urgency, weight, why)


@lru_cache(maxsize=4096)  # customers due alike share one (see _days)
def _contact_why(
    since: int | None, state: str | None, cadence: int, maximum: int | None, source: str | None
) -> Said:
    """`no contact for 40 days (cadence 30 days, customer)`: why a customer is due."""
    quiet = (
        Said("no contact for {days}", days=_days(since))
        if since is not None
        else Said("never contacted")
    )
    gap, said_source = _gap_of(cadence, maximum), _source(source)  # `14 days`, `customer`
    # A range says where in it they are; one cadence is due on its day, overdue after.
    if maximum:
        return Said(
            "{quiet} ({state}: cadence {gap}, {source})",
            quiet=quiet, state=Word("status", state), gap=gap, source=said_source,
        )  # fmt: skip
    return Said("{quiet} (cadence {gap}, {source})", quiet=quiet, gap=gap, source=said_source)


def _contact_event(row: ContactDue, window: Window) -> Event:
    details = [
        _("Last contact: {when}").format(when=_said(row["last_contact"])),
        _("Cadence: {cadence}").format(cadence=_said(row["cadence"])),
        _("State: {state}").format(state=Word("status", row["state"]).said()),
    ]
    if row["phone"]:
        details.append(_("Phone: {phone}").format(phone=row["phone"]))
    if row["preferred_channel"] or row["preferred_time"]:
        said = (Word("channel", row["preferred_channel"] or "").said(), row["preferred_time"])
        prefers = _(", ").join(v for v in said if v)
        details.append(_("Prefers: {prefers}").format(prefers=prefers))
    return Event(
        uid=f"contact-{row['customer_id']}@crmcli",
        day=window.today,
        summary=_("Contact {customer}").format(customer=row["customer_name"]),
        description="\n".join(details),
        category="contact",
    )


# --- birthdays and important dates -------------------------------------------------------


def _dates(window: Window) -> list[DateDue]:
    start, end = window.today, window.until
    found: list[dict[str, Any]] = []  # DateDues once named
    # Only birthdays whose month and day fall in the window (or 29 February, kept on the
    # 28th in other years), and every lunar one, are examined.
    span = (end - start).days
    month_days = sorted({f"{start + timedelta(days=n):%m-%d}" for n in range(min(span, 366) + 1)})
    on_days = "1"
    if span < 366:
        month_day = (
            "CASE WHEN birthday LIKE '--%' THEN substr(birthday, 3, 5) "
            "ELSE substr(birthday, 6, 5) END"
        )
        marks = ",".join("?" * (len(month_days) + 1))
        on_days = f"birthday_lunar IS NOT NULL OR {month_day} IN ({marks})"
    only, chosen = window.only_sql("id")
    births = window.conn.execute(
        "SELECT id, birthday, birthday_lunar FROM customers "  # noqa: S608 - fixed SQL
        f"WHERE archived_at IS NULL AND birthday IS NOT NULL AND ({on_days}){only}",
        [*([*month_days, "02-29"] if span < 366 else []), *chosen],
    )
    for customer_id, birthday, birthday_lunar in births:
        born, known = dates.stored_day(birthday)
        # A lunar birthday falls on its lunar month and day; the age counts lunar years.
        # One without a year (`--05-13`) has no age.
        if birthday_lunar:
            falls = lunar.occurrences(lunar.stored(birthday_lunar), start, end)
        else:
            falls = [
                (d, d.year - born.year if known else None)
                for d in important_dates.occurrences(born, True, start, end)
            ]
        label = N_("lunar birthday") if birthday_lunar else N_("birthday")
        for day, years in falls:
            found.append(
                {
                    "falls_on": day.isoformat(),
                    "kind": "birthday",
                    "label": label,
                    "years": years,
                    "date_id": None,
                    "customer_id": customer_id,
                    "what": Said(label)
                    if years is None
                    else Said("{label} (turns {years})", label=Said(label), years=years),
                }
            )
    only, chosen = window.only_sql("d.customer_id")
    others = window.conn.execute(
        "SELECT d.id, d.customer_id, d.label, d.date_on, d.is_yearly, d.date_lunar "  # noqa: S608 - fixed SQL
        "FROM important_dates d "
        f"JOIN customers c ON c.id = d.customer_id WHERE c.archived_at IS NULL{only}",
        chosen,
    )
    for date_id, customer_id, label, date_on, is_yearly, date_lunar in others:
        first, known = dates.stored_day(date_on)
        if date_lunar and is_yearly:
            falls = lunar.occurrences(lunar.stored(date_lunar), start, end)
        else:
            days = important_dates.occurrences(first, bool(is_yearly), start, end)
            falls = [(d, d.year - first.year if is_yearly and known else None) for d in days]
        for day, years in falls:
            found.append(
                {
                    "falls_on": day.isoformat(),
                    "kind": "date",
                    "label": label,
                    "years": years,
                    "date_id": date_id,
                    "customer_id": customer_id,
                    "what": Said("{label} ({years})", label=label, years=plural(years, "year"))
                    if years
                    else label,
                }
            )
    found.sort(key=lambda r: (r["falls_on"], r["customer_id"], r["date_id"] or 0))
    return cast(list[DateDue], found)  # named when shown (Section.shown)


def _date_reason(row: DateDue, window: Window) -> Reason | None:
    if row["falls_on"] != window.today.isoformat():
        return None
    return Reason(row["customer_id"], agenda.DATE_TODAY, 0, Said("{what} today", what=row["what"]))


def _date_event(row: DateDue, window: Window) -> Event:
    birthday = row["kind"] == "birthday"
    which = f"birthday-{row['customer_id']}" if birthday else f"date-{row['date_id']}"
    day = date.fromisoformat(row["falls_on"])
    details = [
        _("Customer: {name} (#{id})").format(name=row["customer_name"], id=row["customer_id"])
    ]
    if row["phone"]:
        details.append(_("Phone: {phone}").format(phone=row["phone"]))
    return Event(
        uid=f"{which}-{day:%Y%m%d}@crmcli",
        day=day,
        summary=_("{customer}: {what}").format(
            customer=row["customer_name"], what=_said(row["what"])
        ),
        description="\n".join(details),
        category=row["kind"],
    )


# --- churn risks ------------------------------------------------------------------------


def _churn(window: Window) -> list[ChurnDue]:
    from crmcli.core import money
    from crmcli.records.config import get_setting
    from crmcli.reports import churn

    limit = int(get_setting(window.conn, "churn.remind") or 0)
    found: list[ChurnDue] = []
    for risk in churn.top_risks(window.conn, window.today, limit):
        row: dict[str, Any] = {**risk}  # the phone added when shown (Section.shown)
        stake = row.pop("at_stake_minor")
        row["at_stake"] = money.plain(stake, row["currency"])
        row["stake"] = money.shown(stake, row["currency"], code=True)
        found.append(cast(ChurnDue, row))
    return found


def _churn_reason(row: ChurnDue, window: Window) -> Reason:
    return Reason(
        row["customer_id"],
        agenda.LATER,
        float(row["silent_days"]) / max(float(row["usual_gap_days"]), 1.0),
        Said(
            "churn risk: {reason}; bought {stake} net in their last year",
            reason=row["reason"],
            stake=row["stake"],
        ),
    )


def _churn_event(row: ChurnDue, window: Window) -> Event:
    details = [
        _("Customer: {name} (#{id})").format(name=row["customer_name"], id=row["customer_id"]),
        _("Why: {reason}").format(reason=_said(row["reason"])),
        _("Bought {stake} in the year up to their last purchase ({day})").format(
            stake=row["stake"], day=row["last_purchase_on"]
        ),
    ]
    if row["phone"]:
        details.append(_("Phone: {phone}").format(phone=row["phone"]))
    return Event(
        uid=f"churn-{row['customer_id']}-{row['currency']}@crmcli",
        day=window.today,
        summary=_("Churn risk: {customer}").format(customer=row["customer_name"]),
        description="\n".join(details),
        category="churn",
    )


SECTIONS: list[Section] = [
    Section(
        key="overdue_tasks",
        title=lambda today, until: _("Overdue tasks"),
        columns=("due_on", "days_overdue", "task_id", "customer", "phone", "text"),
        fields=("task_id", "due_on", "days_overdue", *_TASK_FIELDS[2:]),
        rows=_overdue_tasks,
        reason=_overdue_reason,
        event=_task_event,
        weights=_overdue_weights,
        ordered=True,
    ),
    Section(
        key="due_tasks",
        title=lambda today, until: (
            _("Tasks due today")
            if until == today
            else _("Tasks due by {day}").format(day=until.isoformat())
        ),
        columns=("due_on", "task_id", "customer", "phone", "text", "repeats"),
        fields=("task_id", "due_on", "days_until", *_TASK_FIELDS[2:]),
        rows=_due_tasks,
        reason=_due_reason,
        event=_task_event,
        least=agenda.DUE_TODAY,
    ),
    Section(
        key="due_for_contact",
        title=lambda today, until: _("Due for contact"),
        columns=("customer", "phone", "last_contact", "cadence", "state", "preferred_channel"),
        fields=(
            "customer_id",
            "customer_name",
            "phone",
            "preferred_channel",
            "preferred_time",
            "last_contact_at",
            "days_since_contact",
            "cadence_days",
            "cadence_source",
            "due_on",
            "days_overdue",
            "cadence_max_days",
            "overdue_after",
            "state",
        ),
        rows=_due_for_contact,
        reason=_contact_reason,
        event=_contact_event,
        shown=_contacts_shown,
        weights=_contact_weights,
        least=agenda.CONTACT_OVERDUE,
    ),
    Section(
        key="dates",
        title=lambda today, until: (
            _("Birthdays and dates today")
            if until == today
            else _("Birthdays and dates until {day}").format(day=until.isoformat())
        ),
        columns=("falls_on", "customer", "phone", "what"),
        fields=(
            "falls_on",
            "kind",
            "label",
            "years",
            "date_id",
            "customer_id",
            "customer_name",
            "phone",
        ),
        rows=_dates,
        reason=_date_reason,
        event=_date_event,
        least=agenda.DATE_TODAY,
    ),
    Section(
        key="churn",
        title=lambda today, until: _("Churn risks: quiet for longer than they usually are"),
        columns=("customer", "phone", "last_purchase_on", "stake", "reason"),
        fields=(
            "customer_id",
            "customer_name",
            "phone",
            "currency",
            "last_purchase_on",
            "silent_days",
            "usual_gap_days",
            "at_stake",
            "reason",
        ),
        rows=_churn,
        reason=_churn_reason,
        event=_churn_event,
    ),
]


# --- festivals (crmcli.records.care) -------------------------------------------------------------


def _festivals(window: Window) -> list[FestivalDue]:
    """Festivals in the window that a care rule covers, with whom to greet (no rule: none,
    so a user who keeps no care rules never sees festivals in the cron mail)."""
    from crmcli.core import festivals
    from crmcli.records import care

    if not care.has_rules(window.conn):
        return []
    found: list[FestivalDue] = []
    every = care.all_festivals(window.conn)  # the built-in ones and the user's own
    for festival, day in festivals.in_window(window.today, window.until, every):
        if not care.covered(window.conn, festival):
            continue
        rows = care.care_list(window.conn, [(festival, day)], today=window.today)
        if not rows:  # nobody to greet: nothing to do, so nothing in the cron mail
            continue
        actions: dict[str, int] = {}
        for row in rows:
            for action in row["actions"]:
                actions[action] = actions.get(action, 0) + 1
        found.append(
            {
                "falls_on": day.isoformat(),
                "festival": festival.key,
                "festival_name": festival.name,
                "days_until": (day - window.today).days,
                "customers": len(rows),
                "care": _("; ").join(
                    _("{action} ({count})").format(action=a, count=n) for a, n in actions.items()
                ),
                "greet": [
                    {
                        "customer_id": r["customer_id"],
                        "customer_name": r["customer_name"],
                        "actions": r["actions"],
                    }
                    for r in rows
                ],
                "name": festivals.label(festival),
            }
        )
    return found


def _festival_event(row: FestivalDue, window: Window) -> Event:
    import shlex

    day = date.fromisoformat(row["falls_on"])
    details = [
        _("{customer} (#{id}): {actions}").format(
            customer=g["customer_name"], id=g["customer_id"], actions=_("; ").join(g["actions"])
        )
        for g in row["greet"]
    ]
    holiday = shlex.quote(row["festival"])  # a user's own festival: its name, maybe spaced
    details.append(
        _("List: crm care --holiday {holiday} --year {year}").format(holiday=holiday, year=day.year)
    )
    return Event(
        uid=f"festival-{row['festival']}-{day:%Y%m%d}@crmcli",
        day=day,
        summary=_("{festival}: {customers} to greet").format(
            festival=row["name"], customers=_said(plural(row["customers"], "customer"))
        ),
        description="\n".join(details),
        category="festival",
    )


SECTIONS.append(
    Section(
        key="festivals",
        title=lambda today, until: (
            _("Festivals today")
            if until == today
            else _("Festivals until {day}").format(day=until.isoformat())
        ),
        columns=("falls_on", "festival_name", "days_until", "customers", "care"),
        fields=("falls_on", "festival", "festival_name", "days_until", "customers", "greet"),
        rows=_festivals,
        reason=lambda row, window: None,  # a greeting is planned ahead, not a call today
        event=_festival_event,
        shown=lambda window, rows: rows,  # no one customer: the greeted are named already
    )
)


class Part(NamedTuple):
    """One section of `crm remind` for a window: `columns` in text, `fields` in JSON;
    `rows` the first `limit` of its `total` rows."""

    key: str
    title: str
    columns: tuple[str, ...]
    fields: tuple[str, ...]
    rows: Sequence[ReminderRow] | Chunks
    total: int


class Chunks:
    """A long section's rows, completed for a reader (Section.shown) a few hundred at a
    time as they are read, and again at each reading: held as the section made them only
    (in a pipe `crm remind` shows every row, and named rows are twice their size)."""

    def __init__(self, section: Section, window: Window, rows: Sequence[Any]) -> None:
        self.section, self.window, self.rows = section, window, rows

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Any]:
        for start in range(0, len(self.rows), CHUNK):
            yield from self.section.shown(self.window, self.rows[start : start + CHUNK])
            self.window.forget_names()


def remind(
    conn: sqlite3.Connection, today: date, until: date, limit: int | None = None
) -> list[Part]:
    """Every section for the window [today, until], each cut to its first `limit` rows
    (None: all of them, a section of more than HELD rows as Chunks: the connection must
    stay open while they are read)."""
    window = Window(conn, today, until)
    parts = []
    for s in SECTIONS:
        rows = s.rows(window)
        if limit is None and len(rows) > HELD:
            shown: Sequence[Any] | Chunks = Chunks(s, window, rows)
        else:
            shown = s.shown(window, rows if limit is None else rows[:limit])
        parts.append(Part(s.key, s.title(today, until), s.columns, s.fields, shown, len(rows)))
    return parts


def events(conn: sqlite3.Connection, today: date, until: date) -> list[Event]:
    """The report as calendar events, in section order."""
    window = Window(conn, today, until)
    found = []
    for section in SECTIONS:
        for row in section.shown(window, section.rows(window)):
            event = section.event(row, window)
            if event is not None:
                found.append(event)
    return found


# Columns of `crm today`: text, then JSON keys.
TODAY_COLUMNS = ("rank", "customer", "phone", "last_contact", "why")
TODAY_FIELDS = (
    "rank",
    "customer_id",
    "customer_name",
    "phone",
    "preferred_channel",
    "preferred_time",
    "last_contact_at",
    "days_since_contact",
    "reasons",
    "urgency",
)
# A customer's urgency in words, by the class of their most urgent reason: an overdue task
# or feedback past its target; a task, birthday or date today; due for contact; the rest.
URGENCY = {
    agenda.OVERDUE_TASK: "overdue",
    agenda.DUE_TODAY: "today",
    agenda.DATE_TODAY: "today",
    agenda.CONTACT_OVERDUE: "due",
    agenda.CONTACT_DUE: "due",
}


class TodayRow(TypedDict):
    """One customer to contact today (`crm today`), with every reason."""

    rank: int
    customer_id: int
    customer_name: str
    phone: str | None
    preferred_channel: str | None
    preferred_time: str | None
    last_contact_at: str | None
    days_since_contact: int | None
    reasons: list[str]
    urgency: str  # of the most urgent reason: overdue, today, due or later (URGENCY)
    customer: str
    last_contact: str
    why: str  # the reasons in one line


def contact_today(
    conn: sqlite3.Connection, today: date, limit: int | None = None
) -> tuple[list[TodayRow], int]:
    """(rows, total): who to contact today and why, most urgent first (TODAY_FIELDS and
    TODAY_COLUMNS), the first `limit` of `total` (None: all). Every reason is ranked; only
    the customers returned are read and their reasons worded. Read in one transaction
    (store.db.snapshot): the day is read twice, ranked and then the rows shown."""
    rows, total = every_contact_today(conn, today, limit)
    return list(rows()), total


# `crm today` reads and words the rows of this many customers at a time
CHUNK = 500
# Rows of a day (`crm today`) or of a section (`crm remind`) a plain table in a pipe holds
# while it measures them (about 30 MiB); beyond it reads them again instead, which costs a
# second reading's CPU, so that memory stays flat at any size.
HELD = 20_000


def every_contact_today(
    conn: sqlite3.Connection, today: date, limit: int | None = None, *, counted: bool = True
) -> tuple[Callable[[], Iterator[TodayRow]], int | None]:
    """contact_today's rows as they are read, a few hundred customers at a time (nothing
    held per customer shown: a script's or cron's whole day can be long), each call of
    the first item reading them again; and the total. Not `counted`, the total may be
    None: the first `limit` customers were found without weighing everyone (at least
    `limit` are due). The connection must stay open, in the same transaction, while they
    are read."""
    day = _Day(Window(conn, today, today), None if counted else limit)
    ids = day.first(limit)

    def rows() -> Iterator[TodayRow]:
        for start in range(0, len(ids), CHUNK):
            yield from day.rows(ids[start : start + CHUNK], start + 1)

    return rows, day.total


class _Day:
    """`crm today`'s reasons ranked without a row held each, in two readings.

    The first folds every reason into its customer's standing, what agenda.rank orders by
    (the most urgent class, the highest weight in it, how many reasons), from the
    sections' `weights` where they have them; the few reasons of the other sections are
    worded at once and kept. The second reads the rows of the customers shown
    (`Window.only`) and words their reasons, a chunk of customers at a time: agenda.rank
    orders a chunk as it orders the whole day, since their standing is the same.

    Given `limit`, the first reading may stop early: once the `ordered` section has given
    every reason as urgent as its current one, and at least `limit` customers have one,
    every customer ranking among the first `limit` has a reason that urgent (a section not
    read yet has none: its `least` class is less urgent). Those customers alone are then
    read in full and ranked (`total` None: not counted).
    """

    def __init__(self, window: Window, limit: int | None = None) -> None:
        self.window = window
        standing: dict[int, list[Any]] = {}  # customer -> [urgency, weight, reasons]

        def count(customer_id: int, urgency: int, weight: float) -> None:
            held = standing.get(customer_id)
            if held is None:
                standing[customer_id] = [urgency, weight, 1]
                return
            if urgency < held[0]:
                held[0], held[1] = urgency, weight
            elif urgency == held[0] and weight > held[1]:
                held[1] = weight
            held[2] += 1

        self.count = count
        self.standing = standing
        # the worded reasons of the sections without weights, by section and customer
        self.kept: dict[str, dict[int, list[Reason]]] = {}
        self.total: int | None = None
        ordered = next((s for s in SECTIONS if s.weights is not None and s.ordered), None)
        if not limit or ordered is None:
            self._read(SECTIONS)
            self.total = len(standing)
            return
        # the sections whose reasons may be as urgent as the ordered one's, read first
        self._read([s for s in SECTIONS if s is not ordered and s.least <= 0])
        rest = [s for s in SECTIONS if s is not ordered and s.least > 0]
        if not self._early(ordered, limit, rest):
            self._read(rest)
            self.total = len(standing)

    def _read(self, sections: list[Section]) -> None:
        """Count the reasons of `sections` (of `Window.only`'s customers, when it names
        them), keeping the worded ones of those without weights."""
        window, count = self.window, self.count
        for section in sections:
            if section.weights is not None:
                for customer_id, urgency, weight in section.weights(window):
                    count(customer_id, urgency, weight)
                continue
            kept = self.kept[section.key] = {}
            for row in section.rows(window):
                reason = section.reason(row, window)
                if reason is not None:
                    count(reason.customer_id, reason.urgency, reason.weight)
                    kept.setdefault(reason.customer_id, []).append(reason)

    def _early(self, ordered: Section, limit: int, rest: list[Section]) -> bool:
        """Whether the reasons of `ordered`, counted as they are read, found `limit`
        customers as urgent as the last one read and more urgent than the `least` of every
        section of `rest` (not read yet): the standing then holds those customers alone,
        every reason of theirs counted (`rest` read for them alone, `Window.only`). False
        when its reasons run out first, every one of them counted."""
        seen: set[int] = set()
        current: tuple[int, float] | None = None
        for customer_id, urgency, weight in ordered.weights(self.window):  # type: ignore[misc]
            if (
                current is not None
                and (urgency, weight) != current
                and len(seen) >= limit
                and all(current[0] < section.least for section in rest)
            ):
                break
            self.count(customer_id, urgency, weight)
            seen.add(customer_id)
            current = (urgency, weight)
        else:
            return False
        urgency, weight = current  # type: ignore[misc]
        only = [
            customer_id
            for customer_id, (held, most, _) in self.standing.items()
            if held < urgency or (held == urgency and most >= weight)
        ]
        self.standing.clear()  # counted again, theirs alone
        self.window.only = only
        for section in SECTIONS:
            if section.weights is None and section not in rest:  # kept in full
                kept = self.kept[section.key]
                for reason in (r for customer_id in only for r in kept.get(customer_id, ())):
                    self.count(reason.customer_id, reason.urgency, reason.weight)
            else:
                self._read([section])
        self.window.only = None
        return True

    def first(self, limit: int | None) -> list[int]:
        """The first `limit` customers (None: all) in agenda.rank's order."""

        def key(item: tuple[int, list[Any]]) -> tuple[int, float, int, int]:
            customer_id, (urgency, weight, reasons) = item
            return urgency, -weight, -reasons, customer_id

        items = self.standing.items()
        first = sorted(items, key=key) if limit is None else heapq.nsmallest(limit, items, key=key)
        self.standing = {}  # the order is all that is needed now
        return [customer_id for customer_id, _ in first]

    def ranked(self, ids: list[int]) -> list[tuple[int, list[Reason]]]:
        """The customers `ids` (consecutive in the day's order) with their reasons."""
        window = self.window
        window.only = ids
        reasons: list[Reason] = []  # in section order, as the first reading met them
        for section in SECTIONS:
            if section.weights is None:
                kept = self.kept[section.key]
                for customer_id in ids:
                    reasons.extend(kept.get(customer_id, ()))
                continue
            for row in section.rows(window):
                reason = section.reason(row, window)
                if reason is not None:
                    reasons.append(reason)
        window.only = None
        return agenda.rank(reasons)

    def rows(self, ids: list[int], rank: int) -> Iterator[TodayRow]:
        """The rows of the customers `ids`, the first ranked `rank`."""
        window, today = self.window, self.window.today
        shown = self.ranked(ids)
        window.people([customer_id for customer_id, _ in shown])
        for number, (customer_id, found) in enumerate(shown, rank):
            person = window.person(customer_id)
            window.forget(customer_id)  # its row holds what is shown of it: a day may be large
            texts = [r.text for r in found]
            # One reason is its own text, shared by customers due alike; several are joined.
            why = texts[0] if len(texts) == 1 and isinstance(texts[0], Said) else Joined(texts)
            yield {
                "rank": number,
                "customer_id": customer_id,
                "customer_name": person["name"],
                "phone": person["phone"],
                "preferred_channel": person["preferred_channel"],
                "preferred_time": person["preferred_time"],
                "last_contact_at": person["last_contact_at"],
                "days_since_contact": person["days_since_contact"],
                "reasons": texts,
                "urgency": URGENCY.get(found[0].urgency, "later"),
                "customer": f"{person['name']} (#{customer_id})",
                "last_contact": ago(_moment(person["last_contact_at"]), today),
                "why": why,
            }


# --- feedback past its response target (crmcli.records.feedback) ---------------------------------


def _late_feedback(window: Window) -> list[FeedbackDue]:
    from crmcli.core.text import clip
    from crmcli.records.feedback import past_target

    rows: list[LateFeedback] = past_target(window.conn, clock.now())
    # named when shown (Section.shown)
    return [{**row, "summary": clip(row["text"])} for row in rows]  # type: ignore[typeddict-item]


def _open_for(hours: int) -> str:
    """`30 hours`, or `3 days` from two days on."""
    return plural(hours, "hour") if hours < 48 else _days(hours // 24)


def _feedback_reason(row: FeedbackDue, window: Window) -> Reason:
    # As pressing as an overdue task: the weight is days past the target.
    return Reason(
        row["customer_id"],
        agenda.OVERDUE_TASK,
        row["hours_past_target"] / 24,
        Said(
            "feedback #{id} open {hours} ({kind}, high): {summary}",
            id=row["feedback_id"],
            hours=_open_for(row["hours_open"]),
            kind=Word("kind", row["kind"]),
            summary=row["summary"],
        ),
    )


def _feedback_event(row: FeedbackDue, window: Window) -> Event:
    details = [
        _("Customer: {name} (#{id})").format(name=row["customer_name"], id=row["customer_id"]),
        _("Received: {when}").format(when=row["received_at"]),
    ]
    if row["phone"]:
        details.append(_("Phone: {phone}").format(phone=row["phone"]))
    details.append(_("Resolve: crm feedback resolve {id}").format(id=row["feedback_id"]))
    return Event(
        uid=f"feedback-{row['feedback_id']}@crmcli",
        day=window.today,
        summary=_("Answer {kind} from {customer}").format(
            kind=Word("kind", row["kind"]).said(), customer=row["customer_name"]
        ),
        description="\n".join(details),
        category="feedback",
    )


SECTIONS.append(
    Section(
        key="late_feedback",
        title=lambda today, until: _("High-severity feedback past the response target"),
        columns=(
            "received_at",
            "hours_open",
            "feedback_id",
            "customer",
            "phone",
            "kind",
            "summary",
        ),
        fields=(
            "feedback_id",
            "received_at",
            "hours_open",
            "hours_past_target",
            "kind",
            "severity",
            "customer_id",
            "customer_name",
            "phone",
            "text",
        ),
        rows=_late_feedback,
        reason=_feedback_reason,
        event=_feedback_event,
    )
)
