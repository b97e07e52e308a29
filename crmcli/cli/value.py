"""`crm report value` (BG/NBD + Gamma-Gamma) and `crm report churn` (churn warning).

scipy and numpy are imported only inside these commands (through crmcli.reports.value), never when
this module is imported: every other command's start-up stays free of them.
"""

import sys
from collections.abc import Callable, Iterator
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.cli.app import global_options, output, reading
from crmcli.cli.options import (
    CurrencyOption,
    FieldsOption,
    FormatOption,
    LimitOption,
    as_of_date,
    chosen_fields,
    filter_options,
)
from crmcli.cli.output import Format, prose
from crmcli.cli.reports import report_app
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import N_, Said, _, current
from crmcli.core.text import Chance, Percent, plural

if TYPE_CHECKING:  # the filter language loads only where a filter is parsed
    from crmcli.records.filters import CustomerFilter

AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Judge as on this date (default today); later purchases ignored."),
]
BacktestOption = Annotated[
    str | None,
    typer.Option(
        "--backtest",
        metavar="DATE",
        help="Fit on the purchases up to DATE, predict to the as-of date, compare with what "
        "happened.",
    ),
]


class Unit(str, Enum):
    day = "day"
    week = "week"


class Model(str, Enum):
    bgnbd = "bgnbd"
    mbgnbd = "mbgnbd"
    auto = "auto"


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
    "customer_name",
    "currency",
    "purchase_days",
    "first_purchase_on",
    "last_purchase_on",
    "p_alive",
    "expected_purchases",
    "expected_spend",
    "expected_value",
)
# What `crm report churn` on a terminal too narrow for it leaves out first: what the reason
# says again (the silence, the usual gap, the last purchase), then the lifecycle stage, which
# the chance that a customer is still buying (P alive) says more exactly; that chance, the
# stake and the reason stay.
CHURN_SPARED = ("usual_gap_days", "silent_days", "last_purchase_on", "stage")


def _say(message: str) -> None:
    prose(message.said() if isinstance(message, Said) else message, sys.stderr)


