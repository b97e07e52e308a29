"""Purchase summaries: per customer and currency, the figures of their purchase days that the
daily commands rank by, kept current by the unit of work.

`purchase_summaries` holds one row per customer and currency with at least one sale line
(amount >= 0): `purchase_days` (distinct local dates, the date part of `purchased_at`, with a
sale line), `first_on` and `last_on` (the first and last of them), `median_gap` (the median
of the gaps in days between consecutive purchase days; NULL with one day) and
`at_stake_minor` (what the last year of buying is worth: every line, sales and refunds, dated
from 364 days before `last_on` on, never below 0). Those are the figures of
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
    SELECT l.customer_id, l.currency, max(0, sum(l.amount_minor)) AS at_stake_minor
    FROM lines l JOIN spans s ON s.customer_id = l.customer_id AND s.currency = l.currency
    WHERE l.day >= date(s.last_on, '-364 days')
    GROUP BY l.customer_id, l.currency
)
INSERT INTO purchase_summaries
    (customer_id, currency, purchase_days, first_on, last_on, median_gap, at_stake_minor)
SELECT s.customer_id, s.currency, s.days, s.first_on, s.last_on, m.median_gap,
    coalesce(k.at_stake_minor, 0)
FROM spans s
LEFT JOIN medians m ON m.customer_id = s.customer_id AND m.currency = s.currency
LEFT JOIN stakes k ON k.customer_id = s.customer_id AND k.currency = s.currency
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
        conn.execute(
            "DELETE FROM purchase_summaries WHERE customer_id IN (SELECT customer_id FROM "
            "purchase_summaries_dirty WHERE customer_id BETWEEN :lo AND :hi)",
            bounds,
        )
        conn.execute(_RECOMPUTE, bounds)
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
