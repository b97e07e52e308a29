"""Who needs attention, and why: pure functions over plain values and a date, no I/O.

- `effective_cadence`: how often a customer should be contacted. The most specific rule
  wins: the customer's own cadence, else the shortest cadence among their tags, else their
  funnel stage's, else the default. Customers with none of these are never due.
- `contact_due_on`: the day contact becomes due: the cadence counted in local calendar
  days from the last contact (or, for a customer never contacted, from the day they were
  added). A cadence may be a range, an ideal gap and a maximum one (`14d..30d`):
  `contact_state` says `due` from the ideal on and `overdue` past the maximum.
- `rank`: one list of customers from many reasons, most urgent first.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from types import MappingProxyType
from typing import NamedTuple

_NONE: Mapping[str, int] = MappingProxyType({})


class CadenceRules(NamedTuple):
    """Cadences in days from the settings: the default, and per tag and per stage."""

    default: int | None = None
    by_tag: Mapping[str, int] = _NONE
    by_stage: Mapping[str, int] = _NONE
    # The longest gap allowed, by the source `effective_cadence` names (`default`,
    # `tag vip`, `stage lead`), for cadences given as IDEAL..MAX; absent: MAX is the ideal.
    maximums: Mapping[str, int] = _NONE


def effective_cadence(
    own: int | None, tags: Iterable[str], stage: str | None, rules: CadenceRules
) -> tuple[int, str] | None:
    """(days, where it comes from) for one customer, or None when no cadence applies.

    The source reads `customer`, `tag NAME`, `stage NAME` or `default`.
    """
    if own:
        return own, "customer"
    tagged = sorted((rules.by_tag[t], t) for t in tags if t in rules.by_tag)
    if tagged:
        days, tag = tagged[0]
        return days, f"tag {tag}"
    if stage is not None and stage in rules.by_stage:
        return rules.by_stage[stage], f"stage {stage}"
    if rules.default:
        return rules.default, "default"
    return None


def contact_state(today: date, due_on: date, overdue_after: date) -> str:
    """`ok` before the ideal gap has passed, `due` from then until the maximum gap has
    passed, `overdue` after (with one cadence, no range: due on the day, overdue after)."""
    if today < due_on:
        return "ok"
    return "due" if today <= overdue_after else "overdue"


def contact_due_on(last_contact: date | None, added: date, cadence_days: int) -> date:
    """The day contact is due: `cadence_days` after the last contact, else after `added`."""
    return (last_contact or added) + timedelta(days=cadence_days)


# Reason classes for `crm today`, most urgent first.
OVERDUE_TASK = 0
DUE_TODAY = 1
DATE_TODAY = 2
CONTACT_OVERDUE = 3  # due for contact and past the longest gap allowed (a cadence's range)
CONTACT_DUE = 4
LATER = 9  # sections added later (e.g. churn warnings) rank after these unless they say so


class Reason(NamedTuple):
    """Why a customer is worth contacting today."""

    customer_id: int
    urgency: int  # a class above: lower is more urgent
    weight: float  # within a class, higher is more urgent (e.g. days overdue)
    text: str


def rank(reasons: Iterable[Reason], limit: int | None = None) -> list[tuple[int, list[Reason]]]:
    """Customers with their reasons, most urgent first: the first `limit` (None: all).

    A customer ranks by their most urgent reason's class, then its weight, then by how
    many reasons they have; ties keep the lower customer id first. Each customer's reasons
    come most urgent first (sorted for the customers returned only: a large day has
    thousands).
    """
    by_customer: dict[int, list[Reason]] = defaultdict(list)
    for reason in reasons:
        by_customer[reason.customer_id].append(reason)

    def key(item: tuple[int, list[Reason]]) -> tuple[int, float, int, int]:
        customer_id, found = item
        if len(found) == 1:  # most customers: one reason
            return found[0].urgency, -found[0].weight, -1, customer_id
        top = min(r.urgency for r in found)
        weight = max(r.weight for r in found if r.urgency == top)
        return top, -weight, -len(found), customer_id

    items = by_customer.items()
    # nsmallest is sorted()[:limit] (the keys are unique: they end with the customer id)
    first = sorted(items, key=key) if limit is None else heapq.nsmallest(limit, items, key=key)
    return [
        (customer_id, sorted(found, key=lambda r: (r.urgency, -r.weight)))
        for customer_id, found in first
    ]
