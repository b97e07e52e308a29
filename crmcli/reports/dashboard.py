"""`crm dashboard`: one screen built from a list of sections.

Each entry of SECTIONS is a function `(conn, today) -> Panel | None` (None: nothing to show).
A feature adds its part by adding one entry (the churn warning's top risks come last).
Panels carry rows with stable snake_case keys (money in minor units), rendered by
crmcli.cli.dashboard.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from crmcli.core.i18n import _
from crmcli.reports.reminders import ARCHIVED


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: Sequence[Mapping[str, Any]]  # any panel's own rows, shown by `columns`
    bar: str | None = None  # the row key drawn as a bar chart in the table
    scale: str | None = None  # rows with different values here get separate bar scales


def funnel(conn: sqlite3.Connection, today: date) -> Panel | None:
    from crmcli.records.config import stages
    from crmcli.reports.customer_reports import STAGE_AS_OF

    # Grouped by the stage as of the day, not by `stage`: that name is the customers'
    # column, their stage now, so each group counted its customers under one of their
    # stages then. The live customers are those not in the index of the archived ones.
    counts = dict(
        conn.execute(
            f"SELECT {STAGE_AS_OF} AS stage_then, count(*) FROM customers c "  # noqa: S608 - constant
            f"WHERE c.id NOT IN ({ARCHIVED}) GROUP BY stage_then",
            (today.isoformat(),),
        ).fetchall()
    )
    rows = [{"stage": s, "customers": counts.get(s, 0)} for s in stages(conn)]
    if counts.get(None):
        rows.append({"stage": None, "customers": counts[None]})
    if not any(r["customers"] for r in rows):
        return None
    title = _("Customers by funnel stage")
    return Panel("funnel", title, ("stage", "customers"), rows, "customers")


def _current(conn: sqlite3.Connection, today: date) -> bool:
    """Whether crmcli.store.summaries hold every purchase figure as of `today`."""
    from crmcli.store import summaries

    return summaries.is_current(conn, (today + timedelta(days=1)).isoformat())


# Each live customer's lifecycle stage (crmcli.reports.models.lifecycle.stage) from
# customer_purchase_days, counted per stage: the same rules over the same figures. The
# archived customers are left out by their own index (no join with every customer); the
# live customers without a purchase day are counted apart, as `none`.
_STAGE_COUNTS = """
SELECT CASE
    WHEN julianday(:today) - julianday(d.first_on) <= :new_days THEN 'new'
    WHEN julianday(:today) - julianday(d.last_on) > :lapsed * usual THEN 'lapsed'
    WHEN julianday(:today) - julianday(d.last_on) > :at_risk * usual THEN 'at_risk'
    WHEN d.purchase_days >= 2 AND julianday(d.last_on) - julianday(d.previous_on) > :lapsed
        * CASE WHEN d.purchase_days - 2 >= :min_gaps THEN d.median_gap_before
          ELSE :default_gap END THEN 'reactivated'
    ELSE 'active' END AS stage, count(*)
FROM (SELECT d.*, CASE WHEN d.purchase_days - 1 >= :min_gaps THEN d.median_gap
                  ELSE :default_gap END AS usual
      FROM customer_purchase_days d WHERE d.customer_id NOT IN ({archived})) AS d
