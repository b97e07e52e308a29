"""Purchase summaries: per customer and currency, the figures of their purchase days that the
daily commands rank by, kept current by the unit of work.

`purchase_summaries` holds one row per customer and currency with at least one sale line
(amount >= 0): `purchase_days` (distinct local dates, the date part of `purchased_at`, with a
sale line), `first_on` and `last_on` (the first and last of them), `median_gap` (the median
of the gaps in days between consecutive purchase days; NULL with one day) and
`at_stake_minor` (what the last year of buying is worth: every line, sales and refunds, dated
from 364 days before `last_on` on, never below 0) and `net_minor` (every line: the RFM
monetary value). `customer_purchase_days` holds, per customer, the same day figures over
their purchase days in every currency, with `previous_on` (the day before the last) and
`median_gap_before` (the median of every gap but the last): what the lifecycle stage needs.
Those are the figures of
crmcli.reports.purchase_histories over every line, so they equal its figures as of any date
on or after the latest purchase line; `crm remind`, `crm today` and the dashboard then pick
their churn risks with one indexed query instead of reading every purchase history.

Keeping them current works as the search index does (crmcli.store.search): triggers on
purchases queue the customer of every inserted, changed or deleted line in
`purchase_summaries_dirty`, whoever wrote it (an edit, an import, a merge, an undo, a
cascade delete, forget), and `sync()` recomputes the queued customers in SQL inside the same
transaction just before COMMIT (crmcli.store.db.write) and after a migration. A reader that
finds the queue not empty (another program changed the file) must not trust the table:
`is_current()` says so.
"""

from __future__ import annotations

import sqlite3

CHUNK = 5000  # customers per recomputing statement: flat memory for an import of millions

# Every figure of the queued customers from :lo to :hi, from the covering index
# purchases_customer_time. The median of n gaps is the mean of the gaps ranked (n + 1) / 2
# and (n + 2) / 2 (integer division: the same one when n is odd).
_RECOMPUTE = """
WITH lines AS (
    SELECT p.customer_id, p.currency, substr(p.purchased_at, 1, 10) AS day, p.amount_minor
    FROM purchases p
    WHERE p.customer_id IN (SELECT customer_id FROM purchase_summaries_dirty
                            WHERE customer_id BETWEEN :lo AND :hi)
),
sale_days AS (
    SELECT DISTINCT customer_id, currency, day FROM lines WHERE amount_minor >= 0
),
spans AS (
    SELECT customer_id, currency, count(*) AS days, min(day) AS first_on, max(day) AS last_on
    FROM sale_days GROUP BY customer_id, currency
),
gaps AS (
    SELECT customer_id, currency, CAST(julianday(day) - julianday(lag(day) OVER (
        PARTITION BY customer_id, currency ORDER BY day)) AS INTEGER) AS gap
    FROM sale_days
),
ranked AS (
    SELECT customer_id, currency, gap,
        row_number() OVER (PARTITION BY customer_id, currency ORDER BY gap) AS n,
        count(*) OVER (PARTITION BY customer_id, currency) AS gaps
    FROM gaps WHERE gap IS NOT NULL
),
medians AS (
    SELECT customer_id, currency, avg(gap) AS median_gap FROM ranked
    WHERE n IN ((gaps + 1) / 2, (gaps + 2) / 2) GROUP BY customer_id, currency
),
stakes AS (
    SELECT l.customer_id, l.currency,
        max(0, sum(CASE WHEN l.day >= date(s.last_on, '-364 days') THEN l.amount_minor END))
            AS at_stake_minor,
        sum(l.amount_minor) AS net_minor
    FROM lines l JOIN spans s ON s.customer_id = l.customer_id AND s.currency = l.currency
    GROUP BY l.customer_id, l.currency
)
INSERT INTO purchase_summaries (customer_id, currency, purchase_days, first_on, last_on,
    median_gap, at_stake_minor, net_minor)
SELECT s.customer_id, s.currency, s.days, s.first_on, s.last_on, m.median_gap,
    coalesce(k.at_stake_minor, 0), k.net_minor
FROM spans s
LEFT JOIN medians m ON m.customer_id = s.customer_id AND m.currency = s.currency
JOIN stakes k ON k.customer_id = s.customer_id AND k.currency = s.currency
"""

