r"""The distance from points to the loss graph, by an independent brute-force method.

.. math::  d_\Gamma(p) = \min_\theta \sqrt{|\theta - a|^2 + (\lambda f(\theta) - b)^2},
           \qquad p = (a, b)\quad\text{(paper Eq. 3)}.

This is the *referee* of the invariant :math:`d_\Gamma(c_t) = \rho` (paper Eq. 9): it shares
no algorithm with :func:`rollingball.numeric.projection.project`.  Where ``project`` enumerates the
stationary points of :math:`g` (sign changes of :math:`g'`) and polishes them with its own
safeguarded Newton, this module does branch and bound on dense samples of :math:`g` itself:

1. an upper bound :math:`U = g(\theta_0)` from the best of :math:`\theta_0 = a`, an optional
   ``warm`` start and a coarse sample of the window :math:`|\theta - a| \le \sqrt U`;
2. :math:`g` sampled on a fixed global grid of spacing :math:`h` (cached values of
   :math:`f`) over the window; on a sample interval :math:`[x_j, x_{j+1}]`
   :math:`g \ge \min(g_j, g_{j+1}) - M h^2/8` with :math:`M \ge \max g''`, so every interval
   whose bound is below the best sample may hold the minimum and is kept;
3. each kept interval is polished by :func:`scipy.optimize.newton` on :math:`g'` (vectorised),
   with a golden-section search on the interval where Newton leaves it.

In :math:`d \ge 2`: dense samples of the window on a cached lattice
(:mod:`rollingball.numeric.lattice`; spacing 8 times the 1-D grid's, ``feature_scale/4`` by
default, coarsened by powers of 2 for wide windows), the best few polished by a vectorised
Levenberg-Marquardt on the residual
:math:`(\theta - a, \lambda f(\theta) - b)`.
"""

from __future__ import annotations

import warnings
import weakref
from dataclasses import dataclass

import numpy as np
import scipy.optimize

from rollingball.numeric.lattice import best_lattice_points, lattice
from rollingball.numeric.window import GridTable
from rollingball.symbolic.landscape import Landscape
from rollingball.symbolic.scales import referee_lattice_spacing, referee_resolution

__all__ = ["GraphDistance", "distance_to_graph"]

#: Factor on the divided-difference curvature estimates in the pruning bounds.
SAFETY = 4.0

_EPS = np.finfo(float).eps
_GOLD = (np.sqrt(5.0) - 1.0) / 2.0


@dataclass(frozen=True)
class GraphDistance:
    r"""The referee's answer for a batch of N points :math:`(a_i, b_i)`.

    ``distance[i]`` :math:`= |p_i - \text{point}_i|`, with ``point[i]``
    :math:`= (\theta_i, \lambda f(\theta_i))` the nearest graph point found.
    """

    distance: np.ndarray  #: (N,) distance to the graph of lambda f
    theta: np.ndarray  #: (N, d) parameters of the nearest graph points
    point: np.ndarray  #: (N, d+1) the nearest graph points (theta, lambda f(theta))

    def __len__(self) -> int:
        return self.distance.shape[0]


_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _table(L: Landscape, h: float) -> GridTable:
    """f on the grid k*h (its own table: the projection tabulates (f, f') at another h)."""
    per = _TABLES.setdefault(L, {})
    if h not in per:
        per[h] = GridTable(lambda x, L=L: L.f(x)[None], h, 1)
    return per[h]


def _spacing(L: Landscape, resolution: float | None) -> float:
    """The 1-D grid spacing: ``resolution``, else
    :func:`~rollingball.symbolic.scales.referee_resolution` (feature_scale/32)."""
    return referee_resolution(L) if resolution is None else float(resolution)


