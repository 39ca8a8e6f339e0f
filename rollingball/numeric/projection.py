r"""Projection of candidate centres onto the loss graph, for a batch of balls.

For a candidate point :math:`\tilde c = (a, b)\in\mathbb R^{d}\times\mathbb R` the footpoint
(paper Eq. 8) is the nearest point of the graph :math:`\Gamma = \{(\theta, f(\theta))\}`:

.. math::

    \operatorname{proj}_\Gamma(\tilde c) = (\theta^\star, f(\theta^\star)),\qquad
    \theta^\star = \arg\min_{\theta} g(\theta),\qquad
    g(\theta) = |\theta - a|^2 + (f(\theta) - b)^2 .

Its stationarity condition is :math:`\tfrac12\nabla g = (\theta - a) + (f - b)\nabla f = 0`.

Three methods share one interface, :func:`project`:

* ``"exact"`` (default): the *globally* nearest point.  In 1-D, certified at the scan
  resolution:

  1. Newton from the warm start gives a local footpoint :math:`\theta_w` (the
     *continuation*); :math:`R^2 = \min(g(\theta_w), g(a))` bounds the answer, so the
     nearest point lies in the window :math:`|\theta - a| \le R`.
  2. The window is scanned on the global grid :math:`\theta_k = k h` (``h = resolution``,
     default :func:`feature_scale` / 16, so 16 samples per shortest bump wavelength), from
     a cache of :math:`(f, f')` on that grid (:class:`~rollingball.numeric.window.GridTable`, filled
     lazily tile by tile): the scan is arithmetic on cached values.  Blocks of 32 grid
     points whose f-range (widened by their slope) keeps them farther than :math:`R` are
     skipped first.
  3. Every stationary point of :math:`g` the samples reveal (sampled local minima and
     - to + sign changes of :math:`g'`) whose interval lower bound
     :math:`\min(g_j, g_{j+1}) - M h^2/8` (:math:`M` from divided differences of
     :math:`g'`, times 4) can beat :math:`R^2` is polished by safeguarded Newton on the exact
     :math:`g` to rounding (:func:`~rollingball.numeric.window.minimize_on_grid`); the best
     wins, the continuation on a tie (relative 1e-11).

  *Fast path* (tried first for every row): Newton on :math:`g` from the start with full
  steps only (each must pass the damped continuation's Armijo test, so it *is* the
  continuation), then :func:`~rollingball.numeric.window.ball_is_clear` on the ball
  :math:`B(\tilde c, \delta)`, :math:`\delta` Newton's distance: the same samples and the
  same bound as step 3, with the answer known (the scan's candidates must be the footpoint's
  own bracket, or polish to no less than :math:`\delta^2(1 - 10^{-11})`, the tie rule).
  Where it holds the footpoint is the scan's answer; where a sample lies inside that ball
  (the footpoint jumped) Newton runs once more from the deepest one.  Rows it does not
  certify take steps 1-3.

  A window of more than :data:`rollingball._budget.MAX_GRID_POINTS` samples (or not
  finite) is never allocated: it is cut to that many samples around :math:`a` and
  reported in ``too_wide`` (the engine checks its steps before making them, so a ball
  never gets there; this is the last guard).

  ``certified`` is True where this search completed and the winner is converged (relative
  residual <= ``tol``, or a Newton step below rounding): global optimality *given* that no
  bump of f is shorter than the resolution (a property of ``feature_scale``; the estimate
  is used when the landscape has none).  In :math:`d \ge 2`: multi-start Newton from the
  warm start, :math:`a`, and the 8 lattice points with the smallest :math:`g` in the window
  :math:`|\theta - a| \le R`, looked up in a cached lattice of values of f
  (:mod:`rollingball.numeric.lattice`; spacing ``16/5 * resolution``, ``feature_scale/5`` by
  default).  A window more than 33 samples across is first narrowed coarse to fine (the
  best sample of a coarser lattice is a graph point: it bounds :math:`R`); one still over
  2^14 samples is looked at on a lattice coarser by a power of 2, one under 16 samples
  across on a finer one (at most 8 times finer).  ``certified`` is False there (no proof is
  attempted).  The lattices are filled lazily and kept per landscape, so along a
  trajectory f is evaluated once per lattice point, not once per call; none is the
  referee's (``feature_scale/4`` and its powers of 2).
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

Diagnostics.  ``jumped`` (``exact`` only, with a warm start): the global footpoint is not
in the basin of the warm start under descent of :math:`g` (in 1-D: :math:`g` does not
decrease all the way from the warm start to it, read on the cached grid; in d-D: it is not
the continuation :math:`\theta_w`): a different local minimum of :math:`g`, the candidate
crossed the medial axis.  ``second``: the distance of the best other local nearest point
among the polished near-best candidates (``exact`` only; ``inf`` when none came within the
pruning margin): ``second == distance`` to rounding means two contacts.  ``newton`` and
``paper`` report ``jumped = certified = False`` and ``second = inf``.

Vertical scale.  With ``scale`` :math:`=\lambda\ne 1` the metric is that of
:math:`(\theta, \lambda f)`: the projection is onto the graph of :math:`\lambda f`, the
candidates' last coordinate, the returned footpoints' last coordinate and all distances are
in those scaled coordinates (:math:`g = |\theta-a|^2 + (\lambda f(\theta) - b)^2`).  The
projection runs on ``landscape.scaled(scale)``
(:meth:`~rollingball.symbolic.landscape.Landscape.scaled`, the graph of :math:`\lambda f`):
below, f is that landscape's loss.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from rollingball import _budget
from rollingball.numeric.graph_newton import (
    _F,
    _FG,
    _FGH,
    _newton,
    _newton_scalar,
    _relative_residual,
)
from rollingball.numeric.projection_nd import exact_nd
from rollingball.numeric.window import (
    GridTable,
    ball_samples,
    ball_verdict,
    minimize_on_grid,
)
from rollingball.symbolic.landscape import Landscape
from rollingball.symbolic.scales import projection_resolution

__all__ = ["Projection", "project", "METHODS", "grid_table",
           "project_for_offset_1d"]

#: The projection methods, default first.
METHODS = ("exact", "newton", "paper")

_EPS = np.finfo(float).eps
# a grid index k = x / h must fit an int64 with room to spare
_MAX_INDEX = 2.0**52


@dataclass(frozen=True)
class Projection:
    """Footpoints of a batch of candidates and per-ball diagnostics (leading dimension N)."""

    theta: np.ndarray  #: (N, d) footpoint parameters
    point: np.ndarray  #: (N, d+1) footpoints (theta, lambda f(theta))
    distance: np.ndarray  #: (N,) |c~ - point|
    #: (N,) iterations: ``paper`` its P steps; ``newton`` the tabulated continuation's plus
    #: the exact polish's (1-D); ``exact`` the continuation's (1-D) or the winning start's
    iterations: np.ndarray
    residual: np.ndarray  #: (N,) relative stationarity residual of g at theta
    #: (N,) the footpoint moved discontinuously: the global nearest point is not the one
    #: continuation from the warm start reaches (the candidate crossed the medial axis)
    jumped: np.ndarray
    certified: np.ndarray  #: (N,) global optimality established
    #: (N,) distance of the best other local nearest point (inf if none); a tie with
    #: ``distance`` means a point of the medial axis (a ball touching at two points)
    second: np.ndarray
    #: (N,) the 1-D scan window would have exceeded the sample budget
    #: (:data:`rollingball._budget.MAX_GRID_POINTS`): it was cut to the budget around the
    #: candidate and the answer is not certified (None: not reported)
    too_wide: np.ndarray | None = None

    def __len__(self) -> int:
        return self.distance.shape[0]


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
        landscape: a :class:`~rollingball.symbolic.landscape.Landscape` (or anything it accepts).
        candidates: ``(N, d+1)`` points :math:`\tilde c_i = (a_i, b_i)`.
        method: ``"exact"`` (global, default), ``"newton"`` (local, from ``warm``) or
            ``"paper"`` (``steps`` gradient steps of size ``gamma`` from ``warm``).
        warm: ``(N, d)`` starts (e.g. the previous footpoints); default the candidates'
            horizontal positions :math:`a_i`.
        resolution: sample spacing of the 1-D window scan (``exact``, ``newton``); the d-D
            seed lattice's spacing is 16/5 of it; default
            :func:`~rollingball.symbolic.scales.projection_resolution` (feature scale / 16;
            a landscape without bumps: a 256th of its domain).  Finer is safer and slower.
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

    References:
        Paper Eq. 8 (the footpoint), Section 2.2 (projection, medial axis), Section 5 (the
        ``paper`` method's fixed-step solver).
    """
    L, c, warm = _check(landscape, candidates, method, warm, resolution, gamma, steps, scale)
    G = L.scaled(scale)  # the graph of lambda f
    n, d = c.shape[0], L.dim
    a, b = c[:, :d], c[:, d]
    start = a.copy() if warm is None else warm
    if method == "paper":
        return _paper(G, a, b, start, gamma, int(steps))
    if method == "newton":
        if d == 1:
            theta, F, dF, iters, res, _ = _newton_1d(G, a, b, start, resolution, tol, max_iter)
        else:
            theta, F, dF, iters, res, _ = _newton(G, a, b, start, tol=tol, max_iter=max_iter)
        return _finish(G, a, b, theta, F, iters, res, np.zeros(n, bool), np.zeros(n, bool),
                       np.full(n, np.inf))
    if d == 1:
        return _exact_1d(G, a, b, start, warm is not None, resolution, tol, max_iter)
    return _exact_nd(G, a, b, start, warm is not None, resolution, tol, max_iter)


