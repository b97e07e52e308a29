"""crmcli.store.summaries: the purchase summaries follow every write path, and the churn risks
read from them are the ones the purchase histories give."""

import sqlite3
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcli.reports import churn, purchase_histories
from crmcli.store import summaries
from tests.conftest import add, buy_ago, examples, fails, filled_once, ok, rows

LATER = date(2100, 1, 1)  # after every purchase line of these tests


def median(values: list[int]) -> float | None:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if not ordered:
        return None
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def expected(path: Path) -> list[tuple]:
    """The summaries recomputed from purchase_histories (the churn report's own reading)."""
    conn = sqlite3.connect(path)
    found = []
    for code in purchase_histories.currencies(conn):
        for h in purchase_histories.read(conn, code, LATER):
            gaps = [(b - a).days for a, b in pairwise(h.days)]
            (net,) = conn.execute(
                "SELECT sum(amount_minor) FROM purchases WHERE customer_id = ? AND currency = ?",
                (h.customer_id, code),
            ).fetchone()
            found.append(
                (h.customer_id, code, len(h.days), h.days[0].isoformat(),
                 h.days[-1].isoformat(), median(gaps), h.last_year_net_minor, net)
            )  # fmt: skip
    conn.close()
    return sorted(found)


def expected_days(path: Path) -> list[tuple]:
    """customer_purchase_days recomputed: sale days in every currency, per customer."""
    found = []
    for customer_id, joined in rows(
        path,
        "SELECT customer_id, group_concat(substr(purchased_at, 1, 10)) FROM purchases "
        "WHERE amount_minor >= 0 GROUP BY customer_id",
    ):
        days = sorted({date.fromisoformat(d) for d in joined.split(",")})
        gaps = [(b - a).days for a, b in pairwise(days)]
        previous = days[-2].isoformat() if len(days) > 1 else None
        found.append(
            (customer_id, len(days), days[0].isoformat(), days[-1].isoformat(), previous,
             median(gaps), median(gaps[:-1]))
        )  # fmt: skip
    return found


def stored(path: Path) -> list[tuple]:
    """purchase_summaries (the queue empty), after checking customer_purchase_days too."""
    assert rows(path, "SELECT count(*) FROM purchase_summaries_dirty") == [(0,)]
    assert days(path) == expected_days(path)
    return rows(
        path,
        "SELECT customer_id, currency, purchase_days, first_on, last_on, median_gap, "
        "at_stake_minor, net_minor FROM purchase_summaries ORDER BY customer_id, currency",
    )


def days(path: Path) -> list[tuple]:
    return rows(path, "SELECT * FROM customer_purchase_days ORDER BY customer_id")


@pytest.fixture
def bought(db_path: Path) -> Path:
    filled_once(db_path, _fill_bought)  # made once per worker, copied
    return db_path


def _fill_bought() -> None:
    add("Anna")
    add("Bob")
    for days_ago in (200, 170, 150, 110, 100):
        buy_ago("Anna", "100", days_ago)
    buy_ago("Anna", "40", 100)  # a second line on a day
    buy_ago("Anna", "25 USD", 60)
    buy_ago("Bob", "300", 90)


def test_buying_fills_the_summaries(bought):
    assert stored(bought) == expected(bought)
    assert stored(bought) == [
        (1, "CNY", 5, "2026-05-06", "2026-08-14", 25.0, 540_00, 540_00),  # gaps 20 30 40 10
        (1, "USD", 1, "2026-09-23", "2026-09-23", None, 25_00, 25_00),
        (2, "CNY", 1, "2026-08-24", "2026-08-24", None, 300_00, 300_00),
    ]
    assert days(bought) == [
        (1, 6, "2026-05-06", "2026-09-23", "2026-08-14", 30.0, 25.0),  # gaps 20 30 40 10 40
        (2, 1, "2026-08-24", "2026-08-24", None, None, None),
    ]