def distance_to_graph(
    landscape,
    points,
    *,
    warm=None,
    resolution: float | None = None,
    scale: float = 1.0,
    max_samples: int = 4_000_000,
    hint=None,
) -> GraphDistance:
    r"""Distance from each point to the graph of :math:`\lambda f`, and the nearest point.

    .. math::  d_i = \min_\theta \big(|\theta - a_i|^2 + (\lambda f(\theta) - b_i)^2\big)^{1/2}

    Args:
        landscape: a :class:`~rollingball.symbolic.landscape.Landscape` (or anything it accepts).
        points: ``(N, d+1)`` points :math:`(a_i, b_i)`.
        warm: optional ``(N, d)`` parameters of graph points believed near (e.g. the
            footpoints): the search start, as everywhere in the package; it only tightens the
            search window, never decides the answer.
        resolution: sample spacing of the 1-D grid (the d-D lattice's is 8 times it);
            default :func:`~rollingball.symbolic.scales.referee_resolution` (feature scale /
            32, twice the projection's density).
        scale: the vertical scale :math:`\lambda` (the search runs on ``landscape.scaled(scale)``).
        max_samples: most samples per block of points (memory bound).

    Returns:
        a :class:`GraphDistance` (``distance`` (N,), ``theta`` (N, d), ``point`` (N, d+1)).

    Example:
        >>> r = distance_to_graph(Landscape("x^2"), [[0.0, 0.25], [0.0, 2.0]])
        >>> [round(float(v), 12) for v in r.distance]   # b for b <= 1/2, else sqrt(b - 1/4)
        [0.25, 1.322875655532]
        >>> [round(float(v), 12) for v in r.point[1]]   # (-sqrt(3/2), 3/2)
        [-1.224744871392, 1.5]
    """
    L = Landscape(landscape)
    d = L.dim
    p = np.asarray(points, dtype=float)
    if p.ndim != 2 or p.shape[1] != d + 1:
        raise ValueError(f"points of a {d}-D loss must have shape (N, {d + 1}), got {p.shape}")
    if not np.all(np.isfinite(p)):
        raise ValueError("points must be finite (got NaN or inf)")
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be positive, got {scale}")
    if resolution is not None and not (np.isfinite(resolution) and resolution > 0):
        raise ValueError(f"resolution must be positive, got {resolution}")
    n = p.shape[0]
    if hint is not None:  # the old spelling, kept for one release
        if warm is not None:
            raise ValueError("pass warm= only (hint= is its deprecated name)")
        warnings.warn("distance_to_graph(hint=...) is deprecated: use warm=", DeprecationWarning,
                      stacklevel=2)
        warm = hint
    if warm is not None:
        warm = np.asarray(warm, dtype=float)
        if d == 1 and warm.shape == (n,):
            warm = warm[:, None]
        if warm.shape != (n, d):
            raise ValueError(f"warm must have shape ({n}, {d}), got {warm.shape}")
    if n == 0:
        return GraphDistance(np.empty(0), np.empty((0, d)), np.empty((0, d + 1)))
    a, b = p[:, :d], p[:, d]
    L = L.scaled(scale)  # the graph of lambda f: below, f is its loss

    def F(theta):
        return L.f(L.as_input(theta))

    # 1. upper bound: a, the warm start, then a coarse look over the window it gives
    U = (F(a) - b) ** 2
    best = a.copy()
    if warm is not None:
        ok = np.all(np.isfinite(warm), axis=1)
        gh = np.where(ok, np.sum((warm - a) ** 2, axis=1) + (F(np.where(ok[:, None], warm, a))
                                                             - b) ** 2, np.inf)
        take = gh < U
        U, best = np.where(take, gh, U), np.where(take[:, None], warm, best)
    coarse = np.linspace(-1.0, 1.0, 65 if d == 1 else 9)
    grid = np.stack(np.meshgrid(*([coarse] * d), indexing="ij"), -1).reshape(-1, d)
    grid = grid[np.sum(grid * grid, axis=1) <= 1]
    pts = a[:, None, :] + np.sqrt(U)[:, None, None] * grid[None]
    gc = np.sum((pts - a[:, None, :]) ** 2, axis=-1) + (F(pts) - b[:, None]) ** 2
    j = np.argmin(gc, axis=1)
    take = gc[np.arange(n), j] < U
    U = np.where(take, gc[np.arange(n), j], U)
    best = np.where(take[:, None], pts[np.arange(n), j], best)

    h = _spacing(L, resolution)
    if d == 1:
        dist, theta = _dense_1d(L, a[:, 0], b, U, best[:, 0], h, max_samples)
    else:
        dist, theta = _dense_nd(L, a, b, U, best, h, max_samples)
    return GraphDistance(dist, theta, np.concatenate([theta, F(theta)[:, None]], axis=1))


