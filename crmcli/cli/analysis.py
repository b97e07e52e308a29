"""Customer reports: `crm report rfm|abc|lifecycle|summary|cohort` (on report_app).

Each takes `--as-of DATE` (default today), the shared filter options (which customers make
the population) and every output format. Reports in several parts print each part as a
titled table; JSON is one object holding every part; jsonl, csv and tsv carry the first
(main) part only, one row per line.
"""

import re
import sqlite3
import sys
from collections.abc import Iterable, Mapping
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.cli.app import output, reading
from crmcli.cli.options import AsOfOption, FormatOption, as_of_date, filter_options
from crmcli.cli.output import Bars, Format, Output, Section
from crmcli.cli.reports import report_app
from crmcli.core.i18n import N_, _

if TYPE_CHECKING:  # the filter language and the reports load only where they are used
    from crmcli.records.filters import CustomerFilter
    from crmcli.reports.summaries import Cohort


def population(
    conn: sqlite3.Connection, selection: "CustomerFilter", as_of: date
) -> tuple[str, list[Any]]:
    """The WHERE clause over `customers c` for the selected customers."""
    from crmcli.records import filters

    query = filters.build(conn, selection, today=as_of)
    return query.sql(), query.params


def present(rows: Iterable[Mapping[str, Any]], fmt: Format) -> list[dict[str, Any]]:
    from crmcli.core import money

    return [money.present(r, grouped_digits=fmt is Format.table) for r in rows]


@report_app.command("rfm")
@filter_options
def rfm_report(
    ctx: typer.Context,
    segment: Annotated[
        str | None,
        typer.Argument(
            metavar="RFM-SEGMENT", help="With --customers: only this RFM segment, e.g. 'at risk'."
        ),
    ] = None,
    customers: Annotated[
        bool, typer.Option("--customers", help="List customers with their scores instead.")
    ] = False,
    as_of: AsOfOption = None,
    fmt: FormatOption = Format.table,
    selection: "CustomerFilter | None" = None,
) -> None:
    """RFM: recency, frequency, monetary scored 1-5 by quintile, and segments from the R x F
    grid; a summary per segment and currency with a bar chart, or `--customers [SEGMENT]`.

    Example: crm report rfm --customers "at risk" --as-of 2026-06-30
    """
    from crmcli.cli.progress import REPORT_DELAY, watching
    from crmcli.core.vocabulary import word
    from crmcli.reports import customer_reports
    from crmcli.store.db import snapshot

    assert selection is not None
    day = as_of_date(as_of)
    out = output(ctx, fmt)
    # One read transaction: the customers listed are named as they are written.
    with reading(ctx) as conn, snapshot(conn):
        with watching(no_color=out.no_color, delay=REPORT_DELAY) as progress:
            progress.phase(_("scoring customers by RFM"))
            grid = customer_reports.grid_setting(conn)
            where, params = population(conn, selection, day)
            values = customer_reports.rfm_values(conn, day, where, params)
            if segment is None and not customers:
                summary = customer_reports.rfm_summary(values, grid)
            else:
                wanted = None if segment is None else _segment(segment, grid)
                listed = customer_reports.RfmCustomers(conn, values, grid, wanted)
        if segment is not None or customers:
            empty = _("No buyers up to {day}.").format(day=day.isoformat())
            if values and wanted is not None:  # customers bought, none of them in the segment
                empty = _("No customers in RFM segment {segment} up to {day}.").format(
                    segment=word("segment", wanted), day=day.isoformat()
                )
            columns = ("customer_id", "customer_name", "currency", "segment", "rfm", "recency",
                       "frequency", "monetary", "r", "f", "m")  # fmt: skip
            part = Section("customers", _("RFM customers"), columns, Presented(listed, fmt))
            out.sections([part], header={"as_of": day.isoformat()}, empty=empty)
            return
    shown = present(summary, fmt)
    for row in shown:
        row["bar"] = row["customers"]
    columns = ("segment", "currency", "customers", "customer_share", "revenue", "revenue_share",
               "mean_recency", "mean_frequency", "mean_monetary")  # fmt: skip
    bars = Bars("bar", scale="currency", title="chart")
    title = _("RFM segments as of {day}").format(day=day.isoformat())
    empty = _("No purchases up to {day}: nothing to score.").format(day=day.isoformat())
    # On a narrow terminal the chart and the shares (the counts and revenue say them) go
    # before the mean recency and frequency, the R and F the segments are made of.
    spared = ("\0bars", "customer_share", "revenue_share")
    parts = [Section("segments", title, columns, shown, bars, first_out=spared)]
    output(ctx, fmt).sections(parts, header={"as_of": day.isoformat()}, empty=empty)


