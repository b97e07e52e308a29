"""`crm dashboard` (also `crm` alone on a terminal) and its rendering."""

import sqlite3
from datetime import date

import typer

from crmcli.cli.app import app, output, reading
from crmcli.cli.options import AsOfOption, TableOrJson, TableOrJsonOption, as_of_date
from crmcli.cli.output import Bars, Format, Output, Section
from crmcli.core.i18n import Joined, _


def render(out: Output, conn: sqlite3.Connection, today: date) -> None:
    """Write the dashboard of `conn` as of `today`."""
    from crmcli.cli.progress import REPORT_DELAY, watching
    from crmcli.core import money
    from crmcli.reports import dashboard

    with watching(no_color=out.no_color, delay=REPORT_DELAY) as shown:  # gone before the pager
        shown.phase(_("computing the dashboard"))
        found = dashboard.panels(conn, today)
    if out.fmt is Format.json:
        parts = [
            Section(p.key, p.title, p.columns, [money.present(r) for r in p.rows]) for p in found
        ]
        out.sections(parts, header={"as_of": today.isoformat()})
        return
    parts = []
    for panel in found:
        rows = [money.present(r, grouped_digits=True) for r in panel.rows]
        for row in rows:
            for column in panel.columns:
                if row.get(column) is None:
                    row[column] = _("(none)")
            if panel.bar:
                row["chart"] = row[panel.bar]
            if isinstance(row.get("reasons"), list):  # joined as `crm today` joins them
                row["reasons"] = Joined(row["reasons"])
        bars = Bars("chart", scale=panel.scale, title="chart", width=20) if panel.bar else None
        # whom to call is the point of the contact list: its rank (the rows' order says it)
        # goes before a name is cut on a narrow terminal
        spared = ("rank",) if "rank" in panel.columns else ()
        parts.append(Section(panel.key, panel.title, panel.columns, rows, bars, first_out=spared))
    out.sections(
        parts,
        heading=_("Dashboard as of {day}").format(day=today.isoformat()),
        empty=_("Nothing to show yet: add customers (crm add) or try crm demo."),
    )


@app.command("dashboard")
def dashboard_command(
    ctx: typer.Context, as_of: AsOfOption = None, fmt: TableOrJsonOption = TableOrJson.table
) -> None:
    """One screen: customers by funnel and lifecycle stage, revenue this month against last
    month and last year, RFM segments, and today's contact list. `crm` alone on a terminal
    shows it too.

    Example: crm dashboard --as-of 2026-06-30
    """
    from crmcli.store.db import snapshot

    day = as_of_date(as_of)
    with reading(ctx) as conn, snapshot(conn):  # its panels agree: one transaction
        render(output(ctx, Format(fmt.value)), conn, day)
