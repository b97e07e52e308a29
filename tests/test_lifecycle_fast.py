"""The fast lifecycle paths (one pass per customer over day numbers, histories counted
once) and the streamed derived classes give exactly what a small independent reading of
docs/classification.md gives (`oracle_stage`, `reference`, `month_ends`, `SELECT`, written
here from the docs with their default numbers, not from crmcli.reports: changing a default,
a class's meaning or a month end in crm fails a test here)."""

import calendar
from collections import Counter
from datetime import date, timedelta
from itertools import pairwise
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.reports import classes, customer_reports
from crmcli.reports.models import lifecycle

TODAY = date(2026, 11, 22)

# The defaults docs/classification.md gives under "Lifecycle stages": lifecycle.new_days 30,
# lifecycle.default_gap 90, lifecycle.min_gaps 2, at_risk_factor 1.5, lapsed_factor 3.
DOC_RULES = SimpleNamespace(
    new_days=30, default_gap=90, min_gaps=2, at_risk_factor=1.5, lapsed_factor=3
)


def usual_gap(days: list[date], rules) -> float:
    gaps = sorted((b - a).days for a, b in pairwise(days))
    if len(gaps) < rules.min_gaps:
        return rules.default_gap
    half, odd = divmod(len(gaps), 2)
    return gaps[half] if odd else (gaps[half - 1] + gaps[half]) / 2


def oracle_stage(days: list[date], end: date, rules=DOC_RULES) -> str:
    """The lifecycle stage as docs/classification.md words it, checked in its order."""
    days = sorted({d for d in days if d <= end})
    if not days:
        return "none"
    if (end - days[0]).days <= rules.new_days:
        return "new"
    silent = (end - days[-1]).days
    if silent > rules.lapsed_factor * usual_gap(days, rules):
        return "lapsed"
    if silent > rules.at_risk_factor * usual_gap(days, rules):
        return "at_risk"
    if len(days) > 1 and (days[-1] - days[-2]).days > rules.lapsed_factor * usual_gap(
        days[:-1], rules
    ):
        return "reactivated"
    return "active"


rules_strategy = st.builds(
    lifecycle.Rules,
    new_days=st.integers(min_value=0, max_value=120),
    default_gap=st.integers(min_value=1, max_value=200),
    min_gaps=st.integers(min_value=1, max_value=5),
    at_risk_factor=st.sampled_from([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0]),
    lapsed_factor=st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0, 3.5, 5.0]),
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.lists(st.integers(min_value=0, max_value=900), max_size=40, unique=True),
    st.lists(st.integers(min_value=0, max_value=900), min_size=1, max_size=14),
    rules_strategy,
)
def test_stages_on_matches_stage_on_random_histories(ago, ends_ago, rules):
    days = sorted(TODAY - timedelta(days=n) for n in ago)
    ends = sorted(TODAY - timedelta(days=n) for n in ends_ago)
    expected = tuple(oracle_stage(days, end, rules) for end in ends)
    numbers = [d.toordinal() for d in days]
    assert lifecycle.stages_on(numbers, [e.toordinal() for e in ends], rules) == expected


@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    st.lists(st.integers(min_value=0, max_value=120), min_size=2, max_size=30),
    st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=12),
)
def test_stages_on_regular_buyers(gaps, ends_gaps):
    """Regular rhythms hit the thresholds exactly (silence == factor x gap) more often than
    random days do."""
    days, day = [], TODAY - timedelta(days=900)
    for gap in gaps:
        day += timedelta(days=gap + 1)
        days.append(day)
    ends, end = [], days[0] - timedelta(days=5)
    for gap in ends_gaps:
        end += timedelta(days=gap * 3)
        ends.append(end)
    expected = tuple(oracle_stage(days, e) for e in ends)
    got = lifecycle.stages_on([d.toordinal() for d in days], [e.toordinal() for e in ends])
    assert got == expected


# Purchase days (days before TODAY) and the stage docs/classification.md gives for them
# under the default settings, worked out by hand at each threshold and one day past it.
BOUNDARIES = [
    ([30], "new"),  # the first purchase exactly new_days (30) old
    ([31], "active"),
    ([135], "active"),  # one purchase day: the usual gap is default_gap (90); 1.5 x 90
    ([136], "at_risk"),
    ([270], "at_risk"),  # 3 x 90
    ([271], "lapsed"),
    ([110, 100], "active"),  # one gap is fewer than min_gaps (2): still 90, not 10
    ([52, 42, 22], "active"),  # gaps 10 and 20: their median 15; 1.5 x 15 = 22.5
    ([53, 43, 23], "at_risk"),
    ([75, 65, 45], "at_risk"),  # 3 x 15 = 45
    ([76, 66, 46], "lapsed"),
    ([80, 70, 60, 5], "reactivated"),  # 55 days before the last, over 3 x 10 before it
    ([65, 55, 45, 15], "active"),  # 30 days before the last: not over 3 x 10
]