def _finish(G, a, b, theta, F, iters, res, jumped, certified, second, too_wide=None):
    point = np.concatenate([theta, F[:, None]], axis=1)
    diff = point - np.concatenate([a, b[:, None]], axis=1)
    dist = np.sqrt(np.sum(diff * diff, axis=1))
    return Projection(theta=theta, point=point, distance=dist, iterations=iters,
                      residual=res, jumped=jumped, certified=certified, second=second,
                      too_wide=np.zeros(a.shape[0], bool) if too_wide is None else too_wide)


def _paper(G, a, b, start, gamma, steps):
    theta = start.copy()
    for _ in range(steps):
        F, dF = _FG(G, theta)
        theta = theta - gamma * ((theta - a) + (F - b)[:, None] * dF)
    F, dF = _FG(G, theta)
    res = _relative_residual(theta - a, F - b, dF)
    n = a.shape[0]
    return _finish(G, a, b, theta, F, np.full(n, steps, dtype=np.int64), res,
                   np.zeros(n, bool), np.zeros(n, bool), np.full(n, np.inf))


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


def grid_table(landscape: Landscape, resolution: float | None = None
               ) -> tuple[GridTable, float]:
    r"""The 1-D exact projection's cached table of :math:`(f, f')` on its scan grid
    :math:`x_k = k h` and the spacing :math:`h` (``resolution``, default
    :func:`~rollingball.symbolic.scales.projection_resolution`): the very samples its window
    scan reads, shared with every caller (one table per landscape and spacing).

    >>> from rollingball import Landscape
    >>> table, h = grid_table(Landscape("x^2"), 0.25)
    >>> table(np.array([0, 4]))[:, 1].tolist(), h
    ([1.0, 2.0], 0.25)
    """
    L = Landscape(landscape)
    if L.dim != 1:
        raise ValueError(f"the grid table is 1-D only; this loss is {L.dim}-D")
    if resolution is not None and not (np.isfinite(resolution) and resolution > 0):
        raise ValueError(f"resolution must be positive, got {resolution}")
    h = _grid_spacing(L, resolution)
    return _grid_table(L, h), h


