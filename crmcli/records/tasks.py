"""Follow-up tasks: a dated thing to do about a customer, open until done.

A task is due on a local calendar date (`due_on`). A recurring task carries its period
(`every`, e.g. `2w` or `1m`) and the first due date of its series (`anchor_on`); when it is
done, the next task of the series is created, due on the first date of the series after
both its due date and today. Counting from the anchor keeps monthly series on their day
(31 Jan, 28 Feb, 31 Mar) and skips the occurrences missed while a task was overdue, so
finishing a weekly task three weeks late does not leave three more already overdue.
A task may instead repeat a period after it is done (`repeat_after`, "call again two weeks
after the last call"): the next one is due that period after the day it was done, however
early or late that was.
Adding and editing follow crmcli.records.edits: a TaskInput of what the user typed,
`prepare_new` / `prepare_edit` to clean values (dates, Period), then `add_task` /
`edit_task`, which run in the caller's transaction.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict, cast

from crmcli.core import clock, validate
from crmcli.core.dates import Period, parse_date, parse_period
from crmcli.core.errors import InvalidInput, NotFound
from crmcli.core.i18n import N_, _
from crmcli.core.vocabulary import understood
from crmcli.records import refs

if TYPE_CHECKING:  # tasks load without the interactions service
    from crmcli.records.interactions import InteractionValues

# Columns of `crm task list` (and its JSON/CSV keys), in order.
COLUMNS = (
    "id",
    "due_on",
    "status",
    "customer_id",
    "customer_name",
    "text",
    "every",
    "repeat_after",
    "done_at",
    "interaction_id",
    "previous_id",
    "created_at",
    "updated_at",
)
STATES = ("open", "done", "all")
# Words that stop a task repeating in `crm task edit --every`.
NO_REPEAT = ("none", "never", "no", "off", "once")
ONE_REPEAT = N_("give --every (a strict calendar) or --after (after done), not both")


class Task(TypedDict):
    """One stored task with its customer's name and its status (see `status`)."""

    id: int
    due_on: str
    customer_id: int
    customer: str
    text: str
    every: str | None
    anchor_on: str | None
    repeat_after: str | None
    done_at: str | None
    interaction_id: int | None
    previous_id: int | None
    created_at: str
    updated_at: str
    status: str


class TaskInput(NamedTuple):
    """What a user typed for `crm task add|edit`; strings, None when not given."""

    text: str | None = None
    due: str | None = None
    every: str | None = None  # on an edit, a NO_REPEAT word stops the repetition
    after: str | None = None
    customer: str | None = None  # on an edit, a reference to move the task to


class NewTask(NamedTuple):
    """A validated new task."""

    text: str
    due_on: date
    every: Period | None = None
    after: Period | None = None


class TaskChanges(NamedTuple):
    """Validated changes to a task: None leaves a value as it is."""

    text: str | None = None
    due_on: date | None = None
    every: Period | None = None
    after: Period | None = None
    stop_repeating: bool = False


def status(due_on: str, done_at: str | None, today: date) -> str:
    """done, overdue, today or upcoming."""
    if done_at:
        return "done"
    due = date.fromisoformat(due_on)
    if due < today:
        return "overdue"
    return "today" if due == today else "upcoming"


