"""The RFM, ABC and lifecycle reports: aggregation in SQLite, scoring in crmcli.reports.models.

Every report runs over a population of customers: the live customers a filter selects
(crmcli.records.filters; all live customers without one) and their purchases up to the as-of date.
Purchases are summed in SQLite per customer and currency, in one grouped query over the
covering index purchases_customer_time, and streamed: Python holds one small row per customer,
never the purchase lines. Money is per currency, never added across currencies. What each
number means is in docs/reports.md.
"""

from __future__ import annotations

import heapq
import sqlite3
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from itertools import islice
from statistics import median
from typing import Any, TypedDict, cast

from crmcli.core.i18n import Said
from crmcli.reports.models import lifecycle, rfm
from crmcli.reports.models import tiers as abc_rules


class RfmScore(TypedDict):
    """One customer's RFM scores in one currency, and name (`crm report rfm --customers`)."""

    customer_id: int
    currency: str
    recency: int  # days since the last sale
    frequency: int  # distinct sale days
    monetary_minor: int  # net
    r: int  # 1-5
    f: int
    m: int
    segment: str
    customer_name: str | None
    rfm: str  # r, f and m together: "453"


class RfmSegment(TypedDict):
    """One RFM segment in one currency (`crm report rfm`)."""

    segment: str
    currency: str
    customers: int
    customer_share: float  # percent, one decimal
    revenue_minor: int
    revenue_share: float
    mean_recency: float | None
    mean_frequency: float | None
    mean_monetary_minor: int | None


# One ABC class in one currency (`crm report abc`); "class" is a keyword, hence this form.
AbcClass = TypedDict(
    "AbcClass",
    {
        "class": str,  # A, B or C
        "currency": str,
        "customers": int,
        "customer_share": float,
        "revenue_minor": int,
        "revenue_share": float,
    },
)


class ParetoStep(TypedDict):
    """The revenue of the top 10 %, 20 % ... of customers in one currency."""

    top_percent: int  # the top 10, 20 ... percent of customers
    currency: str
    customers: int
    revenue_minor: int
    revenue_share: float


class TopStatement(TypedDict):
    """'top X % of customers bring Y % of revenue', in one currency."""

    currency: str
    top_percent: int
    customers: int
    revenue_share: float
    text: str


class LifecycleCount(TypedDict):
    lifecycle: str
    customers: int
    share: float


class FunnelCount(TypedDict):
    stage: str | None
    customers: int
    share: float


class MonthEnd(TypedDict):
    """Customers per lifecycle stage at one month end, and how many moved in that month."""

    month: str  # YYYY-MM
    as_of: str
    new: int
    active: int
    reactivated: int
    at_risk: int
    lapsed: int
    none: int
    moved: int


class Move(TypedDict):
    from_lifecycle: str
    to_lifecycle: str
    customers: int


class Flow(TypedDict):
    month: str
    from_lifecycle: str
    to_lifecycle: str
    customers: int


class Conversion(TypedDict):
    from_stage: str
    to_stage: str
    entered: int
    moved_on: int
    conversion: float  # percent


class TimeInStage(TypedDict):
    stage: str
    stays: int  # finished stays
    median_days: float | None


class LifecycleReport(TypedDict):
    """The sections of `crm report lifecycle` (see lifecycle_report)."""

    lifecycle: list[LifecycleCount]
    funnel: list[FunnelCount]
    months: list[MonthEnd]
    moves: list[Move]
    flows: list[Flow]
    conversion: list[Conversion]
    time_in_stage: list[TimeInStage]


def pct(part: int, whole: int) -> float:
    """`part` of `whole` as a percentage with one decimal (`12.5`), half to even: a number
    in JSON, as every percentage is (docs/conventions.md, JSON contract)."""
    if not whole:
        return 0.0
    value = Decimal(part) * 100 / Decimal(whole)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN))


def mean(total: int | float, count: int, places: str = "0.1") -> float | None:
    if not count:
        return None
    value = Decimal(str(total)) / Decimal(count)
    return float(value.quantize(Decimal(places), rounding=ROUND_HALF_EVEN))


def end_bound(as_of: date) -> str:
    """Purchases before this text are on or before `as_of` (local date as written)."""
    return (as_of + timedelta(days=1)).isoformat()


