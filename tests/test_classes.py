"""Derived classes (lifecycle, ABC, tiers) through the filter language, segments, rules and
crm classify, on hand-checked purchases. Today is 2026-11-22 (conftest)."""

import json
import sqlite3

from tests.conftest import NOW, TODAY, add, buy_ago, crm, dump, fails, ids, ok


def test_lifecycle_boundaries_in_list_and_where(shoppers):
    assert ids("--lifecycle", "reactivated") == [1]
    assert ids("--lifecycle", "lapsed") == [2]
    assert ids("--lifecycle", "at-risk") == [3]
    assert ids("--where", "lifecycle = active") == [4]
    assert ids("--lifecycle", "NEW") == [5]
    assert ids("--lifecycle", "none") == [6]
    assert ids("--lifecycle", "at-risk", "--lifecycle", "lapsed") == [2, 3]
    assert ids("--where", "lifecycle != active", "--where", "lifecycle ~ a") == [1, 2, 3]
    ok("config", "set", "lifecycle.default_gap", "100")  # at_risk after 150, lapsed after 300
    assert ids("--lifecycle", "at-risk") == [2]
    assert ids("--lifecycle", "active") == [3, 4]


def test_at_risk_is_written_as_its_key_and_read_in_any_spelling(shoppers):
    """JSON and CSV write at_risk, the key report lifecycle's months use; typed, case,
    spaces, - and _ are ignored, so the old at-risk still selects the same customers."""
    assert classes_shown("Carl")["lifecycle"] == "at_risk"
    listed = json.loads(ok("list", "--classes", "--format", "json"))
    assert [(r["id"], r["lifecycle"]) for r in listed if "risk" in r["lifecycle"]] == [
        (3, "at_risk")
    ]
    assert "3,Carl,at_risk" in ok("list", "--classes", "--fields", "id,name,lifecycle", "-f", "csv")
    for typed in ("at_risk", "at-risk", "at risk", "AtRisk", "AT_RISK", " At-Risk "):
        assert ids("--lifecycle", typed) == [3], typed
        assert ids("--where", f"lifecycle = {typed}") == [3], typed
        assert ids("--where", f"lifecycle != '{typed}'") == [1, 2, 4, 5, 6], typed
    assert ids("--where", "lifecycle ~ at-r") == ids("--where", "lifecycle ~ RISK") == [3]


def test_a_lifecycle_spelt_wrong_is_one_line_naming_the_stages(shoppers):
    for args in (("--lifecycle", "at-rsk"), ("--where", "lifecycle = at-rsk")):
        err = fails(2, "tag", "x", *args, db=shoppers)
        assert err == (
            "crm: unknown lifecycle 'at-rsk'; use one of: "
            "new, active, at_risk, lapsed, reactivated, none\n"
        )
    assert "unknown lifecycle 'risk'" in fails(2, "segment", "add", "s", "--lifecycle", "risk")


def test_crm_show_follows_the_lifecycle_settings(shoppers):
    """Bob's one purchase is 271 days old: lapsed after 3 x 90, at risk with a default gap of
    100 (lapsed only after 300)."""
    assert classes_shown("Bob")["lifecycle"] == "lapsed"
    ok("config", "set", "lifecycle.default_gap", "100")
    assert classes_shown("Bob")["lifecycle"] == "at_risk"


def classes_shown(ref: str) -> dict:
    """The derived classes `crm show REF` gives."""
    return json.loads(ok("show", ref, "--format", "json"))["classes"][0]


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


def test_crm_show_ranks_over_the_whole_history_with_abc_window_all(shoppers):
    """abc.window all: Carl's share before is 10500/11000 = 0.955 (Anna and Bob above), C;
    with abc.b 96 it is B, in crm show as in crm list."""
    ok("config", "set", "abc.window", "all")
    assert classes_shown("Carl")["abc"] == "C"
    ok("config", "set", "abc.b", "96")
    assert classes_shown("Carl")["abc"] == "B"
    assert ids("--abc", "B") == [2, 3]


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


