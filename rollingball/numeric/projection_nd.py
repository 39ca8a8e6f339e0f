r"""The exact projection onto the graph in d >= 2 dimensions: lattice seeds, then Newton.

For a candidate :math:`\tilde c = (a, b)` the footpoint minimises
:math:`g(\theta) = |\theta - a|^2 + (f(\theta) - b)^2`.  The continuation (safeguarded
Newton from the warm start, :mod:`rollingball.numeric.graph_newton`) bounds the answer,
:math:`R^2 = \min(g(\theta_w), g(a))`; the best points of a cached lattice of f
(:mod:`rollingball.numeric.lattice`) in the disk :math:`|\theta - a| \le R` seed a
multi-start Newton, and the best local minimum wins (the continuation on a tie).
:func:`rollingball.numeric.projection.project` is the public entry point.
"""

from __future__ import annotations

import numpy as np

from rollingball.numeric.graph_newton import _F, _FG, _FGH, _newton, _relative_residual
from rollingball.numeric.lattice import best_lattice_points, lattice, lattice_minima
from rollingball.symbolic.scales import projection_lattice_spacing

__all__ = ["exact_nd", "ball_is_clear_nd"]

#: the lattice minima's cell estimate (:func:`~rollingball.numeric.lattice.lattice_minima`):
#: 4 times the per-axis parabola's drop (the curvature bound d/4 sum c_j keeps nearly every
#: ripple of a coarse lattice: 5-6 seeds a ball on 1000 wells at rho 3)
MARGIN = {"curv": 0.0, "par": 4.0}
#: lattice minima that may seed Newton per candidate: on a ring of near-tied contacts (a
#: large ball in a bowl) dozens of minima have cell estimates below the continuation, and
#: the nearest point need not be among the 8 lowest estimates (Fig. 4's paper wells: 30 below
#: it, the winner 21st; 300 centres over the bowl's axis from random ring contacts: 47 wrong
#: distances with 8 seeds and no lowest-g seed, 7 with it, 2 with 32)
KEEP = 32
#: a racing Newton row stops once g - RACE * (its model's predicted drop) exceeds the best g
RACE = 4.0
#: ... or once, within two lattice spacings of the continuation (a strict minimum), its
#: Newton step aims at the continuation: |theta + s - theta_w| <= MERGE |theta - theta_w|
MERGE = 0.3
#: a racing row's steps are at most STEP_CAP lattice spacings long
STEP_CAP = 2.0


def _lattice_seeds(G, a, b, U, h0, keep, max_window=1 << 14, min_across=16, max_refine=3,
                   probe=33, max_samples=1 << 20, narrow=True):
    """The ``keep`` discrete local minima of g of lowest cell estimate in each disk
    |q - a| <= sqrt(U): ``(seeds (n, keep, d), g, low (n, keep), best (n,), h (n,), U (n,))``
    (see :func:`~rollingball.numeric.lattice.lattice_minima`; ``h`` the spacing looked at,
    ``U`` the disks after the narrowing).

    Each window is looked at on the cached lattice of spacing ``h0 * 2**level``: level 0
    unless the window is more than ``max_window`` samples (coarser, so that it fits) or
    fewer than ``min_across`` samples across (finer, at most ``max_refine`` halvings).
    Windows wider than ``probe`` samples across are first narrowed coarse to fine: the best
    point of a look at a ``probe``-wide lattice is a graph point, so U <= its g.  A window
    fewer than ``min_across`` samples across even at the finest level gets its ``keep``
    best lattice points instead (``low = -inf``: all seed).  ``narrow=False`` skips the
    narrowing (a caller for whom any point below U settles the matter).  A window that is not finite
    (f overflowed) gets a's.
    """
    n, d = a.shape
    seeds = np.repeat(a[:, None, :], keep, axis=1)
    ok = np.isfinite(U)
    U = np.where(ok, U, 0.0)

    def levels(cap, low=None):
        with np.errstate(divide="ignore"):
            across = 2 * np.sqrt(U) / h0 + 2
            lv = np.maximum(np.ceil(np.log2(across / cap)), 0 if low is None else
                            np.clip(np.floor(np.log2(across / low)), -max_refine, 0))
        return np.where(ok, lv, 0).astype(int)

    for _ in range(8 if narrow else 0):  # coarse to fine: each look narrows what it can
        lv = levels(probe)
        shrunk = False
        for p in np.unique(lv[lv > 0]):
            i = np.flatnonzero(lv == p)
            _, g = best_lattice_points(lattice(G, h0 * 2.0**p), a[i], b[i], U[i], 1,
                                       max_samples)
            better = g[:, 0] < 0.81 * U[i]  # a shrink of R by 10 % at least
            U[i[better]] = g[better, 0]
            shrunk |= bool(np.any(better))
        if not shrunk:
            break
    lv = levels(max(5, int(max_window ** (1 / d))), min_across)
    g = np.full((n, keep), np.inf)
    low = np.full((n, keep), np.inf)
    best = np.full(n, np.inf)
    hs = np.full(n, h0)
    for p in np.unique(lv[ok]):
        i = np.flatnonzero(ok & (lv == p))
        lat = lattice(G, h0 * 2.0**p)
        small = 2 * np.sqrt(U[i]) / lat.h + 2 < min_across
        js, jl = i[small], i[~small]
        if jl.size:
            found, gf, lf, bf = lattice_minima(lat, a[jl], b[jl], U[jl], keep, max_samples,
                                               **MARGIN)
            k = found.shape[1]
            seeds[jl, :k], g[jl, :k], low[jl, :k], best[jl] = found, gf, lf, bf
        if js.size:
            # a window too small to show its basins even at the finest level: its best
            # lattice points all seed Newton (as many basins as points, at most)
            found, gf = best_lattice_points(lat, a[js], b[js], U[js], keep, max_samples)
            k = found.shape[1]
            seeds[js, :k], g[js, :k], best[js] = found, gf, np.min(gf, axis=1)
            low[js, :k] = np.where(np.isfinite(gf), -np.inf, np.inf)
        hs[i] = lat.h
    return seeds, g, low, best, hs, U


