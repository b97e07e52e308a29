"""The sales report: revenue, refunds, net, orders, customers and average order per group.

Groups are periods of the purchase's local date (day, ISO week, month, quarter, year) or a
field (category, item, customer, the customer's city or region, tag), and always the
currency as well: amounts of different currencies are never added. The figures are
purchases.AGGREGATES, so they mean exactly what the customer totals of `crm show` mean.
Purchases of archived customers count: the sales happened. The aggregation runs in SQLite
over the purchased_at index.

A customer filter (crmcli.records.filters, as `crm list` takes it) narrows the report to the
purchases of the customers it selects: their ids go into a temporary table (an INTEGER
PRIMARY KEY, so a b-tree), filled by one INSERT ... SELECT inside SQLite, and the purchases
are tested with `p.customer_id IN temp.table`, for which SQLite walks the
purchases_customer_time index once per chosen customer (with the --since/--until range on
its second column): a few customers cost a few index seeks, not a scan of every line. A
temporary table lives in the connection's own temp database, so a read-only connection can
make it; it is dropped before returning.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any, cast

from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import _
from crmcli.records.purchases import AGGREGATES, GroupTotals, Totals, day_after, summary

_DAY = "substr(p.purchased_at, 1, 10)"
# The ISO week of a date is the week of its Thursday: the Thursday on or after (day - 3).
_THURSDAY = f"date({_DAY}, '-3 days', 'weekday 4')"
PERIODS = {
    "day": _DAY,
    "week": (
        f"strftime('%Y', {_THURSDAY}) || '-W' || "
        f"printf('%02d', (CAST(strftime('%j', {_THURSDAY}) AS INTEGER) - 1) / 7 + 1)"
    ),
    "month": "substr(p.purchased_at, 1, 7)",
    "quarter": (
        "substr(p.purchased_at, 1, 4) || '-Q' || "
        "((CAST(substr(p.purchased_at, 6, 2) AS INTEGER) + 2) / 3)"
    ),
    "year": "substr(p.purchased_at, 1, 4)",
}
FIELDS = {
    "category": "p.category",
    "item": "p.item",
    "customer": "p.customer_id",
    "city": "c.city",
    "region": "c.region",
    "tag": "t.name",
}
_CUSTOMER = "JOIN customers c ON c.id = p.customer_id"
JOINS = {
    "city": _CUSTOMER,
    "region": _CUSTOMER,
    # A line counts once under each tag its customer has; untagged customers under none.
    "tag": (
        "LEFT JOIN customer_tags ct ON ct.customer_id = p.customer_id "
        "LEFT JOIN tags t ON t.id = ct.tag_id"
    ),
}
GROUPINGS = (*PERIODS, *FIELDS)
FIGURES = (
    "revenue_minor",
    "refunds_minor",
    "net_minor",
    "orders",
    "customers",
    "lines",
    "refund_lines",
    "average_order_minor",
)


class SalesRow(Totals, total=False):
    """One group of `crm report sales` in one currency: FIGURES and the key of its grouping,
    the `by` it was asked for (`customer_id` and `customer` for customers)."""

    day: str
    week: str
    month: str
    quarter: str
    year: str
    category: str | None
    item: str
    customer_id: int
    customer: str | None
    city: str | None
    region: str | None
    tag: str | None


def sales(
    conn: sqlite3.Connection,
    by: str = "month",
    *,
    since: date | None = None,
    until: date | None = None,
    currency: str | None = None,
    limit: int | None = None,
    totals: bool = True,
    customers: tuple[str, list[Any]] | None = None,
) -> tuple[list[SalesRow], list[Totals]]:
    """(rows, totals): one row per group and currency, and one total per currency (an
    empty list when not `totals`: it costs a second pass over the purchases).

    Each row has the key `by` (plus `customer_id` for customers), `currency` and FIGURES
    (money in minor units). Periods come oldest first; other groups by net, largest first,
    within each currency. `limit` keeps, per currency, the latest periods or the largest
    groups. `since`/`until` are inclusive local dates. `customers`, a WHERE clause over
    `customers c` and its parameters (crmcli.records.filters.Query), keeps only the purchases of
    the customers it selects; None keeps everyone's, archived customers' included.
    """
    if by not in GROUPINGS:
        raise InvalidInput(
            _("--by must be one of: {value} (got {by!r})").format(
                value=_(", ").join(GROUPINGS), by=by
            )
        )
    where: list[str] = ["1"]
    params: list[Any] = []
    if since is not None:
        where.append("p.purchased_at >= ?")
        params.append(since.isoformat())
    if until is not None:
        where.append("p.purchased_at < ?")
        params.append(day_after(until))
    if currency is not None:
        where.append("p.currency = ?")
        params.append(currency)
    condition = " AND ".join(where)
    key = PERIODS.get(by) or FIELDS[by]
    # Joining customers doubles the cost over a million lines: only city, region and tag need it.
    join = JOINS.get(by, "")
    if customers is not None:
        _select_customers(conn, *customers)
        condition += f" AND p.customer_id IN temp.{_CHOSEN}"
    try:
        return _sales(conn, by, key, join, condition, params, limit, totals)
    finally:
        if customers is not None:
            conn.execute(f"DROP TABLE IF EXISTS temp.{_CHOSEN}")


_CHOSEN = "sales_customers"


def _select_customers(conn: sqlite3.Connection, where_sql: str, params: list[Any]) -> None:
    """Fill the temporary table of chosen customer ids (see the module docstring)."""
    conn.execute(f"DROP TABLE IF EXISTS temp.{_CHOSEN}")
    conn.execute(f"CREATE TEMP TABLE {_CHOSEN} (id INTEGER PRIMARY KEY)")
    conn.execute(
        f"INSERT INTO temp.{_CHOSEN} (id) SELECT c.id FROM customers c WHERE {where_sql}",  # noqa: S608 - a filters.Query
        params,
    )


def _sales(
    conn: sqlite3.Connection,
    by: str,
    key: str,
    join: str,
    condition: str,
    params: list[Any],
    limit: int | None,
    totals: bool,
) -> tuple[list[SalesRow], list[Totals]]:
    rows = [
        cast(GroupTotals, summary(dict(r)))
        for r in conn.execute(
            f"SELECT {key} AS grp, {AGGREGATES} FROM purchases p {join} "  # noqa: S608 - whitelisted
            f"WHERE {condition} GROUP BY grp, p.currency",
            params,
        )
    ]
    sums: list[Totals] = []
    if totals:
        sums = [
            cast(Totals, summary(dict(r)))
            for r in conn.execute(
                f"SELECT {AGGREGATES} FROM purchases p WHERE {condition} "  # noqa: S608 - fixed
                "GROUP BY p.currency ORDER BY p.currency",
                params,
            )
        ]
    names = _customer_names(conn, {r["grp"] for r in rows}) if by == "customer" else {}
    out: list[SalesRow] = []
    for row in rows:
        shaped: dict[str, Any] = {}  # keyed by the grouping asked for: a SalesRow once filled
        if by == "customer":
            shaped["customer_id"] = row["grp"]
            shaped["customer_name"] = names.get(row["grp"])
        else:
            shaped[by] = row["grp"]
        shaped["currency"] = row["currency"]
        shaped.update({f: row[f] for f in FIGURES})  # type: ignore[literal-required]
        out.append(cast(SalesRow, shaped))
    return _order(out, by, limit), sums


def _customer_names(conn: sqlite3.Connection, ids: set[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    chunk = sorted(ids)
    for start in range(0, len(chunk), 500):
        part = chunk[start : start + 500]
        marks = ", ".join("?" for _ in part)
        names.update(
            conn.execute(
                f"SELECT id, name FROM customers WHERE id IN ({marks})",  # noqa: S608 - only ?s
                part,
            ).fetchall()
        )
    return names


def _order(rows: list[SalesRow], by: str, limit: int | None) -> list[SalesRow]:
    currencies = sorted({r["currency"] for r in rows})
    out: list[SalesRow] = []
    for code in currencies:
        group = [r for r in rows if r["currency"] == code]
        if by in PERIODS:
            group.sort(key=lambda r: r[by])  # type: ignore[literal-required]
            if limit is not None:
                group = group[-limit:] if limit else []
        else:
            label = "customer_id" if by == "customer" else by
            group.sort(key=lambda r: (-r["net_minor"], r.get(label) is None, str(r.get(label))))
            if limit is not None:
                group = group[:limit]
        out += group
    return out