def test_the_high_tiers_begin_at_their_thresholds(db_path):
    """With a high frequency tier from 3 purchase days and a high value tier from 100.00,
    Ivy (3 days, exactly 100.00) is high in both and Jo (2 days, 99.99) medium in both."""
    for key, value in (("frequency.medium", "2"), ("frequency.high", "3"),
                       ("value.medium", "50"), ("value.high", "100")):  # fmt: skip
        ok("config", "set", f"tier.{key}", value)
    ok("add", "Ivy")
    ok("add", "Jo")
    for ago, amount in ((1, "40"), (2, "30"), (3, "30")):
        buy_ago("Ivy", amount, ago)
    buy_ago("Jo", "50", 1)
    buy_ago("Jo", "49.99", 2)
    assert ids("--frequency-tier", "high") == ids("--value-tier", "high") == [1]
    assert ids("--frequency-tier", "medium") == ids("--value-tier", "medium") == [2]
    shown = classes_shown("Ivy")
    assert (shown["frequency_tier"], shown["value_tier"]) == ("high", "high")


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
    assert fails(2, "list", "--where", "abc > A", db=shoppers) == "crm: abc takes = != or ~ only\n"
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
    assert ok("rule", "delete", "--yes", "2") == "Deleted rule 2 (tag dormant).\n"
    assert ok("classify") == (
        "change  tag      customer\n------  -------  ---------\nlost    dormant  Carl (#3)\n"
    )
    fails(3, "rule", "delete", "--yes", "2", db=shoppers)
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
        everyone = classes.derive(conn, TODAY, archived=False)
        archived = classes.derive(conn, TODAY, archived=True)
        for customer_id, record in [*everyone.items(), *archived.items()]:
            assert classes.customer_classes(conn, customer_id, TODAY) == record
    finally:
        conn.close()


def test_derived_numbers_and_dates_compare_and_the_never_bought_only_differ(shoppers):
    """Days since the last purchase: Anna 10, Bob 271, Carl 136, Dan 135, Eve 30; Fay never
    bought, so she has no such day and only != holds for her (docs/classification.md)."""
    assert ids("--where", "days_since_purchase < 135") == [1, 5]
    assert ids("--where", "days_since_purchase <= 135") == [1, 4, 5]
    assert ids("--where", "days_since_purchase > 135") == [2, 3]
    assert ids("--where", "days_since_purchase >= 136") == [2, 3]
    assert ids("--where", "days_since_purchase = 135") == [4]
    assert ids("--where", "days_since_purchase != 135") == [1, 2, 3, 5, 6]
    assert ids("--where", "last_purchase_on < 2026-07-10") == [2, 3]  # Dan bought that day
    assert ids("--where", "last_purchase_on != 2026-07-10") == [1, 2, 3, 5, 6]
    # Fay has 0 purchase days, a number like any other; a negative number is a number
    assert ids("--where", "purchase_days != 1") == [1, 6]
    assert ids("--where", "purchase_days > -1") == [1, 2, 3, 4, 5, 6]
    assert ids("--where", "purchase_days < 0") == []


def test_derived_numbers_refuse_contains_and_non_digits(shoppers):
    assert fails(2, "list", "--where", "purchase_days ~ 1", db=shoppers) == (
        "crm: purchase_days compares with = != < <= > >= only\n"
    )
    assert fails(2, "list", "--where", "revenue_12m ~ 1", db=shoppers) == (
        "crm: revenue_12m compares with = != < <= > >= only\n"
    )
    for bad in ("1-", "--1", "1.5", "one", "²"):  # --1 and ² crashed crm
        assert fails(2, "list", "--where", f"purchase_days = {bad}", db=shoppers) == (
            "crm: purchase_days is a number; compare it with digits\n"
        )


def test_abc_alone_ranks_the_archived_among_themselves(shoppers):
    """12-month nets: Anna 10000, Bob 500, Carl 300, Dan 150, Eve 50. With Anna and Carl
    archived, the live ones rank without them (share before: Bob 0 and Dan 500/700 A, Eve
    650/700 B) and the archived ones among themselves (Anna 0 A, Carl 10000/10300 C)."""
    ok("delete", "Anna", "--yes")
    ok("delete", "Carl", "--yes")
    assert ids("--abc", "A") == [2, 4]
    assert ids("--abc", "B") == [5]
    assert ids("--abc", "A", "--archived") == [1]
    assert ids("--abc", "B", "--archived") == []
    assert ids("--abc", "C", "--archived") == [3]
    # with another field the classes come from the full records: the same answer
    assert ids("--where", "abc = c", "--where", "purchase_days >= 0", "--archived") == [3]
    listed = json.loads(ok("list", "--classes", "--archived", "--format", "json"))
    assert [(r["id"], r["lifecycle"], r["abc"]) for r in listed] == [
        (1, "reactivated", "A"),
        (3, "at_risk", "C"),
    ]


def test_revenue_is_compared_in_the_default_currency(shoppers):
    assert ids("--where", "revenue_12m >= CNY 500") == [1, 2]
    assert fails(2, "list", "--where", "revenue_12m >= USD 5", db=shoppers) == (
        "crm: the amount 'USD 5' is in USD, not CNY\n"
    )
    ok("config", "set", "default_currency", "USD")
    buy_ago("Bob", "6", 1, "--currency", "USD")
    assert ids("--where", "revenue_12m >= USD 5") == [2]
    assert ids("--where", "revenue_12m > 5.99") == [2]
    assert ids("--where", "revenue_12m > 6") == []


