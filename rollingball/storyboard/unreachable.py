r"""Frame data of the Unreachable scene: the arcs of a 1-D graph no ball of radius rho touches.

The arcs are :func:`rollingball.geometry.reach.unreachable` (swallowtail trimming of the offset
curve, endpoints to about 1e-12) and the critical radius is
:func:`rollingball.geometry.reach.critical_radius`: the smallest :math:`\rho` with an
unreachable point, :math:`\rho_c = 1/\max\kappa^+` where the curvature bound decides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rollingball.geometry import reach
from rollingball.storyboard.options import SceneOptions

__all__ = ["UnreachableData", "unreachable_data"]


@dataclass(frozen=True)
class UnreachableData:
    """Unreachable arcs of a 1-D loss for growing radii (from :mod:`rollingball.geometry.reach`).

    Attributes:
        xs, f: graph samples.
        radii: the radii; intervals: per radius, an ``(K, 2)`` array of theta intervals.
        critical_radius: the true critical radius (smallest rho with an unreachable point).
        x_range, y_range: the window.
    """

    options: SceneOptions
    xs: np.ndarray
    f: np.ndarray
    radii: np.ndarray
    intervals: list[np.ndarray]
    critical_radius: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    def intervals_at(self, rho: float) -> np.ndarray:
        """The unreachable intervals ``(K, 2)`` at radius ``rho`` in the window: the stored
        ones at the options' radii, else :func:`rollingball.geometry.reach.unreachable`."""
        k = np.flatnonzero(np.isclose(self.radii, rho, rtol=0, atol=1e-12))
        if k.size:
            return self.intervals[int(k[0])]
        return _intervals(self.options, float(rho), self.x_range)


def _intervals(options: SceneOptions, rho: float, window: tuple[float, float]) -> np.ndarray:
    iv = reach.unreachable(options.landscape, rho, domain=window).intervals
    return np.asarray(iv, dtype=float).reshape(-1, 2)


def unreachable_data(options: SceneOptions, samples: int = 900) -> UnreachableData:
    """Unreachable intervals at each radius of ``options`` and the critical radius, on a
    window of the domain at most 13 wide."""
    L = options.landscape
    lo, hi = L.domain[0]
    if hi - lo > 13.0:
        mid = 0.5 * (lo + hi)
        lo, hi = mid - 6.5, mid + 6.5
    xs = np.linspace(lo, hi, samples)
    fx = L.f(xs)
    radii = np.asarray(options.radius, dtype=float)
    intervals = [_intervals(options, float(r), (lo, hi)) for r in radii]
    rc = float(reach.critical_radius(L, domain=(lo, hi)).radius)
    return UnreachableData(options, xs, fx, radii, intervals, rc, (lo, hi),
                           (float(np.min(fx)) - 0.4, float(np.max(fx)) + 2.0))
