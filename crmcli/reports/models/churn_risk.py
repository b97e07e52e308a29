"""Churn warning: is a customer slipping away, why, and what is at stake. Pure, no I/O.

Two ways to tell, from a customer's sorted distinct purchase days (refund-only days excluded)
and the as-of date:
- **rhythm** (always available, cheap): the customer's usual gap is lifecycle.usual_gap (the
  median gap between purchase days with at least `min_gaps` gaps, else `default_gap`); they
  are a risk when silent (days since the last purchase) longer than `at_risk_factor` x that
  gap, and `lapsed` when longer than `lapsed_factor` x, as in the lifecycle stages.
- **model**: the BG/NBD probability that the customer still buys, P(alive); they are a risk
  when it is below `p_alive_below`. Used by `crm report churn` where the model could be
  fitted and the customer has bought at least twice (the model takes anyone who bought once
  to be alive, so for them the rhythm decides).

Either way, nobody silent for `min_silence` days or less is a risk: a customer who bought
last week is not slipping away, whatever their rhythm (bursts of purchases on consecutive
days give usual gaps of a day or two), and BG/NBD can put P(alive) under one half right after
a purchase when its b is small.

What is at stake (computed by the caller) is a year of the customer's buying, net of
refunds: the value of their purchases in the 365 days up to and including their last
purchase day, less what was refunded since the start of those days, never below 0. A
customer with nothing at stake (all refunded) is not a risk worth a warning.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from crmcli.reports.models import lifecycle


class Rules(NamedTuple):
    rhythm: lifecycle.Rules = lifecycle.Rules()
    p_alive_below: float = 0.5
    min_silence: int = 30


def rhythm_stage(silence: int, gap: float, rules: Rules) -> str:
    """`lapsed`, `at_risk` or `active` by the silence against the usual gap (the lifecycle
    thresholds; `min_silence` is not applied here)."""
    if silence > rules.rhythm.lapsed_factor * gap:
        return "lapsed"
    if silence > rules.rhythm.at_risk_factor * gap:
        return "at_risk"
    return "active"


def _days(n: float) -> str:
    n = round(n)
    return f"{n} day" if n == 1 else f"{n} days"


def reason(purchases: int, first: date, last: date, as_of: date, gap: float, rules: Rules) -> str:
    """Why, for a person: `buys about every 34 days; silent for 96`. `purchases` is the
    number of purchase days, `first` and `last` the first and last of them."""
    silence = (as_of - last).days
    if purchases - 1 >= rules.rhythm.min_gaps:
        return f"buys about every {_days(gap)}; silent for {silence}"
    assumed = f"no rhythm yet, {_days(gap)} assumed"
    if purchases == 1:
        return f"bought once, {_days(silence)} ago ({assumed})"
    apart = (last - first).days
    times = "twice" if purchases == 2 else f"on {purchases} days"
    return f"bought {times}, {_days(apart)} apart; silent for {silence} ({assumed})"


def model_reason(p_alive: float) -> str:
    """The model's part of the reason: `model: 23% chance they still buy`."""
    return f"model: {round(100 * p_alive)}% chance they still buy"
