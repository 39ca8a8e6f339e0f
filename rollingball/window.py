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
different lengths (the samples are laid out ragged, flattened in window order).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["WindowMin", "minimize_in_windows"]

#: Upper bound on samples handled in one vectorised block.
_BLOCK = 2_000_000


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


def _block(fgh, lo, hi, counts, sep, newton_steps, offset):
    n = lo.shape[0]
    owner = np.repeat(np.arange(n), counts)
    first = np.cumsum(counts) - counts
    j = np.arange(owner.size) - first[owner]
    width = np.where(counts > 1, (hi - lo) / np.maximum(counts - 1, 1), 0.0)
    xs = lo[owner] + j * width[owner]
    xs = np.where(j == counts[owner] - 1, hi[owner], xs)  # exact right end
    g, dg, _ = fgh(xs, owner + offset)

    last = j == counts[owner] - 1
    is_first = j == 0
    prev_g = np.where(is_first, np.inf, np.roll(g, 1))
    next_g = np.where(last, np.inf, np.roll(g, -1))
    local = (g <= prev_g) & (g <= next_g)
    # a sign change of g' from - to + between sample j and j+1
    next_dg = np.roll(dg, -1)
    change = (~last) & (dg < 0) & (next_dg > 0)
    idx_local = np.flatnonzero(local)
    idx_change = np.flatnonzero(change & ~local & ~np.roll(local, -1))
    # brackets: around a sampled minimum, or between the two samples of a sign change
    cl = np.concatenate([np.maximum(idx_local - 1, first[owner[idx_local]]), idx_change])
    last_of = first[owner[idx_local]] + counts[owner[idx_local]] - 1
    cr = np.concatenate([np.minimum(idx_local + 1, last_of), idx_change + 1])
    c0 = np.concatenate([idx_local, np.where(g[idx_change] <= g[idx_change + 1],
                                              idx_change, idx_change + 1)])
    who = owner[c0]
    x, v, s, c = _polish(fgh, xs[cl], xs[cr], xs[c0], who + offset, newton_steps)
    # NaN values never win
    v = np.where(np.isfinite(v), v, np.inf)
    order = np.lexsort((v, who))
    who, x, v, s, c = who[order], x[order], v[order], s[order], c[order]
    starts = np.flatnonzero(np.r_[True, who[1:] != who[:-1]])
    res = {"x": np.full(n, np.nan), "value": np.full(n, np.inf), "slope": np.full(n, np.nan),
           "curvature": np.full(n, np.nan), "x2": np.full(n, np.nan),
           "value2": np.full(n, np.inf), "slope2": np.full(n, np.nan),
           "n": np.zeros(n, dtype=np.int64)}
    w = who[starts]
    res["x"][w], res["value"][w], res["slope"][w], res["curvature"][w] = (
        x[starts], v[starts], s[starts], c[starts])
    res["n"][w] = np.diff(np.r_[starts, who.size])
    # the best other minimum: first candidate of the window farther than `sep` from the best
    far = np.abs(x - res["x"][who]) > sep[who]
    far_idx = np.flatnonzero(far)
    if far_idx.size:
        fw = who[far_idx]
        firsts = far_idx[np.r_[True, fw[1:] != fw[:-1]]]
        res["x2"][who[firsts]] = x[firsts]
        res["value2"][who[firsts]] = v[firsts]
        res["slope2"][who[firsts]] = s[firsts]
    return res


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
