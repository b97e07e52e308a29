"""RFM, ABC and lifecycle on the edges: a customer whose refunds exceed their sales (negative
net), a zero-amount sale, a refund-only customer, a customer who never bought, and a custom
RFM grid with a gap (cells no rule covers). Every expected figure is worked out by hand
below from docs/reports.md and docs/classification.md, never by the code it checks.

As of Sun 2026-11-22, in CNY, customers created 2025-06-01 (before every purchase):

| customer | sale days (amount) | refunds | net | R days | F | ABC net (12m) |
| --- | --- | --- | --- | --- | --- | --- |
| 1 Ann | 09-23 (300), 10-23 (500), 11-12 (1000) | | 1800 | 10 | 3 | 1800 |
| 2 Ben | 11-02 (100) | 11-12 (-300) | -200 | 20 (a refund is no purchase) | 1 | -200 |
| 3 Cat | 11-21 (0.00) | | 0 | 1 (a zero sale is a purchase) | 1 | 0 |
| 4 Dan | | 11-01 (-50) | -50 | not scored | | -50 |
| 5 Eve | 05-26 (600) | | 600 | 180 | 1 | 600 |
| 6 Fay | | | | not scored | | not counted |
| 7 Gil | 08-24 (150) | | 150 | 90 | 1 | 150 |
| 8 Hal | 07-25 (20) | | 20 | 120 | 1 | 20 |
"""

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcli.core.errors import InvalidInput
from crmcli.reports.models import rfm
from tests.conftest import NOW, crm, examples, filled_once, ok

GRID = "top=5/45; mid=34/12345; low=2/12345"  # R 1 is in no rule, nor R 5 with F 1-3


def _fill() -> None:
    os.environ["CRM_NOW"] = "2025-06-01T10:00:00+08:00"
    try:
        for name in ("Ann", "Ben", "Cat", "Dan", "Eve", "Fay", "Gil", "Hal"):
            ok("add", name)
    finally:
        os.environ["CRM_NOW"] = NOW
    for who, item, amount, day in [
        ("Ann", "Tea", "300", "2026-09-23"), ("Ann", "Tea", "500", "2026-10-23"),
        ("Ann", "Tea", "1000", "2026-11-12"), ("Ben", "Tea", "100", "2026-11-02"),
        ("Ben", "Refund", "-300", "2026-11-12"), ("Cat", "Sample", "0", "2026-11-21"),
        ("Dan", "Refund", "-50", "2026-11-01"), ("Eve", "Tea", "600", "2026-05-26"),
        ("Gil", "Tea", "150", "2026-08-24"), ("Hal", "Tea", "20", "2026-07-25"),
    ]:  # fmt: skip
        ok("buy", who, item, amount, "--at", day, "--force")  # Ben's and Dan's refunds: over
    ok("config", "set", "rfm.grid", GRID)


@pytest.fixture
def edges(db_path):
    filled_once(db_path, _fill)
    return db_path


def report(*args: str) -> dict:
    return json.loads(ok("report", *args, "--format", "json"))


def test_rfm_scores_by_hand(edges):
    """n = 6 scored; score = 1 + floor(5 (less + equal/2) / 6).
    R (fewer days better): Cat 1, Ann 10, Ben 20, Gil 90, Hal 120, Eve 180 -> 5 4 3 3 2 1.
    F: Ann alone has 3 days -> 5; the five with 1 day: 1 + floor(5 x 2.5 / 6) = 3.
    M: Ann 1800, Eve 600, Gil 150, Hal 20, Cat 0, Ben -200 -> 5 4 3 3 2 1.
    Segments by the grid: R 3-4 mid, R 2 low, R 5 with F 3 and R 1 in no rule: other."""
    got = {
        r["customer_name"]: (r["recency"], r["frequency"], r["monetary"], r["rfm"], r["segment"])
        for r in report("rfm", "--customers")["customers"]
    }
    assert got == {
        "Ann": (10, 3, "1800.00", "455", "mid"),
        "Ben": (20, 1, "-200.00", "331", "mid"),
        "Gil": (90, 1, "150.00", "333", "mid"),
        "Hal": (120, 1, "20.00", "233", "low"),
        "Cat": (1, 1, "0.00", "532", "other"),
        "Eve": (180, 1, "600.00", "134", "other"),
    }


