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
    return fit_likelihood(sample_log_likelihood, terms, x, t_x, T, weights)


# The parts of a likelihood of the form of BG/NBD's and MBG/NBD's that depend on a and b
# alone, per distinct x: (c, s, d, dc, ds, dd). Per customer the likelihood is
#   log L = G + c(x) + log(e^(s(x) - (r+x) log(alpha+T)) + e^(d(x) - (r+x) log(alpha+t_x)))
# with G = log G(r+x) - log G(r) + r log alpha: alive at T in the first term, dropped out
# after the last purchase in the second. dc, ds and dd are the derivatives of c, s and d by
# a (row 0) and b (row 1).
Terms = Callable[[float, float, np.ndarray], tuple[np.ndarray, ...]]


def terms(a: float, b: float, x: np.ndarray) -> tuple[np.ndarray, ...]:
    """BG/NBD's Terms (log_likelihood): c = log B(a, b+x) - log B(a, b), s = 0, d = log a -
    log(b+x-1) for x > 0 (-inf for x = 0: no second term)."""
    repeat = x > 0
    c = (
        special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )
    d = np.where(repeat, np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)), -np.inf)
    dc = np.stack(
        [
            special.digamma(a + b) - special.digamma(a + b + x),
            special.digamma(a + b)
            + special.digamma(b + x)
            - special.digamma(b)
            - special.digamma(a + b + x),
        ]
    )
    zero = np.zeros_like(x)
    dd = np.stack(
        [np.full_like(x, 1 / a), np.where(repeat, -1 / np.where(repeat, b + x - 1, 1.0), 0.0)]
    )
    return c, zero, d, dc, np.stack([zero, zero]), dd


def fit_likelihood(
    likelihood: Callable[[float, float, float, float, Sample], float],
    parts: Terms,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    weights: np.ndarray | None = None,
) -> Params:
    """fit() for any model with BG/NBD's four parameters (r, alpha, a, b), its sample
    log-likelihood (of the signature of sample_log_likelihood) and its Terms (MBG/NBD uses it
    too). The optimiser follows the likelihood's gradient, computed from `parts` with it
    (gradient_of); the likelihood reported is `likelihood`'s."""
    sample = Sample.of(x, t_x, T, weights)
    scale = float(np.mean(_arrays(T)[0])) or 1.0  # alpha is in time units: fit in mean ages
    value_and_gradient = gradient_of(sample.scaled(scale), parts)

    def negative(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        # The optimiser's trial points may drive a parameter to 0 (exp underflows), where
        # the logs give -inf or nan: such a point is infeasible, which is all it needs to
        # say, and numpy's warning about it must not reach the user's terminal.
        with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
            params = np.exp(log_params)
            value, gradient = value_and_gradient(*params)
            # By the log-parameters: d/d log v = v d/dv.
            gradient = gradient * params
        if not (np.isfinite(value) and np.all(np.isfinite(gradient))):
            return INFEASIBLE, np.zeros(4)
        return -value, -gradient

    best = minimise(negative, 4)
    r, alpha, a, b = (float(v) for v in np.exp(best.x))
    alpha *= scale
    if not np.all(np.isfinite([r, alpha, a, b])) or best.fun >= INFEASIBLE:
        raise ValueError("the fit did not converge")
    # The likelihood depends on the time unit: report it in the caller's.
    return Params(r, alpha, a, b, likelihood(r, alpha, a, b, sample))


def gradient_of(
    s: Sample, parts: Terms
) -> Callable[[float, float, float, float], tuple[float, np.ndarray]]:
    """The log-likelihood per customer of the customers `s` (of the form of Terms) and its
    gradient by (r, alpha, a, b), as one function of the four. The sums are over distinct
    x and T where they can be (weights gathered once), so what is left per customer is one
    logaddexp and a few products; they are not summed in the order of log_likelihood, so
    the value agrees with it to rounding (about 1e-15 relative), not to the bit."""
    w = np.ones(s.size) if s.weights is None else s.weights
    xs = s.x[s.x_of]  # per customer
    n = float(np.sum(w))
    by_x = np.bincount(s.x_of, weights=w, minlength=len(s.x)) / n
    by_T = np.bincount(s.T_of, weights=w, minlength=len(s.T)) / n
    x_by_T = np.bincount(s.T_of, weights=w * xs, minlength=len(s.T)) / n
    w = w / n

    def value_and_gradient(r: float, alpha: float, a: float, b: float) -> tuple[float, np.ndarray]:
        c, stay0, drop0, dc, ds, dd = parts(a, b, s.x)
        common = special.gammaln(r + s.x) - special.gammaln(r) + r * np.log(alpha) + c
        log_T, log_t = np.log(alpha + s.T), np.log(alpha + s.t_x)
        at_T, at_t = log_T[s.T_of], log_t[s.t_x_of]
        rx = r + xs
        stay = stay0[s.x_of] - rx * at_T
        # log(e^stay + e^dropped) = stay + log(1 + e^z), z = dropped - stay, written so that
        # no exp overflows (z is -inf without a second term); numpy's logaddexp is 6x slower.
        z = (drop0 - stay0)[s.x_of] - rx * (at_t - at_T)
        each = stay + np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))
        share = w * special.expit(z)  # weight of the dropped-out term, times w
        by_x_dropped = np.bincount(s.x_of, weights=share, minlength=len(s.x))
        value = _dot(by_x, common) + _dot(w, each)
        d_r = (
            _dot(by_x, special.digamma(r + s.x) - special.digamma(r))
            + np.log(alpha)
            - _dot(by_T, log_T)
            + _dot(share, at_T - at_t)
        )
        inverse_T = 1 / (alpha + s.T)
        d_alpha = (
            r / alpha
            - _dot(r * by_T + x_by_T, inverse_T)
            - _dot(share, rx * (1 / (alpha + s.t_x)[s.t_x_of] - inverse_T[s.T_of]))
        )
        d_ab = np.sum((dc + ds) * by_x + (dd - ds) * by_x_dropped, axis=1)
        return value, np.array([d_r, d_alpha, d_ab[0], d_ab[1]])

    return value_and_gradient


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    """The sum of u * v. Not `u @ v`: numpy hands that to BLAS, whose threads wait for a
    core on a loaded machine (17 ms instead of 0.05 ms for 80,000 values on 2 busy cores)."""
    return float(np.sum(u * v))


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
