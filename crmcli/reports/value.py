"""Customer value: a model of repeat buying (BG/NBD or MBG/NBD) and Gamma-Gamma fitted to one
currency's purchases.

The models (crmcli.reports.models.bgnbd, .mbgnbd, .gammagamma) see each customer who bought in
the currency up to the as-of date as (`summarise()`, purchase days as in
crmcli.reports.purchase_histories):
- x = purchase days - 1 (repeat purchase days), t_x = last - first purchase day, T = as-of
  date - first purchase day, all in **days**; so the fitted alpha is in days;
- m = the mean value of the repeat purchase days, in minor units (so gamma is too).
`summarise()` computes these summary statistics in SQL, one row per customer, so the models
never see a purchase line: about 40 bytes a customer, whatever their number of purchases.
With the unit `week` (a Summary made with unit="week") read weeks for days throughout: x counts
purchase weeks, and t_x, T and alpha are whole weeks between the weeks' Mondays.
The fit uses every customer who bought in the currency, archived ones included (the filters
choose whom a report lists, not what the model learns). On very large bases it uses an even
sample of FIT_SAMPLE customers (every k-th by id): the estimates barely move, the time stays
bounded. It needs at least MIN_CUSTOMERS customers of whom MIN_REPEAT bought again;
otherwise, or when the optimiser fails, `fit()` returns a Fit with a `note` saying why in
plain words, and no parameters.

numpy and scipy are imported inside the functions: importing this module is cheap, and
`models_available()` tells whether the `models` extra is installed.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from array import array
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypedDict

from crmcli.core.errors import InvalidInput, StorageError
from crmcli.core.i18n import N_, Said, _
from crmcli.core.text import plural
from crmcli.reports.purchase_histories import Base, period_start

# The models of repeat buying, by their --model name, and how they are written for people.
MODELS = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD"}
MIN_CUSTOMERS = 30
MIN_REPEAT = 20
FIT_SAMPLE = 100_000
INSTALL_HINT = "the value models need scipy, which is missing: pip install scipy"


def models_available() -> bool:
    """Whether scipy (the `models` extra) is installed, without importing it."""
    return importlib.util.find_spec("scipy") is not None


def require_models() -> None:
    """Raise StorageError (exit 1) with the install hint when scipy is missing."""
    if not models_available():
        raise StorageError(INSTALL_HINT)


@dataclass(frozen=True)
class Fit:
    """The fitted models for one currency, or a note saying why there are none."""

    currency: str
    as_of: date
    customers: int  # who bought in the currency up to as_of
    repeat_buyers: int  # of them, who bought on at least two days
    fitted_on: int  # customers the purchase model's fit used (all, or a sample)
    purchases: Any = None  # bgnbd.Params, of the model `model`
    gammagamma: Any = None  # gammagamma.Params
    note: str | None = None
    model: str = "bgnbd"  # a key of MODELS
    unit: str = "day"  # the time unit of the fit: day or week

    @property
    def ok(self) -> bool:
        return self.purchases is not None and self.gammagamma is not None


@dataclass
class Summary:
    """The customers who bought in one currency up to `as_of`, one column per figure (same
    index in every column, customers in id order): `ids`; `purchases`, their distinct
    purchase days (weeks); `first` and `last`, the first and last purchase day (week's
    Monday) as date ordinals; `repeat_minor`, the value of all purchase days (weeks) but
    the first. A purchase_histories.Base has the same columns and serves as well."""

    currency: str
    as_of: date
    unit: str = "day"
    ids: array = field(default_factory=lambda: array("q"))
    purchases: array = field(default_factory=lambda: array("q"))
    first: array = field(default_factory=lambda: array("q"))
    last: array = field(default_factory=lambda: array("q"))
    repeat_minor: array = field(default_factory=lambda: array("q"))

    def __len__(self) -> int:
        return len(self.ids)


# A purchase day is the date part of purchased_at (purchase_histories); a purchase week is
# dated by its Monday: SQLite's 'weekday 0' moves to the Sunday ending the week.
_PERIODS = {
    "day": ("{}", "+1 day"),
    "week": ("date({}, 'weekday 0', '-6 days')", "+7 days"),
}
# Per customer, in one pass over the covering index purchases_customer_time (the lines are
# never sorted; only each customer's few distinct days are, for count(DISTINCT)):
# purchase periods, the first and last one, the total of the sale lines; then one index
# search per customer for the value of the first period. julianday() of a date less
# 1721424.5 is its proleptic Gregorian ordinal (date.toordinal()).
_SUMMARY = """
SELECT s.customer_id, s.periods,
  CAST(julianday(s.first) - 1721424.5 AS INTEGER),
  CAST(julianday(s.last) - 1721424.5 AS INTEGER),
  s.total - (
    SELECT sum(p.amount_minor) FROM purchases p
    WHERE p.customer_id = s.customer_id AND p.purchased_at >= s.first
      AND p.purchased_at < min(date(s.first, :length), :before)
      AND p.currency = :currency AND p.amount_minor >= 0)