@report_app.command("value")
@filter_options
def value_report(
    ctx: typer.Context,
    horizon: Annotated[
        str | None,
        typer.Option("--horizon", help="How far ahead to predict: 6m, 1y, 90d... (default 12m)"),
    ] = None,
    currency: CurrencyOption = None,
    as_of: AsOfOption = None,
    limit: LimitOption = None,
    parameters: Annotated[
        bool, typer.Option("--parameters", help="Print the fitted parameters instead.")
    ] = False,
    backtest: BacktestOption = None,
    unit: Annotated[
        Unit, typer.Option("--unit", help="Count purchases by day or by week (the time unit).")
    ] = Unit.day,
    model: Annotated[
        Model,
        typer.Option("--model", help="bgnbd, mbgnbd, or auto: the one a backtest finds best."),
    ] = Model.bgnbd,
    fmt: FormatOption = Format.table,
    fields: FieldsOption = None,
    selection: "CustomerFilter | None" = None,
) -> None:
    """Expected purchases and value per customer over a horizon, from a model of repeat
    buying (BG/NBD, or --model mbgnbd) and Gamma-Gamma fitted to one currency's purchases
    (the default currency unless --currency). Highest expected value first.
    With too little data it says so and prints no numbers. --backtest DATE fits on the
    purchases up to DATE instead and compares its forecast with what happened after it.

    Example: crm report value --horizon 6m --limit 10
    Example: crm report value --backtest -6m --model auto
    """
    from crmcli.core import dates, money
    from crmcli.records import filters
    from crmcli.records.config import get_setting
    from crmcli.reports import value as service

    picked = chosen_fields(fields, VALUE_FIELDS)
    if picked is not None and parameters:
        raise InvalidInput(_("--fields does not go with --parameters"))
    service.require_models()
    day = as_of_date(as_of)
    if backtest is not None:
        from crmcli.reports import backtest as backtests

        unused = {
            "--horizon": horizon, "--limit": limit, "--parameters": parameters or None,
            "--fields": picked,
        }  # fmt: skip
        for option, given in unused.items():
            if given is not None:
                raise InvalidInput(_("{option} does not go with --backtest").format(option=option))
        with reading(ctx, _("testing the forecast on past purchases")) as conn:
            code = money.currency_code(currency or get_setting(conn, "default_currency") or "CNY")
            cutoff = _backtest_date(backtest)
            found = backtests.value_backtest(
                conn, code, cutoff, day, unit=unit.value, model=model.value,
                customers=_selected(conn, selection, day),
            )  # fmt: skip
        _value_backtest_output(ctx, fmt, found)
        return
    period = dates.parse_period(horizon or "12m", option="--horizon")
    horizon_days = (period.after(day) - day).days
    if horizon_days > service.MAX_HORIZON_DAYS:
        raise InvalidInput(
            _("--horizon is at most 10 years (got {horizon_days} days)").format(
                horizon_days=horizon_days
            )
        )
    from crmcli.cli.progress import REPORT_DELAY, watching
    from crmcli.store.db import snapshot

    # One snapshot of the file: a plain table's two readings (widths, then lines) see the
    # same customers, and so does the fit.
    with reading(ctx) as conn, snapshot(conn):
        # The phase on a terminal's stderr after a second; gone before any line is printed.
        with watching(no_color=global_options(ctx).no_color, delay=REPORT_DELAY) as shown:
            shown.phase(_("summarising purchases"))
            code = money.currency_code(currency or get_setting(conn, "default_currency") or "CNY")
            query = filters.build(conn, selection or filters.CustomerFilter(), today=day)
            base = service.summarise(conn, code, day, unit.value)
            chosen, why, fitted, predicted = model.value, None, None, None
            if len(base) and model is Model.auto:
                from crmcli.reports import backtest as backtests

                shown.phase(_("choosing a model"))
                chosen, why = backtests.choose_model(conn, base)
            if len(base):
                shown.phase(_("fitting the model"))
                fitted = service.fit(base, model=chosen)
            if fitted is not None and fitted.ok and not parameters:
                shown.phase(_("predicting"))
                predicted = service.predict(base, fitted, horizon_days)
        if fitted is None:
            said = _("No purchases in {currency} up to {day}: nothing to model yet.")
            _say(said.format(currency=code, day=day.isoformat()))
            _nothing(ctx, fmt, parameters)
            return
        if why is not None:
            _say(why)
        if not fitted.ok:
            _say(fitted.note or "")
            _nothing(ctx, fmt, parameters)
            return
        if parameters:
            rows = _parameter_rows(fitted)
            if _on_terminal(fmt):  # counts as counts beside the decimals of the fit
                rows = [{**r, "value": _figure(r["value"])} for r in rows]
            output(ctx, fmt).rows(rows, _parameter_columns(), words=PARAMETER_WORDS)
            return
        table = fmt is Format.table
        columns = picked or (VALUE_COLUMNS if table else VALUE_FIELDS)
        out = output(ctx, fmt)
        if fmt in (Format.csv, Format.tsv):
            # Cells straight from the batches' columns: csv writes them in C, no dict a row.
            batches = _value_batches(conn, base, predicted, query, limit, table=False)
            out.cells(
                (
                    cells
                    for batch in batches
                    for cells in zip(*(batch[c] for c in columns), strict=True)
                ),
                columns,
            )
            return

        def rows() -> Iterator[dict[str, Any]]:
            for batch in _value_batches(conn, base, predicted, query, limit, table=table):
                for row in zip(*batch.values(), strict=True):
                    yield dict(zip(batch, row, strict=True))

        summary = _summary(fitted, period, horizon_days, out.amounts())
        with out.paged() as paged:
            paged.text(summary)
            # A plain table reads the rows twice (widths, then lines) rather than hold them.
            paged.rows(rows(), columns, again=rows if table else None)


