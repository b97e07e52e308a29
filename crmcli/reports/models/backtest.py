"""A forecast against what happened: the arithmetic of a backtest, pure, on plain arrays.

Customers are grouped by their repeat purchases before the backtest date, x: 0, 1, 2, ...,
and everyone with TOP or more in one last group (`7+`), as Fader, Hardie & Lee (2005) show
their holdout comparison. Per group: how many customers, and the mean of what they actually
did and of what was predicted. `group_error` sums over the groups the customers times the
gap between the two means, over all that actually happened: the share of the actual figure
the by-group forecast missed (0 is perfect; errors of opposite sign in different groups do
not cancel, as they would in the totals).

For the churn warning, `precision_recall`: of the customers flagged at risk on the date, the
share who then bought nothing (precision); of those who bought nothing, the share that had
been flagged (recall).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

TOP = 7


class Group(NamedTuple):
    label: str  # "0", "1", ... "7+"
    customers: int
    mean_actual: float
    mean_predicted: float


def group_of(x: np.ndarray) -> np.ndarray:
    """Each customer's group index: x, capped at TOP."""
    return np.minimum(np.asarray(x, dtype=np.int64), TOP)


def by_group(x: np.ndarray, actual: np.ndarray, predicted: np.ndarray) -> list[Group]:
    """One Group per value of x from 0 to TOP (the last one `TOP+`), empty groups left out."""
    index = group_of(x)
    actual = np.asarray(actual, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    groups = []
    for g in range(TOP + 1):
        members = index == g
        n = int(np.sum(members))
        if n:
            label = f"{g}+" if g == TOP else str(g)
            groups.append(
                Group(label, n, float(actual[members].mean()), float(predicted[members].mean()))
            )
    return groups


def ratio(predicted: float, actual: float) -> float | None:
    """predicted / actual, None when nothing actually happened."""
    return predicted / actual if actual else None


def group_error(groups: list[Group]) -> float | None:
    """sum(customers x |mean_predicted - mean_actual|) / sum(customers x mean_actual); None
    when nothing actually happened."""
    actual = sum(g.customers * g.mean_actual for g in groups)
    missed = sum(g.customers * abs(g.mean_predicted - g.mean_actual) for g in groups)
    return missed / actual if actual else None


class Hits(NamedTuple):
    customers: int
    flagged: int  # flagged at risk on the date
    bought_nothing: int  # bought nothing after it
    flagged_and_bought_nothing: int  # both
    precision: float | None  # flagged_and_bought_nothing / flagged
    recall: float | None  # flagged_and_bought_nothing / bought_nothing


def precision_recall(flagged: np.ndarray, quiet: np.ndarray) -> Hits:
    """Precision and recall of the flags `flagged` (booleans) against `quiet` (booleans:
    bought nothing in the holdout), with the counts behind them."""
    flagged = np.asarray(flagged, dtype=bool)
    quiet = np.asarray(quiet, dtype=bool)
    f, q, both = int(flagged.sum()), int(quiet.sum()), int((flagged & quiet).sum())
    return Hits(len(flagged), f, q, both, both / f if f else None, both / q if q else None)
