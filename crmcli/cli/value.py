"""`crm report value` (BG/NBD + Gamma-Gamma) and `crm report churn` (churn warning).

scipy and numpy are imported only inside these commands (through crmcli.reports.value), never when
this module is imported: every other command's start-up stays free of them.
"""

import sys
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.cli.app import output, reading
from crmcli.cli.options import CurrencyOption, FormatOption, LimitOption, filter_options
from crmcli.cli.output import Format
from crmcli.cli.reports import report_app
from crmcli.core.errors import InvalidInput

if TYPE_CHECKING:  # the filter language loads only where a filter is parsed
    from crmcli.records.filters import CustomerFilter

AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Judge as on this date (default today); later purchases ignored."),
]
VALUE_COLUMNS = (
    "customer",
    "purchase_days",
    "last_purchase_on",
    "p_alive",
    "expected_purchases",
    "expected_spend",
    "expected_value",
)
VALUE_FIELDS = (
    "customer_id",
    "name",
    "currency",
    "purchase_days",
    "first_purchase_on",
    "last_purchase_on",
    "p_alive",
    "expected_purchases",
    "expected_spend",
    "expected_value",
)


def _as_of(text: str | None) -> Any:
    from crmcli.core import clock, dates

    today = clock.today()
    return dates.parse_date(text, today, direction="past") if text is not None else today


def _say(message: str) -> None:
    sys.stderr.write(message + "\n")


@report_app.command("value")
@filter_options
def value_report(
    ctx: typer.Context,
    horizon: Annotated[
        str, typer.Option("--horizon", help="How far ahead to predict: 6m, 1y, 90d...")
    ] = "12m",
    currency: CurrencyOption = None,
    as_of: AsOfOption = None,
    limit: LimitOption = None,
    parameters: Annotated[
        bool, typer.Option("--parameters", help="Print the fitted parameters instead.")
    ] = False,
    fmt: FormatOption = Format.table,
    selection: "CustomerFilter | None" = None,
) -> None:
    """Expected purchases and value per customer over a horizon, from the BG/NBD and
    Gamma-Gamma models fitted to one currency's purchases (the default currency unless
    --currency). Highest expected value first.
    With too little data it says so and prints no numbers.

    Example: crm report value --horizon 6m --limit 10
    """
    from crmcli.core import dates, money
    from crmcli.records import filters
    from crmcli.records.config import get_setting
    from crmcli.reports import purchase_histories
    from crmcli.reports import value as service
    from crmcli.reports.models.lifecycle import Rules

    service.require_models()
    day = _as_of(as_of)
    period = dates.parse_period(horizon, option="--horizon")
    horizon_days = (period.after(day) - day).days
    if horizon_days > service.MAX_HORIZON_DAYS:
        raise InvalidInput(f"--horizon is at most 10 years (got {horizon_days} days)")
    with reading(ctx) as conn:
        code = money.currency_code(currency or get_setting(conn, "default_currency") or "CNY")
        query = filters.build(conn, selection or filters.CustomerFilter(), today=day)
        base = purchase_histories.load(conn, code, day, Rules())
        if not len(base):
            _say(f"No purchases in {code} up to {day.isoformat()}: nothing to model yet.")
            output(ctx, fmt).rows([], _parameter_columns() if parameters else VALUE_FIELDS)
            return
        fitted = service.fit(base)
        if not fitted.ok:
            _say(fitted.note or "")
            output(ctx, fmt).rows([], _parameter_columns() if parameters else VALUE_FIELDS)
            return
        if parameters:
            output(ctx, fmt).rows(_parameter_rows(fitted), _parameter_columns())
            return
        predicted = service.predict(base, fitted, horizon_days)
        rows = _value_rows(conn, base, predicted, query, limit, table=fmt is Format.table)
        if fmt is Format.table:
            rows = list(rows)
            sys.stdout.write(_summary(fitted, period, horizon_days) + "\n\n")
        output(ctx, fmt).rows(rows, VALUE_COLUMNS if fmt is Format.table else VALUE_FIELDS)


def _value_rows(conn, base, predicted, query, limit, *, table: bool):  # type: ignore[no-untyped-def]
    """Rows for the customers `query` selects, highest expected value first (ties by id),
    streamed: names are looked up a batch at a time."""
    import numpy as np

    from crmcli.core import money
    from crmcli.records import filters
    from crmcli.reports import purchase_histories
    from crmcli.reports import value as service

    order = np.lexsort((np.frombuffer(base.ids, dtype=np.int64), -predicted["expected_value"]))
    render = money.grouped if table else money.plain
    shown = 0
    for batch in purchase_histories.chunks(int(i) for i in order):
        names = filters.names_among(conn, query, [base.ids[i] for i in batch])
        for i in batch:
            customer_id = base.ids[i]
            if customer_id not in names:
                continue
            if limit is not None and shown >= limit:
                return
            shown += 1
            yield {
                "customer_id": customer_id,
                "name": names[customer_id],
                "customer": f"{names[customer_id]} (#{customer_id})",
                "currency": base.currency,
                "purchase_days": base.purchases[i],
                "first_purchase_on": date.fromordinal(base.first[i]).isoformat(),
                "last_purchase_on": date.fromordinal(base.last[i]).isoformat(),
                "p_alive": round(float(predicted["p_alive"][i]), 3),
                "expected_purchases": round(float(predicted["expected_purchases"][i]), 2),
                "expected_spend": render(
                    service.minor(predicted["expected_spend"][i]), base.currency
                ),
                "expected_value": render(
                    service.minor(predicted["expected_value"][i]), base.currency
                ),
            }


