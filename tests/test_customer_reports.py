"""crm report rfm|abc|lifecycle|summary|cohort and crm dashboard, on a hand-checked dataset
with ties, a refund, two currencies and single-purchase customers. Today is 2026-11-22."""

import json

import pytest

from tests.conftest import crm, fails, filled_once, ok


@pytest.fixture
def shop(db_path):
    filled_once(db_path, _fill_shop)
    return db_path


def _fill_shop() -> None:
    ok("add", "Anna", "--city", "Shanghai")
    ok("add", "Bob", "--city", "Shanghai")
    ok("add", "Carl", "--city", "Beijing")
    ok("add", "Dan")
    ok("add", "Eve")
    ok("add", "Fay")  # never buys
    ok("buy", "Anna", "Tea", "200", "--at", "2026-11-01")
    ok("buy", "Anna", "Tea", "100", "--at", "2026-11-20")
    ok("buy", "Bob", "Pot", "1000", "--at", "2026-05-01")
    ok("buy", "Bob", "Pot", "200", "--refund", "--at", "2026-05-10")  # nets 800
    ok("buy", "Carl", "Tea", "300", "--at", "2026-11-20")  # ties Anna's R and M
    ok("buy", "Dan", "Tea", "50", "--currency", "USD", "--at", "2026-10-01")
    ok("buy", "Eve", "Tea", "100", "--at", "2026-01-01")
    ok("buy", "Eve", "Tea", "20", "--currency", "USD", "--at", "2026-11-21")
    ok("stage", "Anna", "lead", "--at", "2026-01-01")
    ok("stage", "Anna", "prospect", "--at", "2026-03-01")
    ok("stage", "Anna", "customer", "--at", "2026-04-01")
    ok("stage", "Bob", "lead", "--at", "2026-02-01")
    ok("stage", "Bob", "prospect", "--at", "2026-02-11")


def report(*args):
    return json.loads(ok("report", *args, "--format", "json"))


def test_rfm_customers_scores_with_ties_and_currencies(shop):
    rows = report("rfm", "--customers")["customers"]
    got = [(r["customer_name"], r["currency"], r["recency"], r["frequency"], r["monetary"], r["rfm"],
            r["segment"]) for r in rows]  # fmt: skip
    assert got == [
        ("Anna", "CNY", 2, 2, "300.00", "453", "loyal"),
        ("Carl", "CNY", 2, 1, "300.00", "423", "potential loyalists"),  # ties score equal
        ("Bob", "CNY", 205, 1, "800.00", "225", "hibernating"),  # refund nets against M
        ("Eve", "CNY", 325, 1, "100.00", "121", "hibernating"),
        ("Eve", "USD", 1, 1, "20.00", "432", "potential loyalists"),  # scored within USD
        ("Dan", "USD", 52, 1, "50.00", "234", "at risk"),
    ]
    for typed in ("AT  Risk", "atrisk", "at-risk", "AT_RISK"):
        only = report("rfm", "--customers", typed)["customers"]
        assert [r["customer_name"] for r in only] == ["Dan"], typed
    assert report("rfm", "hibernating")["customers"][0]["customer_name"] == "Bob"
    assert "unknown RFM segment" in fails(2, "report", "rfm", "--customers", "sleepy", db=shop)


