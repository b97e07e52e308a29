"""Follow-up tasks: `crm task add|list|done|snooze|edit|delete`."""

from datetime import date
from typing import Annotated, Any

import typer

from crmcli.cli.app import app, output, reading, writing
from crmcli.cli.batch import record_ids
from crmcli.cli.customers import SHOW_SECTIONS, ShowSection, resolver
from crmcli.cli.framework import DashArguments
from crmcli.cli.options import (
    FieldsOption,
    FormatOption,
    LimitOption,
    QuietOption,
    YesOption,
    chosen_fields,
    confirm,
)
from crmcli.cli.output import Format
from crmcli.core import clock, dates
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import Said, _
from crmcli.core.text import clip
from crmcli.core.text import every as every_
from crmcli.records import tasks

task_app = typer.Typer(
    help="Follow-up tasks: dated things to do about a customer.", no_args_is_help=True
)
app.add_typer(task_app, name="task")

EveryOption = Annotated[
    str | None,
    typer.Option(
        "--every",
        help="Repeat: 3d, 2w, 1m (m = months here), 1y; done creates the next one.",
    ),
]
AfterOption = Annotated[
    str | None,
    typer.Option(
        "--after",
        help="Repeat this long after each is done: 3d, 2w, 1m ('call again 2w after a call').",
    ),
]
TABLE_COLUMNS = ("id", "due_on", "status", "customer_name", "text", "every")


def _repeats(row: tasks.Task) -> dict[str, Any]:
    """The row for a table: `every` shows `2w` (calendar) or `2w after done`."""
    if row.get("repeat_after"):
        after = dates.StoredPeriod(row["repeat_after"], bare=True)
        return {**row, "every": Said("{period} after done", period=after)}
    return {**row, "every": row["every"] and dates.StoredPeriod(row["every"])}


@task_app.command("add")
def add(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Customer id, external id, email, phone or name.")],
    text: Annotated[str, typer.Argument(help="What to do.")],
    due: Annotated[
        str,
        typer.Option("--due", help="Due date: 2026-12-01, tomorrow, +3d, fri, Jan 5, 下周五..."),
    ] = "today",
    every: EveryOption = None,
    after: AfterOption = None,
    quiet: QuietOption = False,
) -> None:
    """Add a follow-up task (due today unless --due says otherwise); --every repeats it on
    a calendar, --after a period after each time it is done.

    Example: crm task add 张伟 "Call about the renewal" --due "next monday" --every 1m
    """
    today = clock.today()
    raw = tasks.TaskInput(text=text, due=due, every=every, after=after)
    new = tasks.prepare_new(raw, today=today)
    with writing(ctx) as conn:
        customer_id = resolver(conn)(ref)
        task_id = tasks.add_task(
            conn, customer_id, new.text, new.due_on, every=new.every, after=new.after
        )
        task = tasks.get_task(conn, task_id, today=today)
    repeat = ""
    if new.every:
        # TRANSLATORS: `every` says how often: "every 2 weeks"
        repeat = _(", {every}").format(every=every_(*new.every))
    if new.after:
        repeat = _(", again {period} after each is done").format(period=new.after.describe())
    out = output(ctx, quiet=quiet)
    if note := dates.time_not_kept("--due", due):
        out.warn(note)
    _warn_if_past(out, new.due_on, today)
    out.done(
        _(
            "Added task {task_id} for {customer_name} (#{customer_id}), due {value}{repeat}: {text}"
        ).format(
            task_id=task_id,
            customer_name=task["customer_name"],
            customer_id=customer_id,
            value=dates.show_day(new.due_on),
            repeat=repeat,
            text=new.text,
        ),
        task_id,
    )


