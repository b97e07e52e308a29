"""Derived classes (lifecycle, ABC, tiers) through the filter language, segments, rules and
crm classify, on hand-checked purchases. Today is 2026-11-22 (conftest)."""

import json
import sqlite3

from tests.conftest import TODAY, buy_ago, crm, dump, fails, ids, ok


def test_lifecycle_boundaries_in_list_and_where(shoppers):
    assert ids("--lifecycle", "reactivated") == [1]
    assert ids("--lifecycle", "lapsed") == [2]
    assert ids("--lifecycle", "at-risk") == [3]
    assert ids("--where", "lifecycle = active") == [4]
    assert ids("--lifecycle", "NEW") == [5]
    assert ids("--lifecycle", "none") == [6]
    assert ids("--lifecycle", "at-risk", "--lifecycle", "lapsed") == [2, 3]
    assert ids("--where", "lifecycle != active", "--where", "lifecycle ~ a") == [1, 2, 3]
    ok("config", "set", "lifecycle.default_gap", "100")  # at-risk after 150, lapsed after 300
    assert ids("--lifecycle", "at-risk") == [2]
    assert ids("--lifecycle", "active") == [3, 4]


def test_abc_shares_and_ties(shoppers):
    # 12-month nets: Anna 10000, Bob 500, Carl 300, Dan 150, Eve 50; total 11000.
    # Shares before: Anna 0 (A), Bob 10000/11000 = 0.909 (B), Carl 0.955 (C), ...
    assert ids("--abc", "A") == [1]
    assert ids("--where", "abc = b") == [2]
    assert ids("--abc", "C") == [3, 4, 5, 6]  # Fay never bought: C
    ok("config", "set", "abc.b", "96")  # Carl's share before (0.9545) is now below
    assert ids("--abc", "B") == [2, 3]
    buy_ago("Dan", "150", 5)  # Dan 300 = Carl 300: a tie shares the class of the first
    assert ids("--abc", "B") == [2, 3, 4]


def test_abc_window_and_refunds(shoppers):
    buy_ago("Bob", "-500", 1, "--refund")  # Bob nets 0: C whatever the rank
    # Anna 10000, Carl 300, Dan 150, Eve 50 of 10500: Carl's share before is 0.952: C
    assert ids("--abc", "B") == []
    assert ids("--abc", "C") == [2, 3, 4, 5, 6]
    ok("config", "set", "abc.window", "60d")  # only Anna's 2000 (10 days ago) and Eve's 50
    ok("config", "set", "abc.b", "98")  # Eve's share before: 2000 / 2050 = 0.976
    assert ids("--abc", "A") == [1]
    assert ids("--abc", "B") == [5]
    ok("config", "set", "abc.window", "all")
    assert ids("--abc", "B") == [3]  # all within 12 months anyway: Carl 0.952, Dan 0.981


def test_frequency_and_value_tiers_boundaries(db_path):
    ok("add", "Gus")
    ok("add", "Hal")
    for ago in (1, 2, 3):
        buy_ago("Gus", "1000", ago)
    buy_ago("Gus", "999.99", 3)  # same day again: still three purchase days
    assert ids("--frequency-tier", "low") == [1, 2]
    buy_ago("Gus", "1", 364)  # 2025-11-23: the first day of the 12 months
    assert ids("--frequency-tier", "medium") == [1]  # four purchase days
    buy_ago("Hal", "5000", 365)  # 2025-11-22: outside the 12 months
    assert ids("--value-tier", "low") == [1, 2]
    assert ids("--where", "revenue_12m >= 4000") == [1]  # 3000 + 999.99 + 1 = 4000.99
    buy_ago("Hal", "5000", 3)
    assert ids("--value-tier", "medium") == [2]  # exactly 5000: medium
    buy_ago("Hal", "-0.01", 2, "--refund")
    assert ids("--value-tier", "medium") == []  # 4999.99
    buy_ago("Hal", "9", 1, "--currency", "USD")  # other currencies do not count
    assert ids("--value-tier", "low") == [1, 2]
    assert ids("--where", "purchase_days_12m = 4") == [1]
    assert ids("--where", "days_since_purchase <= 1") == [1, 2]
    assert ids("--where", "last_purchase_on >= 2026-11-21") == [1, 2]


def test_show_and_list_columns(shoppers):
    out = json.loads(ok("show", "Anna", "--format", "json"))
    assert out["classes"] == [
        {
            "lifecycle": "reactivated",
            "abc": "A",
            "frequency_tier": "medium",
            "value_tier": "medium",
            "purchase_days": 5,
            "purchase_days_12m": 5,
            "revenue_12m": "10000.00",
            "currency": "CNY",
            "first_purchase_on": "2026-08-14",
            "last_purchase_on": "2026-11-12",
            "days_since_purchase": 10,
        }
    ]
    assert json.loads(ok("show", "Fay", "--format", "json"))["classes"] == []
    assert "reactivated" in ok("show", "Anna")
    rows = json.loads(ok("list", "--classes", "--format", "json"))
    assert [(r["lifecycle"], r["abc"]) for r in rows][:2] == [("reactivated", "A"), ("lapsed", "B")]
    header = ok("list", "--classes", "--format", "csv").splitlines()[0]
    assert header.endswith(",lifecycle,abc,frequency_tier,value_tier")
    assert "lifecycle" not in ok("list", "--format", "csv").splitlines()[0]