def test_rfm_segment_summary_by_hand(edges):
    """Positive net of the currency: 1800 + 600 + 150 + 20 = 2570 (Ben's -200 counts 0), so
    mid (Ann, Ben, Gil) holds 1950 of it, 75.9 %, though its net is 1750; the shares add up
    to 100."""
    rows = [
        (r["segment"], r["customers"], r["customer_share"], r["revenue"], r["revenue_share"],
         r["mean_recency"], r["mean_frequency"], r["mean_monetary"])
        for r in report("rfm")["segments"]
    ]  # fmt: skip
    assert rows == [
        ("top", 0, 0.0, "0.00", 0.0, None, None, None),
        ("mid", 3, 50.0, "1750.00", 75.9, 40.0, 1.67, "583.33"),
        ("low", 1, 16.7, "20.00", 0.8, 120.0, 1.0, "20.00"),
        ("other", 2, 33.3, "600.00", 23.3, 90.5, 1.0, "300.00"),
    ]


def test_abc_with_negative_zero_and_refund_only_customers(edges):
    """Counted: the 7 with a line in the 12 months (Fay never bought). Positive net 2570.
    Share before: Ann 0 -> A, Eve 1800/2570 = 70.0 % -> A, Gil 2400/2570 = 93.4 % -> B,
    Hal 2550/2570 = 99.2 % -> C; Cat (0), Ben and Dan (negative) are C. Class C's share
    is Hal's 20 of 2570: the refunds of Ben and Dan take nothing away from it."""
    out = report("abc")
    classes = [
        (r["class"], r["customers"], r["customer_share"], r["revenue"], r["revenue_share"])
        for r in out["classes"]
    ]
    assert classes == [
        ("A", 2, 28.6, "2400.00", 93.4),
        ("B", 1, 14.3, "150.00", 5.8),
        ("C", 4, 57.1, "-230.00", 0.8),
    ]
    # top 10 % of 7 is 1 customer, 20 % is 2, 30 % and 40 % are 3, ... (rounded up)
    pareto = [(r["top_percent"], r["customers"], r["revenue"], r["revenue_share"])
              for r in out["pareto"]]  # fmt: skip
    assert pareto == [
        (10, 1, "1800.00", 70.0), (20, 2, "2400.00", 93.4),
        (30, 3, "2550.00", 99.2), (40, 3, "2550.00", 99.2),
        (50, 4, "2570.00", 100.0), (60, 5, "2570.00", 100.0),
        (70, 5, "2570.00", 100.0), (80, 6, "2570.00", 100.0),
        (90, 7, "2570.00", 100.0), (100, 7, "2570.00", 100.0),
    ]  # fmt: skip
    assert out["top"] == [
        {"currency": "CNY", "top_percent": 20, "customers": 2, "revenue_share": 93.4,
         "text": "top 20 % of customers (2 of 7) bring 93.4 % of CNY revenue"},
    ]  # fmt: skip
    # 43 % of 7 is 3.01 customers: rounded up, 4 (Ann, Eve, Gil, Hal: all of the 2570)
    assert [r["text"] for r in report("abc", "--top", "43")["top"]] == [
        "top 43 % of customers (4 of 7) bring 100.0 % of CNY revenue"
    ]
    listed = json.loads(ok("list", "--classes", "--format", "json"))
    assert {r["name"]: r["abc"] for r in listed} == {
        "Ann": "A", "Eve": "A", "Gil": "B", "Hal": "C", "Cat": "C", "Ben": "C", "Dan": "C",
        "Fay": "C",
    }  # fmt: skip