def test_edits_refunds_and_deletes_keep_them_current(bought):
    ok("buy", "Bob", "Tea", "120", "--refund", "--at", "2026-10-01")
    assert stored(bought)[2] == (2, "CNY", 1, "2026-08-24", "2026-08-24", None, 180_00, 180_00)
    ok("purchase", "edit", "1", "--at", "2026-05-20")  # Anna's first day moves
    ok("purchase", "edit", "6", "--amount", "10")
    ok("purchase", "edit", "8", "--customer", "Anna", "--force")  # Bob's line moves to Anna
    ok("purchase", "delete", "7", "--yes")
    assert stored(bought) == expected(bought)
    # Bob is left with his refund alone: no purchase day, no summary
    assert [r[:3] for r in stored(bought)] == [(1, "CNY", 6)]


def test_a_customer_with_refunds_only_has_no_summary(bought):
    ok("purchase", "delete", "8", "--yes")
    ok("buy", "Bob", "Tea", "-50", "--at", "2026-10-01", "--force")
    assert [r[0] for r in stored(bought)] == [1, 1]
    assert stored(bought) == expected(bought)


def test_undo_merge_forget_and_import_keep_them_current(bought, tmp_path):
    ok("undo", "--yes")  # Bob's purchase
    assert stored(bought) == expected(bought)
    assert [r[0] for r in stored(bought)] == [1, 1]
    ok("buy", "Bob", "Tea", "300", "--at", "2026-07-01")
    ok("merge", "Anna", "Bob", "--yes")
    assert stored(bought) == expected(bought)
    assert stored(bought)[0][2] == 6
    ok("undo", "--yes")  # the merge
    assert stored(bought) == expected(bought)
    assert [r[0] for r in stored(bought)] == [1, 1, 2]
    ok("forget", "Bob", "--yes")
    assert [r[0] for r in stored(bought)] == [1, 1]
    file = tmp_path / "p.csv"
    file.write_text("customer,item,amount,currency,date\n1,Tea,70,CNY,2026-11-01\n")
    ok("import", "purchases", str(file))
    assert stored(bought) == expected(bought)
    assert stored(bought)[0][4] == "2026-11-01"


_LINE = (
    "customer_id, item, amount_minor, currency, purchased_at, created_at, updated_at",
    "?, 'Tea', ?, 'CNY', ?, '2026', '2026'",
)


@pytest.mark.parametrize(
    "sql",
    [
        f"INSERT OR REPLACE INTO purchases (id, {_LINE[0]}) VALUES (8, {_LINE[1]})",
        f"REPLACE INTO purchases (id, {_LINE[0]}) VALUES (8, {_LINE[1]})",
        "UPDATE OR REPLACE purchases SET id = 8 WHERE id = 1",
    ],
)
def test_another_programs_replace_of_a_line_leaves_no_summary_wrong(bought, sql):
    """Bob's only line (8) replaced by one of Anna's, as another program would (Python's
    sqlite3, recursive_triggers off: the REPLACE fires no DELETE trigger): Bob is queued
    too, so after the next crm write he has no summary and Anna's are her lines'."""
    conn = sqlite3.connect(bought)
    with conn:
        conn.execute(sql, (1, 5000, "2026-11-02") if "?" in sql else ())
    conn.close()
    assert rows(bought, "SELECT customer_id FROM purchases WHERE id = 8") == [(1,)]
    ok("add", "Carl")  # the next crm write
    assert stored(bought) == expected(bought)
    assert [r[0] for r in stored(bought)] == [1, 1]