@task_app.command("list")
def list_(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(help="Only this customer's tasks.")] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only open tasks due before today.")
    ] = False,
    due_within: Annotated[
        str | None,
        typer.Option(
            "--due-within", help="Only tasks due within this period, e.g. 7d (overdue included)."
        ),
    ] = None,
    done: Annotated[bool, typer.Option("--done", help="List done tasks instead.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="List open and done tasks.")] = False,
    limit: LimitOption = None,
    fmt: FormatOption = Format.table,
    quiet: QuietOption = False,
    fields: FieldsOption = None,
) -> None:
    """List open tasks by due date (or done ones, or all).

    Example: crm task list --due-within 7d
    """
    picked = chosen_fields(fields, tasks.COLUMNS)
    if done and all_:
        raise InvalidInput(_("give --done or --all, not both"))
    today = clock.today()
    due_by = None
    if due_within is not None:
        due_by = dates.parse_period(due_within, option="--due-within", allow_zero=True).after(today)
    state = "all" if all_ else "done" if done else "open"
    with reading(ctx) as conn:
        customer_id = resolver(conn, archived=True)(ref) if ref else None
        rows = tasks.list_tasks(
            conn,
            today=today,
            customer_id=customer_id,
            state=state,
            overdue=overdue,
            due_by=due_by,
            limit=limit,
        )
        columns = TABLE_COLUMNS if fmt is Format.table else tasks.COLUMNS
        if fmt is Format.table:
            rows = ({**_repeats(row), "text": clip(row["text"])} for row in rows)
        # a narrow terminal keeps whether a task is overdue and whether it comes back (its
        # repeat, `2w after done`): the text wraps onto more lines for them
        output(ctx, fmt, quiet).rows(rows, picked or columns, key="id", kept=("status", "every"))


@task_app.command("done")
def done(
    ctx: typer.Context,
    ids: Annotated[list[str], typer.Argument(help="Task ids; - reads ids from stdin.")],
    quiet: QuietOption = False,
) -> None:
    """Mark tasks done; a recurring task creates its next one (-q prints the new ids).

    Example: crm task list --overdue -q | crm task done -
    """
    today = clock.today()
    task_ids = record_ids(ids, "task")
    if not task_ids:
        return
    with writing(ctx) as conn:
        results = [tasks.complete_task(conn, task_id, today=today) for task_id in task_ids]
        upcoming = {
            next_id: tasks.get_task(conn, next_id, today=today)["due_on"]
            for _, next_id in results
            if next_id
        }
    lines = []
    for task, next_id in results:
        if task["done_at"]:
            lines.append(_("Task {id} was already done.").format(id=task["id"]))
            continue
        line = _("Done task {id}: {text}").format(id=task["id"], text=task["text"])
        if next_id:
            line += _(" (next: task {id} due {day})").format(id=next_id, day=upcoming[next_id])
        lines.append(line)
    output(ctx, quiet=quiet).done("\n".join(lines), *(n for _, n in results if n))


@task_app.command("snooze", cls=DashArguments, context_settings={"ignore_unknown_options": True})
def snooze(
    ctx: typer.Context,
    task_id: Annotated[int, typer.Argument(metavar="ID", help="The task's id.")],
    when: Annotated[str, typer.Argument(help="New due date: tomorrow, +3d, mon, 2026-12-01...")],
    quiet: QuietOption = False,
) -> None:
    """Put an open task off to a later date (a date before its due date moves it earlier,
    and says so).

    Example: crm task snooze 7 "next monday"
    """
    today = clock.today()
    until = dates.parse_date(when, today, direction="future")
    with writing(ctx) as conn:
        was = tasks.snooze_task(conn, task_id, until, today=today)
    out = output(ctx, quiet=quiet)
    if note := dates.time_not_kept("crm task snooze", when):
        out.warn(note)
    if was is None:
        said = _("Task {task_id} is already due {day}.")
    elif was > until.isoformat():  # a date before its due date: brought forward, not put off
        said = _("Moved task {task_id} earlier, to {day} (it was due {was}).")
    else:
        said = _("Snoozed task {task_id} to {day}.")
    shown_was = dates.show_day(date.fromisoformat(was)) if was else ""
    out.done(said.format(task_id=task_id, day=dates.show_day(until), was=shown_was), task_id)


@task_app.command("edit")
def edit(
    ctx: typer.Context,
    task_id: Annotated[int, typer.Argument(metavar="ID", help="The task's id.")],
    text: Annotated[str | None, typer.Option("--text", help="New text.")] = None,
    due: Annotated[str | None, typer.Option("--due", help="New due date.")] = None,
    every: Annotated[
        str | None,
        typer.Option("--every", help="Repeat every 3d, 2w, 1m, 1y; 'none' stops repeating."),
    ] = None,
    after: AfterOption = None,
    customer: Annotated[
        str | None, typer.Option("--customer", help="Move it to this customer.")
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Change a task's text, due date, repetition or customer.

    Example: crm task edit 7 --due 2026-12-01 --every none
    """
    today = clock.today()
    raw = tasks.TaskInput(text=text, due=due, every=every, after=after, customer=customer)
    changes = tasks.prepare_edit(raw, today=today)
    with writing(ctx) as conn:
        customer_id = resolver(conn)(customer) if customer else None
        changed = tasks.edit_task(conn, task_id, changes, today=today, customer_id=customer_id)
    out = output(ctx, quiet=quiet)
    if note := dates.time_not_kept("--due", due):
        out.warn(note)
    if changes.due_on:
        _warn_if_past(out, changes.due_on, today)
    due = _(", due {day}").format(day=dates.show_day(changes.due_on)) if changes.due_on else ""
    message = _("Updated task {task_id}{due}.").format(task_id=task_id, due=due)
    out.done(message if changed else _("No changes."), task_id)


def _warn_if_past(out: Any, due_on: date, today: date) -> None:
    """A due day typed before today is kept (a late entry is real work), with a word: `本周五`
    on a Sunday or `前天` may not be the day the user meant."""
    if due_on < today:
        out.warn(
            _("{day} is already past: the task is overdue from the start").format(
                day=dates.show_day(due_on)
            )
        )


@task_app.command("delete")
def delete(
    ctx: typer.Context,
    ids: Annotated[
        list[str], typer.Argument(metavar="ID...", help="Task ids; - reads ids from stdin.")
    ],
    yes: YesOption = False,
    quiet: QuietOption = False,
) -> None:
    """Delete tasks for good, all or none (to finish one, use `crm task done`). Asks on a
    terminal; needs --yes in a script.

    Example: crm task delete 7 8 --yes
    """
    task_ids = list(dict.fromkeys(record_ids(ids, "task")))
    if not task_ids:
        return
    with reading(ctx) as conn:
        first = tasks.get_task(conn, task_ids[0], today=clock.today())
        for task_id in task_ids[1:]:  # a missing one: exit 3 before asking
            tasks.get_task(conn, task_id, today=clock.today())
    confirm(
        _("Delete task {id} for {customer_name} (#{customer_id}): {text}?").format(
            id=first["id"],
            customer_name=first["customer_name"],
            customer_id=first["customer_id"],
            text=clip(first["text"]),
        )
        if len(task_ids) == 1
        else _("Delete {count} tasks ({ids})?").format(
            count=len(task_ids), ids=_(", ").join(map(str, task_ids))
        ),
        yes,
        command="task delete",
    )
    with writing(ctx) as conn:
        gone = [tasks.delete_task(conn, task_id, today=clock.today()) for task_id in task_ids]
    lines = [
        _("Deleted task {id} for {customer_name} (#{customer_id}), due {due_on}: {text}").format(
            id=t["id"],
            customer_name=t["customer_name"],
            customer_id=t["customer_id"],
            due_on=t["due_on"],
            text=t["text"],
        )
        for t in gone
    ]
    output(ctx, quiet=quiet).done("\n".join(lines), *task_ids)


def _open_tasks(conn: Any, customer_id: int) -> list[dict[str, Any]]:
    # `every` as the task list says it (每两周 in Chinese); the same text in JSON
    return [
        {**row, "every": row["every"] and dates.StoredPeriod(row["every"])}
        for row in tasks.list_tasks(conn, today=clock.today(), customer_id=customer_id)
    ]


SHOW_SECTIONS.append(
    ShowSection(
        "open_tasks", "Open tasks", ("id", "due_on", "status", "text", "every"), _open_tasks
    )
)
