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
cascade delete, forget), and `sync()` recomputes the queued customers (one indexed read of
their lines, both tables from it) inside the same transaction just before COMMIT
(crmcli.store.db.write) and after a migration. A reader that finds the queue not empty
(another program changed the file) must not trust the table: `is_current()` says so.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta
from itertools import groupby, pairwise
from operator import itemgetter

CHUNK = 5000  # customers per read and per insert: flat memory for an import of millions

# The lines of the queued customers from :lo to :hi, one row per customer, currency and day
# (what both tables are figured from: the days with a sale line, and sums), in customer
# order, from the covering index purchases_customer_time: read once for both tables. A
# customer with a million lines is a few thousand days in Python, not a million rows (the
# lines of a large import's busiest customers were most of its peak memory). The day is
# the date part of `purchased_at`, with SQLite's julianday of it for the gaps (NULL when it
# is no date); an amount another program stored as text counts as SQLite casts it (`abc`
# is 0), as the statements before summed it, rather than stopping every write with a
# TypeError.
_LINES = """
SELECT p.customer_id, p.currency, substr(p.purchased_at, 1, 10) AS day,
    sum(CAST(p.amount_minor AS INTEGER)),
    julianday(substr(p.purchased_at, 1, 10)),
    max(CAST(p.amount_minor AS INTEGER) >= 0)
FROM purchases p
WHERE p.customer_id IN (SELECT customer_id FROM purchase_summaries_dirty
                        WHERE customer_id BETWEEN :lo AND :hi)
GROUP BY p.customer_id, p.currency, day
ORDER BY p.customer_id
"""

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR = timedelta(days=364)  # a year of buying: from 364 days before the last day on


def _median(gaps: list) -> float | None:
    """The median of the gaps, as SQL's avg() of those ranked (n + 1) / 2 and (n + 2) / 2
    gives it (the same one when n is odd): an unknown gap (None) ranks first and counts, but
    is averaged as nothing."""
    n = len(gaps)
    if not n:
        return None
    if None not in gaps:
        ordered = sorted(gaps)
        return (ordered[(n - 1) // 2] + ordered[n // 2]) / 2
    ordered = sorted(gaps, key=lambda g: (g is not None, g or 0))
    values = [ordered[i] for i in {(n - 1) // 2, n // 2} if ordered[i] is not None]
    return sum(values) / len(values) if values else None


def _gaps(days: list[tuple[str, float | None]]) -> list[int | None]:
    """The gaps in whole days between consecutive days (sorted (day, julianday) pairs), as
    CAST(julianday(day) - julianday(before) AS INTEGER) gives them."""
    return [None if a is None or b is None else int(b - a) for (_, a), (_, b) in pairwise(days)]


def _year_before(conn: sqlite3.Connection, day: str) -> str | None:
    """date(day, '-364 days'), the first day of the last year of buying."""
    if _ISO_DAY.fullmatch(day):
        try:
            return (date.fromisoformat(day) - _YEAR).isoformat()
        except (ValueError, OverflowError):
            pass  # a day SQLite reads its own way (2024-02-30) or before year 1
    return conn.execute("SELECT date(?, '-364 days')", (day,)).fetchone()[0]


def _figures(conn: sqlite3.Connection, customer_id: int, lines: list[tuple]) -> tuple:
    """One customer's rows of purchase_summaries (per currency with a sale line) and of
    customer_purchase_days (None without a sale line), from their days (_LINES: the
    customer's id, currency, day, the day's amount, julianday, whether it has a sale line)."""
    by_currency: dict[str, list[tuple]] = {}
    for line in lines:
        by_currency.setdefault(line[1], []).append(line)
    summaries = []
    every_day: dict[str, float | None] = {}
    for currency, own in by_currency.items():
        sale = {day: jd for _, _, day, _amount, jd, sold in own if sold}
        if not sale:
            continue  # refunds only: no summary
        every_day.update(sale)
        days = sorted(sale.items())
        gaps = [g for g in _gaps(days) if g is not None]
        first_on, last_on = days[0][0], days[-1][0]
        since = _year_before(conn, last_on)
        stake = None if since is None else sum(a for _, _, d, a, _, _ in own if d >= since)
        summaries.append((
            customer_id, currency, len(days), first_on, last_on, _median(gaps),
            max(0, stake) if stake is not None else 0, sum(line[3] for line in own),
        ))  # fmt: skip
    if not every_day:
        return summaries, None
    days = sorted(every_day.items())
    gaps = _gaps(days)
    previous_on = days[-2][0] if len(days) > 1 else None
    day_row = (
        customer_id, len(days), days[0][0], days[-1][0], previous_on, _median(gaps),
        _median(gaps[:-1]),
    )  # fmt: skip
    return summaries, day_row


def sync(conn: sqlite3.Connection) -> int:
    """Recompute the summaries of every queued customer, inside the caller's transaction, and
    empty the queue; returns how many customers. Cheap when nothing changed (one indexed read).
    Each chunk of queued customers is read once, in one indexed pass over their lines, and
    both tables are computed from it (as the SQL figures of the module docstring: sums, the
    medians of the gaps, julianday and date() for the days)."""
    if conn.execute("SELECT 1 FROM purchase_summaries_dirty LIMIT 1").fetchone() is None:
        return 0
    done, after = 0, -(2**63)  # below every id SQLite gives
    # Chunk after chunk of the queue in id order, never all of it in Python: a million
    # queued customers held as a list of ints was 40 MiB of an import's peak.
    while chunk := [
        r[0]
        for r in conn.execute(
            "SELECT customer_id FROM purchase_summaries_dirty WHERE customer_id > ? "
            "ORDER BY customer_id LIMIT ?",
            (after, CHUNK),
        )
    ]:
        bounds = {"lo": chunk[0], "hi": chunk[-1]}
        done, after = done + len(chunk), chunk[-1]
        for table in ("purchase_summaries", "customer_purchase_days"):
            conn.execute(
                f"DELETE FROM {table} WHERE customer_id IN (SELECT customer_id FROM "  # noqa: S608 - fixed names
                "purchase_summaries_dirty WHERE customer_id BETWEEN :lo AND :hi)",
                bounds,
            )
        summary_rows: list[tuple] = []
        day_rows: list[tuple] = []
        for customer_id, lines in groupby(conn.execute(_LINES, bounds), key=itemgetter(0)):
            summaries, day_row = _figures(conn, customer_id, list(lines))
            summary_rows.extend(summaries)
            if day_row is not None:
                day_rows.append(day_row)
        conn.executemany(
            "INSERT INTO purchase_summaries (customer_id, currency, purchase_days, first_on, "
            "last_on, median_gap, at_stake_minor, net_minor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            summary_rows,
        )
        conn.executemany(
            "INSERT INTO customer_purchase_days (customer_id, purchase_days, first_on, "
            "last_on, previous_on, median_gap, median_gap_before) VALUES (?, ?, ?, ?, ?, ?, ?)",
            day_rows,
        )
    conn.execute("DELETE FROM purchase_summaries_dirty")
    return done


def is_current(conn: sqlite3.Connection, before: str) -> bool:
    """Whether the summaries are the figures of every purchase line dated before `before`
    (an ISO date, compared with `purchased_at` as text, as purchase_histories does): nothing
    is queued, and no line is dated on or after it."""
    if conn.execute("SELECT 1 FROM purchase_summaries_dirty LIMIT 1").fetchone() is not None:
        return False
    latest = conn.execute("SELECT max(purchased_at) FROM purchases").fetchone()[0]
    return latest is None or latest < before