@pytest.mark.parametrize("policy", ["ABORT", "FAIL", "ROLLBACK"])
def test_another_programs_two_lines_of_one_customer_under_a_policy_are_stored(bought, policy):
    """A sync script's `INSERT OR ABORT` of two lines of one customer in one transaction
    succeeds (the queue insert cannot conflict), and the summaries follow."""
    conn = sqlite3.connect(bought)
    with conn:
        for day in ("2026-11-02", "2026-11-03"):
            conn.execute(
                f"INSERT OR {policy} INTO purchases ({_LINE[0]}) VALUES ({_LINE[1]})",
                (2, 1000, day),
            )
    conn.close()
    ok("add", "Carl")
    assert stored(bought) == expected(bought)
    assert stored(bought)[2][2:5] == (3, "2026-08-24", "2026-11-03")


def test_a_refused_write_changes_no_summary(bought):
    before = stored(bought)
    fails(2, "buy", "Anna", "Tea", "abc")
    assert stored(bought) == before


def risky() -> None:
    """At risk in CNY: C1 C2 C3 C4 C7 C8; in USD: C3."""
    for n in range(1, 9):
        add(f"C{n}")
        amount = "900" if n in (7, 8) else f"{n * 100}"
        if n % 2:  # once, 141 to 149 days ago: at risk by the assumed 90-day rhythm
            buy_ago(f"C{n}", amount, 140 + n)
        else:  # three days 30 apart, the last 52 to 60 days ago: at risk by their rhythm
            for k in range(3):
                buy_ago(f"C{n}", amount, 50 + n + 30 * k)
    buy_ago("C3", "77 USD", 200)
    ok("delete", "C5")  # archived: never listed
    ok(
        "buy", "C6", "Tea", "-10000", "--at", "2026-10-01", "--force"
    )  # all refunded: nothing at stake
    add("C9")
    add("C10")
    buy_ago("C9", "5000", 10)  # bought lately
    buy_ago("C10", "5000", 400)  # lapsed: silent for over three usual gaps


@pytest.mark.parametrize("limit", [1, 3, 10])
def test_top_risks_from_the_summaries_equal_the_histories(db_path, monkeypatch, limit):
    risky()
    conn = sqlite3.connect(db_path)
    today = date(2026, 11, 22)
    assert summaries.is_current(conn, "2026-11-23")
    fast = churn.top_risks(conn, today, limit)
    monkeypatch.setattr(summaries, "is_current", lambda conn, before: False)
    slow = churn.top_risks(conn, today, limit)
    assert fast == slow
    assert [(r["customer_id"], r["currency"]) for r in fast] == [
        *[(c, "CNY") for c in (8, 4, 7, 2, 3, 1)][:limit],
        (3, "USD"),
    ]


def test_summaries_are_not_trusted_before_the_latest_purchase_or_with_a_queue(bought):
    conn = sqlite3.connect(bought)
    assert summaries.is_current(conn, "2026-11-23")
    assert not summaries.is_current(conn, "2026-09-23")  # Anna's USD line is that day
    conn.execute("INSERT INTO purchase_summaries_dirty VALUES (1)")  # another program wrote
    assert not summaries.is_current(conn, "2026-11-23")


def test_dashboard_lifecycle_and_rfm_from_the_summaries_equal_the_histories(db_path, monkeypatch):
    from crmcli.reports import dashboard

    risky()
    add("Back")  # bought three days ten apart, then nothing for 265 days: reactivated
    for days_ago in (300, 290, 280, 5):
        buy_ago("Back", "50", days_ago)
    add("Fresh")
    buy_ago("Fresh", "20 USD", 10)  # new
    buy_ago("Fresh", "30", 9)
    add("Nobody")  # no purchase: none
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    today = date(2026, 11, 22)
    fast = [dashboard.lifecycle(conn, today), dashboard.rfm_segments(conn, today)]
    monkeypatch.setattr(summaries, "is_current", lambda conn, before: False)
    slow = [dashboard.lifecycle(conn, today), dashboard.rfm_segments(conn, today)]
    assert fast == slow
    stages = {r["lifecycle"]: r["customers"] for r in fast[0].rows}
    # new: C9 and Fresh; at risk: C1-C4, C6-C8 (C5 is archived); lapsed: C10
    assert stages == {
        "new": 2, "active": 0, "reactivated": 1, "at_risk": 7, "lapsed": 1, "none": 1,
    }  # fmt: skip