def _summary(fitted: Any, period: Any, horizon_days: int) -> str:
    from crmcli.core import money

    b, g = fitted.bgnbd, fitted.gammagamma
    code = fitted.currency
    sample = "" if fitted.fitted_on == fitted.customers else f" (fitted on {fitted.fitted_on:,})"
    mean = money.grouped(round(g.mean_spend()), code)
    return (
        f"{code}, as of {fitted.as_of.isoformat()}, next {period.describe()} ({horizon_days} "
        f"days): {fitted.customers:,} customers{sample}, {fitted.repeat_buyers:,} bought again.\n"
        f"BG/NBD (time in days): r {_g(b.r)}, alpha {_g(b.alpha)}, a {_g(b.a)}, b {_g(b.b)}.\n"
        f"Gamma-Gamma: p {_g(g.p)}, q {_g(g.q)}, gamma {g.gamma / 10 ** money.exponent(code):.2f}"
        f"; mean spend per purchase day {mean} {code}."
    )


def _g(value: float) -> str:
    """Four significant digits; a parameter the fit drove to its bound 0 shows as `≈0`
    (for BG/NBD's a: nobody seems to drop out; its digits would mean nothing)."""
    return "≈0" if value < 1e-4 else f"{value:.4g}"


def _parameter_columns() -> tuple[str, ...]:
    return ("model", "parameter", "value", "meaning")


def _parameter_rows(fitted: Any) -> list[dict[str, Any]]:
    from crmcli.core import money

    b, g = fitted.bgnbd, fitted.gammagamma
    unit = 10 ** money.exponent(fitted.currency)
    rows = [
        ("bgnbd", "r", b.r, "shape of purchase rates across customers"),
        ("bgnbd", "alpha", b.alpha, "scale of purchase rates, in days"),
        ("bgnbd", "a", b.a, "dropout probability Beta(a, b)"),
        ("bgnbd", "b", b.b, "dropout probability Beta(a, b)"),
        ("bgnbd", "log_likelihood", b.log_likelihood, "of the fit, time in days"),
        ("gamma_gamma", "p", g.p, "shape of spend per purchase"),
        ("gamma_gamma", "q", g.q, "shape of spend scale across customers"),
        ("gamma_gamma", "gamma", g.gamma / unit, f"scale of spend, in {fitted.currency}"),
        ("gamma_gamma", "log_likelihood", g.log_likelihood, "of the fit, money in minor units"),
    ]
    out = [{"model": m, "parameter": p, "value": round(v, 6), "meaning": w} for m, p, v, w in rows]
    counts = (
        ("customers", fitted.customers, f"bought in {fitted.currency} up to the as-of date"),
        ("repeat_buyers", fitted.repeat_buyers, "of them, bought on two days or more"),
        ("fitted_on", fitted.fitted_on, "customers the BG/NBD fit used"),
    )
    out += [{"model": "data", "parameter": p, "value": v, "meaning": w} for p, v, w in counts]
    return out


@report_app.command("churn")
@filter_options
def churn_report(
    ctx: typer.Context,
    currency: CurrencyOption = None,
    as_of: AsOfOption = None,
    rhythm: Annotated[
        bool,
        typer.Option("--rhythm", help="Judge by purchase rhythm only (no model, as crm remind)."),
    ] = False,
    limit: LimitOption = None,
    fmt: FormatOption = Format.table,
    selection: "CustomerFilter | None" = None,
) -> None:
    """Customers likely to be lost, largest stake first, each with the reason: silent for
    longer than their own purchase rhythm, or unlikely to be still buying by the BG/NBD
    model (when it can be fitted and scipy is installed). Per currency (--limit too).

    Example: crm report churn --limit 10 --tag vip
    """
    from crmcli.core import money
    from crmcli.records import filters
    from crmcli.reports import churn

    day = _as_of(as_of)
    code = money.currency_code(currency) if currency is not None else None
    with reading(ctx) as conn:
        query = filters.build(conn, selection or filters.CustomerFilter(), today=day)
        rows, notes = churn.risks(conn, day, query, currency=code, model=not rhythm)
    if limit is not None:
        seen: dict[str, int] = {}
        kept = []
        for row in rows:
            seen[row["currency"]] = seen.get(row["currency"], 0) + 1
            if seen[row["currency"]] <= limit:
                kept.append(row)
        rows = kept
    table = fmt is Format.table
    shown = [money.present(row, grouped_digits=table) for row in rows]
    if table:
        for note in notes:
            _say(note)
        if not shown:  # a friendly line rather than an empty table
            typer.echo(f"No customers at risk as of {day.isoformat()}.")
            return
    columns = churn.COLUMNS if table else tuple(f.removesuffix("_minor") for f in churn.FIELDS)
    output(ctx, fmt).rows(shown, columns)
