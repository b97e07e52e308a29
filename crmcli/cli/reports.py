"""Reports: `crm report ...`, one command per report.

Each report command parses its options here, asks a service (or a pure analytics function)
for rows with stable snake_case keys and money in minor units, turns money into decimal
strings with `money.present`, and hands the rows to `output.emit` (with `output.Bars` for a
chart in the table format). Shared options (period, currency) come from crmcli.cli.options.
"""

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.cli.app import app, output, reading
from crmcli.cli.options import (
    CurrencyOption,
    FormatOption,
    LimitOption,
    SinceOption,
    UntilOption,
    filter_options,
    period,
)
from crmcli.cli.output import Format
from crmcli.core.i18n import _

if TYPE_CHECKING:  # the filter language loads only where a filter is parsed
    from crmcli.records.filters import CustomerFilter

report_app = typer.Typer(help="Reports over customers and purchases.", no_args_is_help=True)
app.add_typer(report_app, name="report")


class SalesBy(str, Enum):
    day = "day"
    week = "week"
    month = "month"
    quarter = "quarter"
    year = "year"
    category = "category"
    item = "item"
    customer = "customer"
    city = "city"
    region = "region"
    tag = "tag"


SALES_FIGURES = ("revenue", "refunds", "net", "orders", "customers", "average_order")


@report_app.command("sales")
@filter_options
def sales(
    ctx: typer.Context,
    by: Annotated[
        SalesBy,
        typer.Option(
            "--by", help="Group by a period or by category, item, customer, city, region, tag."
        ),
    ] = SalesBy.month,
    since: SinceOption = None,
    until: UntilOption = None,
    currency: CurrencyOption = None,
    limit: LimitOption = None,
    fmt: FormatOption = Format.table,
    selection: "CustomerFilter | None" = None,
) -> None:
    """Sales per period or group: revenue, refunds, net, orders, customers, average order.

    Totals are per currency, never added across currencies. An order is the lines of one
    customer sharing an order reference; a line without one is its own order. The table
    ends with a total per currency and draws net as a bar chart. --limit N keeps, per
    currency, the latest N periods or the N largest groups; the total then still adds up
    every period or group ("total of all"). The filter options
    (--tag, --where, --lifecycle, --segment...) count only the purchases of the customers
    they select, as `crm list` selects them; without one, every purchase counts.

    Example: crm report sales --by quarter --since 2025-01-01 --currency CNY
    Example: crm report sales --by month --tag vip --lifecycle active
    """
    from crmcli.core import clock, dates, money
    from crmcli.records import filters
    from crmcli.reports import sales as service

    assert selection is not None
    first, last = period(since, until)
    code = money.currency_code(currency) if currency is not None else None
    with reading(ctx, _("adding up sales")) as conn:
        customers = None
        if not selection.is_empty() or selection.archived:
            query = filters.build(conn, selection, today=clock.today())
            customers = (query.sql(), query.params)
        rows, totals = service.sales(
            conn,
            by.value,
            since=first,
            until=last,
            currency=code,
            limit=limit,
            totals=fmt is Format.table,  # only the table shows them
            customers=customers,
        )
    keys = ("customer_id", "customer_name") if by is SalesBy.customer else (by.value,)
    columns = (*keys, "currency", *SALES_FIGURES)
    table = fmt is Format.table
    shown = []
    for row in rows:
        out = money.present(row, grouped_digits=table)
        out["bar"] = row["net_minor"]
        if table and out[keys[-1]] is None:
            out[keys[-1]] = _("(none)")
        elif table and by is SalesBy.quarter:
            out["quarter"] = dates.show_quarter(out["quarter"])
        elif table and by is SalesBy.week:
            out["week"] = dates.show_week(out["week"])
        shown.append(out)
    if not table:
        output(ctx, fmt).rows(shown, columns)
        return
    if shown:
        for total in totals:
            out = money.present(total, grouped_digits=True)
            # --limit shows some groups, the total still adds up all: it says so
            out[keys[-1]] = _("total") if limit is None else _("total of all")
            shown.append(out)
    from crmcli.cli.output import Bars

    bars = Bars("bar", scale="currency", title="chart")
    output(ctx, fmt).rows(shown, columns, bars=bars)
