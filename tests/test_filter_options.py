"""The customer filter options every selecting command shares (--tag, --lifecycle, --where,
--segment...): one filter picks the same customers in list, export, tag and the reports;
`crm report sales` with them; `crm export customers --classes`; and stored filters (rules,
segments, care rules, cadences) following `crm tag rename`. Today is 2026-11-22 (conftest)."""

import csv
import io
import json
import sqlite3

import pytest

from crmcli.records import config, filters, segments
from crmcli.reports import classes
from crmcli.transfer import exporters
from tests.conftest import buy_ago, dump, fails, filled_once, ids, ok, rows


def sales(*args: str) -> list[dict]:
    return json.loads(ok("report", "sales", *args, "--format", "json"))


@pytest.fixture
def shop(db_path):
    """Anna reactivated (A), Bob lapsed, Carl at_risk, Dan active, Eve new, Fay never bought;
    Anna and Carl in Shanghai and tagged vip; Bob archived later where a test wants it."""
    filled_once(db_path, _fill_shop)
    return db_path


def _fill_shop() -> None:
    ok("add", "Anna", "--city", "Shanghai")
    ok("add", "Bob", "--city", "Beijing")
    ok("add", "Carl", "--city", "Shanghai")
    ok("add", "Dan", "--city", "Shanghai")
    ok("add", "Eve")
    ok("add", "Fay")
    for ago in (100, 90, 80, 70, 10):
        buy_ago("Anna", "2000", ago)
    buy_ago("Bob", "500", 271)
    buy_ago("Carl", "300", 136)
    buy_ago("Carl", "5 USD", 140)
    buy_ago("Dan", "150", 135)
    buy_ago("Eve", "50", 30)
    ok("tag", "vip", "Anna", "Carl")


# --- crm report sales with the filter options --------------------------------------------


def test_sales_by_tag_lifecycle_and_where(shop):
    everyone = sales("--by", "year")
    assert [(r["currency"], r["net"], r["customers"]) for r in everyone] == [
        ("CNY", "11000.00", 5),
        ("USD", "5.00", 1),
    ]
    vip = sales("--by", "customer", "--tag", "vip")
    assert [(r["customer_name"], r["currency"], r["net"]) for r in vip] == [
        ("Anna", "CNY", "10000.00"),
        ("Carl", "CNY", "300.00"),
        ("Carl", "USD", "5.00"),
    ]
    picked = sales("--by", "customer", "--tag", "vip", "--lifecycle", "at-risk",
                   "--where", "city = Shanghai")  # fmt: skip
    assert [(r["customer_name"], r["net"]) for r in picked] == [
        ("Carl", "300.00"),
        ("Carl", "5.00"),
    ]
    assert sales("--lifecycle", "none") == []  # Fay never bought
    # Carl is the only USD buyer, so A there: a customer's class is their best in any currency
    assert sales("--abc", "A", "--by", "year", "--currency", "CNY")[0]["net"] == "10300.00"
    assert sales("--without-tag", "vip", "--by", "year")[0]["net"] == "700.00"


def test_sales_filter_with_since_and_totals_in_the_table(shop):
    rows = sales("--by", "month", "--tag", "vip", "--since", "2026-09-01")
    assert [(r["month"], r["net"]) for r in rows] == [  # Anna's; Carl bought in July
        ("2026-09", "4000.00"),
        ("2026-11", "2000.00"),
    ]
    table = ok("report", "sales", "--by", "year", "--tag", "vip", "--currency", "CNY")
    total = [line for line in table.splitlines() if line.startswith("total")]
    assert total and "10,300.00" in total[0]


@pytest.mark.parametrize("by", ["day", "week", "quarter", "category", "item", "city", "tag"])
def test_sales_filter_equals_the_sum_over_its_customers(shop, by):
    """Every grouping, filtered, adds up to exactly the selected customers' own sales."""
    rows = sales("--by", by, "--where", "city = Shanghai", "--currency", "CNY")
    mine = sales("--by", "customer", "--where", "city = Shanghai", "--currency", "CNY")
    assert {r["customer_id"] for r in mine} == {1, 3, 4}
    if by != "tag":  # a line counts once under each tag: tag groups may add up to more
        total = sum(float(r["net"]) for r in rows)
        assert total == sum(float(r["net"]) for r in mine) == 10450.0