def _race(ball, t, g, drop, pd, step, best0, home, hs, strict=None):
    r"""The seed race of the d-D searches, per Newton row of ball ``ball`` at iterate ``t``
    (value ``g``, model decrease ``drop``, positive definite ``pd``, next ``step``): True
    where the row stops.  It loses once its trusted model (``pd``, a step within the lattice
    spacing ``hs``) cannot beat the best graph point seen (``best0`` per ball, or another
    row's iterate: every iterate is a graph point, its g an upper bound):
    :math:`g - \text{RACE}\cdot\text{drop} > g_\text{best}`; it merges into ``home`` (the
    continuation's minimum, where ``strict``) once within two spacings of it and its Newton
    step aims within ``MERGE`` of its distance there."""
    best = best0.copy()
    np.minimum.at(best, ball, g)
    near = np.sqrt(np.sum(step * step, axis=-1)) <= hs[ball]
    lose = pd & near & (g - RACE * drop > best[ball])
    off = np.sqrt(np.sum((t - home[ball]) ** 2, axis=-1))
    aim = np.sqrt(np.sum((t + step - home[ball]) ** 2, axis=-1))
    merged = pd & (off <= 2.0 * hs[ball]) & (aim <= MERGE * off)
    if strict is not None:
        merged &= strict[ball]
    return lose | merged


