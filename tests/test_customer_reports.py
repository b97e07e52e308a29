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
    # two filter values: each compared with its own
    both = report("rfm", "--customers", "--where", "city = Shanghai", "--where", "name = Bob")
    assert [r["customer_name"] for r in both["customers"]] == ["Bob"]


def test_rfm_customers_named_in_batches_are_the_same_rows(shop, monkeypatch):
    """The customers listed are named and written a batch at a time, at each reading (a
    plain table reads them twice): batches of 3 cut CNY's four customers 3 + 1 and name
    USD's two in one, and every format says what one batch says, in the same order."""
    from crmcli.reports.customer_reports import RfmCustomers

    formats = ("json", "csv", "jsonl", "table")
    whole = {f: ok("report", "rfm", "--customers", "--format", f) for f in formats}
    segment = ok("report", "rfm", "hibernating", "--format", "csv")
    monkeypatch.setattr(RfmCustomers, "NAMED", 3)
    for f in formats:
        assert ok("report", "rfm", "--customers", "--format", f) == whole[f], f
    assert ok("report", "rfm", "hibernating", "--format", "csv") == segment
    monkeypatch.setattr(RfmCustomers, "NAMED", 1)
    assert ok("report", "rfm", "--customers", "--format", "table") == whole["table"]
    lines = whole["table"].splitlines()
    assert [line.split()[1] for line in lines[3:]] == ["Anna", "Carl", "Bob", "Eve", "Eve", "Dan"]
    assert segment.splitlines()[1:] == [
        "2,Bob,CNY,hibernating,225,205,1,800.00,2,2,5",
        "5,Eve,CNY,hibernating,121,325,1,100.00,1,2,1",
    ]


def test_rfm_grid_is_configurable(shop):
    ok("config", "set", "rfm.grid", "recent=45/12345; rest=123/12345")
    rows = report("rfm", "--customers")["customers"]
    assert {r["customer_name"]: r["segment"] for r in rows if r["currency"] == "CNY"} == {
        "Anna": "recent", "Carl": "recent", "Bob": "rest", "Eve": "rest"}  # fmt: skip


def test_a_segment_named_by_two_rules_or_named_other_is_one_row(shop):
    # R scores: CNY Anna and Carl 4 (tied), Bob 2, Eve 1; USD Eve 4, Dan 2. Nobody is R=5.
    ok("config", "set", "rfm.grid", "top=4/12345; other=5/5; low=1/12345; top=2/12345")
    got = [(r["currency"], r["segment"], r["customers"], r["customer_share"], r["revenue"],
            r["revenue_share"]) for r in report("rfm")["segments"]]  # fmt: skip
    assert got == [
        ("CNY", "top", 3, 75.0, "1400.00", 93.3),  # Anna 300, Carl 300, Bob 800 of 1500
        ("CNY", "low", 1, 25.0, "100.00", 6.7),  # Eve; `other` has nobody: no row
        ("USD", "top", 2, 100.0, "70.00", 100.0),  # Eve 20, Dan 50
        ("USD", "low", 0, 0.0, "0.00", 0.0),
    ]
    dashboard = json.loads(ok("dashboard", "--format", "json"))["rfm"]
    assert [(r["currency"], r["segment"], r["customers"]) for r in dashboard] == [
        ("CNY", "top", 3), ("CNY", "low", 1), ("USD", "top", 2),
    ]  # fmt: skip
    assert "segments: top, other, low\n" in fails(2, "report", "rfm", "nobody", db=shop)


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
    ok("config", "set", "abc.b", "90")  # Eve's share before, 93.3 %, is no longer below b
    assert [(r["currency"], r["class"], r["customers"]) for r in report("abc")["classes"]] == [
        ("CNY", "A", 3), ("CNY", "B", 0), ("CNY", "C", 1),
        ("USD", "A", 2), ("USD", "B", 0), ("USD", "C", 0),
    ]  # fmt: skip
    ok("config", "set", "abc.b", "95")
    lifetime = report("abc", "--window", "all")  # every purchase is within 12 months anyway
    assert (lifetime["since"], lifetime["classes"]) == (None, out["classes"])


def test_lifecycle_report(shop):
    out = report("lifecycle")
    assert {r["lifecycle"]: r["customers"] for r in out["lifecycle"]} == {
        "new": 2, "active": 1, "reactivated": 1, "at_risk": 1, "lapsed": 0, "none": 1}  # fmt: skip
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
    # moves: most customers first, equal counts by name
    assert [(m["from_lifecycle"], m["to_lifecycle"], m["customers"]) for m in out["moves"]] == [
        ("none", "new", 5), ("new", "active", 3), ("active", "at_risk", 2),
        ("at_risk", "lapsed", 1), ("lapsed", "reactivated", 1),
    ]  # fmt: skip
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


