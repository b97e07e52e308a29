"""Plain SQL baselines for the reports: what a user with only SQLite would run to compute the
same numbers as `crm report rfm|abc|lifecycle|sales --by month` (default settings), written
independently of crmcli's own queries so that a change in crm never moves its yardstick.

Each baseline is a function `(conn, as_of) -> rows` over a stdlib sqlite3 connection, every
row fetched. bench/run.py and bench/rfm.py can import them; run this file to time each
report, whole process, against its baseline in the same run (alternating, medians):

    python bench/baselines.py --db /tmp/crm-bench-rfm.db [--runs 3] [--only rfm,abc]

The database is the one bench/rfm.py builds (100k customers, 1M purchases). Peak memory of
each command comes from /usr/bin/time when it is there. CPU seconds (user + system, of the
crm process and of this one for the SQL) are printed beside wall time: on a loaded machine
their ratio is the steadier one.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 22)

# --- RFM: R, F, M per customer and currency over live customers -----------------------------

RFM_SQL = """
SELECT p.customer_id, p.currency,
  CAST(julianday(:as_of) - julianday(max(CASE WHEN p.amount_minor >= 0
       THEN substr(p.purchased_at, 1, 10) END)) AS INTEGER) AS recency,
  count(DISTINCT CASE WHEN p.amount_minor >= 0 THEN substr(p.purchased_at, 1, 10) END)
       AS frequency,
  sum(p.amount_minor) AS monetary
