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
    # For the gradient (sample_log_likelihood_and_gradient), which sums by distinct value
    # where it can: the customers (weighted) per distinct x, per distinct T, and the sum of
    # their x per distinct T; of the repeat buyers, their T's index, x and weight.
    x_count: np.ndarray
    T_count: np.ndarray
    T_x_sum: np.ndarray
    repeat_T_of: np.ndarray
    repeat_x: np.ndarray
    repeat_weights: np.ndarray | None
    # Room for the gradient's arrays over the repeat buyers (7 rows of them), reused from one
    # evaluation to the next: allocated anew each time, several MB freed together go back
    # to the system and fault in again, which cost as much as the arithmetic.
    work: np.ndarray

    @classmethod
    def of(cls, x: object, t_x: object, T: object, weights: object | None = None) -> Sample:
        x, t_x, T = _arrays(x, t_x, T)
        w = None if weights is None else np.asarray(weights, dtype=float)
        (xs, x_of), (ts, t_of), (Ts, T_of) = (
            np.unique(v, return_inverse=True) for v in (x, t_x, T)
        )
        repeat = x > 0
        first = int(np.sum(xs <= 0))  # xs ascends: the positive values come last
        ones = np.ones(len(x)) if w is None else w
        return cls(
            xs, ts, Ts, x_of, t_of, T_of, repeat, w, len(x), x_of[repeat] - first, t_of[repeat],
            np.bincount(x_of, ones, len(xs)), np.bincount(T_of, ones, len(Ts)),
            np.bincount(T_of, ones * x, len(Ts)), T_of[repeat], x[repeat],
            None if w is None else w[repeat], np.empty((7, int(np.sum(repeat)))),
        )  # fmt: skip

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


def _common(r: float, alpha: float, a: float, b: float, x: np.ndarray) -> np.ndarray:
    """The log-likelihood's terms in x alone, once per distinct x."""
    return (
        special.gammaln(r + x)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )


def sample_log_likelihood(r: float, alpha: float, a: float, b: float, s: Sample) -> float:
    """log_likelihood over a Sample: the terms in x alone once per distinct x, the logs of
    alpha + T and alpha + t_x once per distinct time."""
    x = s.x
    common = _common(r, alpha, a, b, x)
    stay = (-(r + x))[s.x_of] * np.log(alpha + s.T)[s.T_of]
    # The second term over the first: a / (b+x-1) * ((alpha+T) / (alpha+t_x))^(r+x).
    dropped = np.full(s.size, -np.inf)
    xr = x[x > 0]
    x_of = s.repeat_x_of
    dropped[s.repeat] = (np.log(a) - np.log(b + xr - 1))[x_of] - (r + xr)[x_of] * np.log(
        alpha + s.t_x
    )[s.repeat_t_x_of]
    return s.total(common[s.x_of] + np.logaddexp(stay, dropped))


def sample_log_likelihood_and_gradient(
    r: float, alpha: float, a: float, b: float, s: Sample
) -> tuple[float, np.ndarray]:
    """sample_log_likelihood (to rounding: it is summed in another order) and its derivatives
    in (r, alpha, a, b). With d a repeat buyer's log of the second term over the first and
    w = e^d / (1 + e^d) their chance of having dropped out (0 for x = 0):

    log L    = common(x) - (r+x) log(alpha+T) + [x > 0] log(1 + e^d)
    d/dr     = psi(r+x) - psi(r) + log alpha - log(alpha+T) + w (log(alpha+T) - log(alpha+t_x))
    d/dalpha = r/alpha - (r+x)/(alpha+T) + w (r+x) (1/(alpha+T) - 1/(alpha+t_x))
    d/da     = psi(a+b) - psi(a+b+x) + w/a
    d/db     = psi(a+b) + psi(b+x) - psi(b) - psi(a+b+x) - w/(b+x-1).

    The terms without w are summed by distinct x and T (Sample's counts); only the terms in
    w go over the repeat buyers one by one."""
    x = s.x
    log_T = np.log(alpha + s.T)
    log_t_x = np.log(alpha + s.t_x)
    inv_T = 1 / (alpha + s.T)
    psi_ab = special.digamma(a + b)
    psi_abx = special.digamma(a + b + x)
    common = _common(r, alpha, a, b, x)
    # The repeat buyers: d = log(a/(b+x-1)) + (r+x) (log(alpha+T) - log(alpha+t_x)), in
    # the Sample's work rows (out=: no array allocated per evaluation).
    x_of, T_of, t_of = s.repeat_x_of, s.repeat_T_of, s.repeat_t_x_of
    positive = x[len(x) - int(np.sum(x > 0)) :]
    between, rx, d, small, w, one, two = s.work
    np.add(s.repeat_x, r, out=rx)
    np.take(log_T, T_of, out=between)
    between -= np.take(log_t_x, t_of, out=one)
    np.take(np.log(a) - np.log(b + positive - 1), x_of, out=d)
    d += np.multiply(rx, between, out=one)
    # log(1 + e^d) and w = e^d / (1 + e^d) from one exp (np.logaddexp is slower by half).
    np.exp(np.negative(np.abs(d, out=small), out=small), out=small)
    soft = np.maximum(d, 0.0, out=one)
    soft += np.log1p(small, out=two)
    np.copyto(w, small)
    np.putmask(w, d > 0, 1.0)
    w /= np.add(small, 1.0, out=two)
    if s.repeat_weights is not None:
        soft *= s.repeat_weights
        w *= s.repeat_weights
    n = float(np.sum(s.x_count))
    value = (
        _dot(common, s.x_count)
        - r * _dot(log_T, s.T_count)
        - _dot(log_T, s.T_x_sum)
        + float(np.sum(soft))
    )
    d_r = (
        _dot(special.digamma(r + x) - special.digamma(r) + np.log(alpha), s.x_count)
        - _dot(log_T, s.T_count)
        + float(np.sum(np.multiply(w, between, out=one)))
    )
    near = np.take(inv_T, T_of, out=one)
    near -= np.take(1 / (alpha + s.t_x), t_of, out=two)
    near *= w
    near *= rx
    d_alpha = (
        r / alpha * n - r * _dot(inv_T, s.T_count) - _dot(inv_T, s.T_x_sum) + float(np.sum(near))
    )
    d_a = _dot(psi_ab - psi_abx, s.x_count) + float(np.sum(w)) / a
    d_b = _dot(psi_ab + special.digamma(b + x) - special.digamma(b) - psi_abx, s.x_count) - _dot(
        np.bincount(x_of, w, len(positive)), 1 / (b + positive - 1)
    )
    return value, np.array([d_r, d_alpha, d_a, d_b])


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """The sum of a * b, without BLAS (whose threads wait for busy cores: ten times slower
    than this on a loaded machine)."""
    return float(np.sum(a * b))


