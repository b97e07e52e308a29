"""Backtests: fit on the purchases up to a date, predict the time from it to the as-of date,
and compare with what the customers then did (`crm report value|churn --backtest DATE`).

The **calibration** is every customer who bought in the currency up to and including DATE
(value.summarise as of DATE, in the unit of the fit: purchase days or weeks); the
**holdout** is what each of them bought after DATE up to and including the as-of date
(purchase_histories.holdout, same unit; customers whose first purchase came later are not
part of the test: the models say nothing about customers they have not seen). With a
customer filter only the customers it selects are compared (the fit still learns from
everyone, as the reports do).

Value: the models of crmcli.reports.value predict each customer's purchase days (weeks) in
the holdout, and their value (expected purchases x Gamma-Gamma's expected spend); compared
in total and by repeat purchases before DATE (crmcli.reports.models.backtest). `auto`
backtests every model of value.MODELS and keeps the one whose by-group forecast missed least.

Churn: the customers `crm report churn` would have listed on DATE (churn.flags) against those
who then bought nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import Joined, Said, _
from crmcli.core.text import Percent, plural
from crmcli.reports import churn, purchase_histories, value
from crmcli.reports.models.churn_risk import Rules

if TYPE_CHECKING:  # the filter language loads only where a filter is parsed
    from crmcli.records.filters import Query
    from crmcli.reports.models.backtest import Group, Hits

AUTO = "auto"


class Tried(TypedDict):
    """One model's backtest (see value_backtest)."""

    model: str
    parameters: dict[str, float]
    customers: int
    actual_purchases: int
    expected_purchases: float
    purchases_ratio: float | None
    actual_value_minor: int
    expected_value_minor: int | None
    value_ratio: float | None
    group_error: float | None
    groups: list[Group]


class ValueBacktest(Tried):
    currency: str
    unit: str
    calibration_until: str
    holdout_until: str
    holdout_length: int
    choice: str | None


class ChurnBacktest(TypedDict):
    currency: str
    calibration_until: str
    holdout_until: str
    holdout_length: int
    method: str
    customers: int
    flagged: int
    bought_nothing: int
    flagged_and_bought_nothing: int
    precision: float | None
    recall: float | None
    groups: list[tuple[str, Hits]]


def _check_dates(cutoff: date, as_of: date, unit: str) -> int:
    """The holdout's length in days (whole weeks in the unit week); InvalidInput when empty."""
    if cutoff >= as_of:
        raise InvalidInput(
            _("--backtest {value} must be before the as-of date {value2}").format(
                value=cutoff.isoformat(), value2=as_of.isoformat()
            )
        )
    start = purchase_histories.period_start
    days = (start(as_of, unit) - start(cutoff, unit)).days
    if days <= 0:
        raise InvalidInput(
            _(
                "--backtest {value} and the as-of date {value2} are in the same week: "
                "with --unit week give at least a week between them"
            ).format(value=cutoff.isoformat(), value2=as_of.isoformat())
        )
    if days > value.MAX_HORIZON_DAYS:
        raise InvalidInput(
            _("--backtest is at most 10 years before the as-of date (got {days} days)").format(
                days=days
            )
        )
    return days


def _calibration(
    conn: sqlite3.Connection, currency: str, cutoff: date, unit: str, *, rhythm: bool = False
) -> Any:
    """The customers who bought up to `cutoff`: what the value models need of them
    (value.summarise), or with `rhythm` what churn warning reads of them by day
    (churn.standing: churn.flags reads their rhythm too). InvalidInput when nobody did."""
    if rhythm:
        from crmcli.reports.models.lifecycle import Rules as RhythmRules

        base = churn.standing(conn, currency, cutoff, RhythmRules())
    else:
        base = value.summarise(conn, currency, cutoff, unit)
    if not len(base):
        raise InvalidInput(
            _(
                "no purchases in {currency} up to {value}: nothing to fit; give a later "
                "--backtest date"
            ).format(currency=currency, value=cutoff.isoformat())
        )
    return base


