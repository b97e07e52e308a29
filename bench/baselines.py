"""The baselines bench/run.py measures crm against: the same numbers without crm.

    python bench/baselines.py KIND DB [AS_OF] [ARG]

Each KIND is a whole process that reads DB (read-only) with the stdlib sqlite3 module (or
pandas) and prints its result as JSON lines, so it pays for its start-up, its query and its
output like the crm command it stands beside:

- rfm-sql, abc-sql, lifecycle-sql, sales-sql: one plain SQL query each, computing what
  `crm report rfm|abc|lifecycle|sales --by month` compute, with the definitions of
  docs/reports.md and the default settings (RFM grid, 12-month ABC window with A below 80 %
  and B below 95 %, lifecycle rules) on the live customers;
- rfm-pandas: the RFM summary with pandas (read_sql of the purchases, groupby, rank), the
  tool a data-minded user would pick;
- customers-csv: every customer row as CSV (`SELECT *` and csv.writer), the floor of
  `crm list -f csv` and `crm export customers -f csv`;
- like-scan: bench/search.py's plain LIKE scan for the query ARG; prints only its own wall
  and CPU seconds (the scan, without start-up) and hits.

bench/run.py --check compares these numbers with crm's own JSON output.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
from datetime import date, timedelta

# The default RFM grid (crmcli.reports.models.rfm.GRID): segment, R scores, F scores.
GRID = (
    ("champions", "5", "45"),
    ("loyal", "34", "45"),
    ("potential loyalists", "45", "23"),
    ("new customers", "5", "1"),
    ("promising", "4", "1"),
    ("need attention", "3", "3"),
    ("about to sleep", "3", "12"),
    ("at risk", "12", "34"),
    ("can't lose them", "12", "5"),
    ("hibernating", "12", "12"),
)


def quote(text: str) -> str:
    return text.replace("'", "''")


SEGMENT_SQL = (
    "CASE "
    + " ".join(
        f"WHEN r IN ({','.join(rs)}) AND f IN ({','.join(fs)}) THEN '{quote(name)}'"
        for name, rs, fs in GRID
    )
    + " ELSE 'other' END"
)

# R, F, M per live customer and currency up to as-of (refund-only days are not purchase
# days; customers with refunds only in a currency are not scored in it), then the R and F
# quintile scores by mid-rank within the currency, the segment, and the summary per segment.
RFM_SQL = f"""
WITH v AS (
  SELECT p.customer_id AS cid, p.currency AS cur,
    CAST(julianday(:as_of) - julianday(max(CASE WHEN p.amount_minor >= 0
         THEN substr(p.purchased_at, 1, 10) END)) AS INTEGER) AS recency,
    count(DISTINCT CASE WHEN p.amount_minor >= 0 THEN substr(p.purchased_at, 1, 10) END)
         AS frequency,
    sum(p.amount_minor) AS monetary
  FROM customers c CROSS JOIN purchases p ON p.customer_id = c.id
  WHERE c.archived_at IS NULL AND p.purchased_at < :end
  GROUP BY p.customer_id, p.currency
), s AS (
  SELECT cur, recency, frequency, monetary,
    1 + (5 * (2 * (rank() OVER (PARTITION BY cur ORDER BY recency DESC) - 1)
              + count(*) OVER (PARTITION BY cur, recency)))
        / (2 * count(*) OVER (PARTITION BY cur)) AS r,
    1 + (5 * (2 * (rank() OVER (PARTITION BY cur ORDER BY frequency) - 1)
              + count(*) OVER (PARTITION BY cur, frequency)))
        / (2 * count(*) OVER (PARTITION BY cur)) AS f
  FROM v WHERE frequency > 0
)
SELECT {SEGMENT_SQL} AS segment, cur AS currency, count(*) AS customers,
  sum(monetary) AS revenue_minor, avg(recency) AS mean_recency,
  avg(frequency) AS mean_frequency, avg(monetary) AS mean_monetary_minor
