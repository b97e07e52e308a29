"""Churn warning: customers likely to be lost, ranked by what is at stake, with a reason.

Per currency (a customer who buys in two currencies is judged in each), from the figures of
the purchase histories (crmcli.reports.purchase_histories), by the rules of
crmcli.reports.models.churn_risk:
- `risks(..., model=True)` (`crm report churn`): where the BG/NBD model can be fitted to the
  currency, P(alive) decides for customers who bought on at least two days; the purchase
  rhythm decides for everyone else, and for everyone when the model cannot be fitted or
  scipy is not installed. It reads one row per customer computed in SQL (`standing()`),
  selects and ranks in numpy, and makes the rows only as they are written: memory grows
  by about 100 bytes a customer, whatever their number of purchases.
- `top_risks()` (`crm remind`, the dashboard): the rhythm only, so it never imports numpy or
  scipy and stays fast; it keeps the `at_risk` customers (not the lapsed: they went quiet
  long ago and would head every day's reminders), the top few per currency.
Archived customers are never listed, nor anyone with nothing at stake: what is at stake is
the net revenue of the customer's last year of buying, after refunds
(purchase_histories.History.last_year_net_minor), so a customer whose purchases were all
refunded is not warned about.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, TypedDict

from crmcli.core.i18n import Said
from crmcli.records import filters
from crmcli.records.filters import Query
from crmcli.reports import purchase_histories
from crmcli.reports.models import churn_risk as rules_
from crmcli.reports.models import lifecycle
from crmcli.reports.models.churn_risk import Rules
from crmcli.reports.purchase_histories import column

# The rhythm stages `crm report churn` lists (crm remind and top_risks: at_risk only).
STAGES = ("at_risk", "lapsed")
# Columns of `crm report churn` in the table format, and its JSON/CSV keys.
COLUMNS = (
    "customer",
    "currency",
    "stage",
    "last_purchase_on",
    "silent_days",
    "usual_gap_days",
    "p_alive",
    "at_stake",
    "reason",
)
FIELDS = (
    "customer_id",
    "customer_name",
    "currency",
    "method",
    "stage",
    "purchase_days",
    "first_purchase_on",
    "last_purchase_on",
    "silent_days",
    "usual_gap_days",
    "p_alive",
    "at_stake_minor",
    "reason",
)


class _Figures(TypedDict):
    customer_id: int
    currency: str
    method: str  # "rhythm" or "model"
    stage: str  # the rhythm's stage
    purchase_days: int
    first_purchase_on: str
    last_purchase_on: str
    silent_days: int
    usual_gap_days: int | float
    p_alive: float | None  # from the model, rounded to 3 places
    at_stake_minor: int  # net of the last year of buying, after refunds, in `currency`
    reason: str


class ChurnRisk(_Figures):
    """A customer likely lost in one currency (`crm report churn`, `crm remind`): FIELDS,
    and `customer` as `Name (#id)`."""

    customer_name: str
    customer: str


def _row(base: purchase_histories.Base, i: int, rules: Rules) -> _Figures:
    """The figures of customer `i` of `base` that both methods share."""
    first = date.fromordinal(base.first[i])
    last = date.fromordinal(base.last[i])
    gap = base.gap[i]
    silence = (base.as_of - last).days
    purchases = base.purchases[i]
    return {
        "customer_id": base.ids[i],
        "currency": base.currency,
        "method": "rhythm",
        "stage": rules_.rhythm_stage(silence, gap, rules),
        "purchase_days": purchases,
        "first_purchase_on": first.isoformat(),
        "last_purchase_on": last.isoformat(),
        "silent_days": silence,
        "usual_gap_days": int(gap) if gap == int(gap) else gap,
        "p_alive": None,
        "at_stake_minor": base.last_year_net_minor[i],
        "reason": rules_.reason(purchases, first, last, base.as_of, gap, rules),
    }


def _rhythm_candidates(
    base: purchase_histories.Base, rules: Rules, stages: tuple[str, ...]
) -> list[int]:
    """Indexes of the customers with something at stake whose silence passes their
    rhythm's thresholds."""
    today = base.as_of.toordinal()
    found = []
    for i in range(len(base)):
        silence = today - base.last[i]
        if silence <= rules.min_silence or base.last_year_net_minor[i] <= 0:
            continue
        if rules_.rhythm_stage(silence, base.gap[i], rules) in stages:
            found.append(i)
    return found