def _grid_spacing(G: Landscape, resolution) -> float:
    """The 1-D scan spacing: ``resolution``, else
    :func:`~rollingball.symbolic.scales.projection_resolution` (feature_scale/16)."""
    return projection_resolution(G) if resolution is None else float(resolution)


def _prune_blocks(table, klo, khi, h, a, b, upper, min_blocks=6):
    r"""The pieces of each window that can hold a point nearer than ``sqrt(upper)``.

    A block of grid points :math:`[x_s, x_e]` (plus the interval to the next block) whose
    values of f lie in :math:`[m, M]` and slopes in :math:`|f'|\le S` holds only graph
    points with :math:`f \in [m - \delta, M + \delta]`, :math:`\delta = 1.5\,S h`, so

    .. math::  g \ge \operatorname{dist}(a, [x_s, x_e + h])^2
                     + \operatorname{dist}(b, [m - \delta, M + \delta])^2 ;

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
    delta = 1.5 * bslope * h
    xs, xe = kb * B * h, (kb * B + B) * h
    dx = np.maximum(0.0, np.maximum(xs - a[own], a[own] - xe))
    dy = np.maximum(0.0, np.maximum(bmin - delta - b[own], b[own] - bmax - delta))
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


class _TabGraph:
    """f by cubic Hermite interpolation of the cached (f, f') grid table: a cheap,
    C^1 stand-in for the exact graph (interpolation error ~ h^4 max|f^(4)|/384), used to run
    Newton's continuation before an exact polish."""

    def __init__(self, table: GridTable):
        self.table, self.h = table, table.h

    def fgh(self, x):
        """(F, F', F'') on flat arrays."""
        h = self.h
        k = np.floor(x / h).astype(np.int64)
        s = x / h - k
        v = self.table(np.concatenate([k, k + 1]))
        m = k.size
        f0, d0, f1, d1 = v[0, :m], v[1, :m] * h, v[0, m:], v[1, m:] * h
        s2 = s * s
        s3 = s2 * s
        df = f0 - f1
        F = ((2 * s3 - 3 * s2 + 1) * f0 + (s3 - 2 * s2 + s) * d0 + (3 * s2 - 2 * s3) * f1
             + (s3 - s2) * d1)
        dF = ((6 * s2 - 6 * s) * df + (3 * s2 - 4 * s + 1) * d0 + (3 * s2 - 2 * s) * d1) / h
        d2F = ((12 * s - 6) * df + (6 * s - 4) * d0 + (6 * s - 2) * d1) / (h * h)
        return F, dF, d2F


def _newton_1d(G, a, b, start, resolution, tol, max_iter):
    """Newton in 1-D: the continuation on the tabulated graph, then an exact polish."""
    table = _grid_table(G, _grid_spacing(G, resolution))
    x1, _, _, it1, _, _ = _newton_scalar(_TabGraph(table).fgh, a[:, 0], b, start[:, 0],
                                         tol=tol, max_iter=max_iter)

    def exact(x):
        F, dF, d2F = _FGH(G, x[:, None])
        return F, dF[:, 0], d2F[:, 0, 0]

    x, F, D, iters, res, conv = _newton_scalar(exact, a[:, 0], b, x1, tol=tol,
                                               max_iter=max_iter)
    return x[:, None], F, D[:, None], iters + it1, res, conv


#: Most Newton steps of the 1-D fast path (not converged by then: the window scan).
FAST_NEWTON_STEPS = 8


def _exact_fgh(G):
    """``x (flat) -> (f, f', f'')`` of the 1-D landscape ``G``."""
    def fgh(x):
        F, dF, d2F = G.value_grad_hess(x)
        return F, dF[:, 0], d2F[:, 0, 0]
    return fgh


def _local_newton(fgh, a, b, x0, tol, max_iter):
    """Newton on g from ``x0`` (each step clipped to |x - a| <= |c~ - (x, f(x))|), full
    steps only: ``(x, F, F', iterations, residual, converged)``; not converged where
    g'' <= 0 was met, a full step failed the Armijo test of the damped continuation
    (:func:`~rollingball.numeric.graph_newton._newton_scalar`), a value was not finite, or
    ``max_iter`` steps did not reach the tolerance."""
    x = np.array(x0, dtype=float)
    good = np.isfinite(x) & np.isfinite(a) & np.isfinite(b)
    iters = np.zeros(x.size, dtype=np.int64)
    bound = np.full(x.size, np.inf)
    with np.errstate(all="ignore"):
        for _ in range(max_iter + 1):
            F, D, C = fgh(x)
            u = x - a
            r = F - b
            hv = 0.5 * (u * u + r * r)
            # every full step must pass the continuation's Armijo test (so that this is the
            # continuation: a step it would have damped sends the row to the window scan)
            good &= hv <= bound
            gr = u + r * D
            H = 1.0 + D * D + r * C
            step = gr / H
            den = np.abs(u) + np.abs(r) * np.abs(D)
            res = np.where(gr == 0, 0.0, np.abs(gr) / np.maximum(den, 1e-300))
            scale = _EPS * np.maximum(1.0, np.abs(x))
            # converged as the scan's winner is (residual, or a step below rounding); the
            # steps go on to the polish's own stop (2 eps)
            conv = (res <= tol) | (np.abs(step) <= 8 * scale)
            good &= (H > 0) & np.isfinite(step)
            move = good & ~(res <= tol) & ~(np.abs(step) <= 2 * scale)
            if not move.any():
                break
            dist = np.sqrt(u * u + r * r)
            xn = np.clip(x - step, a - dist, a + dist)
            noise = 64 * _EPS * (hv + np.abs(xn) * np.abs(u) + np.abs(F) * np.abs(r))
            bound = np.where(move, hv + 1e-4 * np.minimum(gr * (xn - x), 0.0) + noise, np.inf)
            x = np.where(move, xn, x)
            iters += move
    return x, F, D, iters, res, good & conv


def _left_basin(fgh, table, h, start, x, a, b, max_samples=1 << 14):
    r"""Whether the footpoint ``x`` lies outside the basin of ``start`` under descent of
    :math:`g(x) = (x - a)^2 + (f(x) - b)^2` (a jump: descent from the previous footpoint
    would stop at another local minimum).  Descent from ``start`` towards ``x`` needs
    :math:`g'\,\operatorname{sign}(x - \mathrm{start}) < 0` at the start and on the way: a
    jump is an uphill start, or a grid sample (the cached table, spacing ``h``) more than
    one spacing from both ends where :math:`g'` points back.  Rows whose path is longer
    than ``max_samples`` samples read NaN (not decided)."""
    dirn = np.sign(x - start)
    far = np.abs(x - start) > 1e-6 * (1.0 + np.abs(start))
    out = np.zeros(x.size)
    with np.errstate(all="ignore"):
        Fs, Ds, _ = fgh(start)
        uphill = 2.0 * ((start - a) + (Fs - b) * Ds) * dirn > 0
        lo, hi = np.minimum(start, x) + h, np.maximum(start, x) - h
        klo, khi = np.ceil(lo / h), np.floor(hi / h)
        count = np.where(far & np.isfinite(klo) & np.isfinite(khi), khi - klo + 1, 0.0)
    wide = ~(count <= max_samples)
    out[wide] = np.nan
    rows = np.flatnonzero(~wide & (count > 0))
    if rows.size:
        W = int(count[rows].max())
        k = klo[rows].astype(np.int64)[:, None] + np.arange(W)
        inside = np.arange(W) < count[rows][:, None]
        k = np.where(inside, k, klo[rows].astype(np.int64)[:, None])
        fd = table(k.ravel())
        f, df = fd[0].reshape(k.shape), fd[1].reshape(k.shape)
        u, v = k * h - a[rows, None], f - b[rows, None]
        back = inside & (2.0 * (u + v * df) * dirn[rows, None] >= 0)
        out[rows] = np.any(back, axis=1)
    return np.where(wide, np.nan, (far & (uphill | (out > 0))).astype(float))


def _fast_1d(G, table, h, a, b, start, tol, max_iter, rho=None):
    r"""The 1-D exact projection where it is cheap.  The samples of
    :math:`g(x) = (x - a)^2 + (f(x) - b)^2` over :math:`|x - a| \le R`,
    :math:`R = |\tilde c - (x_0, f(x_0))|` (the start is a graph point, so the answer lies
    there), are read from the cached table; Newton runs from the start (the continuation)
    and from the nearest sample at once, and the nearer converged footpoint :math:`p`, at
    distance :math:`\delta`, is certified by
    :func:`~rollingball.numeric.window.ball_verdict` on those samples: the open ball
    :math:`B(\tilde c, \delta)` holds no graph point (the window scan's own bound, with the
    answer known).  Returns ``(ok, x, F, iterations, residual, jumped, second, clear)``
    (``jumped``: :math:`p` is not the continuation's footpoint; ``second``: the distance of
    the nearest other stationary point polished, inf if none); rows not ``ok`` are for the
    window scan.

    With radii ``rho`` (the offset step), where :math:`\tilde c = p + \delta\nu(p)` lies
    above the graph the verdict is taken on the larger ball :math:`B(q, r)`,
    :math:`r = \max(\delta, \rho)`, :math:`q = p + r\nu(p)`, which holds both
    :math:`B(\tilde c, \delta)` and :math:`B(p + \rho\nu, \rho)` (balls on one normal ray,
    tangent at :math:`p`): one certificate proves the footpoint global *and*
    :math:`p + \rho\nu(p)` reachable (``clear``; tolerance the smaller of the tie rule's and
    the reachability test's).  Where it fails the plain verdict runs."""
    fgh = _exact_fgh(G)
    steps = min(FAST_NEWTON_STEPS, max_iter)
    n = a.size
    ok = np.zeros(n, dtype=bool)
    clear = np.zeros(n, dtype=bool)
    jumped = np.zeros(n, dtype=bool)
    second = np.full(n, np.inf)
    with np.errstate(all="ignore"):
        R = np.sqrt((start - a) ** 2 + (G.f(start) - b) ** 2)
    smp = ball_samples(table, h, np.stack([a, b], axis=1), R)
    if smp is None:
        return ok, start, np.full(n, np.nan), np.zeros(n, np.int64), np.full(n, np.inf), \
            jumped, second, clear
    idx = smp.idx
    m = idx.size
    # the nearest sample, moved to the secant root of g' on its interval (a start within
    # O(h^2) of the minimum there: Newton needs fewer steps)
    ar = np.arange(m)
    jn = np.argmin(smp.g, axis=1)
    Wd = smp.g.shape[1]
    dj = smp.dg[ar, jn]
    jo = np.clip(np.where(dj < 0, jn + 1, jn - 1), 0, Wd - 1)
    do = smp.dg[ar, jo]
    xj, xo = smp.x[ar, jn], smp.x[ar, jo]
    with np.errstate(all="ignore"):
        sec = xj - dj * (xo - xj) / (do - dj)
    lo_, hi_ = np.minimum(xj, xo), np.maximum(xj, xo)
    near = np.where((dj * do < 0) & (sec > lo_) & (sec < hi_), sec, xj)
    x0 = np.concatenate([start, near])
    aa, bb = np.concatenate([a, a[idx]]), np.concatenate([b, b[idx]])
    xs, Fs, Ds, its, ress, goods = _local_newton(fgh, aa, bb, x0, tol, steps)
    with np.errstate(all="ignore"):
        ds = np.sqrt((xs - aa) ** 2 + (Fs - bb) ** 2)
    goods &= ds > 0
    x, F, iters, res = xs[:n].copy(), Fs[:n].copy(), its[:n].copy(), ress[:n].copy()
    # per sampled row, the nearer of its two converged footpoints (the continuation's on a
    # tie); where the continuation did not converge with full steps (g'' <= 0 at the start,
    # say) the sample's footpoint stands alone, and the damped continuation
    # (graph_newton._newton_scalar, on the exact graph) says whether it is a jump
    cont = goods[idx]
    d1 = np.where(cont, ds[idx], np.inf)
    d2 = np.where(goods[n:], ds[n:], np.inf)
    take2 = goods[n:] & (d2 < d1 * (1 - 1e-12))
    pick = np.where(take2, n + np.arange(m), idx)
    ref = xs[idx].copy()
    lone = take2 & ~cont
    if lone.any():
        il = idx[lone]
        ref[lone] = _newton_scalar(fgh, a[il], b[il], start[il], tol=tol, max_iter=max_iter)[0]
    jumped[idx] = take2 & (np.abs(xs[n:] - ref) > 1e-6 * (1.0 + np.abs(ref)))
    # the chosen footpoint's ball must lie in the sampled window (always so for the
    # continuation, whose distance only decreases from R)
    cont = (cont | take2) & (ds[pick] <= R[idx])
    x[idx], F[idx], res[idx] = xs[pick], Fs[pick], ress[pick]
    iters[idx] = np.where(take2, its[n:], its[idx])
    jumped[idx] |= _left_basin(fgh, table, h, start[idx], x[idx], a[idx], b[idx]) == 1
    rows = np.flatnonzero(cont)
    if rho is not None and rows.size:
        w = idx[rows]
        dp, Dp = ds[pick[rows]], Ds[pick[rows]]
        with np.errstate(all="ignore"):
            nrm = 1.0 / np.sqrt(1.0 + Dp * Dp)
            nx, ny = -Dp * nrm, nrm
            up = (a[w] - x[w]) * nx + (b[w] - F[w]) * ny > 0  # c~ above the graph at p
            r = np.maximum(dp, rho[w])
            q = np.stack([x[w] + r * nx, F[w] + r * ny], axis=1)
        big = ball_samples(table, h, q[up], r[up])
        if big is not None:
            sel = np.flatnonzero(up)[big.idx]
            ws = w[sel]
            # slack on the distance: the tie rule's 5e-12 delta and the reachability
            # test's REACH_TOL (1 + |q_y|) = 1e-11 (1 + |q_y|), the smaller
            s_ = np.minimum(5e-12 * dp[sel], 1e-11 * (1 + np.abs(q[sel, 1])))
            ok2, _, sec2 = ball_verdict(big, np.arange(sel.size), r[sel], x[ws], exact=fgh,
                                        tol=2 * r[sel] * s_, hint=xs[ws])
            ok[ws[ok2]] = clear[ws[ok2]] = True
            second[ws[ok2]] = np.where(dp[sel][ok2] >= rho[ws[ok2]], sec2[ok2], np.inf)
            rows = rows[~ok[w]]
    if rows.size:
        dp = ds[pick[rows]]
        w = idx[rows]
        # the scan's tie rule: the continuation keeps a tie (relative 1e-11)
        # a jump's other local footpoint is the continuation's: its polish starts there
        ok[w], _, second[w] = ball_verdict(smp, rows, dp, x[w], exact=fgh,
                                           tol=1e-11 * dp * dp, hint=xs[w])
    return ok, x, F, iters, res, jumped & ok, np.sqrt(second), clear


def _exact_1d(G, a, b, start, has_warm, resolution, tol, max_iter):
    r"""The certified 1-D projection: the fast path (:func:`_fast_1d`) where it certifies,
    the window scan (:func:`_scan_1d`) for the other rows."""
    return _exact_1d_reach(G, a, b, start, has_warm, resolution, tol, max_iter)[0]


def _exact_1d_reach(G, a, b, start, has_warm, resolution, tol, max_iter, rho=None):
    """:func:`_exact_1d`, and with ``rho`` also the rows whose :math:`p + \rho\nu(p)` the
    fast path proved reachable: ``(Projection, clear)``."""
    n = a.shape[0]
    h = _grid_spacing(G, resolution)
    table = _grid_table(G, h)
    ok, x, F, iters, res, jumped, second, clear = _fast_1d(
        G, table, h, a[:, 0], b, start[:, 0], tol, max_iter, rho=rho)
    if not ok.any():
        return _scan_1d(G, a, b, start, has_warm, resolution, tol, max_iter), np.zeros(n, bool)
    out = _finish(G, a, b, x[:, None], F, iters, res, jumped & has_warm, ok.copy(), second,
                  too_wide=np.zeros(n, bool))
    rest = np.flatnonzero(~ok)
    if rest.size:
        sub = _scan_1d(G, a[rest], b[rest], start[rest], has_warm, resolution, tol, max_iter)
        for name in ("theta", "point", "distance", "iterations", "residual", "jumped",
                     "certified", "second", "too_wide"):
            getattr(out, name)[rest] = getattr(sub, name)
    return out, clear


def project_for_offset_1d(landscape: Landscape, candidates: np.ndarray, warm: np.ndarray,
                          rho: np.ndarray, resolution: float | None = None,
                          tol: float = 1e-12, max_iter: int = 50
                          ) -> tuple[Projection, np.ndarray]:
    r"""The exact 1-D projection of an offset step's candidates (as
    ``project(landscape, candidates, warm=warm, resolution=resolution)``), and per candidate
    whether :math:`c' = p + \rho\,\nu(p)` was proved reachable on the way
    (:math:`d_\Gamma(c') \ge \rho - 10^{-11}(1 + |c'_y|)`; False proves nothing).

    .. math::  B(\tilde c, \delta) \cup B(c', \rho) \subset B(q, r),\qquad
               r = \max(\delta, \rho),\ q = p + r\,\nu(p)
               \quad (\tilde c = p + \delta\nu(p)\ \text{above the graph}),

    so one certificate of the fast path (:func:`_fast_1d`) on :math:`B(q, r)` gives both.

    Args:
        landscape: the 1-D loss (its graph, already scaled).
        candidates: ``(N, 2)``.
        warm: ``(N, 1)`` starts.
        rho: ``(N,)`` radii.
        resolution, tol, max_iter: as :func:`project`.

    Returns:
        ``(Projection, clear)``.
    """
    L, c, warm = _check(landscape, candidates, "exact", warm, resolution, 0.05, 20, 1.0)
    if L.dim != 1:
        raise ValueError(f"project_for_offset_1d is 1-D only; this loss is {L.dim}-D")
    rho = np.asarray(rho, dtype=float)
    if rho.shape != (c.shape[0],):
        raise ValueError(f"rho must have shape ({c.shape[0]},), got {rho.shape}")
    return _exact_1d_reach(L, c[:, :1], c[:, 1], warm, True, resolution, tol, max_iter,
                           rho=rho)


def _scan_1d(G, a, b, start, has_warm, resolution, tol, max_iter):
    n = a.shape[0]
    aa, bb = a[:, 0], b
    h = _grid_spacing(G, resolution)
    table = _grid_table(G, h)
    # 1. the continuation from the warm start, on the tabulated graph (cheap), valued exactly
    tw, _, _, iw, _, _ = _newton_scalar(_TabGraph(table).fgh, aa, bb, start[:, 0],
                                        tol=tol, max_iter=max_iter)
    thw = tw[:, None]
    gw = (tw - aa) ** 2 + (_F(G, thw) - bb) ** 2
    ga = (_F(G, a) - bb) ** 2
    U = np.minimum(gw, ga)
    R = np.sqrt(U)
    # 2. scan the window |theta - a| <= R (a hair wider: the answer is strictly inside)
    pad = R * 1e-9 + 4 * _EPS * (1.0 + np.abs(aa))
    with np.errstate(all="ignore"):
        flo = np.floor((aa - R - pad) / h)
        fhi = np.ceil((aa + R + pad) / h)
    # a window over the sample budget (or not finite) is never allocated: it is cut to the
    # budget around the candidate and reported (too_wide, not certified)
    budget = float(_budget.MAX_GRID_POINTS)
    too_wide = ~((fhi - flo + 1 <= budget) & (np.abs(flo) <= _MAX_INDEX)
                 & (np.abs(fhi) <= _MAX_INDEX))
    if np.any(too_wide):
        with np.errstate(all="ignore"):
            mid = np.where(np.abs(aa / h) <= _MAX_INDEX, np.round(aa / h), 0.0)
        half = np.floor(budget / 2) - 1
        flo = np.where(too_wide, mid - half, flo)
        fhi = np.where(too_wide, mid + half, fhi)
    klo = flo.astype(np.int64)
    khi = fhi.astype(np.int64)

    def sample(k, i):
        f, df = table(k)
        x = k * h
        u, r = x - aa[i], f - bb[i]
        return u * u + r * r, 2 * (u + r * df)

    def fgh(x, i):
        F, dF, d2F = _FGH(G, x[:, None])
        dF, d2F = dF[:, 0], d2F[:, 0, 0]
        u, r = x - aa[i], F - bb[i]
        return u * u + r * r, 2 * (u + r * dF), 2 * (1 + dF * dF + r * d2F)

    upper = U * (1 + 1e-12) + 1e-300
    segs = _prune_blocks(table, klo, khi, h, aa, bb, upper)
    if segs is None:
        win = minimize_on_grid(sample, fgh, klo, khi, h, upper=upper)
    else:
        slo, shi, sown = segs
        win = minimize_on_grid(sample, fgh, slo, shi, h, upper=upper, owner=sown, n_windows=n)
    # 3. the winner: the window's best, or the continuation's minimum on a tie
    basin = 1e-6 * (1.0 + np.abs(tw))
    with np.errstate(invalid="ignore"):
        near1 = np.abs(win.x - tw) <= basin
        near2 = np.abs(win.x2 - tw) <= basin
    tie = 1e-11 * np.abs(win.value) + 1e-300
    take2 = ~near1 & near2 & (win.value2 <= win.value + tie)
    theta = np.where(take2, win.x2, win.x)
    value = np.where(take2, win.value2, win.value)
    slope = np.where(take2, win.slope2, win.slope)
    curv = np.where(take2, np.nan, win.curvature)
    lost = ~np.isfinite(value)  # nothing polished (rounding at a bound): exact Newton
    if np.any(lost):
        il = np.flatnonzero(lost)
        tl, Fl, _, _, _, _ = _newton(G, a[il], b[il], thw[il], tol=tol, max_iter=max_iter)
        theta[il] = tl[:, 0]
        value[il] = (tl[:, 0] - aa[il]) ** 2 + (Fl - bb[il]) ** 2
        slope[il], curv[il] = np.nan, np.nan
    jumped = np.zeros(n, bool)
    if has_warm:
        # descent from the warm start cannot reach theta; where the path is too long to
        # sample, the continuation decides
        left = _left_basin(_exact_fgh(G), table, h, start[:, 0], theta, aa, bb)
        jumped = np.where(np.isnan(left), np.abs(theta - tw) > basin, left == 1)
    # the best other local nearest point among the polished candidates (near-ties)
    sep = 1e-7 * (1.0 + np.abs(theta))
    with np.errstate(invalid="ignore"):
        stationary2 = np.abs(win.slope2) <= 1e-8 * (np.abs(win.x2 - aa) + 1e-300)
    second = np.full(n, np.inf)
    for xo, vo in ((win.x, win.value), (win.x2, np.where(stationary2, win.value2, np.inf))):
        with np.errstate(invalid="ignore"):
            far = np.abs(xo - theta) > sep
        second = np.where(far & (vo < second), vo, second)
    th = theta[:, None]
    F, dF = _FG(G, th)
    res = _relative_residual(th - a, F - b, dF)
    # converged: relative residual <= tol, or a Newton step |g'/g''| below rounding
    with np.errstate(invalid="ignore", divide="ignore"):
        step = np.abs(slope) / np.where(curv > 0, curv, np.nan)
    conv = (res <= tol) | (step <= 8 * _EPS * np.maximum(1.0, np.abs(theta)))
    certified = np.isfinite(value) & conv & ~too_wide
    return _finish(G, a, b, th, F, iw, res, jumped, certified, np.sqrt(second),
                   too_wide=too_wide)


def _exact_nd(G, a, b, start, has_warm, resolution, tol, max_iter):
    theta, F, iters, res, jumped, second = exact_nd(G, a, b, start, has_warm, resolution,
                                                    tol, max_iter)
    return _finish(G, a, b, theta, F, iters, res, jumped, np.zeros(a.shape[0], bool), second)