def named(where_sql: str, params: list[Any]) -> tuple[str, dict[str, Any]]:  # SQL parameters
    """A filter's `?` parameters as named ones (`:f0`...), to mix with the report's own."""
    names: dict[str, Any] = {}
    out = where_sql
    for i, value in enumerate(params):
        out = out.replace("?", f":f{i}", 1)
        names[f"f{i}"] = value
    return out, names


def per_customer_and_currency(
    conn: sqlite3.Connection,
    aggregates: str,
    where: str,
    bound: dict[str, Any],  # SQL params
) -> Iterator[tuple[Any, ...]]:
    """(customer_id, currency, *aggregates) per customer and currency over `customers c CROSS
    JOIN purchases p WHERE where` (named parameters in `bound`), in no particular order.

    Grouping by customer alone follows the covering index purchases_customer_time, with no
    sort of the purchase lines; the few customers with lines in several currencies are read
    again, grouped by currency as well.
    """
    import json

    base = f"FROM customers c CROSS JOIN purchases p ON p.customer_id = c.id WHERE {where}"
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: one row per customer
    mixed = []
    sql = f"SELECT c.id, min(p.currency), max(p.currency), {aggregates} {base} GROUP BY c.id"
    for row in cursor.execute(sql, bound):
        if row[1] == row[2]:
            yield (row[0], row[1], *row[3:])
        else:
            mixed.append(row[0])
    if mixed:
        sql = (f"SELECT c.id, p.currency, {aggregates} {base} AND c.id IN "  # noqa: S608
               "(SELECT value FROM json_each(:mixed_ids)) GROUP BY c.id, p.currency")  # fmt: skip
        yield from cursor.execute(sql, {**bound, "mixed_ids": json.dumps(mixed)})


# --- RFM -------------------------------------------------------------------------------

# R, F, M per customer and currency: the most recent sale day, the distinct sale days and
# the net. CROSS JOIN keeps customers outside, so each one's purchases are read from the
# covering index purchases_customer_time (SQLite would otherwise pick the purchased_at index
# for a date range and read every table row).
RFM_AGGREGATES = (
    "max(CASE WHEN p.amount_minor >= 0 THEN substr(p.purchased_at, 1, 10) END), "
    "count(DISTINCT CASE WHEN p.amount_minor >= 0 THEN substr(p.purchased_at, 1, 10) END), "
    "sum(p.amount_minor)"
)


class RfmValues:
    """One currency's (customer_id, recency days, frequency, monetary minor) per customer,
    in id order, kept as four columns: 32 bytes a customer, where a tuple each was about
    180 (200 MiB at a million customers)."""

    def __init__(self) -> None:
        self.ids: array[int] = array("q")
        self.recency: array[int] = array("q")
        self.frequency: array[int] = array("q")
        self.monetary: array[int] = array("q")

    def extend(self, rows: Iterable[tuple[int, int, int, int]]) -> None:
        columns = (self.ids, self.recency, self.frequency, self.monetary)
        rows = iter(rows)
        while chunk := list(islice(rows, 5000)):
            for column, values in zip(columns, zip(*chunk, strict=True), strict=True):
                column.extend(values)

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[tuple[int, int, int, int]]:
        return zip(self.ids, self.recency, self.frequency, self.monetary, strict=True)


def rfm_values(
    conn: sqlite3.Connection, as_of: date, where_sql: str, params: list[Any]
) -> dict[str, RfmValues]:
    """Per currency: (customer_id, recency days, frequency, monetary minor) of each customer
    with a sale in that currency up to `as_of`, in id order."""
    where, names = named(where_sql, params)
    out: dict[str, RfmValues] = defaultdict(RfmValues)
    appends: dict[str, tuple[Any, Any, Any, Any]] = {}  # per currency, each column's append
    # The rows come in id order but for customers with lines in several currencies, read
    # after the others: from the first id lower than the one before, rows are set aside,
    # sorted, and merged in.
    late: dict[str, list[tuple[int, int, int, int]]] = defaultdict(list)
    previous = 0
    today = as_of.toordinal()
    numbers = lifecycle.DayNumbers()
    rows = per_customer_and_currency(
        conn, RFM_AGGREGATES, f"{where} AND p.purchased_at < :end",
        {"end": end_bound(as_of), **names},
    )  # fmt: skip
    for customer_id, currency, last, frequency, monetary in rows:
        if not frequency:  # refunds only: not a buyer in this currency
            continue
        if customer_id < previous or late:
            late[currency].append((customer_id, today - numbers[last], frequency, monetary))
            continue
        previous = customer_id
        append = appends.get(currency)
        if append is None:
            o = out[currency]
            append = appends[currency] = (
                o.ids.append,
                o.recency.append,
                o.frequency.append,
                o.monetary.append,
            )
        append[0](customer_id)
        append[1](today - numbers[last])
        append[2](frequency)
        append[3](monetary)
    for currency, rows_after in late.items():
        merged = RfmValues()
        merged.extend(heapq.merge(out[currency], sorted(rows_after)))
        out[currency] = merged
    return dict(sorted(out.items()))