def _nothing(ctx: typer.Context, fmt: Format, parameters: bool) -> None:
    """No rows, after the sentence that said why: `[]` or a csv header for a script; a
    table adds nothing (not "Nothing to show." after it)."""
    if fmt is not Format.table:
        output(ctx, fmt).rows([], _parameter_columns() if parameters else VALUE_FIELDS)


def _value_batches(conn, base, predicted, query, limit, *, table: bool):  # type: ignore[no-untyped-def]
    """The rows for the customers `query` selects, highest expected value first (ties by
    id), streamed a batch of up to 500 at a time (names looked up a batch at a time): each
    batch {field: list of its cells}, the fields of VALUE_FIELDS (and `customer` for a
    table)."""
    import numpy as np

    from crmcli.records import filters

    ids = np.frombuffer(base.ids, dtype=np.int64)
    order = np.lexsort((ids, -predicted["expected_value"]))
    figures = (
        np.frombuffer(base.purchases, dtype=np.int64),
        np.frombuffer(base.first, dtype=np.int64),
        np.frombuffer(base.last, dtype=np.int64),
        predicted["p_alive"],
        predicted["expected_purchases"],
        predicted["expected_spend"],
        predicted["expected_value"],
    )
    render = _shown_money if table else _plain_money
    # a chance as its number (JSON, English), in Chinese tables as a percentage (47.3%)
    plain = not table or current() == "en"
    chances = _Chances()  # a thousand values at most, each said once
    code = base.currency
    days = _IsoDays()  # a few hundred distinct dates serve every customer
    left = len(order) if limit is None else limit
    for start in range(0, len(order), 500):
        if left <= 0:
            return
        batch = order[start : start + 500]
        names = filters.names_among(conn, query, ids[batch].tolist())
        if len(names) < len(batch):
            batch = batch[np.isin(ids[batch], np.fromiter(names, dtype=np.int64, count=len(names)))]
        batch = batch[:left]
        left -= len(batch)
        # A batch's figures as Python numbers, a column at a time: far cheaper than reading
        # numpy arrays per row (round() of a float gives the digits it gives a numpy float).
        customer_ids = ids[batch].tolist()
        purchases, first, last, alive, expected = (column[batch].tolist() for column in figures[:5])
        # Whole minor units, half to even as round() of each float: rint is exact too.
        spend, worth = (
            render(np.rint(column[batch]).astype(np.int64), code) for column in figures[5:]
        )
        named = [names[i] for i in customer_ids]
        yield {
            "customer_id": customer_ids,
            "customer_name": named,
            "customer": [f"{n} (#{i})" for n, i in zip(named, customer_ids, strict=True)]
            if table
            else [None] * len(batch),
            "currency": [code] * len(batch),
            "purchase_days": purchases,
            "first_purchase_on": [days[d] for d in first],
            "last_purchase_on": [days[d] for d in last],
            "p_alive": [round(v, 3) for v in alive]
            if plain
            else [chances[round(v, 3)] for v in alive],
            "expected_purchases": [round(v, 2) for v in expected],
            "expected_spend": spend,
            "expected_value": worth,
        }


class _Chances(dict[float, Chance]):
    """A chance rounded to 3 places -> its Chance, each made once, when first asked for."""

    def __missing__(self, chance: float) -> Chance:
        made = self[chance] = Chance(chance)
        return made


class _IsoDays(dict[int, str]):
    """Date ordinal -> ISO date text, each made once, when first asked for."""

    def __missing__(self, ordinal: int) -> str:
        text = self[ordinal] = date.fromordinal(ordinal).isoformat()
        return text


def _shown_money(minor: Any, code: str) -> list[Any]:
    """money.shown of each of `minor` (a numpy array of minor units of `code`)."""
    from crmcli.core import money

    return [money.shown(v, code) for v in minor.tolist()]


