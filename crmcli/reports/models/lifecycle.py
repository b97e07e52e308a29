"""Lifecycle stage from purchase behaviour.

Given the distinct days a customer bought on (refund-only days excluded) and `today`:

- `none`: no purchase yet.
- `new`: the first purchase is at most `new_days` old.
- The customer's usual gap is the median gap between consecutive purchase days when they
  have at least `min_gaps` gaps (three purchase days by default); otherwise `default_gap`.
- `lapsed`: silent (days since the last purchase) longer than `lapsed_factor` x usual gap.
- `at_risk`: silent longer than `at_risk_factor` x usual gap.
- `reactivated`: the gap just before the last purchase was itself longer than the lapsed
  threshold (computed from the purchases before it), and they are not at risk now.
- `active`: everyone else who bought.
Checked in that order; every threshold is "longer than", so exactly at it is not yet past it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import date
from itertools import pairwise
from typing import NamedTuple

STAGES = ("new", "active", "at_risk", "lapsed", "reactivated", "none")
# The same, in the order reports list them (from new to gone).
ORDER = ("new", "active", "reactivated", "at_risk", "lapsed", "none")


class Rules(NamedTuple):
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
        return "at_risk"
    if len(days) >= 2:
        before = days[:-1]
        if (days[-1] - before[-1]).days > rules.lapsed_factor * usual_gap(before, rules):
            return "reactivated"
    return "active"


class DayNumbers(dict[str, int]):
    """Day text (`2026-11-22`) -> date.toordinal(), each distinct day parsed once: a few
    thousand days however many customers are classified."""

    def __missing__(self, day: str) -> int:
        number = self[day] = date.fromisoformat(day).toordinal()
        return number


def _median(values: list[int]) -> float:
    """statistics.median as a float, for a non-empty list (the same value, bit for bit)."""
    s = sorted(values)
    n = len(s)
    half = n // 2
    return float(s[half]) if n % 2 else float((s[half - 1] + s[half]) / 2)


def stages_on(days: Sequence[int], ends: Sequence[int], rules: Rules = Rules()) -> tuple[str, ...]:
    """`stage` at each of `ends` (day numbers, date.toordinal()) for sorted, distinct
    purchase day numbers `days`: the same answers as `stage` (a property test pins them),
    with the thresholds of each prefix of `days` computed once however many ends share it.
    The lifecycle report classifies every customer at 13 month ends with it."""
    n = len(days)
    if not n:
        return ("none",) * len(ends)
    first = days[0]
    new_days, min_gaps = rules.new_days, rules.min_gaps
    default_gap = float(rules.default_gap)
    at_risk, lapsed = rules.at_risk_factor, rules.lapsed_factor
    gaps = [b - a for a, b in pairwise(days)] if n > min_gaps else []
    out = []
    seen = -1  # the prefix length the thresholds below are for
    last = 0
    lapsed_after = at_risk_after = 0.0
    quiet = "active"
    for end in ends:
        k = bisect_right(days, end)  # days[:k] are those up to `end`
        if not k:
            out.append("none")
            continue
        if end - first <= new_days:
            out.append("new")
            continue
        if k != seen:
            seen = k
            last = days[k - 1]
            usual = _median(gaps[: k - 1]) if k - 1 >= min_gaps else default_gap
            lapsed_after, at_risk_after = lapsed * usual, at_risk * usual
            quiet = "active"
            if k >= 2:
                before = _median(gaps[: k - 2]) if k - 2 >= min_gaps else default_gap
                if last - days[k - 2] > lapsed * before:
                    quiet = "reactivated"
        silence = end - last
        if silence > lapsed_after:
            out.append("lapsed")
        elif silence > at_risk_after:
            out.append("at_risk")
        else:
            out.append(quiet)
    return tuple(out)