def exact_nd(G, a, b, start, has_warm, resolution, tol, max_iter, keep=KEEP):
    r"""The d-D exact projection (see :mod:`rollingball.numeric.projection`).

    Newton from the warm start (the continuation) gives a local nearest point
    :math:`\theta_w` and the bound :math:`R^2 = \min(g(\theta_w), g(a))` of
    :math:`g(\theta) = |\theta - a|^2 + (f(\theta) - b)^2`.  The discrete local minima of g
    on the lattice in the disk :math:`|\theta - a| \le R` stand for the other basins; a
    minimum q seeds a Newton run only where it could beat the continuation,

    .. math::  \ell(q) < g(\theta_w), \qquad |q - \theta_w| \ge h \text{ or }
               \nabla^2 g(\theta_w) \not\succ 0,

    with :math:`\ell(q)` the lattice cell's estimate of its lowest g
    (:func:`~rollingball.numeric.lattice.lattice_minima`); :math:`a` seeds one where
    :math:`g(a) < g(\theta_w)`; a continuation that stopped on a saddle of g seeds two runs
    along its direction of negative curvature.  The seeds race in lock step (steps of at
    most :data:`STEP_CAP` spacings): a row stops once its Newton model is trusted (positive
    definite, a step within a spacing) and :math:`g - \kappa\,\delta` (:math:`\delta` the
    model's predicted drop, :math:`\kappa =` :data:`RACE`) exceeds the best g of any
    iterate of its ball or of the continuation, or once, near the continuation's strict
    minimum, its Newton step aims at it (:data:`MERGE`).  The best local minimum wins (the
    continuation on a tie).

    Returns ``(theta, F, iterations, residual, jumped, second)`` (``second``: the distance
    of the best other local nearest point found).
    """
    n, d = a.shape
    thw, Fw, _, iw, rw, cw = _newton(G, a, b, start, tol=tol, max_iter=max_iter)
    gw = np.sum((thw - a) ** 2, axis=1) + (Fw - b) ** 2
    ga = (_F(G, a) - b) ** 2
    h0 = projection_lattice_spacing(G, resolution)
    seeds, _, low, _, hs, _ = _lattice_seeds(G, a, b, np.minimum(gw, ga), h0, keep)
    # is the continuation a strict local minimum of g (else it stopped on a saddle)?
    Fh, dFh, d2Fh = _FGH(G, thw)
    Hg = np.eye(d) + dFh[:, :, None] * dFh[:, None, :] + (Fh - b)[:, None, None] * d2Fh
    Hg = np.where(np.all(np.isfinite(Hg), axis=(1, 2))[:, None, None], Hg, 0.0)
    ev, evec = np.linalg.eigh(Hg)
    strict = ev[:, 0] > 1e-12 * (1.0 + np.abs(ev[:, -1]))
    close = np.sqrt(np.sum((seeds - thw[:, None, :]) ** 2, axis=-1)) < hs[:, None]
    use = (low < gw[:, None]) & ~(close & strict[:, None] & np.isfinite(low))
    # a, where it beats the continuation; a saddle's two directions of descent
    step = 0.5 * hs[:, None] * evec[:, :, 0]
    extra = np.stack([a, thw + step, thw - step], axis=1)
    use_extra = np.stack([ga < gw, ~strict, ~strict], axis=1)
    seeds = np.concatenate([seeds, extra], axis=1)
    use = np.concatenate([use, use_extra], axis=1)
    s = seeds.shape[1]
    val = np.full((n, s), np.inf)
    th = np.repeat(thw[:, None, :], s, axis=1)
    it = np.zeros((n, s), dtype=np.int64)
    ib, js = np.nonzero(use)
    if ib.size:
        pruned = np.zeros(ib.size, dtype=bool)

        def prune(rows, t, g, drop, pd, step):
            # a race: a row stops once it is in the continuation's basin, or once its
            # Newton model (trusted: positive definite, a step within a lattice spacing)
            # says it cannot beat the best graph point seen (the continuation, or another
            # row's iterate: every iterate is a graph point, its g an upper bound)
            cut = _race(ib[rows], t, g, drop, pd, step, gw, thw, hs, strict)
            pruned[rows[cut]] = True
            return cut

        t, F, _, itb, _, _ = _newton(G, a[ib], b[ib], seeds[ib, js], tol=tol,
                                     max_iter=max_iter, prune=prune,
                                     max_step=STEP_CAP * hs[ib])
        v = np.sum((t - a[ib]) ** 2, axis=1) + (F - b[ib]) ** 2
        val[ib, js] = np.where(pruned, np.inf, v)
        th[ib, js] = t
        it[ib, js] = itb
    # the continuation competes too (preferred on a tie)
    val = np.concatenate([gw[:, None], val], axis=1)
    th = np.concatenate([thw[:, None, :], th], axis=1)
    it = np.concatenate([iw[:, None], it], axis=1)
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
    F, dF = _FG(G, theta)
    res = _relative_residual(theta - a, F - b, dF)
    return theta, F, it[np.arange(n), win], res, jumped, second