FROM customers c CROSS JOIN purchases p ON p.customer_id = c.id
WHERE c.archived_at IS NULL AND p.purchased_at < :end
GROUP BY p.customer_id, p.currency
"""


def rfm(conn: sqlite3.Connection, as_of: date = AS_OF) -> list[tuple]:
    """R, F, M per customer and currency (the scores are a sort of these: crm's work)."""
    bound = {"as_of": as_of.isoformat(), "end": (as_of + timedelta(days=1)).isoformat()}
    return conn.execute(RFM_SQL, bound).fetchall()


# --- ABC: classes, Pareto deciles and "top 20 %" per currency over the last 12 months ---------

_ABC_RANKED = """
WITH rev AS (
  SELECT p.customer_id AS cid, p.currency AS cur, sum(p.amount_minor) AS net
  FROM customers c CROSS JOIN purchases p ON p.customer_id = c.id
  WHERE c.archived_at IS NULL AND p.purchased_at >= :start AND p.purchased_at < :end
  GROUP BY p.customer_id, p.currency
), ranked AS (
  SELECT cid, cur, net,
    coalesce(sum(max(net, 0)) OVER (PARTITION BY cur ORDER BY net DESC, cid
             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS above,
    sum(max(net, 0)) OVER (PARTITION BY cur) AS total,
    row_number() OVER (PARTITION BY cur ORDER BY net DESC, cid) AS rn,
    count(*) OVER (PARTITION BY cur) AS n
  FROM rev
), tied AS (  -- equal revenues share the class of the first of them
  SELECT *, min(above) OVER (PARTITION BY cur, net) AS first_above FROM ranked
)
"""
ABC_CLASSES_SQL = (
    _ABC_RANKED
    + """
SELECT cur, CASE WHEN net <= 0 OR total = 0 THEN 'C'
                 WHEN first_above * 100 < 80 * total THEN 'A'
                 WHEN first_above * 100 < 95 * total THEN 'B' ELSE 'C' END AS class,
       count(*), sum(net)
FROM tied GROUP BY cur, class ORDER BY cur, class
"""
)
ABC_PARETO_SQL = (
    _ABC_RANKED
    + """, deciles(d) AS (VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9),(10),(-20))
SELECT t.cur, d.d, sum(CASE WHEN d.d > 0 AND t.rn * 10 <= ((t.n * d.d + 9) / 10) * 10
                              OR d.d < 0 AND t.rn <= (t.n * 20 + 99) / 100
                            THEN max(t.net, 0) ELSE 0 END), max(t.total)
FROM tied t CROSS JOIN deciles d GROUP BY t.cur, d.d ORDER BY t.cur, d.d
"""
)


def abc(conn: sqlite3.Connection, as_of: date = AS_OF) -> list[tuple]:
    """Class counts and revenue, then the Pareto deciles and the top 20 % (d = -20)."""
    start = date(as_of.year - 1, as_of.month, as_of.day) + timedelta(days=1)  # abc.window 12m
    bound = {"start": start.isoformat(), "end": (as_of + timedelta(days=1)).isoformat()}
    return (
        conn.execute(ABC_CLASSES_SQL, bound).fetchall()
        + conn.execute(ABC_PARETO_SQL, bound).fetchall()
    )


# --- lifecycle: customers per stage at the 13 month ends, and the moves between them ---------

# Stage rules of crmcli.analytics.lifecycle with the default settings: new 30 days, default
# gap 90, own median gap from 2 gaps, at-risk after 1.5x and lapsed after 3x the usual gap.
LIFECYCLE_SEQ_SQL = """
CREATE TEMP TABLE lifecycle_seq AS
WITH days AS (  -- distinct sale days of each live customer, as day numbers
  SELECT c.id AS cid, CAST(julianday(substr(p.purchased_at, 1, 10)) AS INTEGER) AS d
  FROM customers c CROSS JOIN purchases p ON p.customer_id = c.id
  WHERE c.archived_at IS NULL AND p.amount_minor >= 0 AND p.purchased_at < :end
  GROUP BY c.id, substr(p.purchased_at, 1, 10)
)
SELECT cid, d, row_number() OVER w AS k, d - lag(d) OVER w AS gap,
       min(d) OVER (PARTITION BY cid) AS first, lag(d) OVER w AS prev, lead(d) OVER w AS next
FROM days WINDOW w AS (PARTITION BY cid ORDER BY d)
"""
LIFECYCLE_SQL = """
WITH seq AS (SELECT * FROM temp.lifecycle_seq
), prefix AS (  -- the gaps of the first k days, ranked, for each k with enough of them
  SELECT a.cid, a.k, a.d, a.prev, a.first, a.next, b.gap, a.k - 1 AS m,
         row_number() OVER (PARTITION BY a.cid, a.k ORDER BY b.gap) AS r
  FROM seq a JOIN seq b ON b.cid = a.cid AND b.k BETWEEN 2 AND a.k
  WHERE a.k - 1 >= :min_gaps
), usual AS (  -- the usual gap of the first k days: their median gap, or the default
  SELECT cid, k, d, prev, first, next, avg(gap) AS g FROM prefix
  WHERE r IN ((m + 1) / 2, (m + 2) / 2) GROUP BY cid, k
  UNION ALL
  SELECT cid, k, d, prev, first, next, :default_gap FROM seq WHERE k - 1 < :min_gaps
), chain AS (  -- and of the first k - 1 days
  SELECT *, lag(g, 1, :default_gap) OVER (PARTITION BY cid ORDER BY k) AS g_before FROM usual
), ends(i, e) AS (VALUES {ends}
), state AS (  -- each customer's last sale day at or before each month end
  SELECT e.i, e.e, h.cid, h.k, h.d AS last, h.prev, h.first, h.g, h.g_before
  FROM ends e JOIN chain h ON h.d <= e.e AND (h.next IS NULL OR h.next > e.e)
), staged AS (
  SELECT i, cid, CASE
    WHEN e - first <= :new_days THEN 'new'
    WHEN e - last > :lapsed * g THEN 'lapsed'
    WHEN e - last > :at_risk * g THEN 'at-risk'
    WHEN k >= 2 AND last - prev > :lapsed * g_before THEN 'reactivated'
    ELSE 'active' END AS stage
  FROM state
), moved AS (
  SELECT i, stage, lag(stage, 1, 'none') OVER (PARTITION BY cid ORDER BY i) AS before
  FROM staged
)
SELECT i, before, stage, count(*) FROM moved
GROUP BY i, before, stage ORDER BY i, before, stage
"""


def lifecycle(conn: sqlite3.Connection, as_of: date = AS_OF) -> list[tuple]:
    """(end index 0-12, stage before, stage, customers): the stock at each month end (sum
    over `before`) and the moves (before != stage, from end 1 on). Customers without a
    purchase by an end are `none` there and have no row. Three statements: each customer's
    numbered sale days go to an indexed temporary table first (without the index the
    planner joins them to themselves by nested scans)."""
    first_of_month = as_of.replace(day=1)
    ends, day = [], first_of_month
    for _ in range(12):
        day -= timedelta(days=1)
        ends.append(day)
        day = day.replace(day=1)
    ends = [*reversed(ends), as_of]
    values = ", ".join(
        f"({i}, CAST(julianday('{e.isoformat()}') AS INTEGER))" for i, e in enumerate(ends)
    )
    bound = {"end": (as_of + timedelta(days=1)).isoformat(), "min_gaps": 2, "default_gap": 90,
             "new_days": 30, "at_risk": 1.5, "lapsed": 3.0}  # fmt: skip
    conn.execute("DROP TABLE IF EXISTS temp.lifecycle_seq")
    conn.execute(LIFECYCLE_SEQ_SQL, {"end": bound["end"]})
    conn.execute("CREATE INDEX temp.lifecycle_seq_cid ON lifecycle_seq(cid, k)")
    rows = conn.execute(LIFECYCLE_SQL.format(ends=values), bound).fetchall()
    conn.execute("DROP TABLE temp.lifecycle_seq")
    return rows


# --- sales by month -------------------------------------------------------------------------

SALES_SQL = """
SELECT substr(purchased_at, 1, 7) AS month, currency,
  sum(max(amount_minor, 0)), -sum(min(amount_minor, 0)), sum(amount_minor),
  sum(amount_minor >= 0 AND order_ref IS NULL)
    + count(DISTINCT CASE WHEN amount_minor >= 0 AND order_ref IS NOT NULL
                     THEN customer_id || ':' || order_ref END),
  count(DISTINCT CASE WHEN amount_minor >= 0 THEN customer_id END)
FROM purchases GROUP BY month, currency
"""
SALES_TOTAL_SQL = """
SELECT currency, sum(max(amount_minor, 0)), -sum(min(amount_minor, 0)), sum(amount_minor),
  sum(amount_minor >= 0 AND order_ref IS NULL)
    + count(DISTINCT CASE WHEN amount_minor >= 0 AND order_ref IS NOT NULL
                     THEN customer_id || ':' || order_ref END),
  count(DISTINCT CASE WHEN amount_minor >= 0 THEN customer_id END)
FROM purchases GROUP BY currency
"""


def sales(conn: sqlite3.Connection, as_of: date = AS_OF) -> list[tuple]:
    """Revenue, refunds, net, orders, customers per month and currency, then per currency."""
    return conn.execute(SALES_SQL).fetchall() + conn.execute(SALES_TOTAL_SQL).fetchall()


BASELINES = {
    "rfm": (rfm, ["report", "rfm"]),
    "abc": (abc, ["report", "abc"]),
    "lifecycle": (lifecycle, ["report", "lifecycle"]),
    "sales": (sales, ["report", "sales", "--by", "month"]),
}


# --- runner ---------------------------------------------------------------------------------


def _env(db: Path) -> dict[str, str]:
    return {**os.environ, "CRM_DB": str(db), "CRM_NOW": f"{AS_OF.isoformat()}T10:00:00+08:00"}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_command(db: Path, args: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of `crm ARGS --format csv`, a new process, output discarded."""
    start, cpu = time.perf_counter(), _children_cpu()
    subprocess.run([sys.executable, "-m", "crmcli", *args, "--format", "csv"], check=True,
                   env=_env(db), stdout=subprocess.DEVNULL, cwd=ROOT)  # fmt: skip
    return time.perf_counter() - start, _children_cpu() - cpu


def time_baseline(db: Path, function) -> tuple[float, float]:
    """(wall, CPU) seconds of the baseline in this process, connection included."""
    start, cpu = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    function(conn)
    conn.close()
    return time.perf_counter() - start, time.process_time() - cpu


def peak_mib(db: Path, args: list[str]) -> str:
    if not Path("/usr/bin/time").exists():
        return "n/a"
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "crmcli", *args, "--format", "csv"],
        env=_env(db), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        check=True,
    )  # fmt: skip
    return str(int(done.stderr.strip().splitlines()[-1]) // 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/crm-bench-rfm.db"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default=",".join(BASELINES))
    args = parser.parse_args()
    if not args.db.exists():
        sys.exit(f"{args.db} missing: build it with python bench/rfm.py --db {args.db}")
    print(f"load average: {os.getloadavg()[0]:.1f}; {args.runs} runs each, medians")
    print("| report | crm s | plain SQL s | ratio | crm CPU s | SQL CPU s | CPU ratio "
          "| crm peak MiB |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in args.only.split(","):
        function, command = BASELINES[name]
        time_command(args.db, command)  # warm the page cache for both
        crm, sql = [], []
        for _ in range(args.runs):
            crm.append(time_command(args.db, command))
            sql.append(time_baseline(args.db, function))
        c, s = (statistics.median(t[0] for t in crm), statistics.median(t[0] for t in sql))
        cc, sc = (statistics.median(t[1] for t in crm), statistics.median(t[1] for t in sql))
        label = "`crm " + " ".join(command) + "`"
        print(f"| {label} | {c:.2f} | {s:.2f} | {c / s:.2f} | {cc:.2f} | {sc:.2f} | "
              f"{cc / sc:.2f} | {peak_mib(args.db, command)} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