def test_rfm_summary(shop):
    rows = {(r["currency"], r["segment"]): r for r in report("rfm")["segments"]}
    assert rows["CNY", "hibernating"] == {
        "segment": "hibernating",
        "currency": "CNY",
        "customers": 2,
        "customer_share": 50.0,
        "revenue": "900.00",
        "revenue_share": 60.0,
        "mean_recency": 265.0,
        "mean_frequency": 1.0,
        "mean_monetary": "450.00",
    }
    assert rows["CNY", "loyal"]["revenue_share"] == 20.0
    assert rows["CNY", "champions"]["customers"] == 0
    assert rows["USD", "at risk"]["customer_share"] == 50.0
    table = ok("report", "rfm")
    assert "hibernating          CNY       2          50.0" in table and "#" in table
    # --as-of: on 2026-06-01 only Bob and Eve had bought in CNY, nobody in USD
    early = report("rfm", "--as-of", "2026-06-01")["segments"]
    assert {r["currency"] for r in early} == {"CNY"}
    assert sum(r["customers"] for r in early) == 2
    # filters pick the population: Shanghai is Anna and Bob
    shanghai = report("rfm", "--city", "Shanghai", "--customers")["customers"]
    assert [(r["customer_name"], r["rfm"]) for r in shanghai] == [("Anna", "442"), ("Bob", "224")]


def test_rfm_grid_is_configurable(shop):
    ok("config", "set", "rfm.grid", "recent=45/12345; rest=123/12345")
    rows = report("rfm", "--customers")["customers"]
    assert {r["customer_name"]: r["segment"] for r in rows if r["currency"] == "CNY"} == {
        "Anna": "recent", "Carl": "recent", "Bob": "rest", "Eve": "rest"}  # fmt: skip


def test_abc_report(shop):
    out = report("abc")
    classes = {(r["currency"], r["class"]): r for r in out["classes"]}
    assert classes["CNY", "A"] == {
        "class": "A",
        "currency": "CNY",
        "customers": 3,  # Bob 800 (0 before), Anna and Carl tie at 300 (800 of 1500 before)
        "customer_share": 75.0,
        "revenue": "1400.00",
        "revenue_share": 93.3,
    }
    assert classes["CNY", "B"]["customers"] == 1  # Eve: 1400 of 1500 before
    assert classes["CNY", "C"]["customers"] == 0
    assert classes["USD", "A"]["customers"] == 2
    assert out["top"][0]["text"] == "top 20 % of customers (1 of 4) bring 53.3 % of CNY revenue"
    pareto = [(r["top_percent"], r["customers"], r["revenue_share"])
              for r in out["pareto"] if r["currency"] == "CNY"]  # fmt: skip
    assert pareto[:3] == [(10, 1, 53.3), (20, 1, 53.3), (30, 2, 73.3)]
    assert pareto[-1] == (100, 4, 100.0)
    assert report("abc", "--window", "30d")["classes"][0]["customers"] == 2  # Anna, Carl
    text = ok("report", "abc", "--top", "50")
    assert "Top 50 % of customers (2 of 4) bring 73.3 % of CNY revenue." in text
    fails(2, "report", "abc", "--window", "soon", db=shop)


def test_lifecycle_report(shop):
    out = report("lifecycle")
    assert {r["lifecycle"]: r["customers"] for r in out["lifecycle"]} == {
        "new": 2, "active": 1, "reactivated": 1, "at-risk": 1, "lapsed": 0, "none": 1}  # fmt: skip
    assert {r["stage"]: r["customers"] for r in out["funnel"]}["prospect"] == 1
    assert out["conversion"] == [
        {"from_stage": "lead", "to_stage": "prospect", "entered": 2, "moved_on": 2,
         "conversion": 100.0},
        {"from_stage": "prospect", "to_stage": "customer", "entered": 2, "moved_on": 1,
         "conversion": 50.0},
        {"from_stage": "customer", "to_stage": "loyal", "entered": 1, "moved_on": 0,
         "conversion": 0.0},
    ]  # fmt: skip
    medians = {r["stage"]: r["median_days"] for r in out["time_in_stage"]}
    assert medians == {"lead": 34.5, "prospect": 31.0, "customer": None, "loyal": None}
    months = {r["month"]: r for r in out["months"]}
    # On 2026-10-31 Dan is new (30 days) and Eve lapsed (silent 303 > 3 x 90)
    assert (months["2026-10"]["new"], months["2026-10"]["lapsed"]) == (1, 1)
    assert months["2026-11"]["reactivated"] == 1
    assert {"month": "2026-11", "from_lifecycle": "lapsed", "to_lifecycle": "reactivated",
            "customers": 1} in out["flows"]  # fmt: skip
    assert {"month": "2026-11", "from_lifecycle": "new", "to_lifecycle": "active",
            "customers": 1} in out["flows"]  # fmt: skip
    assert "Funnel conversion" in ok("report", "lifecycle")


