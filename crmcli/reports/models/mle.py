"""Maximum likelihood for the value models: one optimiser set-up shared by both.

Parameters are optimised on the log scale (they are all positive), on the log-likelihood
per customer (so tolerances mean the same for 100 customers and for 100,000). A model that
gives its likelihood's gradient (BG/NBD, Gamma-Gamma) is fitted along it first, in 20-60
evaluations, and that fit is kept only where the model accepts its point (see minimise).
BFGS with numerical gradients, the fit otherwise, converges in 100-500 evaluations;
"precision loss" at the end is accepted (numerical gradients cannot do better; the CDNOW
test shows the result is right to the published digits). Only when BFGS gives up
otherwise, or ends on a non-finite value, does Nelder-Mead restart from its point, for a
bounded number of evaluations, keeping the better result. Flat ridges exist (BG/NBD's a
and b both growing when every customer has the same dropout chance): bounding the work
keeps the fit from wandering along them for minutes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize

# Returned by a negative log-likelihood for parameters where it is not finite.
INFEASIBLE = 1e300
PRECISION_LOSS = 2  # scipy's BFGS status


def minimise(
    negative: Callable[[np.ndarray], float],
    size: int,
    with_gradient: Callable[[np.ndarray], tuple[float, np.ndarray]] | None = None,
    accept: Callable[[np.ndarray], bool] | None = None,
) -> optimize.OptimizeResult:
    """Minimise `negative` (a negative log-likelihood per customer over log-parameters) from
    all zeros (every parameter 1).

    With `with_gradient` (the same value and its gradient) BFGS first follows the analytic
    gradient: 5-15 times fewer evaluations. Its result is kept only when it converged and
    `accept` takes its point; otherwise (a flat ridge run out to where the model's
    predictions lose their digits, say) the numerical fit below runs as if it had not been
    tried, so such data get the same parameters as without it.

    The optimisers' trial points may lie far outside where the model is defined (exp of a
    log-parameter overflows, a log meets 0): such a point is judged by the finiteness of
    what it gives, and numpy's floating-point warnings about it never reach the user's
    terminal."""
    with np.errstate(all="ignore"):
        if with_gradient is not None:
            fast = optimize.minimize(
                with_gradient,
                np.zeros(size),
                jac=True,
                method="BFGS",
                options={"gtol": 1e-9, "maxiter": 1000},
            )
            if (
                np.isfinite(fast.fun)
                and fast.fun < INFEASIBLE
                and fast.status in (0, PRECISION_LOSS)
                and np.all(np.isfinite(fast.x))
                and (accept is None or accept(fast.x))
            ):
                return fast
        best = optimize.minimize(
            negative, np.zeros(size), method="BFGS", options={"gtol": 1e-9, "maxiter": 1000}
        )
        if np.isfinite(best.fun) and best.fun < INFEASIBLE and best.status in (0, PRECISION_LOSS):
            return best
        simplex = optimize.minimize(
            negative,
            best.x if np.all(np.isfinite(best.x)) else np.zeros(size),
            method="Nelder-Mead",
            options={"xatol": 1e-9, "fatol": 1e-13, "maxfev": 400 * size},
        )
        return simplex if simplex.fun < best.fun or not np.isfinite(best.fun) else best
