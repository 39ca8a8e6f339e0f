r"""Projection of candidate centres onto the loss graph, for a batch of balls.

For a candidate point :math:`\tilde c = (a, b)\in\mathbb R^{d}\times\mathbb R` the footpoint
(paper Eq. 8) is the nearest point of the graph :math:`\Gamma = \{(\theta, f(\theta))\}`:

.. math::

    \operatorname{proj}_\Gamma(\tilde c) = (\theta^\star, f(\theta^\star)),\qquad
    \theta^\star = \arg\min_{\theta} g(\theta),\qquad
    g(\theta) = |\theta - a|^2 + (f(\theta) - b)^2 .

Its stationarity condition is :math:`\tfrac12\nabla g = (\theta - a) + (f - b)\nabla f = 0`.

Three methods share one interface, :func:`project`:

* ``"exact"`` (default): the *globally* nearest point.  In 1-D it is certified: the
  nearest point lies in the window :math:`|\theta - a|\le R`, where :math:`R` is the distance
  from :math:`\tilde c` to a known graph point (the local footpoint reached by Newton from the
  warm start, or :math:`(a, f(a))`, whichever is closer); every stationary point of
  :math:`g` in the window is found by sampling at a resolution finer than the
  landscape's bumps, polished by safeguarded Newton, and the best is kept.  In
  :math:`d\ge 2`: multi-start Newton (warm start, :math:`a`, and the best points of a
  grid over the window); ``certified`` is False there (no proof is attempted).
* ``"newton"``: damped Newton from the warm start: the *local* nearest point reached by
  continuation.  Fast, but it does not see a nearer point behind a ridge.
* ``"paper"``: the paper's experiments (Section 5): ``steps`` fixed-size gradient steps
  of size ``gamma`` warm-started at the current footpoint,

  .. math::

      \theta_{k+1} = \theta_k
          - \gamma\,\big[(\theta_k - a) + (f(\theta_k) - b)\,\nabla f(\theta_k)\big],

  i.e. gradient descent on :math:`\tfrac12 g`.  This is the form of the authors' public code
  (``mohammedbelgoumri/milestone-d2.5-followup``, ``src/utilities/optim.py`` and
  ``spatial.py``: both take the step ``(x - a) + (f(x) - b) f'(x)``, half the gradient of the
  squared distance they name as the loss), so ``gamma`` here means what it meant in the
  paper's runs (Fig. 3: ``gamma=0.05, steps=20``; Fig. 4: ``gamma=0.001, steps=100``).

Vertical scale.  With ``scale`` :math:`=\lambda\ne 1` the metric is that of
:math:`(\theta, \lambda f)`: the projection is onto the graph of :math:`\lambda f`, the
candidates' last coordinate, the returned footpoints' last coordinate and all distances are
in those scaled coordinates (:math:`g = |\theta-a|^2 + (\lambda f(\theta) - b)^2`).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import sympy as sp

from .compiled import vectorize
from .distance import distance_to_graph  # re-exported: the independent referee
from .landscape import Landscape
from .window import GridTable, minimize_on_grid

__all__ = ["Projection", "project", "METHODS", "feature_scale", "distance_to_graph"]

#: The projection methods, default first.
METHODS = ("exact", "newton", "paper")

#: Samples per shortest bump wavelength in the 1-D window scan (default resolution).
SAMPLES_PER_WAVELENGTH = 16

_EPS = np.finfo(float).eps


@dataclass(frozen=True)
class Projection:
    """Footpoints of a batch of candidates and per-ball diagnostics (leading dimension N)."""

    theta: np.ndarray  #: (N, d) footpoint parameters
    point: np.ndarray  #: (N, d+1) footpoints (theta, lambda f(theta))
    distance: np.ndarray  #: (N,) |c~ - point|
    iterations: np.ndarray  #: (N,) Newton / gradient iterations of the winning start
    residual: np.ndarray  #: (N,) relative stationarity residual of g at theta
    #: (N,) the footpoint moved discontinuously: the global nearest point is not the one
    #: continuation from the warm start reaches (the candidate crossed the medial axis)
    jumped: np.ndarray
    certified: np.ndarray  #: (N,) global optimality established
    #: (N,) distance of the best other local nearest point (inf if none); a tie with
    #: ``distance`` means a point of the medial axis (a ball touching at two points)
    second: np.ndarray

    def __len__(self) -> int:
        return self.distance.shape[0]


# --------------------------------------------------------------------------- graph
class _Graph:
    """The graph of lambda*f with vectorised (N, d) numerics."""

    def __init__(self, landscape: Landscape, scale: float):
        self.L = landscape
        self.d = landscape.dim
        self.lam = float(scale)

    def F(self, theta: np.ndarray) -> np.ndarray:
        x = theta[:, 0] if self.d == 1 else theta
        return self.lam * self.L.f(x)

    def FG(self, theta):
        x = theta[:, 0] if self.d == 1 else theta
        f, g = self.L.value_and_grad(x)
        return self.lam * f, self.lam * g

    def FGH(self, theta):
        x = theta[:, 0] if self.d == 1 else theta
        f, g, h = self.L.value_grad_hess(x)
        return self.lam * f, self.lam * g, self.lam * h


def _relative_residual(u, r, dF):
    """|u + r dF| / (|u| + |r| |dF|): stationarity of g relative to its two terms."""
    grad = u + r[:, None] * dF
    num = np.sqrt(np.sum(grad * grad, axis=-1))
    den = np.sqrt(np.sum(u * u, axis=-1)) + np.abs(r) * np.sqrt(np.sum(dF * dF, axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(num == 0, 0.0, num / np.maximum(den, 1e-300))


# -------------------------------------------------------------------------- newton
def _accept(new, a, b, F, dF, h0, gn0, slope, t):
    """Armijo decrease of h = g/2, or (at rounding level, where h cannot show a decrease)
    no increase of h beyond rounding together with a smaller gradient."""
    u = new - a
    r = F - b
    ht = 0.5 * (np.sum(u * u, axis=-1) + r * r)
    armijo = ht <= h0 + 1e-4 * t * np.minimum(slope, 0.0)
    grad = u + r[:, None] * dF
    # the rounding error of h: eps * (h + |theta| |u| + |F| |r|)
    noise = 64 * _EPS * (h0 + np.sqrt(np.sum(new * new, axis=-1) * np.sum(u * u, axis=-1))
                         + np.abs(F) * np.abs(r)) + 1e-300
    flat = (ht <= h0 + noise) & (np.sum(grad * grad, axis=-1) < gn0)
    return armijo | flat, ht


def _newton(G: _Graph, a, b, theta0, *, tol=1e-12, max_iter=50, radius=None):
    """Damped (safeguarded) Newton on h = g/2 from ``theta0``, vectorised over rows.

    Uses the Hessian :math:`I + \\nabla F\\nabla F^T + (F-b)\\nabla^2 F` where it is positive
    definite, else the Gauss-Newton matrix :math:`I + \\nabla F\\nabla F^T` (always a descent
    direction), a step capped so that :math:`|\\theta - a|` never exceeds the current distance,
    and Armijo backtracking.  Returns ``(theta, F, dF, iterations, residual, converged)``;
    converged means residual <= tol, or a step at rounding level (the residual's floor is the
    rounding error of evaluating f and f', which can exceed tol * distance when the distance
    is tiny).
    """
    n, d = theta0.shape
    theta = theta0.copy()
    F, dF, d2F = G.FGH(theta)
    iters = np.zeros(n, dtype=np.int64)
    res = np.full(n, np.inf)
    conv = np.zeros(n, dtype=bool)
    active = np.ones(n, dtype=bool)
    eye = np.eye(d)
    grow = np.ones(n)
    for _ in range(max_iter + 1):
        ia = np.flatnonzero(active)
        if ia.size == 0:
            break
        th, Fa, gF, hF = theta[ia], F[ia], dF[ia], d2F[ia]
        aa, ba = a[ia], b[ia]
        u = th - aa
        r = Fa - ba
        grad = u + r[:, None] * gF
        rr = _relative_residual(u, r, gF)
        res[ia] = rr
        conv[ia] = rr <= tol
        stop = (rr <= tol) | ~np.isfinite(rr) | (iters[ia] >= max_iter)
        if np.any(stop):
            active[ia[stop]] = False
            keep = ~stop
            ia, th, Fa, gF, hF, aa, ba, u, r, grad = (
                z[keep] for z in (ia, th, Fa, gF, hF, aa, ba, u, r, grad))
            if ia.size == 0:
                break
        h0 = 0.5 * (np.sum(u * u, axis=-1) + r * r)
        if d == 1:
            J = 1.0 + gF[:, 0] ** 2
            H = J + r * hF[:, 0, 0]
            pd = H > 0
            M = np.where(pd, H, J)
            step = -grad / M[:, None]
        else:
            J = eye + gF[:, :, None] * gF[:, None, :]
            H = J + r[:, None, None] * hF
            pd = np.linalg.eigvalsh(H)[:, 0] > 0
            M = np.where(pd[:, None, None], H, J)
            step = -np.linalg.solve(M, grad[..., None])[..., 0]
        # where the Hessian is not positive definite the Gauss-Newton step is cautious (near a
        # flat, degenerate minimum it crawls): stretch it by 2^k after k full such steps
        grow[ia] = np.where(pd, 1.0, grow[ia])
        step = step * grow[ia, None]
        # never leave the ball |theta - a| <= current distance (nearest points lie inside)
        dist = np.sqrt(2.0 * h0)
        new = th + step
        off = np.sqrt(np.sum((new - aa) ** 2, axis=-1))
        shrink = np.where(off > dist, dist / np.maximum(off, 1e-300), 1.0)
        new = aa + (new - aa) * shrink[:, None]
        step = new - th
        slope = np.sum(grad * step, axis=-1)
        t = np.ones(ia.size)
        Ft, gFt, hFt = G.FGH(new)
        gn0 = np.sum(grad * grad, axis=-1)
        ok, ht = _accept(new, aa, ba, Ft, gFt, h0, gn0, slope, t)
        bad = ~ok
        for _ in range(40):
            ib = np.flatnonzero(bad)
            if ib.size == 0:
                break
            # backtrack to the minimiser of the quadratic through h0, slope and h(t),
            # kept within [t/50, t/2]
            tb, sb = t[ib], np.minimum(slope[ib], 0.0)
            with np.errstate(all="ignore"):
                q = -sb * tb * tb / (2.0 * (ht[ib] - h0[ib] - sb * tb))
            t[ib] = np.where(np.isfinite(q), np.clip(q, tb / 50, tb / 2), tb / 10)
            new[ib] = th[ib] + t[ib, None] * step[ib]
            Fb, gb, hb = G.FGH(new[ib])
            Ft[ib], gFt[ib], hFt[ib] = Fb, gb, hb
            okb, ht[ib] = _accept(new[ib], aa[ib], ba[ib], Fb, gb, h0[ib], gn0[ib],
                                  slope[ib], t[ib])
            bad[ib] = ~okb
        # a step that cannot decrease h any more: we are at rounding level
        tiny = bad | (np.sqrt(np.sum((t[:, None] * step) ** 2, axis=-1))
                      <= 4 * _EPS * (1.0 + np.sqrt(np.sum(th * th, axis=-1))))
        acc = ~bad
        grow[ia] = np.where(~pd & acc & (t == 1.0), np.minimum(grow[ia] * 2.0, 2.0**20),
                            np.where(acc, grow[ia], 1.0))
        theta[ia[acc]] = new[acc]
        F[ia[acc]], dF[ia[acc]], d2F[ia[acc]] = Ft[acc], gFt[acc], hFt[acc]
        iters[ia] += 1
        if np.any(tiny):
            it = ia[tiny]
            active[it] = False
            conv[it] = True
            u2 = theta[it] - a[it]
            res[it] = _relative_residual(u2, F[it] - b[it], dF[it])
    return theta, F, dF, iters, res, conv


# ---------------------------------------------------------------- feature scale
_SCALES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def feature_scale(landscape: Landscape) -> float:
    r"""The shortest bump wavelength of a landscape: ``landscape.feature_scale`` when set.

    Otherwise estimated (and cached) over a sample of the domain, axis by axis, as the
    wavelength of a sinusoid with the same ratio of third to second derivative sizes:

    .. math::  \ell = \min_i 2\pi\,\frac{\operatorname{RMS}|\partial_i^2 f|}
                                      {\operatorname{RMS}|\partial_i^3 f|}

    (for :math:`\sin(kx)` this is exactly :math:`2\pi/k`).  Returns ``inf`` when the third
    derivatives vanish (a quadratic has no bumps).
    """
    L = Landscape(landscape)
    if L.feature_scale is not None:
        return float(L.feature_scale)
    if L in _SCALES:
        return _SCALES[L]
    rng = np.random.default_rng(0)
    lo = np.array([d[0] for d in L.domain])
    hi = np.array([d[1] for d in L.domain])
    pts = lo + (hi - lo) * rng.random((4096, L.dim))
    exprs = []
    for v in L.variables:
        second = sp.diff(L.expr, v, 2)
        exprs += [second, sp.diff(second, v)]
    fn = vectorize(list(L.variables), exprs, L.data)
    vals = fn(*[pts[:, i] for i in range(L.dim)])
    best = np.inf
    for i in range(L.dim):
        s2 = np.sqrt(np.mean(vals[2 * i] ** 2))
        s3 = np.sqrt(np.mean(vals[2 * i + 1] ** 2))
        if s3 > 1e-12 * max(s2, 1e-300) and np.isfinite(s3) and s2 > 0:
            best = min(best, 2 * np.pi * s2 / s3)
    _SCALES[L] = float(best)
    return float(best)


# ------------------------------------------------------------------------ checks
def _check(landscape, candidates, method, warm, resolution, gamma, steps, scale):
    L = Landscape(landscape)
    d = L.dim
    if method not in METHODS:
        raise ValueError(f"unknown projection method {method!r}; choose one of {METHODS}")
    c = np.asarray(candidates, dtype=float)
    if c.ndim != 2 or c.shape[1] != d + 1:
        raise ValueError(f"candidates of a {d}-D loss must have shape (N, {d + 1}), "
                         f"got {c.shape}")
    if not np.all(np.isfinite(c)):
        raise ValueError("candidates must be finite (got NaN or inf)")
    if warm is not None:
        w = np.asarray(warm, dtype=float)
        if d == 1 and w.shape == (c.shape[0],):
            w = w[:, None]
        if w.shape != (c.shape[0], d):
            raise ValueError(f"warm must have shape ({c.shape[0]}, {d}), got {w.shape}")
        if not np.all(np.isfinite(w)):
            raise ValueError("warm starts must be finite (got NaN or inf)")
        warm = w
    if resolution is not None and not (np.isfinite(resolution) and resolution > 0):
        raise ValueError(f"resolution must be positive, got {resolution}")
    if not (np.isfinite(gamma) and gamma > 0):
        raise ValueError(f"gamma must be positive, got {gamma}")
    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps}")
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be positive, got {scale}")
    return L, c, warm


# ----------------------------------------------------------------------- project
def project(
    landscape,
    candidates,
    *,
    method: str = "exact",
    warm=None,
    resolution: float | None = None,
    gamma: float = 0.05,
    steps: int = 20,
    scale: float = 1.0,
    tol: float = 1e-12,
    max_iter: int = 50,
) -> Projection:
    r"""Project candidate centres onto the graph of the loss (paper Eq. 8).

    .. math::

        \theta^\star_i = \arg\min_\theta\ |\theta - a_i|^2 + (\lambda f(\theta) - b_i)^2,
        \qquad p_i = (\theta^\star_i, \lambda f(\theta^\star_i)).

    Args:
        landscape: a :class:`~rollingball.landscape.Landscape` (or anything it accepts).
        candidates: ``(N, d+1)`` points :math:`\tilde c_i = (a_i, b_i)`.
        method: ``"exact"`` (global, default), ``"newton"`` (local, from ``warm``) or
            ``"paper"`` (``steps`` gradient steps of size ``gamma`` from ``warm``).
        warm: ``(N, d)`` starts (e.g. the previous footpoints); default the candidates'
            horizontal positions :math:`a_i`.
        resolution: sample spacing of the 1-D window scan (``exact``) and of the d-D start
            grid; default ``feature_scale(landscape) / 16``.
        gamma, steps: the ``paper`` method's step size and step count (P).
        scale: the vertical scale :math:`\lambda` (the metric on :math:`(\theta, \lambda f)`).
        tol: relative stationarity residual at which Newton stops.
        max_iter: most Newton iterations per start.

    Returns:
        a :class:`Projection`.

    Example:
        >>> from rollingball import Landscape
        >>> P = project(Landscape("x^2"), [[0.0, 2.0]])
        >>> [round(float(t), 12) for t in P.theta[:, 0]], round(float(P.distance[0]), 12)
        ([-1.224744871392], 1.322875655532)

    The answer at (0, 2) is one of the two symmetric footpoints
    :math:`\theta = \pm\sqrt{3/2}` at distance :math:`\sqrt 7/2`; ``second`` is the other.
    """
    L, c, warm = _check(landscape, candidates, method, warm, resolution, gamma, steps, scale)
    G = _Graph(L, scale)
    n, d = c.shape[0], L.dim
    a, b = c[:, :d], c[:, d]
    start = a.copy() if warm is None else warm
    if method == "paper":
        return _paper(G, a, b, start, gamma, int(steps))
    if method == "newton":
        theta, F, dF, iters, res, _ = _newton(G, a, b, start, tol=tol, max_iter=max_iter)
        return _finish(G, a, b, theta, F, iters, res, np.zeros(n, bool), np.zeros(n, bool),
                       np.full(n, np.inf))
    if d == 1:
        return _exact_1d(G, a, b, start, warm is not None, resolution, tol, max_iter)
    return _exact_nd(G, a, b, start, warm is not None, resolution, tol, max_iter)


def _finish(G, a, b, theta, F, iters, res, jumped, certified, second):
    point = np.concatenate([theta, F[:, None]], axis=1)
    diff = point - np.concatenate([a, b[:, None]], axis=1)
    dist = np.sqrt(np.sum(diff * diff, axis=1))
    return Projection(theta=theta, point=point, distance=dist, iterations=iters,
                      residual=res, jumped=jumped, certified=certified, second=second)


def _paper(G, a, b, start, gamma, steps):
    theta = start.copy()
    for _ in range(steps):
        F, dF = G.FG(theta)
        theta = theta - gamma * ((theta - a) + (F - b)[:, None] * dF)
    F, dF = G.FG(theta)
    res = _relative_residual(theta - a, F - b, dF)
    n = a.shape[0]
    return _finish(G, a, b, theta, F, np.full(n, steps, dtype=np.int64), res,
                   np.zeros(n, bool), np.zeros(n, bool), np.full(n, np.inf))


def _spacing(G: _Graph, resolution):
    if resolution is not None:
        return float(resolution)
    return feature_scale(G.L) / SAMPLES_PER_WAVELENGTH


_GRID_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _grid_table(L: Landscape, h: float) -> GridTable:
    """The cached table of (f, f') on the grid k*h of this landscape."""
    per = _GRID_TABLES.setdefault(L, {})
    if h not in per:
        def fg(x, L=L):
            f, g = L.value_and_grad(x)
            return np.stack([f, g[..., 0]])
        per[h] = GridTable(fg, h, 2)
    return per[h]


def _grid_spacing(G: _Graph, resolution) -> float:
    """The 1-D scan spacing: resolution, else feature_scale/16; for a landscape without
    bumps (infinite feature scale) a 256th of the domain, rounded down to a power of two."""
    if resolution is not None:
        return float(resolution)
    ell = feature_scale(G.L)
    if np.isfinite(ell):
        return float(ell / SAMPLES_PER_WAVELENGTH)
    lo, hi = G.L.domain[0]
    return float(2.0 ** np.floor(np.log2((hi - lo) / 256)))


def _prune_blocks(table, klo, khi, h, a, b, lam, upper, min_blocks=6):
    r"""The pieces of each window that can hold a point nearer than ``sqrt(upper)``.

    A block of grid points :math:`[x_s, x_e]` (plus the interval to the next block) whose
    values of f lie in :math:`[m, M]` and slopes in :math:`|f'|\le S` holds only graph
    points with :math:`\lambda f \in [\lambda m - \delta, \lambda M + \delta]`,
    :math:`\delta = 1.5\,\lambda S h`, so

    .. math::  g \ge \operatorname{dist}(a, [x_s, x_e + h])^2
                     + \operatorname{dist}(b, [\lambda m - \delta, \lambda M + \delta])^2 ;

    blocks whose bound exceeds ``upper`` are dropped and runs of kept blocks become segments
    (one sample of overlap on each side).  Returns None when the windows are too short
    (fewer than ``min_blocks`` blocks) for pruning to pay.
    """
    B = table.BLOCK
    blo, bhi = klo // B, khi // B
    nb = bhi - blo + 1
    if nb.max() < min_blocks:
        return None
    n = klo.size
    own = np.repeat(np.arange(n), nb)
    firstb = np.cumsum(nb) - nb
    kb = blo[own] + (np.arange(own.size) - firstb[own])
    bmin, bmax, bslope, _ = table.blocks(kb)
    delta = 1.5 * lam * bslope * h
    xs, xe = kb * B * h, (kb * B + B) * h
    dx = np.maximum(0.0, np.maximum(xs - a[own], a[own] - xe))
    dy = np.maximum(0.0, np.maximum(lam * bmin - delta - b[own], b[own] - lam * bmax - delta))
    keep = dx * dx + dy * dy <= upper[own]
    idx = np.flatnonzero(keep)
    if idx.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    # runs of consecutive kept blocks of one window
    brk = np.r_[True, (np.diff(idx) != 1) | (own[idx[1:]] != own[idx[:-1]])]
    rs = idx[brk]
    re = idx[np.r_[brk[1:], True]]
    wo = own[rs]
    slo = np.maximum(kb[rs] * B - 1, klo[wo])
    shi = np.minimum(kb[re] * B + B, khi[wo])
    return slo, shi, wo


def _exact_1d(G, a, b, start, has_warm, resolution, tol, max_iter):
    n = a.shape[0]
    thw, Fw, _, iw, rw, cw = _newton(G, a, b, start, tol=tol, max_iter=max_iter)
    gw = (thw[:, 0] - a[:, 0]) ** 2 + (Fw - b) ** 2
    Fa = G.F(a)
    ga = (Fa - b) ** 2
    R = np.sqrt(np.minimum(gw, ga))
    aa, bb, lam = a[:, 0], b, G.lam
    h = _grid_spacing(G, resolution)
    table = _grid_table(G.L, h)
    # a hair wider than R: the nearest point is strictly inside, never at an end
    pad = R * 1e-9 + 4 * _EPS * (1.0 + np.abs(aa))
    klo = np.floor((aa - R - pad) / h).astype(np.int64)
    khi = np.ceil((aa + R + pad) / h).astype(np.int64)

    def sample(k, i):
        f, df = table(k)
        x = k * h
        u, r = x - aa[i], lam * f - bb[i]
        return u * u + r * r, 2 * (u + r * (lam * df))

    def fgh(x, i):
        F, dF, d2F = G.FGH(x[:, None])
        dF, d2F = dF[:, 0], d2F[:, 0, 0]
        u, r = x - aa[i], F - bb[i]
        return u * u + r * r, 2 * (u + r * dF), 2 * (1 + dF * dF + r * d2F)

    upper = gw * (1 + 1e-12) + 1e-300
    segs = _prune_blocks(table, klo, khi, h, aa, bb, lam, upper)
    if segs is None:
        win = minimize_on_grid(sample, fgh, klo, khi, h, upper=upper)
    else:
        slo, shi, sown = segs
        win = minimize_on_grid(sample, fgh, slo, shi, h, upper=upper, owner=sown, n_windows=n)
    # candidates: window best, window second (if stationary), continuation
    tie = 1e-11 * gw + 1e-300
    use_w = ~(win.value < gw - tie)
    theta = np.where(use_w, thw[:, 0], win.x)
    value = np.where(use_w, gw, win.value)
    sep = 1e-7 * (1.0 + np.abs(theta))
    jumped = (np.abs(theta - thw[:, 0]) > sep) if has_warm else np.zeros(n, bool)
    with np.errstate(invalid="ignore"):
        stationary2 = np.abs(win.slope2) <= 1e-8 * (np.abs(win.x2 - aa) + 1e-300)
    second = np.full(n, np.inf)
    for xo, vo in ((win.x, win.value), (thw[:, 0], gw),
                   (win.x2, np.where(stationary2, win.value2, np.inf))):
        far = np.abs(xo - theta) > sep
        second = np.where(far & (vo < second), vo, second)
    th = theta[:, None]
    F, dF = G.FG(th)
    res = _relative_residual(th - a, F - b, dF)
    iters = iw.copy()
    # converged: continuation by Newton's own test, the window's winner by a Newton step
    # below rounding (its |g'/g''| is at the level of ulp(theta))
    with np.errstate(invalid="ignore", divide="ignore"):
        step = np.abs(win.slope) / np.where(win.curvature > 0, win.curvature, np.nan)
    conv_win = (res <= tol) | (step <= 8 * _EPS * np.maximum(1.0, np.abs(win.x)))
    certified = np.isfinite(value) & np.where(use_w, cw, conv_win)
    return _finish(G, a, b, th, F, iters, res, jumped, certified, np.sqrt(second))


def _exact_nd(G, a, b, start, has_warm, resolution, tol, max_iter, max_grid=4096, keep=8):
    n, d = a.shape
    thw, Fw, _, iw, rw, cw = _newton(G, a, b, start, tol=tol, max_iter=max_iter)
    gw = np.sum((thw - a) ** 2, axis=1) + (Fw - b) ** 2
    ga = (G.F(a) - b) ** 2
    R = np.sqrt(np.minimum(gw, ga))
    h = _spacing(G, resolution)
    m = int(np.clip(np.ceil(2 * np.max(R) / h) + 1, 3, max(3, int(max_grid ** (1 / d)))))
    axis = np.linspace(-1.0, 1.0, m)
    grid = np.stack(np.meshgrid(*([axis] * d), indexing="ij"), axis=-1).reshape(-1, d)
    grid = grid[np.sum(grid * grid, axis=1) <= 1.0 + 1e-12]
    pts = a[:, None, :] + R[:, None, None] * grid[None, :, :]
    gv = np.sum((pts - a[:, None, :]) ** 2, axis=-1) + (
        G.F(pts.reshape(-1, d)).reshape(n, -1) - b[:, None]) ** 2
    k = min(keep, grid.shape[0])
    best = np.argpartition(gv, k - 1, axis=1)[:, :k]
    seeds = np.take_along_axis(pts, best[..., None], axis=1)  # (n, k, d)
    seeds = np.concatenate([seeds, a[:, None, :]], axis=1)
    s = seeds.shape[1]
    rep = np.repeat(np.arange(n), s)
    th, F, _, it, rs, _ = _newton(G, a[rep], b[rep], seeds.reshape(-1, d), tol=tol,
                               max_iter=max_iter)
    val = (np.sum((th - a[rep]) ** 2, axis=1) + (F - b[rep]) ** 2).reshape(n, s)
    th = th.reshape(n, s, d)
    # the continuation competes too (preferred on a tie)
    val = np.concatenate([gw[:, None], val], axis=1)
    th = np.concatenate([thw[:, None, :], th], axis=1)
    it = np.concatenate([iw[:, None], it.reshape(n, s)], axis=1)
    tie = 1e-11 * gw + 1e-300
    adj = val.copy()
    adj[:, 0] -= tie
    win = np.argmin(adj, axis=1)
    theta = th[np.arange(n), win]
    sep = 1e-7 * (1.0 + np.sqrt(np.sum(theta ** 2, axis=1)))
    far = np.sqrt(np.sum((th - theta[:, None, :]) ** 2, axis=-1)) > sep[:, None]
    second = np.sqrt(np.min(np.where(far, val, np.inf), axis=1))
    jumped = (np.sqrt(np.sum((theta - thw) ** 2, axis=1)) > sep) if has_warm else np.zeros(
        n, bool)
    F, dF = G.FG(theta)
    res = _relative_residual(theta - a, F - b, dF)
    return _finish(G, a, b, theta, F, it[np.arange(n), win], res, jumped,
                   np.zeros(n, bool), second)