def fit(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weights: np.ndarray | None = None) -> Params:
    """Maximum-likelihood parameters for customers (x, t_x, T); raises ValueError when the
    optimiser does not converge to finite values.

    Identical customers may be passed once with a count in `weights` (much faster on large
    data). Time is rescaled internally so the optimiser sees numbers near 1; the result is in
    the unit of the input.
    """
    return fit_likelihood(
        sample_log_likelihood, x, t_x, T, weights, sample_log_likelihood_and_gradient
    )


# The box where a fit that followed the analytic gradient is kept (see _safe_for_predictions).
SAFE_LOW, SAFE_HIGH = 1e-3, 1e3  # r, a, b and alpha in mean ages
SAFE_FROM_ONE = 1e-2  # |a - 1| at least
SAFE_HORIZONS = (0.1, 1.0)  # in mean ages


def _safe_for_predictions(params: Params, s: Sample) -> bool:
    """Whether the prediction formulas keep their digits at `params` (alpha in the unit of
    `s`, the fit's unit, in which the mean age is 1): expected_purchases is

        (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(...)] * P(alive),

    and the bracket is a difference of two numbers near 1 whenever the expectation is small
    against (a+b+x-1)/(a-1): its rounding error, multiplied by that factor, is the error of
    the result. Far out on a flat ridge (a -> 0, b -> infinity, r and alpha -> infinity
    together: the NBD model's limit) the factor grows without bound and 2F1's parameters
    with it, and the result is noise (forty half-yearly renewals printed -0.07 to 3.21 where
    the answer is 1.58 for each). In the box r, a, b, alpha/(mean age) in [1e-3, 1e3] with
    |a - 1| >= 0.01 the factor is at most (2000 + x) * 100, so a relative error of 1e-13 in
    the bracket (what scipy's 2F1 reaches at parameters below a few thousand, taken here,
    not proven) costs at most 2e-8 (1 + x/2000) purchases: far below the two decimals
    printed. As that bound rests on 2F1's accuracy, every customer's prediction is also
    computed at horizons of a tenth and of one mean age and must be finite and not
    negative. (Far
    longer horizons can fail for any fit, 2F1's series no longer converging: the report
    refuses those horizons whichever fit was kept.)"""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    if not all(SAFE_LOW <= v <= SAFE_HIGH for v in (r, alpha, a, b)):
        return False
    if abs(a - 1) < SAFE_FROM_ONE:
        return False
    x, t_x, T = s.x[s.x_of], s.t_x[s.t_x_of], s.T[s.T_of]
    with np.errstate(all="ignore"):
        for t in SAFE_HORIZONS:
            each = expected_purchases(params, t, x, t_x, T)
            if not np.all(np.isfinite(each)) or np.any(each < 0):
                return False
    return True


def fit_likelihood(
    likelihood: Callable[[float, float, float, float, Sample], float],
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    weights: np.ndarray | None = None,
    with_gradient: Callable[[float, float, float, float, Sample], tuple[float, np.ndarray]]
    | None = None,
) -> Params:
    """fit() for any model with BG/NBD's four parameters (r, alpha, a, b) and a sample
    log-likelihood of the signature of sample_log_likelihood (MBG/NBD uses it too).
    `with_gradient`, the likelihood with its gradient, is tried first (mle.minimise), its
    result kept only where _safe_for_predictions says the predictions keep their digits."""
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

    def negative_with_gradient(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
            value, gradient = with_gradient(*params, scaled)  # type: ignore[misc]
        value, gradient = value / total, gradient * params / total  # d/dlog p = p d/dp
        if not (np.isfinite(value) and np.all(np.isfinite(gradient))):
            return INFEASIBLE, np.zeros_like(params)
        return -value, -gradient

    def accept(log_params: np.ndarray) -> bool:
        return _safe_for_predictions(Params(*(float(v) for v in np.exp(log_params))), scaled)

    best = minimise(negative, 4, None if with_gradient is None else negative_with_gradient, accept)
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
