"""The BG/NBD model of repeat buying (Fader, Hardie & Lee 2005), as pure functions on arrays.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "'Counting Your Customers' the Easy Way:
An Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284; the formulas are
from that paper and Fader & Hardie's note "Computing P(alive) Using the BG/NBD Model".

The model: while alive, a customer buys as a Poisson process of rate lambda (Gamma(r, alpha)
across customers); after each purchase they drop out for good with probability p
(Beta(a, b) across customers). A customer is summarised by
- `x`: the number of repeat purchases (purchases after the first one),
- `t_x`: the time of the last purchase, counted from the first one (0 when x = 0),
- `T`: the time from the first purchase to the end of the observation period.

Time is in any unit, the same for `t_x`, `T`, the horizon `t` and the fitted `alpha`
(`r`, `a`, `b` have no unit): crmcli passes days; the CDNOW test passes weeks.

numpy and scipy are imported here at module level: import this module only inside the
commands that fit a model (`crm report value`, `crm report churn`), never on everyday paths.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy import special

from crmcli.reports.models.mle import INFEASIBLE, minimise


@dataclass(frozen=True)
class Params:
    """Fitted BG/NBD parameters: purchase rates ~ Gamma(r, alpha), dropout ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")

    def scaled(self, factor: float) -> Params:
        """The same model in a time unit `factor` times longer (alpha carries the unit)."""
        return Params(self.r, self.alpha / factor, self.a, self.b, self.log_likelihood)


def _arrays(*values: object) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in values]


@dataclass(frozen=True)
class Sample:
    """Customers (x, t_x, T) as the likelihoods read them: the distinct values of each, and
    per customer the index of theirs. A few hundred distinct counts and whole days stand for
    100,000 customers, so the special functions (gammaln, betaln, log) run once per
    distinct value instead of once per customer, hundreds of times in a fit. What is left
    per customer is the same arithmetic on the same numbers in the same order as over the
    plain arrays: the sums are equal to the last bit, and so is the fit."""

    x: np.ndarray  # distinct x, ascending
    t_x: np.ndarray  # distinct t_x
    T: np.ndarray  # distinct T
    x_of: np.ndarray  # per customer, the index of their x in `x` (so x[x_of] is x)
    t_x_of: np.ndarray
    T_of: np.ndarray
    repeat: np.ndarray  # per customer, x > 0
    weights: np.ndarray | None  # per customer, how many customers the row stands for
    size: int  # customers (rows)
    # Of the repeat buyers only (x > 0), in their order: the index of their x among the
    # distinct positive x (x[len(x) - count of them:]), and of their t_x in `t_x`.
    repeat_x_of: np.ndarray
    repeat_t_x_of: np.ndarray

    @classmethod
    def of(cls, x: object, t_x: object, T: object, weights: object | None = None) -> Sample:
        x, t_x, T = _arrays(x, t_x, T)
        w = None if weights is None else np.asarray(weights, dtype=float)
        (xs, x_of), (ts, t_of), (Ts, T_of) = (
            np.unique(v, return_inverse=True) for v in (x, t_x, T)
        )
        repeat = x > 0
        first = int(np.sum(xs <= 0))  # xs ascends: the positive values come last
        return cls(
            xs, ts, Ts, x_of, t_of, T_of, repeat, w, len(x), x_of[repeat] - first, t_of[repeat]
        )

    def scaled(self, factor: float) -> Sample:
        """The same customers with t_x and T divided by `factor`."""
        return replace(self, t_x=self.t_x / factor, T=self.T / factor)

    def total(self, each: np.ndarray) -> float:
        """The sum over the customers of `each` (one figure per row), times their weights."""
        return float(np.sum(each if self.weights is None else each * self.weights))


def log_likelihood(
    r: float,
    alpha: float,
    a: float,
    b: float,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    weights: np.ndarray | None = None,
) -> float:
    """The sample log-likelihood, paper eq. (6):

    L = B(a, b+x)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
        + [x > 0] B(a+1, b+x-1)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x)),

    summed in logs over the customers (each counted `weights` times).
    """
    return sample_log_likelihood(r, alpha, a, b, Sample.of(x, t_x, T, weights))