class RfmCustomers:
    """`crm report rfm --customers [SEGMENT]`: each customer's scores and segment in each
    currency (scored within the currency) and name, ordered by currency, segment (grid
    order), net (highest first) and id; only segment `wanted` unless it is None.

    The ranking is kept in columns (the scores and the order, a few bytes a customer) and
    a row is made only as it is read, its name read with its batch's (NAMED at a time),
    at each reading: a dict per customer, sorted and named, took 1.6 GiB at a million
    customers. Read the rows inside the read transaction `values` came from (names then
    match the ids)."""

    NAMED = 5000

    def __init__(
        self,
        conn: sqlite3.Connection,
        values: dict[str, RfmValues],
        grid: Any,
        wanted: str | None = None,
    ) -> None:
        import numpy as np

        self.conn = conn
        known = segment_names(grid)
        index = {name: i for i, name in enumerate(known)}
        cells = np.zeros((6, 6), np.int8)  # a cell's segment: its place in `known`
        for r in range(1, 6):
            for f in range(1, 6):
                cells[r, f] = index[rfm.segment(r, f, grid)]
        self.cells = {(r, f): known[cells[r, f]] for r in range(1, 6) for f in range(1, 6)}
        self.parts: list[tuple[str, RfmValues, Any, Any]] = []  # currency, values, order, rfm
        for currency, rows in values.items():
            monetary = np.frombuffer(rows.monetary, np.int64)
            scored = np.stack(
                [
                    rfm.score_column(np.frombuffer(rows.recency, np.int64), lower_is_better=True),
                    rfm.score_column(np.frombuffer(rows.frequency, np.int64)),
                    rfm.score_column(monetary),
                ]
            )
            segments = cells[scored[0], scored[1]]
            ids = np.frombuffer(rows.ids, np.int64)
            order = np.lexsort((ids, -monetary, segments))  # the last key sorts first
            if wanted is not None:
                order = order[segments[order] == index[wanted]]
            self.parts.append((currency, rows, order, scored))

    def __len__(self) -> int:
        return sum(len(order) for _, _, order, _ in self.parts)

    def __iter__(self) -> Iterator[RfmScore]:
        cells = self.cells
        for currency, rows, order, scored in self.parts:
            for start in range(0, len(order), self.NAMED):
                batch = order[start : start + self.NAMED]
                ids = [rows.ids[i] for i in batch.tolist()]
                names = customer_names(self.conn, ids)
                r_, f_, m_ = scored[:, batch].tolist()
                for i, customer_id, r, f, m in zip(batch.tolist(), ids, r_, f_, m_, strict=True):
                    yield {
                        "customer_id": customer_id,
                        "currency": currency,
                        "recency": rows.recency[i],
                        "frequency": rows.frequency[i],
                        "monetary_minor": rows.monetary[i],
                        "r": r,
                        "f": f,
                        "m": m,
                        "segment": cells[r, f],
                        "customer_name": names.get(customer_id),
                        "rfm": f"{r}{f}{m}",
                    }


def customer_names(conn: sqlite3.Connection, ids: list[int]) -> dict[int, str]:
    """The name of each customer id in `ids` that exists."""
    import json

    sql = "SELECT id, name FROM customers WHERE id IN (SELECT value FROM json_each(?))"
    return dict(conn.execute(sql, (json.dumps(ids),)).fetchall())