def _plain_money(minor: Any, code: str) -> list[str]:
    """money.plain of each of `minor` (a numpy array of minor units of `code`), the whole
    and the decimals split by numpy: a third of the time of a call per amount."""
    import numpy as np

    from crmcli.core import money

    places = money.EXPONENTS[code]
    if not places or bool((minor < 0).any()):
        return [money.plain(v, code) for v in minor.tolist()]
    whole, decimals = np.divmod(minor, 10**places)
    return [f"{w}.{d:0{places}d}" for w, d in zip(whole.tolist(), decimals.tolist(), strict=True)]


def _summary(fitted: Any, period: Any, horizon_days: int, amount: Callable[[int, str], str]) -> str:
    """The fit in words above the table, as a salesperson reads it: whom it covers and what
    a purchase brings on average; `amount` writes the mean spend (`Output.amounts`). The
    models' parameters are for `--parameters` (and its JSON), not for this line."""
    from crmcli.core import dates

    code = fitted.currency
    sample = (
        ""
        if fitted.fitted_on == fitted.customers
        else _(" (fitted on {count})").format(count=f"{fitted.fitted_on:,}")
    )
    mean = amount(round(fitted.gammagamma.mean_spend()), code)
    return _(_SUMMARY[fitted.unit]).format(
        currency=code, day=fitted.as_of.isoformat(),
        period=plural(period.amount, dates.UNITS[period.unit]).said(),
        days=horizon_days, customers=f"{fitted.customers:,}", sample=sample,
        again=f"{fitted.repeat_buyers:,}", mean=mean,
    )  # fmt: skip


_SUMMARY = {
    "day": N_(
        "{currency}, as of {day}, next {period} ({days} days): {customers} customers{sample}, "
        "{again} bought again.\nHighest expected value first; mean spend per purchase day "
        "{mean}."
    ),
    "week": N_(
        "{currency}, as of {day}, next {period} ({days} days): {customers} customers{sample}, "
        "{again} bought again.\nHighest expected value first; mean spend per purchase week "
        "{mean}."
    ),
}


def _parameter_columns() -> tuple[str, ...]:
    return PARAMETER_COLUMNS


PARAMETER_COLUMNS = ("model", "parameter", "value", "meaning")
# Where a person reads them, the models and the figures are said in words (`数据`, `客户数`);
# JSON, CSV and TSV keep the keys.
PARAMETER_WORDS = {"model": "value_model", "parameter": "value_parameter"}


def _figure(value: float) -> str:
    """A figure of the fit as a terminal shows it: a count whole (`178`), a parameter with
    four decimals (`0.5003`), one column of numbers either way."""
    return str(value) if isinstance(value, int) else f"{value:.4f}"


# The value backtest's table (the catalog takes its headers from ...COLUMNS), and the
# headers of the backtests' charts, which only a terminal shows (terminal.words).
BACKTEST_COLUMNS = ("repeat_purchases", "customers", "mean_actual", "mean_predicted")
_CHART_HEADERS = (N_("Figure"), N_("Mean"))