def sample_log_likelihood(r: float, alpha: float, a: float, b: float, s: Sample) -> float:
    """log_likelihood over a Sample: the terms in x alone once per distinct x, the logs of
    alpha + T and alpha + t_x once per distinct time."""
    x = s.x
    common = (
        special.gammaln(r + x)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )
    stay = (-(r + x))[s.x_of] * np.log(alpha + s.T)[s.T_of]
    # The second term over the first: a / (b+x-1) * ((alpha+T) / (alpha+t_x))^(r+x).
    dropped = np.full(s.size, -np.inf)
    xr = x[x > 0]
    x_of = s.repeat_x_of
    dropped[s.repeat] = (np.log(a) - np.log(b + xr - 1))[x_of] - (r + xr)[x_of] * np.log(
        alpha + s.t_x
    )[s.repeat_t_x_of]
    return s.total(common[s.x_of] + np.logaddexp(stay, dropped))


def fit(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weights: np.ndarray | None = None) -> Params:
    """Maximum-likelihood parameters for customers (x, t_x, T); raises ValueError when the
    optimiser does not converge to finite values.

    Identical customers may be passed once with a count in `weights` (much faster on large
    data). Time is rescaled internally so the optimiser sees numbers near 1; the result is in
    the unit of the input.
    """
    return fit_likelihood(sample_log_likelihood, x, t_x, T, weights)


def fit_likelihood(
    likelihood: Callable[[float, float, float, float, Sample], float],
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    weights: np.ndarray | None = None,
) -> Params:
    """fit() for any model with BG/NBD's four parameters (r, alpha, a, b) and a sample
    log-likelihood of the signature of sample_log_likelihood (MBG/NBD uses it too)."""
    sample = Sample.of(x, t_x, T, weights)
    scale = float(np.mean(_arrays(T)[0])) or 1.0  # alpha is in time units: fit in mean ages
    scaled = sample.scaled(scale)

    # Per customer, so tolerances mean the same on 100 customers and on 100,000.
    total = float(sample.size if sample.weights is None else np.sum(sample.weights))

    def negative(log_params: np.ndarray) -> float:
        r, alpha, a, b = np.exp(log_params)
        # The optimiser's trial points may drive a parameter to 0 (exp underflows), where
        # the logs give -inf or nan: such a point is infeasible, which is all it needs to
        # say, and numpy's warning about it must not reach the user's terminal.
        with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
            value = likelihood(r, alpha, a, b, scaled) / total
        return -value if np.isfinite(value) else INFEASIBLE

    best = minimise(negative, 4)
    r, alpha, a, b = (float(v) for v in np.exp(best.x))
    alpha *= scale
    if not np.all(np.isfinite([r, alpha, a, b])) or best.fun >= INFEASIBLE:
        raise ValueError("the fit did not converge")
    # The likelihood depends on the time unit: report it in the caller's.
    return Params(r, alpha, a, b, likelihood(r, alpha, a, b, sample))


def p_alive(params: Params, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(alive | x, t_x, T) = 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)).

    A customer without repeat purchases is alive by the model's assumption (they cannot have
    dropped out before buying again), so their P(alive) is 1.
    """
    x, t_x, T = _arrays(x, t_x, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    odds = np.zeros_like(x)
    repeat = x > 0
    xr = x[repeat]
    odds[repeat] = np.exp(
        np.log(a)
        - np.log(b + xr - 1)
        + (r + xr) * (np.log(alpha + T[repeat]) - np.log(alpha + t_x[repeat]))
    )
    return 1.0 / (1.0 + odds)


def expected_purchases_new(params: Params, t: np.ndarray | float) -> np.ndarray:
    """E[X(t)]: expected purchases in (0, t] of a customer just acquired, paper eq. (9):

    (a+b-1)/(a-1) * [1 - (alpha/(alpha+t))^r * 2F1(r, b; a+b-1; t/(alpha+t))].
    """
    t = np.asarray(t, dtype=float)
    r, alpha, a, b = safe(params)
    z = t / (alpha + t)
    return (
        (a + b - 1)
        / (a - 1)
        * (1 - (alpha / (alpha + t)) ** r * special.hyp2f1(r, b, a + b - 1, z))
    )


def expected_purchases(
    params: Params, t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected purchases in (T, T+t] of a customer seen so far, eq. (10):

    (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]
    / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)).
    """
    x, t_x, T = _arrays(x, t_x, T)
    r, alpha, a, b = safe(params)
    z = t / (alpha + T + t)
    ratio = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
    bracket = 1 - ratio * special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    if t == 0:
        bracket = np.zeros_like(x)
    return (a + b + x - 1) / (a - 1) * bracket * p_alive(params, x, t_x, T)


def safe(params: Params) -> tuple[float, float, float, float]:
    # The closed forms divide by a - 1; at exactly a = 1 take the limit from a nearby point
    # (the expectation is continuous in a; the error is far below anything printed).
    a = params.a if abs(params.a - 1) > 1e-9 else 1 + 1e-9
    return params.r, params.alpha, a, params.b