@pytest.mark.parametrize(("ago", "stage"), BOUNDARIES)
def test_default_thresholds_are_the_documented_ones(ago, stage):
    days = sorted(TODAY - timedelta(days=n) for n in ago)
    assert oracle_stage(days, TODAY) == stage
    assert lifecycle.stage(days, TODAY) == stage
    assert lifecycle.stages_on([d.toordinal() for d in days], [TODAY.toordinal()]) == (stage,)


def test_default_settings_classify_as_documented(tmp_path):
    """The same days as purchases in a new database: what crm list, show and the reports
    read, with the settings as crm creates them."""
    from crmcli.store.db import connect

    conn = connect(tmp_path / "crm.db", write=True)
    stamp = "2024-01-01T00:00:00+08:00"
    with conn:
        for cid, (ago, _) in enumerate(BOUNDARIES, start=1):
            conn.execute(
                "INSERT INTO customers (id, name, name_key, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (cid, f"C{cid}", f"c{cid}", stamp, stamp),
            )
            for n in ago:
                conn.execute(
                    "INSERT INTO purchases (customer_id, item, amount_minor, currency, "
                    "purchased_at, created_at, updated_at) VALUES (?, 'x', 100, 'CNY', ?, ?, ?)",
                    (cid, f"{TODAY - timedelta(days=n)}T12:00:00+08:00", stamp, stamp),
                )
    got = {cid: r["lifecycle"] for cid, r in classes.derive(conn, TODAY, archived=False).items()}
    conn.close()
    assert got == {cid: stage for cid, (_, stage) in enumerate(BOUNDARIES, start=1)}


@pytest.fixture
def shop(tmp_path):
    """40 customers (some archived, some without purchases) with random sales and refunds
    in two currencies, several lines a day at times."""
    import random

    from crmcli.store.db import connect

    conn = connect(tmp_path / "crm.db", write=True)
    rng = random.Random(5)
    stamp = "2024-01-01T00:00:00+08:00"
    with conn:
        for cid in range(1, 41):
            conn.execute(
                "INSERT INTO customers (id, name, name_key, created_at, updated_at, archived_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (cid, f"C{cid}", f"c{cid}", stamp, stamp, stamp if cid % 7 == 0 else None),
            )
            for _ in range(rng.randint(0, 14)):
                day = TODAY - timedelta(days=rng.randint(0, 500))
                conn.execute(
                    "INSERT INTO purchases (customer_id, item, amount_minor, currency, "
                    "purchased_at, created_at, updated_at) VALUES (?, 'x', ?, ?, ?, ?, ?)",
                    (cid, rng.choice([-500, 100, 2500, 90000]), rng.choice(["CNY", "USD"]),
                     f"{day.isoformat()}T{rng.randint(0, 23):02d}:00:00+08:00", stamp, stamp),
                )  # fmt: skip
    yield conn
    conn.close()


def month_ends(as_of: date) -> list[date]:
    """docs/reports.md, `months`: the last day of each of the 12 months before as-of's month,
    then as-of itself, oldest first."""
    ends, year, month = [], as_of.year, as_of.month
    for _ in range(12):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        ends.append(date(year, month, calendar.monthrange(year, month)[1]))
    return [*reversed(ends), as_of]


def test_month_ends_are_calendar_month_ends():
    """The oracle's own arithmetic, against dates written out by hand."""
    assert month_ends(date(2025, 2, 10)) == [
        date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30), date(2024, 5, 31),
        date(2024, 6, 30), date(2024, 7, 31), date(2024, 8, 31), date(2024, 9, 30),
        date(2024, 10, 31), date(2024, 11, 30), date(2024, 12, 31), date(2025, 1, 31),
        date(2025, 2, 10),
    ]  # fmt: skip