# ----------------------------------------------------------------------------- 1-D
def _dense_1d(L, a, b, U, best, h, max_samples):
    R = np.sqrt(U)
    table = _table(L, h)
    klo = np.floor((a - R) / h).astype(np.int64)
    khi = np.ceil((a + R) / h).astype(np.int64)
    slo, shi, sown = _segments(table, klo, khi, h, a, b, U)
    dist2 = U.copy()
    theta = best.copy()
    counts = shi - slo + 1
    ends = np.cumsum(counts)
    start, nseg = 0, slo.size
    while start < nseg:
        base = ends[start - 1] if start else 0
        stop = min(nseg, max(start + 1, int(np.searchsorted(ends, base + max_samples, "right"))))
        sl = slice(start, stop)
        who, x, v = _block_1d(L, table, h, a, b, U, slo[sl], counts[sl], sown[sl])
        # the best per point, across blocks
        order = np.lexsort((v, who))
        who, x, v = who[order], x[order], v[order]
        head = np.flatnonzero(np.r_[True, who[1:] != who[:-1]]) if who.size else who
        w = who[head]
        take = v[head] < dist2[w]
        dist2[w[take]] = v[head][take]
        theta[w[take]] = x[head][take]
        start = stop
    return np.sqrt(dist2), theta[:, None]


def _segments(table, klo, khi, h, a, b, U, safety=SAFETY):
    r"""Runs of grid blocks that may hold a graph point within ``sqrt(U)`` of the point.

    Block :math:`b` with its successor's samples has f values in ``[m, M]`` (the two blocks'
    extremes); between two samples f departs from their chord by at most
    :math:`\kappa h^2/8`, :math:`\kappa` the largest second divided difference of the two
    blocks times ``safety``; so its graph points are at least
    :math:`\operatorname{dist}(a, \text{block})^2 +
    \operatorname{dist}(b, [m - \delta, M + \delta])^2` away in squares,
    :math:`\delta = \kappa h^2/8`.
    """
    B = table.BLOCK
    blo, bhi = klo // B, khi // B
    nb = bhi - blo + 2  # one more block: each block's bound uses its successor's samples
    n = klo.size
    own = np.repeat(np.arange(n), nb)
    firstb = np.cumsum(nb) - nb
    kball = blo[own] + (np.arange(own.size) - firstb[own])
    bmin, bmax, _, bcurv = table.blocks(kball)
    last = np.r_[own[1:] != own[:-1], True]
    keepb = ~last
    nxt = np.minimum(np.arange(own.size) + 1, own.size - 1)
    m = np.minimum(bmin, bmin[nxt])[keepb]
    M = np.maximum(bmax, bmax[nxt])[keepb]
    delta = safety * np.maximum(bcurv, bcurv[nxt])[keepb] * h * h / 8
    kb, own = kball[keepb], own[keepb]
    xs, xe = kb * B * h, (kb * B + B) * h
    dx = np.maximum(0.0, np.maximum(xs - a[own], a[own] - xe))
    dy = np.maximum(0.0, np.maximum(m - delta - b[own], b[own] - M - delta))
    idx = np.flatnonzero(dx * dx + dy * dy <= U[own])
    if idx.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    brk = np.r_[True, (np.diff(idx) != 1) | (own[idx[1:]] != own[idx[:-1]])]
    rs, re = idx[brk], idx[np.r_[brk[1:], True]]
    wo = own[rs]
    # two samples more on each side: the curvature estimates need neighbours even when the
    # window holds only a sample or two
    return (np.maximum(kb[rs] * B, klo[wo]) - 2, np.minimum(kb[re] * B + B, khi[wo]) + 2,
            wo)


