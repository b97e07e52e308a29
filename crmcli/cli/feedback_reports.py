"""`crm report feedback`, `crm report satisfaction`, `crm report referrals`.

Each takes the shared customer filters (`--where`, `--tag`, `--stage`, ...): with none,
every customer counts, archived ones too; with any, the filter picks among live customers
(or archived ones with --archived), exactly as `crm list` would.
"""

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.cli.app import output, reading
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
from crmcli.cli.reports import report_app
from crmcli.core.i18n import _

if TYPE_CHECKING:  # the filter language loads only where a filter is parsed
    from crmcli.records.filters import CustomerFilter


def _scope(conn: Any, selection: "CustomerFilter", since: str | None, until: str | None) -> Any:
    from crmcli.core import clock
    from crmcli.records import filters
    from crmcli.reports.satisfaction import Scope

    first, last = period(since, until)
    scope = Scope(since=first, until=last)
    if not selection.is_empty() or selection.archived:
        query = filters.build(conn, selection, today=clock.today())
        scope.customers, scope.params = query.sql(), query.params
    return scope


def _with_total(
    rows: Sequence[Mapping[str, Any]], total: Mapping[str, Any] | None, key: str, fmt: Format
) -> Sequence[Mapping[str, Any]]:
    """Table rows: None keys shown as (none), and the total row at the end."""
    if fmt is not Format.table:
        return rows
    shown = [{**r, key: _("(none)") if r[key] is None else r[key]} for r in rows]
    return [*shown, total] if shown and total else shown


class FeedbackBy(str, Enum):
    kind = "kind"
    severity = "severity"
    month = "month"


@report_app.command("feedback")
@filter_options
def feedback_report(
    ctx: typer.Context,
    by: Annotated[
        FeedbackBy, typer.Option("--by", help="Group by kind, severity or month received.")
    ] = FeedbackBy.kind,
    since: SinceOption = None,
    until: UntilOption = None,
    fmt: FormatOption = Format.table,
    selection: "CustomerFilter | None" = None,
) -> None:
    """Feedback received, open and resolved; items past the response target; median and
    90th-percentile hours to resolve. --by month is the trend.

    Example: crm report feedback --by month --since -6m
    """
    from crmcli.core import clock
    from crmcli.records import feedback
    from crmcli.reports.satisfaction import FEEDBACK_FIGURES, feedback_report

    assert selection is not None
    with reading(ctx, _("counting feedback")) as conn:
        scope = _scope(conn, selection, since, until)
        target = feedback.target_seconds(conn)
        rows, total = feedback_report(conn, scope, by=by.value, now=clock.now(), target=target)
    columns = (by.value, *FEEDBACK_FIGURES)
    output(ctx, fmt).rows(_with_total(rows, total, by.value, fmt), columns)


class SatisfactionBy(str, Enum):
    month = "month"
    tag = "tag"
    stage = "stage"


@report_app.command("satisfaction")
@filter_options
def satisfaction_report(
    ctx: typer.Context,
    by: Annotated[
        SatisfactionBy | None,
        typer.Option("--by", help="Group by month answered, tag or stage (default: overall)."),
    ] = None,
    detractors: Annotated[
        bool,
        typer.Option(
            "--detractors", help="List the detractors not contacted since they answered instead."
        ),
    ] = False,
    since: SinceOption = None,
    until: UntilOption = None,
    fmt: FormatOption = Format.table,
    selection: "CustomerFilter | None" = None,
) -> None:
    """NPS (promoters 9-10 minus detractors 0-6, in %), CSAT (share of 4-5), response
    counts, and detractors not contacted since their answer.

    Example: crm report satisfaction --by month --since 2026-01-01
    """
    from crmcli.core import clock
    from crmcli.core.errors import InvalidInput
    from crmcli.reports.satisfaction import (
        DETRACTOR_COLUMNS,
        SATISFACTION_FIGURES,
        satisfaction_report,
        uncontacted_detractors,
    )

    assert selection is not None
    if detractors and by is not None:
        raise InvalidInput(_("--detractors lists answers; it takes no --by"))
    with reading(ctx, _("scoring survey answers")) as conn:
        scope = _scope(conn, selection, since, until)
        if detractors:
            answers = uncontacted_detractors(conn, scope, today=clock.today())
        else:
            rows, total = satisfaction_report(conn, scope, by=by.value if by else None)
    out = output(ctx, fmt)
    if detractors:
        out.rows(answers, DETRACTOR_COLUMNS)
        return
    if by is None:
        out.rows(rows, SATISFACTION_FIGURES)
        return
    columns = (by.value, *SATISFACTION_FIGURES)
    out.rows(_with_total(rows, total, by.value, fmt), columns)


@report_app.command("referrals")
@filter_options
def referrals_report(
    ctx: typer.Context,
    summary: Annotated[
        bool,
        typer.Option(
            "--summary", help="Per currency: the share of net purchases by referred customers."
        ),
    ] = False,
    since: SinceOption = None,
    until: UntilOption = None,
    currency: CurrencyOption = None,
    limit: LimitOption = None,
    fmt: FormatOption = Format.table,
    selection: "CustomerFilter | None" = None,
) -> None:
    """Top referrers by customers brought and those customers' net purchases per currency,
    and the share of net purchases that came from referred customers.

    Example: crm report referrals --limit 10 --currency CNY
    """
    from crmcli.core import money
    from crmcli.reports.satisfaction import REFERRER_COLUMNS, SUMMARY_COLUMNS, referrals_report

    assert selection is not None
    code = money.currency_code(currency) if currency is not None else None
    with reading(ctx, _("adding up referrals")) as conn:
        scope = _scope(conn, selection, since, until)
        rows, totals = referrals_report(conn, scope, currency=code, limit=limit)
    table = fmt is Format.table
    out = output(ctx, fmt)
    if summary:
        columns = [c.removesuffix("_minor") for c in SUMMARY_COLUMNS]
        out.rows([money.present(t, grouped_digits=table) for t in totals], columns)
        return
    shown = []
    for row in rows:
        line = money.present(row, grouped_digits=table) if row["currency"] else dict(row)
        line.setdefault("net", None)
        line.pop("net_minor", None)
        shown.append(line)
    if table and shown:
        for total in totals:
            shown.append(
                {
                    "customer_name": _("all referred"),
                    "referred": total["referred_customers"],
                    "currency": total["currency"],
                    "net": money.shown(total["referred_net_minor"], total["currency"]),
                    "share": total["referred_share"],
                }
            )
    columns = [c.removesuffix("_minor") for c in REFERRER_COLUMNS]
    out.rows(shown, columns)