def _keep_listed(conn: sqlite3.Connection, rows: list[_Figures], query: Query) -> list[ChurnRisk]:
    """The rows whose customer `query` selects, with their names."""
    names: dict[int, str] = {}
    for batch in purchase_histories.chunks(r["customer_id"] for r in rows):
        names.update(filters.names_among(conn, query, batch))
    kept: list[ChurnRisk] = []
    for row in rows:
        if row["customer_id"] in names:
            name = names[row["customer_id"]]
            kept.append(
                {**row, "customer_name": name, "customer": f"{name} (#{row['customer_id']})"}
            )
    return kept


def _rank(rows: list[ChurnRisk] | list[_Figures]) -> None:
    rows.sort(key=lambda r: (-r["at_stake_minor"], -r["silent_days"], r["customer_id"]))


# Per customer who bought in one currency up to the as-of date, in id order, what churn
# warning reads (the figures of purchase_histories.load, computed in SQL): purchase days,
# the first and last as date ordinals, the usual gap, what is at stake. The usual gap is the
# median of the gaps between purchase days (the mean of the gaps ranked (n + 1) / 2 and
# (n + 2) / 2 of n, as crmcli.store.summaries), or default_gap with fewer than min_gaps.
# What is at stake is every line, sales and refunds, dated from 364 days before the last
# purchase day up to the as-of date, never below 0.
STANDING_SQL = """
WITH sale_days AS MATERIALIZED (
    SELECT DISTINCT p.customer_id, substr(p.purchased_at, 1, 10) AS day
    FROM purchases p
    WHERE p.currency = :currency AND p.purchased_at < :before AND p.amount_minor >= 0
),
gaps AS (
    SELECT customer_id, CAST(julianday(day) - julianday(lag(day) OVER (
        PARTITION BY customer_id ORDER BY day)) AS INTEGER) AS gap
    FROM sale_days
),
ranked AS (
    SELECT customer_id, gap,
        row_number() OVER (PARTITION BY customer_id ORDER BY gap) AS n,
        count(*) OVER (PARTITION BY customer_id) AS gaps
    FROM gaps WHERE gap IS NOT NULL
),
medians AS (
    SELECT customer_id, avg(gap) AS median_gap FROM ranked
    WHERE n IN ((gaps + 1) / 2, (gaps + 2) / 2) GROUP BY customer_id
),
spans AS (
    SELECT customer_id, count(*) AS days, min(day) AS first_on, max(day) AS last_on
    FROM sale_days GROUP BY customer_id
)
SELECT s.customer_id, s.days,
    CAST(julianday(s.first_on) - 1721424.5 AS INTEGER),
    CAST(julianday(s.last_on) - 1721424.5 AS INTEGER),
    CASE WHEN s.days - 1 >= :min_gaps THEN m.median_gap ELSE :default_gap END,
    max(0, (SELECT sum(p.amount_minor) FROM purchases p
        WHERE p.customer_id = s.customer_id AND p.purchased_at >= date(s.last_on, '-364 days')
            AND p.purchased_at < :before AND p.currency = :currency))
FROM spans s LEFT JOIN medians m ON m.customer_id = s.customer_id
ORDER BY s.customer_id
"""
# The same rows from the purchase summaries, when they hold every line up to the as-of date.
KEPT_STANDING_SQL = """
SELECT customer_id, purchase_days,
    CAST(julianday(first_on) - 1721424.5 AS INTEGER),
    CAST(julianday(last_on) - 1721424.5 AS INTEGER),
    CASE WHEN purchase_days - 1 >= :min_gaps THEN median_gap ELSE :default_gap END,
    at_stake_minor
FROM purchase_summaries WHERE currency = :currency
ORDER BY customer_id
"""


