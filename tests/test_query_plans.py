"""Every query the single-customer commands run uses an index: EXPLAIN QUERY PLAN of each
statement `crm show`, `crm purchases ID` and `crm interactions ID` execute shows no full
scan of purchases or interactions (issue #11: at 1M customers / 10M purchases a scan of one
of them per command is seconds).

The statements are the ones the commands really run, captured with a trace callback, values
bound as they were; the plans are asked of the same database after the commands ran.
"""

import os
import re
import sqlite3

import pytest

from tests.conftest import add, filled_once, ok, traced

# Tables that grow with the business: a command about one customer must never scan them.
BIG = ("purchases", "interactions", "tasks", "feedback", "surveys", "stage_changes", "history")
_KEYWORDS = {"ON", "WHERE", "JOIN", "LEFT", "CROSS", "INNER", "GROUP", "ORDER", "USING", "SET",
             "VALUES", "INDEXED", "LIMIT", "AND", "NATURAL"}  # fmt: skip
_TABLE = re.compile(r"\b(FROM|JOIN|INTO|UPDATE)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", re.IGNORECASE)


def names_of_big_tables(sql: str) -> set[str]:
    """The big tables a statement reads and the aliases it gives them."""
    names = set()
    for _, table, alias in _TABLE.findall(sql):
        if table.lower() in BIG:
            names.add(table.lower())
            if alias and alias.upper() not in _KEYWORDS:
                names.add(alias.lower())
    return names


def statements_of(monkeypatch, *args: str) -> list[str]:
    """The SQL statements `crm ARGS` executes (values inlined by SQLite)."""
    with monkeypatch.context() as patched:
        seen = traced(patched)
        ok(*args)
    return [s for s in seen if re.match(r"\s*(SELECT|WITH)\b", s, re.IGNORECASE)]


