"""Category summaries (客户品类汇总) and acquisition cohorts: `crm report summary|cohort`.

Both run over the customers a filter selects (see reports.customer_reports) and their purchases up
to the as-of date, aggregated in SQLite. Money is per currency (purchases.AGGREGATES).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import date
from typing import Any, TypedDict, cast

from crmcli.records.purchases import AGGREGATES, GroupTotals, summary
from crmcli.reports.customer_reports import end_bound, named, pct

# --by word -> (group expression, extra joins); customer fields read `customers c`.
GROUPS = {
    "industry": ("c.industry", ""),
    "region": ("c.region", ""),
    "city": ("c.city", ""),
    "company_size": ("c.company_size", ""),
    "source": ("c.source", ""),
    "stage": ("c.stage", ""),
    "tag": (
        "t.name",
        "LEFT JOIN customer_tags ct ON ct.customer_id = c.id LEFT JOIN tags t ON t.id = ct.tag_id",
    ),
    "category": ("p.category", ""),
}
COLUMNS = ("currency", "customers", "buyers", "revenue", "net", "orders", "average_order", "share")


class _Figures(TypedDict):
    currency: str | None  # None for a group whose customers never bought
    customers: int | None  # in the group
    buyers: int  # with a sale line in the currency
    revenue_minor: int | None
    net_minor: int | None
    orders: int
    average_order_minor: int | None
    share: float | None  # percent of the currency's net


class SummaryRow(_Figures, total=False):
    """One group of `crm report summary` in one currency: the figures and the key of the
    grouping asked for (one of GROUPS)."""

    industry: str | None
    region: str | None
    city: str | None
    company_size: str | None
    source: str | None
    stage: str | None
    tag: str | None
    category: str | None


class Cohort(TypedDict):
    """One acquisition cohort of `crm report cohort`."""

    cohort: str  # the period of the first purchase: 2026-03 or 2026-Q1
    customers: int
    active: list[int]  # buyers in the cohort's period +0, +1, ...
    retention: list[float]  # the same as percentages of `customers`


def summarise(
    conn: sqlite3.Connection, by: str, as_of: date, where_sql: str, params: list[Any]
) -> list[SummaryRow]:
    """One row per group and currency: customers (in the group), buyers (with a sale line
    in that currency), revenue, net, orders, average order, share (of the currency's net).
    A group whose customers never bought has one row without currency."""
    key, joins = GROUPS[by]
    where, names = named(where_sql, params)
    bound = {"end": end_bound(as_of), **names}
    sold = [
        cast(GroupTotals, summary(dict(r)))
        for r in conn.execute(
            f"SELECT {key} AS grp, {AGGREGATES} FROM customers c "  # noqa: S608 - whitelisted
            f"CROSS JOIN purchases p ON p.customer_id = c.id {joins} "
            f"WHERE {where} AND p.purchased_at < :end GROUP BY grp, p.currency",
            bound,
        )
    ]
    if by == "category":
        people = {r["grp"]: None for r in sold}
    else:
        people = dict(
            conn.execute(
                f"SELECT {key} AS grp, count(DISTINCT c.id) FROM customers c {joins} "  # noqa: S608
                f"WHERE {where} GROUP BY grp",
                names,
            ).fetchall()
        )
    totals: dict[str, int] = defaultdict(int)
    for row in sold:
        totals[row["currency"]] += max(row["net_minor"], 0)
    rows: list[dict[str, Any]] = []  # keyed by the grouping asked for: SummaryRows
    seen = set()
    for row in sold:
        seen.add(row["grp"])
        rows.append(
            {
                by: row["grp"],
                "currency": row["currency"],
                "customers": people.get(row["grp"]) if by != "category" else row["customers"],
                "buyers": row["customers"],
                "revenue_minor": row["revenue_minor"],
                "net_minor": row["net_minor"],
                "orders": row["orders"],
                "average_order_minor": row["average_order_minor"],
                "share": pct(max(row["net_minor"], 0), totals[row["currency"]]),
            }
        )
    for group, count in people.items():
        if group not in seen:
            rows.append({by: group, "currency": None, "customers": count, "buyers": 0,
                         "revenue_minor": None, "net_minor": None, "orders": 0,
                         "average_order_minor": None, "share": None})  # fmt: skip
    rows.sort(key=lambda r: (r["currency"] is None, r["currency"] or "", -(r["net_minor"] or 0),
                             -r["customers"] if r["customers"] else 0, r[by] is None,
                             str(r[by])))  # fmt: skip
    return cast(list[SummaryRow], rows)


def _period(month: str, by: str) -> int:
    """A running period number for `YYYY-MM`: months, or quarters."""
    year, number = int(month[:4]), int(month[5:7])
    return year * 12 + number - 1 if by == "month" else year * 4 + (number - 1) // 3


def period_label(index: int, by: str) -> str:
    if by == "month":
        return f"{index // 12:04d}-{index % 12 + 1:02d}"
    return f"{index // 4:04d}-Q{index % 4 + 1}"


def cohorts(
    conn: sqlite3.Connection,
    by: str,
    as_of: date,
    where_sql: str,
    params: list[Any],
    periods: int,
) -> list[Cohort]:
    """Retention of acquisition cohorts, one row per cohort: `cohort` (the period of the
    first purchase), `customers`, and `active` (a list: how many bought in the cohort's
    period +0, +1, ... up to the as-of period) over the last `periods` cohorts."""
    where, names = named(where_sql, params)
    last = _period(as_of.isoformat()[:7], by)
    first_cohort = last - periods + 1
    size: dict[int, int] = defaultdict(int)
    active: dict[int, list[int]] = {}

    def count(seen: list[int]) -> None:
        """One customer's periods with a purchase, ascending: the first is their cohort."""
        start = seen[0]
        if start < first_cohort:
            return
        size[start] += 1
        counts = active.setdefault(start, [0] * (last - start + 1))
        for p in seen:
            counts[p - start] += 1

    # In customer and month order (the order the grouping makes: no sort of its own), so
    # each customer is counted as their rows end rather than held: a set of periods per
    # customer made most of 535 MiB at a million customers.
    current, seen = None, []
    for customer_id, month in conn.execute(
        "SELECT p.customer_id, substr(p.purchased_at, 1, 7) FROM customers c "  # noqa: S608
        f"CROSS JOIN purchases p ON p.customer_id = c.id WHERE {where} AND p.amount_minor >= 0 "
        "AND p.purchased_at < :end GROUP BY p.customer_id, substr(p.purchased_at, 1, 7) "
        "ORDER BY p.customer_id, substr(p.purchased_at, 1, 7)",
        {"end": end_bound(as_of), **names},
    ):
        period = _period(month, by)
        if customer_id != current:
            if seen:
                count(seen)
            current, seen = customer_id, [period]
        elif period != seen[-1]:  # the months of one quarter are one period
            seen.append(period)
    if seen:
        count(seen)
    return [
        {
            "cohort": period_label(c, by),
            "customers": size[c],
            "active": active[c],
            "retention": [pct(n, size[c]) for n in active[c]],
        }
        for c in range(first_cohort, last + 1)
        if size.get(c)
    ]