def test_sales_archived_customers_count_only_without_a_filter_or_with_archived(shop):
    ok("delete", "Bob", "--yes")  # archived: his 500 still counts in the plain report
    assert sales("--by", "year", "--currency", "CNY")[0]["net"] == "11000.00"
    assert sales("--by", "year", "--currency", "CNY", "--where", "id > 0")[0]["net"] == ("10500.00")
    archived = sales("--by", "customer", "--archived")
    assert [(r["customer_name"], r["net"]) for r in archived] == [("Bob", "500.00")]


def test_sales_on_an_empty_database_with_a_filter(db_path):
    assert ok("report", "sales", "--tag", "vip") == ""
    assert sales("--lifecycle", "active") == []


@pytest.mark.parametrize(
    ("code", "args", "message"),
    [
        (2, ("--lifecycle", "sleepy"), "crm: unknown lifecycle 'sleepy'"),
        (2, ("--where", "nosuch = 1"), "crm: unknown field 'nosuch'"),
        (2, ("--abc", "Z"), "crm: unknown abc 'Z'"),
        (2, ("--stage", "nowhere"), "crm: unknown stage 'nowhere'"),
        (3, ("--segment", "nope"), "crm: no segment 'nope'"),
    ],
)
def test_sales_bad_filter_exits_with_one_line(shop, code, args, message):
    err = fails(code, "report", "sales", *args, db=shop)
    assert err.startswith(message) and err.count("\n") == 1


def test_sales_help_shows_the_filter_options(db_path):
    out = ok("report", "sales", "--help")
    for flag in ("--tag", "--lifecycle", "--where", "--segment", "--archived", "Example:"):
        assert flag in out


def test_sales_filter_uses_the_customer_index(shop):
    """The chosen ids are a temp table probed through purchases_customer_time."""
    from crmcli.reports import sales as service
    from crmcli.store.db import connect

    conn = connect(shop, write=False)
    try:
        plans: list[str] = []
        conn.set_trace_callback(plans.append)
        rows, _ = service.sales(conn, "month", customers=("c.id = ?", [1]))
        assert sum(r["net_minor"] for r in rows) == 1_000_000
        statement = next(s for s in plans if "temp.sales_customers" in s and "GROUP BY" in s)
        conn.set_trace_callback(None)
        service._select_customers(conn, "c.id = ?", [1])  # dropped after the report: again
        plan = " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + statement))
        assert "purchases_customer_time" in plan and "FOR IN-OPERATOR" in plan
        conn.execute("DROP TABLE temp.sales_customers")
        # the temp table is gone again: a second report on the same connection works
        service.sales(conn, "month", customers=("c.id = ?", [2]))
        assert conn.execute("SELECT count(*) FROM temp.sqlite_master").fetchone()[0] == 0
    finally:
        conn.close()


# --- crm export customers --classes ------------------------------------------------------


def test_export_class_columns_are_the_list_columns():
    assert exporters.CLASS_COLUMNS == classes.COLUMNS


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_export_classes_csv_tsv_match_list(shop, fmt):
    out = ok("export", "customers", "--classes", "--format", fmt)
    reader = csv.DictReader(io.StringIO(out), delimiter="," if fmt == "csv" else "\t")
    assert reader.fieldnames == [*exporters.CUSTOMER_COLUMNS, *classes.COLUMNS]
    exported = [(r["id"], r["lifecycle"], r["abc"], r["frequency_tier"], r["value_tier"])
                for r in reader]  # fmt: skip
    listed = [(str(r["id"]), r["lifecycle"], r["abc"], r["frequency_tier"], r["value_tier"])
              for r in json.loads(ok("list", "--classes", "--format", "json"))]  # fmt: skip
    assert exported == listed
    assert exported[0] == ("1", "reactivated", "A", "medium", "medium")
    assert exported[5] == ("6", "none", "C", "low", "low")


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_export_classes_json_jsonl(shop, fmt):
    out = ok("export", "customers", "--classes", "--lifecycle", "at-risk", "--format", fmt)
    rows = json.loads(out) if fmt == "json" else [json.loads(line) for line in out.splitlines()]
    assert [(r["id"], r["name"], r["lifecycle"], r["abc"]) for r in rows] == [
        (3, "Carl", "at_risk", "A")
    ]
    assert list(rows[0])[-4:] == list(classes.COLUMNS)