def test_a_weekday_in_a_date_comparison_is_the_last_one(shoppers):
    """Today is Sunday 2026-11-22: `friday` is the 20th (the next one would be the 27th)."""
    buy_ago("Eve", "5", 2)
    assert ids("--where", "last_purchase_on >= friday") == [5]
    assert ids("--where", "first_purchase_on < friday") == [1, 2, 3, 4, 5]


def test_an_unknown_class_names_the_known_ones(shoppers):
    assert fails(2, "list", "--where", "abc = Z", db=shoppers) == (
        "crm: unknown abc 'Z'; use one of: A, B, C\n"
    )
    assert fails(2, "list", "--value-tier", "top", db=shoppers) == (
        "crm: unknown value_tier 'top'; use one of: high, medium, low\n"
    )


def test_a_customers_class_is_their_best_in_any_currency(shoppers):
    """Eve is C in CNY (50 of 11000) and the only USD buyer (A there): A. Bob, A in USD
    too, tied with Eve, keeps it."""
    buy_ago("Eve", "10", 1, "--currency", "USD")
    assert ids("--abc", "A") == [1, 5]
    assert classes_shown("Eve")["abc"] == "A"
    buy_ago("Bob", "10", 1, "--currency", "USD")
    assert ids("--abc", "A") == [1, 2, 5]


def test_purchases_after_today_count_in_no_class(shoppers, monkeypatch):
    """A purchase dated after today (the clock was later when it was entered) is no
    purchase yet: Fay's 100000 tomorrow makes her neither A nor a buyer."""
    monkeypatch.setenv("CRM_NOW", "2026-11-23T10:00:00+08:00")
    ok("buy", "Fay", "Tea", "100000", "--at", "2026-11-23")
    monkeypatch.setenv("CRM_NOW", NOW)
    assert ids("--abc", "A") == [1]
    assert classes_shown("Anna")["abc"] == "A"
    assert ids("--lifecycle", "none") == [6]
    assert ids("--where", "revenue_12m > 0") == [1, 2, 3, 4, 5]
    assert ids("--where", "purchase_days > 0") == [1, 2, 3, 4, 5]
    shown = json.loads(ok("show", "Fay", "--format", "json"))
    assert shown["classes"] == []


def test_show_ranks_a_customer_in_each_currency_they_bought_in(shoppers):
    """Fay's refund nets -5.00 in CNY, and her 0.01 USD makes her the one USD buyer: A there,
    so A, in crm show as in crm list."""
    buy_ago("Fay", "-5", 2, "--refund", "--force")
    buy_ago("Fay", "0.01", 1, "--currency", "USD")
    assert ids("--abc", "A") == [1, 6]
    assert classes_shown("Fay")["abc"] == "A"


def test_a_purchase_of_today_counts_in_crm_show_as_in_crm_list(shoppers):
    """Eve's 50000 today: Eve 50050, Anna 10000, Bob 500, Carl 300, Dan 150 of 61000, so
    Anna's share before is 50050/61000 = 82 %: B."""
    buy_ago("Eve", "50000", 0)
    assert ids("--abc", "A") == [5]
    assert classes_shown("Anna")["abc"] == "B"


def test_abc_boundaries_in_crm_show_and_crm_list(db_path):
    """Nets 80, 15, 5: Yan's share before is exactly 80 % (not below a = 80: B), Zoe's exactly
    95 % (not below b = 95: C)."""
    for name, amount in (("Xia", "80"), ("Yan", "15"), ("Zoe", "5")):
        ok("add", name)
        buy_ago(name, amount, 1)
    assert [ids("--abc", label) for label in "ABC"] == [[1], [2], [3]]
    assert [classes_shown(name)["abc"] for name in ("Xia", "Yan", "Zoe")] == ["A", "B", "C"]


def test_never_bought_is_the_lowest_frequency_tier(shoppers):
    ok("config", "set", "tier.frequency.medium", "1")  # one purchase day is medium
    assert ids("--frequency-tier", "low") == [6]
    assert ids("--frequency-tier", "medium") == [1, 2, 3, 4, 5]


def test_an_abc_window_of_30_days_starts_29_days_ago(shoppers):
    """Window 30d as of 11-22: from 10-24 on. Anna's 2000 (10 days ago) and Fay's 100 (29
    days ago) are in it, Eve's 50 (30 days ago) is not: Fay's share before is 2000/2100 =
    95.2 %, B below 98; Eve has nothing in the window: C."""
    buy_ago("Fay", "100", 29)
    ok("config", "set", "abc.window", "30d")
    ok("config", "set", "abc.b", "98")
    assert [ids("--abc", label) for label in "ABC"] == [[1], [6], [2, 3, 4, 5]]


