r"""Global minimisation of a smooth 1-D function over a window, for many windows at once.

This is the certified core of the exact projection and of the exact offset
:math:`f_\rho`: for each ball ``i`` find

.. math::  x_i^\star = \arg\min_{x \in [lo_i, hi_i]} g_i(x)

by (1) sampling :math:`g_i` and :math:`g_i'` on a grid of spacing at most
``spacing`` (chosen by the caller from the landscape so that no bump of the
function falls between two samples), (2) taking as candidates every sampled
local minimum and every sign change of :math:`g_i'` from - to +, and (3)
polishing each candidate by safeguarded Newton (bisection whenever Newton would
leave the bracket or the curvature is not positive) until the step is at the
level of rounding.  The best polished candidate of each window wins; the best
*other* local minimum is reported too, so callers can detect ties (a point on
the medial axis, a ball touching at two points).

Everything is vectorised over windows and samples: the windows may have
different lengths (the samples are laid out ragged, flattened in window order).  One
window holds at most :data:`rollingball._budget.MAX_GRID_POINTS` samples (4 000 000): a
wider one is a one-line ``ValueError`` before anything is allocated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rollingball import _budget

__all__ = ["GridTable", "WindowMin", "minimize_in_windows", "minimize_on_grid", "polish",
           "ball_is_clear", "ball_samples", "ball_verdict", "BallSamples"]

#: Upper bound on samples handled in one vectorised block.
_BLOCK = 2_000_000


def _check_window(samples: float) -> None:
    """The widest window's samples within :data:`rollingball._budget.MAX_GRID_POINTS`, else
    a one-line ``ValueError`` (before anything is allocated; callers that know their
    windows, as the engine and the exact projection, keep below it)."""
    _budget.check(samples, _budget.MAX_GRID_POINTS, "one search window (samples)",
                  hint="use a coarser resolution or a narrower window")


@dataclass(frozen=True)
class WindowMin:
    """Per-window result of :func:`minimize_in_windows` (arrays of shape ``(N,)``)."""

    x: np.ndarray  #: the global minimiser found
    value: np.ndarray  #: g at x
    slope: np.ndarray  #: g' at x (0 up to rounding unless x is a window end)
    curvature: np.ndarray  #: g'' at x
    x2: np.ndarray  #: the best other local minimiser (NaN if none)
    value2: np.ndarray  #: g at x2 (+inf if none)
    slope2: np.ndarray  #: g' at x2 (NaN if none; not 0 when x2 is a window end)
    n_candidates: np.ndarray  #: local minima polished in the window
    samples: np.ndarray  #: samples taken in the window


def minimize_in_windows(
    fgh: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]],
    lo: np.ndarray,
    hi: np.ndarray,
    spacing: float | np.ndarray,
    *,
    newton_steps: int = 60,
    separation: float | np.ndarray | None = None,
) -> WindowMin:
    """Global minimum of ``g_i`` on ``[lo_i, hi_i]`` for every window ``i``.

    Args:
        fgh: ``fgh(x, i) -> (g, g', g'')``, vectorised: ``x`` and ``i`` are flat arrays
            of equal length; ``i`` says which window (which ``g_i``) each ``x`` belongs to.
        lo, hi: window ends, shape ``(N,)``, ``lo <= hi``.
        spacing: largest sample spacing (scalar or per window), > 0.
        newton_steps: most safeguarded Newton iterations per candidate.
        separation: two minimisers closer than this are the same minimum
            (default: the spacing).

    Returns:
        a :class:`WindowMin`.
    """
    lo = np.atleast_1d(np.asarray(lo, dtype=float))
    hi = np.atleast_1d(np.asarray(hi, dtype=float))
    n = lo.shape[0]
    spacing = np.broadcast_to(np.asarray(spacing, dtype=float), (n,))
    if np.any(~(spacing > 0)):
        raise ValueError("window spacing must be positive")
    if np.any(~(hi >= lo)):
        raise ValueError("every window needs lo <= hi (and finite ends)")
    with np.errstate(all="ignore"):
        widest = float(np.max((hi - lo) / spacing)) + 1.0 if n else 0.0
    _check_window(widest)
    sep = spacing if separation is None else np.broadcast_to(np.asarray(separation, float), (n,))
    counts = np.maximum(2, np.ceil((hi - lo) / spacing).astype(np.int64) + 1)
    counts = np.where(hi > lo, counts, 1)

    out = {k: np.empty(n) for k in ("x", "value", "slope", "curvature", "x2", "value2",
                                    "slope2")}
    ncand = np.zeros(n, dtype=np.int64)
    # blocks of whole windows, each with at most _BLOCK samples (or one window)
    ends = np.cumsum(counts)
    start = 0
    while start < n:
        base = ends[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(ends, base + _BLOCK, side="right")))
        stop = min(stop, n)
        sl = slice(start, stop)
        res = _block(fgh, lo[sl], hi[sl], counts[sl], sep[sl], newton_steps, start)
        for key in out:
            out[key][sl] = res[key]
        ncand[sl] = res["n"]
        start = stop
    return WindowMin(n_candidates=ncand, samples=counts, **out)


def _layout(lo, hi, counts):
    """The samples of the windows ``[lo_i, hi_i]``, ``counts_i`` evenly spaced each (the right
    end exact), flat: ``(owner, first, j, width, xs, last)`` (the window of each sample, each
    window's first flat index, the index in its window, the spacing, the positions, whether
    it is its window's last)."""
    n = lo.shape[0]
    owner = np.repeat(np.arange(n), counts)
    first = np.cumsum(counts) - counts
    j = np.arange(owner.size) - first[owner]
    width = np.where(counts > 1, (hi - lo) / np.maximum(counts - 1, 1), 0.0)
    xs = lo[owner] + j * width[owner]
    last = j == counts[owner] - 1
    xs = np.where(last, hi[owner], xs)  # exact right end
    return owner, first, j, width, xs, last


def _brackets(g, dg, owner, first, counts, j, last, core=None):
    """The candidates of a flat scan: every sampled local minimum of g, and every - to + sign
    change of g' between samples j and j+1 (not next to a sampled minimum); ``core``: only
    candidates there.  Returns flat indices ``(left, right, start)`` of their brackets."""
    is_first = j == 0
    prev_g = np.where(is_first, np.inf, np.roll(g, 1))
    next_g = np.where(last, np.inf, np.roll(g, -1))
    local = (g <= prev_g) & (g <= next_g)
    change = (~last) & (dg < 0) & (np.roll(dg, -1) > 0) & ~local & ~np.roll(local, -1)
    if core is not None:
        local, change = local & core, change & core
    idx_local = np.flatnonzero(local)
    idx_change = np.flatnonzero(change)
    # brackets: around a sampled minimum, or between the two samples of a sign change
    cl = np.concatenate([np.maximum(idx_local - 1, first[owner[idx_local]]), idx_change])
    last_of = first[owner[idx_local]] + counts[owner[idx_local]] - 1
    cr = np.concatenate([np.minimum(idx_local + 1, last_of), idx_change + 1])
    c0 = np.concatenate([idx_local, np.where(g[idx_change] <= g[idx_change + 1],
                                              idx_change, idx_change + 1)])
    return cl, cr, c0


def _best_per_window(n, who, x, v, s, c, sep):
    """Of the polished candidates (window ``who``, minimiser x, value v, slope s, curvature c),
    each window's best and best other (farther than ``sep``, one per candidate) as arrays of
    ``n`` (NaN/inf where none); NaN values never win."""
    v = np.where(np.isfinite(v), v, np.inf)
    order = np.lexsort((v, who))
    who, x, v, s, c, sep = who[order], x[order], v[order], s[order], c[order], sep[order]
    starts = np.flatnonzero(np.r_[True, who[1:] != who[:-1]])
    res = {"x": np.full(n, np.nan), "value": np.full(n, np.inf), "slope": np.full(n, np.nan),
           "curvature": np.full(n, np.nan), "x2": np.full(n, np.nan),
           "value2": np.full(n, np.inf), "slope2": np.full(n, np.nan),
           "n": np.zeros(n, dtype=np.int64)}
    w = who[starts]
    res["x"][w], res["value"][w], res["slope"][w], res["curvature"][w] = (
        x[starts], v[starts], s[starts], c[starts])
    res["n"][w] = np.diff(np.r_[starts, who.size])
    _second_minimum(res, who, x, v, s, sep)
    return res


def _block(fgh, lo, hi, counts, sep, newton_steps, offset):
    owner, first, j, _, xs, last = _layout(lo, hi, counts)
    g, dg, _ = fgh(xs, owner + offset)
    cl, cr, c0 = _brackets(g, dg, owner, first, counts, j, last)
    who = owner[c0]
    x, v, s, c = _polish(fgh, xs[cl], xs[cr], xs[c0], who + offset, newton_steps)
    return _best_per_window(lo.shape[0], who, x, v, s, c, sep[who])


def _second_minimum(res, who, x, v, s, sep) -> None:
    """Record in ``res`` each window's best other minimum: its first candidate (candidates
    sorted by window, then value) farther than ``sep`` from the window's best."""
    far_idx = np.flatnonzero(np.abs(x - res["x"][who]) > sep)
    if far_idx.size:
        fw = who[far_idx]
        firsts = far_idx[np.r_[True, fw[1:] != fw[:-1]]]
        res["x2"][who[firsts]] = x[firsts]
        res["value2"][who[firsts]] = v[firsts]
        res["slope2"][who[firsts]] = s[firsts]


def polish(
    fgh: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]],
    left: np.ndarray,
    right: np.ndarray,
    x0: np.ndarray,
    who: np.ndarray,
    steps: int = 60,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Safeguarded Newton on :math:`g'` inside each bracket ``[left, right]`` from ``x0``:
    :math:`x \leftarrow x - g'/g''` where that stays strictly inside the bracket (shrunk
    by the sign of :math:`g'`) and :math:`g'' > 0`, else bisection; stops where the step is
    below rounding.  ``fgh(x, who) -> (g, g', g'')``; returns ``(x, g, g', g'')`` (flat, one
    entry per bracket).  The polish of :func:`minimize_in_windows` and
    :func:`minimize_on_grid`.

    >>> x, g, _, _ = polish(lambda x, i: ((x - 0.3) ** 2, 2 * (x - 0.3), 2 + 0 * x),
    ...                     np.array([0.0]), np.array([1.0]), np.array([0.9]), np.array([0]))
    >>> round(float(x[0]), 12), bool(g[0] < 1e-30)
    (0.3, True)
    """
    return _polish(fgh, np.asarray(left, dtype=float), np.asarray(right, dtype=float),
                   np.asarray(x0, dtype=float), np.asarray(who), int(steps))


def _polish(fgh, left, right, x0, who, steps):
    """Safeguarded Newton on g' inside [left, right], vectorised over candidates."""
    left, right, x = left.copy(), right.copy(), x0.copy()
    g, dg, d2g = fgh(x, who)
    active = np.ones(x.shape, dtype=bool)
    for _ in range(steps):
        ia = np.flatnonzero(active)
        if ia.size == 0:
            break
        xa, da, ha = x[ia], dg[ia], d2g[ia]
        la, ra = left[ia], right[ia]
        # converged: the Newton step is below rounding (bisecting on would only wander)
        done = (ha > 0) & (np.abs(da) <= 2 * np.finfo(float).eps * np.maximum(1.0, np.abs(xa)) * ha)
        if np.any(done):
            active[ia[done]] = False
            keep = ~done
            ia, xa, da, ha, la, ra = ia[keep], xa[keep], da[keep], ha[keep], la[keep], ra[keep]
            if ia.size == 0:
                break
        # shrink the bracket where the sign of g' tells which side the minimum is on
        la = np.where(da < 0, np.maximum(la, xa), la)
        ra = np.where(da > 0, np.minimum(ra, xa), ra)
        with np.errstate(all="ignore"):
            newton = xa - da / ha
        ok = (ha > 0) & (newton > la) & (newton < ra) & np.isfinite(newton)
        xn = np.where(ok, newton, 0.5 * (la + ra))
        # at a window end with the slope pointing outwards, stay at the end
        stuck = (ra - la) <= 4 * np.finfo(float).eps * np.maximum(1.0, np.abs(xa))
        xn = np.where(stuck, xa, xn)
        gn, dn, hn = fgh(xn, who[ia])
        la = np.where(dn < 0, np.maximum(la, xn), la)
        ra = np.where(dn > 0, np.minimum(ra, xn), ra)
        # Newton steps are taken; a bisection only if it is no worse
        better = ok | (gn < g[ia]) | ((gn == g[ia]) & (np.abs(dn) < np.abs(da)))
        step = np.abs(xn - xa)
        x[ia] = np.where(better, xn, xa)
        g[ia] = np.where(better, gn, g[ia])
        dg[ia] = np.where(better, dn, dg[ia])
        d2g[ia] = np.where(better, hn, d2g[ia])
        left[ia], right[ia] = la, ra
        scale = np.maximum(1.0, np.abs(xa))
        tiny = ok & (step <= 2 * np.finfo(float).eps * scale)
        narrow = (ra - la) <= 4 * np.finfo(float).eps * scale
        active[ia] = ~(tiny | stuck | narrow | (dn == 0))
    return x, g, dg, d2g


# --------------------------------------------------------------------------- cached grid
class GridTable:
    r"""Values of a vectorised function on the global grid :math:`x_k = k h`, cached in tiles.

    ``table(k)`` returns ``func(k * h)`` (shape ``(ncols, len(k))``) for int64 grid indices
    ``k``; tiles of :attr:`TILE` consecutive grid points are computed on first use and kept
    in one contiguous array that grows as the windows wander.  Beyond :attr:`LIMIT` cached
    points the values are computed directly (never cached).

    Args:
        func: ``x (M,) -> (ncols, M)`` array.
        h: the grid spacing, > 0.
        ncols: number of values per point.
    """

    TILE = 2048
    #: grid points per block of :meth:`blocks` (divides TILE)
    BLOCK = 32
    LIMIT = 1 << 23

    def __init__(self, func: Callable[[np.ndarray], np.ndarray], h: float, ncols: int):
        if not (np.isfinite(h) and h > 0):
            raise ValueError(f"grid spacing must be positive, got {h}")
        self.func, self.h, self.ncols = func, float(h), int(ncols)
        self.k0 = 0
        self.vals = np.empty((self.ncols, 0))
        self.have = np.zeros(0, dtype=bool)
        # per block: min and max of column 0, max |column 1|, max |second difference of
        # column 0| / h^2 (a curvature estimate)
        self.summary = np.empty((4, 0))

    def _curv(self, rows: np.ndarray) -> np.ndarray:
        """|second difference| / h^2 at every point of each row (ends copy their neighbour);
        for block rows (.., BLOCK) the max per row, for tile rows the full array."""
        with np.errstate(all="ignore"):  # a loss that overflows on the tile: inf, no warning
            d2 = np.abs(np.diff(rows, 2, axis=-1)) / (self.h * self.h)
        full = np.concatenate([d2[..., :1], d2, d2[..., -1:]], axis=-1)
        return full.max(-1) if rows.shape[-1] == self.BLOCK else full

    def blocks(self, kb: np.ndarray) -> np.ndarray:
        """Per block ``kb`` (grid points ``kb*BLOCK ... kb*BLOCK + BLOCK-1``): the min and max
        of column 0, the max of ``|column 1|`` (NaN if ``ncols == 1``) and the max of the
        second divided difference ``|v[j-1] - 2 v[j] + v[j+1]| / h^2`` of column 0 over its
        points, shape ``(4, len(kb))``."""
        kb = np.asarray(kb, dtype=np.int64)
        B = self.BLOCK
        if kb.size == 0:
            return np.empty((3, 0))
        self(kb * B)  # fills the tiles holding these blocks (and their summaries)
        rel = kb - self.k0 // B
        if np.any((rel < 0) | (rel >= self.summary.shape[1])):  # uncached: compute directly
            pts = (kb[:, None] * B + np.arange(B)) * self.h
            v = np.asarray(self.func(pts.ravel()), dtype=float).reshape(self.ncols, -1, B)
            slope = np.abs(v[1]).max(1) if self.ncols >= 2 else np.full(kb.size, np.nan)
            return np.stack([v[0].min(1), v[0].max(1), slope, self._curv(v[0])])
        return self.summary[:, rel]

    def __call__(self, k: np.ndarray) -> np.ndarray:
        k = np.asarray(k, dtype=np.int64)
        if k.size == 0:
            return np.empty((self.ncols, 0))
        T = self.TILE
        kmin, kmax = int(k.min()), int(k.max())
        size = self.vals.shape[1]
        lo = (kmin // T) * T
        hi = (kmax // T + 1) * T
        if size:
            lo, hi = min(lo, self.k0), max(hi, self.k0 + size)
        if hi - lo > self.LIMIT:
            return np.asarray(self.func(k * self.h), dtype=float).reshape(self.ncols, -1)
        if lo != self.k0 or hi != self.k0 + size:
            # grow with slack on the side that grew, so a drifting window rarely reallocates
            grow_lo = (self.k0 - lo) if size else 0
            grow_hi = (hi - self.k0 - size) if size else 0
            lo -= min(grow_lo and 4 * T, max(0, self.LIMIT // 4))
            hi += min(grow_hi and 4 * T, max(0, self.LIMIT // 4))
            vals = np.empty((self.ncols, hi - lo))
            have = np.zeros((hi - lo) // T, dtype=bool)
            summ = np.empty((4, (hi - lo) // self.BLOCK))
            if size:
                s = self.k0 - lo
                vals[:, s:s + size] = self.vals
                have[s // T:s // T + self.have.size] = self.have
                sb = s // self.BLOCK
                summ[:, sb:sb + self.summary.shape[1]] = self.summary
            self.k0, self.vals, self.have, self.summary = lo, vals, have, summ
        rel = k - self.k0
        present = np.zeros(self.have.size, dtype=bool)
        present[rel // T] = True
        missing = np.flatnonzero(present & ~self.have)
        if missing.size:
            idx = (missing[:, None] * T + np.arange(T)[None, :]).ravel()
            out = np.asarray(self.func((idx + self.k0) * self.h), dtype=float)
            out = out.reshape(self.ncols, -1)
            self.vals[:, idx] = out
            self.have[missing] = True
            B = self.BLOCK
            bidx = (missing[:, None] * (T // B) + np.arange(T // B)[None, :]).ravel()
            blk = out.reshape(self.ncols, -1, B)
            self.summary[0, bidx] = blk[0].min(1)
            self.summary[1, bidx] = blk[0].max(1)
            self.summary[2, bidx] = np.abs(blk[1]).max(1) if self.ncols >= 2 else np.nan
            self.summary[3, bidx] = self._curv(out[0].reshape(missing.size, T)).reshape(
                -1, B).max(1)
        return self.vals[:, rel]


def minimize_on_grid(
    sample: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    fgh: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]],
    klo: np.ndarray,
    khi: np.ndarray,
    h: float,
    *,
    upper: np.ndarray | None = None,
    newton_steps: int = 60,
    separation: float | None = None,
    safety: float = 4.0,
    owner: np.ndarray | None = None,
    n_windows: int | None = None,
) -> WindowMin:
    r"""Global minimum of ``g_i`` on the grid window ``[klo_i h, khi_i h]``, pruned by bounds.

    Like :func:`minimize_in_windows`, but the samples lie on the global grid ``k h`` (so a
    caller can serve them from a :class:`GridTable`: the scan is then arithmetic on cached
    values) and only candidates that can beat the best known value are polished.  On a
    sample interval, :math:`g \ge \min(g_j, g_{j+1}) - M h^2/8` where :math:`M \ge g''` there;
    :math:`M` is taken as ``safety`` times the largest divided difference
    :math:`|g'_{j+1}-g'_j|/h` (a mean value of :math:`g''`) over the interval and its two
    neighbours.  A candidate (a sampled local minimum, or a - to + sign change of
    :math:`g'`) is polished only if its bracket's bound is at most
    :math:`U_i = \min(\text{upper}_i, \min_j g_i(x_j))`.

    Args:
        sample: ``sample(k, i) -> (g, g')`` at grid points ``k * h`` of windows ``i`` (flat).
        fgh: ``fgh(x, i) -> (g, g', g'')`` at any points (the exact polish).
        klo, khi: first and last grid index of each window (``klo <= khi``).
        h: grid spacing.
        upper: known upper bounds of each window's minimum (e.g. a local solution's value).
        newton_steps: most safeguarded Newton iterations per candidate.
        separation: two minimisers closer than this are the same (default ``h``).
        safety: the factor on the divided differences in the curvature bound.
        owner, n_windows: when given, ``klo``/``khi`` are *segments* (pieces of windows that
            survived a coarser bound) and ``owner[s]`` is the window of segment ``s``;
            ``upper`` and the result then have one entry per window.

    Returns:
        a :class:`WindowMin`; ``x2``/``value2`` is the best other local minimum among the
        candidates that survived pruning (the near-ties), NaN/inf if none.
    """
    klo = np.atleast_1d(np.asarray(klo, dtype=np.int64))
    khi = np.atleast_1d(np.asarray(khi, dtype=np.int64))
    nseg = klo.size
    seg_owner = np.arange(nseg) if owner is None else np.asarray(owner, dtype=np.int64)
    n = nseg if n_windows is None else int(n_windows)
    if np.any(khi < klo):
        raise ValueError("every window needs klo <= khi")
    _check_window(float(np.max(khi - klo)) + 1.0 if nseg else 0.0)
    sep = h if separation is None else float(separation)
    counts = khi - klo + 1
    up = np.full(n, np.inf) if upper is None else np.asarray(upper, dtype=float).copy()
    ends = np.cumsum(counts)
    start = 0
    parts = []
    samples = np.zeros(n, dtype=np.int64)
    np.add.at(samples, seg_owner, counts)
    while start < nseg:
        base = ends[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(ends, base + _BLOCK, side="right")))
        stop = min(stop, nseg)
        sl = slice(start, stop)
        parts.append(_grid_block(sample, fgh, klo[sl], counts[sl], h, seg_owner[sl], up,
                                 newton_steps, safety))
        start = stop
    who = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, np.int64)
    x, v, s, c = (np.concatenate([p[i] for p in parts]) if parts else np.empty(0)
                  for i in range(1, 5))
    res = _aggregate(n, who, x, v, s, c, sep)
    return WindowMin(samples=samples, **res)


def _aggregate(n, who, x, v, s, c, sep):
    """Best and best-other polished candidate per window."""
    v = np.where(np.isfinite(v), v, np.inf)
    order = np.lexsort((v, who))
    who, x, v, s, c = who[order], x[order], v[order], s[order], c[order]
    res = {"x": np.full(n, np.nan), "value": np.full(n, np.inf), "slope": np.full(n, np.nan),
           "curvature": np.full(n, np.nan), "x2": np.full(n, np.nan),
           "value2": np.full(n, np.inf), "slope2": np.full(n, np.nan),
           "n_candidates": np.zeros(n, dtype=np.int64)}
    if who.size == 0:
        return res
    starts = np.flatnonzero(np.r_[True, who[1:] != who[:-1]])
    w = who[starts]
    res["x"][w], res["value"][w], res["slope"][w], res["curvature"][w] = (
        x[starts], v[starts], s[starts], c[starts])
    res["n_candidates"][w] = np.diff(np.r_[starts, who.size])
    _second_minimum(res, who, x, v, s, sep)
    return res


def _grid_block(sample, fgh, klo, counts, h, seg_owner, upper, newton_steps, safety):
    """Scan the segments of one block; returns the polished candidates (window, x, g, g', g'')."""
    nseg = klo.size
    total = int(counts.sum())
    seg = np.repeat(np.arange(nseg), counts)
    first = np.cumsum(counts) - counts
    j = np.arange(total) - first[seg]
    k = klo[seg] + j
    win = seg_owner[seg]
    g, dg = sample(k, win)
    is_first = j == 0
    last = j == counts[seg] - 1
    prev_g = np.empty(total)
    prev_g[1:] = g[:-1]
    prev_g[is_first] = np.inf
    next_g = np.empty(total)
    next_g[:-1] = g[1:]
    next_g[last] = np.inf
    next_dg = np.empty(total)
    next_dg[:-1] = dg[1:]
    next_dg[last] = 0.0
    local = (g <= prev_g) & (g <= next_g)
    change = (~last) & (dg < 0) & (next_dg > 0)
    # curvature bound per interval [j, j+1]: safety * max divided difference of g' nearby
    dd = np.abs(next_dg - dg) / h
    dd[last] = 0.0
    m = dd.copy()
    m[1:] = np.maximum(m[1:], np.where(is_first[1:], 0.0, dd[:-1]))
    m[:-1] = np.maximum(m[:-1], np.where(last[:-1] | last[1:], 0.0, dd[1:]))
    m *= safety
    low_int = np.minimum(g, next_g) - m * (h * h / 8)  # bound on [j, j+1]
    low_int[last] = np.inf
    low_prev = np.empty(total)
    low_prev[1:] = low_int[:-1]
    low_prev[is_first] = np.inf
    low_br = np.minimum(np.minimum(low_int, low_prev), g)  # bound on the bracket [j-1, j+1]
    U = upper.copy()
    np.minimum.at(U, seg_owner, np.minimum.reduceat(g, first))
    idx_local = np.flatnonzero(local & (low_br <= U[win]))
    sc = change & ~local & ~np.append(local[1:], False)
    idx_change = np.flatnonzero(sc & (low_int <= U[win]))
    lo_l = np.where(is_first[idx_local], idx_local, idx_local - 1)
    hi_l = np.where(last[idx_local], idx_local, idx_local + 1)
    cl = np.concatenate([lo_l, idx_change])
    cr = np.concatenate([hi_l, idx_change + 1])
    nxt = np.minimum(idx_change + 1, total - 1)
    c0 = np.concatenate([idx_local, np.where(g[idx_change] <= g[nxt], idx_change, nxt)])
    who = win[c0]
    x, v, s, c = _polish(fgh, k[cl] * h, k[cr] * h, k[c0] * h, who, newton_steps)
    return who, x, v, s, c


def ball_is_clear(table: GridTable, h: float, q: np.ndarray, r: np.ndarray,
                  contact: np.ndarray, *, safety: float = 4.0,
                  max_window: int = 1024, details: bool = False,
                  exact: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]
                  | None = None, tol: np.ndarray | float = 0.0,
                  hint: np.ndarray | None = None):
    r"""Per ball: the open ball :math:`B(q_i, r_i)` holds no point of the graph of f (its
    boundary touches the graph at ``contact``), certified at the scan resolution of
    :func:`minimize_on_grid`.

    .. math::  g_q(x) = (x - q_x)^2 + (f(x) - q_y)^2 \ge r^2 \quad
               \text{for } |x - q_x| \le r .

    Args:
        table: the cached :math:`(f, f')` grid table of the graph, spacing ``h``.
        h: its spacing.
        q: ``(n, 2)`` ball centres.
        r: ``(n,)`` radii, > 0.
        contact: ``(n,)`` the abscissa of the graph point on each ball's boundary (a
            stationary point of :math:`g_q` with :math:`g_q = r^2`).
        safety: the factor on the divided differences in the curvature bound.
        max_window: balls whose scan would take more samples are not cleared.
        exact: ``x -> (f, f', f'')`` of the graph's function (flat arrays); where given,
            the scan's candidates away from the contact are polished on the exact graph
            (:func:`polish`, as the exact projection does) and pass where their polished
            :math:`g_q \ge r^2 - \text{tol}`; without it they fail the ball.
        tol: ``(n,)`` or scalar, the slack of that comparison (>= 0).
        hint: ``(n,)`` points near other local minima (previous contacts; NaN: none): the
            polish of a candidate whose bracket holds one starts there.
        details: also return, per ball, ``seed``: the sample with the least :math:`g_q`
            farther than one spacing from the contact where one lies inside the ball (NaN
            elsewhere; a start for the footpoint the graph really has), and ``second``: the
            least :math:`g_q` of the polished stationary candidates (inf if none).

    Returns:
        ``(n,)`` bool: True where the certificate holds (False proves nothing); with
        ``details``, ``(clear, seed, second)``.

    The certificate is the exact projection's own, run for the point :math:`q` with the
    answer known: with :math:`g_q(x) = (x - q_x)^2 + (f(x) - q_y)^2` sampled on the grid
    over :math:`|x - q_x| \le r` (plus a spacing each side), an interval satisfies
    :math:`g_q \ge \min(g_j, g_{j+1}) - M_j h^2/8` (:math:`M_j` ``safety`` times the largest
    divided difference of :math:`g_q'` on it and its neighbours); the scan's candidates are
    its sampled local minima (bracket :math:`[j-1, j+1]`) and :math:`-` to :math:`+` sign
    changes of :math:`g_q'` (bracket :math:`[j, j+1]`) whose bracket bound is at most
    :math:`U = \min(r^2(1 + 10^{-12}), \min_j g_j)`.  The ball is clear when no sample lies
    inside it and every candidate either has a bracket that holds the contact (the local
    minimum that bracket's polish reaches is the contact, of value :math:`r^2`: one minimum
    per bracket is the scan's resolution assumption) or, polished on the exact graph
    (``exact``), is not below :math:`r^2 - \text{tol}`.

    Example:
        >>> t = GridTable(lambda x: np.stack([x * x, 2 * x]), 0.01, 2)
        >>> # balls resting at the vertex of y = x^2: radius 0.4 fits (curvature radius 1/2),
        >>> # radius 0.6 does not
        >>> ball_is_clear(t, t.h, np.array([[0.0, 0.4], [0.0, 0.6]]), np.array([0.4, 0.6]),
        ...               np.zeros(2)).tolist()
        [True, False]
    """
    n = r.shape[0]
    out = np.zeros(n, dtype=bool)
    seed = np.full(n, np.nan)
    second = np.full(n, np.inf)
    s = ball_samples(table, h, q, r, max_window)
    if s is not None:
        idx = s.idx
        slack = np.broadcast_to(np.asarray(tol, dtype=float), (n,))[idx]
        out[idx], seed[idx], second[idx] = ball_verdict(
            s, np.arange(idx.size), r[idx], np.asarray(contact, dtype=float)[idx],
            safety=safety, exact=exact, tol=slack,
            hint=None if hint is None else np.asarray(hint, dtype=float)[idx])
    return (out, seed, second) if details else out


@dataclass(frozen=True, eq=False)
class BallSamples:
    r"""The samples of :math:`g_q(x) = (x - q_x)^2 + (f(x) - q_y)^2` on the grid over
    :math:`|x - q_x| \le R` (and a spacing more each side) for the rows ``idx`` of a batch
    (those whose window fits), one row of ``W`` samples each; by :func:`ball_samples`."""

    idx: np.ndarray  #: (m,) the batch rows sampled
    h: float  #: the spacing
    klo: np.ndarray  #: (m,) first grid index of each row
    qx: np.ndarray  #: (m,) centres
    qy: np.ndarray  #: (m,)
    x: np.ndarray  #: (m, W) sample abscissae k h
    g: np.ndarray  #: (m, W) g_q
    dg: np.ndarray  #: (m, W) g_q'


def ball_samples(table: GridTable, h: float, q: np.ndarray, R: np.ndarray,
                 max_window: int = 1024) -> BallSamples | None:
    r"""Sample :math:`g_q` and :math:`g_q'` from the cached table over each ball's shadow
    :math:`|x - q_x| \le R` (rows whose window is not finite, not positive or over
    ``max_window`` samples are left out; None if none is left)."""
    qx, qy = q[:, 0], q[:, 1]
    with np.errstate(all="ignore"):
        klo = np.floor((qx - R) / h) - 1.0
        width = np.ceil((qx + R) / h) + 2.0 - klo
    fits = np.isfinite(width) & (width <= max_window) & (R > 0) & np.isfinite(qy)
    idx = np.flatnonzero(fits)
    if idx.size == 0:
        return None
    if idx.size < R.shape[0]:
        qx, qy, klo = qx[idx], qy[idx], klo[idx]
    W = int(width[idx].max())
    m = idx.size
    k = klo.astype(np.int64)[:, None] + np.arange(W)
    fd = table(k.ravel())
    f, df = fd[0].reshape(m, W), fd[1].reshape(m, W)
    x = k * h
    u = x - qx[:, None]
    v = f - qy[:, None]
    return BallSamples(idx=idx, h=float(h), klo=klo, qx=qx, qy=qy, x=x, g=u * u + v * v,
                       dg=2.0 * (u + v * df))


def ball_verdict(s: BallSamples, rows: np.ndarray, r: np.ndarray, contact: np.ndarray, *,
                 safety: float = 4.0, exact=None, tol: np.ndarray | float = 0.0,
                 hint: np.ndarray | None = None):
    """:func:`ball_is_clear`'s certificate on the sampled rows ``rows`` of ``s`` (indices
    into ``s.idx``) for radii ``r`` (at most the sampled ``R``) and contacts ``contact``
    (one per row): ``(clear, seed, second)`` per row.  ``hint`` (one per row, NaN: none):
    a point near another local minimum (a previous contact); a polished candidate whose
    bracket holds it starts there instead of at its sample (the same minimum, fewer steps)."""
    h = s.h
    x, g, dg = s.x[rows], s.g[rows], s.dg[rows]
    qx, qy, klo = s.qx[rows], s.qy[rows], s.klo[rows]
    m, W = g.shape
    second = np.full(m, np.inf)
    # the bound on each interval [j, j+1] (W - 1 of them)
    dd = np.abs(np.diff(dg, axis=1)) / h
    M = dd.copy()
    M[:, 1:] = np.maximum(M[:, 1:], dd[:, :-1])
    M[:, :-1] = np.maximum(M[:, :-1], dd[:, 1:])
    low_int = np.minimum(g[:, :-1], g[:, 1:]) - (safety * h * h / 8) * M
    inf = np.full((m, 1), np.inf)
    low_prev = np.concatenate([inf, low_int], axis=1)  # the interval left of sample j
    low_next = np.concatenate([low_int, inf], axis=1)  # the interval right of sample j
    r2 = r * r
    U = np.minimum(r2 * (1 + 1e-12) + 1e-300, g.min(axis=1))[:, None]
    # the scan's candidates: sampled local minima (bracket [j-1, j+1]) and - to + sign
    # changes of g' (bracket [j, j+1]), each polished where its bound can beat U
    gp = np.concatenate([inf, g[:, :-1]], axis=1)
    gn = np.concatenate([g[:, 1:], inf], axis=1)
    local = (g <= gp) & (g <= gn) & (np.minimum(np.minimum(low_prev, low_next), g) <= U)
    change = (dg[:, :-1] < 0) & (dg[:, 1:] > 0) & ~local[:, :-1] & ~local[:, 1:] \
        & (low_int <= U)
    # every candidate's bracket must hold the contact: samples jc-1 .. jc+1 around it
    jc = contact / h - klo  # the contact's position in sample units (fractional)
    col = np.arange(W)
    tiny = 1e-9
    near_local = np.abs(col - jc[:, None]) <= 1.0 + tiny
    near_change = (col[:-1] <= jc[:, None] + tiny) & (col[:-1] + 1 >= jc[:, None] - tiny)
    inside = g < r2[:, None] * (1 - 1e-10)  # a sample inside the ball: not clear
    bad = np.any(inside, axis=1) | ~np.all(np.isfinite(g), axis=1)
    far_l = local & ~near_local
    far_c = change & ~near_change
    if exact is None:
        bad |= np.any(far_l, axis=1) | np.any(far_c, axis=1)
    else:
        rl, cl = np.nonzero(far_l & ~bad[:, None])
        rc, cc = np.nonzero(far_c & ~bad[:, None])
        if rl.size or rc.size:
            who = np.concatenate([rl, rc])
            lo = np.concatenate([np.maximum(cl - 1, 0), cc])
            hi = np.concatenate([np.minimum(cl + 1, W - 1), cc + 1])
            start = np.concatenate([cl, np.where(g[rc, cc] <= g[rc, cc + 1], cc, cc + 1)])
            slack = np.broadcast_to(np.asarray(tol, dtype=float), (m,))[who]
            xl, xr, x0 = x[who, lo], x[who, hi], x[who, start]
            if hint is not None:
                hw = hint[who]
                x0 = np.where((hw >= xl) & (hw <= xr), hw, x0)
            xp, gv, sp, conv = _bracket_min(exact, qx[who], qy[who], xl, xr, x0,
                                            r2[who] - slack)
            bad[who[~(conv & (gv >= r2[who] - slack))]] = True
            with np.errstate(invalid="ignore"):
                stat = conv & (np.abs(sp) <= 1e-8 * (np.abs(xp - qx[who]) + 1e-300))
            np.minimum.at(second, who, np.where(stat, gv, np.inf))
    deep = np.where(inside & ~near_local, g, np.inf)
    j = np.argmin(deep, axis=1)
    ar = np.arange(m)
    seed = np.where(np.isfinite(deep[ar, j]), x[ar, j], np.nan)
    return ~bad, seed, second


def _bracket_min(exact, qx, qy, lo, hi, x0, floor, steps: int = 40):
    r"""The local minimum of :math:`g_q` in each bracket ``[lo, hi]`` by safeguarded Newton
    (bisection where Newton leaves the bracket, shrunk by the sign of :math:`g_q'`, or
    :math:`g_q'' \le 0`), to a step below rounding; a point with :math:`g_q <` ``floor``
    ends the search at once (the ball is entered).  Returns ``(x, g, g', converged)``; a
    row that entered the ball reads converged with its value below ``floor``."""
    x = np.array(x0, dtype=float)
    lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
    n = x.size
    gx, sx = np.full(n, np.inf), np.full(n, np.nan)
    conv = np.zeros(n, dtype=bool)
    act = np.arange(n)
    eps = np.finfo(float).eps
    with np.errstate(all="ignore"):
        for _ in range(steps):
            xa = x[act]
            F, D, C = exact(xa)
            u, v = xa - qx[act], F - qy[act]
            g = u * u + v * v
            dg = 2 * (u + v * D)
            d2 = 2 * (1 + D * D + v * C)
            gx[act], sx[act] = g, dg
            la = np.where(dg < 0, xa, lo[act])
            ra = np.where(dg > 0, xa, hi[act])
            scale = np.maximum(1.0, np.abs(xa))
            done = (g < floor[act]) | ((d2 > 0) & (np.abs(dg) <= 2 * eps * scale * d2)) \
                | (ra - la <= 4 * eps * scale) | (dg == 0) | ~np.isfinite(g)
            conv[act] = done & np.isfinite(g)
            newton = xa - dg / d2
            ok = (d2 > 0) & (newton > la) & (newton < ra)
            x[act] = np.where(done, xa, np.where(ok, newton, 0.5 * (la + ra)))
            lo[act], hi[act] = la, ra
            act = act[~done]
            if act.size == 0:
                break
    return x, gx, sx, conv