def _parameter_rows(fitted: Any) -> list[dict[str, Any]]:
    from crmcli.core import money
    from crmcli.reports import value as service

    b, g = fitted.purchases, fitted.gammagamma
    scale = 10 ** money.exponent(fitted.currency)
    name, unit = fitted.model, fitted.unit
    per = _PER_UNIT[unit]
    rows = [
        (name, "r", b.r, Said("shape of purchase rates across customers")),
        (name, "alpha", b.alpha, Said(per[0])),
        (name, "a", b.a, Said("dropout probability Beta(a, b)")),
        (name, "b", b.b, Said("dropout probability Beta(a, b)")),
        (name, "log_likelihood", b.log_likelihood, Said(per[1])),
        ("gamma_gamma", "p", g.p, Said("shape of spend per purchase")),
        ("gamma_gamma", "q", g.q, Said("shape of spend scale across customers")),
        ("gamma_gamma", "gamma", g.gamma / scale,
         Said("scale of spend, in {currency}", currency=fitted.currency)),
        ("gamma_gamma", "log_likelihood", g.log_likelihood,
         Said("of the fit, money in minor units")),
    ]  # fmt: skip
    out = [{"model": m, "parameter": p, "value": round(v, 6), "meaning": w} for m, p, v, w in rows]
    counts = (
        ("customers", fitted.customers,
         Said("bought in {currency} up to the as-of date", currency=fitted.currency)),
        ("repeat_buyers", fitted.repeat_buyers, Said(per[2])),
        ("fitted_on", fitted.fitted_on,
         Said("customers the {model} fit used", model=service.MODELS[name])),
    )  # fmt: skip
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
    backtest: BacktestOption = None,
    fmt: FormatOption = Format.table,
    fields: FieldsOption = None,
    selection: "CustomerFilter | None" = None,
) -> None:
    """Customers likely to be lost, largest stake first, each with the reason: silent for
    longer than their own purchase rhythm, or unlikely to be still buying by the BG/NBD
    model (when it can be fitted and scipy is installed). Per currency (--limit too).
    --backtest DATE: who this report would have listed on DATE, against who then bought
    nothing up to the as-of date (one currency).

    Example: crm report churn --limit 10 --tag vip
    Example: crm report churn --backtest -6m
    """
    from crmcli.core import money
    from crmcli.records import filters
    from crmcli.reports import churn

    day = as_of_date(as_of)
    keys = tuple(f.removesuffix("_minor") for f in churn.FIELDS)
    picked = chosen_fields(fields, keys)
    if backtest is not None:
        if picked is not None:
            raise InvalidInput(_("{option} does not go with --backtest").format(option="--fields"))
        if limit is not None:
            raise InvalidInput(_("--limit does not go with --backtest"))
        from crmcli.records.config import get_setting
        from crmcli.reports import backtest as backtests

        with reading(ctx, _("testing the churn warning on past purchases")) as conn:
            code = money.currency_code(currency or get_setting(conn, "default_currency") or "CNY")
            cutoff = _backtest_date(backtest)
            found = backtests.churn_backtest(
                conn, code, cutoff, day, customers=_selected(conn, selection, day),
                model=not rhythm,
            )  # fmt: skip
        _churn_backtest_output(ctx, fmt, found)
        return
    code = money.currency_code(currency) if currency is not None else None
    from crmcli.cli.progress import REPORT_DELAY, watching
    from crmcli.store.db import snapshot

    table = fmt is Format.table
    # One snapshot of the file: the rows are read as they are written, a plain table's
    # twice (widths, then lines).
    with reading(ctx) as conn, snapshot(conn):
        with watching(no_color=global_options(ctx).no_color, delay=REPORT_DELAY) as shown:
            shown.phase(_("ranking customers at risk"))
            query = filters.build(conn, selection or filters.CustomerFilter(), today=day)
            found = churn.risks(conn, day, query, currency=code, model=not rhythm, limit=limit)

        render = money.shown if table else money.plain
        plain = not table or current() == "en"
        # on a terminal the reason may be cut before its `(no rhythm yet, 90 days assumed)`:
        # the assumed gap is then not shown alone as if it were the customer's own
        from crmcli.cli.output import is_terminal

        screen = table and is_terminal(sys.stdout)

        def rows() -> Iterator[dict[str, Any]]:
            # money.present of the one amount, without a copy of the row.
            for row in found:
                row["at_stake"] = render(row.pop("at_stake_minor"), row["currency"])  # type: ignore[typeddict-unknown-key,misc]
                if not plain and row["p_alive"] is not None:  # 47.3%, as `crm report value`
                    row["p_alive"] = Chance(row["p_alive"])  # type: ignore[typeddict-item]
                if screen and _assumed(row.get("reason")):  # 90 days assumed is no rhythm:
                    row["usual_gap_days"] = None  # type: ignore[typeddict-item]  # not shown as one
                yield row  # type: ignore[misc]

        if table:
            for note in found.notes:
                _say(note)
            if next(iter(found), None) is None:  # a friendly line rather than an empty table
                typer.echo(_("No customers at risk as of {value}.").format(value=day.isoformat()))
                return
        output(ctx, fmt).rows(
            rows(),
            picked or (churn.COLUMNS if table else keys),
            words={"stage": "churn_stage"},
            # a lifecycle stage, not a sales stage (阶段 everywhere else)
            headers={"stage": N_("Lifecycle")},
            again=rows if table else None,
            # the usual gap goes first, as the reason says it (kept, it cost names and the
            # lifecycle at 60 to 80 columns, and the silent days at 120)
            first_out=CHURN_SPARED,
        )