def test_bad_derived_filters(shoppers):
    assert "unknown abc 'Z'" in fails(2, "list", "--where", "abc = Z", db=shoppers)
    assert "unknown lifecycle" in fails(2, "list", "--lifecycle", "sleepy", db=shoppers)
    assert "takes = != or ~ only" in fails(2, "list", "--where", "abc > A", db=shoppers)
    assert "not an amount" in fails(2, "list", "--where", "revenue_12m >= lots", db=shoppers)
    assert "is a number" in fails(2, "list", "--where", "purchase_days = x", db=shoppers)
    fails(2, "config", "set", "abc.a", "0", db=shoppers)
    fails(2, "config", "set", "lifecycle.at_risk_factor", "-1", db=shoppers)
    fails(2, "config", "set", "rfm.grid", "champions=6/45", db=shoppers)


def test_same_filter_same_customers_in_list_and_tag(shoppers):
    chosen = ids("--lifecycle", "at-risk", "--lifecycle", "lapsed")
    ok("tag", "slipping", "--lifecycle", "at-risk", "--lifecycle", "lapsed")
    assert ids("--tag", "slipping") == chosen == [2, 3]
    ok("untag", "slipping", "--abc", "B")
    assert ids("--tag", "slipping") == [3]


def tagged(db_path, tag):
    conn = sqlite3.connect(db_path)
    rows = conn.execute(
        "SELECT ct.customer_id FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id "
        "WHERE t.name = ? ORDER BY 1",
        (tag,),
    ).fetchall()
    conn.close()
    return [r[0] for r in rows]


def test_rule_boundary_dry_run_and_classify(db_path):
    ok("add", "Ivy")
    ok("add", "Jon")
    buy_ago("Ivy", "50000", 3)
    buy_ago("Jon", "49999.99", 3)
    assert ok("rule", "add", "vip", "--where", "revenue_12m >= 50000") == (
        "Added rule 1: tag vip when --where 'revenue_12m >= 50000'\n"
    )
    before = dump(db_path)
    assert ok("classify", "--dry-run") == (
        "change  tag  customer\n------  ---  --------\ngained  vip  Ivy (#1)\n"
    )
    assert dump(db_path) == before  # a dry run writes nothing
    assert tagged(db_path, "vip") == []
    out = json.loads(ok("classify", "--format", "json"))
    assert out == [{"customer_id": 1, "customer_name": "Ivy", "tag": "vip", "change": "gained"}]
    assert tagged(db_path, "vip") == [1]
    assert ok("classify") == ""  # nothing changed: nothing printed
    ok("tag", "vip", "Jon")  # by hand: a rule never takes it away
    buy_ago("Ivy", "-0.01", 1, "--refund")  # Ivy drops below the threshold
    assert (
        ok("classify", "--format", "csv")
        == "customer_id,customer_name,tag,change\n1,Ivy,vip,lost\n"
    )
    assert tagged(db_path, "vip") == [2]
    assert ok("classify") == ""


def test_rule_list_delete_and_errors(shoppers):
    ok("rule", "add", "dormant", "--lifecycle", "lapsed")
    ok("rule", "add", "dormant", "--lifecycle", "at-risk")  # two rules, one tag: either
    ok("classify")
    assert tagged(shoppers, "dormant") == [2, 3]
    rows = json.loads(ok("rule", "list", "--format", "json"))
    assert [(r["id"], r["tag"], r["filter"]) for r in rows] == [
        (1, "dormant", "--lifecycle lapsed"),
        (2, "dormant", "--lifecycle at-risk"),
    ]
    assert ok("rule", "delete", "2") == "Deleted rule 2 (tag dormant).\n"
    assert ok("classify") == (
        "change  tag      customer\n------  -------  ---------\nlost    dormant  Carl (#3)\n"
    )
    fails(3, "rule", "delete", "2", db=shoppers)
    assert "give the filter" in fails(2, "rule", "add", "x", db=shoppers)
    fails(2, "rule", "add", "x", "--where", "nosuch = 1", db=shoppers)
    fails(2, "rule", "add", "a,b", "--tag", "x", db=shoppers)


def test_empty_database_classify_and_lists(db_path):
    assert ok("classify") == ""
    assert ok("segment", "list") == ""
    assert ok("rule", "list", "--format", "json") == "[]\n"
    assert crm("list", "--lifecycle", "new").exit_code == 0


def test_one_customers_classes_equal_everyones(tmp_path):
    """crm show reads one customer's classes the short way: the same as crm list's."""
    from crmcli.reports import classes
    from crmcli.store.db import connect

    db = tmp_path / "demo.db"
    ok("demo", "--db", str(db), "--customers", "120")
    conn = connect(db, write=False)
    try:
        everyone = classes.derive(conn, TODAY)
        archived = classes.derive(conn, TODAY, archived=True)
        for customer_id, record in [*everyone.items(), *archived.items()]:
            assert classes.customer_classes(conn, customer_id, TODAY) == record
    finally:
        conn.close()