def test_abc_b_may_equal_abc_a_but_not_go_below_it(shoppers):
    """abc.b = abc.a leaves no B class; below it the settings contradict each other, and
    every command that needs the classes says so."""
    ok("config", "set", "abc.b", "80")
    assert [ids("--abc", label) for label in "ABC"] == [[1], [], [2, 3, 4, 5, 6]]
    ok("config", "set", "abc.b", "70")
    assert fails(2, "list", "--abc", "A", db=shoppers) == (
        "crm: setting abc.b (70) is below abc.a (80); fix it with crm config set\n"
    )


def test_each_lifecycle_setting_moves_its_boundary(shoppers):
    """Eve's first purchase is 30 days old, Carl silent 136 days, Bob 271 after one purchase,
    Anna's usual gap 10 days from 4 gaps (her 60-day gap was a lapse: reactivated)."""
    ok("config", "set", "lifecycle.new_days", "29")  # Eve is no longer new
    assert ids("--lifecycle", "new") == []
    assert ids("--lifecycle", "active") == [4, 5]
    ok("config", "set", "lifecycle.at_risk_factor", "1.6")  # at risk after 144 days
    assert ids("--lifecycle", "active") == [3, 4, 5]
    ok("config", "set", "lifecycle.lapsed_factor", "3.1")  # lapsed after 279 days
    assert ids("--lifecycle", "at-risk") == [2]
    ok("config", "set", "lifecycle.min_gaps", "5")  # Anna's 4 gaps are too few: 90 days
    assert ids("--lifecycle", "active") == [1, 3, 4, 5]


def test_abc_a_is_a_share_in_hundredths(db_path):
    """Nets 795 and 205: the second's share before is 79.5 %, below a = 80: A."""
    for name, amount in (("Xia", "795"), ("Yan", "205")):
        ok("add", name)
        buy_ago(name, amount, 1)
    assert ids("--abc", "A") == [1, 2]


def test_a_class_typed_as_the_word_a_chinese_table_shows_selects_as_its_key(shoppers):
    """`--lifecycle 流失风险` is at_risk under any language, in an option as in --where."""
    for lang in ((), ("--lang", "zh")):
        assert ids(*lang, "--lifecycle", "流失风险") == [3]
        assert ids(*lang, "--where", "lifecycle = 已沉睡") == [2]


def test_a_class_refused_in_chinese_names_each_choice_with_its_word(shoppers):
    assert fails(2, "--lang", "zh", "list", "--value-tier", "top", db=shoppers) == (
        "crm: 未知价值分层“top”；请用以下之一：高（high）、中（medium）、低（low）\n"
    )


def test_an_abc_window_longer_than_100_years_is_refused(shoppers):
    for value in ("9999y", "2030y", "101y", "1217m"):
        said = fails(2, "config", "set", "abc.window", value, db=shoppers)
        assert (
            said == f"crm: window {value!r} is longer than 100 years; give a shorter one, or all\n"
        )
        assert said == fails(2, "report", "abc", "--window", value, db=shoppers)
    assert ok("config", "set", "abc.window", "100y") == "abc.window = 100y\n"
    assert ok("report", "abc", "--format", "json")


def test_a_window_stored_before_the_limit_is_refused_by_the_commands_that_use_it(shoppers):
    conn = sqlite3.connect(shoppers)
    with conn:
        conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('abc.window', '9999y')")
    conn.close()
    line = "crm: 2026-11-22 - 9999y is outside the years 1000 to 2999\n"
    for args in (
        ("report", "abc"),
        ("list", "--classes"),
        ("list", "--where", "abc=A"),
        ("export", "customers", "--classes"),
    ):
        assert fails(2, *args, db=shoppers) == line, args


def test_a_sale_refunded_in_the_default_currency_is_a_net_of_0_on_the_card(db_path):
    """Bought 100 CNY, refunded it, bought 50 HKD: the customer did buy in the default
    currency in the 12 months, so the card says 0.00 CNY, not 50.00 HKD; bought in it only
    before the 12 months, the HKD is what they bought."""
    add("陈大文")
    ok("buy", "陈大文", "茶", "100", "--at", "-40d")
    ok("buy", "陈大文", "茶", "-100", "--refund", "--at", "-30d")
    ok("buy", "陈大文", "奶茶", "50", "--currency", "HKD", "--at", "-20d")
    classes = json.loads(ok("show", "陈大文", "--format", "json"))["classes"]
    assert (classes[0]["revenue_12m"], classes[0]["currency"]) == ("0.00", "CNY")
    add("李四")
    ok("buy", "李四", "茶", "100", "--at", "-400d")
    ok("buy", "李四", "奶茶", "50", "--currency", "HKD", "--at", "-20d")
    classes = json.loads(ok("show", "李四", "--format", "json"))["classes"]
    assert (classes[0]["revenue_12m"], classes[0]["currency"]) == ("50.00", "HKD")