def rfm_summary(values: dict[str, RfmValues], grid: Any) -> list[RfmSegment]:
    """One row per currency and segment (grid order, then `other`), with empty segments."""
    acc: dict[tuple[str, str], list[int]] = {}
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    cells = {(r, f): rfm.segment(r, f, grid) for r in range(1, 6) for f in range(1, 6)}
    for currency, rows in values.items():
        r = rfm.score_of_value(rows.recency, lower_is_better=True)
        f = rfm.score_of_value(rows.frequency)
        total = totals[currency]
        for recency, frequency, monetary in zip(
            rows.recency, rows.frequency, rows.monetary, strict=True
        ):
            key = (currency, cells[r[recency], f[frequency]])
            a = acc.get(key)
            if a is None:
                a = acc[key] = [0, 0, 0, 0, 0]
            a[0] += 1
            a[1] += monetary
            a[2] += recency
            a[3] += frequency
            a[4] += max(monetary, 0)  # a negative net counts 0 in the shares
            total[0] += 1
            total[1] += max(monetary, 0)
    names = segment_names(grid)
    out: list[RfmSegment] = []
    for currency in sorted(totals):
        customers, revenue = totals[currency]
        for name in names:
            count, money_sum, r_sum, f_sum, positive = acc.get((currency, name), [0] * 5)
            if name == "other" and not count:
                continue
            out.append(
                {
                    "segment": name,
                    "currency": currency,
                    "customers": count,
                    "customer_share": pct(count, customers),
                    "revenue_minor": money_sum,
                    "revenue_share": pct(positive, revenue),
                    "mean_recency": mean(r_sum, count),
                    "mean_frequency": mean(f_sum, count, "0.01"),
                    "mean_monetary_minor": (  # half away from zero, as a refund is
                        int((Decimal(money_sum) / count).to_integral_value(ROUND_HALF_UP))
                        if count
                        else None
                    ),
                }
            )
    return out


def segment_names(grid: Any) -> list[str]:
    """The grid's segments in its order, each once (rules may share a name, as a segment no
    one R/F rectangle covers), then `other` (the cells no rule covers) unless a rule has it."""
    return list(dict.fromkeys([*(name for name, _, _ in grid), "other"]))


def grid_setting(conn: sqlite3.Connection) -> tuple[tuple[str, str, str], ...]:
    from crmcli.records.config import get_setting

    return rfm.parse_grid(str(get_setting(conn, "rfm.grid")))  # the setting has a default


# --- ABC -------------------------------------------------------------------------------


