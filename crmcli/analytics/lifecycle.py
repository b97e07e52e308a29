"""Lifecycle stage from purchase behaviour.

Given the distinct days a customer bought on (refund-only days excluded) and `today`:

- `none`: no purchase yet.
- `new`: the first purchase is at most `new_days` old.
- The customer's usual gap is the median gap between consecutive purchase days when they
  have at least `min_gaps` gaps (three purchase days by default); otherwise `default_gap`.
- `lapsed`: silent (days since the last purchase) longer than `lapsed_factor` x usual gap.
- `at-risk`: silent longer than `at_risk_factor` x usual gap.
- `reactivated`: the gap just before the last purchase was itself longer than the lapsed
  threshold (computed from the purchases before it), and they are not at risk now.
- `active`: everyone else who bought.
Checked in that order; every threshold is "longer than", so exactly at it is not yet past it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

STAGES = ("new", "active", "at-risk", "lapsed", "reactivated", "none")


@dataclass(frozen=True)
class Rules:
    new_days: int = 30
    default_gap: int = 90
    min_gaps: int = 2
    at_risk_factor: float = 1.5
    lapsed_factor: float = 3.0


def usual_gap(days: Sequence[date], rules: Rules) -> float:
    """Median days between consecutive purchase days, or the default with too few."""
    gaps = sorted((b - a).days for a, b in pairwise(days))
    if len(gaps) < rules.min_gaps:
        return float(rules.default_gap)
    # the median, without statistics: importing it (and random, fractions) costs ~10 ms a run
    middle = len(gaps) // 2
    return float(gaps[middle]) if len(gaps) % 2 else (gaps[middle - 1] + gaps[middle]) / 2


def stage(days: Sequence[date], today: date, rules: Rules = Rules()) -> str:
    """The lifecycle stage for sorted, distinct purchase days up to `today`."""
    if not days:
        return "none"
    if (today - days[0]).days <= rules.new_days:
        return "new"
    silence = (today - days[-1]).days
    gap = usual_gap(days, rules)
    if silence > rules.lapsed_factor * gap:
        return "lapsed"
    if silence > rules.at_risk_factor * gap:
        return "at-risk"
    if len(days) >= 2:
        before = days[:-1]
        if (days[-1] - before[-1]).days > rules.lapsed_factor * usual_gap(before, rules):
            return "reactivated"
    return "active"


def stages_at(days: Sequence[date], ends: Sequence[date], rules: Rules = Rules()) -> list[str]:
    """`stage(days up to end, end)` for each of `ends` (ascending), computing each usual gap
    once: the same answers as `stage`, faster for the monthly history of many customers."""
    from bisect import bisect_right

    gaps: dict[int, float] = {}

    def gap(k: int) -> float:
        if k not in gaps:
            gaps[k] = usual_gap(days[:k], rules)
        return gaps[k]

    out = []
    for end in ends:
        k = bisect_right(days, end)
        if k == 0:
            out.append("none")
            continue
        if (end - days[0]).days <= rules.new_days:
            out.append("new")
            continue
        silence = (end - days[k - 1]).days
        usual = gap(k)
        if silence > rules.lapsed_factor * usual:
            out.append("lapsed")
        elif silence > rules.at_risk_factor * usual:
            out.append("at-risk")
        elif k >= 2 and (days[k - 1] - days[k - 2]).days > rules.lapsed_factor * gap(k - 1):
            out.append("reactivated")
        else:
            out.append("active")
    return out