def test_export_without_classes_has_no_class_columns(shop):
    header = ok("export", "customers", "--format", "csv").splitlines()[0]
    assert header == ",".join(exporters.CUSTOMER_COLUMNS)
    row = json.loads(ok("export", "customers", "--format", "jsonl").splitlines()[0])
    assert "lifecycle" not in row


def test_export_classes_of_archived_customers_and_to_a_file(shop, tmp_path):
    ok("delete", "Bob", "--yes")
    rows = json.loads(ok("export", "customers", "--classes", "--archived", "-f", "json"))
    assert [(r["name"], r["lifecycle"], r["abc"]) for r in rows] == [("Bob", "lapsed", "A")]
    target = tmp_path / "out.csv"
    ok("export", "customers", "--classes", "--tag", "vip", "-o", str(target))
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(",lifecycle,abc,frequency_tier,value_tier")
    assert [line.split(",")[0] for line in lines[1:]] == ["1", "3"]


def test_export_classes_with_vcard_is_refused(shop, tmp_path):
    err = fails(2, "export", "customers", "--classes", "--format", "vcard", db=shop)
    assert err == "crm: --classes goes with csv, tsv, json or jsonl; a vCard has no place\n"
    fails(2, "export", "customers", "--classes", "-o", str(tmp_path / "x.vcf"), db=shop)
    assert not (tmp_path / "x.vcf").exists()


def test_reimporting_an_export_with_classes_skips_them(shop, tmp_path):
    target = tmp_path / "people.csv"
    ok("export", "customers", "--classes", "--plain", "-o", str(target))
    other = tmp_path / "other.db"
    ok("--db", str(other), "import", "customers", str(target), "--keep-unknown", "-q")
    fields = rows(other, "SELECT DISTINCT key FROM customer_fields")
    assert fields == []  # lifecycle, abc... are computed, never stored as fields


# --- crm tag rename reaches everything that names the tag --------------------------------


def saved_filters(db_path) -> dict[str, dict]:
    """Every stored filter as its options read now (tags by their current names)."""
    conn = sqlite3.connect(db_path)
    try:
        found = {
            f"segment {n}": filters.load(conn, f, f"segment {n}").saved()
            for n, f in conn.execute("SELECT name, filter FROM segments")
        }
        rules = conn.execute(f"SELECT id, {segments.RULE_TAG}, filter FROM rules").fetchall()
        for rule_id, tag, text in rules:
            saved = filters.load(conn, text, f"rule {rule_id}").saved()
            found[f"rule {rule_id}"] = {"gives": tag, **saved}
        for rule_id, text in conn.execute("SELECT id, selection FROM care_rules").fetchall():
            found[f"care {rule_id}"] = filters.load(conn, text, f"care rule {rule_id}").saved()
        return found
    finally:
        conn.close()


def tag_cadences(db_path) -> dict[str, str]:
    conn = sqlite3.connect(db_path)
    try:
        return config.settings_under(conn, "cadence.tag.")
    finally:
        conn.close()


