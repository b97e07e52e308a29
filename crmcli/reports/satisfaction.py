"""The feedback, satisfaction and referral reports: rows with stable keys for the CLI.

Each report reads the records of a set of customers: `customers` is an SQL condition over
`customers c` from crmcli.records.filters (with its parameters), or None for every customer,
archived ones included (what happened, happened). The figures themselves come from the
pure functions in crmcli.reports.models.nps; money stays integer minor units per
currency and is never added across currencies.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Any, TypedDict, cast

from crmcli.core.i18n import Said
from crmcli.records.feedback import KINDS, SEVERITIES, number, seconds_between
from crmcli.reports.models import nps as figures


@dataclass
class Scope:
    """Which records a report reads: customers (SQL over `customers c`) and local dates."""

    customers: str | None = None
    params: list[Any] = field(default_factory=list)
    since: date | None = None
    until: date | None = None

    def where(self, column: str, customer: str) -> tuple[str, list[Any]]:
        """Conditions on a timestamp `column` (its local date, as written) and a customer
        id expression, with their parameters."""
        clauses = ["1"]
        params: list[Any] = []
        if self.customers is not None:
            # self.customers comes from crmcli.records.filters: whitelisted names, bound values.
            clauses.append(f"{customer} IN (SELECT c.id FROM customers c WHERE {self.customers})")  # noqa: S608
            params += self.params
        if self.since is not None:
            clauses.append(f"substr({column}, 1, 10) >= ?")
            params.append(self.since.isoformat())
        if self.until is not None:
            clauses.append(f"substr({column}, 1, 10) <= ?")
            params.append(self.until.isoformat())
        return " AND ".join(clauses), params


# --- feedback ------------------------------------------------------------------------------

FEEDBACK_BY = ("kind", "severity", "month")
FEEDBACK_FIGURES = (
    "received",
    "open",
    "resolved",
    "open_past_target",
    "resolved_late",
    "median_hours",
    "p90_hours",
)


class FeedbackFigures(TypedDict):
    received: int
    open: int
    resolved: int
    open_past_target: int
    resolved_late: int
    median_hours: float | None  # of the resolved ones
    p90_hours: float | None


class FeedbackRow(FeedbackFigures, total=False):
    """One group of `crm report feedback` (or the total): the figures and the key of the
    grouping asked for (one of FEEDBACK_BY; "total" in the total)."""

    kind: str
    severity: str
    month: str


def feedback_report(
    conn: sqlite3.Connection, scope: Scope, *, by: str, now: datetime, target: int
) -> tuple[list[FeedbackRow], FeedbackRow | None]:
    """(rows, total): per kind, severity or month of receipt, how many items were received,
    are open, resolved, open past the target, resolved late, and the median and 90th
    percentile hours to resolve (of the resolved ones). `target` is in seconds."""
    condition, params = scope.where("f.received_at", "f.customer_id")
    rows = conn.execute(
        "SELECT f.kind, f.severity, substr(f.received_at, 1, 7) AS month, "  # noqa: S608
        f"f.received_at, f.resolved_at FROM feedback f WHERE {condition}",
        params,
    ).fetchall()
    groups: dict[str, list[sqlite3.Row]] = defaultdict(list)
    for row in rows:
        groups[row[by]].append(row)
    if by == "kind":
        order = [k for k in KINDS if k in groups]
    elif by == "severity":
        order = [s for s in reversed(SEVERITIES) if s in groups]
    else:
        order = sorted(groups)
    out = [{by: key, **_feedback_figures(groups[key], now, target)} for key in order]
    total = {by: Said("total"), **_feedback_figures(rows, now, target)} if rows else None
    return cast(list[FeedbackRow], out), cast(FeedbackRow | None, total)


def _feedback_figures(rows: Iterable[sqlite3.Row], now: datetime, target: int) -> FeedbackFigures:
    received = open_ = open_late = resolved_late = 0
    taken: list[int] = []
    for row in rows:
        received += 1
        if row["resolved_at"] is None:
            open_ += 1
            age = (now - datetime.fromisoformat(row["received_at"])).total_seconds()
            open_late += age > target
        else:
            seconds = seconds_between(row["received_at"], row["resolved_at"])
            taken.append(seconds)
            resolved_late += seconds > target
    return {
        "received": received,
        "open": open_,
        "resolved": len(taken),
        "open_past_target": open_late,
        "resolved_late": resolved_late,
        "median_hours": number(figures.hours(figures.median(taken))),
        "p90_hours": number(figures.hours(figures.percentile(taken, 90))),
    }


# --- satisfaction --------------------------------------------------------------------------

SATISFACTION_BY = ("month", "tag", "stage")
SATISFACTION_FIGURES = (
    "responses",
    "nps_responses",
    "promoters",
    "passives",
    "detractors",
    "nps",
    "csat_responses",
    "satisfied",
    "csat",
    "not_contacted",
)


class SatisfactionFigures(TypedDict):
    responses: int
    nps_responses: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None
    csat_responses: int
    satisfied: int
    csat: float | None
    not_contacted: int  # detractors with no contact logged since


class SatisfactionRow(SatisfactionFigures, total=False):
    """`crm report satisfaction` overall, or one group (or the total): the figures and the
    key of the grouping asked for (one of SATISFACTION_BY; "total" in the total)."""

    month: str
    tag: str | None
    stage: str | None


# A detractor answer is "not contacted" while no contact (what the `contact.counts` setting
# names: crmcli.records.contact, the one definition) came after the answer's moment.
def _contacted(conn: sqlite3.Connection) -> str:
    from crmcli.records.contact import contacted_after

    return contacted_after(conn, "s.customer_id", "s.answered_at")


def satisfaction_report(
    conn: sqlite3.Connection, scope: Scope, *, by: str | None
) -> tuple[list[SatisfactionRow], SatisfactionRow | None]:
    """(rows, total): NPS and CSAT figures overall (one row, no total) or per month of the
    answer, tag (an answer counts under each of its customer's current tags; untagged
    ones under None) or current funnel stage (None: no stage)."""
    condition, params = scope.where("s.answered_at", "s.customer_id")
    key = {
        None: "NULL",
        "month": "substr(s.answered_at, 1, 7)",
        "tag": "t.name",
        "stage": "c.stage",
    }[by]
    join = {
        "tag": "LEFT JOIN customer_tags ct ON ct.customer_id = s.customer_id "
        "LEFT JOIN tags t ON t.id = ct.tag_id",
        "stage": "JOIN customers c ON c.id = s.customer_id",
    }.get(by or "", "")
    rows = conn.execute(
        f"SELECT {key} AS grp, s.id, s.nps, s.csat, "  # noqa: S608 - whitelisted expressions
        f"CASE WHEN s.nps <= {figures.DETRACTOR_MAX} THEN {_contacted(conn)} END AS contacted "
        f"FROM surveys s {join} WHERE {condition}",
        params,
    ).fetchall()
    groups: dict[Any, list[sqlite3.Row]] = defaultdict(list)
    for row in rows:
        groups[row["grp"]].append(row)
    if by is None:
        return ([{**_satisfaction_figures(rows)}] if rows else []), None
    if by == "month":
        order = sorted(groups)
    else:
        order = sorted(groups, key=lambda g: (g is None, str(g).casefold()))
    out = [{by: g, **_satisfaction_figures(groups[g])} for g in order]
    total = None
    if rows:
        unique = {row["id"]: row for row in rows}  # a tagged answer is one answer in the total
        total = {by: Said("total"), **_satisfaction_figures(unique.values())}
    return cast(list[SatisfactionRow], out), cast(SatisfactionRow | None, total)


def _satisfaction_figures(rows: Iterable[sqlite3.Row]) -> SatisfactionFigures:
    rows = list(rows)
    nps = [r["nps"] for r in rows if r["nps"] is not None]
    csat = [r["csat"] for r in rows if r["csat"] is not None]
    classes = [figures.nps_class(s) for s in nps]
    return {
        "responses": len(rows),
        "nps_responses": len(nps),
        "promoters": classes.count("promoter"),
        "passives": classes.count("passive"),
        "detractors": classes.count("detractor"),
        "nps": number(figures.rounded(figures.nps(nps))),
        "csat_responses": len(csat),
        "satisfied": sum(1 for s in csat if s >= figures.SATISFIED_MIN),
        "csat": number(figures.rounded(figures.csat(csat))),
        "not_contacted": sum(1 for r in rows if r["contacted"] == 0),
    }


class Detractor(TypedDict):
    """A detractor answer with no contact logged since (`crm report satisfaction
    --detractors`)."""

    survey_id: int
    answered_at: str
    customer_id: int
    customer_name: str
    phone: str | None
    nps: int  # 0-6
    comment: str | None
    days_waiting: int  # local days since the answer


DETRACTOR_COLUMNS = tuple(Detractor.__annotations__)


def uncontacted_detractors(
    conn: sqlite3.Connection, scope: Scope, *, today: date
) -> list[Detractor]:
    """Detractor answers (NPS 0-6) with no contact logged since, oldest first, of live
    customers; `days_waiting` counts local days since the answer."""
    from crmcli.core import clock

    condition, params = scope.where("s.answered_at", "s.customer_id")
    rows = conn.execute(
        "SELECT s.id AS survey_id, s.answered_at, s.customer_id, c.name AS customer_name, "  # noqa: S608
        "(SELECT phone FROM customer_phones p WHERE p.customer_id = c.id "
        " ORDER BY p.is_primary DESC, p.id LIMIT 1) AS phone, s.nps, s.comment "
        "FROM surveys s JOIN customers c ON c.id = s.customer_id "
        f"WHERE s.nps <= {figures.DETRACTOR_MAX} AND c.archived_at IS NULL "
        f"AND NOT {_contacted(conn)} AND {condition} "
        "ORDER BY datetime(s.answered_at), s.id",
        params,
    ).fetchall()
    out: list[Detractor] = []
    for row in rows:
        record = dict(row)
        record["days_waiting"] = (today - clock.local_date(record["answered_at"])).days
        out.append(cast(Detractor, record))
    return out


# --- referrals -----------------------------------------------------------------------------


class Referrer(TypedDict):
    """A customer who referred others, in one currency (`crm report referrals`)."""

    customer_id: int  # the referrer
    customer_name: str | None
    referred: int  # how many customers they referred
    currency: str | None  # None when those customers bought nothing
    net_minor: int | None  # those customers' net purchases
    share: float | None  # percent of the net of every customer in the scope


class ReferralSummary(TypedDict):
    """Per currency: buyers and their net, and how much of it referred customers bring."""

    currency: str
    customers: int
    net_minor: int
    referred_customers: int
    referred_net_minor: int
    referred_share: float | None


REFERRER_COLUMNS = tuple(Referrer.__annotations__)
SUMMARY_COLUMNS = tuple(ReferralSummary.__annotations__)


def _share(part: int, whole: int) -> float | None:
    """`part` as a percentage of `whole` (one decimal); None when the whole is not positive."""
    if whole <= 0:
        return None
    return number(figures.rounded(Fraction(100 * part, whole)))


def _nets(conn: sqlite3.Connection, scope: Scope) -> list[tuple[int, int | None, str, int]]:
    """(customer_id, referred_by, currency, net) for the scope's customers and dates."""
    condition, params = scope.where("p.purchased_at", "p.customer_id")
    return conn.execute(
        "SELECT p.customer_id, c.referred_by, p.currency, sum(p.amount_minor) "  # noqa: S608
        "FROM purchases p JOIN customers c ON c.id = p.customer_id "
        f"WHERE {condition} GROUP BY p.customer_id, p.currency",
        params,
    ).fetchall()