def abc_report(
    conn: sqlite3.Connection,
    as_of: date,
    where_sql: str,
    params: list[Any],
    *,
    start: date | None,
    a: Any,
    b: Any,
    top: int,
) -> tuple[list[AbcClass], list[ParetoStep], list[TopStatement]]:
    """(classes, pareto, statements) per currency over [start, as_of].

    classes: A/B/C with customers, their share, net revenue and its share.
    pareto: cumulative revenue share of the top 10 %, 20 % ... 100 % of customers.
    statements: "top `top` % of customers bring Y % of revenue".
    """
    where, names = named(where_sql, params)
    bound = {"end": end_bound(as_of), "start": start.isoformat() if start else "", **names}
    # Per currency each customer's net, without their id: a class depends on the net alone
    # (abc_rules.ranked_classes). A dict by customer, its ranking and a class per customer
    # peaked at 235 MiB at a million customers.
    revenue: dict[str, array[int]] = defaultdict(lambda: array("q"))
    rows = per_customer_and_currency(
        conn, "sum(p.amount_minor)",
        f"{where} AND p.purchased_at < :end AND p.purchased_at >= :start", bound,
    )  # fmt: skip
    for _customer_id, currency, net in rows:
        revenue[currency].append(net)
    classes: list[AbcClass] = []
    pareto: list[ParetoStep] = []
    statements: list[TopStatement] = []
    for currency in sorted(revenue):
        ranked = sorted(revenue[currency], reverse=True)
        total = sum(v for v in ranked if v > 0)
        n = len(ranked)
        counts = dict.fromkeys("ABC", 0)
        nets = dict.fromkeys("ABC", 0)
        positive = dict.fromkeys("ABC", 0)
        wanted = {-(-n * decile // 10) for decile in range(1, 11)} | {-(-n * top // 100)}
        top_sums = {0: 0}  # the revenue of the top k customers, negative nets as 0
        above = 0
        for k, (value, label) in enumerate(
            zip(ranked, abc_rules.ranked_classes(ranked, total, a, b), strict=True), start=1
        ):
            counts[label] += 1
            nets[label] += value
            positive[label] += max(value, 0)
            above += max(value, 0)
            if k in wanted:
                top_sums[k] = above
        for label in ("A", "B", "C"):
            classes.append(
                {
                    "class": label,
                    "currency": currency,
                    "customers": counts[label],
                    "customer_share": pct(counts[label], n),
                    "revenue_minor": nets[label],
                    "revenue_share": pct(positive[label], total),
                }
            )
        for decile in range(1, 11):
            count = -(-n * decile // 10)  # ceil: the top tenth of 7 customers is 1
            pareto.append(
                {
                    "top_percent": decile * 10,
                    "currency": currency,
                    "customers": count,
                    "revenue_minor": top_sums[count],
                    "revenue_share": pct(top_sums[count], total),
                }
            )
        count = -(-n * top // 100)
        share = pct(top_sums[count], total)
        statements.append(
            {
                "currency": currency,
                "top_percent": top,
                "customers": count,
                "revenue_share": share,
                "text": Said(
                    "top {top} % of customers ({count} of {n}) bring {share} % of {currency} "
                    "revenue",
                    top=top,
                    count=count,
                    n=n,
                    share=share,
                    currency=currency,
                ),
            }
        )
    return classes, pareto, statements


# --- lifecycle and funnel --------------------------------------------------------------


# A customer's funnel stage on a day (bound as the first parameter): the stage of their
# last recorded change up to that day, so --as-of moves the funnel too.
STAGE_AS_OF = (
    "(SELECT s.to_stage FROM stage_changes s WHERE s.customer_id = c.id "
    "AND substr(s.changed_at, 1, 10) <= ? ORDER BY s.changed_at DESC, s.id DESC LIMIT 1)"
)


def month_ends(as_of: date, months: int = 12) -> list[date]:
    """The end of each of the last `months` months before as-of's month, then as-of itself,
    oldest first (`months` + 1 dates; flows are between consecutive ones)."""
    first_of_month = as_of.replace(day=1)
    ends = []
    day = first_of_month
    for _ in range(months):
        day = day - timedelta(days=1)
        ends.append(day)
        day = day.replace(day=1)
    return [*reversed(ends), as_of]


# Each customer's distinct sale days (local dates as written) up to the as-of date, one row
# per customer from the covering index purchases_customer_time: the DISTINCT keeps the text
# as long as the customer's purchase days, not their purchase lines.
SALE_DAYS_SQL = """
SELECT c.id, group_concat(DISTINCT substr(p.purchased_at, 1, 10))
FROM customers c CROSS JOIN purchases p ON p.customer_id = c.id
WHERE {where} AND p.purchased_at < :end AND p.amount_minor >= 0
GROUP BY c.id
"""


def sale_day_histories(
    conn: sqlite3.Connection,
    as_of: date,
    where_sql: str,
    params: list[Any],
    ends: list[date],
    rules: lifecycle.Rules,
) -> Iterator[tuple[str, ...]]:
    """The lifecycle stage at each of `ends` of every customer with a sale up to `as_of`
    (customers `c` that `where_sql` selects), one tuple per customer, streamed."""
    where, names = named(where_sql, params)
    numbers = lifecycle.DayNumbers()
    end_numbers = [end.toordinal() for end in ends]
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples, not sqlite3.Row: one row per customer
    stages_on = lifecycle.stages_on
    bound = {"end": end_bound(as_of), **names}
    for _customer_id, text in cursor.execute(SALE_DAYS_SQL.format(where=where), bound):
        yield stages_on(sorted(map(numbers.__getitem__, text.split(","))), end_numbers, rules)


def lifecycle_report(
    conn: sqlite3.Connection,
    as_of: date,
    where_sql: str,
    params: list[Any],
    rules: lifecycle.Rules,
) -> LifecycleReport:
    """Sections: `lifecycle` (customers per stage), `funnel` (per funnel stage), `months`
    (customers per lifecycle stage at each of the last 12 month ends, and how many moved),
    `moves` (from, to, customers: the moves summed over the 12 months), `flows` (the same
    per month), `conversion` (funnel stage to the next) and `time_in_stage` (median days)."""
    from crmcli.records.config import stages

    ends = month_ends(as_of)
    labels = [end.strftime("%Y-%m") for end in ends]
    # Customers with the same stages at the 13 month ends are counted once per history:
    # a few thousand distinct histories however many customers there are.
    histories = Counter(sale_day_histories(conn, as_of, where_sql, params, ends, rules))
    stock: Counter[tuple[date, str]] = Counter()
    now_counts: Counter[str] = Counter()
    flows: Counter[tuple[str, str, str]] = Counter()
    for history, n in histories.items():
        for i, stage in enumerate(history):
            stock[ends[i], stage] += n
            if i and stage != history[i - 1]:
                flows[labels[i], history[i - 1], stage] += n
        now_counts[history[-1]] += n
    # Everyone of the population, by funnel stage on the as-of day (None: no stage yet).
    funnel_counts = Counter(
        stage
        for (stage,) in conn.execute(
            f"SELECT {STAGE_AS_OF} FROM customers c WHERE {where_sql}",  # noqa: S608
            [as_of.isoformat(), *params],
        )
    )
    total = funnel_counts.total()
    never = total - histories.total()  # no sale yet: none at every month end
    now_counts["none"] = never
    months: list[MonthEnd] = []
    for end in ends[1:]:
        row: dict[str, Any] = {"month": end.strftime("%Y-%m"), "as_of": end.isoformat()}
        row.update({s: stock[end, s] for s in lifecycle.ORDER})  # a MonthEnd once full
        row["none"] += never
        row["moved"] = sum(n for (m, _, _), n in flows.items() if m == row["month"])
        months.append(cast(MonthEnd, row))
    moves: Counter[tuple[str, str]] = Counter()
    for (_, a, b), n in flows.items():
        moves[a, b] += n
    lifecycle_rows: list[LifecycleCount] = [
        {"lifecycle": s, "customers": now_counts[s], "share": pct(now_counts[s], total)}
        for s in lifecycle.ORDER
    ]
    funnel_names = stages(conn)
    funnel_rows: list[FunnelCount] = [
        {"stage": s, "customers": funnel_counts[s], "share": pct(funnel_counts[s], total)}
        for s in [*funnel_names, None]
        if s is not None or funnel_counts[None]
    ]
    flow_rows: list[Flow] = [
        {"month": m, "from_lifecycle": a, "to_lifecycle": b, "customers": n}
        for (m, a, b), n in sorted(flows.items())
    ]
    conversion, durations = _funnel_history(conn, as_of, where_sql, params, funnel_names)
    return {
        "lifecycle": lifecycle_rows,
        "funnel": funnel_rows,
        "months": months,
        "moves": [
            {"from_lifecycle": a, "to_lifecycle": b, "customers": n}
            for (a, b), n in sorted(moves.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "flows": flow_rows,
        "conversion": conversion,
        "time_in_stage": durations,
    }


def _funnel_history(
    conn: sqlite3.Connection, as_of: date, where_sql: str, params: list[Any], names: list[str]
) -> tuple[list[Conversion], list[TimeInStage]]:
    from datetime import datetime

    chain = [s for s in names if s != "lost"]
    index = {s: i for i, s in enumerate(chain)}
    # Counted as each customer's changes end (they come in customer order), not held per
    # customer: a set of stages per customer made most of 320 MiB at a million customers.
    entered = [0] * len(chain)
    moved_on = [0] * len(chain)
    stays: dict[str, array[float]] = defaultdict(lambda: array("d"))
    reached: set[int] = set()

    def count(reached: set[int]) -> None:
        furthest = max(reached)
        for i in reached:
            entered[i] += 1
            moved_on[i] += furthest > i

    last: tuple[int, str, datetime] | None = None
    sql = (
        "SELECT s.customer_id, s.to_stage, s.changed_at FROM stage_changes s "  # noqa: S608
        f"JOIN customers c ON c.id = s.customer_id WHERE {where_sql} AND s.changed_at < ? "
        "ORDER BY s.customer_id, s.changed_at, s.id"
    )
    for customer_id, stage, changed_at in conn.execute(sql, [*params, end_bound(as_of)]):
        moment = datetime.fromisoformat(changed_at)
        if last is not None and last[0] == customer_id:
            stays[last[1]].append((moment - last[2]).total_seconds() / 86400)
        elif reached:
            count(reached)
            reached = set()
        last = (customer_id, stage, moment)
        if stage in index:
            reached.add(index[stage])
    if reached:
        count(reached)
    conversion: list[Conversion] = [
        {
            "from_stage": stage,
            "to_stage": chain[i + 1],
            "entered": entered[i],
            "moved_on": moved_on[i],
            "conversion": pct(moved_on[i], entered[i]),
        }
        for i, stage in enumerate(chain[:-1])
    ]
    durations: list[TimeInStage] = [
        {
            "stage": s,
            "stays": len(stays[s]),
            "median_days": mean(median(stays[s]), 1) if stays[s] else None,
        }
        for s in names
        if s != "lost"
    ]
    return conversion, durations