# The figures as SQL states them (the statements sync() once ran, here reading instead of
# inserting): sync() computes them in Python from one read of the lines, and must give the
# same rows, value for value, whatever the lines (refunds, several currencies, days SQLite
# reads its own way or not at all).
_SQL_SUMMARIES = """
WITH lines AS (
    SELECT customer_id, currency, substr(purchased_at, 1, 10) AS day, amount_minor FROM purchases
),
sale_days AS (SELECT DISTINCT customer_id, currency, day FROM lines WHERE amount_minor >= 0),
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
    SELECT l.customer_id, l.currency,
        max(0, sum(CASE WHEN l.day >= date(s.last_on, '-364 days') THEN l.amount_minor END))
            AS at_stake_minor,
        sum(l.amount_minor) AS net_minor
    FROM lines l JOIN spans s ON s.customer_id = l.customer_id AND s.currency = l.currency
    GROUP BY l.customer_id, l.currency
)
SELECT s.customer_id, s.currency, s.days, s.first_on, s.last_on, m.median_gap,
    coalesce(k.at_stake_minor, 0), k.net_minor
FROM spans s
LEFT JOIN medians m ON m.customer_id = s.customer_id AND m.currency = s.currency
JOIN stakes k ON k.customer_id = s.customer_id AND k.currency = s.currency
ORDER BY s.customer_id, s.currency
"""

_SQL_DAYS = """
WITH sale_days AS (
    SELECT DISTINCT customer_id, substr(purchased_at, 1, 10) AS day
    FROM purchases WHERE amount_minor >= 0
),
numbered AS (
    SELECT customer_id, day,
        row_number() OVER (PARTITION BY customer_id ORDER BY day DESC) AS back,
        lag(day) OVER (PARTITION BY customer_id ORDER BY day) AS before
    FROM sale_days
),
spans AS (
    SELECT customer_id, count(*) AS days, min(day) AS first_on, max(day) AS last_on,
        max(CASE WHEN back = 2 THEN day END) AS previous_on
    FROM numbered GROUP BY customer_id
),
gaps AS (
    SELECT customer_id, back, CAST(julianday(day) - julianday(before) AS INTEGER) AS gap
    FROM numbered WHERE before IS NOT NULL
),
ranked AS (
    SELECT customer_id, gap,
        row_number() OVER (PARTITION BY customer_id ORDER BY gap) AS n,
        count(*) OVER (PARTITION BY customer_id) AS gaps
    FROM gaps
),
ranked_before AS (
    SELECT customer_id, gap,
        row_number() OVER (PARTITION BY customer_id ORDER BY gap) AS n,
        count(*) OVER (PARTITION BY customer_id) AS gaps
    FROM gaps WHERE back > 1
),
medians AS (
    SELECT customer_id, avg(gap) AS median_gap FROM ranked
    WHERE n IN ((gaps + 1) / 2, (gaps + 2) / 2) GROUP BY customer_id
),
medians_before AS (
    SELECT customer_id, avg(gap) AS median_gap FROM ranked_before
    WHERE n IN ((gaps + 1) / 2, (gaps + 2) / 2) GROUP BY customer_id
)
SELECT s.customer_id, s.days, s.first_on, s.last_on, s.previous_on, m.median_gap, b.median_gap
FROM spans s
LEFT JOIN medians m ON m.customer_id = s.customer_id
LEFT JOIN medians_before b ON b.customer_id = s.customer_id
ORDER BY s.customer_id
"""


def _three() -> None:
    for name in ("P1", "P2", "P3"):
        add(name)