# Stage at each month end (new: first sale at most 30 days old; at_risk: silent over
# 1.5 x 90 = 135 days; none: no sale yet, Dan's refund is none):
#   Eve (05-26): 05-31 new, 06-30 active (35 days), 10-31 at_risk (158 days silent)
#   Hal (07-25): 07-31 new, 08-31 active;  Gil (08-24): 08-31 new, 09-30 active
#   Ann (09-23): 09-30 new, 10-31 active (3 sale days by 11-22, gaps 30 and 20: active)
#   Ben (11-02, refund after) and Cat (zero sale 11-21): new on 11-22; Dan, Fay: none
STAGES = ("new", "active", "reactivated", "at_risk", "lapsed", "none")
MONTHS = [  # month, as_of, new active reactivated at_risk lapsed none, moved
    ("2025-12", "2025-12-31", 0, 0, 0, 0, 0, 8, 0),
    ("2026-01", "2026-01-31", 0, 0, 0, 0, 0, 8, 0),
    ("2026-02", "2026-02-28", 0, 0, 0, 0, 0, 8, 0),
    ("2026-03", "2026-03-31", 0, 0, 0, 0, 0, 8, 0),
    ("2026-04", "2026-04-30", 0, 0, 0, 0, 0, 8, 0),
    ("2026-05", "2026-05-31", 1, 0, 0, 0, 0, 7, 1),
    ("2026-06", "2026-06-30", 0, 1, 0, 0, 0, 7, 1),
    ("2026-07", "2026-07-31", 1, 1, 0, 0, 0, 6, 1),
    ("2026-08", "2026-08-31", 1, 2, 0, 0, 0, 5, 2),
    ("2026-09", "2026-09-30", 1, 3, 0, 0, 0, 4, 2),
    ("2026-10", "2026-10-31", 0, 3, 0, 1, 0, 4, 2),
    ("2026-11", "2026-11-22", 2, 3, 0, 1, 0, 2, 2),
]
FLOWS = [
    ("2026-05", "none", "new", 1),
    ("2026-06", "new", "active", 1),
    ("2026-07", "none", "new", 1),
    ("2026-08", "new", "active", 1),
    ("2026-08", "none", "new", 1),
    ("2026-09", "new", "active", 1),
    ("2026-09", "none", "new", 1),
    ("2026-10", "active", "at_risk", 1),
    ("2026-10", "new", "active", 1),
    ("2026-11", "none", "new", 2),
]


def test_lifecycle_twelve_months_and_flows_by_hand(edges):
    out = report("lifecycle")
    months = [(m["month"], m["as_of"], *(m[s] for s in STAGES), m["moved"]) for m in out["months"]]
    assert months == MONTHS
    flows = sorted((f["month"], f["from_lifecycle"], f["to_lifecycle"], f["customers"])
                   for f in out["flows"])  # fmt: skip
    assert flows == FLOWS
    moves = [(m["from_lifecycle"], m["to_lifecycle"], m["customers"]) for m in out["moves"]]
    assert moves == [("none", "new", 6), ("new", "active", 4), ("active", "at_risk", 1)]
    now = [(r["lifecycle"], r["customers"], r["share"]) for r in out["lifecycle"]]
    assert now == [
        ("new", 2, 25.0), ("active", 3, 37.5), ("reactivated", 0, 0.0),
        ("at_risk", 1, 12.5), ("lapsed", 0, 0.0), ("none", 2, 25.0),
    ]  # fmt: skip
    funnel = [(r["stage"], r["customers"], r["share"]) for r in out["funnel"]]
    assert funnel == [  # nobody was given a funnel stage
        ("lead", 0, 0.0), ("prospect", 0, 0.0), ("customer", 0, 0.0), ("loyal", 0, 0.0),
        ("lost", 0, 0.0), (None, 8, 100.0),
    ]  # fmt: skip
    assert ok("list", "--lifecycle", "new", "-q").split() == ["2", "3"]  # Ben and Cat


# --- the grid as typed --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rules"),
    [
        (GRID, (("top", "5", "45"), ("mid", "34", "12345"), ("low", "2", "12345"))),
        ("  big   spenders = 54 / 5544 ;; rest=1/1;", (("big spenders", "45", "45"), ("rest", "1", "1"))),
        ("x" * 40 + "=1/1", (("x" * 40, "1", "1"),)),
    ],
)  # fmt: skip
def test_grid_rules_as_read(text, rules):
    assert rfm.parse_grid(text) == rules