def _block_1d(L, table, h, a, b, U, slo, counts, sown, safety=SAFETY):
    """Dense samples of g on the segments; polish every interval whose bound reaches the
    best value known for its point.  The bound on [x_j, x_j+1] is
    min(g_j, g_j+1) - M h^2/8 with M = safety * the largest second divided difference of g
    at x_j-1 ... x_j+2.  Returns candidates (point, theta, g)."""
    nseg = slo.size
    seg = np.repeat(np.arange(nseg), counts)
    first = np.cumsum(counts) - counts
    k = slo[seg] + (np.arange(seg.size) - first[seg])
    owner = sown[seg]
    x = k * h
    g = (x - a[owner]) ** 2 + (table(k)[0] - b[owner]) ** 2
    gseg = np.minimum.reduceat(g, first)
    best = U.copy()
    np.minimum.at(best, sown, gseg)
    # second divided differences at interior samples (segment ends copy their neighbour)
    d2 = np.zeros(g.size)
    if g.size > 2:
        d2[1:-1] = np.abs(g[2:] - 2 * g[1:-1] + g[:-2]) / (h * h)
    ends = first + counts - 1
    d2[first] = d2[np.minimum(first + 1, ends)]
    d2[ends] = d2[np.maximum(ends - 1, first)]
    M = np.maximum(d2, np.roll(d2, -1))
    M = safety * np.maximum(M, np.maximum(np.roll(d2, 1), np.roll(d2, -2)))
    inside = np.ones(seg.size, dtype=bool)
    inside[ends] = False
    lower = np.minimum(g, np.roll(g, -1)) - M * h * h / 8
    cand = np.flatnonzero(inside & (lower <= best[owner]))
    who = owner[cand]
    xs, vs = _polish_interval(L, a[who], b[who], x[cand], x[cand] + h)
    jmin = _argmin_reduce(g, first, counts, gseg)
    return (np.concatenate([who, sown]), np.concatenate([xs, x[jmin]]),
            np.concatenate([vs, gseg]))


def _argmin_reduce(g, first, counts, gmin):
    """Index of (the first) minimum of each ragged segment, given the segment minima."""
    owner = np.repeat(np.arange(first.size), counts)
    hit = np.flatnonzero(g == gmin[owner])
    _, pos = np.unique(owner[hit], return_index=True)
    return hit[pos]


def _polish_interval(L, a, b, left, right):
    """min of g on [left, right]: scipy Newton on g', golden section where it fails."""
    if left.size == 0:
        return left, left
    def g0(t, a=a, b=b):
        return (t - a) ** 2 + (L.f(t) - b) ** 2

    def g1(t):
        f, df = L.value_and_grad(t)
        return 2 * ((t - a) + (f - b) * df[..., 0])

    def g2(t):
        f, df, d2f = L.value_grad_hess(t)
        return 2 * (1 + df[..., 0] ** 2 + (f - b) * d2f[..., 0, 0])

    x0 = 0.5 * (left + right)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        root, converged, _ = scipy.optimize.newton(g1, x0, fprime=g2, tol=1e-15, maxiter=30,
                                                   full_output=True)
        root = np.asarray(root, dtype=float)
        ok = converged & (root >= left) & (root <= right) & (g2(root) > 0)
    x = np.where(ok, root, x0)
    bad = np.flatnonzero(~ok)
    if bad.size:
        x[bad] = _golden(lambda t: g0(t, a[bad], b[bad]), left[bad], right[bad])
    v = g0(x)
    # never worse than the interval's ends
    for end in (left, right):
        ve = g0(end)
        x = np.where(ve < v, end, x)
        v = np.minimum(v, ve)
    return x, v