@pytest.mark.parametrize("as_of", [TODAY, date(2026, 1, 15), date(2026, 3, 31)])
def test_report_histories_match_the_reference(shop, as_of):
    """Each customer's stages at the 13 month ends, from the fast query, equal the reference
    classifier over that customer's sale days read one by one; and `crm report lifecycle`'s
    months and flows are those histories counted at those ends (February, a year end,
    an as-of date that is itself a month end)."""
    conn = shop
    ends = month_ends(as_of)
    # For each end a customer whose only sale is on that day, and one whose only sale is on
    # the day after: an end a day early or a day late in crm changes one of their stages.
    stamp = "2024-01-01T00:00:00+08:00"
    with conn:
        for i, day in enumerate([d + timedelta(days=k) for d in ends for k in (0, 1)]):
            conn.execute(
                "INSERT INTO customers (id, name, name_key, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (100 + i, f"E{i}", f"e{i}", stamp, stamp),
            )
            conn.execute(
                "INSERT INTO purchases (customer_id, item, amount_minor, currency, "
                "purchased_at, created_at, updated_at) VALUES (?, 'x', 100, 'CNY', ?, ?, ?)",
                (100 + i, f"{day}T23:30:00+08:00", stamp, stamp),
            )
    rules = classes.config(conn).rules  # the settings crm reports with: their defaults
    fast = Counter(
        customer_reports.sale_day_histories(conn, as_of, "c.archived_at IS NULL", [], ends, rules)
    )
    slow: Counter[tuple[str, ...]] = Counter()
    people = conn.execute("SELECT id FROM customers WHERE archived_at IS NULL").fetchall()
    for (cid,) in people:
        days = sorted(
            {
                date.fromisoformat(r[0][:10])
                for r in conn.execute(
                    "SELECT purchased_at FROM purchases WHERE customer_id = ? "
                    "AND amount_minor >= 0 AND purchased_at < ?",
                    (cid, (as_of + timedelta(days=1)).isoformat()),
                )
            }
        )
        if days:
            slow[tuple(oracle_stage(days, e) for e in ends)] += 1
    assert fast == slow and sum(fast.values()) > 10
    slow[("none",) * len(ends)] += len(people) - slow.total()  # never bought by as-of

    report = customer_reports.lifecycle_report(conn, as_of, "c.archived_at IS NULL", [], rules)
    stages = ("new", "active", "reactivated", "at_risk", "lapsed", "none")
    want_months, want_flows = [], Counter()
    for i, end in enumerate(ends[1:], start=1):
        moved = {h: n for h, n in slow.items() if h[i] != h[i - 1]}
        want_months.append(
            {"month": f"{end:%Y-%m}", "as_of": end.isoformat()}
            | {s: sum(n for h, n in slow.items() if h[i] == s) for s in stages}
            | {"moved": sum(moved.values())}
        )
        for h, n in moved.items():
            want_flows[f"{end:%Y-%m}", h[i - 1], h[i]] += n
    assert report["months"] == want_months
    got_flows = {(f["month"], f["from_lifecycle"], f["to_lifecycle"]): f["customers"]
                 for f in report["flows"]}  # fmt: skip
    assert got_flows == dict(want_flows) and want_flows