def test_rename_updates_rules_segments_care_rules_and_cadence(shop):
    ok("tag", "gold", "Dan")
    ok("rule", "add", "gold", "--where", "revenue_12m >= 100")
    ok("rule", "add", "late", "--tag", "GOLD", "--lifecycle", "active")
    ok("rule", "add", "other", "--tag", "vip")
    ok("segment", "add", "golden", "--tag", "gold", "--where", "tag != 'Gold'",
       "--where", "tag ~ gol", "--without-tag", "vip")  # fmt: skip
    ok("care", "rule", "add", "中秋", "mooncakes", "--tag", "gold")
    ok("config", "set", "cadence.tag.gold", "30d")
    out = ok("tag", "rename", "gold", "premium")
    assert out == (
        "Renamed tag gold to premium (1 customer).\n"
        "Also renamed in segment golden, rule 1, rule 2, care rule 1.\n"
        "Setting cadence.tag.gold is now cadence.tag.premium.\n"
    )
    found = saved_filters(shop)
    assert found["segment golden"] == {
        "where": ["tag != premium", "tag ~ gol"],
        "tag": ["premium"],
        "without_tag": ["vip"],
    }
    assert found["rule 1"] == {"gives": "premium", "where": ["revenue_12m >= 100"]}
    assert found["rule 2"] == {"gives": "late", "tag": ["premium"], "lifecycle": ["active"]}
    assert found["rule 3"] == {"gives": "other", "tag": ["vip"]}
    assert found["care 1"] == {"tag": ["premium"]}
    assert tag_cadences(shop) == {"premium": "30d"}
    assert ids("--segment", "golden") == []  # tag = premium and != premium: still nobody
    ok("classify")  # rule 1 now gives premium; nothing names gold any more
    assert ids("--tag", "premium") == [1, 2, 3, 4]
    assert ids("--tag", "gold") == []
    assert ok("tag", "rename", "premium", "premium", "-q") == ""


def test_rename_merge_keeps_the_new_tags_cadence_and_hand_set_tags(shop):
    ok("add", "Gus")
    buy_ago("Gus", "9000", 2)
    ok("rule", "add", "gold", "--where", "revenue_12m >= 5000")  # Anna 10000, Gus 9000
    ok("classify")
    ok("tag", "gold", "Dan")  # by hand
    # vip: Anna and Carl by hand. After the merge Anna has vip by hand (no rule may take it),
    # Gus has it from the rule only, Dan by hand.
    ok("config", "set", "cadence.tag.gold", "30d")
    ok("config", "set", "cadence.tag.vip", "14d")
    out = ok("tag", "rename", "gold", "VIP")
    assert out.splitlines() == [
        "Renamed tag gold to VIP (4 customers).",
        "Also renamed in rule 1.",
        "Setting cadence.tag.gold (30d) dropped; cadence.tag.vip (14d) applies.",
    ]
    assert ids("--tag", "vip") == [1, 3, 4, 7]
    assert tag_cadences(shop) == {"vip": "14d"}
    assert saved_filters(shop)["rule 1"]["gives"] == "vip"  # the stored spelling
    buy_ago("Gus", "-8000", 1, "--refund")
    buy_ago("Anna", "-9000", 1, "--refund")
    assert (
        ok("classify", "--format", "csv")
        == "customer_id,customer_name,tag,change\n7,Gus,vip,lost\n"
    )
    assert ids("--tag", "vip") == [1, 3, 4]


def test_rename_refused_changes_nothing(shop):
    ok("tag", "gold", "Dan")
    ok("rule", "add", "x", "--tag", "gold")
    ok("config", "set", "cadence.tag.gold", "30d")
    err = fails(2, "tag", "rename", "gold", "gold star", db=shop)
    assert err == (
        "crm: tag 'gold star' cannot carry the cadence setting cadence.tag.gold (a setting key "
        "has no spaces); unset it first: crm config unset cadence.tag.gold\n"
    )
    fails(3, "tag", "rename", "nosuch", "x", db=shop)
    fails(2, "tag", "rename", "gold", "a,b", db=shop)
    fails(2, "tag", "rename", "gold", "rename", db=shop)
    ok("config", "unset", "cadence.tag.gold")
    ok("tag", "rename", "gold", "gold star")
    assert saved_filters(shop)["rule 1"]["tag"] == ["gold star"]
    assert ids("--where", "tag = gold star") == [4]


def test_rename_quoted_looking_names_stay_readable_in_where(shop):
    ok("segment", "add", "s", "--where", "tag = vip")
    ok("tag", "rename", "vip", '"v"')
    assert saved_filters(shop)["segment s"] == {"where": ["tag = '\"v\"'"]}
    assert ids("--segment", "s") == [1, 3]


# --- one filter, the same customers everywhere -------------------------------------------

