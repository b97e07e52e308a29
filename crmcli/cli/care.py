"""Holiday care: `crm care` (whom to greet for which festival), `crm care festivals`,
`crm care rule add|list|delete`."""

import sys
from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.cli.app import app, output, reading, writing
from crmcli.cli.options import FormatOption, QuietOption, filter_options
from crmcli.cli.output import Format, is_terminal
from crmcli.core import clock, dates
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import _

if TYPE_CHECKING:  # the filter language loads only where a filter is parsed
    from crmcli.records.filters import CustomerFilter

care_app = typer.Typer(
    help="Holiday care lists: whom to greet, and how, for each festival (节日关怀).",
    invoke_without_command=True,
)
app.add_typer(care_app, name="care")
rule_app = typer.Typer(
    help="Care rules: a festival, an action, and whom it is for.", no_args_is_help=True
)
care_app.add_typer(rule_app, name="rule")

HolidayOption = Annotated[
    str | None,
    typer.Option("--holiday", help="Only this festival: 中秋, 春节, mid-autumn, ... (or 'all')."),
]
YearOption = Annotated[
    int | None,
    typer.Option("--year", min=1950, max=2200, help="The festivals of this year instead."),
]
CARE_TABLE = ("falls_on", "festival_name", "customer", "phone", "care")


def _window(
    holiday: str | None, year: int | None, within: str | None, today: date
) -> list[tuple[object, date]]:
    """(festival, day) pairs the options ask for."""
    from crmcli.core import festivals
    from crmcli.records import care

    if year is not None and within is not None:
        raise InvalidInput(_("give --year or --within, not both"))
    within = within or "1m"

    only = None
    if holiday is not None:
        key = care.festival_key(holiday)
        only = None if key == care.ALL else festivals.BY_KEY[key]
    if year is not None:
        return list(festivals.in_window(date(year, 1, 1), date(year, 12, 31), only))
    if only is not None:
        return [(only, festivals.next_on(only, today))]
    until = dates.parse_period(within, option="--within", allow_zero=True).after(today)
    return list(festivals.in_window(today, until))


@care_app.callback(invoke_without_command=True)
def care_list(
    ctx: typer.Context,
    holiday: HolidayOption = None,
    year: YearOption = None,
    within: Annotated[
        str | None,
        typer.Option("--within", help="Festivals from today within 30d, 2m, ... (default 1m)."),
    ] = None,
    fmt: FormatOption = Format.table,
    quiet: QuietOption = False,
) -> None:
    """Whom to greet for each upcoming festival, by the care rules: the festival's date,
    the customer and what to do. Prints nothing (exit 0) when nobody is to be greeted.

    Example: crm care --holiday 中秋 --year 2027
    """
    if ctx.invoked_subcommand is not None:
        return
    from crmcli.records import care

    today = clock.today()
    days = _window(holiday, year, within, today)
    with reading(ctx) as conn:
        rows = care.care_list(conn, days, today=today)  # type: ignore[arg-type]
        rules = care.has_rules(conn)
    out = output(ctx, fmt, quiet)
    if quiet:  # each customer once, however many occasions they have
        rows = list({r["customer_id"]: r for r in rows}.values())
    if not rules and is_terminal(sys.stderr):
        out.note(_("No care rules yet; add one with `crm care rule add`."))
    columns = care.CARE_COLUMNS
    if fmt is Format.table:
        columns = CARE_TABLE
        shown: list[Mapping[str, Any]] = [
            {
                **r,
                "customer": f"{r['customer_name']} (#{r['customer_id']})",
                "care": "; ".join(r["actions"]),
            }
            for r in rows
        ]
    else:
        shown = list(rows)
    if shown or fmt is not Format.table:
        out.rows(shown, columns, key="customer_id")


@care_app.command("festivals")
def festival_list(
    ctx: typer.Context,
    year: YearOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """The festivals and the day each falls on: the next twelve months, or one year.

    Example: crm care festivals --year 2026
    """
    from crmcli.core import festivals

    today = clock.today()
    if year is not None:
        days = festivals.in_window(date(year, 1, 1), date(year, 12, 31))
    else:
        days = festivals.in_window(today, dates.add_offset(today, 1, 1, "y") - timedelta(days=1))
    rows = [
        {
            "falls_on": day.isoformat(),
            "festival": f.key,
            "name": f.name,
            "english": f.english,
            "calendar": "lunar" if f.lunar else "gregorian",
            "days_until": (day - today).days,
        }
        for f, day in days
    ]
    output(ctx, fmt).rows(
        rows, ("falls_on", "festival", "name", "english", "calendar", "days_until")
    )


@rule_app.command("add")
@filter_options
def rule_add(
    ctx: typer.Context,
    festival: Annotated[str, typer.Argument(help="中秋, 春节, mid-autumn, ... or 'all'.")],
    action: Annotated[str, typer.Argument(help="What to do, e.g. '月饼礼盒 mooncake gift'.")],
    quiet: QuietOption = False,
    selection: "CustomerFilter | None" = None,
) -> None:
    """Add a care rule: for FESTIVAL, do ACTION for the customers the filter options pick
    (none: everyone). Filters are read again each time, so tags and stages stay current.

    Example: crm care rule add 中秋 "月饼礼盒 mooncake gift box" --tag vip --abc A
    """
    from crmcli.records import care

    assert selection is not None
    key = care.festival_key(festival)
    with writing(ctx) as conn:
        rule_id = care.add_rule(conn, key, action, selection, today=clock.today())
        record = next(r for r in care.list_rules(conn) if r["id"] == rule_id)
    output(ctx, quiet=quiet).done(
        _("Added care rule {rule_id}: {festival_name}: {action} for {selection}").format(
            rule_id=rule_id,
            festival_name=record["festival_name"],
            action=record["action"],
            selection=record["selection"],
        ),
        rule_id,
    )


@rule_app.command("list")
def rule_list(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """List the care rules.

    Example: crm care rule list --format json
    """
    from crmcli.records import care

    with reading(ctx) as conn:
        rows = care.list_rules(conn)
    columns = care.RULE_COLUMNS
    if fmt is Format.table:
        columns = ("id", "festival_name", "action", "selection")
    output(ctx, fmt).rows(rows, columns)


@rule_app.command("delete")
def rule_delete(
    ctx: typer.Context,
    rule_id: Annotated[int, typer.Argument(metavar="ID", help="The rule's id.")],
    quiet: QuietOption = False,
) -> None:
    """Delete a care rule.

    Example: crm care rule delete 2
    """
    from crmcli.records import care

    with writing(ctx) as conn:
        record = care.delete_rule(conn, rule_id)
    output(ctx, quiet=quiet).done(
        _("Deleted care rule {rule_id}: {festival_name}: {action} for {selection}").format(
            rule_id=rule_id,
            festival_name=record["festival_name"],
            action=record["action"],
            selection=record["selection"],
        ),
        rule_id,
    )
