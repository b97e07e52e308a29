"""Satisfaction and response-time figures: pure functions over plain numbers.

- NPS (Net Promoter Score) from 0-10 answers: promoters answer 9-10, passives 7-8,
  detractors 0-6; NPS = (promoters - detractors) / answers x 100, from -100 to 100.
- CSAT from 1-5 answers: the share of satisfied answers (4 or 5), as a percentage.
- Times to resolve, in seconds: the median (the middle value of the sorted times; with an
  even count, the mean of the two middle values) and the 90th percentile by the
  *nearest-rank* method: the value at 1-based position ceil(0.9 x n) of the sorted times,
  so at least 90 % of the times are at most it, and it is always one of the times.

Percentages and hours are exact fractions until `rounded()`, which rounds half to even to
one decimal place (a Decimal), the only rounding anywhere in these figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

PROMOTER_MIN = 9  # 9-10
DETRACTOR_MAX = 6  # 0-6
SATISFIED_MIN = 4  # 4-5 on the 1-5 CSAT scale
NPS_RANGE = (0, 10)
CSAT_RANGE = (1, 5)


def nps_class(score: int) -> str:
    """`promoter`, `passive` or `detractor` for a 0-10 answer."""
    if score >= PROMOTER_MIN:
        return "promoter"
    if score <= DETRACTOR_MAX:
        return "detractor"
    return "passive"


def nps(scores: Iterable[int]) -> Fraction | None:
    """The NPS of 0-10 answers as an exact fraction (-100..100); None without answers."""
    counted = list(scores)
    if not counted:
        return None
    promoters = sum(1 for s in counted if s >= PROMOTER_MIN)
    detractors = sum(1 for s in counted if s <= DETRACTOR_MAX)
    return Fraction(100 * (promoters - detractors), len(counted))


def csat(scores: Iterable[int]) -> Fraction | None:
    """The CSAT of 1-5 answers: the percentage of 4s and 5s; None without answers."""
    counted = list(scores)
    if not counted:
        return None
    return Fraction(100 * sum(1 for s in counted if s >= SATISFIED_MIN), len(counted))


def median(values: Sequence[int]) -> Fraction | None:
    """The median of `values` (the mean of the two middle ones for an even count)."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    middle = n // 2
    if n % 2:
        return Fraction(ordered[middle])
    return Fraction(ordered[middle - 1] + ordered[middle], 2)


def percentile(values: Sequence[int], p: int) -> int | None:
    """The p-th percentile (1 <= p <= 100) by nearest rank: the sorted value at 1-based
    position ceil(p/100 x n). None without values."""
    if not 1 <= p <= 100:
        raise ValueError("p must be from 1 to 100")
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    rank = (p * n + 99) // 100  # ceil(p * n / 100), in integers
    return ordered[rank - 1]


def rounded(value: Fraction | int | None, places: int = 1) -> Decimal | None:
    """`value` as a Decimal rounded half to even to `places` decimals; None stays None."""
    if value is None:
        return None
    exact = Fraction(value)
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        quantum, rounding=ROUND_HALF_EVEN
    )


def hours(seconds: Fraction | int | None) -> Decimal | None:
    """Seconds as hours, rounded half to even to one decimal place."""
    if seconds is None:
        return None
    return rounded(Fraction(seconds) / 3600)