GROUP BY stage
"""


def lifecycle(conn: sqlite3.Connection, today: date) -> Panel | None:
    from collections import Counter

    from crmcli.reports.classes import config, records
    from crmcli.reports.models.lifecycle import ORDER

    counts: Counter[str | None] = Counter()
    if _current(conn, today):
        rules = config(conn).rules
        counts.update(
            dict(
                conn.execute(
                    _STAGE_COUNTS.format(archived=ARCHIVED),
                    {
                        "today": today.isoformat(),
                        "new_days": rules.new_days,
                        "lapsed": rules.lapsed_factor,
                        "at_risk": rules.at_risk_factor,
                        "min_gaps": rules.min_gaps,
                        "default_gap": float(rules.default_gap),
                    },
                ).fetchall()
            )
        )
        live = conn.execute(
            f"SELECT (SELECT count(*) FROM customers) - (SELECT count(*) FROM ({ARCHIVED}))"  # noqa: S608 - fixed SQL
        ).fetchone()[0]
        if live > counts.total():  # every summary is of a customer (summaries.sync)
            counts["none"] = live - counts.total()
    else:
        lifecycle_only = frozenset({"lifecycle"})
        counts.update(
            r["lifecycle"] for _, r in records(conn, today, archived=False, fields=lifecycle_only)
        )
    if not counts:
        return None
    rows = [{"lifecycle": s, "customers": counts[s]} for s in ORDER]
    return Panel("lifecycle", _("Customers by lifecycle stage"), ("lifecycle", "customers"), rows,
                 "customers")  # fmt: skip


def _month_start(day: date, back: int) -> date:
    from dateutil.relativedelta import relativedelta

    return day.replace(day=1) - relativedelta(months=back)


def revenue(conn: sqlite3.Connection, today: date) -> Panel | None:
    """Net revenue this month (to today), last month and the same month last year."""
    this = _month_start(today, 0)
    last = _month_start(today, 1)
    year_ago = _month_start(today, 12)
    spans = {
        "this_month": (this, today + timedelta(days=1)),
        "last_month": (last, this),
        "same_month_last_year": (year_ago, _month_start(today, 11)),
    }
    figures: dict[str, dict[str, int]] = {}
    for key, (start, end) in spans.items():
        for currency, net in conn.execute(
            "SELECT currency, sum(amount_minor) FROM purchases "
            "WHERE purchased_at >= ? AND purchased_at < ? GROUP BY currency",
            (start.isoformat(), end.isoformat()),
        ):
            figures.setdefault(currency, {})[key] = net
    if not figures:
        return None
    rows = []
    for currency in sorted(figures):
        got = figures[currency]
        rows.append(
            {
                "currency": currency,
                "this_month_minor": got.get("this_month", 0),
                "last_month_minor": got.get("last_month", 0),
                "same_month_last_year_minor": got.get("same_month_last_year", 0),
            }
        )
    title = _("Net revenue: {this:%Y-%m} to date, {last:%Y-%m}, {year_ago:%Y-%m}").format(
        this=this, last=last, year_ago=year_ago
    )
    columns = ("currency", "this_month", "last_month", "same_month_last_year")
    return Panel("revenue", title, columns, rows)


def rfm_segments(conn: sqlite3.Connection, today: date) -> Panel | None:
    from crmcli.reports import customer_reports

    grid = customer_reports.grid_setting(conn)
    if _current(conn, today):
        rows = _rfm_counts(conn, today, grid)
    else:
        values = customer_reports.rfm_values(conn, today, "c.archived_at IS NULL", [])
        rows = [
            {
                "segment": r["segment"],
                "currency": r["currency"],
                "customers": r["customers"],
                "customer_share": r["customer_share"],
            }
            for r in customer_reports.rfm_summary(values, grid)
            if r["customers"]
        ]
    if not rows:
        return None
    columns = ("segment", "currency", "customers", "customer_share")
    return Panel("rfm", _("RFM segments"), columns, rows, "customers", "currency")


def _rfm_counts(conn: sqlite3.Connection, today: date, grid: Any) -> list[dict[str, Any]]:
    """The rows of customer_reports.rfm_summary the panel shows (segments with customers),
    from purchase_summaries: live customers counted per currency, recency and frequency, so
    the quintile scores (which depend on those two only) are found without a row per
    customer."""
    from collections import Counter

    from crmcli.reports.customer_reports import pct, segment_names
    from crmcli.reports.models import rfm

    # Counted per cell by SQL from the index purchase_summaries_recency, the archived
    # customers' cells counted apart and taken away: a join with every customer read the
    # widest table for each summary.
    cursor = conn.cursor()
    cursor.row_factory = None
    cells = Counter(
        {
            (currency, last_on, days): n
            for currency, last_on, days, n in cursor.execute(
                "SELECT currency, last_on, purchase_days, count(*) FROM purchase_summaries "
                "GROUP BY currency, last_on, purchase_days"
            )
        }
    )
    cells.subtract(
        {
            (currency, last_on, days): n
            for currency, last_on, days, n in cursor.execute(
                "SELECT currency, last_on, purchase_days, count(*) FROM purchase_summaries "  # noqa: S608 - fixed SQL
                f"WHERE customer_id IN ({ARCHIVED}) "
                "GROUP BY currency, last_on, purchase_days"
            )
        }
    )
    days_since = {day: (today - date.fromisoformat(day)).days for _, day, _ in cells}
    counts: dict[str, list[tuple[int, int, int]]] = {}
    for (currency, last_on, frequency), customers in cells.items():
        if customers:
            counts.setdefault(currency, []).append((days_since[last_on], frequency, customers))
    segment = {(r, f): rfm.segment(r, f, grid) for r in range(1, 6) for f in range(1, 6)}
    names = segment_names(grid)
    rows = []
    for currency in sorted(counts):
        found = counts[currency]
        by_recency: Counter[int] = Counter()
        by_frequency: Counter[int] = Counter()
        for recency, frequency, customers in found:
            by_recency[recency] += customers
            by_frequency[frequency] += customers
        r = rfm.score_of_value(by_recency.elements(), lower_is_better=True)
        f = rfm.score_of_value(by_frequency.elements())
        segments: Counter[str] = Counter()
        for recency, frequency, customers in found:
            segments[segment[r[recency], f[frequency]]] += customers
        total = sum(segments.values())
        for name in names:
            if segments[name]:
                rows.append(
                    {
                        "segment": name,
                        "currency": currency,
                        "customers": segments[name],
                        "customer_share": pct(segments[name], total),
                    }
                )
    return rows


def contacts(conn: sqlite3.Connection, today: date, limit: int = 10) -> Panel | None:
    from crmcli.reports.reminders import contact_today

    rows, total = contact_today(conn, today, limit)
    if not rows:
        return None
    title = _("Contact today")
    if total > limit:
        title += _(" (top {limit} of {total}: crm today)").format(limit=limit, total=total)
    shown = [{"rank": r["rank"], "customer_id": r["customer_id"],
              "customer_name": r["customer_name"], "phone": r["phone"], "reasons": r["reasons"]}
             for r in rows]  # fmt: skip
    return Panel("today", title, ("rank", "customer_name", "phone", "reasons"), shown)


def churn_risks(conn: sqlite3.Connection, today: date, limit: int = 5) -> Panel | None:
    """The top churn risks by the customers' own purchase rhythm (reports.churn; no scipy)."""
    from crmcli.reports.churn import top_risks

    rows = top_risks(conn, today, limit)
    if not rows:
        return None
    shown = [{"customer_id": r["customer_id"], "customer_name": r["customer_name"],
              "currency": r["currency"], "at_stake_minor": r["at_stake_minor"],
              "reason": r["reason"]}
             for r in rows]  # fmt: skip
    columns = ("customer_name", "currency", "at_stake", "reason")  # at_stake_minor, presented
    return Panel("churn", _("Top churn risks (crm report churn --rhythm)"), columns, shown)


SECTIONS: list[Callable[[sqlite3.Connection, date], Panel | None]] = [
    funnel,
    lifecycle,
    revenue,
    rfm_segments,
    contacts,
    churn_risks,
]


def panels(conn: sqlite3.Connection, today: date) -> list[Panel]:
    return [p for p in (section(conn, today) for section in SECTIONS) if p is not None]
