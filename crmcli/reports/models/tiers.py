"""ABC classes and frequency/value tiers.

ABC: customers ranked by revenue, highest first; a customer's share-before is the revenue of
everyone ranked above them over the total. Class A while the share-before is below `a`
(0.80), B below `b` (0.95), else C; so the customer who crosses 80 % is still A. Customers
with equal revenue share one class (the class of the first of them). Customers with zero or
negative revenue are always C. With no positive revenue at all everyone is C.

Tiers: `high` when the value is at least the high threshold, `medium` when at least the
medium one, else `low`.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction


def abc(revenue: Mapping[int, int], a: Fraction = Fraction(80, 100),
        b: Fraction = Fraction(95, 100)) -> dict[int, str]:  # fmt: skip
    """ABC class per customer id from revenue in minor units (one currency)."""
    total = sum(v for v in revenue.values() if v > 0)
    ranked = sorted(revenue.items(), key=lambda kv: (-kv[1], kv[0]))
    classes: dict[int, str] = {}
    above = 0
    previous: tuple[int, str] | None = None
    for customer_id, value in ranked:
        if value <= 0 or total == 0:
            label = "C"
        elif previous is not None and previous[0] == value:
            label = previous[1]
        else:  # share = above / total, compared exactly without building Fractions
            label = (
                "A"
                if above * a.denominator < a.numerator * total
                else "B"
                if above * b.denominator < b.numerator * total
                else "C"
            )
        classes[customer_id] = label
        previous = (value, label)
        above += max(value, 0)
    return classes


def tier(value: int, high: int, medium: int) -> str:
    return "high" if value >= high else "medium" if value >= medium else "low"