def standing(
    conn: sqlite3.Connection, currency: str, as_of: date, rules: lifecycle.Rules
) -> purchase_histories.Base:
    """purchase_histories.load(conn, currency, as_of, rules) computed in SQL, one row per
    customer (from crmcli.store.summaries when they hold every line up to `as_of`), read a
    few thousand rows at a time: 37 bytes a customer, never a purchase line in Python.
    Purchase days and the first and last day are 32-bit columns (a date ordinal is below
    3,652,060), and `repeat_minor` zeros of one byte: neither the rhythm nor P(alive) (a
    fit without the spend) reads it. (At a million customers 64-bit columns, 19 bytes a
    customer more, made the report peak at 206 MiB.)"""
    from crmcli.store import summaries

    params = {
        "currency": currency,
        "before": (as_of + timedelta(days=1)).isoformat(),
        "min_gaps": rules.min_gaps,
        "default_gap": float(rules.default_gap),
    }
    kept = summaries.is_current(conn, params["before"])
    cursor = conn.cursor()
    cursor.row_factory = None
    cursor.execute(KEPT_STANDING_SQL if kept else STANDING_SQL, params)
    base = purchase_histories.Base(currency, as_of)
    base.purchases, base.first, base.last = array("i"), array("i"), array("i")
    columns = (base.ids, base.purchases, base.first, base.last, base.gap)
    columns += (base.last_year_net_minor,)
    while rows := cursor.fetchmany(5000):
        for kept_in, values in zip(columns, zip(*rows, strict=True), strict=True):
            kept_in.extend(values)
    base.repeat_minor = array("b", bytes(len(base)))
    return base


# Customers per P(alive) computation: its dozen temporary arrays stay a few MB each at a
# million customers (the formula is per customer, so the values are those of one pass).
P_ALIVE_CHUNK = 50_000


def _model_p_alive(base: purchase_histories.Base) -> Any:
    """P(alive) per customer when BG/NBD can be fitted (and scipy is installed), else None."""
    import numpy as np

    from crmcli.reports import value

    if not value.models_available():
        return None
    fitted = value.fit(base, need_spend=False)
    if fitted.purchases is None:
        return None
    chance = np.empty(len(base))
    for start in range(0, len(base), P_ALIVE_CHUNK):
        end = start + P_ALIVE_CHUNK
        part = purchase_histories.Base(base.currency, base.as_of, base.unit)
        for name in ("ids", "purchases", "first", "last", "repeat_minor"):
            setattr(part, name, getattr(base, name)[start:end])
        chance[start:end] = value.p_alive(part, fitted)
    return chance


def _listed(base: purchase_histories.Base, chance: Any, rules: Rules) -> Any:
    """Whether each customer of `base` is a risk (numpy booleans, in its order), with
    P(alive) `chance` (None: by the rhythm alone), whoever they are: min_silence, then
    P(alive) below p_alive_below for those who bought on two days or more, else the
    rhythm's stage in STAGES. What is at stake is not looked at."""
    import numpy as np

    silence = base.as_of.toordinal() - column(base.last).astype(np.int64)
    gap = column(base.gap)
    rhythm = rules.rhythm
    # rhythm_stage(...) in STAGES: past either threshold, the same comparisons.
    late = (silence > rhythm.lapsed_factor * gap) | (silence > rhythm.at_risk_factor * gap)
    if chance is not None:
        repeat = column(base.purchases) > 1
        late = np.where(repeat, chance < rules.p_alive_below, late)
    return (silence > rules.min_silence) & late