def scans(db_path, sql: str) -> list[str]:
    """Plan lines of `sql` that read a whole big table (or its index) from end to end."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
    finally:
        conn.close()
    big = names_of_big_tables(sql)
    return [line for line in plan if (m := re.match(r"SCAN (\w+)", line)) and m[1].lower() in big]


@pytest.fixture
def shop(db_path):
    filled_once(db_path, _fill_shop)
    return db_path


def _fill_shop() -> None:
    ok("demo", "--db", os.environ["CRM_DB"], "--customers", "60")


@pytest.mark.parametrize(
    "args",
    [("show", "7"), ("show", "7", "--format", "json"), ("purchases", "7"),
     ("purchases", "7", "--since", "2026-01-01", "--limit", "3"), ("interactions", "7"),
     ("interactions", "7", "--limit", "2")],
)  # fmt: skip
@pytest.mark.parametrize("analyzed", [False, True])
def test_single_customer_queries_use_an_index(shop, monkeypatch, args, analyzed):
    if analyzed:  # the planner's choice with statistics too (a user may run ANALYZE)
        conn = sqlite3.connect(shop)
        conn.execute("ANALYZE")
        conn.close()
    statements = statements_of(monkeypatch, *args)
    assert any(names_of_big_tables(s) for s in statements)
    bad = {s: found for s in statements if (found := scans(shop, s))}
    assert not bad, bad


def test_the_check_sees_a_scan(shop):
    """The check itself: a query that reads every purchase is caught, alias or not."""
    assert scans(shop, "SELECT sum(p.amount_minor) FROM purchases p WHERE p.note = 'x'")
    assert scans(shop, "SELECT count(*) FROM interactions WHERE kind = 'x'")
    assert not scans(shop, "SELECT * FROM purchases p WHERE p.customer_id = 7")


@pytest.mark.parametrize(
    "args", [("today",), ("remind", "--format", "json"), ("dashboard", "--format", "json")]
)
def test_the_daily_commands_read_no_big_table_from_end_to_end(shop, monkeypatch, args):
    """`crm today`, `crm remind` and the dashboard read the last contact of the customers
    they need by key from the last contacts the write path keeps (m026), churn, lifecycle
    and RFM from the purchase summaries: no statement reads every purchase, interaction or
    task, and none reads the counted tables for a last contact."""
    statements = statements_of(monkeypatch, *args)
    assert not [s for s in statements if "julianday(occurred_at)" in s]
    contact = [s for s in statements if "FROM last_contacts WHERE" in s]
    assert contact
    conn = sqlite3.connect(f"file:{shop}?mode=ro", uri=True)
    try:
        plans = [[row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + s)] for s in contact]
    finally:
        conn.close()
    for plan in plans:
        read = [line for line in plan if "last_contacts" in line]
        assert read and all("USING PRIMARY KEY (customer_id=?)" in x for x in read), plan
    bad = {s: found for s in statements if (found := scans(shop, s))}
    assert not bad, bad


@pytest.mark.parametrize("args", [("today",), ("remind", "--format", "json"), ("dashboard",)])
def test_only_the_customers_with_a_cadence_or_a_birthday_are_read(db_path, monkeypatch, args):
    """With no cadence by tag, stage or default, due for contact reads the customers with
    a cadence of their own from their own index alone (m026), not every customer's row;
    and the birthdays of the day are read from the index of the customers with one."""
    add("Anna", "--cadence", "14d", "--birthday", "1990-11-22")
    add("Bob")
    ok("log", "call", "Anna", "rang", "--at", "2026-10-01T10:00:00+08:00")
    statements = statements_of(monkeypatch, *args)
    due = [s for s in statements if "cadence_max_days" in s and "FROM customers c" in s]
    assert due
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        for sql in due:
            plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
            assert not [x for x in plan if x.startswith("SCAN c")], plan
            if "json_each" not in sql:  # the first reading (the second: the shown, by id)
                assert "SEARCH c USING COVERING INDEX customers_cadence (cadence_days>?)" in plan
        births = [s for s in statements if "SELECT id, birthday, birthday_lunar" in s]
        assert births
        for sql in births:  # the birthdays of the day from their own index alone (m026)
            plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
            assert plan == [
                "SEARCH customers USING COVERING INDEX customers_birthdays (birthday>?)"
            ], plan
    finally:
        conn.close()


def test_the_dashboards_revenue_reads_the_index_of_purchases_by_time_alone(shop, monkeypatch):
    """The revenue panel sums three months of purchase lines from the index by time
    (m021_purchases_by_time_covering), never looking a line up in the table."""
    statements = statements_of(monkeypatch, "dashboard", "--format", "json")
    revenue = [s for s in statements if "sum(amount_minor) FROM purchases" in s]
    assert len(revenue) == 3
    conn = sqlite3.connect(f"file:{shop}?mode=ro", uri=True)
    try:
        plans = [[row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + s)] for s in revenue]
    finally:
        conn.close()
    for plan in plans:
        assert any("USING COVERING INDEX purchases_purchased_at" in line for line in plan), plan


def test_a_customers_first_phone_and_email_come_from_an_index_alone(shop, monkeypatch):
    """`crm list -f csv` reads every customer's first phone and email from the indexes of
    m022_first_phone_and_email: no table lookup, no sort per customer."""
    statements = statements_of(monkeypatch, "list", "-f", "csv")
    listed = [s for s in statements if "FROM customer_phones p" in s]
    assert len(listed) == 1
    conn = sqlite3.connect(f"file:{shop}?mode=ro", uri=True)
    try:
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + listed[0])]
    finally:
        conn.close()
    assert "SEARCH p USING COVERING INDEX customer_phones_first (customer_id=?)" in plan, plan
    assert "SEARCH e USING COVERING INDEX customer_emails_first (customer_id=?)" in plan, plan


def test_the_daily_counts_read_narrow_indexes_not_every_customer(shop, monkeypatch):
    """m024: the dashboard's RFM cells are counted from purchase_summaries_recency alone,
    and the tasks of `crm today` and the lifecycle panel leave out the archived customers
    by their own index instead of looking up every row's customer."""
    statements = statements_of(monkeypatch, "dashboard", "--format", "json")
    statements += statements_of(monkeypatch, "today", "--format", "json")
    conn = sqlite3.connect(f"file:{shop}?mode=ro", uri=True)
    try:

        def plan(sql: str) -> list[str]:
            return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]

        funnel = [s for s in statements if "AS stage_then" in s]
        assert len(funnel) == 1
        assert "SEARCH s USING COVERING INDEX stage_changes_customer (customer_id=?)" in (
            plan(funnel[0])
        )  # m025: the stage as of the day from the index alone
        cells = [s for s in statements if "count(*) FROM purchase_summaries" in s]
        tasks = [s for s in statements if "FROM tasks t" in s]
        stages = [s for s in statements if "FROM customer_purchase_days d" in s]
        assert len(cells) == 2 and tasks and len(stages) == 1
        assert "SCAN purchase_summaries USING COVERING INDEX purchase_summaries_recency" in (
            plan(cells[0])
        )
        for sql in [*cells[1:], *tasks, *stages]:
            lines = plan(sql)
            assert "USING COVERING INDEX customers_archived" in " ".join(lines), lines
            # no customer read row by row (a join, or a lookup by id)
            assert not [x for x in lines if re.match(r"(SEARCH|SCAN) c\b", x)], lines
    finally:
        conn.close()