@pytest.mark.parametrize(
    "text",
    ["top5/45", "top=545", "=5/45", "top=/45", "top=5/", "top=6/45", "top=5/40", "top=5 4/45",
     "x" * 41 + "=1/1", "a=1/1; b", "a=b=1/1", "top=X/45"],
)  # fmt: skip
def test_a_grid_rule_that_cannot_be_read_is_named(text):
    bad = text.split(";")[-1].strip()
    bad = bad if len(bad) <= 40 else bad[:39] + "…"  # what was typed is quoted cut to 40
    message = (
        f"cannot read the RFM grid rule {bad!r}; write NAME=R/F, e.g. champions=5/45 "
        "(R and F: the scores 1-5 it matches), rules separated by ;"
    )
    with pytest.raises(InvalidInput) as refused:
        rfm.parse_grid(text)
    assert str(refused.value) == message


@pytest.mark.parametrize("text", ["", " ; ;", "\n"])
def test_a_grid_without_rules_is_refused(text):
    with pytest.raises(InvalidInput, match=r"^the RFM grid needs at least one NAME=R/F rule$"):
        rfm.parse_grid(text)


def test_scores_by_hand():
    """n = 3, values 10, 20, 20: 10 has 0 below and 1 equal: 1 + floor(5 x 0.5 / 3) = 1;
    20 has 1 below and 2 equal: 1 + floor(5 x 2 / 3) = 4. Fewer is better: 10 has 2 worse:
    1 + floor(5 x 2.5 / 3) = 5; 20: 1 + floor(5 x 1 / 3) = 2."""
    assert rfm.scores({7: 10, 8: 20, 9: 20}) == {7: 1, 8: 4, 9: 4}
    assert rfm.scores({7: 10, 8: 20, 9: 20}, lower_is_better=True) == {7: 5, 8: 2, 9: 2}
    assert rfm.scores({}) == {}


def test_a_segment_whose_net_is_negative_has_a_negative_mean(edges):
    """Ben alone (his refund exceeds his sale) scores 3 and 3: mid, net -200.00, and so is
    its mean (it read -199.99); no positive net in the currency: every revenue share is 0."""
    rows = report("rfm", "--where", "name = Ben")["segments"]
    assert [
        (r["segment"], r["customers"], r["revenue"], r["revenue_share"], r["mean_monetary"])
        for r in rows
    ] == [
        ("top", 0, "0.00", 0.0, None),
        ("mid", 1, "-200.00", 0.0, "-200.00"),
        ("low", 0, "0.00", 0.0, None),
    ]


def test_purchases_after_the_as_of_day_are_left_out(edges):
    """As of 2026-11-20 Cat's zero sale of the 21st has not happened: five are scored, and
    Ann's last sale (11-12) is 8 days old."""
    rows = report("rfm", "--customers", "--as-of", "2026-11-20")["customers"]
    assert sorted((r["customer_name"], r["recency"]) for r in rows) == [
        ("Ann", 8), ("Ben", 18), ("Eve", 178), ("Gil", 88), ("Hal", 118),
    ]  # fmt: skip


_SEGMENTS = ("核心客户", "忠诚客户", "champions", "loyal", "at risk", "老客户")


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_SEGMENTS), st.sampled_from(["5/45", "34/12345", "9/45", "", "5"])
        ),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from([";", "；", "; "]),
)
def test_a_refused_grid_rule_is_quoted_as_the_user_typed_it(db_path, rules, sep):
    """`crm config set rfm.grid "核心客户=9/45"` was refused quoting `champions=9/45`, the key
    it was read as: the refusal quotes the rule as typed, in either language; nothing set."""
    typed = sep.join(f"{name}={cells}" if cells else name for name, cells in rules)
    bad = next((f"{n}={c}" if c else n for n, c in rules if c not in ("5/45", "34/12345")), None)
    before = ok("config", "get", "rfm.grid")
    for lang in ("en", "zh"):
        result = crm("--lang", lang, "config", "set", "rfm.grid", typed)
        if bad is None:
            assert result.exit_code == 0, result.stderr
            continue
        assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
        quoted = f"'{bad}'" if lang == "en" else f"“{bad}”"
        assert quoted in result.stderr, (typed, result.stderr)
        assert "champions" not in result.stderr.split("e.g.")[0] or "champions" in bad
        assert ok("config", "get", "rfm.grid") == before