FROM s GROUP BY segment, cur ORDER BY cur, segment
"""

# Net revenue per live customer and currency in [start, as-of]; class A while the positive
# revenue of those ranked above (ties: all of them count as above the first) is below 80 %
# of the currency's positive revenue, B below 95 %, else C; zero or negative revenue is C.
ABC_SQL = """
WITH v AS (
  SELECT p.customer_id AS cid, p.currency AS cur, sum(p.amount_minor) AS net
  FROM customers c CROSS JOIN purchases p ON p.customer_id = c.id
  WHERE c.archived_at IS NULL AND p.purchased_at < :end AND p.purchased_at >= :start
  GROUP BY p.customer_id, p.currency
), r AS (
  SELECT cur, net, sum(max(net, 0)) OVER (PARTITION BY cur) AS total,
    sum(max(net, 0)) OVER (PARTITION BY cur ORDER BY net DESC
        RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
      - count(*) OVER (PARTITION BY cur, net) * max(net, 0) AS above
  FROM v
)
SELECT CASE WHEN net <= 0 OR total = 0 THEN 'C' WHEN above * 100 < 80 * total THEN 'A'
            WHEN above * 100 < 95 * total THEN 'B' ELSE 'C' END AS class,
  cur AS currency, count(*) AS customers, sum(net) AS revenue_minor
FROM r GROUP BY class, cur ORDER BY cur, class
"""

# The pareto part of the ABC report: positive revenue of the top 10 % ... 100 % (rounded up).
PARETO_SQL = """
WITH v AS (
  SELECT p.currency AS cur, max(sum(p.amount_minor), 0) AS net
  FROM customers c CROSS JOIN purchases p ON p.customer_id = c.id
  WHERE c.archived_at IS NULL AND p.purchased_at < :end AND p.purchased_at >= :start
  GROUP BY p.customer_id, p.currency
), r AS (
  SELECT cur, row_number() OVER w AS rn, sum(net) OVER w AS running,
    count(*) OVER (PARTITION BY cur) AS n
  FROM v WINDOW w AS (PARTITION BY cur ORDER BY net DESC ROWS UNBOUNDED PRECEDING)
), d(decile) AS (VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10))
SELECT d.decile * 10 AS top_percent, r.cur AS currency, r.rn AS customers,
  r.running AS revenue_minor
FROM r JOIN d ON r.rn = (r.n * d.decile + 9) / 10 ORDER BY r.cur, d.decile
"""

# The sales report by month: crmcli.records.purchases.AGGREGATES, written out.
SALES_SQL = """
SELECT substr(p.purchased_at, 1, 7) AS month, p.currency AS currency,
  sum(max(p.amount_minor, 0)) AS revenue_minor,
  -sum(min(p.amount_minor, 0)) AS refunds_minor,
  sum(p.amount_minor) AS net_minor,
  sum(p.amount_minor >= 0 AND p.order_ref IS NULL) + count(DISTINCT CASE
    WHEN p.amount_minor >= 0 AND p.order_ref IS NOT NULL
    THEN p.customer_id || ':' || p.order_ref END) AS orders,
  count(DISTINCT CASE WHEN p.amount_minor >= 0 THEN p.customer_id END) AS customers