def _segment(typed: str, grid: Any) -> str:
    """The RFM segment of `grid` a user typed: case, spaces, - and _ are ignored (atrisk,
    at-risk and "At Risk" are one), and the words shown in any language crm speaks are
    understood too (流失风险 is `at risk`); InvalidInput for any other."""
    from crmcli.core.errors import InvalidInput
    from crmcli.core.vocabulary import glossed, understood
    from crmcli.reports import customer_reports

    known = customer_reports.segment_names(grid)
    said = re.sub(r"[\s_-]+", "", understood("segment", typed) or typed).casefold()
    same = [n for n in known if re.sub(r"[\s_-]+", "", n).casefold() == said]
    if not same:
        raise InvalidInput(
            _("unknown RFM segment {segment!r}; segments: {known}").format(
                segment=typed, known=glossed("segment", known)
            )
        )
    return same[0]


class Presented:
    """Rows as `present` gives them, each as it is read (at every reading), for rows made
    as they are read (`RfmCustomers`)."""

    def __init__(self, rows: Any, fmt: Format) -> None:
        self.rows, self.grouped = rows, fmt is Format.table

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Any:
        from crmcli.core import money
        from crmcli.core.text import Counted

        for row in self.rows:
            shown = money.present(row, grouped_digits=self.grouped)
            if self.grouped and isinstance(shown.get("recency"), int):  # days since: `7 天`
                shown = {**shown, "recency": Counted(shown["recency"], "day")}
            yield shown


@report_app.command("abc")
@filter_options
def abc_report(
    ctx: typer.Context,
    window: Annotated[
        str | None,
        typer.Option(
            "--window",
            help="Revenue over this period (12m, 2y) or all; default: the abc.window setting.",
        ),
    ] = None,
    top: Annotated[
        int, typer.Option("--top", min=1, max=100, help="For 'top X % bring Y %': X.")
    ] = 20,
    as_of: AsOfOption = None,
    fmt: FormatOption = Format.table,
    selection: "CustomerFilter | None" = None,
) -> None:
    """ABC classes per currency (counts, revenue share), "top X % of customers bring Y % of
    revenue", and a Pareto chart of cumulative revenue by customer decile.

    Example: crm report abc --window 2y --top 10
    """
    from crmcli.records.config import _window
    from crmcli.reports import classes, customer_reports

    assert selection is not None
    day = as_of_date(as_of)
    with reading(ctx, _("classing customers by revenue")) as conn:
        cfg = classes.config(conn)
        span = _window(window) if window is not None else cfg.abc_window
        start = classes.window_start(span, day)
        where, params = population(conn, selection, day)
        rows, pareto, statements = customer_reports.abc_report(
            conn, day, where, params, start=start, a=cfg.abc_a, b=cfg.abc_b, top=top
        )
    shown = present(rows, fmt)
    curve = present(pareto, fmt)
    for row in curve:
        row["bar"] = float(row["revenue_share"])
    header = {
        "as_of": day.isoformat(),
        "window": span,
        "since": start.isoformat() if start else None,
        "top": statements,
    }
    cls_cols = ("class", "currency", "customers", "customer_share", "revenue", "revenue_share")
    par_cols = ("top_percent", "currency", "customers", "revenue", "revenue_share")
    since = _("since {day}").format(day=start.isoformat()) if start else _("all time")
    parts = [
        Section(
            "classes",
            _("ABC classes, net revenue {since} to {day}").format(since=since, day=day.isoformat()),
            cls_cols,
            shown,
            None,
        ),
        Section(
            "pareto",
            _("Pareto: revenue of the top customers"),
            par_cols,
            curve,
            Bars("bar", scale="currency", title="cumulative_share"),
        ),
    ]
    with output(ctx, fmt).paged() as out:
        out.sections(
            parts,
            header=header,
            empty=_("No purchases {since} up to {day}.").format(since=since, day=day.isoformat()),
        )
        if rows:
            said = _("Top {top} % of customers ({count} of {n}) bring {share} % of {currency} "
                     "revenue.")  # fmt: skip
            # The statements' own words (JSON's `text`) begin lower case, without a stop.
            lines = [said.format(**s["text"].params) for s in statements]
            out.text("\n".join(lines), above=False)