def _golden(fun, lo, hi, iters=100):
    """Vectorised golden-section search for a minimum of ``fun`` on ``[lo, hi]``."""
    lo, hi = lo.copy(), hi.copy()
    x1, x2 = hi - _GOLD * (hi - lo), lo + _GOLD * (hi - lo)
    f1, f2 = fun(x1), fun(x2)
    for _ in range(iters):
        left = f1 <= f2  # the minimum is in [lo, x2]
        hi = np.where(left, x2, hi)
        lo = np.where(left, lo, x1)
        new = np.where(left, hi - _GOLD * (hi - lo), lo + _GOLD * (hi - lo))
        fn = fun(new)
        x1, x2, f1, f2 = (np.where(left, new, x2), np.where(left, x1, new),
                          np.where(left, fn, f2), np.where(left, f1, fn))
        if np.all(hi - lo <= 4 * _EPS * np.maximum(1.0, np.abs(lo))):
            break
    return np.where(f1 <= f2, x1, x2)


# ----------------------------------------------------------------------------- d-D

def _dense_nd(L, a, b, U, best, h, max_samples, keep=6):
    """Dense look at g on the cached lattice over each ball's window, then LM polish of the
    ``keep`` best lattice points, of the best point known and of ``a`` (on a steep loss the
    lattice can miss the narrow basin right below the point: Rastrigin, slopes ~ 60)."""
    n, d = a.shape
    R = np.sqrt(U)
    hn = referee_lattice_spacing(h)
    m_cap = max(5, int(max_samples ** (1 / d)))
    # a window too wide for the sample budget is looked at on a coarser lattice (power of 2)
    widest = float(np.max(2 * R / hn)) + 2
    if widest > m_cap:
        hn *= 2.0 ** np.ceil(np.log2(widest / m_cap))
    seeds, _ = best_lattice_points(lattice(L, hn), a, b, U, keep, max_samples)
    seeds = np.concatenate([seeds, best[:, None, :], a[:, None, :]], axis=1)
    s = seeds.shape[1]
    rep = np.repeat(np.arange(n), s)
    th, val = _levenberg_marquardt(L, a[rep], b[rep], seeds.reshape(-1, d))
    val = val.reshape(n, s)
    j = np.argmin(val, axis=1)
    dist2 = np.minimum(val[np.arange(n), j], U)
    theta = np.where((val[np.arange(n), j] <= U)[:, None], th.reshape(n, s, d)[np.arange(n), j],
                     best)
    return np.sqrt(dist2), theta


def _levenberg_marquardt(L, a, b, theta, iters=2000):
    """Minimise |r|^2, r = (theta - a, f - b), by vectorised Levenberg-Marquardt.

    Each row iterates until its step is below rounding, or ``iters`` (near a centre of
    curvature of the graph the Gauss-Newton model is poor and convergence is slow: only
    those rows go on)."""
    theta = theta.copy()
    n, d = theta.shape
    mu = np.full(n, 1e-3)
    eye = np.eye(d)

    def resid(t, i):
        f, g = L.value_and_grad(t)
        return t - a[i], f - b[i], g

    u, r, J = resid(theta, slice(None))
    cost = np.sum(u * u, 1) + r * r
    act = np.arange(n)
    for _ in range(iters):
        if act.size == 0:
            break
        # Jacobian of (theta - a, F - b) is [I; grad F^T]; normal matrix I + J J^T
        Ja = J[act]
        A = eye + Ja[:, :, None] * Ja[:, None, :] + mu[act, None, None] * eye
        rhs = -(u[act] + r[act, None] * Ja)
        step = np.linalg.solve(A, rhs[..., None])[..., 0]
        new = theta[act] + step
        u2, r2, J2 = resid(new, act)
        c2 = np.sum(u2 * u2, 1) + r2 * r2
        ok = c2 < cost[act]
        io = act[ok]
        theta[io], u[io], r[io], J[io], cost[io] = new[ok], u2[ok], r2[ok], J2[ok], c2[ok]
        mu[act] = np.where(ok, mu[act] / 3, mu[act] * 4)
        size = np.sqrt(np.sum(step * step, 1))
        done = ~(size > 1e-15 * (1 + np.abs(theta[act]).sum(1)))  # tiny, or not finite
        act = act[~done]
    return theta, cost