def test_the_dashboards_funnel_counts_each_customer_at_their_stage_on_the_day(db_path, monkeypatch):
    """Anna was a lead until June, Bob a customer from January: on 1 March one of each. The
    funnel grouped by the customers' stage column (their stage now) and counted both as
    one stage of then; an archived customer is never counted."""

    def on(day: str, *args: str) -> str:
        monkeypatch.setenv("CRM_NOW", f"{day}T10:00:00+08:00")
        return ok(*args)

    for name, stage in (("Anna", "lead"), ("Bob", "customer"), ("Cy", "lead")):
        on("2026-01-05", "add", name)
        on("2026-01-05", "stage", name, stage)
    on("2026-06-01", "stage", "Anna", "customer")
    on("2026-06-01", "delete", "Cy")

    def funnel(as_of: str) -> dict[str, int]:
        shown = json.loads(on("2026-11-22", "dashboard", "--as-of", as_of, "-f", "json"))
        return {r["stage"]: r["customers"] for r in shown["funnel"] if r["customers"]}

    assert funnel("2026-03-01") == {"lead": 1, "customer": 1}
    assert funnel("2026-11-22") == {"customer": 2}
    assert funnel("2026-01-01") == {None: 2}  # no stage yet


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


def test_shares_of_a_cent_count_only_positive_nets(db_path):
    """Al paid 0.01 on 11-20 and Bo took a free sample (0.00) on 11-21: the positive net of
    CNY is Al's one cent. R: Bo 1 day (score 4), Al 2 (score 2); F: 1 each (3), so Bo is a
    potential loyalist and Al at risk. ABC: Al A (nothing before him), Bo's 0 is C."""
    ok("add", "Al")
    ok("add", "Bo")
    ok("buy", "Al", "Tea", "0.01", "--at", "2026-11-20")
    ok("buy", "Bo", "Sample", "0", "--at", "2026-11-21")
    segments = {
        r["segment"]: (r["customers"], r["revenue"], r["revenue_share"])
        for r in report("rfm")["segments"]
        if r["customers"]
    }
    assert segments == {"potential loyalists": (1, "0.00", 0.0), "at risk": (1, "0.01", 100.0)}
    out = report("abc")
    assert [(r["class"], r["customers"], r["revenue"], r["revenue_share"]) for r in out["classes"]] == [
        ("A", 1, "0.01", 100.0), ("B", 0, "0.00", 0.0), ("C", 1, "0.00", 0.0),
    ]  # fmt: skip
    assert [(r["customers"], r["revenue"], r["revenue_share"]) for r in out["pareto"]][-1] == (
        2,
        "0.01",
        100.0,
    )


def test_time_in_stage_is_the_median_stay_in_days(db_path):
    """Zed stayed 1 day 8 h 24 min (1.35 days) as a lead: 1.4, half to even at 0.1 day."""
    ok("add", "Zed")
    ok("stage", "Zed", "lead", "--at", "2026-01-01 00:00")
    ok("stage", "Zed", "prospect", "--at", "2026-01-02 08:24")
    stays = report("lifecycle")["time_in_stage"]
    assert [(r["stage"], r["stays"], r["median_days"]) for r in stays] == [
        ("lead", 1, 1.4), ("prospect", 0, None), ("customer", 0, None), ("loyal", 0, None),
    ]  # fmt: skip


def test_lifecycle_months_follow_the_lifecycle_settings(shop):
    """On 2026-10-31 Eve is 303 days silent after her one purchase and Bob 174 after his two
    (too few gaps: the default gap counts). With a default gap of 110 instead of 90 at_risk
    starts after 165 days and lapsed after 330: both are at risk, nobody lapsed."""
    ok("config", "set", "lifecycle.default_gap", "110")
    october = next(m for m in report("lifecycle")["months"] if m["month"] == "2026-10")
    assert (october["new"], october["at_risk"], october["lapsed"]) == (1, 2, 0)


def test_a_flow_counts_customers_whatever_their_later_stages(db_path):
    """Ivy and Jo both first bought in January 2026 (none -> new that month); Jo bought again
    in November and Ivy did not, so they differ later, and January still counts both."""
    ok("add", "Ivy")
    ok("add", "Jo")
    ok("buy", "Ivy", "Tea", "10", "--at", "2026-01-10")
    ok("buy", "Jo", "Tea", "10", "--at", "2026-01-20")
    ok("buy", "Jo", "Tea", "10", "--at", "2026-11-20")
    out = report("lifecycle")
    january = [f for f in out["flows"] if f["month"] == "2026-01"]
    assert january == [
        {"month": "2026-01", "from_lifecycle": "none", "to_lifecycle": "new", "customers": 2}
    ]
    # both go at risk (Ivy in May, Jo in June) and lapse in October; Jo comes back: the
    # moves by count, equal counts by name
    moves = [(m["from_lifecycle"], m["to_lifecycle"], m["customers"]) for m in out["moves"]]
    assert moves == [
        ("active", "at_risk", 2), ("at_risk", "lapsed", 2), ("new", "active", 2),
        ("none", "new", 2), ("lapsed", "reactivated", 1),
    ]  # fmt: skip


