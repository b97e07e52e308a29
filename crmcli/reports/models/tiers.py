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

from collections.abc import Iterable, Iterator, Mapping
from fractions import Fraction


def abc(revenue: Mapping[int, int], a: Fraction = Fraction(80, 100),
        b: Fraction = Fraction(95, 100)) -> dict[int, str]:  # fmt: skip
    """ABC class per customer id from revenue in minor units (one currency)."""
    total = sum(v for v in revenue.values() if v > 0)
    ranked = sorted(revenue.items(), key=lambda kv: (-kv[1], kv[0]))
    labels = ranked_classes((value for _, value in ranked), total, a, b)
    return {customer_id: label for (customer_id, _), label in zip(ranked, labels, strict=True)}


def ranked_classes(
    ranked: Iterable[int], total: int, a: Fraction = Fraction(80, 100),
    b: Fraction = Fraction(95, 100),
) -> Iterator[str]:  # fmt: skip
    """The ABC class of each revenue of `ranked` (minor units, highest first), `total` the
    sum of the positive ones. A class depends on the revenue alone (all revenue ranked
    above a customer is larger than theirs, or equal and in the same class), so customers
    need not be known to count the classes."""
    above = 0
    previous: tuple[int, str] | None = None
    for value in ranked:
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
        yield label
        previous = (value, label)
        above += max(value, 0)


def tier(value: int, high: int, medium: int) -> str:
    return "high" if value >= high else "medium" if value >= medium else "low"