class Risks:
    """What risks() found: `notes` (per currency, which method decided) and the rows,
    read when iterated (every iteration reads the names anew: a plain table reads them
    twice, widths then lines), a batch of names at a time."""

    def __init__(
        self, conn: sqlite3.Connection, query: Query, limit: int | None, rules: Rules
    ) -> None:
        self.notes: list[str] = []
        self._conn, self._query, self._limit, self._rules = conn, query, limit, rules
        # Per currency: the base, the risks' P(alive) or None, their indexes, ranked.
        self.ranked: list[tuple[purchase_histories.Base, Any, Any]] = []

    def __iter__(self) -> Iterator[ChurnRisk]:
        rules = self._rules
        days: dict[int, str] = {}  # a few thousand dates serve every customer
        for base, chance, order in self.ranked:
            as_of = base.as_of.toordinal()
            left = len(order) if self._limit is None else self._limit
            for start in range(0, len(order), 500):
                if left <= 0:
                    break
                batch = order[start : start + 500]
                ids = [base.ids[i] for i in batch.tolist()]
                names = filters.names_among(self._conn, self._query, ids)
                alive = (
                    chance[start : start + 500].tolist()
                    if chance is not None
                    else [None] * len(ids)
                )
                for i, customer_id, p in zip(batch.tolist(), ids, alive, strict=True):
                    name = names.get(customer_id)
                    if name is None:
                        continue
                    purchases, first, last = base.purchases[i], base.first[i], base.last[i]
                    gap, silence = base.gap[i], as_of - last
                    by_model = p is not None and purchases > 1
                    reason = rules_.reason(
                        purchases, date.fromordinal(first), date.fromordinal(last),
                        base.as_of, gap, rules,
                    )  # fmt: skip
                    if by_model:
                        model = rules_.model_reason(p)
                        reason = Said("{rhythm}; {model}", rhythm=reason, model=model)
                    for day in (first, last):
                        if day not in days:
                            days[day] = date.fromordinal(day).isoformat()
                    yield {
                        "customer_id": customer_id,
                        "currency": base.currency,
                        "method": "model" if by_model else "rhythm",
                        "stage": rules_.rhythm_stage(silence, gap, rules),
                        "purchase_days": purchases,
                        "first_purchase_on": days[first],
                        "last_purchase_on": days[last],
                        "silent_days": silence,
                        "usual_gap_days": int(gap) if gap == int(gap) else gap,
                        "p_alive": round(p, 3) if by_model else None,
                        "at_stake_minor": base.last_year_net_minor[i],
                        "reason": reason,
                        "customer_name": name,
                        "customer": f"{name} (#{customer_id})",
                    }
                    left -= 1
                    if left <= 0:
                        break


def risks(
    conn: sqlite3.Connection,
    as_of: date,
    query: Query,
    *,
    currency: str | None = None,
    model: bool = True,
    rules: Rules | None = None,
    limit: int | None = None,
) -> Risks:
    """The customers `query` selects who are likely lost, per currency (alphabetical; all
    currencies unless `currency`), largest stake first, at most `limit` per currency: the
    notes at once, the rows (FIELDS plus `customer`) as they are read (see Risks)."""
    import numpy as np

    rules = rules or Rules()
    found = Risks(conn, query, limit, rules)
    for code in [currency] if currency else purchase_histories.currencies(conn):
        base = standing(conn, code, as_of, rules.rhythm)
        if not len(base):
            continue
        chance = _model_p_alive(base) if model else None
        if chance is not None:
            found.notes.append(Said("{currency}: P(alive) from the BG/NBD model for customers "
                                    "who bought on two days or more, the purchase rhythm for "
                                    "the others.", currency=code))  # fmt: skip
        elif model:
            found.notes.append(_rhythm_note(code))
        stake = column(base.last_year_net_minor)
        keep = np.flatnonzero(_listed(base, chance, rules) & (stake > 0))
        silence = base.as_of.toordinal() - column(base.last)[keep].astype(np.int64)
        ids = column(base.ids)[keep]
        # Largest stake first, then the longest silent, then by id.
        order = keep[np.lexsort((ids, -silence, -stake[keep]))]
        # P(alive) of the listed only, in their order: the others' is not kept meanwhile.
        found.ranked.append((base, None if chance is None else chance[order], order))
    return found


def _rhythm_note(code: str) -> str:
    from crmcli.reports import value

    why = (
        Said("scipy is not installed (pip install scipy)")
        if not value.models_available()
        else Said("the BG/NBD model cannot be fitted to this currency's purchases yet")
    )
    return Said(
        "{currency}: by each customer's purchase rhythm only: {why}.", currency=code, why=why
    )