def referrals_report(
    conn: sqlite3.Connection,
    scope: Scope,
    *,
    currency: str | None = None,
    limit: int | None = None,
) -> tuple[list[Referrer], list[ReferralSummary]]:
    """(referrer rows, summary rows per currency).

    Referrer rows: each customer who referred someone in the scope, with how many
    (`referred`) and, per currency, those customers' net purchases (`net_minor`) and its
    `share` of the net of every customer in the scope. Most referred first (then, with one
    `currency`, the larger net), then by id. A referrer whose customers bought nothing has
    one row without a currency (with `currency`: a zero net in it).
    Summary rows: per currency, the customers with purchases and their net, how many of
    them were referred, their net and its share.
    """
    customers_sql = scope.customers or "1"
    referred_rows = conn.execute(
        "SELECT c.referred_by, count(*) FROM customers c "  # noqa: S608 - from crmcli.records.filters
        f"WHERE c.referred_by IS NOT NULL AND {customers_sql} GROUP BY c.referred_by",
        scope.params if scope.customers else [],
    ).fetchall()
    counts = dict(referred_rows)
    nets = _nets(conn, scope)
    whole: dict[str, int] = defaultdict(int)
    buyers: dict[str, int] = defaultdict(int)
    referred_net: dict[str, int] = defaultdict(int)
    referred_buyers: dict[str, int] = defaultdict(int)
    by_referrer: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _customer_id, referrer, code, net in nets:
        whole[code] += net
        buyers[code] += 1
        if referrer is not None:
            referred_net[code] += net
            referred_buyers[code] += 1
            by_referrer[referrer][code] += net
    names = dict(
        conn.execute(
            "SELECT id, name FROM customers WHERE id IN "
            "(SELECT DISTINCT referred_by FROM customers WHERE referred_by IS NOT NULL)"
        ).fetchall()
    )
    ranked = sorted(
        counts,
        key=lambda r: (
            -counts[r],
            -(by_referrer[r].get(currency, 0) if currency else 0),
            r,
        ),
    )
    if limit is not None:
        ranked = ranked[:limit]
    rows: list[Referrer] = []
    for referrer in ranked:
        name, referred = names.get(referrer), counts[referrer]
        codes = [currency] if currency else sorted(by_referrer[referrer])
        if not codes:
            rows.append({"customer_id": referrer, "customer_name": name, "referred": referred,
                         "currency": None, "net_minor": None, "share": None})  # fmt: skip
        for code in codes:
            net = by_referrer[referrer].get(code, 0)
            rows.append({"customer_id": referrer, "customer_name": name, "referred": referred,
                         "currency": code, "net_minor": net,
                         "share": _share(net, whole[code])})  # fmt: skip
    codes = [currency] if currency else sorted(whole)
    summary: list[ReferralSummary] = [
        {
            "currency": code,
            "customers": buyers[code],
            "net_minor": whole[code],
            "referred_customers": referred_buyers[code],
            "referred_net_minor": referred_net[code],
            "referred_share": _share(referred_net[code], whole[code]),
        }
        for code in codes
        if buyers[code] or currency
    ]
    return rows, summary
