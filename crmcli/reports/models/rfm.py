"""RFM scores and segments.

Each of R (days since the last purchase; fewer is better), F (distinct purchase days) and
M (net revenue) is scored 1-5 by quintile of its mid-rank: with n customers, `less` of them
worse and `equal` of them equal (the customer included), the score is
1 + floor(5 x (less + equal/2) / n). Equal values always get equal scores, results never
depend on row order, and n customers with 5 or more distinct values spread over 1-5.
With fewer distinct values some scores are skipped: two values give 2 and 4 when split
evenly, all-equal gives 3 to everyone.

Segments come from the R x F grid (GRID); the first rule that matches wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# (segment, R scores, F scores)
GRID: tuple[tuple[str, str, str], ...] = (
    ("champions", "5", "45"),
    ("loyal", "34", "45"),
    ("potential loyalists", "45", "23"),
    ("new customers", "5", "1"),
    ("promising", "4", "1"),
    ("need attention", "3", "3"),
    ("about to sleep", "3", "12"),
    ("at risk", "12", "34"),
    ("can't lose them", "12", "5"),
    ("hibernating", "12", "12"),
)


def scores(values: Mapping[int, int | float], *, lower_is_better: bool = False) -> dict[int, int]:
    """Quintile score 1-5 per key by mid-rank (see the module docstring)."""
    by_value = score_of_value(values.values(), lower_is_better=lower_is_better)
    return {key: by_value[value] for key, value in values.items()}


def score_of_value(
    values: Iterable[int | float], *, lower_is_better: bool = False
) -> dict[int | float, int]:
    """The quintile score of each distinct value among `values` (one per customer): what
    `scores` gives every customer with that value, without keying anything by customer."""
    from collections import Counter

    counts = Counter(values)
    n = counts.total()
    by_value = {}
    below = 0
    for value in sorted(counts):  # one score per distinct value: equal values score equal
        equal = counts[value]
        less = n - below - equal if lower_is_better else below
        by_value[value] = 1 + (5 * (2 * less + equal)) // (2 * n)
        below += equal
    return by_value


def score_column(values: Any, *, lower_is_better: bool = False) -> Any:
    """`score_of_value` for every entry of `values` (a numpy array of integers, one per
    customer): an int8 array of their scores, without a dict of the distinct values (a
    million customers' nets are nearly all distinct)."""
    import numpy as np

    _, which, counts = np.unique(values, return_inverse=True, return_counts=True)
    n = len(values)
    below = np.cumsum(counts) - counts  # customers with a lower value
    less = n - below - counts if lower_is_better else below
    by_value = 1 + (5 * (2 * less + counts)) // (2 * n)
    return by_value.astype(np.int8)[which.reshape(-1)]


def segment(r: int, f: int, grid: Sequence[tuple[str, str, str]] = GRID) -> str:
    for name, rs, fs in grid:
        if str(r) in rs and str(f) in fs:
            return name
    return "other"


def format_grid(grid: Sequence[tuple[str, str, str]]) -> str:
    """The grid as the `rfm.grid` setting writes it: `champions=5/45; loyal=34/45; ...`."""
    return "; ".join(f"{name}={rs}/{fs}" for name, rs, fs in grid)


def parse_grid(text: str) -> tuple[tuple[str, str, str], ...]:
    """A grid from `NAME=R/F; ...` (R and F: the scores 1-5 that match, e.g. 45);
    raises InvalidInput (the one import from outside analytics: a user wrote the text)."""
    rules = []
    for part in text.split(";"):
        if not part.strip():
            continue
        name, sep, cells = part.partition("=")
        rs, slash, fs = cells.strip().partition("/")
        name = " ".join(name.split())
        ok = sep and slash and name and len(name) <= 40
        ok = ok and all(s and set(s) <= set("12345") for s in (rs.strip(), fs.strip()))
        if not ok:
            from crmcli.core.errors import InvalidInput
            from crmcli.core.i18n import _

            raise InvalidInput(
                _(
                    "cannot read the RFM grid rule {rule!r}; write NAME=R/F, e.g. "
                    "champions=5/45 (R and F: the scores 1-5 it matches), rules separated by ;"
                ).format(rule=part.strip())
            )
        rules.append((name, "".join(sorted(set(rs.strip()))), "".join(sorted(set(fs.strip())))))
    if not rules:
        from crmcli.core.errors import InvalidInput
        from crmcli.core.i18n import _

        raise InvalidInput(_("the RFM grid needs at least one NAME=R/F rule"))
    return tuple(rules)
