r"""A lazily filled, cached lattice of the values of a loss.

:class:`Lattice` stores :math:`f(k h)` for integer vectors :math:`k\in\mathbb Z^d`,
in tiles of :data:`TILE`:sup:`d` points (values and a filled mask); a point is evaluated
(one vectorised call of :math:`f` per look-up, for all its missing points) the first time a
look-up needs it, and kept.  :func:`lattice` caches one such lattice per landscape and
spacing :math:`h`; a vertical scale :math:`\lambda` is the lattice of the scaled landscape
(:meth:`~rollingball.symbolic.landscape.Landscape.scaled`, the graph of :math:`\lambda f`).

A trajectory revisits the same region step after step; with the values cached, a dense
look at :math:`g(q) = |q - a|^2 + (f(q) - b)^2` over a window is arithmetic on
stored numbers (one evaluation of :math:`f` per lattice point for the whole run), which is
what makes dense global searches affordable on costly losses such as 1000 Gaussian wells.
:func:`best_lattice_points` is that look: the ``keep`` lattice points with the smallest
:math:`g` in the disk :math:`|q - a|^2 \le U` around each query.  Its users (the referee
:func:`~rollingball.numeric.distance.distance_to_graph` and the exact projection in
:mod:`rollingball.numeric.projection`) use lattices of different spacings, so that they stay
independent.
"""

from __future__ import annotations

import weakref

import numpy as np

from rollingball.symbolic.landscape import Landscape

__all__ = ["Lattice", "lattice", "best_lattice_points", "lattice_minima", "TILE"]

#: Lattice points per tile side.
TILE = 32


class Lattice:
    r""":math:`f` on the lattice :math:`h\,\mathbb Z^d`, filled lazily and cached.

    The values are stored in tiles of :data:`TILE`:sup:`d` points (a value array and a
    filled mask each); a point is evaluated the first time a look-up needs it, so a disk
    costs the evaluations of its own points, once.  Holds the landscape weakly (the module
    cache is keyed by it).  Beyond :attr:`LIMIT` stored points the cache is emptied and
    refilled on demand (the values do not change).
    """

    #: most points stored (8 Mi: 72 MiB)
    LIMIT = 1 << 23

    def __init__(self, landscape: Landscape, h: float):
        if not (np.isfinite(h) and h > 0):
            raise ValueError(f"lattice spacing must be positive, got {h}")
        self._landscape = weakref.ref(landscape)
        self.h, self.d = float(h), landscape.dim
        #: tile index -> (values, filled), each of TILE**d points in C order
        self.tiles: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}
        self.evaluations = 0  #: points evaluated so far

    def F(self, theta: np.ndarray) -> np.ndarray:
        """f at points ``theta`` (..., d)."""
        L = self._landscape()
        if L is None:
            raise ReferenceError("the landscape of this lattice no longer exists")
        return L.f(L.as_input(theta))

    def boxes(self, lo: np.ndarray, m: int, need: np.ndarray | None = None) -> np.ndarray:
        """The values on the boxes ``lo[i] .. lo[i] + m - 1`` (per axis, integer indices) as
        an array ``(n, m**d)`` in C order of the box offsets.  Only the points where
        ``need`` (same shape; default all) is True are evaluated if missing; elsewhere a
        point not yet evaluated reads NaN."""
        n, d = lo.shape
        size = TILE**d
        t0 = np.floor_divide(lo, TILE)
        cnt = np.floor_divide(lo + m - 1, TILE) - t0 + 1  # tiles per axis, per box
        ct = int(cnt.max())
        toff = np.stack(np.meshgrid(*([np.arange(ct)] * d), indexing="ij"), -1).reshape(-1, d)
        used = np.all(toff[None] < cnt[:, None, :], axis=-1)  # (n, ct^d)
        keys = np.where(used[..., None], t0[:, None, :] + toff[None], t0[:, None, :])
        uniq, inv = np.unique(keys.reshape(-1, d), axis=0, return_inverse=True)
        ukeys = list(map(tuple, uniq.tolist()))
        if (len(self.tiles) + len(ukeys)) * size > self.LIMIT:
            self.tiles.clear()
        blank = (np.full(size, np.nan), np.zeros(size, dtype=bool))
        vals = np.stack([self.tiles.get(t, blank)[0] for t in ukeys])
        have = np.stack([self.tiles.get(t, blank)[1] for t in ukeys])
        # per point: its tile's row in the stack and its place in the tile, as sums of
        # per-axis terms broadcast over the box (n, m, ..., m)
        row = np.zeros((n,) + (1,) * d, dtype=np.int64)
        col = np.zeros((n,) + (1,) * d, dtype=np.int64)
        for j in range(d):
            ij = lo[:, j, None] + np.arange(m)  # (n, m)
            tj = np.floor_divide(ij, TILE)
            shape = (n,) + (1,) * j + (m,) + (1,) * (d - 1 - j)
            row = row + ((tj - t0[:, j, None]) * ct ** (d - 1 - j)).reshape(shape)
            col = col + ((ij - tj * TILE) * TILE ** (d - 1 - j)).reshape(shape)
        row = np.take_along_axis(inv.reshape(n, -1), row.reshape(n, -1), axis=1)
        col = col.reshape(n, -1)
        if need is None:
            need = np.ones(row.shape, dtype=bool)
        else:
            need = np.broadcast_to(need, row.shape)
        miss = need & ~have[row, col]
        if np.any(miss):
            flat = np.unique(row[miss] * size + col[miss])
            r, c = np.divmod(flat, size)
            local = np.stack(np.unravel_index(c, (TILE,) * d), -1)
            vals[r, c] = self.F((uniq[r] * TILE + local) * self.h)
            have[r, c] = True
            self.evaluations += flat.size
            for i in np.unique(r):
                self.tiles[ukeys[i]] = (vals[i].copy(), have[i].copy())
        return vals[row, col]


