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
from functools import lru_cache
from typing import NamedTuple

from crmcli.core.i18n import Said
from crmcli.core.text import plural
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
    return _whole_days(round(n))


# A report of 80,000 risks says a few hundred distinct spans: each Said is made once (a Said
# is English text and its template, the same in every language, never changed once made).
@lru_cache(maxsize=4096)
def _whole_days(n: int) -> str:
    return plural(n, "day")


def reason(purchases: int, first: date, last: date, as_of: date, gap: float, rules: Rules) -> str:
    """Why, for a person: `buys about every 34 days; silent for 96 days` (a Said: English in
    JSON, the run's language in a table). `purchases` is the number of purchase days,
    `first` and `last` the first and last of them."""
    days = (as_of - last).days
    silence = _days(days)
    if purchases - 1 >= rules.rhythm.min_gaps:
        return Said("buys about every {gap}; silent for {silence}", gap=_days(gap), silence=silence)
    assumed = Said("no rhythm yet, {gap} assumed", gap=_days(gap))
    if purchases == 1:
        return Said("bought once, {days} ago ({assumed})", days=silence, assumed=assumed)
    apart = _days((last - first).days)
    if purchases == 2:
        return Said(
            "bought twice, {apart} apart; silent for {silence} ({assumed})",
            apart=apart, silence=silence, assumed=assumed,
        )  # fmt: skip
    return Said(
        "bought on {count} days, {apart} apart; silent for {silence} ({assumed})",
        count=purchases, apart=apart, silence=silence, assumed=assumed,
    )  # fmt: skip


def model_reason(p_alive: float) -> str:
    """The model's part of the reason: `model: 23% chance they still buy`."""
    return _model_reason(round(100 * p_alive))


@lru_cache(maxsize=128)
def _model_reason(percent: int) -> str:
    return Said("model: {percent}% chance they still buy", percent=percent)