def _fitted(base: Any, model: str, spend: Any = None) -> Any:
    """value.fit of `model`, with the Gamma-Gamma fit `spend` when given (else fitted too);
    InvalidInput when the purchase model cannot be fitted."""
    fitted = value.fit(base, model=model, need_spend=spend is None)
    if spend is not None:
        fitted = replace(fitted, gammagamma=spend)
    if fitted.purchases is None:
        if fitted.fitted_on == 0:  # too few customers, or too few who bought again
            raise InvalidInput(
                _(
                    "too little data up to {value} to fit the models: {value2} bought in "
                    "{currency}, {repeat_buyers} of them in more than one {unit}; a backtest "
                    "needs at least {MIN_CUSTOMERS} of whom {MIN_REPEAT} bought again"
                ).format(
                    value=base.as_of.isoformat(),
                    value2=plural(fitted.customers, "customer"),
                    currency=base.currency,
                    repeat_buyers=fitted.repeat_buyers,
                    unit=base.unit,
                    MIN_CUSTOMERS=value.MIN_CUSTOMERS,
                    MIN_REPEAT=value.MIN_REPEAT,
                )
            )
        raise InvalidInput(
            _(
                "the {value} model could not be fitted to the purchases in {currency} up "
                "to {value2}"
            ).format(
                value=value.MODELS[model], currency=base.currency, value2=base.as_of.isoformat()
            )
        )
    return fitted


def _kept(base: Any, customers: Collection[int] | None) -> Any:
    """What picks the customers of `base` a filter selected out of a column: a boolean mask,
    or with no filter (None) every one as a slice, whose picks are views, not copies (at a
    million customers each copy of a column is 8 MB more at the command's peak)."""
    import numpy as np

    if customers is None:
        return slice(None)
    ids = np.frombuffer(base.ids, dtype=np.int64)
    return np.isin(ids, np.fromiter(customers, dtype=np.int64, count=len(customers)))


def _compare(base: Any, fitted: Any, days: int, actual: tuple[Any, Any], kept: Any) -> Tried:
    """The figures of one model's backtest (see value_backtest)."""
    from crmcli.reports.models import backtest as arithmetic

    predicted = value.predict(base, fitted, days)
    x = purchase_histories.column(base.purchases)[kept] - 1
    bought, spent = actual[0][kept], actual[1][kept]
    expected = predicted["expected_purchases"][kept]
    groups = arithmetic.by_group(x, bought, expected)
    out: Tried = {
        "model": fitted.model,
        "parameters": {k: getattr(fitted.purchases, k) for k in ("r", "alpha", "a", "b")},
        "customers": len(x),
        "actual_purchases": int(bought.sum()),
        "expected_purchases": float(expected.sum()),
        "purchases_ratio": arithmetic.ratio(float(expected.sum()), float(bought.sum())),
        "actual_value_minor": int(spent.sum()),
        "expected_value_minor": None,
        "value_ratio": None,
        "group_error": arithmetic.group_error(groups),
        "groups": groups,
    }
    if predicted["expected_value"] is not None:
        worth = float(predicted["expected_value"][kept].sum())
        out["expected_value_minor"] = value.minor(worth)
        out["value_ratio"] = arithmetic.ratio(worth, float(spent.sum()))
    return out


def value_backtest(
    conn: sqlite3.Connection,
    currency: str,
    cutoff: date,
    as_of: date,
    *,
    unit: str = "day",
    model: str = "bgnbd",
    customers: Collection[int] | None = None,
) -> ValueBacktest:
    """Fit `model` (a key of value.MODELS, or AUTO) on the purchases up to `cutoff`, predict
    up to `as_of`, compare. A dict: currency, unit, calibration_until, holdout_until,
    holdout_length (in `unit`s), the figures of the model kept (model, parameters, customers,
    actual/expected purchases and value in minor units, their ratios expected/actual or None,
    group_error, groups: models.backtest.Group), and `choice` (for AUTO: every model's
    group_error and why one was kept; else None). `customers`: the ids a filter selected
    (None: all). Raises InvalidInput for dates or data a backtest cannot use."""
    days = _check_dates(cutoff, as_of, unit)
    base = _calibration(conn, currency, cutoff, unit)
    fits = []
    spend = None  # Gamma-Gamma does not depend on the model of repeat buying: fit it once
    for name in _models(model):
        fits.append(_fitted(base, name, spend))
        spend = fits[-1].gammagamma
    # Read after the fits, whose temporaries are the command's peak of memory.
    actual = purchase_histories.holdout(conn, currency, cutoff, as_of, base.ids, unit)
    kept = _kept(base, customers)
    tried = [_compare(base, fitted, days, actual, kept) for fitted in fits]
    best = min(tried, key=_score)
    return {
        "currency": currency,
        "unit": unit,
        "calibration_until": cutoff.isoformat(),
        "holdout_until": as_of.isoformat(),
        "holdout_length": days // purchase_histories.PERIOD_DAYS[unit],
        **best,
        "choice": _why(tried, best, cutoff) if model == AUTO else None,
    }