def ball_is_clear_nd(G, c, contact, r, resolution, tol=1e-12, max_iter=50, keep=KEEP,
                     slack=None):
    r"""Per ball: the open ball :math:`B(c, r)` holds no graph point nearer than
    :math:`r - s` to c, where ``contact`` is a stationary point of g at distance r (the
    test of :func:`exact_nd` run with the answer known: no continuation).

    .. math::  \min_\theta\ g(\theta) = |\theta - a|^2 + (f(\theta) - b)^2 \;\ge\; (r - s)^2,
               \qquad c = (a, b),\quad g(\theta_0) = r^2 .

    The same lattice look as :func:`exact_nd` with :math:`R^2 = r^2`: the contact
    :math:`\theta_0` must be a strict local minimum of g; neither a (which seeds a run
    where :math:`g(a) < r^2`) nor any lattice point of the disk may lie below
    :math:`(r - s)^2`; the lattice minima whose cell estimate is below :math:`r^2`, farther
    than a spacing from :math:`\theta_0`, race from there with the rules
    of :func:`exact_nd` (best so far :math:`g(\theta_0)`), and none may end, or pass, below
    :math:`(r - s)^2`.  Where this holds :func:`exact_nd` of c from :math:`\theta_0` finds
    :math:`\theta_0` again (its seeds race against the same bound): the same verdict, for
    the cost of one lattice look and the short races.  False proves nothing (the caller
    runs the exact projection).

    Args:
        G: the (scaled) landscape, d >= 2.
        c: ``(n, d+1)`` ball centres.
        contact: ``(n, d)`` :math:`\theta_0`.
        r: ``(n,)`` radii, > 0.
        resolution: the exact projection's resolution (its lattice spacing).
        slack: ``(n,)`` the tolerance s on the distance (default :math:`10^{-11} r`).

    Returns:
        ``(n,)`` bool.
    """
    n, d = contact.shape
    a, b = c[:, :d], c[:, d]
    r = np.asarray(r, dtype=float)
    s = 1e-11 * r if slack is None else np.asarray(slack, dtype=float)
    thr = (r - s) ** 2
    F0, dF0, d2F0 = _FGH(G, contact)
    g0 = np.sum((contact - a) ** 2, axis=1) + (F0 - b) ** 2
    ga = (_F(G, a) - b) ** 2
    Hg = np.eye(d) + dF0[:, :, None] * dF0[:, None, :] + (F0 - b)[:, None, None] * d2F0
    fin = np.all(np.isfinite(Hg), axis=(1, 2)) & np.isfinite(g0) & np.isfinite(ga)
    Hg = np.where(fin[:, None, None], Hg, 0.0)
    ev = np.linalg.eigvalsh(Hg)
    strict = ev[:, 0] > 1e-12 * (1.0 + np.abs(ev[:, -1]))
    ok = fin & strict & (ga >= thr) & (g0 >= thr) & (r > 0)
    i0 = np.flatnonzero(ok)
    if i0.size == 0:
        return ok
    a0, b0, th0, gw = a[i0], b[i0], contact[i0], g0[i0]
    U = r[i0] ** 2
    h0 = projection_lattice_spacing(G, resolution)
    # no narrowing: a lattice point below (r - s)^2 (best) settles it
    seeds, _, low, best, hs, _ = _lattice_seeds(G, a0, b0, U.copy(), h0, keep, narrow=False)
    good = best >= thr[i0]
    close = np.sqrt(np.sum((seeds - th0[:, None, :]) ** 2, axis=-1)) < hs[:, None]
    use = (low < gw[:, None]) & ~(close & np.isfinite(low)) & good[:, None]
    # a seeds a run where it could beat the contact (as in exact_nd; it is not inside)
    seeds = np.concatenate([seeds, a0[:, None, :]], axis=1)
    use = np.concatenate([use, (ga[i0] < gw)[:, None] & good[:, None]], axis=1)
    ib, js = np.nonzero(use)
    if ib.size:
        t0 = thr[i0]
        failed = np.zeros(i0.size, dtype=bool)

        def prune(rows, t, g, drop, pd, step):
            # exact_nd's race, and a ball with a point below (r - s)^2 is settled (not clear)
            ball = ib[rows]
            inside = g < t0[ball]
            failed[ball[inside]] = True
            return _race(ball, t, g, drop, pd, step, gw, th0, hs) | failed[ball]

        t, F, _, _, _, _ = _newton(G, a0[ib], b0[ib], seeds[ib, js], tol=tol,
                                   max_iter=max_iter, prune=prune, max_step=STEP_CAP * hs[ib])
        v = np.sum((t - a0[ib]) ** 2, axis=1) + (F - b0[ib]) ** 2
        failed[ib[~(v >= t0[ib])]] = True
        good &= ~failed
    ok[i0] = good
    return ok
