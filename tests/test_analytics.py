"""The pure analytics rules, on hand-checked values."""

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from crmcli.reports.models import lifecycle, rfm, tiers

TODAY = date(2026, 11, 22)


def days_ago(*ns: int) -> list[date]:
    return sorted(TODAY - timedelta(days=n) for n in ns)


@pytest.mark.parametrize(
    ("ago", "expected"),
    [
        ((), "none"),
        ((30,), "new"),  # first purchase exactly new_days ago is still new
        ((31,), "active"),  # one purchase, default gap 90: silent 31 <= 135
        ((135,), "active"),  # exactly 1.5 x 90 is not yet past it
        ((136,), "at_risk"),
        ((270,), "at_risk"),  # exactly 3 x 90
        ((271,), "lapsed"),
        # usual gap 10 (needs two gaps): at_risk after 15, lapsed after 30
        ((60, 50, 40, 30, 15), "active"),  # gaps 10,10,10,15: median 10 -> silent 15, not past
        ((100, 90, 80, 15), "reactivated"),  # gap 65 before the last > 3 x 10
        ((100, 90, 80, 70, 16), "at_risk"),  # gaps 10,10,10,54; median 10; silent 16 > 15
        ((100, 90, 80, 70, 31), "lapsed"),  # silent 31 > 30
        # gap before last purchase 60 > 3 x 10 computed on earlier days: reactivated
        ((100, 90, 80, 70, 10), "reactivated"),
        ((100, 90, 80, 70, 40, 10), "active"),  # gap 30 is not longer than 3 x 10
    ],
)
def test_lifecycle_rules_and_boundaries(ago, expected):
    assert lifecycle.stage(days_ago(*ago), TODAY) == expected


def test_lifecycle_median_gap_uses_default_below_two_gaps():
    rules = lifecycle.Rules()
    assert lifecycle.usual_gap(days_ago(50, 40), rules) == 90.0
    assert lifecycle.usual_gap(days_ago(50, 40, 20), rules) == 15.0


def test_abc_boundaries_and_ties():
    # total 100: 50 (share-before 0) A, 30 (0.50) A, 10 (0.80) B, 5 (0.90) B, 5 tie B, 0 C
    revenue = {1: 50, 2: 30, 3: 10, 4: 5, 5: 5, 6: 0, 7: -20}
    assert tiers.abc(revenue) == {1: "A", 2: "A", 3: "B", 4: "B", 5: "B", 6: "C", 7: "C"}
    assert tiers.abc({1: 80, 2: 15, 3: 5}) == {1: "A", 2: "B", 3: "C"}
    assert tiers.abc({1: 0, 2: 0}) == {1: "C", 2: "C"}
    assert tiers.abc({1: 10}, a=Fraction(0), b=Fraction(1, 2)) == {1: "B"}


def test_tiers():
    assert [tiers.tier(v, 6, 2) for v in (0, 1, 2, 5, 6, 99)] == [
        "low", "low", "medium", "medium", "high", "high"]  # fmt: skip


def test_rfm_scores_spread_and_ties():
    assert rfm.scores({i: i for i in range(1, 6)}) == {1: 1, 2: 2, 3: 3, 4: 4, 5: 5}
    assert rfm.scores({i: 7 for i in range(4)}) == {0: 3, 1: 3, 2: 3, 3: 3}
    assert rfm.scores({1: 1, 2: 1, 3: 9, 4: 9}) == {1: 2, 2: 2, 3: 4, 4: 4}
    # recency: fewer days is better
    assert rfm.scores({1: 3, 2: 300}, lower_is_better=True) == {1: 4, 2: 2}
    ten = rfm.scores({i: i for i in range(10)})
    assert [ten[i] for i in range(10)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.dictionaries(st.integers(0, 10_000), st.integers(-50, 50), min_size=1, max_size=60))
def test_rfm_scores_are_order_free_monotone_and_in_range(values):
    scored = rfm.scores(values)
    assert set(scored.values()) <= {1, 2, 3, 4, 5}
    reordered = rfm.scores(dict(reversed(list(values.items()))))
    assert reordered == scored
    for a in values:
        for b in values:
            if values[a] == values[b]:
                assert scored[a] == scored[b]
            elif values[a] < values[b]:
                assert scored[a] <= scored[b]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.lists(st.integers(-(2**62), 2**62) | st.integers(-3, 3), min_size=1, max_size=80),
    st.booleans(),
)
def test_rfm_score_column_is_each_customers_score(values, lower_is_better):
    """The scores of `crm report rfm --customers` (a column, numpy) are `score_of_value`'s,
    with ties, negatives, large nets and both directions."""
    import numpy as np

    by_value = rfm.score_of_value(values, lower_is_better=lower_is_better)
    column = rfm.score_column(np.array(values, np.int64), lower_is_better=lower_is_better)
    assert column.tolist() == [by_value[v] for v in values]


def test_rfm_grid_covers_every_cell():
    names = {rfm.segment(r, f) for r in range(1, 6) for f in range(1, 6)}
    assert "other" not in names and len(names) == 10
    assert rfm.segment(5, 5) == "champions" and rfm.segment(1, 1) == "hibernating"
    assert rfm.segment(3, 3) == "need attention" and rfm.segment(2, 5) == "can't lose them"


RULES = st.builds(
    lifecycle.Rules,
    new_days=st.integers(0, 60),
    default_gap=st.integers(1, 120),
    min_gaps=st.integers(1, 4),
    at_risk_factor=st.sampled_from([1.0, 1.5, 2.0]),
    lapsed_factor=st.sampled_from([2.0, 3.0, 4.5]),
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.lists(st.integers(min_value=0, max_value=800), max_size=12, unique=True),
    st.lists(st.integers(min_value=0, max_value=800), min_size=1, max_size=13),
    RULES,
)
# a comeback gap of exactly lapsed x the usual gap (30 = 3 x 10), on the day and after
@example([50, 40, 30, 0], [0, 10], lifecycle.Rules())
def test_stages_on_matches_stage_at_every_date(ago, ends_ago, rules):
    """stages_on, which the reports and crm list use, says what stage says at every end."""
    days = days_ago(*ago)
    ends = sorted(TODAY - timedelta(days=n) for n in ends_ago)
    expected = [lifecycle.stage([d for d in days if d <= end], end, rules) for end in ends]
    got = lifecycle.stages_on([d.toordinal() for d in days], [e.toordinal() for e in ends], rules)
    assert list(got) == expected