def next_due(anchor: date, every: Period, after: date) -> date:
    """The first date of the series `anchor`, `anchor + every`, ... that is after `after`."""
    if every.unit in ("d", "w"):
        times = max((after - anchor).days // every.approx_days() + 1, 0)
        return every.after(anchor, times)
    # Months and years vary in length: estimate, then walk to the first date past `after`.
    months = every.amount * (12 if every.unit == "y" else 1)
    times = max(((after.year - anchor.year) * 12 + after.month - anchor.month) // months, 0)
    while times > 0 and every.after(anchor, times - 1) > after:
        times -= 1
    while every.after(anchor, times) <= after:
        times += 1
    return every.after(anchor, times)


def task_text(value: str) -> str:
    return validate.text("task text", value)


def _period(value: str | None, option: str, start: date) -> Period | None:
    """The repeat `value` typed for `option`, applied once to `start` (the day the series
    goes on from), so a repeat whose next day crm could not keep is refused here, not when
    the task is done."""
    if not value:
        return None
    period = parse_period(value, option=option, repeat=True)
    try:
        period.after(start)
    except InvalidInput as error:
        raise InvalidInput(
            _("{option} {value!r}: {error}").format(option=option, value=value, error=error)
        ) from None
    return period


def prepare_new(raw: TaskInput, *, today: date) -> NewTask:
    """Validate `crm task add` (due today unless `raw.due` says); raises InvalidInput."""
    if raw.every and raw.after:
        raise InvalidInput(_(ONE_REPEAT))
    due_on = parse_date(raw.due if raw.due is not None else "today", today, direction="future")
    every = _period(raw.every, "--every", max(due_on, today))
    after = _period(raw.after, "--after", max(due_on, today))
    return NewTask(task_text(raw.text or ""), due_on, every, after)


def prepare_edit(raw: TaskInput, *, today: date) -> TaskChanges:
    """Validate `crm task edit`; raises InvalidInput, also when it changes nothing.

    `raw.customer` is left to the caller to resolve (and pass to edit_task).
    """
    given = (raw.text, raw.due, raw.every, raw.customer, raw.after)
    if all(value is None for value in given):
        raise InvalidInput(
            _("nothing to change; give --text, --due, --every, --after or --customer")
        )
    if raw.every is not None and raw.after is not None:
        raise InvalidInput(_(ONE_REPEAT))
    stop = raw.every is not None and (
        raw.every.strip().lower() in NO_REPEAT or understood("repeat", raw.every) == "none"
    )
    due_on = parse_date(raw.due, today, direction="future") if raw.due is not None else None
    start = max(due_on or today, today)
    every = None if stop else _period(raw.every, "--every", start)
    text = task_text(raw.text) if raw.text is not None else None
    after = _period(raw.after, "--after", start)
    return TaskChanges(text, due_on, every, after, stop_repeating=stop)


class FollowUp(NamedTuple):
    """A `--follow-up` read: the task's due day and text, and WHEN as typed (whose time of
    day, if it has one, is not kept)."""

    due_on: date
    text: str
    when: str


def parse_follow_up(spec: str, *, today: date, about: InteractionValues) -> FollowUp:
    """`--follow-up WHEN[:TEXT]` read; raises InvalidInput, with the form to write when the
    spec is a task without its day (`发报价`: `明天:发报价`).

    Without TEXT the task says what it follows up (`about` holds the interaction's kind
    and text). WHEN is any date form; TEXT may itself contain colons.
    """
    # WHEN may hold colons itself ("2026-12-01 10:00:call back"): it is the longest start
    # of the spec, up to a colon, that is a date (a time in it only marks where WHEN ends).
    spec = spec.replace("\uff1a", ":")  # 明天：发报价, the colon of a Chinese input method
    if not spec.partition(":")[0].strip():
        raise InvalidInput(_("--follow-up takes WHEN[:TEXT], e.g. 'fri:send the quote' or +3d"))
    cuts = [len(spec)] + [i for i in range(len(spec) - 1, 0, -1) if spec[i] == ":"]
    for cut in cuts:
        when, text = spec[:cut], spec[cut + 1 :]
        try:
            due = parse_date(when, today, direction="future")
            break
        except InvalidInput:
            if cut == cuts[-1] and ":" not in spec:  # 发报价, 明天发报价: no colon
                raise _no_colon(spec.strip(), today) from None
            if cut == cuts[-1]:
                raise
    if text.strip():
        return FollowUp(due, task_text(text), when)
    summary = " ".join(about["text"].split())
    if len(summary) > 60:
        summary = summary[:59].rstrip() + "…"
    from crmcli.core.vocabulary import word  # the task is written in the run's language

    kind = word("kind", about["kind"])
    return FollowUp(
        due, _("Follow up on {kind}: {summary}").format(kind=kind, summary=summary), when
    )


def _no_colon(spec: str, today: date) -> InvalidInput:
    """Why a `--follow-up` without a colon that is no day is refused, with the form to
    write: its day and its task split by a colon where it starts with a day (`明天发报价`:
    `明天:发报价`; `周五前发报价`, due by Friday: `周五:发报价`), else the task after a day
    (`发报价`: `tomorrow:发报价`)."""
    for end in range(len(spec) - 1, 0, -1):  # the longest day first: 明天下午3点发报价
        day, task = spec[:end].strip(), spec[end:].strip()
        if not day or not task or (day[-1].isdigit() and task[0].isdigit()):
            continue
        try:
            parse_date(day, today, direction="future")
        except InvalidInput:
            continue
        task = re.sub(r"^(?:之前|以前|前)\s*", "", task) or task  # 周五前发报价: due by Friday
        return InvalidInput(
            _("--follow-up {spec!r} has no colon after its day; write {form}").format(
                spec=spec, form=f"{day}:{task}"
            )
        )
    return InvalidInput(
        _(
            "--follow-up {spec!r} names no day; write the day, a colon and the task, e.g. "
            "tomorrow:{text}"
        ).format(spec=spec, text=spec)
    )


def add_task(
    conn: sqlite3.Connection,
    customer_id: int,
    text: str,
    due_on: date,
    *,
    every: Period | None = None,
    anchor_on: date | None = None,
    interaction_id: int | None = None,
    previous_id: int | None = None,
    after: Period | None = None,
) -> int:
    """Insert an open task; returns its id. `text` must already be clean (task_text).

    `every` repeats it on a strict calendar, `after` a period after each is done; not both.
    """
    if every and after:
        raise InvalidInput(_("a task repeats --every PERIOD or --after PERIOD, not both"))
    stamp = clock.timestamp()
    anchor = (anchor_on or due_on) if every else None
    cursor = conn.execute(
        "INSERT INTO tasks (customer_id, text, due_on, every, anchor_on, interaction_id, "
        "previous_id, created_at, updated_at, repeat_after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            customer_id,
            text,
            due_on.isoformat(),
            str(every) if every else None,
            anchor.isoformat() if anchor else None,
            interaction_id,
            previous_id,
            stamp,
            stamp,
            str(after) if after else None,
        ),
    )
    return int(cursor.lastrowid or 0)


_SELECT = (
    "SELECT t.id, t.due_on, t.customer_id, c.name AS customer_name, t.text, t.every, t.anchor_on, "
    "t.repeat_after, t.done_at, t.interaction_id, t.previous_id, t.created_at, t.updated_at "
    "FROM tasks t JOIN customers c ON c.id = t.customer_id"
)


def _record(row: sqlite3.Row, today: date) -> Task:
    record = dict(row)
    record["status"] = status(record["due_on"], record["done_at"], today)
    return cast(Task, record)


def get_task(conn: sqlite3.Connection, task_id: int, *, today: date) -> Task:
    """One task with its customer's name and status; raises NotFound."""
    row = conn.execute(f"{_SELECT} WHERE t.id = ?", (task_id,)).fetchone()
    if row is None:
        raise NotFound(_("no task with id {task_id}").format(task_id=task_id))
    return _record(row, today)


def complete_task(
    conn: sqlite3.Connection, task_id: int, *, today: date
) -> tuple[Task, int | None]:
    """Mark a task done; returns (the task as it was, the id of the next one or None).

    A recurring task creates the next task of its series: on its calendar (`every`), or
    its period after today, the day it is done (`repeat_after`). A task already done is
    left as it is (and creates nothing). Raises NotFound.
    """
    task = get_task(conn, task_id, today=today)
    if task["done_at"]:
        return task, None
    stamp = clock.timestamp()
    conn.execute(
        "UPDATE tasks SET done_at = ?, updated_at = ? WHERE id = ?", (stamp, stamp, task_id)
    )
    if task["repeat_after"]:
        after = parse_period(task["repeat_after"])
        next_id = add_task(
            conn,
            task["customer_id"],
            task["text"],
            after.after(today),
            after=after,
            previous_id=task_id,
        )
        return task, next_id
    if not task["every"]:
        return task, None
    every = parse_period(task["every"])
    anchor = date.fromisoformat(task["anchor_on"])
    after = max(date.fromisoformat(task["due_on"]), today)
    next_id = add_task(
        conn,
        task["customer_id"],
        task["text"],
        next_due(anchor, every, after),
        every=every,
        anchor_on=anchor,
        previous_id=task_id,
    )
    return task, next_id


def _require_open(task: Task, action: str) -> None:
    if task["done_at"]:
        raise InvalidInput(
            _("task {id} is already done; it cannot be {action}").format(
                id=task["id"], action=action
            )
        )


def snooze_task(conn: sqlite3.Connection, task_id: int, until: date, *, today: date) -> str | None:
    """Move an open task's due date to `until` (today or later); its series keeps its dates.
    A date before the one it is due on moves it earlier: allowed (a customer who asks to
    meet sooner), and said so by the caller, not as putting it off.

    Returns the due date (ISO) the task had, or None when it is already due `until`.
    Raises NotFound, or InvalidInput for a done task or a date in the past.
    """
    task = get_task(conn, task_id, today=today)
    _require_open(task, "snoozed")
    if until < today:
        raise InvalidInput(
            _("cannot snooze to {value}: it is in the past").format(value=until.isoformat())
        )
    if task["due_on"] == until.isoformat():
        return None
    conn.execute(
        "UPDATE tasks SET due_on = ?, updated_at = ? WHERE id = ?",
        (until.isoformat(), clock.timestamp(), task_id),
    )
    return str(task["due_on"])


def edit_task(
    conn: sqlite3.Connection,
    task_id: int,
    changes: TaskChanges,
    *,
    today: date,
    customer_id: int | None = None,
) -> bool:
    """Apply prepared changes (and a move to `customer_id`); returns whether anything
    changed. Raises NotFound.

    A new due date or period starts the series afresh from the (new) due date. `every` and
    `after` replace each other; `stop_repeating` ends either.
    """
    if changes.every and changes.after:
        raise InvalidInput(_("a task repeats --every PERIOD or --after PERIOD, not both"))
    task = get_task(conn, task_id, today=today)
    values: dict[str, Any] = {}  # column -> new value
    if changes.text is not None:
        values["text"] = changes.text
    if customer_id is not None:
        values["customer_id"] = customer_id
    if changes.due_on is not None:
        values["due_on"] = changes.due_on.isoformat()
    if changes.stop_repeating:
        values["every"] = values["anchor_on"] = values["repeat_after"] = None
    elif changes.after is not None:
        values["every"] = values["anchor_on"] = None
        values["repeat_after"] = str(changes.after)
    elif changes.every is not None or (changes.due_on is not None and task["every"]):
        if changes.every is not None:
            values["repeat_after"] = None
        values["every"] = str(changes.every) if changes.every else task["every"]
        values["anchor_on"] = values.get("due_on", task["due_on"])
    stored: dict[str, Any] = dict(task)  # read by column name
    values = {k: v for k, v in values.items() if stored[k] != v}
    if not values:
        return False
    values["updated_at"] = clock.timestamp()
    assignments = ", ".join(f"{c} = ?" for c in values)
    conn.execute(
        f"UPDATE tasks SET {assignments} WHERE id = ?",  # noqa: S608 - whitelisted columns
        [*values.values(), task_id],
    )
    return True


def delete_task(conn: sqlite3.Connection, task_id: int, *, today: date) -> Task:
    """Delete a task for good; returns the deleted record. Raises NotFound."""
    task = get_task(conn, task_id, today=today)
    conn.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
    return task


def list_tasks(
    conn: sqlite3.Connection,
    *,
    today: date,
    customer_id: int | None = None,
    state: str = "open",
    overdue: bool = False,
    due_by: date | None = None,
    limit: int | None = None,
) -> Iterator[Task]:
    """Stream tasks ordered by due date, COLUMNS keys each.

    `state` is open, done or all; `overdue` keeps open tasks due before today; `due_by`
    keeps tasks due on or before that date (overdue ones included). Tasks of archived
    customers are listed only when `customer_id` names one.
    """
    if state not in STATES:
        raise InvalidInput(_("state must be one of: {value}").format(value=_(", ").join(STATES)))
    clauses, params = refs.whose(customer_id, "t.customer_id", live=True)
    if state == "open" or overdue:
        clauses.append("t.done_at IS NULL")
    elif state == "done":
        clauses.append("t.done_at IS NOT NULL")
    if overdue:
        clauses.append("t.due_on < ?")
        params.append(today.isoformat())
    if due_by is not None:
        clauses.append("t.due_on <= ?")
        params.append(due_by.isoformat())
    order = "t.done_at DESC, t.id DESC" if state == "done" else "t.due_on, t.id"
    sql = f"{_SELECT} WHERE {' AND '.join(clauses)} ORDER BY {order}"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return (_record(row, today) for row in conn.execute(sql, params))
