r"""Binomial confidence intervals for basin fractions (vectorised over cells).

A cell of a sweep runs :math:`n` balls of which :math:`k` reach the global basin; the
basin fraction :math:`\hat p = k/n` is reported with a two-sided interval of level
:math:`1 - \alpha`.

*Wilson score interval* (default), with :math:`z = \Phi^{-1}(1 - \alpha/2)`:

.. math::

    \frac{\hat p + \frac{z^2}{2n}}{1 + \frac{z^2}{n}} \;\pm\;
    \frac{z}{1 + \frac{z^2}{n}} \sqrt{\frac{\hat p (1 - \hat p)}{n} + \frac{z^2}{4 n^2}}.

*Clopper-Pearson* (exact, conservative): the quantiles of Beta distributions,

.. math::

    \big[\,B^{-1}(\tfrac{\alpha}{2};\, k, n - k + 1),\;
    B^{-1}(1 - \tfrac{\alpha}{2};\, k + 1, n - k)\,\big],

with the lower end 0 at :math:`k = 0` and the upper end 1 at :math:`k = n`.  Both equal
:meth:`scipy.stats.binomtest(k, n).proportion_ci` with ``method="wilson"`` and
``method="exact"`` (tested).
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["binomial_ci", "CI_METHODS"]

#: Interval methods :func:`binomial_ci` knows.
CI_METHODS = ("wilson", "clopper-pearson")


def binomial_ci(k, n, *, level: float = 0.95, method: str = "wilson"
                ) -> tuple[np.ndarray, np.ndarray]:
    r"""Two-sided binomial confidence interval for :math:`k` successes in :math:`n` trials.

    Args:
        k: successes (array-like of integers, ``0 <= k <= n``).
        n: trials (array-like, broadcast with ``k``); ``n = 0`` gives ``(nan, nan)``.
        level: confidence level :math:`1 - \alpha` in (0, 1).
        method: ``"wilson"`` (score interval) or ``"clopper-pearson"`` (exact).

    Returns:
        ``(lo, hi)`` arrays of the broadcast shape.

    >>> lo, hi = binomial_ci(7, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.3968, 0.8922)
    """
    if method not in CI_METHODS:
        raise ValueError(f"unknown interval method {method!r}; choose one of "
                         f"{', '.join(CI_METHODS)}")
    if not (0.0 < level < 1.0):
        raise ValueError(f"level must lie in (0, 1), got {level}")
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any(k < 0) or np.any(k > n):
        raise ValueError("binomial_ci needs 0 <= k <= n")
    alpha = 1.0 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "wilson":
            z = special.ndtri(1.0 - alpha / 2.0)
            p = k / n
            denom = 1.0 + z * z / n
            centre = (p + z * z / (2.0 * n)) / denom
            half = z / denom * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
            lo, hi = centre - half, centre + half
            # exact ends: 0 at k = 0 and 1 at k = n (the formula leaves rounding there)
            lo = np.where(k == 0, 0.0, np.clip(lo, 0.0, 1.0))
            hi = np.where(k == n, 1.0, np.clip(hi, 0.0, 1.0))
        else:
            lo = np.where(k > 0, special.betaincinv(k, n - k + 1.0, alpha / 2.0), 0.0)
            hi = np.where(k < n, special.betaincinv(k + 1.0, n - k, 1.0 - alpha / 2.0), 1.0)
        bad = n <= 0
        lo = np.where(bad, np.nan, lo)
        hi = np.where(bad, np.nan, hi)
    return lo, hi