@report_app.command("lifecycle")
@filter_options
def lifecycle_report(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    fmt: FormatOption = Format.table,
    selection: "CustomerFilter | None" = None,
) -> None:
    """Customers per lifecycle and funnel stage, monthly flows between lifecycle stages over
    12 months, funnel conversion and median days in each funnel stage.

    Example: crm report lifecycle --as-of 2026-06-30 --format json
    """
    from crmcli.reports import classes, customer_reports

    assert selection is not None
    day = as_of_date(as_of)
    with reading(ctx, _("counting lifecycle and funnel stages")) as conn:
        cfg = classes.config(conn)
        where, params = population(conn, selection, day)
        report = customer_reports.lifecycle_report(conn, day, where, params, cfg.rules)
    total = sum(r["customers"] for r in report["lifecycle"])
    stages = [{**r, "bar": r["customers"]} for r in report["lifecycle"]]
    funnel = [{**r, "bar": r["customers"]} for r in report["funnel"]]
    if fmt is Format.table:
        funnel = [{**r, "stage": r["stage"] or _("(none)")} for r in funnel]
    parts = [
        Section(
            "lifecycle",
            _("Lifecycle stages"),
            ("lifecycle", "customers", "share"),
            stages if total else [],
            Bars("bar", title="chart"),
        ),
        Section(
            "funnel",
            _("Funnel stages"),
            ("stage", "customers", "share"),
            funnel if total else [],
            Bars("bar", title="chart"),
        ),
        Section(
            "months",
            _("Lifecycle at month ends (the last: as of)"),
            ("month", "new", "active", "reactivated", "at_risk", "lapsed", "none", "moved"),
            report["months"] if total else [],
            None,
        ),
        Section(
            "moves",
            _("Moves between lifecycle stages over the 12 months"),
            ("from_lifecycle", "to_lifecycle", "customers"),
            report["moves"],
            None,
        ),
        Section(
            "conversion",
            _("Funnel conversion"),
            ("from_stage", "to_stage", "entered", "moved_on", "conversion"),
            [r for r in report["conversion"] if r["entered"]],
            None,
        ),
        Section(
            "time_in_stage",
            _("Median days in stage (finished stays)"),
            ("stage", "stays", "median_days"),
            [r for r in report["time_in_stage"] if r["stays"]],
            None,
        ),
    ]
    if fmt is Format.json:  # JSON keeps every row, empty ones too, and the monthly flows
        every: Mapping[str, Any] = report
        parts = [p._replace(rows=every[p.key]) for p in parts]
        parts.append(Section("flows", "", (), report["flows"]))
    output(ctx, fmt).sections(parts, header={"as_of": day.isoformat(), "customers": total},
                              empty=_("No customers to report on."))  # fmt: skip


class SummaryBy(str, Enum):
    industry = "industry"
    region = "region"
    city = "city"
    company_size = "company_size"
    source = "source"
    tag = "tag"
    stage = "stage"
    category = "category"


