"""`crm report sales`: groups, per-currency totals, refunds, orders, the bar chart; the demo."""

import json
import sqlite3

import pytest

from crmcli.cli.output import Bars
from tests.conftest import crm, fails, filled_once, ok


def sales(*args: str) -> list[dict]:
    return json.loads(ok("report", "sales", *args, "--format", "json"))


@pytest.fixture
def shop(db_path):
    """Two customers, two currencies, orders of several lines, a refund."""
    filled_once(db_path, _fill_shop)
    return db_path


def _fill_shop() -> None:
    ok("add", "Anna", "--city", "Paris")
    ok("add", "Bob", "--city", "上海")
    ok("add", "Carl")
    for args in (
        ("Anna", "Tea", "100", "--category", "Tea", "--at", "2026-01-05", "--order", "A1"),
        ("Anna", "Pot", "300", "--category", "Ware", "--at", "2026-01-05", "--order", "A1"),
        ("Bob", "Tea", "50", "--category", "tea", "--at", "2026-01-20"),
        ("Bob", "Tea", "50", "--category", "Tea", "--at", "2026-02-03", "--order", "A1"),
        ("Bob", "Pot", "-300", "--category", "Ware", "--at", "2026-02-10", "--force"),
        ("Anna", "Cup", "10 USD", "--at", "2026-02-11"),
        ("Carl", "Cup", "1,000 JPY", "--at", "2025-12-31"),
    ):
        ok("buy", *args)


FIGURES = ("revenue", "refunds", "net", "orders", "customers", "average_order")


def figures(row: dict) -> tuple:
    return tuple(row[k] for k in FIGURES)


def test_sales_by_month_per_currency(shop):
    data = sales()
    assert [(r["month"], r["currency"]) for r in data] == [
        ("2026-01", "CNY"),
        ("2026-02", "CNY"),
        ("2025-12", "JPY"),
        ("2026-02", "USD"),
    ]
    assert figures(data[0]) == ("450.00", "0.00", "450.00", 2, 2, "225.00")
    assert figures(data[1]) == ("50.00", "300.00", "-250.00", 1, 1, "-250.00")
    assert figures(data[2]) == ("1000", "0", "1000", 1, 1, "1000")
    assert figures(data[3]) == ("10.00", "0.00", "10.00", 1, 1, "10.00")
    assert list(data[0]) == ["month", "currency", *FIGURES]


def test_orders_are_lines_sharing_a_customer_and_order_ref(shop):
    """Anna's two A1 lines are one order; Bob's A1 is another; a line without one is its own."""
    cny = [r for r in sales("--by", "year") if r["currency"] == "CNY"]
    assert figures(cny[0]) == ("500.00", "300.00", "200.00", 3, 2, "66.67")


@pytest.mark.parametrize(
    ("by", "keys"),
    [
        ("day", ["2026-01-05", "2026-01-20", "2026-02-03", "2026-02-10"]),
        ("week", ["2026-W02", "2026-W04", "2026-W06", "2026-W07"]),
        ("quarter", ["2026-Q1"]),
        ("year", ["2026"]),
    ],
)
def test_sales_by_period(shop, by, keys):
    assert [r[by] for r in sales("--by", by, "--currency", "CNY")] == keys


def test_iso_weeks_at_year_boundaries(db_path):
    ok("add", "Anna")
    days = ("2026-01-01", "2026-12-28", "2027-01-03", "2021-01-03", "2020-12-31", "2024-12-30")
    conn = sqlite3.connect(db_path)  # the clock is pinned to 2026-11-22: date them by hand
    for number, day in enumerate(days, 1):
        ok("buy", "Anna", "x", "1")
        conn.execute(
            "UPDATE purchases SET purchased_at = ? WHERE id = ?", (f"{day}T09:00:00+08:00", number)
        )
        conn.commit()
    conn.close()
    weeks = [r["week"] for r in sales("--by", "week")]
    assert weeks == ["2020-W53", "2025-W01", "2026-W01", "2026-W53"]
    assert [r["orders"] for r in sales("--by", "week")] == [2, 1, 1, 2]


def test_iso_week_expression_matches_python(db_path):
    from datetime import date, timedelta

    from crmcli.reports.sales import PERIODS

    conn = sqlite3.connect(":memory:")
    day = date(2019, 12, 20)
    for _ in range(800):
        expected = "{}-W{:02d}".format(*day.isocalendar()[:2])
        expression = PERIODS["week"].replace("p.purchased_at", "?")
        value = day.isoformat() + "T12:00:00+08:00"
        got = conn.execute(f"SELECT {expression}", (value,) * expression.count("?"))
        assert got.fetchone()[0] == expected, day
        day += timedelta(days=3)


def test_sales_by_field(shop):
    by_category = sales("--by", "category", "--currency", "CNY")
    assert [(r["category"], r["net"]) for r in by_category] == [("Tea", "200.00"), ("Ware", "0.00")]
    by_item = sales("--by", "item")
    assert [(r["item"], r["currency"]) for r in by_item] == [
        ("Tea", "CNY"),
        ("Pot", "CNY"),
        ("Cup", "JPY"),
        ("Cup", "USD"),
    ]
    by_customer = sales("--by", "customer", "--currency", "CNY")
    assert [(r["customer_id"], r["customer_name"], r["net"]) for r in by_customer] == [
        (1, "Anna", "400.00"),
        (2, "Bob", "-200.00"),
    ]
    by_city = sales("--by", "city")
    assert [(r["city"], r["currency"], r["net"]) for r in by_city] == [
        ("Paris", "CNY", "400.00"),
        ("上海", "CNY", "-200.00"),
        (None, "JPY", "1000"),
        ("Paris", "USD", "10.00"),
    ]


