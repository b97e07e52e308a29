"""What is due: `crm remind` (for cron), `crm today` (for a person), `crm date add|list|delete`."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import date
from enum import Enum
from typing import Annotated, Any

import typer

from crmcli.cli.app import app, delete_asked, output, reading, writing
from crmcli.cli.customers import SHOW_SECTIONS, ShowSection, resolver
from crmcli.cli.options import (
    FieldsOption,
    FormatOption,
    LimitOption,
    QuietOption,
    YesOption,
    asked_every_row,
    chosen_fields,
    every_row,
)
from crmcli.cli.output import Format, Section, is_terminal
from crmcli.core import clock, dates
from crmcli.core.i18n import Said, _
from crmcli.records import important_dates

date_app = typer.Typer(
    help="Yearly and one-off dates to remember (birthdays are a customer field).",
    no_args_is_help=True,
)
app.add_typer(date_app, name="date")


# Rows `crm today` (and each section of `crm remind`) shows on a terminal without --limit:
# a screen, not the whole day's work of a large database. Off a terminal (cron mail,
# scripts) every row is printed unless --limit says otherwise.
TERMINAL_LIMIT = 20
AllOption = Annotated[
    bool,
    typer.Option("--all", help=f"Every row, also on a terminal (default there: {TERMINAL_LIMIT})."),
]


def shown_limit(limit: int | None, every: bool) -> int | None:
    """The rows to show: --limit, else all off a terminal or with --all, else TERMINAL_LIMIT."""
    if limit is not None:
        return limit
    return None if every or not is_terminal(sys.stdout) else TERMINAL_LIMIT


def _more(ctx: typer.Context, limit: int | None, shown: int, total: int) -> None:
    """Say on stderr that the terminal's default left rows out (not a --limit the user gave),
    and how to see them."""
    if limit is None and shown < total:
        output(ctx).note(
            _("Showing {shown} of {total:,} customers; --all shows all, --limit N more").format(
                shown=shown, total=total
            )
        )


class RemindFormat(str, Enum):
    text = "text"
    json = "json"
    ics = "ics"


@app.command("remind")
def remind(
    ctx: typer.Context,
    within: Annotated[
        str,
        typer.Option(
            "--within", help="Window from today: 7d, 2w, 1m (m = months here); 0d is today."
        ),
    ] = "7d",
    fmt: Annotated[
        RemindFormat,
        typer.Option("--format", "-f", help="text (for mail), json (for scripts) or ics."),
    ] = RemindFormat.text,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            min=0,
            callback=every_row,
            help=f"At most this many rows per section; 0 for every row (on a terminal "
            f"{TERMINAL_LIMIT} by default, off it all; ics: always all).",
        ),
    ] = None,
    every: AllOption = False,
) -> None:
    """Print what is due: overdue tasks, tasks due soon, customers due for contact,
    birthdays and dates. Prints nothing and exits 0 when nothing is due (so cron sends no
    mail); --format json always prints one object, ics always one calendar.

    On a terminal each section shows its first 20 rows (--limit N, --all); in a pipe or
    cron mail, all of them.

    Example: crm remind --within 14d
    From cron, every weekday morning:
      0 8 * * 1-5 crm remind
    """
    from crmcli.cli.progress import REPORT_DELAY, watching
    from crmcli.reports import reminders  # not at import: `crm show` loads this module
    from crmcli.store.db import snapshot

    today = clock.today()
    period = dates.parse_period(within, option="--within", allow_zero=True)
    until = period.after(today)
    if fmt is RemindFormat.ics:
        with reading(ctx, _("finding what is due")) as conn:
            events = reminders.events(conn, today, until)
        from crmcli.transfer.ics import calendar

        # nothing due: an empty calendar, which subscribers accept
        sys.stdout.write(calendar(events, clock.now(), _("crm reminders")))
        return
    out = output(ctx, Format.json if fmt is RemindFormat.json else Format.table)
    # One transaction: the rows of a long section are named as they are written.
    with reading(ctx) as conn, snapshot(conn):
        with watching(no_color=out.no_color, delay=REPORT_DELAY) as progress:
            progress.phase(_("finding what is due"))
            shown = shown_limit(limit, every or asked_every_row(ctx))
            report = reminders.remind(conn, today, until, shown)
        header = {"today": today.isoformat(), "until": until.isoformat(), "within": str(period)}
        screen = fmt is RemindFormat.text and is_terminal(sys.stdout)
        if screen and not any(total for *_, total in report):  # a pipe or cron stays quiet
            output(ctx).note(_("Nothing due up to {day}.").format(day=until.isoformat()))
            return
        parts = [
            Section(
                key,
                _("{title} ({count})").format(title=title, count=_count(key, len(rows), total)),
                columns,
                [_on_screen(row) for row in rows] if screen else rows,
                fields=fields,
                styles=_due,
                first_out=_SPARED.get(key, ()),
                kept=_KEPT.get(key, ()),
            )
            for key, title, columns, fields, rows, total in report
        ]
        out.sections(parts, header=header)
    if limit is None and any(len(part.rows) < part.total for part in report):
        output(ctx).note(_("Some sections show their first rows only; --all shows every row"))


def _on_screen(row: Mapping[str, Any]) -> Mapping[str, Any]:
    """A row of `crm remind` on a terminal: when feedback came, as its local day (the full
    timestamp, in JSON, would push the summary off the screen)."""
    if not row.get("received_at"):
        return row
    return {**row, "received_at": clock.local_date(row["received_at"]).isoformat()}


def _due(row: Mapping[str, Any], column: str) -> str | None:
    """In colour, as `crm task list`: a task's due day red when overdue, bold yellow when
    today; other cells by their meaning."""
    if column == "due_on" and "task_id" in row:
        late = row.get("days_overdue")
        return "alert" if late and late > 0 else "warn" if late == 0 else None
    from crmcli.cli.terminal import meaning

    return meaning(row, column)


# What a terminal too narrow for a section leaves out first: an overdue task's due date,
# which its days overdue say again, then the phone (where the task's text cannot give up
# its third for it), before the task's number (what `crm task done` takes: without it a
# salesperson typed the customer's `#` instead), whom, what the task says and how late it
# is. A task due soon gives up its repeat and then the phone, never its number nor its
# due date (without it nothing said when);
# late feedback its kind, how long it waited and when it came (the title says it is
# late) before its id, whom, the phone and what it says. A birthday or date gives up its
# day (the title says by when; the rows are in its order) before whom, the phone and
# what it is (`生日（满 40 岁）`, kept whole: terminal.WHOLE_OR_OUT); a customer due for
# contact their state, preferred channel and cadence before the last contact (why they are
# due), kept whole too.
_SPARED = {
    "overdue_tasks": ("due_on", "phone"),
    "due_tasks": ("repeats", "phone"),
    "dates": ("falls_on",),
    "due_for_contact": ("state", "preferred_channel", "cadence"),
    "late_feedback": ("kind", "hours_open", "received_at"),
}
# What a section keeps where it fits, cutting a long name beside it rather than leave it
# out (terminal.layout's `kept`): the phone of the tasks to call about, and a birthday's
# or date's day (`crm remind` at 80 columns showed `小米科技 Lon… (#9)` with its day).
_KEPT = {
    "overdue_tasks": ("phone",),
    "due_tasks": ("phone",),
    "dates": ("falls_on",),
}
# The sections whose rows are customers: Chinese counts them with 位, other rows with 条.
_OF_CUSTOMERS = frozenset({"due_for_contact", "churn"})


def _count(key: str, shown: int, total: int) -> str:
    if shown == total:
        return str(total)
    if key in _OF_CUSTOMERS:
        return _("{shown} of {total} customers").format(shown=shown, total=total)
    return _("{shown} of {total}").format(shown=shown, total=total)


def _urgent(row: Mapping[str, Any], column: str) -> str | None:
    """In colour, why an overdue customer is listed is red, why one due today yellow."""
    if column != "why":
        return None
    return {"overdue": "alert", "today": "warn"}.get(row.get("urgency", ""))


@app.command("today")
def today_(
    ctx: typer.Context,
    limit: LimitOption = None,
    every: AllOption = False,
    fmt: FormatOption = Format.table,
    quiet: QuietOption = False,
    fields: FieldsOption = None,
) -> None:
    """Who to contact today and why, most urgent first, with phone and last contact.
    On a terminal the first 20 (--limit N, --all); in a pipe, everyone.

    Example: crm today --limit 10
    """
    from crmcli.cli.progress import REPORT_DELAY, watching
    from crmcli.reports import reminders
    from crmcli.store.db import snapshot

    picked = chosen_fields(fields, reminders.TODAY_FIELDS)
    out = output(ctx, fmt, quiet)
    # One transaction: the day is ranked first, then its rows are read as they are written
    # (a plain table in a pipe holds them to measure them, or for a long day reads them
    # twice, widths then lines, holding none).
    with reading(ctx) as conn, snapshot(conn):
        with watching(quiet=quiet, no_color=out.no_color, delay=REPORT_DELAY) as progress:
            progress.phase(_("ranking whom to contact"))
            # with --limit the total is not said: the first customers may be found early
            rows, total = reminders.every_contact_today(
                conn,
                clock.today(),
                shown_limit(limit, every or asked_every_row(ctx)),
                counted=limit is None,
            )
        if total == 0 and fmt is Format.table and not quiet and is_terminal(sys.stdout):
            # A person asked: an empty screen reads as broken. A pipe or cron stays quiet
            # (docs/daily-routine.md: a command with nothing to say prints nothing). A
            # message, so on stderr (docs/conventions.md), as crm dedupe says it found none.
            out.note(_("Nobody to contact today."))
            return
        columns = reminders.TODAY_COLUMNS if fmt is Format.table else reminders.TODAY_FIELDS
        many = limit if total is None else total  # None: at least `limit` customers
        again = rows if many > reminders.HELD else None
        # a narrow terminal spares the rank first (the rows' order says it), not the name
        shown = out.rows(
            rows(), picked or columns, key="customer_id", styles=_urgent, again=again,
            first_out=("rank",),
        )  # fmt: skip
    if not quiet:
        _more(ctx, limit, shown, many)


@date_app.command("add")
def date_add(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Customer id, external id, email, phone or name.")],
    label: Annotated[str, typer.Argument(help="What the date is, e.g. 'contract anniversary'.")],
    on: Annotated[
        str,
        typer.Argument(
            help="The date (its first time, for a yearly date); lunar:2020-03-10, or "
            "农历腊月初八 for its next time; -- --05-13 for a yearly date without a year."
        ),
    ],
    yearly: Annotated[
        bool, typer.Option("--yearly", help="Comes back every year (29 Feb: 28 Feb otherwise).")
    ] = False,
    is_lunar: Annotated[
        bool,
        typer.Option(
            "--lunar", help="The date is on the lunar calendar (2020-03-10, 腊月初八, 12-08)."
        ),
    ] = False,
    quiet: QuietOption = False,
) -> None:
    """Remember an important date of a customer; `crm remind` shows it when it comes.
    A day without its year (`--05-13`, after `--` so it is not read as an option) is yearly;
    a lunar month and day without a year (农历腊月初八) is its next time.

    Example: crm date add 张伟 "contract anniversary" 2025-03-01 --yearly
    """
    from crmcli.core import lunar

    today = clock.today()
    yearless = None if is_lunar else dates.parse_yearless(on)
    first: date | str
    if yearless is not None:
        first, lunar_date, yearly = yearless, None, True
    else:
        first, lunar_date = lunar.parse_day(on, today, direction="future", lunar=is_lunar)
    with writing(ctx) as conn:
        customer_id = resolver(conn)(ref)
        date_id = important_dates.add_date(
            conn, customer_id, label, first, yearly=yearly, lunar_date=lunar_date
        )
        record = important_dates.get_date(conn, date_id, today=today)
    upcoming = (
        _("; next {day}").format(day=record["next_on"])
        if record["next_on"]
        else _(
            " (in the past, so never reminded; to have it every year: crm date delete "
            "{date_id} and add it again with --yearly)"
        ).format(date_id=date_id)
    )
    shown = first if isinstance(first, str) else dates.show_day(first)
    shown += _(" (lunar {day})").format(day=lunar_date) if lunar_date else ""
    out = output(ctx, quiet=quiet)
    if note := dates.time_not_kept("crm date add", on):
        out.warn(note)
    out.done(
        _(
            "Added date {date_id} for {customer_name} (#{customer_id}): {label} "
            "{shown}{value}{upcoming}"
        ).format(
            date_id=date_id,
            customer_name=record["customer_name"],
            customer_id=customer_id,
            label=record["label"],
            shown=shown,
            value=_(" yearly") if yearly else "",
            upcoming=upcoming,
        ),
        date_id,
    )


@date_app.command("list")
def date_list(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(help="Only this customer's dates.")] = None,
    within: Annotated[
        str | None, typer.Option("--within", help="Only dates falling within 30d, 2m, ...")
    ] = None,
    fmt: FormatOption = Format.table,
    quiet: QuietOption = False,
) -> None:
    """List important dates, soonest first (birthdays are shown by `crm remind`).

    Example: crm date list --within 1m
    """
    today = clock.today()
    until = None
    if within is not None:
        until = dates.parse_period(within, option="--within", allow_zero=True).after(today)
    with reading(ctx) as conn:
        customer_id = resolver(conn, archived=True)(ref) if ref else None
        rows = important_dates.list_dates(conn, today=today, customer_id=customer_id, until=until)
    columns = important_dates.COLUMNS
    if fmt is Format.table:  # a lunar date shows beside its Gregorian day
        columns = tuple(c for c in columns if c != "date_lunar")
        lunar = _(" (lunar {day})")
        rows = [
            {**r, "date_on": r["date_on"] + lunar.format(day=r["date_lunar"])}
            if r["date_lunar"]
            else r
            for r in rows
        ]
    output(ctx, fmt, quiet).rows(rows, columns, key="id")


@date_app.command("delete")
def date_delete(
    ctx: typer.Context,
    date_id: Annotated[
        int, typer.Argument(metavar="ID", help="The date's id (see `crm date list`).")
    ],
    yes: YesOption = False,
    quiet: QuietOption = False,
) -> None:
    """Forget an important date. Asks on a terminal; needs --yes in a script.

    Example: crm date delete 3 --yes
    """

    def shown(record: Any) -> str:
        return _("date {date_id} of {customer_name} (#{customer_id}): {label} {date_on}").format(
            date_id=date_id,
            customer_name=record["customer_name"],
            customer_id=record["customer_id"],
            label=record["label"],
            date_on=record["date_on"],
        )

    today = clock.today()
    delete_asked(
        ctx, date_id, command="date delete", yes=yes, quiet=quiet,
        read=lambda conn, i: important_dates.get_date(conn, i, today=today),
        delete=lambda conn, i: important_dates.delete_date(conn, i, today=today),
        described=shown,
    )  # fmt: skip


class _LunarDay(Said):
    """A lunar date's first Gregorian day, kept as it is (`crm show --format json` reads
    `date_on`), which the card shows with its lunar date beside it, as `crm date list`
    does: `2020-04-02（农历 2020-03-10）`."""

    lunar: str

    def __new__(cls, day: str, lunar: str) -> _LunarDay:
        said = str.__new__(cls, day)
        said.template, said.params, said.lunar = day, {}, lunar
        return said

    def said(self) -> str:
        return str(self) + _(" (lunar {day})").format(day=self.lunar)


def _dates(conn: Any, customer_id: int) -> list[important_dates.ImportantDate]:
    rows = important_dates.list_dates(conn, today=clock.today(), customer_id=customer_id)
    return [
        {**r, "date_on": _LunarDay(r["date_on"], r["date_lunar"])} if r["date_lunar"] else r
        for r in rows
    ]


SHOW_SECTIONS.append(
    ShowSection("dates", "Dates", ("id", "label", "date_on", "is_yearly", "next_on"), _dates)
)
