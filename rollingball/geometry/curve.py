r"""The parametric offset curve of a 1-D loss: regularity, cusps, swallowtails and trimming.

For :math:`\gamma(\theta) = (\theta, f(\theta))` with upward unit normal :math:`\nu` and
signed curvature :math:`\kappa = f''/(1+f'^2)^{3/2}` the offset curve is

.. math::

    c(\theta) = \gamma(\theta) + \rho\,\nu(\theta),\qquad
    c'(\theta) = \big(1 - \rho\,\kappa(\theta)\big)\,\gamma'(\theta).

It is regular where :math:`1-\rho\kappa > 0`, has a cusp where :math:`\kappa(\theta) =
1/\rho` (the centre of curvature), and runs backwards where :math:`\rho\kappa > 1`.  Each
backward stretch sits inside a *swallowtail*: two cusps and a self-intersection
:math:`c(\theta^-) = c(\theta^+)`, :math:`\theta^- < \theta^+`, where the ball touches the
graph at both :math:`\theta^\pm`.  Cutting the parameter interval :math:`(\theta^-,
\theta^+)` out of every swallowtail leaves exactly the graph of the upper offset
:math:`f_\rho` (:func:`rollingball.numeric.offset.upper_offset`); the parameters cut out are the
points of the graph the ball cannot touch from above.

The swallowtails are found from the contact map :math:`x \mapsto \theta^\star(x)` of the
exact offset: it is non-decreasing, continuous where the ball touches once, and jumps
from :math:`\theta^-` to :math:`\theta^+` at the abscissa :math:`x^\star` of a
self-intersection.  Jumps are located by bisection in :math:`x` to rounding, so the
endpoints :math:`\theta^\pm` are accurate to about :math:`10^{-12}` away from the critical
radius (the error is the bisection width times :math:`d\theta^\star/dx =
1/(1-\rho\kappa(\theta^\pm))`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from rollingball.numeric.offset import _check_rho, upper_offset
from rollingball.symbolic.landscape import RHO, Landscape
from rollingball.symbolic.scales import curvature_scan_spacing, default_resolution

__all__ = ["offset_curve", "offset_curve_symbolic", "regularity", "regularity_symbolic",
           "cusps", "Swallowtails", "swallowtails", "trimmed_offset_curve"]


def _one_d(landscape) -> Landscape:
    L = Landscape(landscape)
    if L.dim != 1:
        raise ValueError(f"the offset curve is for 1-D losses; this one is {L.dim}-D")
    return L


def offset_curve_symbolic(landscape: Landscape | str) -> sp.Matrix:
    r"""The offset curve :math:`c(\theta,\rho) = (\theta, f) + \rho\,(-f', 1)/\sqrt{1+f'^2}`.

    A 2 x 1 SymPy matrix in the loss variable and :data:`rollingball.RHO`.

    >>> offset_curve_symbolic("x^2").T
    Matrix([[-2*rho*x/sqrt(4*x**2 + 1) + x, rho/sqrt(4*x**2 + 1) + x**2]])
    """
    return _one_d(landscape).offset_point


def offset_curve(landscape: Landscape | str, theta, rho) -> np.ndarray:
    r"""The offset curve :math:`c(\theta) = \gamma(\theta) + \rho\,\nu(\theta)`, shape ``(..., 2)``.

    ``theta`` and ``rho`` broadcast.
    """
    L = _one_d(landscape)
    return L.offset(theta, _check_rho(rho))


def regularity_symbolic(landscape: Landscape | str) -> sp.Expr:
    r"""The regularity factor :math:`1 - \rho\,\kappa(\theta)` (SymPy), with
    :math:`c'(\theta) = (1-\rho\kappa)\,\gamma'(\theta)`."""
    return 1 - RHO * _one_d(landscape).curvature


def regularity(landscape: Landscape | str, theta, rho) -> np.ndarray:
    r"""The regularity factor :math:`1 - \rho\,\kappa(\theta)` at many parameters and radii.

    Positive: the offset curve is regular and runs forwards; zero: a cusp; negative: it runs
    backwards (inside a swallowtail: the footpoint is unreachable from above).
    """
    L = _one_d(landscape)
    return 1.0 - _check_rho(rho) * L.curvature_at(theta)


def _domain(L, domain):
    lo, hi = L.domain[0] if domain is None else (float(domain[0]), float(domain[1]))
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"the domain is empty: need lo < hi, got {domain}")
    return lo, hi


def cusps(
    landscape: Landscape | str,
    rho: float,
    *,
    domain: Sequence[float] | None = None,
    resolution: float | None = None,
) -> np.ndarray:
    r"""The cusps of the offset curve in ``domain``: the roots of :math:`\rho\,\kappa(\theta) = 1`.

    Found by sampling :math:`1-\rho\kappa` at spacing ``resolution`` (default
    :func:`~rollingball.symbolic.scales.curvature_scan_spacing`, a quarter of the offsets')
    and refining every sign change by bisection to rounding.  Tangential roots (the critical
    radius itself, where :math:`1-\rho\kappa` touches 0 without changing sign) are not
    reported.

    Returns:
        the sorted parameters :math:`\theta` of the cusps, shape ``(K,)``.

    >>> np.round(cusps("x^2", 1.0, domain=(-2, 2)), 8)  # kappa = 2/(1+4x^2)^(3/2) = 1
    array([-0.38321047,  0.38321047])
    """
    L = _one_d(landscape)
    rho = float(_check_rho(rho))
    lo, hi = _domain(L, domain)
    h = curvature_scan_spacing(L) if resolution is None else float(resolution)
    n = int(np.ceil((hi - lo) / h)) + 1
    t = np.linspace(lo, hi, n)
    g = 1.0 - rho * L.curvature_at(t)
    i = np.flatnonzero(np.sign(g[:-1]) * np.sign(g[1:]) < 0)
    exact = t[np.flatnonzero(g == 0)]
    a, b = t[i], t[i + 1]
    ga = g[i]
    for _ in range(200):
        m = 0.5 * (a + b)
        if np.all((m == a) | (m == b)):
            break
        gm = 1.0 - rho * L.curvature_at(m)
        left = np.sign(gm) == np.sign(ga)
        a, ga = np.where(left, m, a), np.where(left, gm, ga)
        b = np.where(left, b, m)
    return np.sort(np.concatenate([0.5 * (a + b), exact]))


@dataclass(frozen=True)
class Swallowtails:
    r"""The swallowtails (self-intersections) of the offset curve at one radius.

    Attributes:
        rho: the radius.
        x: abscissae :math:`x^\star` of the self-intersections, shape ``(K,)``.
        y: their heights :math:`f_\rho(x^\star)`.
        theta_minus, theta_plus: the two contacts :math:`\theta^- < \theta^+` of the ball
            centred at :math:`(x^\star, f_\rho(x^\star))`; the open interval between them
            is cut out of the curve.
    """

    rho: float
    x: np.ndarray
    y: np.ndarray
    theta_minus: np.ndarray
    theta_plus: np.ndarray

    @property
    def intervals(self) -> list[tuple[float, float]]:
        """The parameter intervals cut out, as ``(theta_minus, theta_plus)`` pairs."""
        return [(float(a), float(b)) for a, b in zip(self.theta_minus, self.theta_plus,
                                                     strict=True)]


def swallowtails(
    landscape: Landscape | str,
    rho: float,
    *,
    domain: Sequence[float] | None = None,
    resolution: float | None = None,
    min_gap: float = 1e-9,
) -> Swallowtails:
    r"""Every swallowtail of the offset curve whose cut-out interval meets ``domain``.

    Scans the contact map :math:`\theta^\star(x)` of the exact (unrestricted) upper offset
    on :math:`x \in [lo-\rho, hi+\rho]` at spacing ``resolution``, bisects every grid cell
    where :math:`\theta^\star` grows faster than 1.5 (a jump or a near-critical stretch)
    down to rounding, and keeps the cells whose contact gap stays above ``min_gap`` and that
    hold a real self-intersection (a backward stretch :math:`1-\rho\kappa<0`, or graph
    points inside the ball tangent at the middle parameter).

    Args:
        landscape: a 1-D loss (the whole graph over the real line is the obstacle).
        rho: the radius.
        domain: ``(lo, hi)`` (default: the landscape's domain).
        resolution: the x-grid spacing (default
            :func:`~rollingball.symbolic.scales.default_resolution`).
        min_gap: the smallest cut-out interval reported.

    Returns:
        a :class:`Swallowtails`, sorted by ``x``.
    """
    L = _one_d(landscape)
    rho = float(_check_rho(rho))
    lo, hi = _domain(L, domain)
    h = default_resolution(L) if resolution is None else float(resolution)
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"resolution must be positive, got {resolution}")
    n = int(np.ceil((hi - lo + 2 * rho) / h)) + 1
    xs = np.linspace(lo - rho, hi + rho, n)
    step = xs[1] - xs[0]
    th = upper_offset(L, xs, rho, resolution=resolution).contact
    i = np.flatnonzero(np.diff(th) > 1.5 * step)
    a, b = xs[i], xs[i + 1]
    ta, tb = th[i], th[i + 1]
    for _ in range(80):
        if a.size == 0:
            break
        m = 0.5 * (a + b)
        done = (m <= a) | (m >= b)
        if np.all(done):
            break
        tm = upper_offset(L, m, rho, resolution=resolution).contact
        # the jump lies on the side where the contact moves more
        right = (tb - tm) >= (tm - ta)
        a, ta = np.where(right & ~done, m, a), np.where(right & ~done, tm, ta)
        b, tb = np.where(right | done, b, m), np.where(right | done, tb, tm)
    keep = ((tb - ta) > min_gap) & (tb > lo) & (ta < hi)
    a, b, ta, tb = a[keep], b[keep], ta[keep], tb[keep]
    if a.size:
        # A real self-intersection c(ta) = c(tb) needs c_x' = 1 - rho kappa <= 0 somewhere
        # in between (else c_x increases); a contact map that is merely very steep (at the
        # critical radius itself) has none.  Non-smooth losses (a concave kink) are kept by
        # the second test: the ball tangent at the middle parameter holds graph points.
        u = ta[:, None] + (tb - ta)[:, None] * np.linspace(0.0, 1.0, 65)[None, 1:-1]
        backwards = np.min(1.0 - rho * L.curvature_at(u), axis=1) < -1e-12
        mid = 0.5 * (ta + tb)
        c = L.offset(mid, rho)
        gap = upper_offset(L, c[:, 0], rho, resolution=resolution).value - c[:, 1]
        real = backwards | (gap > 1e-12 * (1.0 + np.abs(c[:, 1])))
        a, b, ta, tb = a[real], b[real], ta[real], tb[real]
    xm = 0.5 * (a + b)
    y = upper_offset(L, xm, rho, resolution=resolution).value if xm.size else np.empty(0)
    return Swallowtails(rho=rho, x=xm, y=y, theta_minus=ta, theta_plus=tb)


def trimmed_offset_curve(
    landscape: Landscape | str,
    theta,
    rho: float,
    *,
    domain: Sequence[float] | None = None,
    resolution: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""The offset curve with its swallowtails cut out: ``(points, kept)``.

    ``points`` is :math:`c(\theta)` of shape ``theta.shape + (2,)`` and ``kept`` is False
    for the parameters inside a cut-out interval :math:`(\theta^-, \theta^+)`.  The kept
    points lie on the graph of :math:`f_\rho`: ``points[kept, 1] == f_rho(points[kept, 0])``.
    """
    L = _one_d(landscape)
    theta = np.asarray(theta, dtype=float)
    if domain is None:
        domain = (min(L.domain[0][0], float(np.min(theta))), max(L.domain[0][1],
                                                                  float(np.max(theta))))
    tails = swallowtails(L, rho, domain=domain, resolution=resolution)
    kept = np.ones(theta.shape, dtype=bool)
    for a, b in tails.intervals:
        kept &= ~((theta > a) & (theta < b))
    return offset_curve(L, theta, rho), kept