FILTERS = [
    ("--tag", "vip"),
    ("--lifecycle", "at-risk", "--lifecycle", "lapsed"),
    ("--where", "city = Shanghai", "--abc", "C"),  # Dan
    ("--where", "revenue_12m >= 100", "--without-tag", "vip"),
    ("--segment", "shanghai"),
]


@pytest.mark.parametrize("selection", FILTERS)
def test_one_filter_same_customers_in_list_export_tag_and_reports(shop, selection):
    ok("segment", "add", "shanghai", "--where", "city = Shanghai")
    listed = ids(*selection)
    assert listed  # every filter here picks someone
    exported = [r["id"] for r in json.loads(ok("export", "customers", *selection, "-f", "json"))]
    with_classes = json.loads(ok("export", "customers", "--classes", *selection, "-f", "json"))
    assert exported == [r["id"] for r in with_classes] == listed
    buyers = {r["customer_id"] for r in sales("--by", "customer", *selection)}
    assert buyers == set(listed) - {6}  # Fay never bought: no sales row
    rfm = json.loads(ok("report", "rfm", "--customers", *selection, "-f", "json"))
    assert {r["customer_id"] for r in rfm["customers"]} == set(listed) - {6}
    before = dump(shop)
    ok("tag", "picked", *selection)
    assert dump(shop) != before
    assert ids("--tag", "picked") == listed
    ok("untag", "picked", *selection)
    assert ids("--tag", "picked") == []


def test_tagging_from_a_pipe_twice_and_from_the_same_filter(shop):
    chosen = ok("list", "--lifecycle", "at-risk", "--lifecycle", "lapsed", "-q")
    assert ok("tag", "cooling", "-", input=chosen) == "Tagged 2 customers with cooling.\n"
    assert ok("tag", "cooling", "-", input=chosen) == (
        "Tagged 0 customers with cooling. 2 already had it.\n"
    )
    assert ok("tag", "cooling", "--lifecycle", "at-risk", "--lifecycle", "lapsed") == (
        "Tagged 0 customers with cooling. 2 already had it.\n"
    )
    assert ids("--tag", "cooling") == [2, 3]


def test_tag_names_and_renames_that_mean_nothing_are_refused(db_path):
    ok("add", "Anna")
    ok("tag", "vip", "1")
    assert "'-' cannot be a tag name" in fails(2, "tag", "-", "1", input="", db=db_path)
    assert "'-' cannot be a tag name" in fails(2, "tag", "rename", "vip", "-", db=db_path)
    assert "tag cannot be empty" in fails(2, "tag", "rename", "", "x", db=db_path)
    before = ok("history", "-f", "json"), ok("tags")
    assert ok("tag", "rename", "vip", "vip") == "Tag vip is already called vip; nothing changed.\n"
    assert (ok("history", "-f", "json"), ok("tags")) == before
    assert ok("tag", "rename", "vip", "VIP").startswith("Renamed tag vip to VIP")


def test_tag_dry_run_says_who_already_has_it(db_path):
    ok("add", "Anna", "--city", "Paris")
    ok("tag", "north", "--where", "city = Paris")
    out = ok("tag", "north", "--where", "city = Paris", "--dry-run")
    assert out == "Would tag 0 customers with north. 1 already had it.\n"


def test_a_stage_list_may_not_drop_a_stage_in_use(db_path):
    ok("add", "Anna")
    ok("add", "Bob")
    ok("stage", "1", "lead")
    ok("stage", "2", "lead")
    ok("delete", "2", "--yes")  # archived, still in `lead`
    error = fails(2, "config", "set", "stages", "cold,warm,won", db=db_path)
    assert "lead (2, 1 archived)" in error and "crm stage NEW --stage lead" in error
    ok("config", "set", "stages", "lead,cold,warm,won")
    ok("stage", "cold", "--stage", "lead", "--all", "--yes")
    assert "lead (1, 1 archived)" in fails(2, "config", "set", "stages", "cold,won", db=db_path)
    ok("stage", "cold", "--stage", "lead", "--archived", "--all", "--yes")
    ok("config", "set", "stages", "cold,warm,won")
    assert "cold (2, 1 archived)" in fails(2, "config", "unset", "stages", db=db_path)
    assert ok("list", "--stage", "cold", "-q") == "1\n"