FROM purchases p GROUP BY month, p.currency ORDER BY p.currency, month
"""

# Lifecycle stage of every live customer at the end of each of the last 12 months and on
# the as-of date (:e0 ... :e12), with the default rules: distinct sale days; `new` while the
# first is at most 30 days old; usual gap = median of the gaps between consecutive days
# with at least 2 gaps, else 90; lapsed when silent > 3 x usual, at_risk > 1.5 x usual;
# reactivated when the gap before the last day > 3 x the usual gap of the days before it.
LIFECYCLE_SQL = """
WITH ends(i, e) AS (VALUES {ends}),
days AS (
  SELECT DISTINCT p.customer_id AS cid, substr(p.purchased_at, 1, 10) AS day
  FROM customers c CROSS JOIN purchases p ON p.customer_id = c.id
  WHERE c.archived_at IS NULL AND p.purchased_at < :end AND p.amount_minor >= 0
), seq AS (
  SELECT cid, day, row_number() OVER w AS k,
    CAST(julianday(day) - julianday(lag(day) OVER w) AS INTEGER) AS gap
  FROM days WINDOW w AS (PARTITION BY cid ORDER BY day)
), upto AS (  -- k: purchase days up to each end, per customer
  SELECT s.cid, ends.i, ends.e, max(s.k) AS k FROM seq s JOIN ends ON s.day <= ends.e
  GROUP BY s.cid, ends.i
), needed AS (  -- prefixes whose usual gap a stage needs: k and k - 1
  SELECT cid, k FROM upto UNION SELECT cid, k - 1 FROM upto WHERE k >= 2
), ranked AS (
  SELECT n.cid, n.k, s.gap, row_number() OVER (PARTITION BY n.cid, n.k ORDER BY s.gap) AS r
  FROM needed n JOIN seq s ON s.cid = n.cid AND s.k BETWEEN 2 AND n.k
), usual AS (  -- median gap of the first k days, when they have at least 2 gaps
  SELECT cid, k, avg(gap) AS gap FROM ranked
  WHERE k >= 3 AND r IN (k / 2, (k + 1) / 2) GROUP BY cid, k
), stage AS (
  SELECT u.cid, u.i,
    CASE
      WHEN julianday(u.e) - julianday(first.day) <= 30 THEN 'new'
      WHEN julianday(u.e) - julianday(last.day) > 3 * coalesce(g.gap, 90) THEN 'lapsed'
      WHEN julianday(u.e) - julianday(last.day) > 1.5 * coalesce(g.gap, 90) THEN 'at_risk'
      WHEN u.k >= 2 AND last.gap > 3 * coalesce(g1.gap, 90) THEN 'reactivated'
      ELSE 'active' END AS stage
  FROM upto u
  JOIN seq first ON first.cid = u.cid AND first.k = 1
  JOIN seq last ON last.cid = u.cid AND last.k = u.k
  LEFT JOIN usual g ON g.cid = u.cid AND g.k = u.k
  LEFT JOIN usual g1 ON g1.cid = u.cid AND g1.k = u.k - 1
), history AS (  -- every buyer at every end, `none` before their first day
  SELECT b.cid, ends.i, coalesce(stage.stage, 'none') AS stage,
    lag(coalesce(stage.stage, 'none')) OVER (PARTITION BY b.cid ORDER BY ends.i) AS before
  FROM (SELECT DISTINCT cid FROM seq) b CROSS JOIN ends
  LEFT JOIN stage ON stage.cid = b.cid AND stage.i = ends.i
)
SELECT i, stage, count(*) AS customers, sum(before IS NOT NULL AND before != stage) AS moved
FROM history GROUP BY i, stage ORDER BY i, stage
"""

FUNNEL_SQL = """
SELECT (SELECT s.to_stage FROM stage_changes s WHERE s.customer_id = c.id
        AND substr(s.changed_at, 1, 10) <= :as_of ORDER BY s.changed_at DESC, s.id DESC LIMIT 1)
  AS stage, count(*) AS customers
FROM customers c WHERE c.archived_at IS NULL GROUP BY stage ORDER BY stage
"""


def month_ends(as_of: date) -> list[date]:
    """The last day of each of the 12 months before as-of's month, then as-of."""
    ends, day = [], as_of.replace(day=1)
    for _ in range(12):
        day -= timedelta(days=1)
        ends.append(day)
        day = day.replace(day=1)
    return [*reversed(ends), as_of]


def year_back(as_of: date) -> date:
    """The first day of the 12 months ending on as-of (as-of minus 12 months, plus a day)."""
    try:
        back = as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February
        back = as_of.replace(year=as_of.year - 1, day=28)
    return back + timedelta(days=1)


def emit(cursor: sqlite3.Cursor, **extra: object) -> None:
    names = [d[0] for d in cursor.description]
    out = sys.stdout
    for row in cursor:
        out.write(
            json.dumps({**extra, **dict(zip(names, row, strict=True))}, ensure_ascii=False) + "\n"
        )


def connect(db: str) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True)