def _assumed(reason: Any) -> bool:
    """Whether a churn reason says its rhythm is assumed (`bought once, 40 days ago (no
    rhythm yet, 90 days assumed)`): its usual gap is then no customer's own."""
    template = getattr(reason, "template", None)
    if template is None:
        return False
    return "{assumed}" in template or any(_assumed(p) for p in reason.params.values())


# --- backtests ------------------------------------------------------------------------------


def _backtest_date(text: str) -> date:
    from crmcli.core import clock, dates

    return dates.parse_date(text, clock.today(), direction="past")


def _selected(conn: Any, selection: "CustomerFilter | None", day: date) -> set[int] | None:
    """The ids the filter options select; None (everyone) without any, as `crm report sales`."""
    from crmcli.records import filters
    from crmcli.reports import backtest

    if selection is None or (selection.is_empty() and not selection.archived):
        return None
    return backtest.selected(conn, filters.build(conn, selection, today=day))


def _span(found: dict[str, Any], unit: str) -> str:
    """`1997-10-01 to 1998-06-30 (273 days)`: the holdout, after the backtest date."""
    start = date.fromisoformat(found["calibration_until"]).toordinal() + 1
    length = found["holdout_length"]
    return _("{start} to {end} ({length})").format(
        start=date.fromordinal(start).isoformat(), end=found["holdout_until"],
        length=plural(length, unit, grouped=True).said(),
    )  # fmt: skip


def _r(value: float | None, places: int = 3) -> float | None:
    return None if value is None else round(value, places)


def _on_terminal(fmt: Format) -> bool:
    from crmcli.cli.output import is_terminal

    return fmt is Format.table and is_terminal(sys.stdout)


def _chart(title: str, rows: list[dict[str, Any]], shown: dict[str, str], measure: str) -> Any:
    """The terminal's chart `title`: per group a bar for each key of `shown` (the row key
    and what it is called in the `figure` column), its value in the column `measure`."""
    from crmcli.cli.output import Bars, Section

    lines = []
    for row in rows:
        for n, (key, name) in enumerate(shown.items()):
            label = row["repeat_purchases"] if n == 0 else ""
            lines.append({"repeat_purchases": label, "figure": name, measure: row[key]})
            lines[-1]["bar"] = row[key]
    bars = Bars("bar", title="chart")
    return Section("chart", title, ("repeat_purchases", "figure", measure), lines, bars)