def year_before(day: date) -> date:
    """`day` 12 calendar months back (29 February falls on the 28th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def tier(value: int, high: int, medium: int) -> str:
    return "high" if value >= high else "medium" if value >= medium else "low"


def reference(conn, as_of, archived):
    """Every customer's derived record as docs/classification.md defines it, from the raw
    purchase lines (default settings: CNY, 12 months, A below 80 %, B below 95 %)."""
    state = "IS NOT NULL" if archived else "IS NULL"
    people = [r[0] for r in conn.execute(f"SELECT id FROM customers WHERE archived_at {state}")]
    start = year_before(as_of)  # the 12 months: after this day, up to as_of
    lines: dict[int, list[tuple[date, int, str]]] = {cid: [] for cid in people}
    for cid, at, amount, currency in conn.execute(
        "SELECT customer_id, purchased_at, amount_minor, currency FROM purchases"
    ):
        day = date.fromisoformat(at[:10])
        if cid in lines and day <= as_of:
            lines[cid].append((day, amount, currency))
    out, window_net = {}, {}
    for cid, bought in lines.items():
        days = sorted({d for d, amount, _ in bought if amount >= 0})
        recent = [d for d in days if d > start]
        revenue = sum(a for d, a, cur in bought if d > start and cur == "CNY")
        out[cid] = {
            "lifecycle": oracle_stage(days, as_of),
            "frequency_tier": tier(len(recent), 12, 4),
            "value_tier": tier(revenue, 5_000_000, 500_000),
            "purchase_days": len(days),
            "purchase_days_12m": len(recent),
            "revenue_12m_minor": revenue,
            "currency": "CNY",
            "first_purchase_on": days[0].isoformat() if days else None,
            "last_purchase_on": days[-1].isoformat() if days else None,
            "days_since_purchase": (as_of - days[-1]).days if days else None,
            "abc": "C",
        }
        for d, amount, currency in bought:
            if d > start:
                nets = window_net.setdefault(currency, {})
                nets[cid] = nets.get(cid, 0) + amount
    for nets in window_net.values():
        total = sum(v for v in nets.values() if v > 0)
        for cid, net in nets.items():
            before = sum(v for v in nets.values() if v > net) / total * 100 if total else 100
            label = "C" if net <= 0 else "A" if before < 80 else "B" if before < 95 else "C"
            out[cid]["abc"] = min(out[cid]["abc"], label)  # "A" < "B" < "C": the best
    return out


@pytest.mark.parametrize("archived", [False, True])
@pytest.mark.parametrize("as_of", [TODAY, date(2026, 3, 5), date(2025, 9, 1)])
def test_streamed_records_match_the_reference(shop, as_of, archived):
    new = classes.derive(shop, as_of, archived=archived)
    assert new == reference(shop, as_of, archived)
    for cid, record in new.items():  # and one customer alone, as crm show computes it
        assert classes.customer_classes(shop, cid, as_of) == {**record}


def before(day: str | None, limit: str) -> bool:
    return day is not None and day < limit


# What each --where means, from docs/classification.md ("Derived classes"): classes compare
# ignoring case, `~` contains; revenue_12m is an amount in the default currency (900.00 CNY);
# a customer who never bought has no dates and no days since, so only `!=` holds for them.
# The numbers and dates compared are ones some customer of `shop` has (56 days since, a
# last purchase on 2026-06-13, 900.00 CNY, 3 purchase days): the boundary itself is tried.
SELECT = [
    ("lifecycle", "=", "lapsed", lambda r: r["lifecycle"] == "lapsed"),
    ("lifecycle", "!=", "active", lambda r: r["lifecycle"] != "active"),
    ("lifecycle", "=", "At-Risk", lambda r: r["lifecycle"] == "at_risk"),
    ("abc", "=", "a", lambda r: r["abc"] == "A"),
    ("abc", "~", "b", lambda r: r["abc"] == "B"),
    ("purchase_days", ">", "3", lambda r: r["purchase_days"] > 3),
    ("revenue_12m", ">=", "900", lambda r: r["revenue_12m_minor"] >= 90_000),
    ("last_purchase_on", "<", "2026-06-13",
     lambda r: before(r["last_purchase_on"], "2026-06-13")),
    ("last_purchase_on", "!=", "2026-06-13", lambda r: r["last_purchase_on"] != "2026-06-13"),
    ("days_since_purchase", "<=", "56",
     lambda r: r["days_since_purchase"] is not None and r["days_since_purchase"] <= 56),
    ("frequency_tier", "=", "low", lambda r: r["frequency_tier"] == "low"),
    ("first_purchase_on", ">=", "-300d",  # 2026-01-26
     lambda r: r["first_purchase_on"] is not None and r["first_purchase_on"] >= "2026-01-26"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "op", "value", "wanted"), SELECT, ids=["-".join(case[:3]) for case in SELECT]
)
def test_matching_streams_the_same_customers(shop, name, op, value, wanted):
    expected = sorted(cid for cid, r in reference(shop, TODAY, False).items() if wanted(r))
    test = classes.predicate(name, op, value, shop)
    assert classes.matching(shop, TODAY, [test], archived=False) == expected


def test_rfm_values_per_currency_match_plain_sql(shop):
    """Customers with lines in two currencies are read again per currency: R, F, M equal
    those of the plain per-currency query."""
    got = customer_reports.rfm_values(shop, TODAY, "c.archived_at IS NULL", [])
    want: dict[str, list[tuple[int, int, int, int]]] = {}
    for cid, currency, recency, frequency, monetary in shop.execute(
        "SELECT p.customer_id, p.currency, CAST(julianday(?) - julianday(max(CASE WHEN "
        "p.amount_minor >= 0 THEN substr(p.purchased_at, 1, 10) END)) AS INTEGER), "
        "count(DISTINCT CASE WHEN p.amount_minor >= 0 THEN substr(p.purchased_at, 1, 10) END), "
        "sum(p.amount_minor) FROM purchases p JOIN customers c ON c.id = p.customer_id "
        "WHERE c.archived_at IS NULL AND p.purchased_at < ? "
        "GROUP BY p.customer_id, p.currency ORDER BY p.customer_id",
        (TODAY.isoformat(), (TODAY + timedelta(days=1)).isoformat()),
    ):
        if frequency:
            want.setdefault(currency, []).append((cid, recency, frequency, monetary))
    assert {currency: list(rows) for currency, rows in got.items()} == dict(sorted(want.items()))
    mixed = {row[0] for rows in got.values() for row in rows}
    assert len(mixed) < sum(len(rows) for rows in got.values())  # some bought in both