@report_app.command("summary")
@filter_options
def summary_report(
    ctx: typer.Context,
    by: Annotated[
        SummaryBy,
        typer.Option(
            "--by",
            help="Group by industry, region, city, company_size, source, tag, stage or category.",
        ),
    ] = SummaryBy.industry,
    as_of: AsOfOption = None,
    fmt: FormatOption = Format.table,
    selection: "CustomerFilter | None" = None,
) -> None:
    """Customers, buyers, revenue, net, orders, average order and share per group and
    currency (客户品类汇总), with a bar chart of net revenue.

    Example: crm report summary --by city --tag vip
    """
    from crmcli.reports import summaries

    assert selection is not None
    day = as_of_date(as_of)
    with reading(ctx, _("summarising customers and purchases")) as conn:
        where, params = population(conn, selection, day)
        rows = summaries.summarise(conn, by.value, day, where, params)
    shown = present(rows, fmt)
    for raw, row in zip(rows, shown, strict=True):
        row["bar"] = raw["net_minor"]
        if fmt is Format.table and row[by.value] is None:
            row[by.value] = _("(none)")
    bars = Bars("bar", scale="currency", title="chart")
    columns = (by.value, *summaries.COLUMNS)
    from crmcli.core.vocabulary import word

    group = word("field", by.value)
    title = _("Summary by {group} as of {day}").format(group=group, day=day.isoformat())
    output(ctx, fmt).sections([Section("groups", title, columns, shown, bars)],
                              header={"as_of": day.isoformat()},
                              empty=_("No customers to summarise."))  # fmt: skip


# The cohort table's title, by its period.
_COHORT_TITLES = {
    "month": N_("Retention by month cohort (% of the cohort buying in period +N)"),
    "quarter": N_("Retention by quarter cohort (% of the cohort buying in period +N)"),
}


class CohortBy(str, Enum):
    month = "month"
    quarter = "quarter"


@report_app.command("cohort")
@filter_options
def cohort_report(
    ctx: typer.Context,
    by: Annotated[
        CohortBy, typer.Option("--by", help="Cohorts and periods by month or quarter.")
    ] = CohortBy.month,
    periods: Annotated[
        int | None,
        typer.Option(
            "--periods", min=1, max=120, help="How many cohorts (default 12 months or 8 quarters)."
        ),
    ] = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = Format.table,
    selection: "CustomerFilter | None" = None,
) -> None:
    """Retention of acquisition cohorts: of the customers whose first purchase fell in a
    month (or quarter), the share buying again in each later one; heat-coloured on a terminal.

    Example: crm report cohort --by quarter --periods 6
    """
    from crmcli.reports import summaries

    assert selection is not None
    day = as_of_date(as_of)
    count = periods or (12 if by is CohortBy.month else 8)
    with reading(ctx, _("following cohorts")) as conn:
        where, params = population(conn, selection, day)
        rows = summaries.cohorts(conn, by.value, day, where, params, count)
    header = {"as_of": day.isoformat(), "by": by.value}
    if fmt is Format.json:
        output(ctx, fmt).sections([Section("cohorts", "", (), rows)], header=header)
        return
    if fmt is not Format.table:
        cells = [
            {"cohort": r["cohort"], "customers": r["customers"], "period": k, "active": n,
             "retention": r["retention"][k]}
            for r in rows
            for k, n in enumerate(r["active"])
        ]  # fmt: skip
        output(ctx, fmt).rows(cells, ("cohort", "customers", "period", "active", "retention"))
        return
    if not rows:
        said = {"month": N_("No first purchases in the last {count} months."),
                "quarter": N_("No first purchases in the last {count} quarters.")}  # fmt: skip
        sys.stdout.write(_(said[by.value]).format(count=count) + "\n")
        return
    _heat(rows, by.value, output(ctx))


def _heat(rows: "list[Cohort]", by: str, out: Output) -> None:
    """The retention matrix: percent per cell, each cell heat-coloured by its share (light
    to dark, the text dark on light and light on dark) where there is colour."""
    width = max(len(r["active"]) for r in rows)
    columns = ["cohort", "customers", *(f"+{k}" for k in range(width))]
    title = _(_COHORT_TITLES[by])
    from crmcli.core.dates import show_quarter

    named = show_quarter if by == "quarter" else str
    cells = [
        {"cohort": named(r["cohort"]), "customers": str(r["customers"]),
         **{f"+{k}": f"{float(p):.0f}" for k, p in enumerate(r["retention"])}}
        for r in rows
    ]  # fmt: skip

    def heat(row: Mapping[str, Any], column: str) -> str | None:
        share = row.get(column) if column.startswith("+") else None
        return f"heat:{int(share) / 100}" if share else None

    out.rows(cells, columns, title=title, styles=heat)