def _value_backtest_output(ctx: typer.Context, fmt: Format, found: dict[str, Any]) -> None:
    from crmcli.cli.output import Section
    from crmcli.core import money
    from crmcli.reports import value as service

    code, unit, cutoff = found["currency"], found["unit"], found["calibration_until"]
    header = {
        "currency": code,
        "model": found["model"],
        "unit": unit,
        "calibration_until": found["calibration_until"],
        "holdout_until": found["holdout_until"],
        "holdout_length": found["holdout_length"],
        "parameters": {k: round(v, 6) for k, v in found["parameters"].items()},
        "customers": found["customers"],
        "actual_purchases": found["actual_purchases"],
        "expected_purchases": round(found["expected_purchases"], 2),
        "purchases_ratio": _r(found["purchases_ratio"], 4),
        "actual_value_minor": found["actual_value_minor"],
        "expected_value_minor": found["expected_value_minor"],
        "value_ratio": _r(found["value_ratio"], 4),
        "group_error": _r(found["group_error"], 4),
        "choice": found["choice"],
    }
    table = fmt is Format.table
    header = money.present(header, grouped_digits=table)
    rows = [
        {
            "repeat_purchases": g.label,
            "customers": g.customers,
            "mean_actual": round(g.mean_actual, 3),
            "mean_predicted": round(g.mean_predicted, 3),
        }
        for g in found["groups"]
    ]
    columns = BACKTEST_COLUMNS
    title = _(_BY_REPEATS[unit]).format(day=found["calibration_until"])
    sections = [Section("groups", title, columns, rows)]
    summary = ""
    if found["choice"]:
        _say(found["choice"])
    out = output(ctx, fmt)
    if table:
        amount = out.amounts()
        worth = (
            _("Value: expected {expected}, actual {actual}, expected/actual {ratio}.")
            if found["expected_value_minor"] is not None
            else _("Value: actual {actual}; no forecast (the spend model could not be fitted).")
        ).format(
            expected=None if found["expected_value_minor"] is None
            else amount(found["expected_value_minor"], code),
            actual=amount(found["actual_value_minor"], code),
            ratio=_ratio(found["value_ratio"]),
        )  # fmt: skip
        summary = _(_CHECKED[unit]).format(
            currency=code, model=service.MODELS[found["model"]], day=found["calibration_until"],
            span=_span(found, unit),
            customers=plural(found["customers"], "customer", grouped=True).said(),
            expected=f"{header['expected_purchases']:,.2f}",
            actual=f"{found['actual_purchases']:,}", ratio=_ratio(found["purchases_ratio"]),
        ) + f"\n{worth}"  # fmt: skip
        if _on_terminal(fmt):
            title = _(_PREDICTED[unit]).format(day=cutoff)
            shown = {"mean_actual": _("actual"), "mean_predicted": _("predicted")}
            sections.append(_chart(title, rows, shown, "mean"))
    with out.paged() as paged:
        paged.text(summary)
        paged.sections(sections, header=header)


# What a parameter means, by the time unit of the model (see _parameter_rows).
_PER_UNIT = {
    "day": (
        N_("scale of purchase rates, in days"),
        N_("of the fit, time in days"),
        N_("of them, bought in two days or more"),
    ),
    "week": (
        N_("scale of purchase rates, in weeks"),
        N_("of the fit, time in weeks"),
        N_("of them, bought in two weeks or more"),
    ),
}
# The value backtest's titles and summary, by the time unit of its model.
_BY_REPEATS = {
    "day": N_("By repeat purchase days up to {day}"),
    "week": N_("By repeat purchase weeks up to {day}"),
}
_PREDICTED = {
    "day": N_("Actual and predicted purchase days per customer after {day}"),
    "week": N_("Actual and predicted purchase weeks per customer after {day}"),
}
_CHECKED = {
    "day": N_(
        "{currency}, {model} (time in days) fitted on the purchases up to {day}, checked "
        "against {span}: {customers}.\nRepeat purchase days: expected {expected}, actual "
        "{actual}, expected/actual {ratio}."
    ),
    "week": N_(
        "{currency}, {model} (time in weeks) fitted on the purchases up to {day}, checked "
        "against {span}: {customers}.\nRepeat purchase weeks: expected {expected}, actual "
        "{actual}, expected/actual {ratio}."
    ),
}


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _percent(share: float | None) -> str:
    """A share (0.5) as a percentage: `50.0 %` in English, `50.0%` in Chinese."""
    return "-" if share is None else Percent(share).said()