_DAYS = st.dates(date(2019, 1, 1), date(2026, 12, 31)).map(date.isoformat)
_ODD_DAYS = st.sampled_from(
    ["2024-02-30", "2023-13-01", "0001-03-01", "9999-12-31", "2024-1-5", "", "not a day"]
)
_LINES = st.lists(
    st.tuples(
        st.integers(1, 3),
        st.sampled_from(["CNY", "USD"]),
        _DAYS,
        st.integers(-5_000, 50_000),
    ),
    max_size=30,
)


def _synced(path: Path, lines: list[tuple], odd: list[tuple] = ()) -> tuple:
    """Replace every purchase line with `lines` (written as another program would: the
    triggers queue their customers), sync, and return the stored rows, the ones SQL states
    and a connection left inside the transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("DELETE FROM purchases")
    conn.executemany(
        "INSERT INTO purchases (customer_id, item, amount_minor, currency, purchased_at, "
        "created_at, updated_at) VALUES (?, 'Tea', ?, ?, ?, '2026-01-01', '2026-01-01')",
        [(c, amount, code, f"{day}T10:00:00+08:00") for c, code, day, amount in lines]
        + [(c, amount, code, day) for c, code, day, amount in odd],
    )
    summaries.sync(conn)
    assert conn.execute("SELECT count(*) FROM purchase_summaries_dirty").fetchone() == (0,)
    got = (
        conn.execute("SELECT * FROM purchase_summaries ORDER BY customer_id, currency").fetchall(),
        conn.execute("SELECT * FROM customer_purchase_days ORDER BY customer_id").fetchall(),
    )
    sql = (conn.execute(_SQL_SUMMARIES).fetchall(), conn.execute(_SQL_DAYS).fetchall())
    return got, sql, conn


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(_LINES)
def test_any_lines_give_the_summaries_of_the_histories(db_path, lines):
    """Over any sale and refund lines in two currencies, the summaries equal the purchase
    histories' figures and the SQL statement of them, value for value and type for type."""
    if not db_path.exists():
        filled_once(db_path, _three)
    got, sql, conn = _synced(db_path, lines)
    try:
        assert got == sql
        assert [tuple(map(type, r)) for r in got[0]] == [tuple(map(type, r)) for r in sql[0]]
        assert [tuple(map(type, r)) for r in got[1]] == [tuple(map(type, r)) for r in sql[1]]
        histories = []
        for code in purchase_histories.currencies(conn):
            for h in purchase_histories.read(conn, code, LATER):
                gaps = [(b - a).days for a, b in pairwise(h.days)]
                net = sum(a for c, k, _, a in lines if c == h.customer_id and k == code)
                histories.append(
                    (h.customer_id, code, len(h.days), h.days[0].isoformat(),
                     h.days[-1].isoformat(), median(gaps), h.last_year_net_minor, net)
                )  # fmt: skip
        assert got[0] == sorted(histories)
    finally:
        conn.execute("ROLLBACK")
        conn.close()


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    _LINES,
    st.lists(
        st.tuples(st.integers(1, 3), st.sampled_from(["CNY", "USD"]), _ODD_DAYS,
                  st.integers(-5_000, 50_000)),
        max_size=6,
    ),
)  # fmt: skip
def test_days_sqlite_reads_its_own_way_give_the_figures_sql_states(db_path, lines, odd):
    """A line another program dated 2024-02-30 (SQLite's julianday reads it as 1 March),
    before year 1 a year back, or not a date at all: the same rows as SQL states them."""
    if not db_path.exists():
        filled_once(db_path, _three)
    got, sql, conn = _synced(db_path, lines, odd)
    try:
        assert got == sql
        assert [tuple(map(type, r)) for r in got[0]] == [tuple(map(type, r)) for r in sql[0]]
        assert [tuple(map(type, r)) for r in got[1]] == [tuple(map(type, r)) for r in sql[1]]
    finally:
        conn.execute("ROLLBACK")
        conn.close()