def main() -> None:
    kind, db = sys.argv[1], sys.argv[2]
    given = sys.argv[3] if len(sys.argv) > 3 else "-"
    as_of = date.today() if given == "-" else date.fromisoformat(given)
    end = (as_of + timedelta(days=1)).isoformat()
    bound = {"as_of": as_of.isoformat(), "end": end, "start": year_back(as_of).isoformat()}
    if kind == "rfm-sql":
        emit(connect(db).execute(RFM_SQL, bound))
    elif kind == "abc-sql":
        conn = connect(db)
        emit(conn.execute(ABC_SQL, bound), part="classes")
        emit(conn.execute(PARETO_SQL, bound), part="pareto")
    elif kind == "sales-sql":
        emit(connect(db).execute(SALES_SQL))
    elif kind == "lifecycle-sql":
        ends = month_ends(as_of)
        values = ", ".join(f"({i}, '{e.isoformat()}')" for i, e in enumerate(ends))
        conn = connect(db)
        names = {i: e.strftime("%Y-%m") for i, e in enumerate(ends)}
        population = conn.execute(
            "SELECT count(*) FROM customers WHERE archived_at IS NULL"
        ).fetchone()[0]
        for i, stage, customers, moved in conn.execute(LIFECYCLE_SQL.format(ends=values), bound):
            row = {"month": names[i], "stage": stage, "customers": customers, "moved": moved}
            print(json.dumps(row))
        print(json.dumps({"population": population}))
        emit(conn.execute(FUNNEL_SQL, bound), part="funnel")
    elif kind == "rfm-pandas":
        rfm_pandas(db, bound)
    elif kind == "customers-csv":
        cursor = connect(db).execute("SELECT * FROM customers ORDER BY id")
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow([d[0] for d in cursor.description])
        out.writerows(cursor)
    elif kind == "like-scan":
        import time
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from search import like_scan

        start, cpu = time.perf_counter(), time.process_time()
        hits = like_scan(Path(db), sys.argv[4])
        print(time.perf_counter() - start, time.process_time() - cpu, hits)
    else:
        raise SystemExit(f"unknown baseline {kind!r}")


def rfm_pandas(db: str, bound: dict[str, str]) -> None:
    import pandas as pd

    conn = connect(db)
    lines = pd.read_sql(
        "SELECT p.customer_id, p.currency, p.amount_minor, substr(p.purchased_at, 1, 10) AS day "
        "FROM customers c JOIN purchases p ON p.customer_id = c.id "
        "WHERE c.archived_at IS NULL AND p.purchased_at < :end",
        conn,
        params={"end": bound["end"]},
    )
    keys = ["customer_id", "currency"]
    sales = lines[lines.amount_minor >= 0]
    per = sales.groupby(keys).agg(last=("day", "max"), frequency=("day", "nunique"))
    per["monetary"] = lines.groupby(keys).amount_minor.sum()
    per = per.reset_index()
    per["recency"] = (pd.Timestamp(bound["as_of"]) - pd.to_datetime(per["last"])).dt.days
    group = per.groupby("currency")
    n = group.customer_id.transform("size")
    # mid-rank: average rank = less + (equal + 1) / 2, so less + equal / 2 = rank - 1/2
    for score, column, ascending in (("r", "recency", False), ("f", "frequency", True)):
        rank = group[column].rank(method="average", ascending=ascending)
        per[score] = 1 + (5 * (2 * rank - 1) // (2 * n)).astype(int)
    cells = {
        (r, f): next((s for s, rs, fs in GRID if str(r) in rs and str(f) in fs), "other")
        for r in range(1, 6)
        for f in range(1, 6)
    }
    per["segment"] = [cells[r, f] for r, f in zip(per.r, per.f, strict=True)]
    summary = per.groupby(["segment", "currency"]).agg(
        customers=("customer_id", "size"),
        revenue_minor=("monetary", "sum"),
        mean_recency=("recency", "mean"),
        mean_frequency=("frequency", "mean"),
        mean_monetary_minor=("monetary", "mean"),
    )
    for (segment, currency), row in summary.iterrows():
        values = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        print(json.dumps({"segment": segment, "currency": currency, **values}))


if __name__ == "__main__":
    main()
