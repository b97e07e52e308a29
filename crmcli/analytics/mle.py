"""Maximum likelihood for the value models: one optimiser set-up shared by both.

Parameters are optimised on the log scale (they are all positive). BFGS with numerical
gradients converges in about 150 evaluations of the likelihood on the CDNOW data; when it
reports a failure (often only lost precision near the optimum) Nelder-Mead restarts from its
point and the better of the two results is kept.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize

# Returned by a negative log-likelihood for parameters where it is not finite.
INFEASIBLE = 1e300


def minimise(negative: Callable[[np.ndarray], float], size: int) -> optimize.OptimizeResult:
    """Minimise `negative` (a negative log-likelihood over log-parameters) from all zeros
    (every parameter 1)."""
    best = optimize.minimize(negative, np.zeros(size), method="BFGS", options={"gtol": 1e-9})
    if not best.success or not np.isfinite(best.fun):
        simplex = optimize.minimize(
            negative,
            best.x if np.all(np.isfinite(best.x)) else np.zeros(size),
            method="Nelder-Mead",
            options={"xatol": 1e-9, "fatol": 1e-13, "maxiter": 20000, "maxfev": 20000},
        )
        if simplex.fun < best.fun or not np.isfinite(best.fun):
            best = simplex
    return best
