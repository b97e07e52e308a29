"""Holiday care: `crm care` (whom to greet for which festival), `crm care festival
add|list|delete` (the festivals, and the user's own), `crm care rule add|list|delete`."""

import sys
from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.cli.app import app, output, reading, writing
from crmcli.cli.options import FormatOption, QuietOption, YesOption, confirm, filter_options
from crmcli.cli.output import Format, is_terminal
from crmcli.core import clock, dates
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import N_, _, current

if TYPE_CHECKING:  # the filter language loads only where a filter is parsed
    import sqlite3

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
festival_app = typer.Typer(
    help="Festivals: the built-in ones and your own yearly ones (Christmas, anniversaries).",
    no_args_is_help=True,
)
care_app.add_typer(festival_app, name="festival")

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
    conn: "sqlite3.Connection",
    holiday: str | None,
    year: int | None,
    within: str | None,
    today: date,
) -> list[tuple[object, date]]:
    """(festival, day) pairs the options ask for, of the built-in festivals and the user's."""
    from crmcli.core import festivals
    from crmcli.records import care

    every = care.all_festivals(conn)
    chosen = every
    if holiday is not None and care.festival_key(conn, holiday) != care.ALL:
        chosen = (care.find_festival(conn, holiday),)
    if year is not None:
        return list(festivals.in_window(date(year, 1, 1), date(year, 12, 31), chosen))
    if chosen is not every:
        return [(chosen[0], festivals.next_on(chosen[0], today))]
    until = dates.parse_period(within or "1m", option="--within", allow_zero=True).after(today)
    return list(festivals.in_window(today, until, every))


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

    if year is not None and within is not None:
        raise InvalidInput(_("give --year or --within, not both"))
    today = clock.today()
    with reading(ctx, _("finding care occasions"), quiet=quiet) as conn:
        days = _window(conn, holiday, year, within, today)
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
                "care": _("; ").join(r["actions"]),
            }
            for r in rows
        ]
    else:
        shown = list(rows)
    if shown or fmt is not Format.table:
        # a narrow terminal keeps the date, whom to greet and how: the phone goes first
        # (`crm show` has it), rather than the care cut to `节日问候…` beside it; where it
        # fits it stays, and a long name beside it is cut
        out.rows(shown, columns, key="customer_id", first_out=("phone",), kept=("phone",))
    elif rules and is_terminal(sys.stderr):  # a person asked: say so (a cron job hears nothing)
        out.note(_("Nobody to greet for the festivals asked about."))


# The table's words for JSON's calendar values, in the run's language.
CALENDARS_SHOWN = {
    "solar_term": N_("solar term"),
    "lunar": N_("lunar"),
    "gregorian": N_("gregorian"),
}


@festival_app.command("list")
@care_app.command("festivals", hidden=True)  # its first name, kept for scripts
def festival_list(
    ctx: typer.Context,
    year: YearOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """The festivals, built-in and your own, and the day each falls on: the next twelve
    months, or one year.

    Example: crm care festival list --year 2026
    """
    from crmcli.records import care

    today = clock.today()
    if year is not None:
        start, end = date(year, 1, 1), date(year, 12, 31)
    else:
        start, end = today, dates.add_offset(today, 1, 1, "y") - timedelta(days=1)
    with reading(ctx) as conn:
        rows: list[Mapping[str, Any]] = list(care.festival_days(conn, start, end, today=today))
    if fmt is not Format.table:
        output(ctx, fmt).rows(rows, care.FESTIVAL_COLUMNS)
        return
    # For people a festival's name is headed as one (the words for `name` are a
    # person's), and its key as what one types; piped in English, the columns keep their keys.
    # In Chinese the Chinese name says it all, and is what one types (`--holiday 腊八节`): no
    # English name and no key (`laba`), on a terminal or piped, so the columns are the same
    # wherever the table goes (scripts read --format csv or json).
    terminal = is_terminal(sys.stdout)
    named = "festival_name" if terminal or current() != "en" else "name"
    columns = tuple(named if c == "name" else c for c in care.FESTIVAL_COLUMNS)
    if current() != "en":
        columns = tuple(c for c in columns if c not in ("english", "festival"))
    shown = [
        {**r, named: r["name"], "calendar": _(CALENDARS_SHOWN[r["calendar"]])
         if r["calendar"] in CALENDARS_SHOWN else r["calendar"]}
        for r in rows
    ]  # fmt: skip
    output(ctx, fmt).rows(shown, columns, headers={"festival": N_("festival key|Festival")})


@festival_app.command("add")
def festival_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Its name, e.g. 圣诞节 or 'Company anniversary'.")],
    on: Annotated[
        str | None,
        typer.Option(
            "--date", metavar="MM-DD", help="Every year on this Gregorian day: 12-25 or 12月25日."
        ),
    ] = None,
    lunar: Annotated[
        str | None,
        typer.Option(
            "--lunar", metavar="MM-DD", help="Every year on this lunar day: 08-08 or 腊月初八."
        ),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Add a yearly festival of your own, on a Gregorian (--date) or lunar (--lunar) month
    and day. It appears wherever the built-in ones do: care rules and lists, crm remind.

    Example: crm care festival add 圣诞节 --date 12-25
    """
    from crmcli.core import festivals
    from crmcli.records import care

    today = clock.today()
    with writing(ctx) as conn:
        festival = care.add_festival(conn, name, on=on, lunar=lunar)
    day = festivals.next_on(festival, today)
    output(ctx, quiet=quiet).done(
        _("Added festival {name}: {when} (next {day})").format(
            name=festival.name, when=festivals.describe(festival), day=dates.show_day(day)
        ),
        festival.name,
    )


@festival_app.command("delete")
def festival_delete(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The name of a festival of your own.")],
    yes: YesOption = False,
    quiet: QuietOption = False,
) -> None:
    """Delete a festival of your own (not while a care rule is for it).

    Example: crm care festival delete 圣诞节 --yes
    """
    from crmcli.core import festivals
    from crmcli.records import care

    with reading(ctx) as conn:
        festival = care.deletable_festival(conn, name)
    when = festivals.describe(festival)
    confirm(
        _("Delete festival {name} ({when})?").format(name=festival.name, when=when),
        yes,
        command="care festival delete",
    )
    with writing(ctx) as conn:
        care.delete_festival(conn, name)
    output(ctx, quiet=quiet).done(
        _("Deleted festival {name} ({when}).").format(name=festival.name, when=when),
        festival.name,
    )


@rule_app.command("add")
@filter_options
def rule_add(
    ctx: typer.Context,
    festival: Annotated[
        str, typer.Argument(help="中秋, 春节, mid-autumn, one of your own, ... or 'all'.")
    ],
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
    with writing(ctx) as conn:
        key = care.festival_key(conn, festival)
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
    yes: YesOption = False,
    quiet: QuietOption = False,
) -> None:
    """Delete a care rule. Asks on a terminal; needs --yes in a script.

    Example: crm care rule delete 2 --yes
    """
    from crmcli.records import care

    confirm(
        _("Delete care rule {rule_id}?").format(rule_id=rule_id), yes, command="care rule delete"
    )
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