def _hundred(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


# The churn backtest's table headers, by JSON and CSV key.
CHURN_HEADERS = {
    "repeat_purchases": "repeats",
    "customers": "customers",
    "flagged": "flagged",
    "bought_nothing": "bought_nothing",
    "flagged_and_bought_nothing": "both",
    "precision": "precision",
    "recall": "recall",
}
# The same, as the columns of the table (the catalog takes its headers from ...COLUMNS).
CHURN_TABLE_COLUMNS = ("repeats", "customers", "flagged", "bought_nothing", "both", "precision",
                       "recall")  # fmt: skip
# In a Chinese table precision and recall are percentages, as its summary says them, and
# so are the chart's shares (under their own header: "Share" is lifecycle's percentage).
CHURN_PERCENT_COLUMNS = ("repeats", "customers", "flagged", "bought_nothing", "both",
                         "precision_percent", "recall_percent")  # fmt: skip
_CHART_PERCENT_COLUMNS = ("repeat_purchases", "figure", "share_percent")


def _churn_backtest_output(ctx: typer.Context, fmt: Format, found: dict[str, Any]) -> None:
    from crmcli.cli.output import Section

    keys = ("customers", "flagged", "bought_nothing", "flagged_and_bought_nothing")
    header = {k: found[k] for k in ("currency", "calibration_until", "holdout_until")}
    header["holdout_days"] = found["holdout_length"]
    header["method"] = found["method"]
    header.update({k: found[k] for k in keys})
    header.update(precision=_r(found["precision"]), recall=_r(found["recall"]))
    rows = []
    for label, hits in found["groups"]:
        row: dict[str, Any] = {"repeat_purchases": label}
        row.update({k: getattr(hits, k) for k in keys})
        row.update(precision=_r(hits.precision), recall=_r(hits.recall))
        row["share_flagged"] = round(hits.flagged / hits.customers, 3)
        row["share_bought_nothing"] = round(hits.bought_nothing / hits.customers, 3)
        rows.append(row)
    columns = ("repeat_purchases", *keys, "precision", "recall")
    title = _(_BY_REPEATS["day"]).format(day=found["calibration_until"])
    sections = [Section("groups", title, columns, rows, fields=(*columns,))]
    summary = ""
    percent = current() != "en"  # shares said as percentages, as the summary says them
    if fmt is Format.table:
        # Shorter headers than the JSON and CSV keys, so the table fits 80 columns.
        named = [{short: row[key] for key, short in CHURN_HEADERS.items()} for row in rows]
        shown = CHURN_TABLE_COLUMNS
        if percent:
            for line, (_label, hits) in zip(named, found["groups"], strict=True):
                line["precision_percent"] = _hundred(hits.precision)
                line["recall_percent"] = _hundred(hits.recall)
            shown = CHURN_PERCENT_COLUMNS
        sections = [Section("groups", title, shown, named)]
        how = (
            _("P(alive) from BG/NBD for repeat buyers, the rhythm for the others")
            if found["method"] == "model"
            else _("by purchase rhythm")
        )
        summary = _(
            "{currency}, crm report churn as on {day} ({how}), checked against {span}: "
            "{customers}.\nFlagged at risk {flagged}; bought nothing after {nothing}; both "
            "{both}.\nPrecision {precision} (of the flagged, who bought nothing); recall "
            "{recall} (of who bought nothing, flagged)."
        ).format(
            currency=found["currency"], day=found["calibration_until"], how=how,
            span=_span(found, "day"),
            customers=plural(found["customers"], "customer", grouped=True).said(),
            flagged=f"{found['flagged']:,}", nothing=f"{found['bought_nothing']:,}",
            both=f"{found['flagged_and_bought_nothing']:,}",
            precision=_percent(found["precision"]), recall=_percent(found["recall"]),
        )  # fmt: skip
        if _on_terminal(fmt):
            chart = _("Share who bought nothing after {day}, and flagged").format(
                day=found["calibration_until"]
            )
            figures = {"share_bought_nothing": _("bought nothing"), "share_flagged": _("flagged")}
            if percent:  # "Share" is a percentage in Chinese tables (crm report lifecycle)
                rows = [{**row, **{k: _hundred(row[k]) for k in figures}} for row in rows]
            sections.append(_chart(chart, rows, figures, "share_percent" if percent else "share"))
    with output(ctx, fmt).paged() as out:
        out.text(summary)
        out.sections(sections, header=header)