def top_risks(
    conn: sqlite3.Connection, as_of: date, limit: int, *, rules: Rules | None = None
) -> list[ChurnRisk]:
    """The `limit` customers per currency most at stake among those `at_risk` by their own
    purchase rhythm (not lapsed), for `crm remind` and the dashboard. No numpy, no scipy.

    Rows have FIELDS plus `customer` (`Name (#id)`); currencies in alphabetical order.
    """
    rules = rules or Rules()
    if limit <= 0:
        return []
    from crmcli.store import summaries

    if summaries.is_current(conn, (as_of + timedelta(days=1)).isoformat()):
        return _top_from_summaries(conn, as_of, limit, rules)
    listed = Query()
    listed.add("c.archived_at IS NULL")
    found: list[ChurnRisk] = []
    for code in purchase_histories.currencies(conn):
        base = purchase_histories.load(
            conn, code, as_of, rules.rhythm, at_risk_only=rules.min_silence
        )
        rows = [_row(base, i, rules) for i in _rhythm_candidates(base, rules, ("at_risk",))]
        _rank(rows)
        kept: list[ChurnRisk] = []
        # Rank first, then look up names for the few shown (archived ones drop out).
        while rows and len(kept) < limit:
            batch, rows = rows[: limit * 2], rows[limit * 2 :]
            kept.extend(_keep_listed(conn, batch, listed))
        found.extend(kept[:limit])
    return found


# The at_risk customers of one currency with something at stake, by the rules of
# _rhythm_candidates and in the order of _rank, from the purchase summaries (their figures are
# purchase_histories' as of any date on or after the latest purchase line).
_TOP_SQL = """
SELECT s.customer_id, s.purchase_days, s.first_on, s.last_on, s.at_stake_minor, c.name,
    CASE WHEN s.purchase_days - 1 >= :min_gaps THEN s.median_gap ELSE :default_gap END AS gap
FROM purchase_summaries s JOIN customers c ON c.id = s.customer_id
WHERE s.currency = :currency AND s.at_stake_minor > 0 AND s.last_on < :quiet_before
    AND c.archived_at IS NULL
    AND julianday(:as_of) - julianday(s.last_on) > :at_risk_factor * gap
    AND NOT julianday(:as_of) - julianday(s.last_on) > :lapsed_factor * gap
ORDER BY s.at_stake_minor DESC, s.last_on, s.customer_id
LIMIT :limit
"""


def _top_from_summaries(
    conn: sqlite3.Connection, as_of: date, limit: int, rules: Rules
) -> list[ChurnRisk]:
    """top_risks() read from crmcli.store.summaries: one indexed query per currency that
    stops at the `limit`-th risk, instead of every customer's purchase history."""
    rhythm = rules.rhythm
    found: list[ChurnRisk] = []
    currencies = conn.execute("SELECT DISTINCT currency FROM purchase_summaries ORDER BY 1")
    for (code,) in currencies.fetchall():
        rows = conn.execute(
            _TOP_SQL,
            {
                "currency": code,
                "as_of": as_of.isoformat(),
                "quiet_before": (as_of - timedelta(days=rules.min_silence)).isoformat(),
                "min_gaps": rhythm.min_gaps,
                "default_gap": float(rhythm.default_gap),
                "at_risk_factor": rhythm.at_risk_factor,
                "lapsed_factor": rhythm.lapsed_factor,
                "limit": limit,
            },
        ).fetchall()
        base = purchase_histories.Base(code, as_of)
        for customer_id, days, first_on, last_on, stake, _name, gap in rows:
            base.ids.append(customer_id)
            base.purchases.append(days)
            base.first.append(date.fromisoformat(first_on).toordinal())
            base.last.append(date.fromisoformat(last_on).toordinal())
            base.gap.append(gap)
            base.last_year_net_minor.append(stake)
        for i, row in enumerate(rows):
            name = row[5]
            found.append(
                {**_row(base, i, rules), "customer_name": name, "customer": f"{name} (#{row[0]})"}
            )
    return found


def flags(
    base: purchase_histories.Base, rules: Rules | None = None, *, model: bool = True
) -> tuple[Any, bool]:
    """(flags, by_model): whether `crm report churn` (`--rhythm` when not `model`) would list
    each customer of `base` (numpy booleans in its order, whoever they are: no filter,
    archived too), and whether the BG/NBD model took part. The rules of risks(); for
    `--backtest`."""
    rules = rules or Rules()
    chance = _model_p_alive(base) if model else None
    return _listed(base, chance, rules), chance is not None