def test_summary_and_cohort(shop):
    rows = report("summary", "--by", "city")["groups"]
    shanghai = next(r for r in rows if r["city"] == "Shanghai")
    assert shanghai == {
        "city": "Shanghai",
        "currency": "CNY",
        "customers": 2,
        "buyers": 2,
        "revenue": "1300.00",
        "net": "1100.00",
        "orders": 3,
        "average_order": "366.67",
        "share": 73.3,
    }
    assert [r["city"] for r in rows if r["currency"] == "USD"] == [None]
    assert "(none)" in ok("report", "summary", "--by", "city")
    cohorts = report("cohort")["cohorts"]
    assert [(c["cohort"], c["customers"]) for c in cohorts] == [
        ("2026-01", 1), ("2026-05", 1), ("2026-10", 1), ("2026-11", 2)]  # fmt: skip
    assert cohorts[0]["active"] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    csv = ok("report", "cohort", "--by", "quarter", "--format", "csv").splitlines()
    assert csv[0] == "cohort,customers,period,active,retention"
    assert "2026-Q1,1,3,1,100.0" in csv


def test_dashboard(shop):
    out = json.loads(ok("dashboard", "--format", "json"))
    assert {r["lifecycle"]: r["customers"] for r in out["lifecycle"]}["new"] == 2
    assert out["revenue"] == [
        {"currency": "CNY", "this_month": "600.00", "last_month": "0.00",
         "same_month_last_year": "0.00"},
        {"currency": "USD", "this_month": "20.00", "last_month": "50.00",
         "same_month_last_year": "0.00"},
    ]  # fmt: skip
    assert "Customers by funnel stage" in ok("dashboard")
    assert "Usage" in ok()  # off a terminal `crm` alone prints the help


@pytest.mark.parametrize(
    "args",
    [
        ("rfm",), ("rfm", "--customers"), ("abc",), ("lifecycle",), ("summary", "--by", "tag"),
        ("cohort",),
    ],
)  # fmt: skip
def test_reports_on_an_empty_database(db_path, args):
    for fmt in ("table", "json", "jsonl", "csv", "tsv"):
        result = crm("report", *args, "--format", fmt)
        assert result.exit_code == 0, result.stderr
    assert ok("report", *args).strip() != ""  # a friendly line, not nothing
    assert ok("dashboard").startswith("Nothing to show yet")


def test_bad_report_options(shop):
    fails(2, "report", "rfm", "--as-of", "2030-01-01", db=shop)
    fails(2, "report", "lifecycle", "--as-of", "someday", db=shop)
    fails(2, "report", "summary", "--by", "colour", db=shop)
    fails(2, "report", "cohort", "--periods", "0", db=shop)
    fails(2, "dashboard", "--format", "csv", db=shop)
    fails(3, "report", "abc", "--segment", "nope", db=shop)


def test_funnel_counts_follow_as_of(db_path):
    ok("add", "Anna")
    ok("stage", "Anna", "lead", "--at", "2026-01-10")
    ok("stage", "Anna", "customer", "--at", "2026-06-10")

    def funnel(day):
        report = json.loads(ok("report", "lifecycle", "--as-of", day, "-f", "json"))
        return {r["stage"]: r["customers"] for r in report["funnel"] if r["customers"]}

    assert funnel("2026-03-01") == {"lead": 1}
    assert funnel("2026-11-22") == {"customer": 1}
    assert funnel("2025-12-01") == {None: 1}
