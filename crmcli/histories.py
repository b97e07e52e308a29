"""Purchase histories per customer and currency: what the value models and churn warning read.

A customer's history in one currency, as of a date, is made of their **purchase days**: the
distinct local dates (the date part of `purchased_at`, as the sales report uses) up to and
including the as-of date on which they have at least one sale line (amount >= 0) in that
currency. A day's value is the sum of its sale lines. Refunds are not purchases and are left
out: the models describe buying, and a refund is not a purchase of negative value.

`read()` aggregates per customer in SQLite, streaming in customer order over the covering
index purchases_customer_time (one row per customer comes back, never one per line), and
yields one `History` at a time, so memory stays flat however many customers there are.
`load()` keeps what the reports need of each history in typed columns (`Base`): about 60
bytes a customer, whatever their number of purchases.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from crmcli.analytics import lifecycle

# Per customer: the distinct purchase days (in index order, so ascending; sorted again below
# as SQL does not promise it), the total of the sale lines, the value of the first day, and
# the value of the 365 days up to and including the last one. The two subqueries are index
# seeks on purchases_customer_time (customer, time range).
_SQL = """
WITH per AS (
    SELECT p.customer_id,
           min(p.purchased_at) AS first_at,
           max(p.purchased_at) AS last_at,
           group_concat(DISTINCT substr(p.purchased_at, 1, 10)) AS days,
           sum(p.amount_minor) AS total_minor
    FROM purchases p
    WHERE p.currency = :currency AND p.amount_minor >= 0 AND p.purchased_at < :before
    GROUP BY p.customer_id
)
SELECT customer_id, days, total_minor,
       (SELECT sum(q.amount_minor) FROM purchases q
        WHERE q.customer_id = per.customer_id
          AND q.purchased_at >= substr(per.first_at, 1, 10)
          AND q.purchased_at < substr(per.first_at, 1, 10) || 'U'
          AND q.currency = :currency AND q.amount_minor >= 0) AS first_day_minor,
       (SELECT sum(q.amount_minor) FROM purchases q
        WHERE q.customer_id = per.customer_id
          AND q.purchased_at >= date(substr(per.last_at, 1, 10), '-364 days')
          AND q.purchased_at <= per.last_at
          AND q.currency = :currency AND q.amount_minor >= 0) AS last_year_minor
FROM per
"""


@dataclass(frozen=True)
class History:
    """One customer's purchase days in one currency, as of a date.

    `days`: ascending distinct purchase days; `total_minor`: the value of all of them;
    `first_day_minor`: the value of the first one (so the repeat purchases are worth
    `total_minor - first_day_minor`); `last_year_minor`: the value of the purchase days in
    the 365 days up to and including the last one.
    """

    customer_id: int
    days: tuple[date, ...]
    total_minor: int
    first_day_minor: int
    last_year_minor: int

    @property
    def repeats(self) -> int:
        """x: purchase days after the first one."""
        return len(self.days) - 1

    @property
    def repeat_minor(self) -> int:
        return self.total_minor - self.first_day_minor

    def usual_gap(self, rules: lifecycle.Rules) -> float:
        """The customer's own rhythm in days (lifecycle.usual_gap: median gap, or default)."""
        return lifecycle.usual_gap(self.days, rules)

    def silence(self, as_of: date) -> int:
        """Days since the last purchase day."""
        return (as_of - self.days[-1]).days


def currencies(conn: sqlite3.Connection) -> list[str]:
    """The currencies that have sale lines, alphabetically."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT currency FROM purchases WHERE amount_minor >= 0 ORDER BY currency"
        )
    ]


def read(conn: sqlite3.Connection, currency: str, as_of: date) -> Iterator[History]:
    """Every customer's history in `currency` up to `as_of` (included), in id order.

    Archived customers are included: their purchases happened. Callers pick whom to list.
    """
    before = (as_of + timedelta(days=1)).isoformat()
    rows = conn.execute(_SQL, {"currency": currency, "before": before})
    for customer_id, joined, total_minor, first_day_minor, last_year_minor in rows:
        days = tuple(sorted(date.fromisoformat(d) for d in joined.split(",")))
        yield History(customer_id, days, total_minor, first_day_minor, last_year_minor)


@dataclass
class Base:
    """The customers who bought in one currency up to `as_of`, one column per figure.

    Per customer (same index in every column): `ids`; `purchases` (distinct purchase days,
    so x = purchases - 1); `first` and `last` purchase day as date ordinals; `gap`, the usual
    gap in days (lifecycle.usual_gap); `total_minor` and `repeat_minor` (the value of all
    purchase days, and of all but the first).
    """

    currency: str
    as_of: date
    ids: array = field(default_factory=lambda: array("q"))
    purchases: array = field(default_factory=lambda: array("q"))
    first: array = field(default_factory=lambda: array("q"))
    last: array = field(default_factory=lambda: array("q"))
    gap: array = field(default_factory=lambda: array("d"))
    last_year_minor: array = field(default_factory=lambda: array("q"))
    repeat_minor: array = field(default_factory=lambda: array("q"))

    def __len__(self) -> int:
        return len(self.ids)


def load(conn: sqlite3.Connection, currency: str, as_of: date, rules: lifecycle.Rules) -> Base:
    """Every customer's history in `currency` up to `as_of`, as columns."""
    base = Base(currency, as_of)
    for history in read(conn, currency, as_of):
        base.ids.append(history.customer_id)
        base.purchases.append(len(history.days))
        base.first.append(history.days[0].toordinal())
        base.last.append(history.days[-1].toordinal())
        base.gap.append(history.usual_gap(rules))
        base.last_year_minor.append(history.last_year_minor)
        base.repeat_minor.append(history.repeat_minor)
    return base


def chunks(ids: Iterable[int], size: int = 500) -> Iterator[list[int]]:
    """`ids` in lists of at most `size` (SQLite binds at most 999 parameters by default)."""
    batch: list[int] = []
    for customer_id in ids:
        batch.append(customer_id)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