_LATTICES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def lattice(L: Landscape, h: float) -> Lattice:
    r"""The cached :class:`Lattice` of ``f`` with spacing ``h`` for this landscape (of
    :math:`\lambda f`: ``lattice(L.scaled(lam), h)``).

    >>> from rollingball import catalog
    >>> L = catalog.rastrigin()
    >>> lat = lattice(L, 0.5)
    >>> lat.boxes(np.array([[0, 0]]), 2)  # f at (0, 0), (0, 0.5), (0.5, 0), (0.5, 0.5)
    array([[ 0.  , 20.25, 20.25, 40.5 ]])
    """
    per = _LATTICES.setdefault(L, {})
    key = float(h)
    if key not in per:
        per[key] = Lattice(L, h)
    return per[key]


def best_lattice_points(lat: Lattice, a: np.ndarray, b: np.ndarray, U: np.ndarray, keep: int,
                        max_samples: int) -> tuple[np.ndarray, np.ndarray]:
    r"""The ``keep`` lattice points :math:`q` with the smallest
    :math:`g(q) = |q - a_i|^2 + (f(q) - b_i)^2` among those with
    :math:`|q - a_i|^2 \le U_i + d h^2` (the disk of radius :math:`\sqrt{U_i}`, widened by a
    lattice diagonal), for each query :math:`(a_i, b_i)`.

    Every query looks at the box of lattice points covering its disk (the widest box of
    the batch, for all); ``max_samples`` bounds the samples handled at once (queries are
    taken in chunks).  The caller chooses the spacing (coarser for wider windows).

    Returns:
        ``(points (n, k, d), g (n, k))`` with ``k = min(keep, box size)``, in no particular
        order.  Where a disk holds fewer than ``k`` lattice points, points outside it fill
        in, with ``g = inf``.
    """
    n, d = a.shape
    h = lat.h
    R = np.sqrt(U)
    lo = np.floor((a - R[:, None]) / h).astype(np.int64)
    hi = np.ceil((a + R[:, None]) / h).astype(np.int64)
    m = int(np.max(hi - lo)) + 1
    offsets = np.stack(np.meshgrid(*([np.arange(m)] * d), indexing="ij"), -1).reshape(-1, d)
    k = min(keep, offsets.shape[0])
    per = max(1, max_samples // offsets.shape[0])
    points, values = np.empty((n, k, d)), np.empty((n, k))
    for s in range(0, n, per):
        sl = slice(s, min(n, s + per))
        c = lo[sl]
        dx2 = np.zeros((c.shape[0],) + (1,) * d)
        for j in range(d):
            shape = (c.shape[0],) + (1,) * j + (m,) + (1,) * (d - 1 - j)
            dx2 = dx2 + (((c[:, j, None] + np.arange(m)) * h - a[sl, j, None]) ** 2).reshape(shape)
        dx2 = dx2.reshape(c.shape[0], -1)
        disk = dx2 <= U[sl, None] + h * h * d
        gv = np.where(disk, dx2 + (lat.boxes(c, m, disk) - b[sl, None]) ** 2, np.inf)
        j = np.argpartition(gv, k - 1, axis=1)[:, :k]
        points[sl] = (c[:, None, :] + offsets[j]) * h
        values[sl] = np.take_along_axis(gv, j, axis=1)
    return points, values


def lattice_minima(lat: Lattice, a: np.ndarray, b: np.ndarray, U: np.ndarray, keep: int,
                   max_samples: int, curv: float | None = None, par: float = 0.0,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""The discrete local minima of :math:`g(q) = |q - a_i|^2 + (f(q) - b_i)^2` on the
    lattice in the disk :math:`|q - a_i|^2 \le U_i + d h^2`, each with an estimate of the
    lowest value of g in its lattice cell, and the lattice's best g.

    A lattice point q is a discrete local minimum when :math:`g(q) \le g(q \pm h e_j)` for
    every axis j (the neighbours are looked at even outside the disk).  Its second
    differences :math:`c_j = g(q + h e_j) + g(q - h e_j) - 2 g(q) \ge 0` bound the drop of g
    near q on a quadratic model: a quadratic :math:`g` whose minimiser :math:`x^\star` lies
    within half a spacing of q per axis has

    .. math::  g(q) - g(x^\star) = \tfrac12 (q - x^\star)^T A (q - x^\star)
               \le \tfrac{d}{8} \operatorname{tr}(A) h^2 = \tfrac{d}{8} \sum_j c_j ,

    and the estimate returned is :math:`\ell(q) = g(q) - \kappa_c \sum_j c_j - \kappa_p
    \sum_j \frac{(g(q + h e_j) - g(q - h e_j))^2}{8 c_j}` (``curv`` :math:`= \kappa_c`,
    default :math:`d/4`, twice the drop above; ``par`` :math:`= \kappa_p`, a multiple of
    the drop of the per-axis parabola through the three values, exact for a quadratic
    without cross terms), but never below the distance term's own bound
    :math:`(|q - a_i| - \sqrt d\, h)_+^2`.

    Returns:
        ``(points (n, k, d), g (n, k), low (n, k), best (n,))`` with ``k = min(keep, box
        size)``: the ``k`` minima of smallest ``low``, one of them always the minimum of
        smallest g (fewer minima: padded with ``low = g = inf``), and the smallest g of any
        lattice point in the disk (a graph point's exact squared distance, an upper bound of
        the nearest one's).
    """
    n, d = a.shape
    h = lat.h
    R = np.sqrt(U)
    pad = 3  # lattice steps beyond the disk: every disk point's neighbours are in the box
    lo = np.floor((a - R[:, None]) / h).astype(np.int64) - pad
    hi = np.ceil((a + R[:, None]) / h).astype(np.int64) + pad
    m = int(np.max(hi - lo)) + 1
    offsets = np.stack(np.meshgrid(*([np.arange(m)] * d), indexing="ij"), -1).reshape(-1, d)
    k = min(keep, offsets.shape[0])
    per = max(1, max_samples // offsets.shape[0])
    points, values, lows = np.empty((n, k, d)), np.empty((n, k)), np.empty((n, k))
    best = np.empty(n)
    for s in range(0, n, per):
        sl = slice(s, min(n, s + per))
        c = lo[sl]
        nc = c.shape[0]
        dx2 = np.zeros((nc,) + (1,) * d)
        for j in range(d):
            shape = (nc,) + (1,) * j + (m,) + (1,) * (d - 1 - j)
            dx2 = dx2 + (((c[:, j, None] + np.arange(m)) * h - a[sl, j, None]) ** 2).reshape(shape)
        Ub = U[sl].reshape((nc,) + (1,) * d)
        inner = dx2 <= Ub + h * h * d
        need = dx2 <= (np.sqrt(Ub) + pad * h) ** 2
        vals = lat.boxes(c, m, need.reshape(nc, -1)).reshape((nc,) + (m,) * d)
        gv = np.where(need, dx2 + (vals - b[sl].reshape((nc,) + (1,) * d)) ** 2, np.inf)
        gin = np.where(inner, gv, np.inf)
        best[sl] = np.min(gin.reshape(nc, -1), axis=1)
        # discrete local minima: no axis neighbour lower (the box's edges lie outside the
        # disk, so every disk point has its neighbours)
        loc = inner & np.isfinite(gv)
        for j in range(1, d + 1):
            up = tuple(slice(1, None) if i == j else slice(None) for i in range(d + 1))
            dn = tuple(slice(0, -1) if i == j else slice(None) for i in range(d + 1))
            loc[up] &= gv[up] <= gv[dn]
            loc[dn] &= gv[dn] <= gv[up]
        # their cell estimates, at the minima only
        gf = gv.reshape(nc, -1)
        r, ix = np.nonzero(loc.reshape(nc, -1))
        g0 = gf[r, ix]
        csum = np.zeros(r.size)
        dsum = np.zeros(r.size)
        for j in range(d):
            stride = m ** (d - 1 - j)
            prev, nxt = gf[r, ix - stride], gf[r, ix + stride]
            cj = prev + nxt - 2.0 * g0
            csum += cj
            with np.errstate(invalid="ignore", divide="ignore"):
                dsum += np.where(cj > 0, (nxt - prev) ** 2 / (8.0 * cj), 0.0)
        near = np.maximum(np.sqrt(dx2.reshape(nc, -1)[r, ix]) - np.sqrt(d) * h, 0.0) ** 2
        est = np.maximum(g0 - (0.25 * d if curv is None else curv) * csum - par * dsum, near)
        low = np.full(gf.shape, np.inf)
        low[r, ix] = est
        low = low.reshape(nc, -1)
        j = np.argpartition(low, k - 1, axis=1)[:, :k]
        # the minimum of lowest g is always kept (in the slot of the largest estimate): a
        # lattice point below the caller's bound is a graph point that beats it, whatever
        # the estimates of the others (on a ring of near-tied contacts dozens of minima
        # have estimates below the bound, and the lowest g need not have a low estimate)
        gmin = np.where(np.isfinite(low), gf, np.inf)
        jb = np.argmin(gmin, axis=1)
        miss = np.isfinite(gmin[np.arange(nc), jb]) & ~np.any(j == jb[:, None], axis=1)
        if np.any(miss):
            worst = np.argmax(np.take_along_axis(low, j, axis=1), axis=1)
            j[miss, worst[miss]] = jb[miss]
        points[sl] = (c[:, None, :] + offsets[j]) * h
        lows[sl] = np.take_along_axis(low, j, axis=1)
        values[sl] = np.where(np.isfinite(lows[sl]), np.take_along_axis(gv.reshape(nc, -1), j,
                                                                        axis=1), np.inf)
    return points, values, lows, best