# The same over the purchase days in every currency, per customer, with the day before the
# last and the median of the gaps before the last one (`back` counts days from the last: the
# gap that ends on the last day has back = 1).
_RECOMPUTE_DAYS = """
WITH sale_days AS (
    SELECT DISTINCT p.customer_id, substr(p.purchased_at, 1, 10) AS day
    FROM purchases p
    WHERE p.amount_minor >= 0
        AND p.customer_id IN (SELECT customer_id FROM purchase_summaries_dirty
                              WHERE customer_id BETWEEN :lo AND :hi)
),
numbered AS (
    SELECT customer_id, day,
        row_number() OVER (PARTITION BY customer_id ORDER BY day DESC) AS back,
        lag(day) OVER (PARTITION BY customer_id ORDER BY day) AS before
    FROM sale_days
),
spans AS (
    SELECT customer_id, count(*) AS days, min(day) AS first_on, max(day) AS last_on,
        max(CASE WHEN back = 2 THEN day END) AS previous_on
    FROM numbered GROUP BY customer_id
),
gaps AS (
    SELECT customer_id, back, CAST(julianday(day) - julianday(before) AS INTEGER) AS gap
    FROM numbered WHERE before IS NOT NULL
),
ranked AS (
    SELECT customer_id, gap,
        row_number() OVER (PARTITION BY customer_id ORDER BY gap) AS n,
        count(*) OVER (PARTITION BY customer_id) AS gaps
    FROM gaps
),
ranked_before AS (
    SELECT customer_id, gap,
        row_number() OVER (PARTITION BY customer_id ORDER BY gap) AS n,
        count(*) OVER (PARTITION BY customer_id) AS gaps
    FROM gaps WHERE back > 1
),
medians AS (
    SELECT customer_id, avg(gap) AS median_gap FROM ranked
    WHERE n IN ((gaps + 1) / 2, (gaps + 2) / 2) GROUP BY customer_id
),
medians_before AS (
    SELECT customer_id, avg(gap) AS median_gap FROM ranked_before
    WHERE n IN ((gaps + 1) / 2, (gaps + 2) / 2) GROUP BY customer_id
)
INSERT INTO customer_purchase_days (customer_id, purchase_days, first_on, last_on,
    previous_on, median_gap, median_gap_before)
SELECT s.customer_id, s.days, s.first_on, s.last_on, s.previous_on, m.median_gap, b.median_gap
FROM spans s
LEFT JOIN medians m ON m.customer_id = s.customer_id
LEFT JOIN medians_before b ON b.customer_id = s.customer_id
"""


def sync(conn: sqlite3.Connection) -> int:
    """Recompute the summaries of every queued customer, inside the caller's transaction, and
    empty the queue; returns how many customers. Cheap when nothing changed (one indexed read).
    """
    if conn.execute("SELECT 1 FROM purchase_summaries_dirty LIMIT 1").fetchone() is None:
        return 0
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT customer_id FROM purchase_summaries_dirty ORDER BY customer_id"
        )
    ]
    for start in range(0, len(ids), CHUNK):
        bounds = {"lo": ids[start], "hi": ids[min(start + CHUNK, len(ids)) - 1]}
        for table in ("purchase_summaries", "customer_purchase_days"):
            conn.execute(
                f"DELETE FROM {table} WHERE customer_id IN (SELECT customer_id FROM "  # noqa: S608 - fixed names
                "purchase_summaries_dirty WHERE customer_id BETWEEN :lo AND :hi)",
                bounds,
            )
        conn.execute(_RECOMPUTE, bounds)
        conn.execute(_RECOMPUTE_DAYS, bounds)
    conn.execute("DELETE FROM purchase_summaries_dirty")
    return len(ids)


def is_current(conn: sqlite3.Connection, before: str) -> bool:
    """Whether the summaries are the figures of every purchase line dated before `before`
    (an ISO date, compared with `purchased_at` as text, as purchase_histories does): nothing
    is queued, and no line is dated on or after it."""
    if conn.execute("SELECT 1 FROM purchase_summaries_dirty LIMIT 1").fetchone() is not None:
        return False
    latest = conn.execute("SELECT max(purchased_at) FROM purchases").fetchone()[0]
    return latest is None or latest < before