def test_since_until_currency_and_limit(shop):
    assert [
        r["day"] for r in sales("--by", "day", "--since", "2026-01-20", "--until", "2026-02-03")
    ] == [
        "2026-01-20",
        "2026-02-03",
    ]
    assert {r["currency"] for r in sales("--currency", "usd")} == {"USD"}
    assert [r["day"] for r in sales("--by", "day", "--currency", "CNY", "--limit", "2")] == [
        "2026-02-03",
        "2026-02-10",
    ]
    top = sales("--by", "customer", "--limit", "1")
    assert [(r["customer_name"], r["currency"]) for r in top] == [
        ("Anna", "CNY"),
        ("Carl", "JPY"),
        ("Anna", "USD"),
    ]
    assert sales("--since", "2026-11-22", "--until", "2027-01-01") == []  # nothing since today
    said = fails(2, "report", "sales", "--since", "2027-01-01")  # not an empty report
    assert said == "crm: --since '2027-01-01' is in the future\n"


def test_csv_carries_decimal_strings(shop):
    lines = ok("report", "sales", "--by", "year", "--format", "csv").splitlines()
    assert lines[0] == "year,currency,revenue,refunds,net,orders,customers,average_order"
    assert lines[1:] == [
        "2026,CNY,500.00,300.00,200.00,3,2,66.67",
        "2025,JPY,1000,0,1000,1,1,1000",
        "2026,USD,10.00,0.00,10.00,1,1,10.00",
    ]
    assert "#" not in "".join(lines)


def test_table_has_totals_and_a_plain_bar_chart_off_a_terminal(shop):
    out = ok("report", "sales")
    lines = out.splitlines()
    assert lines[0].split() == ["month", "currency", *FIGURES, "chart"]
    assert "\x1b[" not in out and "│" not in out
    row = {line.split()[0] + " " + line.split()[1]: line for line in lines[2:]}
    # 450.00 is the largest CNY net: a full bar; a negative net draws none.
    assert row["2026-01 CNY"].rstrip().endswith("#" * 24)
    assert "#" not in row["2026-02 CNY"]
    assert row["2026-02 USD"].rstrip().endswith("#" * 24)  # its own scale
    assert "total CNY" in row and "#" not in row["total CNY"]
    assert row["total CNY"].split()[2:8] == ["500.00", "300.00", "200.00", "3", "2", "66.67"]


def test_bar_lengths_are_scaled_per_group():
    bars = Bars("v", scale="c", width=10)
    rows = [
        {"v": 100, "c": "A"},
        {"v": 50, "c": "A"},
        {"v": 1, "c": "A"},
        {"v": -5, "c": "A"},
        {"v": None, "c": "A"},
        {"v": 3, "c": "B"},
        {"v": 0, "c": "B"},
    ]
    assert bars.lengths(rows) == [10, 5, 1, 0, 0, 10, 0]


def test_empty_report_prints_nothing(db_path):
    assert ok("report", "sales") == ""
    assert ok("report", "sales", "-f", "json") == "[]\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--by", "decade"], "is not one of"),
        (["--since", "soon"], "not a date"),
        (["--since", "2026-02-01", "--until", "2026-01-01"], "is after --until"),
        (["--currency", "XYZ"], "unknown currency"),
        (["--limit", "-1"], "--limit"),
    ],
)
def test_bad_report_options_exit_2(shop, args, message):
    assert message in fails(2, "report", "sales", *args, db=shop)


def test_report_help_has_an_example(db_path):
    result = crm("report", "sales", "--help")
    assert result.exit_code == 0 and "Example: crm report sales" in result.stdout
    assert crm("report").exit_code == 2  # no report named: help, usage error


def test_demo_has_two_years_of_purchases_products_and_refunds(tmp_path):
    path = tmp_path / "demo.db"
    ok("demo", "--db", str(path), "--seed", "3")
    conn = sqlite3.connect(path)
    count, refunds, first, last, currencies, linked = conn.execute(
        "SELECT count(*), sum(amount_minor < 0), min(purchased_at), max(purchased_at), "
        "count(DISTINCT currency), count(product_id) FROM purchases"
    ).fetchone()
    products, categories = conn.execute(
        "SELECT count(*), count(DISTINCT category) FROM products"
    ).fetchone()
    conn.close()
    assert count > 300 and 0 < refunds < count / 10
    assert first < "2025-01-01" and last.startswith("2026-11")
    assert currencies == 2 and linked > count / 2
    assert products >= 10 and categories >= 5
    report = json.loads(ok("--db", str(path), "report", "sales", "--by", "quarter", "-f", "json"))
    assert len({r["quarter"] for r in report}) >= 8
    table = ok("--db", str(path), "report", "sales", "--by", "category")
    assert "total" in table and "#" in table and "," in table
    # The same seed gives the same data.
    again = tmp_path / "again.db"
    ok("demo", "--db", str(again), "--seed", "3")
    assert ok("--db", str(again), "report", "sales", "-f", "csv") == ok(
        "--db", str(path), "report", "sales", "-f", "csv"
    )


def test_sales_by_tag_counts_a_line_under_each_tag(db_path):
    ok("config", "set", "default_currency", "CNY")
    ok("add", "Anna")
    ok("add", "Bob")
    ok("add", "Carl")
    ok("tag", "vip", "Anna", "Bob")
    ok("tag", "gold", "Anna")
    ok("buy", "Anna", "Tea", "100")
    ok("buy", "Bob", "Tea", "50")
    ok("buy", "Carl", "Tea", "7")
    rows = {
        r["tag"]: r["net"] for r in json.loads(ok("report", "sales", "--by", "tag", "-f", "json"))
    }
    assert rows == {"vip": "150.00", "gold": "100.00", None: "7.00"}