FROM (
  SELECT p.customer_id, count(DISTINCT {day}) AS periods, {first} AS first, {last} AS last,
    sum(p.amount_minor) AS total
  FROM purchases p
  WHERE p.currency = :currency AND p.purchased_at < :before AND p.amount_minor >= 0
  GROUP BY p.customer_id
) s
ORDER BY s.customer_id
"""


# The same rows by day when the purchase summaries (crmcli.store.summaries) hold every line
# up to the as-of date: the purchase days, first and last from there, so the pass over the
# lines only sums them (no count(DISTINCT) and its B-tree per customer): 0.33 s instead of
# 0.54 s at 1M lines, the same rows.
KEPT_SUMMARY_SQL = """
SELECT s.customer_id, k.purchase_days,
  CAST(julianday(k.first_on) - 1721424.5 AS INTEGER),
  CAST(julianday(k.last_on) - 1721424.5 AS INTEGER),
  s.total - (
    SELECT sum(p.amount_minor) FROM purchases p
    WHERE p.customer_id = s.customer_id AND p.purchased_at >= k.first_on
      AND p.purchased_at < date(k.first_on, '+1 day')
      AND p.currency = :currency AND p.amount_minor >= 0)
FROM (
  SELECT p.customer_id, sum(p.amount_minor) AS total
  FROM purchases p
  WHERE p.currency = :currency AND p.purchased_at < :before AND p.amount_minor >= 0
  GROUP BY p.customer_id
) s
JOIN purchase_summaries k ON k.customer_id = s.customer_id AND k.currency = :currency
ORDER BY s.customer_id
"""


def summary_sql(unit: str) -> str:
    """The query of summarise() in `unit` (day or week); binds currency, before, length."""
    period = _PERIODS[unit][0]
    return _SUMMARY.format(
        day=period.format("substr(p.purchased_at, 1, 10)"),
        first=period.format("substr(min(p.purchased_at), 1, 10)"),
        last=period.format("substr(max(p.purchased_at), 1, 10)"),
    )


def summarise(conn: sqlite3.Connection, currency: str, as_of: date, unit: str = "day") -> Summary:
    """What the value models need of every customer who bought in `currency` up to `as_of`
    (included), archived ones too (see the module docstring); `unit`: day or week."""
    params = {
        "currency": currency,
        "before": date.fromordinal(as_of.toordinal() + 1).isoformat(),
        "length": _PERIODS[unit][1],
    }
    from crmcli.store import summaries

    kept = unit == "day" and summaries.is_current(conn, params["before"])
    cursor = conn.cursor()
    cursor.row_factory = None
    cursor.execute(KEPT_SUMMARY_SQL if kept else summary_sql(unit), params)
    summary = Summary(currency, as_of, unit)
    columns = (summary.ids, summary.purchases, summary.first, summary.last, summary.repeat_minor)
    # A few thousand rows at a time: the whole result as tuples, then zipped into columns,
    # peaked 105 MiB higher at a million customers.
    while rows := cursor.fetchmany(5000):
        for column, values in zip(columns, zip(*rows, strict=True), strict=True):
            column.extend(values)
    return summary


def _module(model: str) -> Any:
    """The module of the model of repeat buying called `model` (a key of MODELS)."""
    from crmcli.reports.models import bgnbd, mbgnbd

    return {"bgnbd": bgnbd, "mbgnbd": mbgnbd}[model]


def _columns(base: Summary | Base, take: Any = None) -> tuple[Any, Any, Any, Any]:
    """(x, t_x, T, m) as numpy arrays: time in the base's unit, money in minor units; of the
    customers `take` picks (a slice or numpy indexes; all without it), each customer's
    numbers the same whoever else is picked."""
    import numpy as np

    from crmcli.reports.purchase_histories import PERIOD_DAYS, column

    take = slice(None) if take is None else take
    purchases = column(base.purchases)[take].astype(float)
    first = column(base.first)[take].astype(np.int64, copy=False)
    last = column(base.last)[take].astype(np.int64, copy=False)
    x = purchases - 1
    days = PERIOD_DAYS[base.unit]
    t_x = (last - first).astype(float) / days
    T = (period_start(base.as_of, base.unit).toordinal() - first).astype(float) / days
    repeat_minor = column(base.repeat_minor)[take].astype(float)
    m = np.divide(repeat_minor, x, out=np.zeros_like(x), where=x > 0)
    return x, t_x, T, m


def fit(base: Summary | Base, *, need_spend: bool = True, model: str = "bgnbd") -> Fit:
    """Fit the purchase model `model` (a key of MODELS) and, when `need_spend`, Gamma-Gamma to
    `base`, in the base's time unit; see the module docstring."""
    import numpy as np

    from crmcli.reports.models import gammagamma
    from crmcli.reports.purchase_histories import column

    # The columns of the customers each fit uses only: at a million customers, those of
    # everyone were 32 MiB and as much again while they were computed.
    bought = column(base.purchases)
    customers, repeaters = len(base), int(np.count_nonzero(bought > 1))  # x > 0
    common: dict[str, Any] = {"currency": base.currency, "as_of": base.as_of}
    common.update(customers=customers, repeat_buyers=repeaters, model=model, unit=base.unit)
    if customers < MIN_CUSTOMERS or repeaters < MIN_REPEAT:
        return Fit(
            **common,
            fitted_on=0,
            note=Said(
                _TOO_LITTLE[base.unit],
                currency=base.currency,
                customers=plural(customers, "customer"),
                day=base.as_of.isoformat(),
                repeaters=repeaters,
                minimum=MIN_CUSTOMERS,
                again=MIN_REPEAT,
            ),
        )
    step = -(-customers // FIT_SAMPLE)  # ceil: every step-th customer
    xs, txs, Ts, _ = _columns(base, slice(None, None, step))
    # Identical customers (same x, t_x, T in whole days) are fitted once with a count.
    rows, counts = _distinct(xs, txs, Ts)
    try:
        purchases = _module(model).fit(rows[:, 0], rows[:, 1], rows[:, 2], weights=counts)
    except (ValueError, FloatingPointError):
        purchases = None
    if purchases is None or purchases.r <= 0 or purchases.alpha <= 0:
        return Fit(
            **common,
            fitted_on=len(xs),
            note=_failed(Said("purchase ({name})", name=MODELS[model]), base),
        )
    if not need_spend:
        return Fit(**common, fitted_on=len(xs), purchases=purchases)
    # x > 0 and m > 0: bought again, and their repeat purchases are worth more than 0.
    spenders = (bought > 1) & (column(base.repeat_minor) > 0)
    if int(np.sum(spenders)) < MIN_REPEAT:
        return Fit(
            **common, fitted_on=len(xs), purchases=purchases, note=_failed(Said("spend"), base)
        )
    x, _, _, m = _columns(base, np.flatnonzero(spenders)[::step])
    try:
        spend = gammagamma.fit(x, m)
    except (ValueError, FloatingPointError):
        spend = None
    if spend is None or spend.q <= 1:
        # q <= 1: the fitted spend distribution has no finite mean; no honest number.
        return Fit(
            **common, fitted_on=len(xs), purchases=purchases, note=_failed(Said("spend"), base)
        )
    return Fit(**common, fitted_on=len(xs), purchases=purchases, gammagamma=spend)


def _distinct(*columns: Any) -> tuple[Any, Any]:
    """np.unique(np.stack(columns, axis=1), axis=0, return_counts=True): the distinct rows
    in ascending order and their counts. For columns of whole numbers >= 0 (always, from a
    Summary or Base) one int64 key per row, in the same order: 0.006 s for 100,000 rows
    instead of 0.08 s."""
    import numpy as np

    whole = [column.astype(np.int64) for column in columns]
    sizes = [int(column.max()) + 1 for column in whole]
    if not (
        all(np.array_equal(w, c) for w, c in zip(whole, columns, strict=True))
        and min(int(column.min()) for column in whole) >= 0
        and float(np.prod(np.array(sizes, dtype=float))) < 2.0**62
    ):
        return np.unique(np.stack(columns, axis=1), axis=0, return_counts=True)
    key = whole[0]
    for column, size in zip(whole[1:], sizes[1:], strict=True):
        key = key * size + column
    keys, counts = np.unique(key, return_counts=True)
    rows = np.empty((len(keys), len(columns)))
    for i in range(len(columns) - 1, 0, -1):
        keys, rows[:, i] = np.divmod(keys, sizes[i])
    rows[:, 0] = keys
    return rows, counts


# Why no model was fitted (a Said: English in JSON, the run's language for a person).
_TOO_LITTLE = {
    "day": N_(
        "Too little data to fit the value models in {currency}: {customers} bought up to "
        "{day}, {repeaters} of them on more than one day; the models need at least {minimum} "
        "customers of whom {again} bought again. Until then, `crm report churn` warns by "
        "each customer's own purchase rhythm."
    ),
    "week": N_(
        "Too little data to fit the value models in {currency}: {customers} bought up to "
        "{day}, {repeaters} of them in more than one week; the models need at least "
        "{minimum} customers of whom {again} bought again. Until then, `crm report churn` "
        "warns by each customer's own purchase rhythm."
    ),
}


SPEND = Said("spend")


def _failed(which: str, base: Summary | Base) -> str:
    return Said(
        "The {which} model could not be fitted to the purchases in {currency} up to {day} "
        "(the data do not pin its parameters down); no values are shown rather than "
        "unreliable ones. `crm report churn` still warns by each customer's own purchase "
        "rhythm.",
        which=which, currency=base.currency, day=base.as_of.isoformat(),
    )  # fmt: skip


def p_alive(base: Summary | Base, fitted: Fit) -> Any:
    """P(alive) per customer of `base` (numpy array, same order)."""
    x, t_x, T, _ = _columns(base)
    return _module(fitted.model).p_alive(fitted.purchases, x, t_x, T)


class Prediction(TypedDict):
    """The models' figures per customer of a Base: numpy arrays of floats, in its order."""

    p_alive: Any
    expected_purchases: Any  # purchase days (weeks) in the horizon
    expected_spend: Any  # per purchase day (week), minor units
    expected_value: Any  # their product, minor units, not discounted


# The farthest a prediction reaches: ten years. The models are fitted to a few years of
# purchases; far past them the numbers mean little, and the series behind BG/NBD stops
# converging (100 years of the demo's USD purchases gave NaN).
MAX_HORIZON_DAYS = 3653
# Customers per pass of predict(): its formulas' dozen temporary arrays stay a few MB each.
PREDICT_CHUNK = 50_000


def predict(base: Summary | Base, fitted: Fit, horizon_days: int) -> Prediction:
    """Per customer of `base` (numpy arrays, same order): `p_alive`, `expected_purchases`
    (purchase days, or weeks in the unit week, in the next `horizon_days`), `expected_spend`
    (per purchase day or week, minor units) and `expected_value` (their product, minor
    units, not discounted). Without a Gamma-Gamma fit, the spend and value are None. Raises
    InvalidInput for a horizon the models cannot compute for these purchases (a figure that
    is not a finite number); the caller keeps it at most MAX_HORIZON_DAYS."""
    import numpy as np

    from crmcli.reports.models import gammagamma
    from crmcli.reports.purchase_histories import PERIOD_DAYS

    model = _module(fitted.model)
    horizon = horizon_days / PERIOD_DAYS[base.unit]
    spends = fitted.gammagamma is not None
    n = len(base)
    predicted = {
        "p_alive": np.empty(n),
        "expected_purchases": np.empty(n),
        "expected_spend": np.empty(n) if spends else None,
        "expected_value": np.empty(n) if spends else None,
    }
    # Each figure is a customer's own (no sum across customers), so PREDICT_CHUNK customers
    # at a time give the same numbers while the formulas' temporary arrays stay small.
    for start in range(0, n, PREDICT_CHUNK):
        part = slice(start, start + PREDICT_CHUNK)
        xs, txs, Ts, ms = _columns(base, part)
        purchases = model.expected_purchases(fitted.purchases, horizon, xs, txs, Ts)
        predicted["p_alive"][part] = model.p_alive(fitted.purchases, xs, txs, Ts)
        predicted["expected_purchases"][part] = purchases
        if spends:
            spend = gammagamma.expected_spend(fitted.gammagamma, xs, ms)
            predicted["expected_spend"][part] = spend
            predicted["expected_value"][part] = purchases * spend
    if not all(v is None or np.isfinite(v).all() for v in predicted.values()):
        raise InvalidInput(
            _(
                "the models cannot predict {horizon_days} days ahead from these "
                "purchases; give a shorter --horizon"
            ).format(horizon_days=horizon_days)
        )
    return predicted


def minor(value: float) -> int:
    """A model's money figure (a float in minor units) as whole minor units, half to even."""
    return round(value)
