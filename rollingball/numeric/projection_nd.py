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

from rollingball.numeric.graph_newton import _F, _FG, _newton, _relative_residual
from rollingball.numeric.lattice import best_lattice_points, lattice
from rollingball.symbolic.scales import projection_lattice_spacing

__all__ = ["exact_nd"]


def _lattice_seeds(G, a, b, U, h0, keep, max_window=1 << 14, min_across=16, max_refine=3,
                   probe=33, max_samples=1 << 20):
    """The ``keep`` best lattice points of g in each disk |q - a| <= sqrt(U) (n, keep, d).

    Each window is looked at on the cached lattice of spacing ``h0 * 2**level``: level 0
    unless the window is more than ``max_window`` samples (coarser, so that it fits) or
    fewer than ``min_across`` samples across (finer, at most ``max_refine`` halvings).
    Windows wider than ``probe`` samples across are first narrowed coarse to fine: the best
    point of a look at a ``probe``-wide lattice is a graph point, so U <= its g.  A window
    that is not finite (f overflowed) gets a's.
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

    for _ in range(8):  # coarse to fine: each look narrows the windows it can
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
    for p in np.unique(lv[ok]):
        i = np.flatnonzero(ok & (lv == p))
        found, _ = best_lattice_points(lattice(G, h0 * 2.0**p), a[i], b[i], U[i], keep,
                                       max_samples)
        seeds[i, :found.shape[1]] = found
    return seeds


def exact_nd(G, a, b, start, has_warm, resolution, tol, max_iter, keep=8):
    r"""The d-D exact projection (see :mod:`rollingball.numeric.projection`): multi-start
    Newton from the warm start, :math:`a` and the ``keep`` best lattice points of
    :math:`g(\theta) = |\theta - a|^2 + (f(\theta) - b)^2` in the window
    :math:`|\theta - a| \le R`, :math:`R^2 = \min(g(\theta_w), g(a))`.

    Returns ``(theta, F, iterations, residual, jumped, second)`` (``second``: the distance
    of the best other local nearest point found).
    """
    n, d = a.shape
    thw, Fw, _, iw, rw, cw = _newton(G, a, b, start, tol=tol, max_iter=max_iter)
    gw = np.sum((thw - a) ** 2, axis=1) + (Fw - b) ** 2
    ga = (_F(G, a) - b) ** 2
    h0 = projection_lattice_spacing(G, resolution)
    seeds = _lattice_seeds(G, a, b, np.minimum(gw, ga), h0, keep)
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
    F, dF = _FG(G, theta)
    res = _relative_residual(theta - a, F - b, dF)
    return theta, F, it[np.arange(n), win], res, jumped, second
