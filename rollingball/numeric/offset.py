r"""The upper rho-offset of a loss graph: the surface the centre of the rolling ball lives on.

For a loss :math:`f:\mathbb R^d\to\mathbb R` and a radius :math:`\rho>0` the upper offset
(paper Lemma 2) is the graph of

.. math::

    f_\rho(x) = \sup_{|s|\le\rho}\ f(x+s) + \sqrt{\rho^2 - |s|^2},

the height of the centre of a ball of radius :math:`\rho` resting on the graph
above :math:`x`.  The maximiser :math:`\theta^\star = x + s^\star` is the point where
the ball touches the graph (its *contact*); where two maximisers tie the ball
touches the graph twice (:math:`x` lies under the medial axis).

Three ways to compute it:

* :func:`upper_offset` in 1-D: exact.  With :math:`s = \rho\sin\varphi` the sup
  becomes the maximum of the smooth function
  :math:`h(\varphi) = f(x+\rho\sin\varphi) + \rho\cos\varphi` over
  :math:`\varphi\in[-\pi/2,\pi/2]` (no square-root singularity at the rim), found
  by the scan of :func:`rollingball.numeric.window.minimize_in_windows` (dense sampling of
  h and h', then safeguarded Newton to rounding).  Accurate to about 1e-15 relative.
  The scan is pruned: its samples are cut in chunks of 32, and a chunk whose bound
  :math:`\max_{t} f(t) + \rho\max\cos\varphi` over the chunk (f bounded by the block
  maxima of a cached grid table of f, f' at the resolution, plus the margin
  :math:`h(G + K h)`, G the block's largest |f'| and K its second difference / h^2) lies
  below the best sampled chunk middle by more than twice the tie tolerance is never
  evaluated: it can hold neither the maximum nor a tie, so the result is the full scan's
  (on weierstrass_like(100) at rho 0.1 about 5 % of the samples are evaluated).
* :func:`upper_offset` in d-D (d >= 2): pointwise multi-start.  The disk is
  sampled on a grid, the sampled local maxima (the best few) are polished by a
  safeguarded Newton ascent in :math:`s`; the result is exact to rounding when
  the sampling puts a start in the basin of the global maximiser, which the
  default resolution (a fraction of the landscape's feature scale) ensures for
  the catalog losses; it can only err *low* otherwise.
* :func:`upper_offset_grid`: on a grid, by grey dilation with the hemispherical
  structuring element :math:`b(k) = \sqrt{\rho^2 - h^2|k|^2}`,
  :math:`f_\rho(x_i) \approx \max_{|k|h\le\rho} f(x_{i+k}) + b(k)`.  It samples
  the same sup on the grid only, so it is never above the exact offset (sup
  restricted to the grid's box) and at most about
  :math:`\tfrac{d h^2}{8}\,\max\|\nabla^2 h\|` below it, where :math:`h` is the
  grid spacing and :math:`\nabla^2 h = \nabla^2 f - (I + \nabla f\nabla f^\top)
  (1+|\nabla f|^2)^{1/2}/\rho` is the Hessian of the sup's objective at the contact
  (the sine at radii 0.5, 1.5, 3: at most ``0.72 h^2``, measured in the tests).  The
  dilation costs (grid size) x (footprint size): keep ``rho/h`` moderate in 2-D.

A *domain* ``[lo, hi]`` (a box in d-D) restricts the sup to contacts inside it:
:math:`f_\rho(x) = \sup\{f(\theta)+\sqrt{\rho^2-|\theta-x|^2} : |\theta-x|\le\rho,\ \theta\in
\text{domain}\}`, the offset of the graph of :math:`f` restricted to the domain
(the reading of the paper's Fig. 2).  Without a domain the sup runs over all of
:math:`\mathbb R^d`.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from rollingball.numeric.window import (
    GridTable,
    _best_per_window,
    _brackets,
    _check_window,
    _layout,
    polish,
)
from rollingball.symbolic.landscape import Landscape
from rollingball.symbolic.scales import default_resolution

__all__ = ["UpperOffset", "OffsetGrid", "upper_offset", "upper_offset_grid", "polish_sup"]

#: Two maxima of the sup tie when their values differ by at most this (relative to 1 + |value|).
TIE_TOL = 1e-9


@dataclass(frozen=True)
class UpperOffset:
    """The upper offset at many points and radii (arrays of the broadcast shape ``B``).

    Attributes:
        x: the points, shape ``B`` (1-D) or ``B + (d,)``.
        rho: the radii, shape ``B``.
        value: :math:`f_\\rho(x)`, shape ``B`` (NaN where the window misses the domain).
        contact: the touching point :math:`\\theta^\\star` (the argmax), shape of ``x``.
        contact2: a second touching point whose value ties with the first within
            ``tie_tol``, else NaN; shape of ``x``.
        n_contacts: 1, or 2 where a tie was found (0 where the window is empty).
    """

    x: np.ndarray
    rho: np.ndarray
    value: np.ndarray
    contact: np.ndarray
    contact2: np.ndarray
    n_contacts: np.ndarray

    @property
    def centre(self) -> np.ndarray:
        """The ball centre ``(x, f_rho(x))``, shape ``B + (d+1,)``."""
        x = self.x if self.x.shape != self.value.shape else self.x[..., None]
        return np.concatenate([x, self.value[..., None]], axis=-1)


@dataclass(frozen=True)
class OffsetGrid:
    """The upper offset sampled on a grid (see :func:`upper_offset_grid`).

    Attributes:
        axes: one 1-D array of grid coordinates per axis (equal spacing ``spacing``).
        spacing: the grid spacing h (the same on every axis).
        f: the loss on the grid, shape ``grid``.
        rho: the radii, shape ``(R,)``.
        value: :math:`f_\\rho` on the grid, shape ``(R,) + grid``.
    """

    axes: tuple[np.ndarray, ...]
    spacing: float
    f: np.ndarray
    rho: np.ndarray
    value: np.ndarray

    @property
    def points(self) -> np.ndarray:
        """The grid points, shape ``grid + (d,)`` (``grid`` in 1-D)."""
        if len(self.axes) == 1:
            return self.axes[0]
        return np.stack(np.meshgrid(*self.axes, indexing="ij"), axis=-1)


def _check_rho(rho) -> np.ndarray:
    rho = np.asarray(rho, dtype=float)
    if rho.size == 0 or not np.all(np.isfinite(rho)) or np.any(rho <= 0):
        raise ValueError(f"the radius rho must be positive and finite, got {rho.ravel()[:5]}")
    return rho


def _as_box(domain, d: int) -> np.ndarray | None:
    if domain is None:
        return None
    arr = np.asarray(domain, dtype=float)
    if arr.shape == (2,):
        arr = np.tile(arr, (d, 1))
    if arr.shape != (d, 2):
        raise ValueError(f"domain must be (lo, hi) or {d} pairs (lo, hi), got {domain}")
    if np.any(np.isnan(arr)) or np.any(arr[:, 0] >= arr[:, 1]):
        raise ValueError(f"the domain is empty: need lo < hi on every axis, got {domain}")
    return arr


def upper_offset(
    landscape: Landscape | str,
    x,
    rho,
    *,
    domain: Sequence[float] | Sequence[Sequence[float]] | None = None,
    resolution: float | None = None,
    tie_tol: float = TIE_TOL,
) -> UpperOffset:
    r"""The upper offset :math:`f_\rho(x)`, its contact point(s), at many points and radii.

    .. math::

        f_\rho(x) = \sup_{|s|\le\rho,\ x+s\in D} f(x+s) + \sqrt{\rho^2-|s|^2}
        \qquad\text{(paper Lemma 2)}

    with :math:`D` the ``domain`` (all of :math:`\mathbb R^d` when None).

    Args:
        landscape: the loss.
        x: points, shape ``S`` (1-D loss) or ``S + (d,)``.
        rho: radii (> 0), broadcast against ``S``.
        domain: ``(lo, hi)`` or d pairs: contacts are restricted to this box.
        resolution: largest sample spacing in parameter units (default
            :func:`~rollingball.symbolic.scales.default_resolution`); smaller is safer and slower.
        tie_tol: relative tolerance under which two maxima count as two contacts.

    Returns:
        an :class:`UpperOffset`.  1-D: exact (Newton-polished global maximum on a
        certified sampling, about 1e-15 relative).  d-D: multi-start Newton, exact to
        rounding once a start lies in the global maximiser's basin (see module notes).

    >>> import numpy as np
    >>> r = upper_offset("sine", np.pi / 2, 0.5)   # above a crest the ball sits on the crest
    >>> float(r.value), float(r.contact)
    (1.5, 1.5707963267948966)
    """
    L = Landscape(landscape)
    rho = _check_rho(rho)
    x = np.asarray(x, dtype=float)
    box = _as_box(domain, L.dim)
    res = default_resolution(L) if resolution is None else float(resolution)
    if not (np.isfinite(res) and res > 0):
        raise ValueError(f"resolution must be positive, got {resolution}")
    if L.dim == 1:
        return _offset_1d(L, x, rho, box, res, tie_tol)
    if x.ndim == 0 or x.shape[-1] != L.dim:
        raise ValueError(f"points of a {L.dim}-D loss must have shape (..., {L.dim}), "
                         f"got {x.shape}")
    return _offset_nd(L, x, rho, box, res, tie_tol)


# ---------------------------------------------------------------------------- 1-D exact
def _offset_1d(L, x, rho, box, res, tie_tol) -> UpperOffset:
    xb, rb = np.broadcast_arrays(x, rho)
    shape = xb.shape
    xf, rf = xb.ravel().astype(float), rb.ravel().astype(float)
    lo = np.full(xf.shape, -np.pi / 2)
    hi = np.full(xf.shape, np.pi / 2)
    if box is not None:
        a, b = box[0]
        with np.errstate(invalid="ignore"):
            lo = np.arcsin(np.clip((a - xf) / rf, -1.0, 1.0))
            hi = np.arcsin(np.clip((b - xf) / rf, -1.0, 1.0))
        empty = ((a - xf) / rf > 1.0) | ((b - xf) / rf < -1.0)
    else:
        empty = np.zeros(xf.shape, dtype=bool)
    lo = np.where(empty, 0.0, lo)
    hi = np.where(empty, 0.0, hi)
    # phi spacing: t moves by rho*cos(phi)*dphi <= res, and the cap keeps cos sampled
    spacing = np.minimum(res / rf, 0.02)

    def fgh(phi, i):
        r = rf[i]
        sn, cs = np.sin(phi), np.cos(phi)
        f, g, h = L.value_grad_hess(xf[i] + r * sn)
        g, h = g[..., 0], h[..., 0, 0]
        val = f + r * cs
        d1 = r * cs * g - r * sn
        d2 = r * r * cs * cs * h - r * sn * g - r * cs
        return -val, -d1, -d2

    def fg(phi, i):  # the scan's -h and -h' only (no Hessian): the same numbers as fgh's
        r = rf[i]
        sn, cs = np.sin(phi), np.cos(phi)
        f, g = L.value_and_grad(xf[i] + r * sn)
        g = g[..., 0]
        return -(f + r * cs), -(r * cs * g - r * sn)

    bound = _f_bound_1d(L, res, xf, rf, tie_tol)
    w = _min_in_windows(fg, fgh, lo, hi, spacing, bound=bound)
    value = -w["value"]
    contact = xf + rf * np.sin(w["x"])
    tie = np.isfinite(w["value2"]) & (np.abs(w["value2"] - w["value"])
                                      <= tie_tol * (1 + np.abs(value)))
    contact2 = np.where(tie, xf + rf * np.sin(np.where(tie, w["x2"], 0.0)), np.nan)
    n = np.where(tie, 2, 1)
    value = np.where(empty, np.nan, value)
    contact = np.where(empty, np.nan, contact)
    n = np.where(empty, 0, n)
    return UpperOffset(x=xb.copy(), rho=rb.copy(), value=value.reshape(shape),
                       contact=contact.reshape(shape), contact2=contact2.reshape(shape),
                       n_contacts=n.reshape(shape))


_SCAN_BLOCK = 2_000_000  # samples per vectorised block of the 1-D scan


def _min_in_windows(fg, fgh, lo, hi, spacing, newton_steps: int = 60, bound=None):
    """:func:`rollingball.numeric.window.minimize_in_windows` with a scan that evaluates
    ``fg(x, i) -> (g, g')`` only (its Hessian is never used), then the same candidates
    (sampled local minima, sign changes of g' from - to +) polished by
    :func:`~rollingball.numeric.window.polish` with ``fgh``: the same result, bit for bit.
    Returns ``(x, value, x2, value2)`` per window (``value2`` +inf where no other minimum)."""
    n = lo.shape[0]
    spacing = np.broadcast_to(np.asarray(spacing, dtype=float), (n,))
    with np.errstate(all="ignore"):
        widest = float(np.max((hi - lo) / spacing)) + 1.0 if n else 0.0
    _check_window(widest)
    counts = np.maximum(2, np.ceil((hi - lo) / spacing).astype(np.int64) + 1)
    counts = np.where(hi > lo, counts, 1)
    out = {k: np.empty(n) for k in ("x", "value", "x2", "value2")}
    ends = np.cumsum(counts)
    start = 0
    while start < n:
        base = ends[start - 1] if start else 0
        stop = min(n, max(start + 1, int(np.searchsorted(ends, base + _SCAN_BLOCK,
                                                         side="right"))))
        sl = slice(start, stop)
        res = _scan_block(fg, fgh, lo[sl], hi[sl], counts[sl], spacing[sl], newton_steps, start,
                          bound)
        for key in out:
            out[key][sl] = res[key]
        start = stop
    return out


_CHUNK = 32  # scan samples per chunk of the pruned 1-D scan
_PAD = 2  # samples sampled beyond each kept chunk (a candidate's test reads j-1 .. j+2)
_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_TABLE_SPAN = 1 << 22  # most grid points between the scan's leftmost and rightmost contacts


@dataclass(frozen=True)
class _Bound:
    """An upper bound of f on the scan's t-ranges, from a cached grid table of (f, f')."""

    table: GridTable
    h: float
    x: np.ndarray
    rho: np.ndarray
    tie_tol: float


def _f_bound_1d(L, res, x, rho, tie_tol):
    """The bound of the pruned scan, or None where a table would be too wide."""
    finite = np.isfinite(x) & np.isfinite(rho)
    if not finite.any():
        return None
    span = (np.max(x[finite] + rho[finite]) - np.min(x[finite] - rho[finite])) / res
    if not span < _TABLE_SPAN:
        return None
    per = _TABLES.setdefault(L, {})
    if res not in per:
        def fg(t, L=L):
            f, g = L.value_and_grad(t)
            return np.stack([np.asarray(f, dtype=float), np.asarray(g, dtype=float)[..., 0]])
        per[res] = GridTable(fg, res, 2)
    return _Bound(per[res], res, x, rho, tie_tol)


def _range_max(a: np.ndarray, i0: np.ndarray, i1: np.ndarray) -> np.ndarray:
    """max(a[i0:i1+1]) for each pair (a sparse table of maxima; i0 <= i1)."""
    levels = [a]
    while (1 << len(levels)) <= a.size:
        p, w = levels[-1], 1 << (len(levels) - 1)
        levels.append(np.maximum(p[:-w], p[w:]))
    ln = np.floor(np.log2(np.maximum(i1 - i0 + 1, 1))).astype(np.int64)
    out = np.empty(i0.shape)
    for lv in np.unique(ln):
        m = ln == lv
        t = levels[lv]
        out[m] = np.maximum(t[i0[m]], t[i1[m] - (1 << lv) + 1])
    return out


def _kept_samples(fg, bound, phi, owner, j, counts, first, width, offset):
    r"""Which scan samples can matter: chunks of :data:`_CHUNK` samples whose upper bound
    :math:`\max_t f + \rho\max\cos\varphi` (f from the grid table's block maxima plus a
    slope margin :math:`h(G + K h)`, G the block's max |f'|, K its curvature estimate) is
    below the best sampled chunk middle less twice the tie tolerance cannot hold the
    maximum nor a tie.  Returns ``(keep, core)`` (samples to evaluate, samples of kept chunks)
    or None (nothing pruned)."""
    B = GridTable.BLOCK
    h = bound.h
    ball = owner + offset
    x, rho = bound.x[ball], bound.rho[ball]
    chunk = j // _CHUNK
    nch = (counts + _CHUNK - 1) // _CHUNK
    cfirst = np.cumsum(nch) - nch
    cid = cfirst[owner] + chunk  # a chunk's global index
    nc = int(nch.sum())
    if nc < 8 * counts.size:  # short windows: the bound costs more than it saves
        return None
    # the chunk's phi-range, widened by the padding samples
    co = np.repeat(np.arange(counts.size), nch)  # owner of each chunk
    cj = np.arange(nc) - cfirst[co]
    lo_phi = phi[first[co]] + np.maximum(cj * _CHUNK - _PAD, 0) * width[co]
    hi_phi = phi[first[co]] + np.minimum(cj * _CHUNK + _CHUNK - 1 + _PAD,
                                         counts[co] - 1) * width[co]
    hi_phi = np.minimum(hi_phi, phi[first[co] + counts[co] - 1])
    xc, rc = bound.x[co + offset], bound.rho[co + offset]
    ta, tb = xc + rc * np.sin(lo_phi), xc + rc * np.sin(hi_phi)
    cap = rc * np.where((lo_phi <= 0) & (hi_phi >= 0), 1.0,
                        np.maximum(np.cos(lo_phi), np.cos(hi_phi)))
    kb0 = np.floor(ta / h).astype(np.int64) // B - 1
    kb1 = np.floor(tb / h).astype(np.int64) // B + 1
    base = int(kb0.min())
    summ = bound.table.blocks(np.arange(base, int(kb1.max()) + 1))
    with np.errstate(all="ignore"):
        ub_blk = summ[1] + h * (summ[2] + summ[3] * h)
    ub_blk = np.where(np.isfinite(ub_blk), ub_blk, np.inf)
    ub = _range_max(ub_blk, kb0 - base, kb1 - base) + cap
    # a lower bound of each ball's maximum: the best sampled chunk middle (h = -g)
    mid = first[co] + np.minimum(cj * _CHUNK + _CHUNK // 2, counts[co] - 1)
    gm, _ = fg(phi[mid], co + offset)
    best = np.full(counts.size, -np.inf)
    np.maximum.at(best, co, np.where(np.isfinite(gm), -gm, -np.inf))
    margin = 2 * bound.tie_tol * (1 + np.abs(best)) + 1e-12
    keep_chunk = ~(ub < (best - margin)[co])
    core = keep_chunk[cid]
    # the kept chunks' samples and _PAD samples each side (within the window)
    pad = np.zeros(core.size + 2 * _PAD + 1, dtype=np.int64)
    edges = np.diff(np.r_[0, core.view(np.int8), 0])
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    np.add.at(pad, np.maximum(starts - _PAD, 0), 1)
    np.add.at(pad, np.minimum(stops + _PAD, pad.size - 1), -1)
    keep = np.cumsum(pad)[:core.size] > 0
    del x, rho, ball
    return keep, core


def _scan_block(fg, fgh, lo, hi, counts, sep, newton_steps, offset, bound=None):
    owner, first, j, width, xs, last = _layout(lo, hi, counts)
    kept = None if bound is None else _kept_samples(fg, bound, xs, owner, j, counts, first,
                                                    width, offset)
    core = None
    if kept is None:
        g, dg = fg(xs, owner + offset)
    else:  # candidates in the kept chunks only: their neighbours (2 each side) are sampled
        keep, core = kept
        g = np.full(xs.shape, np.inf)
        dg = np.full(xs.shape, np.nan)
        ik = np.flatnonzero(keep)
        g[ik], dg[ik] = fg(xs[ik], owner[ik] + offset)
    cl, cr, c0 = _brackets(g, dg, owner, first, counts, j, last, core)
    who = owner[c0]
    x, v, s, c = polish(fgh, xs[cl], xs[cr], xs[c0], who + offset, newton_steps)
    return _best_per_window(lo.shape[0], who, x, v, s, c, sep[who])


# ---------------------------------------------------------------------------- d-D multi-start
_MAX_SAMPLES = 4096  # samples of the disk per point
_STARTS = 6  # polished local maxima per point
_BLOCK_POINTS = 512


def _offset_nd(L, x, rho, box, res, tie_tol) -> UpperOffset:
    d = L.dim
    bshape = np.broadcast_shapes(x.shape[:-1], rho.shape)
    xb = np.broadcast_to(x, bshape + (d,)).reshape(-1, d)
    rb = np.broadcast_to(rho, bshape).ravel()
    n = xb.shape[0]
    value = np.full(n, np.nan)
    contact = np.full((n, d), np.nan)
    contact2 = np.full((n, d), np.nan)
    count = np.zeros(n, dtype=np.int64)
    for start in range(0, n, _BLOCK_POINTS):
        sl = slice(start, min(n, start + _BLOCK_POINTS))
        v, c, c2, k = _offset_nd_block(L, xb[sl], rb[sl], box, res, tie_tol)
        value[sl], contact[sl], contact2[sl], count[sl] = v, c, c2, k
    return UpperOffset(x=np.broadcast_to(x, bshape + (d,)).copy(),
                       rho=np.broadcast_to(rho, bshape).copy(),
                       value=value.reshape(bshape), contact=contact.reshape(bshape + (d,)),
                       contact2=contact2.reshape(bshape + (d,)),
                       n_contacts=count.reshape(bshape))


def _objective(L, x, s, rho, box):
    """h(s) = f(x+s) + sqrt(rho^2-|s|^2) with its gradient and Hessian in s."""
    f, g, H = L.value_grad_hess(x + s)
    q2 = rho * rho - np.sum(s * s, axis=-1)
    q = np.sqrt(np.maximum(q2, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = g - s / q[:, None]
        hess = (H - np.eye(s.shape[-1]) / q[:, None, None]
                - s[:, :, None] * s[:, None, :] / (q**3)[:, None, None])
    return f + q, grad, hess


def _offset_nd_block(L, x, rho, box, res, tie_tol):
    n, d = x.shape
    m = int(min(np.floor(_MAX_SAMPLES ** (1.0 / d)),
                max(5, np.ceil(2 * rho.max() / res) + 1)))
    m += 1 - m % 2  # odd: the centre s = 0 is a sample
    u1 = np.linspace(-1.0, 1.0, m)
    U = np.stack(np.meshgrid(*([u1] * d), indexing="ij"), axis=-1)  # (m,)*d + (d,)
    inside = np.sum(U * U, axis=-1) < 1.0
    S = rho[:, None, None] * U.reshape(-1, d)[None]  # (n, m^d, d)
    P = x[:, None, :] + S
    ok = np.broadcast_to(inside.ravel(), S.shape[:2]).copy()
    if box is not None:
        ok &= np.all((P >= box[:, 0]) & (P <= box[:, 1]), axis=-1)
    cap = np.sqrt(np.maximum(1.0 - np.sum(U * U, axis=-1), 0.0)).ravel()  # sqrt(1-|u|^2)
    # f only at the admissible samples (the disk, within the box): the others are -inf
    F = np.full(ok.shape, -np.inf)
    F[ok] = L.f(P[ok]) + (rho[:, None] * cap[None, :])[ok]
    grid = F.reshape((n,) + (m,) * d)
    peak = ndimage.maximum_filter(grid, size=(1,) + (3,) * d, mode="constant", cval=-np.inf)
    local = (grid == peak) & np.isfinite(grid)
    score = np.where(local.reshape(n, -1), F, -np.inf)
    k = min(_STARTS, score.shape[1])
    top = np.argpartition(-score, k - 1, axis=1)[:, :k]  # (n, k): the k best, any order
    sv = np.take_along_axis(score, top, axis=1)
    s0 = np.take_along_axis(S, top[:, :, None], axis=1)  # (n, k, d)
    valid = np.isfinite(sv)
    # every point has at least one admissible sample unless the box misses its disk
    xs = np.repeat(x, k, axis=0)
    rs = np.repeat(rho, k)
    sp_, hv = _polish_nd(L, xs, s0.reshape(-1, d), rs, box, valid.ravel())
    hv = np.where(valid.ravel(), hv, -np.inf).reshape(n, k)
    sp_ = sp_.reshape(n, k, d)
    order = np.argsort(-hv, axis=1)
    hv = np.take_along_axis(hv, order, axis=1)
    sp_ = np.take_along_axis(sp_, order[:, :, None], axis=1)
    best = hv[:, 0]
    contact = x + sp_[:, 0]
    far = np.linalg.norm(sp_ - sp_[:, :1], axis=-1) > 2 * res
    tie = far & (np.abs(hv - best[:, None]) <= tie_tol * (1 + np.abs(best[:, None])))
    has2 = tie.any(axis=1)
    j2 = np.argmax(tie, axis=1)
    contact2 = np.where(has2[:, None], x + sp_[np.arange(n), j2], np.nan)
    empty = ~np.isfinite(best)
    value = np.where(empty, np.nan, best)
    contact = np.where(empty[:, None], np.nan, contact)
    count = np.where(empty, 0, np.where(has2, 2, 1))
    return value, contact, contact2, count


def _polish_nd(L, x, s, rho, box, active, steps: int = 60):
    """Safeguarded (projected, active-set) Newton ascent of h(s) from each start."""
    d = s.shape[-1]
    s = s.copy()
    lo = hi = None
    if box is not None:
        lo, hi = box[:, 0] - x, box[:, 1] - x
    h, g, H = _objective(L, x, s, rho, box)
    active = active.copy()
    eye = np.eye(d)
    for _ in range(steps):
        ia = np.flatnonzero(active)
        if ia.size == 0:
            break
        sa, ga, Ha, ha, ra = s[ia], g[ia], H[ia], h[ia], rho[ia]
        free = np.ones(sa.shape, dtype=bool)
        if box is not None:
            at_lo = (sa <= lo[ia] + 1e-15) & (ga < 0)
            at_hi = (sa >= hi[ia] - 1e-15) & (ga > 0)
            free = ~(at_lo | at_hi)
        gf = np.where(free, ga, 0.0)
        mask2 = free[:, :, None] & free[:, None, :]
        Hf = np.where(mask2, Ha, 0.0) - np.where(~free[:, :, None] & eye.astype(bool), 1.0, 0.0)
        # Newton where -H is positive definite, else a scaled gradient step
        w = np.linalg.eigvalsh(-Hf)
        pd = (w[:, 0] > 0) & np.all(np.isfinite(Hf), axis=(1, 2))
        with np.errstate(all="ignore"):
            newton = np.linalg.solve(np.where(pd[:, None, None], -Hf, eye), gf[..., None])[..., 0]
            scale = 1.0 / np.maximum(np.abs(w).max(axis=1), 1.0 / ra)
        step = np.where(pd[:, None], newton, gf * np.where(np.isfinite(scale), scale, 0.0)[:, None])
        alpha = np.ones(ia.size)
        accepted = np.zeros(ia.size, dtype=bool)
        snew, hnew, gnew, Hnew = sa.copy(), ha.copy(), ga.copy(), Ha.copy()
        for _ in range(40):
            todo = np.flatnonzero(~accepted)
            if todo.size == 0:
                break
            trial = sa[todo] + alpha[todo, None] * step[todo]
            if box is not None:
                trial = np.clip(trial, lo[ia[todo]], hi[ia[todo]])
            # stay strictly inside the ball
            nrm = np.linalg.norm(trial, axis=-1)
            lim = ra[todo] * (1 - 1e-15)
            trial = np.where((nrm > lim)[:, None], trial * (lim / np.maximum(nrm, 1e-300))[:, None],
                             trial)
            ht, gt, Ht = _objective(L, x[ia[todo]], trial, ra[todo], box)
            good = ht >= ha[todo] - 1e-15 * (1 + np.abs(ha[todo]))
            acc = todo[good]
            snew[acc], hnew[acc], gnew[acc], Hnew[acc] = (trial[good], ht[good], gt[good],
                                                          Ht[good])
            accepted[acc] = True
            alpha[todo[~good]] *= 0.5
        moved = np.linalg.norm(snew - sa, axis=-1)
        s[ia], h[ia], g[ia], H[ia] = snew, hnew, gnew, Hnew
        gfree = np.linalg.norm(np.where(free, gnew, 0.0), axis=-1)
        done = (~accepted) | (moved <= 4e-16 * np.maximum(1.0, ra)) | (gfree <= 1e-14)
        active[ia] = ~done
    return s, h


def polish_sup(L: Landscape, x: np.ndarray, s0: np.ndarray, rho: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    r"""The safeguarded Newton ascent of :math:`h(s) = f(x + s) + \sqrt{\rho^2 - |s|^2}`
    (d-D, no box) from ``s0`` (n, d) inside the ball: ``(s, h(s))`` at the local max
    reached (a lower bound of :math:`f_\rho(x)`, equal to it where the start lies in the
    sup's basin)."""
    x = np.asarray(x, dtype=float)
    s0 = np.asarray(s0, dtype=float)
    rho = np.asarray(rho, dtype=float)
    nrm = np.linalg.norm(s0, axis=-1)
    lim = rho * (1 - 1e-12)
    s0 = np.where((nrm > lim)[:, None], s0 * (lim / np.maximum(nrm, 1e-300))[:, None], s0)
    return _polish_nd(L, x, s0, rho, None, np.ones(x.shape[0], dtype=bool))


# ---------------------------------------------------------------------------- grid dilation
def upper_offset_grid(
    landscape: Landscape | str,
    rho,
    *,
    domain: Sequence[float] | Sequence[Sequence[float]] | None = None,
    resolution: float | None = None,
) -> OffsetGrid:
    r"""The upper offset on a regular grid by grey dilation with a hemisphere.

    .. math::

        f_\rho(x_i) \approx \max_{k:\ h|k|\le\rho} f(x_{i+k}) + \sqrt{\rho^2 - h^2|k|^2}

    (``scipy.ndimage.grey_dilation`` with the non-flat structuring element
    :math:`\sqrt{\rho^2-h^2|k|^2}` on the disk footprint; samples outside the grid
    count as :math:`-\infty`, so the sup is restricted to the grid's box).

    Grid error: the dilation takes the sup over grid samples only, so
    :math:`0 \le f_\rho^{\rm exact} - f_\rho^{\rm grid} \lesssim \tfrac{d h^2}{8}
    \max\|\nabla^2_s(f(x+s)+\sqrt{\rho^2-|s|^2})\|` at the contacts (second order in h;
    see the module notes).

    Args:
        landscape: the loss (any dimension; memory grows as the grid size times
            the footprint size).
        rho: one radius or a 1-D sequence of radii.
        domain: the box (default: the landscape's domain); the grid starts at each
            ``lo`` with spacing h and stops at the last point ``<= hi``.
        resolution: the grid spacing h (default
            :func:`~rollingball.symbolic.scales.default_resolution`).

    Returns:
        an :class:`OffsetGrid` with ``value`` of shape ``(R,) + grid``.
    """
    L = Landscape(landscape)
    radii = np.atleast_1d(_check_rho(rho)).astype(float)
    if radii.ndim != 1:
        raise ValueError("upper_offset_grid takes one radius or a 1-D sequence of radii")
    box = _as_box(L.domain if domain is None else domain, L.dim)
    h = default_resolution(L) if resolution is None else float(resolution)
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"resolution must be positive, got {resolution}")
    axes = tuple(lo + h * np.arange(int(np.floor((hi - lo) / h + 1e-9)) + 1) for lo, hi in box)
    size = int(np.prod([a.size for a in axes]))
    if size > 50_000_000:
        raise ValueError(f"the grid would have {size} points; raise the resolution")
    pts = axes[0] if L.dim == 1 else np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
    F = L.f(pts)
    out = np.empty((radii.size,) + F.shape)
    low = float(np.min(F)) - 2 * float(radii.max()) - 1.0  # below every candidate: acts as -inf
    for j, r in enumerate(radii):
        K = int(np.floor(r / h + 1e-12))
        k1 = np.arange(-K, K + 1) * h
        K2 = sum(np.meshgrid(*([k1**2] * L.dim), indexing="ij"))
        foot = K2 <= r * r
        struct = np.where(foot, np.sqrt(np.maximum(r * r - K2, 0.0)), 0.0)
        out[j] = ndimage.grey_dilation(F, footprint=foot, structure=struct,
                                       mode="constant", cval=low)
    return OffsetGrid(axes=axes, spacing=h, f=F, rho=radii, value=out)
