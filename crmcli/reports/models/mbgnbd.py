"""The MBG/NBD model of repeat buying (Batislam, Denizel & Filiztekin 2007), as pure functions.

Batislam, E. P., Denizel, M. & Filiztekin, A. (2007), "Empirical validation and comparison of
models for customer base analysis", International Journal of Research in Marketing 24(3),
201-209; the formulas below are derived from that paper's assumptions.

The model is BG/NBD (crmcli.reports.models.bgnbd, same parameters r, alpha, a, b and the same
customer summary x, t_x, T) with one change: a customer may drop out right after their
**first** purchase too, not only after repeat ones. So a customer who bought once and never
again is not taken to be alive for sure, which BG/NBD does, and which makes it expect too
many purchases from the many one-time buyers of a real shop.

Per customer, with dropout chance p and purchase rate lambda:
  L(lambda, p) = (1-p)^(x+1) lambda^x e^(-lambda T) + p (1-p)^x lambda^x e^(-lambda t_x),
alive at T in the first term, dropped out right after the last purchase in the second.
Over lambda ~ Gamma(r, alpha) and p ~ Beta(a, b):
  L = G(r+x) alpha^r / G(r) * [B(a, b+x+1)/B(a, b) (alpha+T)^-(r+x)
                               + B(a+1, b+x)/B(a, b) (alpha+t_x)^-(r+x)].

Time is in any unit, the same for t_x, T, the horizon and alpha. numpy and scipy are imported
at module level: import this module only inside the commands that fit a model.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from crmcli.reports.models.bgnbd import Params, Sample, fit_likelihood, safe


def _arrays(*values: object) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in values]


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
    """The sample log-likelihood (module docstring), summed in logs over the customers (each
    counted `weights` times)."""
    return sample_log_likelihood(r, alpha, a, b, Sample.of(x, t_x, T, weights))


def sample_log_likelihood(r: float, alpha: float, a: float, b: float, s: Sample) -> float:
    """log_likelihood over a bgnbd.Sample: the terms in x alone once per distinct x, the
    logs of alpha + T and alpha + t_x once per distinct time."""
    x = s.x
    common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) - special.betaln(a, b)
    rx = (r + x)[s.x_of]
    stay = special.betaln(a, b + x + 1)[s.x_of] - rx * np.log(alpha + s.T)[s.T_of]
    dropped = special.betaln(a + 1, b + x)[s.x_of] - rx * np.log(alpha + s.t_x)[s.t_x_of]
    return s.total(common[s.x_of] + np.logaddexp(stay, dropped))


def fit(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weights: np.ndarray | None = None) -> Params:
    """Maximum-likelihood parameters for customers (x, t_x, T), as bgnbd.fit (identical
    customers once with a count in `weights`); raises ValueError when it does not converge."""
    return fit_likelihood(sample_log_likelihood, x, t_x, T, weights)


def p_alive(params: Params, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(alive | x, t_x, T) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)), for everyone:
    the second term over the first of the likelihood. Below 1 even for x = 0."""
    x, t_x, T = _arrays(x, t_x, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    odds = np.exp(np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)))
    return 1.0 / (1.0 + odds)


def expected_purchases(
    params: Params, t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected purchases in (T, T+t] (Batislam et al. 2007):

    (a+b+x)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))]
    * P(alive).
    """
    x, t_x, T = _arrays(x, t_x, T)
    r, alpha, a, b = safe(params)
    if t == 0:
        return np.zeros_like(x)
    z = t / (alpha + T + t)
    ratio = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
    bracket = 1 - ratio * special.hyp2f1(r + x, b + x + 1, a + b + x, z)
    return (a + b + x) / (a - 1) * bracket * p_alive(params, x, t_x, T)