def test_the_one_rare_buyer_scores_f_1(db_path):
    """Five customers bought on two days, Una on one: Una has 0 below and 1 equal of 6, so
    F = 1 + floor(5 x 0.5 / 6) = 1; the five: 1 + floor(5 x (1 + 2.5) / 6) = 3.
    R: all bought last on 11-20, equal: 3. Una, R 3 and F 1: about to sleep."""
    for name in ("Una", "Vic", "Wes", "Xan", "Yul", "Zak"):
        ok("add", name)
        ok("buy", name, "Tea", "10", "--at", "2026-11-20")
        if name != "Una":
            ok("buy", name, "Tea", "10", "--at", "2026-11-10")
    rows = report("rfm", "--customers")["customers"]
    assert {(r["customer_name"], r["r"], r["f"], r["segment"]) for r in rows} == {
        ("Una", 3, 1, "about to sleep"), ("Vic", 3, 3, "need attention"),
        ("Wes", 3, 3, "need attention"), ("Xan", 3, 3, "need attention"),
        ("Yul", 3, 3, "need attention"), ("Zak", 3, 3, "need attention"),
    }  # fmt: skip
    segments = {r["segment"]: r["customers"] for r in report("rfm")["segments"]}
    assert (segments["about to sleep"], segments["need attention"]) == (1, 5)


def test_mean_monetary_rounds_half_up(db_path):
    """Al's 0.02 and Bo's 0.03 on the same day: equal R and F (3 and 3, need attention),
    mean 0.025, rounded half up to 0.03 (docs/reports.md)."""
    for name, amount in (("Al", "0.02"), ("Bo", "0.03")):
        ok("add", name)
        ok("buy", name, "Tea", amount, "--at", "2026-11-20")
    rows = [r for r in report("rfm")["segments"] if r["customers"]]
    assert [(r["segment"], r["customers"], r["revenue"], r["mean_monetary"]) for r in rows] == [
        ("need attention", 2, "0.05", "0.03")
    ]


def test_a_gap_of_exactly_lapsed_times_the_usual_gap_is_no_comeback(db_path):
    """Gus and Hal bought every 10 days in October (usual gap 10: lapsed after 3 x 10 = 30
    days). Gus came back 30 days after his third purchase, exactly at the threshold, so he is
    active; Hal after 31 days, past it, so he is reactivated. Every place that names a stage
    (the report's count today and its months, crm list --lifecycle, crm show) says the same."""
    ok("add", "Gus")
    ok("add", "Hal")
    for day in ("2026-10-01", "2026-10-11", "2026-10-21"):
        ok("buy", "Gus", "Tea", "10", "--at", day)
        ok("buy", "Hal", "Tea", "10", "--at", day)
    ok("buy", "Gus", "Tea", "10", "--at", "2026-11-20")
    ok("buy", "Hal", "Tea", "10", "--at", "2026-11-21")
    out = report("lifecycle")
    now = {r["lifecycle"]: r["customers"] for r in out["lifecycle"] if r["customers"]}
    assert now == {"active": 1, "reactivated": 1}
    november = next(m for m in out["months"] if m["month"] == "2026-11")
    assert (november["active"], november["reactivated"]) == (1, 1)
    assert ok("list", "--lifecycle", "active", "-q").split() == ["1"]
    assert ok("list", "--lifecycle", "reactivated", "-q").split() == ["2"]
    assert json.loads(ok("show", "Gus", "-f", "json"))["classes"][0]["lifecycle"] == "active"
    assert json.loads(ok("show", "Hal", "-f", "json"))["classes"][0]["lifecycle"] == "reactivated"


def test_abc_top_share_of_thirteen_customers(db_path):
    """With more than ten customers the deciles of the Pareto table skip some counts (13
    customers: 2, 3, 4, 6, ...), and `--top 31` asks for one of those skipped, 5 of 13: each
    is summed exactly as the customers ranked."""
    for n in range(1, 14):
        ok("add", f"C{n}")
        ok("buy", str(n), "Tea", str(n * 100))  # customer n spends n x 100 of 9,100
    out = report("abc", "--top", "31")
    assert out["top"][0]["text"] == "top 31 % of customers (5 of 13) bring 60.4 % of CNY revenue"
    pareto = [(r["top_percent"], r["customers"], r["revenue"], r["revenue_share"])
              for r in out["pareto"]]  # fmt: skip
    assert pareto == [
        (10, 2, "2500.00", 27.5), (20, 3, "3600.00", 39.6), (30, 4, "4600.00", 50.5),
        (40, 6, "6300.00", 69.2), (50, 7, "7000.00", 76.9), (60, 8, "7600.00", 83.5),
        (70, 10, "8500.00", 93.4), (80, 11, "8800.00", 96.7), (90, 12, "9000.00", 98.9),
        (100, 13, "9100.00", 100.0),
    ]  # fmt: skip
