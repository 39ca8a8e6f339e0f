r"""Critical radii and unreachable points: where the rolling ball cannot touch the graph.

A point :math:`p = \gamma(\theta)` of the graph is **unreachable from above** at radius
:math:`\rho` when the ball of radius :math:`\rho` tangent to the graph at :math:`p` from above,
centred at :math:`c = p + \rho\,\nu(\theta)`, holds another point of the graph:

.. math::

    \min_{\vartheta}\ |c - \gamma(\vartheta)|^2 - \rho^2 < 0
    \iff f_\rho(c_x) > c_y .

This is the RBO's side: its ball is always above the graph (the default ``side="above"``).
The paper's Definition 1, read literally, quantifies over every ball through :math:`p`, so a
point is unreachable only when *both* tangent balls, from above and from below, hold graph
points (``side="either"``: reachable from either side).  For the sine at
:math:`\rho = 1.5` the troughs are unreachable from above but reachable from below, so the
literal definition finds no unreachable point at all; only once the intervals around the
troughs (from above) and around the crests (from below) overlap, beyond the radius
:math:`r_\uparrow(0) = \pi/\sqrt2` of the inflection points (the ball tangent at 0 also
touches the graph at the inflection :math:`-\pi`), does it find any (see
:func:`critical_radius`).

Properties used and tested: the unreachable set is open (paper Lemma 1) and grows with
:math:`\rho`.  In 1-D it is a union of open parameter intervals; each is cut out of a
swallowtail of the offset curve (:mod:`rollingball.geometry.curve`) and holds a stretch where
:math:`c_x'(\theta) = 1 - \rho\kappa(\theta) \le 0`.

**Critical radii.**  The *local* critical radius is :math:`1/\max\kappa^+` (largest principal
curvature in d-D): above it the points of highest curvature become unreachable.  The *true*
one is the smallest :math:`\rho` with an unreachable point in the domain.  For a smooth loss
on all of :math:`\mathbb R^d` the two agree: the map :math:`\theta\mapsto c_x(\theta)` has
Jacobian eigenvalues proportional to :math:`1-\rho\kappa_i > 0` below the local radius, so it
is a proper local diffeomorphism, hence injective, and the offset cannot fold over itself
(graphs have no "bottleneck" from above: two upward normals are never opposite).  On a
domain :math:`D` the true radius can be smaller: an unreachable interval grown around a
curvature peak *outside* :math:`D` spills into it through an edge.  So, in 1-D,

.. math::

    \rho_c^{\text{true}}(D) = \min\Big(\frac{1}{\max_D \kappa^+},\ r(lo),\ r(hi)\Big),\qquad
    r(\theta) = \inf_{\vartheta:\ \nu(\theta)\cdot\Delta > 0}
    \frac{|\Delta|^2}{2\,\nu(\theta)\cdot\Delta},
    \quad \Delta = \gamma(\vartheta)-\gamma(\theta),

where :math:`r(\theta)` is the largest radius at which :math:`\theta` is reachable (found
by bisection on the tangent-ball test).  A narrow flat-bottomed trough seen on its floor is
the example: the floor is flat (local radius huge) but the walls stop the ball early.

Length: about 700 lines, kept whole on purpose: the critical radius and the unreachable set
are two readings of one predicate (the tangent-ball test above, in 1-D and on d-D grids),
and share its helpers (the side, the flipped loss for balls from below, the sample budget of
the domain); ``rollingball.geometry.reach.unreachable`` is the path the docs and scenes cite.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from scipy import ndimage, optimize

from rollingball import _budget
from rollingball.geometry.curve import swallowtails
from rollingball.numeric.offset import _check_rho, upper_offset, upper_offset_grid
from rollingball.numeric.window import minimize_in_windows
from rollingball.symbolic.landscape import Landscape
from rollingball.symbolic.scales import curvature_scan_spacing, default_resolution

__all__ = ["CriticalRadius", "Unreachable", "local_critical_radius", "critical_radius",
           "point_radius", "unreachable", "unreachable_mask", "is_unreachable"]

SIDES = ("above", "below", "either")


@dataclass(frozen=True)
class CriticalRadius:
    """A critical radius and where it comes from.

    Attributes:
        radius: the radius (``inf`` when nothing limits it).
        kind: ``"local"`` (curvature) or ``"true"``.
        limited_by: ``"curvature"``, ``"edge"`` (spill-over through a domain edge),
            ``"overlap"`` (side ``"either"``) or ``"none"``.
        argmax: where it is attained: the curvature maximiser (``(d,)`` in d-D) or the
            edge point.
        kappa_max: the largest curvature (the largest principal curvature in d-D) on the
            domain.
        exact: the exact radius as a SymPy expression when SymPy solves for it, else None.
        exact_argmax: the exact maximiser, when known.
    """

    radius: float
    kind: str
    limited_by: str
    argmax: float | np.ndarray
    kappa_max: float
    exact: sp.Expr | None = None
    exact_argmax: sp.Expr | None = None
    details: dict = field(default_factory=dict)

    def __str__(self) -> str:
        where = np.array2string(np.asarray(self.argmax, dtype=float), precision=9)
        exact = ""
        if self.exact is not None:
            text = str(self.exact)
            exact = f", exact {text}" if len(text) <= 60 else ", exact (see .exact)"
        return (f"{self.kind} critical radius {self.radius:.12g} (limited by {self.limited_by}"
                f" at {where}; max curvature {self.kappa_max:.9g}{exact})")


def _domain_1d(L, domain):
    lo, hi = L.domain[0] if domain is None else np.asarray(domain, dtype=float).ravel()[:2]
    lo, hi = float(lo), float(hi)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"the domain is empty: need lo < hi, got {domain}")
    return lo, hi


def _box(L, domain):
    arr = np.asarray(L.domain if domain is None else domain, dtype=float)
    if arr.shape == (2,):
        arr = np.tile(arr, (L.dim, 1))
    if arr.shape != (L.dim, 2):
        raise ValueError(f"domain must be (lo, hi) or {L.dim} pairs, got {domain}")
    if not np.all(np.isfinite(arr)) or np.any(arr[:, 0] >= arr[:, 1]):
        raise ValueError(f"the domain is empty: need lo < hi on every axis, got {domain}")
    return arr


def _check_samples(L, box, h, what: str = "the sample grid") -> None:
    """Refuse (one-line ``ValueError``) a grid of spacing ``h`` on ``box`` over the budgets of
    :mod:`rollingball._budget` (points, and points x sum terms), before it is allocated."""
    terms = _budget.sum_terms(L.expr) if (L.data or L.expr.has(sp.Sum)) else 1.0
    _budget.check_grid(_budget.grid_points(box, h), what, terms=terms)


def _side(side: str) -> str:
    if side not in SIDES:
        raise ValueError(f"side must be one of {', '.join(SIDES)}, got {side!r}")
    return side


def _flipped(L: Landscape) -> Landscape:
    """The loss -f: the graph seen from below is the graph of -f seen from above."""
    return Landscape(-L.expr, L.variables, name=f"-({L.name})", data=L.data or None,
                     domain=L.domain, feature_scale=L.feature_scale)


# ------------------------------------------------------------------ local critical radius
def local_critical_radius(
    landscape: Landscape | str,
    *,
    domain: Sequence[float] | Sequence[Sequence[float]] | None = None,
    resolution: float | None = None,
    symbolic: bool = True,
) -> CriticalRadius:
    r"""The local critical radius :math:`1/\max_D \kappa^+` and its maximiser.

    1-D: :math:`\kappa = f''/(1+f'^2)^{3/2}` is maximised over the domain by dense sampling
    (spacing a quarter of ``resolution``,
    :func:`~rollingball.symbolic.scales.curvature_scan_spacing`) and safeguarded Newton on
    :math:`\kappa'` (:func:`rollingball.numeric.window.minimize_in_windows`); then, when
    ``symbolic``, SymPy is asked for the exact maximiser: the real roots of the
    numerator of :math:`\kappa'` for a polynomial loss (``CRootOf``, exact), else a closed
    form of the numeric maximiser recognised by :func:`sympy.nsimplify` (over :math:`\pi`)
    and checked to make :math:`\kappa'` vanish to 50 digits.  d-D: the largest principal
    curvature is sampled on a grid of the domain and polished by Nelder-Mead (accuracy
    about 1e-9 relative).

    Returns:
        a :class:`CriticalRadius` (``radius = inf`` when :math:`\kappa \le 0` on the domain).

    >>> r = local_critical_radius("sine")
    >>> r.exact, sp.sin(r.exact_argmax)  # exactly 1, at a trough
    (1, -1)
    >>> r = local_critical_radius("double_well")
    >>> round(r.radius, 6), round(r.kappa_max, 4), round(abs(r.argmax), 4)
    (0.219748, 4.5507, 0.7647)
    """
    L = Landscape(landscape)
    if L.dim == 1:
        return _local_1d(L, domain, resolution, symbolic)
    return _local_nd(L, domain, resolution)


def _local_1d(L, domain, resolution, symbolic):
    lo, hi = _domain_1d(L, domain)
    x = L.variables[0]
    k, dk, _ = L.curvature_derivatives
    h = curvature_scan_spacing(L, resolution)
    _check_samples(L, (lo, hi), h, "the curvature scan")

    def fgh(t, i):
        a, b, c = L.curvature_derivatives_at(t)
        return -a, -b, -c

    w = minimize_in_windows(fgh, np.array([lo]), np.array([hi]), h)
    xm, kmax = float(w.x[0]), float(-w.value[0])
    radius = 1.0 / kmax if kmax > 0 else np.inf
    exact = exact_x = None
    if symbolic and kmax > 0 and np.isfinite(kmax) and not L.data and not L.expr.has(sp.Sum):
        # symbolic work on user input: bounded in time (rollingball._budget), else numeric only
        exact, exact_x = _budget.bounded(lambda: _exact_radius(k, dk, x, xm, kmax),
                                         fallback=(None, None))
    return CriticalRadius(radius=radius, kind="local", limited_by="curvature" if kmax > 0
                          else "none", argmax=xm, kappa_max=kmax, exact=exact,
                          exact_argmax=exact_x)


def _exact_radius(k, dk, x, xm, kmax):
    """``(1/kappa(x*), x*)`` exactly for the root x* of ``dk`` at ``xm``, else (None, None)."""
    exact_x = _exact_root(dk, x, xm)
    if exact_x is None:
        return None, None
    kx = k.subs(x, exact_x)
    if not exact_x.has(sp.CRootOf):
        kx = sp.simplify(kx)
    if abs(float(sp.N(kx, 30)) - kmax) <= 1e-9 * max(1.0, kmax):
        return (1 / kx if exact_x.has(sp.CRootOf) else sp.simplify(1 / kx)), exact_x
    return None, None  # the root found is not the maximiser SymPy was asked about


def _exact_root(dk: sp.Expr, x: sp.Symbol, xm: float) -> sp.Expr | None:
    """An exact root of ``dk`` equal to ``xm`` (to 1e-8), or None."""
    num = sp.numer(sp.together(dk))
    try:
        if num.is_polynomial(x):
            poly = sp.Poly(num, x)
            if poly.degree() <= 0 or poly.degree() > _budget.MAX_POLY_DEGREE:
                return None
            for root in sp.real_roots(poly):
                if abs(float(sp.N(root, 30)) - xm) <= 1e-8 * max(1.0, abs(xm)):
                    return root
            return None
        guess = sp.nsimplify(xm, [sp.pi], tolerance=1e-10, rational=False)
        if sp.count_ops(guess) > 8 or abs(float(sp.N(guess, 30)) - xm) > 1e-8 * max(1.0, abs(xm)):
            return None
        # recognised closed form: kappa' must vanish there to 50 digits
        if abs(sp.N(num.subs(x, guess), 60)) < sp.Float("1e-50"):
            return guess
    except (NotImplementedError, sp.PolynomialError, TypeError, ValueError):
        return None
    return None


def _local_nd(L, domain, resolution):
    box = _box(L, domain)
    d = L.dim
    h = default_resolution(L) if resolution is None else float(resolution)
    n = int(min(max(5, np.ceil(np.max(box[:, 1] - box[:, 0]) / h) + 1),
                np.floor(400_000 ** (1.0 / d))))
    axes = [np.linspace(lo, hi, n) for lo, hi in box]
    P = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, d)
    k1 = L.principal_curvatures_at(P)[:, 0]
    order = np.argsort(-k1)[:8]
    best_x, best_k = P[order[0]], float(k1[order[0]])

    def neg(z):
        z = np.clip(z, box[:, 0], box[:, 1])
        return -float(L.principal_curvatures_at(z)[0])

    step = (box[:, 1] - box[:, 0]) / (n - 1)
    for j in order:
        simplex = np.vstack([P[j]] + [P[j] + np.eye(d)[i] * step[i] for i in range(d)])
        res = optimize.minimize(neg, P[j], method="Nelder-Mead",
                                options=dict(xatol=1e-11, fatol=1e-14, maxiter=4000,
                                             initial_simplex=simplex))
        z = np.clip(res.x, box[:, 0], box[:, 1])
        if -neg(z) > best_k:
            best_x, best_k = z, -neg(z)
    radius = 1.0 / best_k if best_k > 0 else np.inf
    return CriticalRadius(radius=radius, kind="local", limited_by="curvature" if best_k > 0
                          else "none", argmax=np.asarray(best_x), kappa_max=best_k)


# ------------------------------------------------------------------ tangent-ball test
def _tangent_ball_gap(L, theta, rho, resolution):
    r"""min over the graph of |c - gamma|^2 - rho^2 for the ball tangent at theta from above.

    theta, rho: flat arrays of equal length (1-D loss).  Negative: unreachable.
    """
    c = L.offset(theta, rho)
    cx, cy = c[..., 0], c[..., 1]
    h = default_resolution(L) if resolution is None else float(resolution)

    def fgh(t, i):
        f, g, hh = L.value_grad_hess(t)
        g, hh = g[..., 0], hh[..., 0, 0]
        dx, dy = t - cx[i], f - cy[i]
        val = dx * dx + dy * dy - rho[i] ** 2
        d1 = 2 * dx + 2 * dy * g
        d2 = 2 + 2 * g * g + 2 * dy * hh
        return val, d1, d2

    w = minimize_in_windows(fgh, theta - 2 * rho, theta + 2 * rho, np.minimum(h, rho / 8))
    return w.value


def is_unreachable(
    landscape: Landscape | str,
    theta,
    rho,
    *,
    side: str = "above",
    resolution: float | None = None,
    tol: float = 1e-12,
) -> np.ndarray:
    r"""Whether the graph points :math:`\gamma(\theta)` are unreachable at radius ``rho`` (1-D).

    The direct tangent-ball test: :math:`\min_\vartheta |c-\gamma(\vartheta)|^2 - \rho^2
    < -\text{tol}\,\rho^2` with :math:`c = \gamma(\theta) \pm \rho\nu(\theta)`, the minimum
    taken exactly over :math:`|\vartheta-\theta| \le 2\rho` (the only points a ball of
    radius :math:`\rho` through :math:`\gamma(\theta)` can hold).  ``theta`` and ``rho``
    broadcast.
    """
    L = Landscape(landscape)
    if L.dim != 1:
        raise ValueError("is_unreachable is for 1-D losses; use unreachable_mask in d-D")
    side = _side(side)
    rho = _check_rho(rho)
    tb, rb = np.broadcast_arrays(np.asarray(theta, dtype=float), rho)
    t, r = tb.ravel(), rb.ravel().astype(float)

    def above(M):
        return _tangent_ball_gap(M, t, r, resolution) < -tol * r**2

    if side == "above":
        out = above(L)
    elif side == "below":
        out = above(_flipped(L))
    else:
        out = above(L) & above(_flipped(L))
    return out.reshape(tb.shape)


def point_radius(
    landscape: Landscape | str,
    theta,
    *,
    side: str = "above",
    upper: float | None = None,
    resolution: float | None = None,
    rtol: float = 1e-11,
) -> np.ndarray:
    r"""The largest radius at which each :math:`\gamma(\theta)` is still reachable (1-D).

    .. math::  r(\theta) = \sup\{\rho : \gamma(\theta)\ \text{is reachable at}\ \rho\}
               = \min\Big(\frac{1}{\kappa^+(\theta)},\ \inf_{\vartheta\ne\theta}
               \frac{|\Delta|^2}{2\,\nu\cdot\Delta}\Big)

    The curvature term is exact; the other by vectorised multisection on ``rho`` of
    :func:`is_unreachable` (monotone in ``rho``) to ``rtol`` relative.  ``side="either"``
    gives the larger of the two sides' radii.  Values above ``upper`` (default: 50 times
    the domain's width) are reported as ``inf``.
    """
    L = Landscape(landscape)
    side = _side(side)
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    if side == "either":
        kw = dict(upper=upper, resolution=resolution, rtol=rtol)
        return np.maximum(point_radius(L, theta, **kw), point_radius(_flipped(L), theta, **kw))
    if side == "below":
        L = _flipped(L)
    lo, hi = L.domain[0]
    top = 50.0 * (hi - lo) if upper is None else float(upper)
    t = theta.ravel()
    n = t.size
    kappa = L.curvature_at(t)
    with np.errstate(divide="ignore"):
        local = np.where(kappa > 0, 1.0 / np.where(kappa > 0, kappa, 1.0), np.inf)
    a = np.zeros(n)  # reachable at a (or a == 0)
    b = np.minimum(local, top)  # unreachable at b, unless never
    never = ~is_unreachable(L, t, b, resolution=resolution)
    K = 8
    for _ in range(64):
        if np.all(b - a <= rtol * np.maximum(b, 1e-300)):
            break
        frac = np.arange(1, K + 1) / (K + 1)
        R = a[:, None] + (b - a)[:, None] * frac[None, :]
        U = is_unreachable(L, np.repeat(t, K), R.ravel(), resolution=resolution).reshape(n, K)
        first = np.where(U.any(axis=1), np.argmax(U, axis=1), K)  # first unreachable radius
        na = np.where(first > 0, R[np.arange(n), np.maximum(first - 1, 0)], a)
        nb = np.where(first < K, R[np.arange(n), np.minimum(first, K - 1)], b)
        a, b = na, nb
    out = np.where(never, np.where(local <= top, local, np.inf), 0.5 * (a + b))
    return out.reshape(theta.shape)


# ------------------------------------------------------------------ true critical radius
def critical_radius(
    landscape: Landscape | str,
    *,
    domain: Sequence[float] | Sequence[Sequence[float]] | None = None,
    side: str = "above",
    resolution: float | None = None,
) -> CriticalRadius:
    r"""The true critical radius: the smallest :math:`\rho` with an unreachable point in ``domain``.

    1-D, ``side="above"``: :math:`\min(1/\max_D\kappa^+, r(lo), r(hi))` (see the module
    notes for why nothing else can limit it), with :math:`r` from :func:`point_radius`.
    ``side="either"`` (the paper's literal Definition 1): the minimum over the domain of
    :math:`\max(r_\uparrow(\theta), r_\downarrow(\theta))`, sampled on a grid and refined
    by golden section (accuracy about 1e-9).  2-D (``side="above"``): the smaller of the
    local radius of the largest principal curvature and the reachable radius :math:`r` of
    sampled points of the box's edges (spill-over through an edge; exact at the samples,
    so as good as the edge sampling in between); for a smooth loss on all of
    :math:`\mathbb R^d` the local radius is the answer (module notes).  d >= 3: the local
    radius, faces not searched (``details["edges_searched"]`` is False).

    >>> round(critical_radius("sine").radius, 12)
    1.0
    """
    L = Landscape(landscape)
    side = _side(side)
    local = local_critical_radius(L, domain=domain, resolution=resolution)
    if L.dim != 1:
        if side != "above":
            raise ValueError("the either-side critical radius is provided for 1-D losses")
        if L.dim == 2:
            box = _box(L, domain)
            top = local.radius if np.isfinite(local.radius) else 50.0 * float(
                np.max(box[:, 1] - box[:, 0]))
            pts, r = _boundary_radius_2d(L, box, top, resolution)
            j = int(np.argmin(r))
            details = {"local": local.radius, "edges_searched": True, "boundary": pts,
                       "boundary_radius": r}
            if r[j] < local.radius:
                return CriticalRadius(radius=float(r[j]), kind="true", limited_by="edge",
                                      argmax=pts[j], kappa_max=local.kappa_max, details=details)
        else:
            details = {"local": local.radius, "edges_searched": False}
        return CriticalRadius(radius=local.radius, kind="true", limited_by=local.limited_by,
                              argmax=local.argmax, kappa_max=local.kappa_max, details=details)
    lo, hi = _domain_1d(L, domain)
    if side == "either":
        return _either_1d(L, lo, hi, local, resolution)
    if side == "below":
        M = _flipped(L)
        return critical_radius(M, domain=(lo, hi), resolution=resolution)
    upper = local.radius if np.isfinite(local.radius) else None
    edges = point_radius(L, np.array([lo, hi]), upper=upper, resolution=resolution)
    j = int(np.argmin(edges))
    if edges[j] < local.radius:
        return CriticalRadius(radius=float(edges[j]), kind="true", limited_by="edge",
                              argmax=(lo, hi)[j], kappa_max=local.kappa_max,
                              details={"local": local.radius, "edges": edges})
    return CriticalRadius(radius=local.radius, kind="true", limited_by=local.limited_by,
                          argmax=local.argmax, kappa_max=local.kappa_max, exact=local.exact,
                          exact_argmax=local.exact_argmax,
                          details={"local": local.radius, "edges": edges})


def _boundary_radius_2d(L, box, top, resolution, rtol: float = 1e-10):
    """Largest reachable radius r(theta) (capped at ``top``) at sampled points of the box's edges.

    The 2-D tangent-ball test f_rho(c_x) - c_y > 1e-12 (1 + |c_y|) (pointwise multi-start
    offset, whole plane as obstacle) bisected in rho by multisection, with the exact local
    bound 1/kappa_1(theta).  Edge samples at spacing ``resolution`` (default: the default
    resolution, at most 64 per edge), corners included.
    """
    h = default_resolution(L) if resolution is None else float(resolution)
    pts = []
    for axis in range(2):
        other = 1 - axis
        n = int(min(64, max(2, np.ceil((box[axis, 1] - box[axis, 0]) / h) + 1)))
        t = np.linspace(box[axis, 0], box[axis, 1], n)
        for end in box[other]:
            p = np.empty((n, 2))
            p[:, axis], p[:, other] = t, end
            pts.append(p)
    pts = np.unique(np.vstack(pts), axis=0)
    k1 = L.principal_curvatures_at(pts)[:, 0]
    with np.errstate(divide="ignore"):
        local = np.where(k1 > 0, 1.0 / np.where(k1 > 0, k1, 1.0), np.inf)

    def unreach(P, rho):
        c = L.offset(P, rho)
        v = upper_offset(L, c[:, :-1], rho).value
        return (v - c[:, -1]) > 1e-12 * (1.0 + np.abs(c[:, -1]))

    n = pts.shape[0]
    a = np.zeros(n)
    b = np.minimum(local, top)
    never = ~unreach(pts, b)
    K = 8
    frac = np.arange(1, K + 1) / (K + 1)
    for _ in range(40):
        live = np.flatnonzero(~never & (b - a > rtol * b))
        if live.size == 0:
            break
        R = a[live, None] + (b - a)[live, None] * frac[None, :]
        U = unreach(np.repeat(pts[live], K, axis=0), R.ravel()).reshape(live.size, K)
        first = np.where(U.any(axis=1), np.argmax(U, axis=1), K)
        rows = np.arange(live.size)
        a[live] = np.where(first > 0, R[rows, np.maximum(first - 1, 0)], a[live])
        b[live] = np.where(first < K, R[rows, np.minimum(first, K - 1)], b[live])
    r = np.where(never, np.where(local <= top, local, np.inf), 0.5 * (a + b))
    return pts, r


def _either_1d(L, lo, hi, local, resolution):
    h = default_resolution(L) if resolution is None else float(resolution)
    _check_samples(L, (lo, hi), h)
    t = np.linspace(lo, hi, int(np.ceil((hi - lo) / h)) + 1)
    # a coarse pass bounds the search, a grid pass finds the basin, golden section polishes
    coarse = point_radius(L, t[:: max(1, t.size // 12)], side="either", resolution=resolution,
                          rtol=1e-3)
    upper = float(np.min(coarse)) * 1.01
    if not np.isfinite(upper):
        return CriticalRadius(radius=np.inf, kind="true", limited_by="none", argmax=np.nan,
                              kappa_max=local.kappa_max)

    def both(u, rtol=1e-11):
        return point_radius(L, u, side="either", upper=upper, resolution=resolution, rtol=rtol)

    r = both(t, 1e-4)
    j = int(np.argmin(r))
    a, b = t[max(j - 1, 0)], t[min(j + 1, t.size - 1)]
    g = (np.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    rc, rd = both(np.array([c, d]))
    for _ in range(80):
        if b - a <= 1e-10 * max(1.0, abs(a)):
            break
        if rc <= rd:
            b, d, rd = d, c, rc
            c = b - g * (b - a)
            rc = both(np.array([c]))[0]
        else:
            a, c, rc = c, d, rd
            d = a + g * (b - a)
            rd = both(np.array([d]))[0]
    ends = both(np.array([0.5 * (a + b), lo, hi]))
    k = int(np.argmin(ends))
    return CriticalRadius(radius=float(ends[k]), kind="true", limited_by="overlap",
                          argmax=float((0.5 * (a + b), lo, hi)[k]), kappa_max=local.kappa_max)


# ------------------------------------------------------------------ unreachable points
@dataclass(frozen=True)
class Unreachable:
    """The unreachable parameter intervals of a 1-D loss at one radius.

    Attributes:
        rho: the radius.
        side: ``"above"``, ``"below"`` or ``"either"``.
        domain: the ``(lo, hi)`` the intervals are clipped to.
        intervals: open intervals ``(a, b)``, sorted and disjoint, shape ``(K, 2)``.
    """

    rho: float
    side: str
    domain: tuple[float, float]
    intervals: np.ndarray

    def __len__(self) -> int:
        return len(self.intervals)

    def contains(self, theta) -> np.ndarray:
        """Whether each ``theta`` lies in an (open) unreachable interval."""
        theta = np.asarray(theta, dtype=float)
        out = np.zeros(theta.shape, dtype=bool)
        for a, b in self.intervals:
            out |= (theta > a) & (theta < b)
        return out

    @property
    def measure(self) -> float:
        """The total length of the intervals."""
        return float(np.sum(self.intervals[:, 1] - self.intervals[:, 0])) if len(self) else 0.0


def _intersect(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    out = []
    for a0, a1 in A:
        for b0, b1 in B:
            lo, hi = max(a0, b0), min(a1, b1)
            if lo < hi:
                out.append((lo, hi))
    return np.array(sorted(out), dtype=float).reshape(-1, 2)


def unreachable(
    landscape: Landscape | str,
    rho: float,
    *,
    side: str = "above",
    domain: Sequence[float] | None = None,
    resolution: float | None = None,
) -> Unreachable:
    r"""The points of a 1-D graph a ball of radius ``rho`` cannot touch, as open intervals.

    ``side="above"`` (default, the RBO's ball): the parameters cut out of the swallowtails
    of the offset curve (:func:`rollingball.geometry.curve.swallowtails`), endpoints to about 1e-12.
    ``"below"``: the same for :math:`-f`.  ``"either"`` (paper Definition 1 read literally):
    the intersection of the two.  The whole graph over the real line is the obstacle; the
    intervals are clipped to ``domain`` (default: the landscape's).

    >>> u = unreachable("sine", 1.5, domain=(-4, 0))
    >>> np.round(u.intervals, 6)
    array([[-2.514915, -0.626677]])
    """
    L = Landscape(landscape)
    if L.dim != 1:
        raise ValueError(f"unreachable intervals are for 1-D losses; this one is {L.dim}-D: "
                         "use unreachable_mask")
    side = _side(side)
    rho = float(_check_rho(rho))
    lo, hi = _domain_1d(L, domain)
    _check_samples(L, (lo, hi), default_resolution(L) if resolution is None else resolution)

    def above(M):
        s = swallowtails(M, rho, domain=(lo, hi), resolution=resolution)
        iv = np.stack([s.theta_minus, s.theta_plus], axis=-1).reshape(-1, 2)
        return _intersect(iv, np.array([[lo, hi]]))

    if side == "above":
        iv = above(L)
    elif side == "below":
        iv = above(_flipped(L))
    else:
        iv = _intersect(above(L), above(_flipped(L)))
    return Unreachable(rho=rho, side=side, domain=(lo, hi), intervals=iv)


def unreachable_mask(
    landscape: Landscape | str,
    rho: float,
    *,
    side: str = "above",
    domain: Sequence[float] | Sequence[Sequence[float]] | None = None,
    resolution: float | None = None,
    method: str = "exact",
    tol: float | None = None,
):
    r"""Unreachable points on a grid of the domain (any dimension): a boolean mask.

    ``method="exact"`` (default): the tangent-ball test at every grid point,
    :math:`f_\rho(c_x) - c_y > \text{tol}` with :math:`c = \gamma(\theta) + \rho\nu(\theta)` and
    :math:`f_\rho` from :func:`rollingball.numeric.offset.upper_offset` (1-D exact; d-D multi-start
    Newton), default ``tol`` ``1e-10 (1 + |c_y|)``.

    ``method="closing"``: the rolling-ball closing :math:`(f\oplus b)\ominus b` with the
    hemisphere :math:`b(s) = \sqrt{\rho^2-|s|^2}` (Sternberg's rolling ball, the paper's
    ref. [14]): a grid point is touched iff the closing equals :math:`f` there, so the mask is
    ``closing - f > tol``.  Fast (two grey-scale morphology passes) but its grid error
    grows like :math:`h^2 (1+|\nabla f|^2)^{3/2}/\rho`, steep slopes and small radii hurt;
    the default ``tol`` is the bound
    :math:`\tfrac{d h^2}{4}\big(\|\nabla^2 f\|_{\max} + (1+|\nabla f|^2)^{3/2}/\rho\big)` at each
    grid point, so it misses thin unreachable regions rather than invent them.

    The whole graph is the obstacle for ``"exact"``; for ``"closing"`` the graph within
    :math:`2\rho` of the box (the box is padded).

    Returns:
        ``(axes, mask)``: the grid axes (spacing ``resolution``, from each ``lo``) and a
        boolean array of the grid's shape.
    """
    L = Landscape(landscape)
    side = _side(side)
    rho = float(_check_rho(rho))
    if method not in ("exact", "closing"):
        raise ValueError(f"method must be 'exact' or 'closing', got {method!r}")
    if side == "either":
        kw = dict(domain=domain, resolution=resolution, method=method, tol=tol)
        axes, up = unreachable_mask(L, rho, side="above", **kw)
        _, down = unreachable_mask(L, rho, side="below", **kw)
        return axes, up & down
    M = _flipped(L) if side == "below" else L
    box = _box(M, domain)
    h = default_resolution(M) if resolution is None else float(resolution)
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"resolution must be positive, got {resolution}")
    _check_samples(M, box, h)
    if method == "closing":
        _check_samples(M, box + np.array([-2.0, 2.0]) * (rho + h), h, "the padded grid")
    counts = np.floor((box[:, 1] - box[:, 0]) / h + 1e-9).astype(int) + 1
    axes = tuple(lo + h * np.arange(c) for (lo, _), c in zip(box, counts, strict=True))
    pts = axes[0] if M.dim == 1 else np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
    if method == "exact":
        c = M.offset(pts, rho)
        cx = M.as_input(c[..., :-1])  # the horizontal part, as the numerics take it
        cy = c[..., -1]
        v = upper_offset(M, cx, rho).value
        tol_ = 1e-10 * (1.0 + np.abs(cy)) if tol is None else tol
        return axes, (v - cy) > tol_
    # the closing at x needs the graph within 2 rho of x: pad the box by 2 rho (whole cells)
    pad = int(np.ceil(2 * rho / h)) + 1
    big = np.stack([box[:, 0] - pad * h, box[:, 0] + (counts - 1 + pad) * h + 0.5 * h], axis=1)
    g = upper_offset_grid(M, rho, domain=big, resolution=h)
    K = int(np.floor(rho / h + 1e-12))
    k1 = np.arange(-K, K + 1) * h
    K2 = sum(np.meshgrid(*([k1**2] * M.dim), indexing="ij"))
    foot = K2 <= rho * rho
    struct = np.where(foot, np.sqrt(np.maximum(rho * rho - K2, 0.0)), 0.0)
    high = float(np.max(g.value)) + 2 * rho + 1.0
    closing = ndimage.grey_erosion(g.value[0], footprint=foot, structure=struct,
                                   mode="constant", cval=high)
    crop = tuple(slice(pad, pad + c) for c in counts)
    closing, f = closing[crop], g.f[crop]
    if tol is None:  # the grid-error bound at each point, from its own slope and curvature
        _, grad, hess = M.value_grad_hess(pts)
        hmax = np.max(np.abs(hess), axis=(-2, -1))
        g2 = np.sum(grad * grad, axis=-1)
        tol = M.dim * h * h / 4 * (hmax + (1 + g2) ** 1.5 / rho)
    return axes, (closing - f) > tol
