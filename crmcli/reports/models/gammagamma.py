"""The Gamma-Gamma model of spend per purchase, as pure functions on arrays.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis", Journal of Marketing Research 42(4), 415-430, section "Spend per
transaction"; with Fader & Hardie's note "The Gamma-Gamma Model of Monetary Value" (2013).

The model: each purchase of a customer is Gamma(p, nu) distributed; nu is Gamma(q, gamma)
across customers. A customer is summarised by `x`, their number of repeat purchases (> 0),
and `m`, the mean value of those repeat purchases (> 0, in any money unit; the fitted
`gamma` is in that unit). The model assumes spend per purchase is independent of how often
a customer buys.

numpy and scipy are imported at module level: import this module only inside the commands
that fit a model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from crmcli.reports.models.mle import INFEASIBLE, minimise


@dataclass(frozen=True)
class Params:
    """Fitted Gamma-Gamma parameters: purchase values ~ Gamma(p, nu), nu ~ Gamma(q, gamma)."""

    p: float
    q: float
    gamma: float
    log_likelihood: float = float("nan")

    def mean_spend(self) -> float:
        """E[M] = p gamma / (q - 1): the mean spend per purchase across customers (q > 1)."""
        return self.p * self.gamma / (self.q - 1)


@dataclass(frozen=True)
class Spends:
    """Repeat buyers (x, m) as the likelihood reads them: the distinct x, per customer the
    index of theirs, and the figures that do not depend on the parameters (log m, x m),
    computed once for a fit. The special functions run once per distinct x; what is left
    per customer is the arithmetic of log_likelihood on the same numbers in the same order,
    so the sum is equal to the last bit."""

    x: np.ndarray  # distinct x, ascending
    x_of: np.ndarray  # per customer, the index of their x in `x`
    log_m: np.ndarray  # per customer
    xm: np.ndarray  # per customer, x m
    weights: np.ndarray | None

    @classmethod
    def of(cls, x: object, m: object, weights: object | None = None) -> Spends:
        x = np.asarray(x, dtype=float)
        m = np.asarray(m, dtype=float)
        w = None if weights is None else np.asarray(weights, dtype=float)
        xs, x_of = np.unique(x, return_inverse=True)
        return cls(xs, x_of, np.log(m), x * m, w)


def log_likelihood(
    p: float,
    q: float,
    gamma: float,
    x: np.ndarray,
    m: np.ndarray,
    weights: np.ndarray | None = None,
) -> float:
    """The sample log-likelihood of mean spends `m` over `x` repeat purchases:

    L = G(p x + q) / (G(p x) G(q)) * gamma^q x^(p x) m^(p x - 1) / (gamma + x m)^(p x + q),

    summed in logs (each customer counted `weights` times).
    """
    return spends_log_likelihood(p, q, gamma, Spends.of(x, m, weights))


def spends_log_likelihood(p: float, q: float, gamma: float, s: Spends) -> float:
    """log_likelihood over Spends."""
    px = p * s.x
    common = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(gamma)
        + px * np.log(s.x)
    )
    each = common[s.x_of] + (px - 1)[s.x_of] * s.log_m - (px + q)[s.x_of] * np.log(gamma + s.xm)
    return float(np.sum(each if s.weights is None else each * s.weights))


def spends_log_likelihood_and_gradient(
    p: float, q: float, gamma: float, s: Spends
) -> tuple[float, np.ndarray]:
    """spends_log_likelihood and its derivatives in (p, q, gamma):

    d/dp     = x (psi(p x + q) - psi(p x) + log x + log m - log(gamma + x m))
    d/dq     = psi(p x + q) - psi(q) + log gamma - log(gamma + x m)
    d/dgamma = q / gamma - (p x + q) / (gamma + x m)."""
    x = s.x
    px = p * x
    psi = special.digamma(px + q)
    common = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(gamma)
        + px * np.log(x)
    )
    log_g = np.log(gamma + s.xm)
    pxq = (px + q)[s.x_of]
    each = common[s.x_of] + (px - 1)[s.x_of] * s.log_m - pxq * log_g
    x_each = x[s.x_of]
    by_x = x * (psi - special.digamma(px) + np.log(x))
    d_p = by_x[s.x_of] + x_each * (s.log_m - log_g)
    d_q = (psi - special.digamma(q) + np.log(gamma))[s.x_of] - log_g
    d_gamma = q / gamma - pxq / (gamma + s.xm)
    w = s.weights
    return float(np.sum(each if w is None else each * w)), np.array(
        [float(np.sum(v if w is None else v * w)) for v in (d_p, d_q, d_gamma)]
    )


# The box where a fit that followed the analytic gradient is kept: p, q and gamma (in mean
# spends) in [1e-3, 1e3], q at least 1.01. E[M | x, m] = p (gamma + x m) / (p x + q - 1)
# has no difference of near numbers but q - 1; inside the box it keeps its digits. Outside,
# the numerical fit runs as it would without the analytic one.
SAFE_LOW, SAFE_HIGH, SAFE_Q = 1e-3, 1e3, 1.01


def fit(x: np.ndarray, m: np.ndarray, weights: np.ndarray | None = None) -> Params:
    """Maximum-likelihood parameters for repeat buyers (x > 0, m > 0); raises ValueError when
    the optimiser does not converge to finite values. Money is rescaled internally (gamma
    carries the unit); the result is in the unit of `m`."""
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    w = None if weights is None else np.asarray(weights, dtype=float)
    if np.any(x <= 0) or np.any(m <= 0):
        raise ValueError("the Gamma-Gamma model needs repeat buyers with a positive mean spend")
    scale = float(np.mean(m)) or 1.0
    scaled = Spends.of(x, m / scale, w)

    # Per customer, so tolerances mean the same on 100 customers and on 100,000.
    total = float(len(x) if w is None else np.sum(w))

    def negative(log_params: np.ndarray) -> float:
        p, q, gamma = np.exp(log_params)
        value = spends_log_likelihood(p, q, gamma, scaled) / total
        return -value if np.isfinite(value) else INFEASIBLE

    def negative_with_gradient(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
            value, gradient = spends_log_likelihood_and_gradient(*params, scaled)
        value, gradient = value / total, gradient * params / total  # d/dlog v = v d/dv
        if not (np.isfinite(value) and np.all(np.isfinite(gradient))):
            return INFEASIBLE, np.zeros_like(params)
        return -value, -gradient

    def accept(log_params: np.ndarray) -> bool:
        p, q, gamma = np.exp(log_params)
        return bool(min(p, q, gamma) >= SAFE_LOW and max(p, q, gamma) <= SAFE_HIGH and q >= SAFE_Q)

    best = minimise(negative, 3, negative_with_gradient, accept)
    p, q, gamma = (float(v) for v in np.exp(best.x))
    gamma *= scale
    if not np.all(np.isfinite([p, q, gamma])) or best.fun >= INFEASIBLE:
        raise ValueError("the Gamma-Gamma fit did not converge")
    # The likelihood depends on the money unit: report it in the caller's.
    return Params(p, q, gamma, log_likelihood(p, q, gamma, x, m, w))


def expected_spend(params: Params, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """E[M | x, m] = p (gamma + x m) / (p x + q - 1): a customer's expected spend per future
    purchase, a weighted mean of the population mean p gamma / (q - 1) and their own mean `m`
    (weight p x / (p x + q - 1)). For x = 0 it is the population mean. Needs q > 1."""
    x = np.asarray(x, dtype=float)
    m = np.where(np.asarray(x) > 0, np.asarray(m, dtype=float), 0.0)
    p, q, gamma = params.p, params.q, params.gamma
    return p * (gamma + x * m) / (p * x + q - 1)