def _models(model: str) -> list[str]:
    return list(value.MODELS) if model == AUTO else [model]


def _score(result: Tried) -> float:
    """The group error as shown, in tenths of a percent: a tie as shown goes to the model
    listed first in value.MODELS (min keeps the first), BG/NBD, the default."""
    error = result["group_error"]
    return float("inf") if error is None else round(1000 * error)


def _why(tried: list[Tried], best: Tried, cutoff: date) -> str:
    """One line: which model auto kept, and the by-group error of each."""
    others = Joined(
        [
            Said(
                "{model}: {percent}",
                model=value.MODELS[r["model"]],
                percent=_percent(r["group_error"]),
            )
            for r in tried
            if r is not best
        ]
    )
    return Said(
        "model auto: {model}, whose forecast by repeat purchases missed {percent} of the "
        "actual purchases in a backtest from {day} ({others})",
        model=value.MODELS[best["model"]], percent=_percent(best["group_error"]),
        day=cutoff.isoformat(), others=others,
    )  # fmt: skip


def _percent(share: float | None) -> str:
    return "-" if share is None else Percent(share)


def selected(conn: sqlite3.Connection, query: Query) -> set[int]:
    """The ids of the customers `query` (a customer filter) selects."""
    # The filter language builds its clauses from a whitelist and binds every value.
    sql = f"SELECT c.id FROM customers c WHERE {query.sql()}"  # noqa: S608
    return {row[0] for row in conn.execute(sql, query.params)}


def choose_model(conn: sqlite3.Connection, base: Any) -> tuple[str, str]:
    """(model, why in one line) for `--model auto` without --backtest: backtest every model
    on the last third of the history of `base` (from its first purchase to its as-of date),
    fitted on the two thirds before, and keep the best; BG/NBD when there is too little data
    for that."""
    first = date.fromordinal(min(base.first))
    middle = first + timedelta(days=2 * (base.as_of - first).days // 3)
    try:
        found = value_backtest(conn, base.currency, middle, base.as_of, unit=base.unit, model=AUTO)
    except InvalidInput as exc:
        said = Said("model auto: BG/NBD, as no backtest from {day} ran ({why})",
                    day=middle.isoformat(), why=exc.message)  # fmt: skip
        return "bgnbd", said
    return found["model"], found["choice"]


def churn_backtest(
    conn: sqlite3.Connection,
    currency: str,
    cutoff: date,
    as_of: date,
    *,
    customers: Collection[int] | None = None,
    rules: Rules | None = None,
    model: bool = True,
) -> ChurnBacktest:
    """Who `crm report churn` would have listed on `cutoff` against who then bought nothing
    up to `as_of` (by the rhythm alone unless `model`). A dict: currency, calibration_until,
    holdout_until, holdout_length (days), method (`model` when BG/NBD took part, else
    `rhythm`), the counts and precision/recall of models.backtest.Hits, and groups by repeat
    purchases before `cutoff`: (label, Hits)."""
    import numpy as np

    from crmcli.reports.models import backtest as arithmetic

    days = _check_dates(cutoff, as_of, "day")
    base = _calibration(conn, currency, cutoff, "day", rhythm=True)
    found, by_model = churn.flags(base, rules, model=model)
    bought = purchase_histories.holdout(conn, currency, cutoff, as_of, base.ids)[0]
    kept = _kept(base, customers)
    flagged = np.array(found, dtype=bool)[kept]
    quiet = (bought == 0)[kept]
    x = purchase_histories.column(base.purchases)[kept] - 1
    index = arithmetic.group_of(x)
    groups = []
    for g in range(arithmetic.TOP + 1):
        members = index == g
        if members.any():
            label = f"{g}+" if g == arithmetic.TOP else str(g)
            groups.append((label, arithmetic.precision_recall(flagged[members], quiet[members])))
    hits = arithmetic.precision_recall(flagged, quiet)
    return {
        "currency": currency,
        "calibration_until": cutoff.isoformat(),
        "holdout_until": as_of.isoformat(),
        "holdout_length": days,
        "method": "model" if by_model else "rhythm",
        "customers": hits.customers,
        "flagged": hits.flagged,
        "bought_nothing": hits.bought_nothing,
        "flagged_and_bought_nothing": hits.flagged_and_bought_nothing,
        "precision": hits.precision,
        "recall": hits.recall,
        "groups": groups,
    }
