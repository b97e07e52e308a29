"""`crm dashboard` (also `crm` alone on a terminal) and its rendering."""

import sqlite3
import sys
from datetime import date

import typer

from crmcli.cli.analysis import AsOfOption, as_of_date
from crmcli.cli.app import FormatOption, app, global_options, reading
from crmcli.cli.output import Bars, Format, emit


def render(conn: sqlite3.Connection, today: date, fmt: Format, *, no_color: bool) -> None:
    """Write the dashboard of `conn` as of `today`."""
    import json

    from crmcli.core import money
    from crmcli.reports import dashboard

    found = dashboard.panels(conn, today)
    if fmt is Format.json:
        document = {"as_of": today.isoformat()}
        document.update({p.key: [money.present(r) for r in p.rows] for p in found})
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        return
    if fmt is not Format.table:
        from crmcli.core.errors import InvalidInput

        raise InvalidInput("the dashboard is a table or JSON; use --format table or json")
    if not found:
        sys.stdout.write("Nothing to show yet: add customers (crm add) or try crm demo.\n")
        return
    sys.stdout.write(f"Dashboard as of {today.isoformat()}\n")
    for panel in found:
        sys.stdout.write("\n")
        rows = [money.present(r, grouped_digits=True) for r in panel.rows]
        for row in rows:
            for column in panel.columns:
                if row.get(column) is None:
                    row[column] = "(none)"
            if panel.bar:
                row["chart"] = row[panel.bar]
        bars = Bars("chart", scale=panel.scale, title="chart", width=20) if panel.bar else None
        emit(rows, panel.columns, Format.table, title=panel.title, no_color=no_color, bars=bars)


@app.command("dashboard")
def dashboard_command(
    ctx: typer.Context, as_of: AsOfOption = None, fmt: FormatOption = Format.table
) -> None:
    """One screen: customers by funnel and lifecycle stage, revenue this month against last
    month and last year, RFM segments, and today's contact list. `crm` alone on a terminal
    shows it too.

    Example: crm dashboard --as-of 2026-06-30
    """
    day = as_of_date(as_of)
    with reading(ctx) as conn:
        render(conn, day, fmt, no_color=global_options(ctx).no_color)
